/**
 * `npm run bench`: issue 7's figures, device PUBLISH → durable commit → console receipt.
 *
 * Runs the hub in a child process (so the load generator does not share its event loop), connects
 * BENCH_CONSOLES Socket.IO consoles (logged in) and 50 MQTT device clients, and plays a realistic
 * mix: 95 % heartbeats (`…/status online`), 5 % alarms. Alarm latency is measured at every console
 * (the `event:stored` log); every message's PUBACK latency (which waits for the durable commit) is
 * measured at the device. Then flat out, and the same against a raw relay (aedes straight to
 * Socket.IO, no parsing, no storage) as the physical limit; each phase also reports the CPU the
 * server and this process (devices and consoles, on the same cores) spent per message, which says
 * which side limited a flat-out phase (bench/alarms-only.ts repeats that phase alone, A/B). Then
 * RSS over a soak, and start-up time
 * with 10,000 sites, 10,000 cells and 1,000,000 stored events (bench/startup.ts: first start and
 * restart).
 *
 * Environment: BENCH_SITES (1000), BENCH_CONSOLES (10), BENCH_SECONDS per phase (10),
 * BENCH_RATES (200,2000,10000), BENCH_SOAK_SECONDS (60; 600 for the issue's 10-minute soak),
 * BENCH_SOAK_RATE (2000), BENCH_ALARM_SHARE (0.05; 1: every message of the fixed rates an alarm),
 * BENCH_STARTUP=0 skips the start-up phase, BENCH_PROFILE=dir writes V8 CPU profiles of the server
 * processes. Prints a table on stderr and one JSON document on stdout.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import mqtt, { type MqttClient } from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { EventBatch } from '../src/contract/socket.js';
import { benchGeo } from './geo.js';
import { benchQueue } from './queue.js';
import { startServer } from './spawn.js';
import { measureStartup } from './startup.js';
import { BENCH_USER } from './tree.js';

const SITES = Number(process.env.BENCH_SITES ?? 1000);
const CONSOLES = Number(process.env.BENCH_CONSOLES ?? 10);
const DEVICES = 50;
const PHASE_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATES = (process.env.BENCH_RATES ?? '200,2000,10000').split(',').map(Number);
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 60);
const SOAK_RATE = Number(process.env.BENCH_SOAK_RATE ?? 2000);
/** The share of alarms in the fixed-rate phases and the soak: issue 7's mix (0.05), or 1 for alarms only at a fixed rate. */
const ALARM_SHARE = Number(process.env.BENCH_ALARM_SHARE ?? 0.05);
if (!(ALARM_SHARE > 0 && ALARM_SHARE <= 1)) throw new Error(`BENCH_ALARM_SHARE: got ${process.env.BENCH_ALARM_SHARE}; expected a share in (0, 1]`);

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (n: number, d = 1): number => Math.round(n * 10 ** d) / 10 ** d;

interface PhaseResult {
  mode: string;
  targetRate: number | 'max' | 'max-alarms';
  /** Messages published (heartbeats + alarms). */
  sent: number;
  alarms: number;
  /** Alarms that reached every console. */
  alarmsAtEveryConsole: number;
  /** Messages acknowledged per second (the PUBACK waits for the durable commit in the hub). */
  eventsPerSec: number;
  /** Alarm latency PUBLISH → console receipt, over all consoles. */
  p50ms: number;
  p99ms: number;
  p999ms: number;
  maxMs: number;
  /** PUBLISH → PUBACK of every message (heartbeats included): the durable commit. */
  ackP50ms: number;
  ackP99ms: number;
  /**
   * CPU spent during the phase, in cores and in µs per message: the server process, and this
   * process (the device clients and the consoles, which run on the same two cores).
   */
  serverCores: number;
  benchCores: number;
  serverUsPerMsg: number;
  benchUsPerMsg: number;
}

/** CPU time of a process so far, µs (utime + stime from /proc, 10 ms ticks). */
function cpuUs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
}

