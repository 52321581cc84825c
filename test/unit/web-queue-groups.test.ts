/**
 * The console's storm folding (web/src/queue-groups.ts), pure: what an operator reads in the queue
 * when hundreds of panels report the same trouble at once.
 */
import { describe, expect, it } from 'vitest';
import { workflowDefaults, type Incident } from '../../src/contract/incident.js';
import { queueOrder } from '../../src/contract/workflow.js';
import { GROUP_MEMBERS_SHOWN, GROUP_MIN, groupQueue } from '../../web/src/queue-groups.js';

let n = 0;
function incident(over: Partial<Incident>): Incident {
  n++;
  const at = new Date(Date.UTC(2026, 10, 29, 2, 0, n)).toISOString();
  return {
    drill: false,
    id: `i${String(n).padStart(5, '0')}`,
    version: 1,
    siteId: `s${n}`,
    siteName: `站点${n}`,
    kind: 'trouble.ac_loss',
    category: 'technical',
    priority: 4,
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

const sorted = (list: Incident[]): Incident[] => [...list].sort(queueOrder);

describe('storm groups in the queue', () => {
  it('a thousand mains-loss incidents at one station read as one row, and a panic stays on top of its own', () => {
    const storm = Array.from({ length: 1000 }, () => incident({}));
    const panic = incident({ kind: 'panic', category: 'police', priority: 1 });
    const rows = groupQueue(sorted([...storm, panic]), new Set());
    expect(rows.map((r) => r.type)).toEqual(['incident', 'group']);
    expect(rows[0]).toMatchObject({ type: 'incident', incident: { id: panic.id } });
    const g = rows[1]!;
    if (g.type !== 'group') throw new Error('expected a group');
    expect(g.group).toMatchObject({ kind: 'trouble.ac_loss', stationId: 'ps-1', sites: 1000, unacknowledged: 1000, priority: 4 });
    expect(g.group.oldestOpenedAt).toBe(storm[0]!.openedAt);
    expect(g.group.incidents).toHaveLength(1000);
  });

  it('below GROUP_MIN nothing folds; at GROUP_MIN the group appears where its first member stood', () => {
    const p2 = incident({ kind: 'intrusion', category: 'police', priority: 2 });
    const few = Array.from({ length: GROUP_MIN - 1 }, () => incident({}));
    expect(groupQueue(sorted([p2, ...few]), new Set()).every((r) => r.type === 'incident')).toBe(true);
    const one = incident({});
    const rows = groupQueue(sorted([p2, ...few, one]), new Set());
    expect(rows.map((r) => r.type)).toEqual(['incident', 'group']);
  });

  it('groups are per station and per kind; P1s of a kind never fold', () => {
    const a = Array.from({ length: GROUP_MIN }, () => incident({ responsibleStationId: 'ps-a', stationId: 'ps-a' }));
    const b = Array.from({ length: GROUP_MIN }, () => incident({ responsibleStationId: 'ps-b', stationId: 'ps-b' }));
    const fires = Array.from({ length: GROUP_MIN + 5 }, () => incident({ kind: 'fire', category: 'fire', priority: 1 }));
    const rows = groupQueue(sorted([...a, ...b, ...fires]), new Set());
    expect(rows.filter((r) => r.type === 'incident')).toHaveLength(GROUP_MIN + 5);
    expect(rows.filter((r) => r.type === 'group').map((r) => (r.type === 'group' ? r.group.stationId : ''))).toEqual(['ps-a', 'ps-b']);
  });

  it('an expanded group lists its members under it, at most GROUP_MEMBERS_SHOWN, and counts the rest', () => {
    const storm = Array.from({ length: GROUP_MEMBERS_SHOWN + 30 }, (_, k) => incident({ status: k < 10 ? 'acknowledged' : 'new' }));
    const collapsed = groupQueue(sorted(storm), new Set());
    const key = collapsed[0]!.type === 'group' ? collapsed[0]!.group.key : '';
    expect(collapsed[0]).toMatchObject({ group: { unacknowledged: GROUP_MEMBERS_SHOWN + 20 } });
    const rows = groupQueue(sorted(storm), new Set([key]));
    expect(rows).toHaveLength(1 + GROUP_MEMBERS_SHOWN + 1);
    expect(rows[1]).toMatchObject({ type: 'incident', inGroup: key });
    expect(rows.at(-1)).toEqual({ type: 'more', groupKey: key, hidden: 30 });
  });
});

describe('drills fold apart (演练, issue 15)', () => {
  it('a drilled mains loss and a real one at the same station are two group rows, in the console and in the summary', async () => {
    const { summariseQueue } = await import('../../src/dispatch/summary.js');
    const list = [
      ...Array.from({ length: GROUP_MIN }, () => incident({ drill: true })),
      ...Array.from({ length: GROUP_MIN }, () => incident({ drill: false })),
    ].sort(queueOrder);
    const groups = groupQueue(list, new Set()).filter((r) => r.type === 'group');
    expect(groups.map((r) => (r.type === 'group' ? [r.group.drill, r.group.incidents.length] : null)).sort()).toEqual([
      [false, GROUP_MIN],
      [true, GROUP_MIN],
    ]);
    const summary = summariseQueue(list);
    expect(summary.groups.map((g) => [g.drill, g.incidents]).sort()).toEqual([
      [false, GROUP_MIN],
      [true, GROUP_MIN],
    ]);
  });
});
