/**
 * Wall-clock time in the dispatch centre's zone (hub.yaml `timezone`), for the hub's messages
 * (guard alerts) and the pages alike: the same parts, whatever zone the machine or browser is set to.
 */

/** Zones that keep China Standard Time, called 北京时间 on every Chinese clock. */
const BEIJING_TIME = /^(Asia\/(Shanghai|Chongqing|Chungking|Harbin)|PRC)$/;

export function isBeijingTime(zone: string): boolean {
  return BEIJING_TIME.test(zone);
}

export type LocalParts = Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string>;

/** One formatter per zone: building an Intl.DateTimeFormat costs far more than using one. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Year, month, day, hour, minute, second (two digits, 24-hour) of `ms` in `zone`. */
export function localParts(ms: number, zone: string): LocalParts {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, f);
  }
  const out: LocalParts = { year: '', month: '', day: '', hour: '', minute: '', second: '' };
  for (const p of f.formatToParts(ms)) if (p.type in out) out[p.type as keyof LocalParts] = p.value;
  return out;
}

/** `2026-12-03 12:22:01` in `zone`. */
export function localDateTime(ms: number, zone: string): string {
  const p = localParts(ms, zone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}
