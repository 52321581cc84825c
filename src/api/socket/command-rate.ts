/**
 * A rate limit on what a console or guard socket sends (issue 17, item 9). One guard socket once
 * sent ~26k commands/s, all answered, and the alarm PUBACK p99 rose from 4 ms to hundreds of ms:
 * the hub's one thread was busy answering it. Each socket has a token bucket, and each user one
 * more shared by all of the user's sockets (opening ten tabs does not buy ten times the rate).
 * A packet without a token is answered `rate_limited` and goes no further. The socket stays
 * connected: a disconnected page reconnects and is sent the whole queue again, which costs more
 * than answering a refusal.
 *
 * Pure apart from the clock it is given: tested on an injected time.
 */

export interface BucketSpec {
  /** Tokens available at once (a burst of clicks). */
  burst: number;
  /** Tokens added per second. */
  perSecond: number;
}

/**
 * People click a few times a second at most; scripts that replay a queue (tests, a wall display
 * that acknowledges in bulk) stay well inside these, a flood of thousands a second does not.
 */
export interface CommandRateSpec {
  socket: BucketSpec;
  user: BucketSpec;
}

export const SOCKET_COMMAND_RATE: CommandRateSpec = {
  socket: { burst: 300, perSecond: 150 },
  user: { burst: 600, perSecond: 300 },
};

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly spec: BucketSpec,
    now: number,
  ) {
    this.tokens = spec.burst;
    this.last = now;
  }

  /** Takes one token if there is one. `now` in ms. */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.spec.burst, this.tokens + (elapsed / 1000) * this.spec.perSecond);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Full again: nothing to remember about this holder. */
  idle(now: number): boolean {
    return this.tokens + ((now - this.last) / 1000) * this.spec.perSecond >= this.spec.burst;
  }
}

/** The buckets of every user; one per hub (attachConsole), none at module level. */
export class CommandRateLimiter {
  private readonly users = new Map<string, TokenBucket>();

  constructor(
    private readonly now: () => number,
    private readonly spec: CommandRateSpec = SOCKET_COMMAND_RATE,
  ) {}

  /** A limiter for one socket of `username`: true when the packet may go on. */
  forSocket(username: string): () => boolean {
    const own = new TokenBucket(this.spec.socket, this.now());
    return () => {
      const t = this.now();
      // Both buckets must have a token; the socket's is asked first so a flooding socket does
      // not drain the user's other sockets as well.
      return own.take(t) && this.userBucket(username, t).take(t);
    };
  }

  private userBucket(username: string, t: number): TokenBucket {
    let b = this.users.get(username);
    if (!b) {
      // Forget users whose buckets are full again, so the map does not grow with every login.
      if (this.users.size > 1000) for (const [u, old] of this.users) if (old.idle(t)) this.users.delete(u);
      b = new TokenBucket(this.spec.user, t);
      this.users.set(username, b);
    }
    return b;
  }
}
