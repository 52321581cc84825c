/**
 * Partition leases on a real PostgreSQL: three replicas share the 64 partitions, one loses its
 * session (backend terminated by PostgreSQL, or its socket destroyed), the other two take its share,
 * and it gets a share back when it rejoins.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseManager, type Timers } from '../../src/cluster/lease-manager.js';
import { systemClock } from '../../src/core/clock.js';
import { PgPartitionLocks } from '../../src/store/postgres/partition-locks.js';
import { type PostgresServer, startPostgres } from '../helpers/postgres.js';
import { migratePostgres } from '../../src/store/postgres/migrate.js';

const P = 64;
let server: PostgresServer;

/** A database with SafeGrid's schema: every lease acquire bumps its partition's epoch (migration 003). */
async function leaseDatabase(): Promise<string> {
  const url = await server.createDatabase();
  const pool = new pg.Pool({ connectionString: url });
  try {
    await migratePostgres(pool);
  } finally {
    await pool.end();
  }
  return url;
}

beforeAll(async () => {
  server = await startPostgres({ fsync: false });
});
afterAll(async () => {
  await server?.destroy();
});

interface Replica {
  id: string;
  locks: PgPartitionLocks;
  manager: LeaseManager;
  /** What the replica acts as owner of, as its handlers learnt it. */
  owned: Set<number>;
  lost: string[];
}

function replica(url: string, id: string, queryTimeoutMs = 10_000): Replica {
  const locks = new PgPartitionLocks({ url, replicaId: id, queryTimeoutMs });
  const manager = new LeaseManager({ locks, clock: systemClock, partitions: P, intervalMs: 150 });
  const r: Replica = { id, locks, manager, owned: new Set(), lost: [] };
  manager.on('acquired', (ps) => {
    for (const p of ps) {
      // A partition announced twice without a release in between would be a bug of the manager.
      expect(r.owned.has(p)).toBe(false);
      r.owned.add(p);
    }
  });
  manager.on('released', (ps) => {
    for (const p of ps) r.owned.delete(p);
  });
  manager.on('lost', ({ reason, partitions }) => {
    r.lost.push(reason);
    expect(new Set(partitions)).toEqual(r.owned);
    r.owned.clear();
  });
  return r;
}

/** Partitions held per replica id, from PostgreSQL's lock table (an independent connection). */
async function holders(url: string): Promise<Map<number, string[]>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ app: string; key: string }>(
      `SELECT a.application_name AS app, l.objid::bigint AS key FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = $1`,
      [0x5347_0001],
    );
    const m = new Map<number, string[]>();
    for (const row of r.rows) m.set(Number(row.key), [...(m.get(Number(row.key)) ?? []), row.app]);
    return m;
  } finally {
    await c.end();
  }
}

function sizes(rs: Replica[]): number[] {
  return rs.map((r) => r.owned.size);
}

/**
 * The shares have settled: each replica holds its fair share (sorted sizes as given), what each
 * replica's handlers were told is exactly what PostgreSQL says it holds, and all P are held once.
 */
async function settled(url: string, rs: Replica[], shares: number[]): Promise<boolean> {
  if (JSON.stringify([...sizes(rs)].sort((a, b) => a - b)) !== JSON.stringify(shares)) return false;
  const table = await holders(url);
  if (table.size !== P || [...table.values()].some((apps) => apps.length !== 1)) return false;
  return rs.every((r) => {
    const inPg = [...table].filter(([, apps]) => apps[0] === `safegrid:${r.id}`).map(([p]) => p);
    return inPg.length === r.owned.size && inPg.every((p) => r.owned.has(p));
  });
}

