/**
 * Replica duties (issue 18): two hubs in this process on one PostgreSQL database and one Redis,
 * each its own MQTT listener and HTTP port. What must happen once across replicas happens once (a
 * guard alert, the outbox claimed row by row), and what one replica changes steers the other (a
 * drill started on A flags an alarm stored by B; a device heard on A is not called offline by B).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Drill } from '../../src/contract/drill.js';
import { ManualClock } from '../../src/core/clock.js';
import { nativeEvent, nativeStatus } from '../../src/simulate/payloads.js';
import { runAuditCommand } from '../../src/store/audit-command.js';
import { openPostgresStore, type Store } from '../../src/store/index.js';
import { startTestHub, type TestHub, waitFor } from '../helpers/hub.js';
import { type NotifyServer, notifyEnv, notifyYaml, startNotifyServer } from '../helpers/notify-server.js';
import { POSTGRES_BIN_DIR, type PostgresServer, startPostgres } from '../helpers/postgres.js';
import { REDIS_BIN, type RedisServer, startRedis } from '../helpers/redis.js';
import { HUB_YAML, makeTree } from '../helpers/tree.js';

/** 2026-12-03 10:00 in Asia/Shanghai: daytime, so nothing about the hour matters. */
const T0 = Date.parse('2026-12-03T02:00:00Z');

let pgServer: PostgresServer;
let redis: RedisServer;
let notify: NotifyServer;
let url: string;
let db: pg.Client;
const clock = new ManualClock(T0);
const hubs: TestHub[] = [];

function replicaYaml(replicaId: string): string {
  return (
    `${HUB_YAML.replace('storage:\n  path: data/test.db\n', `storage:\n  path: data/test.db\n  backend: postgres\n  url: ${url}\n`)}cluster:\n` +
    `  redis_url: ${redis.url}\n  replica_id: ${replicaId}\n${notifyYaml()}`
  );
}

/** A site nobody but the liveness test hears: its panel's silence is the sign that supervision passes ran. */
const MARK_C_PASS = 'pw-mark-c-Yt6rE2';
const MARK_C_YAML = `site:
  id: mark-c
  name: 标记点
  kind: shop
  address: 钟山区明湖路14号
  door_plate: 明湖路14号
  contacts: [{ name: 张店主, phone: "13800000002" }]
  location: [26.596, 104.836]
  mqtt: { username: mark-c, password_env: MARK_C_PASS }
devices:
  - id: mark-c-panel
    profile: native
    topic: safegrid/mark-c/mark-c-panel
    heartbeat: 60s
    zones:
      1: { name: 前门, type: entry }
`;

async function replica(id: string): Promise<TestHub> {
  const tree = makeTree({ 'mark-c.yaml': MARK_C_YAML });
  tree.write('config/hub.yaml', replicaYaml(id));
  const t = await startTestHub({ tree, clock, env: { ...notifyEnv(notify), MARK_C_PASS }, livenessCheckMs: 100 });
  hubs.push(t);
  return t;
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  return Number((await db.query<{ n: string }>(sql, params)).rows[0]!.n);
}

