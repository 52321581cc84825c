/**
 * The monthly analysis per grid cell, pure: counts by category per cell against the previous
 * month and the same month last year, the hour-of-day and day-of-week distributions, the top
 * sites, the heat map of real incidents and patrol suggestions in words (as codes).
 */
import type { Category } from '../contract/alarm-event.js';
import type { MonthlyCellRow, MonthlyReport, PatrolSuggestion, ReportScope, TopSite } from '../contract/reports.js';
import type { ReportIncident } from '../store/index.js';
import { zeroCategories } from './daily.js';
import { splitExcluded } from './exclusion.js';
import { localDate, localHour, type Window, weekdayOf } from './time.js';

export interface MonthlyInput {
  month: string;
  timezone: string;
  generatedAt: string;
  scope: ReportScope;
  window: Window;
  cells: ReadonlyArray<{ id: string; name: string; community: string; station: string }>;
  /** Incidents opened in the month, the month before, and the same month a year before. */
  incidents: readonly ReportIncident[];
  previousMonth: readonly ReportIncident[];
  sameMonthLastYear: readonly ReportIncident[];
  topSites?: number;
}

/** Adds one at `index` (the arrays are pre-sized, so the slot exists). */
const bump = (a: number[], index: number): void => {
  a[index] = (a[index] ?? 0) + 1;
};

const change = (now: number, before: number): number | null => (before === 0 ? null : Math.round(((now - before) / before) * 1000) / 1000);

function countByCell(list: readonly ReportIncident[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of list) m.set(i.gridCellId ?? '', (m.get(i.gridCellId ?? '') ?? 0) + 1);
  return m;
}

/** The widest run of `width` consecutive hours (wrapping midnight) with the most incidents. */
function busiestHours(hours: readonly number[], width: number): { from: number; count: number } {
  let best = { from: 0, count: -1 };
  for (let from = 0; from < 24; from++) {
    let count = 0;
    for (let k = 0; k < width; k++) count += hours[(from + k) % 24] ?? 0;
    // On a tie, the run that starts at a busy hour ("10:00–13:00" for incidents at 10:00, not "08:00–11:00").
    const startsBusier = count === best.count && (hours[from] ?? 0) > (hours[best.from] ?? 0);
    if (count > best.count || startsBusier) best = { from, count };
  }
  return best;
}

