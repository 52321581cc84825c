/**
 * Device and site quality, pure: false-alarm rate per site and per device (false closes per 100
 * alarm events in the month), repeat offenders ranked for installers, the devices online now and
 * supervision compliance (missed periodic tests, offline alarms and minutes).
 */
import type { DeviceQualityReport, DeviceQualityRow, ReportScope, SiteQualityRow, SupervisionRow } from '../contract/reports.js';
import type { DeviceAlarmCount, ReportIncident } from '../store/index.js';
import { excludedFromFigures, splitExcluded } from './exclusion.js';
import type { Window } from './time.js';

export interface DevicesInput {
  month: string;
  timezone: string;
  generatedAt: string;
  scope: ReportScope;
  window: Window;
  /** Sites in scope with their configured devices. */
  sites: ReadonlyArray<{ id: string; name: string; stationId: string | null; deviceIds: readonly string[] }>;
  alarms: readonly DeviceAlarmCount[];
  offline: ReadonlyArray<{ deviceId: string; siteId: string; events: number }>;
  /** What supervision knows now, per device id. */
  states: ReadonlyMap<string, { availability: 'online' | 'offline' | null; lastSeenMs: number | null; testMissed: boolean }>;
  /** Incidents active in the month (opened in it, or open at some moment of it). */
  incidents: readonly ReportIncident[];
}

const per100 = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((part / whole) * 10000) / 100);

/** Ranks rows by false alarms, worst first; rows with none get no rank. */
function rank<T extends { rank: number | null }>(rows: T[], falses: (r: T) => number, rate: (r: T) => number | null): T[] {
  rows.sort((a, b) => falses(b) - falses(a) || (rate(b) ?? 0) - (rate(a) ?? 0));
  let n = 0;
  for (const r of rows) r.rank = falses(r) > 0 ? ++n : null;
  return rows;
}

export function buildDevices(input: DevicesInput): DeviceQualityReport {
  const w = input.window;
  const openedInMonth = input.incidents.filter((i) => i.openedMs >= w.sinceMs && i.openedMs < w.untilMs);
  const { counted, excluded } = splitExcluded(openedInMonth);

  const devices = new Map<string, DeviceQualityRow>();
  const siteEvents = new Map<string, { events: number }>();
  for (const a of input.alarms) {
    if (excludedFromFigures({ disposition: a.disposition, drill: a.drill })) continue;
    let d = devices.get(`${a.siteId}/${a.deviceId}`);
    if (!d) {
      d = { deviceId: a.deviceId, siteId: a.siteId, alarmEvents: 0, falseEvents: 0, falsePer100: null, rank: null };
      devices.set(`${a.siteId}/${a.deviceId}`, d);
    }
    d.alarmEvents += a.events;
    if (a.disposition === 'false') d.falseEvents += a.events;
    const s = siteEvents.get(a.siteId) ?? { events: 0 };
    s.events += a.events;
    siteEvents.set(a.siteId, s);
  }
  for (const d of devices.values()) d.falsePer100 = per100(d.falseEvents, d.alarmEvents);

  const siteRows = new Map<string, SiteQualityRow>();
  for (const s of input.sites) {
    siteRows.set(s.id, {
      siteId: s.id,
      siteName: s.name,
      stationId: s.stationId,
      alarmEvents: siteEvents.get(s.id)?.events ?? 0,
      incidents: 0,
      falseAlarms: 0,
      falsePer100: null,
      rank: null,
    });
  }
  for (const i of counted) {
    const row = siteRows.get(i.siteId);
    if (!row) continue; // a site removed from the config since: its history stays in the store
    row.incidents++;
    if (i.disposition === 'false') row.falseAlarms++;
  }
  for (const r of siteRows.values()) r.falsePer100 = per100(r.falseAlarms, r.alarmEvents);

  // Offline minutes: how long the site's trouble.offline incidents were open inside the month.
  const offlineMinutes = new Map<string, number>();
  for (const i of input.incidents) {
    if (i.kind !== 'trouble.offline' || excludedFromFigures(i)) continue;
    const from = Math.max(i.openedMs, w.sinceMs);
    const to = Math.min(i.closedMs ?? w.untilMs, w.untilMs);
    if (to > from) offlineMinutes.set(i.siteId, (offlineMinutes.get(i.siteId) ?? 0) + (to - from) / 60_000);
  }
  const offlineAlarms = new Map(input.offline.map((o) => [`${o.siteId}/${o.deviceId}`, o.events]));
  const supervision: SupervisionRow[] = [];
  let known = 0;
  let online = 0;
  let testsMissed = 0;
  for (const s of input.sites) {
    for (const deviceId of s.deviceIds) {
      const st = input.states.get(deviceId);
      if (st?.availability) {
        known++;
        if (st.availability === 'online') online++;
      }
      if (st?.testMissed) testsMissed++;
      supervision.push({
        deviceId,
        siteId: s.id,
        online: st?.availability ? st.availability === 'online' : null,
        lastSeenAt: st?.lastSeenMs ? new Date(st.lastSeenMs).toISOString() : null,
        testMissed: st?.testMissed ?? false,
        offlineAlarms: offlineAlarms.get(`${s.id}/${deviceId}`) ?? 0,
        offlineMinutes: Math.round(offlineMinutes.get(s.id) ?? 0),
      });
    }
  }

  return {
    kind: 'devices',
    timezone: input.timezone,
    from: new Date(w.sinceMs).toISOString(),
    to: new Date(w.untilMs).toISOString(),
    generatedAt: input.generatedAt,
    scope: input.scope,
    excluded,
    month: input.month,
    sites: rank(
      [...siteRows.values()],
      (r) => r.falseAlarms,
      (r) => r.falsePer100,
    ),
    devices: rank(
      [...devices.values()],
      (r) => r.falseEvents,
      (r) => r.falsePer100,
    ),
    supervision,
    onlineRate: known === 0 ? null : Math.round((online / known) * 1000) / 1000,
    testsMissed,
  };
}
