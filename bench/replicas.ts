/**
 * `npx tsx bench/replicas.ts`: issue 18's figures. Hub replicas as processes on a private
 * PostgreSQL and Redis (test/helpers/replica-cluster.ts), devices through a TCP balancer:
 *
 * 1. Flat out, alarms only: one hub on SQLite, then 1, 2, 3 replicas on PostgreSQL. Alarms
 *    acknowledged per second, PUBACK p50/p99 (the PUBACK waits for the durable commit), and the CPU
 *    each process spent per alarm — hubs, PostgreSQL, Redis, and this load generator — so the
 *    scaling can be projected to machines with more cores than this one.
 * 2. Failover, 3 replicas at a steady rate: SIGKILL a random replica BENCH_KILLS times and restart
 *    it; kill → first alarm of a moved device acknowledged (= stored), and kill → its consoles
 *    live on another replica.
 *
 * Environment: BENCH_SITES (200: one device each), BENCH_WINDOW (4 unacknowledged alarms per
 * device), BENCH_SECONDS (10 per phase), BENCH_REPLICAS (1,2,3), BENCH_KILLS (10), BENCH_RATE
 * (500 alarms/s in the failover phase), BENCH_FAILOVER=0 skips it, BENCH_SQLITE=0 skips the SQLite
 * hub. Prints lines on stderr and one JSON document on stdout.
 *
 * BENCH_PROFILE=<dir> profiles the replica phases: each replica runs with `--cpu-prof` into
 * <dir>/<setup>/ and is stopped with SIGTERM after its phase (so the profile is written);
 * PostgreSQL loads pg_stat_statements and Redis' `INFO commandstats` is reset before the phase; the
 * phase's window (monotonic µs, the clock of the profiles' timestamps), the statements and the
 * command stats are written beside the profiles. `npx tsx bench/cpu-profile.ts <dir>/<setup>` reads them.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import os from 'node:os';
import mqtt, { type MqttClient } from 'mqtt';
import { defaultUsersYaml } from '../test/helpers/accounts.js';
import { seeded, sleep } from '../test/helpers/fault.js';
import { startProcessHub } from '../test/helpers/process-hub.js';
import { generatedSites, ReplicaConsole, startReplicaCluster, type GeneratedSite } from '../test/helpers/replica-cluster.js';
import { makeTree } from '../test/helpers/tree.js';

const SITES = Number(process.env.BENCH_SITES ?? 200);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const REPLICAS = (process.env.BENCH_REPLICAS ?? '1,2,3').split(',').map(Number);
const KILLS = Number(process.env.BENCH_KILLS ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const PROFILE = process.env.BENCH_PROFILE ?? null;
/** Monotonic µs: the clock of V8's profile timestamps (process.hrtime and V8 both read CLOCK_MONOTONIC). */
const monoUs = (): number => Number(process.hrtime.bigint() / 1000n);

const round = (n: number, d = 1): number => Math.round(n * 10 ** d) / 10 ** d;
const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** CPU seconds (user + system) of a process, from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** PIDs whose command line contains every one of `parts` (our own PostgreSQL and Redis, found by port). */
function pidsWith(...parts: string[]): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (parts.every((p) => cmd.includes(p))) out.push(Number(d));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** redis-server renames itself to `redis-server 127.0.0.1:<port>`. */
function redisPids(port: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.startsWith('redis-server') || cmd.includes('/redis-server')) if (cmd.includes(`:${port}`) || cmd.includes(`\0${port}\0`)) out.push(Number(d));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** The postmaster and its children (backends, WAL writer, …). */
function postgresPids(port: number): number[] {
  const master = pidsWith('-p', String(port))[0];
  if (master === undefined) return [];
  const kids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      if (ppid === master) kids.push(Number(d));
    } catch {
      // Gone meanwhile.
    }
  }
  return [master, ...kids];
}

const sumCpu = (pids: number[]): number => pids.reduce((s, p) => s + cpuSeconds(p), 0);

