/**
 * Time context for triage: is this moment night or a holiday in the centre's time zone? Pure, so
 * tests give it instants and configs.
 */
import { localParts } from '../contract/local-time.js';

export interface NightConfig {
  night: { fromMinute: number; toMinute: number } | null;
  holidays: readonly string[];
  timezone: string;
}

/**
 * The last answer per zone, by the minute it is for: formatting a time in a zone costs ~6 µs, and
 * with night hours configured every event asks, nearly always within the minute of the one before.
 * Zone offsets are whole minutes for every date since 1972 (seconds only in local mean time before ~1900).
 */
const lastMinute = new Map<string, { minuteOfEpoch: number; parts: { date: string; minute: number } }>();

function dayAndMinute(ms: number, timezone: string): { date: string; minute: number } {
  const minuteOfEpoch = Math.floor(ms / 60_000);
  const last = lastMinute.get(timezone);
  if (last?.minuteOfEpoch === minuteOfEpoch) return last.parts;
  const p = localParts(ms, timezone);
  const parts = { date: `${p.year}-${p.month}-${p.day}`, minute: Number(p.hour) * 60 + Number(p.minute) };
  lastMinute.set(timezone, { minuteOfEpoch, parts });
  return parts;
}

/** True during configured night hours (a window may wrap midnight) or on a configured holiday. */
export function isNightOrHoliday(ms: number, c: NightConfig): boolean {
  if (!c.night && c.holidays.length === 0) return false;
  const { date, minute } = dayAndMinute(ms, c.timezone);
  if (c.holidays.includes(date)) return true;
  if (!c.night) return false;
  const { fromMinute: from, toMinute: to } = c.night;
  return from <= to ? minute >= from && minute < to : minute >= from || minute < to;
}
