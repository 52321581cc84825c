/**
 * Issue 17, the MQTT side: an unauthenticated client cannot make the hub hold a huge packet or
 * many sockets; one site's login cannot take over another site's client id or reach its
 * zigbee2mqtt bridge; with client certificates required, the plaintext port and another site's
 * certificate do not get in. Real parts on loopback: aedes, mqtt.js, raw TCP sockets, openssl.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceStatus } from '../../src/contract/socket.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { nextEvent, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { freePort } from '../helpers/mosquitto.js';
import { hasOpenssl, makePki, type Pki } from '../helpers/pki.js';
import { countOnDisk } from '../helpers/sqlite-file.js';
import { HOME_YAML, HUB_YAML, makeTree, TREE_LOGINS } from '../helpers/tree.js';

/** A ceiling, not a budget: aedes' own connect timeout (30 s) must not be what closes these on a loaded machine. */
const CLOSE_CEILING_MS = 20_000;

/** A raw TCP connection; `from` picks the local loopback address (Linux routes all of 127/8 to lo). */
function rawSocket(port: number, from = '127.0.0.1'): Promise<{ sock: Socket; closed: Promise<void> }> {
  return new Promise((ok, fail) => {
    const sock = tcpConnect({ port, host: '127.0.0.1', localAddress: from });
    sock.on('error', () => undefined); // a reset by the hub is expected
    const closed = new Promise<void>((done) => sock.once('close', () => done()));
    sock.once('connect', () => ok({ sock, closed }));
    sock.once('error', fail);
  });
}

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, fail) => setTimeout(() => fail(new Error(`${what} not within ${ms} ms`)), ms))]);

/** Resolves with 'connected' or the CONNACK refusal code (mqtt.js puts it on the error as `code`). */
function tryLogin(url: string, opts: mqtt.IClientOptions): Promise<{ client: MqttClient; outcome: string | number }> {
  return new Promise((ok) => {
    const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000, ...opts });
    client.once('connect', () => ok({ client, outcome: 'connected' }));
    client.once('error', (err: Error & { code?: number | string }) => ok({ client, outcome: err.code ?? err.message }));
    client.once('close', () => ok({ client, outcome: 'closed' }));
  });
}

async function alarmAcknowledged(t: TestHub, tag: string): Promise<void> {
  const panel = await t.deviceAs('shop-a-panel');
  const m = nativeEvent('safegrid/shop-a/shop-a-panel', 'intrusion', 1, tag);
  // The PUBACK leaves only once the event is committed (broker/README.md).
  await panel.publishAsync(m.topic, m.payload, { qos: 1 });
  await panel.endAsync();
  expect(countOnDisk(join(t.tree.root, 'data/test.db'), `SELECT count(*) AS n FROM events WHERE dedupe_key LIKE '%${tag}%'`)).toBe(1);
}

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

describe('oversize packets before login (issue 17, item 1)', () => {
  it('a client without credentials announcing a 256 MiB CONNECT is cut off at the header; the hub still acknowledges an alarm', async () => {
    // The attacker comes from 127.0.0.2, the devices from 127.0.0.1.
    const { sock, closed } = await rawSocket(t.hub.mqttPort!, '127.0.0.2');
    let sent = 0;
    let open = true;
    void closed.then(() => {
      open = false;
    });
    // CONNECT, remaining length 268,435,455 (the most MQTT 3.1.1 can announce), then the bytes.
    sock.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]));
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    while (open && sent < 8 * 1024 * 1024) {
      if (!sock.write(chunk)) await Promise.race([new Promise((r) => sock.once('drain', r)), closed]);
      sent += chunk.length;
    }
    await within(closed, CLOSE_CEILING_MS, 'the hub closing the connection');
    expect(t.hub.metrics.value('sg_mqtt_refused_total', { reason: 'packet_too_big' })).toBeGreaterThanOrEqual(1);
    expect(t.logs.some((l) => l.code === 'SG_MQTT_PACKET_TOO_BIG' && l.announced === 268_435_455)).toBe(true);
    // Its next attempt is held unread while the address cools off (a CONNECT gets no CONNACK); another address is served.
    const retry = await rawSocket(t.hub.mqttPort!, '127.0.0.2');
    await waitFor(() => t.hub.metrics.value('sg_mqtt_refused_total', { reason: 'cool_off' }) === 1);
    retry.sock.write(Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00]));
    const answered = new Promise<void>((ok) => retry.sock.once('data', () => ok()));
    await alarmAcknowledged(t, 'after-oversize-connect');
    // The alarm above came after the held CONNECT: had the hub read it, the CONNACK would be there by now.
    expect(await Promise.race([answered.then(() => 'answered'), Promise.resolve('not answered')])).toBe('not answered');
    retry.sock.destroy();
  });

  it('a logged-in device announcing a PUBLISH over mqtt.max_packet_size is cut off too (its address does not cool off)', async () => {
    const door = await t.deviceAs('shop-a-door');
    const gone = new Promise<void>((ok) => door.once('close', () => ok()));
    door.publish('zigbee2mqtt/shop_a_front_door', Buffer.alloc(200 * 1024, 0x41), { qos: 1 });
    await within(gone, CLOSE_CEILING_MS, 'the hub closing the connection');
    expect(t.hub.metrics.value('sg_mqtt_refused_total', { reason: 'packet_too_big' })).toBeGreaterThanOrEqual(2);
    await alarmAcknowledged(t, 'after-oversize-publish');
  });
});

