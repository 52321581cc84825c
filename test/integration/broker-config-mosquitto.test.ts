/**
 * `safegrid broker-config mosquitto` against Debian's mosquitto 2.0: the files it writes make
 * Mosquitto enforce what the embedded broker enforces. Anonymous clients are refused, a site
 * cannot publish on another site's topic, a site's own alarm reaches the hub, and the hub's login
 * can subscribe.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACL_FILE, PASSWORD_FILE, runBrokerConfigCommand } from '../../src/broker/mosquitto-command.js';
import { mosquittoPasswordHash } from '../../src/broker/mosquitto-config.js';
import type { Incident } from '../../src/contract/incident.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { nextEvent, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { MOSQUITTO_BIN, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { HUB_YAML, makeTree, TREE_ENV, TREE_LOGINS, type TestTree } from '../helpers/tree.js';

const HUB_LOGIN = { username: 'safegrid-hub', password: 'pw-hub-Tn3cU8' };
const ENV = { ...process.env, ...TREE_ENV, MQTT_HUB_PASS: HUB_LOGIN.password };
const MOSQUITTO_PASSWD = ['/usr/bin/mosquitto_passwd', '/usr/sbin/mosquitto_passwd'].find((p) => existsSync(p)) ?? null;

describe.skipIf(!MOSQUITTO_BIN)("safegrid broker-config mosquitto against Debian's mosquitto", () => {
  let tree: TestTree;
  let out: string;
  let broker: Mosquitto;
  let t: TestHub;
  const printed: string[] = [];
  const clients: MqttClient[] = [];

  const connect = async (username: string | null, password?: string, options: IClientOptions = {}): Promise<MqttClient> => {
    const c = await mqtt.connectAsync(broker.url, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      ...(username ? { username, password: password ?? TREE_LOGINS[username] } : {}),
      ...options,
    });
    clients.push(c);
    return c;
  };
  const count = (sql: string): number => {
    const db = new Database(join(tree.root, 'data/test.db'), { readonly: true });
    try {
      return (db.prepare(sql).get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    tree = makeTree();
    // External mode with the hub's own login, as the README tells the installer.
    tree.write(
      'config/hub.yaml',
      HUB_YAML.replace(
        '  mode: embedded\n',
        `  mode: external\n  url: mqtt://127.0.0.1:1883\n  username: ${HUB_LOGIN.username}\n  password_env: MQTT_HUB_PASS\n`,
      ),
    );
    out = mkdtempSync(join(tmpdir(), 'safegrid-mosq-files-'));
    const io = { out: (l: string) => printed.push(l), err: (l: string) => printed.push(l) };
    expect(runBrokerConfigCommand({ root: tree.root, positionals: ['mosquitto'], out, env: ENV }, io)).toBe(0);
    broker = await startMosquitto({ auth: { passwordFile: join(out, PASSWORD_FILE), aclFile: join(out, ACL_FILE) } });
    t = await startTestHub({ tree, keepTree: true, mqttMode: 'external', mqttUrl: broker.url, env: { MQTT_HUB_PASS: HUB_LOGIN.password } });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await t?.close();
    await broker?.stop();
    tree?.remove();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('writes both files 0600, prints the mosquitto.conf lines and no secret', () => {
    for (const f of [PASSWORD_FILE, ACL_FILE]) expect(statSync(join(out, f)).mode & 0o777).toBe(0o600);
    const text = printed.join('\n');
    expect(text).toContain('allow_anonymous false');
    expect(text).toContain(`password_file ${join(out, PASSWORD_FILE)}`);
    expect(text).toContain(`acl_file ${join(out, ACL_FILE)}`);
    for (const secret of [...Object.values(TREE_LOGINS), HUB_LOGIN.password]) {
      expect(text).not.toContain(secret);
      expect(readFileSync(join(out, PASSWORD_FILE), 'utf8')).not.toContain(secret);
      expect(readFileSync(join(out, ACL_FILE), 'utf8')).not.toContain(secret);
    }
  });

  it('the CLI refuses to write anything while the hub password variable is unset, and says which', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'safegrid-mosq-none-'));
    try {
      const env: NodeJS.ProcessEnv = { ...ENV, MQTT_HUB_PASS: undefined };
      const args = ['--import', 'tsx', 'src/cli.ts', 'broker-config', 'mosquitto', '--root', tree.root, '--out', elsewhere];
      const r = spawnSync(process.execPath, args, { env, encoding: 'utf8', cwd: join(import.meta.dirname, '../..') });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('MQTT_HUB_PASS');
      expect(r.stderr).toContain('Nothing written');
      expect(existsSync(join(elsewhere, PASSWORD_FILE)) || existsSync(join(elsewhere, ACL_FILE))).toBe(false);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it.skipIf(!MOSQUITTO_PASSWD)('hashes as mosquitto_passwd does (same salt, same line)', () => {
    const file = join(out, 'passwd-reference');
    execFileSync(MOSQUITTO_PASSWD as string, ['-c', '-b', file, 'probe', 'pässwort:with colon']);
    const line = readFileSync(file, 'utf8').trim();
    const salt = Buffer.from(line.split('$')[3] as string, 'base64');
    expect(`probe:${mosquittoPasswordHash('pässwort:with colon', salt)}`).toBe(line);
  });

  it('refuses an anonymous client and a wrong password', async () => {
    await expect(connect(null)).rejects.toThrow(/not authori[sz]ed/i);
    await expect(connect('home-b', 'not-the-password')).rejects.toThrow(/not authori[sz]ed|bad user ?name or password/i);
  });

  it("a site's alarm on its own topic reaches the hub: an incident opens", async () => {
    const { socket } = await t.console();
    const incoming = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 'home-b');
    const site = await connect('home-b');
    const m = nativeEvent('safegrid/home-b/home-b-panel', 'panic', null, 'own-topic-1');
    await site.publishAsync(m.topic, m.payload, { qos: 1 });
    expect(await incoming).toMatchObject({ siteId: 'home-b', kind: 'panic' });
  });

  it("a site publishing on another site's topic is refused: neither the hub nor a subscriber ever sees it", async () => {
    // The hub's login subscribes as the hub does (Mosquitto grants the filter, then checks every message).
    const monitor = await connect(HUB_LOGIN.username, HUB_LOGIN.password, { clientId: 'broker-config-monitor' });
    const seen: string[] = [];
    monitor.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    const granted = await monitor.subscribeAsync('safegrid/#', { qos: 1 });
    expect(granted[0]?.qos).toBe(1);

    const homeB = await connect('home-b');
    const forged = nativeEvent('safegrid/shop-a/shop-a-panel', 'intrusion', 1, 'forged-by-home-b');
    await homeB.publishAsync(forged.topic, forged.payload, { qos: 1 });
    // The hub's login reads but may not write a device's topic either.
    await monitor.publishAsync(forged.topic, nativeEvent('safegrid/shop-a/shop-a-panel', 'intrusion', 1, 'forged-by-hub').payload, { qos: 1 });
    // A marker after them on home-b's own topic: once it has arrived, anything let through before it would have too.
    const marker = nativeEvent('safegrid/home-b/home-b-panel', 'intrusion', 1, 'marker-after-forgery');
    await homeB.publishAsync(marker.topic, marker.payload, { qos: 1 });
    await waitFor(() => seen.some((s) => s.includes('marker-after-forgery')), 10_000);
    await waitFor(() => count(`SELECT count(*) AS n FROM events WHERE dedupe_key LIKE '%marker-after-forgery%'`) === 1, 10_000);

    expect(seen.filter((s) => s.includes('forged-by'))).toEqual([]);
    expect(count(`SELECT count(*) AS n FROM events WHERE device_id = 'shop-a-panel'`)).toBe(0);
  });

  it("a zigbee2mqtt login publishes its bridge reports and reads its base, but not the hub's other devices", async () => {
    const z2m = await connect('shop-a-door');
    const seen: string[] = [];
    z2m.on('message', (topic) => seen.push(topic));
    await z2m.subscribeAsync('zigbee2mqtt/#', { qos: 1 });
    await z2m.publishAsync('zigbee2mqtt/bridge/state', 'online', { qos: 1 });
    await waitFor(() => seen.includes('zigbee2mqtt/bridge/state'), 10_000);
    // Outside its base it reads nothing, though Mosquitto grants the filter.
    await z2m.subscribeAsync('safegrid/#', { qos: 1 });
    const homeB = await connect('home-b');
    const m = nativeEvent('safegrid/home-b/home-b-panel', 'restore', 1, 'not-for-z2m');
    await homeB.publishAsync(m.topic, m.payload, { qos: 1 });
    await z2m.publishAsync('zigbee2mqtt/bridge/state', 'still-online', { qos: 1 });
    await waitFor(() => seen.filter((s) => s === 'zigbee2mqtt/bridge/state').length === 2, 10_000);
    expect(seen.filter((s) => s.startsWith('safegrid/'))).toEqual([]);
  });
});
