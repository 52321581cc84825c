/**
 * `npx tsx bench/store-pg.ts`: the store's hot path — a group-commit batch of 50 events written
 * with `writeEventBatch` (dedupe, insert, one durable commit) — on SQLite (a file, WAL,
 * synchronous=FULL) and on PostgreSQL 15 (a private instance, fsync on, synchronous_commit on),
 * with one writer and, on PostgreSQL, two stores writing one database at once (two hub replicas;
 * their batches take turns on the events lock). Prints events/s and the commit latency of a batch
 * (p50, p99) per case, one line each on stderr and one JSON document on stdout.
 * BENCH_BATCHES (default 400) batches per case, after 40 warm-up batches.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KIND_INFO, type AlarmEvent } from '../src/contract/alarm-event.js';
import { type DedupeCandidate, openPostgresStore, openSqliteStore, type Store, writeEventBatch } from '../src/store/index.js';
import { startPostgres } from '../test/helpers/postgres.js';

const BATCHES = Number(process.env.BENCH_BATCHES ?? 400);
const BATCH = 50;
const WARMUP = 40;

let n = 0;
function candidate(writer: string): DedupeCandidate {
  const i = ++n;
  const at = new Date(Date.UTC(2026, 11, 3, 8) + i).toISOString();
  const site = `site-${i % 1000}`;
  const event: AlarmEvent = {
    drill: false,
    id: `${writer}-${i}`,
    siteId: site,
    deviceId: `${site}-panel`,
    kind: 'intrusion',
    category: KIND_INFO.intrusion.category,
    zone: 1 + (i % 2),
    zoneName: 'door',
    occurredAt: at,
    receivedAt: at,
    location: [26.6, 104.8],
    gridCellId: 'c1',
    stationId: 'ps-1',
    detail: null,
    profile: 'native',
    topic: `safegrid/${site}/panel/alarm`,
    raw: '{"zone":1,"alarm":true}',
    dedupeKey: `${site}|${i}`,
  };
  return { event, duplicateSinceMs: Date.parse(at) - 30_000 };
}

const batch = (writer: string): DedupeCandidate[] => Array.from({ length: BATCH }, () => candidate(writer));

/** Writes `count` batches one after another on `store`; returns each batch's commit latency in ms. */
async function writer(store: Store, name: string, count: number): Promise<number[]> {
  const ms: number[] = [];
  for (let b = 0; b < count; b++) {
    const events = batch(name);
    const t = performance.now();
    await writeEventBatch(store, { events, states: [] });
    ms.push(performance.now() - t);
  }
  return ms;
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

interface Figures {
  case: string;
  eventsPerSecond: number;
  batchP50Ms: number;
  batchP99Ms: number;
}

async function run(name: string, stores: Store[]): Promise<Figures> {
  await Promise.all(stores.map((s, i) => writer(s, `warm${i}`, WARMUP)));
  const t = performance.now();
  const latencies = (await Promise.all(stores.map((s, i) => writer(s, `w${i}`, BATCHES)))).flat().sort((a, b) => a - b);
  const seconds = (performance.now() - t) / 1000;
  const f = {
    case: name,
    eventsPerSecond: Math.round((stores.length * BATCHES * BATCH) / seconds),
    batchP50Ms: Number(pct(latencies, 50).toFixed(2)),
    batchP99Ms: Number(pct(latencies, 99).toFixed(2)),
  };
  process.stderr.write(`${f.case}: ${f.eventsPerSecond} events/s, batch of ${BATCH} committed in p50 ${f.batchP50Ms} ms, p99 ${f.batchP99Ms} ms\n`);
  return f;
}

const results: Figures[] = [];
const dir = mkdtempSync(join(tmpdir(), 'sg-bench-store-'));
const sqlite = openSqliteStore(join(dir, 'bench.db'));
results.push(await run('sqlite, 1 writer', [sqlite]));
await sqlite.close();
rmSync(dir, { recursive: true, force: true });

const server = await startPostgres({ fsync: true });
try {
  const one = await openPostgresStore({ url: await server.createDatabase() });
  results.push(await run('postgres, 1 writer', [one]));
  await one.close();
  const url = await server.createDatabase();
  const pair = [await openPostgresStore({ url }), await openPostgresStore({ url })];
  results.push(await run('postgres, 2 replicas writing one database', pair));
  await Promise.all(pair.map((s) => s.close()));
} finally {
  await server.destroy();
}
process.stdout.write(`${JSON.stringify({ batch: BATCH, batches: BATCHES, results }, null, 2)}\n`);
