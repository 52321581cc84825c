/** limiter.ts on a manual clock: attempts reserved before the password check and settled after it, hashing capped. */
import { describe, expect, it } from 'vitest';
import { FailureLimiter, HashGate, PENDING_MS } from '../../src/auth/limiter.js';
import { addressKey } from '../../src/auth/service.js';
import { ManualClock } from '../../src/core/clock.js';

describe('FailureLimiter.reserve (issue 17, item 3; issue 18)', () => {
  it('reserves an attempt at once, so the sixth of six concurrent attempts is held back before any finishes', () => {
    const l = new FailureLimiter(new ManualClock(), { maxFailures: 5, windowMs: 60_000 });
    const got = Array.from({ length: 6 }, () => l.reserve(['ip:a', 'user:x']));
    expect(got.map((r) => r.ok)).toEqual([true, true, true, true, true, false]);
    expect(got[5]).toEqual({ ok: false, reason: 'settling' });
  });

  it('five failed attempts refuse the next for the window; five forgiven ones let it through', () => {
    const clock = new ManualClock();
    const l = new FailureLimiter(clock, { maxFailures: 5, windowMs: 60_000 });
    const failed = Array.from({ length: 5 }, () => l.reserve(['ip:a']));
    for (const r of failed) if (r.ok) l.confirm(r.reservation);
    clock.advance(1_000);
    expect(l.reserve(['ip:a'])).toEqual({ ok: false, reason: 'limited', waitMs: 59_000 });
    const genuine = Array.from({ length: 5 }, () => l.reserve(['ip:b']));
    for (const r of genuine) if (r.ok) l.forgive(r.reservation, 'ip:b');
    expect(l.reserve(['ip:b']).ok).toBe(true);
  });

  it('an attempt never settled counts as a failure once PENDING_MS has passed (its checker died)', () => {
    const clock = new ManualClock();
    const l = new FailureLimiter(clock, { maxFailures: 1, windowMs: 15 * 60_000 });
    expect(l.reserve(['ip:a']).ok).toBe(true);
    expect(l.reserve(['ip:a'])).toEqual({ ok: false, reason: 'settling' });
    clock.advance(PENDING_MS);
    expect(l.reserve(['ip:a'])).toMatchObject({ ok: false, reason: 'limited' });
  });

  it('confirm keeps a failure that a reset dropped meanwhile (the owner logged in during a guess)', () => {
    const l = new FailureLimiter(new ManualClock(), { maxFailures: 1, windowMs: 60_000 });
    const r = l.reserve(['user:x']);
    l.reset('user:x');
    if (r.ok) l.confirm(r.reservation);
    expect(l.blockedFor('user:x')).toBeGreaterThan(0);
  });

  it('forgive takes back only the reserved attempt on that key; other failures stay', () => {
    const clock = new ManualClock();
    const l = new FailureLimiter(clock, { maxFailures: 2, windowMs: 60_000 });
    l.fail('ip:a');
    clock.advance(1);
    const r = l.reserve(['ip:a']);
    expect(r.ok).toBe(true);
    if (r.ok) l.forgive(r.reservation, 'ip:a');
    expect(l.blockedFor('ip:a')).toBe(0);
    const next = l.reserve(['ip:a']);
    expect(next.ok).toBe(true);
    if (next.ok) l.confirm(next.reservation);
    expect(l.reserve(['ip:a'])).toMatchObject({ ok: false, reason: 'limited' });
  });

  it('a refused reservation counts nothing', () => {
    const l = new FailureLimiter(new ManualClock(), { maxFailures: 1, windowMs: 60_000 });
    expect(l.reserve(['user:x']).ok).toBe(true);
    expect(l.reserve(['ip:b', 'user:x']).ok).toBe(false);
    expect(l.blockedFor('ip:b')).toBe(0);
    expect(l.reserve(['ip:b']).ok).toBe(true);
  });
});

describe('HashGate', () => {
  it("queues a key's attempts beyond its share, refuses beyond its line, queues beyond the global cap, and runs everything queued", async () => {
    const gate = new HashGate({ perKey: 2, perKeyQueued: 1, global: 2, maxQueued: 10 });
    const release: Array<() => void> = [];
    const work = () => new Promise<string>((ok) => release.push(() => ok('done')));
    const a1 = gate.run('a', work);
    const a2 = gate.run('a', work);
    const a3 = gate.run('a', work); // over the key's share: waits for a slot of its key
    expect(await gate.run('a', work)).toBeNull(); // the key's line is full
    const b = gate.run('b', work); // over the global cap: waits
    await new Promise((ok) => setImmediate(ok));
    expect(release).toHaveLength(2);
    release.shift()!();
    expect(await a1).toBe('done');
    await new Promise((ok) => setImmediate(ok));
    expect(release).toHaveLength(2); // one of a3 and b took the freed slot
    while (release.length) {
      release.shift()!();
      await new Promise((ok) => setImmediate(ok));
    }
    expect(await Promise.all([a2, a3, b])).toEqual(['done', 'done', 'done']);
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
