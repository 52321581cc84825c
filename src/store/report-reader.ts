import Database from 'better-sqlite3';
import { SqliteDeviceStateRepository } from './device-state-repo.js';
import type { DeviceStateRepository, ReportRepository } from './ports.js';
import { SqliteReportRepository } from './report-repo.js';
import { promised, SqliteGate } from './sqlite-gate.js';

/**
 * What building a report reads: the report queries and the devices' state. Nothing here writes.
 * The hub's store satisfies it, and so does the report worker's own reader below: one builder for both.
 */
export interface ReportReads {
  reports: Pick<ReportRepository, 'openedIn' | 'activeIn' | 'alarmEventsByDevice' | 'offlineEventsByDevice'>;
  deviceState: Pick<DeviceStateRepository, 'all'>;
}

export interface ReportReader extends ReportReads {
  close(): void;
}

/**
 * A second, read-only connection to the hub's database for the report worker (issue 14): under WAL
 * a reader sees the last committed state and never blocks the hub's writer, and `readonly` makes
 * any write through it fail instead of racing the hub. No migrations and no pragmas that write:
 * the hub that owns the file has already applied them. Its answers are promises like the store's
 * (the worker thread has nothing else to do while it waits, so this costs nothing).
 */
export function openReportReader(path: string): ReportReader {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  // No transactions on this connection: the gate only turns the answers into promises.
  const gate = new SqliteGate(
    () => undefined,
    () => false,
    () => undefined,
  );
  return {
    reports: promised<ReportRepository>(gate, new SqliteReportRepository(db)),
    deviceState: promised<DeviceStateRepository>(gate, new SqliteDeviceStateRepository(db)),
    close: () => db.close(),
  };
}
