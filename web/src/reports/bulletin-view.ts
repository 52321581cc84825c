/**
 * 社区警情通报: public-facing, so it shows only what the hub put in it (no names, phones, door plates
 * or addresses — road and cell only). On paper (print CSS) it is the whole page: A4, no console chrome.
 */
import type { BulletinReport } from '../../../src/contract/reports.js';
import { h } from '../dom.js';
import { pick, words } from '../i18n/index.js';
import { drawChart } from './charts.js';
import type { View, ViewContext } from './context.js';
import { CATEGORY_ORDER, changeOf, formatChange, reportUrl } from './format.js';
import { rt } from './text.js';
import { chartBox, exportLinks, section, table } from './ui.js';
import { lang } from '../i18n/index.js';

export function bulletinView(r: BulletinReport, ctx: ViewContext): View {
  const w = words();
  const tools = h(
    'div',
    { class: 'bulletin-tools no-print' },
    h('button', { class: 'btn', text: rt('print'), attrs: { id: 'bulletin-print', type: 'button' }, on: { click: () => window.print() } }),
    h('a', {
      class: 'btn',
      text: rt('exportHtml'),
      attrs: { id: 'bulletin-html', href: reportUrl('bulletin', ctx.params, 'html', { lang: lang() }), download: '' },
    }),
  );
  const el = h(
    'article',
    { class: 'report bulletin', attrs: { id: 'report-bulletin', 'data-community': r.community } },
    tools,
    h('h1', { text: rt('bulletinTitle', { community: r.community }) }),
    h('p', { class: 'bulletin-period', text: rt('bulletinPeriod', { first: r.firstDay, last: r.lastDay }) }),
    h(
      'p',
      { class: 'bulletin-lead' },
      rt('bulletinTotal', { n: r.total, previous: r.previousTotal, change: formatChange(changeOf(r.total, r.previousTotal), rt('none')) }),
      ' ',
      rt('bulletinFalse', { n: r.falseAlarms }),
    ),
    section(
      rt('bulletinDominant'),
      h(
        'ol',
        { class: 'bulletin-advice', attrs: { id: 'bulletin-advice' } },
        ...r.dominant.map((d) =>
          h(
            'li',
            {},
            h('strong', { text: rt('withNote', { text: pick(d.zh, d.en), note: d.count }) }),
            d.advice ? h('div', {}, h('em', { text: d.advice.title }), h('p', { text: d.advice.text })) : h('p', { class: 'muted', text: rt('noAdvice') }),
          ),
        ),
      ),
    ),
    h(
      'div',
      { class: 'split' },
      section(rt('bulletinByCategory'), chartBox('chart-bulletin-category', rt('bulletinByCategory'))),
      section(rt('bulletinTrend'), chartBox('chart-bulletin-trend', rt('bulletinTrend'))),
    ),
    section(
      rt('bulletinByNature'),
      table(
        'bulletin-nature',
        [rt('colNature'), rt('colCount'), rt('colPrevious')],
        r.byNature.map((n) => [pick(n.zh, n.en), n.count, n.previous]),
      ),
      exportLinks('bulletin', ctx.params, 'by_nature'),
    ),
    section(
      rt('bulletinRoads'),
      table(
        'bulletin-roads',
        [rt('colRoad'), rt('colCount')],
        r.roads.map((x) => [x.road, x.count]),
      ),
      exportLinks('bulletin', ctx.params, 'roads'),
    ),
    h('p', { class: 'bulletin-footer', text: rt('bulletinFooter') }),
  );
  return {
    el,
    mounted() {
      drawChart(el.querySelector<HTMLElement>('#chart-bulletin-category')!, {
        tooltip: { trigger: 'item' },
        legend: { show: false },
        series: [
          {
            type: 'pie',
            radius: ['30%', '62%'],
            data: CATEGORY_ORDER.filter((c) => (r.byCategory[c] ?? 0) > 0).map((c) => ({ name: w.categories[c], value: r.byCategory[c] })),
          },
        ],
      });
      drawChart(el.querySelector<HTMLElement>('#chart-bulletin-trend')!, {
        xAxis: { type: 'category', data: r.trend.map((x) => x.label.slice(5)) },
        yAxis: { type: 'value', minInterval: 1 },
        series: [{ type: 'line', name: rt('bulletinTrend'), data: r.trend.map((x) => x.count), areaStyle: {} }],
      });
    },
  };
}
