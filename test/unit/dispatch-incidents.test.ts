import { describe, expect, it } from 'vitest';
import { KIND_INFO, type AlarmEvent, type EventKind } from '../../src/contract/alarm-event.js';
import type { Incident } from '../../src/contract/incident.js';
import { ManualClock } from '../../src/core/clock.js';
import { EventBus } from '../../src/core/event-bus.js';
import type { HubEvents } from '../../src/core/hub-events.js';
import { newId } from '../../src/core/ids.js';
import { silentLogger } from '../../src/core/logger.js';
import { Metrics } from '../../src/core/metrics.js';
import { DEFAULT_WORKFLOW_CONFIG, IncidentService } from '../../src/dispatch/incidents.js';
import { openStore } from '../../src/store/index.js';

async function setup() {
  const clock = new ManualClock();
  const store = openStore(':memory:');
  const bus = new EventBus<HubEvents>();
  const published: Array<{ type: string; incident: Incident }> = [];
  bus.on('incident:new', (i) => published.push({ type: 'new', incident: i }));
  bus.on('incident:update', (i) => published.push({ type: 'update', incident: i }));
  const service = await IncidentService.open({
    store,
    bus,
    clock,
    log: silentLogger(),
    metrics: new Metrics(),
    correlationWindowMs: 120_000,
    directory: { siteName: (id) => `site ${id}`, cellName: (id) => `cell ${id}` },
    // 派警 names one of the station's units (issue 12); this one serves every station.
    workflow: {
      workflow: {
        ...DEFAULT_WORKFLOW_CONFIG,
        units: (stationId) => [{ id: 'unit-3', name: '巡逻车3', kind: 'patrol_car', stationId: stationId ?? '-', officers: [] }],
      },
    },
  });
  service.attach();
  let n = 0;
  const emit = async (siteId: string, kind: EventKind, zone: number | null): Promise<AlarmEvent> => {
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
      detail: null,
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
  return { clock, store, bus, service, emit, published };
}

describe('correlation: one site, one open incident', () => {
  it('events of one site within the window join its open incident; a second zone raises intrusion to P1', async () => {
    const { clock, service, emit, published } = await setup();
    await emit('s1', 'intrusion', 1);
    clock.advance(30_000);
    await emit('s1', 'intrusion', 2);
    const open = service.snapshot();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ priority: 1, zones: [1, 2], eventCount: 2, gridCellName: 'cell c1', siteName: 'site s1' });
    expect(open[0]!.priorityReason).toMatch(/confirmed by 2 zones/);
    expect(open[0]!.timeline.some((t) => t.type === 'priority')).toBe(true);
    expect(published.map((p) => p.type)).toEqual(['new', 'update']);
  });

  it('no time window: an alarm hours later joins the open incident of its category (N 次报警)', async () => {
    const { clock, service, emit } = await setup();
    await emit('s1', 'intrusion', 1);
    clock.advance(3 * 3_600_000);
    await emit('s1', 'intrusion', 1);
    expect(service.snapshot()).toHaveLength(1);
    expect(service.snapshot()[0]!.eventCount).toBe(2);
  });

  it('a restore annotates and never closes, even after the window', async () => {
    const { clock, service, emit } = await setup();
    await emit('s1', 'smoke', 3);
    clock.advance(600_000);
    await emit('s1', 'restore', 3);
    const [i] = service.snapshot();
    expect(i).toMatchObject({ status: 'new', kind: 'smoke', category: 'fire', priority: 1, eventCount: 2 });
    expect(i!.timeline.at(-1)).toMatchObject({ type: 'event', kind: 'restore' });
  });

  it('arm, disarm, test and a lone restore open no incident but are marked processed', async () => {
    const { service, emit, store } = await setup();
    for (const k of ['arm', 'disarm', 'test', 'restore'] as const) await emit('s2', k, null);
    expect(service.snapshot()).toHaveLength(0);
    await service.persist(); // the marks are held with the derived writes; this test reads SQLite
    expect(await store.events.unprocessed()).toHaveLength(0);
  });

  it('priority never drops while open: a trouble after a panic keeps P1', async () => {
    const { clock, service, emit } = await setup();
    await emit('s1', 'panic', null);
    clock.advance(1000);
    await emit('s1', 'trouble.low_battery', null);
    expect(service.snapshot()[0]).toMatchObject({ priority: 1, kind: 'panic' });
  });

  it('a fire during a burglary makes the incident a 119 matter', async () => {
    const { clock, service, emit } = await setup();
    await emit('s1', 'burglary', 1);
    clock.advance(1000);
    await emit('s1', 'fire', 5);
    expect(service.snapshot()[0]).toMatchObject({ priority: 1, kind: 'fire', category: 'fire' });
  });

  it('the queue puts the most urgent first and, within a priority, the oldest first', async () => {
    const { clock, service, emit } = await setup();
    await emit('a', 'trouble.offline', null);
    clock.advance(1000);
    await emit('b', 'intrusion', 1);
    clock.advance(1000);
    await emit('c', 'panic', null);
    clock.advance(1000);
    await emit('d', 'intrusion', 1);
    expect(service.snapshot().map((i) => i.siteId)).toEqual(['c', 'b', 'd', 'a']);
  });

  it('the timeline pushed to consoles stays bounded in an event storm', async () => {
    const { clock, service, emit } = await setup();
    for (let k = 0; k < 500; k++) {
      clock.advance(10);
      await emit('s1', 'trouble.ac_loss', null);
    }
    const [i] = service.snapshot();
    expect(i!.eventCount).toBe(500);
    expect(i!.timeline.length).toBeLessThanOrEqual(25);
    // Every entry but the route line (where it was sent) is a device event.
    expect(i!.timelineOmitted).toBe(500 - i!.timeline.filter((t) => t.type === 'event').length);
  });
});

