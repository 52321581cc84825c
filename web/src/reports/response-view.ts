/** Response times: 签收, 派警, 到场 and 处警总时长 (median, p90) and the shares within the standards, per station, operator and month. */
import { RESPONSE_STEPS, type ResponseReport, type ResponseRow, type ResponseStep } from '../../../src/contract/reports.js';
import { h } from '../dom.js';
import { formatDuration } from '../format.js';
import { drawChart } from './charts.js';
import { stationName, type View, type ViewContext } from './context.js';
import { formatShare } from './format.js';
import { rt } from './text.js';
import { chartBox, exportLinks, headline, section, table } from './ui.js';

const STEP_TEXT: Record<ResponseStep, Parameters<typeof rt>[0]> = { ack: 'stepAck', dispatch: 'stepDispatch', onScene: 'stepOnScene', total: 'stepTotal' };

const dur = (s: number | null): string => (s === null ? rt('none') : formatDuration(s));

export function responseView(r: ResponseReport, ctx: ViewContext): View {
  const limits = r.standards.onSceneSeconds.map((s) => formatDuration(s));
  const headings = (first: string): string[] => [
    first,
    rt('colN'),
    ...RESPONSE_STEPS.flatMap((s) => [`${rt(STEP_TEXT[s])} ${rt('colMedian')}`, `${rt(STEP_TEXT[s])} ${rt('colP90')}`]),
    rt('colAckWithin'),
    ...limits.map((limit) => rt('colOnSceneWithin', { limit })),
  ];
  const row = (label: string, x: ResponseRow): Array<string | number> => [
    label,
    x.steps.total.count || x.steps.ack.count,
    ...RESPONSE_STEPS.flatMap((s) => [dur(x.steps[s].median), dur(x.steps[s].p90)]),
    formatShare(x.ackWithin),
    ...limits.map((_, i) => formatShare(x.onSceneWithin[i] ?? null)),
  ];
  const el = h(
    'article',
    { class: 'report', attrs: { id: 'report-response', 'data-month': r.month } },
    h('h1', { text: rt('responseTitle', { month: r.month }) }),
    headline(
      rt('standards', { ack: formatDuration(r.standards.ackSeconds), onScene: limits.join(' / ') }),
      rt('excludedNote', { test: r.excluded.test, drill: r.excluded.drill }),
    ),
    section(
      rt('responseOverall'),
      table('response-overall', headings(''), [row(rt('responseOverall'), r.overall)]),
      exportLinks('response', ctx.params, 'overall'),
    ),
    section(
      rt('responseByStation'),
      table(
        'response-station',
        headings(rt('colStation')),
        r.byStation.map((x) => row(x.label || stationName(ctx, x.key), x)),
      ),
      chartBox('chart-response-share', rt('responseShareChart')),
      exportLinks('response', ctx.params, 'by_station'),
    ),
    section(
      rt('responseByOperator'),
      table(
        'response-operator',
        headings(rt('colOperator')),
        r.byOperator.map((x) => row(x.label || x.key, x)),
      ),
      exportLinks('response', ctx.params, 'by_operator'),
    ),
    section(
      rt('responseByMonth'),
      chartBox('chart-response-trend', rt('responseTrend')),
      table(
        'response-month',
        headings(rt('colMonth')),
        r.byMonth.map((x) => row(x.label || x.key, x)),
      ),
      exportLinks('response', ctx.params, 'by_month'),
    ),
  );
  return {
    el,
    mounted() {
      drawChart(el.querySelector<HTMLElement>('#chart-response-share')!, {
        xAxis: { type: 'category', data: r.byStation.map((x) => x.label || stationName(ctx, x.key)) },
        yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
        series: [
          {
            type: 'bar',
            barMaxWidth: 48,
            name: rt('colAckWithin'),
            data: r.byStation.map((x) => (x.ackWithin === null ? null : Math.round(x.ackWithin * 1000) / 10)),
          },
        ],
      });
      const minutes = (s: number | null): number | null => (s === null ? null : Math.round((s / 60) * 10) / 10);
      drawChart(el.querySelector<HTMLElement>('#chart-response-trend')!, {
        legend: { data: [rt('stepAck'), rt('stepOnScene')] },
        xAxis: { type: 'category', data: r.byMonth.map((x) => x.label || x.key) },
        yAxis: { type: 'value', axisLabel: { formatter: (v: number) => rt('unitMinutes', { v }) } },
        series: [
          { type: 'line', name: rt('stepAck'), data: r.byMonth.map((x) => minutes(x.steps.ack.median)) },
          { type: 'line', name: rt('stepOnScene'), data: r.byMonth.map((x) => minutes(x.steps.onScene.median)) },
        ],
      });
    },
  };
}
