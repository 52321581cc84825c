/**
 * Server-side sessions, in memory. The cookie carries only a random id (32 bytes); everything else
 * stays here, so logout and expiry take effect at once. A restart logs everyone out — acceptable for
 * one hub process, and it keeps session secrets off the disk.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.js';

export interface Session {
  id: string;
  username: string;
  /** Double-submit CSRF token: the page reads it from GET /api/session and sends X-CSRF-Token. */
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  /** Where the login came from, for the audit trail. */
  ip: string;
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
  private readonly sessions = new Map<string, Session>();
  private readonly listeners = new Set<(s: Session, why: SessionEndReason) => void>();

  constructor(
    private readonly clock: Clock,
    readonly timeouts: SessionTimeouts = DEFAULT_TIMEOUTS,
  ) {}

  create(username: string, ip: string): Session {
    const now = this.clock.now();
    const s: Session = {
      id: randomBytes(32).toString('base64url'),
      username,
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
      ip,
    };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The live session for a cookie value, or null (unknown, idle too long, too old). `touch` renews the idle timer. */
  get(id: string | undefined, touch = true): Session | null {
    if (!id) return null;
    const s = this.sessions.get(id);
    if (!s) return null;
    const now = this.clock.now();
    if (this.expired(s, now)) {
      this.end(s, 'expired');
      return null;
    }
    if (touch) s.lastSeenAt = now;
    return s;
  }

  end(s: Session, why: SessionEndReason): void {
    if (!this.sessions.delete(s.id)) return;
    for (const l of this.listeners) l(s, why);
  }

  /** Ends every session of a user, except `keep` (the one that just changed the password). */
  endUser(username: string, why: SessionEndReason, keep?: string): void {
    for (const s of [...this.sessions.values()]) {
      if (s.username.toLowerCase() === username.toLowerCase() && s.id !== keep) this.end(s, why);
    }
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
