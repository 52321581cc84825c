/**
 * `npm run bench`: end-to-end figures, device PUBLISH → durable commit → console receipt.
 *
 * Runs the hub in a child process (so the load generator does not share its event loop), connects
 * 20 Socket.IO consoles and 50 MQTT device clients, and measures at fixed rates and flat out. The
 * same load against a raw relay (aedes straight to Socket.IO, no parsing, no storage) gives the
 * physical limit of this machine and transport; the ratio is what the hub's work costs.
 * Prints a readable table on stderr and one JSON document on stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import os from 'node:os';
import mqtt, { type MqttClient } from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { Incident } from '../src/contract/incident.js';
import { benchGeo } from './geo.js';
import { benchQueue } from './queue.js';

const SITES = Number(process.env.BENCH_SITES ?? 1000);
const CONSOLES = Number(process.env.BENCH_CONSOLES ?? 20);
const DEVICES = 50;
const PHASE_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATES = (process.env.BENCH_RATES ?? '500,2000').split(',').map(Number);

interface Server {
  child: ChildProcess;
  http: number;
  mqtt: number;
}

async function startServer(script: string, args: string[] = []): Promise<Server> {
  // BENCH_PROFILE=dir writes a V8 CPU profile of each server process there.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((ok, fail) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', ok);
    child.once('exit', (code) => fail(new Error(`${script} exited with ${code}`)));
  });
  const ports = JSON.parse(line) as { http: number; mqtt: number };
  return { child, ...ports };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (n: number, d = 1): number => Math.round(n * 10 ** d) / 10 ** d;

interface PhaseResult {
  mode: string;
  targetRate: number | 'max';
  sent: number;
  receivedByEveryConsole: number;
  eventsPerSec: number;
  p50ms: number;
  p99ms: number;
  p999ms: number;
  maxMs: number;
}

async function measure(kind: 'pipeline' | 'relay'): Promise<PhaseResult[]> {
  const t0 = Date.now();
  const server = await startServer(kind === 'pipeline' ? 'bench/hub-server.ts' : 'bench/relay-server.ts', [String(SITES)]);
  console.error(`${kind}: serving after ${Date.now() - t0} ms`);
  const sentAt = new Map<number, number>();
  const seen: Array<Set<number>> = [];
  let latencies: number[] = [];
  let lastReceipt = 0;
  const record = (c: number, id: number): void => {
    const set = seen[c]!;
    if (set.has(id)) return;
    set.add(id);
    const t = sentAt.get(id);
    if (t !== undefined) {
      const now = performance.now();
      latencies.push(now - t);
      if (c === 0) lastReceipt = now;
    }
  };
  const consoles: Socket[] = [];
  for (let c = 0; c < CONSOLES; c++) {
    seen.push(new Set());
    const s = ioClient(`http://127.0.0.1:${server.http}/console`, { transports: ['websocket'] });
    if (kind === 'pipeline') {
      const onIncident = (i: Incident): void => {
        for (const t of i.timeline) if (t.detail?.startsWith('bench:')) record(c, Number(t.detail.slice(6)));
      };
      s.on('incident:new', onIncident);
      s.on('incident:update', onIncident);
    } else {
      s.on('relay', (m: { payload: string }) => {
        const detail = (JSON.parse(m.payload) as { detail?: string }).detail;
        if (detail?.startsWith('bench:')) record(c, Number(detail.slice(6)));
      });
    }
    await new Promise<void>((ok) => s.once('connect', () => ok()));
    consoles.push(s);
  }
  const devices: MqttClient[] = [];
  for (let d = 0; d < DEVICES; d++) {
    devices.push(await mqtt.connectAsync(`mqtt://127.0.0.1:${server.mqtt}`, { clientId: `bench-${d}`, protocolVersion: 4 }));
  }
  let seq = 0;
  const publish = (): Promise<unknown> => {
    const id = ++seq;
    const site = id % SITES;
    const device = devices[site % DEVICES]!;
    const body = JSON.stringify({ kind: 'intrusion', zone: (id % 2) + 1, msgId: `b${id}`, detail: `bench:${id}` });
    sentAt.set(id, performance.now());
    return device.publishAsync(`safegrid/s${site}/panel/event`, body, { qos: 1 });
  };
  const drain = async (firstId: number, lastId: number): Promise<void> => {
    const until = Date.now() + 15_000;
    const all = (): boolean => seen.every((s) => {
      for (let id = firstId; id <= lastId; id++) if (!s.has(id)) return false;
      return true;
    });
    while (!all() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  };
  const summarise = (targetRate: number | 'max', firstId: number, lastId: number, start: number): PhaseResult => {
    const sorted = latencies.sort((a, b) => a - b);
    let everywhere = 0;
    for (let id = firstId; id <= lastId; id++) if (seen.every((s) => s.has(id))) everywhere++;
    const seconds = (lastReceipt - start) / 1000;
    return {
      mode: kind,
      targetRate,
      sent: lastId - firstId + 1,
      receivedByEveryConsole: everywhere,
      eventsPerSec: round((lastId - firstId + 1) / seconds, 0),
      p50ms: round(percentile(sorted, 50)),
      p99ms: round(percentile(sorted, 99)),
      p999ms: round(percentile(sorted, 99.9)),
      maxMs: round(sorted.at(-1) ?? NaN),
    };
  };
  const results: PhaseResult[] = [];
  // Warm-up: JIT, SQLite page cache, incidents opened for every site.
  for (let i = 0; i < SITES; i++) void publish();
  await drain(1, seq);
  console.error(`${kind}: warmed up`);
  for (const rate of RATES) {
    console.error(`${kind}: ${rate} events/s for ${PHASE_SECONDS} s`);
    latencies = [];
    const firstId = seq + 1;
    const start = performance.now();
    const total = rate * PHASE_SECONDS;
    await new Promise<void>((done) => {
      const timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
        while (seq - firstId + 1 < due) void publish();
        if (seq - firstId + 1 >= total) {
          clearInterval(timer);
          done();
        }
      }, 2);
    });
    await drain(firstId, seq);
    results.push(summarise(rate, firstId, seq, start));
  }
  console.error(`${kind}: flat out for ${PHASE_SECONDS} s`);
  // Flat out: a window of unacknowledged QoS 1 messages per device client.
  latencies = [];
  const firstId = seq + 1;
  const start = performance.now();
  const stopAt = start + PHASE_SECONDS * 1000;
  await Promise.all(
    devices.map(async () => {
      const window = 20;
      const inflight = new Set<Promise<unknown>>();
      while (performance.now() < stopAt) {
        const p = publish().finally(() => inflight.delete(p));
        inflight.add(p);
        if (inflight.size >= window) await Promise.race(inflight);
      }
      await Promise.all(inflight);
    }),
  );
  await drain(firstId, seq);
  results.push(summarise('max', firstId, seq, start));

  for (const s of consoles) s.disconnect();
  await Promise.all(devices.map((d) => d.endAsync(true)));
  server.child.kill('SIGTERM');
  return results;
}

console.error('grid lookups…');
const geo = await benchGeo();
console.error('queue with 10,000 open incidents…');
const queue = await benchQueue(10_000);
const pipeline = await measure('pipeline');
const relay = await measure('relay');
const maxPipeline = pipeline.find((r) => r.targetRate === 'max')!.eventsPerSec;
const maxRelay = relay.find((r) => r.targetRate === 'max')!.eventsPerSec;
const doc = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` },
  setup: { sites: SITES, consoles: CONSOLES, deviceClients: DEVICES, phaseSeconds: PHASE_SECONDS, qos: 1, durability: 'SQLite WAL, synchronous=FULL, group commit' },
  pipeline,
  relay,
  ratio: round(maxPipeline / maxRelay, 2),
  geo,
  queue,
};
const table = [
  'mode      rate   sent    all-consoles  events/s   p50 ms   p99 ms  p99.9 ms   max ms',
  ...[...pipeline, ...relay].map((r) =>
    [r.mode.padEnd(9), String(r.targetRate).padStart(5), String(r.sent).padStart(7), String(r.receivedByEveryConsole).padStart(13), String(r.eventsPerSec).padStart(9), String(r.p50ms).padStart(8), String(r.p99ms).padStart(8), String(r.p999ms).padStart(9), String(r.maxMs).padStart(8)].join(' '),
  ),
  `max durable pipeline / raw relay = ${doc.ratio}`,
  `grid lookups/s against ${geo.cells} cells: ${geo.lookupsPerSec}`,
  `queue with ${queue.openIncidents} open incidents: ${queue.opsPerSec} durable workflow ops/s; queue:snapshot built in ${queue.snapshotMs.p50} ms (p50), ${queue.snapshotMs.max} ms (max), ${Math.round(queue.snapshotBytes / 1024)} KiB`,
];
console.error(table.join('\n'));
console.log(JSON.stringify(doc, null, 2));
process.exit(0);
