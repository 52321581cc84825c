/**
 * Commands and views across replicas (issue 18): two hubs on one PostgreSQL database and one
 * Redis, partition leases deciding who owns each site. A console connected to the replica that
 * does NOT own a site acknowledges its incident: the command is forwarded to the owner, runs there
 * once, and the console gets the answer and the update push; its snapshot shows the owner's
 * incidents; with the owner stopped, the command after failover runs on the new owner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import type { CommandReply, EventBrief } from '../../src/contract/socket.js';
import { io as ioClient } from 'socket.io-client';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { nextEvent, waitFor, type TestHub } from '../helpers/hub.js';
import { POSTGRES_BIN_DIR, startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { REDIS_BIN, startRedis, type RedisServer } from '../helpers/redis.js';
import { command, PANELS, replicaHub, settledOwner } from '../helpers/replicas.js';

describe.skipIf(!REDIS_BIN || !POSTGRES_BIN_DIR)('commands across replicas', () => {
  let pgServer: PostgresServer;
  let redis: RedisServer;
  let a: TestHub;
  let b: TestHub;
  let msg = 0;

  beforeAll(async () => {
    pgServer = await startPostgres({ fsync: false });
    redis = await startRedis();
    const db = await pgServer.createDatabase();
    a = await replicaHub(db, redis, 'hub-a');
    b = await replicaHub(db, redis, 'hub-b');
    await waitFor(() => a.hub.cluster?.ready() && b.hub.cluster?.ready());
  }, 120_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.destroy();
    await pgServer?.destroy();
  });

  /** Raises a panic at the site through the owner's broker and waits for its incident on `socket`. */
  async function raise(owner: TestHub, siteId: string, socket: Parameters<typeof nextEvent>[0]): Promise<Incident> {
    const p = PANELS[siteId]!;
    const opened = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === siteId && i.kind === 'panic');
    const device = await owner.deviceAs(p.login);
    const m = nativeEvent(p.base, 'panic', null, `replica-cmd-${++msg}`);
    await device.publishAsync(m.topic, m.payload, { qos: 1 });
    const incident = await opened;
    device.end(true);
    return incident;
  }

  it(
    'a console on the other replica acknowledges an incident owned by the first: it runs on the owner, and the console gets ' + 'the answer and the push',
    async () => {
      const owner = await settledOwner([a, b], 'home-b');
      const other = owner === a ? b : a;
      const { socket } = await other.console({ as: 'admin' });
      const incident = await raise(owner, 'home-b', socket);
      // The incident lives in the owner's memory only.
      expect(owner.hub.incidents.snapshot((i) => i.id === incident.id)).toHaveLength(1);
      expect(other.hub.incidents.snapshot((i) => i.id === incident.id)).toHaveLength(0);
      const pushed = nextEvent<Incident>(socket, 'incident:update', (i) => i.id === incident.id && i.status === 'acknowledged');
      const reply = await command(socket, 'incident:ack', { id: incident.id });
      expect(reply).toMatchObject({ ok: true, incident: { id: incident.id, status: 'acknowledged' } });
      expect((await owner.hub.incidents.get(incident.id))?.status).toBe('acknowledged');
      const update = await pushed;
      expect(update.version).toBeGreaterThan(incident.version);
      // The owner recorded who did it: the forwarded actor.
      const after = (await owner.hub.incidents.get(incident.id))!;
      expect(after.owner).toBe('admin');
      expect(after.timeline.some((t) => t.type === 'status' && t.by === 'admin')).toBe(true);
      // Over REST on the other replica too: a second ack is refused with the workflow's code, by the owner.
      const session = await other.login('op-city');
      const again = await session.post(`/api/incidents/${incident.id}/ack`);
      expect(again.status).toBe(409);
      expect(((await again.json()) as { code: string }).code).toBe('owned');
      // Closed from the other replica too, so the next test's alarm opens a new incident.
      expect(await command(socket, 'incident:close', { id: incident.id, disposition: 'test' })).toMatchObject({ ok: true });
      socket.disconnect();
    },
  );

  it('a console connected to one replica sees the other replica’s incidents in its snapshot, REST list and detail', async () => {
    const owner = await settledOwner([a, b], 'shop-a');
    const other = owner === a ? b : a;
    const watcher = await owner.console({ as: 'admin' });
    const incident = await raise(owner, 'shop-a', watcher.socket);
    // The owner writes a new incident up to 500 ms after pushing it (write-behind); the other replica reads the store.
    await waitFor(() => other.hub.store.incidents.get(incident.id));
    const { snapshot, socket, session } = await other.console({ as: 'admin' });
    expect(snapshot.incidents.map((i) => i.id)).toContain(incident.id);
    const list = (await (await session!.get('/api/incidents?status=open')).json()) as { incidents: Incident[] };
    expect(list.incidents.map((i) => i.id)).toContain(incident.id);
    const detail = await session!.get(`/api/incidents/${incident.id}`);
    expect(detail.status).toBe(200);
    socket.disconnect();
    watcher.socket.disconnect();
  });

  it('catch-up by since on the other replica replays the events the owner stored meanwhile', async () => {
    const owner = await settledOwner([a, b], 'shop-a');
    const other = owner === a ? b : a;
    const first = await owner.console({ as: 'admin' });
    const since = first.snapshot.eventSeq;
    first.socket.disconnect();
    // Stored by the owner while this console is away; the other replica never announced them.
    const device = await owner.deviceAs(PANELS['shop-a']!.login);
    const m = nativeEvent(PANELS['shop-a']!.base, 'fire', null, `replica-catchup-${++msg}`);
    await device.publishAsync(m.topic, m.payload, { qos: 1 });
    device.end(true);
    const session = await other.login('admin');
    const socket = ioClient(`${other.baseUrl}/console`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { cookie: session.cookie },
      auth: { since },
    });
    try {
      const replayed = await new Promise<EventBrief[]>((ok) => {
        const got: EventBrief[] = [];
        socket.on('event:stored', (batch: { events: EventBrief[]; replay?: boolean }) => {
          if (batch.replay) got.push(...batch.events);
        });
        // The snapshot comes after the replay in replica mode.
        socket.on('queue:snapshot', () => ok(got));
      });
      expect(replayed.filter((e) => e.siteId === 'shop-a' && e.kind === 'fire')).toHaveLength(1);
      expect(replayed.every((e) => e.seq > since)).toBe(true);
    } finally {
      socket.disconnect();
    }
  });

  it('owner stopped: during the gap a command answers owner_unreachable or succeeds, never both; after failover it runs on the new owner', async () => {
    const owner = await settledOwner([a, b], 'home-b');
    const other = owner === a ? b : a;
    const { socket } = await other.console({ as: 'admin' });
    const incident = await raise(owner, 'home-b', socket);
    await owner.close();
    const replies: Array<{ text: string; reply: CommandReply }> = [];
    let n = 0;
    // Each try is a new note; retried until one is taken by the new owner.
    await waitFor(
      async () => {
        const text = `failover note ${++n}`;
        const reply = await command(socket, 'incident:note', { id: incident.id, text });
        replies.push({ text, reply });
        return reply.ok;
      },
      60_000,
      200,
    );
    for (const { reply } of replies.slice(0, -1)) expect(reply).toMatchObject({ ok: false, code: 'owner_unreachable' });
    expect(other.hub.role.owns('home-b')).toBe(true);
    const now = (await other.hub.incidents.get(incident.id))!;
    const notes = now.timeline.filter((t) => t.type === 'note').map((t) => t.text);
    // Only the try that succeeded ran: a refused one left nothing behind.
    expect(notes).toEqual([replies.at(-1)!.text]);
    socket.disconnect();
  }, 120_000);
});
