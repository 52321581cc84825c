/**
 * Messages shown to people travel as a code with parameters (DESIGN.md "Interfaces"): the hub says
 * *what* happened, the page words it in the operator's language from its catalogue
 * (web/src/i18n/messages.*.ts). This file is the vocabulary: every code and the shape of its
 * parameters. Parameters are flat (text, number or null) so they store as JSON in a timeline entry
 * or an events row and survive a restart. Free text typed by a person (a note, a 反馈) and text
 * from a device stay text: they are quoted, never translated.
 *
 * The `text` an entry keeps beside its code is for the log, the audit trail and REST clients
 * reading old rows; a page renders the code and falls back to `text` only for an unknown code or
 * a row written before the code existed.
 */
import type { EventKind, Priority } from './alarm-event.js';
import type { IncidentStatus, KeyholderCallOutcome } from './incident.js';

type Flag = 'true' | 'false' | null;

/** How the base priority was adjusted by the site's state or the hour (DESIGN.md "Triage"). */
export type PriorityAdjust = 'disarmed' | 'armed_trouble' | 'night' | null;

/** Parameters every priority reason carries: the adjustment, and the priority after it. */
interface ReasonParams {
  priority: Priority;
  adjust: PriorityAdjust;
  /** Priority after `adjust`; null when nothing adjusted it. */
  adjusted: Priority | null;
}

/** Why a camera gave no picture, as the operator can act on it. */
export type VideoFailure = 'timeout' | 'unreachable' | 'not_authorized' | 'disabled' | 'no_ffmpeg' | 'no_stream' | 'cut_short' | 'ended' | 'other';

/** What a guard-alert timeline entry carries. */
export interface NotifyParams {
  channel: string;
  attempts: number;
  reason: string | null;
}

export interface MessageParams {
  // ── Priority reasons (Incident.priorityReasonCode) ────────────────────────────────────────
  /** The incident's most urgent kind sets the level: `intrusion → P2`. */
  'reason.kind': ReasonParams & { kind: EventKind };
  /** Sequential confirmation: intrusion in `zones` distinct intrusion zones → P1. */
  'reason.zones': ReasonParams & { zones: number };
  /** Video confirmation: a person seen during an intrusion → P1. */
  'reason.video': ReasonParams;
  /** No alarm kind at all: technical. */
  'reason.none': ReasonParams;

  // ── Timeline entries written by the hub ───────────────────────────────────────────────────
  /** A 110 step; `unit` the 出警单位 at 派警, `note` the operator's own words. */
  'status.changed': { from: IncidentStatus; to: IncidentStatus; unit: string | null; note: string | null };
  'status.handover': { from: string; to: string };
  'status.takeover': { from: string | null };
  /** 转为真实警情: a drill incident (演练) turned into a real one by an operator; `note` their reason. */
  'drill.made_real': { note: string | null };
  /** The priority rose; the reason's code and parameters ride along (`reason` is a reason.* code). */
  'priority.raised': { from: Priority; to: Priority; reason: ReasonCode; kind: EventKind | null; zones: number | null } & ReasonParams;
  /** 升级上报 one tier up after `waited` seconds without 签收. */
  'escalation.up': { from: string | null; station: string; stationName: string; waited: number };
  /** Not acknowledged within `waited` s, and already at the top tier: the clock stops. */
  'escalation.top': { waited: number };
  /**
   * A guard alert (src/notify/): its first failure on `channel`, giving up, or a late delivery.
   * `reason` is the notifier's English code for the log (`errcode 45009 (rate limited)`, `HTTP 502`,
   * `timeout`); the page shows only the number in it.
   */
  'notify.failed': NotifyParams;
  'notify.gave_up': NotifyParams;
  'notify.delivered': NotifyParams;
  /** 重复报警: the site's last incident was closed as false `minutes` ago. */
  'repeat.false_close': { minutes: number; of: string };
  /** A camera gave no snapshot or clip (video verification). `seconds`: the budget it missed. */
  'video.failed': {
    camera: string;
    cameraName: string;
    media: 'snapshot' | 'clip';
    reason: VideoFailure;
    seconds: number | null;
    /** Technical detail (an ffmpeg or network message): shown as is, secondary. */
    detail: string | null;
  };
  'route.receiving_point': { service: string; station: string; stationName?: string | null; km: number | null };
  'route.no_receiving_point': { service: string; station: string | null };
  'route.no_cell': Record<string, never>;
  'route.cell_station': { station: string };
  transfer: { from: string | null; to: string; toName?: string | null; note?: string | null };
  call: { contact: number; contactName?: string | null; outcome: KeyholderCallOutcome; passwordOk: Flag; note?: string | null };
  guard_ack: { finding: 'false_alarm' | 'confirmed' | null };
  guard_onscene: { finding: 'false_alarm' | 'confirmed' | null };
  guard_verify: { finding: 'false_alarm' | 'confirmed' | null; note?: string | null };
  feedback: { nature: string; text?: string | null };

