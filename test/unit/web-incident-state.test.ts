/**
 * The pages' incident state (web/src/incidents.ts) and the workflow words they take from the
 * contract (src/contract/workflow.ts), pure: no browser, no hub.
 */
import { describe, expect, it } from 'vitest';
import { workflowDefaults, type Incident, type IncidentStatus } from '../../src/contract/incident.js';
import { actionApplies, INCIDENT_ACTIONS, type IncidentAction } from '../../src/contract/workflow.js';
import { IncidentState, type Change } from '../../web/src/incidents.js';

function incident(id: string, version: number, over: Partial<Incident> = {}): Incident {
  const at = '2026-11-29T02:00:00.000Z';
  return {
    drill: false,
    id,
    version,
    siteId: 's',
    siteName: 'S',
    kind: 'intrusion',
    category: 'police',
    priority: 2,
    priorityReason: '',
    priorityReasonZh: '',
    status: 'new',
    disposition: null,
    owner: null,
    location: [26.6, 104.8],
    gridCellId: null,
    gridCellName: null,
    stationId: 'ps-1',
    responsibleStationId: 'ps-1',
    escalationLevel: 0,
    escalateAt: null,
    repeatOf: null,
    zones: [],
    eventCount: 1,
    openedAt: at,
    updatedAt: at,
    lastEventAt: at,
    closedAt: null,
    timeline: [],
    timelineOmitted: 0,
    media: [],
    ...workflowDefaults(),
    ...over,
  };
}

describe('IncidentState: every push is the whole incident with a growing version', () => {
  // Each row: the pushes in arrival order, the change each one makes, and what the queue holds after.
  const rows: Array<[string, Incident[], Change[], Array<[string, number]>]> = [
    ['a new incident, then its update', [incident('a', 1), incident('a', 2)], ['new', 'updated'], [['a', 2]]],
    ['an older version after a newer one is ignored', [incident('a', 3), incident('a', 2)], ['new', 'stale'], [['a', 3]]],
    ['the same version twice is ignored', [incident('a', 1), incident('a', 1)], ['new', 'stale'], [['a', 1]]],
    ['closing removes it', [incident('a', 1), incident('a', 2, { status: 'closed' })], ['new', 'closed'], []],
    [
      'a stale open version after the close does not bring it back',
      [incident('a', 1), incident('a', 3, { status: 'closed' }), incident('a', 2)],
      ['new', 'closed', 'stale'],
      [],
    ],
    ['closing one never seen is stale', [incident('a', 5, { status: 'closed' })], ['stale'], []],
    [
      'only an older or equal version of a closed incident is refused',
      [incident('a', 2, { status: 'closed' }), incident('a', 3)],
      ['stale', 'new'],
      [['a', 3]],
    ],
  ];
  it.each(rows)('%s', (_name, pushes, changes, after) => {
    const state = new IncidentState();
    expect(pushes.map((p) => state.apply(p))).toEqual(changes);
    expect(state.sorted().map((i) => [i.id, i.version])).toEqual(after);
  });

  it('a snapshot replaces everything and drops closed incidents', () => {
    const state = new IncidentState();
    state.apply(incident('old', 1));
    state.replaceAll([incident('b', 4), incident('c', 1, { status: 'closed' })]);
    expect(state.sorted().map((i) => i.id)).toEqual(['b']);
    expect(state.apply(incident('b', 3))).toBe('stale');
  });

  it('a snapshot names the open incidents the page did not hold (opened while it was away), so a reconnect can announce them', () => {
    const state = new IncidentState();
    expect(state.replaceAll([incident('a', 1)]).map((i) => i.id)).toEqual(['a']);
    state.apply(incident('a', 2));
    // Away: 'b' opened and 'c' opened and closed; 'a' moved on. Only 'b' is news.
    state.connectionStarted();
    expect(state.replaceAll([incident('a', 5), incident('b', 1), incident('c', 2, { status: 'closed' })]).map((i) => i.id)).toEqual(['b']);
    // A push that overtook the snapshot was announced when it arrived: not news again.
    state.connectionStarted();
    expect(state.apply(incident('d', 1))).toBe('new');
    expect(state.replaceAll([incident('a', 5), incident('b', 1)]).map((i) => i.id)).toEqual([]);
    const held = state.sorted().map((i) => i.id);
    expect(held.sort()).toEqual(['a', 'b', 'd']);
  });

  it('sorts in the contract queue order: most urgent first, then oldest', () => {
    const state = new IncidentState();
    state.replaceAll([
      incident('late-p2', 1, { openedAt: '2026-11-29T02:05:00.000Z' }),
      incident('p1', 1, { priority: 1, openedAt: '2026-11-29T02:09:00.000Z' }),
      incident('early-p2', 1, { openedAt: '2026-11-29T02:01:00.000Z' }),
    ]);
    expect(state.sorted().map((i) => i.id)).toEqual(['p1', 'early-p2', 'late-p2']);
  });
});

describe('actionApplies: the buttons the pages show for each status', () => {
  // Issue 12: no 到场 before 派警, 反馈 once on scene, 转警 before 派警; calls and the guard track while open.
  // make_real (转为真实警情) applies to any open incident; the page offers it on drills only.
  const open = ['call', 'guard_ack', 'guard_onscene', 'guard_verify', 'make_real'] as const;
  const expected: Record<IncidentStatus, IncidentAction[]> = {
    new: ['ack', 'close', 'note', 'handover', 'takeover', 'transfer', ...open],
    acknowledged: ['dispatch', 'close', 'note', 'handover', 'takeover', 'transfer', ...open],
    dispatched: ['onscene', 'close', 'note', 'handover', 'takeover', ...open],
    on_scene: ['feedback', 'close', 'note', 'handover', 'takeover', ...open],
    closed: [],
  };
  it.each(Object.entries(expected))('%s → %j', (status, actions) => {
    expect(INCIDENT_ACTIONS.filter((a) => actionApplies(a, status as IncidentStatus))).toEqual(actions);
  });
});
