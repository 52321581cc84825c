/**
 * Every report as plain tables (title, column headings in zh-CN and English, rows of text and
 * numbers): what CSV, XLSX and the standalone HTML are written from, so the three agree.
 */
import type { Category } from '../contract/alarm-event.js';
import type {
  AnyReport,
  BulletinReport,
  DailyCounts,
  DailyReport,
  DeviceQualityReport,
  MonthlyReport,
  PatrolSuggestion,
  ReportKind,
  ResponseReport,
  ResponseRow,
} from '../contract/reports.js';
import { CATEGORIES } from './daily.js';

export type Lang = 'zh-CN' | 'en';
export type Cell = string | number | null;
export interface Words {
  zh: string;
  en: string;
}

export interface ReportTable {
  id: string;
  title: Words;
  columns: Words[];
  rows: Cell[][];
}

const w = (zh: string, en: string): Words => ({ zh, en });
export const word = (x: Words, lang: Lang): string => (lang === 'en' ? x.en : x.zh);

export const CATEGORY_WORDS: Record<Category, Words> = {
  police: w('110 治安/刑事', 'police'),
  fire: w('119 火警', 'fire'),
  traffic: w('122 交通', 'traffic'),
  medical: w('120 急救', 'medical'),
  technical: w('技术故障', 'technical'),
};

export const REPORT_TITLES: Record<ReportKind, Words> = {
  daily: w('三个一通报', 'Daily figures'),
  monthly: w('月度网格警情分析', 'Monthly analysis per grid cell'),
  response: w('接处警时效', 'Response times'),
  devices: w('设备与点位质量', 'Device and site quality'),
  bulletin: w('社区警情通报', 'Community bulletin'),
};

const WEEKDAYS: Words[] = [w('周一', 'Mon'), w('周二', 'Tue'), w('周三', 'Wed'), w('周四', 'Thu'), w('周五', 'Fri'), w('周六', 'Sat'), w('周日', 'Sun')];

const COUNT_COLUMNS: Words[] = [w('接警', 'received'), w('出警', 'dispatched'), w('发案', 'cases'), w('误报', 'false alarms'), w('24时未结', 'open at 24:00')];
const countCells = (c: DailyCounts): Cell[] => [c.received, c.dispatched, c.cases, c.falseAlarms, c.openAtEnd];

function dailyTables(r: DailyReport): ReportTable[] {
  const f = r.figures;
  const line = (label: Words, pick: (x: typeof f.day) => number): Cell[] => [label.zh, label.en, pick(f.day), pick(f.previousDay), pick(f.sameDayLastWeek)];
  const summary: Cell[][] = [
    line(w('接警', 'received'), (x) => x.received),
    line(w('报警事件', 'alarm events'), (x) => x.alarmEvents),
    ...CATEGORIES.map((c) => line(w(`接警·${CATEGORY_WORDS[c].zh}`, `received: ${CATEGORY_WORDS[c].en}`), (x) => x.receivedByCategory[c])),
    line(w('出警', 'dispatched'), (x) => x.dispatched),
    line(w('出警单位', 'units'), (x) => x.units),
    line(w('发案', 'cases'), (x) => x.cases),
    line(w('误报', 'false alarms'), (x) => x.falseAlarms),
    line(w('重复报警', 'duplicates'), (x) => x.duplicates),
    line(w('业主撤警', 'cancelled by owner'), (x) => x.cancelled),
    line(w('24时未结', 'open at 24:00'), (x) => x.openAtEnd),
    ['测试(不计入)', 'tests (not counted)', r.excluded.test, r.excludedCompared.previousDay.test, r.excludedCompared.sameDayLastWeek.test],
    ['演练(不计入)', 'drills (not counted)', r.excluded.drill, r.excludedCompared.previousDay.drill, r.excludedCompared.sameDayLastWeek.drill],
  ];
  const natures = [
    ...new Set([...Object.keys(f.day.casesByNature), ...Object.keys(f.previousDay.casesByNature), ...Object.keys(f.sameDayLastWeek.casesByNature)]),
  ];
  const compared = [w('当日', 'day'), w('前一日', 'day before'), w('上周同日', 'same day last week')];
  const comparedColumns = (cols: Words[]): Words[] => compared.flatMap((c) => cols.map((x) => w(`${c.zh}${x.zh}`, `${c.en}: ${x.en}`)));
  return [
    { id: 'summary', title: w('三个一通报', 'Daily figures'), columns: [w('项目', 'figure'), w('项目(英)', 'figure (en)'), ...compared], rows: summary },
    {
      id: 'by_station',
      title: w('分派出所', 'By station'),
      columns: [w('派出所', 'station'), w('派出所名称', 'station name'), ...comparedColumns(COUNT_COLUMNS)],
      rows: r.byStation.map((s) => [s.stationId, s.stationName, ...countCells(s.day), ...countCells(s.previousDay), ...countCells(s.sameDayLastWeek)]),
    },
    {
      id: 'by_cell',
      title: w('分网格', 'By grid cell'),
      columns: [w('网格', 'cell'), w('网格名称', 'cell name'), w('社区', 'community'), w('派出所', 'station'), ...comparedColumns(COUNT_COLUMNS)],
      rows: r.byCell.map((c) => [
        c.cellId,
        c.cellName,
        c.community,
        c.stationId,
        ...countCells(c.day),
        ...countCells(c.previousDay),
        ...countCells(c.sameDayLastWeek),
      ]),
    },
    {
      id: 'by_nature',
      title: w('发案分类', 'Cases by nature'),
      columns: [w('警情类别', 'nature'), ...compared],
      rows: natures.map((n) => [n, f.day.casesByNature[n] ?? 0, f.previousDay.casesByNature[n] ?? 0, f.sameDayLastWeek.casesByNature[n] ?? 0]),
    },
  ];
}

