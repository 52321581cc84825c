/**
 * Server-side sessions. The cookie carries only a random id (32 bytes); everything else stays here,
 * so logout and expiry take effect at once. Live sessions are in memory and, given a
 * SessionPersistence (the hub passes the SQLite store), written through so that a restart — a crash
 * at 3 a.m. — does not log every operator out. What is written is the SHA-256 of the cookie value,
 * never the value: a copy of the database opens no session.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { SessionRow } from '../store/index.js';

/** Where sessions outlive the process (store/session-repo.ts). */
export interface SessionPersistence {
  all(): SessionRow[];
  insert(row: SessionRow): void;
  touch(idHash: string, lastSeenMs: number): void;
  remove(idHash: string): void;
}

/**
 * How stale the stored last-seen time may get. Renewing on every request would be a disk write per
 * request; after a restart a session may therefore end up to this much earlier than it would have.
 */
export const PERSIST_TOUCH_EVERY_MS = 60_000;

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

export class SessionStore {
  /** By key (the id's digest). */
  private readonly sessions = new Map<string, Session>();
  /** Last-seen times as last written to disk, by key. */
  private readonly persistedSeen = new Map<string, number>();
  private readonly listeners = new Set<(s: Session, why: SessionEndReason) => void>();

  constructor(
    private readonly clock: Clock,
    readonly timeouts: SessionTimeouts = DEFAULT_TIMEOUTS,
    private readonly persist: SessionPersistence | null = null,
  ) {
    if (!persist) return;
    const now = clock.now();
    for (const row of persist.all()) {
      const s: Session = {
        id: '',
        key: row.idHash,
        username: row.username,
        csrfToken: row.csrfToken,
        createdAt: row.createdMs,
        lastSeenAt: row.lastSeenMs,
        ip: row.ip,
        credential: row.credential ?? '',
      };
      if (this.expired(s, now)) {
        persist.remove(row.idHash);
        continue;
      }
      this.sessions.set(s.key, s);
      this.persistedSeen.set(s.key, s.lastSeenAt);
    }
  }

  create(username: string, ip: string, credential = ''): Session {
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
    this.sessions.set(s.key, s);
    this.persist?.insert({ idHash: s.key, username, csrfToken: s.csrfToken, createdMs: now, lastSeenMs: now, ip, credential });
    this.persistedSeen.set(s.key, now);
    return s;
  }

  /** The live session for a cookie value, or null (unknown, idle too long, too old). `touch` renews the idle timer. */
  get(id: string | undefined, touch = true): Session | null {
    if (!id) return null;
    const s = this.sessions.get(digestOf(id));
    if (!s) return null;
    const now = this.clock.now();
    if (this.expired(s, now)) {
      this.end(s, 'expired');
      return null;
    }
    // A restored session learns its cookie value when the browser presents it.
    if (!s.id) s.id = id;
    if (touch) {
      s.lastSeenAt = now;
      if (this.persist && now - (this.persistedSeen.get(s.key) ?? 0) >= PERSIST_TOUCH_EVERY_MS) {
        this.persist.touch(s.key, now);
        this.persistedSeen.set(s.key, now);
      }
    }
    return s;
  }

  end(s: Session, why: SessionEndReason): void {
    if (!this.sessions.delete(s.key)) return;
    this.persistedSeen.delete(s.key);
    this.persist?.remove(s.key);
    for (const l of this.listeners) l(s, why);
  }

  /** Ends every session of a user, except `keep` (the one that just changed the password). */
  endUser(username: string, why: SessionEndReason, keep?: string): void {
    for (const s of [...this.sessions.values()]) {
      if (s.username.toLowerCase() === username.toLowerCase() && (keep === undefined || s.id !== keep)) this.end(s, why);
    }
  }

  /** Every live session (for the revocation pass when the accounts file changes). */
  live(): Session[] {
    return [...this.sessions.values()];
  }

  /** Records the credential of a session that carries on under a new password (its own change). */
  rebind(s: Session, credential: string): void {
    s.credential = credential;
    this.persist?.insert({
      idHash: s.key,
      username: s.username,
      csrfToken: s.csrfToken,
      createdMs: s.createdAt,
      lastSeenMs: s.lastSeenAt,
      ip: s.ip,
      credential,
    });
  }

  /** Ends what has expired; the hub calls it on a timer so idle sockets are cut, not only idle requests. */
  sweep(): number {
    const now = this.clock.now();
    let n = 0;
    for (const s of [...this.sessions.values()]) {
      if (this.expired(s, now)) {
        this.end(s, 'expired');
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
}

/** Constant-time string comparison for tokens (length is not secret: every token has the same). */
export function tokensEqual(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
