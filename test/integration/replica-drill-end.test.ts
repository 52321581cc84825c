/**
 * A drill ended by an operator on one replica and by the leader's timer on another at the same
 * moment (issue 18): one end recorded, one audit row, and the loser says so. Two drill services,
 * each with its own store (its own PostgreSQL pool) and clock, on one database — two replicas'
 * worth of the parts that race; their clocks a second apart, as two machines' may be.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { EventBus } from '../../src/core/event-bus.js';
import type { HubEvents } from '../../src/core/hub-events.js';
import { silentLogger } from '../../src/core/logger.js';
import { Metrics } from '../../src/core/metrics.js';
import { DrillService } from '../../src/drill/service.js';
import { openPostgresStore, type Store } from '../../src/store/index.js';
import { POSTGRES_BIN_DIR, type PostgresServer, startPostgres } from '../helpers/postgres.js';

const T0 = Date.parse('2026-12-03T02:00:00Z');
const ROUNDS = 20;
/** Every site of the view exists and is seen (the plan's scoping is not what is tested here). */
const VIEW = { site: () => ({ stationId: 'ps-minghu' }), station: () => true };

describe.skipIf(!POSTGRES_BIN_DIR)('drill end raced across replicas', () => {
  let server: PostgresServer;
  let db: pg.Client;
  const stores: Store[] = [];

  beforeAll(async () => {
    server = await startPostgres({ fsync: false });
    const url = await server.createDatabase();
    stores.push(await openPostgresStore({ url, poolSize: 4 }), await openPostgresStore({ url, poolSize: 4 }));
    db = new pg.Client({ connectionString: url });
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    for (const s of stores) await s.close();
    await server?.destroy();
  });

  it(`${ROUNDS} rounds: the operator's end and the timer's end race; one end row and one audit row each time`, async () => {
    const leaderClock = new ManualClock(T0);
    const otherClock = new ManualClock(T0);
    const service = async (store: Store, clock: ManualClock, leads: boolean) =>
      DrillService.open({ store, bus: new EventBus<HubEvents>(), clock, log: silentLogger(), metrics: new Metrics(), role: { leads: () => leads } });
    const leader = await service(stores[0]!, leaderClock, true);
    const other = await service(stores[1]!, otherClock, false);
    const by = { username: 'op-minghu', origin: 'rest:127.0.0.1' };
    let operatorWins = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const started = await leader.begin({ sites: ['home-b'], durationSeconds: 600 }, by, VIEW);
      if (!started.ok) throw new Error(started.error);
      await other.reload();
      const endsMs = Date.parse(started.drill.endsAt);
      leaderClock.set(endsMs); // the leader's timer is due
      otherClock.set(endsMs - 1_000); // the operator's clock a second behind: ending early is still allowed there
      const [answer] = await Promise.all([other.finish(started.drill.id, by, VIEW), leader.endDue()]);
      const ends = await db.query<{ n: string }>(`SELECT count(*) AS n FROM audit WHERE action = 'drill.end' AND note LIKE $1`, [`%${started.drill.id}%`]);
      expect(Number(ends.rows[0]!.n), `round ${round}`).toBe(1);
      const row = await stores[0]!.drills.get(started.drill.id);
      expect(row?.endedBy, `round ${round}`).toBe(answer.ok ? 'op-minghu' : 'hub');
      if (answer.ok) operatorWins++;
      else expect(answer.code).toBe('drill_ended');
      leaderClock.advance(60_000);
      otherClock.set(leaderClock.now());
    }
    console.log(`operator won ${operatorWins} of ${ROUNDS} races`);
    leader.stop();
    other.stop();
  }, 120_000);
});
