import type { EventDestination } from './commissioning.js';
import type { StoredParams } from './messages.js';
import type { ZoneType } from './zones.js';

/**
 * The normalised alarm event: what every device format is decoded into, what is stored,
 * and what the console receives. Shared with web/.
 */

/** Event kinds (DESIGN.md "Domain"). Extend with care: each needs a category and a base priority. */
export const EVENT_KINDS = [
  'panic',
  'duress',
  'fire',
  'smoke',
  'gas',
  'medical',
  'burglary',
  'intrusion',
  'perimeter',
  'tamper',
  'water',
  'video_motion',
  'person_detected',
  'trouble.ac_loss',
  'trouble.low_battery',
  'trouble.comm',
  'trouble.offline',
  'restore',
  'arm',
  'disarm',
  'test',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export function isEventKind(value: unknown): value is EventKind {
  return typeof value === 'string' && (EVENT_KINDS as readonly string[]).includes(value);
}

/** 110 police, 119 fire, 122 traffic, 120 medical, or a technical fault. */
/** Incident categories, in the order the console lists them. */
export const CATEGORIES = ['police', 'fire', 'medical', 'traffic', 'technical'] as const;
export type Category = (typeof CATEGORIES)[number];
export type Priority = 1 | 2 | 3 | 4;

export interface KindInfo {
  category: Category;
  /** Priority of an incident opened by this kind alone; null: the kind never opens an incident on its own. */
  basePriority: Priority | null;
}

/**
 * Why these numbers: DESIGN.md "Triage". P1 life at risk; P2 unconfirmed intrusion; P3 tamper,
 * perimeter, video; P4 technical. Restore, arm, disarm and test are state, not incidents.
 */
export const KIND_INFO: Readonly<Record<EventKind, KindInfo>> = {
  panic: { category: 'police', basePriority: 1 },
  duress: { category: 'police', basePriority: 1 },
  fire: { category: 'fire', basePriority: 1 },
  smoke: { category: 'fire', basePriority: 1 },
  gas: { category: 'fire', basePriority: 1 },
  medical: { category: 'medical', basePriority: 1 },
  burglary: { category: 'police', basePriority: 2 },
  intrusion: { category: 'police', basePriority: 2 },
  perimeter: { category: 'police', basePriority: 3 },
  tamper: { category: 'police', basePriority: 3 },
  water: { category: 'technical', basePriority: 3 },
  video_motion: { category: 'police', basePriority: null },
  person_detected: { category: 'police', basePriority: 3 },
  'trouble.ac_loss': { category: 'technical', basePriority: 4 },
  'trouble.low_battery': { category: 'technical', basePriority: 4 },
  'trouble.comm': { category: 'technical', basePriority: 4 },
  'trouble.offline': { category: 'technical', basePriority: 4 },
  restore: { category: 'technical', basePriority: null },
  arm: { category: 'technical', basePriority: null },
  disarm: { category: 'technical', basePriority: null },
  test: { category: 'technical', basePriority: null },
};

/** [latitude, longitude] in WGS-84 degrees. */
export type LatLng = [number, number];

export interface AlarmEvent {
  /** Hub-assigned, time-ordered id (see core/ids.ts). */
  id: string;
  siteId: string;
  /** The alarm device, or the camera id for camera-originated events. */
  deviceId: string;
  kind: EventKind;
  category: Category;
  zone: number | null;
  zoneName: string | null;
  /**
   * The declared type of the zone (devices/<site>.yaml), which decided the kind of a generic alarm;
   * null when the event names no zone or the zone is not declared. Only intrusion zone types
   * (contract/zones.ts) count toward intrusion confirmation.
   */
  zoneType?: ZoneType | null;
  /** When the device says it happened (ISO 8601, UTC); receivedAt when the device gave no time. */
  occurredAt: string;
  /** When the hub received it (ISO 8601, UTC). */
  receivedAt: string;
  location: LatLng;
  gridCellId: string | null;
  stationId: string | null;
  /** Short human-readable detail from the decoder, e.g. "CID E130 burglary, zone 3". Untrusted text. */
  detail: string | null;
  /**
   * The same detail as a code with parameters (src/contract/messages.ts) for the page to word in
   * its language; absent for free text from the device (a native event's own `detail`) and on
   * events stored before issue 13.
   */
  detailCode?: string | null;
  detailParams?: StoredParams | null;
  /** Profile that decoded it. */
  profile: string;
  topic: string;
  /** Original payload, UTF-8, capped (core/limits.ts). Untrusted. */
  raw: string;
  /** Identity for duplicate suppression: device message id when given, else payload hash. */
  dedupeKey: string;
  /**
   * A drill (演练) event: the hub received it from a site under an active drill window
   * (src/drill/). Decided by the hub, never by the device or the simulator; kept out of every figure.
   */
  drill: boolean;
  /**
   * Position in the hub's event log (SQLite `events.seq`), set once the event is committed. Strictly
   * increasing in commit order: consoles catch up after a reconnect by the last seq they saw.
   */
  seq?: number;
  /**
   * Where the event went instead of the 110 queue (issue 15): `walk_test` (步测 checklist) or
   * `maintenance` (维护: on record, shown to installers). Absent: the queue.
   */
  destination?: Exclude<EventDestination, 'queue'>;
}
