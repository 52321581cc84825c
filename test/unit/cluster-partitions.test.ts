/** Sites → partitions and the balance rule (src/cluster/partitions.ts), by tables and by simulation. */
import { describe, expect, it } from 'vitest';
import { type ClusterView, fnv1a32, partitionOf, planBalance } from '../../src/cluster/partitions.js';

describe('partitionOf', () => {
  // FNV-1a 32 reference values (the published test vectors: "" → 0x811c9dc5, "a" → 0xe40c292c, "foobar" → 0xbf9cf968).
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('fnv1a32(%j) is the published value', (text, hash) => {
    expect(fnv1a32(text)).toBe(hash);
  });

  it('hashes the UTF-8 bytes, so a site id in Chinese maps the same on every replica', () => {
    expect(fnv1a32('明湖路12号')).toBe(fnv1a32('明湖路12号'));
    expect(fnv1a32('明湖路12号')).not.toBe(fnv1a32('明湖路13号'));
  });

  it('maps a site to the same partition every time and within range', () => {
    const p = partitionOf('shop-zs-0012');
    expect(p).toBe(partitionOf('shop-zs-0012', 64));
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThan(64);
  });

  it('spreads 10,000 sites evenly enough over 64 partitions (none over 1.5× the mean)', () => {
    const counts = new Array<number>(64).fill(0);
    for (let i = 0; i < 10_000; i++) counts[partitionOf(`shop-zs-${String(i).padStart(4, '0')}`)]!++;
    expect(Math.max(...counts)).toBeLessThan((10_000 / 64) * 1.5);
    expect(Math.min(...counts)).toBeGreaterThan((10_000 / 64) * 0.5);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a partition count of %s', (n) => {
    expect(() => partitionOf('x', n)).toThrow(/partition count/);
  });
});

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

function view(o: { self: string; mine: number[]; others: Record<string, number>; free: number[]; partitions?: number }): ClusterView {
  return {
    partitions: o.partitions ?? 64,
    self: o.self,
    replicas: [{ id: o.self, held: o.mine.length }, ...Object.entries(o.others).map(([id, held]) => ({ id, held }))],
    mine: new Set(o.mine),
    free: new Set(o.free),
  };
}

describe('planBalance', () => {
  it.each([
    // name, view, acquire count, released partitions, cap
    ['alone: takes all 64', { self: 'a', mine: [], others: {}, free: range(0, 64) }, 64, [], 64],
    // The others hold nothing yet (below the floor): each takes the floor first, the last one goes next round.
    ['first of three at start: takes its floor share', { self: 'a', mine: [], others: { b: 0, c: 0 }, free: range(0, 64) }, 21, [], 22],
    ['at its share with partitions free: takes none above the cap', { self: 'a', mine: range(0, 22), others: { b: 22 }, free: range(44, 64) }, 10, [], 32],
    [
      'a newcomer joined two who hold 32 each: release 10',
      { self: 'a', mine: range(0, 32), others: { b: 32, c: 0 }, free: [] },
      0,
      range(22, 32).reverse(),
      22,
    ],
    ['the newcomer itself: takes the free ones up to its share', { self: 'c', mine: [], others: { a: 22, b: 22 }, free: range(44, 64) }, 20, [], 22],
    ['every share at the cap but one starved: one released per round', { self: 'a', mine: range(0, 22), others: { b: 22, c: 20 }, free: [] }, 0, [21], 22],
    [
      'a starved replica exists and partitions are free: leaves them to it',
      { self: 'a', mine: range(0, 16), others: { b: 16, c: 16, d: 4 }, free: range(52, 64) },
      0,
      [],
      16,
    ],
    ['at the floor while one is starved: releases nothing more', { self: 'a', mine: range(0, 16), others: { b: 22, c: 22, d: 4 }, free: [] }, 0, [], 16],
    ['a replica it does not see yet (self missing from the survey) still counts itself', { self: 'a', mine: [], others: { b: 64 }, free: [] }, 0, [], 32],
  ] as const)('%s', (_name, v, acquire, release, cap) => {
    const plan = planBalance(view({ ...v, mine: [...v.mine], free: [...v.free], others: { ...v.others } }));
    expect(plan.acquire).toHaveLength(acquire);
    expect(plan.release).toEqual(release);
    expect(plan.cap).toBe(cap);
    for (const p of plan.acquire) expect(v.free).toContain(p);
  });

  it('replicas starting together begin at different points of the free list', () => {
    const free = range(0, 64);
    const a = planBalance(view({ self: 'hub-a', mine: [], others: { 'hub-b': 0, 'hub-c': 0 }, free }));
    const b = planBalance(view({ self: 'hub-b', mine: [], others: { 'hub-a': 0, 'hub-c': 0 }, free }));
    expect(a.acquire[0]).not.toBe(b.acquire[0]);
  });

  /** Rounds of every replica in turn against one lock table: the rule converges to a fair, complete spread. */
  function simulate(ids: string[], owners = new Map<number, string>(), partitions = 64, rounds = 40): Map<number, string> {
    for (let r = 0; r < rounds; r++) {
      for (const self of ids) {
        const held = (id: string) => [...owners.values()].filter((o) => o === id).length;
        const plan = planBalance({
          partitions,
          self,
          replicas: ids.map((id) => ({ id, held: held(id) })),
          mine: new Set([...owners].filter(([, o]) => o === self).map(([p]) => p)),
          free: new Set(range(0, partitions).filter((p) => !owners.has(p))),
        });
        for (const p of plan.release) owners.delete(p);
        for (const p of plan.acquire) if (!owners.has(p)) owners.set(p, self);
      }
    }
    return owners;
  }

  it.each([
    [['a'], 64],
    [['a', 'b'], 64],
    [['a', 'b', 'c'], 64],
    [['a', 'b', 'c', 'd', 'e'], 64],
    [['a', 'b', 'c', 'd', 'e', 'f', 'g'], 64],
    [['a', 'b', 'c'], 8],
  ])('%j over %i partitions: all held, each within one of the others', (ids, partitions) => {
    const owners = simulate(ids, new Map(), partitions);
    expect(owners.size).toBe(partitions);
    const counts = ids.map((id) => [...owners.values()].filter((o) => o === id).length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });

  it('a newcomer to a cluster where two replicas hold everything gets its share, and nothing is left unheld', () => {
    const owners = simulate(['a', 'b']);
    simulate(['a', 'b', 'c'], owners);
    const counts = ['a', 'b', 'c'].map((id) => [...owners.values()].filter((o) => o === id).length);
    expect(owners.size).toBe(64);
    expect(counts.every((n) => n >= 21 && n <= 22)).toBe(true);
  });

  it('when one of three dies, the two survivors take its partitions', () => {
    const owners = simulate(['a', 'b', 'c']);
    for (const [p, o] of owners) if (o === 'c') owners.delete(p);
    simulate(['a', 'b'], owners);
    expect(owners.size).toBe(64);
    expect([...owners.values()].filter((o) => o === 'a')).toHaveLength(32);
  });
});
