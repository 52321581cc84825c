/**
 * Forwarding commands to a site's owner over a real Redis: the answer is the owner's, a retried
 * request id runs once (also from another replica, also when both arrive together), an owner that
 * is gone or silent answers `owner_unreachable`, an owner that lost the site mid-run answers
 * `owner_changed` and a retry runs on the next owner, and junk on a channel is counted, not fatal.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Forwarder, type ForwardedCommand } from '../../src/cluster/forward.js';
import { LeaseManager } from '../../src/cluster/lease-manager.js';
import { partitionOf } from '../../src/cluster/partitions.js';
import { systemClock } from '../../src/core/clock.js';
import { PgPartitionLocks } from '../../src/store/postgres/partition-locks.js';
import { type PostgresServer, startPostgres } from '../helpers/postgres.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';
import { migratePostgres } from '../../src/store/postgres/migrate.js';

let redis: RedisServer;
let postgres: PostgresServer;

/** A database with SafeGrid's schema: every lease acquire bumps its partition's epoch (migration 003). */
async function leaseDatabase(): Promise<string> {
  const url = await postgres.createDatabase();
  const pool = new pg.Pool({ connectionString: url });
  try {
    await migratePostgres(pool);
  } finally {
    await pool.end();
  }
  return url;
}

beforeAll(async () => {
  [redis, postgres] = await Promise.all([startRedis(), startPostgres({ fsync: false })]);
});
afterAll(async () => {
  await Promise.all([redis?.destroy(), postgres?.destroy()]);
});

interface Ack {
  ok: true;
  ranOn: string;
  incident: string;
  run: number;
}

/** Each replica's view of who owns what (in the hub: LeaseManager.ownerOf). */
type Views = Record<string, Record<string, string>>;

/** What a run throws on a replica that lost the site before committing (in the hub: StaleOwnerError). */
class LostSite extends Error {}

