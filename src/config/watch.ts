/**
 * Hot reload of site files: devices/*.yaml and devices/profiles/*.yaml are watched and reloaded
 * without a restart. A file that is now broken keeps the LAST GOOD version of its site active
 * (alarms from it keep flowing) and the problems are reported; a deleted file removes its site.
 *
 * Global files (config/hub.yaml, stations.yaml, grids.geojson) are NOT hot reloaded: they change
 * ports, routing and the map, which needs an orderly restart. The secrets file is read again on
 * every reload and watched too: an installer registering a site adds its MQTT password there first,
 * then saves the site file, and the new login must work without a restart. Environment variables
 * are read from `options.env` as given at start.
 */
import { existsSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Problem } from '../core/problems.js';
import type { ProfileRegistry } from '../profiles/types.js';
import type { Config } from './model.js';
import { DEVICES_DIR, PROFILES_DIR, buildGrid, listSiteFiles, loadRegistry, loadSites, siteContext, type HeldBack } from './load.js';
import { deriveTopics, hashText, type SiteEntry } from './load-site.js';
import { HUB_FILE } from './load-global.js';
import { ParseCache } from './parse-cache.js';
import { DEFAULT_SECRETS_FILE, readSecrets, type SecretStore } from './secrets.js';

export interface SiteChange {
  config: Config;
  /** Every current problem of the site files and profiles (not only what just changed). */
  problems: Problem[];
  heldBack: HeldBack[];
  profiles: ProfileRegistry | null;
  /** With a parse cache: how many site files this reload took from it and how many it parsed. */
  parsed?: { fromCache: number; parsed: number };
}

export interface WatchOptions {
  env?: NodeJS.ProcessEnv;
  /** Quiet time after the last file event before reloading; editors write in several steps. */
  debounceMs?: number;
  /** A reload that throws (a bug, not a config mistake) is reported here; watching goes on. */
  onError?: (err: unknown) => void;
  /**
   * The start-up parse cache (parse-cache.ts), kept in memory from then on, so that an edit to one
   * of 10,000 site files parses that file only (without it a reload parsed every file: ~4 s with
   * the event loop blocked, and alarms waiting for their PUBACK meanwhile).
   */
  parseCacheFile?: string | null;
}

const isYaml = (name: string | null): boolean => name === null || /\.ya?ml$/i.test(name);

export class SiteWatcher {
  private readonly env: NodeJS.ProcessEnv;
  private readonly debounceMs: number;
  private secrets: SecretStore;
  private readonly secretsFile: string;
  private readonly lastGood = new Map<string, SiteEntry>();
  private watchers = new Map<string, FSWatcher>();
  private timer: NodeJS.Timeout | null = null;
  private lastSignature: string | null = null;
  private closed = false;
  private readonly cache: ParseCache | null;

  constructor(
    private readonly rootDir: string,
    private readonly current: Config,
    private readonly onChange: (change: SiteChange) => void,
    private readonly options: WatchOptions = {},
  ) {
    this.env = options.env ?? process.env;
    this.debounceMs = options.debounceMs ?? 200;
    this.secretsFile = current.hub.secretsFile ?? DEFAULT_SECRETS_FILE;
    this.secrets = readSecrets(rootDir, this.secretsFile).store;
    this.cache = options.parseCacheFile ? ParseCache.open(options.parseCacheFile).keepInMemory() : null;
    const { registry } = loadRegistry(rootDir);
    // What is running now is, by definition, the last good version of each file.
    for (const site of current.sites) {
      let hash = '';
      try {
        hash = hashText(readFileSync(join(rootDir, site.file), 'utf8'));
      } catch {
        // Deleted since it was loaded: the first reload removes the site.
      }
      this.lastGood.set(site.file, {
        file: site.file,
        site,
        hash,
        idLine: null,
        claims: site.devices.map((d, i) => ({
          deviceIndex: i,
          deviceId: d.id,
          topics: deriveTopics(registry, d.profile, d.topic),
          path: `devices[${i}]`,
          line: null,
        })),
        logins: [
          ...(site.mqttUsername ? [{ username: site.mqttUsername, what: `site "${site.id}"`, path: 'site.mqtt.username', line: null }] : []),
          ...site.devices.flatMap((d, i) =>
            d.mqttUsername ? [{ username: d.mqttUsername, what: `device "${d.id}"`, path: `devices[${i}].mqtt.username`, line: null }] : [],
          ),
        ],
      });
    }
  }

