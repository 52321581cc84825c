/**
 * The store on PostgreSQL (issue 18): the store contract (test/helpers/store-contract.ts), then what
 * several replicas writing one database need — each with two Store objects on one database, as two
 * hub replicas would hold them — and a PostgreSQL that stops and comes back. A private PostgreSQL
 * (test/helpers/postgres.ts), one database per test.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DedupeCandidate, DeviceStateRow } from '../../src/store/index.js';
import { EVENT_NOTIFY_CHANNEL, parseWakeUps } from '../../src/store/postgres/event-notify.js';
import {
  AuditAnchorWriter,
  openConfiguredStore,
  openPostgresReportReader,
  openPostgresStore,
  type Store,
  verifyAuditPostgres,
  writeEventBatch,
} from '../../src/store/index.js';
import { GroupCommit } from '../../src/ingest/group-commit.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { entry, event, incident, storeContract, T0 } from '../helpers/store-contract.js';

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres({ fsync: false });
});
afterAll(async () => {
  await server?.destroy();
});

storeContract('PostgreSQL', async () => {
  const store = await openPostgresStore({ url: await server.createDatabase() });
  return { store, close: () => store.close() };
});

/** Two replicas' stores on one new database; closed after fn. */
async function twoReplicas(fn: (a: Store, b: Store, url: string) => Promise<void>): Promise<void> {
  const url = await server.createDatabase();
  const [a, b] = await Promise.all([openPostgresStore({ url }), openPostgresStore({ url })]);
  try {
    await fn(a, b, url);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

/** A raw connection, for what the application never does (and the database must refuse). */
async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Lets other transactions run in between (concurrency, not a wait for anything). */
const jitter = (): Promise<void> => new Promise((r) => setTimeout(r, Math.random() * 4));

describe('PostgreSQL store: several replicas on one database', () => {
  it('two replicas starting at once apply each migration once', async () => {
    const url = await server.createDatabase();
    const stores = await Promise.all([openPostgresStore({ url }), openPostgresStore({ url }), openPostgresStore({ url })]);
    try {
      const applied = await withClient(url, async (c) => (await c.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).rows);
      // Every file of the migrations folder, once (new ones come from several engineers in parallel).
      const files = readdirSync(new URL('../../src/store/postgres/migrations/', import.meta.url))
        .filter((f) => f.endsWith('.sql'))
        .sort();
      expect(files).toEqual([
        '001_schema.sql',
        '002_incident_number_series.sql',
        '003_partition_epoch.sql',
        '004_commit_event_batch.sql',
        '005_walk_test_ticks.sql',
      ]);
      expect(applied.map((r) => r.name)).toEqual(files);
      expect(await stores[2]!.events.count()).toBe(0);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('a reader paging afterSeq while two writers commit sees every event exactly once', async () => {
    await twoReplicas(async (a, b) => {
      const perWriter = 40;
      const seen: string[] = [];
      let done = false;
      let after = 0;
      const page = async (): Promise<void> => {
        for (const e of await a.events.query({ afterSeq: after, limit: 1000 })) {
          seen.push(e.id);
          after = e.seq;
        }
      };
      const reader = (async () => {
        while (!done) {
          await page();
          await jitter();
        }
        await page();
      })();
      // Each transaction draws its seqs and then holds them uncommitted for a moment: with a plain
      // sequence, the other writer's later seq would commit first and the reader would skip this one.
      const writer = (store: Store, prefix: string) =>
        (async () => {
          for (let n = 0; n < perWriter; n++) {
            await store.transaction(async () => {
              await store.events.commitBatch([
                { event: { ...event(n), id: `${prefix}${n}a`, dedupeKey: `${prefix}${n}a` }, duplicateSinceMs: 0 },
                { event: { ...event(n), id: `${prefix}${n}b`, dedupeKey: `${prefix}${n}b` }, duplicateSinceMs: 0 },
              ]);
              await jitter();
            });
          }
        })();
      await Promise.all([writer(a, 'A'), writer(b, 'B')]);
      done = true;
      await reader;
      expect(seen.length).toBe(perWriter * 4);
      expect(new Set(seen).size).toBe(perWriter * 4);
    });
  });

  it('dedupe sees the other replica’s commits, also when both write one key at the same moment', async () => {
    await twoReplicas(async (a, b) => {
      await a.transaction(() => a.events.commitBatch([{ event: event(1, { dedupeKey: 'k1' }), duplicateSinceMs: 0 }]));
      expect(await b.events.isDuplicate('k1', 0)).toBe(true);
      const r = await b.transaction(() => b.events.commitBatch([{ event: event(2, { dedupeKey: 'k1' }), duplicateSinceMs: 0 }]));
      expect(r).toEqual({ stored: [], duplicates: 1 });
      const results = await Promise.all(
        [a, b, a, b].map((s, i) => s.transaction(() => s.events.commitBatch([{ event: { ...event(10 + i), dedupeKey: 'k2' }, duplicateSinceMs: 0 }]))),
      );
      expect(results.reduce((n, x) => n + x.stored.length, 0)).toBe(1);
      expect((await a.events.query({})).filter((e) => e.dedupeKey === 'k2')).toHaveLength(1);
    });
  });

  it('the audit chain stays one chain without gaps when both replicas append, and its rows cannot be changed', async () => {
    await twoReplicas(async (a, b, url) => {
      const appends = (store: Store, who: string) =>
        Array.from({ length: 25 }, (_, n) =>
          store.transaction(async () => {
            await store.audit.append(entry(`${who}${n}`));
            await jitter();
          }),
        );
      await Promise.all([...appends(a, 'a'), ...appends(b, 'b')]);
      const verdict = await b.audit.verify();
      expect(verdict).toMatchObject({ ok: true, rows: 50 });
      expect((await a.audit.all()).map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      await withClient(url, async (c) => {
        await expect(c.query(`UPDATE audit SET note = 'edited' WHERE seq = 1`)).rejects.toThrow('append-only');
        await expect(c.query('DELETE FROM audit WHERE seq = 50')).rejects.toThrow('append-only');
        await expect(c.query('TRUNCATE audit')).rejects.toThrow('append-only');
      });
      expect(await a.audit.verify()).toMatchObject({ ok: true, rows: 50 });
    });
  });

  it('an older incident version never overwrites a newer one saved by the other replica', async () => {
    await twoReplicas(async (a, b) => {
      await a.derivedTransaction(() => a.incidents.save(incident('i1', { version: 1 })));
      await a.derivedTransaction(() => a.incidents.save(incident('i1', { version: 3, status: 'acknowledged', owner: 'op-a' })));
      // Replica B still holds version 2 and saves it late.
      await b.derivedTransaction(() => b.incidents.save(incident('i1', { version: 2, status: 'acknowledged', owner: 'op-b' })));
      expect(await b.incidents.get('i1')).toMatchObject({ version: 3, owner: 'op-a' });
      // Racing saves of many versions: the highest one is what stays.
      await Promise.all(
        Array.from({ length: 20 }, (_, n) => {
          const s = n % 2 ? a : b;
          return s.derivedTransaction(() => s.incidents.save(incident('i2', { version: n + 1, owner: `v${n + 1}` })));
        }),
      );
      expect(await a.incidents.get('i2')).toMatchObject({ version: 20, owner: 'v20' });
    });
  });

  it('a 警情编号 and an outbox key are stored once across replicas', async () => {
    await twoReplicas(async (a, b) => {
      await a.transaction(() => a.incidents.save(incident('i1', { number: 'PS1-20261201-0001' })));
      // Replica B drew the same number for another incident: refused, not stored twice.
      await expect(b.transaction(() => b.incidents.save(incident('i2', { number: 'PS1-20261201-0001' })))).rejects.toThrow();
      expect(await b.incidents.get('i2')).toBeUndefined();
      expect(await b.incidents.lastNumber('PS1-20261201')).toBe(1);
      const e = { incidentId: 'i1', channelId: 'wecom', guardGroup: 'g', payload: '{}', nextAttemptMs: 0, createdMs: 0 };
      const added = await Promise.all([a, b, a, b].map((s) => s.transaction(() => s.outbox.enqueue([e]))));
      expect(added.reduce((x, y) => x + y, 0)).toBe(1);
      expect(await a.outbox.forIncident('i1')).toHaveLength(1);
    });
  });

  it('a transaction that appends audit rows before events is refused at once (lock order), and commits nothing', async () => {
    await twoReplicas(async (a) => {
      await expect(
        a.transaction(async () => {
          await a.audit.append(entry('open'));
          await a.events.insert(event(1));
        }),
      ).rejects.toThrow(/lock/);
      expect([await a.audit.head(), await a.events.count()]).toEqual([null, 0]);
      // Events first, then audit: the order every writer keeps.
      await a.transaction(async () => {
        await a.events.insert(event(2));
        await a.audit.append(entry('open'));
      });
      expect(await a.audit.verify()).toMatchObject({ ok: true, rows: 1 });
    });
  });

  it('a transaction sees its own writes; a call outside it does not see them before the commit', async () => {
    await twoReplicas(async (a) => {
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      let inserted!: () => void;
      const didInsert = new Promise<void>((r) => {
        inserted = r;
      });
      const tx = a.transaction(async () => {
        await a.events.insert(event(1));
        expect(await a.events.count()).toBe(1);
        inserted();
        await held;
      });
      await didInsert;
      expect(await a.events.count()).toBe(0);
      release();
      await tx;
      expect(await a.events.count()).toBe(1);
    });
  });
});

describe('PostgreSQL store: chosen by hub.yaml', () => {
  it('openConfiguredStore opens PostgreSQL for backend postgres and SQLite for sqlite', async () => {
    const pgStore = await openConfiguredStore({ backend: 'postgres', url: await server.createDatabase(), password: null, poolSize: 2, path: 'unused' });
    const sqlite = await openConfiguredStore({ backend: 'sqlite', path: ':memory:', url: null, password: null, poolSize: 10 });
    try {
      expect([pgStore.backend, sqlite.backend]).toEqual(['postgres', 'sqlite']);
      expect(await pgStore.ping()).toBe(true);
    } finally {
      await Promise.all([pgStore.close(), sqlite.close()]);
    }
  });

  it('an unreachable PostgreSQL makes opening reject with the reason, and leaves nothing open', async () => {
    const closed = `postgres://safegrid@127.0.0.1:${server.port}/no_such_database`;
    await expect(openPostgresStore({ url: closed, connectTimeoutMs: 2_000 })).rejects.toThrow(/no_such_database/);
  });

  it('a server that accepts the connection and never answers makes opening reject at the connect timeout, not hang', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      await expect(openPostgresStore({ url: `postgres://safegrid@127.0.0.1:${port}/x`, connectTimeoutMs: 1_000 })).rejects.toThrow(/timeout/i);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

describe('PostgreSQL store: a database that stalls', () => {
  it('a write that cannot get its lock rejects at the query timeout and commits nothing; it goes through once the lock is free', async () => {
    const url = await server.createDatabase();
    const store = await openPostgresStore({ url, queryTimeoutMs: 1_500 });
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      // Someone else holds the events lock (the key of postgres/transaction.ts) and does not let go.
      await holder.query('SELECT pg_advisory_lock($1, $2)', [0x5347, 1]);
      await expect(store.transaction(() => store.events.insert(event(1)))).rejects.toThrow(/timeout|statement/i);
      await holder.query('SELECT pg_advisory_unlock($1, $2)', [0x5347, 1]);
      await store.transaction(() => store.events.insert(event(2)));
      expect((await store.events.query({})).map((e) => e.id)).toEqual(['e2']);
    } finally {
      await holder.end();
      await store.close();
    }
  });
});

describe('PostgreSQL store: audit verify', () => {
  it('verifies the chain and the anchor file; a row rewritten by the database owner is found', async () => {
    const url = await server.createDatabase();
    const store = await openPostgresStore({ url });
    const dir = mkdtempSync(join(tmpdir(), 'sg-pg-anchor-'));
    const anchor = { path: join(dir, 'audit.anchor'), key: 'k'.repeat(32) };
    try {
      for (const a of ['open', 'acknowledged', 'closed']) await store.transaction(() => store.audit.append(entry(a)));
      await new AuditAnchorWriter({ ...anchor, head: () => store.audit.head(), now: () => Date.now() }).write();
      expect(await verifyAuditPostgres({ url }, anchor)).toMatchObject({ chain: { ok: true, rows: 3 }, anchor: { ok: true } });
      // Someone who owns the database switches the guard off and edits row 2.
      await withClient(url, async (c) => {
        await c.query('ALTER TABLE audit DISABLE TRIGGER USER');
        await c.query(`UPDATE audit SET note = 'nothing happened' WHERE seq = 2`);
      });
      expect((await verifyAuditPostgres({ url }, anchor)).chain).toMatchObject({
        ok: false,
        seq: 2,
        problem: expect.stringMatching(/changed after it was written/),
      });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('PostgreSQL store: the report worker’s reader', () => {
  it('reads what the hub stored, on sessions that refuse writes', async () => {
    const url = await server.createDatabase();
    const store = await openPostgresStore({ url });
    const reader = openPostgresReportReader({ url });
    try {
      await store.transaction(() => store.incidents.save(incident('i1')));
      await store.deviceState.save({ deviceId: 'd1', state: {}, availability: 'online', lastSeenMs: 1 });
      const window = { sinceMs: Date.parse('2026-12-01T00:00:00Z'), untilMs: Date.parse('2026-12-02T00:00:00Z'), stationIds: null };
      expect((await reader.reports.openedIn(window)).map((i) => i.id)).toEqual(['i1']);
      expect((await reader.deviceState.all()).map((d) => d.deviceId)).toEqual(['d1']);
      // The reader's repositories have write methods too (the classes are the store's): the session refuses them.
      await expect(
        (reader.deviceState as unknown as Store['deviceState']).save({ deviceId: 'd2', state: {}, availability: null, lastSeenMs: null }),
      ).rejects.toThrow(/read-only/);
    } finally {
      reader.close();
      await store.close();
    }
  });
});

describe('PostgreSQL store: a group-commit batch in one statement (commitBatchWithStates)', () => {
  const batch = (store: Store, candidates: DedupeCandidate[], states: DeviceStateRow[] = []) => store.events.commitBatchWithStates!(candidates, states);
  const state = (deviceId: string, door: string): DeviceStateRow => ({ deviceId, state: { door }, availability: 'online', lastSeenMs: T0 });

  it('keeps commitBatch’s dedupe rule, saves the last state row per device, and wakes the owners at commit with each site’s highest seq', async () => {
    await twoReplicas(async (a, _b, url) => {
      await batch(a, [{ event: event(1, { dedupeKey: 'old', atMs: T0 }), duplicateSinceMs: 0 }]);
      const heard: string[] = [];
      await withClient(url, async (c) => {
        c.on('notification', (m) => heard.push(m.payload ?? ''));
        await c.query(`LISTEN ${EVENT_NOTIFY_CHANNEL}`);
        const result = await batch(
          a,
          [
            { event: event(2, { dedupeKey: 'old' }), duplicateSinceMs: T0 - 1 },
            { event: event(3, { dedupeKey: 'old-but-outside', siteId: 's2' }), duplicateSinceMs: T0 },
            { event: event(4, { dedupeKey: 'new' }), duplicateSinceMs: T0 },
            { event: event(5, { dedupeKey: 'new' }), duplicateSinceMs: T0 },
            { event: event(6, { dedupeKey: 'other' }), duplicateSinceMs: T0 },
          ],
          [state('d1', 'open'), state('d2', 'open'), state('d1', 'closed')],
        );
        expect(result.duplicates).toBe(2);
        expect(result.stored.map((e) => e.id)).toEqual(['e3', 'e4', 'e6']);
        const seqs = result.stored.map((e) => e.seq!);
        expect(seqs[0]).toBeLessThan(seqs[1]!);
        expect(seqs[1]).toBeLessThan(seqs[2]!);
        expect((await a.events.get('e6'))!.seq).toBe(seqs[2]);
        expect(await a.events.count()).toBe(4);
        const states = new Map((await a.deviceState.all()).map((r) => [r.deviceId, r.state]));
        expect(states).toEqual(
          new Map([
            ['d1', { door: 'closed' }],
            ['d2', { door: 'open' }],
          ]),
        );
        // One round trip more on this connection: the NOTIFY of a commit before it has arrived by then.
        await c.query('SELECT 1');
        const refs = heard.flatMap((p) => parseWakeUps(p) ?? []);
        expect(new Map(refs.map((r) => [r.siteId, r.seq]))).toEqual(
          new Map([
            ['s2', seqs[0]],
            ['s1', seqs[2]],
          ]),
        );
      });
      // A batch of only duplicates, or only states, stores nothing and still saves the states.
      expect(await batch(a, [{ event: event(7, { dedupeKey: 'new' }), duplicateSinceMs: 0 }], [state('d2', 'closed')])).toEqual({ stored: [], duplicates: 1 });
      expect((await a.deviceState.all()).find((r) => r.deviceId === 'd2')?.state).toEqual({ door: 'closed' });
    });
  });

  it('splits the wake-ups of many sites into payloads PostgreSQL accepts', async () => {
    await twoReplicas(async (a, _b, url) => {
      const heard: string[] = [];
      await withClient(url, async (c) => {
        c.on('notification', (m) => heard.push(m.payload ?? ''));
        await c.query(`LISTEN ${EVENT_NOTIFY_CHANNEL}`);
        const sites = Array.from({ length: 600 }, (_, i) => `site-with-a-rather-long-name-${String(i).padStart(4, '0')}`);
        const r = await batch(
          a,
          sites.map((siteId, i) => ({ event: { ...event(i, { siteId }), dedupeKey: `m${i}` }, duplicateSinceMs: 0 })),
        );
        expect(r.stored).toHaveLength(600);
        await c.query('SELECT 1');
      });
      expect(heard.length).toBeGreaterThan(1);
      for (const p of heard) expect(Buffer.byteLength(p)).toBeLessThan(8000);
      expect(new Set(heard.flatMap((p) => (parseWakeUps(p) ?? []).map((x) => x.siteId))).size).toBe(600);
    });
  });

  it('two replicas writing at once: a reader paging afterSeq sees every event once, and one key is stored once', async () => {
    await twoReplicas(async (a, b) => {
      const perWriter = 60;
      const seen: string[] = [];
      let done = false;
      let after = 0;
      const page = async (): Promise<void> => {
        for (const e of await a.events.query({ afterSeq: after, limit: 1000 })) {
          seen.push(e.id);
          after = e.seq;
        }
      };
      const reader = (async () => {
        while (!done) {
          await page();
          await jitter();
        }
        await page();
      })();
      const writer = (store: Store, prefix: string) =>
        (async () => {
          for (let n = 0; n < perWriter; n++) {
            await batch(store, [
              { event: { ...event(n), id: `${prefix}${n}a`, dedupeKey: `${prefix}${n}a` }, duplicateSinceMs: 0 },
              { event: { ...event(n), id: `${prefix}${n}b`, dedupeKey: `${prefix}${n}b` }, duplicateSinceMs: 0 },
              // The same key from both writers in the same round: stored by one of them.
              { event: { ...event(n), id: `${prefix}${n}s`, dedupeKey: `shared${n}` }, duplicateSinceMs: 0 },
            ]);
          }
        })();
      await Promise.all([writer(a, 'A'), writer(b, 'B')]);
      done = true;
      await reader;
      expect(seen.length).toBe(perWriter * 5);
      expect(new Set(seen).size).toBe(perWriter * 5);
      const shared = (await a.events.query({ limit: 1000 })).filter((e) => e.dedupeKey.startsWith('shared'));
      expect(shared).toHaveLength(perWriter);
    });
  });
});

describe('PostgreSQL store: group commit on top', () => {
  it('each caller resolves after its batch committed, batches of many in one transaction each, from two replicas', async () => {
    await twoReplicas(async (a, b) => {
      const journal = (store: Store) =>
        new GroupCommit<DedupeCandidate>({ write: async (items) => void (await writeEventBatch(store, { events: items, states: [] })), maxBatch: 50 });
      const ga = journal(a);
      const gb = journal(b);
      const n = 300;
      const committed = await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const g = i % 2 ? ga : gb;
          await g.enqueue({ event: { ...event(i), id: `g${i}`, dedupeKey: `g${i}` }, duplicateSinceMs: 0 });
          // Resolved: the event is committed, so the other replica reads it now.
          return (await (i % 2 ? b : a).events.get(`g${i}`)) !== undefined;
        }),
      );
      expect(committed.every(Boolean)).toBe(true);
      expect(await a.events.count()).toBe(n);
      expect(ga.batches + gb.batches).toBeLessThan(n);
    });
  });
});

describe('PostgreSQL store: PostgreSQL stops and comes back', () => {
  let own: PostgresServer;
  beforeAll(async () => {
    own = await startPostgres({ fsync: false });
  });
  afterAll(async () => {
    await own?.destroy();
  });

  it('ping is false while PostgreSQL is down and true after it restarts; writes reject meanwhile, never hang', async () => {
    const store = await openPostgresStore({ url: await own.createDatabase(), connectTimeoutMs: 2_000, queryTimeoutMs: 5_000 });
    try {
      expect(await store.ping()).toBe(true);
      await store.transaction(() => store.events.insert(event(1)));
      await own.stop();
      expect(await store.ping()).toBe(false);
      await expect(store.transaction(() => store.events.insert(event(2)))).rejects.toThrow();
      await expect(store.events.count()).rejects.toThrow();
      // What ingest does with a batch: its callers are rejected (no PUBACK), not left waiting.
      const journal = new GroupCommit<DedupeCandidate>({ write: async (items) => void (await writeEventBatch(store, { events: items, states: [] })) });
      const refused = await Promise.allSettled([4, 5].map((i) => journal.enqueue({ event: event(i), duplicateSinceMs: 0 })));
      expect(refused.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      await own.start();
      // The pool drops dead connections and opens new ones: the first ping after the restart answers.
      expect(await store.ping()).toBe(true);
      await store.transaction(() => store.events.insert(event(3)));
      expect((await store.events.query({})).map((e) => e.id)).toEqual(['e3', 'e1']);
    } finally {
      await store.close();
    }
    expect(await store.ping()).toBe(false);
  });

  it('a transaction whose connection dies mid-way rejects and commits nothing', async () => {
    const url = await own.createDatabase();
    const store = await openPostgresStore({ url, connectTimeoutMs: 2_000, queryTimeoutMs: 5_000 });
    try {
      const tx = store.transaction(async () => {
        await store.events.insert(event(1));
        // Another session ends this transaction's backend: what a lost connection looks like.
        await withClient(url, (c) =>
          c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'safegrid-hub' AND state = 'idle in transaction'`),
        );
        await store.events.insert(event(2));
      });
      await expect(tx).rejects.toThrow();
      expect(await store.events.count()).toBe(0);
      await store.transaction(() => store.events.insert(event(3)));
      expect(await store.events.count()).toBe(1);
    } finally {
      await store.close();
    }
  });
});
