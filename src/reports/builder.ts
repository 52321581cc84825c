/**
 * Reading and aggregating a report (issue 14): the store's report queries in, the pure builders
 * run, a report out. No writes and no clock of its own, so the same code runs on the hub's thread
 * (the daily report it stores, the CLI, `:memory:` databases) and in the report worker on a
 * read-only connection (report-worker.ts), which keeps the hub acknowledging alarms meanwhile.
 */
import type { Config, ReportsSettings } from '../config/model.js';
import type {
  AnyReport,
  BulletinPeriod,
  BulletinReport,
  DailyReport,
  DeviceQualityReport,
  MonthlyReport,
  ReportScope,
  ResponseReport,
} from '../contract/reports.js';
import type { ReportReads, ReportWindow } from '../store/index.js';
import { loadBulletinAdvice } from './advice.js';
import { buildBulletin } from './bulletin.js';
import { buildDaily } from './daily.js';
import { buildDevices } from './devices.js';
import { buildMonthly } from './monthly.js';
import { buildResponse } from './response.js';
import { roadOf } from './road.js';
import { addDays, addMonths, dayWindow, localDate, mondayOf, monthWindow, type Window } from './time.js';

export const DEFAULT_REPORT_SETTINGS: ReportsSettings = {
  dailyAtMinute: 8 * 60,
  ackWithinSeconds: 30,
  onSceneWithinSeconds: [300, 600, 900],
  bulletinAdvice: 'config/bulletin-advice.yaml',
  notifyChannels: [],
};

/** The part of the config a report reads: small enough to hand to the worker (structured clone). */
export interface ReportConfig {
  hub: Pick<Config['hub'], 'triage' | 'reports'>;
  stations: Config['stations'];
  cells: Config['cells'];
  sites: Config['sites'];
}

/** The report slice of a config (what is sent to the worker when the config changes). */
export function reportConfigOf(c: ReportConfig): ReportConfig {
  return { hub: { triage: c.hub.triage, reports: c.hub.reports }, stations: c.stations, cells: c.cells, sites: c.sites };
}

/** Which stations a report covers: null for all; `station` the one asked for (`?station=`). */
export interface ReportTarget {
  stationIds: string[] | null;
  station: string | null;
}

export const WHOLE_DISTRICT: ReportTarget = { stationIds: null, station: null };

export interface ReportBuilderOptions {
  reads: ReportReads;
  /** The report's `generatedAt` and the default date/month, ms. */
  now: () => number;
  rootDir: string;
  config: () => ReportConfig;
  /** A problem worth the log that does not stop the report (the bulletin's advice file). */
  warn: (detail: Record<string, unknown>, message: string) => void;
}

export class ReportBuilder {
  constructor(private readonly o: ReportBuilderOptions) {}

  get zone(): string {
    return this.o.config().hub.triage.timezone;
  }

  get settings(): ReportsSettings {
    return this.o.config().hub.reports ?? DEFAULT_REPORT_SETTINGS;
  }

  private now(): string {
    return new Date(this.o.now()).toISOString();
  }

  /** Yesterday and last month on the centre's clock: the defaults of `?date=` and `?month=`. */
  defaultDate(): string {
    return addDays(localDate(this.o.now(), this.zone), -1);
  }

  defaultMonth(): string {
    return addMonths(localDate(this.o.now(), this.zone).slice(0, 7), -1);
  }

  private scopeOf(t: ReportTarget): ReportScope {
    return { stationIds: t.stationIds, station: t.station };
  }

  private win(w: Window, t: ReportTarget): ReportWindow {
    return { sinceMs: w.sinceMs, untilMs: w.untilMs, stationIds: t.stationIds };
  }

  /** Stations and cells in scope, in file order (city-tier stations hold no cells of their own). */
  private inScope(t: ReportTarget) {
    const cfg = this.o.config();
    const seen = (id: string | null | undefined): boolean => t.stationIds === null || (!!id && t.stationIds.includes(id));
    return {
      stations: cfg.stations.filter((s) => s.tier !== 'city' && seen(s.id)).map((s) => ({ id: s.id, name: s.name })),
      cells: cfg.cells.filter((c) => seen(c.station) || seen(c.post)),
    };
  }

  async daily(date: string, t: ReportTarget): Promise<DailyReport> {
    const zone = this.zone;
    const day = async (d: string) => {
      const window = dayWindow(d, zone);
      return { window, incidents: await this.o.reads.reports.activeIn(this.win(window, t)) };
    };
    const { stations, cells } = this.inScope(t);
    const generatedAt = this.now();
    const [today, previousDay, sameDayLastWeek] = await Promise.all([day(date), day(addDays(date, -1)), day(addDays(date, -7))]);
    return buildDaily({
      date,
      timezone: zone,
      generatedAt,
      scope: this.scopeOf(t),
      natures: this.o.config().hub.triage.natures.map((n) => n.code),
      stations,
      cells,
      day: today,
      previousDay,
      sameDayLastWeek,
    });
  }

  async monthly(month: string, t: ReportTarget): Promise<MonthlyReport> {
    const zone = this.zone;
    const window = monthWindow(month, zone);
    const opened = (m: string) => this.o.reads.reports.openedIn(this.win(monthWindow(m, zone), t));
    const generatedAt = this.now();
    const [incidents, previousMonth, sameMonthLastYear] = await Promise.all([
      this.o.reads.reports.openedIn(this.win(window, t)),
      opened(addMonths(month, -1)),
      opened(addMonths(month, -12)),
    ]);
    return buildMonthly({
      month,
      timezone: zone,
      generatedAt,
      scope: this.scopeOf(t),
      window,
      cells: this.inScope(t).cells,
      incidents,
      previousMonth,
      sameMonthLastYear,
    });
  }

