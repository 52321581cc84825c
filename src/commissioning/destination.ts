import type { EventDestination } from '../contract/commissioning.js';

/**
 * What the hub knows, at the moment an event is stored, about where its site and device stand
 * (src/commissioning keeps it; ingest asks for each event).
 */
export interface DestinationState {
  /** A walk test (步测) of the site is running. */
  walkTest: boolean;
  /** End of the device's or site's maintenance window (ms), or null. */
  maintenanceUntilMs: number | null;
  nowMs: number;
}

/**
 * Where a stored event goes: "where does this event go" is decided here and only here, so a drill
 * flag (issue 15, drill mode) can sit beside it. A running walk test takes the site's events to its
 * checklist (they are test trips, not alarms); maintenance keeps them on record for the installers
 * but out of the 110 queue. The walk test wins: the installer is on site tripping zones, and the
 * checklist is what they are looking at.
 */
export function eventDestination(s: DestinationState): EventDestination {
  if (s.walkTest) return 'walk_test';
  if (s.maintenanceUntilMs !== null && s.nowMs < s.maintenanceUntilMs) return 'maintenance';
  return 'queue';
}
