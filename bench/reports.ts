/**
 * `npx tsx bench/reports.ts`: issue 14's figures. A year of data (BENCH_INCIDENTS incidents,
 * BENCH_EVENTS events, BENCH_SITES sites; defaults 100,000 / 1,000,000 / 10,000) is written to the
 * database of a generated district, then:
 *
 * 1. the time to build each report in-process (median of BENCH_REPEAT runs, default 5): the daily
 *    report (goal < 200 ms), the monthly analysis (goal < 1 s), response times, device quality, a
 *    community bulletin;
 * 2. the hub in a child process on that database: the PUBACK latency of QoS 1 messages at
 *    BENCH_RATE/s (2,000) from 50 device clients, first alone, then while monthly reports are
 *    built back to back over HTTP — the console's responsiveness while a report is built.
 *
 * Prints a table on stderr and one JSON document on stdout. Shorter: BENCH_INCIDENTS=20000
 * BENCH_EVENTS=200000 BENCH_SECONDS=5.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { loadConfig } from '../src/config/index.js';
import type { AlarmEvent } from '../src/contract/alarm-event.js';
import { ManualClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { ReportService, WHOLE_DISTRICT } from '../src/reports/service.js';
import { openStore } from '../src/store/index.js';
import { reportIncident } from '../test/helpers/report-incidents.js';
import { startServer, stopServer } from './spawn.js';
import { BENCH_USER, benchTree, benchUsersYaml } from './tree.js';

const SITES = Number(process.env.BENCH_SITES ?? 10_000);
const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 100_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SIDE = 10;
const YEAR_START = Date.parse('2026-01-01T00:00:00+08:00');
const YEAR_MS = 365 * 86_400_000;
const DEVICES = 50;

const round = (n: number, d = 1): number => Math.round(n * 10 ** d) / 10 ** d;
const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** The cell of site i, as bench/tree.ts places it. */
function cellOf(i: number): string {
  const d = 0.006;
  const lat = 0.001 + (((i * 7919) % 1000) / 1000) * (SIDE * d - 0.002);
  const lng = 0.001 + (((i * 104729) % 997) / 997) * (SIDE * d - 0.002);
  return `c-${Math.floor(lat / d)}-${Math.floor(lng / d)}`;
}

