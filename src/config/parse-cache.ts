/**
 * The parse cache: what reading an installer's file found that depends on its bytes alone, kept
 * across restarts by content hash, so that restarting a large installation (issue 7: 10,000 site
 * files) does not parse and validate again every file that did not change.
 *
 * Kept, per SHA-256 of the text:
 * - a site file whose YAML parsed and whose schema check passed without a single problem: its data,
 *   the validated value and the lines looked up while building the site;
 * - a JSON file (grids.geojson) that parsed without a problem: that fact and the lines looked up.
 * A file with any problem is never kept: it is parsed on every start and reported as before.
 *
 * Not kept: everything that depends on something besides the file's bytes (profile references,
 * zones, secrets and environment variables, the grid cell, duplicates across files, the grid's
 * stations). That is checked again on every start, from the cached data, exactly as from parsed
 * data. A line that was not looked up before makes the cached source parse its text then.
 *
 * The cache is only an optimisation, so any doubt discards it: a different fingerprint (cache
 * format, Node, `yaml` and `zod` versions, and the source text of config/ itself, so a schema
 * change invalidates it without anyone having to remember a version number), a checksum that does
 * not match (a torn or damaged file), anything unreadable. A cache that cannot be written is
 * skipped. It holds no secret values: only references are valid in site files, and files with an
 * inline secret are errors, never kept.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';

const FORMAT = 'safegrid-parse-cache/1';

type Lines = Iterable<readonly [string, number | null]>;

export interface CachedSite {
  /** The YAML as plain data (what `SourceFile.data` was). */
  data: unknown;
  /** The schema's output for `data`. */
  value: unknown;
  lines: Lines;
}

type Entry = { kind: 'site'; data: unknown; value: unknown; lines: Lines } | { kind: 'json'; lines: Lines };

export interface ParseCacheStats {
  file: string;
  /** Entries read from the file. */
  loaded: number;
  /** Files answered from the cache. */
  hits: number;
  /** Clean files parsed and added. */
  added: number;
  /** Why the file was not used, when it was not: absent, damaged, written by other code. */
  discarded: string | null;
  /** Whether save() wrote the file (only when something changed). */
  written: boolean;
  /** Why writing failed, when it did (the hub runs on without a cache). */
  writeError: string | null;
}

let fingerprintMemo: string | null | undefined;

/**
 * What the cached results depend on besides the files: the code that parses and validates them.
 * null when that code cannot be read (then nothing is cached).
 */
export function parseCacheFingerprint(): string | null {
  if (fingerprintMemo !== undefined) return fingerprintMemo;
  try {
    const h = createHash('sha256');
    h.update(`${FORMAT}\0${process.version}\0`);
    const require = createRequire(import.meta.url);
    for (const pkg of ['yaml', 'zod']) h.update(`${pkg}@${(require(`${pkg}/package.json`) as { version: string }).version}\0`);
    // The source of config/ (schemas, parsing, validation) and the limits the schemas use.
    const here = dirname(fileURLToPath(import.meta.url));
    const files = listSources(here);
    const core = join(here, '..', 'core');
    files.push(
      ...readdirSync(core)
        .filter((n) => /^limits\.[cm]?[jt]s$/.test(n))
        .map((n) => join(core, n)),
    );
    for (const f of files) h.update(f.slice(here.length)).update('\0').update(readFileSync(f)).update('\0');
    fingerprintMemo = h.digest('hex');
  } catch {
    // Running from a form whose sources cannot be listed: no cache rather than a stale one.
    fingerprintMemo = null;
  }
  return fingerprintMemo;
}

function listSources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listSources(p));
    else if (/\.[cm]?[jt]s$/.test(e.name)) out.push(p);
  }
  return out;
}

/** Where the hub keeps the parse cache: beside its database. null for an in-memory database. */
export function parseCachePath(databasePath: string): string | null {
  return databasePath === ':memory:' ? null : `${databasePath}.parse-cache`;
}

export class ParseCache {
  /** What the file held (in memory: what the previous reload used). */
  private before: Map<string, Entry>;
  /** Hot reload keeps the cache in memory: save() hands this load's entries to the next one. */
  private inMemory = false;
  /** What this load used or added: the next file's content. */
  private readonly used = new Map<string, Entry>();
  private changed = false;
  private readonly stats_: ParseCacheStats;

  private constructor(
    private readonly path: string,
    private readonly fingerprint: string | null,
    before: Map<string, Entry>,
    discarded: string | null,
  ) {
    this.before = before;
    this.stats_ = { file: path, loaded: before.size, hits: 0, added: 0, discarded, written: false, writeError: null };
  }

