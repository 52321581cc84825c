/**
 * `npx tsx bench/mqtt-oversize.ts`: memory of the hub while unauthenticated clients try oversize
 * CONNECTs (issue 17, item 1). Each attacker opens a TCP connection, announces a CONNECT of
 * 268,435,455 bytes (the most MQTT 3.1.1 can say) and streams it; when the hub closes the
 * connection it opens the next one at once. Meanwhile one device publishes a QoS 1 alarm a second
 * and the PUBACK time is recorded. The hub runs in its own process (bench/hub-server.ts); its RSS
 * is read from /proc.
 *
 * Environment: BENCH_CLIENTS (50), BENCH_SECONDS (60), BENCH_SITES (100),
 * BENCH_MAX_BYTES_PER_CONNECTION (268435455: stream the whole announced packet unless closed; lower
 * it before running against a hub without the limit, which would buffer all of it),
 * BENCH_HUB_DIR (another checkout to run instead, e.g. main for an A/B),
 * BENCH_CHURN=1 (control: the attackers only open and close connections, sending nothing — the
 * floor any Node TCP server pays for that many connections a second).
 * Prints a line per 10 s on stderr and one JSON document on stdout.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import mqtt from 'mqtt';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const SITES = Number(process.env.BENCH_SITES ?? 100);
const ANNOUNCED = 268_435_455;
const MAX_BYTES = Number(process.env.BENCH_MAX_BYTES_PER_CONNECTION ?? ANNOUNCED);
const HUB_DIR = process.env.BENCH_HUB_DIR;
const CHURN = process.env.BENCH_CHURN === '1';

const rssMiB = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
};

const child = spawn(process.execPath, ['--import', 'tsx', 'bench/hub-server.ts', String(SITES)], {
  cwd: HUB_DIR,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const ports = JSON.parse(
  await new Promise<string>((ok, fail) => {
    createInterface({ input: child.stdout! }).once('line', ok);
    child.once('exit', (code) => fail(new Error(`hub exited with ${code}`)));
  }),
) as { mqtt: number };
const pid = child.pid!;

// Let start-up garbage settle before the baseline.
await new Promise((r) => setTimeout(r, 3000));
const baseline = rssMiB(pid);

let running = true;
let connections = 0;
let bytesSent = 0;
const chunk = Buffer.alloc(64 * 1024, 0x41);

async function attacker(): Promise<void> {
  while (running) {
    connections++;
    await new Promise<void>((done) => {
      // From 127.0.0.2: the legitimate device below is on 127.0.0.1, as another address would be.
      const sock = connect({ port: ports.mqtt, host: '127.0.0.1', localAddress: '127.0.0.2' });
      let open = true;
      let sent = 0;
      sock.on('error', () => undefined);
      sock.once('close', () => {
        open = false;
        done();
      });
      sock.once('connect', async () => {
        if (CHURN) {
          sock.destroy();
          return;
        }
        sock.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
        while (open && running && sent < MAX_BYTES) {
          const ok = sock.write(chunk);
          sent += chunk.length;
          bytesSent += chunk.length;
          if (!ok) await new Promise((r) => (open ? sock.once('drain', r).once('close', r) : r(null)));
        }
        // Bytes all sent (or the run is over): hold the connection until the hub closes it or the run ends.
        if (open) {
          const stop = setInterval(() => {
            if (!running) {
              clearInterval(stop);
              sock.destroy();
            }
          }, 200);
          sock.once('close', () => clearInterval(stop));
        }
      });
    });
  }
}

// The legitimate device (auth is off in the bench tree: the size limit holds before any login).
const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${ports.mqtt}`, { clientId: 'bench-legit', protocolVersion: 4, reconnectPeriod: 1000 });
const pubacks: number[] = [];
let n = 0;
const alarms = setInterval(() => {
  const t0 = performance.now();
  const body = JSON.stringify({ kind: 'intrusion', zone: 1, msgId: `oversize-${++n}` });
  device.publishAsync('safegrid/s1/panel/event', body, { qos: 1 }).then(
    () => pubacks.push(performance.now() - t0),
    () => undefined,
  );
}, 1000);

const samples: number[] = [];
const started = performance.now();
const sampler = setInterval(() => {
  samples.push(rssMiB(pid));
  const s = Math.round((performance.now() - started) / 1000);
  if (s % 10 === 0) console.error(`t=${s}s rss=${samples.at(-1)!.toFixed(1)} MiB connections=${connections} sent=${(bytesSent / 2 ** 20).toFixed(0)} MiB`);
}, 1000);

const attackers = Array.from({ length: CLIENTS }, () => attacker());
await new Promise((r) => setTimeout(r, SECONDS * 1000));
running = false;
clearInterval(alarms);
clearInterval(sampler);
await Promise.all(attackers);
await device.endAsync(true);
const after = rssMiB(pid);
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));

const sorted = [...pubacks].sort((a, b) => a - b);
const pct = (p: number): number => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN) * 10) / 10;
process.stdout.write(
  `${JSON.stringify(
    {
      hub: HUB_DIR ?? 'this checkout',
      mode: CHURN ? 'churn (control: connect and close, no bytes)' : 'oversize CONNECT',
      clients: CLIENTS,
      seconds: SECONDS,
      maxBytesPerConnection: MAX_BYTES,
      connections,
      sentMiB: Math.round(bytesSent / 2 ** 20),
      rssBaselineMiB: Math.round(baseline * 10) / 10,
      rssMaxMiB: Math.round(Math.max(...samples) * 10) / 10,
      rssEndMiB: Math.round(after * 10) / 10,
      growthMaxMiB: Math.round((Math.max(...samples) - baseline) * 10) / 10,
      alarmsAcknowledged: pubacks.length,
      alarmsSent: n,
      pubackP50Ms: pct(0.5),
      pubackP99Ms: pct(0.99),
    },
    null,
    2,
  )}\n`,
);
