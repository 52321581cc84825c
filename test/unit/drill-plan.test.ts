/** The drill decisions (src/drill/plan.ts) and the drill flag in correlation, as tables. */
import { describe, expect, it } from 'vitest';
import type { AlarmEvent } from '../../src/contract/alarm-event.js';
import { DRILL_INPUTS, type Drill } from '../../src/contract/drill.js';
import { correlate, DEFAULT_REPEAT_WINDOW_MS } from '../../src/dispatch/correlate.js';
import { dueEnds, isDrillAlarm, planEnd, planStart, type DrillView } from '../../src/drill/plan.js';

const NOW = Date.parse('2026-12-03T02:00:00Z');
const view: DrillView = {
  site: (id) => (['s1', 's2', 's3'].includes(id) ? { stationId: 'ps-1' } : undefined),
  station: (id) => id === 'ps-1',
};
const start = (body: unknown) => planStart({ id: 'd1', input: DRILL_INPUTS.start.parse(body), by: 'op', nowMs: NOW, view });

describe('starting a drill', () => {
  it('a drill of sites for a duration ends that long after now', () => {
    expect(start({ sites: ['s1', 's2', 's1'], durationSeconds: 600 })).toMatchObject({
      siteIds: ['s1', 's2'],
      stationId: null,
      startedAt: '2026-12-03T02:00:00.000Z',
      endsAt: '2026-12-03T02:10:00.000Z',
      endedAt: null,
    });
  });
  it('a station drill', () => {
    expect(start({ station: 'ps-1', endsAt: '2026-12-03T03:00:00Z' })).toMatchObject({ siteIds: [], stationId: 'ps-1' });
  });
  it.each([
    [{ sites: ['s1', 'elsewhere'], durationSeconds: 60 }, 'no site elsewhere in your scope'],
    [{ station: 'ps-9', durationSeconds: 60 }, 'no station ps-9 in your scope'],
    [{ sites: ['s1'], endsAt: '2026-12-03T01:59:00Z' }, 'is not in the future'],
    [{ sites: ['s1'], endsAt: '2026-12-05T01:59:00Z' }, 'at most 24 h'],
  ])('refused: %j', (body, error) => {
    expect(start(body)).toMatchObject({ code: 'bad_drill', error: expect.stringContaining(error) });
  });
  it.each([
    { sites: ['s1'] },
    { sites: ['s1'], station: 'ps-1', durationSeconds: 5 },
    { sites: [], durationSeconds: 5 },
    { station: 'ps-1', durationSeconds: 0 },
  ])('a malformed start is a bad request: %j', (body) => {
    expect(DRILL_INPUTS.start.safeParse(body).success).toBe(false);
  });
});

const drill = (o: Partial<Drill> = {}): Drill => ({
  id: 'd1',
  name: null,
  siteIds: ['s1'],
  stationId: null,
  startedAt: new Date(NOW).toISOString(),
  endsAt: new Date(NOW + 60_000).toISOString(),
  endedAt: null,
  startedBy: 'op',
  endedBy: null,
  ...o,
});

describe('which alarms are drills', () => {
  it('a site of the drill, while it is active, and no other', () => {
    const d = [drill()];
    expect(isDrillAlarm(d, 's1', 'ps-1', NOW)).toBe(true);
    expect(isDrillAlarm(d, 's2', 'ps-1', NOW)).toBe(false);
    expect(isDrillAlarm(d, 's1', 'ps-1', NOW - 1)).toBe(false);
    expect(isDrillAlarm(d, 's1', 'ps-1', NOW + 60_000)).toBe(false);
    expect(isDrillAlarm([drill({ endedAt: new Date(NOW + 10).toISOString() })], 's1', 'ps-1', NOW + 10)).toBe(false);
  });
  it('a station drill covers the alarms routed to the station', () => {
    const d = [drill({ siteIds: [], stationId: 'ps-1' })];
    expect(isDrillAlarm(d, 'any', 'ps-1', NOW)).toBe(true);
    expect(isDrillAlarm(d, 'any', 'ps-2', NOW)).toBe(false);
    expect(isDrillAlarm(d, 'any', null, NOW)).toBe(false);
  });
});

describe('ending a drill', () => {
  it('early, by someone who sees it', () => {
    expect(planEnd({ drill: drill(), id: 'd1', by: 'op', nowMs: NOW + 5, view })).toMatchObject({ endedBy: 'op', endedAt: new Date(NOW + 5).toISOString() });
  });
  it('refused when ended, and answered like a missing drill outside the scope', () => {
    expect(planEnd({ drill: drill({ endedAt: new Date(NOW).toISOString() }), id: 'd1', by: 'op', nowMs: NOW + 5, view })).toMatchObject({
      code: 'drill_ended',
    });
    expect(planEnd({ drill: drill({ siteIds: ['s1', 'elsewhere'] }), id: 'd1', by: 'op', nowMs: NOW + 5, view })).toMatchObject({ code: 'not_found' });
    expect(planEnd({ drill: undefined, id: 'd9', by: 'op', nowMs: NOW, view })).toMatchObject({ code: 'not_found' });
  });
  it('by itself at its end time, as the hub', () => {
    expect(dueEnds([drill()], NOW + 59_999)).toEqual([]);
    expect(dueEnds([drill()], NOW + 120_000)).toEqual([expect.objectContaining({ endedAt: drill().endsAt, endedBy: 'hub' })]);
  });
});

describe('correlation keeps drills and real alarms apart', () => {
  const ctx = { armed: null, night: false, repeatWindowMs: DEFAULT_REPEAT_WINDOW_MS, naming: { siteName: () => null, cellName: () => null } };
  const event = (id: string, drillFlag: boolean, zone: number): AlarmEvent => ({
    id,
    siteId: 's1',
    deviceId: 'p',
    kind: 'intrusion',
    category: 'police',
    zone,
    zoneName: null,
    occurredAt: new Date(NOW).toISOString(),
    receivedAt: new Date(NOW).toISOString(),
    location: [26.6, 104.8],
    gridCellId: null,
    stationId: null,
    detail: null,
    profile: 'native',
    topic: 't',
    raw: '{}',
    dedupeKey: id,
    drill: drillFlag,
  });
  it('a drill alarm opens a drill incident; a real one at the same site opens its own; each joins its own', () => {
    const d = correlate([], event('e1', true, 1), ctx);
    expect(d).toMatchObject({ outcome: 'open', incident: { drill: true } });
    const open = [d.outcome === 'open' ? d.incident : null!];
    const r = correlate(open, event('e2', false, 2), ctx);
    expect(r).toMatchObject({ outcome: 'open', incident: { drill: false } });
    const both = [...open, r.outcome === 'open' ? r.incident : null!];
    expect(correlate(both, event('e3', true, 2), ctx)).toMatchObject({ outcome: 'join', incident: { id: 'e1' } });
    expect(correlate(both, event('e4', false, 1), ctx)).toMatchObject({ outcome: 'join', incident: { id: 'e2' } });
  });
});
