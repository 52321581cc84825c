/** incident-query.ts: what SQLite returned plus what dispatch holds in memory, answered without a write. */
import { describe, expect, it } from 'vitest';
import { workflowDefaults, type Incident, type IncidentStatus } from '../../src/contract/incident.js';
import { matchesQuery, overlayIncidents } from '../../src/dispatch/incident-query.js';
import type { IncidentQuery } from '../../src/store/index.js';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);

function inc(id: string, o: { version?: number; status?: IncidentStatus; site?: string; station?: string | null; openedMs?: number } = {}): Incident {
  const opened = new Date(o.openedMs ?? T0).toISOString();
  return {
    drill: false,
    id,
    version: o.version ?? 1,
    siteId: o.site ?? 's1',
    siteName: 'x',
    kind: 'panic',
    category: 'police',
    priority: 1,
    priorityReason: 'r',
    priorityReasonZh: 'r',
    status: o.status ?? 'new',
    disposition: null,
    owner: null,
    location: [0, 0],
    gridCellId: null,
    gridCellName: null,
    stationId: o.station === undefined ? 'ps-1' : o.station,
    responsibleStationId: null,
    escalationLevel: 0,
    escalateAt: null,
    repeatOf: null,
    zones: [],
    eventCount: 1,
    openedAt: opened,
    updatedAt: opened,
    lastEventAt: opened,
    closedAt: null,
    timeline: [],
    timelineOmitted: 0,
    media: [],
    ...workflowDefaults(),
  };
}

describe('matchesQuery reads the filters as the store does', () => {
  it.each([
    { name: 'no filter', q: {}, i: inc('a'), match: true },
    { name: 'open: new', q: { status: 'open' }, i: inc('a'), match: true },
    { name: 'open: closed', q: { status: 'open' }, i: inc('a', { status: 'closed' }), match: false },
    { name: 'a status', q: { status: 'acknowledged' }, i: inc('a'), match: false },
    { name: 'site', q: { siteId: 's2' }, i: inc('a'), match: false },
    { name: 'since, inclusive', q: { since: T0 }, i: inc('a'), match: true },
    { name: 'until, exclusive', q: { until: T0 }, i: inc('a'), match: false },
    { name: 'stations', q: { stationIds: ['ps-1'] }, i: inc('a'), match: true },
    { name: 'stations: none without a station', q: { stationIds: ['ps-1'] }, i: inc('a', { station: null }), match: false },
    { name: 'an empty site list matches nothing', q: { siteIds: [] }, i: inc('a'), match: false },
    { name: 'site list', q: { siteIds: ['s1', 's9'] }, i: inc('a'), match: true },
  ] as Array<{ name: string; q: IncidentQuery; i: Incident; match: boolean }>)('$name', ({ q, i, match }) => {
    expect(matchesQuery(i, q)).toBe(match);
  });
});

describe('overlayIncidents', () => {
  it.each([
    {
      name: 'a row replaced by its newer in-memory version',
      rows: [inc('a', { version: 1 })],
      memory: [inc('a', { version: 4 })],
      q: {},
      limit: 100,
      want: [['a', 4]],
    },
    {
      name: 'a held new incident added, newest opened first',
      rows: [inc('a')],
      memory: [inc('a'), inc('b', { openedMs: T0 + 1000 })],
      q: { status: 'open' },
      limit: 100,
      want: [
        ['b', 1],
        ['a', 1],
      ],
    },
    {
      name: 'an in-memory incident outside the filter stays out',
      rows: [],
      memory: [inc('b', { site: 's2' })],
      q: { siteId: 's1' },
      limit: 100,
      want: [],
    },
    {
      name: 'the limit is kept after the overlay',
      rows: [inc('a', { openedMs: T0 })],
      memory: [inc('b', { openedMs: T0 + 1000 })],
      q: {},
      limit: 1,
      want: [['b', 1]],
    },
    {
      name: 'closed rows, nothing in memory changes them',
      rows: [inc('c', { status: 'closed' })],
      memory: [inc('a')],
      q: { status: 'closed' },
      limit: 100,
      want: [['c', 1]],
    },
  ] as Array<{ name: string; rows: Incident[]; memory: Incident[]; q: IncidentQuery; limit: number; want: Array<[string, number]> }>)(
    '$name',
    ({ rows, memory, q, limit, want }) => {
      expect(overlayIncidents(rows, memory, q, limit).map((i) => [i.id, i.version])).toEqual(want);
    },
  );
});
