/** Times as operators read them: local time with the zone, and live-ticking ages. */

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

/** "UTC+8", "UTC-3:30", "UTC" for the browser's offset at that moment. */
export function utcOffset(d: Date): string {
  const m = -d.getTimezoneOffset();
  if (m === 0) return 'UTC';
  const sign = m > 0 ? '+' : '-';
  const a = Math.abs(m);
  return `UTC${sign}${Math.floor(a / 60)}${a % 60 ? `:${pad(a % 60)}` : ''}`;
}

/** Short zone name where the browser knows one that is not just an offset (CST, CET, ...). */
function zoneAbbreviation(d: Date): string | null {
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
    const name = part?.value ?? '';
    return /^[A-Z]{2,5}$/.test(name) ? name : null;
  } catch {
    return null;
  }
}

/** The browser's zone, e.g. "Asia/Shanghai". */
export function zoneName(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || utcOffset(new Date());
  } catch {
    return utcOffset(new Date());
  }
}

/** Chinese time zones have no short name in Intl: the country's official "CST" (China Standard Time). */
function abbreviationFor(d: Date): string | null {
  const zone = zoneName();
  if (/^Asia\/(Shanghai|Chongqing|Harbin|Urumqi|Chungking)$/.test(zone) || zone === 'PRC') return 'CST';
  return zoneAbbreviation(d);
}

/** 2026-11-29 13:05:12 CST / UTC+8 */
export function formatTime(iso: string | number, withZone = true): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const s = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (!withZone) return s;
  const abbr = abbreviationFor(d);
  const off = utcOffset(d);
  return abbr ? `${s} ${abbr} / ${off}` : `${s} ${off}`;
}

/** 13:05:12 */
export function formatClock(iso: string | number): string {
  const d = new Date(iso);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Age since `iso` on the hub's clock: 45s, 3:07, 1:02:09. */
export function formatAge(iso: string): string {
  const s = Math.max(0, Math.floor((serverNow() - Date.parse(iso)) / 1000));
  const hours = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (hours > 0) return `${hours}:${pad(m)}:${pad(sec)}`;
  if (m > 0) return `${m}:${pad(sec)}`;
  return `${sec}s`;
}
