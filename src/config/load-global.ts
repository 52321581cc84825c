/**
 * The global files: config/hub.yaml, config/stations.yaml, config/grids.geojson (and the secrets
 * file hub.yaml names). Any error here is global: the hub refuses to start, because every site
 * depends on them (routing, map, broker).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Problem } from '../core/problems.js';
import type { GridCell, HubConfig, Station } from './model.js';
import { formatPath, parseWithSchema } from './issues.js';
import { hubModelSchema, type HubModel } from './schema/hub-model.js';
import { stationsModelSchema } from './schema/stations.js';
import { gridsModelSchema } from './schema/grids.js';
import { lineOf, readSource, type SourceFile } from './source.js';
import { ParseCache } from './parse-cache.js';
import { DEFAULT_SECRETS_FILE, isUnderDevices, lookupSecret, readSecrets, type SecretRef, type SecretStore } from './secrets.js';
import { didYouMean } from './suggest.js';
import { defaultReplicaId } from './replica-id.js';

export const HUB_FILE = 'config/hub.yaml';
export const STATIONS_FILE = 'config/stations.yaml';
export const GRIDS_FILE = 'config/grids.geojson';

export interface GlobalPart {
  hub: HubConfig | null;
  /** Raw hub file, for bridge checks that need the profile registry. */
  hubSrc: SourceFile | null;
  /** hub.yaml validated but not resolved (null: it did not validate); its bridges when `hub` is null. */
  hubModel: HubModel | null;
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
  let hubModel: HubModel | null = null;
  let secretsFile = DEFAULT_SECRETS_FILE;
  if (!hubSrc) {
    problems.push(missingFile(HUB_FILE, 'the hub settings (an empty file gives all defaults)'));
  } else if (hubSrc.problems.length > 0) {
    problems.push(...hubSrc.problems);
  } else {
    const parsed = parseWithSchema(hubModelSchema, hubSrc, { inlineSecretsForbidden: true });
    problems.push(...parsed.problems);
    hubModel = parsed.value;
    if (hubModel) {
      secretsFile = hubModel.secretsFile;
      if (isUnderDevices(rootDir, hubModel.secretsFile)) {
        problems.push({
          code: 'SG_CONFIG_INVALID_VALUE',
          severity: 'error',
          file: HUB_FILE,
          line: lineOf(hubSrc, ['secrets']),
          path: 'secrets',
          message: `got "${hubModel.secretsFile}"; expected a path outside devices/ (files there are shared with installers and copied around)`,
          hint: `keep it at ${DEFAULT_SECRETS_FILE}`,
        });
      }
    }
  }

  const { store: secrets, problems: secretProblems } = readSecrets(rootDir, secretsFile);
  problems.push(...secretProblems);

  if (hubModel && hubSrc) {
    const built = resolveHub(hubModel, hubSrc, env, secrets);
    problems.push(...built.problems, ...checkTlsFiles(rootDir, hubModel, hubSrc));
    hub = built.problems.some((p) => p.severity === 'error') ? null : built.hub;
  }

  // stations.yaml
  let stations: Station[] | null = null;
  const stSrc = readSource(rootDir, STATIONS_FILE);
  if (!stSrc) problems.push(missingFile(STATIONS_FILE, 'the list of stations (stations: [...])'));
  else if (stSrc.problems.length > 0) problems.push(...stSrc.problems);
  else {
    const parsed = parseWithSchema(stationsModelSchema, stSrc);
    problems.push(...parsed.problems);
    if (parsed.value) {
      const checked = checkStations(parsed.value, stSrc);
      problems.push(...checked);
      if (checked.length === 0) stations = parsed.value;
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
    const parsed = parseWithSchema(gridsModelSchema, gridSrc);
    problems.push(...parsed.problems);
    if (parsed.value) {
      const cellProblems = checkCells(parsed.value, gridSrc, stations);
      problems.push(...cellProblems);
      if (cellProblems.length === 0) cells = parsed.value;
    } else {
      // A geometry mistake in one feature must not hide a station typo in another: check ids and
      // stations of every feature that has them, as far as the raw data allows.
      problems.push(...checkCells(rawCellRefs(gridSrc.data), gridSrc, stations));
    }
  }

  return { hub, hubSrc, hubModel, stations, cells, secrets, problems, cache };
}

/** What to report when a reference is unset, given why it is (null: nothing, the secret is not needed). */
type WhenUnset = (why: string) => { severity: Problem['severity']; message: string } | null;

