/**
 * Issue 15: the nine formats installers meet, each decoded by a built-in YAML profile
 * (src/profiles/builtin) and published over real MQTT with Debian's mosquitto_pub: Shelly
 * door/window text payloads, Tasmota LWT and nested switch key, Paradox PAI zones by topic, DSC
 * Keybus zone in the topic, EnvisaLink zone JSON, Shelly Gen2 `smoke:0`, Shelly gas value sets,
 * 0/1 vs true/false booleans. And a Tasmota device's telemetry topic, which its profile lists under
 * `ignore`: accepted and counted, never a reason to disconnect the device (whose last will would
 * then open 设备离线).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { makeTree } from '../helpers/tree.js';

const run = promisify(execFile);
const hasMosquittoPub = await run('mosquitto_pub', ['--help']).then(
  () => true,
  (e: { code?: unknown }) => e.code !== 'ENOENT',
);

const LOGIN = { username: 'inst-a', password: 'pw-inst-a-Fm8' };

const SITE = `site:
  id: inst-a
  name: 水西路8号商铺
  kind: shop
  address: 钟山区水西路8号
  door_plate: 水西路8号
  location: [26.595, 104.835]
  contacts: [{ name: 赵店主, phone: "13900000008" }]
  guard_group: hecheng-team
  mqtt: { username: ${LOGIN.username}, password_env: MQTT_INST_A_PASS }
devices:
  - id: zones
    profile: native
    topic: safegrid/inst-a/zones
    zones:
      1: { name: 前门, type: entry }
      2: { name: 厨房燃气, type: gas }
      3: { name: 仓库烟感, type: smoke }
      4: { name: 后门, type: entry }
      5: { name: 侧门, type: entry }
  - id: dw
    profile: shelly/door-window
    topic: shellies/shellydw2-4C7525
    zone: 1
  - id: gas
    profile: shelly/gas
    topic: shellies/shellygas-A1B2C3
    zone: 2
  - id: smoke
    profile: shelly/plus-smoke
    topic: shellyplussmoke-a0a3b3e2c4f8
    zone: 3
  - id: tasmota
    profile: tasmota/switch-contact
    topic: tasmota_5C3A1B
    zone: 4
  - id: generic
    profile: generic/door-01
    topic: generic/inst-a/door
    zone: 5
  - id: pai
    profile: paradox/pai
    topic: paradox
    zones:
      11: { name: Front door, type: entry }
      12: { name: Hall PIR, type: interior }
  - id: dsc
    profile: dsc/keybus
    topic: dsc
    zones:
      21: { name: 大门, type: entry }
      22: { name: 窗户, type: perimeter }
  - id: evl
    profile: envisalink/json-events
    topic: home/alarm/jsonEvt
    zones:
      31: { name: 车库门, type: entry }
      32: { name: 二楼窗, type: perimeter }
`;

let t: TestHub;
let db: Database.Database;

function rows(sql: string, ...args: unknown[]): Array<Record<string, unknown>> {
  return db.prepare(sql).all(...args) as Array<Record<string, unknown>>;
}

/** Events of one device, oldest first, as kind@zone. */
function eventsOf(device: string): string[] {
  return rows(`SELECT kind, zone FROM events WHERE site_id = 'inst-a' AND device_id = ? ORDER BY seq`, device).map((r) => `${r.kind}@${r.zone}`);
}

async function eventsReach(device: string, count: number): Promise<string[]> {
  return waitFor(() => {
    const e = eventsOf(device);
    return e.length >= count && e;
  });
}

/** mosquitto_pub with QoS 1: it exits once the hub acknowledged the message (stored). */
function pub(topic: string, payload: string): Promise<unknown> {
  return run('mosquitto_pub', [
    '-h',
    '127.0.0.1',
    '-p',
    String(t.hub.mqttPort),
    '-q',
    '1',
    '-u',
    LOGIN.username,
    '-P',
    LOGIN.password,
    '-t',
    topic,
    '-m',
    payload,
  ]);
}

async function pubAll(messages: Array<[string, string]>): Promise<void> {
  for (const [topic, payload] of messages) await pub(topic, payload);
}

