/**
 * Days, weeks and months on the dispatch centre's wall clock (hub.yaml `triage.timezone`, else
 * `timezone`): a day is 00:00–24:00 there, never UTC, whatever zone the server runs in. Pure:
 * every answer comes from Intl with the zone named, never from the process's TZ.
 */
import { localParts } from '../contract/local-time.js';

/** `YYYY-MM-DD` */
export const DATE_RE = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
/** `YYYY-MM` */
export const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The local wall-clock moment as if it were UTC (ms), i.e. `ms` shifted by the zone's offset then. */
function wallMs(ms: number, zone: string): number {
  const p = localParts(ms, zone);
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) + (((ms % 1000) + 1000) % 1000);
}

/**
 * The instant at which the wall clock in `zone` reads year-month-day 00:00. Twice corrected, so a
 * DST change between the guess and the answer still lands on the right instant (China has none
 * today, but the zone is configurable).
 */
export function startOfLocalDay(y: number, m: number, d: number, zone: string): number {
  const target = Date.UTC(y, m - 1, d);
  let t = target;
  for (let i = 0; i < 3; i++) t += target - wallMs(t, zone);
  return t;
}

/** A valid calendar date `YYYY-MM-DD` (rejects 2026-02-30), as numbers. */
export function parseDate(s: string): { y: number; m: number; d: number } | null {
  const r = DATE_RE.exec(s);
  if (!r) return null;
  const [y, m, d] = [Number(r[1]), Number(r[2]), Number(r[3])];
  const back = new Date(Date.UTC(y, m - 1, d));
  return back.getUTCMonth() === m - 1 && back.getUTCDate() === d ? { y, m, d } : null;
}

export function parseMonth(s: string): { y: number; m: number } | null {
  const r = MONTH_RE.exec(s);
  return r ? { y: Number(r[1]), m: Number(r[2]) } : null;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Calendar arithmetic on dates (zone-free). */
export function addDays(date: string, days: number): string {
  const p = parseDate(date);
  if (!p) throw new Error(`not a date: ${date}`);
  const t = new Date(Date.UTC(p.y, p.m - 1, p.d + days));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

export function addMonths(month: string, months: number): string {
  const p = parseMonth(month);
  if (!p) throw new Error(`not a month: ${month}`);
  const t = new Date(Date.UTC(p.y, p.m - 1 + months, 1));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}`;
}

export interface Window {
  sinceMs: number;
  untilMs: number;
}

/** [00:00, next 00:00) of a local day. */
export function dayWindow(date: string, zone: string): Window {
  const p = parseDate(date);
  if (!p) throw new Error(`not a date: ${date}`);
  const n = parseDate(addDays(date, 1)) as { y: number; m: number; d: number };
  return { sinceMs: startOfLocalDay(p.y, p.m, p.d, zone), untilMs: startOfLocalDay(n.y, n.m, n.d, zone) };
}

/** [1st 00:00, next month's 1st 00:00) local. */
export function monthWindow(month: string, zone: string): Window {
  const p = parseMonth(month);
  if (!p) throw new Error(`not a month: ${month}`);
  const n = parseMonth(addMonths(month, 1)) as { y: number; m: number };
  return { sinceMs: startOfLocalDay(p.y, p.m, 1, zone), untilMs: startOfLocalDay(n.y, n.m, 1, zone) };
}

/** The local date of an instant. */
export function localDate(ms: number, zone: string): string {
  const p = localParts(ms, zone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** The local month `YYYY-MM` of an instant. */
export function localMonth(ms: number, zone: string): string {
  return localDate(ms, zone).slice(0, 7);
}

/** Local hour 0–23. */
export function localHour(ms: number, zone: string): number {
  return Number(localParts(ms, zone).hour);
}

/** Weekday of a date, 0 = Monday … 6 = Sunday. */
export function weekdayOf(date: string): number {
  const p = parseDate(date);
  if (!p) throw new Error(`not a date: ${date}`);
  return (new Date(Date.UTC(p.y, p.m - 1, p.d)).getUTCDay() + 6) % 7;
}

/** The Monday of the week holding `date`. */
export function mondayOf(date: string): string {
  return addDays(date, -weekdayOf(date));
}

/** Days in a month. */
export function daysInMonth(month: string): number {
  const p = parseMonth(month) as { y: number; m: number };
  return new Date(Date.UTC(p.y, p.m, 0)).getUTCDate();
}
