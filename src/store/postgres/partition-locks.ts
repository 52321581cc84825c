/**
 * Partition leases as PostgreSQL session-level advisory locks, on ONE dedicated connection.
 *
 * Why a session lock on its own connection: the lock lives exactly as long as the session. A
 * replica that dies (SIGKILL, power, OOM) closes its socket, PostgreSQL ends the session and frees
 * every lock it held, and the other replicas can take those partitions at once — no lease expiry
 * to wait for, no clock shared between machines. The flip side: this connection must never be
 * pooled (a pool, or PgBouncer in transaction mode, would hand the session to another caller).
 *
 * Presence without a table: each replica's lock session also holds a SHARED advisory lock on a
 * presence key and names itself in `application_name` (`safegrid:<replicaId>`); `pg_locks` joined
 * to `pg_stat_activity` then tells every replica who is alive and who holds which partition.
 *
 * When the connection drops or a query on it fails, every lock may be gone: `lost` fires once, at
 * once, `held()` empties, and the replica must stop acting as owner of any partition before it
 * connects again (src/cluster/README.md, "stale owner").
 *
 * Fencing: each acquire also bumps the partition's epoch (`partition_epoch`, migration 003) on this
 * session before the partition counts as held; `epochOf` answers it while held. Incident writes
 * check it in their own transactions, so a write of a replica that lost the partition is refused.
 */
import pg from 'pg';
import type { LockSurvey, PartitionLocks } from '../ports.js';

/** advisory lock key 1 ("SG" + 1, + 2): keeps our keys apart from any other user of advisory locks in the database. */
export const PARTITION_LOCK_NAMESPACE = 0x5347_0001;
export const PRESENCE_LOCK_NAMESPACE = 0x5347_0002;
/** `application_name` of a lock session: PostgreSQL keeps 63 bytes of it. */
const APP_PREFIX = 'safegrid:';
export const REPLICA_ID = /^[A-Za-z0-9._-]{1,50}$/;

export interface PgPartitionLocksOptions {
  url: string;
  /** storage.password (kept out of the URL); absent: pg reads PGPASSWORD or ~/.pgpass. */
  password?: string;
  replicaId: string;
  /**
   * A query on the lock connection that takes longer than this counts as a lost connection: a replica
   * that cannot reach PostgreSQL must stop acting as owner before PostgreSQL frees its locks to others.
   */
  queryTimeoutMs?: number;
  connectTimeoutMs?: number;
  /**
   * How long an acquire's epoch bump waits for a stale owner's incident write that still holds the
   * partition's epoch row (FOR SHARE). Past it the lock is given back and taken again next round;
   * below queryTimeoutMs so the wait never costs the whole session.
   */
  bumpTimeoutMs?: number;
}

/** SQLSTATE lock_not_available: `lock_timeout` ran out. */
const LOCK_NOT_AVAILABLE = '55P03';

export class PgPartitionLocks implements PartitionLocks {
  readonly replicaId: string;
  private client: pg.Client | null = null;
  private readonly mine = new Set<number>();
  /** The fencing token got with each held partition (migration 003); changed together with `mine`. */
  private readonly epochs = new Map<number, number>();
  private readonly lostHandlers = new Set<(reason: string) => void>();
  private closing = false;

  constructor(private readonly o: PgPartitionLocksOptions) {
    if (!REPLICA_ID.test(o.replicaId)) throw new Error(`replica id must be 1–50 of A–Z a–z 0–9 . _ -, got ${JSON.stringify(o.replicaId)}`);
    this.replicaId = o.replicaId;
  }

  get connected(): boolean {
    return this.client !== null;
  }

  async connect(): Promise<void> {
    if (this.client) return;
    this.closing = false;
    const client = new pg.Client({
      connectionString: this.o.url,
      ...(this.o.password !== undefined ? { password: this.o.password } : {}),
      application_name: APP_PREFIX + this.replicaId,
      keepAlive: true,
      keepAliveInitialDelayMillis: 1_000,
      query_timeout: this.o.queryTimeoutMs ?? 5_000,
      connectionTimeoutMillis: this.o.connectTimeoutMs ?? 5_000,
      // Only the epoch bump ever waits for a lock (the advisory ones are taken with try_): see bumpTimeoutMs.
      lock_timeout: this.o.bumpTimeoutMs ?? 2_000,
    });
    // Before connect(): an error event without a listener would crash the process.
    client.on('error', (err) => this.drop(client, `lock connection failed: ${err.message}`));
    client.on('end', () => this.drop(client, 'lock connection ended'));
    await client.connect();
    try {
      const twin = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = $1 AND a.application_name = $2 AND l.pid <> pg_backend_pid()
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [PRESENCE_LOCK_NAMESPACE, APP_PREFIX + this.replicaId],
      );
      if (Number(twin.rows[0]?.n ?? 0) > 0) throw new Error(`another live replica already uses the id ${this.replicaId}: every replica needs its own`);
      await client.query('SELECT pg_advisory_lock_shared($1::int, 0)', [PRESENCE_LOCK_NAMESPACE]);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
  }

