/** incident-copy.ts: the copy correlation makes per event keeps every field an incident has. */
import { describe, expect, it } from 'vitest';
import type { AlarmEvent } from '../../src/contract/alarm-event.js';
import type { Incident } from '../../src/contract/incident.js';
import { addEvent, newIncident, type CorrelationContext } from '../../src/dispatch/correlate.js';
import { copyIncident } from '../../src/dispatch/incident-copy.js';
import { forPush, PUSHED_TIMELINE_ENTRIES } from '../../src/api/socket/snapshot.js';

const ctx: CorrelationContext = {
  armed: null,
  night: false,
  repeatWindowMs: 30 * 60_000,
  naming: { siteName: () => '站点1', cellName: () => '网格1' },
};

function event(n: number): AlarmEvent {
  const at = new Date(Date.UTC(2026, 11, 3, 8, 0, n)).toISOString();
  return {
    id: `e${n}`,
    siteId: 's1',
    deviceId: 'panel',
    kind: 'intrusion',
    category: 'police',
    zone: 1,
    zoneName: '前门',
    occurredAt: at,
    receivedAt: at,
    location: [26.6, 104.8],
    gridCellId: 'c1',
    stationId: 'ps-1',
    detail: null,
    profile: 'native',
    topic: 't',
    raw: '{}',
    dedupeKey: `k${n}`,
    drill: false,
  };
}

describe('copyIncident', () => {
  it('is a new object equal to the incident, with the same JSON (stored and pushed alike)', () => {
    const i = { ...newIncident(event(0), ctx), number: 'PS1-20261203-0001' };
    const c = copyIncident(i);
    expect(c).not.toBe(i);
    expect(c).toEqual(i);
    expect(JSON.stringify(c)).toBe(JSON.stringify(i));
  });

  it('keeps the JSON of an incident stored before newer optional fields existed', () => {
    const { priorityReasonCode: _c, priorityReasonParams: _p, ...old } = newIncident(event(0), ctx);
    expect(JSON.stringify(copyIncident(old as Incident))).toBe(JSON.stringify(old));
  });

  it('copies a field the Incident type does not list (added by another change, or by an older hub)', () => {
    const i = { ...newIncident(event(0), ctx), drill: true, futureField: { a: 1 } } as Incident;
    expect(copyIncident(i)).toEqual(i);
  });

  it('an event joining an incident leaves the previous version as it was', () => {
    const first = newIncident(event(0), ctx);
    const before = JSON.stringify(first);
    const next = addEvent(first, event(1), ctx);
    expect(JSON.stringify(first)).toBe(before);
    expect(next.version).toBe(first.version + 1);
    expect(next.timeline).toHaveLength(first.timeline.length + 1);
    expect(next.eventCount).toBe(2);
  });

  it('a push carries the latest timeline entries and counts the rest as omitted; the incident is untouched', () => {
    let i = newIncident(event(0), ctx);
    for (let n = 1; n <= 10; n++) i = addEvent(i, event(n), ctx);
    const before = JSON.stringify(i);
    const pushed = forPush(i);
    expect(pushed.timeline).toEqual(i.timeline.slice(-PUSHED_TIMELINE_ENTRIES));
    expect(pushed.timelineOmitted).toBe(i.timelineOmitted + i.timeline.length - PUSHED_TIMELINE_ENTRIES);
    expect({ ...pushed, timeline: i.timeline, timelineOmitted: i.timelineOmitted }).toEqual(i);
    expect(JSON.stringify(i)).toBe(before);
  });
});
