/** correlate.ts without a broker, database or timer: incidents and events in, the decision out. */
import { describe, expect, it } from 'vitest';
import { KIND_INFO, type AlarmEvent, type EventKind } from '../../src/contract/alarm-event.js';
import type { Incident, TimelineEntry } from '../../src/contract/incident.js';
import { capTimeline, correlate, newIncident, TIMELINE_MAX, type CorrelationContext } from '../../src/dispatch/correlate.js';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const at = (ms: number): string => new Date(T0 + ms).toISOString();

function event(kind: EventKind, ms = 0, zone: number | null = 1, siteId = 's1'): AlarmEvent {
  return {
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

describe('correlate: join, open or none', () => {
  it.each([
    { name: 'no open incident, an alarm: open', open: null, e: event('intrusion'), outcome: 'open' },
    { name: 'no open incident, arm: none', open: null, e: event('arm', 0, null), outcome: 'none' },
    { name: 'no open incident, disarm: none', open: null, e: event('disarm', 0, null), outcome: 'none' },
    { name: 'no open incident, test: none', open: null, e: event('test', 0, null), outcome: 'none' },
    { name: 'no open incident, a lone restore: none', open: null, e: event('restore'), outcome: 'none' },
    { name: 'within the window: join', open: 'intrusion', e: event('intrusion', 119_000, 2), outcome: 'join' },
    { name: 'exactly at the window: join', open: 'intrusion', e: event('intrusion', 120_000, 2), outcome: 'join' },
    { name: 'after the window, an alarm: open', open: 'intrusion', e: event('intrusion', 121_000), outcome: 'open' },
    { name: 'after the window, a restore: join (annotates)', open: 'smoke', e: event('restore', 3_600_000), outcome: 'join' },
    { name: 'after the window, arm: none', open: 'intrusion', e: event('arm', 121_000, null), outcome: 'none' },
  ] as Array<{ name: string; open: EventKind | null; e: AlarmEvent; outcome: string }>)('$name', ({ open, e, outcome }) => {
    expect(correlate(open ? opened(open) : undefined, e, ctx()).outcome).toBe(outcome);
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
      name: 'a trouble after a panic keeps P1',
      first: 'panic',
      e: event('trouble.low_battery', 10_000, null),
      want: { priority: 1, kind: 'panic', version: 2 },
      priorityLine: false,
    },
    {
      name: 'a fire during a burglary makes it a fire incident, raised to P1',
      first: 'burglary',
      e: event('fire', 10_000, 5),
      want: { kind: 'fire', category: 'fire', priority: 1 },
      priorityLine: true,
    },
    {
      name: 'a restore annotates: no new zone, last event time kept',
      first: 'smoke',
      e: event('restore', 3_600_000, 3),
      want: { zones: [1], lastEventAt: at(0), updatedAt: at(3_600_000), eventCount: 2, status: 'new' },
      priorityLine: false,
    },
  ] as Array<{ name: string; first: EventKind; e: AlarmEvent; want: Partial<Incident>; priorityLine: boolean }>)('$name', (row) => {
    const { first, e, want, priorityLine } = row;
    const c = correlate(opened(first), e, ctx());
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
