/**
 * Login throttling: N failures within a window, per client address and per user name, and further
 * attempts are refused (429 with Retry-After) without checking the password. Per address stops one
 * machine guessing many accounts; per user name stops many machines guessing one account.
 *
 * An attempt is counted BEFORE its password is checked (`reserve`) and forgiven only when it
 * succeeds (`forgive`): scrypt takes ~100 ms, and counting failures after it let 39 guesses sent at
 * once all be tried before the first failure was recorded (issue 17, item 3).
 */
import type { Clock } from '../core/clock.js';

export interface LimiterOptions {
  maxFailures: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMIT: Readonly<LimiterOptions> = { maxFailures: 5, windowMs: 15 * 60_000 };

/** Keys kept at most; beyond it the oldest are dropped, so a flood of made-up names cannot exhaust memory. */
const MAX_KEYS = 10_000;

/** What `reserve` took, to give back with `forgive` when the attempt turns out to be genuine. */
export interface Reservation {
  readonly keys: readonly string[];
  readonly at: number;
}

export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly o: LimiterOptions = DEFAULT_LOGIN_LIMIT,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  blockedFor(key: string): number {
    const now = this.clock.now();
    const list = this.recent(key, now);
    if (list.length < this.o.maxFailures) return 0;
    return list[list.length - this.o.maxFailures]! + this.o.windowMs - now;
  }

  /**
   * Checks and counts in one synchronous step: either every key has room and the attempt is counted
   * against each of them now (as if it had failed), or nothing is counted and the wait is returned.
   */
  reserve(keys: readonly string[]): { ok: true; reservation: Reservation } | { ok: false; waitMs: number } {
    const waitMs = Math.max(0, ...keys.map((k) => this.blockedFor(k)));
    if (waitMs > 0) return { ok: false, waitMs };
    const at = this.clock.now();
    for (const k of keys) this.record(k, at);
    return { ok: true, reservation: { keys, at } };
  }

  /** Takes back a reserved attempt on `key` (it succeeded). Other failures stay counted. */
  forgive(r: Reservation, key: string): void {
    const list = this.failures.get(key);
    if (!list) return;
    const i = list.lastIndexOf(r.at);
    if (i >= 0) list.splice(i, 1);
    if (!list.length) this.failures.delete(key);
  }

  fail(key: string): void {
    this.record(key, this.clock.now());
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  private record(key: string, at: number): void {
    const list = this.recent(key, at);
    list.push(at);
    this.failures.delete(key); // re-insert: Map order is then least-recently-failed first
    this.failures.set(key, list);
    if (this.failures.size > MAX_KEYS) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.o.windowMs);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }
}

/**
 * Caps password hashing: at most `perKey` at once for one address (or account), at most `global`
 * at once overall, the rest waiting in line (up to `maxQueued`, then refused). scrypt runs on
 * libuv's 4 threads and takes 32 MiB each; without a cap one address's burst queued ahead of
 * everyone else's login (a genuine login took 40 s during a 300-request burst).
 */
export class HashGate {
  private readonly inFlight = new Map<string, number>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly o: { perKey: number; global: number; maxQueued: number } = { perKey: 2, global: 4, maxQueued: 256 }) {}

  /** Runs `work` under the caps, or returns null at once when `key` already has its share in flight or the line is full. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T | null> {
    const mine = this.inFlight.get(key) ?? 0;
    if (mine >= this.o.perKey) return null;
    if (this.running >= this.o.global && this.waiting.length >= this.o.maxQueued) return null;
    this.inFlight.set(key, mine + 1);
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
      const n = (this.inFlight.get(key) ?? 1) - 1;
      if (n > 0) this.inFlight.set(key, n);
      else this.inFlight.delete(key);
    }
  }
}
