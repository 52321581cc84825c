/**
 * The lease fence (issue 18, bug 2: a site with two open incidents of one category after replica
 * kills). A replica's incident write is kept in flight (IncidentService.holdNextWrite, a test seam)
 * while its lock session is terminated and the other replica takes the site over, replays the
 * alarm and opens the incident; then the stale write goes on. The partition epoch (PostgreSQL
 * migration 003) refuses it: the database holds one open incident per site and category, and the
 * stale replica counts the refused write.
 *
 * Replica A connects as its own PostgreSQL role, so the test can stop A from logging in again
 * (`ALTER ROLE … NOLOGIN`) after its lock session is terminated: otherwise A could win its
 * partitions back in the next round and the takeover by B would be a coin toss.
 */
import type { MqttClient } from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeldStop } from '../../src/dispatch/test-stop.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { POSTGRES_BIN_DIR, startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { REDIS_BIN, startRedis, type RedisServer } from '../helpers/redis.js';
import { settledOwner, shopSiteYaml } from '../helpers/replicas.js';
import { HUB_YAML, makeTree } from '../helpers/tree.js';

const SITES = Array.from({ length: 16 }, (_, i) => `fs-${String(i).padStart(2, '0')}`);
const ROLE_A = 'fence_a';

/** A small site in cell-sw: one native panel with an interior zone. */
const siteYaml = (id: string): string => shopSiteYaml(id, '围栏测试');

let server: PostgresServer;
let redis: RedisServer;
let url: string;
let admin: pg.Client;
let a: TestHub;
let b: TestHub;
/** Stops a failed test may leave armed: released before the hubs close, so closing does not wait on them. */
const stops: HeldStop[] = [];

async function replica(dbUrl: string, id: string): Promise<TestHub> {
  const tree = makeTree(Object.fromEntries(SITES.map((s) => [`${s}.yaml`, siteYaml(s)])));
  const yaml = HUB_YAML.replace('auth: required', 'auth: off')
    .replace('storage:\n  path: data/test.db\n', `storage:\n  path: data/test.db\n  backend: postgres\n  url: ${dbUrl}\n`)
    .concat(`cluster:\n  redis_url: ${redis.url}\n  replica_id: ${id}\n  lease_interval: 300ms\n`);
  expect(yaml).toContain('backend: postgres');
  tree.write('config/hub.yaml', yaml);
  return startTestHub({ tree });
}

function publish(device: MqttClient, site: string, msgId: string): Promise<unknown> {
  const m = nativeEvent(`safegrid/${site}/${site}-panel`, 'intrusion', 2, msgId);
  return device.publishAsync(m.topic, m.payload, { qos: 1 });
}

/** Open incidents as stored. */
async function openRows(): Promise<Array<{ site: string; category: string; id: string }>> {
  const r = await admin.query<{ site: string; category: string; id: string }>(
    `SELECT site_id AS site, (doc::jsonb)->>'category' AS category, id FROM incidents WHERE status <> 'closed'`,
  );
  return r.rows;
}

describe.skipIf(!POSTGRES_BIN_DIR || !REDIS_BIN)('replicas: the lease fence refuses a stale owner’s incident write', () => {
  beforeAll(async () => {
    server = await startPostgres({ fsync: false });
    redis = await startRedis();
    url = await server.createDatabase();
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE ROLE ${ROLE_A} LOGIN SUPERUSER`);
    a = await replica(url.replace('//safegrid@', `//${ROLE_A}@`), 'rep-a');
    b = await replica(url, 'rep-b');
  }, 120_000);

  afterAll(async () => {
    for (const stop of stops) stop.release();
    await admin?.query(`ALTER ROLE ${ROLE_A} LOGIN`).catch(() => undefined);
    await admin?.end().catch(() => undefined);
    await b?.close();
    await a?.close();
    await redis?.destroy();
    await server?.destroy();
  });

  it('a stale owner’s write that would land inside the new owner’s takeover is rolled back: one open incident per site and category', async () => {
    await settledOwner([a, b], SITES[0]!);
    const site = SITES.find((s) => a.hub.role.owns(s));
    expect(site, 'replica A owns one of the sites').toBeDefined();
    const s = site!;
    await a.hub.incidents.settled();
    const fencedBefore = a.hub.metrics.value('sg_incident_writes_fenced_total');

    // A stores the first alarm (PUBACK), correlates it and opens the incident; its write stops after BEGIN.
    const staleWrite = a.hub.incidents.holdNextWrite();
    stops.push(staleWrite);
    await publish(await a.device(), s, `first-${s}`);
    await staleWrite.entered;
    const first = a.hub.incidents.snapshot().find((i) => i.siteId === s);
    expect(first, 'A opened the incident in memory').toBeDefined();
    expect((await openRows()).filter((r) => r.site === s)).toHaveLength(0);

    // A's lock session ends (and A cannot log in again): B takes A's partitions and stops in its
    // takeover between loading their open incidents (none at this site yet) and replaying their alarms.
    const takeover = b.hub.incidents.holdNextTakeover();
    stops.push(takeover);
    await admin.query(`ALTER ROLE ${ROLE_A} NOLOGIN`);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'safegrid:rep-a'`);
    await takeover.entered;
    expect(a.hub.role.owns(s)).toBe(false);

    // The stale write goes on right there. Without the fence it would commit A's incident and mark
    // the alarm processed, unseen by B's takeover; the fence refuses it and nothing of it commits.
    staleWrite.release();
    await a.hub.incidents.settled();
    takeover.release();
    await waitFor(() => b.hub.role.owns(s));
    await b.hub.incidents.settled();

    // B has replayed the first alarm and opened the incident; a second alarm at B joins it.
    await publish(await b.device(), s, `second-${s}`);
    const stored = await waitFor(async () => {
      const r = await admin.query<{ incident_id: string | null }>(`SELECT incident_id FROM events WHERE site_id = $1 ORDER BY seq`, [s]);
      return r.rows.length === 2 && r.rows.every((e) => e.incident_id !== null) ? r.rows : null;
    });
    const rows = await openRows();
    expect(rows.filter((r) => r.site === s)).toEqual([{ site: s, category: 'police', id: first!.id }]);
    expect(stored.map((e) => e.incident_id)).toEqual([first!.id, first!.id]);
    expect(new Set(rows.map((r) => `${r.site}|${r.category}`)).size).toBe(rows.length);
    expect(b.hub.incidents.snapshot().filter((i) => i.siteId === s)).toHaveLength(1);
    expect(a.hub.metrics.value('sg_incident_writes_fenced_total')).toBeGreaterThan(fencedBefore);
  }, 180_000);
});
