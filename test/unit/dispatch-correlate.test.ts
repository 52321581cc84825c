/** correlate.ts without a broker, database or timer: incidents and events in, the decision out. */
import { describe, expect, it } from 'vitest';
import { KIND_INFO, type AlarmEvent, type EventKind } from '../../src/contract/alarm-event.js';
import type { Incident, TimelineEntry } from '../../src/contract/incident.js';
import { capTimeline, correlate, joinsOpen, newIncident, TIMELINE_MAX, type CorrelationContext } from '../../src/dispatch/correlate.js';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const at = (ms: number): string => new Date(T0 + ms).toISOString();

function event(kind: EventKind, ms = 0, zone: number | null = 1, siteId = 's1'): AlarmEvent {
  return {
    drill: false,
    id: `e-${kind}-${ms}-${zone}`,
    siteId,
    deviceId: 'panel',
    kind,
    category: KIND_INFO[kind].category,
    zone,
    zoneName: zone === null ? null : `zone ${zone}`,
    occurredAt: at(ms),
    receivedAt: at(ms),
    location: [26.6, 104.8],
    gridCellId: 'c1',
    stationId: 'ps-1',
    detail: null,
    profile: 'native',
    topic: 't',
    raw: '{}',
    dedupeKey: `k${ms}`,
  };
}

const ctx = (extra: Partial<CorrelationContext> = {}): CorrelationContext => ({
  armed: null,
  night: false,
  correlationWindowMs: 120_000,
  repeatWindowMs: 30 * 60_000,
  ackTimeoutMs: { 1: 60_000, 2: 180_000, 3: 600_000, 4: 3_600_000 },
  naming: { siteName: (id) => `site ${id}`, cellName: (id) => `cell ${id}` },
  ...extra,
});

const opened = (kind: EventKind, zone: number | null = 1): Incident => newIncident(event(kind, 0, zone), ctx());

describe('correlate: join, open or none (one open incident per site and category, no time window)', () => {
  it.each([
    { name: 'no open incident, an alarm: open', open: [], e: event('intrusion'), outcome: 'open' },
    { name: 'no open incident, arm: none', open: [], e: event('arm', 0, null), outcome: 'none' },
    { name: 'no open incident, disarm: none', open: [], e: event('disarm', 0, null), outcome: 'none' },
    { name: 'no open incident, test: none', open: [], e: event('test', 0, null), outcome: 'none' },
    { name: 'no open incident, a lone restore: none', open: [], e: event('restore'), outcome: 'none' },
    { name: 'an intrusion 2 min later: joins', open: ['intrusion'], e: event('intrusion', 119_000, 2), outcome: 'join', into: 'intrusion' },
    { name: 'an intrusion 3 h later: still joins (no window)', open: ['intrusion'], e: event('intrusion', 3 * 3_600_000), outcome: 'join', into: 'intrusion' },
    { name: 'a panic joins the open intrusion (both police)', open: ['intrusion'], e: event('panic', 60_000), outcome: 'join', into: 'intrusion' },
    { name: 'a fire at a site with an open medical incident: its own', open: ['medical'], e: event('fire', 10_000), outcome: 'open' },
    { name: 'a fire during a burglary: its own fire incident', open: ['burglary'], e: event('fire', 10_000, 5), outcome: 'open' },
    { name: 'a smoke alarm joins the open fire incident', open: ['medical', 'fire'], e: event('smoke', 10_000, 4), outcome: 'join', into: 'fire' },
    { name: 'a trouble opens a technical one beside the panic', open: ['panic'], e: event('trouble.ac_loss', 10_000, null), outcome: 'open' },
    {
      name: 'a restore of the smoke zone annotates the fire incident',
      open: ['intrusion', 'smoke'],
      e: event('restore', 3_600_000, 2),
      outcome: 'join',
      into: 'smoke',
    },
    {
      name: 'a restore of another zone annotates the police one',
      open: ['smoke', 'intrusion'],
      e: event('restore', 60_000, 9),
      outcome: 'join',
      into: 'intrusion',
    },
    { name: 'a restore of another zone, no police incident: none', open: ['smoke'], e: event('restore', 60_000, 9), outcome: 'none' },
    {
      name: 'a device-level restore (no zone) annotates the technical incident',
      open: ['intrusion', 'trouble.ac_loss'],
      e: event('restore', 60_000, null),
      outcome: 'join',
      into: 'trouble.ac_loss',
    },
    {
      name: 'a device-level restore, no technical incident: the police one',
      open: ['intrusion'],
      e: event('restore', 60_000, null),
      outcome: 'join',
      into: 'intrusion',
    },
    { name: 'disarm annotates the police incident', open: ['intrusion'], e: event('disarm', 121_000, null), outcome: 'join', into: 'intrusion' },
    { name: 'a test never joins', open: ['intrusion'], e: event('test', 1_000, null), outcome: 'none' },
    { name: 'a real intrusion beside an open drill one: its own', open: ['intrusion'], openDrill: true, e: event('intrusion', 60_000, 2), outcome: 'open' },
    {
      name: 'a drill intrusion joins the open drill one',
      open: ['intrusion'],
      openDrill: true,
      e: { ...event('intrusion', 60_000, 2), drill: true },
      outcome: 'join',
      into: 'intrusion',
    },
    { name: 'a drill intrusion beside a real open one: its own', open: ['intrusion'], e: { ...event('intrusion', 60_000, 2), drill: true }, outcome: 'open' },
  ] as Array<{ name: string; open: EventKind[]; openDrill?: boolean; e: AlarmEvent; outcome: string; into?: EventKind }>)(
    '$name',
    ({ open, openDrill, e, outcome, into }) => {
      const openAtSite = open.map((k, n) => ({ ...opened(k, n + 1), id: `open-${k}`, drill: openDrill === true }));
      const c = correlate(openAtSite, e, ctx());
      expect(c.outcome).toBe(outcome);
      // dispatch's read-ahead skips what joins by asking this alone: it must agree with the decision.
      expect(joinsOpen(openAtSite, e)).toBe(outcome === 'join');
      if (c.outcome === 'join') expect(c.incident.id).toBe(`open-${into}`);
      if (c.outcome === 'open') expect(c.incident).toMatchObject({ id: e.id, category: e.category });
    },
  );

  it('a re-alarm after the last of its category closed links to it (previousId); the repeat note stays', () => {
    const c = correlate([], event('intrusion', 5 * 60_000), ctx({ previousId: 'last-police', lastFalse: { id: 'last-police', closedMs: T0 } }));
    expect(c.outcome).toBe('open');
    if (c.outcome !== 'open') return;
    expect(c.incident).toMatchObject({ previousId: 'last-police', repeatOf: 'last-police' });
  });

  it('a first alarm has no previous incident', () => {
    const c = correlate([], event('intrusion'), ctx());
    expect(c.outcome === 'open' && c.incident.previousId).toBe(null);
  });
});

