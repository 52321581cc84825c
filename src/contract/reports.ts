/**
 * Reports (issue 14): the shapes every report answers with, the REST paths and their query
 * parameters, and the message codes of the patrol suggestions. The hub builds them in
 * src/reports/ (pure aggregation over store queries); the console's /reports page draws them.
 *
 * Time: every date and hour here is the dispatch centre's wall clock (hub.yaml `triage.timezone`,
 * else `timezone`, default Asia/Shanghai): a day is 00:00–24:00 there, never UTC, whatever zone
 * the server or the browser runs in. Dates travel as `YYYY-MM-DD`, months as `YYYY-MM`, moments
 * as ISO strings.
 *
 * Exclusion: incidents closed as 测试 (`test`) or flagged as drills (演练) are in no figure; each
 * report counts them apart in `excluded`.
 *
 * Scope: a station operator's report covers the incidents routed to their station and the
 * stations below it; the city centre and admins see all; guards and installers are refused
 * (`forbidden`). `scope` in each report says what it covers.
 */
import type { Category, EventKind, LatLng } from './alarm-event.js';
import type { NatureCode } from './incident.js';

// ── REST ──────────────────────────────────────────────────────────────────────────────────────

/** Every report path. All GET, all need a login with `reports:read` (admin, operator). */
export const REPORT_PATHS = {
  /** 三个一通报 of one day, built now: `?date=YYYY-MM-DD` (default yesterday) `&station=`. */
  daily: '/api/reports/daily',
  /** The daily reports generated at `reports.daily_at` and stored unchanged: a list (`StoredDailyList`), `?station=`. */
  dailyStored: '/api/reports/daily/stored',
  /** Monthly analysis per grid cell: `?month=YYYY-MM` (default last month) `&station=`. */
  monthly: '/api/reports/monthly',
  /** Response times: `?month=YYYY-MM` `&station=`. */
  response: '/api/reports/response',
  /** Device and site quality: `?month=YYYY-MM` `&station=`. */
  devices: '/api/reports/devices',
  /** Community bulletin: `?community=明湖社区&period=week|month&date=YYYY-MM-DD` (any day inside the period). */
  bulletin: '/api/reports/bulletin',
} as const;

/** One stored daily report: `GET /api/reports/daily/stored/2026-12-02?station=` (`StoredDailyReport`). */
export function storedDailyPath(date: string): string {
  return `${REPORT_PATHS.dailyStored}/${encodeURIComponent(date)}`;
}

