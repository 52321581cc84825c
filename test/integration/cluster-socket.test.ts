/**
 * Socket.IO across replicas (issue 18, @socket.io/redis-adapter): a console logged in on hub A gets
 * the incident an alarm on hub B opened. The two hubs have separate SQLite files here (this tests the
 * transport; the shared PostgreSQL store is another engineer's part), so the console's snapshot and
 * catch-up come from A's store while the live push comes from B.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { nextEvent, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { REDIS_BIN, startRedis, type RedisServer } from '../helpers/redis.js';
import { HUB_YAML, makeTree } from '../helpers/tree.js';

async function clusteredHub(redis: RedisServer, replicaId: string): Promise<TestHub> {
  const tree = makeTree();
  tree.write('config/hub.yaml', `${HUB_YAML}cluster:\n  redis_url: ${redis.url}\n  replica_id: ${replicaId}\n`);
  return startTestHub({ tree });
}

describe.skipIf(!REDIS_BIN)('Socket.IO pushes across replicas on Redis', () => {
  let redis: RedisServer;
  let a: TestHub;
  let b: TestHub;

  beforeAll(async () => {
    redis = await startRedis();
    a = await clusteredHub(redis, 'hub-a');
    b = await clusteredHub(redis, 'hub-b');
    await waitFor(() => a.hub.cluster?.ready() && b.hub.cluster?.ready());
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.destroy();
  });

  it('a console on hub A receives the incident opened by an alarm on hub B', async () => {
    const { socket } = await a.console({ as: 'admin' });
    const pushed = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 'home-b' && i.kind === 'panic');
    const device = await b.deviceAs('home-b');
    const m = nativeEvent('safegrid/home-b/home-b-panel', 'panic', null, 'cross-socket-1');
    await device.publishAsync(m.topic, m.payload, { qos: 1 });
    const incident = await pushed;
    expect(incident).toMatchObject({ siteId: 'home-b', kind: 'panic', priority: 1, stationId: 'ps-minghu' });
    // Hub A never saw the alarm: the push crossed on Redis, it was not made on A.
    expect(a.hub.incidents.snapshot((i) => i.siteId === 'home-b')).toHaveLength(0);
  });

  it('a station room spans replicas: a station operator on A gets B’s push for its station, not another station’s', async () => {
    const { socket } = await a.console({ as: 'op-minghu' });
    const seen: Incident[] = [];
    socket.on('incident:new', (i: Incident) => seen.push(i));
    const pushed = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 'home-b' && i.category === 'fire');
    // shop-a is ps-hecheng's: its incident must not reach ps-minghu's operator on any replica.
    const shop = await b.deviceAs('shop-a');
    const s = nativeEvent('safegrid/shop-a/shop-a-panel', 'fire', 1, 'other-station-1');
    await shop.publishAsync(s.topic, s.payload, { qos: 1 });
    const device = await b.deviceAs('home-b');
    const m = nativeEvent('safegrid/home-b/home-b-panel', 'fire', null, 'station-room-1');
    await device.publishAsync(m.topic, m.payload, { qos: 1 });
    await pushed;
    expect(seen.some((i) => i.siteId === 'shop-a')).toBe(false);
  });

  it('Redis killed and restarted: the ready signal goes false, then true, and pushes resume', async () => {
    const changes: string[] = [];
    a.hub.cluster!.on('lost', () => changes.push('lost'));
    a.hub.cluster!.on('ready', () => changes.push('ready'));
    await redis.kill();
    await waitFor(() => !a.hub.cluster!.ready() && !b.hub.cluster!.ready());
    // Down long enough for reconnect attempts to fail (each connection says so once).
    await waitFor(() => a.logs.some((l) => l.code === 'SG_CLUSTER_REDIS_LOST' && l.role === 'mqtt-bus-sub'));
    // The load balancer's probe says so, by code.
    const down = await fetch(`${a.baseUrl}/api/health/ready`);
    expect(down.status).toBe(503);
    expect(((await down.json()) as { reasons: string[] }).reasons).toContain('redis_unavailable');
    await redis.start();
    await waitFor(() => a.hub.cluster!.ready() && b.hub.cluster!.ready());
    expect((await fetch(`${a.baseUrl}/api/health/ready`)).status).toBe(200);
    expect(changes).toEqual(['lost', 'ready']);
    const { socket } = await a.console({ as: 'admin' });
    const pushed = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 'home-b' && i.category === 'medical');
    const device = await b.deviceAs('home-b');
    const m = nativeEvent('safegrid/home-b/home-b-panel', 'medical', null, 'after-restart-1');
    await device.publishAsync(m.topic, m.payload, { qos: 1 });
    expect(await pushed).toMatchObject({ siteId: 'home-b', category: 'medical' });
  });
});
