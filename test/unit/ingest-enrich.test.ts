import { describe, expect, it } from 'vitest';
import {
  buildEvent,
  cameraAsDevice,
  enrichBridgeMessage,
  enrichDeviceMessage,
  eventFromSignal,
  observedEvent,
  zoneNameOf,
  zoneOf,
  type MessageFacts,
} from '../../src/ingest/enrich.js';
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
      zoneType: null,
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
      drill: false,
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

describe('enrichDeviceMessage', () => {
  const base = { site: shop, device: panel, facts };
  it('supervision restores come first, then one event per signal in order, with ids in that order', () => {
    const out = enrichDeviceMessage({
      ...base,
      signals: [
        { kind: 'burglary', zone: 1 },
        { kind: 'burglary', zone: 9 },
      ],
      restores: [{ kind: 'restore', detail: 'device heard from again' }],
      retained: false,
      newId: ids(),
    });
    expect(out.events.map((e) => [e.id, e.kind, e.zone, e.dedupeKey])).toEqual([
      ['id-1', 'restore', null, 'h:shop-a/panel-1:abc123:r0:'],
      ['id-2', 'burglary', 1, 'h:shop-a/panel-1:abc123:0'],
      ['id-3', 'burglary', 9, 'h:shop-a/panel-1:abc123:1'],
    ]);
    expect(out.events[0]).toMatchObject({ detail: 'device heard from again', location: shop.location });
    expect(out.flags).toHaveLength(1);
  });

  // Supervision is state, not alarms (issue 12): these messages record on the device, raise nothing.
  const quiet: Array<{ name: string; signals: DecodedSignal[]; retained: boolean; kinds: string[] }> = [
    { name: 'a periodic test is not an event', signals: [{ kind: 'test', zone: null }], retained: false, kinds: [] },
    {
      name: 'a test beside an alarm: only the alarm',
      signals: [
        { kind: 'test', zone: null },
        { kind: 'panic', zone: null },
      ],
      retained: false,
      kinds: ['panic'],
    },
    { name: 'an explicit offline alone raises nothing (availability is device:status)', signals: [], retained: false, kinds: [] },
    // Initial state is state: a retained armed/disarmed report sets the armed state; retained alarms stay quiet.
    { name: 'a retained alarm raises nothing', signals: [{ kind: 'burglary', zone: 1 }], retained: true, kinds: [] },
    { name: 'a retained arm is kept (the site’s armed state)', signals: [{ kind: 'arm', zone: null }], retained: true, kinds: ['arm'] },
    { name: 'a retained disarm is kept', signals: [{ kind: 'disarm', zone: null }], retained: true, kinds: ['disarm'] },
  ];
  for (const c of quiet) {
    it(c.name, () => {
      const out = enrichDeviceMessage({ ...base, signals: c.signals, restores: [], retained: c.retained, newId: ids() });
      expect(out.events.map((e) => e.kind)).toEqual(c.kinds);
    });
  }

  it('a retained replay earns no restore', () => {
    const out = enrichDeviceMessage({ ...base, signals: [], restores: [{ kind: 'restore', detail: 'x' }], retained: true, newId: ids() });
    expect(out).toEqual({ events: [], flags: [] });
  });

  it('the payload dedupe key carries the run, so the same payload after another one is a new event', () => {
    const first = enrichDeviceMessage({
      ...base,
      signals: [{ kind: 'burglary', zone: 1 }],
      restores: [],
      retained: false,
      facts: { ...facts, runSinceMs: 1 },
      newId: ids(),
    });
    const again = enrichDeviceMessage({
      ...base,
      signals: [{ kind: 'burglary', zone: 1 }],
      restores: [],
      retained: false,
      facts: { ...facts, runSinceMs: 9 },
      newId: ids(),
    });
    expect(first.events[0]!.dedupeKey).toBe('h:shop-a/panel-1:abc123:0:1');
    expect(again.events[0]!.dedupeKey).toBe('h:shop-a/panel-1:abc123:0:9');
  });
});

