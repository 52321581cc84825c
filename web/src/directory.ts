/** The installation as the console reads it once at start: map settings, grid, stations, sites, cameras. */
import type { ReceivingTier } from '../../src/contract/routing.js';
import type { LatLng } from '../../src/contract/alarm-event.js';
import { getJson, HttpError } from './api.js';

export interface MapSettings {
  center: LatLng;
  zoom: number;
  tiles: { url: string; attribution: string; crs: 'wgs84' | 'gcj02' };
}

export interface CellProps {
  id: string;
  name: string;
  community: string;
  station: string;
  leader: string | null;
  phone: string | null;
}

export interface CellFeature {
  type: 'Feature';
  id: string;
  properties: CellProps;
  geometry: { type: 'MultiPolygon'; coordinates: number[][][][] };
}

export interface Station {
  id: string;
  name: string;
  tier: 'city' | 'station' | 'community' | ReceivingTier;
  parent: string | null;
  location: LatLng | null;
  /** 出警单位 for 派警 (absent: none configured). */
  units?: Array<{ id: string; name: string; kind: 'patrol_car' | 'officer' | 'security_team'; officers: Array<{ name: string; phone: string | null }> }>;
}

/** What the 110 workflow's forms offer (GET /api/workflow). */
export interface WorkflowSettings {
  natures: Array<{ code: string; zh: string; en: string }>;
  closeBeforeDispatch: string[];
  guardFirstTimeoutMs: number;
}

export const DEFAULT_WORKFLOW: WorkflowSettings = { natures: [], closeBeforeDispatch: [], guardFirstTimeoutMs: 300_000 };

export interface SiteInfo {
  id: string;
  name: string;
  kind: string;
  address: string | null;
  doorPlate: string | null;
  pole: string | null;
  location: LatLng;
  contacts: Array<{ name: string; phone: string }>;
  guardGroup: string | null;
  guardFirst?: boolean;
  gridCellId: string | null;
  stationId: string | null;
  devices: string[];
  cameras: string[];
}

export type { CameraInfo, DeviceInfo } from './device-info.js';
import type { CameraInfo, DeviceInfo } from './device-info.js';

export interface Directory {
  map: MapSettings;
  cells: CellFeature[];
  stations: Station[];
  sites: SiteInfo[];
  cameras: CameraInfo[];
  workflow: WorkflowSettings;
}

/** A list the caller's role may not read is simply empty (a guard has no grid, for example). */
async function optional<T>(path: string, fallback: T): Promise<T> {
  try {
    return await getJson<T>(path);
  } catch (err) {
    if (err instanceof HttpError && (err.status === 403 || err.status === 404)) return fallback;
    throw err;
  }
}

export const DEFAULT_MAP: MapSettings = { center: [26.594, 104.833], zoom: 14, tiles: { url: '', attribution: '', crs: 'wgs84' } };

export async function loadDirectory(): Promise<Directory> {
  const [map, grids, stations, sites, cameras, workflow] = await Promise.all([
    optional<MapSettings>('/api/map', DEFAULT_MAP),
    optional<{ features: CellFeature[] }>('/api/grids', { features: [] }),
    optional<{ stations: Station[] }>('/api/stations', { stations: [] }),
    optional<{ sites: SiteInfo[] }>('/api/sites', { sites: [] }),
    optional<{ cameras: CameraInfo[] }>('/api/cameras', { cameras: [] }),
    optional<WorkflowSettings>('/api/workflow', DEFAULT_WORKFLOW),
  ]);
  return { map, cells: grids.features, stations: stations.stations, sites: sites.sites, cameras: cameras.cameras, workflow };
}

/** The alarm devices of the caller's sites with their supervision state (empty for a role without). */
export async function loadDevices(): Promise<DeviceInfo[]> {
  return (await optional<{ devices: DeviceInfo[] }>('/api/devices', { devices: [] })).devices;
}

/**
 * After a config reload: read the caller's sites and cameras again and put them into `dir` in
 * place, so every holder of the directory (map, search, detail) sees the new lists.
 */
export async function refreshDirectory(dir: Directory): Promise<void> {
  const [sites, cameras] = await Promise.all([
    optional<{ sites: SiteInfo[] }>('/api/sites', { sites: dir.sites }),
    optional<{ cameras: CameraInfo[] }>('/api/cameras', { cameras: dir.cameras }),
  ]);
  dir.sites = sites.sites;
  dir.cameras = cameras.cameras;
}
