import { describe, expect, it } from 'vitest';
import {
  afterMessage,
  afterTrouble,
  batteryOf,
  deviceStatusOf,
  NO_SUPERVISION,
  statusChanged,
  troublesDue,
  type DeviceSupervision,
  type SupervisionCheck,
} from '../../src/ingest/supervision.js';
import { kindOnZone } from '../../src/ingest/zone-kind.js';

const T0 = 1_000_000;
const S = (over: Partial<DeviceSupervision> = {}): DeviceSupervision => ({ ...NO_SUPERVISION, ...over });

describe('afterMessage: supervision reports update the record; recoveries earn a restore', () => {
  const msg = (over: Partial<Parameters<typeof afterMessage>[1]> = {}) => ({ tested: false, reportedOffline: false, battery: null, nowMs: T0, ...over });
  const cases: Array<[string, DeviceSupervision, ReturnType<typeof msg>, DeviceSupervision, string[]]> = [
    ['a heartbeat changes nothing', S(), msg(), S(), []],
    ['a periodic test records its time', S({ lastTestMs: 5 }), msg({ tested: true }), S({ lastTestMs: T0 }), []],
    ['a battery reading is recorded', S({ battery: 90 }), msg({ battery: 80 }), S({ battery: 80 }), []],
    ['no battery reading keeps the last one', S({ battery: 90 }), msg(), S({ battery: 90 }), []],
    ['the same battery reading again changes nothing', S({ battery: 80 }), msg({ battery: 80 }), S({ battery: 80 }), []],
    ['heard again after silence was raised: restore', S({ offlineRaisedMs: 7 }), msg(), S(), ['device heard from again']],
    [
      'an explicit offline after silence was raised: still offline, no restore',
      S({ offlineRaisedMs: 7 }),
      msg({ reportedOffline: true }),
      S({ offlineRaisedMs: 7 }),
      [],
    ],
    ['a test after a missed test: restore', S({ testMissedRaisedMs: 7 }), msg({ tested: true }), S({ lastTestMs: T0 }), ['periodic test received again']],
    ['a heartbeat after a missed test: the test is still missing', S({ testMissedRaisedMs: 7 }), msg(), S({ testMissedRaisedMs: 7 }), []],
  ];
  for (const [name, prev, m, next, restores] of cases) {
    it(name, () => {
      const out = afterMessage(prev, m);
      expect(out.next).toEqual(next);
      expect(out.restores.map((r) => r.detail)).toEqual(restores);
    });
  }
});

