/**
 * Filters and sort orders of the console's queue (issue 13), pure: which open incidents the
 * operator asked to see, and in what order. The page never persists a filter: after a reload the
 * operator sees the whole queue again, and while a filter hides a P1 the queue says so (hiddenUrgent).
 */
import type { Category, Priority } from '../../src/contract/alarm-event.js';
import type { Incident, IncidentStatus } from '../../src/contract/incident.js';
import { queueOrder } from '../../src/contract/workflow.js';

export interface QueueFilter {
  priority: Priority | null;
  category: Category | null;
  /** An open status (closed incidents leave the queue). */
  status: Exclude<IncidentStatus, 'closed'> | null;
  /** The responsible station (after escalation or transfer), as in the station column. */
  station: string | null;
  /** Only incidents this operator owns (签收人 = me). */
  mine: boolean;
  /** Only incidents nobody has acknowledged yet (待受理). */
  unacknowledged: boolean;
}

/** `priority`: the 110 default, most urgent first then oldest; `age`: oldest first; `station`: by station name, then the 110 order. */
export const QUEUE_SORTS = ['priority', 'age', 'station'] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];

export const NO_FILTER: Readonly<QueueFilter> = { priority: null, category: null, status: null, station: null, mine: false, unacknowledged: false };

/** The station an incident is with now: the one that must act, else its cell's. */
export function stationOf(i: Pick<Incident, 'responsibleStationId' | 'stationId'>): string | null {
  return i.responsibleStationId ?? i.stationId ?? null;
}

export function isFiltering(f: QueueFilter): boolean {
  return f.priority !== null || f.category !== null || f.status !== null || f.station !== null || f.mine || f.unacknowledged;
}

export function matches(i: Incident, f: QueueFilter, me: string): boolean {
  if (f.priority !== null && i.priority !== f.priority) return false;
  if (f.category !== null && i.category !== f.category) return false;
  if (f.status !== null && i.status !== f.status) return false;
  if (f.station !== null && stationOf(i) !== f.station) return false;
  if (f.mine && i.owner !== me) return false;
  if (f.unacknowledged && i.status !== 'new') return false;
  return true;
}

/**
 * The incidents to show, in the chosen order. `stationName` words a station id for the station sort
 * (ids sort by the name the operator reads, in zh-CN collation).
 */
export function viewQueue(list: readonly Incident[], f: QueueFilter, sort: QueueSort, me: string, stationName: (id: string | null) => string): Incident[] {
  const shown = list.filter((i) => matches(i, f, me));
  if (sort === 'age') return shown.sort((a, b) => (a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : queueOrder(a, b)));
  if (sort === 'station') {
    const names = new Map<string | null, string>();
    const nameOf = (i: Incident): string => {
      const id = stationOf(i);
      let n = names.get(id);
      if (n === undefined) {
        n = stationName(id);
        names.set(id, n);
      }
      return n;
    };
    return shown.sort((a, b) => nameOf(a).localeCompare(nameOf(b), 'zh-CN') || queueOrder(a, b));
  }
  return shown.sort(queueOrder);
}

/** P1 incidents the filter hides: the queue warns about them, so a filter never buries a panic. */
export function hiddenUrgent(list: readonly Incident[], f: QueueFilter, me: string): number {
  let n = 0;
  for (const i of list) if (i.priority === 1 && !matches(i, f, me)) n++;
  return n;
}

/** More than one station among the incidents: the queue then shows a station column. */
export function spansStations(list: readonly Incident[]): boolean {
  let first: string | null | undefined;
  for (const i of list) {
    const s = stationOf(i);
    if (first === undefined) first = s;
    else if (s !== first) return true;
  }
  return false;
}

/**
 * A station's name as the narrow station column shows it: without the issuing bureau in front
 * (钟山分局荷城派出所 → 荷城派出所, 六盘水市公安局110指挥中心 → 110指挥中心), which every station of a
 * district shares. The full name stays in the cell's title and in the station filter.
 */
export function shortStationName(name: string): string {
  const m = /^.+?(?:公安局|分局)(.{2,})$/.exec(name);
  return m ? m[1]! : name;
}
