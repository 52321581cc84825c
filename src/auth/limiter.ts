/**
 * Login throttling: N failures within a window, per client address and per user name, and further
 * attempts are refused (429 with Retry-After) without checking the password. Per address stops one
 * machine guessing many accounts; per user name stops many machines guessing one account.
 *
 * An attempt is reserved BEFORE its password is checked (`reserve`): scrypt takes ~100 ms, and
 * counting failures after it let 39 guesses sent at once all be tried before the first failure was
 * recorded (issue 17, item 3). A reservation is *pending* until its outcome is known: `confirm`
 * turns it into a failure, `forgive` takes it back (the password was right). Failures alone decide
 * a refusal (`limited`, wait until the oldest counted failure ages out); failures plus pending
 * attempts filling the allowance only mean "wait until one settles" (`settling`). Counting pending
 * attempts as failures refused correct logins sent at once from one address (a centre's operators
 * behind one NAT or HAProxy address at shift change: 9 parallel correct logins got 429, issue 18).
 * A pending attempt older than `PENDING_MS` counts as a failure: its checker died mid-check.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';

export interface LimiterOptions {
  maxFailures: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMIT: Readonly<LimiterOptions> = { maxFailures: 5, windowMs: 15 * 60_000 };

/** A reservation still unsettled after this long counts as a failure (hashing takes ~0.1 s, a long queue a few s). */
export const PENDING_MS = 60_000;

/** Keys kept at most; beyond it the oldest are dropped, so a flood of made-up names cannot exhaust memory. */
const MAX_KEYS = 10_000;

/** What `reserve` took, to settle with `confirm` or `forgive` once the password is checked. */
export interface Reservation {
  readonly keys: readonly string[];
  readonly at: number;
  /** Unique per attempt: names its entry on every key. */
  readonly id: string;
  /** Which counter holds it (a shared limiter falls back to its local one while Redis is away). */
  readonly local?: boolean;
}

export type ReserveResult =
  | { ok: true; reservation: Reservation }
  /** Failures fill the allowance of some key: refused until `waitMs` from now. */
  | { ok: false; reason: 'limited'; waitMs: number }
  /** Failures plus attempts being checked fill it: ask again when one settles. */
  | { ok: false; reason: 'settling' };

/**
 * The counter the AuthService consults. `FailureLimiter` counts in this process; `SharedFailureLimiter`
 * (shared-limiter.ts) counts in Redis for every replica at once (issue 18).
 */
export interface AttemptLimiter {
  reserve(keys: readonly string[]): ReserveResult | Promise<ReserveResult>;
  /** The attempt failed: it stays counted, as a failure, on every key it reserved. */
  confirm(r: Reservation): void | Promise<void>;
  /** The attempt succeeded: takes it back from `key` (other failures there stay counted). */
  forgive(r: Reservation, key: string): void | Promise<void>;
  /** Forgets every failure of `key` (a user name that just proved its password). */
  reset(key: string): void | Promise<void>;
}

export function attemptId(): string {
  return randomBytes(9).toString('base64url');
}

interface Entry {
  at: number;
  id: string;
  pending: boolean;
}

/** What one key's entries say now: failures (oldest first) and attempts still being checked. */
export function judgeKey(entries: ReadonlyArray<{ at: number; pending: boolean }>, now: number, o: LimiterOptions): { failures: number[]; pending: number } {
  const failures: number[] = [];
  let pending = 0;
  for (const e of entries) {
    if (now - e.at >= o.windowMs) continue;
    if (!e.pending || now - e.at >= PENDING_MS) failures.push(e.at);
    else pending++;
  }
  failures.sort((a, b) => a - b);
  return { failures, pending };
}

export class FailureLimiter implements AttemptLimiter {
  private readonly entries = new Map<string, Entry[]>();

