/**
 * Socket.IO contract of the /console and /guard namespaces (DESIGN.md "Interfaces"). Shared with web/.
 * Both need a session: the browser sends the `sg_session` cookie with the handshake (same origin).
 * A refused handshake gets `connect_error` with `data.code` 401 (no session), 403 (role, or a
 * cross-origin page), 428 (one-time password not changed yet), 503 (the session store did not
 * answer: try again, as after a lost connection) or 400 with `data.refusal: 'bad_request'` (an
 * `auth` of the wrong shape, see ConsoleHandshakeAuth). When the session ends (logout,
 * expiry) the server disconnects the socket.
 */
import type { SiteCommissioning } from './commissioning.js';
import type { AlarmEvent } from './alarm-event.js';
import type { Incident } from './incident.js';
import type { IncidentPush } from './incident-delta.js';
import type { StoredParams } from './messages.js';
import type { CommandEvent, CommandPayload } from './commands.js';
import type { Drill, DrillAction, DrillBody, DrillReply, DRILL_EVENT_OF } from './drill.js';

export interface DeviceStatus {
  deviceId: string;
  siteId: string;
  availability: 'online' | 'offline';
  lastSeenAt: string | null;
  /** Last periodic test report (issue 12: supervision is state); null: none yet. Additive. */
  lastTestAt?: string | null;
  /** Last battery level reported, percent; null: the device reports none. Additive. */
  battery?: number | null;
  /** Never heard from since its site file named it (待安装): not offline. Additive. */
  pendingInstall?: boolean;
  /** Supervision troubles the hub has raised and that are not over. Additive. */
  supervision?: { offline: boolean; testMissed: boolean };
}

/**
 * `camera:status` (issue 13, addition to the DESIGN contract): a camera's availability changed, as
 * the hub's health polling sees it. Cameras are identified by site and camera (ids repeat across
 * sites). `GET /api/cameras` has the same fields for a page that (re)loads.
 */
export interface CameraStatusPush {
  siteId: string;
  cameraId: string;
  availability: 'online' | 'offline' | 'unknown' | 'disabled' | 'pending_install';
  /** Last good poll; null: none since the hub started. */
  lastOkAt: string | null;
}

/**
 * `directory:changed` (issue 13, addition): the installation changed (a site file was added, edited
 * or removed and reloaded). Pages read their scope's sites, cameras and devices again from REST
 * (`/api/sites`, `/api/cameras`, `/api/devices`), so each gets what its scope allows.
 */
export interface DirectoryChanged {
  /** When the hub applied the new configuration. Nothing scoped travels here: it goes to every page. */
  at: string;
}

export interface QueueSnapshot {
  /** Open incidents of the console's scope, most urgent first. */
  incidents: Incident[];
  /** Server time, so a console can compute ages without trusting its own clock. */
  serverTime: string;
  /**
   * The newest event (its `seq`) these incidents reflect. A console that connects for the first
   * time starts its event log here; one that reconnects sends the last seq it saw instead (see
   * `ConsoleHandshakeAuth`). Addition to the DESIGN contract.
   */
  eventSeq: number;
}

/**
 * An event as the live log carries it: the stored event without its raw payload and dedupe key
 * (`GET /api/events/:id` has those).
 */
export type EventBrief = Pick<
  AlarmEvent,
  | 'id'
  | 'siteId'
  | 'deviceId'
  | 'kind'
  | 'category'
  | 'zone'
  | 'zoneName'
  | 'occurredAt'
  | 'receivedAt'
  | 'gridCellId'
  | 'stationId'
  | 'detail'
  | 'destination'
  | 'drill'
> & { seq: number };

/**
 * `event:stored`: committed events of the console's scope, in strictly increasing `seq`. Live
 * batches follow every group commit; on a connect with `since`, replay batches (`replay: true`)
 * come first with every event after `since`, before any live batch. `more: true` on the last replay
 * batch means the replay cap was hit: page the rest with `GET /api/events?after=<seq>`.
 */
export interface EventBatch {
  events: EventBrief[];
  replay: boolean;
  more?: boolean;
}

/**
 * Socket.IO handshake `auth` of /console and /guard (optional). Socket.IO delivers at most once, so
 * a console that reconnects sends the highest event `seq` it has seen; the server replays what
 * came after, then goes live. A client sets it as a function so every reconnect sends its latest.
 */
export interface ConsoleHandshakeAuth {
  since?: number;
  /**
   * 1: this client applies `incident:update`'s delta form (incident-delta.ts; addition of
   * 2026-12-03). While any socket without it is connected, the hub pushes every update whole, so
   * a page loaded before the delta form, or an integration written against whole pushes, keeps working.
   * Any other value is refused at connect (400 `bad_request`); a `since` that is not a whole seq is ignored.
   */
  deltas?: 1;
}

export interface ServerToClientEvents {
  'queue:snapshot': (snapshot: QueueSnapshot) => void;
  'incident:new': (incident: Incident) => void;
  /** The whole incident, or its delta form (incident-delta.ts; addition of 2026-12-03). */
  'incident:update': (incident: IncidentPush) => void;
  'device:status': (status: DeviceStatus) => void;
  /** A camera's availability changed (addition, issue 13). */
  'camera:status': (status: CameraStatusPush) => void;
  /** The installation was reloaded; read the directory again (addition, issue 13). */
  'directory:changed': (change: DirectoryChanged) => void;
  /** The event log (addition to the DESIGN contract): see EventBatch. */
  'event:stored': (batch: EventBatch) => void;
  /** A site's commissioning changed: 待安装 · 在用 · 维护, a walk test (addition, issue 15). */
  'commissioning:status': (site: SiteCommissioning) => void;
  /** A drill (演练) of sites this console sees started or ended (addition, issue 15). */
  'drill:started': (drill: Drill) => void;
  'drill:ended': (drill: Drill) => void;
}

/**
 * A command's answer. A refusal has its `code` (refusals.ts) and, where the page words a name into
 * it, `params` (`owned`: `owner`; `bad_target`: `target`); `error` says it in English for logs and
 * REST clients.
 */
export type CommandReply<T = Incident> = { ok: true; incident: T } | { ok: false; error: string; code: string; params?: StoredParams };

export { COMMAND_EVENTS, type CommandEvent } from './commands.js';

/** Socket.IO namespaces: the dispatch console and the guard page (same events, different scope). */
export const NAMESPACES = ['/console', '/guard'] as const;

/**
 * Client commands, each answered through its ack callback; payloads as src/contract/commands.ts
 * declares them. handover (the owner hands the incident to another operator) and takeover (an admin
 * takes it from its owner) are additions to the DESIGN contract.
 */
export type ClientToServerEvents = {
  [E in CommandEvent]: (req: CommandPayload<E>, reply: (r: CommandReply) => void) => void;
} & {
  /** Drill commands (演练, issue 15): `drill:start` with DrillBody<'start'>, `drill:end` with `{ id }`. */
  [A in DrillAction as (typeof DRILL_EVENT_OF)[A]]: (req: DrillBody<A>, reply: (r: DrillReply) => void) => void;
};
