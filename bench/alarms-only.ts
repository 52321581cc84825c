/**
 * `npx tsx bench/alarms-only.ts`: the flat-out alarms-only phase of bench/run.ts on its own, the
 * hub and the raw relay interleaved for N rounds, with the CPU each process spent per message.
 * On a shared 2-core machine throughput swings with whatever else runs; CPU per message does not,
 * and it shows which side is the limit (the hub, or the load generator and its 10 consoles).
 *
 * The same load as bench/run.ts's `max-alarms`: 1,000 sites, 50 MQTT clients with 20 unacknowledged
 * QoS 1 alarms each, 10 logged-in consoles; latency is PUBLISH → `event:stored` at every console.
 *
 * Environment: BENCH_ROUNDS (3), BENCH_SECONDS (10), BENCH_CONSOLES (10), BENCH_SITES (1000),
 * BENCH_PROFILE=dir (V8 CPU profiles of the servers), BENCH_SERVER_FLAGS (node flags of both servers), BENCH_MIX=1 (95 % heartbeats instead),
 * BENCH_MODES (pipeline,relay): `pipeline` is this checkout's hub, `relay` bench/relay-server.ts,
 * and `name=dir` the hub of another checkout (e.g. `before=/tmp/old` after
 * `git archive <commit> | tar -x -C /tmp/old && ln -s $PWD/node_modules /tmp/old/`) for an A/B run.
 * Prints one line per run on stderr and one JSON document on stdout.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import mqtt, { type MqttClient } from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { EventBatch } from '../src/contract/socket.js';
import { stopServer, type Server } from './spawn.js';
import { BENCH_USER } from './tree.js';

const SITES = Number(process.env.BENCH_SITES ?? 1000);
const CONSOLES = Number(process.env.BENCH_CONSOLES ?? 10);
const DEVICES = 50;
const WINDOW = 20;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MODES = (process.env.BENCH_MODES ?? 'pipeline,relay').split(',');
const MIX = process.env.BENCH_MIX === '1';

interface Run {
  /** Messages acknowledged per second. */
  perSec: number;
  /** Alarm latency PUBLISH → receipt at the consoles, ms. */
  p50: number;
  p99: number;
  /** PUBLISH → PUBACK of every message during the phase (the PUBACK leaves after the commit), ms. */
  ackP99: number;
  /** Cores used during the phase by the server and by this process (devices and consoles). */
  cpuServer: number;
  cpuBench: number;
  /** CPU µs per message, server and this process. */
  usServer: number;
  usBench: number;
  /** `incident:update` pushes one console received per alarm (pipeline). */
  updatesPerAlarm: number;
}

/** bench/spawn.ts's startServer, in another checkout's directory when asked. */
async function startServer(script: string, args: string[], cwd?: string): Promise<Server> {
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const t0 = performance.now();
  const flags = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, ...profile, '--import', 'tsx', script, ...args], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((ok, fail) => {
    createInterface({ input: child.stdout! }).once('line', ok);
    child.once('exit', (code) => fail(new Error(`${script} exited with ${code}`)));
  });
  return { child, ...(JSON.parse(line) as { http: number; mqtt: number }), spawnToServingMs: Math.round(performance.now() - t0) };
}

/** The monotonic clock in µs, the clock V8's CPU profiles are stamped with. */
const monoUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** utime + stime of a process, in clock ticks (1/100 s). */
function ticks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]);
}

