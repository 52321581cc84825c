import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import type { EventBatch } from '../../src/contract/socket.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { nextEvent, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

/**
 * Routine updates of one incident (device events joining it) reach a real Socket.IO console
 * coalesced: fewer pushes, the last with the final version. A new incident is never held: it leaves
 * in the same tick as the commit that opened it, before that commit's `event:stored` batch; a
 * held update leaves after the batch that carried its event.
 */
let t: TestHub;

beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

type Seen = { name: string; body: unknown };

describe('pushes of one incident are coalesced on a real console', () => {
  it('30 alarms 10 ms apart on one incident arrive as a few updates; the last has the final version and eventCount', async () => {
    const { socket } = await t.console();
    const seen: Seen[] = [];
    socket.onAny((name: string, body: unknown) => seen.push({ name, body }));
    const d = await t.deviceAs('home-b');
    const opened = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 'home-b');
    const first = nativeEvent('safegrid/home-b/home-b-panel', 'intrusion', 1, 'burst-0');
    await d.publishAsync(first.topic, first.payload, { qos: 1 });
    const incident = await opened;
    for (let k = 1; k <= 30; k++) {
      const m = nativeEvent('safegrid/home-b/home-b-panel', 'intrusion', 1, `burst-${k}`);
      await d.publishAsync(m.topic, m.payload, { qos: 1 });
      await new Promise((r) => setTimeout(r, 10));
    }
    const updates = (): Incident[] =>
      seen
        .filter((s) => s.name === 'incident:update')
        .map((s) => s.body as Incident)
        .filter((i) => i.id === incident.id);
    const last = await waitFor(() => updates().find((i) => i.eventCount === 31));
    expect(last.version).toBe(31);
    // Nothing stray after it. The marker is one more alarm on the incident, held and released by the same coalescer
    // (held updates leave in the order they were held): once its update is here, a stray one would be here too.
    const marker = nativeEvent('safegrid/home-b/home-b-panel', 'intrusion', 1, 'burst-marker');
    await d.publishAsync(marker.topic, marker.payload, { qos: 1 });
    const markerUpdate = await waitFor(() => updates().find((i) => i.eventCount === 32));
    const all = updates().slice(0, updates().indexOf(markerUpdate));
    expect(all.at(-1)).toEqual(last);
    // Uncoalesced, every alarm here is its own commit and its own push (30); held for up to 100 ms,
    // about one push per 100 ms of the burst leaves.
    expect(all.length).toBeLessThan(15);
    const versions = all.map((i) => i.version);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
    // Every event reached the event log, each once.
    const logged = seen
      .filter((s) => s.name === 'event:stored')
      .flatMap((s) => (s.body as EventBatch).events)
      .filter((e) => e.siteId === 'home-b');
    expect(logged).toHaveLength(31 + 1); // the burst's and the marker's
    // The console can read the same final version.
    expect(await t.hub.incidents.get(incident.id)).toMatchObject({ version: markerUpdate.version, eventCount: 32 });
  });

  it('a new incident is pushed before the event-log batch of its commit; a held update after the batch of its event', async () => {
    const { socket } = await t.console();
    const seen: Seen[] = [];
    socket.onAny((name: string, body: unknown) => seen.push({ name, body }));
    const home = await t.deviceAs('home-b');
    const shop = await t.deviceAs('shop-a-panel');
    const routine = nativeEvent('safegrid/home-b/home-b-panel', 'intrusion', 1, 'order-1');
    const fresh = nativeEvent('safegrid/shop-a/shop-a-panel', 'panic', null, 'order-2');
    await Promise.all([home.publishAsync(routine.topic, routine.payload, { qos: 1 }), shop.publishAsync(fresh.topic, fresh.payload, { qos: 1 })]);
    const pushed = (name: string, pred: (i: Incident) => boolean) => () =>
      seen.find((s) => s.name === name && pred(s.body as Incident))?.body as Incident | undefined;
    const shopIncident = await waitFor(pushed('incident:new', (i) => i.siteId === 'shop-a'));
    // The first test left the home-b incident at 32 events (31 and its marker); order-1 is the 33rd.
    const homeUpdate = await waitFor(pushed('incident:update', (i) => i.siteId === 'home-b' && i.eventCount === 33));
    const index = (pred: (s: Seen) => boolean): number => seen.findIndex(pred);
    const batchOf = (eventId: string | undefined): number =>
      index((s) => s.name === 'event:stored' && (s.body as EventBatch).events.some((e) => e.id === eventId));
    const newAt = index((s) => s.name === 'incident:new' && (s.body as Incident).id === shopIncident.id);
    const shopEventId = shopIncident.id; // an incident is named after the event that opened it
    expect(newAt).toBeGreaterThanOrEqual(0);
    expect(newAt).toBeLessThan(batchOf(shopEventId));
    const homeEventId = homeUpdate.timeline.at(-1)?.eventId;
    const updateAt = index(
      (s) => s.name === 'incident:update' && (s.body as Incident).version === homeUpdate.version && (s.body as Incident).id === homeUpdate.id,
    );
    expect(updateAt).toBeGreaterThan(batchOf(homeEventId));
  });
});
