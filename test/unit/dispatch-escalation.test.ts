/** escalation.ts without a broker, database or timer: due incidents and the time in, actions out. */
import { describe, expect, it } from 'vitest';
import type { Priority } from '../../src/contract/alarm-event.js';
import { workflowDefaults, type Incident, type IncidentStatus } from '../../src/contract/incident.js';
import { dueForEscalation, escalate, planEscalations, type EscalationRules } from '../../src/dispatch/escalation.js';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();

function incident(id: string, o: { status?: IncidentStatus; escalateAt?: number | null; station?: string | null; priority?: Priority } = {}): Incident {
  return {
    drill: false,
    id,
    version: 1,
    siteId: `site-${id}`,
    siteName: 'x',
    kind: 'panic',
    category: 'police',
    priority: o.priority ?? 1,
    priorityReason: 'r',
    priorityReasonZh: 'r',
    status: o.status ?? 'new',
    disposition: null,
    owner: null,
    location: [0, 0],
    gridCellId: null,
    gridCellName: null,
    stationId: 'ps-1',
    responsibleStationId: o.station === undefined ? 'ps-1' : o.station,
    escalationLevel: 0,
    escalateAt: o.escalateAt === null ? null : iso(o.escalateAt ?? NOW),
    repeatOf: null,
    zones: [],
    eventCount: 1,
    openedAt: iso(NOW - 60_000),
    updatedAt: iso(NOW - 60_000),
    lastEventAt: iso(NOW - 60_000),
    closedAt: null,
    timeline: [],
    timelineOmitted: 0,
    media: [],
    ...workflowDefaults(),
  };
}

const TREE: Record<string, string | null> = { 'ps-1': 'city', city: 'province', province: null };
const rules: EscalationRules = {
  ackTimeoutMs: { 1: 60_000, 2: 180_000, 3: 600_000, 4: 3_600_000 },
  stations: { stationParent: (id) => TREE[id] ?? null, stationName: (id) => (id === 'city' ? '市局指挥中心' : null) },
};

describe('which incidents are due', () => {
  it.each([
    { name: 'new, due now', i: incident('a'), due: true },
    { name: 'new, due a second ago', i: incident('a', { escalateAt: NOW - 1000 }), due: true },
    { name: 'new, due in a second', i: incident('a', { escalateAt: NOW + 1000 }), due: false },
    { name: 'new, no clock', i: incident('a', { escalateAt: null }), due: false },
    { name: 'acknowledged, overdue', i: incident('a', { status: 'acknowledged', escalateAt: NOW - 1000 }), due: false },
  ])('$name', ({ i, due }) => {
    expect(dueForEscalation([i], NOW).map((x) => x.id)).toEqual(due ? ['a'] : []);
  });
});

describe('escalate', () => {
  it.each([
    {
      name: 'one tier up, with a higher tier still above: the clock restarts',
      i: incident('a', { station: 'ps-1' }),
      next: { responsibleStationId: 'city', escalationLevel: 1, escalateAt: iso(NOW + 60_000) },
      audit: { actor: 'hub', action: 'escalate', note: 'ps-1 → city' },
      text: '升级上报至 市局指挥中心：60秒未签收 escalated to city: not acknowledged within 60 s',
      escalated: { incident: 'a', site: 'site-a', from: 'ps-1', to: 'city', priority: 1 },
    },
    {
      name: 'up to the top tier: the clock stops; an unnamed station is shown by its id',
      i: incident('a', { station: 'city', escalateAt: NOW - 5000 }),
      next: { responsibleStationId: 'province', escalationLevel: 1, escalateAt: null },
      audit: { action: 'escalate', note: 'city → province' },
      text: '升级上报至 province：65秒未签收 escalated to province: not acknowledged within 65 s',
      escalated: { from: 'city', to: 'province' },
    },
    {
      name: 'already at the top: said once, clock stopped, not counted',
      i: incident('a', { station: 'province' }),
      next: { responsibleStationId: 'province', escalationLevel: 0, escalateAt: null },
      audit: { action: 'escalate_top', note: 'province' },
      text: '未在60秒内签收，已是最高层级 not acknowledged within 60 s; already at the top tier',
      escalated: null,
    },
    {
      name: 'no station at all: treated as the top',
      i: incident('a', { station: null, priority: 2 }),
      next: { responsibleStationId: null, escalateAt: null },
      audit: { action: 'escalate_top', note: null },
      text: '未在180秒内签收，已是最高层级 not acknowledged within 180 s; already at the top tier',
      escalated: null,
    },
  ])('$name', ({ i, next, audit, text, escalated }) => {
    const e = escalate(i, NOW, rules);
    expect(e.next).toMatchObject({ ...next, version: 1 });
    expect(e.audit).toMatchObject({ ...audit, from: 'new', to: 'new' });
    expect(e.next.timeline.at(-1)).toMatchObject({ at: iso(NOW), type: 'escalation', by: 'hub', text });
    if (escalated) expect(e.escalated).toMatchObject(escalated);
    else expect(e.escalated).toBeNull();
  });

  it('plans every due incident and none other', () => {
    const plan = planEscalations([incident('a'), incident('b', { escalateAt: NOW + 1 }), incident('c', { escalateAt: NOW - 1 })], NOW, rules);
    expect(plan.map((p) => p.next.id)).toEqual(['a', 'c']);
  });
});
