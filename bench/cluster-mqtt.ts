/**
 * `npx tsx bench/cluster-mqtt.ts`: alarms/s and hub CPU per alarm through the embedded broker,
 * one hub alone (memory emitter and persistence) against two replicas clustered on one private
 * Redis (mqemitter-redis, aedes-persistence-redis), each hub a process with its own SQLite file.
 * The load: BENCH_ALARMS (4,000) native intrusion alarms over 1,000 sites, QoS 1, 20 clients with
 * 25 in flight each, spread over the replicas; timed from the first PUBLISH to the last PUBACK
 * (which leaves after the alarm is committed). In the cluster run a subscriber on the second
 * replica counts what crossed the bus from the first. Prints one line per run on stderr and one
 * JSON document on stdout. On a 2-core machine two replicas compete for the same cores as the
 * load generator and Redis: read CPU per alarm for projections, not alarms/s.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { startRedis } from '../test/helpers/redis.js';
import { type Server, startServer } from './spawn.js';
import { benchTree } from './tree.js';

const ALARMS = Number(process.env.BENCH_ALARMS ?? 4000);
const SITES = 1000;
const CLIENTS = 20;
const IN_FLIGHT = 25;

function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime, fields 14 and 15 of stat (11 and 12 after the command name), in clock ticks (100/s).
  return (Number(f[11]) + Number(f[12])) * 10;
}

async function run(label: string, servers: Server[], crossWatch: boolean): Promise<Record<string, number | string>> {
  const clients: MqttClient[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const s = servers[i % servers.length]!;
    clients.push(await mqtt.connectAsync(`mqtt://127.0.0.1:${s.mqtt}`, { protocolVersion: 4, clientId: `bench-${label}-${i}`, reconnectPeriod: 0 }));
  }
  let crossed = 0;
  let watcher: MqttClient | null = null;
  if (crossWatch) {
    watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${servers[1]!.mqtt}`, { protocolVersion: 4, clientId: `watch-${label}` });
    await watcher.subscribeAsync('safegrid/+/panel/event', { qos: 0 });
    watcher.on('message', () => crossed++);
  }
  const cpu0 = servers.map((s) => cpuMs(s.child.pid!));
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    clients.map(async (c, ci) => {
      const lanes = Array.from({ length: IN_FLIGHT }, async () => {
        for (;;) {
          const n = next++;
          if (n >= ALARMS) return;
          const site = n % SITES;
          const body = JSON.stringify({ kind: 'intrusion', zone: 1 + (n % 2), at: new Date().toISOString(), msgId: `${label}-${ci}-${n}` });
          await c.publishAsync(`safegrid/s${site}/panel/event`, body, { qos: 1 });
        }
      });
      await Promise.all(lanes);
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const cpu = servers.map((s, i) => cpuMs(s.child.pid!) - cpu0[i]!);
  await Promise.all(clients.map((c) => c.endAsync()));
  await watcher?.endAsync();
  const result = {
    run: label,
    replicas: servers.length,
    alarms: ALARMS,
    alarmsPerSecond: Math.round(ALARMS / secs),
    hubCpuUsPerAlarm: Math.round((cpu.reduce((a, b) => a + b, 0) * 1000) / ALARMS),
    ...(crossWatch ? { crossedToSecondReplica: crossed } : {}),
  };
  process.stderr.write(`${JSON.stringify(result)}\n`);
  return result;
}

function stop(s: Server): Promise<void> {
  return new Promise((ok) => {
    s.child.once('exit', () => ok());
    s.child.kill('SIGTERM');
  });
}

const results: Array<Record<string, number | string>> = [];
const script = join(import.meta.dirname, 'hub-server.ts');

// One hub alone, as today.
{
  const root = benchTree(SITES, 10);
  const s = await startServer(script, [String(SITES), '10', root]);
  results.push(await run('single', [s], false));
  await stop(s);
}

// Two replicas on one Redis.
{
  const redis = await startRedis();
  const servers: Server[] = [];
  for (const id of ['r1', 'r2']) {
    const root = benchTree(SITES, 10);
    const hubYaml = join(root, 'config/hub.yaml');
    const text = readFileSync(hubYaml, 'utf8');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(hubYaml, `${text}cluster: { redis_url: "${redis.url}", replica_id: ${id} }\n`);
    servers.push(await startServer(script, [String(SITES), '10', root]));
  }
  results.push(await run('cluster-2', servers, true));
  await Promise.all(servers.map(stop));
  await redis.destroy();
}

process.stdout.write(`${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
