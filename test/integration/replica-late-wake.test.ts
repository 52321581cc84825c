/**
 * A late wake-up is acted on (issue 18 follow-up). seq is global across replicas (drawn under the
 * events lock, so in commit order), but the owner learns of other replicas' events over LISTEN and
 * of its own over its in-process bus: replica B commits seq n for a site, the owner commits n+1
 * for the same site and correlates it from its bus, then B's wake-up for n arrives. The owner must
 * read it at once — it has not correlated n — and not leave it to the sweep; a wake-up for an event
 * it did correlate (its own, brought by its bus) still reads nothing.
 *
 * In process on a real PostgreSQL: three stores on one database stand for the three replicas; the
 * owner's shell gets its wake-ups in the order the race delivers them. No sweep runs here (the
 * replica wiring calls `sweep()` every second; nothing calls it in this test), so only the wake-up
 * can correlate the late event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmEvent } from '../../src/contract/alarm-event.js';
import { ManualClock } from '../../src/core/clock.js';
import { EventBus } from '../../src/core/event-bus.js';
import type { HubEvents } from '../../src/core/hub-events.js';
import { silentLogger } from '../../src/core/logger.js';
import { Metrics } from '../../src/core/metrics.js';
import { IncidentService } from '../../src/dispatch/incidents.js';
import { openPostgresStore, type Store } from '../../src/store/index.js';
import { POSTGRES_BIN_DIR, type PostgresServer, startPostgres } from '../helpers/postgres.js';
import { testAlarm } from '../helpers/alarm-event.js';

const clock = new ManualClock(Date.parse('2026-12-03T08:00:00Z'));

function event(siteId: string, zone: number): AlarmEvent {
  const atMs = clock.now();
  clock.advance(10);
  return testAlarm({ siteId, zone, atMs });
}

describe.skipIf(!POSTGRES_BIN_DIR)('a late wake-up on PostgreSQL replicas', () => {
  let server: PostgresServer;
  /** [owner A, replica B, replica C] */
  const stores: Store[] = [];

  beforeAll(async () => {
    server = await startPostgres({ fsync: false });
    const url = await server.createDatabase();
    for (let i = 0; i < 3; i++) stores.push(await openPostgresStore({ url, poolSize: 4 }));
  }, 120_000);

  afterAll(async () => {
    for (const s of stores) await s.close();
    await server?.destroy();
  });

  it(
    "another replica's event, its wake-up arriving after the owner correlated a higher seq of the site from its own bus, is " + 'correlated by that wake-up',
    async () => {
      const [a, b, c] = stores as [Store, Store, Store];
      const site = 'late-site';
      const bus = new EventBus<HubEvents>();
      const owner = await IncidentService.open({
        store: a,
        bus,
        clock,
        log: silentLogger(),
        metrics: new Metrics(),
        directory: { siteName: (id) => `site ${id}`, cellName: (id) => `cell ${id}` },
        owns: () => true,
        writeNewAtOnce: true,
      });
      const detach = owner.attach(3_600_000);
      try {
        // B stores an alarm of the site and commits; its wake-up is still on its way (LISTEN connection).
        const early = event(site, 1);
        const lowSeq = await b.transaction(() => b.events.insert(early));

        // The owner stores the next alarm of the site itself: its bus brings it at once, and it is
        // correlated — seq above B's, which the owner has not read.
        const later = event(site, 2);
        const highSeq = await a.transaction(() => a.events.insert(later));
        expect(highSeq).toBeGreaterThan(lowSeq);
        bus.emit('event:stored', [{ ...later, seq: highSeq }]);
        await owner.settled();
        const [incident] = owner.snapshot();
        expect(incident?.eventCount).toBe(1);

        // B's wake-up arrives late, for a seq below the one just correlated: it is read now.
        expect(owner.wake(site, lowSeq)).toBe(true);
        await owner.settled();
        expect(owner.snapshot().map((i) => [i.id, i.eventCount])).toEqual([[incident!.id, 2]]);
        await owner.persist();
        expect(await a.events.unprocessed(1000, { siteIds: [site] })).toEqual([]);

        // The wake-up of the owner's own event (the bus brought it, correlated here) reads nothing,
        // nor does a second one for B's event, correlated now.
        expect(owner.wake(site, highSeq)).toBe(false);
        expect(owner.wake(site, lowSeq)).toBe(false);

        // C stores one more and its wake-up reaches the owner in order: read as before.
        const third = event(site, 1);
        const thirdSeq = await c.transaction(() => c.events.insert(third));
        expect(owner.wake(site, thirdSeq)).toBe(true);
        await owner.settled();
        expect(owner.snapshot()[0]?.eventCount).toBe(3);
      } finally {
        await detach();
      }
    },
  );
});