export function buildMonthly(input: MonthlyInput): MonthlyReport {
  const { counted, excluded } = splitExcluded(input.incidents);
  const previous = splitExcluded(input.previousMonth).counted;
  const lastYear = splitExcluded(input.sameMonthLastYear).counted;
  const zone = input.timezone;

  const hourAll = new Array<number>(24).fill(0);
  const hourReal = new Array<number>(24).fill(0);
  const dowAll = new Array<number>(7).fill(0);
  const dowReal = new Array<number>(7).fill(0);
  /** Per cell: real incidents by local hour and weekday, for the suggestions. */
  const cellHours = new Map<string, number[]>();
  const cellDays = new Map<string, number[]>();
  const cells = new Map<string, MonthlyCellRow>();
  const sites = new Map<string, TopSite>();
  const heat: MonthlyReport['heat'] = [];
  let real = 0;
  let falseAlarms = 0;

  const cellRow = (id: string): MonthlyCellRow => {
    let row = cells.get(id);
    if (!row) {
      const c = input.cells.find((x) => x.id === id);
      row = {
        cellId: id,
        cellName: c?.name ?? id,
        community: c?.community ?? '',
        stationId: c?.station ?? '',
        byCategory: zeroCategories(),
        total: 0,
        real: 0,
        falseAlarms: 0,
        previousMonth: 0,
        sameMonthLastYear: 0,
        changeVsPreviousMonth: null,
        changeVsLastYear: null,
      };
      cells.set(id, row);
    }
    return row;
  };

  for (const i of counted) {
    const hour = localHour(i.openedMs, zone);
    const dow = weekdayOf(localDate(i.openedMs, zone));
    const isReal = i.disposition === 'real';
    const isFalse = i.disposition === 'false';
    bump(hourAll, hour);
    bump(dowAll, dow);
    const cellId = i.gridCellId ?? '';
    const row = cellRow(cellId);
    row.total++;
    if (i.category in row.byCategory) row.byCategory[i.category as Category]++;
    let site = sites.get(i.siteId);
    if (!site) {
      site = { siteId: i.siteId, siteName: i.siteName, cellId: i.gridCellId, incidents: 0, alarmEvents: 0, real: 0, falseAlarms: 0 };
      sites.set(i.siteId, site);
    }
    site.incidents++;
    site.alarmEvents += i.eventCount;
    if (isFalse) {
      falseAlarms++;
      row.falseAlarms++;
      site.falseAlarms++;
    }
    if (isReal) {
      real++;
      row.real++;
      site.real++;
      bump(hourReal, hour);
      bump(dowReal, dow);
      heat.push({ location: [i.lat, i.lng], cellId: i.gridCellId });
      const h = cellHours.get(cellId) ?? new Array<number>(24).fill(0);
      bump(h, hour);
      cellHours.set(cellId, h);
      const d = cellDays.get(cellId) ?? new Array<number>(7).fill(0);
      bump(d, dow);
      cellDays.set(cellId, d);
    }
  }
  const prevByCell = countByCell(previous);
  const lastYearByCell = countByCell(lastYear);
  // A cell with alarms only in a comparison month still gets its row (it went quiet: worth seeing).
  for (const id of [...prevByCell.keys(), ...lastYearByCell.keys()]) cellRow(id);
  for (const row of cells.values()) {
    row.previousMonth = prevByCell.get(row.cellId) ?? 0;
    row.sameMonthLastYear = lastYearByCell.get(row.cellId) ?? 0;
    row.changeVsPreviousMonth = change(row.total, row.previousMonth);
    row.changeVsLastYear = change(row.total, row.sameMonthLastYear);
  }
  const byCell = [...cells.values()].sort((a, b) => b.total - a.total || b.real - a.real || a.cellId.localeCompare(b.cellId));
  const topSites = [...sites.values()]
    .sort((a, b) => b.incidents - a.incidents || b.alarmEvents - a.alarmEvents || a.siteId.localeCompare(b.siteId))
    .slice(0, input.topSites ?? 10);

  return {
    kind: 'monthly',
    timezone: zone,
    from: new Date(input.window.sinceMs).toISOString(),
    to: new Date(input.window.untilMs).toISOString(),
    generatedAt: input.generatedAt,
    scope: input.scope,
    excluded,
    month: input.month,
    totals: { received: counted.length, real, falseAlarms, previousMonth: previous.length, sameMonthLastYear: lastYear.length },
    byCell,
    hourOfDay: { all: hourAll, real: hourReal },
    dayOfWeek: { all: dowAll, real: dowReal },
    topSites,
    heat,
    suggestions: patrolSuggestions(byCell, cellHours, cellDays),
  };
}

/** Patrol where and when real incidents cluster: the three cells with the most, each with its busiest 3-hour run and weekday. */
export function patrolSuggestions(
  byCell: readonly MonthlyCellRow[],
  cellHours: ReadonlyMap<string, number[]>,
  cellDays: ReadonlyMap<string, number[]>,
): PatrolSuggestion[] {
  const ranked = byCell.filter((c) => c.real > 0 && c.cellId !== '').sort((a, b) => b.real - a.real || a.cellId.localeCompare(b.cellId));
  if (ranked.length === 0) return [{ code: 'patrol.none', params: {} }];
  const out: PatrolSuggestion[] = [];
  for (const c of ranked.slice(0, 3)) {
    const hours = busiestHours(cellHours.get(c.cellId) ?? [], 3);
    out.push({
      code: 'patrol.cell_hours',
      params: { cellId: c.cellId, cellName: c.cellName, fromHour: hours.from, toHour: (hours.from + 3) % 24, count: hours.count },
    });
    const days = cellDays.get(c.cellId) ?? [];
    const weekday = days.indexOf(Math.max(...days));
    if (weekday >= 0 && (days[weekday] ?? 0) > 1) {
      out.push({ code: 'patrol.cell_weekday', params: { cellId: c.cellId, cellName: c.cellName, weekday, count: days[weekday] ?? 0 } });
    }
  }
  return out;
}