export const REPORT_KINDS = ['daily', 'monthly', 'response', 'devices', 'bulletin'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/**
 * `?format=` of every report path: json (default, the shapes below), csv (one table, `?table=`,
 * UTF-8 with BOM so Excel opens Chinese correctly), xlsx (every table of the report as a sheet),
 * html (a standalone page, server-side rendered and escaped; the bulletin's is the public one).
 */
export const REPORT_FORMATS = ['json', 'csv', 'xlsx', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The tables each report exports (`?format=csv&table=<id>`; the first is the default). */
export const REPORT_TABLES = {
  daily: ['summary', 'by_station', 'by_cell', 'by_nature'],
  monthly: ['by_cell', 'hour_of_day', 'day_of_week', 'top_sites', 'patrol'],
  response: ['overall', 'by_station', 'by_operator', 'by_month', 'incidents'],
  devices: ['sites', 'devices', 'supervision'],
  bulletin: ['by_nature', 'trend', 'roads'],
} as const satisfies Record<ReportKind, readonly string[]>;
export type ReportTableId<K extends ReportKind = ReportKind> = (typeof REPORT_TABLES)[K][number];

/** Query parameters, as strings on the URL; the hub answers `bad_report_query` when one does not parse. */
export interface ReportQuery {
  /** `YYYY-MM-DD` in the centre's zone (daily, bulletin). */
  date?: string;
  /** `YYYY-MM` (monthly, response, devices). */
  month?: string;
  /** Narrow to one station (and those below it) inside the caller's scope. */
  station?: string;
  /** The bulletin's community (grids.geojson `community`). */
  community?: string;
  period?: BulletinPeriod;
  format?: ReportFormat;
  /** CSV: which table (REPORT_TABLES). */
  table?: string;
  /** csv/xlsx/html: column headings in this language (default zh-CN). */
  lang?: 'zh-CN' | 'en';
}

/** What a report covers. */
export interface ReportScope {
  /** Stations covered; null: all (city centre, admin). */
  stationIds: string[] | null;
  /** The `?station=` asked for, if any. */
  station: string | null;
}

/** Items kept out of every figure, counted apart. */
export interface ExcludedCounts {
  /** Closed as 测试. */
  test: number;
  /** Flagged as drills (演练). */
  drill: number;
}

/** What every report carries beside its figures. */
export interface ReportHeader {
  kind: ReportKind;
  /** IANA zone the dates and hours are in. */
  timezone: string;
  /** First moment covered (ISO) and the moment after the last (exclusive). */
  from: string;
  to: string;
  /** When it was built (ISO). */
  generatedAt: string;
  scope: ReportScope;
  excluded: ExcludedCounts;
}

// ── Daily 三个一通报 ───────────────────────────────────────────────────────────────────────────

/**
 * One day's figures. Which day an incident counts on: 接警 by when it opened, 出警 by when it was
 * dispatched, 发案/误报/other closes by when it closed, open by the end of the day.
 */
export interface DailyFigures {
  /** 接警: incidents opened that day. */
  received: number;
  /** The alarm events behind them (sum of their event counts). */
  alarmEvents: number;
  receivedByCategory: Record<Category, number>;
  receivedByKind: Partial<Record<EventKind, number>>;
  /** 出警: incidents dispatched (派警) that day. */
  dispatched: number;
  /** Distinct units sent. */
  units: number;
  /** 发案: incidents closed as real that day. */
  cases: number;
  /** 发案 by 警情类别/性质 (hub.yaml `triage.natures` codes; `unknown` when none was recorded). */
  casesByNature: Record<NatureCode, number>;
  /** 误报: closed as false that day. */
  falseAlarms: number;
  duplicates: number;
  cancelled: number;
  /** Still open at 24:00 (opened by then, not closed by then). */
  openAtEnd: number;
}

/** The figures a per-station and per-cell row shows, for the day, the day before and the same day last week. */
export type DailyCounts = Pick<DailyFigures, 'received' | 'dispatched' | 'cases' | 'falseAlarms' | 'openAtEnd'>;

export interface DailyCompared<T> {
  day: T;
  previousDay: T;
  sameDayLastWeek: T;
}

export interface DailyStationRow extends DailyCompared<DailyCounts> {
  stationId: string;
  stationName: string;
}

export interface DailyCellRow extends DailyCompared<DailyCounts> {
  cellId: string;
  cellName: string;
  community: string;
  stationId: string;
}

export interface DailyReport extends ReportHeader {
  kind: 'daily';
  /** The day, `YYYY-MM-DD` in `timezone`. */
  date: string;
  figures: DailyCompared<DailyFigures>;
  /** Excluded counts of the day before and last week (the header's `excluded` is the day's). */
  excludedCompared: { previousDay: ExcludedCounts; sameDayLastWeek: ExcludedCounts };
  byStation: DailyStationRow[];
  /** Cells with any figure on any of the three days, plus incidents outside every cell as cellId ''. */
  byCell: DailyCellRow[];
}

/** A daily report as generated at `reports.daily_at` and stored unchanged (its hash is in the audit chain). */
export interface StoredDailySummary {
  date: string;
  /** The station it was generated for; null: the whole district. */
  station: string | null;
  generatedAt: string;
  /** SHA-256 (hex) of the stored JSON, as appended to the audit chain. */
  hash: string;
  /** The audit row that holds the hash. */
  auditSeq: number;
}

export interface StoredDailyList {
  reports: StoredDailySummary[];
}

export interface StoredDailyReport extends StoredDailySummary {
  /** The stored JSON hashes to `hash` and the audit row still holds it. */
  verified: boolean;
  report: DailyReport;
}

// ── Monthly analysis per grid cell ────────────────────────────────────────────────────────────

export interface MonthlyCellRow {
  cellId: string;
  cellName: string;
  community: string;
  stationId: string;
  /** Incidents received in the month, by category. */
  byCategory: Record<Category, number>;
  total: number;
  /** Closed as real (有效警情). */
  real: number;
  falseAlarms: number;
  previousMonth: number;
  sameMonthLastYear: number;
  /** (total − previous) / previous, null when previous is 0. */
  changeVsPreviousMonth: number | null;
  changeVsLastYear: number | null;
}

export interface TopSite {
  siteId: string;
  siteName: string;
  cellId: string | null;
  /** Incidents opened in the month. */
  incidents: number;
  /** Alarm events behind them. */
  alarmEvents: number;
  real: number;
  falseAlarms: number;
}

/** One point of the month's heat map: a real incident's location (WGS-84). */
export interface HeatPoint {
  location: LatLng;
  cellId: string | null;
}

export const PATROL_CODES = ['patrol.cell_hours', 'patrol.cell_weekday', 'patrol.none'] as const;
export type PatrolCode = (typeof PATROL_CODES)[number];

/** Guard patrol suggestions as codes with parameters; the page words them (zh-CN, en). */
export interface PatrolParams {
  /** Patrol `cellName` between `fromHour`:00 and `toHour`:00 (toHour exclusive, may wrap past midnight): `count` real incidents there then. */
  'patrol.cell_hours': { cellId: string; cellName: string; fromHour: number; toHour: number; count: number };
  /** Most real incidents of `cellName` fell on `weekday` (0 = Monday … 6 = Sunday). */
  'patrol.cell_weekday': { cellId: string; cellName: string; weekday: number; count: number };
  /** No real incidents in the month: no suggestion. */
  'patrol.none': Record<string, never>;
}

export type PatrolSuggestion = { [C in PatrolCode]: { code: C; params: PatrolParams[C] } }[PatrolCode];

export interface MonthlyReport extends ReportHeader {
  kind: 'monthly';
  month: string;
  totals: { received: number; real: number; falseAlarms: number; previousMonth: number; sameMonthLastYear: number };
  byCell: MonthlyCellRow[];
  /** Incidents received by local hour 0–23 (all counted) and the real ones. */
  hourOfDay: { all: number[]; real: number[] };
  /** By local weekday, 0 = Monday … 6 = Sunday. */
  dayOfWeek: { all: number[]; real: number[] };
  /** Most alarms first (top 10). */
  topSites: TopSite[];
  heat: HeatPoint[];
  suggestions: PatrolSuggestion[];
}

// ── Response times ────────────────────────────────────────────────────────────────────────────

export const RESPONSE_STEPS = ['ack', 'dispatch', 'onScene', 'total'] as const;
/** 签收 (opened → acknowledged), 派警 (→ dispatched), 到场 (→ on scene), 处警总时长 (opened → closed). */
export type ResponseStep = (typeof RESPONSE_STEPS)[number];

export interface DurationStats {
  /** Incidents that have this step. */
  count: number;
  /** Seconds; null when count is 0. */
  median: number | null;
  p90: number | null;
}

export interface ResponseRow {
  /** Station id, operator user name, or month `YYYY-MM`; '' for the overall row. */
  key: string;
  label: string;
  steps: Record<ResponseStep, DurationStats>;
  /** Share (0–1) of acknowledged incidents acknowledged within `standards.ackSeconds`; null when none. */
  ackWithin: number | null;
  /** Share of on-scene incidents on scene within each of `standards.onSceneSeconds`, same order; null when none. */
  onSceneWithin: Array<number | null>;
}

export interface ResponseIncidentRow {
  incidentId: string;
  number: string | null;
  stationId: string | null;
  owner: string | null;
  openedAt: string;
  ackSeconds: number | null;
  dispatchSeconds: number | null;
  onSceneSeconds: number | null;
  totalSeconds: number | null;
}

export interface ResponseReport extends ReportHeader {
  kind: 'response';
  month: string;
  /** hub.yaml `reports.response` (签收 within 30 s, 到场 within 5/10/15 min by default). */
  standards: { ackSeconds: number; onSceneSeconds: number[] };
  overall: ResponseRow;
  byStation: ResponseRow[];
  byOperator: ResponseRow[];
  /** The month and the 11 before it, oldest first. */
  byMonth: ResponseRow[];
  /** Every counted incident of the month, oldest first. */
  incidents: ResponseIncidentRow[];
}

// ── Device and site quality ───────────────────────────────────────────────────────────────────

export interface SiteQualityRow {
  siteId: string;
  siteName: string;
  stationId: string | null;
  /** Alarm events in the month (supervision, arm/disarm, restore and tests not counted). */
  alarmEvents: number;
  incidents: number;
  falseAlarms: number;
  /** False closes per 100 alarm events; null when no events. */
  falsePer100: number | null;
  /** 1 = worst repeat offender (most false alarms); null when it had none. */
  rank: number | null;
}

export interface DeviceQualityRow {
  deviceId: string;
  siteId: string;
  alarmEvents: number;
  /** Alarm events of this device in incidents closed as false. */
  falseEvents: number;
  falsePer100: number | null;
  rank: number | null;
}

export interface SupervisionRow {
  deviceId: string;
  siteId: string;
  online: boolean | null;
  lastSeenAt: string | null;
  /** A periodic test is overdue now. */
  testMissed: boolean;
  /** trouble.offline alarms in the month. */
  offlineAlarms: number;
  /** Minutes the site's offline incidents were open in the month (a bound from the incidents, not a measurement). */
  offlineMinutes: number;
}

export interface DeviceQualityReport extends ReportHeader {
  kind: 'devices';
  month: string;
  /** Worst first. */
  sites: SiteQualityRow[];
  devices: DeviceQualityRow[];
  supervision: SupervisionRow[];
  /** Devices online now / devices known, 0–1; null when none known. */
  onlineRate: number | null;
  testsMissed: number;
}

// ── Community bulletin 社区警情通报 ──────────────────────────────────────────────────────────────

export const BULLETIN_PERIODS = ['week', 'month'] as const;
/** A week runs Monday–Sunday; a month the calendar month, both in the centre's zone. */
export type BulletinPeriod = (typeof BULLETIN_PERIODS)[number];

export interface BulletinNatureRow {
  nature: NatureCode;
  zh: string;
  en: string;
  count: number;
  previous: number;
}

/** Prevention advice from the editable template (config/bulletin-advice.yaml). */
export interface BulletinAdvice {
  nature: NatureCode;
  title: string;
  text: string;
}

/**
 * Public-facing: no names, phones, door plates or exact addresses — road and cell only, and no
 * site ids or incident numbers.
 */
export interface BulletinReport extends ReportHeader {
  kind: 'bulletin';
  community: string;
  period: BulletinPeriod;
  /** First and last local day covered, `YYYY-MM-DD`. */
  firstDay: string;
  lastDay: string;
  cells: Array<{ cellId: string; cellName: string }>;
  /** Real incidents (有效警情) in the period, and in the period before. */
  total: number;
  previousTotal: number;
  byCategory: Record<Category, number>;
  byNature: BulletinNatureRow[];
  /** Per day (week) or per week (month): `label` is the first day `YYYY-MM-DD`. */
  trend: Array<{ label: string; count: number }>;
  /** The two or three dominant natures, most first, with their advice. */
  dominant: Array<BulletinNatureRow & { advice: BulletinAdvice | null }>;
  /** Roads (from site addresses, never the number) with real incidents, most first. */
  roads: Array<{ road: string; count: number }>;
  falseAlarms: number;
}

export type AnyReport = DailyReport | MonthlyReport | ResponseReport | DeviceQualityReport | BulletinReport;
