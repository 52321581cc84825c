import Database from 'better-sqlite3';
import { SqliteDeviceStateRepository } from './device-state-repo.js';
import type { DeviceStateRepository, ReportRepository } from './ports.js';
import { SqliteReportRepository } from './report-repo.js';

/** What building a report reads: the report queries and the devices' state. Nothing here writes. */
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
 * the hub that owns the file has already applied them.
 */
export function openReportReader(path: string): ReportReader {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return {
    reports: new SqliteReportRepository(db),
    deviceState: new SqliteDeviceStateRepository(db),
    close: () => db.close(),
  };
}
