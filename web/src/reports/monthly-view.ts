/** Monthly analysis per grid cell: counts by category with changes, the heat map, hour and weekday, top sites, patrol suggestions. */
import type { MonthlyReport } from '../../../src/contract/reports.js';
import { h } from '../dom.js';
import { words } from '../i18n/index.js';
import { drawChart } from './charts.js';
import { stationName, type View, type ViewContext } from './context.js';
import { CATEGORY_ORDER, changeOf, formatChange } from './format.js';
import { drawHeatMap } from './heat-map.js';
import { rt, sayPatrol, weekdayNames } from './text.js';
import { chartBox, exportLinks, headline, section, table } from './ui.js';

export function monthlyView(r: MonthlyReport, ctx: ViewContext): View {
  const w = words();
  const cells = r.byCell.filter((c) => c.total > 0 || c.previousMonth > 0 || c.sameMonthLastYear > 0);
  const mapEl = h('div', { class: 'heat-map', attrs: { id: 'heat-map' } });
  const el = h(
    'article',
    { class: 'report', attrs: { id: 'report-monthly', 'data-month': r.month } },
    h('h1', { text: rt('monthlyTitle', { month: r.month }) }),
    headline(
      rt('totalReceived', { n: r.totals.received }),
      rt('totalReal', { n: r.totals.real }),
      rt('totalFalse', { n: r.totals.falseAlarms }),
      rt('withNote', {
        text: rt('totalPrevious', { n: r.totals.previousMonth }),
        note: formatChange(changeOf(r.totals.received, r.totals.previousMonth), rt('none')),
      }),
      rt('withNote', {
        text: rt('totalLastYear', { n: r.totals.sameMonthLastYear }),
        note: formatChange(changeOf(r.totals.received, r.totals.sameMonthLastYear), rt('none')),
      }),
      rt('excludedNote', { test: r.excluded.test, drill: r.excluded.drill }),
    ),
    section(
      rt('dailyByCell'),
      table(
        'monthly-cell',
        [
          rt('colCell'),
          rt('colCommunity'),
          rt('colStation'),
          ...CATEGORY_ORDER.map((c) => w.categories[c]),
          rt('colTotal'),
          rt('colReal'),
          rt('colFalse'),
          rt('colPreviousMonth'),
          rt('colChangeMonth'),
          rt('colLastYear'),
          rt('colChangeYear'),
        ],
        cells.map((c) => [
          c.cellId ? c.cellName : rt('noCell'),
          c.community,
          stationName(ctx, c.stationId),
          ...CATEGORY_ORDER.map((k) => c.byCategory[k] ?? 0),
          c.total,
          c.real,
          c.falseAlarms,
          c.previousMonth,
          formatChange(c.changeVsPreviousMonth, c.total > 0 ? rt('changeNew') : rt('none')),
          c.sameMonthLastYear,
          formatChange(c.changeVsLastYear, c.total > 0 ? rt('changeNew') : rt('none')),
        ]),
      ),
      exportLinks('monthly', ctx.params, 'by_cell'),
    ),
    section(rt('heatTitle'), mapEl, h('p', { class: 'muted', text: rt('heatLegend') })),
    section(rt('cellCategoryTitle'), chartBox('chart-monthly-cells', rt('cellCategoryTitle'), true)),
    h(
      'div',
      { class: 'split' },
      section(rt('hourTitle'), chartBox('chart-monthly-hour', rt('hourTitle')), exportLinks('monthly', ctx.params, 'hour_of_day')),
      section(rt('weekdayTitle'), chartBox('chart-monthly-weekday', rt('weekdayTitle')), exportLinks('monthly', ctx.params, 'day_of_week')),
    ),
    section(
      rt('topSitesTitle'),
      table(
        'monthly-top-sites',
        [rt('colSite'), rt('colCell'), rt('colIncidents'), rt('colAlarmEvents'), rt('colReal'), rt('colFalse')],
        r.topSites.map((s) => [s.siteName, cellName(ctx, s.cellId), s.incidents, s.alarmEvents, s.real, s.falseAlarms]),
      ),
      exportLinks('monthly', ctx.params, 'top_sites'),
    ),
    section(
      rt('patrolTitle'),
      h('ol', { class: 'patrol', attrs: { id: 'patrol' } }, ...r.suggestions.map((s) => h('li', { text: sayPatrol(s), dataset: { code: s.code } }))),
      exportLinks('monthly', ctx.params, 'patrol'),
    ),
  );
  return {
    el,
    mounted() {
      drawHeatMap(mapEl, ctx.dir, r.heat);
      const names = cells.map((c) => (c.cellId ? c.cellName : rt('noCell')));
      const data: Array<[number, number, number]> = [];
      cells.forEach((c, y) => CATEGORY_ORDER.forEach((k, x) => data.push([x, y, c.byCategory[k] ?? 0])));
      drawChart(el.querySelector<HTMLElement>('#chart-monthly-cells')!, {
        tooltip: { trigger: 'item' },
        grid: { left: 8, right: 16, top: 16, bottom: 64, containLabel: true },
        xAxis: { type: 'category', data: CATEGORY_ORDER.map((k) => w.categories[k]) },
        yAxis: { type: 'category', data: names },
        visualMap: {
          min: 0,
          max: Math.max(1, ...data.map((d) => d[2])),
          calculable: true,
          orient: 'horizontal',
          left: 'center',
          bottom: 0,
          inRange: { color: ['#1a2740', '#fdba74', '#dc2626'] },
          textStyle: { color: '#c9d6ea' },
        },
        series: [{ type: 'heatmap', data, label: { show: true, color: '#fff' } }],
      });
      const bars = (id: string, labels: readonly string[], all: number[], real: number[]): void => {
        drawChart(el.querySelector<HTMLElement>(id)!, {
          legend: { data: [rt('seriesAll'), rt('seriesReal')] },
          xAxis: { type: 'category', data: [...labels] },
          yAxis: { type: 'value', minInterval: 1 },
          series: [
            { type: 'bar', name: rt('seriesAll'), data: all },
            { type: 'line', name: rt('seriesReal'), data: real, smooth: false },
          ],
        });
      };
      bars(
        '#chart-monthly-hour',
        Array.from({ length: 24 }, (_, i) => String(i)),
        r.hourOfDay.all,
        r.hourOfDay.real,
      );
      bars('#chart-monthly-weekday', weekdayNames(), r.dayOfWeek.all, r.dayOfWeek.real);
    },
  };
}

function cellName(ctx: ViewContext, id: string | null): string {
  if (!id) return rt('noCell');
  return ctx.dir.cells.find((c) => c.properties.id === id)?.properties.name ?? id;
}
