import type { EventKind } from '../contract/alarm-event.js';
import type { ZoneType } from '../contract/zones.js';

/**
 * Zones decide (issue 12): a generic alarm on a zone — a contact opening, a panel's "zone alarm",
 * a motion — takes its kind from the zone's declared type. A kind the profile read from the
 * payload itself (a Contact ID fire code, zigbee2mqtt `smoke: true`) is specific and kept.
 */

/** Kinds a profile gives when the payload only says "this zone tripped". */
export const GENERIC_ZONE_KINDS: ReadonlySet<EventKind> = new Set(['intrusion', 'burglary']);

/** The kind a generic alarm takes on each zone type; null: the generic kind stays (an intrusion zone). */
const KIND_OF_ZONE_TYPE: Readonly<Record<ZoneType, EventKind | null>> = {
  entry: null,
  interior: null,
  '24h': null,
  perimeter: 'perimeter',
  panic: 'panic',
  duress: 'duress',
  fire: 'fire',
  smoke: 'smoke',
  gas: 'gas',
  water: 'water',
  medical: 'medical',
  tamper: 'tamper',
};

/** The kind of a signal of `kind` on a zone of `zoneType` (null: no declared zone). */
export function kindOnZone(kind: EventKind, zoneType: ZoneType | null): EventKind {
  if (zoneType === null || !GENERIC_ZONE_KINDS.has(kind)) return kind;
  return KIND_OF_ZONE_TYPE[zoneType] ?? kind;
}
