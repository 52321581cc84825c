import { describe, expect, it } from 'vitest';
import {
  availabilityAfter,
  DeviceStates,
  LAST_SEEN_PERSIST_MS,
  runAfter,
  sameAsPersisted,
  type Availability,
  type PersistedRow,
} from '../../src/ingest/device-state.js';

const T0 = 1_000_000;
const NONE = { lastTestMs: null, battery: null, offlineRaisedMs: null, testMissedRaisedMs: null };
/** An ordinary message's facts: no test, no battery, payload hash "h". */
const heard = (nowMs: number) => ({ tested: false, battery: null, nowMs, payloadHash: 'h' });

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
    ['supervision changed (a periodic test arrived)', stored, { ...row, supervision: { ...NONE, lastTestMs: T0 } } as never, T0 + 1000, false],
    ['the very state object committed', { ...stored, state: row.state }, row, T0 + 1000, true],
    ['another state object with the same JSON', { ...stored, state: { armed: true } }, row, T0 + 1000, true],
    ['another state object, changed', { ...stored, state: row.state }, { ...row, state: { armed: false } }, T0 + 1000, false],
  ];
  for (const [name, persisted, r, now, expected] of cases) it(name, () => expect(sameAsPersisted(persisted, r, now)).toBe(expected));
});

// Old overdueSilenceMs cases moved to ingest-supervision.test.ts (troublesDue), where a device never
// heard from is pending install instead of offline (issue 12).

describe('runAfter: duplicates by identity — a payload repeats only within its run', () => {
  const cases: Array<[string, Parameters<typeof runAfter>[0], string, number, { hash: string; sinceMs: number }]> = [
    ['first message starts a run', undefined, 'A', T0, { hash: 'A', sinceMs: T0 }],
    ['the same payload again continues it (a resend)', { hash: 'A', sinceMs: T0 }, 'A', T0 + 5, { hash: 'A', sinceMs: T0 }],
    ['a different payload starts a new run', { hash: 'A', sinceMs: T0 }, 'B', T0 + 5, { hash: 'B', sinceMs: T0 + 5 }],
    [
      'the first payload after a different one starts a new run (open, close, open)',
      { hash: 'B', sinceMs: T0 + 5 },
      'A',
      T0 + 9,
      { hash: 'A', sinceMs: T0 + 9 },
    ],
    ['after a restart the stored run continues with the first message', { hash: null, sinceMs: T0 }, 'A', T0 + 3, { hash: 'A', sinceMs: T0 }],
  ];
  for (const [name, prev, hash, now, expected] of cases) it(name, () => expect(runAfter(prev, hash, now)).toEqual(expected));
});

describe('DeviceStates', () => {
  it('starts from the stored rows', () => {
    const s = new DeviceStates([{ deviceId: 'a/p', state: { armed: true }, availability: 'offline', lastSeenMs: 5 }]);
    // A row from before supervision was recorded: its "offline" was the hub's trouble, raised already.
    expect(s.get('a/p')).toEqual({
      state: { armed: true },
      availability: 'offline',
      lastSeenMs: 5,
      supervision: { lastTestMs: null, battery: null, offlineRaisedMs: 5, testMissedRaisedMs: null },
      run: { hash: null, sinceMs: 5 },
    });
    expect(s.stateOf('a/p')).toEqual({ armed: true });
    expect(s.stateOf('a/unknown')).toEqual({});
  });

  it('a device message: records state and last-seen, reports the availability change once', () => {
    const s = new DeviceStates([]);
    const first = s.heardFromDevice('a/p', { n: 1 }, undefined, heard(T0));
    expect(first).toEqual({
      transition: { from: null, to: 'online' },
      row: { deviceId: 'a/p', state: { n: 1 }, availability: 'online', lastSeenMs: T0, supervision: NONE },
      restores: [],
      run: { hash: 'h', sinceMs: T0 },
    });
    const second = s.heardFromDevice('a/p', { n: 2 }, undefined, heard(T0 + 1));
    expect(second.transition).toBeNull();
    expect(second.row).toEqual({ deviceId: 'a/p', state: { n: 2 }, availability: 'online', lastSeenMs: T0 + 1, supervision: NONE });
    expect(s.heardFromDevice('a/p', { n: 2 }, 'offline', heard(T0 + 2)).transition).toEqual({ from: 'online', to: 'offline' });
    expect(s.get('a/p')).toMatchObject({ state: { n: 2 }, availability: 'offline', lastSeenMs: T0 + 2 });
  });

  it('a bridge keeps state, no availability', () => {
    const s = new DeviceStates([]);
    expect(s.heardFromBridge('bridge:f', { x: 1 }, T0)).toEqual({ deviceId: 'bridge:f', state: { x: 1 }, availability: null, lastSeenMs: T0 });
    expect(s.stateOf('bridge:f')).toEqual({ x: 1 });
  });

  it('the hub raising silence: recorded once, the device goes offline keeping its state and last-seen; heard again restores', () => {
    const s = new DeviceStates([]);
    s.heardFromDevice('a/p', { n: 1 }, undefined, heard(T0));
    const r = s.raised('a/p', 'offline', T0 + 50);
    expect(r).toEqual({
      row: { deviceId: 'a/p', state: { n: 1 }, availability: 'offline', lastSeenMs: T0, supervision: { ...NONE, offlineRaisedMs: T0 + 50 } },
      availabilityChanged: true,
      lastSeenMs: T0,
    });
    expect(s.get('a/p')?.availability).toBe('offline');
    const back = s.heardFromDevice('a/p', { n: 1 }, undefined, heard(T0 + 60));
    expect(back.restores).toMatchObject([{ kind: 'restore', detail: 'device heard from again', message: { code: 'supervision.heard_again' } }]);
    expect(back.row.supervision).toEqual(NONE);
  });

  it('a missed test raised does not change availability; the next test restores it', () => {
    const s = new DeviceStates([]);
    s.heardFromDevice('a/p', {}, undefined, heard(T0));
    expect(s.raised('a/p', 'testMissed', T0 + 5).availabilityChanged).toBe(false);
    expect(s.heardFromDevice('a/p', {}, undefined, heard(T0 + 6)).restores).toEqual([]);
    const tested = s.heardFromDevice('a/p', {}, undefined, { ...heard(T0 + 7), tested: true });
    expect(tested.restores).toMatchObject([{ kind: 'restore', detail: 'periodic test received again', message: { code: 'supervision.test_again' } }]);
    expect(tested.row.supervision).toEqual({ ...NONE, lastTestMs: T0 + 7 });
  });

  it('unchanged only after the same row was committed', () => {
    const s = new DeviceStates([]);
    const { row } = s.heardFromDevice('a/p', { n: 1 }, undefined, heard(T0));
    expect(s.unchanged('a/p', row, T0)).toBe(false);
    s.committed('a/p', row, T0);
    const again = s.heardFromDevice('a/p', { n: 1 }, undefined, heard(T0 + 10)).row;
    expect(s.unchanged('a/p', again, T0 + 10)).toBe(true);
    expect(s.unchanged('a/p', again, T0 + LAST_SEEN_PERSIST_MS + 1)).toBe(false);
  });
});
