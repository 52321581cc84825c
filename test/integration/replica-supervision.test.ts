/**
 * A device's recovery across replicas (issue 18): the site's owner calls a silent device offline;
 * the device comes back at another replica, which restores it — once — and the owner, seeing the
 * trouble ended in the shared row, calls it offline again when it falls silent again.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { nativeEvent, nativeStatus } from '../../src/simulate/payloads.js';
import { startTestHub, type TestHub, waitFor } from '../helpers/hub.js';
import { POSTGRES_BIN_DIR, type PostgresServer, startPostgres } from '../helpers/postgres.js';
import { REDIS_BIN, type RedisServer, startRedis } from '../helpers/redis.js';
import { settledOwner } from '../helpers/replicas.js';
import { HUB_YAML, makeTree } from '../helpers/tree.js';

const T0 = Date.parse('2026-12-03T02:00:00Z');
const PANEL = 'safegrid/shop-a/shop-a-panel';
/** Past the owner's threshold: heartbeat 60 s + grace 5 s + persist lag 60 s + read interval. */
const SILENCE_MS = 130_000;

describe.skipIf(!POSTGRES_BIN_DIR || !REDIS_BIN)('device supervision across replicas', () => {
  let pgServer: PostgresServer;
  let redis: RedisServer;
  let db: pg.Client;
  const clock = new ManualClock(T0);
  const hubs: TestHub[] = [];

  beforeAll(async () => {
    [pgServer, redis] = await Promise.all([startPostgres({ fsync: false }), startRedis()]);
    const url = await pgServer.createDatabase();
    db = new pg.Client({ connectionString: url });
    await db.connect();
    for (const id of ['sup-a', 'sup-b']) {
      const tree = makeTree();
      const yaml = HUB_YAML.replace('storage:\n  path: data/test.db\n', `storage:\n  path: data/test.db\n  backend: postgres\n  url: ${url}\n`);
      tree.write('config/hub.yaml', `${yaml}cluster:\n  redis_url: ${redis.url}\n  replica_id: ${id}\n  lease_interval: 300ms\n`);
      hubs.push(await startTestHub({ tree, clock, livenessCheckMs: 100 }));
    }
  }, 120_000);

  afterAll(async () => {
    for (const h of hubs) await h.close().catch(() => undefined);
    await db?.end();
    await redis?.destroy();
    await pgServer?.destroy();
  });

  async function count(kind: string): Promise<number> {
    const r = await db.query<{ n: string }>(`SELECT count(*) AS n FROM events WHERE device_id = 'shop-a-panel' AND kind = $1`, [kind]);
    return Number(r.rows[0]!.n);
  }

  async function heardAt(h: TestHub, publish: { topic: string; payload: string }): Promise<void> {
    const device = await h.deviceAs('shop-a-panel');
    await device.publishAsync(publish.topic, publish.payload, { qos: 1 });
    await device.endAsync(true);
  }

  it('the owner calls the panel offline; back at the other replica it is restored once there, and the owner can call it offline again', async () => {
    const owner = await settledOwner(hubs, 'shop-a');
    const other = hubs.find((h) => h !== owner)!;
    await heardAt(other, nativeStatus(PANEL, 'online'));

    clock.advance(SILENCE_MS);
    await waitFor(async () => (await count('trouble.offline')) === 1, 30_000);
    expect(await count('restore')).toBe(0);

    // Back, at the replica that does not own the site: it restores.
    clock.advance(1_000);
    await heardAt(other, nativeStatus(PANEL, 'online'));
    await waitFor(async () => (await count('restore')) === 1, 30_000);

    // Silent again: the owner, which raised the first trouble, raises it again.
    clock.advance(SILENCE_MS);
    await waitFor(async () => (await count('trouble.offline')) === 2, 30_000);

    // Back at the owner this time: one restore more, and a later alarm at the other replica adds none.
    clock.advance(1_000);
    await heardAt(owner, nativeStatus(PANEL, 'online'));
    await waitFor(async () => (await count('restore')) === 2, 30_000);
    clock.advance(1_000);
    await heardAt(other, nativeEvent(PANEL, 'burglary', 1, 'sup-marker'));
    await waitFor(async () => (await count('burglary')) === 1, 30_000);
    expect(await count('restore')).toBe(2);
    expect(await count('trouble.offline')).toBe(2);
  }, 180_000);
});