interface CpuMark {
  server: number;
  bench: number;
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

async function measure(
  kind: 'pipeline' | 'relay',
  soak: boolean,
): Promise<{
  phases: PhaseResult[];
  rss?: { afterWarmUpMiB: number; startMiB: number; afterSoakMiB: number; soakSeconds: number; soakRate: number; growthPct: number };
}> {
  const server = await startServer(kind === 'pipeline' ? 'bench/hub-server.ts' : 'bench/relay-server.ts', [String(SITES)]);
  console.error(`${kind}: serving after ${server.spawnToServingMs} ms`);
  const sentAt = new Map<number, number>();
  const seen: Array<Set<number>> = [];
  let latencies: number[] = [];
  let ackLatencies: number[] = [];
  const record = (c: number, id: number): void => {
    const set = seen[c]!;
    if (set.has(id)) return;
    set.add(id);
    const t = sentAt.get(id);
    if (t !== undefined) latencies.push(performance.now() - t);
  };
  const consoles: Socket[] = [];
  const cookie = kind === 'pipeline' ? await login(server.http) : '';
  for (let c = 0; c < CONSOLES; c++) {
    seen.push(new Set());
    // `deltas: 1` as the console page sends it (incident:update's delta form, src/contract/incident-delta.ts).
    const s = ioClient(`http://127.0.0.1:${server.http}/console`, {
      transports: ['websocket'],
      forceNew: true,
      extraHeaders: cookie ? { cookie } : {},
      auth: { deltas: 1 },
    });
    if (kind === 'pipeline') {
      s.on('event:stored', (b: EventBatch) => {
        for (const e of b.events) if (e.detail?.startsWith('bench:')) record(c, Number(e.detail.slice(6)));
      });
    } else {
      s.on('relay', (m: { payload: string }) => {
        if (m.payload.startsWith('{')) {
          const detail = (JSON.parse(m.payload) as { detail?: string }).detail;
          if (detail?.startsWith('bench:')) record(c, Number(detail.slice(6)));
        }
      });
    }
    await new Promise<void>((ok, fail) => {
      s.once('connect', () => ok());
      s.once('connect_error', fail);
    });
    consoles.push(s);
  }
  const devices: MqttClient[] = [];
  for (let d = 0; d < DEVICES; d++) {
    devices.push(await mqtt.connectAsync(`mqtt://127.0.0.1:${server.mqtt}`, { clientId: `bench-${d}`, protocolVersion: 4 }));
  }
  let seq = 0;
  let _alarmSeq = 0;
  const alarmIds: number[] = [];
  /** One message of the mix: every 20th is an alarm (5 %), the rest heartbeats. */
  const publish = (forceAlarm = false): Promise<unknown> => {
    const id = ++seq;
    const site = id % SITES;
    const device = devices[site % DEVICES]!;
    const alarm = forceAlarm || id % Math.round(1 / ALARM_SHARE) === 0;
    const t = performance.now();
    let p: Promise<unknown>;
    if (alarm) {
      _alarmSeq++;
      alarmIds.push(id);
      sentAt.set(id, t);
      const body = JSON.stringify({ kind: 'intrusion', zone: (id % 2) + 1, msgId: `b${id}`, detail: `bench:${id}` });
      p = device.publishAsync(`safegrid/s${site}/panel/event`, body, { qos: 1 });
    } else {
      p = device.publishAsync(`safegrid/s${site}/panel/status`, 'online', { qos: 1 });
    }
    return p.then(() => void ackLatencies.push(performance.now() - t));
  };
  const drain = async (ids: number[]): Promise<void> => {
    const until = Date.now() + 15_000;
    const all = (): boolean => seen.every((s) => ids.every((id) => s.has(id)));
    while (!all() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  };
  const cpuMark = (): CpuMark => {
    const u = process.cpuUsage();
    return { server: cpuUs(server.child.pid!), bench: u.user + u.system };
  };
  const summarise = (targetRate: number | 'max' | 'max-alarms', firstId: number, ids: number[], seconds: number, cpu0: CpuMark, cpu1: CpuMark): PhaseResult => {
    const sorted = latencies.sort((a, b) => a - b);
    const acks = ackLatencies.sort((a, b) => a - b);
    const n = seq - firstId + 1;
    return {
      mode: kind,
      targetRate,
      sent: seq - firstId + 1,
      alarms: ids.length,
      alarmsAtEveryConsole: ids.filter((id) => seen.every((s) => s.has(id))).length,
      eventsPerSec: round((seq - firstId + 1) / seconds, 0),
      p50ms: round(percentile(sorted, 50)),
      p99ms: round(percentile(sorted, 99)),
      p999ms: round(percentile(sorted, 99.9)),
      maxMs: round(sorted.at(-1) ?? NaN),
      ackP50ms: round(percentile(acks, 50)),
      ackP99ms: round(percentile(acks, 99)),
      serverCores: round((cpu1.server - cpu0.server) / 1e6 / seconds, 2),
      benchCores: round((cpu1.bench - cpu0.bench) / 1e6 / seconds, 2),
      serverUsPerMsg: round((cpu1.server - cpu0.server) / n, 0),
      benchUsPerMsg: round((cpu1.bench - cpu0.bench) / n, 0),
    };
  };
  /** A fixed rate for `seconds`; resolves when every message was acknowledged. */
  const steady = async (rate: number, seconds: number): Promise<{ firstId: number; ids: number[]; seconds: number; cpu0: CpuMark; cpu1: CpuMark }> => {
    const cpu0 = cpuMark();
    const firstId = seq + 1;
    const firstAlarm = alarmIds.length;
    const start = performance.now();
    const total = Math.round(rate * seconds);
    const acks: Array<Promise<unknown>> = [];
    await new Promise<void>((done) => {
      const timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
        while (seq - firstId + 1 < due) acks.push(publish());
        if (seq - firstId + 1 >= total) {
          clearInterval(timer);
          done();
        }
      }, 2);
    });
    await Promise.all(acks);
    const ids = alarmIds.slice(firstAlarm);
    await drain(ids);
    return { firstId, ids, seconds: (performance.now() - start) / 1000, cpu0, cpu1: cpuMark() };
  };

