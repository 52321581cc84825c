/**
 * An operator's command whose write the lease fence refuses (issue 18): the replica that owns the
 * site takes the command, and loses the site to the other replica before the command's write
 * commits (its write held in flight with IncidentService.holdNextWrite, its lock session
 * terminated meanwhile). Nothing of the command commits; it is answered `owner_changed` — not
 * `internal` — and that answer is not kept under the request id, so the same request id retried
 * after the move runs on the new owner and succeeds. A console sees the same code and succeeds
 * when it presses again.
 *
 * Replica A connects as its own PostgreSQL role so the test can keep it from logging in again
 * (`ALTER ROLE … NOLOGIN`) after its lock session is terminated: otherwise A could win its
 * partitions back in the next round and the takeover by B would be a coin toss.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ForwardedIncidentCommand } from '../../src/api/commands/forwarded.js';
import { Forwarder } from '../../src/cluster/forward.js';
import type { Incident } from '../../src/contract/incident.js';
import type { CommandReply } from '../../src/contract/socket.js';
import type { HeldStop } from '../../src/dispatch/test-stop.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { nextEvent, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { POSTGRES_BIN_DIR, startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { REDIS_BIN, startRedis, type RedisServer } from '../helpers/redis.js';
import { command, settledOwner, shopSiteYaml } from '../helpers/replicas.js';
import { HUB_YAML, makeTree } from '../helpers/tree.js';

const SITES = Array.from({ length: 16 }, (_, i) => `fc-${String(i).padStart(2, '0')}`);
const ROLE_A = 'fence_cmd_a';

/** A small site in cell-sw: one native panel with an interior zone. */
const siteYaml = (id: string): string => shopSiteYaml(id, '围栏命令');

let server: PostgresServer;
let redis: RedisServer;
let admin: pg.Client;
let a: TestHub;
let b: TestHub;
/**
 * Sends forwarded commands with request ids of the test's choosing, over the hubs' own Redis
 * channels, as a replica would (a console's command gets a fresh id per press). It owns no site;
 * it asks B who owns one. Its deadline is long: the first command waits while the site moves.
 */
let probe: Forwarder<ForwardedIncidentCommand, CommandReply>;
/** Stops a failed test may leave armed: released before the hubs close, so closing does not wait on them. */
const stops: HeldStop[] = [];
let msg = 0;

async function replica(dbUrl: string, id: string): Promise<TestHub> {
  const tree = makeTree(Object.fromEntries(SITES.map((s) => [`${s}.yaml`, siteYaml(s)])));
  const yaml = HUB_YAML.replace('auth: required', 'auth: off')
    .replace('storage:\n  path: data/test.db\n', `storage:\n  path: data/test.db\n  backend: postgres\n  url: ${dbUrl}\n`)
    .concat(`cluster:\n  redis_url: ${redis.url}\n  replica_id: ${id}\n  lease_interval: 300ms\n`);
  expect(yaml).toContain('backend: postgres');
  tree.write('config/hub.yaml', yaml);
  return startTestHub({ tree });
}

/** Raises an intrusion at the site through A and answers its incident once it is stored. */
async function raise(site: string): Promise<Incident> {
  const device = await a.device();
  const m = nativeEvent(`safegrid/${site}/${site}-panel`, 'intrusion', 2, `fence-cmd-${++msg}`);
  await device.publishAsync(m.topic, m.payload, { qos: 1 });
  const incident = await waitFor(() => a.hub.incidents.snapshot().find((i) => i.siteId === site && i.status === 'new'));
  await waitFor(() => a.hub.store.incidents.get(incident.id));
  // Nothing else held or in flight: the next write A starts is the command's.
  await a.hub.incidents.settled();
  return incident;
}

/** Sites a test raised an incident at: the next test takes another (an alarm there would join the open one). */
const used = new Set<string>();

/** A site A owns and no test used yet, once the leases have settled. */
async function siteOfA(): Promise<string> {
  await settledOwner([a, b], SITES[0]!);
  const site = SITES.find((s) => a.hub.role.owns(s) && !used.has(s));
  expect(site, 'replica A owns one of the sites').toBeDefined();
  used.add(site!);
  return site!;
}

/**
 * A's lock session ends (and A cannot log in again): B takes A's partitions — the takeover bumps
 * their epochs, so A's write in flight can no longer commit — and loads their open incidents.
 */
