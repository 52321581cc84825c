/**
 * The drill decisions as pure functions: whether a start is allowed and what drill it makes, whether
 * an end is, and which drills are due to end. No I/O, no clock of its own: `nowMs` comes in.
 */
import { DRILL_MAX_SECONDS, drillCovers, type Drill, type DrillInput } from '../contract/drill.js';

/** What the caller may see, and what exists (the live config). */
export interface DrillView {
  /** The site's station when the site exists and the caller sees it; undefined otherwise (answered alike). */
  site(siteId: string): { stationId: string | null } | undefined;
  /** True when the station exists and the caller sees it. */
  station(stationId: string): boolean;
}

export type Refused = { code: 'bad_drill' | 'drill_ended' | 'not_found'; error: string };
export const isRefused = (v: object): v is Refused => 'code' in v;

/** A new drill from a validated `start` input, or the reason it cannot start. */
export function planStart(o: { id: string; input: DrillInput<'start'>; by: string; nowMs: number; view: DrillView }): Drill | Refused {
  const { input, nowMs, view } = o;
  const endsMs = input.endsAt !== undefined ? Date.parse(input.endsAt) : nowMs + input.durationSeconds! * 1000;
  if (!(endsMs > nowMs)) return { code: 'bad_drill', error: `endsAt ${input.endsAt} is not in the future` };
  if (endsMs - nowMs > DRILL_MAX_SECONDS * 1000) return { code: 'bad_drill', error: `a drill lasts at most ${DRILL_MAX_SECONDS / 3600} h` };
  let siteIds: string[] = [];
  let stationId: string | null = null;
  if (input.station !== undefined) {
    // An unknown station and one outside the caller's scope are answered alike (no probing).
    if (!view.station(input.station)) return { code: 'bad_drill', error: `no station ${input.station} in your scope` };
    stationId = input.station;
  } else {
    siteIds = [...new Set(input.sites ?? [])];
    const unknown = siteIds.filter((s) => view.site(s) === undefined);
    if (unknown.length > 0)
      return { code: 'bad_drill', error: `no site ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` (+${unknown.length - 5})` : ''} in your scope` };
  }
  return {
    id: o.id,
    name: input.name?.trim() ? input.name.trim() : null,
    siteIds,
    stationId,
    startedAt: new Date(nowMs).toISOString(),
    endsAt: new Date(endsMs).toISOString(),
    endedAt: null,
    startedBy: o.by,
    endedBy: null,
  };
}

/** Whether the caller may see (and so end) a drill: every site of it, or its station. */
export function drillVisible(d: Drill, view: DrillView): boolean {
  return d.stationId !== null ? view.station(d.stationId) : d.siteIds.every((s) => view.site(s) !== undefined);
}

/** The drill ended early now, or the reason it cannot be. */
export function planEnd(o: { drill: Drill | undefined; id: string; by: string; nowMs: number; view: DrillView }): Drill | Refused {
  const { drill } = o;
  if (!drill || !drillVisible(drill, o.view)) return { code: 'not_found', error: `no drill ${o.id}` };
  if (drill.endedAt !== null || Date.parse(drill.endsAt) <= o.nowMs) return { code: 'drill_ended', error: `drill ${o.id} has already ended` };
  return { ...drill, endedAt: new Date(o.nowMs).toISOString(), endedBy: o.by };
}

/** The drills that ran out by `nowMs`, each ended at its own `endsAt` by the hub. */
export function dueEnds(active: readonly Drill[], nowMs: number): Drill[] {
  return active.filter((d) => d.endedAt === null && Date.parse(d.endsAt) <= nowMs).map((d) => ({ ...d, endedAt: d.endsAt, endedBy: 'hub' }));
}

/** Whether any of the drills covers an alarm of this site and station at `atMs`. */
export function isDrillAlarm(active: readonly Drill[], siteId: string, stationId: string | null, atMs: number): boolean {
  for (const d of active) if (drillCovers(d, siteId, stationId, atMs)) return true;
  return false;
}