  const phases: PhaseResult[] = [];
  // Warm-up: JIT, SQLite page cache, an incident and a device state for every site.
  await Promise.all(Array.from({ length: SITES }, () => publish(true)));
  await Promise.all(Array.from({ length: SITES }, () => publish()));
  await drain(alarmIds.slice());
  console.error(`${kind}: warmed up`);
  let rss: { afterWarmUpMiB: number; startMiB: number; afterSoakMiB: number; soakSeconds: number; soakRate: number; growthPct: number } | undefined;
  const startMiB = rssMiB(server.child.pid!);
  for (const rate of RATES) {
    console.error(`${kind}: ${rate} events/s for ${PHASE_SECONDS} s`);
    latencies = [];
    ackLatencies = [];
    const r = await steady(rate, PHASE_SECONDS);
    phases.push(summarise(rate, r.firstId, r.ids, Math.max(r.seconds, PHASE_SECONDS), r.cpu0, r.cpu1));
  }
  // Flat out: a window of unacknowledged QoS 1 messages per device client; first the mix, then
  // alarms only (every message stored and pushed to every console, in both servers).
  for (const alarmsOnly of [false, true]) {
    console.error(`${kind}: flat out${alarmsOnly ? ', alarms only,' : ''} for ${PHASE_SECONDS} s`);
    latencies = [];
    ackLatencies = [];
    const firstId = seq + 1;
    const firstAlarm = alarmIds.length;
    const cpu0 = cpuMark();
    const start = performance.now();
    const stopAt = start + PHASE_SECONDS * 1000;
    await Promise.all(
      devices.map(async () => {
        const window = 20;
        const inflight = new Set<Promise<unknown>>();
        while (performance.now() < stopAt) {
          const p: Promise<unknown> = publish(alarmsOnly).finally(() => inflight.delete(p));
          inflight.add(p);
          if (inflight.size >= window) await Promise.race(inflight);
        }
        await Promise.all(inflight);
      }),
    );
    const flatSeconds = (performance.now() - start) / 1000;
    const cpu1 = cpuMark();
    const flatIds = alarmIds.slice(firstAlarm);
    await drain(flatIds);
    phases.push(summarise(alarmsOnly ? 'max-alarms' : 'max', firstId, flatIds, flatSeconds, cpu0, cpu1));
  }

  if (soak) {
    console.error(`${kind}: soak, ${SOAK_RATE} events/s for ${SOAK_SECONDS} s`);
    latencies = [];
    ackLatencies = [];
    // Settle first (the flat-out phases leave a large heap behind), then measure across the soak.
    await new Promise((r) => setTimeout(r, 2000));
    const soakStartMiB = rssMiB(server.child.pid!);
    await steady(SOAK_RATE, SOAK_SECONDS);
    const afterSoakMiB = rssMiB(server.child.pid!);
    rss = {
      afterWarmUpMiB: startMiB,
      startMiB: soakStartMiB,
      afterSoakMiB,
      soakSeconds: SOAK_SECONDS,
      soakRate: SOAK_RATE,
      growthPct: round(((afterSoakMiB - soakStartMiB) / soakStartMiB) * 100),
    };
  }

  for (const s of consoles) s.disconnect();
  await Promise.all(devices.map((d) => d.endAsync(true)));
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
  return { phases, ...(rss ? { rss } : {}) };
}

