/**
 * loadConfig: files → validated Config, with every problem at once.
 *
 * - A problem in config/hub.yaml, config/stations.yaml, config/grids.geojson (or the secrets file)
 *   is global: `config` is null and the hub refuses to start.
 * - A problem in one devices/<site>.yaml holds back only that site: it is listed in `heldBack`
 *   and `config` is returned without it.
 * - Warnings (e.g. a camera whose password reference is unset) never hold anything back.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Problem } from '../core/problems.js';
import { GridIndex } from '../geo/index.js';
import { loadProfiles } from '../profiles/index.js';
import type { ProfileRegistry } from '../profiles/types.js';
import type { BridgeConfig, Config, GridCell, HubConfig, NotifyConfig } from './model.js';
import type { ParseCache, ParseCacheStats } from './parse-cache.js';
import { assemble } from './cross.js';
import { loadGlobal, HUB_FILE, GRIDS_FILE } from './load-global.js';
import { gridBoundsOf, parseSiteFile, unknownProfileProblem, type SiteContext, type SiteEntry, type SiteParse } from './load-site.js';
import { lineOf, type SourceFile } from './source.js';
import type { SecretStore } from './secrets.js';
import { didYouMean } from './suggest.js';

export const DEVICES_DIR = 'devices';
export const PROFILES_DIR = 'devices/profiles';

export interface HeldBack {
  file: string;
  siteId: string | null;
  problems: Problem[];
  /**
   * Set by the watcher: the file's latest version is broken, but the last good version of the
   * site is still active. Absent (false) at start-up, where there is no earlier version.
   */
  keptLastGood?: boolean;
}

export interface LoadResult {
  config: Config | null;
  problems: Problem[];
  heldBack: HeldBack[];
  profiles: ProfileRegistry | null;
  /** What the parse cache did, when one was used. */
  parseCache?: ParseCacheStats;
}

export interface LoadOptions {
  /** Where `password_env` references are resolved; default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Where to keep the parse cache (parse-cache.ts), given the validated hub settings; null: none.
   * The hub passes a file beside its database; `safegrid check` passes nothing and reads every
   * file afresh.
   */
  parseCacheFile?: (hub: HubConfig) => string | null;
}

const hasError = (ps: Problem[]): boolean => ps.some((p) => p.severity === 'error');

/** devices/*.yaml (and .yml), sorted so results do not depend on directory order. */
export function listSiteFiles(rootDir: string): string[] | null {
  let names: string[];
  try {
    names = readdirSync(join(rootDir, DEVICES_DIR));
  } catch {
    return null;
  }
  return names
    .filter((n) => /\.ya?ml$/i.test(n) && !n.startsWith('.'))
    .sort()
    .map((n) => `${DEVICES_DIR}/${n}`);
}

/** Loads the profile registry; a crash in the profile loader becomes a problem, not a dead hub. */
export function loadRegistry(rootDir: string): { registry: ProfileRegistry | null; problems: Problem[] } {
  try {
    return loadProfiles(join(rootDir, PROFILES_DIR), rootDir);
  } catch (err) {
    return {
      registry: null,
      problems: [
        {
          code: 'SG_CONFIG_PARSE',
          severity: 'error',
          file: PROFILES_DIR,
          line: null,
          path: '',
          message: `device profiles could not be loaded: ${(err as Error).message}`,
        },
      ],
    };
  }
}

export function buildGrid(cells: GridCell[] | null): { grid: GridIndex | null; problems: Problem[] } {
  if (!cells) return { grid: null, problems: [] };
  try {
    return { grid: new GridIndex(cells), problems: [] };
  } catch (err) {
    // The schema checks rings first; this catches what only the index notices.
    const code = (err as { code?: string }).code === 'SG_CONFIG_DUPLICATE_ID' ? 'SG_CONFIG_DUPLICATE_ID' : 'SG_CONFIG_GRID_GEOMETRY';
    return {
      grid: null,
      problems: [{ code, severity: 'error', file: GRIDS_FILE, line: null, path: '', message: (err as Error).message }],
    };
  }
}

