/**
 * Socket.IO contract of the /console and /guard namespaces (DESIGN.md "Interfaces"). Shared with web/.
 * Both need a session: the browser sends the `sg_session` cookie with the handshake (same origin).
 * A refused handshake gets `connect_error` with `data.code` 401 (no session), 403 (role, or a
 * cross-origin page) or 428 (one-time password not changed yet). When the session ends (logout,
 * expiry) the server disconnects the socket.
 */
import type { Incident } from './incident.js';

export interface DeviceStatus {
  deviceId: string;
  siteId: string;
  availability: 'online' | 'offline';
  lastSeenAt: string | null;
}

export interface QueueSnapshot {
  /** Open incidents of the console's scope, most urgent first. */
  incidents: Incident[];
  /** Server time, so a console can compute ages without trusting its own clock. */
  serverTime: string;
}

export interface ServerToClientEvents {
  'queue:snapshot': (snapshot: QueueSnapshot) => void;
  'incident:new': (incident: Incident) => void;
  'incident:update': (incident: Incident) => void;
  'device:status': (status: DeviceStatus) => void;
}

export type CommandReply<T = Incident> = { ok: true; incident: T } | { ok: false; error: string; code: string };

/** Client commands, each answered through its ack callback. The server registers exactly these. */
export const COMMAND_EVENTS = [
  'incident:ack',
  'incident:dispatch',
  'incident:onscene',
  'incident:close',
  'incident:note',
  'incident:handover',
  'incident:takeover',
] as const;
export type CommandEvent = (typeof COMMAND_EVENTS)[number];

/** Socket.IO namespaces: the dispatch console and the guard page (same events, different scope). */
export const NAMESPACES = ['/console', '/guard'] as const;

export interface ClientToServerEvents {
  'incident:ack': (req: { id: string }, reply: (r: CommandReply) => void) => void;
  'incident:dispatch': (req: { id: string; unit?: string; note?: string }, reply: (r: CommandReply) => void) => void;
  'incident:onscene': (req: { id: string; note?: string }, reply: (r: CommandReply) => void) => void;
  'incident:close': (req: { id: string; disposition: string; note?: string }, reply: (r: CommandReply) => void) => void;
  'incident:note': (req: { id: string; text: string }, reply: (r: CommandReply) => void) => void;
  /** The owner hands the incident to another operator (addition to the DESIGN contract). */
  'incident:handover': (req: { id: string; to: string }, reply: (r: CommandReply) => void) => void;
  /** An admin takes an incident over from its owner (addition to the DESIGN contract). */
  'incident:takeover': (req: { id: string }, reply: (r: CommandReply) => void) => void;
}
