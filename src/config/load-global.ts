/**
 * The global files: config/hub.yaml, config/stations.yaml, config/grids.geojson (and the secrets
 * file hub.yaml names). Any error here is global: the hub refuses to start, because every site
 * depends on them (routing, map, broker).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Priority } from '../contract/alarm-event.js';
import type { Problem } from '../core/problems.js';
import type { ClusterConfig, GridCell, HubConfig, MultiPolygonCoords, NotifyChannelConfig, NotifyConfig, Station } from './model.js';
import { formatPath, parseWithSchema } from './issues.js';
import { hubSchema, type HubFile } from './schema/hub.js';
import { stationsFileSchema } from './schema/stations.js';
import { gridsFileSchema } from './schema/grids.js';
import { lineOf, readSource, type SourceFile } from './source.js';
import { ParseCache } from './parse-cache.js';
import { DEFAULT_SECRETS_FILE, isUnderDevices, lookupSecret, readSecrets, type SecretStore } from './secrets.js';
import { didYouMean } from './suggest.js';
import { defaultReplicaId } from '../cluster/replica-id.js';

export const HUB_FILE = 'config/hub.yaml';
export const STATIONS_FILE = 'config/stations.yaml';
export const GRIDS_FILE = 'config/grids.geojson';

export interface GlobalPart {
  hub: HubConfig | null;
  /** Raw hub file, for bridge checks that need the profile registry. */
  hubSrc: SourceFile | null;
  hubFile: HubFile | null;
  stations: Station[] | null;
  cells: GridCell[] | null;
  secrets: SecretStore;
  problems: Problem[];
  /** The parse cache, when the caller asked for one and hub.yaml says where the data lives. */
  cache: ParseCache | null;
}

function missingFile(file: string, what: string): Problem {
  return {
    code: 'SG_CONFIG_FILE_MISSING',
    severity: 'error',
    file,
    line: null,
    path: '',
    message: `file not found; expected ${what}`,
    hint: 'check --root: it must point at the directory that holds config/ and devices/',
  };
}