function cluster(
  ids: string[],
  views: Views,
  opts: { timeoutMs?: number; hang?: Set<string>; redisUrl?: string; lose?: Set<string>; fail?: Set<string> } = {},
) {
  const runs: Array<{ on: string; requestId: string }> = [];
  let prefix = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}:`;
  prefix = `safegrid:${prefix}`;
  const nodes = Object.fromEntries(
    ids.map((id) => [
      id,
      new Forwarder<{ incident: string }, Ack>({
        redisUrl: opts.redisUrl ?? redis.url,
        replicaId: id,
        prefix,
        timeoutMs: opts.timeoutMs ?? 10_000,
        ownerOf: (siteId) => views[id]?.[siteId] ?? null,
        execute: async (r: ForwardedCommand<{ incident: string }>) => {
          runs.push({ on: id, requestId: r.requestId });
          if (opts.hang?.has(id)) await new Promise(() => undefined);
          if (opts.lose?.has(id)) throw new LostSite(`${id} lost ${r.siteId}`);
          if (opts.fail?.has(id)) throw new Error(`${id} failed`);
          return { ok: true, ranOn: id, incident: r.command.incident, run: runs.length };
        },
        lostSite: (err) => err instanceof LostSite,
      }),
    ]),
  ) as Record<string, Forwarder<{ incident: string }, Ack>>;
  return { nodes, runs, prefix };
}

const same = (owner: string): Views => {
  const v = { 'shop-12': owner };
  return { a: v, b: v, c: v };
};

describe('forwarding a command to the owner of its site', () => {
  it("a command sent at a non-owner returns the owner's answer, and a retried request id runs once", async () => {
    const { nodes, runs } = cluster(['a', 'b', 'c'], same('b'));
    await Promise.all(Object.values(nodes).map((n) => n.start()));
    try {
      const first = await nodes.a!.send('shop-12', { incident: 'inc-1' }, 'req-1');
      expect(first).toEqual({ ok: true, ranOn: 'b', incident: 'inc-1', run: 1 });
      // The console retries (same id) at the same replica, then at another one: not run again.
      expect(await nodes.a!.send('shop-12', { incident: 'inc-1' }, 'req-1')).toEqual(first);
      expect(await nodes.c!.send('shop-12', { incident: 'inc-1' }, 'req-1')).toEqual(first);
      // On the owner itself it runs there, without Redis round trips, and once too.
      expect(await nodes.b!.send('shop-12', { incident: 'inc-2' }, 'req-2')).toEqual({ ok: true, ranOn: 'b', incident: 'inc-2', run: 2 });
      expect(await nodes.b!.send('shop-12', { incident: 'inc-2' }, 'req-2')).toMatchObject({ run: 2 });
      // Two replicas send the same request at the same moment: one run, both get its answer.
      const [x, y] = await Promise.all([nodes.a!.send('shop-12', { incident: 'inc-3' }, 'req-3'), nodes.c!.send('shop-12', { incident: 'inc-3' }, 'req-3')]);
      expect(runs.filter((r) => r.requestId === 'req-3')).toHaveLength(1);
      // One of the two may come while the first still runs on the owner: it joins that run.
      expect(x).toEqual(y);
      expect(runs.map((r) => r.requestId)).toEqual(['req-1', 'req-2', 'req-3']);
      expect(runs.every((r) => r.on === 'b')).toBe(true);
    } finally {
      await Promise.all(Object.values(nodes).map((n) => n.stop()));
    }
  });

  it('an owner that lost the site while running answers owner_changed and keeps no answer: the same request id then runs on the next owner', async () => {
    const views = same('b');
    const { nodes, runs } = cluster(['a', 'b', 'c'], views, { lose: new Set(['b']), fail: new Set(['c']) });
    await Promise.all(Object.values(nodes).map((n) => n.start()));
    try {
      expect(await nodes.a!.send('shop-12', { incident: 'inc-1' }, 'req-lost')).toMatchObject({ ok: false, code: 'owner_changed' });
      // Asked again before the leases moved: b runs it again (no stored answer, the claim given back), and refuses again.
      expect(await nodes.c!.send('shop-12', { incident: 'inc-1' }, 'req-lost')).toMatchObject({ ok: false, code: 'owner_changed' });
      expect(runs.map((r) => r.on)).toEqual(['b', 'b']);
      // The site moves to a: the same request id, retried at c, runs there once and its answer is kept.
      for (const v of Object.values(views)) v['shop-12'] = 'a';
      const ran = await nodes.c!.send('shop-12', { incident: 'inc-1' }, 'req-lost');
      expect(ran).toEqual({ ok: true, ranOn: 'a', incident: 'inc-1', run: 3 });
      expect(await nodes.b!.send('shop-12', { incident: 'inc-1' }, 'req-lost')).toEqual(ran);
      expect(runs).toHaveLength(3);
      // Any other failure is an answer like any other: kept under the id (the command may have run), never run twice.
      for (const v of Object.values(views)) v['shop-12'] = 'c';
      expect(await nodes.a!.send('shop-12', { incident: 'inc-2' }, 'req-failed')).toMatchObject({ ok: false, code: 'internal' });
      for (const v of Object.values(views)) v['shop-12'] = 'a';
      expect(await nodes.b!.send('shop-12', { incident: 'inc-2' }, 'req-failed')).toMatchObject({ ok: false, code: 'internal' });
      expect(runs.map((r) => r.on)).toEqual(['b', 'b', 'a', 'c']);
    } finally {
      await Promise.all(Object.values(nodes).map((n) => n.stop()));
    }
  });

  it('an owner that is gone answers owner_unreachable at once; a silent one when the timeout ends', async () => {
    const { nodes, runs } = cluster(
      ['a', 'b', 'c'],
      { a: { 'shop-12': 'b', 'shop-7': 'c' }, b: { 'shop-12': 'b' }, c: { 'shop-7': 'c' } },
      { timeoutMs: 1_500, hang: new Set(['c']) },
    );
    await Promise.all(Object.values(nodes).map((n) => n.start()));
    try {
      await nodes.b!.stop(); // b crashed: its lease has not moved yet, but nobody listens on its channel
      const gone = await nodes.a!.send('shop-12', { incident: 'inc-1' });
      expect(gone).toMatchObject({ ok: false, code: 'owner_unreachable' });
      expect((gone as { error: string }).error).toMatch(/not listening/);

      const started = Date.now();
      const silent = await nodes.a!.send('shop-7', { incident: 'inc-9' });
      expect(silent).toMatchObject({ ok: false, code: 'owner_unreachable' });
      expect((silent as { error: string }).error).toMatch(/did not answer within 1500 ms/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
      expect(runs).toEqual([{ on: 'c', requestId: expect.any(String) }]);
      // No owner at all (a partition between two holders): refused at once, not sent anywhere.
      expect(await nodes.a!.send('shop-99', { incident: 'inc-0' })).toMatchObject({
        code: 'owner_unreachable',
        error: expect.stringMatching(/no replica owns/),
      });
    } finally {
      await Promise.all([nodes.a!.stop(), nodes.c!.stop()]);
    }
  });

  it('a replica that no longer owns the site says so and the sender follows the new owner', async () => {
    // a still believes b owns shop-12; b has given it to c (b's and c's views are newer).
    const views: Views = { a: { 'shop-12': 'b' }, b: { 'shop-12': 'c' }, c: { 'shop-12': 'c' } };
    const { nodes, runs } = cluster(['a', 'b', 'c'], views);
    await Promise.all(Object.values(nodes).map((n) => n.start()));
    try {
      const pending = nodes.a!.send('shop-12', { incident: 'inc-4' }, 'req-4');
      // a looks the owner up again after b's "moved": by then its lease survey says c.
      views.a!['shop-12'] = 'c';
      expect(await pending).toMatchObject({ ok: true, ranOn: 'c' });
      expect(runs).toEqual([{ on: 'c', requestId: 'req-4' }]);
    } finally {
      await Promise.all(Object.values(nodes).map((n) => n.stop()));
    }
  });

  it('an owner that moved on while the sender still names it: not run anywhere, answered owner_changed (retryable)', async () => {
    // b gave shop-12 to c, but a's lease survey still says b on both of its looks.
    const views: Views = { a: { 'shop-12': 'b' }, b: { 'shop-12': 'c' }, c: { 'shop-12': 'c' } };
    const { nodes, runs } = cluster(['a', 'b', 'c'], views);
    await Promise.all(Object.values(nodes).map((n) => n.start()));
    try {
      expect(await nodes.a!.send('shop-12', { incident: 'inc-6' }, 'req-6')).toMatchObject({
        ok: false,
        code: 'owner_changed',
        error: expect.stringMatching(/not run/),
      });
      expect(runs).toEqual([]);
      // The next press, once a's survey has caught up, runs once on the new owner.
      views.a!['shop-12'] = 'c';
      expect(await nodes.a!.send('shop-12', { incident: 'inc-6' }, 'req-6')).toMatchObject({ ok: true, ranOn: 'c' });
      expect(runs).toEqual([{ on: 'c', requestId: 'req-6' }]);
    } finally {
      await Promise.all(Object.values(nodes).map((n) => n.stop()));
    }
  });

  it('junk published on a replica channel is counted and ignored', async () => {
    const { nodes, prefix } = cluster(['a', 'b'], { a: { 'shop-12': 'b' }, b: { 'shop-12': 'b' } });
    await Promise.all(Object.values(nodes).map((n) => n.start()));
    const raw = new Redis(redis.url);
    try {
      await raw.publish(`${prefix}b`, 'not json');
      await raw.publish(`${prefix}b`, JSON.stringify({ t: 'req', id: 5 }));
      await expect.poll(() => nodes.b!.stats.badMessages).toBe(2);
      expect(await nodes.a!.send('shop-12', { incident: 'inc-5' })).toMatchObject({ ok: true, ranOn: 'b' });
    } finally {
      raw.disconnect();
      await Promise.all(Object.values(nodes).map((n) => n.stop()));
    }
  });
});

describe('giving a site up while one of its commands runs', () => {
  it('drain waits for the running command of that site (and not for other sites)', async () => {
    let finish!: () => void;
    const order: string[] = [];
    const views = { a: { 'shop-12': 'b', 'shop-7': 'b' }, b: { 'shop-12': 'b', 'shop-7': 'b' } };
    const prefix = `safegrid:drain${Date.now().toString(36)}:`;
    const make = (id: 'a' | 'b') =>
      new Forwarder<{ incident: string }, Ack>({
        redisUrl: redis.url,
        replicaId: id,
        prefix,
        ownerOf: (site) => (views[id] as Record<string, string>)[site] ?? null,
        execute: async (r) => {
          order.push(`start ${r.command.incident}`);
          if (r.command.incident === 'slow') await new Promise<void>((ok) => (finish = ok));
          order.push(`end ${r.command.incident}`);
          return { ok: true, ranOn: id, incident: r.command.incident, run: 0 };
        },
      });
    const a = make('a');
    const b = make('b');
    await Promise.all([a.start(), b.start()]);
    try {
      const slow = a.send('shop-12', { incident: 'slow' });
      await expect.poll(() => order).toEqual(['start slow']);
      // b gives shop-7 up: nothing of shop-7 runs, so that drain ends at once.
      await b.drain((site) => site === 'shop-7');
      order.push('shop-7 drained');
      const drained = b.drain((site) => site === 'shop-12').then(() => order.push('shop-12 drained'));
      expect(await a.send('shop-7', { incident: 'quick' })).toMatchObject({ ok: true });
      expect(order).toEqual(['start slow', 'shop-7 drained', 'start quick', 'end quick']);
      finish();
      expect(await slow).toMatchObject({ ok: true, ranOn: 'b', incident: 'slow' });
      await drained;
      expect(order.slice(-2)).toEqual(['end slow', 'shop-12 drained']);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe('forwarding while Redis is down', () => {
  it('refuses without running anything, and once Redis is back the retried request runs once', async () => {
    const own = await startRedis();
    const { nodes, runs } = cluster(['a', 'b'], { a: { 'shop-12': 'b' }, b: { 'shop-12': 'b' } }, { redisUrl: own.url });
    try {
      await Promise.all(Object.values(nodes).map((n) => n.start()));
      await own.stop();
      // At a non-owner: nothing to forward through. At the owner: it cannot record the request id, so it does not run it.
      expect(await nodes.a!.send('shop-12', { incident: 'inc-6' }, 'req-6')).toMatchObject({
        code: 'owner_unreachable',
        error: expect.stringMatching(/Redis/),
      });
      expect(await nodes.b!.send('shop-12', { incident: 'inc-6' }, 'req-6')).toMatchObject({
        code: 'owner_unreachable',
        error: expect.stringMatching(/Redis/),
      });
      expect(runs).toEqual([]);
      await own.start();
      await expect.poll(async () => (await nodes.a!.send('shop-12', { incident: 'inc-6' }, 'req-6')).ok).toBe(true);
      expect(await nodes.b!.send('shop-12', { incident: 'inc-6' }, 'req-6')).toMatchObject({ ok: true, ranOn: 'b', run: 1 });
      expect(runs).toEqual([{ on: 'b', requestId: 'req-6' }]);
    } finally {
      await Promise.all(Object.values(nodes).map((n) => n.stop()));
      await own.destroy();
    }
  });
});

describe('forwarding with owners from the partition leases', () => {
  it(
    'three replicas: the lease owner runs the command wherever it arrives; when it dies another takes over, and a retry of ' + 'what it ran is not run again',
    async () => {
      const url = await leaseDatabase();
      const prefix = `safegrid:lease${Date.now().toString(36)}:`;
      const runs: Array<{ on: string; requestId: string; owned: boolean }> = [];
      const replicas = ['hub-a', 'hub-b', 'hub-c'].map((id) => {
        const locks = new PgPartitionLocks({ url, replicaId: id });
        const leases = new LeaseManager({ locks, clock: systemClock, intervalMs: 150 });
        const fwd = new Forwarder<{ incident: string }, Ack>({
          redisUrl: redis.url,
          replicaId: id,
          prefix,
          timeoutMs: 10_000,
          ownerOf: (site) => leases.ownerOf(site),
          execute: async (r) => {
            runs.push({ on: id, requestId: r.requestId, owned: leases.owns(r.siteId) });
            return { ok: true, ranOn: id, incident: r.command.incident, run: runs.length };
          },
        });
        // The shell's part: before a partition is given up, what runs for its sites finishes.
        leases.on('releasing', (ps) => fwd.drain((site) => ps.includes(partitionOf(site))));
        return { id, locks, leases, fwd };
      });
      try {
        await Promise.all(replicas.map((r) => r.fwd.start()));
        for (const r of replicas) r.leases.start();
        const site = 'shop-zs-0012';
        // Wait until the shares have settled (a replica that started first took everything and gives
        // some up as the others appear), then every replica knows the same owner.
        await expect.poll(() => replicas.map((r) => r.leases.status().held.length).every((n) => n >= 21 && n <= 22)).toBe(true);
        await expect
          .poll(() => replicas.every((r) => r.leases.ownerOf(site) !== null && r.leases.ownerOf(site) === replicas[0]!.leases.ownerOf(site)))
          .toBe(true);
        const ownerId = replicas[0]!.leases.ownerOf(site)!;
        const owner = replicas.find((r) => r.id === ownerId)!;
        const others = replicas.filter((r) => r !== owner);
        for (const r of others) {
          expect(await r.fwd.send(site, { incident: 'inc-1' }, `req-via-${r.id}`)).toMatchObject({ ok: true, ranOn: ownerId });
        }
        expect(runs.every((r) => r.on === ownerId && r.owned)).toBe(true);

        // The owner dies: its Redis subscription and its lock session go.
        await owner.fwd.stop();
        (owner.locks as unknown as { client: pg.Client }).client.connection.stream.destroy();
        await owner.leases.stop();
        const [x, y] = others as [(typeof replicas)[0], (typeof replicas)[0]];
        // Until the leases move a command answers owner_unreachable (at once: nobody listens); then the new owner runs it.
        await expect
          .poll(async () => {
            const answer = await x.fwd.send(site, { incident: 'inc-1' });
            return answer.ok ? (answer as Ack).ranOn : (answer as { code: string }).code;
          })
          .toMatch(/^hub-/);
        const newOwner = x.leases.ownerOf(site);
        expect(newOwner).not.toBe(ownerId);
        expect(runs.at(-1)).toMatchObject({ on: newOwner, owned: true });
        // A console retries the request the dead owner ran (at y, once y's survey has seen the new
        // owner too; until then y answers owner_unreachable): the new owner does not run it again.
        await expect.poll(() => y.leases.ownerOf(site)).toBe(newOwner);
        const before = runs.length;
        expect(await y.fwd.send(site, { incident: 'inc-1' }, `req-via-${x.id}`)).toMatchObject({ ok: true, ranOn: ownerId });
        expect(runs.length).toBe(before);
      } finally {
        await Promise.all(replicas.map((r) => r.fwd.stop()));
        await Promise.all(replicas.map((r) => r.leases.stop()));
      }
    },
  );
});
