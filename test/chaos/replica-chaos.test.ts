/**
 * Three hub replicas on PostgreSQL and Redis, killed at random (issue 18): devices and consoles are
 * spread over them (devices through a TCP balancer, as behind HAProxy), alarms arrive steadily, and
 * a random replica is SIGKILLed and restarted several times. Then: every alarm a device saw
 * acknowledged is stored exactly once, no site has two open incidents of one category, every
 * console shows every alarm exactly once after catch-up, and the consoles of a killed replica are
 * live on another one soon after (the figure is printed; the ceiling here is generous).
 * In `npm test` it runs small (3 kills, 6 consoles, 200 alarms/s); the issue's full run is
 * `CHAOS_KILLS=10 CHAOS_CONSOLES=10 CHAOS_RATE=<alarms/s> npm run test:chaos` (README, "High availability").
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FAULT_WAIT_MS, LedgerDevice, seeded, sleep, until, within } from '../helpers/fault.js';
import { POSTGRES_BIN_DIR } from '../helpers/postgres.js';
import { REDIS_BIN } from '../helpers/redis.js';
import { ReplicaConsole, startReplicaCluster, type ReplicaCluster } from '../helpers/replica-cluster.js';

const REPLICAS = 3;
const SITES = 200;
const KILLS = Number(process.env.CHAOS_KILLS ?? 3);
const CONSOLES = Number(process.env.CHAOS_CONSOLES ?? 6);
/** Alarms per second in all (each tick, a slice of the devices publishes one each). */
const RATE = Number(process.env.CHAOS_RATE ?? 200);
const TICK_MS = 100;
/** Consoles of a killed replica must be live elsewhere within this ceiling (the issue's target is 5 s; printed). */
const CONSOLE_BACK_CEILING_MS = 30_000;
const SEED = Number(process.env.FAULT_SEED ?? Date.now() % 100_000);

