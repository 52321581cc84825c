/**
 * `incident:update` in its delta form (addition, 2026-12-03): the fields that changed since a version
 * the console already holds, instead of the whole incident. Under alarms only, nearly every update
 * is a device event joining an open incident (a new timeline entry, a count, two times), and the
 * whole incident was ~2 KB encoded once and decoded by every console for ~300 bytes of news.
 *
 * Rules (src/api/socket/push-delta.ts makes them, `applyIncidentDelta` reads them):
 * - `deltaOf` marks the form: the version the changes are counted from. The hub sends a delta only
 *   after it pushed that version whole or as a delta to the same rooms, so a console that has been
 *   in its room since then holds `deltaOf` or a later version (its queue snapshot is never older).
 * - Every other field present is the new value of that field (set, never merge), except
 *   `timeline`: the entries appended since `deltaOf`, each a device event with its `eventId`. The
 *   console keeps the last PUSHED_TIMELINE_ENTRIES of its timeline plus these, as a whole push
 *   would carry them, and takes `timelineOmitted` as sent.
 * - A console that holds an older version than `deltaOf`, or none, cannot apply it; it reads the
 *   incident once over REST (`GET /api/incidents/:id`).
 * Pages served before this form existed would take a delta for a whole incident: reload them
 * after upgrading the hub (the hub serves the page, so a reload is the upgrade).
 */
import type { Incident } from './incident.js';

/** How many of the newest timeline entries a push carries (the rest is one REST call away). */
export const PUSHED_TIMELINE_ENTRIES = 5;

export type IncidentDelta = Partial<Incident> & Pick<Incident, 'id' | 'version' | 'siteId'> & { deltaOf: number };

/** What `incident:update` carries: the whole incident, or its delta form. */
export type IncidentPush = Incident | IncidentDelta;

export function isIncidentDelta(p: IncidentPush): p is IncidentDelta {
  return typeof (p as Partial<IncidentDelta>).deltaOf === 'number';
}

/**
 * The incident a delta makes of the copy a console holds, or null when it cannot be applied (no
 * copy, or one older than `deltaOf`). A copy at or past the delta's version is returned unchanged
 * (the caller's version check ignores it).
 */
export function applyIncidentDelta(held: Incident | undefined, d: IncidentDelta): Incident | null {
  if (!held || held.version < d.deltaOf) return null;
  if (held.version >= d.version) return held;
  const { deltaOf: _base, timeline: appended, ...fields } = d;
  const next = { ...held, ...fields } as Incident;
  if (appended && appended.length > 0) {
    // A copy newer than deltaOf already has the first of them (a queue snapshot taken between two pushes).
    const have = new Set(held.timeline.map((t) => t.eventId));
    next.timeline = [...held.timeline, ...appended.filter((t) => !have.has(t.eventId))].slice(-PUSHED_TIMELINE_ENTRIES);
  }
  return next;
}