/**
 * The resolve step: the validated model (schema/hub-model.ts `hubModelSchema`) with each secret
 * reference looked up and the replica id settled. An unset reference is a problem at the line of
 * the key that names it: an error where the hub could not work without it (its broker, database or
 * Redis), else a warning. Bridge and notify channel ids must also be unique here.
 */
function resolveHub(h: HubModel, src: SourceFile, env: NodeJS.ProcessEnv, secrets: SecretStore): { hub: HubConfig; problems: Problem[] } {
  const problems: Problem[] = [];
  /** `at`: the path of the secret's keys without their `_env` / `_file_key` ending. */
  const secret = (ref: SecretRef | null, at: ReadonlyArray<string | number>, unset: WhenUnset): string | null => {
    if (!ref) return null;
    const found = lookupSecret(ref, env, secrets);
    if (found.ok) return found.value;
    const report = unset(found.why);
    if (report) {
      const path = [...at.slice(0, -1), `${at[at.length - 1]}${'env' in ref ? '_env' : '_file_key'}`];
      const { severity, message } = report;
      problems.push({ code: 'SG_CONFIG_SECRET_MISSING', severity, file: src.file, line: lineOf(src, path), path: formatPath(path), message, hint: found.hint });
    }
    return null;
  };
  // The hub cannot log in to an external broker without its password: an error there.
  const mqtt = {
    ...h.mqtt,
    password: secret(h.mqtt.password, ['mqtt', 'password'], (why) => ({ severity: h.mqtt.mode === 'external' ? 'error' : 'warning', message: why })),
  };
  const storage = {
    ...h.storage,
    auditKey: secret(h.storage.auditKey, ['storage', 'audit_key'], (why) => ({
      severity: 'warning',
      message: `${why}; audit anchor lines are written unsigned until it is set`,
    })),
    password: secret(h.storage.password, ['storage', 'password'], (why) => ({
      severity: h.storage.backend === 'postgres' ? 'error' : 'warning',
      message: why,
    })),
  };
  const metricsToken = secret(h.metricsToken, ['metrics', 'token'], (why) => ({
    severity: 'warning',
    message: `${why}; /metrics answers admins only until it is set`,
  }));
  const c = h.cluster;
  // Without its Redis password the replica could not join: an error.
  const cluster = c && {
    ...c,
    redisPassword: secret(c.redisPassword, ['cluster', 'redis_password'], (why) => ({ severity: 'error', message: why })),
    replicaId: c.replicaId ?? defaultReplicaId(env),
  };
  // A warning in embedded mode: the bridge cannot log in, but every site's own devices still can.
  const bridges = h.bridges.map((b, i) => {
    if (b.mqttUsername === undefined) return b;
    const mqttPassword = secret(b.mqttPassword, ['bridges', i, 'mqtt', 'password'], (why) =>
      h.mqtt.mode === 'embedded' ? { severity: 'warning', message: `${why}, so this bridge cannot connect to the embedded broker` } : null,
    );
    return { ...b, mqttPassword };
  });
  const seenChannels = new Set<string>();
  const groups = Object.fromEntries(
    Object.entries(h.notify.groups).map(([group, g]) => {
      const channels = g.channels.map((ch, i) => {
        const at = ['notify', 'groups', group, 'channels', i];
        // The outbox keys deliveries by channel id.
        if (seenChannels.has(ch.id)) {
          problems.push({
            code: 'SG_CONFIG_DUPLICATE_ID',
            severity: 'error',
            file: src.file,
            line: lineOf(src, [...at, 'id']),
            path: `notify.groups.${group}.channels[${i}].id`,
            message: `channel id "${ch.id}" is used by another channel; expected ids unique in the hub`,
          });
        }
        seenChannels.add(ch.id);
        // An unset reference silences this channel only (its deliveries wait in the outbox), never the hub.
        const unset: WhenUnset = (why) => ({ severity: 'warning', message: `${why}, so channel ${ch.id} cannot send (its deliveries wait in the outbox)` });
        return { ...ch, url: secret(ch.url, [...at, 'url'], unset), secret: secret(ch.secret, [...at, 'secret'], unset) };
      });
      return [group, { ...g, channels }];
    }),
  );
  const hub: HubConfig = { ...h, mqtt, storage, metricsToken, cluster, bridges, notify: { ...h.notify, groups } };
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
function checkTlsFiles(rootDir: string, h: HubModel, src: SourceFile): Problem[] {
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
