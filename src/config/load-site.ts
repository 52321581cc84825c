/**
 * One site file → one Site, or the reasons it is held back. Schema problems come from zod; the
 * reference checks below run on the raw data wherever the piece they need is well-formed, so a
 * file with a typo AND an unknown profile reports both in one run (never "fix one, see the next").
 */
import type { LatLng } from '../contract/alarm-event.js';
import type { ErrorCode } from '../core/errors.js';
import type { Problem } from '../core/problems.js';
import { gcj02ToWgs84, type GridIndex } from '../geo/index.js';
import type { ProfileRegistry } from '../profiles/types.js';
import type { Camera, Device, Site, TileCrs, Zone } from './model.js';
import { formatPath, parseWithSchema, sortByLine } from './issues.js';
import { siteFileSchema, siteModel, type SiteFile, type SiteModel } from './schema/site.js';
import type { ParseCache } from './parse-cache.js';
import { cachedSource, hashText, lineOf, parseSource, type SourceFile } from './source.js';
import { lookupSecret, type SecretRef, type SecretStore } from './secrets.js';
import { didYouMean } from './suggest.js';

/** The built-in profile of SafeGrid's own MQTT format (DESIGN.md "Interfaces"). */
export const NATIVE_PROFILE = 'native';

export function nativeTopic(siteId: string, deviceId: string): string {
  return `safegrid/${siteId}/${deviceId}`;
}

export interface GridBounds {
  minLat: number;
  maxLat: number;
  minLng: number;
  maxLng: number;
}

export interface SiteContext {
  env: NodeJS.ProcessEnv;
  secrets: SecretStore;
  registry: ProfileRegistry | null;
  /** null when the grid itself is broken (then "outside the grid" cannot be judged). */
  grid: GridIndex | null;
  gridBounds: GridBounds | null;
  /** Start-up only: what unchanged files parsed and validated to last time (parse-cache.ts). */
  cache?: ParseCache | null;
}

/** One device's claim on MQTT topics, for the cross-file duplicate check. */
export interface TopicClaim {
  deviceIndex: number;
  deviceId: string;
  /** Every topic the device's profile derives from its main topic. */
  topics: string[];
  /** Where to point the installer: the `topic:` line, or the device when it was defaulted. */
  path: string;
  line: number | null;
}

export interface SiteEntry {
  file: string;
  site: Site;
  /** SHA-256 of the file text this version came from. */
  hash: string;
  idLine: number | null;
  claims: TopicClaim[];
  /** MQTT user names this file defines (site and devices), for the cross-file uniqueness check. */
  logins: Array<{ username: string; what: string; path: string; line: number | null }>;
}

export interface SiteParse {
  file: string;
  hash: string;
  /** Best effort: null when the file is too broken to tell. */
  siteId: string | null;
  entry: SiteEntry | null;
  problems: Problem[];
}

type Raw = Record<string, unknown>;
const obj = (x: unknown): Raw | null => (x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Raw) : null);
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const str = (x: unknown): string | null => (typeof x === 'string' && x !== '' ? x : null);

/** SHA-256 of a file's text (SiteEntry.hash, the parse cache's key): a collision must not be makeable. */
export { hashText };