beforeAll(async () => {
  t = await startTestHub({ tree: makeTree({ 'inst-a.yaml': SITE }), env: { MQTT_INST_A_PASS: LOGIN.password } });
  db = new Database(join(t.tree.root, 'data/test.db'), { readonly: true, fileMustExist: true });
});

afterAll(async () => {
  db?.close();
  await t?.close();
});

describe.skipIf(!hasMosquittoPub)('the nine installer formats over real MQTT (mosquitto_pub)', () => {
  it('Shelly door/window text payloads: open–close–open is two intrusions and a restore; its battery topic is ignored', async () => {
    await pubAll([
      ['shellies/shellydw2-4C7525/sensor/state', 'open'],
      ['shellies/shellydw2-4C7525/sensor/battery', '87'],
      ['shellies/shellydw2-4C7525/sensor/state', 'close'],
      ['shellies/shellydw2-4C7525/sensor/state', 'open'],
    ]);
    expect(await eventsReach('dw', 3)).toEqual(['intrusion@1', 'restore@1', 'intrusion@1']);
  });

  it('Shelly gas value sets: mild is a gas alarm, heavy joins it, a self-test is nothing, none restores', async () => {
    await pubAll([
      ['shellies/shellygas-A1B2C3/sensor/gas', 'mild'],
      ['shellies/shellygas-A1B2C3/sensor/gas', 'heavy'],
      ['shellies/shellygas-A1B2C3/sensor/concentration', '1200'],
      ['shellies/shellygas-A1B2C3/sensor/gas', 'none'],
      ['shellies/shellygas-A1B2C3/sensor/gas', 'test'],
      ['shellies/shellygas-A1B2C3/sensor/gas', 'mild'],
    ]);
    expect(await eventsReach('gas', 3)).toEqual(['gas@2', 'restore@2', 'gas@2']);
  });

  it('Shelly Gen2 params["smoke:0"].alarm: smoke, a battery notification, then restore', async () => {
    const notify = (params: Record<string, unknown>) => JSON.stringify({ src: 'shellyplussmoke-a0a3b3e2c4f8', method: 'NotifyStatus', params });
    await pubAll([
      ['shellyplussmoke-a0a3b3e2c4f8/events/rpc', notify({ ts: 1, 'smoke:0': { id: 0, alarm: true, mute: false } })],
      ['shellyplussmoke-a0a3b3e2c4f8/events/rpc', notify({ ts: 2, 'devicepower:0': { id: 0, battery: { V: 2.9, percent: 71 } } })],
      ['shellyplussmoke-a0a3b3e2c4f8/events/rpc', notify({ ts: 3, 'smoke:0': { id: 0, alarm: false, mute: false } })],
      ['shellyplussmoke-a0a3b3e2c4f8/events/rpc', notify({ ts: 4, 'smoke:0': { id: 0, alarm: true, mute: false } })],
    ]);
    expect(await eventsReach('smoke', 3)).toEqual(['smoke@3', 'restore@3', 'smoke@3']);
  });

  it('0/1 vs true/false booleans: open as 1, closed as false, open as true', async () => {
    await pubAll([
      ['generic/inst-a/door', JSON.stringify({ door: 1, tamper: 0 })],
      ['generic/inst-a/door', JSON.stringify({ door: false, tamper: false })],
      ['generic/inst-a/door', JSON.stringify({ door: true, tamper: '0' })],
    ]);
    expect(await eventsReach('generic', 3)).toEqual(['intrusion@5', 'restore@5', 'intrusion@5']);
  });

  it('Paradox PAI zones by topic, by label and by number; each zone keeps its own state', async () => {
    await pubAll([
      ['paradox/states/zones/Front_door/open', 'True'],
      ['paradox/states/zones/12/open', 'True'],
      ['paradox/states/zones/Front_door/signal_strength', '5'],
      ['paradox/states/partitions/Area_1/current_state', 'disarmed'],
      ['paradox/states/zones/Front_door/open', 'False'],
      ['paradox/states/zones/Front_door/open', 'True'],
    ]);
    expect(await eventsReach('pai', 4)).toEqual(['intrusion@11', 'intrusion@12', 'restore@11', 'intrusion@11']);
  });

  it('DSC Keybus zone in the topic: Zone21 open–close–open, Zone22 apart, and partition 1 fire', async () => {
    await pubAll([
      ['dsc/Get/Zone21', '1'],
      ['dsc/Get/Zone22', '1'],
      ['dsc/Get/Partition1', 'disarmed'],
      ['dsc/Get/Zone21', '0'],
      ['dsc/Get/Zone21', '1'],
      ['dsc/Get/Fire1', '1'],
    ]);
    expect(await eventsReach('dsc', 5)).toEqual(['intrusion@21', 'perimeter@22', 'restore@21', 'intrusion@21', 'fire@null']);
  });

  it('EnvisaLink zone JSON: the zone comes from a field; partition updates on the same topic are no news', async () => {
    const zone = (z: number, code: string, status: string) => JSON.stringify({ evtType: 'zoneUpdate', zone: z, code, status });
    await pubAll([
      ['home/alarm/jsonEvt', zone(31, '609', 'open')],
      ['home/alarm/jsonEvt', zone(32, '609', 'open')],
      ['home/alarm/jsonEvt', JSON.stringify({ evtType: 'partitionUpdate', partition: 1, code: '656', status: 'exitdelay' })],
      ['home/alarm/jsonEvt', zone(31, '610', 'openrestore')],
      ['home/alarm/jsonEvt', zone(31, '609', 'open')],
    ]);
    // Zone 32 is a perimeter zone in the site file: the zone's type decides the kind.
    expect(await eventsReach('evl', 4)).toEqual(['intrusion@31', 'perimeter@32', 'restore@31', 'intrusion@31']);
  });

  it('Tasmota LWT and nested switch key: its telemetry is accepted, the device stays connected and never goes offline', async () => {
    const tasmota = await t.device({
      username: LOGIN.username,
      password: LOGIN.password,
      clientId: 'tasmota_5C3A1B',
      will: { topic: 'tele/tasmota_5C3A1B/LWT', payload: Buffer.from('Offline'), qos: 1, retain: true },
    });
    let closed = false;
    tasmota.on('close', () => {
      closed = true;
    });
    const publish = (topic: string, payload: string, retain = false) => tasmota.publishAsync(topic, payload, { qos: 1, retain });
    await publish('tele/tasmota_5C3A1B/LWT', 'Online', true);
    // The telemetry of every TelePeriod; a refused PUBLISH would have cost the connection.
    await publish('tele/tasmota_5C3A1B/STATE', JSON.stringify({ Time: '2026-12-03T08:00:00', Uptime: '0T00:05:00', Heap: 26, Wifi: { RSSI: 72 } }));
    await publish('tele/tasmota_5C3A1B/SENSOR', JSON.stringify({ Time: '2026-12-03T08:00:00', Switch1: 'ON' }));
    // Nested switch key: open, shut, open (mosquitto_pub, as the other formats).
    await pubAll([
      ['stat/tasmota_5C3A1B/RESULT', JSON.stringify({ Switch1: { Action: 'OFF' } })],
      ['stat/tasmota_5C3A1B/RESULT', JSON.stringify({ POWER: 'ON' })],
      ['stat/tasmota_5C3A1B/RESULT', JSON.stringify({ Switch1: { Action: 'ON' } })],
      ['stat/tasmota_5C3A1B/RESULT', JSON.stringify({ Switch1: { Action: 'OFF' } })],
    ]);
    expect(await eventsReach('tasmota', 3)).toEqual(['intrusion@4', 'restore@4', 'intrusion@4']);
    // A later telemetry report from the same connection is still accepted (its PUBACK arrives).
    await publish('tele/tasmota_5C3A1B/STATE', JSON.stringify({ Time: '2026-12-03T08:05:00', Uptime: '0T00:10:00' }));
    expect(closed).toBe(false);
    expect(tasmota.connected).toBe(true);
    expect(eventsOf('tasmota')).not.toContain('trouble.offline@null');
    expect(rows(`SELECT 1 FROM events WHERE site_id = 'inst-a' AND kind = 'trouble.offline'`)).toEqual([]);
    const admin = await t.login('admin');
    const metrics = await (await admin.get('/metrics')).text();
    const housekeeping = /^sg_ingest_housekeeping_total (\d+)/m.exec(metrics);
    expect(Number(housekeeping?.[1] ?? 0)).toBeGreaterThanOrEqual(3);
    await tasmota.endAsync();
  });
});
