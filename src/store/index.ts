import { openDatabase, type Db } from './db.js';
import { EventRepository } from './event-repo.js';
import { IncidentRepository } from './incident-repo.js';
import { DeviceStateRepository } from './device-state-repo.js';
import { AuditRepository } from './audit-repo.js';
import { SessionRepository } from './session-repo.js';

export { GroupCommit } from './group-commit.js';
export type { StoredEvent, EventQuery } from './event-repo.js';
export type { IncidentQuery } from './incident-repo.js';
export type { DeviceStateRow } from './device-state-repo.js';
export type { AuditEntry, AuditRow, AuditVerdict } from './audit-repo.js';
export type { SessionRow } from './session-repo.js';
export { EventRepository, IncidentRepository, DeviceStateRepository, AuditRepository, SessionRepository, openDatabase, type Db };

/** The store: one SQLite file, one repository per aggregate. */
export interface Store {
  db: Db;
  events: EventRepository;
  incidents: IncidentRepository;
  deviceState: DeviceStateRepository;
  audit: AuditRepository;
  sessions: SessionRepository;
  /** Runs fn in one transaction, durable on return (synchronous=FULL: the WAL is fsynced). */
  transaction<T>(fn: () => T): T;
  /**
   * Runs fn in one transaction without its own fsync (synchronous=NORMAL for this commit). Only
   * for data that can be rebuilt from durable rows: WAL frames are ordered, so the next durable
   * commit syncs these too, and a loss by power failure only loses derived state — e.g. incidents,
   * which are re-derived from events that are still marked unprocessed.
   */
  derivedTransaction<T>(fn: () => T): T;
  close(): void;
}

export function openStore(path: string): Store {
  const db = openDatabase(path);
  return {
    db,
    events: new EventRepository(db),
    incidents: new IncidentRepository(db),
    deviceState: new DeviceStateRepository(db),
    audit: new AuditRepository(db),
    sessions: new SessionRepository(db),
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
    derivedTransaction: <T>(fn: () => T): T => {
      db.pragma('synchronous = NORMAL');
      try {
        return db.transaction(fn)();
      } finally {
        db.pragma('synchronous = FULL');
      }
    },
    close: () => db.close(),
  };
}