  // ── Event details (AlarmEvent.detailCode; the event's entry on the timeline) ─────────────
  /** Contact ID (SIA DC-05): qualifier E/R/S, event code, its spec name (English, DC-05's words). */
  cid: { q: 'E' | 'R' | 'S'; code: string; name: string; zone: number | null; user: number | null; group: string | null; still: Flag };
  /** A declarative block saw a value: `block` names the sensor (contact, smoke, water_leak …). */
  'device.value': { block: string; property: string; value: string; cleared: Flag };
  /** Frigate NVR detection on one of its cameras. */
  frigate: { label: string; camera: string; score: number | null };
  /** Supervision: silent for `silent` s, expected a heartbeat every `expected` s. */
  'supervision.no_heartbeat': { silent: number; expected: number };
  /** Supervision: no periodic test (CID E602) for `since` s, expected every `expected` s. */
  'supervision.test_missed': { since: number; expected: number };
  'supervision.heard_again': Record<string, never>;
  'supervision.test_again': Record<string, never>;
  'camera.back_online': { camera: string };
  /** Camera health: offline after `polls` failed polls; `reason` is technical detail. */
  'camera.offline': { camera: string; polls: number; reason: string };
  /** An ONVIF event notification; `topic` is the ONVIF topic (technical). */
  'onvif.event': { topic: string; source: string | null };
  /** A zone number the site file does not declare (the event still counts). */
  'zone.unregistered': { zone: number; file: string };
}

export type MessageCode = keyof MessageParams;
export type ReasonCode = Extract<MessageCode, `reason.${string}`>;

/** Every code, for the tests that hold each catalogue against the vocabulary. */
export const MESSAGE_CODES = [
  'reason.kind',
  'reason.zones',
  'reason.video',
  'reason.none',
  'status.changed',
  'status.handover',
  'status.takeover',
  'drill.made_real',
  'priority.raised',
  'escalation.up',
  'escalation.top',
  'repeat.false_close',
  'video.failed',
  'route.receiving_point',
  'route.no_receiving_point',
  'route.no_cell',
  'route.cell_station',
  'transfer',
  'call',
  'guard_ack',
  'guard_onscene',
  'guard_verify',
  'feedback',
  'cid',
  'device.value',
  'frigate',
  'supervision.no_heartbeat',
  'supervision.test_missed',
  'supervision.heard_again',
  'supervision.test_again',
  'camera.back_online',
  'camera.offline',
  'onvif.event',
  'zone.unregistered',
  'notify.failed',
  'notify.gave_up',
  'notify.delivered',
] as const satisfies readonly MessageCode[];

/** Fails to compile when a code is added to MessageParams but not to MESSAGE_CODES. */
type AllListed = Exclude<MessageCode, (typeof MESSAGE_CODES)[number]> extends never ? true : never;
export const ALL_CODES_LISTED: AllListed = true;

/** A detail as a code with flat parameters (what a decoder or the hub attaches to an event). */
export interface Coded {
  code: MessageCode;
  params: StoredParams;
}

/** Flat parameters as they are stored (TimelineEntry.params, events.detail_params). */
export type StoredParams = Record<string, string | number | null>;

export interface Message<C extends MessageCode = MessageCode> {
  code: C;
  params: MessageParams[C];
}

export function isMessageCode(code: unknown): code is MessageCode {
  return typeof code === 'string' && (MESSAGE_CODES as readonly string[]).includes(code);
}

/** A code and its parameters for a timeline entry or an event row (the shapes are flat by construction). */
export function message<C extends MessageCode>(code: C, params: MessageParams[C]): { code: C; params: StoredParams } {
  return { code, params: params as unknown as StoredParams };
}