/** `cacheFile`: where the parse cache lives given the hub settings (null: none); absent: no cache. */
export function loadGlobal(rootDir: string, env: NodeJS.ProcessEnv, cacheFile?: (hub: HubConfig) => string | null): GlobalPart {
  const problems: Problem[] = [];

  // hub.yaml
  const hubSrc = readSource(rootDir, HUB_FILE);
  let hub: HubConfig | null = null;
  let hubFile: HubFile | null = null;
  let secretsFile = DEFAULT_SECRETS_FILE;
  if (!hubSrc) {
    problems.push(missingFile(HUB_FILE, 'the hub settings (an empty file gives all defaults)'));
  } else if (hubSrc.problems.length > 0) {
    problems.push(...hubSrc.problems);
  } else {
    const parsed = parseWithSchema(hubSchema, hubSrc, { inlineSecretsForbidden: true });
    problems.push(...parsed.problems);
    hubFile = parsed.value;
    if (hubFile) {
      secretsFile = hubFile.secrets;
      if (isUnderDevices(rootDir, hubFile.secrets)) {
        problems.push({
          code: 'SG_CONFIG_INVALID_VALUE',
          severity: 'error',
          file: HUB_FILE,
          line: lineOf(hubSrc, ['secrets']),
          path: 'secrets',
          message: `got "${hubFile.secrets}"; expected a path outside devices/ (files there are shared with installers and copied around)`,
          hint: `keep it at ${DEFAULT_SECRETS_FILE}`,
        });
      }
    }
  }

  const { store: secrets, problems: secretProblems } = readSecrets(rootDir, secretsFile);
  problems.push(...secretProblems);

  if (hubFile && hubSrc) {
    const built = buildHub(hubFile, hubSrc, env, secrets);
    problems.push(...built.problems, ...checkTlsFiles(rootDir, hubFile, hubSrc));
    hub = built.problems.some((p) => p.severity === 'error') ? null : built.hub;
  }

  // stations.yaml
  let stations: Station[] | null = null;
  const stSrc = readSource(rootDir, STATIONS_FILE);
  if (!stSrc) problems.push(missingFile(STATIONS_FILE, 'the list of stations (stations: [...])'));
  else if (stSrc.problems.length > 0) problems.push(...stSrc.problems);
  else {
    const parsed = parseWithSchema(stationsFileSchema, stSrc);
    problems.push(...parsed.problems);
    if (parsed.value) {
      const checked = checkStations(parsed.value.stations, stSrc);
      problems.push(...checked);
      stations = parsed.value.stations.map((s) => ({
        id: s.id,
        name: s.name,
        tier: s.tier,
        code: s.code ?? null,
        parent: s.parent ?? null,
        location: s.location ?? null,
        units: s.units.map((u) => ({ id: u.id, name: u.name, kind: u.kind, officers: u.officers.map((o) => ({ name: o.name, phone: o.phone ?? null })) })),
      }));
      if (checked.length > 0) stations = null;
    }
  }

  const cachePath = hub && cacheFile ? cacheFile(hub) : null;
  const cache = cachePath ? ParseCache.open(cachePath) : null;

  // grids.geojson
  let cells: GridCell[] | null = null;
  const gridSrc = readSource(rootDir, GRIDS_FILE, 'json', cache);
  if (!gridSrc) problems.push(missingFile(GRIDS_FILE, 'the grid cells (a GeoJSON FeatureCollection)'));
  else if (gridSrc.problems.length > 0) problems.push(...gridSrc.problems);
  else {
    const parsed = parseWithSchema(gridsFileSchema, gridSrc);
    problems.push(...parsed.problems);
    if (parsed.value) {
      const built: GridCell[] = parsed.value.features.map((f) => ({
        id: f.properties.id,
        name: f.properties.name,
        community: f.properties.community,
        station: f.properties.station,
        post: f.properties.post ?? null,
        leader: f.properties.leader ?? null,
        phone: f.properties.phone ?? null,
        polygons: (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates) as MultiPolygonCoords,
      }));
      const cellProblems = checkCells(built, gridSrc, stations);
      problems.push(...cellProblems);
      if (cellProblems.length === 0) cells = built;
    } else {
      // A geometry mistake in one feature must not hide a station typo in another: check ids and
      // stations of every feature that has them, as far as the raw data allows.
      problems.push(...checkCells(rawCellRefs(gridSrc.data), gridSrc, stations));
    }
  }

  return { hub, hubSrc, hubFile, stations, cells, secrets, problems, cache };
}

/** The scraper's token by reference (never inline); unset: /metrics is for admins only. */
function metricsToken(h: HubFile, src: SourceFile, env: NodeJS.ProcessEnv, secrets: SecretStore, problems: Problem[]): string | null {
  const ref = h.metrics.token_env ? { env: h.metrics.token_env } : h.metrics.token_file_key ? { fileKey: h.metrics.token_file_key } : null;
  if (!ref) return null;
  const found = lookupSecret(ref, env, secrets);
  if (found.ok) return found.value;
  const key = h.metrics.token_env ? 'token_env' : 'token_file_key';
  problems.push({
    code: 'SG_CONFIG_SECRET_MISSING',
    severity: 'warning',
    file: src.file,
    line: lineOf(src, ['metrics', key]),
    path: `metrics.${key}`,
    message: `${found.why}; /metrics answers admins only until it is set`,
    hint: found.hint,
  });
  return null;
}

/** The audit anchor's HMAC key by reference (never inline); unset: anchor lines are written unsigned. */
function auditKey(h: HubFile, src: SourceFile, env: NodeJS.ProcessEnv, secrets: SecretStore, problems: Problem[]): string | null {
  const ref = h.storage.audit_key_env ? { env: h.storage.audit_key_env } : h.storage.audit_key_file_key ? { fileKey: h.storage.audit_key_file_key } : null;
  if (!ref) return null;
  const found = lookupSecret(ref, env, secrets);
  if (found.ok) return found.value;
  const key = h.storage.audit_key_env ? 'audit_key_env' : 'audit_key_file_key';
  problems.push({
    code: 'SG_CONFIG_SECRET_MISSING',
    severity: 'warning',
    file: src.file,
    line: lineOf(src, ['storage', key]),
    path: `storage.${key}`,
    message: `${found.why}; audit anchor lines are written unsigned until it is set`,
    hint: found.hint,
  });
  return null;
}

