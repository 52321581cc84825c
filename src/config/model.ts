/**
 * The validated, resolved configuration every other module receives. The loader (config/load.ts)
 * turns files into this model; nothing downstream reads YAML. Site locations are already WGS-84.
 *
 * The schemas in schema/ are the source of truth, and their output is the model: every file is
 * parsed by a `…ModelSchema` (schema/hub-model.ts with drain.ts, cluster.ts, notify.ts; stations.ts;
 * grids.ts; site.ts `siteModelSchema` with `deviceModel` and `cameraModel`): the file schema with a
 * `.transform()` that renames snake_case keys to camelCase, converts durations and sizes to the
 * units the hub uses and turns an absent key into null. The types here are `z.output` of those
 * schemas. A site file's model is made after the parse cache (which keeps the file schema's
 * output, its format unchanged): load-site.ts applies schema/site.ts `siteModel` to what it reads.
 *
 * Hand-written here is only what the files cannot say, added to that output by the loader's
 * resolve steps: a secret reference (`SecretRef`) becomes the secret (`Resolved<...>`), a missing
 * replica id comes from the environment or the host name (load-global.ts `resolveHub`); a site gets
 * its grid cell and station, WGS-84 locations (from GCJ-02 when the file says so), its devices'
 * topics (the native one is built from the site id), zones numbered by their mapping keys and the
 * file it came from (load-site.ts `resolveSite`; Site, Device, Camera and Zone). Station's `units`
 * and `code` stay optional for stations built by hand (tests, older callers), read as none.
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
import type { cellPropertiesSchema, contactSchema, mqttSchema, siteSchema, zoneSchema } from './schema/index.js';
import type { CameraModel, DeviceModel, SiteModel } from './schema/site.js';

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

/** A device as the hub runs on it: schema/site.ts `deviceModel`, resolved by load-site.ts `resolveSite`. */
export type Device = Omit<Resolved<DeviceModel>, 'topic' | 'zones'> & {
  siteId: string;
  /** Main MQTT topic (the file's, or the native one); the profile may derive more (e.g. `<topic>/availability`). */
  topic: string;
  /** The `zones:` mapping's entries, numbered by their keys, in number order. */
  zones: Zone[];
};

/** A camera as the hub runs on it: schema/site.ts `cameraModel`, resolved by load-site.ts `resolveSite`. */
export type Camera = Omit<Resolved<CameraModel>, 'location'> & {
  siteId: string;
  /** WGS-84: the file's location, or the site's when the camera has none. */
  location: LatLng;
  /**
   * Set when the camera cannot be used as configured (e.g. its password reference is unset): the
   * hub still starts and the site stays active, but video must skip this camera and say why.
   */
  disabledReason?: string;
};

/** A site as the hub runs on it: schema/site.ts `siteModelSchema`, resolved by load-site.ts `resolveSite`. */
export type Site = Omit<Resolved<SiteModel>, 'location' | 'devices' | 'cameras'> & {
  /** WGS-84, converted from GCJ-02 when the file said `crs: gcj02`. */
  location: LatLng;
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
