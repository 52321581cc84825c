/**
 * The reports shell (issue 14): builds reports (builder.ts; asked over REST, in the report worker
 * thread), stores the daily report once at `reports.daily_at` and sends it. Scope comes in resolved (which stations);
 * the API and the CLI decide it from the principal or the command line.
 */
import { createHash } from 'node:crypto';
import { descendants } from '../auth/scope.js';
import type { Config, ReportsSettings } from '../config/model.js';
import type { AlertMessage } from '../notify/message.js';
import type {
  AnyReport,
  BulletinPeriod,
  BulletinReport,
  DailyReport,
  DeviceQualityReport,
  MonthlyReport,
  ResponseReport,
  StoredDailyReport,
  StoredDailySummary,
} from '../contract/reports.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { ReplicaRole } from '../cluster/role.js';
import type { PostgresOptions, Store, StoredDailyRow } from '../store/index.js';
import { localParts } from '../contract/local-time.js';
import { ReportBuilder, type ReportRequest, type ReportTarget, runRequest, WHOLE_DISTRICT } from './builder.js';
import { addDays, dayWindow } from './time.js';
import { ReportWorker } from './worker-pool.js';

// Where they were defined before the builder moved out: the API, the CLI and tests import them from here.
export { DEFAULT_REPORT_SETTINGS, type ReportRequest, type ReportTarget, WHOLE_DISTRICT } from './builder.js';
export { ReportsBusy } from './worker-pool.js';