describe('partition leases over PostgreSQL advisory locks', () => {
  it('three replicas share 64 partitions, a lost one is taken over by the others, and it gets its share back', async () => {
    const url = await leaseDatabase();
    const rs = ['hub-a', 'hub-b', 'hub-c'].map((id) => replica(url, id));
    try {
      for (const r of rs) r.manager.start();
      // Each holds about 64/3 (21, 21, 22), all 64 are held, none twice, and each replica's handlers
      // were told exactly what PostgreSQL says it holds.
      await expect.poll(() => settled(url, rs, [21, 21, 22])).toBe(true);
      expect(new Set(rs.flatMap((r) => [...r.owned])).size).toBe(P);
      // Every replica answers the same owner for a site.
      await expect.poll(() => new Set(rs.map((r) => r.manager.ownerOf('shop-zs-0012'))).size).toBe(1);

      // 1. PostgreSQL terminates hub-a's backend (what an admin or a dead TCP peer does).
      const [a, b, c] = rs as [Replica, Replica, Replica];
      const aHeld = a.owned.size;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'safegrid:hub-a'`);
      await admin.end();
      // hub-a learns at once (the socket closes) and acts as owner of nothing.
      await expect.poll(() => a.lost.length).toBe(1);
      expect(a.owned.size).toBe(0);
      expect(a.manager.owns('shop-zs-0012')).toBe(false);
      expect(aHeld).toBeGreaterThan(0);
      // hub-a reconnects next round and rejoins; in the end the three share again, all held, none twice.
      await expect.poll(() => settled(url, rs, [21, 21, 22])).toBe(true);

      // 2. hub-b stops for good (its socket destroyed, as a crash would): the other two hold all 64.
      b.manager.on('lost', () => {
        void b.manager.stop();
      });
      (b.locks as unknown as { client: pg.Client }).client.connection.stream.destroy();
      await expect.poll(() => b.lost.length).toBe(1);
      await expect.poll(() => settled(url, [a, c], [32, 32])).toBe(true);
      const after = await holders(url);
      expect(after.size).toBe(P);
      expect([...after.values()].flat().every((app) => app !== 'safegrid:hub-b')).toBe(true);
      expect(new Set([...a.owned, ...c.owned]).size).toBe(P);

      // 3. A new hub-b joins: the others give up partitions above their new share, and it gets its own.
      const b2 = replica(url, 'hub-b');
      rs[1] = b2;
      b2.manager.start();
      await expect.poll(() => settled(url, rs, [21, 21, 22])).toBe(true);
      // The checks inside the handlers (no partition announced twice, lost = what was owned) all held.
      expect(rs.map((r) => r.manager.handlerErrors)).toEqual([0, 0, 0]);
      expect(a.manager.handlerErrors + b.manager.handlerErrors).toBe(0);
    } finally {
      await Promise.all(rs.map((r) => r.manager.stop()));
    }
  });

  it('refuses a second live replica with the same id', async () => {
    const url = await leaseDatabase();
    const first = new PgPartitionLocks({ url, replicaId: 'hub-x' });
    const twin = new PgPartitionLocks({ url, replicaId: 'hub-x' });
    await first.connect();
    try {
      await expect(twin.connect()).rejects.toThrow(/already uses the id hub-x/);
      expect(await first.tryAcquire(3)).toBe(true);
      expect(await first.tryAcquire(3)).toBe(true);
      const other = new PgPartitionLocks({ url, replicaId: 'hub-y' });
      await other.connect();
      expect(await other.tryAcquire(3)).toBe(false);
      // One release frees it even though it was asked for twice (session locks stack; the port does not).
      await first.release(3);
      expect(await other.tryAcquire(3)).toBe(true);
      expect((await first.survey()).owners.get(3)).toBe('hub-y');
      await other.close();
    } finally {
      await first.close();
    }
  });

  it('a replica that cannot stop acting for its partitions keeps them rather than hand them over', async () => {
    const url = await leaseDatabase();
    const a = replica(url, 'hub-a');
    let canDrop = false;
    a.manager.on('releasing', () => {
      if (!canDrop) throw new Error('write-behind not flushed');
    });
    const b = replica(url, 'hub-b');
    try {
      a.manager.start();
      await expect.poll(() => a.owned.size).toBe(P);
      b.manager.start();
      // b is live (a sees two replicas) but a refuses to give anything up: b gets nothing, none is held twice.
      await expect.poll(() => a.manager.status().replicas).toEqual(['hub-a', 'hub-b']);
      await expect.poll(() => a.manager.handlerErrors).toBeGreaterThanOrEqual(2);
      expect(a.owned.size).toBe(P);
      expect(b.owned.size).toBe(0);
      expect((await holders(url)).size).toBe(P);
      // Once a can drop sites, they share.
      canDrop = true;
      await expect.poll(() => [a.owned.size, b.owned.size]).toEqual([32, 32]);
    } finally {
      await Promise.all([a.manager.stop(), b.manager.stop()]);
    }
  });

  it('an owner whose PostgreSQL stops answering gives up at its query deadline, before PostgreSQL frees its locks to another', async () => {
    const url = await leaseDatabase();
    const a = replica(url, 'hub-a', 1_000);
    const b = replica(url, 'hub-b');
    const timeline: string[] = [];
    a.manager.on('lost', () => {
      timeline.push('a lost');
    });
    b.manager.on('acquired', (ps) => {
      timeline.push(`b acquired ${ps.length}`);
    });
    let frozen: number | null = null;
    try {
      a.manager.start();
      await expect.poll(() => a.owned.size).toBe(P);
      // The server side of a's lock session hangs (SIGSTOP of its backend): a's next survey gets no answer.
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      const pid = (await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = 'safegrid:hub-a'`)).rows[0]!.pid;
      await admin.end();
      process.kill(pid, 'SIGSTOP');
      frozen = pid;
      await expect.poll(() => a.lost.length).toBe(1);
      expect(a.manager.owns('shop-zs-0012')).toBe(false);
      expect(a.lost[0]).toMatch(/lock query failed/);
      // PostgreSQL still holds a's locks (its backend is alive, only frozen): b starts but gets none,
      // and a cannot come back under its id while its old session lives.
      b.manager.start();
      await expect.poll(() => b.manager.status().replicas).toEqual(['hub-a', 'hub-b']);
      expect(b.owned.size).toBe(0);
      // The backend wakes, finds its client gone and ends: its locks are freed and taken.
      process.kill(pid, 'SIGCONT');
      frozen = null;
      await expect.poll(() => settled(url, [a, b], [32, 32])).toBe(true);
      // a had stopped acting as owner before b could take any of its partitions.
      expect(timeline[0]).toBe('a lost');
    } finally {
      if (frozen !== null) process.kill(frozen, 'SIGCONT');
      await Promise.all([a.manager.stop(), b.manager.stop()]);
    }
  });

  it('rounds run on the injected timer: the first at once, then every interval with its jitter', async () => {
    const url = await leaseDatabase();
    const waits: number[] = [];
    const due: Array<() => void> = [];
    const timers: Timers = {
      set: (fn, ms) => {
        waits.push(ms);
        due.push(fn);
        return due.length;
      },
      clear: () => undefined,
    };
    const randoms = [0, 1, 0.5];
    const locks = new PgPartitionLocks({ url, replicaId: 'hub-t' });
    const manager = new LeaseManager({
      locks,
      clock: systemClock,
      partitions: P,
      intervalMs: 1_000,
      jitter: 0.2,
      timers,
      random: () => randoms.shift() ?? 0.5,
    });
    const acquired: number[][] = [];
    manager.on('acquired', (ps) => {
      acquired.push(ps);
    });
    try {
      manager.start();
      expect(waits).toEqual([0]);
      // Nothing happens until the timer fires: the loop has no clock of its own.
      expect(acquired).toEqual([]);
      for (let i = 0; i < 3; i++) {
        due.shift()!();
        await expect.poll(() => waits.length).toBe(i + 2);
      }
      expect(acquired.map((a) => a.length)).toEqual([P]);
      // interval × (1 ± jitter × (2·random − 1)): 800 for random 0, 1200 for 1, 1000 for 0.5.
      expect(waits).toEqual([0, 800, 1200, 1000]);
      expect(manager.status()).toMatchObject({ replicaId: 'hub-t', connected: true, replicas: ['hub-t'], lostCount: 0 });
      expect(manager.status().held).toHaveLength(P);
    } finally {
      await manager.stop();
    }
  });
});