async function run(mode: string): Promise<Run> {
  const kind = mode === 'relay' ? 'relay' : 'pipeline';
  const cwd = mode.includes('=') ? mode.slice(mode.indexOf('=') + 1) : undefined;
  const server = await startServer(kind === 'pipeline' ? 'bench/hub-server.ts' : 'bench/relay-server.ts', [String(SITES)], cwd);
  let cookie = '';
  if (kind === 'pipeline') {
    const r = await fetch(`http://127.0.0.1:${server.http}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(BENCH_USER),
    });
    cookie = /sg_session=[^;]+/.exec(r.headers.get('set-cookie') ?? '')?.[0] ?? '';
    if (!cookie) throw new Error(`bench login failed: HTTP ${r.status}`);
  }
  const sentAt = new Map<number, number>();
  const seen: Array<Set<number>> = [];
  let latencies: number[] = [];
  let acks: number[] = [];
  let updates = 0;
  const record = (c: number, id: number): void => {
    const s = seen[c]!;
    if (s.has(id)) return;
    s.add(id);
    const t = sentAt.get(id);
    if (t !== undefined) latencies.push(performance.now() - t);
  };
  const consoles: Socket[] = [];
  for (let c = 0; c < CONSOLES; c++) {
    seen.push(new Set());
    // `deltas: 1` as the console page sends it (incident:update's delta form; an older hub ignores it).
    const s = ioClient(`http://127.0.0.1:${server.http}/console`, {
      transports: ['websocket'],
      forceNew: true,
      extraHeaders: cookie ? { cookie } : {},
      auth: { deltas: 1 },
    });
    if (kind === 'pipeline') {
      if (c === 0) s.on('incident:update', () => void updates++);
      s.on('event:stored', (b: EventBatch) => {
        for (const e of b.events) if (e.detail?.startsWith('bench:')) record(c, Number(e.detail.slice(6)));
      });
    } else {
      s.on('relay', (m: { payload: string }) => {
        if (!m.payload.startsWith('{')) return;
        const detail = (JSON.parse(m.payload) as { detail?: string }).detail;
        if (detail?.startsWith('bench:')) record(c, Number(detail.slice(6)));
      });
    }
    await new Promise<void>((ok, fail) => {
      s.once('connect', () => ok());
      s.once('connect_error', fail);
    });
    consoles.push(s);
  }
  const devices: MqttClient[] = [];
  for (let d = 0; d < DEVICES; d++) devices.push(await mqtt.connectAsync(`mqtt://127.0.0.1:${server.mqtt}`, { clientId: `bench-${d}`, protocolVersion: 4 }));
  let seq = 0;
  const alarmIds: number[] = [];
  const publish = (forceAlarm: boolean): Promise<unknown> => {
    const t0 = performance.now();
    return send(forceAlarm).then(() => void acks.push(performance.now() - t0));
  };
  const send = (forceAlarm: boolean): Promise<unknown> => {
    const id = ++seq;
    const site = id % SITES;
    const device = devices[site % DEVICES]!;
    if (forceAlarm || id % 20 === 0) {
      alarmIds.push(id);
      sentAt.set(id, performance.now());
      const body = JSON.stringify({ kind: 'intrusion', zone: (id % 2) + 1, msgId: `b${id}`, detail: `bench:${id}` });
      return device.publishAsync(`safegrid/s${site}/panel/event`, body, { qos: 1 });
    }
    return device.publishAsync(`safegrid/s${site}/panel/status`, 'online', { qos: 1 });
  };
  const drain = async (ids: number[]): Promise<void> => {
    const until = Date.now() + 15_000;
    while (!seen.every((s) => ids.every((id) => s.has(id))) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  };
  // Warm-up as in bench/run.ts: an incident and a device state for every site.
  await Promise.all(Array.from({ length: SITES }, () => publish(true)));
  await Promise.all(Array.from({ length: SITES }, () => publish(false)));
  await drain(alarmIds.slice());
  latencies = [];
  acks = [];
  const firstId = seq + 1;
  const firstAlarm = alarmIds.length;
  const updates0 = updates;
  const cpu0 = process.cpuUsage();
  const srv0 = ticks(server.child.pid!);
  const fromUs = monoUs();
  const start = performance.now();
  const stopAt = start + SECONDS * 1000;
  await Promise.all(
    devices.map(async () => {
      const inflight = new Set<Promise<unknown>>();
      while (performance.now() < stopAt) {
        const p: Promise<unknown> = publish(!MIX).finally(() => inflight.delete(p));
        inflight.add(p);
        if (inflight.size >= WINDOW) await Promise.race(inflight);
      }
      await Promise.all(inflight);
    }),
  );
  const secs = (performance.now() - start) / 1000;
  const toUs = monoUs();
  const cpu = process.cpuUsage(cpu0);
  const srv = ticks(server.child.pid!) - srv0;
  const n = seq - firstId + 1;
  const alarms = alarmIds.length - firstAlarm;
  await drain(alarmIds.slice(firstAlarm));
  const missing = alarmIds.slice(firstAlarm).filter((id) => !seen.every((s) => s.has(id))).length;
  if (missing) console.error(`${mode}: ${missing} alarms did not reach every console`);
  const pctOf = (xs: number[], p: number): number => {
    const sorted = xs.sort((a, b) => a - b);
    return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN);
  };
  const pct = (p: number): number => pctOf(latencies, p);
  for (const s of consoles) s.disconnect();
  await Promise.all(devices.map((d) => d.endAsync(true)));
  await stopServer(server);
  const benchUs = cpu.user + cpu.system;
  // bench/cpu-profile.ts reads the phase window (the server's profile file is written when it stops;
  // one run per mode and directory keeps the window and the profile together).
  if (process.env.BENCH_PROFILE) {
    writeFileSync(join(process.env.BENCH_PROFILE, 'phase.json'), JSON.stringify({ fromUs, toUs, result: { alarmsPerSec: n / secs, setup: mode } }));
  }
  return {
    perSec: Math.round(n / secs),
    p50: pct(50),
    p99: pct(99),
    ackP99: pctOf(acks, 99),
    cpuServer: Math.round(srv / secs) / 100,
    cpuBench: Math.round(benchUs / 1e4 / secs) / 100,
    usServer: Math.round((srv * 1e4) / n),
    usBench: Math.round(benchUs / n),
    updatesPerAlarm: alarms ? Math.round(((updates - updates0) / alarms) * 100) / 100 : 0,
  };
}

const results: Record<string, Run[]> = {};
for (let r = 0; r < ROUNDS; r++) {
  for (const m of MODES) {
    const x = await run(m);
    results[m] ??= [];
    results[m].push(x);
    console.error(`round ${r + 1} ${m}: ${JSON.stringify(x)}`);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const summary = Object.fromEntries(
  Object.entries(results).map(([m, runs]) => [
    m,
    Object.fromEntries((Object.keys(runs[0]!) as Array<keyof Run>).map((k) => [k, median(runs.map((x) => x[k]))])),
  ]),
);
console.error(`medians: ${JSON.stringify(summary)}`);
console.log(JSON.stringify({ rounds: ROUNDS, seconds: SECONDS, consoles: CONSOLES, sites: SITES, mix: MIX, runs: results, medians: summary }, null, 2));
process.exit(0);
