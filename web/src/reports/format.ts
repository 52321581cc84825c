/**
 * Pure formatting of report figures (no DOM, no language state): shares, changes, the default day
 * and month in the centre's zone, and the export links. Unit-tested in test/unit/web-reports-format.test.ts.
 */
import { localParts } from '../../../src/contract/local-time.js';
import { type ReportFormat, type ReportKind, REPORT_PATHS } from '../../../src/contract/reports.js';

/** 0.853 → "85.3%"; null (nothing to share) → the dash. */
export function formatShare(share: number | null | undefined, none = '—'): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return none;
  return `${(share * 100).toFixed(1).replace(/\.0$/, '')}%`;
}

/** A relative change as a signed percentage: +12.5%, −3%, 0%; null (nothing before) → `none`. */
export function formatChange(change: number | null | undefined, none = '—'): string {
  if (change === null || change === undefined || !Number.isFinite(change)) return none;
  const pct = Math.round(change * 1000) / 10;
  if (pct === 0) return '0%';
  return `${pct > 0 ? '+' : '−'}${String(Math.abs(pct)).replace(/\.0$/, '')}%`;
}

/** The change from `before` to `now` (null when there was nothing before). */
export function changeOf(now: number, before: number): number | null {
  return before === 0 ? null : (now - before) / before;
}

/** A rate such as false alarms per 100 alarm messages, one decimal. */
export function formatRate(rate: number | null | undefined, none = '—'): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return none;
  return rate.toFixed(1);
}

/** `YYYY-MM-DD` of the day before `now` in `zone` (the daily report's default: yesterday is complete). */
export function yesterday(now: number, zone: string): string {
  const p = localParts(now, zone);
  const d = new Date(Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day) - 1));
  return d.toISOString().slice(0, 10);
}

/** `YYYY-MM` of the month before the one `now` falls in, in `zone` (the monthly default: a whole month). */
export function lastMonth(now: number, zone: string): string {
  const p = localParts(now, zone);
  const d = new Date(Date.UTC(Number(p.year), Number(p.month) - 2, 1));
  return d.toISOString().slice(0, 7);
}

/** `YYYY-MM-DD` of today in `zone`. */
export function today(now: number, zone: string): string {
  const p = localParts(now, zone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** Seconds as a whole number of minutes for a standard: 300 → "5", 90 → "1.5". */
export function minutesOf(seconds: number): string {
  return String(Math.round((seconds / 60) * 10) / 10);
}

export type ReportParams = Partial<Record<'date' | 'month' | 'station' | 'community' | 'period', string>>;

/**
 * The URL of a report in a format: `/api/reports/monthly?month=2026-11&station=ps-a&format=csv&table=by_cell&lang=zh-CN`.
 * Empty parameters are left out, so "all stations" is no `station=` at all.
 */
export function reportUrl(
  kind: ReportKind,
  params: ReportParams,
  format: ReportFormat = 'json',
  extra: { table?: string; lang?: 'zh-CN' | 'en' } = {},
): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  if (format !== 'json') q.set('format', format);
  if (extra.table) q.set('table', extra.table);
  if (extra.lang) q.set('lang', extra.lang);
  const s = q.toString();
  return s ? `${REPORT_PATHS[kind]}?${s}` : REPORT_PATHS[kind];
}

/** A heat colour for a count out of `max`: transparent-ish blue for none, through amber, to red. */
export function heatColour(count: number, max: number): string {
  if (count <= 0 || max <= 0) return '#26385a';
  const steps = ['#fde68a', '#fdba74', '#fb923c', '#f97316', '#ea580c', '#dc2626', '#991b1b'];
  const i = Math.min(steps.length - 1, Math.floor((count / max) * (steps.length - 1) + 0.0001));
  return steps[i]!;
}

import type { Category } from '../../../src/contract/alarm-event.js';

/** The categories in the order the 110 centre lists them. */
export const CATEGORY_ORDER = ['police', 'fire', 'traffic', 'medical', 'technical'] as const satisfies readonly Category[];
