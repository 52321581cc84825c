/** Cameras and devices as the map and the status board know them: types only, no DOM (unit tests import them). */
import type { LatLng } from '../../src/contract/alarm-event.js';

export interface CameraInfo {
  id: string;
  siteId: string;
  name: string | null;
  location: LatLng | null;
  zones: number[];
  availability: string;
  /** Last good health poll (GET /api/cameras); null: none since the hub started. */
  lastOkAt?: string | null;
}

/** An alarm device as the status board shows it (GET /api/devices; `device:status` updates it). */
export interface DeviceInfo {
  id: string;
  siteId: string;
  availability: string;
  lastSeenAt: string | null;
  lastTestAt: string | null;
  battery: number | null;
  pendingInstall: boolean;
  supervision: { offline: boolean; testMissed: boolean };
}
