import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import { contactId, frigateEvent, nativeEvent, zigbeeState } from '../../src/simulate/payloads.js';
import { nextEvent, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { HUB_YAML, makeTree, TREE_LOGINS } from '../helpers/tree.js';

const run = promisify(execFile);
const hasMosquittoPub = await run('mosquitto_pub', ['--help']).then(
  () => true,
  (e: { code?: unknown }) => e.code !== 'ENOENT',
);

let t: TestHub;
let db: Database.Database;

function rows(sql: string, ...args: unknown[]): Array<Record<string, unknown>> {
  return db.prepare(sql).all(...args) as Array<Record<string, unknown>>;
}

beforeAll(async () => {
  t = await startTestHub();
  // A second, independent connection: what is visible here is committed to the file.
  db = new Database(join(t.tree.root, 'data/test.db'), { readonly: true, fileMustExist: true });
});

afterAll(async () => {
  db?.close();
  await t?.close();
});

describe('an alarm from an MQTT device reaches a live console, grid-tagged and stored', () => {
  it('native JSON alarm: console gets the incident with grid cell and station; the row is in SQLite before the PUBACK', async () => {
    const { socket } = await t.console();
    const device = await t.deviceAs('shop-a-panel');
    const incoming = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 'shop-a');
    const msg = nativeEvent('safegrid/shop-a/shop-a-panel', 'intrusion', 2, 'm-0001');
    await device.publishAsync(msg.topic, msg.payload, { qos: 1 });
    // The PUBACK has arrived: the event must already be durable.
    const stored = rows(`SELECT * FROM events WHERE dedupe_key LIKE 'm:shop-a/shop-a-panel:m-0001%'`);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      site_id: 'shop-a',
      kind: 'intrusion',
      zone: 2,
      zone_name: '仓库红外',
      grid_cell_id: 'cell-sw',
      station_id: 'ps-hecheng',
      category: 'police',
    });
    const incident = await incoming;
    expect(incident).toMatchObject({
      siteId: 'shop-a',
      siteName: '明湖路12号便利店',
      kind: 'intrusion',
      priority: 2,
      status: 'new',
      gridCellId: 'cell-sw',
      gridCellName: '荷城街道第1网格',
      stationId: 'ps-hecheng',
      zones: [2],
    });
    expect(incident.location).toEqual([26.595, 104.835]);
  });

  it('a redelivered message with the same msgId is stored once', async () => {
    const device = await t.deviceAs('home-b');
    const msg = nativeEvent('safegrid/home-b/home-b-panel', 'intrusion', 1, 'dup-42');
    await device.publishAsync(msg.topic, msg.payload, { qos: 1 });
    await device.publishAsync(msg.topic, msg.payload, { qos: 1, dup: true } as never);
    await device.publishAsync(msg.topic, msg.payload, { qos: 1 });
    expect(rows(`SELECT id FROM events WHERE dedupe_key LIKE 'm:home-b/home-b-panel:dup-42%'`)).toHaveLength(1);
    expect(t.hub.metrics.value('sg_events_duplicate_total')).toBeGreaterThanOrEqual(2);
  });

  it('zigbee2mqtt: a device repeating its whole state raises one alarm; contact:true means closed', async () => {
    const device = await t.deviceAs('shop-a-door');
    const topic = 'zigbee2mqtt/shop_a_front_door';
    const before = rows(`SELECT id FROM events WHERE device_id = 'shop-a-door'`).length;
    await device.publishAsync(topic, zigbeeState(topic, { contact: true }).payload, { qos: 1 });
    await device.publishAsync(topic, zigbeeState(topic, { contact: true }).payload, { qos: 1 });
    expect(rows(`SELECT id FROM events WHERE device_id = 'shop-a-door'`)).toHaveLength(before);
    await device.publishAsync(topic, zigbeeState(topic, { contact: false }).payload, { qos: 1 });
    await device.publishAsync(topic, zigbeeState(topic, { contact: false }).payload, { qos: 1 });
    const after = rows(`SELECT kind, zone, zone_name FROM events WHERE device_id = 'shop-a-door' ORDER BY seq`);
    expect(after.length - before).toBe(1);
    expect(after.at(-1)).toMatchObject({ kind: 'intrusion', zone: 1, zone_name: '前门' });
  });

  it.skipIf(!hasMosquittoPub)("Contact ID from Debian's mosquitto_pub becomes a fire incident (119)", async () => {
    const { socket } = await t.console();
    const incoming = nextEvent<Incident>(socket, 'incident:new', (i) => i.category === 'fire');
    const payload = contactId({ account: '1234', qualifier: 1, code: 111, group: 1, zone: 5 });
    // shop-a already has an open police incident; a fire within the window joins it and takes it over.
    const update = nextEvent<Incident>(socket, 'incident:update', (i) => i.siteId === 'shop-a' && i.kind === 'smoke');
    await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(t.hub.mqttPort),
      '-q',
      '1',
      '-i',
      'cid-gw',
      '-u',
      'shop-a',
      '-P',
      TREE_LOGINS['shop-a']!,
      '-t',
      'alarms/shop-a/cid',
      '-m',
      payload,
    ]);
    const incident = await Promise.race([incoming, update]);
    expect(incident).toMatchObject({ siteId: 'shop-a', kind: 'smoke', category: 'fire', priority: 1 });
    expect(incident.zones).toContain(5);
    expect(rows(`SELECT kind, zone, zone_name, profile FROM events WHERE device_id = 'shop-a-cid'`).at(-1)).toMatchObject({
      kind: 'smoke',
      zone: 5,
      zone_name: '烟感',
      profile: 'contact-id',
    });
  });

  it.skipIf(!hasMosquittoPub)('a slow subscriber of stored events (dispatch, pushes, video) does not hold up the PUBACK', async () => {
    // mosquitto_pub is another process: it gets its PUBACK and touches the marker even while the
    // hub's event loop is held by the subscriber below, which waits for the marker (10 s ceiling).
    // Were the batch announced before its acknowledgements, the subscriber would give up first.
    const marker = join(t.tree.root, 'puback-arrived');
    let ackedFirst: boolean | null = null;
    const off = t.hub.bus.on('event:stored', (events) => {
      if (!events.some((e) => e.dedupeKey.includes(':slow-sub-1:'))) return;
      const ceiling = Date.now() + 10_000;
      while (!existsSync(marker) && Date.now() < ceiling); // holds the loop, as a slow subscriber would
      ackedFirst = existsSync(marker);
    });
    try {
      const m = nativeEvent('safegrid/shop-a/shop-a-panel', 'intrusion', 1, 'slow-sub-1');
      const login = ['-u', 'shop-a', '-P', TREE_LOGINS['shop-a']!];
      const pub = ['mosquitto_pub', '-h', '127.0.0.1', '-p', String(t.hub.mqttPort), '-q', '1', '-i', 'slow-sub', ...login].join(' ');
      await run('sh', ['-c', `${pub} -t "$1" -m "$2" && touch "$3"`, 'sh', m.topic, m.payload, marker]);
      await waitFor(() => ackedFirst !== null, 15_000);
      expect(ackedFirst).toBe(true);
    } finally {
      off();
    }
  });

  it('Frigate: a person on a linked camera becomes an event of the camera site; `end` closes nothing', async () => {
    const bridge = await t.deviceAs('frigate');
    const start = Date.now() / 1000;
    await bridge.publishAsync('frigate/events', frigateEvent({ type: 'new', camera: 'shop_a_door', label: 'person', id: 'f-1', startTime: start }).payload, {
      qos: 1,
    });
    await bridge.publishAsync('frigate/events', frigateEvent({ type: 'end', camera: 'shop_a_door', label: 'person', id: 'f-1', startTime: start }).payload, {
      qos: 1,
    });
    const ev = rows(`SELECT site_id, device_id, kind FROM events WHERE profile = 'frigate'`);
    expect(ev).toEqual([{ site_id: 'shop-a', device_id: 'shop-a-cam1', kind: 'person_detected' }]);
    // Dispatch hears of stored events just after their PUBACK: wait until it has taken this one.
    await waitFor(() => t.hub.incidents.snapshot().some((i) => i.timeline.some((x) => x.kind === 'person_detected')));
    expect(
      t.hub.incidents
        .snapshot()
        .filter((i) => i.siteId === 'shop-a')
        .every((i) => i.status !== 'closed'),
    ).toBe(true);
  });

  it('Home Assistant alarm_control_panel "triggered" becomes a burglary', async () => {
    const ha = await t.deviceAs('shop-a');
    await ha.publishAsync('homeassistant/alarm_control_panel/shop_a/state', 'armed_away', { qos: 1 });
    await ha.publishAsync('homeassistant/alarm_control_panel/shop_a/state', 'triggered', { qos: 1 });
    const kinds = rows(`SELECT kind FROM events WHERE device_id = 'shop-a-ha' ORDER BY seq`).map((r) => r.kind);
    expect(kinds).toContain('burglary');
  });
});

