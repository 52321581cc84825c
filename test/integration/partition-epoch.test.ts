/**
 * The lease fencing token on a real PostgreSQL (migration 003, src/store/postgres/partition-locks.ts):
 * every acquire of a partition bumps its epoch; a write carrying an old epoch is named stale inside
 * its transaction; and a write that read the epoch FOR SHARE makes the next owner's acquire wait —
 * given back after the bump timeout, taken once the write has ended — so that write is either
 * committed before the new owner starts or refused.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore, type Store } from '../../src/store/index.js';
import { PgPartitionLocks } from '../../src/store/postgres/partition-locks.js';
import { POSTGRES_BIN_DIR, startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { until } from '../helpers/fault.js';

let server: PostgresServer;
let url: string;
let store: Store;
const opened: PgPartitionLocks[] = [];

function locks(replicaId: string, bumpTimeoutMs?: number): PgPartitionLocks {
  const l = new PgPartitionLocks({ url, replicaId, ...(bumpTimeoutMs !== undefined ? { bumpTimeoutMs } : {}) });
  opened.push(l);
  return l;
}

describe.skipIf(!POSTGRES_BIN_DIR)('partition epochs: the fencing token of the leases', () => {
  beforeAll(async () => {
    server = await startPostgres({ fsync: false });
    url = await server.createDatabase();
    store = await openPostgresStore({ url });
  }, 60_000);

  afterAll(async () => {
    for (const l of opened) await l.close();
    await store?.close();
    await server?.destroy();
  });

  it('each acquire bumps the epoch; the previous holder’s token is then stale, the current one is not', async () => {
    const a = locks('ep-a');
    await a.connect();
    expect(await a.tryAcquire(7)).toBe(true);
    const first = a.epochOf(7)!;
    expect(first).toBeGreaterThan(0);
    expect(await store.incidents.staleFences([{ partition: 7, epoch: first }])).toEqual([]);

    await a.close(); // the session ends: the lock is free, and a no longer holds a token
    expect(a.epochOf(7)).toBeUndefined();
    const b = locks('ep-b');
    await b.connect();
    expect(await b.tryAcquire(7)).toBe(true);
    expect(b.epochOf(7)).toBe(first + 1);
    expect(await store.incidents.staleFences([{ partition: 7, epoch: first }])).toEqual([7]);
    expect(await store.incidents.staleFences([{ partition: 7, epoch: first + 1 }])).toEqual([]);
    // A partition nobody ever took has no epoch: any token for it is stale.
    expect(await store.incidents.staleFences([{ partition: 63, epoch: 1 }])).toEqual([63]);
    await b.release(7);
    expect(b.epochOf(7)).toBeUndefined();
  });

  it('a write holding the epoch FOR SHARE keeps the next owner out until it ends; that owner then sees what it committed', async () => {
    const a = locks('ep-c');
    await a.connect();
    expect(await a.tryAcquire(9)).toBe(true);
    const token = { partition: 9, epoch: a.epochOf(9)! };

    // The owner's write: fence checked (row FOR SHARE), incident row written, commit not yet sent.
    const writer = new pg.Client({ connectionString: url });
    await writer.connect();
    try {
      await writer.query('BEGIN');
      const held = await writer.query<{ epoch: string }>('SELECT epoch FROM partition_epoch WHERE p = $1 FOR SHARE', [9]);
      expect(Number(held.rows[0]!.epoch)).toBe(token.epoch);
      await writer.query(`INSERT INTO schema_migrations (name, applied_at) VALUES ('fence-probe', 'now')`);

      // Its lock session is gone; the next owner takes the advisory lock, but the bump waits for
      // the write and, past its timeout, gives the partition back for the next round.
      await a.close();
      const b = locks('ep-d', 300);
      await b.connect();
      expect(await b.tryAcquire(9)).toBe(false);
      expect(b.connected).toBe(true);
      expect(b.held().has(9)).toBe(false);

      // The write commits; the next round's acquire goes through, and sees the committed row.
      await writer.query('COMMIT');
      expect(await until(() => b.tryAcquire(9), 20_000)).toBe(true);
      expect(b.epochOf(9)).toBe(token.epoch + 1);
      const probe = new pg.Client({ connectionString: url });
      await probe.connect();
      try {
        expect((await probe.query(`SELECT 1 FROM schema_migrations WHERE name = 'fence-probe'`)).rowCount).toBe(1);
      } finally {
        await probe.end();
      }
    } finally {
      await writer.end().catch(() => undefined);
    }
  });
});