/** hub.yaml `cluster` resolved: the Redis password looked up (an unset one is an error: the replica could not join). */
function clusterConfig(h: HubFile, src: SourceFile, env: NodeJS.ProcessEnv, secrets: SecretStore, problems: Problem[]): ClusterConfig | null {
  const c = h.cluster;
  if (!c) return null;
  const replicaId = c.replica_id ?? defaultReplicaId(env);
  const ref = c.redis_password_env ? { env: c.redis_password_env } : c.redis_password_file_key ? { fileKey: c.redis_password_file_key } : null;
  let redisPassword: string | null = null;
  if (ref) {
    const found = lookupSecret(ref, env, secrets);
    if (found.ok) redisPassword = found.value;
    else {
      const key = c.redis_password_env ? 'redis_password_env' : 'redis_password_file_key';
      problems.push({
        code: 'SG_CONFIG_SECRET_MISSING',
        severity: 'error',
        file: src.file,
        line: lineOf(src, ['cluster', key]),
        path: `cluster.${key}`,
        message: found.why,
        hint: found.hint,
      });
    }
  }
  return { redisUrl: c.redis_url, redisPassword, replicaId, leaseIntervalMs: c.lease_interval };
}

/**
 * The guard groups' channels with their URLs and secrets looked up. An unset reference is a
 * warning (that channel cannot send; every other one can), never a refusal to start; a channel id
 * used twice is an error (the outbox keys deliveries by it).
 */
function notifyConfig(h: HubFile, src: SourceFile, env: NodeJS.ProcessEnv, secrets: SecretStore, problems: Problem[]): NotifyConfig {
  const groups: NotifyConfig['groups'] = {};
  const seen = new Set<string>();
  for (const [group, g] of Object.entries(h.notify.groups)) {
    const channels: NotifyChannelConfig[] = [];
    g.channels.forEach((c, i) => {
      const at = ['notify', 'groups', group, 'channels', i];
      if (seen.has(c.id)) {
        problems.push({
          code: 'SG_CONFIG_DUPLICATE_ID',
          severity: 'error',
          file: src.file,
          line: lineOf(src, [...at, 'id']),
          path: `notify.groups.${group}.channels[${i}].id`,
          message: `channel id "${c.id}" is used by another channel; expected ids unique in the hub`,
        });
      }
      seen.add(c.id);
      const resolve = (name: 'url' | 'secret'): string | null => {
        const envKey = c[`${name}_env`];
        const fileKey = c[`${name}_file_key`];
        const ref = envKey ? { env: envKey } : fileKey ? { fileKey } : null;
        if (!ref) return null;
        const found = lookupSecret(ref, env, secrets);
        if (found.ok) return found.value;
        const key = envKey ? `${name}_env` : `${name}_file_key`;
        problems.push({
          code: 'SG_CONFIG_SECRET_MISSING',
          severity: 'warning',
          file: src.file,
          line: lineOf(src, [...at, key]),
          path: `notify.groups.${group}.channels[${i}].${key}`,
          message: `${found.why}, so channel ${c.id} cannot send (its deliveries wait in the outbox)`,
          hint: found.hint,
        });
        return null;
      };
      channels.push({
        id: c.id,
        type: c.type,
        url: resolve('url'),
        secret: resolve('secret'),
        format: c.format,
        method: c.method,
        headers: c.headers,
        body: c.body ?? null,
        mentionMobiles: c.mention_mobiles,
      });
    });
    groups[group] = { priorities: g.priorities, channels };
  }
  return {
    groups,
    retryFirstMs: h.notify.retry_first,
    retryMaxMs: h.notify.retry_max,
    giveUpAfterMs: h.notify.give_up_after,
    timeoutMs: h.notify.timeout,
  };
}

/** The PostgreSQL password from `storage.password_env`; null when not set (pg then reads PGPASSWORD or ~/.pgpass). */
function storagePassword(h: HubFile, src: SourceFile, env: NodeJS.ProcessEnv, secrets: SecretStore, problems: Problem[]): string | null {
  if (!h.storage.password_env) return null;
  const found = lookupSecret({ env: h.storage.password_env }, env, secrets);
  if (found.ok) return found.value;
  problems.push({
    code: 'SG_CONFIG_SECRET_MISSING',
    severity: h.storage.backend === 'postgres' ? 'error' : 'warning',
    file: src.file,
    line: lineOf(src, ['storage', 'password_env']),
    path: 'storage.password_env',
    message: found.why,
    hint: found.hint,
  });
  return null;
}

