/**
 * Server-side sessions. The cookie carries only a random id (32 bytes); everything else stays here,
 * so logout and expiry take effect at once. Live sessions are cached in memory and, given a
 * SessionPersistence (the hub passes the store), written through so that a restart — a crash at
 * 3 a.m. — does not log every operator out. What is written is the SHA-256 of the cookie value,
 * never the value: a copy of the database opens no session.
 *
 * Several replicas share one store (issue 18): the memory here is a cache, not the truth. A cookie
 * this process does not know is looked up in the store before it is refused (a login on replica A
 * is valid on replica B at once), and `sweep` reconciles the cache with the stored rows, so a
 * logout or expiry on another replica ends the session here too within one sweep interval.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { SessionRow } from '../store/index.js';

/** Where sessions outlive the process and are shared between replicas (store/session-repo.ts). */
export interface SessionPersistence {
  all(): Promise<SessionRow[]>;
  insert(row: SessionRow): Promise<void>;
  touch(idHash: string, lastSeenMs: number): Promise<void>;
  remove(idHash: string): Promise<void>;
  /** One row by id hash; a backend without it is asked through `all()`. */
  get?(idHash: string): Promise<SessionRow | undefined>;
}

/**
 * How stale the stored last-seen time may get. Renewing on every request would be a disk write per
 * request; after a restart a session may therefore end up to this much earlier than it would have.
 */
export const PERSIST_TOUCH_EVERY_MS = 60_000;

/**
 * Cookie digests recently looked up and not found, remembered so that a client repeating a dead
 * cookie (or guessing) costs one store read, not one per request. A digest of 32 random bytes is
 * never made later by another replica, so remembering a miss cannot refuse a real session — except
 * one created on another replica a moment after the miss, which its browser cannot present before
 * it exists. Bounded: the oldest entries go first.
 */
const MISS_MEMORY = 1024;

const digestOf = (id: string): string => createHash('sha256').update(id).digest('base64url');

export interface Session {
  /** The cookie value; '' for a session restored from disk until its browser presents it again. */
  id: string;
  /** SHA-256 of the cookie value: the key in memory and on disk. */
  readonly key: string;
  username: string;
  /** Double-submit CSRF token: the page reads it from GET /api/session and sends X-CSRF-Token. */
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  /** Where the login came from, for the audit trail. */
  ip: string;
  /**
   * Digest of the password hash the session was opened with: when the account's hash changes
   * (`safegrid user passwd`), the session ends. '' for a session stored before this was kept.
   */
  credential: string;
}

export interface SessionTimeouts {
  /** Ends a session nobody used for this long (default 30 min). */
  idleMs: number;
  /** Ends every session this long after login, used or not (default 12 h). */
  absoluteMs: number;
}

export const DEFAULT_TIMEOUTS: Readonly<SessionTimeouts> = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };

export type SessionEndReason = 'logout' | 'expired' | 'password_changed' | 'account_disabled';

const sessionOf = (row: SessionRow, id = ''): Session => ({
  id,
  key: row.idHash,
  username: row.username,
  csrfToken: row.csrfToken,
  createdAt: row.createdMs,
  lastSeenAt: row.lastSeenMs,
  ip: row.ip,
  credential: row.credential ?? '',
});

export class SessionStore {
  /** By key (the id's digest). */
  private readonly sessions = new Map<string, Session>();
  /** Last-seen times as last written to disk, by key. */
  private readonly persistedSeen = new Map<string, number>();
  /**
   * When each cached session was last known to be stored (its insert, or a read that found it), as
   * a tick of `ticks`, not a clock time: a sweep's read must not drop a session whose insert
   * finished after the read began, whatever the clock says.
   */
  private readonly confirmedAt = new Map<string, number>();
  private ticks = 0;
  /** Digests looked up in the store and not found (see MISS_MEMORY). */
  private readonly misses = new Set<string>();
  private readonly listeners = new Set<(s: Session, why: SessionEndReason) => void>();

  constructor(
    private readonly clock: Clock,
    readonly timeouts: SessionTimeouts = DEFAULT_TIMEOUTS,
    private readonly persist: SessionPersistence | null = null,
  ) {}

  /** Reads the stored sessions into the cache at start; expired rows are removed. */
  async load(): Promise<void> {
    if (!this.persist) return;
    const now = this.clock.now();
    for (const row of await this.persist.all()) {
      const s = sessionOf(row);
      if (this.expired(s, now)) {
        await this.persist.remove(row.idHash);
        continue;
      }
      this.remember(s);
    }
  }

  /** Opens a session; it is stored (and so valid on every replica) when the promise resolves. */
  async create(username: string, ip: string, credential = ''): Promise<Session> {
    const now = this.clock.now();
    const id = randomBytes(32).toString('base64url');
    const s: Session = {
      id,
      key: digestOf(id),
      username,
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
      ip,
      credential,
    };
    await this.persist?.insert({ idHash: s.key, username, csrfToken: s.csrfToken, createdMs: now, lastSeenMs: now, ip, credential });
    this.remember(s);
    return s;
  }

