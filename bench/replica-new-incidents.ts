/**
 * `npx tsx bench/replica-new-incidents.ts`: what writing new incidents at once costs a replica
 * (issue 18, src/cluster/README.md "What a stale owner can and cannot do"). The dispatch shell of
 * replica mode on a private PostgreSQL 15 (fsync on) is fed committed alarms that each open a new
 * incident (a storm over fresh sites), in batches as the group commit hands them over, without
 * waiting for dispatch (as ingest does). Two setups, interleaved A B A B … in one process on one
 * database (this machine is shared and busy):
 *
 * - `behind`: replica mode before the fence — numbers from the shared series, incidents written
 *   behind (DERIVED_WRITE_DELAY_MS);
 * - `at once + fence`: new incidents written before they are published, every write checking the
 *   lease epochs of its partitions.
 *
 * Figures per setup: new incidents per second published and written, commit → `incident:new` published (p50, p99), the
 * process's CPU ms per incident. BENCH_ROUNDS (3 per setup), BENCH_BATCHES (60), BENCH_BATCH (20
 * alarms), BENCH_RATE (0: a storm, as fast as the events commit; else new incidents offered per
 * second). Lines on stderr, one JSON document on stdout.
 */
import { KIND_INFO, type AlarmEvent } from '../src/contract/alarm-event.js';
import type { Incident } from '../src/contract/incident.js';
import { partitionOf } from '../src/cluster/partitions.js';
import { systemClock } from '../src/core/clock.js';
import { EventBus } from '../src/core/event-bus.js';
import type { HubEvents } from '../src/core/hub-events.js';
import { silentLogger } from '../src/core/logger.js';
import { Metrics } from '../src/core/metrics.js';
import { IncidentService } from '../src/dispatch/incidents.js';
import { type DedupeCandidate, openPostgresStore, type Store } from '../src/store/index.js';
import pg from 'pg';
import { startPostgres } from '../test/helpers/postgres.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 60);
const BATCH = Number(process.env.BENCH_BATCH ?? 20);
/** New incidents per second offered; 0: as fast as the events commit (a storm). */
const RATE = Number(process.env.BENCH_RATE ?? 0);

let n = 0;
function candidate(round: string): DedupeCandidate {
  const i = ++n;
  const at = new Date(Date.now()).toISOString();
  const site = `${round}-site-${i}`;
  const event: AlarmEvent = {
    drill: false,
    id: `${round}-e${i}-${Date.now().toString(36)}`,
    siteId: site,
    deviceId: `${site}-panel`,
    kind: 'intrusion',
    category: KIND_INFO.intrusion.category,
    zone: 1,
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

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

interface Figures {
  setup: string;
  incidentsPerSecond: number;
  /** Incidents per second until every one is written too (the write-behind's writes lag its publishing). */
  writtenPerSecond: number;
  publishP50Ms: number;
  publishP99Ms: number;
  cpuMsPerIncident: number;
}

async function round(store: Store, setup: 'behind' | 'at once + fence', tag: string): Promise<Figures> {
  const bus = new EventBus<HubEvents>();
  const fenced = setup !== 'behind';
  const service = await IncidentService.open({
    store,
    bus,
    clock: systemClock,
    log: silentLogger(),
    metrics: new Metrics(),
    directory: { siteName: () => null, cellName: () => null },
    owns: () => true,
    sharedNumbering: true,
    ...(fenced ? { writeNewAtOnce: true, fence: (siteId: string) => ({ partition: partitionOf(siteId), epoch: 1 }) } : {}),
  });
  const committedAt = new Map<string, number>();
  const latencies: number[] = [];
  let published = 0;
  let allPublished: () => void = () => undefined;
  const done = new Promise<void>((ok) => {
    allPublished = ok;
  });
  const total = BATCHES * BATCH;
  bus.on('incident:new', (i: Incident) => {
    const t = committedAt.get(i.id);
    if (t !== undefined) latencies.push(performance.now() - t);
    if (++published === total) allPublished();
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let b = 0; b < BATCHES; b++) {
    const candidates = Array.from({ length: BATCH }, () => candidate(tag));
    const { stored } = await store.transaction(() => store.events.commitBatch(candidates));
    const now = performance.now();
    for (const e of stored) committedAt.set(e.id, now);
    void service.handleStored(stored);
    if (RATE > 0) {
      const due = t0 + ((b + 1) * BATCH * 1000) / RATE;
      if (due > performance.now()) await new Promise((ok) => setTimeout(ok, due - performance.now()));
    }
  }
  await done;
  const seconds = (performance.now() - t0) / 1000;
  await service.settled();
  await service.persist();
  const writtenSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((x, y) => x - y);
  const f: Figures = {
    setup,
    incidentsPerSecond: Math.round(total / seconds),
    writtenPerSecond: Math.round(total / writtenSeconds),
    publishP50Ms: Number(pct(latencies, 50).toFixed(2)),
    publishP99Ms: Number(pct(latencies, 99).toFixed(2)),
    cpuMsPerIncident: Number(((cpu.user + cpu.system) / 1000 / total).toFixed(3)),
  };
  process.stderr.write(
    `${setup}: ${f.incidentsPerSecond} new incidents/s published, ${f.writtenPerSecond}/s written, commit → published p50 ${f.publishP50Ms} ms p99 ` +
      `${f.publishP99Ms} ms, CPU ${f.cpuMsPerIncident} ms/incident (this process)\n`,
  );
  return f;
}

const server = await startPostgres({ fsync: true });
const results: Figures[] = [];
try {
  const url = await server.createDatabase();
  const store = await openPostgresStore({ url });
  // Epoch 1 for every partition: the fence's reads find the tokens the setup carries.
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query('INSERT INTO partition_epoch (p, epoch) SELECT g, 1 FROM generate_series(0, 63) g');
  await admin.end();
  await round(store, 'behind', 'warm-a');
  await round(store, 'at once + fence', 'warm-b');
  for (let r = 0; r < ROUNDS; r++) {
    results.push(await round(store, 'behind', `a${r}`));
    results.push(await round(store, 'at once + fence', `b${r}`));
  }
  await store.close();
} finally {
  await server.destroy();
}
process.stdout.write(`${JSON.stringify({ batches: BATCHES, batch: BATCH, rate: RATE, results }, null, 2)}\n`);
