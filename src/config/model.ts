/**
 * The validated, resolved configuration every other module receives. The loader (config/load.ts)
 * turns files into this model; nothing downstream reads YAML. Site locations are already WGS-84.
 *
 * The schemas in schema/ are the source of truth: every field whose shape the loader passes on as
 * zod produced it is taken from the schema output here (`Checked<...>`). Written out by hand are
 * only what loading resolves or renames: secrets looked up from their references, durations and
 * sizes in the units the hub uses, the grid cell and station of a site, camelCase names for the
 * snake_case keys installers write, and the file a site came from.
 */
import type { z } from 'zod';
import type { Language } from '../core/installer-messages.js';
import type { LatLng, Priority } from '../contract/alarm-event.js';
import type { GridCell } from '../contract/grid-cell.js';
import type {
  bridgeSchema,
  cameraSchema,
  cellPropertiesSchema,
  contactSchema,
  deviceSchema,
  httpSchema,
  mapSchema,
  mqttSchema,
  siteSchema,
  stationSchema,
  zoneSchema,
} from './schema/index.js';

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

/** hub.yaml `cluster` with its password looked up and the replica id settled. */
export interface ClusterConfig {
  redisUrl: string;
  redisPassword: string | null;
  /** From hub.yaml, else SAFEGRID_REPLICA_ID, else the host name: fixed across restarts of this replica. */
  replicaId: string;
  /** cluster.lease_interval: time between partition lease rounds (replica mode on PostgreSQL). */
  leaseIntervalMs: number;
}

export interface HubConfig {
  http: z.output<typeof httpSchema>;
  mqtt: Pick<Checked<MqttSection>, 'mode' | 'host' | 'port' | 'url' | 'username' | 'auth'> & {
    /** External broker password, resolved from `password_env`. */
    password: string | null;
    clientId: string;
    tls: { cert: string; key: string; ca: string | null; port: number; requireClientCert: boolean } | null;
    /** Embedded broker limits that hold before login (issue 17). */
    maxPacketBytes: number;
    maxConnectionsPerAddress: number;
    connectTimeoutMs: number;
    /** External mode with replicas: subscribe as `$share/<sharedGroup>/<filter>` (MQTT 5). Absent: plain subscriptions. */
    sharedSubscriptions?: { group: string } | null;
  };
  storage: {
    path: string;
    mediaPath: string;
    /** Append-only file of audit chain heads; null: beside the database (`<path>.anchor`). */
    auditAnchor: string | null;
    /** HMAC key for the anchor lines, resolved from `audit_key_env|audit_key_file_key`; null: unsigned. */
    auditKey: string | null;
    /** Issue 18: sqlite (one hub) or postgres (replicas sharing `url`). */
    backend: 'sqlite' | 'postgres';
    /** PostgreSQL URL without the password; null with sqlite. */
    url: string | null;
    /** PostgreSQL password resolved from `password_env`; null: pg reads PGPASSWORD or ~/.pgpass. */
    password: string | null;
    poolSize: number;
  };
  map: z.output<typeof mapSchema>;
  triage: {
    /** Deprecated and ignored (issue 12); null when hub.yaml does not set it (the hub warns when it does). */
    correlationWindowMs: number | null;
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
    /** 警情类别/性质 chosen at 反馈 and 结警 (hub.yaml `triage.natures`). */
    natures: Array<{ code: string; zh: string; en: string }>;
    /** Dispositions that may close before 派警 (`triage.close_before_dispatch`). */
    closeBeforeDispatch: string[];
    /** ms the console waits for the guard's verification at a guard_first site before marking it overdue. */
    guardFirstTimeoutMs: number;
  };
  /** The centre's time zone (hub.yaml `timezone`), in which the pages show every time; absent in hand-built configs: Asia/Shanghai. */
  timezone?: string;
  /** Path of the accounts file (issue 3). */
  usersFile: string;
  /** Installer-facing language (hub.yaml `language`); absent: from the environment. */
  language?: Language;
  /** Console session lifetimes, ms (hub.yaml `sessions`). */
  sessions: { idleMs: number; absoluteMs: number };
  /** Bearer token a Prometheus scraper sends for /metrics (hub.yaml `metrics`); null: admins only. */
  metricsToken: string | null;
  /** Replicas sharing Redis (hub.yaml `cluster`, issue 18); absent or null: one hub. */
  cluster?: ClusterConfig | null;
  /** Shared-topic bridges (Frigate): one subscription feeding many sites' cameras. */
  bridges: BridgeConfig[];
  /** Path of the secrets file (`secrets:` in hub.yaml), relative to the config root. Added by config/. */
  secretsFile?: string;
  /** Cameras: health polling, snapshots, clips, media retention (issue 6). Absent: video/ defaults. */
  video?: VideoSettings;
  /** Guard alerts on WeCom, DingTalk and SMS/HTTP gateways per guard group (issue 13). Absent: none. */
  notify?: NotifyConfig;
  /** Reports (issue 14): the daily report's time, response standards, bulletin advice file. Absent: reports/ defaults. */
  reports?: ReportsSettings;
  /** Orderly stop on SIGTERM (hub.yaml `drain`, issue 18), ms. Absent (hand-built configs): DEFAULT_DRAIN. */
  drain?: DrainSettings;
}

export interface DrainSettings {
  /** The whole stop, after which the process exits anyway. */
  timeoutMs: number;
  /** How long the replica answers not-ready while still serving, before it closes its listeners; 0: at once. */
  unreadyDelayMs: number;
}

export const DEFAULT_DRAIN: DrainSettings = { timeoutMs: 10_000, unreadyDelayMs: 0 };

export interface ReportsSettings {
  /** Local minutes after midnight at which the daily report of the day before is generated. */
  dailyAtMinute: number;
  ackWithinSeconds: number;
  onSceneWithinSeconds: number[];
  /** Path of the bulletin advice file, relative to the config root. */
  bulletinAdvice: string;
  /** Notify channel ids the daily report is sent to. */
  notifyChannels: string[];
}

/** One channel of a guard group, its URL and signing secret resolved (null: the reference is unset). */
export interface NotifyChannelConfig {
  id: string;
  type: 'wecom' | 'dingtalk' | 'http';
  url: string | null;
  secret: string | null;
  format: 'text' | 'markdown';
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
  /** http: the body template (YAML value), placeholders in its strings. */
  body: unknown;
  mentionMobiles: string[];
}

export interface NotifyConfig {
  groups: Record<string, { priorities: number[]; channels: NotifyChannelConfig[] }>;
  retryFirstMs: number;
  retryMaxMs: number;
  giveUpAfterMs: number;
  timeoutMs: number;
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

export type BridgeConfig = Omit<z.output<typeof bridgeSchema>, 'mqtt'> & {
  /** The bridge's login to the embedded broker; password resolved from its reference. */
  mqttUsername?: string | null;
  mqttPassword?: string | null;
};

type StationEntry = Checked<z.output<typeof stationSchema>>;
/**
 * `units` may be absent in a Station built by hand (tests, older callers): no units. `code` may be left
 * out too: the 警情编号 prefix is then derived from the id.
 */
export type Station = Omit<StationEntry, 'units' | 'code'> & {
  code?: string | null;
  units?: Array<Omit<StationEntry['units'][number], 'officers'> & { officers: Array<{ name: string; phone: string | null }> }>;
};

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
