import { describe, expect, it } from 'vitest';
import { KIND_INFO, type AlarmEvent, type EventKind } from '../../src/contract/alarm-event.js';
import { applyIncidentDelta, type IncidentPush, isIncidentDelta } from '../../src/contract/incident-delta.js';
import type { Incident } from '../../src/contract/incident.js';
import { ManualClock } from '../../src/core/clock.js';
import { EventBus } from '../../src/core/event-bus.js';
import type { HubEvents } from '../../src/core/hub-events.js';
import { newId } from '../../src/core/ids.js';
import { silentLogger } from '../../src/core/logger.js';
import { Metrics } from '../../src/core/metrics.js';
import { IncidentService } from '../../src/dispatch/incidents.js';
import { IncidentPushes } from '../../src/api/socket/push-delta.js';
import { forPush } from '../../src/api/socket/snapshot.js';
import { openStore } from '../../src/store/index.js';

/**
 * `incident:update` as a delta (src/contract/incident-delta.ts): whatever mix of whole pushes and
 * deltas the hub sends, a console that applies them holds exactly what a whole push of the latest
 * version would have given it. The real dispatch service makes the versions; every version is pushed
 * (no coalescer), the harshest case for the deltas' bases.
 */
async function setup(replicated = false) {
  const clock = new ManualClock();
  const store = openStore(':memory:');
  const bus = new EventBus<HubEvents>();
  const service = await IncidentService.open({
    store,
    bus,
    clock,
    log: silentLogger(),
    metrics: new Metrics(),
    directory: { siteName: (id) => `site ${id}`, cellName: (id) => `cell ${id}` },
  });
  service.attach(3_600_000);
  const bodies = new IncidentPushes(() => replicated);
  const pushed: Array<{ event: 'incident:new' | 'incident:update'; body: IncidentPush; incident: Incident }> = [];
  bus.on('incident:new', (i) => pushed.push({ event: 'incident:new', body: bodies.opened(i), incident: i }));
  bus.on('incident:update', (i) => pushed.push({ event: 'incident:update', body: bodies.update(i), incident: i }));
  let n = 0;
  const emit = async (siteId: string, kind: EventKind, zone: number | null = 1): Promise<AlarmEvent> => {
    clock.advance(1000);
    const at = new Date(clock.now()).toISOString();
    const e: AlarmEvent = {
      drill: false,
      id: newId(clock.now()),
      siteId,
      deviceId: 'panel-1',
      kind,
      category: KIND_INFO[kind].category,
      zone,
      zoneName: zone === null ? null : `zone ${zone}`,
      occurredAt: at,
      receivedAt: at,
      location: [26.6, 104.8],
      gridCellId: 'c1',
      stationId: 'ps-1',
      detail: `d${n}`,
      profile: 'native',
      topic: 't',
      raw: '{}',
      dedupeKey: `k${++n}`,
    };
    await store.transaction(() => store.events.insert(e));
    bus.emit('event:stored', [e]);
    await service.settled();
    return e;
  };
  return { service, bodies, pushed, emit };
}

/** A console: whole pushes replace, deltas apply to the held copy (as web/src/live.ts does). */
function consoleCopy() {
  const held = new Map<string, Incident>();
  const failed: IncidentPush[] = [];
  return {
    held,
    failed,
    receive(body: IncidentPush): void {
      const cur = held.get(body.id);
      const next = isIncidentDelta(body) ? applyIncidentDelta(cur, body) : body;
      if (!next) return void failed.push(body);
      if (!cur || next.version > cur.version) held.set(next.id, next);
    },
  };
}

const json = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