describe('connections that never log in, and too many from one address (issue 17, items 1 and 16)', () => {
  let h: TestHub;
  beforeAll(async () => {
    const tree = makeTree();
    tree.write('config/hub.yaml', HUB_YAML.replace('  auth: required\n', '  auth: required\n  max_connections_per_address: 3\n  connect_timeout: 1s\n'));
    h = await startTestHub({ tree });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a connection that never sends CONNECT is closed after mqtt.connect_timeout', async () => {
    const { closed } = await rawSocket(h.hub.mqttPort!);
    await within(closed, CLOSE_CEILING_MS, 'the hub closing a silent connection');
  });

  it('the fourth connection from one address is closed at once; a device gets in again when one leaves', async () => {
    const held = [await h.deviceAs('home-b'), await h.deviceAs('home-b'), await h.deviceAs('shop-a')];
    const { closed } = await rawSocket(h.hub.mqttPort!);
    await within(closed, CLOSE_CEILING_MS, 'the hub closing the connection over the cap');
    expect(h.hub.metrics.value('sg_mqtt_refused_total', { reason: 'too_many_connections' })).toBeGreaterThanOrEqual(1);
    expect(held.every((c) => c.connected)).toBe(true);
    await held[0]!.endAsync();
    // The device retries as real ones do; it is let in once the hub has seen the other one go.
    const panel = mqtt.connect(h.mqttUrl, {
      protocolVersion: 4,
      reconnectPeriod: 100,
      clientId: 'shop-a-panel-retry',
      username: 'shop-a-panel',
      password: TREE_LOGINS['shop-a-panel'],
    });
    try {
      await within(new Promise((ok) => panel.once('connect', ok)), 20_000, 'a connection once a slot is free');
      const m = nativeEvent('safegrid/shop-a/shop-a-panel', 'intrusion', 1, 'after-cap');
      await panel.publishAsync(m.topic, m.payload, { qos: 1 });
    } finally {
      await panel.endAsync(true);
    }
  });
});

describe('client ids belong to one login (issue 17, item 4)', () => {
  it("site A using site B's client id is refused; B stays connected and its last will does not fire", async () => {
    const { socket } = await t.console();
    const offline: DeviceStatus[] = [];
    socket.on('device:status', (s: DeviceStatus) => {
      if (s.availability === 'offline') offline.push(s);
    });
    const will = { topic: 'safegrid/home-b/home-b-panel/status', payload: Buffer.from('offline'), qos: 1 as const, retain: false };
    for (const clientId of ['home-b-gateway', 'gw-42']) {
      const b = await t.device({ clientId, username: 'home-b', password: TREE_LOGINS['home-b'], will });
      let bClosed = false;
      b.on('close', () => {
        bClosed = true;
      });
      const refusedBefore = t.hub.metrics.value('sg_mqtt_refused_total', { reason: 'client_id_taken' });
      // Named after home-b's login, or used by home-b first (gw-42): shop-a may use neither.
      const a = await tryLogin(t.mqttUrl, { clientId, username: 'shop-a', password: TREE_LOGINS['shop-a'] });
      expect(a.outcome, clientId).toBe(2); // CONNACK 2: identifier rejected
      a.client.end(true);
      expect(t.hub.metrics.value('sg_mqtt_refused_total', { reason: 'client_id_taken' })).toBe(refusedBefore + 1);
      // B is still there: its alarm is acknowledged (committed) on the same connection.
      const m = nativeEvent('safegrid/home-b/home-b-panel', 'intrusion', 2, `still-${clientId}`);
      await b.publishAsync(m.topic, m.payload, { qos: 1 });
      expect(countOnDisk(join(t.tree.root, 'data/test.db'), `SELECT count(*) AS n FROM events WHERE dedupe_key LIKE '%still-${clientId}%'`)).toBe(1);
      expect(bClosed).toBe(false);
      // A clean DISCONNECT: no will. B may come back with its own id.
      await b.endAsync();
      const again = await tryLogin(t.mqttUrl, { clientId, username: 'home-b', password: TREE_LOGINS['home-b'] });
      expect(again.outcome).toBe('connected');
      await again.client.endAsync();
    }
    // Marker: another device's will, fired after all of the above, reaches the console; B's never did.
    const marker = await t.deviceAs('shop-a-panel', {
      will: { topic: 'safegrid/shop-a/shop-a-panel/status', payload: Buffer.from('offline'), qos: 1, retain: false },
    });
    const markerSeen = nextEvent<DeviceStatus>(socket, 'device:status', (s) => s.deviceId === 'shop-a-panel' && s.availability === 'offline');
    marker.stream.destroy();
    await markerSeen;
    expect(offline.map((s) => s.deviceId)).toEqual(['shop-a-panel']);
    expect(t.logs.some((l) => l.msg === 'MQTT login refused: the client id belongs to another login' && l.principal === 'site:shop-a')).toBe(true);
  });
});

