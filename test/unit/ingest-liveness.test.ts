import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { LiveDevice } from '../../src/ingest/device-state.js';
import type { SyntheticEvent } from '../../src/ingest/ingest.js';
import { LivenessMonitor, type LivenessSource } from '../../src/ingest/liveness.js';
import { NO_SUPERVISION } from '../../src/ingest/supervision.js';
import type { TopicRouter } from '../../src/ingest/router.js';
import { device, site } from './ingest-fixture.js';

/** A fake ingest: two devices, one supervised every 20 s; records what liveness raises. */
function setup() {
  const clock = new ManualClock();
  const shop = site({
    devices: [device({ id: 'panel-1', heartbeatMs: 20_000 }), device({ id: 'door-1', heartbeatMs: null }), device({ id: 'cid-1', testIntervalMs: 60_000 })],
  });
  const live = new Map<string, LiveDevice>();
  const raised: SyntheticEvent[] = [];
  const ingest: LivenessSource = {
    currentRouter: { allDevices: () => shop.devices.map((d) => ({ device: d, site: shop })) } as unknown as TopicRouter,
    deviceAvailability: (siteId, deviceId) => live.get(`${siteId}/${deviceId}`),
    raiseSynthetic: async (e) => {
      raised.push(e);
      const l = live.get(`${e.siteId}/${e.deviceId}`) ?? { state: {}, availability: null, lastSeenMs: null };
      const s = l.supervision ?? NO_SUPERVISION;
      const supervision = e.marks === 'offline' ? { ...s, offlineRaisedMs: clock.now() } : { ...s, testMissedRaisedMs: clock.now() };
      live.set(`${e.siteId}/${e.deviceId}`, { ...l, availability: e.marks === 'offline' ? 'offline' : l.availability, supervision });
    },
  };
  const monitor = new LivenessMonitor({ ingest, clock, log: silentLogger(), graceMs: 5_000 });
  return { clock, live, raised, monitor };
}

describe('liveness', () => {
  // Changed by issue 12: a device never heard from is pending install (待安装), not offline.
  it('a device never heard from is pending install: nothing is raised however long it stays silent', () => {
    const { clock, raised, monitor } = setup();
    clock.advance(3_600_000);
    monitor.check();
    expect(raised).toEqual([]);
  });

  it('a supervised device silent past interval + grace raises trouble.offline once; an unsupervised one never', () => {
    const { clock, live, raised, monitor } = setup();
    live.set('shop-a/panel-1', { state: {}, availability: 'online', lastSeenMs: clock.now() });
    live.set('shop-a/door-1', { state: {}, availability: 'online', lastSeenMs: clock.now() });
    clock.advance(25_000);
    monitor.check();
    expect(raised).toEqual([]);
    clock.advance(1);
    monitor.check();
    expect(raised).toEqual([
      {
        siteId: 'shop-a',
        deviceId: 'panel-1',
        kind: 'trouble.offline',
        detail: 'no heartbeat for 25 s (expected every 20 s)',
        message: { code: 'supervision.no_heartbeat', params: { silent: 25, expected: 20 } },
        marks: 'offline',
      },
    ]);
    clock.advance(60_000);
    monitor.check();
    expect(raised).toHaveLength(1);
  });

  it('an explicit offline report is state; staying silent past the heartbeat raises trouble.offline once', () => {
    const { clock, live, raised, monitor } = setup();
    live.set('shop-a/panel-1', { state: {}, availability: 'offline', lastSeenMs: clock.now() });
    clock.advance(25_000);
    monitor.check();
    expect(raised).toEqual([]);
    clock.advance(1);
    monitor.check();
    expect(raised.map((e) => [e.deviceId, e.kind, e.marks])).toEqual([['panel-1', 'trouble.offline', 'offline']]);
  });

  it('a missed periodic test raises one trouble.comm (test_missed) per device', () => {
    const { clock, live, raised, monitor } = setup();
    live.set('shop-a/cid-1', { state: {}, availability: 'online', lastSeenMs: clock.now(), supervision: { ...NO_SUPERVISION, lastTestMs: clock.now() } });
    clock.advance(65_000);
    monitor.check();
    expect(raised).toEqual([]);
    clock.advance(1);
    monitor.check();
    clock.advance(120_000);
    monitor.check();
    expect(raised).toEqual([
      {
        siteId: 'shop-a',
        deviceId: 'cid-1',
        kind: 'trouble.comm',
        detail: 'test_missed: no periodic test for 65 s (expected every 60 s)',
        message: { code: 'supervision.test_missed', params: { since: 65, expected: 60 } },
        marks: 'testMissed',
      },
    ]);
  });

  it('a device heard from in time is left alone', () => {
    const { clock, live, raised, monitor } = setup();
    clock.advance(20_000);
    live.set('shop-a/panel-1', { state: {}, availability: 'online', lastSeenMs: clock.now() });
    clock.advance(25_000);
    monitor.check();
    expect(raised).toEqual([]);
  });
});
