/**
 * Folding a storm (issue 7). When the mains fail across a district, a thousand panels report
 * `trouble.ac_loss` within seconds: the hub keeps one open incident per site, and a queue of a
 * thousand identical rows would bury the one panic that matters. So incidents of the same kind and
 * responsible station fold into one group row once there are GROUP_MIN of them — the same key as
 * the hub's `GET /api/incidents/summary` (src/dispatch/summary.ts).
 *
 * P1 incidents never fold: a panic, a duress code or a fire is always a row of its own.
 */
import type { Priority } from '../../src/contract/alarm-event.js';
import type { Incident } from '../../src/contract/incident.js';

/** Open incidents of one kind at one station from which they fold into a group row. */
export const GROUP_MIN = 10;
/** Members listed under an expanded group; the rest are counted (search or the map finds them). */
export const GROUP_MEMBERS_SHOWN = 100;

export interface QueueGroupView {
  key: string;
  kind: Incident['kind'];
  stationId: string | null;
  /** The most urgent member's priority. */
  priority: Priority;
  /** Members in queue order. */
  incidents: Incident[];
  sites: number;
  unacknowledged: number;
  oldestOpenedAt: string;
  /** A group of drill incidents (演练). */
  drill: boolean;
}

export type QueueRow =
  | { type: 'incident'; incident: Incident; inGroup?: string }
  | { type: 'group'; group: QueueGroupView; expanded: boolean }
  | { type: 'more'; groupKey: string; hidden: number };

export function groupKey(i: Incident): string {
  // A drill storm (演练, issue 15) folds apart from a real one of the same kind and station.
  return `${i.kind}@${i.responsibleStationId ?? i.stationId ?? ''}${i.drill ? '@drill' : ''}`;
}

/**
 * Rows for an already sorted queue (queueOrder). A group row stands where its first member would
 * have stood, so the queue's order (priority, then age) still reads top to bottom; an expanded
 * group lists its members right under it.
 */
export function groupQueue(sorted: readonly Incident[], expanded: ReadonlySet<string>, min = GROUP_MIN): QueueRow[] {
  const counts = new Map<string, number>();
  for (const i of sorted) {
    if (i.priority === 1) continue;
    const k = groupKey(i);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const groups = new Map<string, QueueGroupView>();
  for (const i of sorted) {
    if (i.priority === 1) continue;
    const k = groupKey(i);
    if ((counts.get(k) ?? 0) < min) continue;
    let g = groups.get(k);
    if (!g) {
      g = {
        key: k,
        kind: i.kind,
        stationId: i.responsibleStationId ?? i.stationId ?? null,
        priority: i.priority,
        incidents: [],
        sites: 0,
        unacknowledged: 0,
        oldestOpenedAt: i.openedAt,
        drill: i.drill === true,
      };
      groups.set(k, g);
    }
    g.incidents.push(i);
    if (i.status === 'new') g.unacknowledged++;
    if (i.priority < g.priority) g.priority = i.priority;
    if (i.openedAt < g.oldestOpenedAt) g.oldestOpenedAt = i.openedAt;
  }
  for (const g of groups.values()) g.sites = new Set(g.incidents.map((i) => i.siteId)).size;

  const rows: QueueRow[] = [];
  const placed = new Set<string>();
  for (const i of sorted) {
    const g = i.priority === 1 ? undefined : groups.get(groupKey(i));
    if (!g) {
      rows.push({ type: 'incident', incident: i });
      continue;
    }
    if (placed.has(g.key)) continue;
    placed.add(g.key);
    const open = expanded.has(g.key);
    rows.push({ type: 'group', group: g, expanded: open });
    if (!open) continue;
    for (const m of g.incidents.slice(0, GROUP_MEMBERS_SHOWN)) rows.push({ type: 'incident', incident: m, inGroup: g.key });
    if (g.incidents.length > GROUP_MEMBERS_SHOWN) rows.push({ type: 'more', groupKey: g.key, hidden: g.incidents.length - GROUP_MEMBERS_SHOWN });
  }
  return rows;
}
