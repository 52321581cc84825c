import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import { nativeEvent, zigbeeState } from '../../src/simulate/payloads.js';
import { nextEvent, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { MOSQUITTO_BIN, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { makeTree, type TestTree } from '../helpers/tree.js';

describe.skipIf(!MOSQUITTO_BIN)("external-broker mode against Debian's mosquitto", () => {
  let broker: Mosquitto;
  let tree: TestTree;
  let t: TestHub | null = null;

  const startHub = () => startTestHub({ tree, keepTree: true, mqttMode: 'external', mqttUrl: broker.url });

  const count = (sql: string): number => {
    const db = new Database(join(tree.root, 'data/test.db'), { readonly: true });
    try {
      return (db.prepare(sql).get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    broker = await startMosquitto();
    tree = makeTree();
  });

  afterAll(async () => {
    await t?.close();
    await broker?.stop();
    tree?.remove();
  });

  it('a retained state at subscribe time primes the device and raises no alarm', async () => {
    const dev = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    // The door was left open before the hub ever connected: that is state, not news.
    await dev.publishAsync('zigbee2mqtt/shop_a_front_door', zigbeeState('zigbee2mqtt/shop_a_front_door', { contact: false }).payload, { qos: 1, retain: true });
    t = await startHub();
    await waitFor(() => t!.hub.ingest.deviceAvailability('shop-a', 'shop-a-door'));
    expect(count(`SELECT count(*) AS n FROM events WHERE device_id = 'shop-a-door'`)).toBe(0);
    // The same state again, live: nothing changed, still no alarm. A close then an open: one alarm.
    const same = zigbeeState('zigbee2mqtt/shop_a_front_door', { contact: false }).payload;
    await dev.publishAsync('zigbee2mqtt/shop_a_front_door', same, { qos: 1 });
    await dev.publishAsync('zigbee2mqtt/shop_a_front_door', zigbeeState('zigbee2mqtt/shop_a_front_door', { contact: true }).payload, { qos: 1 });
    await dev.publishAsync('zigbee2mqtt/shop_a_front_door', zigbeeState('zigbee2mqtt/shop_a_front_door', { contact: false }).payload, { qos: 1 });
    await waitFor(() => count(`SELECT count(*) AS n FROM events WHERE device_id = 'shop-a-door' AND kind = 'intrusion'`) === 1);
    await dev.publishAsync('zigbee2mqtt/shop_a_front_door', '', { qos: 1, retain: true }); // clear the retained message
    await dev.endAsync();
  });

  it('a live alarm through mosquitto reaches the console and SQLite', async () => {
    const { socket } = await t!.console();
    const incoming = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 'home-b');
    const dev = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    const m = nativeEvent('safegrid/home-b/home-b-panel', 'panic', null, 'ext-1');
    await dev.publishAsync(m.topic, m.payload, { qos: 1 });
    const incident = await incoming;
    expect(incident).toMatchObject({ siteId: 'home-b', kind: 'panic', priority: 1, gridCellId: 'cell-ne', stationId: 'ps-minghu' });
    await dev.endAsync();
  });

  it('alarms published while the hub is down arrive on restart: nothing lost, nothing twice', async () => {
    await t!.close();
    t = null;
    const dev = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    for (let i = 0; i < 25; i++) {
      const m = nativeEvent('safegrid/home-b/home-b-panel', 'intrusion', 1 + (i % 2), `backlog-${i}`);
      await dev.publishAsync(m.topic, m.payload, { qos: 1 });
    }
    await dev.endAsync();
    t = await startHub();
    await waitFor(() => count(`SELECT count(*) AS n FROM events WHERE dedupe_key LIKE 'm:home-b/home-b-panel:backlog-%'`) === 25);
    // Restart once more: the broker must not redeliver what the hub acknowledged. The marker is an alarm published
    // after the restart: mosquitto queues it behind anything it still holds for the hub's session, so once the
    // marker is stored, a redelivery would have been stored before it.
    await t.close();
    t = await startHub();
    const late = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    const marker = nativeEvent('safegrid/home-b/home-b-panel', 'intrusion', 1, 'after-second-restart');
    await late.publishAsync(marker.topic, marker.payload, { qos: 1 });
    await late.endAsync();
    await waitFor(() => count(`SELECT count(*) AS n FROM events WHERE dedupe_key LIKE 'm:home-b/home-b-panel:after-second-restart%'`) === 1);
    expect(count(`SELECT count(*) AS n FROM events WHERE dedupe_key LIKE 'm:home-b/home-b-panel:backlog-%'`)).toBe(25);
    expect(count(`SELECT count(DISTINCT dedupe_key) AS n FROM events`)).toBe(count(`SELECT count(*) AS n FROM events`));
  });
});