/** A deterministic pseudo-random sequence (the figures must not change between runs). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function fill(dbPath: string): Promise<{ fillMs: number }> {
  const t0 = performance.now();
  const store = openStore(dbPath);
  const rand = rng(14);
  const dispositions = ['real', 'false', 'false', 'false', 'duplicate', 'cancelled', 'test'] as const;
  const natures = ['criminal', 'public_order', 'fire', 'help', 'dispute', 'traffic', 'other'];
  const BATCH = 5000;
  for (let start = 0; start < INCIDENTS; start += BATCH) {
    await store.transaction(async () => {
      for (let n = start; n < Math.min(INCIDENTS, start + BATCH); n++) {
        const site = Math.floor(rand() * SITES);
        const opened = YEAR_START + Math.floor((n / INCIDENTS) * YEAR_MS);
        const disposition = dispositions[Math.floor(rand() * dispositions.length)]!;
        const ack = 5 + Math.floor(rand() * 120);
        await store.incidents.save(
          reportIncident({
            id: `i${n}`,
            siteId: `s${site}`,
            siteName: `站点${site}`,
            stationId: 'ps-1',
            cellId: cellOf(site),
            openedAt: new Date(opened).toISOString(),
            closedAfter: 600 + Math.floor(rand() * 3000),
            disposition,
            nature: disposition === 'real' ? natures[Math.floor(rand() * natures.length)]! : null,
            ackSeconds: ack,
            dispatchedAfter: ack + 30 + Math.floor(rand() * 200),
            onSceneSeconds: 120 + Math.floor(rand() * 1200),
            owner: `op-${n % 20}`,
            eventCount: 1 + Math.floor(rand() * 20),
          }),
        );
      }
    });
  }
  const kinds = ['intrusion', 'burglary', 'panic', 'smoke', 'tamper', 'restore', 'arm', 'disarm'] as const;
  for (let start = 0; start < EVENTS; start += 10_000) {
    await store.transaction(async () => {
      for (let n = start; n < Math.min(EVENTS, start + 10_000); n++) {
        const at = new Date(YEAR_START + Math.floor((n / EVENTS) * YEAR_MS)).toISOString();
        const site = Math.floor(rand() * SITES);
        const kind = kinds[n % kinds.length]!;
        const e: AlarmEvent = {
          id: `e${n}`,
          siteId: `s${site}`,
          deviceId: 'panel',
          kind,
          category: kind === 'smoke' ? 'fire' : kind === 'restore' || kind === 'arm' || kind === 'disarm' ? 'technical' : 'police',
          zone: 1,
          zoneName: '前门',
          occurredAt: at,
          receivedAt: at,
          location: [26.59, 104.83],
          gridCellId: cellOf(site),
          stationId: 'ps-1',
          detail: null,
          profile: 'native',
          topic: `safegrid/s${site}/panel/event`,
          raw: '{}',
          dedupeKey: `e${n}`,
          drill: false,
        };
        await store.events.insert(e);
        // Every fifth event joined one of the incidents around it; the rest were state. All were
        // correlated already, or the hub would replay a year of events into incidents at its start.
        await store.events.markProcessed(e.id, n % 5 === 0 ? `i${Math.min(INCIDENTS - 1, Math.floor((n / EVENTS) * INCIDENTS))}` : '-');
      }
    });
  }
  await store.close();
  return { fillMs: Math.round(performance.now() - t0) };
}

async function buildTimes(root: string, dbPath: string): Promise<Record<string, number>> {
  const loaded = loadConfig(root, { env: {} });
  if (!loaded.config) throw new Error('bench config does not load');
  const config = loaded.config;
  const store = openStore(dbPath);
  const reports = new ReportService({
    store,
    clock: new ManualClock(Date.parse('2026-12-03T09:00:00+08:00')),
    log: silentLogger(),
    rootDir: root,
    config: () => config,
  });
  const time = async (fn: () => unknown): Promise<number> => {
    const runs: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const t0 = performance.now();
      await fn();
      runs.push(performance.now() - t0);
    }
    return round(runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)]!);
  };
  const out = {
    dailyMs: await time(() => reports.daily('2026-06-15', WHOLE_DISTRICT)),
    monthlyMs: await time(() => reports.monthly('2026-06', WHOLE_DISTRICT)),
    responseMs: await time(() => reports.response('2026-06', WHOLE_DISTRICT)),
    devicesMs: await time(() => reports.devices('2026-06', WHOLE_DISTRICT)),
    bulletinMonthMs: await time(() => reports.bulletin('测试社区', 'month', '2026-06-15', WHOLE_DISTRICT)),
  };
  // Awaited whether the service answers now or with a promise (async-api makes it async).
  const m = await Promise.resolve(reports.monthly('2026-06', WHOLE_DISTRICT));
  await store.close();
  return { ...out, monthlyIncidents: m.totals.received + m.excluded.test };
}

async function login(http: number): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${http}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(BENCH_USER),
  });
  const cookie = /sg_session=[^;]+/.exec(r.headers.get('set-cookie') ?? '')?.[0];
  if (!cookie) throw new Error(`bench login failed: HTTP ${r.status}`);
  return cookie;
}

/** QoS 1 heartbeats at RATE/s for SECONDS; `during` runs alongside. PUBACK latencies, ms. */
async function pubackPhase(
  devices: MqttClient[],
  during?: (stop: () => boolean) => Promise<number>,
): Promise<{ p50: number; p99: number; max: number; sent: number; builds: number }> {
  const lat: number[] = [];
  let stopped = false;
  const builds = during ? during(() => stopped) : Promise.resolve(0);
  const t0 = performance.now();
  let sent = 0;
  const pending: Promise<unknown>[] = [];
  while (performance.now() - t0 < SECONDS * 1000) {
    const due = Math.floor(((performance.now() - t0) / 1000) * RATE);
    while (sent < due) {
      const site = sent % SITES;
      const dev = devices[sent % DEVICES]!;
      const s = performance.now();
      pending.push(dev.publishAsync(`safegrid/s${site}/panel/status`, 'online', { qos: 1 }).then(() => lat.push(performance.now() - s)));
      sent++;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(pending);
  stopped = true;
  const n = await builds;
  lat.sort((a, b) => a - b);
  return { p50: round(percentile(lat, 50)), p99: round(percentile(lat, 99)), max: round(lat.at(-1) ?? NaN), sent, builds: n };
}

async function main(): Promise<void> {
  // BENCH_ROOT: a tree an earlier run filled (its path is in that run's JSON): skips the filling.
  const root = process.env.BENCH_ROOT ?? benchTree(SITES, SIDE);
  const dbPath = join(root, 'data/bench.db');
  let fillMs = 0;
  if (!process.env.BENCH_ROOT) {
    writeFileSync(join(root, 'config/users.yaml'), await benchUsersYaml());
    mkdirSync(join(root, 'data'), { recursive: true });
    process.stderr.write(`filling ${INCIDENTS} incidents, ${EVENTS} events, ${SITES} sites …\n`);
    fillMs = (await fill(dbPath)).fillMs;
  }
  process.stderr.write(`filled in ${fillMs} ms; building reports …\n`);
  const builds = await buildTimes(root, dbPath);
  process.stderr.write(`${JSON.stringify(builds)}\n`);
  // BENCH_PUBACK=0: the build times only.
  if (process.env.BENCH_PUBACK === '0') return void process.stdout.write(`${JSON.stringify({ root, fillMs, builds })}\n`);
  process.stderr.write('starting the hub …\n');

  const server = await startServer('bench/hub-server.ts', [String(SITES), String(SIDE), root]);
  const cookie = await login(server.http);
  const devices = await Promise.all(
    Array.from({ length: DEVICES }, (_, i) => mqtt.connectAsync(`mqtt://127.0.0.1:${server.mqtt}`, { clientId: `bench-r-${i}`, protocolVersion: 4 })),
  );
  const monthlyLoop = async (stop: () => boolean): Promise<number> => {
    let n = 0;
    while (!stop()) {
      const r = await fetch(`http://127.0.0.1:${server.http}/api/reports/monthly?month=2026-06`, { headers: { cookie } });
      await r.arrayBuffer();
      if (!r.ok) throw new Error(`monthly report: HTTP ${r.status}`);
      n++;
    }
    return n;
  };
  // Warm-up: every site's first status (its device state row, pending install → in service) is
  // the hub's one-off work after a start, not what a report build costs; measure after it.
  await Promise.all(Array.from({ length: SITES }, (_, i) => devices[i % DEVICES]!.publishAsync(`safegrid/s${i}/panel/status`, 'online', { qos: 1 })));
  const alone = await pubackPhase(devices);
  const duringMonthly = await pubackPhase(devices, monthlyLoop);
  await Promise.all(devices.map((d) => d.endAsync()));
  await stopServer(server);

  const result = { root, sites: SITES, incidents: INCIDENTS, events: EVENTS, fillMs, builds, rate: RATE, seconds: SECONDS, puback: { alone, duringMonthly } };
  process.stderr.write(
    [
      `reports over ${INCIDENTS} incidents / ${EVENTS} events / ${SITES} sites (median of ${REPEAT}):`,
      `  daily ${builds.dailyMs} ms · monthly ${builds.monthlyMs} ms (${builds.monthlyIncidents} incidents) · response ${builds.responseMs} ms · devices ` +
        `${builds.devicesMs} ms · bulletin (month) ${builds.bulletinMonthMs} ms`,
      `PUBACK at ${RATE}/s: alone p50 ${alone.p50} ms p99 ${alone.p99} ms max ${alone.max} ms; during ${duringMonthly.builds} monthly builds p50 ` +
        `${duringMonthly.p50} ms p99 ${duringMonthly.p99} ms max ${duringMonthly.max} ms`,
    ].join('\n') + '\n',
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
