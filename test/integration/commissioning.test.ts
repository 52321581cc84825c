/**
 * Commissioning over real MQTT (issue 15): a walk test takes a site's trips to its checklist instead
 * of the 110 queue; a device in maintenance is recorded but raises nothing in the queue; a device
 * never heard from (待安装) does not go offline. Every "nothing in the queue" waits for a later
 * alarm of another site to reach the queue first (the positive marker).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScaledClock } from '../../src/core/clock.js';
import type { Incident } from '../../src/contract/incident.js';
import type { EventBatch } from '../../src/contract/socket.js';
import type { SiteCommissioning, WalkTest } from '../../src/contract/commissioning.js';
import { contactId, nativeEvent, nativeStatus } from '../../src/simulate/payloads.js';
import { runWalktestCommand } from '../../src/commissioning/walktest-command.js';
import { accountOf } from '../helpers/accounts.js';
import { nextEvent, startTestHub, waitFor, type LoggedIn, type TestHub } from '../helpers/hub.js';
import { makeTree } from '../helpers/tree.js';

const run = promisify(execFile);
const hasMosquittoPub = await run('mosquitto_pub', ['--help']).then(
  () => true,
  (e: { code?: unknown }) => e.code !== 'ENOENT',
);

const WALK_PASS = 'pw-walk-c-Tr8mQ2';
/** A shop with four zones on one panel, and a second panel that is never installed. */
const WALK_YAML = `site:
  id: walk-c
  name: 水西路8号商铺
  kind: shop
  address: 钟山区水西路8号
  door_plate: 水西路8号
  location: [26.596, 104.836]
  contacts: [{ name: 赵老板, phone: "13800000009" }]
  mqtt: { username: walk-c, password_env: MQTT_WALK_C_PASS }
devices:
  - id: walk-panel
    profile: native
    topic: safegrid/walk-c/walk-panel
    heartbeat: 20s
    zones:
      1: { name: 前门, type: entry }
      2: { name: 后门, type: entry }
      3: { name: 仓库红外, type: interior }
      4: { name: 二楼窗磁, type: perimeter }
  - id: walk-spare
    profile: native
    topic: safegrid/walk-c/walk-spare
    heartbeat: 20s
`;

const PANEL_PASS = 'pw-walk-e-Kd3wP8';
/** A Contact ID panel whose installer enters walk test mode at the keypad (CID 607). */
const CID_YAML = `site:
  id: walk-e
  name: 钟山大道5号仓库
  kind: unit
  address: 钟山区钟山大道5号
  door_plate: 钟山大道5号
  location: [26.597, 104.837]
  contacts: [{ name: 孙经理, phone: "13800000011" }]
  mqtt: { username: walk-e, password_env: MQTT_WALK_E_PASS }
devices:
  - id: walk-cid
    profile: contact-id
    topic: alarms/walk-e/cid
    account: "5678"
    zones:
      1: { name: 大门, type: entry }
      2: { name: 库房红外, type: interior }
`;

let t: TestHub;
let installer: LoggedIn;
let admin: LoggedIn;
let markers = 0;

beforeAll(async () => {
  // The hub's clock runs 5× fast, so a 20 s heartbeat (the shortest allowed) is missed in seconds.
  const clock = new ScaledClock(5);
  t = await startTestHub({
    tree: makeTree({ 'walk-c.yaml': WALK_YAML, 'walk-e.yaml': CID_YAML }),
    env: { MQTT_WALK_C_PASS: WALK_PASS, MQTT_WALK_E_PASS: PANEL_PASS },
    livenessCheckMs: 200,
    clock,
  });
  installer = await t.login('installer');
  admin = await t.login('admin');
});

afterAll(async () => {
  await t?.close();
});

