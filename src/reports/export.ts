/**
 * Report exports: CSV (UTF-8 with a BOM, so Excel opens Chinese correctly), XLSX (exceljs, one
 * sheet per table) and a standalone HTML page (server-side rendered, every value escaped; the
 * bulletin's is the public one). All are written from tables.ts, so the three agree.
 */
import ExcelJS from 'exceljs';
import type { AnyReport, BulletinReport } from '../contract/reports.js';
import { type Cell, type Lang, REPORT_TITLES, type ReportTable, tablesOf, word } from './tables.js';

const BOM = '\uFEFF';

/**
 * A text cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR) gets a leading
 * apostrophe: a site name from a YAML file must never become a formula in the reader's Excel.
 */
function safeText(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

function csvField(c: Cell): string {
  if (c === null) return '';
  if (typeof c === 'number') return String(c);
  const s = safeText(c);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One table as CSV text, BOM first, CRLF line ends (RFC 4180). */
export function toCsv(table: ReportTable, lang: Lang): string {
  const lines = [table.columns.map((c) => csvField(word(c, lang))), ...table.rows.map((r) => r.map(csvField))];
  return BOM + lines.map((l) => l.join(',')).join('\r\n') + '\r\n';
}

/** Every table of the report as a sheet named by its table id. */
export async function toXlsx(report: AnyReport, lang: Lang): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'SafeGrid';
  wb.created = new Date(report.generatedAt);
  for (const t of tablesOf(report)) {
    const ws = wb.addWorksheet(t.id);
    ws.addRow(t.columns.map((c) => word(c, lang))).font = { bold: true };
    for (const r of t.rows) ws.addRow(r.map((c) => (typeof c === 'string' ? safeText(c) : c)));
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c] ?? c);
const cellHtml = (c: Cell): string => (c === null ? '' : escapeHtml(String(c)));

function tableHtml(t: ReportTable, lang: Lang): string {
  const head = t.columns.map((c) => `<th>${escapeHtml(word(c, lang))}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${cellHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<section><h2>${escapeHtml(word(t.title, lang))}</h2><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></section>`;
}

const STYLE = `body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#111}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #999;padding:.25em .6em;text-align:left}
th{background:#eee}h1{font-size:1.6em}h2{font-size:1.2em}.advice{border-left:4px solid #c00;padding:.2em .8em;margin:.6em 0}
@media print{body{margin:0}section{break-inside:avoid}}`;

function page(title: string, lang: Lang, body: string): string {
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head>
<body>
${body}
</body></html>
`;
}

function bulletinBody(r: BulletinReport, lang: Lang): string {
  const en = lang === 'en';
  const period = `${r.firstDay} – ${r.lastDay}`;
  const heading = en ? `${r.community}: community bulletin (${period})` : `${r.community}${r.community.endsWith('社区') ? '' : '社区'}警情通报（${period}）`;
  const summary = en
    ? `${r.total} real incidents (previous period ${r.previousTotal}); ${r.falseAlarms} false alarms.`
    : `本期共发生有效警情${r.total}起（上期${r.previousTotal}起），误报${r.falseAlarms}起。`;
  const dominant = r.dominant
    .map((d) => {
      const name = en ? d.en : d.zh;
      const line = en ? `${name}: ${d.count}` : `${name}：${d.count}起`;
      const advice = d.advice ? `<div class="advice"><strong>${escapeHtml(d.advice.title)}</strong><p>${escapeHtml(d.advice.text)}</p></div>` : '';
      return `<li>${escapeHtml(line)}${advice}</li>`;
    })
    .join('\n');
  const cells = r.cells.map((c) => c.cellName).join('、');
  return [
    `<h1>${escapeHtml(heading)}</h1>`,
    `<p>${escapeHtml(en ? `Grid cells: ${cells}` : `网格：${cells}`)}</p>`,
    `<p>${escapeHtml(summary)}</p>`,
    `<section><h2>${escapeHtml(en ? 'Main problems and what to do' : '主要警情与防范提示')}</h2><ol>${dominant}</ol></section>`,
    ...tablesOf(r).map((t) => tableHtml(t, lang)),
  ].join('\n');
}

/** A standalone HTML page of the report (no script, no external resource; prints with its own CSS). */
export function toHtml(report: AnyReport, lang: Lang): string {
  const title = word(REPORT_TITLES[report.kind], lang);
  if (report.kind === 'bulletin') return page(title, lang, bulletinBody(report, lang));
  const when = 'date' in report ? report.date : 'month' in report ? report.month : '';
  const body = [`<h1>${escapeHtml(`${title} ${when}`)}</h1>`, `<p>${escapeHtml(report.timezone)}</p>`, ...tablesOf(report).map((t) => tableHtml(t, lang))];
  return page(title, lang, body.join('\n'));
}
