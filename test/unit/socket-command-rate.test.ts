/** The token buckets behind the socket command rate limit (issue 17, item 9), on an injected clock. */
import { describe, expect, it } from 'vitest';
import { CommandRateLimiter, TokenBucket } from '../../src/api/socket/command-rate.js';

describe('socket command rate limit', () => {
  it('a bucket gives its burst at once, then its rate', () => {
    const b = new TokenBucket({ burst: 3, perSecond: 2 }, 0);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([true, true, true, false]);
    expect(b.take(400)).toBe(false); // 0.8 of a token
    expect(b.take(500)).toBe(true);
    expect(b.take(10_000)).toBe(true); // refilled to the burst, not beyond
    expect([b.take(10_000), b.take(10_000), b.take(10_000)]).toEqual([true, true, false]);
  });

  it("one user's sockets share a bucket; another user's sockets are not charged", () => {
    let now = 0;
    const limiter = new CommandRateLimiter(() => now, { socket: { burst: 5, perSecond: 1 }, user: { burst: 8, perSecond: 1 } });
    const a1 = limiter.forSocket('guard-1');
    const a2 = limiter.forSocket('guard-1');
    const b = limiter.forSocket('op-1');
    const run = (f: () => boolean, n: number): number => Array.from({ length: n }, f).filter(Boolean).length;
    expect(run(a1, 20)).toBe(5); // the socket's burst
    expect(run(a2, 20)).toBe(3); // what is left of the user's
    expect(run(b, 20)).toBe(5); // another user: untouched
    now += 2000;
    expect(run(a1, 20)).toBe(2);
  });
});
