/**
 * The audit chain's anchor (issue 17, item 13). The hash chain alone proves only that the rows fit
 * each other: whoever can write the database can rewrite a row and recompute every later hash, and
 * the chain verifies. So the hub also appends the chain head — seq and hash, signed with an HMAC
 * key kept outside the database when one is configured — to a separate append-only file, every
 * minute and at stop. `safegrid audit verify` then checks the database against every anchored
 * head: a rewritten row changes the hash of every row after it, and the next anchor no longer fits.
 *
 * What it does not stop: someone who can also rewrite the anchor file (without the key: lines they
 * add or alter fail their HMAC; they can still cut the file short) — keep the file elsewhere, and
 * ship the log line the hub writes with each anchor.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync } from 'node:fs';

export interface AnchorLine {
  seq: number;
  hash: string;
  at: string;
  /** HMAC-SHA256 of `seq:hash:at` with the configured key, hex; null when the hub had no key. */
  mac: string | null;
}

export function anchorPathFor(dbPath: string, configured: string | null): string {
  return configured ?? `${dbPath}.anchor`;
}

export function anchorMac(key: string, l: Pick<AnchorLine, 'seq' | 'hash' | 'at'>): string {
  return createHmac('sha256', key).update(`${l.seq}:${l.hash}:${l.at}`).digest('hex');
}

export interface AnchorWriterOptions {
  path: string;
  key: string | null;
  /** The chain head now (the audit repository's `head()`). */
  head: () => Promise<{ seq: number; hash: string } | null>;
  now: () => number;
  /** Told of every anchor written (the hub logs it: a second copy of the head, in the log). */
  onWrite?: (line: AnchorLine) => void;
  /**
   * Replicas (issue 18): whether this one writes now (the leader); the others keep no anchor, so one
   * file holds one sequence of heads. Default: always.
   */
  active?: () => boolean;
}

/** Appends the chain head when it moved since the last line; one fsync'd line per write. */
export class AuditAnchorWriter {
  private last: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The write in progress: a tick and stop() must not both append the same head. */
  private writing: Promise<AnchorLine | null> = Promise.resolve(null);

  constructor(private readonly o: AnchorWriterOptions) {
    const lines = existsSync(o.path) ? readAnchors(o.path).lines : [];
    const tail = lines[lines.length - 1];
    if (tail) this.last = `${tail.seq}:${tail.hash}`;
  }

  /** Writes the head if it moved; resolves to the line written, or null. One write at a time. */
  write(): Promise<AnchorLine | null> {
    this.writing = this.writing.then(
      () => this.writeNow(),
      () => this.writeNow(),
    );
    return this.writing;
  }

  private async writeNow(): Promise<AnchorLine | null> {
    if (!(this.o.active?.() ?? true)) return null;
    const head = await this.o.head();
    if (!head || `${head.seq}:${head.hash}` === this.last) return null;
    const base = { seq: head.seq, hash: head.hash, at: new Date(this.o.now()).toISOString() };
    const line: AnchorLine = { ...base, mac: this.o.key ? anchorMac(this.o.key, base) : null };
    const fd = openSync(this.o.path, 'a', 0o640);
    try {
      appendFileSync(fd, `${JSON.stringify(line)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.last = `${head.seq}:${head.hash}`;
    this.o.onWrite?.(line);
    return line;
  }

  start(everyMs: number): void {
    // A failed tick (the database closing under it) is retried by the next one; stop() reports.
    this.timer = setInterval(() => void this.write().catch(() => undefined), everyMs);
    this.timer.unref();
  }

  /** Stops the timer and writes the final head (call before the database closes). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.write();
  }
}

export function readAnchors(path: string): { lines: AnchorLine[]; unreadable: number[] } {
  const lines: AnchorLine[] = [];
  const unreadable: number[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (!text.trim()) return;
      try {
        const l = JSON.parse(text) as AnchorLine;
        if (Number.isSafeInteger(l.seq) && typeof l.hash === 'string' && typeof l.at === 'string')
          lines.push({ ...l, mac: typeof l.mac === 'string' ? l.mac : null });
        else unreadable.push(i + 1);
      } catch {
        unreadable.push(i + 1);
      }
    });
  return { lines, unreadable };
}

export type AnchorVerdict =
  | { ok: true; anchors: number; signed: boolean; warnings: string[] }
  | { ok: false; anchors: number; problem: string; warnings: string[] };

/**
 * Checks anchored heads against the stored hashes (pure: `hashAt` reads the database). Every
 * anchored seq must still carry its anchored hash; an anchored seq past the last row means rows
 * were deleted from the end; a line whose HMAC does not verify was forged or altered.
 */
export function checkAnchors(
  read: { lines: AnchorLine[]; unreadable: number[] },
  hashAt: (seq: number) => string | undefined,
  lastSeq: number,
  key: string | null,
): AnchorVerdict {
  const warnings: string[] = [];
  const n = read.lines.length;
  if (read.unreadable.length) return { ok: false, anchors: n, problem: `anchor file line ${read.unreadable[0]} is not an anchor (altered)`, warnings };
  let unsigned = 0;
  let prevSeq = 0;
  for (const [i, l] of read.lines.entries()) {
    if (l.seq < prevSeq) return { ok: false, anchors: n, problem: `anchor line ${i + 1} goes back from seq ${prevSeq} to ${l.seq} (altered)`, warnings };
    prevSeq = l.seq;
    if (key && l.mac) {
      const want = Buffer.from(anchorMac(key, l));
      const got = Buffer.from(l.mac);
      if (want.length !== got.length || !timingSafeEqual(want, got)) {
        return {
          ok: false,
          anchors: n,
          problem: `anchor line ${i + 1} (seq ${l.seq}) has a wrong HMAC: it was forged or altered, or the key differs`,
          warnings,
        };
      }
    } else if (key && !l.mac) {
      // Lines from before a key was configured may be unsigned; once the hub signs, every later line
      // is signed, and the last one must be (else stripping the MACs would switch the check off).
      if (read.lines.slice(0, i).some((x) => x.mac) || i === read.lines.length - 1) {
        return { ok: false, anchors: n, problem: `anchor line ${i + 1} (seq ${l.seq}) is unsigned although a key is set: it was forged or altered`, warnings };
      }
      unsigned++;
    }
    if (l.seq > lastSeq) return { ok: false, anchors: n, problem: `rows ${lastSeq + 1}–${l.seq} were deleted (anchored at ${l.at})`, warnings };
    const stored = hashAt(l.seq);
    if (stored !== l.hash) {
      return {
        ok: false,
        anchors: n,
        problem: `row ${l.seq} does not match the anchor written at ${l.at}: a row at or before it was rewritten and the later hashes recomputed`,
        warnings,
      };
    }
  }
  if (unsigned) warnings.push(`${unsigned} anchor line(s) from before the key was set are unsigned and cannot be checked for forgery`);
  if (!key && read.lines.some((l) => l.mac)) warnings.push('anchor lines are signed but no key was given (storage.audit_key_env): their HMAC was not checked');
  return { ok: true, anchors: n, signed: Boolean(key), warnings };
}
