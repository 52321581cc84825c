/** Building blocks of the report views: sections, tables and export links, all through dom.ts (no HTML strings). */
import type { ReportKind } from '../../../src/contract/reports.js';
import { h } from '../dom.js';
import { lang } from '../i18n/index.js';
import { type ReportParams, reportUrl } from './format.js';
import { rt } from './text.js';

export type Cell = string | number | Node | null | undefined;

/** A table with a header row; `id` names it for tests and print. Numbers are right-aligned. */
export function table(id: string, headings: string[], rows: Cell[][]): HTMLElement {
  const body = rows.length
    ? rows.map((r) =>
        h('tr', {}, ...r.map((c) => h('td', { class: typeof c === 'number' ? 'num' : '' }, c === null || c === undefined || c === '' ? rt('none') : c))),
      )
    : [h('tr', {}, h('td', { class: 'empty', text: rt('emptyTable'), attrs: { colspan: String(headings.length) } }))];
  return h(
    'table',
    { class: 'report-table', attrs: { id } },
    h('thead', {}, h('tr', {}, ...headings.map((x) => h('th', { text: x, attrs: { scope: 'col' } })))),
    h('tbody', {}, ...body),
  );
}

/** A titled block of a report, with its export links when it is an exportable table. */
export function section(title: string, ...children: Array<Node | null>): HTMLElement {
  return h('section', { class: 'report-section' }, h('h2', { text: title }), ...children);
}

/** The CSV and XLSX links of one table of a report (the hub builds the files; column headings in the page's language). */
export function exportLinks(kind: ReportKind, params: ReportParams, tableId: string): HTMLElement {
  const l = lang();
  return h(
    'div',
    { class: 'export-links no-print' },
    h('a', {
      class: 'btn btn-small',
      text: rt('exportCsv'),
      attrs: { href: reportUrl(kind, params, 'csv', { table: tableId, lang: l }), download: '', 'data-export': `csv:${tableId}` },
    }),
    h('a', {
      class: 'btn btn-small',
      text: rt('exportXlsx'),
      attrs: { href: reportUrl(kind, params, 'xlsx', { lang: l }), download: '', 'data-export': 'xlsx' },
    }),
  );
}

/** A box an ECharts chart is drawn into once it is on the page (it needs its size). */
export function chartBox(id: string, title: string, tall = false): HTMLElement {
  return h('figure', { class: 'chart-figure' }, h('figcaption', { text: title }), h('div', { class: tall ? 'chart chart-tall' : 'chart', attrs: { id } }));
}

/** A row of headline figures: "接警 12 起 · 有效警情 5 起 …". */
export function headline(...items: string[]): HTMLElement {
  return h('p', { class: 'headline' }, ...items.map((x) => h('span', { class: 'headline-item', text: x })));
}