describe('bad input is rejected with a reason, counted, and never loses the next alarm', () => {
  it('malformed JSON, unknown topic, oversize, bad UTF-8 and an unknown kind are each counted by reason', async () => {
    const d = await t.deviceAs('home-b');
    await d.publishAsync('safegrid/home-b/home-b-panel/event', '{"kind": "intrusion", ', { qos: 1 });
    // Frigate's other topics in its namespace (stats, per-camera counts) are its chatter: accepted,
    // counted as housekeeping, never as a mistake.
    const frigate = await t.deviceAs('frigate');
    const chatter = t.hub.metrics.value('sg_ingest_housekeeping_total');
    await frigate.publishAsync('frigate/stats', '{"cpu_usages":{}}', { qos: 1 });
    await frigate.publishAsync('frigate/shop_a_door/person', '1', { qos: 1 });
    expect(t.hub.metrics.value('sg_ingest_housekeeping_total')).toBe(chatter + 2);
    await d.publishAsync('safegrid/home-b/home-b-panel/event', Buffer.alloc(70 * 1024, 0x7b), { qos: 1 });
    await d.publishAsync('safegrid/home-b/home-b-panel/event', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { qos: 1 });
    await d.publishAsync('safegrid/home-b/home-b-panel/event', JSON.stringify({ kind: 'alien_landing' }), { qos: 1 });
    const good = nativeEvent('safegrid/home-b/home-b-panel', 'panic', null, 'after-bad-input');
    await d.publishAsync(good.topic, good.payload, { qos: 1 });
    expect(rows(`SELECT kind FROM events WHERE dedupe_key LIKE 'm:home-b/home-b-panel:after-bad-input%'`)).toEqual([{ kind: 'panic' }]);

    const admin = await t.login('admin');
    const metrics = await (await admin.get('/metrics')).text();
    for (const code of ['SG_INGEST_BAD_JSON', 'SG_INGEST_OVERSIZE', 'SG_INGEST_BAD_UTF8', 'SG_INGEST_UNKNOWN_KIND']) {
      expect(metrics).toMatch(new RegExp(`sg_ingest_rejected_total\\{reason="${code}"\\} [1-9]`));
    }
    const rejected = t.logs.filter((l) => l.msg === 'message rejected').map((l) => l.code);
    expect(rejected).toEqual(expect.arrayContaining(['SG_INGEST_BAD_JSON', 'SG_INGEST_OVERSIZE', 'SG_INGEST_BAD_UTF8']));
  });

  it('an unknown topic is counted, and logged once per topic with a sample to paste into a profile', async () => {
    // With device auth no login can publish where nothing is bound (that costs the connection,
    // device-security.test.ts), so this is a lab hub with mqtt.auth: off — where a typo in a
    // device's topic shows up exactly like this.
    const tree = makeTree();
    tree.write('config/hub.yaml', HUB_YAML.replace('  auth: required\n', '  auth: off\n'));
    const lab = await startTestHub({ tree });
    try {
      const d = await lab.device({ clientId: 'lab-typo' });
      for (let i = 0; i < 5; i++) await d.publishAsync('safegrid/shop-a/shop-a-panle/event', `{"n":${i}}`, { qos: 1 });
      const lines = lab.logs.filter((l) => l.code === 'SG_INGEST_UNKNOWN_TOPIC' && l.topic === 'safegrid/shop-a/shop-a-panle/event');
      expect(lines).toHaveLength(1);
      expect(lines[0]!.sample).toBe('{"n":0}');
      expect(lab.hub.metrics.value('sg_ingest_rejected_total', { reason: 'SG_INGEST_UNKNOWN_TOPIC' })).toBe(5);
      // The next good alarm from the same connection is recorded.
      const good = nativeEvent('safegrid/shop-a/shop-a-panel', 'panic', 3, 'after-typo');
      await d.publishAsync(good.topic, good.payload, { qos: 1 });
      expect((await lab.hub.store.events.query({ siteId: 'shop-a', limit: 5 })).some((e) => e.kind === 'panic')).toBe(true);
    } finally {
      await lab.close();
    }
  });

  it('an alarm on a zone the device file does not list is kept and flagged, not dropped', async () => {
    const d = await t.deviceAs('home-b');
    const m = nativeEvent('safegrid/home-b/home-b-panel', 'intrusion', 9, 'zone-9');
    await d.publishAsync(m.topic, m.payload, { qos: 1 });
    const [row] = rows(`SELECT zone, zone_name, detail FROM events WHERE dedupe_key LIKE 'm:home-b/home-b-panel:zone-9%'`);
    expect(row).toMatchObject({ zone: 9, zone_name: null });
    expect(String(row!.detail)).toContain('zone 9 is not registered');
    expect(t.hub.metrics.value('sg_ingest_flagged_total', { reason: 'unknown_zone' })).toBe(1);
  });
});