describe('troublesDue: silence and missed tests, each once; pending install raises nothing', () => {
  const check = (over: Partial<SupervisionCheck>): SupervisionCheck => ({
    heartbeatMs: 60_000,
    testIntervalMs: null,
    lastSeenMs: T0,
    supervision: S(),
    startedMs: T0,
    nowMs: T0,
    graceMs: 5_000,
    ...over,
  });
  const cases: Array<[string, SupervisionCheck, string[]]> = [
    ['heard in time', check({ nowMs: T0 + 30_000 }), []],
    ['at the limit exactly', check({ nowMs: T0 + 65_000 }), []],
    ['silent past heartbeat + grace', check({ nowMs: T0 + 65_001 }), ['trouble.offline:no heartbeat for 65 s (expected every 60 s)']],
    ['silence already raised', check({ nowMs: T0 + 999_000, supervision: S({ offlineRaisedMs: T0 + 65_001 }) }), []],
    ['not supervised', check({ heartbeatMs: null, nowMs: T0 + 999_000 }), []],
    ['pending install: never heard, silent for an hour', check({ lastSeenMs: null, testIntervalMs: 60_000, nowMs: T0 + 3_600_000 }), []],
    [
      'never heard but marked installed: supervised from the start',
      check({ lastSeenMs: null, installed: true, startedMs: T0, nowMs: T0 + 65_001 }),
      ['trouble.offline:no heartbeat for 65 s (expected every 60 s)'],
    ],
    ['heard before the hub started: counted from the start', check({ lastSeenMs: T0 - 500_000, startedMs: T0, nowMs: T0 + 60_000 }), []],
    [
      'periodic test overdue',
      check({ heartbeatMs: null, testIntervalMs: 86_400_000, supervision: S({ lastTestMs: T0 }), nowMs: T0 + 86_405_001 }),
      ['trouble.comm:test_missed: no periodic test for 86405 s (expected every 86400 s)'],
    ],
    ['periodic test in time', check({ heartbeatMs: null, testIntervalMs: 86_400_000, supervision: S({ lastTestMs: T0 }), nowMs: T0 + 86_000_000 }), []],
    [
      'missed test already raised',
      check({ heartbeatMs: null, testIntervalMs: 60_000, supervision: S({ lastTestMs: T0, testMissedRaisedMs: T0 + 70_000 }), nowMs: T0 + 999_000 }),
      [],
    ],
    [
      'never tested: a full interval from the start',
      check({ heartbeatMs: null, testIntervalMs: 60_000, startedMs: T0, nowMs: T0 + 65_001 }),
      ['trouble.comm:test_missed: no periodic test for 65 s (expected every 60 s)'],
    ],
    [
      'both at once',
      check({ testIntervalMs: 60_000, supervision: S({ lastTestMs: T0 }), nowMs: T0 + 70_000 }),
      ['trouble.offline:no heartbeat for 70 s (expected every 60 s)', 'trouble.comm:test_missed: no periodic test for 70 s (expected every 60 s)'],
    ],
  ];
  for (const [name, c, expected] of cases) it(name, () => expect(troublesDue(c).map((t) => `${t.kind}:${t.detail}`)).toEqual(expected));

  it('afterTrouble marks what was raised', () => {
    expect(afterTrouble(S(), 'offline', 5)).toEqual(S({ offlineRaisedMs: 5 }));
    expect(afterTrouble(S(), 'testMissed', 6)).toEqual(S({ testMissedRaisedMs: 6 }));
  });
});

describe('battery and device:status', () => {
  const cases: Array<[Record<string, unknown>, number | null]> = [
    [{ battery: 97 }, 97],
    [{ battery: 0 }, 0],
    [{ battery: '97' }, null],
    [{ battery: 150 }, null],
    [{}, null],
  ];
  for (const [state, expected] of cases) it(`batteryOf(${JSON.stringify(state)})`, () => expect(batteryOf(state)).toBe(expected));

  it('the status carries test, battery, pending install and raised troubles', () => {
    const row = {
      deviceId: 'a/p',
      state: {},
      availability: 'online' as const,
      lastSeenMs: T0,
      supervision: S({ lastTestMs: T0, battery: 50, testMissedRaisedMs: 1 }),
    };
    expect(deviceStatusOf('a', 'p', row)).toEqual({
      deviceId: 'p',
      siteId: 'a',
      availability: 'online',
      lastSeenAt: new Date(T0).toISOString(),
      lastTestAt: new Date(T0).toISOString(),
      battery: 50,
      pendingInstall: false,
      supervision: { offline: false, testMissed: true },
    });
  });

  const changes: Array<[string, DeviceSupervision, DeviceSupervision, boolean]> = [
    ['nothing', S(), S(), false],
    ['a test', S(), S({ lastTestMs: 1 }), true],
    ['battery', S({ battery: 1 }), S({ battery: 2 }), true],
    ['trouble raised', S(), S({ offlineRaisedMs: 1 }), true],
    ['trouble over', S({ testMissedRaisedMs: 1 }), S(), true],
  ];
  for (const [name, a, b, expected] of changes) it(`statusChanged: ${name}`, () => expect(statusChanged(a, b)).toBe(expected));
});

describe('kindOnZone', () => {
  const cases: Array<[Parameters<typeof kindOnZone>[0], Parameters<typeof kindOnZone>[1], string]> = [
    ['intrusion', 'gas', 'gas'],
    ['burglary', 'water', 'water'],
    ['intrusion', 'perimeter', 'perimeter'],
    ['intrusion', 'entry', 'intrusion'],
    ['burglary', '24h', 'burglary'],
    ['smoke', 'entry', 'smoke'],
    ['panic', 'water', 'panic'],
    ['intrusion', null, 'intrusion'],
  ];
  for (const [kind, zoneType, expected] of cases) it(`${kind} on ${zoneType} → ${expected}`, () => expect(kindOnZone(kind, zoneType)).toBe(expected));
});
