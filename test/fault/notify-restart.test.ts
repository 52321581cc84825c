/**
 * Guard alerts survive a SIGKILL (issue 13): the hub runs as a child process; its outbox is in
 * SQLite. (1) Deliveries failing when the hub is killed are sent once after the restart. (2) An
 * incident whose row was not yet written when the hub died (held writes, DERIVED_WRITE_DELAY_MS)
 * is rebuilt by recover() and alerted once: the outbox row is written with the incident row.
 */
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { defaultUsersYaml } from '../helpers/accounts.js';
import { FAULT_WAIT_MS, query, until, within } from '../helpers/fault.js';
import { freePort } from '../helpers/mosquitto.js';
import { notifyEnv, notifyYaml, startNotifyServer, type Kind, type NotifyServer } from '../helpers/notify-server.js';
import { startProcessHub, type ProcessHub } from '../helpers/process-hub.js';
import { HUB_YAML, makeTree, TREE_LOGINS } from '../helpers/tree.js';

const KINDS: Kind[] = ['wecom', 'dingtalk', 'sms'];

describe('guard alerts across a SIGKILL of the hub', () => {
  const tree = makeTree();
  const dbPath = join(tree.root, 'data/test.db');
  let server: NotifyServer | null = null;
  let hub: ProcessHub | null = null;
  let device: mqtt.MqttClient | null = null;

  afterAll(async () => {
    await within(device?.endAsync(true) ?? Promise.resolve());
    await within(hub?.kill() ?? Promise.resolve());
    await server?.close();
    tree.remove();
  });

  it(
    'a delivery failing at the kill is sent once after the restart; an incident not yet written at the kill is alerted once',
    async () => {
      server = await startNotifyServer();
      const s = server;
      tree.write('config/hub.yaml', HUB_YAML + notifyYaml({ retryFirst: '300ms', retryMax: '1s' }));
      tree.write('config/users.yaml', await defaultUsersYaml());
      const httpPort = await freePort();
      const mqttPort = await freePort();
      const start = (): Promise<ProcessHub> => startProcessHub(tree.root, notifyEnv(s), { httpPort, mqttPort });
      const connect = () =>
        mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
          protocolVersion: 4,
          reconnectPeriod: 0,
          username: 'shop-a-panel',
          password: TREE_LOGINS['shop-a-panel']!,
        });
      const publish = async (kind: string, msgId: string) => {
        const m = nativeEvent('safegrid/shop-a/shop-a-panel', kind as 'intrusion', 1, msgId);
        await device!.publishAsync(m.topic, m.payload, { qos: 1 });
      };
      /** Incident id of the event with this msgId, once the incident row is on disk. */
      const incidentOf = (msgId: string): string | undefined =>
        query<{ incident_id: string | null }>(dbPath, `SELECT incident_id FROM events WHERE raw LIKE ?`, `%"${msgId}"%`)[0]?.incident_id ?? undefined;
      /** The 警情编号 the messages carry (the robots' bodies name the incident by it). */
      const numberOf = (id: string): string =>
        (JSON.parse(query<{ doc: string }>(dbPath, 'SELECT doc FROM incidents WHERE id = ?', id)[0]!.doc) as { number: string }).number;
      const outbox = (id: string) =>
        query<{ channel_id: string; status: string }>(dbPath, 'SELECT channel_id, status FROM notification_outbox WHERE incident_id = ? ORDER BY id', id);

      // (1) Every channel failing: the alarm's deliveries are tried, fail, and wait for their retry.
      for (const k of KINDS) s.setMode(k, 'http_500');
      hub = await start();
      device = await connect();
      await publish('intrusion', 'kill-1');
      expect(await until(() => KINDS.every((k) => s.received.some((r) => r.kind === k)), FAULT_WAIT_MS), 'each channel tried').toBe(true);
      const first = incidentOf('kill-1');
      expect(first).toBeTruthy();
      await hub.kill();
      hub = null;
      await within(device.endAsync(true));
      for (const k of KINDS) s.setMode(k, 'ok');
      hub = await start();
      expect(await until(() => outbox(first!).every((r) => r.status === 'sent'), FAULT_WAIT_MS), 'sent after the restart').toBe(true);
      const firstNumber = numberOf(first!);
      expect(outbox(first!).map((r) => `${r.channel_id} ${r.status}`)).toEqual(['hc-wecom sent', 'hc-ding sent', 'hc-sms sent']);
      const delivered = (id: string, num: string, k: Kind) =>
        s.accepted(k).filter((r) => JSON.stringify(r.body).includes(num) || r.headers['idempotency-key'] === `${id}:hc-sms`).length;
      for (const k of KINDS) expect(delivered(first!, firstNumber, k), k).toBe(1);

      // (2) A fire (new incident) and a kill right after its PUBACK, before its held write.
      device = await connect();
      await publish('fire', 'kill-2');
      await hub.kill();
      hub = null;
      await within(device.endAsync(true));
      const writtenBeforeKill = incidentOf('kill-2') ?? null;
      hub = await start();
      expect(await until(() => !!incidentOf('kill-2'), FAULT_WAIT_MS), 'incident rebuilt after restart').toBe(true);
      const second = incidentOf('kill-2')!;
      expect(await until(() => outbox(second).length === 3 && outbox(second).every((r) => r.status === 'sent'), FAULT_WAIT_MS)).toBe(true);
      const secondNumber = numberOf(second);
      console.info(`notify-restart: the fire incident was ${writtenBeforeKill ? 'already' : 'not yet'} written when the hub was killed`);
      for (const k of KINDS) expect(delivered(second, secondNumber, k), `${k} (incident written before the kill: ${writtenBeforeKill !== null})`).toBe(1);
      // Every row of both incidents is sent: nothing is left that could be sent again.
      expect(query<{ n: number }>(dbPath, `SELECT count(*) AS n FROM notification_outbox WHERE status != 'sent'`)[0]!.n).toBe(0);
    },
    FAULT_WAIT_MS * 3,
  );
});
