/**
 * 警情编号 as pure functions: station code + the day in the centre's time zone + a daily sequence,
 * e.g. `ZS-20261202-0042`. The sequence is counted by incident-numbers.ts: in memory from the
 * store's largest number of the series (`lastNumber`), written with the incident row, so incidents
 * rebuilt by recover() after a crash are numbered again in the same order; replicas draw from the
 * store's shared series (`nextNumbers`). The day comes from the opening event's receivedAt, never
 * from the clock.
 */

const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar day of `ms` in `timezone` as YYYYMMDD, whatever the server's own zone. */
export function localDay(ms: number, timezone: string): string {
  let f = dayFormatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormatters.set(timezone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${parts.year}${parts.month}${parts.day}`;
}

/**
 * A station's code when stations.yaml gives none: the letters of its id after the tier prefix,
 * upper-cased (`ps-hecheng` → `HECHENG`, `lps-110` → `110`), so numbers stay readable and distinct.
 */
export function defaultStationCode(stationId: string): string {
  const tail = stationId.includes('-') ? stationId.slice(stationId.indexOf('-') + 1) : stationId;
  const code = tail.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
  return code || 'SG';
}

/** The counter a number is drawn from: one sequence per station code and local day. */
export function numberSeries(stationCode: string, day: string): string {
  return `${stationCode}-${day}`;
}

/** `ZS-20261202-0042`: four digits at least, more on a day past 9,999. */
export function formatNumber(series: string, sequence: number): string {
  return `${series}-${String(sequence).padStart(4, '0')}`;
}
