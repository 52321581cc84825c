import type { AlarmEvent, Category, EventKind, LatLng, Priority } from './alarm-event.js';
import type { ReasonCode, StoredParams } from './messages.js';
import type { ZoneType } from './zones.js';

/** DESIGN.md "Triage": new 待受理 → acknowledged 已签收 → dispatched 已派警 → on_scene 已到场 → closed 已结警. */
export const INCIDENT_STATUSES = ['new', 'acknowledged', 'dispatched', 'on_scene', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
/** The statuses of an open incident, in workflow order. */
export const OPEN_STATUSES = ['new', 'acknowledged', 'dispatched', 'on_scene'] as const satisfies readonly Exclude<IncidentStatus, 'closed'>[];

export const DISPOSITIONS = ['real', 'false', 'test', 'duplicate', 'cancelled'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

export interface TimelineEntry {
  at: string;
  /**
   * `feedback` 反馈, `call` a key-holder call (联系人回拨), `guard` a step of the property-response track
   * (物业响应), `transfer` 转警 to another receiving point, `route` where the incident was sent and why.
   */
  type: 'event' | 'status' | 'note' | 'priority' | 'escalation' | 'feedback' | 'call' | 'guard' | 'transfer' | 'route';
  /** For type 'event'. */
  eventId?: string;
  kind?: EventKind;
  zone?: number | null;
  zoneName?: string | null;
  /** The zone's declared type, when the event named a declared zone (only intrusion zones confirm an intrusion). */
  zoneType?: ZoneType | null;
  detail?: string | null;
  /** Who did it (operator username) for human actions. */
  by?: string;
  text?: string;
  /**
   * What the entry says as a code with parameters (src/contract/messages.ts), for the page to word
   * in its language. For an `event` entry: the decoder's detail as a code. `text` stays for the log
   * and REST, for entries written before codes, and for free text (a note).
   */
  code?: string;
  params?: StoredParams;
}

/** 警情类别/性质 as chosen at 反馈 or 结警: a code from hub.yaml `triage.natures` (刑事, 治安, 火灾, 求助, 纠纷, 交通, 其他 …). */
export type NatureCode = string;

/** 出警单位: a unit from config/stations.yaml (巡逻车, 民警, 保安队), with its officers at the time of 派警. */
export interface DispatchedUnit {
  id: string;
  name: string;
  kind: 'patrol_car' | 'officer' | 'security_team';
  stationId: string;
  officers: Array<{ name: string; phone: string | null }>;
}

/** 反馈 (处警反馈): what the unit found, in free text and as 警情类别/性质. */
export interface IncidentFeedback {
  at: string;
  by: string;
  text: string;
  nature: NatureCode;
}

/** When each 110 step happened (ISO), and how long each took from the previous one (s); null until it happens. */
export interface IncidentTimes {
  acknowledgedAt: string | null;
  dispatchedAt: string | null;
  onSceneAt: string | null;
  feedbackAt: string | null;
  /** 签收用时: opened → acknowledged. */
  ackSeconds: number | null;
  /** 派警用时: acknowledged → dispatched. */
  dispatchSeconds: number | null;
  /** 到场用时: dispatched → on scene. */
  onSceneSeconds: number | null;
  /** 处警总时长: opened → closed. */
  totalSeconds: number | null;
}

export const KEYHOLDER_CALL_OUTCOMES = ['answered', 'no_answer', 'coming', 'cancelled_by_owner', 'wrong_number'] as const;
/** 接通 · 未接 · 将到场 · 业主撤警 (verbal password checked) · 号码错误. */
export type KeyholderCallOutcome = (typeof KEYHOLDER_CALL_OUTCOMES)[number];

/** One call to a site contact (联系人回拨), in the order the site file lists them. */
export interface KeyholderCall {
  at: string;
  by: string;
  /** Index into the site's `contacts`. */
  contact: number;
  contactName: string;
  outcome: KeyholderCallOutcome;
  /** For `cancelled_by_owner`: whether the verbal password (口令) matched; null when none was asked. */
  passwordOk: boolean | null;
}

export const PROPERTY_STATUSES = ['waiting', 'acknowledged', 'on_scene', 'verified'] as const;
/** The property-response track (物业响应): the guard's own steps beside the 110 workflow, never instead of it. */
export type PropertyStatus = (typeof PROPERTY_STATUSES)[number];

export interface PropertyResponse {
  status: PropertyStatus;
  /** The guard who took it (签收); never the 110 owner. */
  owner: string | null;
  /** 核实结果: the guard's finding from the scene; on P1/P2 a `false_alarm` is for the operator to confirm. */
  finding: 'false_alarm' | 'confirmed' | null;
  note: string | null;
  updatedAt: string | null;
}

/** The fields the 110 workflow (issue 12) added to an incident. */
export type WorkflowFields = Pick<
  Incident,
  'number' | 'previousId' | 'communityPostId' | 'unit' | 'feedback' | 'nature' | 'times' | 'guardFirst' | 'property' | 'calls'
>;

/**
 * Those fields at their values for a new incident (fresh objects each call). A new incident spreads
 * these; an incident stored before them is read with them filled in (dispatch's normalise).
 */
export function workflowDefaults(): WorkflowFields {
  return {
    number: null,
    previousId: null,
    communityPostId: null,
    unit: null,
    feedback: null,
    nature: null,
    times: {
      acknowledgedAt: null,
      dispatchedAt: null,
      onSceneAt: null,
      feedbackAt: null,
      ackSeconds: null,
      dispatchSeconds: null,
      onSceneSeconds: null,
      totalSeconds: null,
    },
    guardFirst: false,
    property: null,
    calls: [],
  };
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
  /** The same reason as a code with parameters (src/contract/messages.ts); absent on incidents stored before issue 13. */
  priorityReasonCode?: ReasonCode;
  priorityReasonParams?: StoredParams;
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
  /** 警情编号: station code + date (centre's zone) + daily sequence, e.g. `ZS-20261202-0042`; `id` stays the internal id. */
  number: string | null;
  /** The site's previous incident of this category (a re-alarm after close links to it). */
  previousId: string | null;
  /** The cell's community post (社区警务室), which sees the incident beside the responsible station. */
  communityPostId: string | null;
  /** 出警单位, set at 派警. */
  unit: DispatchedUnit | null;
  /** 反馈, set by the feedback step. */
  feedback: IncidentFeedback | null;
  /** 警情类别/性质: from the feedback, or chosen at 结警. */
  nature: NatureCode | null;
  times: IncidentTimes;
  /** The site is `guard_first`: the operator waits for the guard's verification before 派警. */
  guardFirst: boolean;
  /** The guard's track (物业响应); null when the site has no guard group. */
  property: PropertyResponse | null;
  /** Key-holder calls, in the order made. */
  calls: KeyholderCall[];
  /**
   * A drill incident (演练): opened by drill events (AlarmEvent.drill). It goes through the whole
   * workflow, never joins a real incident of its site (nor a real one a drill incident), and is kept
   * out of every figure. An operator may turn it into a real one (`make_real`, 转为真实警情).
   */
  drill: boolean;
}

/**
 * One row of a site's address history (`GET /api/sites/:id/incidents?days=90`, issue 12): what the
 * detail shows of the site's earlier incidents. Addition to the DESIGN contract.
 */
export type SiteHistoryEntry = Pick<
  Incident,
  'id' | 'number' | 'kind' | 'category' | 'priority' | 'status' | 'disposition' | 'nature' | 'openedAt' | 'closedAt' | 'repeatOf' | 'previousId' | 'eventCount'
>;

export interface SiteHistory {
  siteId: string;
  days: number;
  /** Newest first. */
  incidents: SiteHistoryEntry[];
  /** How many of them were closed as false alarms (误报). */
  falseAlarms: number;
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
  /** Why there is no picture, in words the operator can act on (log, REST, older rows). */
  error: string | null;
  /** The same as a `video.failed` code with parameters, for the page to word; absent on older rows. */
  errorCode?: 'video.failed';
  errorParams?: StoredParams;
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
  /** A group of drill incidents (演练, issue 15): drills never share a group with real incidents. */
  drill: boolean;
}

export interface QueueSummary {
  openIncidents: number;
  events: number;
  /** Most urgent first, then the largest group. */
  groups: QueueGroup[];
}
