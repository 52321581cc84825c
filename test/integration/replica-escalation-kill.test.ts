/**
 * An escalation due while its owner replica is KILLED fires once, on another replica (issue 18).
 *
 * Three hub processes on one PostgreSQL and one Redis (test/helpers/replica-cluster.ts). An alarm
 * opens an incident with a short acknowledge timeout; the replica holding the site's partition (its
 * advisory lock, seen in pg_locks by the lock session's application_name) is SIGKILLed before the
 * escalation is due. PostgreSQL frees the dead session's locks, another replica takes the partition
 * with the open incident and escalates it when due. replica-dispatch.test.ts covers a graceful stop;
 * this is the dead-machine case.
 *
 * "Once" is counted only after a later positive marker: the killed replica is back and holds
 * partitions again, a later alarm of the same site joined the escalated incident and an alarm of a
 * site the restarted replica owns was stored as its incident.
 */
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../../src/cluster/partitions.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { PARTITION_LOCK_NAMESPACE } from '../../src/store/postgres/partition-locks.js';
import { accountOf } from '../helpers/accounts.js';
import { until, within } from '../helpers/fault.js';
import { POSTGRES_BIN_DIR } from '../helpers/postgres.js';
import { REDIS_BIN } from '../helpers/redis.js';
import { type GeneratedSite, startReplicaCluster, type ReplicaCluster } from '../helpers/replica-cluster.js';

const REPLICAS = 3;
const SITES = 24;
/** Every priority: long enough to kill the owner before it is due on a loaded machine, short enough for a test. */
const ACK_TIMEOUT_S = 30;
/** Generous ceilings for a loaded 2-core machine. */
const WAIT_MS = 90_000;

/** Partition → replica id ('r0' …) holding its advisory lock now. */
async function owners(c: ReplicaCluster): Promise<Map<number, string>> {
  const rows = await c.query<{ app: string; partition: string }>(
    `SELECT a.application_name AS app, l.objid::bigint AS partition
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid::bigint = $1`,
    [PARTITION_LOCK_NAMESPACE],
  );
  return new Map(rows.filter((r) => r.app.startsWith('safegrid:')).map((r) => [Number(r.partition), r.app.slice('safegrid:'.length)]));
}

async function ownerOf(c: ReplicaCluster, site: string): Promise<string | null> {
  return (await owners(c)).get(partitionOf(site)) ?? null;
}

/** One alarm from the site's own panel login, through the MQTT balancer (any replica); resolves on PUBACK. */
async function publishAlarm(c: ReplicaCluster, site: GeneratedSite, msgId: string): Promise<void> {
  const client = await mqtt.connectAsync(c.mqttUrl, { username: site.username, password: site.password, reconnectPeriod: 0, connectTimeout: 20_000 });
  try {
    const m = nativeEvent(site.topic, 'intrusion', 1, msgId);
    await client.publishAsync(m.topic, m.payload, { qos: 1 });
  } finally {
    await client.endAsync();
  }
}

interface OpenIncident {
  id: string;
  escalate_at: string | null;
  level: number;
  events: number;
}

async function openIncidents(c: ReplicaCluster, site: string): Promise<OpenIncident[]> {
  const rows = await c.query<{ id: string; escalate_at: string | null; level: string | null; events: string }>(
    `SELECT i.id, i.doc::jsonb->>'escalateAt' AS escalate_at, i.doc::jsonb->>'escalationLevel' AS level,
            (SELECT count(*) FROM events e WHERE e.incident_id = i.id) AS events
       FROM incidents i WHERE i.site_id = $1 AND i.status <> 'closed'`,
    [site],
  );
  return rows.map((r) => ({ id: r.id, escalate_at: r.escalate_at, level: Number(r.level ?? 0), events: Number(r.events) }));
}

async function escalateRows(c: ReplicaCluster, incident: string): Promise<Array<{ at: string; note: string | null }>> {
  return c.query(`SELECT at, note FROM audit WHERE incident_id = $1 AND action = 'escalate' ORDER BY seq`, [incident]);
}