/** Profile suggestions in the words CONVENTIONS.md shows: `acme has acme/pir-100, acme/door-1`. */
export function unknownProfileProblem(profile: string, registry: ProfileRegistry): { message: string; hint?: string } {
  const all = registry
    .all()
    .map((p) => p.id)
    .sort();
  const message = `no profile "${profile}"`;
  // The model exists but its own problems held it back: send the installer there, not to "add" it.
  const skipped = registry.skipped?.(profile);
  if (skipped)
    return {
      message,
      hint: `${profile} is in ${skipped.file}${skipped.line !== null ? `:${skipped.line}` : ''} but was skipped; fix the problems reported there`,
    };
  const slash = profile.indexOf('/');
  if (slash > 0) {
    const vendor = profile.slice(0, slash);
    const same = registry
      .all()
      .filter((p) => p.vendor === vendor || p.id.startsWith(`${vendor}/`))
      .map((p) => p.id)
      .sort();
    if (same.length > 0) return { message, hint: `${vendor} has ${same.join(', ')}` };
    const close = didYouMean(profile, all);
    const vendorFile = registry.vendorFile?.(vendor);
    if (!close && vendorFile) return { message, hint: `${vendorFile} loaded no model; fix the problems reported there` };
    return { message, hint: close ?? `no vendor "${vendor}" in devices/profiles/; add devices/profiles/${vendor}.yaml` };
  }
  const close = didYouMean(profile, all);
  return { message, hint: close ?? `known profiles: ${all.join(', ')}` };
}

export function gridBoundsOf(cells: Array<{ polygons: number[][][][] }>): GridBounds | null {
  let b: GridBounds | null = null;
  for (const c of cells)
    for (const poly of c.polygons)
      for (const ring of poly)
        for (const [lng, lat] of ring) {
          if (lng === undefined || lat === undefined) continue;
          if (!b) b = { minLat: lat, maxLat: lat, minLng: lng, maxLng: lng };
          else {
            b.minLat = Math.min(b.minLat, lat);
            b.maxLat = Math.max(b.maxLat, lat);
            b.minLng = Math.min(b.minLng, lng);
            b.maxLng = Math.max(b.maxLng, lng);
          }
        }
  return b;
}

const round = (n: number): number => Math.round(n * 1e6) / 1e6;

export function toWgs84(location: LatLng, crs: TileCrs): LatLng {
  if (crs === 'wgs84') return [location[0], location[1]];
  const [lat, lng] = gcj02ToWgs84(location[0], location[1]);
  // Six decimals are ~0.1 m: more would only pretend precision the conversion does not have.
  return [round(lat), round(lng)];
}

export function parseSiteFile(file: string, text: string, ctx: SiteContext): SiteParse {
  const hash = hashText(text);
  // Parsing and the schema depend on the text alone: the cache answers them for a text that
  // passed both cleanly before. Everything below them depends on ctx and runs every time.
  const hit = ctx.cache?.site(hash);
  let src: SourceFile;
  let parsed: { value: SiteFile | null; problems: Problem[] };
  if (hit) {
    src = cachedSource(file, text, hit.data, hit.lines);
    parsed = { value: hit.value as SiteFile, problems: [] };
  } else {
    src = parseSource(file, text);
    if (src.problems.length > 0) {
      return { file, hash, siteId: guessSiteId(text), entry: null, problems: src.problems };
    }
    parsed = parseWithSchema(siteFileSchema, src, { inlineSecretsForbidden: true });
    // Only a file without a single problem is kept: one with problems is parsed on every start,
    // so what it reports never depends on the cache.
    if (ctx.cache && parsed.value && parsed.problems.length === 0) ctx.cache.putSite(hash, { data: src.data, value: parsed.value, lines: src.lines });
  }
  const problems = [...parsed.problems];
  const checks = referenceChecks(src, ctx);
  problems.push(...checks.problems);
  sortByLine(problems);
  const rawSite = obj(obj(src.data)?.site);
  const siteId = str(rawSite?.id);
  const hasError = problems.some((p) => p.severity === 'error');
  if (hasError || !parsed.value) return { file, hash, siteId, entry: null, problems };
  // The cache holds the file schema's output (its format unchanged); the model is made from it here.
  const entry = resolveSite(siteModel(parsed.value), { src, hash, ctx, cameraDisabled: checks.cameraDisabled });
  return { file, hash, siteId, entry, problems };
}

