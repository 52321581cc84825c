/**
 * Issue 12 part A over real MQTT, published with Debian's mosquitto_pub: the alarm stream tells the
 * truth — supervision is state, zones decide, duplicates by identity, initial state is state — and a
 * message the store could not write is not acknowledged.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import type { EventBatch } from '../../src/contract/socket.js';
import { contactId, nativeEvent, zigbeeState } from '../../src/simulate/payloads.js';
import { nextEvent, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { makeTree } from '../helpers/tree.js';

const run = promisify(execFile);
const hasMosquittoPub = await run('mosquitto_pub', ['--help']).then(
  () => true,
  (e: { code?: unknown }) => e.code !== 'ENOENT',
);

const PASSWORDS = { 'truth-c': 'pw-truth-c-Qa1', 'truth-d': 'pw-truth-d-Qa2', 'truth-e': 'pw-truth-e-Qa3', 'truth-f': 'pw-truth-f-Qa4' };

/** A home in cell-nw with the devices of one scenario; its login comes from MQTT_<ID>_PASS. */
function siteYaml(id: keyof typeof PASSWORDS, devices: string): string {
  return `site:
  id: ${id}
  name: 测试住宅${id}
  kind: home
  address: 钟山区测试路${id}
  door_plate: 测试路${id}
  location: [26.605, 104.835]
  contacts: [{ name: 测试, phone: "13900000001" }]
  guard_group: minghu-team
  mqtt: { username: ${id}, password_env: MQTT_${id.replace('-', '_').toUpperCase()}_PASS }
devices:
${devices}`;
}

const SITES = {
  // The door of issue 12's repro, with its zone declared by the panel, and a Home Assistant panel.
  'truth-c.yaml': siteYaml(
    'truth-c',
    `  - id: c-panel
    profile: native
    topic: safegrid/truth-c/c-panel
    zones:
      1: { name: 入户门, type: entry }
  - id: c-door
    profile: zigbee2mqtt
    topic: zigbee2mqtt-truth-c/truth_c_door
    zone: 1
  - id: c-ha
    profile: homeassistant
    topic: homeassistant/alarm_control_panel/truth_c/state
`,
  ),
  'truth-d.yaml': siteYaml(
    'truth-d',
    `  - id: d-panel
    profile: native
    topic: safegrid/truth-d/d-panel
    zones:
      1: { name: 客厅红外, type: interior }
  - id: d-ha
    profile: homeassistant
    topic: homeassistant/alarm_control_panel/truth_d/state
`,
  ),
  // A Contact ID panel reporting periodic tests (E602).
  'truth-e.yaml': siteYaml(
    'truth-e',
    `  - id: e-cid
    profile: contact-id
    topic: alarms/truth-e/cid
    account: "4321"
    test_interval: 24h
    zones:
      1: { name: 前门, type: entry }
`,
  ),
  // A contact sensor on a zone declared gas (燃气报警).
  'truth-f.yaml': siteYaml(
    'truth-f',
    `  - id: f-panel
    profile: native
    topic: safegrid/truth-f/f-panel
    zones:
      2: { name: 燃气报警, type: gas }
      3: { name: 卫生间水浸, type: water }
  - id: f-gas
    profile: zigbee2mqtt
    topic: zigbee2mqtt-truth-f/truth_f_gas
    zone: 2
`,
  ),
};

let t: TestHub;
let db: Database.Database;

function rows(sql: string, ...args: unknown[]): Array<Record<string, unknown>> {
  return db.prepare(sql).all(...args) as Array<Record<string, unknown>>;
}

function pub(site: keyof typeof PASSWORDS, topic: string, payload: string, extra: string[] = []): Promise<unknown> {
  const args = ['-h', '127.0.0.1', '-p', String(t.hub.mqttPort), '-q', '1', '-u', site, '-P', PASSWORDS[site], '-t', topic, '-m', payload, ...extra];
  return run('mosquitto_pub', args);
}