  async response(month: string, t: ReportTarget): Promise<ResponseReport> {
    const zone = this.zone;
    const window = monthWindow(month, zone);
    const yearWindow = { sinceMs: monthWindow(addMonths(month, -11), zone).sinceMs, untilMs: window.untilMs };
    const generatedAt = this.now();
    const year = await this.o.reads.reports.openedIn(this.win(yearWindow, t));
    const s = this.settings;
    return buildResponse({
      month,
      timezone: zone,
      generatedAt,
      scope: this.scopeOf(t),
      window,
      standards: { ackSeconds: s.ackWithinSeconds, onSceneSeconds: s.onSceneWithinSeconds },
      stations: this.inScope(t).stations,
      incidents: year.filter((i) => i.openedMs >= window.sinceMs),
      year,
    });
  }

  async devices(month: string, t: ReportTarget): Promise<DeviceQualityReport> {
    const window = monthWindow(month, this.zone);
    const w = this.win(window, t);
    const cfg = this.o.config();
    const seen = (id: string | null): boolean => t.stationIds === null || (!!id && t.stationIds.includes(id));
    const sites = cfg.sites
      .filter((s) => seen(s.stationId))
      .map((s) => ({ id: s.id, name: s.name, stationId: s.stationId, deviceIds: s.devices.map((d) => d.id) }));
    const generatedAt = this.now();
    const [stateRows, alarms, offline, incidents] = await Promise.all([
      this.o.reads.deviceState.all(),
      this.o.reads.reports.alarmEventsByDevice(w),
      this.o.reads.reports.offlineEventsByDevice(w),
      this.o.reads.reports.activeIn(w),
    ]);
    const states = new Map(
      stateRows.map((r) => [r.deviceId, { availability: r.availability, lastSeenMs: r.lastSeenMs, testMissed: !!r.supervision?.testMissedRaisedMs }] as const),
    );
    return buildDevices({
      month,
      timezone: this.zone,
      generatedAt,
      scope: this.scopeOf(t),
      window,
      sites,
      alarms,
      offline,
      states,
      incidents,
    });
  }

  /** Communities (grids.geojson `community`) with a cell in scope. */
  communities(t: ReportTarget): string[] {
    return [...new Set(this.inScope(t).cells.map((c) => c.community))];
  }

  /** The bulletin of a community in scope; undefined when it has no cell in scope. */
  async bulletin(community: string, period: BulletinPeriod, date: string, t: ReportTarget): Promise<BulletinReport | undefined> {
    const cells = this.inScope(t).cells.filter((c) => c.community === community);
    if (cells.length === 0) return undefined;
    const zone = this.zone;
    const firstDay = period === 'week' ? mondayOf(date) : `${date.slice(0, 7)}-01`;
    const lastDay = period === 'week' ? addDays(firstDay, 6) : addDays(`${addMonths(date.slice(0, 7), 1)}-01`, -1);
    const window = { sinceMs: dayWindow(firstDay, zone).sinceMs, untilMs: dayWindow(lastDay, zone).untilMs };
    const prevFirst = period === 'week' ? addDays(firstDay, -7) : `${addMonths(date.slice(0, 7), -1)}-01`;
    const previousWindow = { sinceMs: dayWindow(prevFirst, zone).sinceMs, untilMs: window.sinceMs };
    const cellIds = new Set(cells.map((c) => c.id));
    const ofCells = async (w: Window) =>
      (await this.o.reads.reports.openedIn(this.win(w, t))).filter((i) => i.gridCellId !== null && cellIds.has(i.gridCellId));
    const generatedAt = this.now();
    const [incidents, previous] = await Promise.all([ofCells(window), ofCells(previousWindow)]);
    const cfg = this.o.config();
    const roads = new Map<string, string | null>();
    for (const s of cfg.sites) if (s.gridCellId && cellIds.has(s.gridCellId)) roads.set(s.id, roadOf(s.address));
    const advice = loadBulletinAdvice(this.o.rootDir, this.settings.bulletinAdvice);
    if (advice.problem) this.o.warn({ problem: advice.problem }, 'bulletin advice not read; the bulletin goes out without advice');
    return buildBulletin({
      community,
      period,
      timezone: zone,
      generatedAt,
      scope: this.scopeOf(t),
      firstDay,
      lastDay,
      window,
      cells: cells.map((c) => ({ id: c.id, name: c.name })),
      natures: cfg.hub.triage.natures,
      advice: advice.advice,
      roads,
      incidents,
      previous,
    });
  }
}

/** One report asked for: what the REST handlers hand to the worker (plain data, structured-clonable). */
export type ReportRequest =
  | { kind: 'daily'; date: string; target: ReportTarget }
  | { kind: 'monthly' | 'response' | 'devices'; month: string; target: ReportTarget }
  | { kind: 'bulletin'; community: string; period: BulletinPeriod; date: string; target: ReportTarget };

/** The report of a request; undefined for a bulletin of a community with no cell in scope. */
export function runRequest(b: ReportBuilder, r: ReportRequest): Promise<AnyReport | undefined> {
  switch (r.kind) {
    case 'daily':
      return b.daily(r.date, r.target);
    case 'monthly':
      return b.monthly(r.month, r.target);
    case 'response':
      return b.response(r.month, r.target);
    case 'devices':
      return b.devices(r.month, r.target);
    case 'bulletin':
      return b.bulletin(r.community, r.period, r.date, r.target);
  }
}
