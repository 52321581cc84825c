/**
 * Snapshots and clips on disk: `<mediaPath>/<yyyy-mm-dd>/<id>.<ext>`, an in-memory index rebuilt
 * by scanning at start, and a retention limit (age, count, bytes) applied after every write. Ids are
 * generated here and validated on every lookup: the HTTP layer never builds a path from user input.
 */
import { appendFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { newId } from '../core/ids.js';

export const MEDIA_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const EXT_TYPES: Record<string, string> = { jpg: 'image/jpeg', mp4: 'video/mp4', mkv: 'video/x-matroska' };

export interface MediaFile {
  id: string;
  path: string;
  ext: string;
  contentType: string;
  bytes: number;
  createdMs: number;
  /** Site of the camera that took it (scoping in the API); null when the index has lost it. */
  siteId: string | null;
}

export interface Retention {
  maxAgeMs: number;
  maxFiles: number;
  maxBytes: number;
}

export class MediaStore {
  private readonly index = new Map<string, MediaFile>();
  private totalBytes = 0;

  constructor(
    readonly root: string,
    private retention: Retention,
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(root, { recursive: true });
    this.scan();
  }

  setRetention(r: Retention): void {
    this.retention = r;
  }

  /** `index.jsonl`: one `{id, siteId}` per file, so that scoping survives a restart. */
  private get indexFile(): string {
    return join(this.root, 'index.jsonl');
  }

  private scan(): void {
    const sites = new Map<string, string>();
    try {
      for (const line of readFileSync(this.indexFile, 'utf8').split('\n')) {
        if (!line) continue;
        try {
          const r = JSON.parse(line) as { id?: unknown; siteId?: unknown };
          if (typeof r.id === 'string' && typeof r.siteId === 'string') sites.set(r.id, r.siteId);
        } catch {
          // A torn last line after a crash: that file's site is unknown, nothing else is lost.
        }
      }
    } catch {
      // No index yet.
    }
    for (const day of safeList(this.root)) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) continue;
      for (const name of safeList(join(this.root, day))) {
        const m = /^([0-9A-Z]{26})\.(jpg|mp4|mkv)$/.exec(name);
        if (!m || !MEDIA_ID.test(m[1]!)) continue;
        const path = join(this.root, day, name);
        try {
          const st = statSync(path);
          this.add({ id: m[1]!, path, ext: m[2]!, contentType: EXT_TYPES[m[2]!]!, bytes: st.size, createdMs: st.mtimeMs, siteId: sites.get(m[1]!) ?? null });
        } catch {
          // Deleted between readdir and stat: nothing to index.
        }
      }
    }
  }

  private add(f: MediaFile): void {
    this.index.set(f.id, f);
    this.totalBytes += f.bytes;
  }

  /** A new id and the path to write a file of this type to (the day folder exists). */
  reserve(ext: 'jpg' | 'mp4' | 'mkv'): { id: string; path: string } {
    const now = this.now();
    const id = newId(now);
    const day = new Date(now).toISOString().slice(0, 10);
    mkdirSync(join(this.root, day), { recursive: true });
    return { id, path: join(this.root, day, `${id}.${ext}`) };
  }

  /** Index a file written at a reserved path, then apply retention. */
  commit(id: string, path: string, ext: 'jpg' | 'mp4' | 'mkv', siteId: string): MediaFile {
    const st = statSync(path);
    const f: MediaFile = { id, path, ext, contentType: EXT_TYPES[ext]!, bytes: st.size, createdMs: this.now(), siteId };
    appendFileSync(this.indexFile, `${JSON.stringify({ id, siteId })}\n`);
    this.add(f);
    this.prune();
    return f;
  }

  /** Write a snapshot atomically (temp name, then rename) and index it. */
  saveSnapshot(jpeg: Buffer, siteId: string): MediaFile {
    const { id, path } = this.reserve('jpg');
    const tmp = `${path}.part`;
    writeFileSync(tmp, jpeg);
    renameSync(tmp, path);
    return this.commit(id, path, 'jpg', siteId);
  }

  get(id: string): MediaFile | undefined {
    if (!MEDIA_ID.test(id)) return undefined;
    return this.index.get(id);
  }

  get stats(): { files: number; bytes: number } {
    return { files: this.index.size, bytes: this.totalBytes };
  }

  /** Oldest first: past the age limit, then while over the count or byte limit. */
  prune(): number {
    const list = [...this.index.values()].sort((a, b) => a.createdMs - b.createdMs || a.id.localeCompare(b.id));
    const cutoff = this.now() - this.retention.maxAgeMs;
    let removed = 0;
    for (const f of list) {
      const over = this.index.size > this.retention.maxFiles || this.totalBytes > this.retention.maxBytes;
      if (f.createdMs >= cutoff && !over) break;
      rmSync(f.path, { force: true });
      this.index.delete(f.id);
      this.totalBytes -= f.bytes;
      removed++;
    }
    if (removed > 0) {
      const lines = [...this.index.values()].filter((f) => f.siteId).map((f) => JSON.stringify({ id: f.id, siteId: f.siteId }));
      writeFileSync(this.indexFile, lines.length ? `${lines.join('\n')}\n` : '');
    }
    return removed;
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