beforeAll(async () => {
  const env = Object.fromEntries(Object.entries(PASSWORDS).map(([id, pw]) => [`MQTT_${id.replace('-', '_').toUpperCase()}_PASS`, pw]));
  t = await startTestHub({ tree: makeTree(SITES), env });
  db = new Database(join(t.tree.root, 'data/test.db'), { readonly: true, fileMustExist: true });
});

afterAll(async () => {
  db?.close();
  await t?.close();
});

describe.skipIf(!hasMosquittoPub)('the alarm stream tells the truth (mosquitto_pub)', () => {
  it('a first (retained) HA armed_away sets the armed state; the door opening, closing and opening raises two intrusions', async () => {
    const { socket } = await t.console();
    const opened = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 'truth-c');
    await pub('truth-c', 'homeassistant/alarm_control_panel/truth_c/state', 'armed_away', ['-r']);
    await waitFor(() => rows(`SELECT 1 FROM events WHERE site_id = 'truth-c' AND kind = 'arm'`).length === 1);
    // Initial state is state: the arm opened nothing.
    expect(rows(`SELECT id FROM incidents WHERE site_id = 'truth-c'`)).toHaveLength(0);
    const topic = 'zigbee2mqtt-truth-c/truth_c_door';
    for (const contact of [false, true, false]) await pub('truth-c', topic, zigbeeState(topic, { contact }).payload);
    const intrusions = await waitFor(() => {
      const r = rows(`SELECT kind, zone, zone_type FROM events WHERE device_id = 'c-door' AND kind = 'intrusion' ORDER BY seq`);
      return r.length >= 2 && r;
    });
    expect(intrusions).toEqual([
      { kind: 'intrusion', zone: 1, zone_type: 'entry' },
      { kind: 'intrusion', zone: 1, zone_type: 'entry' },
    ]);
    // The device's state ends open (contact false), so a later close is a restore, not silence.
    expect(t.hub.ingest.deviceAvailability('truth-c', 'c-door')?.state).toMatchObject({ contact: false });
    const incident = await opened;
    // Armed: the intrusion keeps its P2 (a disarmed site would have lowered it to P3).
    expect(incident).toMatchObject({ kind: 'intrusion', priority: 2 });
    expect(incident.priorityReason).not.toMatch(/disarmed/);
  });

  it('a first (retained) HA disarmed gives the next intrusion the disarmed priority', async () => {
    const { socket } = await t.console();
    const opened = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 'truth-d');
    await pub('truth-d', 'homeassistant/alarm_control_panel/truth_d/state', 'disarmed', ['-r']);
    await waitFor(() => rows(`SELECT 1 FROM events WHERE site_id = 'truth-d' AND kind = 'disarm'`).length === 1);
    const m = nativeEvent('safegrid/truth-d/d-panel', 'intrusion', 1, 'truth-d-1');
    await pub('truth-d', m.topic, m.payload);
    expect(await opened).toMatchObject({ kind: 'intrusion', priority: 3 });
  });

  it('E602 periodic tests published repeatedly leave no incident and no event-log line; the supervision record has them', async () => {
    const { socket } = await t.console();
    const logged: EventBatch[] = [];
    socket.on('event:stored', (batch: EventBatch) => logged.push(batch));
    const statuses: Array<{ deviceId: string; lastTestAt?: string | null }> = [];
    socket.on('device:status', (s) => statuses.push(s));
    const opened: Incident[] = [];
    socket.on('incident:new', (i: Incident) => {
      if (i.siteId === 'truth-e') opened.push(i);
    });
    const test = contactId({ account: '4321', qualifier: 1, code: 602, group: 0, zone: 0 });
    for (let i = 0; i < 12; i++) await pub('truth-e', 'alarms/truth-e/cid', test);
    // A later marker alarm from the same panel: once it is in, every test before it was handled.
    const marker = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 'truth-e');
    await pub('truth-e', 'alarms/truth-e/cid', contactId({ account: '4321', qualifier: 1, code: 130, group: 1, zone: 1 }));
    const incident = await marker;
    expect(incident).toMatchObject({ kind: 'burglary', eventCount: 1 });
    expect(rows(`SELECT kind FROM events WHERE site_id = 'truth-e'`)).toEqual([{ kind: 'burglary' }]);
    // Incidents are written behind; the console's pushes say what was opened: the marker's only.
    expect(opened.map((i) => i.kind)).toEqual(['burglary']);
    expect(incident.timeline.filter((e) => e.type === 'event').map((e) => e.kind)).toEqual(['burglary']);
    await waitFor(() => logged.some((b) => b.events.some((e) => e.siteId === 'truth-e')));
    const kinds = logged
      .flatMap((b) => b.events)
      .filter((e) => e.siteId === 'truth-e')
      .map((e) => e.kind);
    expect(kinds).toEqual(['burglary']);
    expect(t.hub.ingest.deviceAvailability('truth-e', 'e-cid')?.supervision?.lastTestMs).toBeTypeOf('number');
    expect(statuses.some((s) => s.deviceId === 'e-cid' && s.lastTestAt)).toBe(true);
  });

  it('a contact on a zone declared gas is a P1 gas incident (category fire)', async () => {
    const { socket } = await t.console();
    const opened = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 'truth-f');
    const topic = 'zigbee2mqtt-truth-f/truth_f_gas';
    await pub('truth-f', topic, zigbeeState(topic, { contact: false }).payload);
    expect(await opened).toMatchObject({ kind: 'gas', priority: 1, category: 'fire', zones: [2] });
    expect(rows(`SELECT kind, category, zone_type FROM events WHERE device_id = 'f-gas'`)).toEqual([{ kind: 'gas', category: 'fire', zone_type: 'gas' }]);
  });
});