  start(): this {
    this.watchDir(DEVICES_DIR);
    this.watchDir(PROFILES_DIR);
    this.watchDir(dirname(this.secretsFile), basename(this.secretsFile));
    return this;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  /**
   * Reloads the site files now and returns the result; calls onChange only when something
   * differs from what was last reported.
   */
  reload(): SiteChange {
    const before = this.cache ? { ...this.cache.stats } : null;
    // A secrets file with a problem keeps the last good one (its problems are start-up's to report).
    const secrets = readSecrets(this.rootDir, this.secretsFile);
    if (secrets.problems.every((p) => p.severity !== 'error')) this.secrets = secrets.store;
    const { registry, problems: profileProblems } = loadRegistry(this.rootDir);
    const { grid } = buildGrid(this.current.cells);
    const files = listSiteFiles(this.rootDir) ?? [];
    const out = loadSites({
      rootDir: this.rootDir,
      files,
      ctx: siteContext({ env: this.env, secrets: this.secrets, registry, cells: this.current.cells, grid, cache: this.cache }),
      bridges: this.current.hub.bridges.map((b) => ({ ...b, line: null })),
      lastGood: this.lastGood,
    });
    this.cache?.save();
    const present = new Set(files);
    for (const f of [...this.lastGood.keys()]) if (!present.has(f)) this.lastGood.delete(f);
    for (const e of out.entries) this.lastGood.set(e.file, e);

    const change: SiteChange = {
      config: { ...this.current, sites: out.entries.map((e) => e.site) },
      problems: [...profileProblems, ...out.problems],
      heldBack: out.heldBack,
      profiles: registry,
      ...(this.cache && before
        ? { parsed: { fromCache: this.cache.stats.hits - before.hits, parsed: files.length - (this.cache.stats.hits - before.hits) } }
        : {}),
    };
    // The secrets are part of it: a rotated password changes no site file, but the broker must learn it.
    const secretsDigest = hashText(JSON.stringify(this.secrets.values ? [...this.secrets.values] : null));
    const signature = JSON.stringify([out.entries.map((e) => [e.file, e.hash]), change.problems, secretsDigest]);
    if (signature !== this.lastSignature) {
      this.lastSignature = signature;
      this.onChange(change);
    }
    return change;
  }

  /** Watches a directory for YAML changes, or only for `onlyFile` in it (the secrets file). */
  private watchDir(rel: string, onlyFile?: string): void {
    if (this.closed || this.watchers.has(rel)) return;
    const abs = join(this.rootDir, rel);
    if (!existsSync(abs)) return;
    try {
      const w = watch(abs, { persistent: false }, (_event, name) => {
        const file = typeof name === 'string' ? name : null;
        // devices/profiles appearing after start: start watching it too.
        if (rel === DEVICES_DIR && file === 'profiles') this.watchDir(PROFILES_DIR);
        if (onlyFile) {
          if (file === null || file === onlyFile) this.schedule();
          return;
        }
        if (isYaml(file) || file === 'profiles') this.schedule();
      });
      w.on('error', () => {
        // The directory went away (e.g. replaced wholesale); forget it so it can be watched again.
        w.close();
        this.watchers.delete(rel);
        this.schedule();
      });
      this.watchers.set(rel, w);
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.closed) return;
      try {
        this.reload();
      } catch (err) {
        this.options.onError?.(err);
      }
      this.watchDir(DEVICES_DIR);
      this.watchDir(PROFILES_DIR);
    }, this.debounceMs);
  }
}

/** Starts watching; see SiteWatcher. Global files are not watched (restart to apply them). */
export function watchSites(rootDir: string, current: Config, onChange: (change: SiteChange) => void, options?: WatchOptions): { close(): void } {
  const w = new SiteWatcher(rootDir, current, onChange, options).start();
  return { close: () => w.close() };
}

/** For messages: which files a reload never re-reads. */
export const NOT_HOT_RELOADED = [HUB_FILE, 'config/stations.yaml', 'config/grids.geojson'] as const;
