/**
 * Client ids across replicas (issue 18, login-binding.ts rule 2): an id not named after a login
 * belongs to the first login that uses it, on whichever replica; another login is refused it at
 * the other replica too, and its owner keeps it there.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type TestHub } from '../helpers/hub.js';
import { POSTGRES_BIN_DIR, startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { REDIS_BIN, startRedis, type RedisServer } from '../helpers/redis.js';
import { replicaHub } from '../helpers/replicas.js';
import { TREE_LOGINS } from '../helpers/tree.js';

function tryLogin(url: string, opts: mqtt.IClientOptions): Promise<{ client: MqttClient; outcome: string | number }> {
  return new Promise((ok) => {
    const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000, ...opts });
    client.once('connect', () => ok({ client, outcome: 'connected' }));
    client.once('error', (err: Error & { code?: number | string }) => ok({ client, outcome: err.code ?? err.message }));
    client.once('close', () => ok({ client, outcome: 'closed' }));
  });
}

describe.skipIf(!REDIS_BIN || !POSTGRES_BIN_DIR)('client ids bound across replicas', () => {
  let pgServer: PostgresServer;
  let redis: RedisServer;
  const hubs: TestHub[] = [];

  beforeAll(async () => {
    pgServer = await startPostgres({ fsync: false });
    redis = await startRedis();
    const db = await pgServer.createDatabase();
    for (const id of ['ids-a', 'ids-b']) hubs.push(await replicaHub(db, redis, id));
    await waitFor(() => hubs.every((h) => h.hub.cluster?.ready()), 30_000);
  }, 120_000);

  afterAll(async () => {
    for (const h of hubs) await h.close();
    await redis?.destroy();
    await pgServer?.destroy();
  });

  it('an id first used by home-b at A is refused to shop-a at B, and home-b may use it at B', async () => {
    const [a, b] = hubs as [TestHub, TestHub];
    const first = await tryLogin(a.mqttUrl, { clientId: 'gw-77', username: 'home-b', password: TREE_LOGINS['home-b'] });
    expect(first.outcome).toBe('connected');
    await first.client.endAsync();

    const refusedBefore = b.hub.metrics.value('sg_mqtt_refused_total', { reason: 'client_id_taken' });
    const thief = await tryLogin(b.mqttUrl, { clientId: 'gw-77', username: 'shop-a', password: TREE_LOGINS['shop-a'] });
    expect(thief.outcome).toBe(2); // CONNACK 2: identifier rejected
    thief.client.end(true);
    expect(b.hub.metrics.value('sg_mqtt_refused_total', { reason: 'client_id_taken' })).toBe(refusedBefore + 1);

    const owner = await tryLogin(b.mqttUrl, { clientId: 'gw-77', username: 'home-b', password: TREE_LOGINS['home-b'] });
    expect(owner.outcome).toBe('connected');
    await owner.client.endAsync();
  }, 60_000);
});
