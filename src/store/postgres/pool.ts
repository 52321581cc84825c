import pg from 'pg';

/** How `openPostgresStore` reaches the database. */
export interface PostgresOptions {
  /** postgres://user@host:port/db — keep the password out of it: PGPASSWORD or ~/.pgpass (libpq's own places) are read by `pg`. */
  url: string;
  /** Resolved from `storage.password_env`; absent: pg reads PGPASSWORD or ~/.pgpass. */
  password?: string;
  /** Pooled connections of this replica (transactions each hold one while they run). */
  poolSize?: number;
  /** A connection attempt that takes longer fails (PostgreSQL down or unreachable), ms. */
  connectTimeoutMs?: number;
  /**
   * A query that has no answer after this long fails, ms: a lost connection or a stalled server
   * must reject the caller (who then refuses the PUBACK), never hang it. Includes waiting for the
   * event and audit locks, so it is generous.
   */
  queryTimeoutMs?: number;
  /** Sessions that refuse every write (the report worker's reader). */
  readOnly?: boolean;
}

/** int8 (count(*), sum of int, BIGINT columns) as a JS number: every value here stays far below 2^53. */
const INT8_OID = 20;
const NUMERIC_OID = 1700;
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
} as unknown as pg.CustomTypesConfig;

/**
 * One pool per store, with the timeouts that make a PostgreSQL that is down or lost answer "no"
 * quickly. The type parsers are the pool's own (not pg's global ones), so nothing else in the
 * process is changed by them.
 */
export function createPool(o: PostgresOptions): pg.Pool {
  const queryTimeout = o.queryTimeoutMs ?? 15_000;
  const pool = new pg.Pool({
    connectionString: o.url,
    ...(o.password !== undefined ? { password: o.password } : {}),
    max: o.poolSize ?? 10,
    connectionTimeoutMillis: o.connectTimeoutMs ?? 5_000,
    query_timeout: queryTimeout,
    // The server ends what the client gave up on, so a lock is not held by an abandoned query.
    statement_timeout: queryTimeout,
    idle_in_transaction_session_timeout: queryTimeout * 2,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'safegrid-hub',
    // Durable commits whatever the server's default says (a PUBACK waits for this); derived
    // transactions turn it off for themselves only (SET LOCAL).
    options: o.readOnly ? '-c default_transaction_read_only=on' : '-c synchronous_commit=on',
    types,
  });
  // An idle client whose server went away emits 'error' on the pool; without a listener that
  // would crash the process. The pool drops the client; the next query opens a new one.
  pool.on('error', () => undefined);
  return pool;
}

/** `?` placeholders (as where.ts writes them) numbered as PostgreSQL wants them: $1, $2, … */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
