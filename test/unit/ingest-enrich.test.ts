import { describe, expect, it } from 'vitest';
import {
  availabilityEventOf,
  buildEvent,
  cameraAsDevice,
  enrichBridgeMessage,
  enrichDeviceMessage,
  eventFromSignal,
  observedEvent,
  zoneNameOf,
  type MessageFacts,
} from '../../src/ingest/enrich.js';
import type { AvailabilityTransition } from '../../src/ingest/device-state.js';
import type { DecodedSignal } from '../../src/profiles/types.js';
import { camera, device, site } from './ingest-fixture.js';

const RECEIVED = '2026-11-29T02:00:00.000Z';
const facts: MessageFacts = { topic: 'safegrid/shop-a/panel-1', profile: 'native', raw: '{"k":1}', payloadHash: 'abc123', receivedAt: RECEIVED };
const ids = () => {
  let n = 0;
  return () => `id-${++n}`;
};
const door = device({ id: 'door-1', zones: [], zone: 1 });
const shop = site({ devices: [device(), door, device({ id: 'pir-1', zones: [{ number: 7, name: '仓库', type: 'interior' }] })] });
const panel = shop.devices[0]!;

describe('buildEvent: one object in, the AlarmEvent out', () => {
  it('takes category from the kind and grid cell, station from the site', () => {
    const e = buildEvent({
      id: 'x',
      site: shop,
      device: panel,
      kind: 'fire',
      zone: 3,
      occurredAt: RECEIVED,
      receivedAt: RECEIVED,
      detail: null,
      profile: 'native',
      topic: 't',
      raw: '',
      dedupeKey: 'k',
      location: [1, 2],
    });
    expect(e).toEqual({
      id: 'x',
      siteId: 'shop-a',
      deviceId: 'panel-1',
      kind: 'fire',
      category: 'fire',
      zone: 3,
      zoneName: null,
      occurredAt: RECEIVED,
      receivedAt: RECEIVED,
      location: [1, 2],
      gridCellId: 'cell-1',
      stationId: 'ps-1',
      detail: null,
      profile: 'native',
      topic: 't',
      raw: '',
      dedupeKey: 'k',
    });
  });
});