/** For a file that does not even parse: the site id, if a plain `id:` line can be found under `site:`. */
function guessSiteId(text: string): string | null {
  // Line by line, not one regex: the regex this replaces backtracked exponentially on a file whose
  // indented lines had no `id:` (found by test/unit/fuzz-config.test.ts), and a hot reload of such
  // a half-edited file froze the whole hub.
  let inSite = false;
  for (const line of text.split('\n')) {
    if (/^site:\s*$/.test(line)) {
      inSite = true;
      continue;
    }
    if (!inSite) continue;
    if (line.trim() === '') continue;
    if (!/^[ \t]/.test(line)) return null; // the site block ended
    const m = /^[ \t]+id:[ \t]*["']?([A-Za-z0-9._-]+)/.exec(line);
    if (m) return m[1] ?? null;
  }
  return null;
}

interface CheckResult {
  problems: Problem[];
  /** camera index → why it cannot be used (warnings, not errors). */
  cameraDisabled: Map<number, string>;
}

function referenceChecks(src: SourceFile, ctx: SiteContext): CheckResult {
  const problems: Problem[] = [];
  const cameraDisabled = new Map<number, string>();
  const add = (code: ErrorCode, path: PropertyKey[], message: string, hint?: string, severity: Problem['severity'] = 'error'): void => {
    problems.push({ code, severity, file: src.file, line: lineOf(src, path), path: formatPath(path), message, ...(hint ? { hint } : {}) });
  };
  const root = obj(src.data);
  if (!root) return { problems, cameraDisabled };
  const devices = arr(root.devices);
  const cameras = arr(root.cameras);

  // Ids: a device and a camera share one namespace within a site, because an alarm event's
  // deviceId may name either (camera-originated events).
  const ids = new Map<string, PropertyKey[]>();
  const claimId = (id: string | null, path: PropertyKey[], what: 'device' | 'camera'): void => {
    if (!id) return;
    const first = ids.get(id);
    if (first) {
      const other = formatPath(first.slice(0, -1));
      const line = lineOf(src, first) ?? '?';
      // Two whole sentences rather than one with the noun filled in: each has its zh-CN entry.
      add(
        'SG_CONFIG_DUPLICATE_ID',
        path,
        what === 'device' ? `device id "${id}" is already used by ${other} (line ${line})` : `camera id "${id}" is already used by ${other} (line ${line})`,
      );
    } else ids.set(id, path);
  };
  devices.forEach((d, i) => claimId(str(obj(d)?.id), ['devices', i, 'id'], 'device'));
  cameras.forEach((c, i) => claimId(str(obj(c)?.id), ['cameras', i, 'id'], 'camera'));

  // Zones declared by panels; single-zone sensors and cameras must point into them.
  const declared = new Set<number>();
  for (const d of devices) {
    const zones = obj(obj(d)?.zones);
    if (zones) for (const k of Object.keys(zones)) if (/^\d+$/.test(k)) declared.add(Number(k));
  }
  const declaredText = (): string =>
    declared.size > 0
      ? `declared zones: ${[...declared].sort((a, b) => a - b).join(', ')}`
      : 'no device of this site declares zones (a panel lists them under zones:)';

  // Without its password a device (or the whole site) cannot log in to the embedded broker, so
  // none of its alarms arrive: an error, like any other reason the site cannot work.
  const checkMqttSecret = (mqtt: Raw | null, at: PropertyKey[]): void => {
    const ref = mqttSecretRef(mqtt);
    if (!ref) return;
    const found = lookupSecret(ref, ctx.env, ctx.secrets);
    if (!found.ok) add('SG_CONFIG_SECRET_MISSING', [...at, 'env' in ref ? 'password_env' : 'password_file_key'], found.why, found.hint);
  };

  devices.forEach((d, i) => {
    const dev = obj(d);
    if (!dev) return;
    const profile = str(dev.profile);
    if (profile && ctx.registry && !ctx.registry.get(profile)) {
      const { message, hint } = unknownProfileProblem(profile, ctx.registry);
      add('SG_CONFIG_UNKNOWN_REFERENCE', ['devices', i, 'profile'], message, hint);
    }
    if (profile && profile !== NATIVE_PROFILE && (dev.topic === undefined || dev.topic === null)) {
      add(
        'SG_CONFIG_MISSING_KEY',
        ['devices', i, 'topic'],
        'missing; expected the MQTT topic this device publishes on',
        `only native devices get a default topic (${nativeTopic('<site>', '<device>')})`,
      );
    }
    if (typeof dev.zone === 'number' && Number.isInteger(dev.zone) && !declared.has(dev.zone)) {
      add('SG_CONFIG_UNKNOWN_REFERENCE', ['devices', i, 'zone'], `zone ${dev.zone} is not declared by any device of this site`, declaredText());
    }
    checkMqttSecret(obj(dev.mqtt), ['devices', i, 'mqtt']);
  });
  checkMqttSecret(obj(obj(root.site)?.mqtt), ['site', 'mqtt']);

  cameras.forEach((c, i) => {
    const cam = obj(c);
    if (!cam) return;
    arr(cam.zones).forEach((z, zi) => {
      if (typeof z === 'number' && Number.isInteger(z) && !declared.has(z)) {
        add('SG_CONFIG_UNKNOWN_REFERENCE', ['cameras', i, 'zones', zi], `zone ${z} is not declared by any device of this site`, declaredText());
      }
    });
    for (const block of ['onvif', 'rtsp_login'] as const) {
      const login = obj(cam[block]);
      const envName = str(login?.password_env);
      const fileKey = str(login?.password_file_key);
      const ref = envName ? { env: envName } : fileKey ? { fileKey } : null;
      if (!ref) continue;
      const found = lookupSecret(ref, ctx.env, ctx.secrets);
      if (!found.ok) {
        // A warning: the camera is unusable, but alarms from the site's devices must still flow.
        const key = envName ? 'password_env' : 'password_file_key';
        add('SG_CONFIG_SECRET_MISSING', ['cameras', i, block, key], `${found.why}, so this camera stays unused`, found.hint, 'warning');
        if (!cameraDisabled.has(i)) cameraDisabled.set(i, found.why);
      }
    }
  });

  // Location → grid cell. Only when the location itself is well-formed (zod reports it otherwise).
  const site = obj(root.site);
  const loc = site?.location;
  const crs = site?.crs === undefined || site?.crs === null ? 'wgs84' : site.crs;
  if (
    ctx.grid &&
    Array.isArray(loc) &&
    loc.length === 2 &&
    typeof loc[0] === 'number' &&
    typeof loc[1] === 'number' &&
    Math.abs(loc[0]) <= 90 &&
    Math.abs(loc[1]) <= 180 &&
    (crs === 'wgs84' || crs === 'gcj02')
  ) {
    const wgs = toWgs84([loc[0], loc[1]], crs);
    if (!ctx.grid.locate(wgs[0], wgs[1])) {
      const b = ctx.gridBounds;
      const said = crs === 'gcj02' ? ` (GCJ-02 [${loc[0]}, ${loc[1]}] → WGS-84 [${wgs[0]}, ${wgs[1]}])` : '';
      add(
        'SG_CONFIG_OUTSIDE_GRID',
        ['site', 'location'],
        `location [${loc[0]}, ${loc[1]}]${said} is outside every grid cell`,
        b
          ? `the grid covers lat ${b.minLat}…${b.maxLat}, lng ${b.minLng}…${b.maxLng}; check the order [lat, lng] and crs`
          : 'check the order [lat, lng] and crs',
      );
    }
  }
  return { problems, cameraDisabled };
}

/**
 * The resolve step: what a site needs beyond its file, added to the model the schema made of it
 * (schema/site.ts `siteModel`): the grid cell and station, secrets looked up, WGS-84 locations,
 * the native topic built from the site id, zones numbered by their keys, the source file. Plus the
 * topic claims and MQTT logins of the file, for the checks across files (cross.ts).
 */
function resolveSite(m: SiteModel, from: { src: SourceFile; hash: string; ctx: SiteContext; cameraDisabled: Map<number, string> }): SiteEntry {
  const { src, hash, ctx, cameraDisabled } = from;
  const location = toWgs84(m.location, m.sourceCrs);
  const cell = ctx.grid?.locate(location[0], location[1]) ?? null;
  const claims: TopicClaim[] = [];
  const secret = (ref: SecretRef | null): string | null => {
    if (!ref) return null;
    const found = lookupSecret(ref, ctx.env, ctx.secrets);
    return found.ok ? found.value : null;
  };

  const devices: Device[] = m.devices.map(({ id, ...d }, i) => {
    const topic = d.topic ?? nativeTopic(m.id, id);
    const zones: Zone[] = Object.entries(d.zones)
      .map(([n, z]) => ({ number: Number(n), name: z.name, type: z.type }))
      .sort((a, b) => a.number - b.number);
    claims.push({
      deviceIndex: i,
      deviceId: id,
      topics: deriveTopics(ctx.registry, d.profile, topic),
      path: d.topic ? `devices[${i}].topic` : `devices[${i}]`,
      line: lineOf(src, d.topic ? ['devices', i, 'topic'] : ['devices', i]),
    });
    return { id, siteId: m.id, ...d, topic, zones, mqttPassword: secret(d.mqttPassword) };
  });

  const cameras: Camera[] = m.cameras.map(({ id, ...c }, i) => {
    const disabled = cameraDisabled.get(i);
    return {
      id,
      siteId: m.id,
      ...c,
      onvif: c.onvif ? { ...c.onvif, password: secret(c.onvif.password) } : null,
      rtspLogin: c.rtspLogin ? { ...c.rtspLogin, password: secret(c.rtspLogin.password) } : null,
      location: c.location ? toWgs84(c.location, m.sourceCrs) : location,
      ...(disabled ? { disabledReason: disabled } : {}),
    };
  });

  const { devices: _devices, cameras: _cameras, ...rest } = m;
  const site: Site = {
    ...rest,
    location,
    verbalPassword: secret(m.verbalPassword),
    mqttPassword: secret(m.mqttPassword),
    gridCellId: cell?.id ?? null,
    stationId: cell?.station ?? null,
    devices,
    cameras,
    file: src.file,
  };
  const logins: SiteEntry['logins'] = [];
  if (m.mqttUsername !== null)
    logins.push({ username: m.mqttUsername, what: `site "${m.id}"`, path: 'site.mqtt.username', line: lineOf(src, ['site', 'mqtt', 'username']) });
  m.devices.forEach((d, i) => {
    if (d.mqttUsername !== null)
      logins.push({
        username: d.mqttUsername,
        what: `device "${d.id}"`,
        path: `devices[${i}].mqtt.username`,
        line: lineOf(src, ['devices', i, 'mqtt', 'username']),
      });
  });
  return { file: src.file, site, hash, idLine: lineOf(src, ['site', 'id']), claims, logins };
}

/** The secret reference of an `mqtt:` entry in its raw (unvalidated) form. */
function mqttSecretRef(mqtt: { password_env?: unknown; password_file_key?: unknown } | null | undefined): SecretRef | null {
  const env = str(mqtt?.password_env);
  if (env) return { env };
  const fileKey = str(mqtt?.password_file_key);
  return fileKey ? { fileKey } : null;
}

/** The full topic set a profile derives; a throwing or missing profile falls back to the main topic. */
export function deriveTopics(registry: ProfileRegistry | null, profileId: string, topic: string): string[] {
  const profile = registry?.get(profileId);
  if (!profile) return [topic];
  try {
    const derived = profile.topics(topic).map((t) => t.topic);
    return [...new Set(derived.length > 0 ? derived : [topic])];
  } catch {
    // A profile bug must not take the loader down; the main topic is still a real claim.
    return [topic];
  }
}
