import { openDatabase } from './db.js';
import { SqliteAuditRepository } from './audit-repo.js';
import { SqliteDeviceStateRepository } from './device-state-repo.js';
import { SqliteEventRepository } from './event-repo.js';
import { SqliteIncidentRepository } from './incident-repo.js';
import type { Store } from './ports.js';
import { SqliteSessionRepository } from './session-repo.js';
import { SqliteOutboxRepository } from './outbox-repo.js';
import { SqliteReportRepository } from './report-repo.js';

/**
 * The SQLite store: one file, one connection. The connection stays in this closure: everything
 * outside src/store/ asks a repository, so a second backend can answer the same questions.
 */
export function openSqliteStore(path: string): Store {
  const db = openDatabase(path);
  return {
    events: new SqliteEventRepository(db),
    incidents: new SqliteIncidentRepository(db),
    deviceState: new SqliteDeviceStateRepository(db),
    audit: new SqliteAuditRepository(db),
    sessions: new SqliteSessionRepository(db),
    outbox: new SqliteOutboxRepository(db),
    reports: new SqliteReportRepository(db),
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
    derivedTransaction: <T>(fn: () => T): T => {
      db.pragma('synchronous = NORMAL');
      try {
        return db.transaction(fn)();
      } finally {
        db.pragma('synchronous = FULL');
      }
    },
    ping: (): boolean => {
      try {
        db.prepare('SELECT 1').get();
        return true;
      } catch {
        return false; // closed, or the file is gone or unreadable: the health check reports it
      }
    },
    close: () => db.close(),
  };
}