function buildHub(h: HubFile, src: SourceFile, env: NodeJS.ProcessEnv, secrets: SecretStore): { hub: HubConfig; problems: Problem[] } {
  const problems: Problem[] = [];
  let password: string | null = null;
  if (h.mqtt.password_env) {
    const found = lookupSecret({ env: h.mqtt.password_env }, env, secrets);
    if (found.ok) password = found.value;
    else {
      // The hub cannot log in to its broker without it: an error, not a warning.
      problems.push({
        code: 'SG_CONFIG_SECRET_MISSING',
        severity: h.mqtt.mode === 'external' ? 'error' : 'warning',
        file: src.file,
        line: lineOf(src, ['mqtt', 'password_env']),
        path: 'mqtt.password_env',
        message: found.why,
        hint: found.hint,
      });
    }
  }
  const ack = h.triage.ack_timeout;
  const ackTimeoutMs: Record<Priority, number> = { 1: ack.p1, 2: ack.p2, 3: ack.p3, 4: ack.p4 };
  const hub: HubConfig = {
    http: {
      host: h.http.host,
      port: h.http.port,
      trust_proxy: h.http.trust_proxy,
      allowed_hosts: h.http.allowed_hosts,
      headers_timeout: h.http.headers_timeout,
      request_timeout: h.http.request_timeout,
      ...(h.http.tls ? { tls: h.http.tls } : {}),
    },
    mqtt: {
      mode: h.mqtt.mode,
      host: h.mqtt.host,
      port: h.mqtt.port,
      url: h.mqtt.url ?? null,
      username: h.mqtt.username ?? null,
      password,
      clientId: h.mqtt.client_id,
      tls: h.mqtt.tls
        ? {
            cert: h.mqtt.tls.cert,
            key: h.mqtt.tls.key,
            ca: h.mqtt.tls.ca ?? null,
            port: h.mqtt.tls.port,
            requireClientCert: h.mqtt.tls.require_client_cert,
          }
        : null,
      auth: h.mqtt.auth,
      maxPacketBytes: h.mqtt.max_packet_size,
      maxConnectionsPerAddress: h.mqtt.max_connections_per_address,
      connectTimeoutMs: h.mqtt.connect_timeout,
      sharedSubscriptions: h.mqtt.shared_subscriptions ? { group: h.mqtt.shared_group } : null,
    },
    storage: {
      path: h.storage.path,
      mediaPath: h.storage.media_path,
      auditAnchor: h.storage.audit_anchor ?? null,
      auditKey: auditKey(h, src, env, secrets, problems),
      backend: h.storage.backend,
      url: h.storage.url ?? null,
      password: storagePassword(h, src, env, secrets, problems),
      poolSize: h.storage.pool_size,
    },
    map: {
      center: [h.map.center[0], h.map.center[1]],
      zoom: h.map.zoom,
      tiles: { url: h.map.tiles.url, attribution: h.map.tiles.attribution, crs: h.map.tiles.crs },
    },
    triage: {
      correlationWindowMs: h.triage.correlation_window ?? null,
      ackTimeoutMs,
      repeatWindowMs: h.triage.repeat_window,
      night: h.triage.night ? { fromMinute: h.triage.night.from, toMinute: h.triage.night.to } : null,
      holidays: h.triage.holidays,
      timezone: h.triage.timezone ?? h.timezone,
      natures: h.triage.natures,
      closeBeforeDispatch: h.triage.close_before_dispatch,
      guardFirstTimeoutMs: h.triage.guard_first_timeout,
    },
    timezone: h.timezone,
    usersFile: h.users,
    ...(h.language ? { language: h.language } : {}),
    sessions: { idleMs: h.sessions.idle_timeout, absoluteMs: h.sessions.absolute_timeout },
    metricsToken: metricsToken(h, src, env, secrets, problems),
    cluster: clusterConfig(h, src, env, secrets, problems),
    video: {
      pollIntervalMs: h.video.poll_interval,
      offlineAfter: h.video.offline_after,
      snapshotTimeoutMs: h.video.snapshot_timeout,
      clips: h.video.clips,
      clipSeconds: Math.max(1, Math.round(h.video.clip_length / 1000)),
      retention: {
        maxAgeMs: h.video.retention.max_age,
        maxFiles: h.video.retention.max_files,
        maxBytes: Math.round(h.video.retention.max_megabytes * 1024 * 1024),
      },
    },
    bridges: h.bridges.map((b, i) => {
      if (!b.mqtt) return { id: b.id, profile: b.profile, topic: b.topic };
      const ref = b.mqtt.password_env ? { env: b.mqtt.password_env } : { fileKey: b.mqtt.password_file_key as string };
      const found = lookupSecret(ref, env, secrets);
      if (!found.ok && h.mqtt.mode === 'embedded') {
        // A warning: the bridge cannot log in, but every site's own devices still can.
        const key = 'env' in ref ? 'password_env' : 'password_file_key';
        problems.push({
          code: 'SG_CONFIG_SECRET_MISSING',
          severity: 'warning',
          file: src.file,
          line: lineOf(src, ['bridges', i, 'mqtt', key]),
          path: `bridges[${i}].mqtt.${key}`,
          message: `${found.why}, so this bridge cannot connect to the embedded broker`,
          hint: found.hint,
        });
      }
      return { id: b.id, profile: b.profile, topic: b.topic, mqttUsername: b.mqtt.username, mqttPassword: found.ok ? found.value : null };
    }),
    secretsFile: h.secrets,
    notify: notifyConfig(h, src, env, secrets, problems),
    reports: {
      dailyAtMinute: Number(h.reports.daily_at.slice(0, 2)) * 60 + Number(h.reports.daily_at.slice(3, 5)),
      ackWithinSeconds: h.reports.ack_within / 1000,
      onSceneWithinSeconds: h.reports.on_scene_within.map((ms) => ms / 1000),
      bulletinAdvice: h.reports.bulletin_advice,
      notifyChannels: h.reports.notify_channels,
    },
    drain: { timeoutMs: h.drain.timeout, unreadyDelayMs: h.drain.unready_delay ?? 0 },
  };
  // Bridge ids must be unique: ingest keys its subscriptions by them.
  const seen = new Map<string, number>();
  h.bridges.forEach((b, i) => {
    const first = seen.get(b.id);
    if (first !== undefined) {
      problems.push({
        code: 'SG_CONFIG_DUPLICATE_ID',
        severity: 'error',
        file: src.file,
        line: lineOf(src, ['bridges', i, 'id']),
        path: `bridges[${i}].id`,
        message: `bridge id "${b.id}" is already used by bridges[${first}] (line ${lineOf(src, ['bridges', first, 'id']) ?? '?'})`,
      });
    } else seen.set(b.id, i);
  });
  return { hub, problems };
}