describe.skipIf(!POSTGRES_BIN_DIR || !REDIS_BIN)('replica duties on PostgreSQL and Redis', () => {
  let a: TestHub;
  let b: TestHub;

  beforeAll(async () => {
    [pgServer, redis, notify] = await Promise.all([startPostgres({ fsync: false }), startRedis(), startNotifyServer()]);
    url = await pgServer.createDatabase();
    db = new pg.Client({ connectionString: url });
    a = await replica('duty-a');
    b = await replica('duty-b');
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    for (const t of hubs) await t.close().catch(() => undefined);
    await db?.end().catch(() => undefined);
    await notify?.close();
    await redis?.destroy();
    await pgServer?.destroy();
  });

  it('the outbox is claimed row by row: two stores claiming at once never take the same row', async () => {
    const stores: Store[] = await Promise.all([openPostgresStore({ url, poolSize: 4 }), openPostgresStore({ url, poolSize: 4 })]);
    try {
      const rows = Array.from({ length: 60 }, (_, i) => ({
        incidentId: `claim-test-${i}`,
        channelId: 'hc-sms',
        guardGroup: 'hecheng-team',
        payload: '{}',
        nextAttemptMs: T0 - 1_000_000,
        createdMs: T0 - 1_000_000,
      }));
      await stores[0]!.transaction(() => stores[0]!.outbox.enqueue(rows));
      // Both replicas' senders pump at once, in small batches, until nothing is due.
      const taken = await Promise.all(
        stores.map(async (s) => {
          const mine: string[] = [];
          for (;;) {
            const batch = await s.outbox.claimDue(T0 - 1_000, 7, 300_000);
            if (batch.length === 0) return mine;
            mine.push(...batch.map((r) => r.key));
          }
        }),
      );
      const all = taken.flat();
      expect(all.length).toBe(60);
      expect(new Set(all).size).toBe(60);
      // A claimed row is not due again until its lease runs out (the claimer died mid-send).
      expect(await stores[0]!.outbox.claimDue(T0 - 1_000, 100, 300_000)).toEqual([]);
      expect((await stores[1]!.outbox.claimDue(T0 - 1_000 + 300_001, 100, 300_000)).length).toBe(60);
      for (const r of await db.query<{ id: string }>(`SELECT id FROM notification_outbox WHERE incident_id LIKE 'claim-test-%'`).then((q) => q.rows)) {
        await stores[0]!.outbox.markFailed(Number(r.id), 1, 'test row');
      }
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('a guard alert of an alarm at A goes out once per channel while both replicas send from the one outbox', async () => {
    const device = await a.deviceAs('shop-a-panel');
    const m = nativeEvent('safegrid/shop-a/shop-a-panel', 'intrusion', 2, 'dup-alert-1');
    await device.publishAsync(m.topic, m.payload, { qos: 1 });
    const smsRefs = (): string[] => notify.accepted('sms').map((r) => String(r.body.ref));
    // Only the rows marked sent: the clock jump below is longer than a claim's lease, so a row still
    // between its send and its markSent would be due again (a sender that died mid-send).
    const keys = async (msgId: string): Promise<string[]> =>
      (
        await db.query<{ key: string }>(
          `SELECT DISTINCT o.key FROM notification_outbox o JOIN events e ON e.incident_id = o.incident_id
           WHERE e.dedupe_key LIKE $1 AND o.channel_id = 'hc-sms' AND o.status = 'sent'`,
          [`%${msgId}%`],
        )
      ).rows.map((r) => r.key);
    const first = await waitFor(async () => {
      const k = await keys('dup-alert-1');
      return k.length === 1 && smsRefs().includes(k[0]!) ? k[0]! : null;
    });
    // The positive marker after which a duplicate would have shown: a second alarm's alert, sent
    // after the first's on the same channel (a channel's rows go out oldest first).
    clock.advance(10 * 60_000); // a new incident, not a join
    const m2 = nativeEvent('safegrid/shop-a/shop-a-panel', 'panic', 3, 'dup-alert-2');
    await device.publishAsync(m2.topic, m2.payload, { qos: 1 });
    const second = await waitFor(async () => {
      const k = await keys('dup-alert-2');
      return k.length === 1 && smsRefs().includes(k[0]!) ? k[0]! : null;
    });
    expect(smsRefs().filter((r) => r === first)).toHaveLength(1);
    expect(smsRefs().filter((r) => r === second)).toHaveLength(1);
    await device.endAsync(true);
  });

  it('a drill started on A flags an alarm that B stores', async () => {
    const op = await a.login('admin');
    const r = await op.post('/api/drills', { sites: ['home-b'], durationSeconds: 1800, name: '跨副本演练' });
    expect(r.ok).toBe(true);
    const drill = (await r.json()) as Drill;
    expect(drill.siteIds).toEqual(['home-b']);
    // The notice reaches B, which reads the drill from the store (its 10 s reload is only the safety net).
    await waitFor(() => b.hub.drills.isDrill('home-b', 'ps-minghu', clock.now()));
    const device = await b.deviceAs('home-b');
    const m = nativeEvent('safegrid/home-b/home-b-panel', 'intrusion', 1, 'drill-at-b');
    await device.publishAsync(m.topic, m.payload, { qos: 1 });
    // The PUBACK came after B committed the event: it is in the store, flagged as a drill.
    const row = await db.query<{ drill: number }>(`SELECT drill FROM events WHERE dedupe_key LIKE '%drill-at-b%'`);
    expect(row.rows).toEqual([{ drill: 1 }]);
    await device.endAsync(true);
  });
  it('a device that moved to the replica not owning its site is not called offline by the owner; once silent, the owner alone calls it offline', async () => {
    // The leases settle: each replica holds some partitions and both agree who owns shop-a and mark-c.
    await waitFor(() => {
      const [ra, rb] = [a.hub.role, b.hub.role];
      return ['shop-a', 'mark-c'].every((site) => ra.ownerOf(site) !== null && ra.ownerOf(site) === rb.ownerOf(site)) && ra.ownerOf('shop-a') !== undefined;
    });
    const owner = a.hub.role.owns('shop-a') ? a : b;
    const other = owner === a ? b : a;
    // The panel (heartbeat 60 s in the test tree) talks to the owner first, then moves to the other
    // replica (a load balancer's reshuffle). The marker site's panel is heard once, at the other.
    const atOwner = await owner.deviceAs('shop-a-panel');
    const beat = async (device: Awaited<ReturnType<TestHub['device']>>): Promise<void> => {
      const m = nativeStatus('safegrid/shop-a/shop-a-panel', 'online');
      await device.publishAsync(m.topic, m.payload, { qos: 1 });
    };
    // The panel was heard in the guard-alert test and may have been called offline since (the clock
    // jumped 10 minutes). Such an offline is stamped at or before this beat's time, however late the
    // owner's pass runs (after the beat, the owner's memory has it heard): only what comes after counts.
    await beat(atOwner);
    await atOwner.endAsync(true);
    clock.advance(1_000);
    const t1 = clock.now();
    const marker = await other.device({ clientId: 'mark-c-1', username: 'mark-c', password: MARK_C_PASS });
    const m = nativeStatus('safegrid/mark-c/mark-c-panel', 'online');
    await marker.publishAsync(m.topic, m.payload, { qos: 1 });
    const atOther = await other.deviceAs('shop-a-panel');
    clock.advance(65_000);
    await beat(atOther);
    clock.advance(65_000);
    await beat(atOther);
    // The owner's memory says the panel is silent for 130 s, past 60 s + 5 s grace + 60 s last-seen
    // lag; the shared row says the other replica heard it now. The marker panel really is silent
    // (and its owner may never have heard it): its offline event is the sign the passes ran now.
    await waitFor(async () => (await count(`SELECT count(*) AS n FROM events WHERE site_id = 'mark-c' AND kind = 'trouble.offline'`)) > 0);
    expect(await count(`SELECT count(*) AS n FROM events WHERE site_id = 'shop-a' AND kind = 'trouble.offline' AND received_ms >= $1`, [t1])).toBe(0);
    // Now the panel goes silent: called offline once its silence passes 125 s, by the owner only.
    clock.advance(126_000);
    await waitFor(
      async () => (await count(`SELECT count(*) AS n FROM events WHERE site_id = 'shop-a' AND kind = 'trouble.offline' AND received_ms >= $1`, [t1])) > 0,
    );
    // A later marker: the second pass of both replicas after the silence (a second raise would be in by then).
    clock.advance(1_000);
    const mk2 = nativeStatus('safegrid/mark-c/mark-c-panel', 'online');
    await marker.publishAsync(mk2.topic, mk2.payload, { qos: 1 });
    const rows = await db.query<{ received_ms: string }>(
      `SELECT received_ms FROM events WHERE site_id = 'shop-a' AND kind = 'trouble.offline' AND received_ms >= $1`,
      [t1],
    );
    expect(rows.rows.map((r) => Number(r.received_ms))).toEqual([t1 + 130_000 + 126_000]);
    expect(await count(`SELECT count(*) AS n FROM events WHERE site_id = 'mark-c' AND kind = 'trouble.offline'`)).toBe(1);
    await atOther.endAsync(true);
    await marker.endAsync(true);
  });

  it('safegrid audit verify reads the shared PostgreSQL audit trail of a replica tree, and finds a row changed there', async () => {
    const said: string[] = [];
    const out = (...args: unknown[]) => said.push(args.join(' '));
    const log = vi.spyOn(console, 'log').mockImplementation(out);
    const err = vi.spyOn(console, 'error').mockImplementation(out);
    try {
      const rows = await count('SELECT count(*) AS n FROM audit');
      expect(rows).toBeGreaterThan(0); // the drill's start, at least
      expect(await runAuditCommand({ root: a.tree.root, positionals: ['verify'] })).toBe(0);
      // Incidents of earlier alarms may still be adding rows: at least those counted before.
      const intact = /audit trail intact: (\d+) rows/.exec(said.join('\n'));
      expect(Number(intact?.[1])).toBeGreaterThanOrEqual(rows);
      expect(said.join('\n')).not.toContain('safegrid@'); // the URL is named without its user
      // A tamperer with the database owner's rights gets past the append-only trigger.
      await db.query('ALTER TABLE audit DISABLE TRIGGER USER');
      await db.query(`UPDATE audit SET note = 'rewritten' WHERE seq = 1`);
      expect(await runAuditCommand({ root: b.tree.root, positionals: ['verify'] })).toBe(1);
      expect(said.at(-1)).toMatch(/audit trail BROKEN at row 1/);
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
  });

  it('the daily report is built and stored by the leading replica alone', async () => {
    // The next day, 08:01 in Asia/Shanghai: both replicas' report clocks cross daily_at (08:00).
    clock.set(Date.parse('2026-12-04T00:01:00Z'));
    const leader = a.hub.role.leads() ? a : b;
    const follower = leader === a ? b : a;
    expect(follower.hub.role.leads()).toBe(false);
    const [byLeader, byFollower] = await Promise.all([leader.hub.reports.tick(), follower.hub.reports.tick()]);
    expect(byFollower).toBe(0);
    expect(byLeader).toBeGreaterThan(0);
    // Each report stored once, with one audit row each (the follower wrote none).
    expect(await count(`SELECT count(*) AS n FROM daily_reports WHERE date = '2026-12-03'`)).toBe(byLeader);
    expect(await count(`SELECT count(*) AS n FROM audit WHERE action = 'report.daily'`)).toBe(byLeader);
  });
});