function connectDevices(url: string, sites: GeneratedSite[], tag: string): MqttClient[] {
  return sites.map((s) => {
    const c = mqtt.connect(url, {
      clientId: `bench-${tag}-${s.id}`,
      username: s.username,
      password: s.password,
      clean: false,
      reconnectPeriod: 100,
      keepalive: 10,
      protocolVersion: 4,
    });
    c.on('error', () => undefined);
    return c;
  });
}

async function allConnected(devices: MqttClient[]): Promise<void> {
  const until = Date.now() + 120_000;
  while (!devices.every((d) => d.connected)) {
    if (Date.now() > until) throw new Error('devices did not connect within 120 s');
    await sleep(100);
  }
}

let msgCounter = 0;
function publish(d: MqttClient, s: GeneratedSite): Promise<number> {
  const t0 = performance.now();
  const id = `b${++msgCounter}`;
  const body = JSON.stringify({ kind: 'intrusion', zone: 1 + (msgCounter % 2), msgId: `${s.id}-${id}`, detail: `bench:${id}` });
  return d.publishAsync(`${s.topic}/event`, body, { qos: 1 }).then(() => performance.now() - t0);
}

interface FlatOut {
  setup: string;
  alarmsPerSec: number;
  ackP50ms: number;
  ackP99ms: number;
  /** CPU ms per alarm: all hub processes, PostgreSQL, Redis, this load generator. */
  hubMsPerAlarm: number;
  /** The same for each hub process (the cluster's alarms as the divisor): how the work spreads. */
  hubMsPerAlarmEach: number[];
  postgresMsPerAlarm: number;
  redisMsPerAlarm: number;
  benchMsPerAlarm: number;
}

/** The last flat-out phase's window on the monotonic clock (for BENCH_PROFILE). */
const lastWindow = { fromUs: 0, toUs: 0 };

/** Every device keeps WINDOW alarms unacknowledged for SECONDS. */
async function flatOut(
  setup: string,
  devices: MqttClient[],
  sites: GeneratedSite[],
  hubPids: () => number[],
  pgPids: number[],
  redisPids: number[],
): Promise<FlatOut> {
  const lat: number[] = [];
  let running = true;
  const cpu0 = { hub: sumCpu(hubPids()), pg: sumCpu(pgPids), redis: sumCpu(redisPids), bench: process.cpuUsage() };
  const each0 = hubPids().map(cpuSeconds);
  const t0 = performance.now();
  lastWindow.fromUs = monoUs();
  const loops = devices.flatMap((d, k) =>
    Array.from({ length: WINDOW }, async () => {
      while (running) lat.push(await publish(d, sites[k]!));
    }),
  );
  await sleep(SECONDS * 1000);
  running = false;
  lastWindow.toUs = monoUs();
  const seconds = (performance.now() - t0) / 1000;
  const n = lat.length;
  const cpu1 = { hub: sumCpu(hubPids()), pg: sumCpu(pgPids), redis: sumCpu(redisPids), bench: process.cpuUsage(cpu0.bench) };
  const each1 = hubPids().map(cpuSeconds);
  await Promise.race([Promise.all(loops), sleep(30_000)]);
  lat.sort((a, b) => a - b);
  const per = (cpuS: number): number => round((cpuS * 1000) / Math.max(1, n), 3);
  const r: FlatOut = {
    setup,
    alarmsPerSec: Math.round(n / seconds),
    ackP50ms: round(pct(lat, 50)),
    ackP99ms: round(pct(lat, 99)),
    hubMsPerAlarm: per(cpu1.hub - cpu0.hub),
    hubMsPerAlarmEach: each1.map((c, i) => per(c - (each0[i] ?? 0))),
    postgresMsPerAlarm: per(cpu1.pg - cpu0.pg),
    redisMsPerAlarm: per(cpu1.redis - cpu0.redis),
    benchMsPerAlarm: per((cpu1.bench.user + cpu1.bench.system) / 1e6),
  };
  console.error(
    `${setup}: ${r.alarmsPerSec} alarms/s, PUBACK p50 ${r.ackP50ms} ms p99 ${r.ackP99ms} ms; CPU ms/alarm hub ${r.hubMsPerAlarm} ` +
      `(${r.hubMsPerAlarmEach.join(' + ')}), postgres ${r.postgresMsPerAlarm}, redis ${r.redisMsPerAlarm}, load generator ${r.benchMsPerAlarm}`,
  );
  return r;
}