describe('eventFromSignal', () => {
  const cases: Array<{
    name: string;
    signal: DecodedSignal;
    on?: typeof panel;
    zoneName: string | null;
    detail: string | null;
    flagged: boolean;
    dedupeKey: string;
    occurredAt?: string;
  }> = [
    {
      name: 'a zone the device lists',
      signal: { kind: 'burglary', zone: 1 },
      zoneName: '前门',
      detail: null,
      flagged: false,
      dedupeKey: 'h:shop-a/panel-1:abc123:0',
    },
    {
      name: 'a zone another device of the site lists (single-zone sensor into the panel’s zone)',
      signal: { kind: 'burglary', zone: 7 },
      zoneName: '仓库',
      detail: null,
      flagged: false,
      dedupeKey: 'h:shop-a/panel-1:abc123:0',
    },
    {
      name: 'a zone nobody lists: kept, flagged, said in the detail',
      signal: { kind: 'burglary', zone: 9, detail: 'PIR' },
      zoneName: null,
      detail: 'PIR; zone 9 is not registered in devices/shop-a.yaml',
      flagged: true,
      dedupeKey: 'h:shop-a/panel-1:abc123:0',
    },
    {
      name: 'an unknown zone on a device with no zones at all is not flagged',
      signal: { kind: 'burglary', zone: 9 },
      on: device({ id: 'bare', zones: [], zone: null }),
      zoneName: null,
      detail: null,
      flagged: false,
      dedupeKey: 'h:shop-a/bare:abc123:0',
    },
    { name: 'no zone', signal: { kind: 'panic', zone: null }, zoneName: null, detail: null, flagged: false, dedupeKey: 'h:shop-a/panel-1:abc123:0' },
    {
      name: 'a device message id is the dedupe key',
      signal: { kind: 'burglary', zone: 1, msgId: 'm-77' },
      zoneName: '前门',
      detail: null,
      flagged: false,
      dedupeKey: 'm:shop-a/panel-1:m-77:burglary:1',
    },
    {
      name: 'a valid device time is kept (normalised)',
      signal: { kind: 'panic', zone: null, occurredAt: '2026-11-29T09:59:00+08:00' },
      zoneName: null,
      detail: null,
      flagged: false,
      dedupeKey: 'h:shop-a/panel-1:abc123:0',
      occurredAt: '2026-11-29T01:59:00.000Z',
    },
    {
      name: 'an invalid device time falls back to the receive time',
      signal: { kind: 'panic', zone: null, occurredAt: 'yesterday' },
      zoneName: null,
      detail: null,
      flagged: false,
      dedupeKey: 'h:shop-a/panel-1:abc123:0',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const on = c.on ?? panel;
      const { event, flag } = eventFromSignal({ signal: c.signal, index: 0, site: shop, device: on, location: shop.location, facts, newId: ids() });
      const occurredAt = c.occurredAt ?? RECEIVED;
      expect(event).toMatchObject({ zoneName: c.zoneName, detail: c.detail, dedupeKey: c.dedupeKey, occurredAt, receivedAt: RECEIVED });
      expect(flag).toEqual(c.flagged ? { code: 'SG_INGEST_UNKNOWN_ZONE', site: 'shop-a', device: on.id, zone: c.signal.zone } : null);
    });
  }

  it('caps the detail and the message id', () => {
    const { event } = eventFromSignal({
      signal: { kind: 'panic', zone: null, detail: 'x'.repeat(2000), msgId: 'y'.repeat(500) },
      index: 0,
      site: shop,
      device: panel,
      location: shop.location,
      facts,
      newId: ids(),
    });
    expect(event.detail).toHaveLength(500);
    expect(event.dedupeKey).toBe(`m:shop-a/panel-1:${'y'.repeat(128)}:panic:`);
  });
});

describe('availability events', () => {
  const cases: Array<[AvailabilityTransition | null, string | null]> = [
    [null, null],
    [{ from: null, to: 'online' }, null],
    [{ from: null, to: 'offline' }, 'trouble.offline'],
    [{ from: 'online', to: 'offline' }, 'trouble.offline'],
    [{ from: 'offline', to: 'online' }, 'restore'],
  ];
  for (const [transition, kind] of cases) {
    it(`${JSON.stringify(transition)} → ${kind}`, () => expect(availabilityEventOf(transition)?.kind ?? null).toBe(kind));
  }
});

describe('enrichDeviceMessage', () => {
  const base = { site: shop, device: panel, facts };
  it('the availability event comes first, then one event per signal in order, with ids in that order', () => {
    const out = enrichDeviceMessage({
      ...base,
      signals: [
        { kind: 'burglary', zone: 1 },
        { kind: 'burglary', zone: 9 },
      ],
      transition: { from: 'offline', to: 'online' },
      retained: false,
      newId: ids(),
    });
    expect(out.events.map((e) => [e.id, e.kind, e.zone, e.dedupeKey])).toEqual([
      ['id-1', 'restore', null, 'h:shop-a/panel-1:abc123:online'],
      ['id-2', 'burglary', 1, 'h:shop-a/panel-1:abc123:0'],
      ['id-3', 'burglary', 9, 'h:shop-a/panel-1:abc123:1'],
    ]);
    expect(out.events[0]).toMatchObject({ detail: 'device back online', location: shop.location });
    expect(out.flags).toHaveLength(1);
  });

  it('a device reporting offline gives trouble.offline', () => {
    const out = enrichDeviceMessage({ ...base, signals: [], transition: { from: 'online', to: 'offline' }, retained: false, newId: ids() });
    expect(out.events.map((e) => [e.kind, e.detail, e.dedupeKey])).toEqual([['trouble.offline', 'device reported offline', 'h:shop-a/panel-1:abc123:offline']]);
  });

  it('a retained replay is state, not news: no event at all', () => {
    const transition = { from: 'online', to: 'offline' } as const;
    const out = enrichDeviceMessage({ ...base, signals: [{ kind: 'burglary', zone: 1 }], transition, retained: true, newId: ids() });
    expect(out).toEqual({ events: [], flags: [] });
  });
});