  /** Reads the cache file; a missing, damaged or foreign one gives an empty cache. Never throws. */
  static open(path: string): ParseCache {
    const fingerprint = parseCacheFingerprint();
    if (!fingerprint) return new ParseCache(path, null, new Map(), 'the config code cannot be fingerprinted');
    let buf: Buffer;
    try {
      buf = readFileSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return new ParseCache(path, fingerprint, new Map(), code === 'ENOENT' ? 'absent (a first start)' : `cannot read: ${code ?? String(err)}`);
    }
    try {
      return new ParseCache(path, fingerprint, decode(buf, fingerprint), null);
    } catch (err) {
      return new ParseCache(path, fingerprint, new Map(), (err as Error).message);
    }
  }

  /**
   * For hot reload (watch.ts): from now on save() writes nothing and keeps what this load used for
   * the next one, so a reload after one edited file parses that file only. Seeded from the file,
   * which the start-up load has just written with every current file.
   */
  keepInMemory(): this {
    this.inMemory = true;
    return this;
  }

  get stats(): Readonly<ParseCacheStats> {
    return this.stats_;
  }

  site(hash: string): CachedSite | undefined {
    const e = this.take(`site:${hash}`);
    return e?.kind === 'site' ? e : undefined;
  }

  /** `lines` may still grow after this call (the site is built afterwards); save() reads it then. */
  putSite(hash: string, site: CachedSite): void {
    this.put(`site:${hash}`, { kind: 'site', ...site });
  }

  /** The lines of a JSON text known to parse cleanly; undefined when it is not known. */
  cleanJson(hash: string): Lines | undefined {
    const e = this.take(`json:${hash}`);
    return e?.kind === 'json' ? e.lines : undefined;
  }

  putCleanJson(hash: string, lines: Lines): void {
    this.put(`json:${hash}`, { kind: 'json', lines });
  }

  /**
   * Writes what this load used and added, dropping entries of texts no longer present; nothing
   * when that is what the file already holds. A failure is recorded in stats, never thrown.
   */
  save(): void {
    if (!this.fingerprint) return;
    if (this.inMemory) {
      this.before = new Map(this.used);
      this.used.clear();
      this.changed = false;
      return;
    }
    if (!this.changed && this.used.size === this.before.size && this.stats_.discarded === null) return;
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      const entries = [...this.used].map(([k, e]): [string, Entry] => [k, { ...e, lines: [...e.lines] }]);
      const payload = serialize(entries);
      const header = JSON.stringify({ format: FORMAT, fingerprint: this.fingerprint, bytes: payload.length, sha256: sha256(payload) });
      mkdirSync(dirname(this.path), { recursive: true });
      writeFileSync(tmp, Buffer.concat([Buffer.from(`${header}\n`), payload]), { mode: 0o600 });
      // Readers see the old file or the new one, never half of one.
      renameSync(tmp, this.path);
      this.stats_.written = true;
    } catch (err) {
      this.stats_.writeError = (err as Error).message;
      rmSync(tmp, { force: true });
    }
  }

  private take(key: string): Entry | undefined {
    const e = this.used.get(key) ?? this.before.get(key);
    if (!e) return undefined;
    if (!this.used.has(key)) this.used.set(key, e);
    this.stats_.hits++;
    return e;
  }

  private put(key: string, e: Entry): void {
    this.used.set(key, e);
    this.changed = true;
    this.stats_.added++;
  }
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

function decode(buf: Buffer, fingerprint: string): Map<string, Entry> {
  const nl = buf.indexOf(0x0a);
  if (nl < 0) throw new Error('damaged: no header');
  let header: { format?: unknown; fingerprint?: unknown; bytes?: unknown; sha256?: unknown };
  try {
    header = JSON.parse(buf.subarray(0, nl).toString('utf8')) as typeof header;
  } catch {
    throw new Error('damaged: unreadable header');
  }
  if (header.format !== FORMAT) throw new Error(`written in another format (${String(header.format)})`);
  if (header.fingerprint !== fingerprint) throw new Error('written by other config code or versions');
  const payload = buf.subarray(nl + 1);
  if (payload.length !== header.bytes || sha256(payload) !== header.sha256) throw new Error('damaged: checksum mismatch');
  const entries: unknown = deserialize(payload);
  if (!Array.isArray(entries)) throw new Error('damaged: not a list of entries');
  const map = new Map<string, Entry>();
  for (const item of entries) {
    const [key, e] = Array.isArray(item) ? (item as [unknown, unknown]) : [];
    const entry = e as Partial<Entry> | undefined;
    if (typeof key !== 'string' || !entry || !Array.isArray(entry.lines) || (entry.kind !== 'site' && entry.kind !== 'json')) {
      throw new Error('damaged: malformed entry');
    }
    map.set(key, entry as Entry);
  }
  return map;
}