  /**
   * The live session for a cookie value, or null (unknown, idle too long, too old). `touch` renews
   * the idle timer. A cookie not in the cache is looked up in the store (made on another replica,
   * or before this process started); one that looks idle here is checked there too, since its
   * browser may have been busy on another replica.
   */
  async get(id: string | undefined, touch = true): Promise<Session | null> {
    if (!id) return null;
    const key = digestOf(id);
    let s = this.sessions.get(key) ?? (await this.fetch(key));
    if (!s) return null;
    const now = this.clock.now();
    if (this.expired(s, now) && this.persist) s = await this.refresh(s);
    if (!s) return null;
    if (this.expired(s, now)) {
      await this.end(s, 'expired');
      return null;
    }
    // A restored session learns its cookie value when the browser presents it.
    if (!s.id) s.id = id;
    if (touch) {
      s.lastSeenAt = now;
      if (this.persist && now - (this.persistedSeen.get(s.key) ?? 0) >= PERSIST_TOUCH_EVERY_MS) {
        // Recorded before the write so that concurrent requests do not all write it.
        this.persistedSeen.set(s.key, now);
        await this.persist.touch(s.key, now);
      }
    }
    return s;
  }

  /** Ends a session: gone from the store (every replica's next sweep or lookup) when the promise resolves. */
  async end(s: Session, why: SessionEndReason): Promise<void> {
    if (!this.forget(s.key)) return;
    for (const l of this.listeners) l(s, why);
    await this.persist?.remove(s.key);
  }

  /** Ends every session of a user, except `keep` (the one that just changed the password). */
  async endUser(username: string, why: SessionEndReason, keep?: string): Promise<void> {
    for (const s of [...this.sessions.values()]) {
      if (s.username.toLowerCase() === username.toLowerCase() && (keep === undefined || s.id !== keep)) await this.end(s, why);
    }
  }

  /** Every live session (for the revocation pass when the accounts file changes). */
  live(): Session[] {
    return [...this.sessions.values()];
  }

  /** Records the credential of a session that carries on under a new password (its own change). */
  async rebind(s: Session, credential: string): Promise<void> {
    s.credential = credential;
    await this.persist?.insert({
      idHash: s.key,
      username: s.username,
      csrfToken: s.csrfToken,
      createdMs: s.createdAt,
      lastSeenMs: s.lastSeenAt,
      ip: s.ip,
      credential,
    });
  }

  /**
   * Ends what has expired; the hub calls it on a timer so idle sockets are cut, not only idle
   * requests. With a store, first reconciles the cache with it: a session removed by another
   * replica (logout, expiry, password change) ends here too, and one used on another replica has
   * its last-seen time taken from its row before it is judged idle.
   */
  async sweep(): Promise<number> {
    let n = 0;
    if (this.persist) {
      const askedAt = ++this.ticks;
      const rows = new Map((await this.persist.all()).map((r) => [r.idHash, r]));
      for (const s of [...this.sessions.values()]) {
        const row = rows.get(s.key);
        if (row) {
          s.lastSeenAt = Math.max(s.lastSeenAt, row.lastSeenMs);
          this.confirmedAt.set(s.key, askedAt);
        } else if ((this.confirmedAt.get(s.key) ?? 0) < askedAt) {
          // Stored before the read began and absent from it: removed elsewhere.
          if (this.forget(s.key)) for (const l of this.listeners) l(s, 'expired');
        }
      }
    }
    const now = this.clock.now();
    for (const s of [...this.sessions.values()]) {
      if (this.expired(s, now)) {
        await this.end(s, 'expired');
        n++;
      }
    }
    return n;
  }

  onEnd(listener: (s: Session, why: SessionEndReason) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.sessions.size;
  }

  private expired(s: Session, now: number): boolean {
    return now - s.lastSeenAt >= this.timeouts.idleMs || now - s.createdAt >= this.timeouts.absoluteMs;
  }

  private remember(s: Session): void {
    this.sessions.set(s.key, s);
    this.persistedSeen.set(s.key, s.lastSeenAt);
    this.confirmedAt.set(s.key, ++this.ticks);
    this.misses.delete(s.key);
  }

  /** Drops a session from the cache; false when it was not there (already ended). */
  private forget(key: string): boolean {
    this.persistedSeen.delete(key);
    this.confirmedAt.delete(key);
    return this.sessions.delete(key);
  }

  private async read(key: string): Promise<SessionRow | undefined> {
    if (!this.persist) return undefined;
    if (this.persist.get) return this.persist.get(key);
    return (await this.persist.all()).find((r) => r.idHash === key);
  }

  /** A session another replica (or an earlier run) stored, now cached here; null when there is none. */
  private async fetch(key: string): Promise<Session | null> {
    if (!this.persist || this.misses.has(key)) return null;
    const row = await this.read(key);
    // Another request for the same cookie may have cached it while this one waited.
    const cached = this.sessions.get(key);
    if (cached) return cached;
    if (!row) {
      if (this.misses.size >= MISS_MEMORY) this.misses.delete(this.misses.values().next().value as string);
      this.misses.add(key);
      return null;
    }
    const s = sessionOf(row);
    this.remember(s);
    return s;
  }

  /** The cached session with its stored last-seen time, or null when its row is gone (ended elsewhere). */
  private async refresh(s: Session): Promise<Session | null> {
    const row = await this.read(s.key);
    if (!row) {
      if (this.forget(s.key)) for (const l of this.listeners) l(s, 'expired');
      return null;
    }
    s.lastSeenAt = Math.max(s.lastSeenAt, row.lastSeenMs);
    return s;
  }
}

/** Constant-time string comparison for tokens (length is not secret: every token has the same). */
export function tokensEqual(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
