/**
 * The event log across replicas (issue 18, bug 1): two hubs on one PostgreSQL and one Redis take
 * alarms at the same time. Replicas commit seqs in one order (the events lock), but each used to
 * push its own batches through the Redis adapter, so a console could get n+1 before n and drop n
 * for good (the page drops anything at or below the last seq it saw). Now each replica pushes what
 * it reads from the store in seq order (src/api/socket/event-tail.ts): a console on either replica
 * receives every event exactly once, in seq order, and a console that moves to the other replica
 * catches up by `since` with nothing missing or doubled.
 */
import { connect } from 'node:net';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, EventBatch, QueueSnapshot, ServerToClientEvents } from '../../src/contract/socket.js';
import { waitFor, type TestHub } from '../helpers/hub.js';
import { POSTGRES_BIN_DIR, startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { REDIS_BIN, startRedis, type RedisServer } from '../helpers/redis.js';
import { PANELS, replicaHub } from '../helpers/replicas.js';

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Alarms per device (one device on each replica), sent in flights as a busy panel would. */
const PER_DEVICE = 300;
const FLIGHT = 25;

/** Every event:stored seq a socket received, in arrival order, before any client-side filtering. */
function record(socket: LiveSocket): number[] {
  const seqs: number[] = [];
  socket.on('event:stored', (b: EventBatch) => {
    for (const e of b.events) seqs.push(e.seq);
  });
  return seqs;
}

/** One command on a fresh connection (RESP), resolved with the first reply line. */
function redisCommand(port: number, args: string[]): Promise<string> {
  return new Promise((ok, fail) => {
    const s = connect(port, '127.0.0.1', () => s.write(`*${args.length}\r\n${args.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')}`));
    s.once('data', (d) => {
      s.destroy();
      ok(d.toString().trim());
    });
    s.once('error', fail);
  });
}

describe.skipIf(!REDIS_BIN || !POSTGRES_BIN_DIR)('event log pushes across replicas', () => {
  let pgServer: PostgresServer;
  let redis: RedisServer;
  let a: TestHub;
  let b: TestHub;

  beforeAll(async () => {
    pgServer = await startPostgres({ fsync: false });
    redis = await startRedis();
    const db = await pgServer.createDatabase();
    a = await replicaHub(db, redis, 'push-a');
    b = await replicaHub(db, redis, 'push-b');
    await waitFor(() => a.hub.cluster?.ready() && b.hub.cluster?.ready());
  }, 120_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.destroy();
    await pgServer?.destroy();
  });

  /** Sends `count` alarms from the site's panel connected to `hub`; resolves when all are acknowledged (committed). */
  async function alarms(hub: TestHub, siteId: string, tag: string, count: number): Promise<void> {
    const p = PANELS[siteId]!;
    const device = await hub.deviceAs(p.login);
    for (let k = 0; k < count; k += FLIGHT) {
      await Promise.all(
        Array.from({ length: Math.min(FLIGHT, count - k) }, (_, j) => {
          const n = k + j;
          const body = JSON.stringify({ kind: 'intrusion', zone: 1 + (n % 2), msgId: `${tag}-${n}`, detail: `${tag}:${n}` });
          return device.publishAsync(`${p.base}/event`, body, { qos: 1 });
        }),
      );
    }
    await device.endAsync();
  }

  /** The store's seqs in (after, upTo], in order: what a console must have received. */
  async function storedSeqs(after: number, upTo: number): Promise<number[]> {
    const rows = await a.hub.store.events.query({ afterSeq: after, limit: 10_000 });
    return rows.map((e) => e.seq).filter((s) => s <= upTo);
  }

  it('alarms stored on both replicas at once reach a console on each exactly once, in seq order', async () => {
    const onA = await a.console({ as: 'admin' });
    const onB = await b.console({ as: 'admin' });
    const gotA = record(onA.socket);
    const gotB = record(onB.socket);
    const traffic = Promise.all([alarms(a, 'home-b', 'both-a', PER_DEVICE), alarms(b, 'shop-a', 'both-b', PER_DEVICE)]);
    // A slow Redis (a loaded machine, a busy network) holds every PUBLISH for a moment, as a
    // replica's push to the other replica's consoles lags behind that replica's own pushes.
    await waitFor(() => gotA.length > 0 && gotB.length > 0);
    await redisCommand(redis.port, ['CLIENT', 'PAUSE', '1500', 'WRITE']);
    await traffic;
    // Every alarm is acknowledged, so committed: the store's end now is what both consoles must reach.
    const end = await a.hub.store.events.lastSeq();
    for (const [got, snapshot] of [
      [gotA, onA.snapshot],
      [gotB, onB.snapshot],
    ] as const) {
      await waitFor(() => got.some((s) => s >= end));
      const expected = await storedSeqs(snapshot.eventSeq, end);
      expect(expected.length).toBeGreaterThanOrEqual(2 * PER_DEVICE);
      // Arrival order itself: nothing late, nothing twice, nothing missing.
      expect(got.filter((s) => s <= end)).toEqual(expected);
    }
    onA.socket.disconnect();
    onB.socket.disconnect();
  });

  it('a console that moves to the other replica mid-stream catches up by since: every event once, in order', async () => {
    const first = await a.console({ as: 'admin' });
    const start = first.snapshot.eventSeq;
    // The page's rule (web/src/live.ts): drop anything at or below the last seq shown.
    const shown: number[] = [];
    let last = start;
    const show = (batch: EventBatch): void => {
      for (const e of batch.events) {
        if (e.seq <= last) continue;
        last = e.seq;
        shown.push(e.seq);
      }
    };
    first.socket.on('event:stored', show);
    const traffic = Promise.all([alarms(a, 'home-b', 'move-a', PER_DEVICE), alarms(b, 'shop-a', 'move-b', PER_DEVICE)]);
    // Leaves replica A once some of the alarms have reached it, while the rest keep coming.
    await waitFor(() => shown.length >= PER_DEVICE / 2);
    first.socket.disconnect();
    const session = await b.login('admin');
    const moved: LiveSocket = ioClient(`${b.baseUrl}/console`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { cookie: session.cookie },
      auth: { since: last },
    });
    const raw: number[] = [];
    moved.on('event:stored', (batch: EventBatch) => {
      for (const e of batch.events) raw.push(e.seq);
      show(batch);
    });
    const snapshot = await new Promise<QueueSnapshot>((ok, fail) => {
      moved.once('queue:snapshot', ok);
      moved.once('connect_error', fail);
    });
    expect(snapshot.eventSeq).toBeGreaterThan(0);
    await traffic;
    const end = await b.hub.store.events.lastSeq();
    await waitFor(() => last >= end);
    expect(shown).toEqual(await storedSeqs(start, end));
    // On the new replica nothing arrived twice or out of order either: the replay and the live pushes meet without overlap.
    const after = raw.filter((s) => s <= end);
    expect(after).toEqual([...new Set(after)].sort((x, y) => x - y));
    moved.disconnect();
  });
});
