import { describe, expect, it } from 'vitest';
import {
  availabilityAfter,
  DeviceStates,
  LAST_SEEN_PERSIST_MS,
  overdueSilenceMs,
  sameAsPersisted,
  type Availability,
  type LiveDevice,
  type PersistedRow,
} from '../../src/ingest/device-state.js';

const T0 = 1_000_000;

describe('availabilityAfter: any message proves a device alive; an explicit one says which way', () => {
  const cases: Array<[Availability | null, Availability | undefined, string]> = [
    [null, undefined, 'null→online'],
    [null, 'online', 'null→online'],
    [null, 'offline', 'null→offline'],
    ['online', undefined, 'none'],
    ['online', 'online', 'none'],
    ['online', 'offline', 'online→offline'],
    ['offline', undefined, 'offline→online'],
    ['offline', 'offline', 'none'],
  ];
  for (const [previous, reported, expected] of cases) {
    it(`${previous} + ${reported} → ${expected}`, () => {
      const t = availabilityAfter(previous, reported);
      expect(t ? `${t.from}→${t.to}` : 'none').toBe(expected);
    });
  }
});

describe('sameAsPersisted: heartbeats that change nothing are not written', () => {
  const row = { deviceId: 'a/b', state: { armed: true }, availability: 'online' as const, lastSeenMs: T0 };
  const stored: PersistedRow = { stateJson: JSON.stringify({ armed: true }), availability: 'online', atMs: T0 };
  const cases: Array<[string, PersistedRow | undefined, typeof row, number, boolean]> = [
    ['nothing stored yet', undefined, row, T0, false],
    ['same state, same availability, recent', stored, row, T0 + 1000, true],
    ['at exactly the refresh age', stored, row, T0 + LAST_SEEN_PERSIST_MS, true],
    ['stored last-seen too old: refresh it', stored, row, T0 + LAST_SEEN_PERSIST_MS + 1, false],
    ['state changed', stored, { ...row, state: { armed: false } }, T0 + 1000, false],
    ['availability changed', stored, { ...row, availability: 'offline' as never }, T0 + 1000, false],
  ];
  for (const [name, persisted, r, now, expected] of cases) it(name, () => expect(sameAsPersisted(persisted, r, now)).toBe(expected));
});

describe('overdueSilenceMs: supervision of heartbeats', () => {
  const live = (over: Partial<LiveDevice>): LiveDevice => ({ state: {}, availability: 'online', lastSeenMs: T0, ...over });
  const cases: Array<[string, number | null, LiveDevice | undefined, number, number | null]> = [
    ['not supervised', null, live({}), T0 + 999_999, null],
    ['heard from in time', 20_000, live({}), T0 + 10_000, null],
    ['at the limit exactly', 20_000, live({}), T0 + 25_000, null],
    ['past interval + grace', 20_000, live({}), T0 + 25_001, 25_001],
    ['already offline: raised once only', 20_000, live({ availability: 'offline' }), T0 + 99_000, null],
    // The hub started at T0 + 10 s: a device not heard from since gets a full interval from then.
    ['never heard from: counted from the start', 20_000, undefined, T0 + 10_000 + 25_001, 25_001],
    ['heard from before the start: counted from the start', 20_000, live({ lastSeenMs: T0 - 50_000 }), T0 + 10_000 + 20_000, null],
  ];
  for (const [name, heartbeatMs, l, now, expected] of cases) {
    it(name, () => {
      const startedMs = name.includes('start') ? T0 + 10_000 : T0;
      expect(overdueSilenceMs({ heartbeatMs, live: l, startedMs, nowMs: now, graceMs: 5_000 })).toBe(expected);
    });
  }
});

describe('DeviceStates', () => {
  it('starts from the stored rows', () => {
    const s = new DeviceStates([{ deviceId: 'a/p', state: { armed: true }, availability: 'offline', lastSeenMs: 5 }]);
    expect(s.get('a/p')).toEqual({ state: { armed: true }, availability: 'offline', lastSeenMs: 5 });
    expect(s.stateOf('a/p')).toEqual({ armed: true });
    expect(s.stateOf('a/unknown')).toEqual({});
  });

  it('a device message: records state and last-seen, reports the availability change once', () => {
    const s = new DeviceStates([]);
    const first = s.heardFromDevice('a/p', { n: 1 }, undefined, T0);
    expect(first).toEqual({ transition: { from: null, to: 'online' }, row: { deviceId: 'a/p', state: { n: 1 }, availability: 'online', lastSeenMs: T0 } });
    const second = s.heardFromDevice('a/p', { n: 2 }, undefined, T0 + 1);
    expect(second.transition).toBeNull();
    expect(second.row).toEqual({ deviceId: 'a/p', state: { n: 2 }, availability: 'online', lastSeenMs: T0 + 1 });
    expect(s.heardFromDevice('a/p', { n: 2 }, 'offline', T0 + 2).transition).toEqual({ from: 'online', to: 'offline' });
    expect(s.get('a/p')).toEqual({ state: { n: 2 }, availability: 'offline', lastSeenMs: T0 + 2 });
  });

  it('a bridge keeps state, no availability', () => {
    const s = new DeviceStates([]);
    expect(s.heardFromBridge('bridge:f', { x: 1 }, T0)).toEqual({ deviceId: 'bridge:f', state: { x: 1 }, availability: null, lastSeenMs: T0 });
    expect(s.stateOf('bridge:f')).toEqual({ x: 1 });
  });

  it('the hub declaring a device offline: once, keeping its state and last-seen', () => {
    const s = new DeviceStates([]);
    s.heardFromDevice('a/p', { n: 1 }, undefined, T0);
    expect(s.declare('a/p', 'offline')).toEqual({ row: { deviceId: 'a/p', state: { n: 1 }, availability: 'offline', lastSeenMs: T0 }, lastSeenMs: T0 });
    expect(s.declare('a/p', 'offline')).toBeNull();
    expect(s.get('a/p')?.availability).toBe('offline');
    // A device never heard from can be declared too.
    expect(s.declare('a/q', 'offline')).toEqual({ row: { deviceId: 'a/q', state: {}, availability: 'offline', lastSeenMs: null }, lastSeenMs: null });
  });

  it('unchanged only after the same row was committed', () => {
    const s = new DeviceStates([]);
    const { row } = s.heardFromDevice('a/p', { n: 1 }, undefined, T0);
    expect(s.unchanged('a/p', row, T0)).toBe(false);
    s.committed('a/p', row, T0);
    const again = s.heardFromDevice('a/p', { n: 1 }, undefined, T0 + 10).row;
    expect(s.unchanged('a/p', again, T0 + 10)).toBe(true);
    expect(s.unchanged('a/p', again, T0 + LAST_SEEN_PERSIST_MS + 1)).toBe(false);
  });
});