describe('enrichBridgeMessage', () => {
  const linked = { camera: camera(), site: shop };
  const lookup = (name: string) => (name === 'shop_a_door' ? linked : undefined);
  const base = { facts: { ...facts, profile: 'frigate', topic: 'frigate/events' }, cameraByBridgeName: lookup };

  it('a linked camera’s signal is an event of the camera’s site, at the camera', () => {
    const out = enrichBridgeMessage({ ...base, signals: [{ kind: 'person_detected', zone: null, camera: 'shop_a_door' }], retained: false, newId: ids() });
    if ('refused' in out) throw new Error('refused');
    expect(out.events).toHaveLength(1);
    const where = { siteId: 'shop-a', deviceId: 'cam1', location: [26.61, 104.81] };
    expect(out.events[0]).toMatchObject({ ...where, profile: 'frigate', dedupeKey: 'h:shop-a/cam1:abc123:0' });
  });

  const refusals: Array<[string, string | undefined, string]> = [
    ['an unlinked camera', 'garage', 'camera "garage" is not linked'],
    ['no camera named', undefined, 'camera "" is not linked'],
    ['a long name is cut', 'z'.repeat(100), `camera "${'z'.repeat(64)}" is not linked`],
  ];
  for (const [name, cam, reason] of refusals) {
    it(`${name} refuses the message`, () => {
      const signals: DecodedSignal[] = [
        { kind: 'person_detected', zone: null, camera: 'shop_a_door' },
        { kind: 'person_detected', zone: null, ...(cam ? { camera: cam } : {}) },
      ];
      const out = enrichBridgeMessage({ ...base, signals, retained: false, newId: ids() });
      expect(out).toMatchObject({ refused: { code: 'SG_INGEST_UNKNOWN_CAMERA' } });
      expect((out as { refused: { reason: string } }).refused.reason).toContain(reason);
    });
  }

  it('a retained replay raises nothing, even for an unlinked camera', () => {
    expect(enrichBridgeMessage({ ...base, signals: [{ kind: 'person_detected', zone: null, camera: 'garage' }], retained: true, newId: ids() })).toEqual({
      events: [],
      flags: [],
    });
  });
});

describe('observedEvent (the hub’s own observations)', () => {
  const now = Date.parse(RECEIVED);
  const cases: Array<{ name: string; profile: string; dev: typeof panel; location: [number, number] }> = [
    { name: 'a missed heartbeat', profile: 'hub', dev: panel, location: shop.location },
    {
      name: 'a camera event',
      profile: 'onvif',
      dev: cameraAsDevice({ cameraId: 'cam1', siteId: 'shop-a', profile: 'onvif', topic: '' }),
      location: [26.61, 104.81],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const e = observedEvent({
        id: 'i',
        site: shop,
        device: c.dev,
        kind: 'trouble.offline',
        detail: 'why',
        profile: c.profile,
        location: c.location,
        nowMs: now,
      });
      expect(e).toMatchObject({
        deviceId: c.dev.id,
        occurredAt: RECEIVED,
        receivedAt: RECEIVED,
        topic: '',
        raw: '',
        profile: c.profile,
        location: c.location,
        dedupeKey: `s:shop-a/${c.dev.id}:trouble.offline:${now}`,
      });
    });
  }
});

describe('zoneNameOf', () => {
  const cases: Array<[number, string | null]> = [
    [1, '前门'],
    [7, '仓库'],
    [8, null],
  ];
  for (const [zone, name] of cases) it(`zone ${zone}`, () => expect(zoneNameOf(shop, door, zone)).toBe(name));
});
