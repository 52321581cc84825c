/**
 * `npx tsx bench/command-flood.ts`: alarm PUBACK latency at a steady 2,000 MQTT events/s, first
 * quiet, then while one logged-in console socket floods commands (issue 17, item 9). The hub
 * (bench/hub-server.ts) and the flooder (bench/command-flooder.ts) run in their own processes;
 * this one publishes and times PUBLISH → PUBACK (the PUBACK leaves once the event is committed).
 *
 * The machine is shared, so quiet and flooded phases alternate for BENCH_ROUNDS rounds and every
 * round's figures are printed, with the p99 ratio of each round and their median.
 *
 * Environment: BENCH_RATE (2000 events/s), BENCH_SECONDS (10 per phase), BENCH_ROUNDS (3), BENCH_SITES (200),
 * BENCH_HUB_DIR (another checkout's hub, e.g. main for an A/B).
 * Prints one JSON document on stdout.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import mqtt, { type MqttClient } from 'mqtt';
import { BENCH_USER } from './tree.js';

const RATE = Number(process.env.BENCH_RATE ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SITES = Number(process.env.BENCH_SITES ?? 200);
const HUB_DIR = process.env.BENCH_HUB_DIR;
const DEVICES = 20;
const TICK_MS = 10;

function child(script: string, args: string[], cwd?: string) {
  const p = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: p.stdout! });
  const next = (): Promise<string> =>
    new Promise((ok, fail) => {
      lines.once('line', ok);
      p.once('exit', (code) => fail(new Error(`${script} exited with ${code}`)));
    });
  return { p, next };
}

const hub = child('bench/hub-server.ts', [String(SITES)], HUB_DIR);
const ports = JSON.parse(await hub.next()) as { http: number; mqtt: number };
const login = await fetch(`http://127.0.0.1:${ports.http}/api/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(BENCH_USER),
});
const cookie = /sg_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0];
if (!cookie) throw new Error(`bench login failed: HTTP ${login.status}`);

const devices: MqttClient[] = [];
for (let d = 0; d < DEVICES; d++) devices.push(await mqtt.connectAsync(`mqtt://127.0.0.1:${ports.mqtt}`, { clientId: `bench-${d}`, protocolVersion: 4 }));

let seq = 0;
/** Publishes at RATE for SECONDS; resolves with PUBACK latencies (ms) of every message. */
async function phase(): Promise<{ latencies: number[]; sent: number }> {
  const latencies: number[] = [];
  const pending: Promise<unknown>[] = [];
  const perTick = (RATE * TICK_MS) / 1000;
  const start = performance.now();
  let due = 0;
  let sent = 0;
  while (performance.now() - start < SECONDS * 1000) {
    due += perTick;
    while (sent < due) {
      const id = ++seq;
      const site = id % SITES;
      const device = devices[site % DEVICES]!;
      const t0 = performance.now();
      const p =
        id % 20 === 0
          ? device.publishAsync(`safegrid/s${site}/panel/event`, JSON.stringify({ kind: 'intrusion', zone: (id % 2) + 1, msgId: `f${id}` }), { qos: 1 })
          : device.publishAsync(`safegrid/s${site}/panel/status`, 'online', { qos: 1 });
      pending.push(p.then(() => latencies.push(performance.now() - t0)));
      sent++;
    }
    // Paced by the clock, not by the answers: a slow hub makes latency grow, not the rate drop.
    const next = start + (sent / RATE) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  await Promise.all(pending);
  return { latencies, sent };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? Number.NaN) * 10) / 10;
};

const report = (r: { latencies: number[]; sent: number }) => ({
  eventsPerSecond: Math.round(r.sent / SECONDS),
  pubackP50Ms: pct(r.latencies, 0.5),
  pubackP99Ms: pct(r.latencies, 0.99),
});

await phase(); // warm-up, not reported
const rounds = [];
for (let round = 0; round < ROUNDS; round++) {
  const quiet = await phase();
  const flooder = child('bench/command-flooder.ts', [String(ports.http), cookie]);
  await flooder.next(); // "flooding"
  const flooded = await phase();
  flooder.p.kill('SIGTERM');
  const flood = JSON.parse(await flooder.next()) as { sent: number; answered: number; rateLimited: number; seconds: number };
  const r = {
    quiet: report(quiet),
    flooded: report(flooded),
    flood: { ...flood, answeredPerSecond: Math.round(flood.answered / flood.seconds) },
    p99Ratio: Math.round((pct(flooded.latencies, 0.99) / pct(quiet.latencies, 0.99)) * 100) / 100,
  };
  console.error(JSON.stringify(r));
  rounds.push(r);
}
await Promise.all(devices.map((d) => d.endAsync(true)));
hub.p.kill('SIGTERM');
await new Promise((r) => hub.p.once('exit', r));

const ratios = rounds.map((r) => r.p99Ratio).sort((a, b) => a - b);
process.stdout.write(`${JSON.stringify({ hub: HUB_DIR ?? 'this checkout', rounds, medianP99Ratio: ratios[Math.floor(ratios.length / 2)] }, null, 2)}\n`);