/** Bridges name profiles, so they are checked once the registry is loaded. */
function checkBridges(bridges: BridgeConfig[], hubSrc: SourceFile | null, registry: ProfileRegistry | null): Problem[] {
  if (!registry) return [];
  const problems: Problem[] = [];
  bridges.forEach((b, i) => {
    if (registry.get(b.profile)) return;
    const { message, hint } = unknownProfileProblem(b.profile, registry);
    problems.push({
      code: 'SG_CONFIG_UNKNOWN_REFERENCE',
      severity: 'error',
      file: HUB_FILE,
      line: hubSrc ? lineOf(hubSrc, ['bridges', i, 'profile']) : null,
      path: `bridges[${i}].profile`,
      message,
      ...(hint ? { hint } : {}),
    });
  });
  return problems;
}

export interface SitesInput {
  rootDir: string;
  files: string[];
  ctx: SiteContext;
  bridges: Array<BridgeConfig & { line?: number | null }>;
  /** Last good version of each file (watcher); empty at start-up. */
  lastGood: ReadonlyMap<string, SiteEntry>;
}

export interface SitesOutput {
  entries: SiteEntry[];
  heldBack: HeldBack[];
  problems: Problem[];
}

/**
 * Parses every site file and runs the cross-file checks. With `lastGood`, a file that is now
 * broken keeps its previous version active (listed in heldBack with keptLastGood), and previously
 * active versions win conflicts against new ones.
 */