describe.skipIf(!POSTGRES_BIN_DIR || !REDIS_BIN)('three replicas, SIGKILL at random', () => {
  let cluster: ReplicaCluster | null = null;
  const devices: LedgerDevice[] = [];
  const consoles: ReplicaConsole[] = [];
  let phase = 'not started';
  const startedAt = Date.now();

  afterAll(async () => {
    if (phase !== 'done') console.info(`replica-chaos: stopped in phase "${phase}" after ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
    for (const c of consoles) c.close();
    await within(Promise.all(devices.map((d) => d.end())));
    await within(cluster?.close() ?? Promise.resolve(), 60_000);
    // A ceiling for the teardown: devices end, then the cluster closes (up to 60 s), on a loaded machine.
  }, 180_000);

  it(
    `${KILLS} kills: acknowledged alarms stored once, one open incident per site and category, consoles complete`,
    async () => {
      const rand = seeded(SEED);
      console.info(`replica-chaos: seed ${SEED} (FAULT_SEED=${SEED} repeats the kill schedule)`);
      phase = 'starting PostgreSQL, Redis and the replicas';
      cluster = await startReplicaCluster({ replicas: REPLICAS, sites: SITES });
      const c = cluster;
      for (const s of c.sites) devices.push(new LedgerDevice(s.id, s.topic, c.mqttUrl, { username: s.username, password: s.password }));
      phase = 'connecting devices';
      await until(() => devices.every((d) => d.client.connected));
      const spread = c.mqttBalancer.spread();
      console.info(`replica-chaos: devices per replica ${spread.join(' / ')}`);
      expect(spread.every((n) => n > 0)).toBe(true);

      phase = 'connecting consoles';
      for (let k = 0; k < CONSOLES; k++) consoles.push(new ReplicaConsole(c, k % REPLICAS));
      await Promise.all(consoles.map((x) => x.start()));

      const perTick = Math.round((RATE * TICK_MS) / 1000);
      let cursor = 0;
      const ticker = setInterval(() => {
        for (let k = 0; k < perTick; k++) devices[cursor++ % devices.length]!.publishNext();
      }, TICK_MS);
      const kills: Array<{ replica: number; at: number; consoles: ReplicaConsole[] }> = [];
      try {
        for (let k = 0; k < KILLS; k++) {
          phase = `kill ${k + 1} of ${KILLS}`;
          await sleep(2000 + rand() * 4000);
          const live = c.live();
          const victim = live[Math.floor(rand() * live.length)]!;
          const on = consoles.filter((x) => x.replica === victim);
          const at = await c.kill(victim);
          kills.push({ replica: victim, at, consoles: on });
          await sleep(rand() * 2000);
          phase = `restarting replica ${victim} after kill ${k + 1}`;
          await c.restart(victim);
        }
        await sleep(1000);
      } finally {
        clearInterval(ticker);
      }

      phase = 'waiting for every alarm to be acknowledged';
      await until(() => devices.every((d) => d.pending.size === 0));
      const unacked = devices.reduce((n, d) => n + d.pending.size, 0);
      expect(unacked, 'alarms never acknowledged').toBe(0);

      // Stored exactly once, by the device's msg id (carried in detail).
      const rows = await c.query<{ detail: string; n: string }>(`SELECT detail, count(*) AS n FROM events WHERE detail LIKE 'ledger:%' GROUP BY detail`);
      const stored = new Map(rows.map((r) => [r.detail, Number(r.n)]));
      const twice = rows.filter((r) => Number(r.n) > 1).map((r) => `${r.detail}×${r.n}`);
      let acked = 0;
      const missing: string[] = [];
      for (const d of devices) {
        for (const n of d.acked) {
          acked++;
          if (!stored.has(`ledger:${d.msgId(n)}`)) missing.push(d.msgId(n));
        }
      }

      // One open incident per site and category, across replicas.
      const doubled = await c.query<{ site_id: string; category: string; n: string }>(
        `SELECT site_id, doc::jsonb->>'category' AS category, count(*) AS n FROM incidents
          WHERE status <> 'closed' GROUP BY 1, 2 HAVING count(*) > 1 ORDER BY 3 DESC`,
      );

      if (doubled.length > 0) {
        // The sequence, for whoever fixes it: both incidents of the first sites, oldest first.
        const detail = await c.query<{ site_id: string; id: string; version: number; status: string; opened_ms: string; updated_ms: string; events: string }>(
          `SELECT i.site_id, i.id, i.version, i.status, i.opened_ms, i.updated_ms, (SELECT count(*) FROM events e WHERE e.incident_id = i.id) AS events
             FROM incidents i WHERE i.site_id = ANY($1) AND i.status <> 'closed' ORDER BY i.site_id, i.opened_ms`,
          [doubled.slice(0, 3).map((d) => d.site_id)],
        );
        const t0 = Math.min(...detail.map((d) => Number(d.opened_ms)));
        console.info(
          `replica-chaos: doubled incidents (opened/updated ms after the first, version, events):\n${detail
            .map(
              (d) =>
                `  ${d.site_id} ${d.id} ${d.status} opened +${Number(d.opened_ms) - t0} updated +${Number(d.updated_ms) - t0} v${d.version} ${d.events} events`,
            )
            .join('\n')}\n  kills at +${kills.map((k) => `${k.at - t0} (r${k.replica})`).join(', ')}`,
        );
      }

      // Consoles caught up to the last stored event; each shows every alarm once.
      const lastSeq = Number((await c.query<{ s: string }>('SELECT max(seq) AS s FROM events'))[0]!.s);
      phase = 'waiting for the consoles to catch up';
      await until(() => consoles.every((x) => (x.lastSeq ?? 0) >= lastSeq));
      const consoleGaps = consoles.map((x) => {
        let absent = 0;
        let repeated = 0;
        let neverReceived = 0;
        for (const detail of stored.keys()) {
          const times = x.shown.get(detail) ?? 0;
          if (times === 0) absent++;
          if (times > 1) repeated++;
          if (!x.received.has(detail)) neverReceived++;
        }
        return { absent, repeated, neverReceived, dropped: x.dropped, replayed: x.replayed, moves: x.moves.length };
      });

      // Consoles of each killed replica: kill → live on another replica.
      const backMs: number[] = [];
      for (const k of kills) {
        for (const x of k.consoles) {
          const m = x.moves.find((mv) => mv.from === k.replica && mv.lostAt >= k.at - 50);
          backMs.push(m ? m.backAt - k.at : Number.POSITIVE_INFINITY);
        }
      }
      const resent = devices.reduce((n, d) => n + d.resent, 0);
      console.info(
        [
          `replica-chaos: ${kills.length} kills (${kills.map((k) => `r${k.replica}`).join(', ')}), ${acked} alarms acknowledged, ${stored.size} stored, ` +
            `${resent} resent after moves`,
          `  stored twice: ${twice.length}${twice.length ? ` e.g. ${twice.slice(0, 5).join(', ')}` : ''}; acknowledged but not stored: ` +
            `${missing.length}${missing.length ? ` e.g. ${missing.slice(0, 5).join(', ')}` : ''}`,
          `  sites with two open incidents of one category: ${doubled.length}${
            doubled.length
              ? ` e.g. ${doubled
                  .slice(0, 5)
                  .map((d) => `${d.site_id}/${d.category}×${d.n}`)
                  .join(', ')}`
              : ''
          }`,
          `  consoles (not shown/shown twice/never received/dropped late/replayed/moves): ` +
            `${consoleGaps.map((g) => `${g.absent}/${g.repeated}/${g.neverReceived}/${g.dropped}/${g.replayed}/${g.moves}`).join('  ')}`,
          `  console back on another replica after kill (ms): ${backMs.map((ms) => (Number.isFinite(ms) ? ms : 'never')).join(', ')}`,
          `  replica starts that failed and were retried: ${c.startFailures.length ? c.startFailures.join(' | ') : 'none'}`,
        ].join('\n'),
      );

      expect(twice, 'stored more than once').toEqual([]);
      expect(missing, 'acknowledged but not stored').toEqual([]);
      expect(doubled, 'two open incidents of one category on one site').toEqual([]);
      expect(
        consoleGaps.map((g) => g.absent + g.repeated),
        'alarms a console never showed, or showed twice',
      ).toEqual(consoles.map(() => 0));
      expect(backMs.length, 'a killed replica had consoles').toBeGreaterThan(0);
      expect(Math.max(...backMs), 'consoles of a killed replica live on another').toBeLessThan(CONSOLE_BACK_CEILING_MS);
      expect(resent).toBeGreaterThan(0);
      expect(c.startFailures, 'a replica that exits while starting beside the others').toEqual([]);
      phase = 'done';
    },
    8 * FAULT_WAIT_MS,
  );
});