/** One Redis command on a fresh connection (RESP inline), its reply as text. */
async function redisCommand(port: number, command: string): Promise<string> {
  const { connect } = await import('node:net');
  return new Promise((ok, fail) => {
    let out = '';
    const s = connect(port, '127.0.0.1', () => s.write(`${command}\r\n`));
    s.on('data', (d) => {
      out += d.toString();
      // A bulk reply ends with its declared length; a simple reply with its first line.
      const m = /^\$(\d+)\r\n/.exec(out);
      if ((m && Buffer.byteLength(out) >= m[0].length + Number(m[1]) + 2) || (!m && out.endsWith('\r\n'))) {
        s.destroy();
        ok(out);
      }
    });
    s.on('error', fail);
  });
}

async function profileStart(dbUrl: string, redisPort: number): Promise<void> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await client.query('SELECT pg_stat_statements_reset()');
  await client.end();
  await redisCommand(redisPort, 'CONFIG RESETSTAT');
}

/** Writes the phase's window, PostgreSQL's statements and Redis' command stats; stops the replicas with SIGTERM (profiles are written at exit). */
async function profileEnd(dir: string, dbUrl: string, redisPort: number, procs: Array<{ stop(): Promise<void> } | null>): Promise<void> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  const statements = (
    await client.query(
      `SELECT calls, round(total_exec_time::numeric, 1) AS ms, rows, left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 160) AS query
       FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 25`,
    )
  ).rows;
  await client.end();
  const commandstats = await redisCommand(redisPort, 'INFO commandstats');
  const stoppedUs = monoUs();
  await Promise.all(procs.map((p) => p?.stop()));
  const last = results.at(-1);
  writeFileSync(
    join(dir, 'phase.json'),
    JSON.stringify({ ...lastWindow, stoppedUs, result: last, statements, commandstats: commandstats.split('\r\n') }, null, 2),
  );
}

async function endAll(devices: MqttClient[]): Promise<void> {
  await Promise.race([Promise.all(devices.map((d) => d.endAsync(true).catch(() => undefined))), sleep(5000)]);
}

const results: FlatOut[] = [];

// SQLite, one hub: the embedded default.
if (process.env.BENCH_SQLITE !== '0') {
  const { sites, env, files } = generatedSites(SITES);
  const tree = makeTree(files);
  tree.write('config/users.yaml', await defaultUsersYaml());
  const hub = await startProcessHub(tree.root, env);
  const devices = connectDevices(`mqtt://127.0.0.1:${hub.mqttPort}`, sites, 'sqlite');
  await allConnected(devices);
  results.push(await flatOut('sqlite, 1 hub', devices, sites, () => [hub.child.pid!], [], []));
  await endAll(devices);
  await hub.kill();
  tree.remove();
}

for (const n of REPLICAS) {
  const profileDir = PROFILE ? join(PROFILE, `pg${n}`) : null;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const c = await startReplicaCluster({
    replicas: n,
    sites: SITES,
    ...(profileDir
      ? {
          postgresConfig: ["shared_preload_libraries = 'pg_stat_statements'", 'pg_stat_statements.track = all'],
          nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
        }
      : {}),
  });
  const devices = connectDevices(c.mqttUrl, c.sites, `pg${n}`);
  await allConnected(devices);
  if (profileDir) await profileStart(c.dbUrl, c.redis.port);
  results.push(
    await flatOut(
      `postgres, ${n} replica${n > 1 ? 's' : ''}`,
      devices,
      c.sites,
      () => c.procs.flatMap((p) => (p?.child.pid ? [p.child.pid] : [])),
      postgresPids(c.pg.port),
      redisPids(c.redis.port),
    ),
  );
  if (profileDir) await profileEnd(profileDir, c.dbUrl, c.redis.port, c.procs);
  await endAll(devices);
  await c.close();
}

