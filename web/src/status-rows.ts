/**
 * The device-status board's rows, pure (no DOM): what state a device or camera is in from what the
 * hub says (REST rows and `device:status` / `camera:status` pushes), the order and the filters.
 * Tested by tables in test/unit/web-status-rows.test.ts; status-board.ts draws them.
 */
import type { SiteCommissioning } from '../../src/contract/commissioning.js';
import type { DeviceStatus } from '../../src/contract/socket.js';
import type { CameraInfo, DeviceInfo } from './device-info.js';

/** What a row's state cell says; `data-state` carries the same word for tests and styles. */
export type BoardState = 'online' | 'offline' | 'pending' | 'unknown' | 'disabled';

export interface BoardRow {
  kind: 'device' | 'camera';
  siteId: string;
  id: string;
  name: string;
  state: BoardState;
  lastSeenAt: string | null;
  battery: number | null;
  /** Supervision troubles raised and not over (devices); a camera's only trouble is being offline. */
  troubles: Array<'offline' | 'testMissed'>;
}

/** What commissioning adds to a row (issue 15): 维护 (its events stay out of the queue) or 步测 of its site. */
export type BoardMode = 'maintenance' | 'walk_test' | null;

/**
 * A device's commissioning mode from its site's latest `commissioning:status`: a running walk test
 * of the site, else maintenance of the device or the whole site; cameras follow their site.
 */
export function boardMode(r: Pick<BoardRow, 'kind' | 'id'>, site: SiteCommissioning | undefined): BoardMode {
  if (!site) return null;
  if (site.walkTest) return 'walk_test';
  if (site.site.state === 'maintenance') return 'maintenance';
  const device = r.kind === 'device' ? site.devices.find((d) => d.deviceId === r.id) : undefined;
  return device?.state === 'maintenance' ? 'maintenance' : null;
}

export function deviceRow(d: DeviceInfo | (DeviceStatus & { id?: string })): BoardRow {
  const id = 'id' in d && d.id ? d.id : (d as DeviceStatus).deviceId;
  const sup = d.supervision ?? { offline: false, testMissed: false };
  const state: BoardState = d.pendingInstall
    ? 'pending'
    : d.availability === 'offline' || sup.offline
      ? 'offline'
      : d.availability === 'online'
        ? 'online'
        : 'unknown';
  const troubles: BoardRow['troubles'] = [];
  if (sup.offline) troubles.push('offline');
  if (sup.testMissed) troubles.push('testMissed');
  return { kind: 'device', siteId: d.siteId, id, name: id, state, lastSeenAt: d.lastSeenAt, battery: d.battery ?? null, troubles };
}

export function cameraRow(c: Pick<CameraInfo, 'id' | 'siteId' | 'availability'> & { name?: string | null; lastOkAt?: string | null }): BoardRow {
  const a = c.availability;
  const state: BoardState = a === 'online' || a === 'offline' || a === 'disabled' ? a : 'unknown';
  return {
    kind: 'camera',
    siteId: c.siteId,
    id: c.id,
    name: c.name ?? c.id,
    state,
    lastSeenAt: c.lastOkAt ?? null,
    battery: null,
    troubles: state === 'offline' ? ['offline'] : [],
  };
}

/** Troubles first, then pending installs, then by site and id: what needs a look is on top. */
export function sortRows(rows: BoardRow[]): BoardRow[] {
  const weight = (r: BoardRow): number => (r.troubles.length || r.state === 'offline' ? 0 : r.state === 'pending' ? 1 : 2);
  return [...rows].sort((a, b) => weight(a) - weight(b) || a.siteId.localeCompare(b.siteId) || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
}

export const rowKey = (kind: BoardRow['kind'], siteId: string, id: string): string => `${kind}\u0000${siteId}\u0000${id}`;

/** The board's filters: one site (empty: all), and troubles only. */
export function rowShown(r: BoardRow, f: { site: string; troubleOnly: boolean }): boolean {
  return (!f.site || r.siteId === f.site) && (!f.troubleOnly || r.troubles.length > 0 || r.state === 'offline');
}
