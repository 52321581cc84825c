/** Device and site quality: false alarms per 100 alarm messages by site and device (repeat offenders first), online rate, supervision. */
import type { DeviceQualityReport } from '../../../src/contract/reports.js';
import { h } from '../dom.js';
import { formatTime } from '../format.js';
import { drawChart } from './charts.js';
import { stationName, type View, type ViewContext } from './context.js';
import { formatRate, formatShare } from './format.js';
import { rt } from './text.js';
import { chartBox, exportLinks, headline, section, table } from './ui.js';

/** The worst sites shown in the chart; the table lists them all. */
const CHART_SITES = 10;

export function devicesView(r: DeviceQualityReport, ctx: ViewContext): View {
  const siteName = (id: string): string => r.sites.find((s) => s.siteId === id)?.siteName ?? ctx.dir.sites.find((s) => s.id === id)?.name ?? id;
  const worst = r.sites.filter((s) => s.falsePer100 !== null && s.falseAlarms > 0).slice(0, CHART_SITES);
  const el = h(
    'article',
    { class: 'report', attrs: { id: 'report-devices', 'data-month': r.month } },
    h('h1', { text: rt('devicesTitle', { month: r.month }) }),
    headline(rt('onlineRate', { rate: formatShare(r.onlineRate) }), rt('testsMissed', { n: r.testsMissed })),
    section(
      rt('sitesTitle'),
      chartBox('chart-devices-false', rt('falseChart')),
      table(
        'devices-sites',
        [rt('colRank'), rt('colSite'), rt('colStation'), rt('colAlarmEvents'), rt('colIncidents'), rt('colFalse'), rt('colFalsePer100')],
        r.sites.map((s) => [s.rank ?? '', s.siteName, stationName(ctx, s.stationId), s.alarmEvents, s.incidents, s.falseAlarms, formatRate(s.falsePer100)]),
      ),
      exportLinks('devices', ctx.params, 'sites'),
    ),
    section(
      rt('devicesTableTitle'),
      table(
        'devices-devices',
        [rt('colRank'), rt('colDevice'), rt('colSite'), rt('colAlarmEvents'), rt('colFalseEvents'), rt('colFalsePer100')],
        r.devices.map((d) => [d.rank ?? '', d.deviceId, siteName(d.siteId), d.alarmEvents, d.falseEvents, formatRate(d.falsePer100)]),
      ),
      exportLinks('devices', ctx.params, 'devices'),
    ),
    section(
      rt('supervisionTitle'),
      table(
        'devices-supervision',
        [rt('colDevice'), rt('colSite'), rt('colOnline'), rt('colLastSeen'), rt('colTestMissed'), rt('colOfflineAlarms'), rt('colOfflineMinutes')],
        r.supervision.map((s) => [
          s.deviceId,
          siteName(s.siteId),
          s.online === null ? rt('unknown') : s.online ? rt('online') : rt('offline'),
          s.lastSeenAt ? formatTime(s.lastSeenAt, false) : '',
          s.testMissed ? rt('yes') : rt('no'),
          s.offlineAlarms,
          s.offlineMinutes,
        ]),
      ),
      exportLinks('devices', ctx.params, 'supervision'),
    ),
  );
  return {
    el,
    mounted() {
      drawChart(el.querySelector<HTMLElement>('#chart-devices-false')!, {
        grid: { left: 8, right: 24, top: 16, bottom: 16, containLabel: true },
        xAxis: { type: 'value' },
        yAxis: { type: 'category', data: worst.map((s) => s.siteName).reverse() },
        series: [{ type: 'bar', barMaxWidth: 36, name: rt('colFalsePer100'), data: worst.map((s) => Math.round((s.falsePer100 ?? 0) * 10) / 10).reverse() }],
      });
    },
  };
}
