/** Socket.IO contract of the /console and /guard namespaces (DESIGN.md "Interfaces"). Shared with web/. */
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

export interface ClientToServerEvents {
  'incident:ack': (req: { id: string }, reply: (r: CommandReply) => void) => void;
  'incident:dispatch': (req: { id: string; unit?: string; note?: string }, reply: (r: CommandReply) => void) => void;
  'incident:onscene': (req: { id: string; note?: string }, reply: (r: CommandReply) => void) => void;
  'incident:close': (req: { id: string; disposition: string; note?: string }, reply: (r: CommandReply) => void) => void;
  'incident:note': (req: { id: string; text: string }, reply: (r: CommandReply) => void) => void;
}
