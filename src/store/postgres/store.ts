import type { Store } from '../ports.js';
import { PgAuditRepository } from './audit-repo.js';
import { PgCommissioningRepository } from './commissioning-repo.js';
import { PgDeviceStateRepository } from './device-state-repo.js';
import { PgDrillRepository } from './drill-repo.js';
import { PgEventRepository } from './event-repo.js';
import { PgIncidentRepository } from './incident-repo.js';
import { migratePostgres } from './migrate.js';
import { PgOutboxRepository } from './outbox-repo.js';
import { createPool, type PostgresOptions } from './pool.js';
import { PgReportRepository } from './report-repo.js';
import { PgSessionRepository } from './session-repo.js';
import { PgContext } from './transaction.js';

/** How long `ping()` waits for an answer before it says false. */
const PING_TIMEOUT_MS = 2_000;

/**
 * The PostgreSQL store (issue 18): one pool per replica, any number of replicas on one database.
 * Applies the migrations (under an advisory lock) before it resolves; rejects when PostgreSQL
 * cannot be reached or a migration fails, and then leaves no pool open.
 */
export async function openPostgresStore(o: PostgresOptions): Promise<Store> {
  const pool = createPool(o);
  try {
    await migratePostgres(pool);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  const pg = new PgContext(pool);
  let closed: Promise<void> | null = null;
  return {
    backend: 'postgres',
    events: new PgEventRepository(pg),
    commissioning: new PgCommissioningRepository(pg),
    incidents: new PgIncidentRepository(pg),
    deviceState: new PgDeviceStateRepository(pg),
    audit: new PgAuditRepository(pg),
    sessions: new PgSessionRepository(pg),
    outbox: new PgOutboxRepository(pg),
    drills: new PgDrillRepository(pg),
    reports: new PgReportRepository(pg),
    transaction: (fn) => pg.transaction(fn, true),
    derivedTransaction: (fn) => pg.transaction(fn, false),
    ping: async () => {
      if (closed !== null) return false; // close() started: the pool takes no more queries
      try {
        // Its own short ceiling: the health check must answer while PostgreSQL does not.
        await pool.query({ text: 'SELECT 1', query_timeout: PING_TIMEOUT_MS } as unknown as string);
        return true;
      } catch {
        return false; // down, unreachable or timed out: /api/health reports it
      }
    },
    close: () => {
      closed ??= pool.end();
      return closed;
    },
  };
}

export type { PostgresOptions } from './pool.js';
