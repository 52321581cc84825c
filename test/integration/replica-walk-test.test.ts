/**
 * One walk test's events stored on two replicas at once (issue 18): each replica ticks the zones
 * of the events it stored, and every tick is kept — in the running checklist the store answers and
 * in the ended record, whichever replica ends it. Two commissioning services, each with its own
 * store (its own PostgreSQL pool), on one database: the parts of two replicas that race. A trip
 * stored on one replica while the other ends the test is in the ended record exactly when its event
 * committed before the end (the store's order, judged here by PostgreSQL's commit timestamps).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommissioningService } from '../../src/commissioning/service.js';
import type { AlarmEvent } from '../../src/contract/alarm-event.js';
import type { WalkTest } from '../../src/contract/commissioning.js';
import type { Site } from '../../src/config/model.js';
import { ManualClock } from '../../src/core/clock.js';
import { EventBus } from '../../src/core/event-bus.js';
import type { HubEvents } from '../../src/core/hub-events.js';
import { silentLogger } from '../../src/core/logger.js';
import { openPostgresStore, type Store } from '../../src/store/index.js';
import { waitFor } from '../helpers/hub.js';
import { POSTGRES_BIN_DIR, type PostgresServer, startPostgres } from '../helpers/postgres.js';
import { testAlarm } from '../helpers/alarm-event.js';

const T0 = Date.parse('2026-12-03T02:00:00Z');
const ROUNDS = 5;
const ZONES = 12;
/** A shop with twelve zones on one panel. */
const SITE = {
  id: 'walk-r',
  name: '水西路9号商铺',
  devices: [{ id: 'walk-r-panel', zones: Array.from({ length: ZONES }, (_, i) => ({ number: i + 1, name: `防区${i + 1}`, type: 'entry' })) }],
} as unknown as Site;

let seq = 0;
function event(zone: number | null, kind: string, atMs: number): AlarmEvent {
  const at = new Date(atMs).toISOString();
  return {
    id: `ev-${++seq}`,
    siteId: SITE.id,
    deviceId: 'walk-r-panel',
    kind,
    zone,
    occurredAt: at,
    receivedAt: at,
    destination: 'walk_test',
  } as unknown as AlarmEvent;
}

/** A whole event, as a replica stores it (the store needs every column). */
function storable(zone: number, atMs: number): AlarmEvent {
  return testAlarm({
    id: `ev-${++seq}`,
    siteId: SITE.id,
    deviceId: 'walk-r-panel',
    zone,
    zoneName: `防区${zone}`,
    atMs,
    dedupeKey: `walk-end-${seq}`,
    destination: 'walk_test',
  });
}

