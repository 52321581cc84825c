import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CommissioningService } from '../../src/commissioning/service.js';
import { endWalkTest, expectedZones, mergeWalkTests, recordWalkTestEvent, signalOf, startWalkTest } from '../../src/commissioning/walk-test.js';
import { RejectedLog } from '../../src/commissioning/rejected-log.js';
import type { Device, Site } from '../../src/config/model.js';
import type { SiteCommissioning } from '../../src/contract/commissioning.js';
import { ManualClock } from '../../src/core/clock.js';
import { EventBus } from '../../src/core/event-bus.js';
import type { HubEvents } from '../../src/core/hub-events.js';
import { silentLogger } from '../../src/core/logger.js';
import { eventDestination } from '../../src/commissioning/destination.js';
import { panelModeChange } from '../../src/ingest/panel-mode.js';
import { openSqliteStore, openStore, type Store } from '../../src/store/index.js';
import { KIND_INFO, type AlarmEvent } from '../../src/contract/alarm-event.js';
import { Metrics } from '../../src/core/metrics.js';
import { IncidentService } from '../../src/dispatch/incidents.js';

const device = (id: string, more: Partial<Device>): Device =>
  ({
    id,
    siteId: 'shop-1',
    profile: 'native',
    topic: `safegrid/shop-1/${id}`,
    heartbeatMs: null,
    zones: [],
    mqttUsername: null,
    mqttPassword: null,
    ...more,
  }) as Device;

const SITE = {
  id: 'shop-1',
  name: '明湖路1号',
  file: 'devices/shop-1.yaml',
  devices: [
    device('panel', {
      zones: [
        { number: 2, name: '后门', type: 'entry' },
        { number: 1, name: '前门', type: 'entry' },
      ] as Device['zones'],
    }),
    device('door', { zone: 1 }),
    device('pir', { zone: 7 }),
  ],
} as unknown as Site;

const trip = (zone: number | null, kind = 'burglary', deviceId = 'panel') => ({
  zone,
  kind: kind as never,
  deviceId,
  occurredAt: '2026-12-03T01:00:00Z',
  receivedAt: '2026-12-03T01:00:01Z',
});

describe('where an event goes (eventDestination)', () => {
  it.each([
    [{ walkTest: false, maintenanceUntilMs: null, nowMs: 10 }, 'queue'],
    [{ walkTest: true, maintenanceUntilMs: null, nowMs: 10 }, 'walk_test'],
    [{ walkTest: false, maintenanceUntilMs: 11, nowMs: 10 }, 'maintenance'],
    [{ walkTest: false, maintenanceUntilMs: 10, nowMs: 10 }, 'queue'],
    [{ walkTest: true, maintenanceUntilMs: 99, nowMs: 10 }, 'walk_test'],
  ] as const)('%o → %s', (state, to) => {
    expect(eventDestination(state)).toBe(to);
  });
});

describe("the panel's own walk test mode (Contact ID 607)", () => {
  it.each([
    [undefined, { last_cid: 'E607' }, 'walk_test_start'],
    [{ last_cid: 'E130' }, { last_cid: 'E607' }, 'walk_test_start'],
    [{ last_cid: 'E607' }, { last_cid: 'E607' }, null],
    [{ last_cid: 'E130' }, { last_cid: 'R607' }, 'walk_test_end'],
    [{ last_cid: 'E607' }, { last_cid: 'E130' }, null],
    [{}, { contact: true }, null],
  ] as const)('%o → %o: %s', (before, after, change) => {
    expect(panelModeChange(before, after)).toBe(change);
  });
});

