import { openDatabase } from './db.js';
import { SqliteAuditRepository } from './audit-repo.js';
import { SqliteCommissioningRepository } from './commissioning-repo.js';
import { SqliteDeviceStateRepository } from './device-state-repo.js';
import { SqliteEventRepository } from './event-repo.js';
import { SqliteIncidentRepository } from './incident-repo.js';
import type { Store } from './ports.js';
import { SqliteSessionRepository } from './session-repo.js';
import { SqliteOutboxRepository } from './outbox-repo.js';
import { SqliteDrillRepository } from './drill-repo.js';
import { SqliteReportRepository } from './report-repo.js';

/**
 * The SQLite store: one file, one connection. The connection stays in this closure: everything
 * outside src/store/ asks a repository, so a second backend can answer the same questions.
 */
export function openSqliteStore(path: string): Store {
  const db = openDatabase(path);
  const incidents = new SqliteIncidentRepository(db);
  // A repository that remembers what it wrote must forget it when the transaction did not commit.
  const run = <T>(fn: () => T): T => {
    try {
      return db.transaction(fn)();
    } catch (err) {
      incidents.rolledBack();
      throw err;
    }
  };
  return {
    events: new SqliteEventRepository(db),
    commissioning: new SqliteCommissioningRepository(db),
    incidents,
    deviceState: new SqliteDeviceStateRepository(db),
    audit: new SqliteAuditRepository(db),
    sessions: new SqliteSessionRepository(db),
    outbox: new SqliteOutboxRepository(db),
    drills: new SqliteDrillRepository(db),
    reports: new SqliteReportRepository(db),
    transaction: run,
    derivedTransaction: <T>(fn: () => T): T => {
      db.pragma('synchronous = NORMAL');
      try {
        return run(fn);
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