describe('newIncident', () => {
  it.each([
    {
      name: 'panic: P1, named after its event, escalates after 60 s',
      e: event('panic', 0, null),
      c: ctx(),
      want: { priority: 1, escalateAt: at(60_000), zones: [] },
    },
    { name: 'intrusion: P2 with its zone', e: event('intrusion'), c: ctx(), want: { priority: 2, zones: [1], escalateAt: at(180_000) } },
    { name: 'intrusion at a disarmed site: P3', e: event('intrusion'), c: ctx({ armed: false }), want: { priority: 3 } },
    { name: 'perimeter at night: P2', e: event('perimeter'), c: ctx({ night: true }), want: { priority: 2 } },
    { name: 'no ack timeouts: never escalates', e: event('panic'), c: ctx({ ackTimeoutMs: undefined }), want: { escalateAt: null } },
    { name: 'names from the directory', e: event('panic'), c: ctx(), want: { siteName: 'site s1', gridCellName: 'cell c1' } },
    {
      name: 'an unknown site is shown by its id',
      e: event('panic'),
      c: ctx({ naming: { siteName: () => null, cellName: () => null } }),
      want: { siteName: 's1', gridCellName: null },
    },
  ] as Array<{ name: string; e: AlarmEvent; c: CorrelationContext; want: Partial<Incident> }>)('$name', ({ e, c, want }) => {
    const i = newIncident(e, c);
    expect(i).toMatchObject({ id: e.id, version: 1, status: 'new', eventCount: 1, openedAt: e.receivedAt, repeatOf: null, ...want });
  });

  it.each([
    { name: 'closed as false 10 min ago: a repeat, said in minutes', closedAgo: 10 * 60_000, repeat: true, text: '本址10分钟前以误报结警' },
    { name: 'closed as false 20 s ago: at least 1 minute', closedAgo: 20_000, repeat: true, text: '本址1分钟前以误报结警' },
    { name: 'closed as false 31 min ago: not a repeat', closedAgo: 31 * 60_000, repeat: false, text: null },
  ])('repeat: $name', ({ closedAgo, repeat, text }) => {
    const i = newIncident(event('intrusion', closedAgo), ctx({ lastFalse: { id: 'old', closedMs: T0 } }));
    expect(i.repeatOf).toBe(repeat ? 'old' : null);
    const note = i.timeline.find((t) => t.type === 'note');
    if (text) expect(note?.text).toContain(text);
    else expect(note).toBeUndefined();
  });
});