describe('the walk test checklist (pure)', () => {
  it('expects every zone the site declares, once, in zone order, named by the panel', () => {
    expect(expectedZones(SITE).map((z) => [z.zone, z.name])).toEqual([
      [1, '前门'],
      [2, '后门'],
      [7, 'pir'],
    ]);
  });

  it('ticks a zone off at its first trip with kind, device and readings; restores and zone-less events are only counted', () => {
    let t = startWalkTest({ id: 'w1', site: SITE, nowMs: 0, minutes: 5, by: 'inst', trigger: 'installer' });
    t = recordWalkTestEvent(t, trip(1, 'restore'), { signal: null, battery: null });
    t = recordWalkTestEvent(t, trip(null, 'arm'), { signal: null, battery: null });
    t = recordWalkTestEvent(t, trip(1, 'burglary', 'door'), { signal: 120, battery: 87 });
    t = recordWalkTestEvent(t, trip(1, 'burglary', 'panel'), { signal: null, battery: null });
    expect(t.otherEvents).toBe(2);
    expect(t.zones[0]).toMatchObject({ zone: 1, seen: true, deviceId: 'door', kind: 'burglary', signal: 120, battery: 87 });
    const ended = endWalkTest(t, 60_000, 'hub');
    expect(ended).toMatchObject({ passed: false, endedBy: 'hub', endedAt: '1970-01-01T00:01:00.000Z' });
    expect(recordWalkTestEvent(ended, trip(2), { signal: null, battery: null })).toBe(ended);
  });

  it('passes when every zone is seen', () => {
    let t = startWalkTest({ id: 'w2', site: SITE, nowMs: 0, minutes: 5, by: 'inst', trigger: 'installer' });
    for (const z of [1, 2, 7]) t = recordWalkTestEvent(t, trip(z), { signal: null, battery: null });
    expect(endWalkTest(t, 1, 'inst').passed).toBe(true);
  });

  it("merges two replicas' copies of one running test: a zone seen by either, the earlier sighting, the larger count", () => {
    const start = startWalkTest({ id: 'w3', site: SITE, nowMs: 0, minutes: 5, by: 'inst', trigger: 'installer' });
    const early = { ...trip(1, 'burglary', 'door'), receivedAt: '2026-12-03T00:00:01.000Z' };
    const late = { ...trip(1, 'burglary', 'panel'), receivedAt: '2026-12-03T00:00:02.000Z' };
    const mine = recordWalkTestEvent(recordWalkTestEvent(start, late, { signal: null, battery: null }), trip(null, 'arm'), { signal: null, battery: null });
    const stored = recordWalkTestEvent(recordWalkTestEvent(start, early, { signal: 9, battery: null }), trip(7), { signal: null, battery: null });
    const merged = mergeWalkTests(mine, stored);
    expect(merged.zones.map((z) => [z.zone, z.seen, z.deviceId])).toEqual([
      [1, true, 'door'],
      [2, false, null],
      [7, true, stored.zones[2]!.deviceId],
    ]);
    expect(merged.otherEvents).toBe(1);
    const ended = endWalkTest(stored, 1, 'hub');
    expect(mergeWalkTests(mine, ended)).toBe(ended);
    expect(mergeWalkTests(mine, { ...stored, id: 'other' }).id).toBe('other');
  });

  it('reads a signal from zigbee linkquality or rssi', () => {
    expect(signalOf({ linkquality: 96 })).toBe(96);
    expect(signalOf({ rssi: -70 })).toBe(-70);
    expect(signalOf({ battery: 50 })).toBeNull();
  });
});

describe('rejected messages per device', () => {
  it('are put on the device whose topic they lie under, bounded, newest first', () => {
    const log = new RejectedLog();
    for (let i = 0; i < 25; i++)
      log.add({ code: 'SG_INGEST_UNDECODABLE', topic: 'safegrid/shop-1/panel/evnt', reason: `bad ${i}`, payload: 'x'.repeat(500) }, [SITE], i);
    log.add({ code: 'SG_INGEST_UNKNOWN_TOPIC', topic: 'elsewhere/1', reason: 'no device' }, [SITE], 99);
    const list = log.forSite('shop-1');
    expect(list).toHaveLength(20);
    expect(list[0]).toMatchObject({ deviceId: 'panel', reason: 'bad 24' });
    expect(list[0]!.payload).toHaveLength(200);
    expect(log.unowned()).toHaveLength(1);
  });
});

