import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { LiveDevice } from '../../src/ingest/device-state.js';
import type { SyntheticEvent } from '../../src/ingest/ingest.js';
import { LivenessMonitor, type LivenessSource } from '../../src/ingest/liveness.js';
import type { TopicRouter } from '../../src/ingest/router.js';
import { device, site } from './ingest-fixture.js';

/** A fake ingest: two devices, one supervised every 20 s; records what liveness raises. */
function setup() {
  const clock = new ManualClock();
  const shop = site({ devices: [device({ id: 'panel-1', heartbeatMs: 20_000 }), device({ id: 'door-1', heartbeatMs: null })] });
  const live = new Map<string, LiveDevice>();
  const raised: SyntheticEvent[] = [];
  const ingest: LivenessSource = {
    currentRouter: { allDevices: () => shop.devices.map((d) => ({ device: d, site: shop })) } as unknown as TopicRouter,
    deviceAvailability: (siteId, deviceId) => live.get(`${siteId}/${deviceId}`),
    raiseSynthetic: async (e) => {
      raised.push(e);
      const l = live.get(`${e.siteId}/${e.deviceId}`) ?? { state: {}, availability: null, lastSeenMs: null };
      live.set(`${e.siteId}/${e.deviceId}`, { ...l, availability: e.availability ?? l.availability });
    },
  };
  const monitor = new LivenessMonitor({ ingest, clock, log: silentLogger(), graceMs: 5_000 });
  return { clock, live, raised, monitor };
}

describe('liveness', () => {
  it('a supervised device silent past interval + grace raises trouble.offline once; an unsupervised one never', () => {
    const { clock, raised, monitor } = setup();
    clock.advance(25_000);
    monitor.check();
    expect(raised).toEqual([]);
    clock.advance(1);
    monitor.check();
    expect(raised).toEqual([
      { siteId: 'shop-a', deviceId: 'panel-1', kind: 'trouble.offline', detail: 'no heartbeat for 25 s (expected every 20 s)', availability: 'offline' },
    ]);
    clock.advance(60_000);
    monitor.check();
    expect(raised).toHaveLength(1);
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