describe('zigbee2mqtt: one base topic per site (issue 17, item 2)', () => {
  it('two sites on the default base: the later file is held back, naming the base and the fix', async () => {
    const tree = makeTree({
      'home-c.yaml': HOME_YAML.replaceAll('home-b', 'home-c')
        .replace('[26.605, 104.845]', '[26.596, 104.846]')
        .replace('devices:\n', 'devices:\n  - id: home-c-door\n    profile: zigbee2mqtt\n    topic: zigbee2mqtt/home_c_door\n'),
    });
    const h = await startTestHub({ tree });
    try {
      // home-c.yaml sorts before shop-a.yaml: shop-a, the second site on "zigbee2mqtt", is held back.
      expect(h.hub.config.sites.map((s) => s.id)).not.toContain('shop-a');
      const p = h.hub.problems().find((x) => x.code === 'SG_CONFIG_DUPLICATE_TOPIC' && x.file === 'devices/shop-a.yaml');
      expect(p?.message).toContain('zigbee2mqtt base topic "zigbee2mqtt" is already the base of site "home-c"');
      expect(p?.hint).toContain('zigbee2mqtt-shop-a');
      await expect(h.deviceAs('shop-a')).rejects.toMatchObject({ code: 4 });
    } finally {
      await h.close();
    }
  });

  it("on their own bases: site A cannot read B's bridge, send it permit_join or device/remove, or plant its retained state", async () => {
    const tree = makeTree({
      'home-c.yaml': HOME_YAML.replaceAll('home-b', 'home-c')
        .replace('[26.605, 104.845]', '[26.596, 104.846]')
        .replace('devices:\n', 'devices:\n  - id: home-c-door\n    profile: zigbee2mqtt\n    topic: zigbee2mqtt-home-c/home_c_door\n'),
    });
    const h = await startTestHub({ tree });
    try {
      // B's zigbee2mqtt, as it runs: subscribed to its base, reporting online (retained).
      const b = await h.deviceAs('home-c');
      expect((await b.subscribeAsync('zigbee2mqtt-home-c/#', { qos: 1 }))[0]!.qos).toBe(1);
      const bSaw: string[] = [];
      b.on('message', (topic, payload) => bSaw.push(`${topic} ${payload.toString()}`));
      await b.publishAsync('zigbee2mqtt-home-c/bridge/state', '{"state":"online"}', { qos: 1, retain: true });
      await waitFor(() => bSaw.includes('zigbee2mqtt-home-c/bridge/state {"state":"online"}'));

      const a = await h.deviceAs('shop-a');
      for (const filter of ['zigbee2mqtt-home-c/bridge/#', 'zigbee2mqtt-home-c/#', 'zigbee2mqtt-home-c/home_c_door/set', '+/bridge/request/#']) {
        const granted = await a.subscribeAsync(filter, { qos: 0 }).then(
          (g) => g.map((x) => x.qos),
          (err: { packet?: { granted?: number[] } }) => err.packet?.granted ?? [],
        );
        expect(granted, filter).toEqual([128]);
      }
      for (const [topic, payload, retain] of [
        ['zigbee2mqtt-home-c/bridge/request/permit_join', '{"value":true,"time":254}', false],
        ['zigbee2mqtt-home-c/bridge/request/device/remove', '{"id":"home_c_door","force":true}', false],
        ['zigbee2mqtt-home-c/bridge/state', '{"state":"offline"}', true],
      ] as const) {
        const attacker = await h.deviceAs('shop-a');
        const gone = new Promise<void>((ok) => attacker.once('close', () => ok()));
        attacker.publish(topic, payload, { qos: 1, retain });
        await within(gone, CLOSE_CEILING_MS, `the hub cutting off a publish on ${topic}`);
      }
      // Marker: B's own next report reaches B; nothing of A's did before it.
      await b.publishAsync('zigbee2mqtt-home-c/bridge/logging', 'marker', { qos: 1 });
      await waitFor(() => bSaw.includes('zigbee2mqtt-home-c/bridge/logging marker'));
      expect(bSaw.filter((s) => s.includes('request/') || s.includes('offline'))).toEqual([]);
      // The retained state is still B's own.
      const reader = await h.deviceAs('home-c');
      const retained = new Promise<string>((ok) => reader.once('message', (_t, p) => ok(p.toString())));
      await reader.subscribeAsync('zigbee2mqtt-home-c/bridge/state', { qos: 1 });
      expect(await within(retained, 20_000, 'the retained bridge state')).toBe('{"state":"online"}');
    } finally {
      await h.close();
    }
  });
});

