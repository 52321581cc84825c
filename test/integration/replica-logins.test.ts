/**
 * The login limit across replicas (issue 18): two hubs on one PostgreSQL database and one Redis.
 * Operators behind one address logging in together on both replicas all get in; wrong passwords
 * spread over both replicas lock the account as if they had all reached one.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountOf } from '../helpers/accounts.js';
import { waitFor, type TestHub } from '../helpers/hub.js';
import { POSTGRES_BIN_DIR, startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { REDIS_BIN, startRedis, type RedisServer } from '../helpers/redis.js';
import { replicaHub } from '../helpers/replicas.js';

/** POST /api/login from a chosen local address (the whole of 127/8 is loopback on Linux); answers the status. */
function loginFrom(base: string, from: string, username: string, password: string): Promise<number> {
  const url = new URL('/api/login', base);
  const body = JSON.stringify({ username, password });
  return new Promise((ok, fail) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress: from,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => ok(res.statusCode ?? 0));
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

describe.skipIf(!REDIS_BIN || !POSTGRES_BIN_DIR)('login limit across replicas', () => {
  let pgServer: PostgresServer;
  let redis: RedisServer;
  const hubs: TestHub[] = [];

  beforeAll(async () => {
    pgServer = await startPostgres({ fsync: false });
    redis = await startRedis();
    const db = await pgServer.createDatabase();
    for (const id of ['login-a', 'login-b']) hubs.push(await replicaHub(db, redis, id));
    await waitFor(() => hubs.every((h) => h.hub.cluster?.ready()), 30_000);
  }, 120_000);

  afterAll(async () => {
    for (const h of hubs) await h.close();
    await redis?.destroy();
    await pgServer?.destroy();
  });

  it('12 correct logins sent at once from one address, 3 accounts on both replicas: every one gets in', async () => {
    const accounts = ['admin', 'op-city', 'op-minghu'];
    const tries = hubs.flatMap((h) => accounts.flatMap((name) => [name, name].map((n) => ({ h, n }))));
    const codes = await Promise.all(tries.map(({ h, n }) => loginFrom(h.baseUrl, '127.0.0.1', n, accountOf(n).password)));
    expect(codes).toEqual(tries.map(() => 200));
  }, 60_000);

  it('wrong passwords spread over both replicas lock the account on both, even for the right password', async () => {
    const [a, b] = hubs as [TestHub, TestHub];
    const name = 'op-hecheng';
    // 3 at A and 2 at B, each from its own address: only the account's count can add up to 5.
    for (let i = 0; i < 3; i++) expect(await loginFrom(a.baseUrl, `127.0.0.${21 + i}`, name, `wrong-${i}`)).toBe(401);
    for (let i = 0; i < 2; i++) expect(await loginFrom(b.baseUrl, `127.0.0.${31 + i}`, name, `wrong-b-${i}`)).toBe(401);
    expect(await loginFrom(b.baseUrl, '127.0.0.41', name, accountOf(name).password)).toBe(429);
    expect(await loginFrom(a.baseUrl, '127.0.0.42', name, accountOf(name).password)).toBe(429);
    // Another account from the same addresses is not affected.
    expect(await loginFrom(a.baseUrl, '127.0.0.21', 'op-minghu', accountOf('op-minghu').password)).toBe(200);
  }, 60_000);

  it('one address guessing many accounts over both replicas is refused after 5 failures in all', async () => {
    const [a, b] = hubs as [TestHub, TestHub];
    const from = '127.0.0.51';
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push(await loginFrom((i % 2 ? b : a).baseUrl, from, `nobody-${i}`, `guess-${i}`));
    expect(codes).toEqual([401, 401, 401, 401, 401, 429]);
  }, 60_000);

  it('while Redis is down logins still work, counted on each replica alone, and say so once', async () => {
    const [a] = hubs as [TestHub, TestHub];
    await redis.kill();
    try {
      await waitFor(() => !a.hub.cluster?.ready(), 30_000);
      expect(await loginFrom(a.baseUrl, '127.0.0.61', 'op-city', accountOf('op-city').password)).toBe(200);
      expect(a.logs.some((l) => l.code === 'SG_AUTH_LIMITER_LOCAL')).toBe(true);
      // Still limited: five failures from one address on this replica refuse its sixth attempt.
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) codes.push(await loginFrom(a.baseUrl, '127.0.0.62', `nobody-x${i}`, 'guess'));
      expect(codes).toEqual([401, 401, 401, 401, 401, 429]);
    } finally {
      await redis.start();
      await waitFor(() => hubs.every((h) => h.hub.cluster?.ready()), 30_000);
    }
  }, 90_000);
});
