/**
 * External broker with replicas (issue 18): two hubs on one Debian mosquitto 2, each with its own
 * SQLite file, subscribed through the MQTT 5 shared subscription `$share/safegrid/…`, each with a
 * persistent session under its own client id (`safegrid-hub-<replica>`). Every alarm is taken by
 * exactly one replica.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { MOSQUITTO_BIN, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { HUB_YAML, makeTree, type TestTree } from '../helpers/tree.js';

const SHARED_HUB_YAML = HUB_YAML.replace('  auth: required\n', '  auth: required\n  shared_subscriptions: true\n');

function dedupeKeys(tree: TestTree, like: string): string[] {
  const db = new Database(join(tree.root, 'data/test.db'), { readonly: true });
  try {
    return (db.prepare('SELECT dedupe_key AS k FROM events WHERE dedupe_key LIKE ?').all(like) as Array<{ k: string }>).map((r) => r.k);
  } finally {
    db.close();
  }
}

describe.skipIf(!MOSQUITTO_BIN)('external broker, two replicas, MQTT 5 shared subscriptions on mosquitto', () => {
  let broker: Mosquitto;
  const trees: Record<'a' | 'b', TestTree> = { a: makeTree(), b: makeTree() };
  const hubs: Partial<Record<'a' | 'b', TestHub>> = {};
  let publisher: MqttClient;

  // The replica id comes from the environment here (SAFEGRID_REPLICA_ID), as a container would set it.
  const start = async (which: 'a' | 'b'): Promise<TestHub> => {
    const t = await startTestHub({
      tree: trees[which],
      keepTree: true,
      mqttMode: 'external',
      mqttUrl: broker.url,
      env: { SAFEGRID_REPLICA_ID: `hub-${which}` },
    });
    hubs[which] = t;
    return t;
  };
  const keys = (like: string) => ({ a: dedupeKeys(trees.a, like), b: dedupeKeys(trees.b, like) });

  beforeAll(async () => {
    broker = await startMosquitto();
    for (const t of Object.values(trees)) t.write('config/hub.yaml', SHARED_HUB_YAML);
    await start('a');
    await start('b');
    // Both sessions hold their shared subscription before anything is published.
    await waitFor(() => hubs.a!.hub.ingest && hubs.a!.logs.some((l) => l.msg === 'connected to external MQTT broker'));
    await waitFor(() => hubs.b!.logs.some((l) => l.msg === 'connected to external MQTT broker'));
    publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'panel-gateway' });
  });

  afterAll(async () => {
    await publisher?.endAsync().catch(() => undefined);
    await hubs.a?.close();
    await hubs.b?.close();
    await broker?.stop();
    for (const t of Object.values(trees)) t.remove();
  });

  it('each replica connects with its own client id in the share group', () => {
    const ids = [hubs.a!, hubs.b!].map((t) => t.logs.find((l) => l.msg === 'connected to external MQTT broker'));
    expect(ids.every(Boolean)).toBe(true);
    expect(hubs.a!.hub.config.hub.mqtt.sharedSubscriptions).toEqual({ group: 'safegrid' });
  });

  it('500 alarms: each stored by exactly one replica (sum 500, no id twice)', async () => {
    for (let i = 0; i < 500; i++) {
      const base = i % 2 === 0 ? 'safegrid/home-b/home-b-panel' : 'safegrid/shop-a/shop-a-panel';
      const m = nativeEvent(base, 'intrusion', 1 + (i % 2), `share-${i}`);
      await publisher.publishAsync(m.topic, m.payload, { qos: 1 });
    }
    await waitFor(() => {
      const k = keys('%share-%');
      return k.a.length + k.b.length >= 500;
    }, 60_000);
    const k = keys('%share-%');
    const all = [...k.a, ...k.b];
    expect(all).toHaveLength(500);
    expect(new Set(all).size).toBe(500);
    // The broker spread them: both replicas took a share.
    expect(k.a.length).toBeGreaterThan(0);
    expect(k.b.length).toBeGreaterThan(0);
    console.info(`shared subscription split: hub-a ${k.a.length}, hub-b ${k.b.length}`);
  });

  it('a replica that is down and comes back: nothing lost, nothing twice (its share waited in its session)', async () => {
    await hubs.a!.close();
    hubs.a = undefined;
    for (let i = 0; i < 20; i++) {
      const m = nativeEvent('safegrid/home-b/home-b-panel', 'intrusion', 1, `while-down-${i}`);
      await publisher.publishAsync(m.topic, m.payload, { qos: 1 });
    }
    // Two markers after the 20: the broker deals them out in turn, so one reaches hub-b, and once
    // hub-b has stored it, hub-b has taken all of the 20 it was dealt (a session takes them in order).
    for (const n of [1, 2]) {
      const marker = nativeEvent('safegrid/shop-a/shop-a-panel', 'intrusion', 2, `marker-${n}`);
      await publisher.publishAsync(marker.topic, marker.payload, { qos: 1 });
    }
    await waitFor(() => keys('%marker-%').b.length >= 1);
    const tookWhileDown = keys('%while-down-%').b.length;
    console.info(`while hub-a was down, hub-b stored ${tookWhileDown} of 20; the rest waited in hub-a's session`);
    // Not all: mosquitto keeps dealing to the offline persistent session (MQTT 5 §4.8.2 allows it).
    expect(tookWhileDown).toBeLessThan(20);
    await start('a');
    await waitFor(() => {
      const k = keys('%while-down-%');
      return k.a.length + k.b.length >= 20 && keys('%marker-%').a.length + keys('%marker-%').b.length >= 2;
    });
    const k = keys('%while-down-%');
    expect(new Set([...k.a, ...k.b]).size).toBe(20);
    expect(k.a.length + k.b.length).toBe(20);
  });
});
