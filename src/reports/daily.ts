/**
 * The daily 三个一通报 (每日接出警 · 每日发案 · 每日警情), pure: incidents in, figures out. Which day
 * an incident counts on: 接警 by when it opened, 出警 by when it was dispatched, 发案 / 误报 / other
 * closes by when it closed, "open" by 24:00. Each of the three days (the day, the day before, the
 * same day last week) is given its own list of incidents (the store's `activeIn` of that day).
 */
import type { Category, EventKind } from '../contract/alarm-event.js';
import type { DailyCellRow, DailyCompared, DailyCounts, DailyFigures, DailyReport, DailyStationRow, ReportScope } from '../contract/reports.js';
import type { ReportIncident } from '../store/index.js';
import { splitExcluded } from './exclusion.js';
import type { Window } from './time.js';

export const CATEGORIES: readonly Category[] = ['police', 'fire', 'traffic', 'medical', 'technical'];

export const zeroCategories = (): Record<Category, number> => ({ police: 0, fire: 0, traffic: 0, medical: 0, technical: 0 });

/** The nature code an uncategorised real close is counted under. */
export const UNKNOWN_NATURE = 'unknown';

export interface DayIncidents {
  window: Window;
  incidents: readonly ReportIncident[];
}

export interface DailyInput {
  date: string;
  timezone: string;
  generatedAt: string;
  scope: ReportScope;
  /** hub.yaml `triage.natures` codes, in order: every one gets a (possibly zero) 发案 figure. */
  natures: readonly string[];
  /** Stations in scope, in the order the report lists them. */
  stations: ReadonlyArray<{ id: string; name: string }>;
  cells: ReadonlyArray<{ id: string; name: string; community: string; station: string }>;
  day: DayIncidents;
  previousDay: DayIncidents;
  sameDayLastWeek: DayIncidents;
}

const inWindow = (ms: number | null, w: Window): boolean => ms !== null && ms >= w.sinceMs && ms < w.untilMs;
const openAtEnd = (i: ReportIncident, w: Window): boolean => i.openedMs < w.untilMs && (i.closedMs === null || i.closedMs >= w.untilMs);

/** The full figures of one day over incidents already cleared of excluded ones. */
export function dayFigures(incidents: readonly ReportIncident[], w: Window, natures: readonly string[]): DailyFigures {
  const f: DailyFigures = {
    received: 0,
    alarmEvents: 0,
    receivedByCategory: zeroCategories(),
    receivedByKind: {},
    dispatched: 0,
    units: 0,
    cases: 0,
    casesByNature: Object.fromEntries(natures.map((n) => [n, 0])),
    falseAlarms: 0,
    duplicates: 0,
    cancelled: 0,
    openAtEnd: 0,
  };
  const units = new Set<string>();
  for (const i of incidents) {
    if (inWindow(i.openedMs, w)) {
      f.received++;
      f.alarmEvents += i.eventCount;
      if (i.category in f.receivedByCategory) f.receivedByCategory[i.category as Category]++;
      const kind = i.kind as EventKind;
      f.receivedByKind[kind] = (f.receivedByKind[kind] ?? 0) + 1;
    }
    if (inWindow(i.dispatchedMs, w)) {
      f.dispatched++;
      if (i.unitId) units.add(i.unitId);
    }
    if (inWindow(i.closedMs, w)) {
      if (i.disposition === 'real') {
        f.cases++;
        const n = i.nature ?? UNKNOWN_NATURE;
        f.casesByNature[n] = (f.casesByNature[n] ?? 0) + 1;
      } else if (i.disposition === 'false') f.falseAlarms++;
      else if (i.disposition === 'duplicate') f.duplicates++;
      else if (i.disposition === 'cancelled') f.cancelled++;
    }
    if (openAtEnd(i, w)) f.openAtEnd++;
  }
  f.units = units.size;
  return f;
}

