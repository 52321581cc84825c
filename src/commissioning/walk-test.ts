import type { AlarmEvent } from '../contract/alarm-event.js';
import type { WalkTest, WalkTestTrigger, WalkTestZone } from '../contract/commissioning.js';
import type { Site } from '../config/model.js';

/**
 * The walk test (步测) as pure functions: the checklist a site's file implies, an event ticking a
 * zone off, and the result at the end. No clock, no I/O: time comes in as numbers.
 */

/** Default length of a walk test when the installer gives none, minutes. */
export const DEFAULT_WALK_TEST_MINUTES = 15;

/**
 * The zones a walk test expects to see: every zone any device of the site declares (a panel's
 * `zones:`, a single sensor's `zone:`). Zone numbers are the site's: a sensor reporting zone 1 and
 * the panel's zone 1 are the same line of the checklist.
 */
export function expectedZones(site: Pick<Site, 'devices'>): WalkTestZone[] {
  const byZone = new Map<number, string>();
  for (const d of site.devices) for (const z of d.zones) if (!byZone.has(z.number)) byZone.set(z.number, z.name);
  for (const d of site.devices) if (typeof d.zone === 'number' && !byZone.has(d.zone)) byZone.set(d.zone, d.id);
  return [...byZone]
    .sort(([a], [b]) => a - b)
    .map(([zone, name]) => ({ zone, name, deviceId: null, seen: false, seenAt: null, kind: null, signal: null, battery: null }));
}

export interface StartWalkTest {
  id: string;
  site: Pick<Site, 'id' | 'devices'>;
  nowMs: number;
  minutes: number;
  by: string;
  trigger: WalkTestTrigger;
}

export function startWalkTest(s: StartWalkTest): WalkTest {
  return {
    id: s.id,
    siteId: s.site.id,
    startedAt: new Date(s.nowMs).toISOString(),
    endsAt: new Date(s.nowMs + s.minutes * 60_000).toISOString(),
    endedAt: null,
    startedBy: s.by,
    endedBy: null,
    trigger: s.trigger,
    zones: expectedZones(s.site),
    otherEvents: 0,
    passed: null,
  };
}

/** Signal and battery of the reporting device, where it reports them. */
export interface DeviceReadings {
  signal: number | null;
  battery: number | null;
}

/** Kinds that say nothing about a zone's detector working (a restore is the zone closing again). */
const NOT_A_TRIP: ReadonlySet<string> = new Set(['restore', 'arm', 'disarm', 'test']);

/**
 * The test after one of the site's events: the first trip of an expected zone ticks it off with its
 * time, kind and the device's readings; anything else is counted. An ended test does not change.
 */
export function recordWalkTestEvent(t: WalkTest, e: Pick<AlarmEvent, 'zone' | 'kind' | 'deviceId' | 'occurredAt' | 'receivedAt'>, r: DeviceReadings): WalkTest {
  if (t.endedAt !== null) return t;
  const i = e.zone === null || NOT_A_TRIP.has(e.kind) ? -1 : t.zones.findIndex((z) => z.zone === e.zone);
  if (i < 0 || t.zones[i]!.seen) return { ...t, otherEvents: t.otherEvents + (i < 0 ? 1 : 0) };
  const zones = [...t.zones];
  zones[i] = { ...zones[i]!, seen: true, seenAt: e.receivedAt, kind: e.kind, deviceId: e.deviceId, signal: r.signal, battery: r.battery };
  return { ...t, zones };
}

/**
 * The test's checklist as its stored events alone tick it (no device readings: those are in the
 * tick rows), from a clean copy of `t`: what the end reads in the store's order (service.ts `finish`).
 */
export function walkTestOfEvents(t: WalkTest, events: ReadonlyArray<Pick<AlarmEvent, 'zone' | 'kind' | 'deviceId' | 'occurredAt' | 'receivedAt'>>): WalkTest {
  const clean: WalkTest = {
    ...t,
    zones: t.zones.map((z) => ({ ...z, deviceId: null, seen: false, seenAt: null, kind: null, signal: null, battery: null })),
    otherEvents: 0,
  };
  return events.reduce((acc, e) => recordWalkTestEvent(acc, e, { signal: null, battery: null }), clean);
}

/** The ended test: passed when every expected zone was seen (a site with no zones cannot pass). */
export function endWalkTest(t: WalkTest, nowMs: number, by: string): WalkTest {
  if (t.endedAt !== null) return t;
  return { ...t, endedAt: new Date(nowMs).toISOString(), endedBy: by, passed: t.zones.length > 0 && t.zones.every((z) => z.seen) };
}

/** Signal strength in a device's decoded state: zigbee2mqtt `linkquality`, else `rssi`/`signal`. */
export function signalOf(state: Readonly<Record<string, unknown>> | undefined): number | null {
  if (!state) return null;
  for (const key of ['linkquality', 'rssi', 'signal']) {
    const v = state[key];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

/**
 * One copy of a running test merged with another of the same test (this replica's and the store's,
 * issue 18): a zone is seen when either saw it (the earlier sighting kept), other events are the
 * larger count (the store's counts every replica's; this copy's may hold some not yet stored).
 */
export function mergeWalkTests(mine: WalkTest, other: WalkTest): WalkTest {
  if (mine.id !== other.id) return other;
  if (other.endedAt !== null) return other;
  const theirs = new Map(other.zones.map((z) => [z.zone, z]));
  const zones = mine.zones.map((z) => {
    const o = theirs.get(z.zone);
    if (!o?.seen) return z;
    if (!z.seen || (o.seenAt !== null && z.seenAt !== null && o.seenAt < z.seenAt)) return o;
    return z;
  });
  return { ...mine, zones, otherEvents: Math.max(mine.otherEvents, other.otherEvents) };
}