/** The TLS listener needs its PEM files at start; say which one is missing now, not as an ENOENT later. */
function checkTlsFiles(rootDir: string, h: HubFile, src: SourceFile): Problem[] {
  const tls = h.mqtt.tls;
  if (!tls || h.mqtt.mode !== 'embedded') return [];
  const problems: Problem[] = [];
  for (const key of ['cert', 'key', 'ca'] as const) {
    const file = tls[key];
    if (!file || existsSync(resolve(rootDir, file))) continue;
    problems.push({
      code: 'SG_CONFIG_FILE_MISSING',
      severity: 'error',
      file: src.file,
      line: lineOf(src, ['mqtt', 'tls', key]),
      path: `mqtt.tls.${key}`,
      message: `file not found: ${file}; expected a PEM file (relative paths start at the config root)`,
    });
  }
  return problems;
}

function checkStations(list: Array<{ id: string; parent?: string | null | undefined }>, src: SourceFile): Problem[] {
  const problems: Problem[] = [];
  const firstIndex = new Map<string, number>();
  list.forEach((s, i) => {
    const first = firstIndex.get(s.id);
    if (first !== undefined) {
      problems.push({
        code: 'SG_CONFIG_DUPLICATE_ID',
        severity: 'error',
        file: src.file,
        line: lineOf(src, ['stations', i, 'id']),
        path: `stations[${i}].id`,
        message: `station id "${s.id}" is already used by stations[${first}] (line ${lineOf(src, ['stations', first, 'id']) ?? '?'})`,
      });
    } else firstIndex.set(s.id, i);
  });
  const ids = [...firstIndex.keys()];
  const byId = new Map(list.map((s) => [s.id, s]));
  list.forEach((s, i) => {
    if (!s.parent) return;
    if (!byId.has(s.parent)) {
      problems.push({
        code: 'SG_CONFIG_UNKNOWN_REFERENCE',
        severity: 'error',
        file: src.file,
        line: lineOf(src, ['stations', i, 'parent']),
        path: `stations[${i}].parent`,
        message: `no station "${s.parent}"`,
        hint: didYouMean(s.parent, ids) ?? `stations are: ${ids.join(', ')}`,
      });
      return;
    }
    // A parent cycle would make escalation go round forever.
    const visited = new Set<string>([s.id]);
    let cur = byId.get(s.parent);
    while (cur) {
      if (visited.has(cur.id)) {
        problems.push({
          code: 'SG_CONFIG_INVALID_VALUE',
          severity: 'error',
          file: src.file,
          line: lineOf(src, ['stations', i, 'parent']),
          path: `stations[${i}].parent`,
          message: `got "${s.parent}"; the parent chain of "${s.id}" loops back to "${cur.id}"; expected it to end at the city centre`,
        });
        break;
      }
      visited.add(cur.id);
      cur = cur.parent ? byId.get(cur.parent) : undefined;
    }
  });
  return problems;
}

