import { openDatabase, type Db } from './db.js';
import { EventRepository } from './event-repo.js';
import { IncidentRepository } from './incident-repo.js';
import { DeviceStateRepository } from './device-state-repo.js';

export { GroupCommit } from './group-commit.js';
export type { StoredEvent, EventQuery } from './event-repo.js';
export type { IncidentQuery } from './incident-repo.js';
export type { DeviceStateRow } from './device-state-repo.js';
export { EventRepository, IncidentRepository, DeviceStateRepository, openDatabase, type Db };

/** The store: one SQLite file, one repository per aggregate. */
export interface Store {
  db: Db;
  events: EventRepository;
  incidents: IncidentRepository;
  deviceState: DeviceStateRepository;
  /** Runs fn in one transaction. */
  transaction<T>(fn: () => T): T;
  close(): void;
}

export function openStore(path: string): Store {
  const db = openDatabase(path);
  return {
    db,
    events: new EventRepository(db),
    incidents: new IncidentRepository(db),
    deviceState: new DeviceStateRepository(db),
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
    close: () => db.close(),
  };
}