describe('joining an incident', () => {
  it.each([
    {
      name: 'a second zone confirms an intrusion: P1, reason changed, a priority line, escalation sooner',
      first: 'intrusion',
      e: event('intrusion', 30_000, 2),
      want: { priority: 1, zones: [1, 2], version: 2, eventCount: 2, escalateAt: at(90_000), priorityReason: 'intrusion confirmed by 2 zones → P1' },
      priorityLine: true,
    },
    {
      name: 'an intrusion after a panic keeps P1 and the panic',
      first: 'panic',
      e: event('intrusion', 10_000, 2),
      want: { priority: 1, kind: 'panic', version: 2 },
      priorityLine: false,
    },
    {
      name: 'a panic during a burglary makes it a panic (same category), raised to P1',
      first: 'burglary',
      e: event('panic', 10_000, null),
      want: { kind: 'panic', category: 'police', priority: 1 },
      priorityLine: true,
    },
    {
      name: 'a restore annotates: no new zone, last event time kept',
      first: 'smoke',
      e: event('restore', 3_600_000, 1),
      want: { zones: [1], lastEventAt: at(0), updatedAt: at(3_600_000), eventCount: 2, status: 'new' },
      priorityLine: false,
    },
  ] as Array<{ name: string; first: EventKind; e: AlarmEvent; want: Partial<Incident>; priorityLine: boolean }>)('$name', (row) => {
    const { first, e, want, priorityLine } = row;
    const c = correlate([opened(first)], e, ctx());
    expect(c.outcome).toBe('join');
    if (c.outcome === 'none') return;
    expect(c.incident).toMatchObject(want);
    expect(c.incident.timeline.some((t) => t.type === 'priority')).toBe(priorityLine);
    expect(c.incident.timeline.filter((t) => t.type === 'event').at(-1)).toMatchObject({ eventId: e.id, kind: e.kind });
  });
});

describe('capTimeline', () => {
  const ev = (n: number): TimelineEntry => ({ at: at(n), type: 'event', eventId: `e${n}` });
  const note = (n: number): TimelineEntry => ({ at: at(n), type: 'note', text: `n${n}` });
  it.each([
    { name: 'at the limit: unchanged', timeline: Array.from({ length: TIMELINE_MAX }, (_, n) => ev(n)), dropped: null },
    { name: 'one over: the oldest event after the head goes', timeline: Array.from({ length: TIMELINE_MAX + 1 }, (_, n) => ev(n)), dropped: 'e5' },
    {
      name: 'notes are never dropped',
      timeline: [...Array.from({ length: 5 }, (_, n) => ev(n)), ...Array.from({ length: 20 }, (_, n) => note(n + 5)), ev(25)],
      dropped: null,
    },
  ])('$name', ({ timeline, dropped }) => {
    const r = capTimeline({ timeline, timelineOmitted: 0 });
    if (dropped === null) {
      expect(r.timeline).toHaveLength(timeline.length);
      expect(r.timelineOmitted).toBe(0);
    } else {
      expect(r.timeline).toHaveLength(TIMELINE_MAX);
      expect(r.timeline.some((t) => t.eventId === dropped)).toBe(false);
      expect(r.timelineOmitted).toBe(1);
    }
  });
});

describe('confirmation counts intrusion zones only (zones decide, issue 12)', () => {
  const typed = (kind: EventKind, ms: number, zone: number, zoneType: AlarmEvent['zoneType']): AlarmEvent => ({ ...event(kind, ms, zone), zoneType });
  it.each([
    {
      name: 'two intrusion zones (entry, interior): P1',
      first: typed('intrusion', 0, 1, 'entry'),
      second: typed('intrusion', 5_000, 2, 'interior'),
      priority: 1,
    },
    { name: 'the same zone twice: still P2', first: typed('intrusion', 0, 1, 'entry'), second: typed('intrusion', 5_000, 1, 'entry'), priority: 2 },
    {
      name: 'a water zone beside an intrusion zone: still P2',
      first: typed('intrusion', 0, 1, 'entry'),
      second: typed('water', 5_000, 3, 'water'),
      priority: 2,
    },
    {
      name: 'a 24h zone tripped as intrusion does not confirm an entry zone',
      first: typed('intrusion', 0, 1, 'entry'),
      second: typed('intrusion', 5_000, 4, '24h'),
      priority: 2,
    },
  ])('$name', ({ first, second, priority }) => {
    const open = newIncident(first, ctx());
    const d = correlate([open], second, ctx());
    const next = d.outcome === 'join' ? d.incident : null;
    // A water alarm is technical: its own incident, so the intrusion stays as it was.
    expect(next?.priority ?? open.priority).toBe(priority);
  });
});