/** Id and station of each feature that has both as text, at its index (for checkCells). */
function rawCellRefs(data: unknown): Array<Pick<GridCell, 'id' | 'station'>> {
  const features = (data as { features?: unknown } | null)?.features;
  if (!Array.isArray(features)) return [];
  return features.map((f) => {
    const p = (f as { properties?: Record<string, unknown> } | null)?.properties;
    return { id: typeof p?.id === 'string' ? p.id : '', station: typeof p?.station === 'string' ? p.station : '' };
  });
}

function checkCells(cells: ReadonlyArray<Pick<GridCell, 'id' | 'station' | 'post'>>, src: SourceFile, stations: Station[] | null): Problem[] {
  const problems: Problem[] = [];
  const firstIndex = new Map<string, number>();
  const stationIds = stations?.map((s) => s.id) ?? null;
  cells.forEach((c, i) => {
    const idPath = ['features', i, 'properties', 'id'];
    if (!c.id) return; // no usable id: the schema reports it
    const first = firstIndex.get(c.id);
    if (first !== undefined) {
      problems.push({
        code: 'SG_CONFIG_DUPLICATE_ID',
        severity: 'error',
        file: src.file,
        line: lineOf(src, idPath),
        path: formatPath(idPath),
        message: `cell id "${c.id}" is already used by features[${first}] (line ${lineOf(src, ['features', first, 'properties', 'id']) ?? '?'})`,
      });
    } else firstIndex.set(c.id, i);
    // Without a station list we cannot tell; stations.yaml reports its own problems.
    if (stationIds && c.station && !stationIds.includes(c.station)) {
      const path = ['features', i, 'properties', 'station'];
      problems.push({
        code: 'SG_CONFIG_UNKNOWN_REFERENCE',
        severity: 'error',
        file: src.file,
        line: lineOf(src, path),
        path: formatPath(path),
        message: `no station "${c.station}" in ${STATIONS_FILE}`,
        hint: didYouMean(c.station, stationIds) ?? `stations are: ${stationIds.join(', ')}`,
      });
    }
    if (stationIds && c.post && !stationIds.includes(c.post)) {
      const path = ['features', i, 'properties', 'post'];
      problems.push({
        code: 'SG_CONFIG_UNKNOWN_REFERENCE',
        severity: 'error',
        file: src.file,
        line: lineOf(src, path),
        path: formatPath(path),
        message: `no community post "${c.post}" in ${STATIONS_FILE}`,
        hint: didYouMean(c.post, stationIds) ?? `stations are: ${stationIds.join(', ')}`,
      });
    }
  });
  return problems;
}