describe('/api/devices shows supervision as state', () => {
  it.skipIf(!hasMosquittoPub)('a device never heard from is pending install (待安装), not offline; a tested panel shows its last test', async () => {
    const admin = await t.login('admin');
    type Row = { id: string; siteId: string; availability: string; pendingInstall: boolean; lastTestAt: string | null; testIntervalSeconds: number | null };
    const devices = ((await (await admin.get('/api/devices')).json()) as { devices: Row[] }).devices;
    expect(devices.find((d) => d.id === 'f-panel')).toMatchObject({ availability: 'unknown', pendingInstall: true, lastTestAt: null });
    expect(devices.find((d) => d.id === 'e-cid')).toMatchObject({ pendingInstall: false, lastTestAt: expect.any(String), testIntervalSeconds: 86_400 });
  });
});

describe('a message the store could not write is not acknowledged', () => {
  it('the PUBACK is withheld; the device resends after reconnecting and the event is stored once', async () => {
    // The batch write the journal uses (inside its transaction): one failure, as a full disk would.
    const events = t.hub.store.events;
    const commitBatch = events.commitBatch.bind(events);
    let failures = 0;
    events.commitBatch = async (candidates) => {
      if (candidates.some((c) => c.event.siteId === 'truth-d') && failures < 1) {
        failures++;
        throw new Error('disk full (test)');
      }
      return commitBatch(candidates);
    };
    try {
      const device = await t.device({
        clientId: 'truth-d-resender',
        username: 'truth-d',
        password: PASSWORDS['truth-d'],
        clean: false,
        reconnectPeriod: 200,
      });
      const m = nativeEvent('safegrid/truth-d/d-panel', 'panic', null, 'truth-d-resend-1');
      // publishAsync resolves only on the PUBACK: that arrives after the resend, not the failed write.
      await device.publishAsync(m.topic, m.payload, { qos: 1 });
      expect(failures).toBe(1);
      expect(rows(`SELECT id FROM events WHERE dedupe_key LIKE 'm:truth-d/d-panel:truth-d-resend-1%'`)).toHaveLength(1);
      expect(t.hub.metrics.value('sg_ingest_rejected_total', { reason: 'SG_INGEST_STORE_FAILED' })).toBe(1);
    } finally {
      events.commitBatch = commitBatch;
    }
  });
});
