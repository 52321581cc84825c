/** 三个一通报 of one day: the figures beside the day before and the same day last week, by category, nature, station and cell. */
import type { DailyCellRow, DailyCounts, DailyFigures, DailyReport, DailyStationRow } from '../../../src/contract/reports.js';
import { h } from '../dom.js';
import { words } from '../i18n/index.js';
import { drawChart } from './charts.js';
import { CATEGORY_ORDER as CATEGORIES } from './format.js';
import { natureName, stationName, type View, type ViewContext } from './context.js';
import { rt } from './text.js';
import { chartBox, exportLinks, headline, section, table } from './ui.js';

const FIGURES: Array<[keyof DailyFigures, Parameters<typeof rt>[0]]> = [
  ['received', 'figReceived'],
  ['alarmEvents', 'figAlarmEvents'],
  ['dispatched', 'figDispatched'],
  ['units', 'figUnits'],
  ['cases', 'figCases'],
  ['falseAlarms', 'figFalse'],
  ['duplicates', 'figDuplicates'],
  ['cancelled', 'figCancelled'],
  ['openAtEnd', 'figOpen'],
];

const COUNTS: Array<[keyof DailyCounts, Parameters<typeof rt>[0]]> = [
  ['received', 'figReceived'],
  ['dispatched', 'figDispatched'],
  ['cases', 'figCases'],
  ['falseAlarms', 'figFalse'],
  ['openAtEnd', 'figOpen'],
];

/** "3 / 5 / 2": the day, the day before and last week in one cell, so a wide table stays readable. */
const triple = (r: DailyStationRow | DailyCellRow, k: keyof DailyCounts): string => `${r.day[k]} / ${r.previousDay[k]} / ${r.sameDayLastWeek[k]}`;

export function dailyView(r: DailyReport, ctx: ViewContext, badge: Node | null = null): View {
  const f = r.figures;
  const summary = table(
    'daily-summary',
    [rt('colFigure'), rt('colDay'), rt('colPreviousDay'), rt('colLastWeek')],
    FIGURES.map(([k, label]) => [rt(label), f.day[k] as number, f.previousDay[k] as number, f.sameDayLastWeek[k] as number]),
  );
  // Only the natures that occurred: the hub lists every configured one, mostly with 0.
  const natures = Object.entries(f.day.casesByNature)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  const threeDays = `${rt('colDay')} / ${rt('colPreviousDay')} / ${rt('colLastWeek')}`;
  const el = h(
    'article',
    { class: 'report', attrs: { id: 'report-daily', 'data-date': r.date } },
    h('h1', { text: rt('dailyTitle', { date: r.date }) }),
    badge,
    headline(rt('excludedNote', { test: r.excluded.test, drill: r.excluded.drill })),
    section(rt('tabDaily'), summary, exportLinks('daily', ctx.params, 'summary')),
    section(rt('dailyByCategory'), chartBox('chart-daily-category', rt('dailyByCategory'))),
    section(
      rt('dailyByNature'),
      h(
        'div',
        { class: 'split' },
        table(
          'daily-nature',
          [rt('colNature'), rt('colCount')],
          natures.map(([code, n]) => [natureName(ctx, code), n]),
        ),
        chartBox('chart-daily-nature', rt('dailyByNature')),
      ),
      exportLinks('daily', ctx.params, 'by_nature'),
    ),
    section(
      rt('withNote', { text: rt('dailyByStation'), note: threeDays }),
      table(
        'daily-station',
        [rt('colStation'), ...COUNTS.map(([, l]) => rt(l))],
        r.byStation.map((s) => [s.stationName || stationName(ctx, s.stationId), ...COUNTS.map(([k]) => triple(s, k))]),
      ),
      exportLinks('daily', ctx.params, 'by_station'),
    ),
    section(
      rt('withNote', { text: rt('dailyByCell'), note: threeDays }),
      table(
        'daily-cell',
        [rt('colCell'), rt('colCommunity'), rt('colStation'), ...COUNTS.map(([, l]) => rt(l))],
        r.byCell.map((c) => [c.cellId ? c.cellName : rt('noCell'), c.community, stationName(ctx, c.stationId), ...COUNTS.map(([k]) => triple(c, k))]),
      ),
      exportLinks('daily', ctx.params, 'by_cell'),
    ),
  );
  return {
    el,
    mounted() {
      const w = words();
      drawChart(el.querySelector<HTMLElement>('#chart-daily-category')!, {
        legend: { data: [rt('colDay'), rt('colPreviousDay'), rt('colLastWeek')] },
        xAxis: { type: 'category', data: CATEGORIES.map((c) => w.categories[c]) },
        yAxis: { type: 'value', minInterval: 1 },
        series: (
          [
            ['colDay', f.day],
            ['colPreviousDay', f.previousDay],
            ['colLastWeek', f.sameDayLastWeek],
          ] as const
        ).map(([label, fig]) => ({ type: 'bar' as const, name: rt(label), data: CATEGORIES.map((c) => fig.receivedByCategory[c] ?? 0) })),
      });
      drawChart(el.querySelector<HTMLElement>('#chart-daily-nature')!, {
        tooltip: { trigger: 'item' },
        legend: { show: false },
        series: [{ type: 'pie', radius: ['35%', '65%'], data: natures.map(([code, n]) => ({ name: natureName(ctx, code), value: n })) }],
      });
    },
  };
}
