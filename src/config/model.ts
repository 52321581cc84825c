/**
 * The validated, resolved configuration every other module receives. The loader (config/load.ts)
 * turns files into this model; nothing downstream reads YAML. Site locations are already WGS-84.
 *
 * The schemas in schema/ are the source of truth, and their output is the model: hub.yaml,
 * stations.yaml and grids.geojson are parsed by `…ModelSchema`s (schema/hub-model.ts with drain.ts,
 * cluster.ts, notify.ts; stations.ts; grids.ts): the file schemas with a `.transform()` that renames
 * snake_case keys to camelCase, converts durations and sizes to the units the hub uses and turns an
 * absent key into null. The types here are `z.output` of those schemas (for a site's parts,
 * `Checked<...>` of the file schema's output: an absent `.nullish()` key becomes null).
 *
 * On top of that output the loader only resolves what the files cannot say: a secret reference
 * (`SecretRef`) becomes the secret (`Resolved<...>`, load-global.ts `resolveHub`), and a missing
 * replica id comes from the environment or the host name. A site (load-site.ts) is assembled from
 * its file with its grid cell and station, its devices' and cameras' secrets and topics, and the
 * file it came from: Site, Device, Camera and Zone add those resolved fields to the schema output.
 */
import type { z } from 'zod';
import type { LatLng } from '../contract/alarm-event.js';
import type { GridCell } from '../contract/grid-cell.js';
import type { SecretRef } from './schema/common.js';
import type { clusterModelSchema } from './schema/cluster.js';
import type { drainModelSchema } from './schema/drain.js';
import type { hubModelSchema, reportsModelSchema, videoModelSchema } from './schema/hub-model.js';
import type { notifyModelSchema } from './schema/notify.js';
import type { stationsModelSchema } from './schema/stations.js';
import type { cameraSchema, cellPropertiesSchema, contactSchema, deviceSchema, mqttSchema, siteSchema, zoneSchema } from './schema/index.js';

export type { GridCell, MultiPolygonCoords, PolygonCoords } from '../contract/grid-cell.js';

/**
 * A schema's output with every optional key present: an absent `.nullish()` key becomes null, as
 * the loader writes it (`x ?? null`), so consumers test one "not given" value, never two.
 */
export type Checked<T> = { [K in keyof T]-?: undefined extends T[K] ? Exclude<T[K], undefined> | null : T[K] };

/**
 * GridCell lives in src/contract/ (geo/ and the pages use it) and cannot import config's schema;
 * this fails to compile if the grids.geojson properties and GridCell drift apart.
 */
export type CellPropertiesFitGridCell = AssertFits<Checked<z.output<typeof cellPropertiesSchema>>, Omit<GridCell, 'polygons'>>;
type AssertFits<A extends B, B> = A;

type MqttSection = z.output<typeof mqttSchema>;
export type MqttMode = MqttSection['mode'];
export type TileCrs = z.output<typeof siteSchema>['crs'];

/**
 * A model with each secret reference replaced by the secret it names (null: the reference is
 * unset, or none was given): what the loader's resolve step (load-global.ts `resolveHub`) returns.
 */
export type Resolved<T> = T extends SecretRef ? string : T extends object ? { [K in keyof T]: Resolved<T[K]> } : T;

/** hub.yaml `cluster` with its password looked up and the replica id settled (hub.yaml, else SAFEGRID_REPLICA_ID, else the host name). */
export type ClusterConfig = Resolved<z.output<typeof clusterModelSchema>> & { replicaId: string };

/** hub.yaml as the hub runs on it: schema/hub-model.ts `hubModelSchema` (renames, units) with its secrets resolved. */
export type HubConfig = Omit<Resolved<z.output<typeof hubModelSchema>>, 'cluster'> & {
  /** Replicas sharing Redis (hub.yaml `cluster`, issue 18); null: one hub. */
  cluster: ClusterConfig | null;
};

/** Orderly stop on SIGTERM (hub.yaml `drain`, issue 18), ms. */
export type DrainSettings = z.output<typeof drainModelSchema>;

/** How a hand-built config without `drain` (a test's, cast to Config) stops; the loader always sets it. */
export const DEFAULT_DRAIN: DrainSettings = { timeoutMs: 10_000, unreadyDelayMs: 0 };

/** Reports (issue 14): the daily report's time, response standards, bulletin advice file. */
export type ReportsSettings = z.output<typeof reportsModelSchema>;

