/**
 * Apache ECharts as the reports page uses it: only the bar, line, heat-map and pie charts, the
 * components they need and the canvas renderer are bundled (echarts/core, no CDN).
 *
 * The hub's CSP forbids inline styles and `innerHTML` is never used with data on these pages, so
 * tooltips render as rich text on the canvas (`renderMode: 'richText'`), not as an HTML box whose
 * markup would carry style attributes and site names.
 */
import { BarChart, HeatmapChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { type ComposeOption, type EChartsType, init, registerTheme, use } from 'echarts/core';
import type { BarSeriesOption, HeatmapSeriesOption, LineSeriesOption, PieSeriesOption } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TitleComponentOption, TooltipComponentOption, VisualMapComponentOption } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

use([BarChart, LineChart, HeatmapChart, PieChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

export type ChartOption = ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | HeatmapSeriesOption
  | PieSeriesOption
  | GridComponentOption
  | LegendComponentOption
  | TitleComponentOption
  | TooltipComponentOption
  | VisualMapComponentOption
>;

/** Colours that read on the dark console and on paper alike. */
export const PALETTE = ['#3d8bff', '#ff9f1a', '#31c46b', '#ff3b3b', '#b37feb', '#f5d90a', '#36cfc9', '#93a4c0'];

/** Ink of the words and axes: light on the dark console, black on paper. */
function theme(ink: string, line: string): object {
  const axis = {
    axisLabel: { color: ink },
    axisLine: { lineStyle: { color: line } },
    splitLine: { lineStyle: { color: line } },
    nameTextStyle: { color: ink },
  };
  return {
    color: PALETTE,
    backgroundColor: 'transparent',
    textStyle: { color: ink },
    legend: { textStyle: { color: ink } },
    categoryAxis: axis,
    valueAxis: axis,
    visualMap: { textStyle: { color: ink } },
  };
}
registerTheme('sg-screen', theme('#c9d6ea', '#26385a'));
registerTheme('sg-paper', theme('#000000', '#999999'));

const BASE: ChartOption = {
  textStyle: { fontFamily: "'Noto Sans CJK SC', 'Noto Sans SC', 'WenQuanYi Micro Hei', sans-serif" },
  tooltip: { renderMode: 'richText', trigger: 'axis', confine: true },
  legend: { top: 0 },
  grid: { left: 48, right: 16, top: 36, bottom: 36, containLabel: true },
  // Charts are redrawn whole on a language switch or a new day: no entry animation to wait for.
  animation: false,
};

/** The charts on the page now: redrawn in black ink for printing, disposed when their report goes. */
const live = new Set<EChartsType>();
const paper = window.matchMedia('print');
const themeNow = (): string => (paper.matches ? 'sg-paper' : 'sg-screen');
paper.addEventListener('change', () => {
  for (const c of live) c.setTheme(themeNow());
});

/** A chart in `el`, drawn with `option` on top of the page's defaults; resized with its box. */
export function drawChart(el: HTMLElement, option: ChartOption): EChartsType {
  const chart = init(el, themeNow(), { renderer: 'canvas' });
  chart.setOption({ ...BASE, ...option, tooltip: { ...(BASE.tooltip as object), ...((option.tooltip as object | undefined) ?? {}) } });
  const resize = new ResizeObserver(() => chart.resize());
  resize.observe(el);
  live.add(chart);
  chart.on('finished', () => {
    el.dataset.chart = 'ready';
  });
  el.dataset.chart = 'drawn';
  disposers.set(chart, () => resize.disconnect());
  return chart;
}

const disposers = new Map<EChartsType, () => void>();

/** Frees the charts of the report being replaced (their canvases, observers and listeners). */
export function disposeCharts(): void {
  for (const c of live) {
    disposers.get(c)?.();
    disposers.delete(c);
    c.dispose();
  }
  live.clear();
}