/** A patrol suggestion in words (the page words the same codes from its catalogue). */
export function patrolText(s: PatrolSuggestion, lang: Lang): string {
  const pad = (h: number): string => `${String(h).padStart(2, '0')}:00`;
  switch (s.code) {
    case 'patrol.cell_hours':
      return lang === 'en'
        ? `Patrol ${s.params.cellName} between ${pad(s.params.fromHour)} and ${pad(s.params.toHour)}: ` +
            `${s.params.count} real incidents at those hours this month.`
        : `建议加强${s.params.cellName}${pad(s.params.fromHour)}至${pad(s.params.toHour)}时段巡逻（本月该时段有效警情${s.params.count}起）。`;
    case 'patrol.cell_weekday':
      return lang === 'en'
        ? `In ${s.params.cellName} most real incidents fell on ${WEEKDAYS[s.params.weekday]?.en ?? ''} (${s.params.count}).`
        : `${s.params.cellName}有效警情多发于${WEEKDAYS[s.params.weekday]?.zh ?? ''}（${s.params.count}起）。`;
    case 'patrol.none':
      return lang === 'en' ? 'No real incidents this month: no patrol suggestion.' : '本月无有效警情，暂无巡逻建议。';
  }
}

function monthlyTables(r: MonthlyReport): ReportTable[] {
  return [
    {
      id: 'by_cell',
      title: w('分网格警情', 'By grid cell'),
      columns: [
        w('网格', 'cell'),
        w('网格名称', 'cell name'),
        w('社区', 'community'),
        w('派出所', 'station'),
        ...CATEGORIES.map((c) => CATEGORY_WORDS[c]),
        w('合计', 'total'),
        w('有效警情', 'real'),
        w('误报', 'false alarms'),
        w('上月', 'previous month'),
        w('去年同月', 'same month last year'),
        w('环比', 'change vs previous month'),
        w('同比', 'change vs last year'),
      ],
      rows: r.byCell.map((c) => [
        c.cellId,
        c.cellName,
        c.community,
        c.stationId,
        ...CATEGORIES.map((k) => c.byCategory[k]),
        c.total,
        c.real,
        c.falseAlarms,
        c.previousMonth,
        c.sameMonthLastYear,
        c.changeVsPreviousMonth,
        c.changeVsLastYear,
      ]),
    },
    {
      id: 'hour_of_day',
      title: w('时段分布', 'By hour of day'),
      columns: [w('时', 'hour'), w('接警', 'received'), w('有效警情', 'real')],
      rows: r.hourOfDay.all.map((n, h) => [h, n, r.hourOfDay.real[h] ?? 0]),
    },
    {
      id: 'day_of_week',
      title: w('星期分布', 'By day of week'),
      columns: [w('星期', 'weekday'), w('接警', 'received'), w('有效警情', 'real')],
      rows: r.dayOfWeek.all.map((n, d) => [WEEKDAYS[d]?.zh ?? String(d), n, r.dayOfWeek.real[d] ?? 0]),
    },
    {
      id: 'top_sites',
      title: w('报警最多点位', 'Top sites'),
      columns: [
        w('点位', 'site'),
        w('名称', 'name'),
        w('网格', 'cell'),
        w('警情', 'incidents'),
        w('报警事件', 'alarm events'),
        w('有效警情', 'real'),
        w('误报', 'false alarms'),
      ],
      rows: r.topSites.map((s) => [s.siteId, s.siteName, s.cellId, s.incidents, s.alarmEvents, s.real, s.falseAlarms]),
    },
    {
      id: 'patrol',
      title: w('巡逻建议', 'Patrol suggestions'),
      columns: [w('建议', 'suggestion'), w('建议(英)', 'suggestion (en)')],
      rows: r.suggestions.map((s) => [patrolText(s, 'zh-CN'), patrolText(s, 'en')]),
    },
  ];
}

