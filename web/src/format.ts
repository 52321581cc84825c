/** Times as operators read them: the centre's time with its zone, and live-ticking ages. */
import { isBeijingTime, type LocalParts, localParts } from '../../src/contract/local-time.js';
import { t } from './i18n/index.js';

/** Server time minus browser time (ms): ages are counted on the hub's clock, not the PC's. */
let skewMs = 0;

export function setServerTime(iso: string): void {
  const server = Date.parse(iso);
  if (Number.isFinite(server)) skewMs = server - Date.now();
}

export function serverNow(): number {
  return Date.now() + skewMs;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * The dispatch centre's time zone (hub.yaml `timezone`, sent with GET /api/session): every time on
 * the console and the guard page is shown in it, whatever zone the browser's PC is set to, so two
 * desks and the 警情编号's day always agree.
 */
let centreZone = 'Asia/Shanghai';

/** Sets the centre's zone; an unknown name keeps the current one (the page never shows a wrong zone silently: the hub validated it). */
export function setTimeZone(zone: string | null | undefined): void {
  if (!zone) return;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    centreZone = zone;
  } catch {
    // An IANA name this browser does not know: keep the default rather than the PC's zone.
  }
}

export function timeZone(): string {
  return centreZone;
}

function partsOf(ms: number): LocalParts {
  return localParts(ms, centreZone);
}

/** "UTC+08:00", "UTC-03:30", "UTC" for the centre's zone at that moment. */
export function utcOffset(d: Date): string {
  try {
    const name =
      new Intl.DateTimeFormat('en-US', { timeZone: centreZone, timeZoneName: 'longOffset' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ??
      '';
    const m = /^GMT([+-]\d{2}:\d{2})?$/.exec(name);
    if (m) return m[1] ? `UTC${m[1]}` : 'UTC';
  } catch {
    // longOffset unknown to an old browser: the zone's name says enough.
  }
  return centreZone;
}

/** The zone as the operator reads it: 北京时间 / Beijing time for China Standard Time, else UTC±hh:mm. */
export function zoneLabel(d: Date = new Date()): string {
  if (isBeijingTime(centreZone)) return t('zoneBeijing');
  return utcOffset(d);
}

/** The centre's zone by its IANA name, e.g. "Asia/Shanghai" (the clock's tooltip). */
export function zoneName(): string {
  return centreZone;
}

/** 2026-11-29 13:05:12 北京时间 — in the centre's zone, whatever the browser's. */
export function formatTime(iso: string | number, withZone = true): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = partsOf(d.getTime());
  const s = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
  return withZone ? `${s} ${zoneLabel(d)}` : s;
}

/** 13:05:12 in the centre's zone. */
export function formatClock(iso: string | number): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = partsOf(d.getTime());
  return `${p.hour}:${p.minute}:${p.second}`;
}

/**
 * A duration as operators say it, never like a time of day: `45秒`, `21分08秒`, `1小时05分`
 * (zh-CN); `45 s`, `21 min 08 s`, `1 h 05 min` (en). From an hour on, seconds no longer matter.
 */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (hours > 0) return t('durationHours', { h: hours, m: pad(m) });
  if (m > 0) return t('durationMinutes', { m, s: pad(sec) });
  return t('durationSeconds', { s: sec });
}

/** Age since `iso` on the hub's clock, as a duration (the queue's 时长). */
export function formatAge(iso: string): string {
  return formatDuration((serverNow() - Date.parse(iso)) / 1000);
}