/** An alarm of shop-a that must reach the queue: once it is there, anything published before it was handled. */
async function queueMarker(): Promise<Incident> {
  const panel = await t.deviceAs('shop-a-panel');
  const id = `marker-${++markers}`;
  const msg = nativeEvent('safegrid/shop-a/shop-a-panel', markers % 2 ? 'panic' : 'fire', 3, id);
  const before = new Set(t.hub.incidents.snapshot().map((i) => i.id));
  await panel.publishAsync(msg.topic, msg.payload, { qos: 1 });
  return waitFor(() => t.hub.incidents.snapshot().find((i) => i.siteId === 'shop-a' && (!before.has(i.id) || i.version > 1)));
}

async function view(siteId: string, as: LoggedIn = installer): Promise<SiteCommissioning & { diverted: Array<{ zone: number | null; destination: string }> }> {
  const r = await as.get(`/api/commissioning?site=${siteId}`);
  expect(r.status).toBe(200);
  const body = (await r.json()) as { sites: Array<SiteCommissioning & { diverted: Array<{ zone: number | null; destination: string }> }> };
  return body.sites[0]!;
}

describe('commissioning over real MQTT', () => {
  it('a walk test where three of four zones are tripped: three seen, one missing, nothing in the 110 queue, the record stored', async () => {
    const started = await installer.post('/api/sites/walk-c/walktest/start', { minutes: 10 });
    expect(started.status).toBe(200);
    const startedView = (await started.json()) as SiteCommissioning;
    expect(startedView.walkTest?.zones.map((z) => z.zone)).toEqual([1, 2, 3, 4]);
    // A second start while it runs is refused with its code.
    const again = await installer.post('/api/sites/walk-c/walktest/start', {});
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'walk_test_running' });

    // The consoles' event log still sees the trips, marked as walk test.
    const { socket } = await t.console();
    const logged = nextEvent<EventBatch>(socket, 'event:stored', (b) => b.events.some((e) => e.siteId === 'walk-c' && e.destination === 'walk_test'));
    const panel = await t.device({ username: 'walk-c', password: WALK_PASS });
    for (const zone of [1, 2, 3]) {
      const msg = nativeEvent('safegrid/walk-c/walk-panel', 'burglary', zone, `walk-${zone}`);
      await panel.publishAsync(msg.topic, msg.payload, { qos: 1 });
    }
    const ticked = await waitFor(() => {
      const w = t.hub.commissioning.view('walk-c')?.walkTest;
      return w && w.zones.filter((z) => z.seen).length === 3 ? w : null;
    });
    expect(ticked.zones.map((z) => [z.zone, z.seen])).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [4, false],
    ]);
    expect(ticked.zones[0]).toMatchObject({ name: '前门', kind: 'burglary', deviceId: 'walk-panel', seenAt: expect.any(String) });

    await logged;
    await queueMarker();
    expect(t.hub.incidents.snapshot().filter((i) => i.siteId === 'walk-c')).toEqual([]);

    // The installer's view says the same; the trips are on record as walk-test events.
    const seen = await view('walk-c');
    expect(seen.walkTest?.zones.filter((z) => z.seen)).toHaveLength(3);
    expect(
      seen.diverted
        .filter((e) => e.destination === 'walk_test')
        .map((e) => e.zone)
        .sort(),
    ).toEqual([1, 2, 3]);

    const stopped = await installer.post('/api/sites/walk-c/walktest/stop', {});
    expect(stopped.status).toBe(200);
    const records = (await (await installer.get('/api/sites/walk-c/walktests')).json()) as { walkTests: WalkTest[] };
    expect(records.walkTests[0]).toMatchObject({ siteId: 'walk-c', passed: false, endedBy: 'installer', startedBy: 'installer' });
    expect(records.walkTests[0]!.zones.filter((z) => !z.seen).map((z) => z.name)).toEqual(['二楼窗磁']);
    // Not passed: the site stays pending install; both steps are in the audit trail.
    expect((await view('walk-c')).site.state).toBe('pending_install');
    const audit = (await t.hub.store.audit.all()).filter((a) => a.note?.includes('site walk-c'));
    expect(audit.map((a) => a.action)).toEqual(['walktest.start', 'walktest.end']);

    // After the test, the same panel's alarm goes to the queue again.
    const after = nativeEvent('safegrid/walk-c/walk-panel', 'burglary', 4, 'walk-after');
    await panel.publishAsync(after.topic, after.payload, { qos: 1 });
    await waitFor(() => t.hub.incidents.snapshot().find((i) => i.siteId === 'walk-c'));
  });

  it('a device in maintenance raises nothing in the queue; its alarm is stored and shown to installers', async () => {
    // An operator may look but not start maintenance.
    const operator = await t.login('op-minghu');
    const refused = await operator.post('/api/sites/home-b/maintenance/start', { minutes: 30, device: 'home-b-panel' });
    expect(refused.status).toBe(403);

    // The 明湖 station's console hears of it (its status board shows 维护).
    const { socket } = await t.console({ session: operator });
    const pushed = nextEvent<SiteCommissioning>(socket, 'commissioning:status', (c) => c.siteId === 'home-b');
    const r = await installer.post('/api/sites/home-b/maintenance/start', { minutes: 30, device: 'home-b-panel', note: '更换电池' });
    expect((await pushed).devices.find((d) => d.deviceId === 'home-b-panel')?.state).toBe('maintenance');
    expect(r.status).toBe(200);
    const started = (await r.json()) as SiteCommissioning;
    expect(started.devices.find((d) => d.deviceId === 'home-b-panel')).toMatchObject({ state: 'maintenance', maintenanceUntil: expect.any(String) });

    const home = await t.deviceAs('home-b');
    const msg = nativeEvent('safegrid/home-b/home-b-panel', 'intrusion', 1, 'maint-1');
    await home.publishAsync(msg.topic, msg.payload, { qos: 1 });
    await queueMarker();
    expect(t.hub.incidents.snapshot().filter((i) => i.siteId === 'home-b')).toEqual([]);
    const shown = await view('home-b');
    expect(shown.diverted).toContainEqual(expect.objectContaining({ zone: 1, destination: 'maintenance' }));
    // Stored like any event (the admin's event log has it).
    const events = (await (await admin.get('/api/events?site=home-b')).json()) as { events: Array<{ dedupeKey: string; destination?: string }> };
    expect(events.events.find((e) => e.dedupeKey.includes('maint-1'))).toMatchObject({ destination: 'maintenance' });

    // Ended by hand: the next alarm is an incident again, and the state change is audited.
    expect((await installer.post('/api/sites/home-b/maintenance/end', { device: 'home-b-panel' })).status).toBe(200);
    const again = await installer.post('/api/sites/home-b/maintenance/end', { device: 'home-b-panel' });
    expect(await again.json()).toMatchObject({ code: 'not_in_maintenance' });
    const next = nativeEvent('safegrid/home-b/home-b-panel', 'intrusion', 2, 'maint-2');
    await home.publishAsync(next.topic, next.payload, { qos: 1 });
    await waitFor(() => t.hub.incidents.snapshot().find((i) => i.siteId === 'home-b'));
    const audit = (await t.hub.store.audit.all()).filter((a) => a.note?.includes('site home-b'));
    expect(audit.map((a) => [a.action, a.fromStatus, a.toStatus])).toEqual([
      // Never heard from before: it was pending install when maintenance began.
      ['commissioning.maintenance', 'pending_install', 'maintenance'],
      ['commissioning.in_service', 'maintenance', 'in_service'],
    ]);
  });

  it("the panel's own walk test mode (Contact ID E607 … R607) starts and ends a walk test; the trips in between stay out of the queue", async () => {
    const panel = await t.device({ username: 'walk-e', password: PANEL_PASS });
    const send = (q: 1 | 3, code: number, zone: number) =>
      panel.publishAsync('alarms/walk-e/cid', contactId({ account: '5678', qualifier: q, code, group: 1, zone }), { qos: 1 });
    await send(1, 607, 0);
    await waitFor(() => t.hub.commissioning.view('walk-e')?.walkTest);
    await send(1, 130, 2);
    await send(3, 130, 2);
    await waitFor(() => t.hub.commissioning.view('walk-e')?.walkTest?.zones.find((z) => z.zone === 2 && z.seen));
    await send(3, 607, 0);
    await waitFor(() => t.hub.commissioning.view('walk-e')?.walkTest === null || null);
    await queueMarker();
    expect(t.hub.incidents.snapshot().filter((i) => i.siteId === 'walk-e')).toEqual([]);
    expect((await t.hub.commissioning.walkTests('walk-e'))[0]).toMatchObject({
      trigger: 'panel',
      startedBy: 'panel:walk-cid',
      endedBy: 'panel:walk-cid',
      passed: false,
    });
  });

  it('`safegrid walktest <site> start|status|stop` runs the walk test from a terminal with an installer login', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const cli = (...positionals: string[]) =>
      runWalktestCommand({
        positionals,
        url: t.baseUrl,
        user: 'installer',
        minutes: '5',
        password: async () => accountOf('installer').password,
        out: (l) => out.push(l),
        err: (l) => err.push(l),
      });
    expect(await cli('home-b', 'start')).toBe(0);
    expect(out[0]).toMatch(/^walk test \S+ of home-b: 0\/2 zones seen; running until/);
    const home = await t.deviceAs('home-b');
    const msg = nativeEvent('safegrid/home-b/home-b-panel', 'intrusion', 2, 'cli-walk-2');
    await home.publishAsync(msg.topic, msg.payload, { qos: 1 });
    await waitFor(() => t.hub.commissioning.view('home-b')?.walkTest?.zones.find((z) => z.zone === 2 && z.seen));
    out.length = 0;
    expect(await cli('home-b', 'stop')).toBe(0);
    expect(out.join('\n')).toMatch(/1\/2 zones seen; ended .* by installer, NOT PASSED/);
    expect(out.join('\n')).toMatch(/zone 1 {2}入户门 {2}NOT SEEN/);
    expect(out.join('\n')).toMatch(/zone 2 {2}客厅红外 {2}seen .* intrusion by home-b-panel/);
    expect(await cli('home-b', 'stop')).toBe(1);
    expect(err.at(-1)).toContain('no_walk_test');
    expect(await cli('home-b', 'sideways')).toBe(2);
  });

  it.skipIf(!hasMosquittoPub)('a device never heard from (待安装) does not go offline; one heard once and then silent does', async () => {
    // walk-panel was heard in the first test; walk-spare never. Both expect a heartbeat every 20 s (the hub's clock runs 5× fast).
    const { stdout, stderr } = await run('mosquitto_pub', [
      ...['-h', '127.0.0.1', '-p', String(t.hub.mqttPort), '-V', 'mqttv311', '-q', '1'],
      ...['-u', 'walk-c', '-P', WALK_PASS, '-i', 'walk-c-pub'],
      ...['-t', nativeStatus('safegrid/walk-c/walk-panel', 'online').topic, '-m', 'online'],
    ]);
    expect(stdout + stderr).toBe('');
    // The panel falls silent: the positive marker is its own trouble.offline (technical incident).
    await waitFor(async () => (await t.hub.store.events.query({ siteId: 'walk-c', deviceId: 'walk-panel', kind: 'trouble.offline' }))[0], 30_000);
    expect(await t.hub.store.events.query({ siteId: 'walk-c', deviceId: 'walk-spare', kind: 'trouble.offline' })).toEqual([]);
    const v = await view('walk-c');
    expect(v.devices.find((d) => d.deviceId === 'walk-spare')).toMatchObject({ state: 'pending_install' });
    expect(v.devices.find((d) => d.deviceId === 'walk-panel')).toMatchObject({ state: 'in_service' });
  });
});