function responseTables(r: ResponseReport): ReportTable[] {
  const within = r.standards.onSceneSeconds.map((s) => w(`${s / 60}分钟内到场率`, `on scene within ${s / 60} min`));
  const columns = [
    w('项', 'key'),
    w('名称', 'label'),
    w('签收数', 'acknowledged'),
    w('签收中位(秒)', 'ack median (s)'),
    w('签收P90(秒)', 'ack p90 (s)'),
    w('派警中位(秒)', 'dispatch median (s)'),
    w('派警P90(秒)', 'dispatch p90 (s)'),
    w('到场中位(秒)', 'on scene median (s)'),
    w('到场P90(秒)', 'on scene p90 (s)'),
    w('处警总时长中位(秒)', 'total median (s)'),
    w('处警总时长P90(秒)', 'total p90 (s)'),
    w(`${r.standards.ackSeconds}秒内签收率`, `ack within ${r.standards.ackSeconds} s`),
    ...within,
  ];
  const row = (x: ResponseRow): Cell[] => [
    x.key,
    x.label,
    x.steps.ack.count,
    x.steps.ack.median,
    x.steps.ack.p90,
    x.steps.dispatch.median,
    x.steps.dispatch.p90,
    x.steps.onScene.median,
    x.steps.onScene.p90,
    x.steps.total.median,
    x.steps.total.p90,
    x.ackWithin,
    ...x.onSceneWithin,
  ];
  return [
    { id: 'overall', title: w('总体', 'Overall'), columns, rows: [row(r.overall)] },
    { id: 'by_station', title: w('分派出所', 'By station'), columns, rows: r.byStation.map(row) },
    { id: 'by_operator', title: w('分接警员', 'By operator'), columns, rows: r.byOperator.map(row) },
    { id: 'by_month', title: w('分月', 'By month'), columns, rows: r.byMonth.map(row) },
    {
      id: 'incidents',
      title: w('逐警情', 'Per incident'),
      columns: [
        w('警情编号', 'incident no.'),
        w('派出所', 'station'),
        w('接警员', 'operator'),
        w('接警时间', 'opened at'),
        w('签收用时(秒)', 'ack (s)'),
        w('派警用时(秒)', 'dispatch (s)'),
        w('到场用时(秒)', 'on scene (s)'),
        w('处警总时长(秒)', 'total (s)'),
      ],
      rows: r.incidents.map((i) => [
        i.number ?? i.incidentId,
        i.stationId,
        i.owner,
        i.openedAt,
        i.ackSeconds,
        i.dispatchSeconds,
        i.onSceneSeconds,
        i.totalSeconds,
      ]),
    },
  ];
}

function deviceTables(r: DeviceQualityReport): ReportTable[] {
  return [
    {
      id: 'sites',
      title: w('点位误报率', 'Sites'),
      columns: [
        w('排名', 'rank'),
        w('点位', 'site'),
        w('名称', 'name'),
        w('派出所', 'station'),
        w('报警事件', 'alarm events'),
        w('警情', 'incidents'),
        w('误报', 'false alarms'),
        w('每百次误报', 'false per 100'),
      ],
      rows: r.sites.map((s) => [s.rank, s.siteId, s.siteName, s.stationId, s.alarmEvents, s.incidents, s.falseAlarms, s.falsePer100]),
    },
    {
      id: 'devices',
      title: w('设备误报率', 'Devices'),
      columns: [
        w('排名', 'rank'),
        w('设备', 'device'),
        w('点位', 'site'),
        w('报警事件', 'alarm events'),
        w('误报事件', 'false events'),
        w('每百次误报', 'false per 100'),
      ],
      rows: r.devices.map((d) => [d.rank, d.deviceId, d.siteId, d.alarmEvents, d.falseEvents, d.falsePer100]),
    },
    {
      id: 'supervision',
      title: w('在线与巡检', 'Supervision'),
      columns: [
        w('设备', 'device'),
        w('点位', 'site'),
        w('在线', 'online'),
        w('最后通信', 'last seen'),
        w('漏测试', 'test missed'),
        w('离线报警', 'offline alarms'),
        w('离线分钟', 'offline minutes'),
      ],
      rows: r.supervision.map((s) => [
        s.deviceId,
        s.siteId,
        s.online === null ? null : s.online ? 1 : 0,
        s.lastSeenAt,
        s.testMissed ? 1 : 0,
        s.offlineAlarms,
        s.offlineMinutes,
      ]),
    },
  ];
}

function bulletinTables(r: BulletinReport): ReportTable[] {
  return [
    {
      id: 'by_nature',
      title: w('警情分类', 'By nature'),
      columns: [w('类别', 'nature'), w('本期', 'this period'), w('上期', 'previous period')],
      rows: r.byNature.map((n) => [n.zh, n.count, n.previous]),
    },
    { id: 'trend', title: w('走势', 'Trend'), columns: [w('起始日', 'from'), w('有效警情', 'real incidents')], rows: r.trend.map((t) => [t.label, t.count]) },
    { id: 'roads', title: w('道路', 'Roads'), columns: [w('道路', 'road'), w('有效警情', 'real incidents')], rows: r.roads.map((x) => [x.road, x.count]) },
  ];
}

export function tablesOf(r: AnyReport): ReportTable[] {
  switch (r.kind) {
    case 'daily':
      return dailyTables(r);
    case 'monthly':
      return monthlyTables(r);
    case 'response':
      return responseTables(r);
    case 'devices':
      return deviceTables(r);
    case 'bulletin':
      return bulletinTables(r);
  }
}
