import type { AlarmEvent } from '../contract/alarm-event.js';
import type { SiteCommissioning } from '../contract/commissioning.js';
import type { Incident } from '../contract/incident.js';
import type { Drill } from '../contract/drill.js';
import type { CameraStatusPush, DeviceStatus, DirectoryChanged } from '../contract/socket.js';
import type { ErrorCode } from './errors.js';

/** The hub's one typed event map. Names are `noun:verb`. */
export interface HubEvents extends Record<string, unknown> {
  /** Events committed to SQLite (one group-commit batch). */
  'event:stored': AlarmEvent[];
  /** A device's availability changed (dropped when nothing changed). */
  'device:status': DeviceStatus;
  /** A camera's availability changed (health polling). */
  'camera:status': CameraStatusPush;
  /** A config reload took effect: pages read their directory again. */
  'directory:changed': DirectoryChanged;
  'incident:new': Incident;
  'incident:update': Incident;
  /** A message was rejected: counted, logged, and the hub goes on. `payload`: its first bytes (untrusted). */
  'ingest:rejected': { code: ErrorCode; topic: string; reason: string; payload?: string };
  /** A site's commissioning changed (state, maintenance, walk test checklist): its whole view. */
  'commissioning:status': SiteCommissioning;
  /** A drill window (演练) started; from now its sites' alarms are drills. */
  'drill:started': Drill;
  /** A drill window ended (early, or by itself at its end time). */
  'drill:ended': Drill;
}