interface Failover {
  kills: number;
  /** kill → first acknowledged alarm of a device that was on the killed replica, ms. */
  deviceMs: number[];
  /** kill → console live on another replica, ms. */
  consoleMs: number[];
  startFailures: string[];
}
let failover: Failover | null = null;
if (process.env.BENCH_FAILOVER !== '0') {
  const c = await startReplicaCluster({ replicas: 3, sites: SITES });
  const devices = connectDevices(c.mqttUrl, c.sites, 'fo');
  await allConnected(devices);
  const consoles = Array.from({ length: 6 }, (_, k) => new ReplicaConsole(c, k % 3));
  await Promise.all(consoles.map((x) => x.start()));
  const acks: Array<Array<number>> = devices.map(() => []);
  let cursor = 0;
  const perTick = Math.max(1, Math.round(RATE / 10));
  const ticker = setInterval(() => {
    for (let k = 0; k < perTick; k++) {
      const i = cursor++ % devices.length;
      void publish(devices[i]!, c.sites[i]!).then(
        () => acks[i]!.push(Date.now()),
        () => undefined,
      );
    }
  }, 100);
  const rand = seeded(Number(process.env.FAULT_SEED ?? 18));
  const deviceMs: number[] = [];
  const consoleMs: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    await sleep(2000 + rand() * 3000);
    // A TCP balancer does not move connections back to a restarted replica: it stays empty until
    // clients reconnect. The victim is a random replica among those serving devices, so that every
    // kill measures a failover.
    const backendOf = (d: MqttClient): number | null => c.mqttBalancer.backendOf((d.stream as { localPort?: number } | undefined)?.localPort);
    const serving = c.live().filter((r) => devices.some((d) => backendOf(d) === r));
    const victim = serving[Math.floor(rand() * serving.length)]!;
    const moved = devices.flatMap((d, i) => (backendOf(d) === victim ? [i] : []));
    const on = consoles.filter((x) => x.replica === victim);
    const at = await c.kill(victim);
    const until = Date.now() + 60_000;
    let first: number | undefined;
    while (first === undefined && Date.now() < until) {
      first = moved.flatMap((i) => acks[i]!.filter((t) => t > at)).sort((a, b) => a - b)[0];
      if (first === undefined) await sleep(20);
    }
    deviceMs.push(first === undefined ? NaN : first - at);
    while (on.some((x) => !x.moves.some((m) => m.from === victim && m.backAt >= at)) && Date.now() < until) await sleep(20);
    for (const x of on) {
      const m = x.moves.find((mv) => mv.from === victim && mv.backAt >= at);
      consoleMs.push(m ? m.backAt - at : NaN);
    }
    console.error(
      `failover ${k + 1}/${KILLS}: r${victim} killed, ${moved.length} devices moved, first stored after ${deviceMs.at(-1)} ms; consoles back after ` +
        `${on.length ? `${consoleMs.slice(-on.length).join(', ')} ms` : '— (none on it)'}`,
    );
    await c.restart(victim);
  }
  clearInterval(ticker);
  for (const x of consoles) x.close();
  await endAll(devices);
  await c.close();
  failover = { kills: KILLS, deviceMs, consoleMs, startFailures: c.startFailures };
  const s = (a: number[]): string => {
    const v = a.filter(Number.isFinite).sort((x, y) => x - y);
    return `median ${pct(v, 50)} ms, max ${v.at(-1)} ms (${a.length - v.length} never)`;
  };
  console.error(`failover over ${KILLS} kills: device ${s(deviceMs)}; console ${s(consoleMs)}; replica starts retried: ${c.startFailures.length}`);
}

console.log(
  JSON.stringify(
    {
      machine: { cores: os.cpus().length, loadavg: os.loadavg().map((l) => round(l, 2)) },
      sites: SITES,
      window: WINDOW,
      seconds: SECONDS,
      flatOut: results,
      failover,
    },
    null,
    2,
  ),
);
process.exit(0);