describe.skipIf(!POSTGRES_BIN_DIR)('walk test ticked on two replicas at once', () => {
  let server: PostgresServer;
  const stores: Store[] = [];
  let url: string;

  beforeAll(async () => {
    // Commit timestamps: the race test's judge of which of two transactions committed first.
    server = await startPostgres({ fsync: false, extraConfig: ['track_commit_timestamp = on'] });
    url = await server.createDatabase();
    stores.push(await openPostgresStore({ url, poolSize: 4 }), await openPostgresStore({ url, poolSize: 4 }));
  }, 120_000);

  afterAll(async () => {
    for (const s of stores) await s.close();
    await server?.destroy();
  });

  it(`${ROUNDS} rounds: half the events stored on each replica at once; every tick is kept`, async () => {
    const clock = new ManualClock(T0);
    const replicas = await Promise.all(
      stores.map(async (store) => {
        const bus = new EventBus<HubEvents>();
        const service = await CommissioningService.open({
          store,
          bus,
          clock,
          log: silentLogger(),
          sites: () => [SITE],
          site: (id) => (id === SITE.id ? SITE : undefined),
          heard: () => undefined,
        });
        return { bus, service, detach: service.attach() };
      }),
    );
    const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    const installer = { username: 'installer-r', origin: 'rest:127.0.0.1' };
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(replicas.map((r) => r.service.reload()));
      const started = await a.service.startWalkTest(SITE.id, installer, 15);
      if (!started.ok) throw new Error(started.error);
      const id = started.site.walkTest!.id;
      await b.service.reload();
      expect(b.service.view(SITE.id)?.walkTest?.id, `round ${round}`).toBe(id);
      // Every zone tripped once, plus an arm and a disarm: odd zones stored on A, even on B, one
      // event per batch, the two replicas' batches interleaved.
      const now = clock.now();
      const events = [...Array.from({ length: ZONES }, (_, i) => event(i + 1, 'burglary', now + i)), event(null, 'arm', now), event(null, 'disarm', now)];
      events.forEach((e, i) => (i % 2 === 0 ? a : b).bus.emit('event:stored', [e]));
      const seenAll = (t: WalkTest | undefined) => t?.zones.every((z) => z.seen) && t.otherEvents === 2;
      const running = await waitFor(
        async () => seenAll(await stores[0]!.commissioning.walkTest(id)) && (await stores[1]!.commissioning.walkTest(id)),
        20_000,
      ).catch(async () => stores[0]!.commissioning.walkTest(id));
      expect(
        running?.zones.filter((z) => !z.seen).map((z) => z.zone),
        `round ${round}: zones the stored checklist lost`,
      ).toEqual([]);
      expect(running?.otherEvents, `round ${round}`).toBe(2);
      // Each replica's own copy holds only its half until it reads the store: the one ending the
      // test (A and B in turn) must still end it with every tick.
      const ender = round % 2 === 0 ? a : b;
      const stopped = await ender.service.stopWalkTest(SITE.id, installer);
      if (!stopped.ok) throw new Error(stopped.error);
      const ended = await stores[round % 2 === 0 ? 1 : 0]!.commissioning.walkTest(id);
      expect(ended?.endedAt, `round ${round}`).not.toBeNull();
      expect(
        ended?.zones.filter((z) => !z.seen).map((z) => z.zone),
        `round ${round}: zones the ended record lost`,
      ).toEqual([]);
      expect(ended?.passed, `round ${round}`).toBe(true);
      expect(ended?.otherEvents, `round ${round}`).toBe(2);
      clock.advance(60_000);
    }
    for (const r of replicas) r.detach();
  }, 180_000);

  // Replica B stores a zone trip (the event commits), and A ends the test before B has written the
  // trip's tick (B writes it after the event's commit, when its bus brings it). The trip was
  // received before the end committed: it is the test's, in the ended record. A trip stored after
  // the end is not, and B's late tick write does not change the record.
  it('a trip committed before the end is in the ended record even when its tick is written after; one committed after the end is not', async () => {
    const clock = new ManualClock(T0 + 3_600_000);
    const replicas = await Promise.all(
      stores.map(async (store) => {
        const bus = new EventBus<HubEvents>();
        const service = await CommissioningService.open({
          store,
          bus,
          clock,
          log: silentLogger(),
          sites: () => [SITE],
          site: (id) => (id === SITE.id ? SITE : undefined),
          heard: () => undefined,
        });
        return { bus, service, detach: service.attach() };
      }),
    );
    const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    const installer = { username: 'installer-r', origin: 'rest:127.0.0.1' };
    const started = await a.service.startWalkTest(SITE.id, installer, 15);
    if (!started.ok) throw new Error(started.error);
    const id = started.site.walkTest!.id;
    await b.service.reload();
    clock.advance(1_000);
    // Zone 3 on B: committed, tick not yet written.
    const before = storable(3, clock.now());
    const beforeSeq = await stores[1]!.transaction(() => stores[1]!.events.insert(before));
    clock.advance(1_000);
    const stopped = await a.service.stopWalkTest(SITE.id, installer);
    if (!stopped.ok) throw new Error(stopped.error);
    // Zone 4 on B, after the end committed (B has not heard of the end yet: it still diverts).
    const after = storable(4, clock.now());
    const afterSeq = await stores[1]!.transaction(() => stores[1]!.events.insert(after));
    // Now B's bus brings both: B writes their ticks, after the end.
    b.bus.emit('event:stored', [
      { ...before, seq: beforeSeq },
      { ...after, seq: afterSeq },
    ]);
    // B's tick rows of both zones, written after the end, are the marker that B is done.
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      await waitFor(async () => (await db.query('SELECT zone FROM walk_test_ticks WHERE walk_test_id = $1', [id])).rowCount === 2, 20_000);
    } finally {
      await db.end();
    }
    const ended = await stores[0]!.commissioning.walkTest(id);
    expect(ended?.endedAt).not.toBeNull();
    expect(ended?.zones.filter((z) => z.seen).map((z) => z.zone)).toEqual([3]);
    const zone3 = ended?.zones.find((z) => z.zone === 3);
    expect(zone3).toMatchObject({ seenAt: before.receivedAt, kind: 'intrusion', deviceId: 'walk-r-panel' });
    expect(ended?.passed).toBe(false);
    for (const r of replicas) r.detach();
  }, 60_000);

  it(`${ROUNDS * 2} rounds: a trip stored on one replica races the end on the other; it is in the ended record exactly when ` +
    `its event committed first`, async () => {
    const clock = new ManualClock(T0 + 7_200_000);
    const replicas = await Promise.all(
      stores.map(async (store) => {
        const bus = new EventBus<HubEvents>();
        const service = await CommissioningService.open({
          store,
          bus,
          clock,
          log: silentLogger(),
          sites: () => [SITE],
          site: (id) => (id === SITE.id ? SITE : undefined),
          heard: () => undefined,
        });
        return { bus, service, detach: service.attach() };
      }),
    );
    const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    const installer = { username: 'installer-r', origin: 'rest:127.0.0.1' };
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      for (let round = 0; round < ROUNDS * 2; round++) {
        const started = await a.service.startWalkTest(SITE.id, installer, 15);
        if (!started.ok) throw new Error(started.error);
        const id = started.site.walkTest!.id;
        await b.service.reload();
        clock.advance(1_000);
        const trip = storable(1 + (round % ZONES), clock.now());
        // B stores the trip and writes its tick when its bus brings it; A ends the test meanwhile.
        const [tripSeq, stopped] = await Promise.all([
          stores[1]!
            .transaction(() => stores[1]!.events.insert(trip))
            .then((s) => {
              b.bus.emit('event:stored', [{ ...trip, seq: s }]);
              return s;
            }),
          a.service.stopWalkTest(SITE.id, installer),
        ]);
        if (!stopped.ok) throw new Error(stopped.error);
        // B's tick row, whenever it came, is the marker that B is done with the trip.
        await waitFor(async () => (await db.query('SELECT 1 FROM walk_test_ticks WHERE walk_test_id = $1', [id])).rowCount === 1, 20_000);
        const order = await db.query<{ first: boolean }>(
          `SELECT pg_xact_commit_timestamp(e.xmin) < pg_xact_commit_timestamp(w.xmin) AS first
             FROM events e, walk_tests w WHERE e.seq = $1 AND w.id = $2`,
          [tripSeq, id],
        );
        const ended = await stores[0]!.commissioning.walkTest(id);
        expect(ended?.endedAt, `round ${round}`).not.toBeNull();
        expect(ended?.zones.find((z) => z.zone === trip.zone)?.seen, `round ${round}: trip committed first = ${order.rows[0]?.first}`).toBe(
          order.rows[0]?.first,
        );
        clock.advance(60_000);
      }
    } finally {
      await db.end();
      for (const r of replicas) r.detach();
    }
  }, 120_000);
});
