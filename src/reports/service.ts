/**
 * The reports shell (issue 14): reads the store and the config, runs the pure builders, stores the
 * daily report once at `reports.daily_at` and sends it. Scope comes in resolved (which stations);
 * the API and the CLI decide it from the principal or the command line.
 */
import { createHash } from 'node:crypto';
import { descendants } from '../auth/scope.js';
import type { Config, ReportsSettings } from '../config/model.js';
import type { AlertMessage } from '../notify/message.js';
import type {
  BulletinPeriod,
  BulletinReport,
  DailyReport,
  DeviceQualityReport,
  MonthlyReport,
  ReportScope,
  ResponseReport,
  StoredDailyReport,
  StoredDailySummary,
} from '../contract/reports.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { ReportWindow, Store, StoredDailyRow } from '../store/index.js';
import { loadBulletinAdvice } from './advice.js';
import { buildBulletin } from './bulletin.js';
import { buildDaily } from './daily.js';
import { buildDevices } from './devices.js';
import { buildMonthly } from './monthly.js';
import { buildResponse } from './response.js';
import { roadOf } from './road.js';
import { localParts } from '../contract/local-time.js';
import { addDays, addMonths, dayWindow, localDate, mondayOf, monthWindow, type Window } from './time.js';

export const DEFAULT_REPORT_SETTINGS: ReportsSettings = {
  dailyAtMinute: 8 * 60,
  ackWithinSeconds: 30,
  onSceneWithinSeconds: [300, 600, 900],
  bulletinAdvice: 'config/bulletin-advice.yaml',
  notifyChannels: [],
};

/** Which stations a report covers: null for all; `station` the one asked for (`?station=`). */
export interface ReportTarget {
  stationIds: string[] | null;
  station: string | null;
}

export const WHOLE_DISTRICT: ReportTarget = { stationIds: null, station: null };

export interface ReportServiceOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  rootDir: string;
  config: () => Config;
  /** Where the daily report is sent (the notifier); absent: not sent. */
  send?: (key: string, channelIds: readonly string[], message: AlertMessage) => number;
}

/** The daily report due at `nowMs`: the day before, once the local clock has passed `daily_at`. */
export function dailyDue(nowMs: number, zone: string, dailyAtMinute: number): string | null {
  const p = localParts(nowMs, zone);
  const minute = Number(p.hour) * 60 + Number(p.minute);
  return minute >= dailyAtMinute ? addDays(`${p.year}-${p.month}-${p.day}`, -1) : null;
}

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The audit row's incident id for a stored daily report: its hash is found by it. */
const auditKey = (date: string, station: string | null): string => `report:daily:${date}:${station ?? '*'}`;

