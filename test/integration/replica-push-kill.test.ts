/**
 * A replica that dies right after its commit (issue 18, bug 1): its events are in PostgreSQL but
 * it never pushes them itself. Two replicas as processes; a panel sends alarms to replica r0 only,
 * which is SIGKILLed the moment one of them is acknowledged (committed) while more are in flight.
 * The consoles — one on r1, one on r0 that moves to r1 and catches up by `since` — must show every
 * event the store holds exactly once: r1 reads them from the store (src/api/socket/event-tail.ts).
 */
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { until, within } from '../helpers/fault.js';
import { POSTGRES_BIN_DIR } from '../helpers/postgres.js';
import { REDIS_BIN } from '../helpers/redis.js';
import { ReplicaConsole, startReplicaCluster, type ReplicaCluster } from '../helpers/replica-cluster.js';

const ALARMS = 400;
const FLIGHT = 20;
/** The kill follows the acknowledgement of this alarm. */
const KILL_AFTER = 150;

describe.skipIf(!POSTGRES_BIN_DIR || !REDIS_BIN)('a replica killed right after its commit', () => {
  let cluster: ReplicaCluster | null = null;
  const consoles: ReplicaConsole[] = [];
  let device: mqtt.MqttClient | null = null;

  afterAll(async () => {
    for (const c of consoles) c.close();
    device?.end(true);
    await within(cluster?.close() ?? Promise.resolve(), 60_000);
  });

  it('the consoles of both replicas show every stored event of the killed replica, once', async () => {
    cluster = await startReplicaCluster({ replicas: 2, sites: 2 });
    const c = cluster;
    const site = c.sites[0]!;
    consoles.push(new ReplicaConsole(c, 1), new ReplicaConsole(c, 0));
    await Promise.all(consoles.map((x) => x.start()));

    // Straight to r0's broker, not through the balancer: every alarm is committed by r0.
    const client = mqtt.connect(`mqtt://127.0.0.1:${c.mqttPorts[0]}`, {
      clientId: 'kill-panel',
      username: site.username,
      password: site.password,
      reconnectPeriod: 0,
    });
    device = client;
    client.on('error', () => undefined);
    await new Promise<void>((ok, fail) => {
      client.once('connect', () => ok());
      client.once('error', fail);
    });
    let killed: Promise<number> | null = null;
    const publish = (n: number): Promise<void> =>
      new Promise((ok) => {
        const body = JSON.stringify({ kind: 'intrusion', zone: 1 + (n % 2), msgId: `kill-${n}`, detail: `kill:${n}` });
        client.publish(`${site.topic}/event`, body, { qos: 1 }, (err) => {
          // The first acknowledgement at or past the mark: r0 has committed it, and dies now.
          if (!err && n >= KILL_AFTER && !killed) killed = c.kill(0);
          ok();
        });
      });
    for (let k = 0; k < ALARMS && !killed; k += FLIGHT) await Promise.all(Array.from({ length: FLIGHT }, (_, j) => publish(k + j)));
    expect(killed).not.toBeNull();
    await killed;
    client.end(true);

    const rows = await c.query<{ detail: string }>(`SELECT detail FROM events WHERE detail LIKE 'kill:%' ORDER BY seq`);
    const stored = rows.map((r) => r.detail);
    expect(stored.length).toBeGreaterThan(KILL_AFTER);
    const complete = (x: ReplicaConsole): boolean => stored.every((d) => x.shown.has(d));
    // Generous ceilings: the console of r0 notices, logs in on r1 again and catches up there.
    expect(await until(() => consoles[1]!.moves.length > 0, 60_000, 100)).toBe(true);
    expect(await until(() => consoles.every(complete), 60_000, 100)).toBe(true);
    for (const x of consoles) {
      expect(stored.filter((d) => x.shown.get(d) !== 1)).toEqual([]);
      expect(x.dropped).toBe(0);
    }
  }, 300_000);
});
