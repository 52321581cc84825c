/**
 * The lease fencing token on a real PostgreSQL (migration 003, src/store/postgres/partition-locks.ts):
 * every acquire of a partition bumps its epoch; a write carrying an old epoch is named stale inside
 * its transaction; and a write that read the epoch FOR SHARE makes the next owner's acquire wait —
 * given back after the bump timeout, taken once the write has ended — so that write is either
 * committed before the new owner starts or refused.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { IncidentWriter, StaleOwnerError } from '../../src/dispatch/incident-writer.js';
import { openPostgresStore, type PartitionFence, type Store } from '../../src/store/index.js';
import { PgPartitionLocks } from '../../src/store/postgres/partition-locks.js';
import { POSTGRES_BIN_DIR, startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { until } from '../helpers/fault.js';
import { event, incident } from '../helpers/store-contract.js';

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

  it('a write refused by the fence commits nothing; the refused sites’ writes are dropped, the others written next time', async () => {
    const a = locks('ep-w');
    await a.connect();
    expect(await a.tryAcquire(20)).toBe(true);
    expect(await a.tryAcquire(21)).toBe(true);
    // Sites in partitions 20 and 21 (the test's own mapping: the writer only asks the fence).
    const partitionOf = (siteId: string): number => (siteId === 'keep-1' ? 20 : 21);
    let refused = 0;
    const writer = new IncidentWriter({
      store,
      log: silentLogger(),
      delayMs: 3_600_000,
      fence: (siteId): PartitionFence | null => {
        const partition = partitionOf(siteId);
        const epoch = a.epochOf(partition);
        return epoch === undefined ? null : { partition, epoch };
      },
      onFenced: () => refused++,
    });
    const [e1, e2] = await store.transaction(async () => {
      const first = event(1, { siteId: 'keep-1', dedupeKey: 'fence-k1' });
      const second = event(2, { siteId: 'lose-1', dedupeKey: 'fence-k2' });
      return [
        { ...first, seq: await store.events.insert(first) },
        { ...second, seq: await store.events.insert(second) },
      ];
    });
    const kept = incident(e1!.id, { siteId: 'keep-1' });
    const lost = incident(e2!.id, { siteId: 'lose-1' });
    writer.hold(
      [
        { incident: kept, how: 'new' },
        { incident: lost, how: 'new' },
      ],
      [
        [e1!.id, kept.id, e1!.seq, 'keep-1'],
        [e2!.id, lost.id, e2!.seq, 'lose-1'],
      ],
    );

    // Another replica takes partition 21 (its lock session here is a, so bump the epoch as an acquire would).
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await other.query('UPDATE partition_epoch SET epoch = epoch + 1 WHERE p = 21');
    } finally {
      await other.end();
    }
    await expect(writer.persist()).rejects.toBeInstanceOf(StaleOwnerError);
    expect(refused).toBe(1);
    expect(await store.incidents.get(kept.id)).toBeUndefined();
    expect(await store.incidents.get(lost.id)).toBeUndefined();
    expect(writer.heldWrites).toEqual({ incidents: 1, events: 1 });

    await writer.persist();
    expect((await store.incidents.get(kept.id))?.siteId).toBe('keep-1');
    expect(await store.incidents.get(lost.id)).toBeUndefined();
    const unprocessed = (await store.events.unprocessed(100)).map((e) => e.id);
    expect(unprocessed).toContain(e2!.id);
    expect(unprocessed).not.toContain(e1!.id);
    expect(refused).toBe(1);
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
