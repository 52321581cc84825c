/**
 * The validated, resolved configuration every other module receives. The loader (config/load.ts)
 * turns files into this model; nothing downstream reads YAML. Site locations are already WGS-84.
 */
import type { LatLng, Priority } from '../contract/alarm-event.js';

export type MqttMode = 'embedded' | 'external';
export type TileCrs = 'wgs84' | 'gcj02';

export interface HubConfig {
  http: { host: string; port: number };
  mqtt: {
    mode: MqttMode;
    /** Embedded broker listen address. */
    host: string;
    port: number;
    /** External broker URL (mqtt://, mqtts://). */
    url: string | null;
    /** External broker credentials; password resolved from its reference. */
    username: string | null;
    password: string | null;
    clientId: string;
    tls: { cert: string; key: string; ca: string | null; port: number; requireClientCert: boolean } | null;
    /** Embedded broker: `required` = devices log in and keep to their topics; `off` = lab only. */
    auth: 'required' | 'off';
  };
  storage: { path: string; mediaPath: string };
  map: { center: LatLng; zoom: number; tiles: { url: string; attribution: string; crs: TileCrs } };
  triage: {
    /** ms: events of one site within this window join its open incident. */
    correlationWindowMs: number;
    /** ms per priority before escalation. */
    ackTimeoutMs: Record<Priority, number>;
    /** ms: a new incident at a site whose last one was closed as false within this is a repeat. */
    repeatWindowMs: number;
    /** Night hours in local minutes after midnight (from > to wraps midnight); null: none. */
    night: { fromMinute: number; toMinute: number } | null;
    /** Local dates (YYYY-MM-DD) treated like night all day. */
    holidays: string[];
    /** IANA time zone of night hours, holidays and reports. */
    timezone: string;
  };
  /** Path of the accounts file (issue 3). */
  usersFile: string;
  /** Console session lifetimes, ms (hub.yaml `sessions`). */
  sessions: { idleMs: number; absoluteMs: number };
  /** Bearer token a Prometheus scraper sends for /metrics (hub.yaml `metrics`); null: admins only. */
  metricsToken: string | null;
  /** Shared-topic bridges (Frigate): one subscription feeding many sites' cameras. */
  bridges: BridgeConfig[];
  /** Path of the secrets file (`secrets:` in hub.yaml), relative to the config root. Added by config/. */
  secretsFile?: string;
  /** Cameras: health polling, snapshots, clips, media retention (issue 6). Absent: video/ defaults. */
  video?: VideoSettings;
}

export interface VideoSettings {
  pollIntervalMs: number;
  /** Failed polls in a row before a camera is offline. */
  offlineAfter: number;
  snapshotTimeoutMs: number;
  /** Record a clip for every incident on every camera (a camera's own `clip` overrides). */
  clips: boolean;
  clipSeconds: number;
  retention: { maxAgeMs: number; maxFiles: number; maxBytes: number };
}

export interface BridgeConfig {
  id: string;
  profile: string;
  topic: string;
  /** The bridge's login to the embedded broker; password resolved from its reference. */
  mqttUsername?: string | null;
  mqttPassword?: string | null;
}

export interface Station {
  id: string;
  name: string;
  tier: 'city' | 'station' | 'community';
  parent: string | null;
  location: LatLng | null;
}

/** GeoJSON Polygon / MultiPolygon coordinates, [lng, lat] as GeoJSON orders them. */
export type PolygonCoords = number[][][];
export type MultiPolygonCoords = number[][][][];

export interface GridCell {
  id: string;
  name: string;
  community: string;
  station: string;
  leader: string | null;
  phone: string | null;
  /** Always stored as MultiPolygon (a Polygon becomes a one-element MultiPolygon). */
  polygons: MultiPolygonCoords;
}

export interface Contact {
  name: string;
  phone: string;
}

export type ZoneType = 'entry' | 'interior' | 'perimeter' | 'panic' | 'fire' | 'medical' | '24h' | 'tamper' | 'gas' | 'water';

export interface Zone {
  number: number;
  name: string;
  type: ZoneType;
}

export interface Device {
  id: string;
  siteId: string;
  profile: string;
  /** Main MQTT topic; the profile may derive more (e.g. `<topic>/availability`). */
  topic: string;
  /** Expected heartbeat interval, ms; null when the device sends none. */
  heartbeatMs: number | null;
  zones: Zone[];
  /** Single-zone sensors (a door contact) report into this zone of the site's panel. */
  zone: number | null;
  /** Contact ID account number when the panel reports one. */
  account: string | null;
  /** MQTT credentials for the embedded broker (issue 3). */
  mqttUsername: string | null;
  mqttPassword: string | null;
}

export interface Camera {
  id: string;
  siteId: string;
  name: string | null;
  onvif: { xaddr: string; username: string | null; password: string | null } | null;
  rtsp: string | null;
  /** Credentials for the stream (`rtsp_login`); absent: the ONVIF ones, if any. */
  rtspLogin: { username: string; password: string | null } | null;
  /** Camera name used by Frigate in `frigate/events`. */
  frigateName: string | null;
  zones: number[];
  location: LatLng;
  /** Record a clip with each incident; undefined: the hub's `video.clips`. */
  clip?: boolean;
  /**
   * Set when the camera cannot be used as configured (e.g. its password reference is unset): the
   * hub still starts and the site stays active, but video must skip this camera and say why.
   */
  disabledReason?: string;
}

export interface Site {
  id: string;
  name: string;
  kind: 'home' | 'shop' | 'unit';
  address: string;
  doorPlate: string;
  pole: string | null;
  /** WGS-84, converted from GCJ-02 when the file said `crs: gcj02`. */
  location: LatLng;
  /** What the file said, for the config reference and the console. */
  sourceCrs: TileCrs;
  contacts: Contact[];
  guardGroup: string | null;
  /** One MQTT login for every device of the site (issue 3); password resolved from its reference. */
  mqttUsername: string | null;
  mqttPassword: string | null;
  gridCellId: string | null;
  stationId: string | null;
  devices: Device[];
  cameras: Camera[];
  /** Source file, for messages. */
  file: string;
}

export interface Config {
  dir: string;
  devicesDir: string;
  hub: HubConfig;
  stations: Station[];
  cells: GridCell[];
  sites: Site[];
}