describe('zones decide: a generic alarm takes its kind from the zone type; specific kinds stay', () => {
  const zones = [
    { number: 1, name: '前门', type: 'entry' as const },
    { number: 2, name: '围墙', type: 'perimeter' as const },
    { number: 3, name: '燃气报警', type: 'gas' as const },
    { number: 4, name: '卫生间水浸', type: 'water' as const },
    { number: 5, name: '紧急按钮', type: 'panic' as const },
    { number: 6, name: '胁迫', type: 'duress' as const },
    { number: 7, name: '厨房烟感', type: 'smoke' as const },
    { number: 8, name: '配电房', type: 'fire' as const },
    { number: 9, name: '老人呼叫', type: 'medical' as const },
    { number: 10, name: '箱体防拆', type: 'tamper' as const },
    { number: 11, name: '金库', type: '24h' as const },
    { number: 12, name: '客厅', type: 'interior' as const },
  ];
  const zoned = site({ devices: [device({ zones })] });
  const dev = zoned.devices[0]!;
  const cases: Array<[string, DecodedSignal, string, string | null]> = [
    ['contact on an entry zone', { kind: 'intrusion', zone: 1 }, 'intrusion', 'entry'],
    ['contact on a perimeter zone', { kind: 'intrusion', zone: 2 }, 'perimeter', 'perimeter'],
    ['contact on a gas zone', { kind: 'intrusion', zone: 3 }, 'gas', 'gas'],
    ['panel zone alarm on a water zone', { kind: 'burglary', zone: 4 }, 'water', 'water'],
    ['contact on a panic zone', { kind: 'intrusion', zone: 5 }, 'panic', 'panic'],
    ['contact on a duress zone', { kind: 'intrusion', zone: 6 }, 'duress', 'duress'],
    ['contact on a smoke zone', { kind: 'intrusion', zone: 7 }, 'smoke', 'smoke'],
    ['contact on a fire zone', { kind: 'burglary', zone: 8 }, 'fire', 'fire'],
    ['contact on a medical zone', { kind: 'intrusion', zone: 9 }, 'medical', 'medical'],
    ['contact on a tamper zone', { kind: 'intrusion', zone: 10 }, 'tamper', 'tamper'],
    ['contact on a 24h zone stays intrusion', { kind: 'intrusion', zone: 11 }, 'intrusion', '24h'],
    ['burglary on an interior zone stays burglary', { kind: 'burglary', zone: 12 }, 'burglary', 'interior'],
    ['a specific fire code on an entry zone stays fire', { kind: 'fire', zone: 1 }, 'fire', 'entry'],
    ['a specific smoke on a water zone stays smoke', { kind: 'smoke', zone: 4 }, 'smoke', 'water'],
    ['a restore on a gas zone stays a restore', { kind: 'restore', zone: 3 }, 'restore', 'gas'],
    ['an undeclared zone keeps the kind', { kind: 'intrusion', zone: 99 }, 'intrusion', null],
    ['no zone keeps the kind', { kind: 'intrusion', zone: null }, 'intrusion', null],
  ];
  for (const [name, signal, kind, zoneType] of cases) {
    it(name, () => {
      const { event } = eventFromSignal({ signal, index: 0, site: zoned, device: dev, location: zoned.location, facts, newId: ids() });
      expect([event.kind, event.zoneType]).toEqual([kind, zoneType]);
    });
  }

  it('a gas zone contact is category fire', () => {
    const { event } = eventFromSignal({
      signal: { kind: 'intrusion', zone: 3 },
      index: 0,
      site: zoned,
      device: dev,
      location: zoned.location,
      facts,
      newId: ids(),
    });
    expect(event.category).toBe('fire');
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
  it('zoneOf gives the whole zone (its type decides the kind)', () => expect(zoneOf(shop, door, 7)).toEqual({ number: 7, name: '仓库', type: 'interior' }));
});