export class ReportService {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: ReportServiceOptions) {}

  get zone(): string {
    return this.o.config().hub.triage.timezone;
  }

  get settings(): ReportsSettings {
    return this.o.config().hub.reports ?? DEFAULT_REPORT_SETTINGS;
  }

  private now(): string {
    return new Date(this.o.clock.now()).toISOString();
  }

  /** Yesterday and last month on the centre's clock: the defaults of `?date=` and `?month=`. */
  defaultDate(): string {
    return addDays(localDate(this.o.clock.now(), this.zone), -1);
  }

  defaultMonth(): string {
    return addMonths(localDate(this.o.clock.now(), this.zone).slice(0, 7), -1);
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

  daily(date: string, t: ReportTarget): DailyReport {
    const zone = this.zone;
    const day = (d: string) => {
      const window = dayWindow(d, zone);
      return { window, incidents: this.o.store.reports.activeIn(this.win(window, t)) };
    };
    const { stations, cells } = this.inScope(t);
    return buildDaily({
      date,
      timezone: zone,
      generatedAt: this.now(),
      scope: this.scopeOf(t),
      natures: this.o.config().hub.triage.natures.map((n) => n.code),
      stations,
      cells,
      day: day(date),
      previousDay: day(addDays(date, -1)),
      sameDayLastWeek: day(addDays(date, -7)),
    });
  }

  monthly(month: string, t: ReportTarget): MonthlyReport {
    const zone = this.zone;
    const window = monthWindow(month, zone);
    const opened = (m: string) => this.o.store.reports.openedIn(this.win(monthWindow(m, zone), t));
    return buildMonthly({
      month,
      timezone: zone,
      generatedAt: this.now(),
      scope: this.scopeOf(t),
      window,
      cells: this.inScope(t).cells,
      incidents: this.o.store.reports.openedIn(this.win(window, t)),
      previousMonth: opened(addMonths(month, -1)),
      sameMonthLastYear: opened(addMonths(month, -12)),
    });
  }

  response(month: string, t: ReportTarget): ResponseReport {
    const zone = this.zone;
    const window = monthWindow(month, zone);
    const yearWindow = { sinceMs: monthWindow(addMonths(month, -11), zone).sinceMs, untilMs: window.untilMs };
    const year = this.o.store.reports.openedIn(this.win(yearWindow, t));
    const s = this.settings;
    return buildResponse({
      month,
      timezone: zone,
      generatedAt: this.now(),
      scope: this.scopeOf(t),
      window,
      standards: { ackSeconds: s.ackWithinSeconds, onSceneSeconds: s.onSceneWithinSeconds },
      stations: this.inScope(t).stations,
      incidents: year.filter((i) => i.openedMs >= window.sinceMs),
      year,
    });
  }

  devices(month: string, t: ReportTarget): DeviceQualityReport {
    const window = monthWindow(month, this.zone);
    const w = this.win(window, t);
    const cfg = this.o.config();
    const seen = (id: string | null): boolean => t.stationIds === null || (!!id && t.stationIds.includes(id));
    const sites = cfg.sites
      .filter((s) => seen(s.stationId))
      .map((s) => ({ id: s.id, name: s.name, stationId: s.stationId, deviceIds: s.devices.map((d) => d.id) }));
    const states = new Map(
      this.o.store.deviceState
        .all()
        .map((r) => [r.deviceId, { availability: r.availability, lastSeenMs: r.lastSeenMs, testMissed: !!r.supervision?.testMissedRaisedMs }] as const),
    );
    return buildDevices({
      month,
      timezone: this.zone,
      generatedAt: this.now(),
      scope: this.scopeOf(t),
      window,
      sites,
      alarms: this.o.store.reports.alarmEventsByDevice(w),
      offline: this.o.store.reports.offlineEventsByDevice(w),
      states,
      incidents: this.o.store.reports.activeIn(w),
    });
  }

  /** Communities (grids.geojson `community`) with a cell in scope. */
  communities(t: ReportTarget): string[] {
    return [...new Set(this.inScope(t).cells.map((c) => c.community))];
  }

  /** The bulletin of a community in scope; undefined when it has no cell in scope. */
  bulletin(community: string, period: BulletinPeriod, date: string, t: ReportTarget): BulletinReport | undefined {
    const cells = this.inScope(t).cells.filter((c) => c.community === community);
    if (cells.length === 0) return undefined;
    const zone = this.zone;
    const firstDay = period === 'week' ? mondayOf(date) : `${date.slice(0, 7)}-01`;
    const lastDay = period === 'week' ? addDays(firstDay, 6) : addDays(`${addMonths(date.slice(0, 7), 1)}-01`, -1);
    const window = { sinceMs: dayWindow(firstDay, zone).sinceMs, untilMs: dayWindow(lastDay, zone).untilMs };
    const prevFirst = period === 'week' ? addDays(firstDay, -7) : `${addMonths(date.slice(0, 7), -1)}-01`;
    const previousWindow = { sinceMs: dayWindow(prevFirst, zone).sinceMs, untilMs: window.sinceMs };
    const cellIds = new Set(cells.map((c) => c.id));
    const ofCells = (w: Window) => this.o.store.reports.openedIn(this.win(w, t)).filter((i) => i.gridCellId !== null && cellIds.has(i.gridCellId));
    const incidents = ofCells(window);
    const cfg = this.o.config();
    const roads = new Map<string, string | null>();
    for (const s of cfg.sites) if (s.gridCellId && cellIds.has(s.gridCellId)) roads.set(s.id, roadOf(s.address));
    const advice = loadBulletinAdvice(this.o.rootDir, this.settings.bulletinAdvice);
    if (advice.problem) this.o.log.warn({ problem: advice.problem }, 'bulletin advice not read; the bulletin goes out without advice');
    return buildBulletin({
      community,
      period,
      timezone: zone,
      generatedAt: this.now(),
      scope: this.scopeOf(t),
      firstDay,
      lastDay,
      window,
      cells: cells.map((c) => ({ id: c.id, name: c.name })),
      natures: cfg.hub.triage.natures,
      advice: advice.advice,
      roads,
      incidents,
      previous: ofCells(previousWindow),
    });
  }

  // ── The daily report, stored once ─────────────────────────────────────────────────────────

  /** The targets a daily report is stored for: the whole district, and each police station. */
  private dailyTargets(): Array<{ station: string | null; target: ReportTarget }> {
    const cfg = this.o.config();
    return [
      { station: null, target: WHOLE_DISTRICT },
      ...cfg.stations
        .filter((s) => s.tier === 'station')
        .map((s) => ({ station: s.id, target: { stationIds: [...descendants(cfg.stations, s.id)], station: s.id } })),
    ];
  }

  /**
   * Builds and stores the daily reports of `date` that are not stored yet: the copy, its SHA-256
   * and the audit row holding the hash commit together. A stored copy is never rewritten. Returns
   * how many were stored now.
   */
  generateDaily(date: string): number {
    let stored = 0;
    let whole: DailyReport | null = null;
    for (const { station, target } of this.dailyTargets()) {
      if (this.o.store.reports.getDaily(date, station)) continue;
      const report = this.daily(date, target);
      const doc = JSON.stringify(report);
      const hash = sha256(doc);
      const inserted = this.o.store.transaction(() => {
        if (this.o.store.reports.getDaily(date, station)) return false;
        const row = this.o.store.audit.append({
          at: report.generatedAt,
          actor: 'hub',
          action: 'report.daily',
          incidentId: auditKey(date, station),
          fromStatus: null,
          toStatus: null,
          origin: 'hub',
          note: `sha256=${hash}`,
        });
        return this.o.store.reports.insertDaily({ date, station, generatedMs: this.o.clock.now(), doc, hash, auditSeq: row.seq });
      });
      if (inserted) {
        stored++;
        if (station === null) whole = report;
      }
    }
    if (stored > 0) this.o.log.info({ date, stored }, 'daily report generated and stored');
    if (whole) this.sendDaily(whole);
    return stored;
  }

  private sendDaily(r: DailyReport): void {
    const channels = this.settings.notifyChannels;
    if (!this.o.send || channels.length === 0) return;
    const f = r.figures.day;
    const title = `三个一通报 ${r.date}`;
    const lines = [
      `接警 ${f.received}（前一日 ${r.figures.previousDay.received}，上周同日 ${r.figures.sameDayLastWeek.received}）`,
      `出警 ${f.dispatched}，出警单位 ${f.units}`,
      `发案 ${f.cases}，误报 ${f.falseAlarms}，24时未结 ${f.openAtEnd}`,
      `测试 ${r.excluded.test}、演练 ${r.excluded.drill}（不计入）`,
    ];
    const key = `report:daily:${r.date}`;
    this.o.send(key, channels, {
      title,
      text: [title, ...lines].join('\n'),
      markdown: [`### ${title}`, ...lines.map((l) => `- ${l}`)].join('\n'),
      fields: { number: '', site: '', incident: key, phones: '' },
    });
  }

  /** Stored daily reports of one station (null: the whole district; undefined: all), newest first. */
  storedList(station: string | null | undefined): StoredDailySummary[] {
    return this.o.store.reports.listDaily(station).map((r) => summary(r));
  }

  /** One stored report, with whether its copy still hashes to the audit chain's hash. */
  stored(date: string, station: string | null): StoredDailyReport | undefined {
    const row = this.o.store.reports.getDaily(date, station);
    if (!row) return undefined;
    const audit = this.o.store.audit.forIncident(auditKey(date, station)).find((a) => a.seq === row.auditSeq);
    const verified = sha256(row.doc) === row.hash && audit?.note === `sha256=${row.hash}` && this.o.store.audit.hashAt(row.auditSeq) === audit.hash;
    return { ...summary(row), verified, report: JSON.parse(row.doc) as DailyReport };
  }

  /** Generates what is due now (the day before, after `daily_at`); the timer calls it, tests call it on their clock. */
  tick(): number {
    const date = dailyDue(this.o.clock.now(), this.zone, this.settings.dailyAtMinute);
    if (!date) return 0;
    try {
      return this.generateDaily(date);
    } catch (err) {
      this.o.log.error({ err, date }, 'daily report could not be generated; trying again in a minute');
      return 0;
    }
  }

  /** Checks once a minute (and at once: a hub started after 08:00 catches up on yesterday). */
  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), 60_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

function summary(r: Omit<StoredDailyRow, 'doc'>): StoredDailySummary {
  return { date: r.date, station: r.station, generatedAt: new Date(r.generatedMs).toISOString(), hash: r.hash, auditSeq: r.auditSeq };
}
