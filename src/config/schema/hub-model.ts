/**
 * hub.yaml's runtime model: each section of schema/hub.ts as the hub runs on it, renamed to
 * camelCase and converted to the units the hub uses (ms, bytes, minutes after midnight). Its output
 * types are config/model.ts's types; secrets are still references (SecretRef) until the loader's
 * resolve step (load-global.ts) looks them up. The file schemas stay as written in schema/hub.ts
 * (JSON Schema, docs and tests read the file's own shape).
 */
import type { z } from 'zod';
import type { Priority } from '../../contract/alarm-event.js';
import { clusterModelSchema } from './cluster.js';
import { secretRef } from './common.js';
import { drainModelSchema } from './drain.js';
import { type bridgeSchema, httpSchema, hubSchema, mqttSchema, reportsSchema, sessionsSchema, storageSchema, triageSchema, videoSchema } from './hub.js';
import { notifyModelSchema } from './notify.js';

/** `http` as written, without a `tls: null`. */
export const httpModelSchema = httpSchema.transform(({ tls, ...rest }): z.output<typeof httpSchema> => (tls ? { ...rest, tls } : rest));

export const mqttModelSchema = mqttSchema.transform((m) => ({
  mode: m.mode,
  host: m.host,
  port: m.port,
  url: m.url ?? null,
  username: m.username ?? null,
  /** External broker password (`password_env`). */
  password: secretRef(m.password_env),
  clientId: m.client_id,
  tls: m.tls ? { cert: m.tls.cert, key: m.tls.key, ca: m.tls.ca ?? null, port: m.tls.port, requireClientCert: m.tls.require_client_cert } : null,
  auth: m.auth,
  /** Embedded broker limits that hold before login (issue 17). */
  maxPacketBytes: m.max_packet_size,
  maxConnectionsPerAddress: m.max_connections_per_address,
  connectTimeoutMs: m.connect_timeout,
  /** External mode with replicas: subscribe as `$share/<group>/<filter>` (MQTT 5); null: plain subscriptions. */
  sharedSubscriptions: m.shared_subscriptions ? { group: m.shared_group } : null,
}));

export const storageModelSchema = storageSchema.transform((s) => ({
  path: s.path,
  mediaPath: s.media_path,
  /** Append-only file of audit chain heads; null: beside the database (`<path>.anchor`). */
  auditAnchor: s.audit_anchor ?? null,
  /** HMAC key for the anchor lines (`audit_key_env|audit_key_file_key`); null: unsigned. */
  auditKey: secretRef(s.audit_key_env, s.audit_key_file_key),
  /** Issue 18: sqlite (one hub) or postgres (replicas sharing `url`). */
  backend: s.backend,
  /** PostgreSQL URL without the password; null with sqlite. */
  url: s.url ?? null,
  /** PostgreSQL password (`password_env`); null: pg reads PGPASSWORD or ~/.pgpass. */
  password: secretRef(s.password_env),
  poolSize: s.pool_size,
}));

/** `triage` in ms; its `timezone` is settled by hubModelSchema (default: the top-level one). */
export const triageModelSchema = triageSchema.transform((t) => {
  const ackTimeoutMs: Record<Priority, number> = { 1: t.ack_timeout.p1, 2: t.ack_timeout.p2, 3: t.ack_timeout.p3, 4: t.ack_timeout.p4 };
  return {
    /** Deprecated and ignored (issue 12); null when hub.yaml does not set it (the hub warns when it does). */
    correlationWindowMs: t.correlation_window ?? null,
    /** ms per priority before escalation. */
    ackTimeoutMs,
    /** ms: a new incident at a site whose last one was closed as false within this is a repeat. */
    repeatWindowMs: t.repeat_window,
    /** Night hours in local minutes after midnight (from > to wraps midnight); null: none. */
    night: t.night ? { fromMinute: t.night.from, toMinute: t.night.to } : null,
    /** Local dates (YYYY-MM-DD) treated like night all day. */
    holidays: t.holidays,
    timezone: t.timezone ?? null,
    /** 警情类别/性质 chosen at 反馈 and 结警 (hub.yaml `triage.natures`). */
    natures: t.natures,
    /** Dispositions that may close before 派警 (`triage.close_before_dispatch`). */
    closeBeforeDispatch: t.close_before_dispatch,
    /** ms the console waits for the guard's verification at a guard_first site before marking it overdue. */
    guardFirstTimeoutMs: t.guard_first_timeout,
  };
});

