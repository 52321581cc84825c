/**
 * Login throttling: N failures within a window, per client address and per user name, and further
 * attempts are refused (429 with Retry-After) without checking the password. Per address stops one
 * machine guessing many accounts; per user name stops many machines guessing one account.
 */
import type { Clock } from '../core/clock.js';

export interface LimiterOptions {
  maxFailures: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMIT: Readonly<LimiterOptions> = { maxFailures: 5, windowMs: 15 * 60_000 };

/** Keys kept at most; beyond it the oldest are dropped, so a flood of made-up names cannot exhaust memory. */
const MAX_KEYS = 10_000;

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

  fail(key: string): void {
    const now = this.clock.now();
    const list = this.recent(key, now);
    list.push(now);
    this.failures.delete(key); // re-insert: Map order is then least-recently-failed first
    this.failures.set(key, list);
    if (this.failures.size > MAX_KEYS) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.o.windowMs);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }
}