describe('REST and the console snapshot', () => {
  it('/api/health, /api/events, /api/incidents, /api/sites, /api/devices, /api/grids answer', async () => {
    const admin = await t.login('admin');
    const get = async (p: string) => {
      const r = await admin.get(p);
      expect(r.status, p).toBe(200);
      return r.json() as Promise<Record<string, unknown>>;
    };
    expect(await get('/api/health')).toMatchObject({ status: 'ok', storage: 'ok', sites: 2 });
    const events = (await get('/api/events?site=shop-a&limit=5')).events as unknown[];
    expect(events.length).toBeGreaterThan(0);
    const open = (await get('/api/incidents?status=open')).incidents as Incident[];
    expect(open.map((i) => i.siteId)).toEqual(expect.arrayContaining(['shop-a', 'home-b']));
    // Most urgent first.
    expect(open.map((i) => i.priority)).toEqual([...open.map((i) => i.priority)].sort());
    const sites = (await get('/api/sites')).sites as Array<{ id: string; gridCellId: string }>;
    expect(sites.find((s) => s.id === 'home-b')?.gridCellId).toBe('cell-ne');
    const devices = (await get('/api/devices')).devices as Array<{ id: string; availability: string }>;
    expect(devices.find((d) => d.id === 'shop-a-panel')).toBeTruthy();
    const grids = await get('/api/grids');
    expect((grids.features as unknown[]).length).toBe(4);
  });

  it('a console that connects later receives the whole open queue in queue:snapshot', async () => {
    await waitFor(() => t.hub.incidents.snapshot().length >= 2);
    const { snapshot } = await t.console();
    expect(snapshot.incidents.map((i) => i.id)).toEqual(t.hub.incidents.snapshot().map((i) => i.id));
    expect(snapshot.incidents[0]!.priority).toBe(1);
  });
});