  held(): ReadonlySet<number> {
    return this.mine;
  }

  epochOf(partition: number): number | undefined {
    return this.mine.has(partition) ? this.epochs.get(partition) : undefined;
  }

  async tryAcquire(partition: number): Promise<boolean> {
    // Session advisory locks stack: a second lock of a held key would need two unlocks.
    if (this.mine.has(partition)) return true;
    const r = await this.run<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::int, $2::int) AS ok', [PARTITION_LOCK_NAMESPACE, partition]);
    if (r.rows[0]?.ok !== true) return false;
    const epoch = await this.bump(partition);
    if (epoch === null) return false;
    this.epochs.set(partition, epoch);
    this.mine.add(partition);
    return true;
  }

  /**
   * The fencing token: a new epoch for the partition, before this replica acts as its owner. The
   * upsert locks the row FOR UPDATE, so it waits for any incident write of the previous owner that
   * read the epoch FOR SHARE: that write has then committed (the new owner's takeover loads it) or
   * rolled back; every later write of the previous owner sees the new epoch and is refused. Null
   * when such a write holds the row past bumpTimeoutMs: the lock is given back, tried next round.
   */
  private async bump(partition: number): Promise<number | null> {
    const client = this.client;
    if (!client) throw new Error('partition locks are not connected');
    try {
      const r = await client.query<{ epoch: string }>(
        `INSERT INTO partition_epoch AS e (p, epoch) VALUES ($1, 1)
           ON CONFLICT (p) DO UPDATE SET epoch = e.epoch + 1 RETURNING epoch`,
        [partition],
      );
      return Number(r.rows[0]!.epoch);
    } catch (err) {
      if ((err as { code?: string }).code !== LOCK_NOT_AVAILABLE) {
        const reason = `lock query failed: ${(err as Error).message}`;
        this.drop(client, reason);
        throw new Error(reason);
      }
      await this.run('SELECT pg_advisory_unlock($1::int, $2::int)', [PARTITION_LOCK_NAMESPACE, partition]);
      return null;
    }
  }

  async release(partition: number): Promise<void> {
    if (!this.mine.has(partition)) return;
    // Forget it first: from here on this replica no longer acts as its owner, whatever the unlock answers.
    this.mine.delete(partition);
    this.epochs.delete(partition);
    await this.run('SELECT pg_advisory_unlock($1::int, $2::int)', [PARTITION_LOCK_NAMESPACE, partition]);
  }

  async survey(): Promise<LockSurvey> {
    const r = await this.run<{ app: string; ns: string; key: string }>(
      `SELECT a.application_name AS app, l.classid::bigint AS ns, l.objid::bigint AS key
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid::bigint IN ($1, $2)
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [PARTITION_LOCK_NAMESPACE, PRESENCE_LOCK_NAMESPACE],
    );
    const replicas = new Map<string, number[]>();
    const owners = new Map<number, string>();
    for (const row of r.rows) {
      if (!row.app.startsWith(APP_PREFIX)) continue;
      const id = row.app.slice(APP_PREFIX.length);
      if (!replicas.has(id)) replicas.set(id, []);
      if (Number(row.ns) === PARTITION_LOCK_NAMESPACE) {
        replicas.get(id)!.push(Number(row.key));
        owners.set(Number(row.key), id);
      }
    }
    return {
      replicas: [...replicas].map(([id, partitions]) => ({ id, partitions: partitions.sort((a, b) => a - b) })).sort((a, b) => a.id.localeCompare(b.id)),
      owners,
    };
  }

  onLost(fn: (reason: string) => void): () => void {
    this.lostHandlers.add(fn);
    return () => {
      this.lostHandlers.delete(fn);
    };
  }

  /** Ends the session: PostgreSQL frees every lock. No `lost` event (the caller chose this). */
  async close(): Promise<void> {
    const client = this.client;
    this.closing = true;
    this.client = null;
    this.mine.clear();
    this.epochs.clear();
    if (!client) return;
    client.removeAllListeners('end');
    await client.end().catch(() => undefined);
  }

  /** A query on the lock session; any failure means the locks can no longer be trusted. */
  private async run<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    const client = this.client;
    if (!client) throw new Error('partition locks are not connected');
    try {
      return await client.query<R>(sql, params);
    } catch (err) {
      const reason = `lock query failed: ${(err as Error).message}`;
      this.drop(client, reason);
      throw new Error(reason);
    }
  }

  private drop(client: pg.Client, reason: string): void {
    if (this.client !== client || this.closing) return;
    this.client = null;
    this.mine.clear();
    this.epochs.clear();
    client.removeAllListeners('end');
    // Close the socket without waiting for PostgreSQL's goodbye: a hung server must not hold us,
    // and a closed socket is what makes PostgreSQL end the session and free the locks.
    client.connection.stream.destroy();
    client.end().catch(() => undefined);
    for (const fn of [...this.lostHandlers]) {
      try {
        fn(reason);
      } catch {
        // A failing listener must not keep the others from learning that the locks are gone.
      }
    }
  }
}