describe('incident:update as a delta', () => {
  it('events joining an incident go as small deltas, and the console ends with what a whole push would carry', async () => {
    const { pushed, emit, bodies } = await setup();
    const c = consoleCopy();
    await emit('s1', 'intrusion', 1);
    c.receive(pushed[0]!.body);
    // 40 more: the incident's own timeline reaches its cap (25) and drops entries inside it.
    for (let k = 0; k < 40; k++) {
      await emit('s1', 'intrusion', 1);
      const last = pushed.at(-1)!;
      c.receive(last.body);
      expect(json(c.held.get(last.incident.id))).toEqual(json(forPush(last.incident)));
    }
    expect(pushed[0]!.event).toBe('incident:new');
    expect(isIncidentDelta(pushed[0]!.body)).toBe(false);
    const updates = pushed.slice(1);
    expect(updates.every((p) => isIncidentDelta(p.body))).toBe(true);
    expect(bodies.deltas).toBe(40);
    const last = updates.at(-1)!;
    const delta = JSON.stringify(last.body).length;
    const whole = JSON.stringify(forPush(last.incident)).length;
    expect(delta * 3).toBeLessThan(whole);
    // What a routine update says: the new entry, the count and times, the version it counts from.
    expect(last.body).toMatchObject({ id: last.incident.id, version: last.incident.version, deltaOf: last.incident.version - 1, eventCount: 41 });
    expect((last.body as Incident).timeline.map((t) => t.eventId)).toEqual([last.incident.timeline.at(-1)!.eventId]);
    expect(c.failed).toEqual([]);
  });

  it('a priority raise, an acknowledgement, a note and a close: each applies or goes whole, and the copy stays exact', async () => {
    const { pushed, emit, service } = await setup();
    const c = consoleCopy();
    const first = await emit('s1', 'intrusion', 1);
    c.receive(pushed[0]!.body);
    const steps: Array<() => Promise<unknown>> = [
      () => emit('s1', 'intrusion', 2), // a second zone: P2 → P1
      () => service.acknowledge(first.id, 'op1'),
      () => emit('s1', 'intrusion', 1),
      () => service.note(first.id, 'op1', 'on my way'), // not a device event: whole
      () => emit('s1', 'intrusion', 2),
      () => service.close(first.id, 'op1', 'false'),
    ];
    for (const step of steps) {
      const before = pushed.length;
      await step();
      expect(pushed.length).toBeGreaterThan(before);
      for (const p of pushed.slice(before)) {
        c.receive(p.body);
        if (p.incident.status !== 'closed') expect(json(c.held.get(p.incident.id))).toEqual(json(forPush(p.incident)));
      }
    }
    const kinds = pushed.map((p) => (isIncidentDelta(p.body) ? 'delta' : 'whole'));
    expect(kinds[0]).toBe('whole'); // new
    expect(kinds.at(-1)).toBe('whole'); // closed
    const note = pushed.find((p) => p.incident.timeline.at(-1)?.type === 'note')!;
    expect(isIncidentDelta(note.body)).toBe(false);
    expect(c.held.get(first.id)!.status).toBe('closed');
    expect(c.failed).toEqual([]);
  });

  it('a console whose snapshot came between two pushes applies the next delta; one without the incident cannot', async () => {
    const { pushed, emit } = await setup();
    await emit('s1', 'intrusion', 1);
    for (let k = 0; k < 8; k++) await emit('s1', 'intrusion', 1);
    // Versions 1..9 pushed; a delta 9 → 12 as if 10 and 11 were held and replaced by 12.
    const base = pushed.at(-1)!.incident;
    await emit('s1', 'intrusion', 1);
    const between = pushed.at(-1)!.incident; // the console's queue snapshot: version 10
    await emit('s1', 'intrusion', 1);
    await emit('s1', 'intrusion', 1);
    const latest = pushed.at(-1)!.incident;
    const fresh = new IncidentPushes();
    fresh.opened(base);
    const delta = fresh.update(latest);
    expect(delta).toMatchObject({ deltaOf: base.version, version: latest.version });
    if (!isIncidentDelta(delta)) throw new Error('expected a delta');
    expect(delta.timeline).toHaveLength(3);
    expect(json(applyIncidentDelta(forPush(between), delta))).toEqual(json(forPush(latest)));
    expect(json(applyIncidentDelta(forPush(base), delta))).toEqual(json(forPush(latest)));
    expect(applyIncidentDelta(undefined, delta)).toBeNull();
    const older = pushed.find((p) => p.incident.version === base.version - 1)!.incident;
    expect(applyIncidentDelta(forPush(older), delta)).toBeNull();
    // A copy already at the delta's version or past it is left as it is.
    const current = forPush(latest);
    expect(applyIncidentDelta(current, delta)).toBe(current);
  });

  it('replica mode pushes whole: a console snapshot read from the store there may be older than the last push', async () => {
    const { pushed, emit, bodies } = await setup(true);
    for (let k = 0; k < 5; k++) await emit('s1', 'intrusion', 1);
    expect(pushed.map((p) => isIncidentDelta(p.body))).toEqual([false, false, false, false, false]);
    expect(bodies.deltas).toBe(0);
  });
});