/** Guard alerts on WeCom, DingTalk and SMS/HTTP gateways per guard group (issue 13). */
export type NotifyConfig = Resolved<z.output<typeof notifyModelSchema>>;

/** One channel of a guard group, its URL and signing secret resolved (null: the reference is unset). */
export type NotifyChannelConfig = NotifyConfig['groups'][string]['channels'][number];

/** Cameras: health polling, snapshots, clips, media retention (issue 6). */
export type VideoSettings = z.output<typeof videoModelSchema>;

/** A shared-topic bridge (Frigate); its login to the embedded broker, if any, with the password resolved. */
export type BridgeConfig = HubConfig['bridges'][number];

type StationModel = z.output<typeof stationsModelSchema>[number];
/**
 * `units` may be absent in a Station built by hand (tests, older callers): no units. `code` may be left
 * out too: the 警情编号 prefix is then derived from the id.
 */
export type Station = Omit<StationModel, 'units' | 'code'> & Partial<Pick<StationModel, 'units' | 'code'>>;

export type Contact = z.output<typeof contactSchema>;

export type Zone = z.output<typeof zoneSchema> & {
  /** The key of the `zones:` mapping in the site file. */
  number: number;
};
export type ZoneType = Zone['type'];

type DeviceEntry = Checked<z.output<typeof deviceSchema>>;

export type Device = Pick<DeviceEntry, 'id' | 'profile' | 'zone' | 'account'> & {
  siteId: string;
  /** Main MQTT topic (the file's, or the native one); the profile may derive more (e.g. `<topic>/availability`). */
  topic: string;
  /** Expected heartbeat interval, ms; null when the device sends none. */
  heartbeatMs: number | null;
  /** Expected periodic test interval, ms (`test_interval`); null or absent: tests are not supervised. */
  testIntervalMs?: number | null;
  /** `installed: true`: supervised from the hub's start even if never heard from (else pending install until its first message). */
  installed?: boolean;
  zones: Zone[];
  /** MQTT credentials for the embedded broker (issue 3); password resolved from its reference. */
  mqttUsername: string | null;
  mqttPassword: string | null;
};

type CameraEntry = Checked<z.output<typeof cameraSchema>>;

export type Camera = Pick<CameraEntry, 'id' | 'name' | 'rtsp' | 'zones'> & {
  siteId: string;
  /** Password resolved from its reference. */
  onvif: { xaddr: string; username: string | null; password: string | null } | null;
  /** Credentials for the stream (`rtsp_login`); absent: the ONVIF ones, if any. */
  rtspLogin: { username: string; password: string | null } | null;
  /** Camera name used by Frigate in `frigate/events`. */
  frigateName: string | null;
  /** The file's location, or the site's when the camera has none. */
  location: LatLng;
  /** Record a clip with each incident; undefined: the hub's `video.clips`. */
  clip?: boolean;
  /** `installed: true`: a camera that never answers goes offline (else pending install until its first answer). */
  installed?: boolean;
  /** `allowed_hosts`: more hosts the camera may name in its addresses (src/video/camera-host.ts). */
  allowedHosts?: string[];
  /**
   * Set when the camera cannot be used as configured (e.g. its password reference is unset): the
   * hub still starts and the site stays active, but video must skip this camera and say why.
   */
  disabledReason?: string;
};

type SiteEntry = Checked<z.output<typeof siteSchema>>;

export type Site = Pick<SiteEntry, 'id' | 'name' | 'kind' | 'address' | 'pole' | 'contacts'> & {
  doorPlate: string;
  /** WGS-84, converted from GCJ-02 when the file said `crs: gcj02`. */
  location: LatLng;
  /** What the file said, for the config reference and the console. */
  sourceCrs: TileCrs;
  guardGroup: string | null;
  /** `guard_first`: the operator waits for the guard's verification before 派警. */
  guardFirst?: boolean;
  /** The verbal password (口令) for 业主撤警, resolved from its reference; never sent to a page or logged. */
  verbalPassword?: string | null;
  /** One MQTT login for every device of the site (issue 3); password resolved from its reference. */
  mqttUsername: string | null;
  mqttPassword: string | null;
  /** Resolved from the location through the grid. */
  gridCellId: string | null;
  stationId: string | null;
  devices: Device[];
  cameras: Camera[];
  /** Source file, for messages. */
  file: string;
};

export interface Config {
  dir: string;
  devicesDir: string;
  hub: HubConfig;
  stations: Station[];
  cells: GridCell[];
  sites: Site[];
}