describe('the commissioning service on a real SQLite file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function open(path: string, clock: ManualClock): Promise<{ service: CommissioningService; store: Store; pushed: SiteCommissioning[] }> {
    const store = openSqliteStore(path);
    const bus = new EventBus<HubEvents>();
    const pushed: SiteCommissioning[] = [];
    bus.on('commissioning:status', (s) => pushed.push(s));
    const service = await CommissioningService.open({
      store,
      bus,
      clock,
      log: silentLogger(),
      sites: () => [SITE],
      site: (id) => (id === SITE.id ? SITE : undefined),
      heard: () => undefined,
    });
    return { service, store, pushed };
  }

  it('a walk test and a maintenance window end by themselves, survive a restart, and each change is audited', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-commissioning-'));
    dirs.push(dir);
    const path = join(dir, 'hub.db');
    const clock = new ManualClock();
    const by = { username: 'inst', origin: 'rest:127.0.0.1' };
    const first = await open(path, clock);
    expect((await first.service.startWalkTest('shop-1', by, 5)).ok).toBe(true);
    expect((await first.service.startMaintenance({ siteId: 'shop-1', deviceId: 'pir', minutes: 30, by })).ok).toBe(true);
    expect(first.service.destinationOf('shop-1', 'panel', clock.now())).toBe('walk_test');
    expect(await first.service.startWalkTest('nowhere', by)).toMatchObject({ ok: false, code: 'not_found' });
    await first.store.close();

    // Restart: the running test and the window are read back.
    const second = await open(path, clock);
    expect(second.service.view('shop-1')?.walkTest?.id).toBeTruthy();
    clock.advance(5 * 60_000);
    await second.service.check();
    expect(second.service.view('shop-1')?.walkTest).toBeNull();
    expect((await second.service.walkTests('shop-1'))[0]).toMatchObject({ passed: false, endedBy: 'hub' });
    expect(second.service.destinationOf('shop-1', 'pir', clock.now())).toBe('maintenance');
    expect(second.service.destinationOf('shop-1', 'panel', clock.now())).toBe('queue');
    clock.advance(25 * 60_000);
    await second.service.check();
    expect(second.service.destinationOf('shop-1', 'pir', clock.now())).toBe('queue');
    expect(second.service.view('shop-1')?.devices.find((d) => d.deviceId === 'pir')?.state).toBe('in_service');
    expect(second.pushed.length).toBeGreaterThanOrEqual(2);
    expect((await second.store.audit.all()).map((a) => [a.action, a.actor])).toEqual([
      ['walktest.start', 'inst'],
      ['commissioning.maintenance', 'inst'],
      ['walktest.end', 'hub'],
      ['commissioning.in_service', 'hub'],
    ]);
    await second.store.close();
  });
});

describe('a diverted event stays out of the queue, also after a restart', () => {
  it('recover() marks stored walk-test and maintenance events processed without an incident; the queued one opens one', async () => {
    const clock = new ManualClock();
    const store = openStore(':memory:');
    const at = new Date(clock.now()).toISOString();
    const event = (n: number, destination?: AlarmEvent['destination']): AlarmEvent => ({
      id: `e${n}`,
      siteId: 's1',
      deviceId: 'panel',
      kind: 'intrusion',
      category: KIND_INFO.intrusion.category,
      zone: n,
      zoneName: null,
      occurredAt: at,
      receivedAt: at,
      location: [26.6, 104.8],
      gridCellId: 'c1',
      stationId: 'ps-1',
      detail: null,
      profile: 'native',
      topic: 't',
      raw: '{}',
      dedupeKey: `k${n}`,
      drill: false,
      ...(destination ? { destination } : {}),
    });
    await store.transaction(async () => {
      await store.events.insert(event(1, 'walk_test'));
      await store.events.insert(event(2, 'maintenance'));
    });
    expect((await store.events.unprocessed()).map((e) => e.destination)).toEqual(['walk_test', 'maintenance']);
    const service = await IncidentService.open({
      store,
      bus: new EventBus<HubEvents>(),
      clock,
      log: silentLogger(),
      metrics: new Metrics(),
      directory: { siteName: () => null, cellName: () => null },
    });
    expect(await service.recover()).toBe(2);
    expect(service.snapshot()).toEqual([]);
    expect(await store.events.unprocessed()).toEqual([]);
    await store.transaction(async () => await store.events.insert(event(3)));
    await service.recover();
    expect(service.snapshot()).toHaveLength(1);
    await store.close();
  });
});