async function moveToB(site: string): Promise<void> {
  await admin.query(`ALTER ROLE ${ROLE_A} NOLOGIN`);
  await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'safegrid:rep-a'`);
  await waitFor(() => b.hub.role.owns(site) && !a.hub.role.owns(site));
}

/** The incident's stored status. */
async function storedStatus(id: string): Promise<string | undefined> {
  const r = await admin.query<{ status: string }>('SELECT status FROM incidents WHERE id = $1', [id]);
  return r.rows[0]?.status;
}

describe.skipIf(!POSTGRES_BIN_DIR || !REDIS_BIN)('replicas: a command the lease fence refuses answers owner_changed and may be retried', () => {
  beforeAll(async () => {
    server = await startPostgres({ fsync: false });
    redis = await startRedis();
    const url = await server.createDatabase();
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE ROLE ${ROLE_A} LOGIN SUPERUSER`);
    a = await replica(url.replace('//safegrid@', `//${ROLE_A}@`), 'rep-a');
    b = await replica(url, 'rep-b');
    probe = new Forwarder<ForwardedIncidentCommand, CommandReply>({
      redisUrl: redis.url,
      replicaId: 'test-probe',
      ownerOf: (site) => b.hub.role.ownerOf(site),
      execute: () => Promise.reject(new Error('the probe owns no site')),
      timeoutMs: 60_000,
    });
    await probe.start();
  }, 120_000);

  afterAll(async () => {
    for (const stop of stops) stop.release();
    await probe?.stop();
    await admin?.query(`ALTER ROLE ${ROLE_A} LOGIN`).catch(() => undefined);
    await admin?.end().catch(() => undefined);
    await b?.close();
    await a?.close();
    await redis?.destroy();
    await server?.destroy();
  });

  it('the refused command answers owner_changed, commits nothing, and the same request id retried after the move runs on the new owner', async () => {
    const site = await siteOfA();
    const incident = await raise(site);
    const ack: ForwardedIncidentCommand = { action: 'ack', id: incident.id, by: { username: 'admin', origin: 'test' }, input: {} };
    const requestId = `fence-ack-${incident.id}`;

    // A runs the acknowledgement; its write stops after BEGIN, before its fence check.
    const held = a.hub.incidents.holdNextWrite();
    stops.push(held);
    const first = probe.send(site, ack, requestId);
    await held.entered;
    await moveToB(site);
    held.release();

    const refused = await first;
    expect(refused).toMatchObject({ ok: false, code: 'owner_changed' });
    expect(a.logs.some((l) => l.msg === 'forwarded command not run: the site moved to another replica' && l.requestId === requestId)).toBe(true);
    expect(a.logs.some((l) => l.msg === 'forwarded command failed')).toBe(false);
    // Nothing of it committed: the stored incident is still new, without an owner.
    expect(await storedStatus(incident.id)).toBe('new');
    expect((await b.hub.store.incidents.get(incident.id))?.owner ?? null).toBeNull();

    // The operator's retry, the same request id: B (the new owner, its takeover done) runs it.
    await waitFor(() => b.hub.incidents.snapshot().some((i) => i.id === incident.id));
    const retried = await probe.send(site, ack, requestId);
    expect(retried).toMatchObject({ ok: true, incident: { id: incident.id, status: 'acknowledged', owner: 'admin' } });
    expect(await storedStatus(incident.id)).toBe('acknowledged');
    expect(b.hub.incidents.snapshot().find((i) => i.id === incident.id)).toMatchObject({ status: 'acknowledged', owner: 'admin' });
    // Its answer is the one kept now: asked once more, the same id is not run again.
    expect(await probe.send(site, ack, requestId)).toEqual(retried);
    expect((await b.hub.store.incidents.get(incident.id))?.version).toBe((retried as { incident: Incident }).incident.version);
  }, 180_000);

  it('a console whose command is refused so is told owner_changed, and pressing again succeeds on the new owner', async () => {
    // A logs in again and wins its share back.
    await admin.query(`ALTER ROLE ${ROLE_A} LOGIN`);
    const site = await siteOfA();
    const { socket } = await b.console({ as: 'admin' });
    const opened = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === site);
    const incident = await raise(site);
    await opened;
    const changedBefore = b.hub.metrics.value('sg_cluster_commands_owner_changed_total');

    // The console on B acknowledges: forwarded to A, whose write is held while the site moves to B.
    const held = a.hub.incidents.holdNextWrite();
    stops.push(held);
    const reply = command(socket, 'incident:ack', { id: incident.id });
    await held.entered;
    await moveToB(site);
    held.release();
    expect(await reply).toMatchObject({ ok: false, code: 'owner_changed' });
    expect(b.hub.metrics.value('sg_cluster_commands_owner_changed_total')).toBe(changedBefore + 1);
    expect(await storedStatus(incident.id)).toBe('new');

    // Pressed again (a new command): B owns the site now and runs it.
    await waitFor(() => b.hub.incidents.snapshot().some((i) => i.id === incident.id));
    expect(await command(socket, 'incident:ack', { id: incident.id })).toMatchObject({ ok: true, incident: { id: incident.id, status: 'acknowledged' } });
    expect(await storedStatus(incident.id)).toBe('acknowledged');
    socket.disconnect();
  }, 180_000);
});
