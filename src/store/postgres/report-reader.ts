import type { ReportReader } from '../report-reader.js';
import { PgDeviceStateRepository } from './device-state-repo.js';
import { createPool, type PostgresOptions } from './pool.js';
import { PgReportRepository } from './report-repo.js';
import { PgContext } from './transaction.js';

/**
 * The report worker's own connections to the hub's PostgreSQL database (as openReportReader is for
 * SQLite): two pooled connections whose sessions are read-only (`default_transaction_read_only`),
 * so the worker can never write; no migrations (the hub applied them).
 */
export function openPostgresReportReader(o: PostgresOptions): ReportReader {
  const pool = createPool({ ...o, poolSize: o.poolSize ?? 2, readOnly: true });
  const pg = new PgContext(pool);
  return {
    reports: new PgReportRepository(pg),
    deviceState: new PgDeviceStateRepository(pg),
    close: () => {
      // The interface's close is synchronous; the pool ends in the background and holds nothing after.
      void pool.end().catch(() => undefined);
    },
  };
}
