import type { AlarmEvent, Category, EventKind, LatLng, Priority } from './alarm-event.js';

/** DESIGN.md "Triage": new 待受理 → acknowledged 已签收 → dispatched 已派警 → on_scene 已到场 → closed 已结警. */
export const INCIDENT_STATUSES = ['new', 'acknowledged', 'dispatched', 'on_scene', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const DISPOSITIONS = ['real', 'false', 'test', 'duplicate', 'cancelled'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

export interface TimelineEntry {
  at: string;
  type: 'event' | 'status' | 'note' | 'priority' | 'escalation';
  /** For type 'event'. */
  eventId?: string;
  kind?: EventKind;
  zone?: number | null;
  zoneName?: string | null;
  detail?: string | null;
  /** Who did it (operator username) for human actions. */
  by?: string;
  text?: string;
}

/**
 * What an operator handles. Published whole on every change with a growing `version`, so a console
 * replaces its copy instead of patching it.
 */
export interface Incident {
  id: string;
  version: number;
  siteId: string;
  siteName: string;
  kind: EventKind;
  category: Category;
  priority: Priority;
  /** Why it has this priority, in words the operator can check (English and zh-CN). */
  priorityReason: string;
  priorityReasonZh: string;
  status: IncidentStatus;
  disposition: Disposition | null;
  owner: string | null;
  location: LatLng;
  gridCellId: string | null;
  gridCellName: string | null;
  /** Station of the grid cell (routing). */
  stationId: string | null;
  /** Who must act now: the cell's station, or a higher tier after escalation (升级上报). */
  responsibleStationId: string | null;
  /** How many tiers it has gone up. */
  escalationLevel: number;
  /** When it escalates next if still not acknowledged (ISO); null when it will not. */
  escalateAt: string | null;
  /** Id of the incident at this site closed as a false alarm shortly before (重复报警). */
  repeatOf: string | null;
  zones: number[];
  eventCount: number;
  openedAt: string;
  updatedAt: string;
  lastEventAt: string;
  closedAt: string | null;
  timeline: TimelineEntry[];
  /** Entries left out of `timeline` to keep it bounded (all events stay in /api/events). */
  timelineOmitted: number;
  /** Snapshots and clips from linked cameras (video verification). */
  media: IncidentMedia[];
}

/** A picture or clip taken for video verification, or the note that a camera failed. */
export interface IncidentMedia {
  id: string;
  cameraId: string;
  siteId: string;
  kind: 'snapshot' | 'clip';
  /** When it was taken (ISO). */
  at: string;
  /** Authenticated API path that serves it; null when the camera failed. */
  url: string | null;
  /** Why there is no picture, in words the operator can act on. */
  error: string | null;
}

export type IncidentEventRef = Pick<AlarmEvent, 'id' | 'kind' | 'zone' | 'zoneName' | 'occurredAt' | 'detail'>;

/**
 * One row of the grouped queue (`GET /api/incidents/summary`): the open incidents of one kind for
 * one responsible station. In a storm (a power cut: every panel reports mains loss) the console
 * shows a handful of these rows instead of thousands of incidents. Addition to the DESIGN contract.
 */
export interface QueueGroup {
  kind: EventKind;
  category: Category;
  /** The station that must act (after escalation); null for sites outside every cell. */
  stationId: string | null;
  /** The most urgent priority in the group. */
  priority: Priority;
  incidents: number;
  /** Distinct sites (one open incident per site, so equal to incidents unless ids were rebuilt). */
  sites: number;
  /** Events behind these incidents (sum of eventCount). */
  events: number;
  /** How many are still new (待受理), not acknowledged. */
  unacknowledged: number;
  oldestOpenedAt: string;
  lastEventAt: string;
  /** A few site ids of the group, most urgent and oldest first, for a preview. */
  sampleSiteIds: string[];
}

export interface QueueSummary {
  openIncidents: number;
  events: number;
  /** Most urgent first, then the largest group. */
  groups: QueueGroup[];
}