export function countsOf(f: DailyFigures): DailyCounts {
  return { received: f.received, dispatched: f.dispatched, cases: f.cases, falseAlarms: f.falseAlarms, openAtEnd: f.openAtEnd };
}

/** Groups incidents by a key and gives each group's counts for one day. */
function countsBy(incidents: readonly ReportIncident[], w: Window, key: (i: ReportIncident) => string): Map<string, DailyCounts> {
  const groups = new Map<string, ReportIncident[]>();
  for (const i of incidents) {
    const k = key(i);
    const list = groups.get(k);
    if (list) list.push(i);
    else groups.set(k, [i]);
  }
  const out = new Map<string, DailyCounts>();
  for (const [k, list] of groups) out.set(k, countsOf(dayFigures(list, w, [])));
  return out;
}

const ZERO: DailyCounts = { received: 0, dispatched: 0, cases: 0, falseAlarms: 0, openAtEnd: 0 };
const isZero = (c: DailyCounts): boolean => Object.values(c).every((v) => v === 0);

export function buildDaily(input: DailyInput): DailyReport {
  const days = { day: input.day, previousDay: input.previousDay, sameDayLastWeek: input.sameDayLastWeek } as const;
  const split = {
    day: splitExcluded(days.day.incidents),
    previousDay: splitExcluded(days.previousDay.incidents),
    sameDayLastWeek: splitExcluded(days.sameDayLastWeek.incidents),
  };
  const figures: DailyCompared<DailyFigures> = {
    day: dayFigures(split.day.counted, days.day.window, input.natures),
    previousDay: dayFigures(split.previousDay.counted, days.previousDay.window, input.natures),
    sameDayLastWeek: dayFigures(split.sameDayLastWeek.counted, days.sameDayLastWeek.window, input.natures),
  };
  const compared = (key: (i: ReportIncident) => string) => ({
    day: countsBy(split.day.counted, days.day.window, key),
    previousDay: countsBy(split.previousDay.counted, days.previousDay.window, key),
    sameDayLastWeek: countsBy(split.sameDayLastWeek.counted, days.sameDayLastWeek.window, key),
  });
  const pick = (m: ReturnType<typeof compared>, k: string): DailyCompared<DailyCounts> => ({
    day: m.day.get(k) ?? ZERO,
    previousDay: m.previousDay.get(k) ?? ZERO,
    sameDayLastWeek: m.sameDayLastWeek.get(k) ?? ZERO,
  });
  const anyFigure = (c: DailyCompared<DailyCounts>): boolean => !isZero(c.day) || !isZero(c.previousDay) || !isZero(c.sameDayLastWeek);

  const byStationMap = compared((i) => i.stationId ?? '');
  const byStation: DailyStationRow[] = input.stations.map((s) => ({ stationId: s.id, stationName: s.name, ...pick(byStationMap, s.id) }));
  const noStation = pick(byStationMap, '');
  if (anyFigure(noStation)) byStation.push({ stationId: '', stationName: '', ...noStation });

  const byCellMap = compared((i) => i.gridCellId ?? '');
  const byCell: DailyCellRow[] = [];
  for (const c of input.cells) {
    const row = pick(byCellMap, c.id);
    if (anyFigure(row)) byCell.push({ cellId: c.id, cellName: c.name, community: c.community, stationId: c.station, ...row });
  }
  const noCell = pick(byCellMap, '');
  if (anyFigure(noCell)) byCell.push({ cellId: '', cellName: '', community: '', stationId: '', ...noCell });

  return {
    kind: 'daily',
    timezone: input.timezone,
    from: new Date(days.day.window.sinceMs).toISOString(),
    to: new Date(days.day.window.untilMs).toISOString(),
    generatedAt: input.generatedAt,
    scope: input.scope,
    excluded: split.day.excluded,
    date: input.date,
    figures,
    excludedCompared: { previousDay: split.previousDay.excluded, sameDayLastWeek: split.sameDayLastWeek.excluded },
    byStation,
    byCell,
  };
}
