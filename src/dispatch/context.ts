/**
 * Time context for triage: is this moment night or a holiday in the centre's time zone? Pure, so
 * tests give it instants and configs.
 */
export interface NightConfig {
  night: { fromMinute: number; toMinute: number } | null;
  holidays: readonly string[];
  timezone: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/**
 * The last answer per zone, by the minute it is for: formatToParts costs ~6 µs, and with night hours
 * configured every event asks, nearly always within the minute of the one before. Zone offsets are
 * whole minutes for every date since 1972 (seconds only in local mean time before ~1900).
 */
const lastMinute = new Map<string, { minuteOfEpoch: number; parts: { date: string; minute: number } }>();

function localParts(ms: number, timezone: string): { date: string; minute: number } {
  const minuteOfEpoch = Math.floor(ms / 60_000);
  const last = lastMinute.get(timezone);
  if (last?.minuteOfEpoch === minuteOfEpoch) return last.parts;
  const parts = formatParts(ms, timezone);
  lastMinute.set(timezone, { minuteOfEpoch, parts });
  return parts;
}

function formatParts(ms: number, timezone: string): { date: string; minute: number } {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timezone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** True during configured night hours (a window may wrap midnight) or on a configured holiday. */
export function isNightOrHoliday(ms: number, c: NightConfig): boolean {
  if (!c.night && c.holidays.length === 0) return false;
  const { date, minute } = localParts(ms, c.timezone);
  if (c.holidays.includes(date)) return true;
  if (!c.night) return false;
  const { fromMinute: from, toMinute: to } = c.night;
  return from <= to ? minute >= from && minute < to : minute >= from || minute < to;
}