/** `video` (config/model.ts VideoSettings): ms, whole seconds of clip, bytes. */
export const videoModelSchema = videoSchema.transform((v) => ({
  pollIntervalMs: v.poll_interval,
  /** Failed polls in a row before a camera is offline. */
  offlineAfter: v.offline_after,
  snapshotTimeoutMs: v.snapshot_timeout,
  /** Record a clip for every incident on every camera (a camera's own `clip` overrides). */
  clips: v.clips,
  clipSeconds: Math.max(1, Math.round(v.clip_length / 1000)),
  retention: { maxAgeMs: v.retention.max_age, maxFiles: v.retention.max_files, maxBytes: Math.round(v.retention.max_megabytes * 1024 * 1024) },
}));

/** Console session lifetimes, ms. */
export const sessionsModelSchema = sessionsSchema.transform((s) => ({ idleMs: s.idle_timeout, absoluteMs: s.absolute_timeout }));

/** `reports` (config/model.ts ReportsSettings): minutes after midnight, seconds. */
export const reportsModelSchema = reportsSchema.transform((r) => ({
  /** Local minutes after midnight at which the daily report of the day before is generated. */
  dailyAtMinute: Number(r.daily_at.slice(0, 2)) * 60 + Number(r.daily_at.slice(3, 5)),
  ackWithinSeconds: r.ack_within / 1000,
  onSceneWithinSeconds: r.on_scene_within.map((ms) => ms / 1000),
  /** Path of the bulletin advice file, relative to the config root. */
  bulletinAdvice: r.bulletin_advice,
  /** Notify channel ids the daily report is sent to. */
  notifyChannels: r.notify_channels,
}));

/** A bridge; with its own login, the password still a reference (`mqttUsername` absent: no login). */
function bridgeModel(b: z.output<typeof bridgeSchema>) {
  const { id, profile, topic, mqtt } = b;
  if (!mqtt) return { id, profile, topic };
  return { id, profile, topic, mqttUsername: mqtt.username, mqttPassword: secretRef(mqtt.password_env, mqtt.password_file_key) };
}

/** hub.yaml as the hub runs on it (config/model.ts HubConfig once resolved). Same checks, same messages as hubSchema. */
export const hubModelSchema = hubSchema
  .unwrap()
  .extend({
    http: httpModelSchema,
    mqtt: mqttModelSchema,
    storage: storageModelSchema,
    triage: triageModelSchema,
    video: videoModelSchema,
    sessions: sessionsModelSchema,
    notify: notifyModelSchema,
    reports: reportsModelSchema,
    drain: drainModelSchema,
    cluster: clusterModelSchema.nullish(),
  })
  .prefault({})
  .transform(({ users, secrets, language, metrics, bridges, cluster, triage, ...same }) => ({
    ...same,
    /** Its time zone: triage's own, else the centre's (hub.yaml `timezone`, in which the pages show every time). */
    triage: { ...triage, timezone: triage.timezone ?? same.timezone },
    /** Path of the accounts file (issue 3). */
    usersFile: users,
    /** Installer-facing language (hub.yaml `language`); absent: from the environment. */
    ...(language ? { language } : {}),
    /** Bearer token a Prometheus scraper sends for /metrics (hub.yaml `metrics`); null: admins only. */
    metricsToken: secretRef(metrics.token_env, metrics.token_file_key),
    /** Replicas sharing Redis (hub.yaml `cluster`, issue 18); null: one hub. */
    cluster: cluster ?? null,
    /** Shared-topic bridges (Frigate): one subscription feeding many sites' cameras. */
    bridges: bridges.map(bridgeModel),
    /** Path of the secrets file (`secrets:` in hub.yaml), relative to the config root. */
    secretsFile: secrets,
  }));

export type HubModel = z.output<typeof hubModelSchema>;