describe('workflow basics', () => {
  it('acknowledge → dispatch → on scene → close; illegal steps are refused with a reason', async () => {
    const { service, emit } = await setup();
    await emit('s1', 'panic', null);
    const id = service.snapshot()[0]!.id;
    expect(await service.onScene(id, 'op1')).toMatchObject({ ok: false, code: 'illegal_transition' });
    expect(await service.acknowledge(id, 'op1')).toMatchObject({ ok: true, incident: { status: 'acknowledged', owner: 'op1' } });
    expect(await service.acknowledge(id, 'op2')).toMatchObject({ ok: false });
    expect(await service.dispatchUnit(id, 'op2', 'unit-3')).toMatchObject({ ok: false, code: 'owned' });
    expect(await service.dispatchUnit(id, 'op1', 'unit-3')).toMatchObject({ ok: true });
    expect(await service.onScene(id, 'op1')).toMatchObject({ ok: true });
    expect(await service.close(id, 'op1', 'nonsense')).toMatchObject({ ok: false, code: 'bad_disposition' });
    const closed = await service.close(id, 'op1', 'false', '业主误触');
    expect(closed).toMatchObject({ ok: true, incident: { status: 'closed', disposition: 'false' } });
    expect(service.snapshot()).toHaveLength(0);
  });
});

describe('recovery', () => {
  it('events stored but not correlated before a crash are correlated on start', async () => {
    const { store, clock } = await setup();
    const e: AlarmEvent = {
      drill: false,
      id: newId(clock.now()),
      siteId: 's9',
      deviceId: 'd',
      kind: 'panic',
      category: 'police',
      zone: null,
      zoneName: null,
      occurredAt: new Date(clock.now()).toISOString(),
      receivedAt: new Date(clock.now()).toISOString(),
      location: [26.6, 104.8],
      gridCellId: null,
      stationId: null,
      detail: null,
      profile: 'native',
      topic: 't',
      raw: '',
      dedupeKey: 'x',
    };
    await store.transaction(() => store.events.insert(e));
    const fresh = await IncidentService.open({
      store,
      bus: new EventBus<HubEvents>(),
      clock,
      log: silentLogger(),
      metrics: new Metrics(),
      correlationWindowMs: 120_000,
      directory: { siteName: () => null, cellName: () => null },
    });
    expect(await fresh.recover()).toBe(1);
    expect(fresh.snapshot()).toHaveLength(1);
    expect(await store.events.unprocessed()).toHaveLength(0);
  });
});