  constructor(
    private readonly clock: Clock,
    private readonly o: LimiterOptions = DEFAULT_LOGIN_LIMIT,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  blockedFor(key: string): number {
    const now = this.clock.now();
    const { failures } = judgeKey(this.recent(key, now), now, this.o);
    if (failures.length < this.o.maxFailures) return 0;
    return failures[failures.length - this.o.maxFailures]! + this.o.windowMs - now;
  }

  /**
   * Checks and reserves in one synchronous step: either every key has room and the attempt is
   * reserved on each of them now, or nothing is reserved and the answer says why.
   */
  reserve(keys: readonly string[]): ReserveResult {
    const now = this.clock.now();
    let waitMs = 0;
    let settling = false;
    for (const k of keys) {
      const { failures, pending } = judgeKey(this.recent(k, now), now, this.o);
      if (failures.length >= this.o.maxFailures) waitMs = Math.max(waitMs, failures[failures.length - this.o.maxFailures]! + this.o.windowMs - now);
      else if (failures.length + pending >= this.o.maxFailures) settling = true;
    }
    if (waitMs > 0) return { ok: false, reason: 'limited', waitMs };
    if (settling) return { ok: false, reason: 'settling' };
    const id = attemptId();
    for (const k of keys) this.record(k, { at: now, id, pending: true });
    return { ok: true, reservation: { keys, at: now, id } };
  }

  confirm(r: Reservation): void {
    for (const k of r.keys) {
      const e = this.entries.get(k)?.find((x) => x.id === r.id);
      // A reset (the account's owner logged in meanwhile) dropped it: the failure still happened.
      if (e) e.pending = false;
      else this.record(k, { at: r.at, id: r.id, pending: false });
    }
  }

  forgive(r: Reservation, key: string): void {
    const list = this.entries.get(key);
    if (!list) return;
    const i = list.findIndex((x) => x.id === r.id);
    if (i >= 0) list.splice(i, 1);
    if (!list.length) this.entries.delete(key);
  }

  /** A failure now on `key`, outside any reservation. */
  fail(key: string): void {
    this.record(key, { at: this.clock.now(), id: attemptId(), pending: false });
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  private record(key: string, entry: Entry): void {
    const list = this.recent(key, entry.at);
    list.push(entry);
    this.entries.delete(key); // re-insert: Map order is then least-recently-used first
    this.entries.set(key, list);
    if (this.entries.size > MAX_KEYS) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  private recent(key: string, now: number): Entry[] {
    const list = (this.entries.get(key) ?? []).filter((e) => now - e.at < this.o.windowMs);
    if (list.length) this.entries.set(key, list);
    else this.entries.delete(key);
    return list;
  }
}

/**
 * Caps password hashing: at most `perKey` at once for one address (or account), the next few of that
 * key (`perKeyQueued`) waiting for its slots, at most `global` at once overall, the rest waiting in
 * line (up to `maxQueued`, then refused). scrypt runs on libuv's 4 threads and takes 32 MiB each;
 * without a cap one address's burst queued ahead of everyone else's login (a genuine login took
 * 40 s during a 300-request burst). A key's extra attempts wait rather than being refused: the
 * limiter lets at most its allowance of one address's attempts through at once, and those may all
 * be genuine (operators behind one address logging in together).
 */
export interface HashGateOptions {
  perKey: number;
  perKeyQueued: number;
  global: number;
  maxQueued: number;
}

export class HashGate {
  private readonly inFlight = new Map<string, number>();
  private readonly keyWaiting = new Map<string, Array<() => void>>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly o: HashGateOptions = { perKey: 2, perKeyQueued: 8, global: 4, maxQueued: 256 }) {}

  /** Runs `work` under the caps, or returns null at once when `key`'s line or the global line is full. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T | null> {
    if (this.running >= this.o.global && this.waiting.length >= this.o.maxQueued) return null;
    const mine = this.inFlight.get(key) ?? 0;
    if (mine >= this.o.perKey) {
      const line = this.keyWaiting.get(key) ?? [];
      if (line.length >= this.o.perKeyQueued) return null;
      this.keyWaiting.set(key, line);
      // The key's slot is handed over by the one that ends (inFlight unchanged).
      await new Promise<void>((ok) => line.push(ok));
    } else this.inFlight.set(key, mine + 1);
    try {
      if (this.running >= this.o.global) await new Promise<void>((ok) => this.waiting.push(ok));
      else this.running++;
      try {
        return await work();
      } finally {
        const next = this.waiting.shift();
        // The slot passes straight to the next in line, so `running` never over-counts.
        if (next) next();
        else this.running--;
      }
    } finally {
      const line = this.keyWaiting.get(key);
      const next = line?.shift();
      if (line && !line.length) this.keyWaiting.delete(key);
      if (next) next();
      else {
        const n = (this.inFlight.get(key) ?? 1) - 1;
        if (n > 0) this.inFlight.set(key, n);
        else this.inFlight.delete(key);
      }
    }
  }
}
