/** limiter.ts on a manual clock: attempts counted before the password check, hashing capped. */
import { describe, expect, it } from 'vitest';
import { FailureLimiter, HashGate } from '../../src/auth/limiter.js';
import { addressKey } from '../../src/auth/service.js';
import { ManualClock } from '../../src/core/clock.js';

describe('FailureLimiter.reserve (issue 17, item 3)', () => {
  it('counts an attempt at once, so the sixth of six concurrent attempts is refused before any finishes', () => {
    const l = new FailureLimiter(new ManualClock(), { maxFailures: 5, windowMs: 60_000 });
    const got = Array.from({ length: 6 }, () => l.reserve(['ip:a', 'user:x']));
    expect(got.map((r) => r.ok)).toEqual([true, true, true, true, true, false]);
  });

  it('forgive takes back only the reserved attempt on that key; other failures stay', () => {
    const clock = new ManualClock();
    const l = new FailureLimiter(clock, { maxFailures: 2, windowMs: 60_000 });
    l.fail('ip:a');
    clock.advance(1);
    const r = l.reserve(['ip:a']);
    expect(r.ok).toBe(true);
    expect(l.blockedFor('ip:a')).toBeGreaterThan(0);
    if (r.ok) l.forgive(r.reservation, 'ip:a');
    expect(l.blockedFor('ip:a')).toBe(0);
    expect(l.reserve(['ip:a']).ok).toBe(true);
    expect(l.reserve(['ip:a']).ok).toBe(false);
  });

  it('a refused reservation counts nothing', () => {
    const l = new FailureLimiter(new ManualClock(), { maxFailures: 1, windowMs: 60_000 });
    expect(l.reserve(['user:x']).ok).toBe(true);
    expect(l.reserve(['ip:b', 'user:x']).ok).toBe(false);
    expect(l.blockedFor('ip:b')).toBe(0);
  });
});

describe('HashGate', () => {
  it('refuses a third concurrent hash for one key at once, queues beyond the global cap, and runs everything queued', async () => {
    const gate = new HashGate({ perKey: 2, global: 2, maxQueued: 10 });
    const release: Array<() => void> = [];
    const work = () => new Promise<string>((ok) => release.push(() => ok('done')));
    const a1 = gate.run('a', work);
    const a2 = gate.run('a', work);
    expect(await gate.run('a', work)).toBeNull();
    const b = gate.run('b', work); // over the global cap: waits
    await Promise.resolve();
    expect(release).toHaveLength(2);
    release.shift()!();
    expect(await a1).toBe('done');
    await new Promise((ok) => setImmediate(ok));
    expect(release).toHaveLength(2); // b took the freed slot
    for (const r of release.splice(0)) r();
    expect(await Promise.all([a2, b])).toEqual(['done', 'done']);
  });
});

describe('addressKey', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::99', '2001:db8:1:2::/64'],
    ['2001:DB8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s → %s', (ip, key) => {
    expect(addressKey(ip)).toBe(key);
  });
});