export function loadSites(input: SitesInput): SitesOutput {
  const { rootDir, files, ctx, bridges, lastGood } = input;
  const parses: SiteParse[] = files.map((file) => {
    let text: string;
    try {
      text = readFileSync(join(rootDir, file), 'utf8');
    } catch (err) {
      const p: Problem = {
        code: 'SG_CONFIG_PARSE',
        severity: 'error',
        file,
        line: null,
        path: '',
        message: `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      };
      return { file, hash: '', siteId: null, entry: null, problems: [p] };
    }
    return parseSiteFile(file, text, ctx);
  });

  const problemsByFile = new Map<string, Problem[]>(parses.map((p) => [p.file, [...p.problems]]));
  // Previously active versions first (unchanged files and last-good fallbacks), then new ones.
  const settled: SiteEntry[] = [];
  const fresh: SiteEntry[] = [];
  const fellBack = new Set<string>();
  for (const p of parses) {
    const prev = lastGood.get(p.file);
    if (p.entry && !hasError(p.problems)) {
      if (prev && prev.hash === p.hash) settled.push(p.entry);
      else fresh.push(p.entry);
    } else if (prev) {
      settled.push(prev);
      fellBack.add(p.file);
    }
  }

  // A new version that loses a conflict falls back to its last good version, which then has to
  // be checked again with the others; two rounds settle it (fallbacks were consistent before).
  let result = assemble([...settled, ...fresh], bridges, HUB_FILE);
  const crossProblems = new Map<string, Problem[]>(result.rejected);
  for (let round = 0; round < 3; round++) {
    const moved = fresh.filter((e) => result.rejected.has(e.file) && lastGood.has(e.file));
    if (moved.length === 0) break;
    for (const e of moved) {
      fresh.splice(fresh.indexOf(e), 1);
      settled.push(lastGood.get(e.file) as SiteEntry);
      fellBack.add(e.file);
    }
    result = assemble([...settled, ...fresh], bridges, HUB_FILE);
    for (const [f, ps] of result.rejected) if (!crossProblems.has(f)) crossProblems.set(f, ps);
  }
  for (const [f, ps] of crossProblems) problemsByFile.get(f)?.push(...ps);

  const acceptedFiles = new Set(result.accepted.map((e) => e.file));
  const heldBack: HeldBack[] = [];
  const problems: Problem[] = [];
  for (const p of parses) {
    const ps = problemsByFile.get(p.file) ?? [];
    ps.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    problems.push(...ps);
    if (hasError(ps)) {
      const kept = fellBack.has(p.file) && acceptedFiles.has(p.file);
      heldBack.push({
        file: p.file,
        siteId: p.siteId ?? lastGood.get(p.file)?.site.id ?? null,
        problems: ps.filter((x) => x.severity === 'error'),
        ...(lastGood.size > 0 || kept ? { keptLastGood: kept } : {}),
      });
    }
  }
  const entries = result.accepted.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { entries, heldBack, problems };
}

/** What loading a site file needs from the global files: secrets, profiles, the grid (and its cells' bounds), the parse cache. */
export function siteContext(c: {
  env: NodeJS.ProcessEnv;
  secrets: SecretStore;
  registry: ProfileRegistry | null;
  cells: GridCell[] | null;
  grid: GridIndex | null;
  cache?: ParseCache | null;
}): SiteContext {
  const { env, secrets, registry, cells, grid, cache = null } = c;
  return { env, secrets, registry, grid, gridBounds: cells ? gridBoundsOf(cells) : null, cache };
}

/**
 * A notify group no site names sends nothing: a typo in the group would silence a team's alerts
 * without a word. A warning (the sites may come later), with the closest group that exists.
 */
function checkNotifyGroups(notify: NotifyConfig | undefined, siteGroups: ReadonlyArray<string | null>, hubSrc: SourceFile | null): Problem[] {
  if (!notify) return [];
  const known = [...new Set(siteGroups.filter((g): g is string => !!g))];
  return Object.keys(notify.groups)
    .filter((g) => !known.includes(g))
    .map((g) => ({
      code: 'SG_CONFIG_UNKNOWN_REFERENCE' as const,
      severity: 'warning' as const,
      file: hubSrc?.file ?? 'config/hub.yaml',
      line: hubSrc ? lineOf(hubSrc, ['notify', 'groups', g]) : null,
      path: `notify.groups.${g}`,
      message: `no site in devices/ has guard_group "${g}", so these channels send nothing`,
      hint: didYouMean(g, known) ?? (known.length ? `guard groups: ${known.sort().join(', ')}` : 'no site names a guard group yet'),
    }));
}

export function loadConfig(rootDir: string, options: LoadOptions = {}): LoadResult {
  const env = options.env ?? process.env;
  const global = loadGlobal(rootDir, env, options.parseCacheFile);
  const globalProblems = [...global.problems];

  const { registry, problems: profileProblems } = loadRegistry(rootDir);
  // hub.yaml valid but a secret of it unset: its bridges without their logins, to check their profiles and topics.
  const bridges = global.hub?.bridges ?? global.hubModel?.bridges.map(({ id, profile, topic }) => ({ id, profile, topic })) ?? [];
  globalProblems.push(...checkBridges(bridges, global.hubSrc, registry));

  const { grid, problems: gridProblems } = buildGrid(global.cells);
  globalProblems.push(...gridProblems);

  const files = listSiteFiles(rootDir);
  if (files === null) {
    globalProblems.push({
      code: 'SG_CONFIG_FILE_MISSING',
      severity: 'error',
      file: `${DEVICES_DIR}/`,
      line: null,
      path: '',
      message: 'directory not found; expected one <site>.yaml per site (it may be empty)',
      hint: 'check --root: it must point at the directory that holds config/ and devices/',
    });
  }

  const sites = loadSites({
    rootDir,
    files: files ?? [],
    ctx: siteContext({ env, secrets: global.secrets, registry, cells: global.cells, grid, cache: global.cache }),
    bridges: bridges.map((b, i) => ({ ...b, line: global.hubSrc ? lineOf(global.hubSrc, ['bridges', i, 'topic']) : null })),
    lastGood: new Map(),
  });

  globalProblems.push(
    ...checkNotifyGroups(
      global.hub?.notify,
      sites.entries.map((e) => e.site.guardGroup),
      global.hubSrc,
    ),
  );
  const problems = [...globalProblems, ...profileProblems, ...sites.problems];
  const globalOk = !hasError(globalProblems) && global.hub !== null && global.stations !== null && global.cells !== null;
  const config: Config | null = globalOk
    ? {
        dir: rootDir,
        devicesDir: join(rootDir, DEVICES_DIR),
        hub: global.hub as NonNullable<typeof global.hub>,
        stations: global.stations as NonNullable<typeof global.stations>,
        cells: global.cells as NonNullable<typeof global.cells>,
        sites: sites.entries.map((e) => e.site),
      }
    : null;
  global.cache?.save();
  return { config, problems, heldBack: sites.heldBack, profiles: registry, ...(global.cache ? { parseCache: global.cache.stats } : {}) };
}
