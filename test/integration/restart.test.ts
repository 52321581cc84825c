import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { waitFor } from '../helpers/hub.js';
import { startProcessHub, type ProcessHub } from '../helpers/process-hub.js';
import { HUB_YAML, makeTree, TREE_LOGINS } from '../helpers/tree.js';
import { accountOf, defaultUsersYaml } from '../helpers/accounts.js';

/** The test district with a short P1 acknowledgement time, so an escalation falls due while the hub is down. */
const tree = makeTree();
tree.write(
  'config/hub.yaml',
  HUB_YAML.replace('  correlation_window: 120s', '  correlation_window: 120s\n  ack_timeout: { p1: 3s, p2: 60s, p3: 60s, p4: 60s }'),
);

function incidents(): Incident[] {
  const db = new Database(join(tree.root, 'data/test.db'), { readonly: true });
  try {
    return (db.prepare(`SELECT doc FROM incidents WHERE status <> 'closed' ORDER BY opened_ms`).all() as Array<{ doc: string }>).map(
      (r) => JSON.parse(r.doc) as Incident,
    );
  } finally {
    db.close();
  }
}

async function ackAs(httpPort: number, username: string, id: string): Promise<number> {
  const base = `http://127.0.0.1:${httpPort}`;
  const login = await fetch(`${base}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: accountOf(username).password }),
  });
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const cookie = /sg_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0];
  const r = await fetch(`${base}/api/incidents/${id}/ack`, {
    method: 'POST',
    headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
    body: '{}',
  });
  return r.status;
}

describe('a real process restart (SIGKILL)', () => {
  let hub: ProcessHub | null = null;
  afterAll(async () => {
    await hub?.kill();
    tree.remove();
  });

  it('open incidents and their owners survive, and an escalation that fell due while the hub was down fires on start', async () => {
    tree.write('config/users.yaml', await defaultUsersYaml());
    hub = await startProcessHub(tree.root);
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
      protocolVersion: 4,
      username: 'home-b',
      password: TREE_LOGINS['home-b'],
      reconnectPeriod: 0,
    });
    const m = nativeEvent('safegrid/home-b/home-b-panel', 'panic', null, 'restart-1');
    await device.publishAsync(m.topic, m.payload, { qos: 1 });
    await device.endAsync(true);
    const shop = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
      protocolVersion: 4,
      username: 'shop-a',
      password: TREE_LOGINS['shop-a'],
      reconnectPeriod: 0,
    });
    const s = nativeEvent('safegrid/shop-a/shop-a-panel', 'intrusion', 1, 'restart-2');
    await shop.publishAsync(s.topic, s.payload, { qos: 1 });
    await shop.endAsync(true);
    const [before, owned] = await waitFor(() => {
      const open = incidents();
      return open.length === 2 ? open : null;
    });
    expect(owned!.siteId).toBe('shop-a');
    expect(await ackAs(hub.httpPort, 'op-hecheng', owned!.id)).toBe(200);
    expect(before).toMatchObject({ kind: 'panic', priority: 1, status: 'new', escalationLevel: 0, responsibleStationId: 'ps-minghu' });
    expect(before!.escalateAt).not.toBeNull();

    await hub.kill();
    hub = null;
    // Down past the 3 s acknowledgement time.
    const due = Date.parse(before!.escalateAt!);
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now()) + 500));

    hub = await startProcessHub(tree.root);
    const [after, ownedAfter] = await waitFor(() => {
      const open = incidents();
      return open[0]?.escalationLevel === 1 ? open : null;
    }, 30_000);
    expect(ownedAfter).toMatchObject({ id: owned!.id, status: 'acknowledged', owner: 'op-hecheng', escalationLevel: 0 });
    expect(after).toMatchObject({ id: before!.id, status: 'new', escalationLevel: 1, responsibleStationId: 'city-110' });
    expect(after!.timeline.some((t) => t.type === 'escalation' && t.text?.includes('升级上报至'))).toBe(true);
    expect(after!.timeline.filter((t) => t.type === 'event')).toHaveLength(1);
    // Two real process starts: each takes seconds on a loaded 2-core machine. A generous ceiling, not a time budget.
  }, 120_000);
});