console.error('grid lookups…');
const geo = await benchGeo();
console.error('queue with 10,000 open incidents…');
const queue = await benchQueue(10_000);
const pipeline = await measure('pipeline', true);
const relay = await measure('relay', false);
const startup = process.env.BENCH_STARTUP === '0' ? null : await measureStartup();
const maxPipeline = pipeline.phases.find((r) => r.targetRate === 'max')!.eventsPerSec;
const maxRelay = relay.phases.find((r) => r.targetRate === 'max')!.eventsPerSec;
const maxAlarmsPipeline = pipeline.phases.find((r) => r.targetRate === 'max-alarms')!.eventsPerSec;
const maxAlarmsRelay = relay.phases.find((r) => r.targetRate === 'max-alarms')!.eventsPerSec;
const at2000 = pipeline.phases.find((r) => r.targetRate === 2000);
const doc = {
  date: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  },
  setup: {
    sites: SITES,
    consoles: CONSOLES,
    deviceClients: DEVICES,
    phaseSeconds: PHASE_SECONDS,
    mix: `${100 - ALARM_SHARE * 100} % heartbeats (status online), ${ALARM_SHARE * 100} % alarms`,
    qos: 1,
    durability: 'SQLite WAL, synchronous=FULL, group commit',
  },
  pipeline: pipeline.phases,
  relay: relay.phases,
  ratio: round(maxPipeline / maxRelay, 2),
  /** Both servers storing/pushing every message: the harder comparison. */
  ratioAlarmsOnly: round(maxAlarmsPipeline / maxAlarmsRelay, 2),
  rss: pipeline.rss ?? null,
  startup,
  goals: {
    p99At2000Ms: { goal: 50, got: at2000?.p99ms ?? null, met: at2000 ? at2000.p99ms <= 50 : null },
    maxDurablePerSec: { goal: 10_000, got: maxPipeline, met: maxPipeline >= 10_000 },
    ratio: { goal: 0.5, got: round(maxPipeline / maxRelay, 2), met: maxPipeline / maxRelay >= 0.5 },
    // A restart of an installation with unchanged files (issue 7's operator case); the first start
    // parses every file and is reported beside it.
    startupMs: {
      goal: 5000,
      got: startup?.spawnToServingMs ?? null,
      met: startup ? startup.spawnToServingMs <= 5000 : null,
      firstStartMs: startup?.cold.spawnToServingMs ?? null,
    },
    rssGrowthPct: { goal: 10, got: pipeline.rss?.growthPct ?? null, met: pipeline.rss ? pipeline.rss.growthPct < 10 : null },
  },
  geo,
  queue,
};
const table = [
  'mode      rate    sent  alarms  at-all-consoles  msgs/s  alarm p50  p99  p99.9   max ms | ack p50  p99 ms | cores server bench | µs/msg server bench',
  ...[...pipeline.phases, ...relay.phases].map((r) =>
    [
      r.mode.padEnd(9),
      String(r.targetRate).padStart(5),
      String(r.sent).padStart(7),
      String(r.alarms).padStart(7),
      String(r.alarmsAtEveryConsole).padStart(16),
      String(r.eventsPerSec).padStart(7),
      String(r.p50ms).padStart(10),
      String(r.p99ms).padStart(5),
      String(r.p999ms).padStart(6),
      String(r.maxMs).padStart(8),
      '|',
      String(r.ackP50ms).padStart(7),
      String(r.ackP99ms).padStart(5),
      '|',
      String(r.serverCores).padStart(12),
      String(r.benchCores).padStart(5),
      '|',
      String(r.serverUsPerMsg).padStart(13),
      String(r.benchUsPerMsg).padStart(5),
    ].join(' '),
  ),
  `max durable pipeline / raw relay = ${doc.ratio} (mix), ${doc.ratioAlarmsOnly} (alarms only)`,
  pipeline.rss
    ? `hub RSS ${pipeline.rss.afterWarmUpMiB} MiB after warm-up; ${pipeline.rss.startMiB} MiB at the soak's start → ${pipeline.rss.afterSoakMiB} MiB after ` +
      `${SOAK_SECONDS} s at ${SOAK_RATE}/s (${pipeline.rss.growthPct} %)`
    : '',
  startup
    ? `start-up with ${startup.sites} sites, ${startup.cells} cells, ${startup.storedEvents} events, spawn to serving: restart ` +
      `${startup.warm.spawnToServingMs} ms (startHub ${startup.warm.startHubMs} ms), first start ${startup.cold.spawnToServingMs} ms (startHub ` +
      `${startup.cold.startHubMs} ms)`
    : '',
  `grid lookups/s against ${geo.cells} cells: ${geo.lookupsPerSec}`,
  `queue with ${queue.openIncidents} open incidents: ${queue.opsPerSec} durable workflow ops/s; queue:snapshot built in ${queue.snapshotMs.p50} ms (p50), ` +
    `${queue.snapshotMs.max} ms (max), ${Math.round(queue.snapshotBytes / 1024)} KiB`,
  ...Object.entries(doc.goals).map(([k, g]) => `goal ${k}: ${g.got} (goal ${g.goal}) ${g.met === null ? 'not measured' : g.met ? 'met' : 'NOT met'}`),
].filter(Boolean);
console.error(table.join('\n'));
console.log(JSON.stringify(doc, null, 2));
process.exit(0);
