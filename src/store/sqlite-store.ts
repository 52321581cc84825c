import { openDatabase } from './db.js';
import { SqliteAuditRepository } from './audit-repo.js';
import { SqliteCommissioningRepository } from './commissioning-repo.js';
import { SqliteDeviceStateRepository } from './device-state-repo.js';
import { SqliteEventRepository } from './event-repo.js';
import { SqliteIncidentRepository } from './incident-repo.js';
import type {
  AuditRepository,
  CommissioningRepository,
  DeviceStateRepository,
  DrillRepository,
  EventRepository,
  IncidentRepository,
  NotificationOutboxRepository,
  ReportRepository,
  SessionRepository,
  Store,
} from './ports.js';
import { SqliteSessionRepository } from './session-repo.js';
import { SqliteOutboxRepository } from './outbox-repo.js';
import { SqliteDrillRepository } from './drill-repo.js';
import { SqliteReportRepository } from './report-repo.js';
import { promised, SqliteGate } from './sqlite-gate.js';
import { startCheckpointer } from './sqlite-checkpointer.js';

export interface SqliteStoreOptions {
  /** A WAL checkpoint failed in the checkpoint worker (sqlite-checkpointer.ts); the hub logs it. */
  onCheckpointError?: ((message: string) => void) | undefined;
}

/**
 * The SQLite store: one file, one connection. The connection stays in this closure: everything
 * outside src/store/ asks a repository, so a second backend can answer the same questions. The
 * repositories are synchronous (better-sqlite3 blocks); the gate (sqlite-gate.ts) gives them the
 * ports' promises and keeps transactions from interleaving on the one connection.
 */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Store {
  const db = openDatabase(path);
  const incidents = new SqliteIncidentRepository(db);
  const audit = new SqliteAuditRepository(db);
  // A repository that remembers what it wrote must forget it when the transaction did not commit.
  const gate = new SqliteGate(
    (sql) => db.exec(sql),
    () => db.inTransaction,
    () => {
      incidents.rolledBack();
      audit.resetHead();
    },
  );
  // A file's WAL is checkpointed by a worker thread, not inside the hub's commits.
  const checkpointer =
    path === ':memory:'
      ? null
      : startCheckpointer(db, path, { onError: options.onCheckpointError ?? (() => undefined), betweenTransactions: (fn) => gate.call(fn) });
  // Only for data rebuilt from durable rows: WAL frames are ordered, so the next FULL commit syncs it.
  // Prepared once: db.pragma() compiles its statement on every call (two per derived write, ~1.4 µs per alarm flat out).
  const syncNormal = db.prepare('PRAGMA synchronous = NORMAL');
  const syncFull = db.prepare('PRAGMA synchronous = FULL');
  const withoutFsync = {
    beforeBegin: () => syncNormal.run(),
    afterEnd: () => syncFull.run(),
  };
  let closed: Promise<void> | null = null;
  return {
    backend: 'sqlite',
    events: promised<EventRepository>(gate, new SqliteEventRepository(db)),
    commissioning: promised<CommissioningRepository>(gate, new SqliteCommissioningRepository(db)),
    incidents: promised<IncidentRepository>(gate, incidents),
    deviceState: promised<DeviceStateRepository>(gate, new SqliteDeviceStateRepository(db)),
    audit: promised<AuditRepository>(gate, audit, ['resetHead']),
    sessions: promised<SessionRepository>(gate, new SqliteSessionRepository(db)),
    outbox: promised<NotificationOutboxRepository>(gate, new SqliteOutboxRepository(db)),
    drills: promised<DrillRepository>(gate, new SqliteDrillRepository(db)),
    reports: promised<ReportRepository>(gate, new SqliteReportRepository(db)),
    transaction: (fn) => gate.transaction(fn),
    derivedTransaction: (fn) => gate.transaction(fn, withoutFsync),
    // Not queued: a health check must answer while a long transaction runs, and SELECT 1 reads nothing.
    ping: async () => {
      try {
        db.prepare('SELECT 1').get();
        return true;
      } catch {
        return false; // closed, or the file is gone or unreadable: the health check reports it
      }
    },
    // After what is queued: a transaction already accepted still commits.
    close: () => {
      closed ??= gate.drain().then(async () => {
        await checkpointer?.stop();
        db.close();
      });
      return closed;
    },
  };
}