export interface ReportServiceOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  rootDir: string;
  config: () => Config;
  /** Where the daily report is sent (the notifier); absent: not sent. */
  send?: (key: string, channelIds: readonly string[], message: AlertMessage) => Promise<number>;
  /**
   * The database file, for the report worker's read-only connection: reports asked through
   * `build` are then built off the hub's event loop. Absent (or `:memory:`, which a second
   * connection cannot see — the tests' in-memory stores): `build` builds on this thread.
   */
  workerDbPath?: string;
  /** PostgreSQL mode (issue 18): the worker's read-only pool on the shared database; takes the place of workerDbPath. */
  workerPostgres?: PostgresOptions;
  /**
   * This replica's share (issue 18): the daily report is generated only where `leads()` is true, so
   * replicas do not all build it at 08:00 (storing it is insert-once anyway). Default: one hub.
   */
  role?: Pick<ReplicaRole, 'leads'>;
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
  private ticking: Promise<number> | null = null;
  /** The clock at the previous tick (null before the first). */
  private lastTickMs: number | null = null;
  /** Builds on this thread, on the hub's own connection: the stored daily report, the CLI, `:memory:`. */
  private readonly here: ReportBuilder;
  private readonly worker: ReportWorker | null;

  constructor(private readonly o: ReportServiceOptions) {
    const warn = (detail: Record<string, unknown>, message: string) => o.log.warn(detail, message);
    this.here = new ReportBuilder({ reads: o.store, now: () => o.clock.now(), rootDir: o.rootDir, config: o.config, warn });
    this.worker =
      o.workerPostgres || (o.workerDbPath && o.workerDbPath !== ':memory:')
        ? new ReportWorker({
            dbPath: o.workerDbPath ?? '',
            ...(o.workerPostgres ? { postgres: o.workerPostgres } : {}),
            rootDir: o.rootDir,
            config: o.config,
            warn,
            onFailure: (err) => o.log.error({ err }, 'report worker failed; the next report starts a new one'),
          })
        : null;
  }

  get zone(): string {
    return this.here.zone;
  }

  get settings(): ReportsSettings {
    return this.here.settings;
  }

  defaultDate(): string {
    return this.here.defaultDate();
  }

  defaultMonth(): string {
    return this.here.defaultMonth();
  }

  /**
   * A report asked for now (REST): in the worker when there is one, so the event loop only awaits
   * it; rejects with ReportsBusy when MAX_REPORT_BUILDS are already building or waiting.
   */
  build(request: ReportRequest): Promise<AnyReport | undefined> {
    if (this.worker) return this.worker.build(request, this.o.clock.now());
    return runRequest(this.here, request);
  }

  /** Whether `build` runs in the worker thread. */
  get inWorker(): boolean {
    return this.worker !== null;
  }

  /**
   * Reports the worker is building at this moment. Without a worker always 0: a build on this
   * thread holds it, so nothing here can observe one in progress.
   */
  get buildingNow(): number {
    return this.worker?.runningNow ?? 0;
  }

  // Built on this thread (the CLI, the bench's build times, the stored daily report).
  daily(date: string, t: ReportTarget): Promise<DailyReport> {
    return this.here.daily(date, t);
  }

  monthly(month: string, t: ReportTarget): Promise<MonthlyReport> {
    return this.here.monthly(month, t);
  }

  response(month: string, t: ReportTarget): Promise<ResponseReport> {
    return this.here.response(month, t);
  }

  devices(month: string, t: ReportTarget): Promise<DeviceQualityReport> {
    return this.here.devices(month, t);
  }

  communities(t: ReportTarget): string[] {
    return this.here.communities(t);
  }

  bulletin(community: string, period: BulletinPeriod, date: string, t: ReportTarget): Promise<BulletinReport | undefined> {
    return this.here.bulletin(community, period, date, t);
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
  async generateDaily(date: string): Promise<number> {
    let stored = 0;
    let whole: DailyReport | null = null;
    for (const { station, target } of this.dailyTargets()) {
      if (await this.o.store.reports.getDaily(date, station)) continue;
      const report = await this.daily(date, target);
      const doc = JSON.stringify(report);
      const hash = sha256(doc);
      const inserted = await this.o.store.transaction(async () => {
        if (await this.o.store.reports.getDaily(date, station)) return false;
        const row = await this.o.store.audit.append({
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
    if (whole) await this.sendDaily(whole);
    return stored;
  }

  private async sendDaily(r: DailyReport): Promise<void> {
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
    await this.o.send(key, channels, {
      title,
      text: [title, ...lines].join('\n'),
      markdown: [`### ${title}`, ...lines.map((l) => `- ${l}`)].join('\n'),
      fields: { number: '', site: '', incident: key, phones: '' },
    });
  }

  /** Stored daily reports of one station (null: the whole district; undefined: all), newest first. */
  async storedList(station: string | null | undefined): Promise<StoredDailySummary[]> {
    return (await this.o.store.reports.listDaily(station)).map((r) => summary(r));
  }

  /** One stored report, with whether its copy still hashes to the audit chain's hash. */
  async stored(date: string, station: string | null): Promise<StoredDailyReport | undefined> {
    const row = await this.o.store.reports.getDaily(date, station);
    if (!row) return undefined;
    const audit = (await this.o.store.audit.forIncident(auditKey(date, station))).find((a) => a.seq === row.auditSeq);
    const verified = sha256(row.doc) === row.hash && audit?.note === `sha256=${row.hash}` && (await this.o.store.audit.hashAt(row.auditSeq)) === audit.hash;
    return { ...summary(row), verified, report: JSON.parse(row.doc) as DailyReport };
  }

  /**
   * Generates what is due now (the day before, after `daily_at`); the timer calls it, tests call it
   * on their clock. Due means: the clock crossed `daily_at` since the last check, or the hub has
   * generated daily reports before (a restart after 08:00 catches up on yesterday). A brand-new
   * database starts its series at its first `daily_at`, so starting a hub writes nothing by itself.
   * A tick still running (its writes awaited) is joined, not run twice.
   */
  tick(): Promise<number> {
    this.ticking ??= this.tickOnce().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  private async tickOnce(): Promise<number> {
    const now = this.o.clock.now();
    const last = this.lastTickMs ?? now;
    this.lastTickMs = now;
    const date = dailyDue(now, this.zone, this.settings.dailyAtMinute);
    // Not the leader: another replica builds it. A replica that becomes leader after 08:00 still
    // builds a missed day: once any daily report is stored, every tick fills in what is missing.
    if (!date || !(this.o.role?.leads() ?? true)) return 0;
    const dueAt = dayWindow(addDays(date, 1), this.zone).sinceMs + this.settings.dailyAtMinute * 60_000;
    const crossed = last < dueAt && dueAt <= now;
    try {
      if (!crossed && (await this.o.store.reports.listDaily(undefined, 1)).length === 0) return 0;
      return await this.generateDaily(date);
    } catch (err) {
      this.o.log.error({ err, date }, 'daily report could not be generated; trying again in a minute');
      return 0;
    }
  }

  /** Checks once a minute (and at once: a hub started after 08:00 catches up on yesterday). */
  start(): void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), 60_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.worker?.stop().catch((err: unknown) => this.o.log.warn({ err }, 'report worker did not stop cleanly'));
  }
}

function summary(r: Omit<StoredDailyRow, 'doc'>): StoredDailySummary {
  return { date: r.date, station: r.station, generatedAt: new Date(r.generatedMs).toISOString(), hash: r.hash, auditSeq: r.auditSeq };
}
