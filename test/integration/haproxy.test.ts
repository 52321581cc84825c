/**
 * The production load balancer (deploy/haproxy.cfg, issue 18), run for real: Debian's HAProxy 2.6
 * in front of two hub processes, each on its own SQLite file, on loopback ports. The config file is
 * the one compose runs; its addresses come from environment variables (defaults: the compose
 * service names), so the test substitutes ports without a copy of the file.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { io as ioClient } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { accountOf, defaultUsersYaml } from '../helpers/accounts.js';
import { FAULT_WAIT_MS, query, sleep, until, within } from '../helpers/fault.js';
import { freePort } from '../helpers/mosquitto.js';
import { startProcessHub, type ProcessHub } from '../helpers/process-hub.js';
import { HUB_YAML, makeTree, TREE_LOGINS, type TestTree } from '../helpers/tree.js';

const CONFIG = join(import.meta.dirname, '../../deploy/haproxy.cfg');

describe('deploy/haproxy.cfg', () => {
  it('is a valid HAProxy 2.6 configuration as shipped (compose service names as addresses)', () => {
    const r = spawnSync('haproxy', ['-c', '-f', CONFIG], { encoding: 'utf8' });
    const out = `${r.stdout}${r.stderr}`;
    expect(out).toContain('Configuration file is valid');
    expect(out).not.toContain('[ALERT]');
    expect(r.status, out).toBe(0);
  });
});

type Row = { proxy: string; server: string; status: string; check: string };

/** Server states from the stats page's CSV (`# pxname,svname,…,status,…,check_status,…`). */
async function serverStates(statsPort: number): Promise<Row[]> {
  const text = await (await fetch(`http://127.0.0.1:${statsPort}/stats;csv`)).text();
  const [head, ...lines] = text.trim().split('\n');
  const cols = head!.replace(/^# /, '').split(',');
  const at = (name: string): number => cols.indexOf(name);
  return lines.map((l) => {
    const f = l.split(',');
    return { proxy: f[at('pxname')]!, server: f[at('svname')]!, status: f[at('status')]!, check: f[at('check_status')]! };
  });
}

describe('two hub replicas behind HAProxy', () => {
  const trees: TestTree[] = [makeTree(), makeTree()];
  const hubs: Array<ProcessHub | null> = [null, null];
  const devices: MqttClient[] = [];
  let haproxy: ChildProcess | null = null;
  let haproxyLog = '';

  afterAll(async () => {
    await within(Promise.all(devices.map((d) => d.endAsync(true).catch(() => undefined))));
    for (const h of hubs) await within(h?.kill() ?? Promise.resolve());
    if (haproxy && haproxy.exitCode === null) {
      const gone = new Promise((ok) => haproxy!.once('exit', ok));
      haproxy.kill('SIGKILL');
      await within(gone);
    }
    for (const t of trees) t.remove();
  });

  it(
    'an alarm through HAProxy is acknowledged; after SIGTERM of its replica the next device connection goes to the other one, and /api/health/ready ' +
      'through HAProxy answers 200 throughout',
    async () => {
      for (const t of trees) {
        t.write('config/users.yaml', await defaultUsersYaml());
        // The replica answers not-ready for 6 s before it closes its listeners: HAProxy (inter 1s fall 2) notices well within that.
        t.write('config/hub.yaml', `${HUB_YAML}drain:\n  unready_delay: 6s\n  timeout: 30s\n`);
      }
      const [a, b] = await Promise.all(trees.map((t) => startProcessHub(t.root)));
      hubs[0] = a!;
      hubs[1] = b!;
      const [lbMqtt, lbMqtts, lbHttp, lbStats, nowhere, dns] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
      const env: Record<string, string> = {
        SG_HAPROXY_MAXCONN: '2000',
        SG_DNS: `127.0.0.1:${dns}`,
        SG_MQTT_BIND: `127.0.0.1:${lbMqtt}`,
        SG_MQTTS_BIND: `127.0.0.1:${lbMqtts}`,
        SG_HTTP_BIND: `127.0.0.1:${lbHttp}`,
        SG_STATS_BIND: `127.0.0.1:${lbStats}`,
        // The third replica of the production file does not exist here: a closed port, so it is DOWN.
        SG_HUB3_MQTT: `127.0.0.1:${nowhere}`,
        SG_HUB3_MQTTS: `127.0.0.1:${nowhere}`,
        SG_HUB3_HTTP: `127.0.0.1:${nowhere}`,
        SG_HUB3_HTTP_PORT: String(nowhere),
      };
      hubs.forEach((h, i) => {
        const n = i + 1;
        env[`SG_HUB${n}_MQTT`] = `127.0.0.1:${h!.mqttPort}`;
        env[`SG_HUB${n}_MQTTS`] = `127.0.0.1:${nowhere}`; // no TLS listener in the test hubs
        env[`SG_HUB${n}_HTTP`] = `127.0.0.1:${h!.httpPort}`;
        env[`SG_HUB${n}_HTTP_PORT`] = String(h!.httpPort);
      });
      haproxy = spawn('haproxy', ['-db', '-f', CONFIG], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      haproxy.stdout!.on('data', (c: Buffer) => (haproxyLog += c.toString()));
      haproxy.stderr!.on('data', (c: Buffer) => (haproxyLog += c.toString()));

      // Both replicas in rotation (their readiness check passes), the missing third out.
      let states: Row[] = [];
      const up = (proxy: string, server: string): boolean => states.some((r) => r.proxy === proxy && r.server === server && r.status === 'UP');
      expect(
        await until(async () => {
          states = await serverStates(lbStats).catch(() => []);
          return up('hubs_mqtt', 'hub1') && up('hubs_mqtt', 'hub2') && up('hubs_http', 'hub1') && up('hubs_http', 'hub2');
        }),
        haproxyLog,
      ).toBe(true);

      // The load balancer's readiness view, through HAProxy, from now until the end.
      const probes: number[] = [];
      let probing = true;
      const prober = (async () => {
        while (probing) {
          probes.push(
            await fetch(`http://127.0.0.1:${lbHttp}/api/health/ready`).then(
              (r) => r.status,
              () => 0,
            ),
          );
          await sleep(50);
        }
      })();

      const dbs = trees.map((t) => join(t.root, 'data/test.db'));
      const storedAt = (detail: string): number[] =>
        dbs.flatMap((db, i) => (query<{ n: number }>(db, 'SELECT count(*) AS n FROM events WHERE detail = ?', detail)[0]!.n > 0 ? [i] : []));
      const alarm = (client: MqttClient, topic: string, detail: string) =>
        client.publishAsync(`${topic}/event`, JSON.stringify({ kind: 'intrusion', zone: 1, msgId: detail, detail }), { qos: 1 });
      const device = async (username: string, clientId: string): Promise<MqttClient> => {
        const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${lbMqtt}`, {
          protocolVersion: 4,
          clientId,
          username,
          password: TREE_LOGINS[username]!,
          reconnectPeriod: 200,
          connectTimeout: 5000,
        });
        c.on('error', () => undefined); // refused while a replica goes: it reconnects through HAProxy
        devices.push(c);
        return c;
      };

      try {
        // 1. An alarm through HAProxy: acknowledged (so committed) by one replica.
        const first = await device('shop-a-panel', 'ha-shop-a');
        await alarm(first, 'safegrid/shop-a/shop-a-panel', 'ha:first');
        const took = storedAt('ha:first');
        expect(took).toHaveLength(1);
        const gone = took[0]!;
        const other = 1 - gone;
        const goneName = `hub${gone + 1}`;

        // 1b. A console through HAProxy on long-polling only (a browser behind a proxy that blocks
        //     WebSocket): every request of its Socket.IO session must reach the replica that holds
        //     it and its login, which the SG_REPLICA cookie ensures (round robin alone would not).
        const login = await fetch(`http://127.0.0.1:${lbHttp}/api/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'admin', password: accountOf('admin').password }),
        });
        expect(login.status).toBe(200);
        const cookie = login.headers
          .getSetCookie()
          .map((c) => c.split(';')[0])
          .join('; ');
        expect(cookie).toMatch(/SG_REPLICA=hub[12]/);
        const polling = ioClient(`http://127.0.0.1:${lbHttp}/console`, {
          transports: ['polling'],
          forceNew: true,
          reconnection: false,
          extraHeaders: { cookie },
        });
        try {
          await new Promise<void>((ok, fail) => {
            polling.once('queue:snapshot', () => ok());
            polling.once('connect_error', (err) => fail(err));
            polling.once('disconnect', (reason) => fail(new Error(`disconnected: ${reason}`)));
          });
          // Round trips over the same session: each is a POST and a long-poll GET, all to one replica.
          for (let i = 0; i < 5; i++) {
            const reply = (await polling.timeout(20_000).emitWithAck('incident:note', { id: 'no-such-incident', text: 'x' } as never)) as { ok: boolean };
            expect(reply.ok).toBe(false);
          }
          expect(polling.connected).toBe(true);
        } finally {
          polling.close();
        }

        // 2. SIGTERM that replica. HAProxy takes it out because its readiness check answers 503 (L7STS),
        //    not because it stopped answering (L4CON): the replica is still serving at that moment.
        const exited = hubs[gone]!.stop();
        expect(
          await until(async () => {
            states = await serverStates(lbStats).catch(() => states);
            return states.some((r) => r.proxy === 'hubs_mqtt' && r.server === goneName && r.status.startsWith('DOWN'));
          }),
          haproxyLog,
        ).toBe(true);
        expect(states.find((r) => r.proxy === 'hubs_mqtt' && r.server === goneName)?.check).toBe('L7STS');
        expect(hubs[gone]!.child.exitCode).toBeNull();

        // 3. The next device connection goes to the other replica, and its alarm is acknowledged there.
        const next = await device('home-b', 'ha-home-b');
        await alarm(next, 'safegrid/home-b/home-b-panel', 'ha:after-term');
        expect(storedAt('ha:after-term')).toEqual([other]);

        // 4. The replica exits in order; the device it held reconnects through HAProxy to the other one.
        await exited;
        expect(hubs[gone]!.child.exitCode).toBe(0);
        hubs[gone] = null;
        await alarm(first, 'safegrid/shop-a/shop-a-panel', 'ha:moved');
        expect(storedAt('ha:moved')).toEqual([other]);

        // A few more probes after the exit, then the verdict on all of them.
        const seen = probes.length;
        await until(() => probes.length >= seen + 5, FAULT_WAIT_MS);
      } finally {
        probing = false;
        await prober;
      }
      expect(probes.length).toBeGreaterThan(10);
      expect(
        probes.filter((s) => s !== 200),
        `readiness through HAProxy: ${probes.join(' ')}`,
      ).toEqual([]);
    },
    3 * FAULT_WAIT_MS,
  );
});