describe.skipIf(!hasOpenssl)('with client certificates required (issue 17, item 14)', () => {
  let pki: Pki;
  let h: TestHub;
  let tlsPort: number;
  beforeAll(async () => {
    pki = makePki();
    await pki.ca('safegrid-test-ca');
    await pki.cert('server', 'safegrid-test-ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    await pki.cert('home-b', 'safegrid-test-ca', 'extendedKeyUsage=clientAuth\n');
    await pki.cert('shop-a-panel', 'safegrid-test-ca', 'extendedKeyUsage=clientAuth\n');
    const tree = makeTree();
    for (const f of ['server.crt', 'server.key', 'safegrid-test-ca.crt']) tree.write(`config/${f}`, pki.pem(f).toString('utf8'));
    tlsPort = await freePort();
    const tls =
      `  tls:\n    cert: config/server.crt\n    key: config/server.key\n    ca: config/safegrid-test-ca.crt\n    port: ${tlsPort}\n` +
      `    require_client_cert: true\n`;
    tree.write('config/hub.yaml', HUB_YAML.replace('  auth: required\n', `  auth: required\n${tls}`));
    h = await startTestHub({ tree });
  });
  afterAll(async () => {
    await h?.close();
    pki?.remove();
  });

  const overTls = (cert: string, username: string, clientId: string) =>
    tryLogin(`mqtts://127.0.0.1:${tlsPort}`, {
      clientId,
      username,
      password: TREE_LOGINS[username],
      ca: pki.pem('safegrid-test-ca.crt'),
      cert: pki.pem(`${cert}.crt`),
      key: pki.pem(`${cert}.key`),
    });

  it('the plaintext port refuses a right password without a certificate (CONNACK 5)', async () => {
    const r = await tryLogin(h.mqttUrl, { clientId: 'home-b-plain', username: 'home-b', password: TREE_LOGINS['home-b'] });
    expect(r.outcome).toBe(5);
    r.client.end(true);
    expect(h.hub.metrics.value('sg_mqtt_refused_total', { reason: 'client_cert_required' })).toBe(1);
  });

  it("a certificate issued for one site does not work with another site's login; the matching pair does", async () => {
    const wrong = await overTls('shop-a-panel', 'home-b', 'home-b-wrong-cert');
    expect(wrong.outcome).toBe(5);
    wrong.client.end(true);
    expect(h.hub.metrics.value('sg_mqtt_refused_total', { reason: 'cert_login_mismatch' })).toBe(1);
    const right = await overTls('home-b', 'home-b', 'home-b-tls');
    expect(right.outcome).toBe('connected');
    const m = nativeEvent('safegrid/home-b/home-b-panel', 'panic', null, 'mtls-bound');
    await right.client.publishAsync(m.topic, m.payload, { qos: 1 });
    await right.client.endAsync();
    expect(countOnDisk(join(h.tree.root, 'data/test.db'), `SELECT count(*) AS n FROM events WHERE dedupe_key LIKE '%mtls-bound%'`)).toBe(1);
  });
});