/** sg_incidents_escalated_total of a running replica, read from its /metrics as admin. */
async function escalatedCount(c: ReplicaCluster, i: number): Promise<number> {
  const login = await fetch(`${c.baseUrl(i)}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: accountOf('admin').password }),
  });
  const cookie = /sg_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0];
  if (login.status !== 200 || !cookie) throw new Error(`replica ${i}: admin login answered ${login.status}`);
  const r = await fetch(`${c.baseUrl(i)}/metrics`, { headers: { cookie } });
  if (r.status !== 200) throw new Error(`replica ${i}: /metrics answered ${r.status}`);
  let n = 0;
  for (const m of (await r.text()).matchAll(/^sg_incidents_escalated_total(?:\{[^}]*\})? (\d+(?:\.\d+)?)$/gm)) n += Number(m[1]);
  return n;
}

const indexOf = (replicaId: string): number => Number(replicaId.replace(/^r/, ''));

describe.skipIf(!POSTGRES_BIN_DIR || !REDIS_BIN)('an escalation due while its owner replica is killed', () => {
  let cluster: ReplicaCluster | null = null;

  afterAll(async () => {
    await within(cluster?.close() ?? Promise.resolve(), 60_000);
  });

  it('fires once, on another replica; the killed one comes back and nothing fires twice', async () => {
    cluster = await startReplicaCluster({
      replicas: REPLICAS,
      sites: SITES,
      // Under `cluster:` (the harness ends hub.yaml with that section): a quick takeover after the kill.
      hubYamlExtra: '  lease_interval: 500ms\n',
      hubYamlEdit: (yaml) => {
        const edited = yaml.replace(
          '  correlation_window: 120s\n',
          `  ack_timeout: { p1: ${ACK_TIMEOUT_S}s, p2: ${ACK_TIMEOUT_S}s, p3: ${ACK_TIMEOUT_S}s, p4: ${ACK_TIMEOUT_S}s }\n`,
        );
        if (!edited.includes('ack_timeout')) throw new Error('HUB_YAML changed: the triage section was not replaced');
        return edited;
      },
    });
    const c = cluster;

    // Every partition held, and by every replica (the leases have spread).
    const spread = await until(async () => {
      const o = await owners(c);
      return o.size === 64 && new Set(o.values()).size === REPLICAS;
    }, WAIT_MS);
    expect(spread, 'the 64 partitions spread over all replicas').toBe(true);

    const site = c.sites[0]!;
    const owner = (await ownerOf(c, site.id))!;
    expect(owner).toMatch(/^r\d$/);
    const victim = indexOf(owner);

    await publishAlarm(c, site, `esc-kill-1-${site.id}`);
    let incident: OpenIncident | undefined;
    await until(async () => {
      incident = (await openIncidents(c, site.id))[0];
      return incident !== undefined && incident.escalate_at !== null;
    }, WAIT_MS);
    expect(incident, 'the alarm stored as an open incident with an escalation time').toBeDefined();
    const fire = incident!;
    expect(fire.level).toBe(0);

    const killedAt = await c.kill(victim);
    // The point of the test: the owner died BEFORE the escalation was due (else it proves nothing).
    expect(killedAt, `owner ${owner} killed before the escalation was due (${fire.escalate_at})`).toBeLessThan(Date.parse(fire.escalate_at!));
    expect(await escalateRows(c, fire.id)).toHaveLength(0);

    // Another replica takes the partition over…
    let heir: string | null = null;
    await until(async () => {
      heir = await ownerOf(c, site.id);
      return heir !== null && heir !== owner;
    }, WAIT_MS);
    expect(heir, 'another replica holds the site after the kill').not.toBeNull();
    expect(heir).not.toBe(owner);

    // …and escalates the incident when due: after the kill, so not by the dead replica.
    await until(async () => (await escalateRows(c, fire.id)).length > 0, ACK_TIMEOUT_S * 1000 + WAIT_MS);
    const first = await escalateRows(c, fire.id);
    expect(first.length, 'an escalate audit row for the incident').toBeGreaterThan(0);
    expect(Date.parse(first[0]!.at)).toBeGreaterThanOrEqual(killedAt);
    // Which replica: the survivors' counters (only this incident can have escalated yet).
    const survivors = c.live();
    const counts = await Promise.all(survivors.map((i) => escalatedCount(c, i)));
    console.info(
      `replica-escalation-kill: owner ${owner} killed ${((Date.parse(fire.escalate_at!) - killedAt) / 1000).toFixed(1)} s before due; ` +
        `first heir ${heir}; escalations counted per live replica ${survivors.map((i, k) => `r${i}=${counts[k]}`).join(' ')}`,
    );
    // Exactly one survivor escalated it (normally the first heir; the leases may move once more while r-dead's partitions are shared out).
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(counts.filter((n) => n === 1)).toHaveLength(1);

    // The later positive marker: the killed replica is back and owns partitions again…
    await c.restart(victim);
    const back = await until(async () => [...(await owners(c)).values()].includes(owner), WAIT_MS);
    expect(back, `${owner} holds partitions again after its restart`).toBe(true);
    // …a later alarm of the same site joins the escalated incident…
    await publishAlarm(c, site, `esc-kill-2-${site.id}`);
    const joined = await until(async () => (await openIncidents(c, site.id)).some((i) => i.id === fire.id && i.events >= 2), WAIT_MS);
    expect(joined, 'the later alarm joined the escalated incident').toBe(true);
    // …and an alarm of a site the restarted replica owns is stored as its incident.
    const o = await owners(c);
    const other = c.sites.find((s) => s.id !== site.id && o.get(partitionOf(s.id)) === owner);
    expect(other, `a site owned by the restarted ${owner}`).toBeDefined();
    await publishAlarm(c, other!, `esc-kill-3-${other!.id}`);
    expect(await until(async () => (await openIncidents(c, other!.id)).length > 0, WAIT_MS)).toBe(true);

    // Now count: one escalate row for the incident (so once per level), one open incident of the site.
    const rows = await escalateRows(c, fire.id);
    expect(rows.map((r) => r.note)).toHaveLength(1);
    const now = await openIncidents(c, site.id);
    expect(now).toHaveLength(1);
    expect(now[0]!.level).toBe(1);
  }, 600_000);
});
