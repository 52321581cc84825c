import { describe, expect, it } from 'vitest';
import { assessPriority, intrusionZoneCount, type ZoneTrip } from '../../src/dispatch/priority.js';

/** Issue 12, "zones decide": only intrusion zones count toward intrusion confirmation. */
describe('intrusionZoneCount', () => {
  const cases: Array<[string, ZoneTrip[], number]> = [
    [
      'two entry zones',
      [
        { zone: 1, kind: 'intrusion', zoneType: 'entry' },
        { zone: 2, kind: 'intrusion', zoneType: 'interior' },
      ],
      2,
    ],
    [
      'the same zone twice',
      [
        { zone: 1, kind: 'intrusion', zoneType: 'entry' },
        { zone: 1, kind: 'intrusion', zoneType: 'entry' },
      ],
      1,
    ],
    [
      'a gas zone and a water zone',
      [
        { zone: 3, kind: 'gas', zoneType: 'gas' },
        { zone: 4, kind: 'water', zoneType: 'water' },
      ],
      0,
    ],
    [
      'an entry zone and a water zone',
      [
        { zone: 1, kind: 'intrusion', zoneType: 'entry' },
        { zone: 4, kind: 'water', zoneType: 'water' },
      ],
      1,
    ],
    [
      'a perimeter zone counts',
      [
        { zone: 1, kind: 'intrusion', zoneType: 'entry' },
        { zone: 2, kind: 'perimeter', zoneType: 'perimeter' },
      ],
      2,
    ],
    [
      'a restore on an entry zone does not count',
      [
        { zone: 1, kind: 'intrusion', zoneType: 'entry' },
        { zone: 2, kind: 'restore', zoneType: 'entry' },
      ],
      1,
    ],
    [
      'undeclared zones count by their intrusion kind',
      [
        { zone: 1, kind: 'burglary' },
        { zone: 2, kind: 'intrusion', zoneType: null },
      ],
      2,
    ],
    [
      'an undeclared tamper does not',
      [
        { zone: 1, kind: 'burglary' },
        { zone: 2, kind: 'tamper' },
      ],
      1,
    ],
  ];
  for (const [name, trips, expected] of cases) it(name, () => expect(intrusionZoneCount(trips)).toBe(expected));
});

describe('assessPriority with zone trips', () => {
  const cases: Array<[string, Parameters<typeof assessPriority>[0], ZoneTrip[], number]> = [
    [
      'two intrusion zones → P1',
      ['intrusion'],
      [
        { zone: 1, kind: 'intrusion', zoneType: 'entry' },
        { zone: 2, kind: 'intrusion', zoneType: 'interior' },
      ],
      1,
    ],
    [
      'an intrusion zone plus a water zone confirm nothing → P2',
      ['intrusion', 'water'],
      [
        { zone: 1, kind: 'intrusion', zoneType: 'entry' },
        { zone: 4, kind: 'water', zoneType: 'water' },
      ],
      2,
    ],
    [
      'a gas zone plus a water zone: gas P1 by itself, not by confirmation',
      ['gas', 'water'],
      [
        { zone: 3, kind: 'gas', zoneType: 'gas' },
        { zone: 4, kind: 'water', zoneType: 'water' },
      ],
      1,
    ],
  ];
  for (const [name, kinds, trips, priority] of cases) it(name, () => expect(assessPriority(kinds, trips).priority).toBe(priority));

  it('gas + water: the reason is gas, not a confirmed intrusion', () => {
    const v = assessPriority(
      ['gas', 'water'],
      [
        { zone: 3, kind: 'gas', zoneType: 'gas' },
        { zone: 4, kind: 'water', zoneType: 'water' },
      ],
    );
    expect(v.reason).toMatch(/gas → P1/);
  });

  it('a count still works as before (all zones count)', () => expect(assessPriority(['intrusion'], 2).priority).toBe(1));
});
