/**
 * PostgreSQL and Redis restarted under load with two replicas (issue 18):
 * - PostgreSQL stopped: no alarm published while it is down is acknowledged (a replica refuses to
 *   PUBACK what it cannot store); after it is back, every alarm is acknowledged and stored once.
 * - Redis killed and started again: pushes resume (a console that stayed connected gets alarms
 *   stored by the other replica) and consoles show every alarm once after catch-up.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FAULT_WAIT_MS, LedgerDevice, until, within } from '../helpers/fault.js';
import { POSTGRES_BIN_DIR } from '../helpers/postgres.js';
import { REDIS_BIN } from '../helpers/redis.js';
import { ReplicaConsole, startReplicaCluster, type ReplicaCluster } from '../helpers/replica-cluster.js';

const SITES = 20;

async function readyStatus(c: ReplicaCluster, i: number): Promise<number> {
  return fetch(`${c.baseUrl(i)}/api/health/ready`).then(
    (r) => r.status,
    () => 0,
  );
}

/** Waits until both replicas' `/api/health/ready` answer `status` (false after the ceiling). */
async function bothReady(c: ReplicaCluster, status: number): Promise<boolean> {
  return until(async () => (await readyStatus(c, 0)) === status && (await readyStatus(c, 1)) === status);
}

describe.skipIf(!POSTGRES_BIN_DIR || !REDIS_BIN)('PostgreSQL and Redis restarted under load', () => {
  let cluster: ReplicaCluster | null = null;
  const devices: LedgerDevice[] = [];
  const consoles: ReplicaConsole[] = [];
  let ticker: NodeJS.Timeout | null = null;

  afterAll(async () => {
    if (ticker) clearInterval(ticker);
    for (const c of consoles) c.close();
    await within(Promise.all(devices.map((d) => d.end())));
    await within(cluster?.close() ?? Promise.resolve(), 60_000);
    // A ceiling for the teardown: devices end, then the cluster closes (up to 60 s), on a loaded machine.
  }, 180_000);

  it(
    'no PUBACK while PostgreSQL is down, all stored once after; pushes resume after Redis restarts',
    async () => {
      cluster = await startReplicaCluster({ replicas: 2, sites: SITES });
      const c = cluster;
      for (const s of c.sites) devices.push(new LedgerDevice(s.id, s.topic, c.mqttUrl, { username: s.username, password: s.password }));
      await until(() => devices.every((d) => d.client.connected));
      consoles.push(new ReplicaConsole(c, 0), new ReplicaConsole(c, 1));
      await Promise.all(consoles.map((x) => x.start()));
      // 100 alarms/s over the 20 devices.
      ticker = setInterval(() => {
        for (const d of devices) d.publishNext();
      }, 200);
      await until(() => devices.every((d) => d.acked.size >= 3));

      // PostgreSQL down: wait until both replicas say so, and every device has published since.
      await c.pg.stop();
      const sentAtStop = new Map(devices.map((d) => [d, d.sent]));
      const down = await bothReady(c, 503);
      expect(down, 'both replicas report not ready without PostgreSQL').toBe(true);
      await until(() => devices.every((d) => d.sent >= sentAtStop.get(d)! + 5));
      const ackedWhileDown = devices.flatMap((d) => [...d.acked].filter((n) => n > sentAtStop.get(d)!).map((n) => d.msgId(n)));
      const publishedWhileDown = devices.reduce((n, d) => n + d.sent - sentAtStop.get(d)!, 0);
      console.info(`replica-pg-restart: ${publishedWhileDown} alarms published while PostgreSQL was down, ${ackedWhileDown.length} acknowledged`);
      expect(ackedWhileDown, 'acknowledged while PostgreSQL was down').toEqual([]);
      await c.pg.start();

      // Redis killed and started again while alarms keep coming.
      await c.redis.kill();
      await c.redis.start();
      const ready = await bothReady(c, 200);
      expect(ready, 'both replicas ready again after PostgreSQL and Redis came back').toBe(true);
      // Pushes resume: a later alarm reaches both consoles live.
      const markerFrom = devices.map((d) => d.sent);
      await until(() => devices.every((d, k) => d.sent >= markerFrom[k]! + 3));
      clearInterval(ticker);
      ticker = null;

      await until(() => devices.every((d) => d.pending.size === 0));
      expect(
        devices.reduce((n, d) => n + d.pending.size, 0),
        'never acknowledged',
      ).toBe(0);
      const rows = await c.query<{ detail: string; n: string }>(`SELECT detail, count(*) AS n FROM events WHERE detail LIKE 'ledger:%' GROUP BY detail`);
      const stored = new Map(rows.map((r) => [r.detail, Number(r.n)]));
      expect(
        rows.filter((r) => Number(r.n) > 1).map((r) => r.detail),
        'stored twice',
      ).toEqual([]);
      const missing = devices.flatMap((d) => [...d.acked].map((n) => `ledger:${d.msgId(n)}`).filter((k) => !stored.has(k)));
      expect(missing, 'acknowledged but not stored').toEqual([]);

      const lastSeq = Number((await c.query<{ s: string }>('SELECT max(seq) AS s FROM events'))[0]!.s);
      await until(() => consoles.every((x) => (x.lastSeq ?? 0) >= lastSeq));
      const gaps = consoles.map((x) => [...stored.keys()].filter((k) => (x.shown.get(k) ?? 0) !== 1).length);
      const neverReceived = consoles.map((x) => [...stored.keys()].filter((k) => !x.received.has(k)).length);
      const perConsole = consoles.map(
        (x, k) =>
          `c${k} on r${x.replica}, ${gaps[k]} not shown once, ${neverReceived[k]} never received, ` +
          `${x.dropped} late pushes dropped, ${x.replayed} replayed, ${x.moves.length} moves`,
      );
      console.info(`replica-pg-restart: ${stored.size} alarms stored once; consoles: ${perConsole.join('; ')}`);
      expect(gaps, 'alarms a console did not show exactly once').toEqual([0, 0]);
    },
    6 * FAULT_WAIT_MS,
  );
});
