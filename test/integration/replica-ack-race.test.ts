/**
 * Issue 18's race: 2–20 consoles on different replicas acknowledge one incident at once, 200 rounds
 * (a new incident each round). Three hubs on one PostgreSQL database and one Redis; the command of
 * a console on a replica that does not own the site is forwarded to the owner. Every round exactly
 * one console wins; every other one is refused with the workflow's own code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { nextEvent, waitFor, type TestHub } from '../helpers/hub.js';
import { POSTGRES_BIN_DIR, startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { REDIS_BIN, startRedis, type RedisServer } from '../helpers/redis.js';
import { command, replicaHub, settledOwner } from '../helpers/replicas.js';

const ROUNDS = 200;
/** Accounts that all see home-b (ps-minghu): the city centre, the station, the admin. */
const RACERS = ['admin', 'op-city', 'op-minghu'] as const;

describe.skipIf(!REDIS_BIN || !POSTGRES_BIN_DIR)('acknowledge race across replicas', () => {
  let pgServer: PostgresServer;
  let redis: RedisServer;
  const hubs: TestHub[] = [];

  beforeAll(async () => {
    pgServer = await startPostgres({ fsync: false });
    redis = await startRedis();
    const db = await pgServer.createDatabase();
    for (const id of ['race-a', 'race-b', 'race-c']) hubs.push(await replicaHub(db, redis, id));
    await waitFor(() => hubs.every((h) => h.hub.cluster?.ready()));
  }, 120_000);

  afterAll(async () => {
    for (const h of hubs) await h.close();
    await redis?.destroy();
    await pgServer?.destroy();
  });

  it(`${ROUNDS} rounds: one winner each, the others refused with the workflow's code`, async () => {
    const owner = await settledOwner(hubs, 'home-b');
    // 9 consoles: each account on each replica (so consoles of one account race too).
    // One login at a time: a burst of logins to one account trips the login rate limit.
    const consoles: Array<{ as: string; replica: string } & Awaited<ReturnType<TestHub['console']>>> = [];
    for (const h of hubs) for (const as of RACERS) consoles.push({ as, replica: h.hub.role.replicaId, ...(await h.console({ as })) });
    const device = await owner.deviceAs('home-b');
    const away = consoles.filter((c) => c.replica !== owner.hub.role.replicaId);
    let forwardedWins = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const opened = nextEvent<Incident>(consoles[0]!.socket, 'incident:new', (i) => i.siteId === 'home-b' && i.kind === 'panic');
      const m = nativeEvent('safegrid/home-b/home-b-panel', 'panic', null, `race-${round}`);
      await device.publishAsync(m.topic, m.payload, { qos: 1 });
      const incident = await opened;
      // Odd rounds: every console. Even rounds: only those on the replicas that do not own the site,
      // so forwarded commands race each other (on the owner a local console is a few hops faster).
      const racers = round % 2 === 1 ? consoles : away;
      const replies = await Promise.all(racers.map((c) => command(c.socket, 'incident:ack', { id: incident.id })));
      const winners = replies.flatMap((r, i) => (r.ok ? [racers[i]!] : []));
      expect(winners, `round ${round}`).toHaveLength(1);
      for (const r of replies) if (!r.ok) expect(['owned', 'illegal_transition'], `round ${round}: ${JSON.stringify(r)}`).toContain(r.code);
      const winner = winners[0]!;
      if (winner.replica !== owner.hub.role.replicaId) forwardedWins++;
      // The owner's incident agrees with the answer; then the winner closes it for the next round.
      expect((await owner.hub.incidents.get(incident.id))?.owner).toBe(winner.as);
      const closed = await command(winner.socket, 'incident:close', { id: incident.id, disposition: 'test' });
      expect(closed, `round ${round}`).toMatchObject({ ok: true });
    }
    expect(forwardedWins).toBeGreaterThanOrEqual(ROUNDS / 2);
    await device.endAsync(true);
    for (const c of consoles) c.socket.disconnect();
  }, 600_000);
});
