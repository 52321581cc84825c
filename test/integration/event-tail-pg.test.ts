/**
 * The consoles' event tail on PostgreSQL (src/api/socket/event-tail.ts): two stores write one
 * database as two replicas would, a third reads the log. A seq drawn by a transaction that rolls
 * back is passed over; a transaction still open holds back every later writer (the events lock),
 * so the tail never delivers n+1 before n, and delivers both, in order, once they commit.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventTail } from '../../src/api/socket/event-tail.js';
import { openPostgresStore, type Store, type StoredEvent } from '../../src/store/index.js';
import { waitFor } from '../helpers/hub.js';
import { POSTGRES_BIN_DIR, startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { event } from '../helpers/store-contract.js';

describe.skipIf(!POSTGRES_BIN_DIR)('event tail on PostgreSQL', () => {
  let server: PostgresServer;
  let url: string;
  let a: Store;
  let b: Store;
  let reader: Store;
  let tail: EventTail;
  const got: StoredEvent[] = [];

  beforeAll(async () => {
    server = await startPostgres({ fsync: false });
    url = await server.createDatabase();
    a = await openPostgresStore({ url });
    b = await openPostgresStore({ url });
    reader = await openPostgresStore({ url });
    // A long sweep and gap: the test wakes it itself, so every read it sees is one it asked for.
    tail = new EventTail({ events: reader.events, sweepMs: 60_000, minGapMs: 1 });
    await tail.start();
    tail.onEvents((events) => got.push(...events));
  }, 60_000);

  afterAll(async () => {
    tail?.stop();
    await a?.close();
    await b?.close();
    await reader?.close();
    await server?.destroy();
  });

  it('passes over the seq of a rolled-back transaction and delivers what committed, in order, once', async () => {
    await expect(
      a.transaction(async () => {
        await a.events.insert(event(1));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const seq2 = await b.transaction(() => b.events.insert(event(2)));
    const seq3 = await a.transaction(() => a.events.insert(event(3)));
    tail.wake();
    await waitFor(() => tail.position >= seq3);
    expect(got.map((e) => [e.id, e.seq])).toEqual([
      ['e2', seq2],
      ['e3', seq3],
    ]);
  });

  it('while a writer holds seq n uncommitted, n+1 waits; the tail delivers n then n+1', async () => {
    const before = got.length;
    let release!: () => void;
    const held = new Promise<void>((ok) => (release = ok));
    let drawn!: (seq: number) => void;
    const nDrawn = new Promise<number>((ok) => (drawn = ok));
    const first = a.transaction(async () => {
      drawn(await a.events.insert(event(4)));
      await held;
    });
    const n = await nDrawn;
    const second = b.transaction(() => b.events.insert(event(5)));
    // The positive marker: the second writer is waiting for the events lock.
    const probe = new pg.Client({ connectionString: url });
    await probe.connect();
    try {
      await waitFor(async () => {
        const r = await probe.query<{ n: string }>(`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
        return Number(r.rows[0]!.n) > 0;
      });
    } finally {
      await probe.end();
    }
    // Nothing committed since: a read now delivers nothing (neither n, open, nor anything after it).
    const at = tail.position;
    tail.wake();
    expect(await reader.events.query({ afterSeq: at, limit: 10 })).toEqual([]);
    release();
    await first;
    const n1 = await second;
    expect(n1).toBeGreaterThan(n);
    tail.wake();
    await waitFor(() => tail.position >= n1);
    expect(got.slice(before).map((e) => [e.id, e.seq])).toEqual([
      ['e4', n],
      ['e5', n1],
    ]);
  });
});
