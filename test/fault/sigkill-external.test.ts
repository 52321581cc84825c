/**
 * Zero loss, zero duplicates in external-broker mode (issue 7), against Debian's mosquitto with
 * persistence: the hub's session is not clean and its subscription is QoS 1, so the broker keeps
 * what arrives while the hub is down. The hub acknowledges (PUBACK) only after the commit, so a hub
 * killed while it drains the backlog gets the unacknowledged messages again; dedupe by msgId makes
 * them exactly-once in SQLite.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOSQUITTO_BIN, startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { startProcessHub, type ProcessHub } from '../helpers/process-hub.js';
import { makeTree } from '../helpers/tree.js';
import { defaultUsersYaml } from '../helpers/accounts.js';
import { FAULT_WAIT_MS, LedgerDevice, query, seeded, sleep, until, within } from '../helpers/fault.js';

const SEED = Number(process.env.FAULT_SEED ?? Date.now() % 100_000);
const BACKLOG_PER_DEVICE = 400;
const KILLS_WHILE_DRAINING = 6;

describe.skipIf(!MOSQUITTO_BIN)('SIGKILL the hub (external mosquitto) while it drains a backlog', () => {
  const tree = makeTree();
  const dbPath = join(tree.root, 'data/test.db');
  let broker: Mosquitto;
  let hub: ProcessHub | null = null;
  const devices: LedgerDevice[] = [];

  beforeAll(async () => {
    broker = await startMosquitto();
    tree.write('config/users.yaml', await defaultUsersYaml());
  });
  afterAll(async () => {
    await within(Promise.all(devices.map((d) => d.end())));
    await within(hub?.kill() ?? Promise.resolve());
    await within(broker?.stop() ?? Promise.resolve());
    tree.remove();
  });

  const stored = (): Map<string, number> =>
    new Map(
      query<{ detail: string; n: number }>(dbPath, `SELECT detail, count(*) AS n FROM events WHERE detail LIKE 'ledger:%' GROUP BY detail`).map((r) => [
        r.detail,
        r.n,
      ]),
    );

  /** True once the alarm with this detail is in SQLite (markers are not on the devices' ledgers). */
  const isStored = (detail: string): boolean => query<{ n: number }>(dbPath, 'SELECT count(*) AS n FROM events WHERE detail = ?', detail)[0]!.n > 0;
  /**
   * Publishes a marker through the broker until the hub has stored it. Sent again each second because a broker drops
   * what arrives before the hub's first subscription exists; the copies share a msgId, so the hub keeps one.
   */
  const markerStored = async (device: LedgerDevice, detail: string): Promise<boolean> => {
    const deadline = Date.now() + FAULT_WAIT_MS;
    while (Date.now() < deadline) {
      await device.publishMarker(detail);
      if (await until(() => isStored(detail), 1000)) return true;
    }
    return false;
  };

  it(
    'alarms published while the hub is down all arrive once, though the hub is killed while draining them',
    async () => {
      const rand = seeded(SEED);
      console.info(`sigkill-external: seed ${SEED}`);
      const start = (): Promise<ProcessHub> => startProcessHub(tree.root, { SG_MQTT_MODE: 'external', SG_MQTT_URL: broker.url });
      devices.push(
        new LedgerDevice('ext-shop-a', 'safegrid/shop-a/shop-a-panel', broker.url, {}),
        new LedgerDevice('ext-home-b', 'safegrid/home-b/home-b-panel', broker.url, {}),
      );
      // First start creates the persistent session and its QoS 1 subscriptions at the broker: they exist once a
      // marker published through the broker is stored (the hub subscribes after it connects, not before it starts).
      hub = await start();
      expect(await markerStored(devices[0]!, 'marker:subscribed'), 'the hub never stored the marker: not subscribed').toBe(true);
      await hub.kill();
      hub = null;
      for (let i = 0; i < BACKLOG_PER_DEVICE; i++) for (const d of devices) d.publishNext();
      await until(() => devices.every((d) => d.pending.size === 0), FAULT_WAIT_MS, 20);
      for (const d of devices) expect(d.pending.size, 'mosquitto acknowledged the backlog').toBe(0);
      expect(stored().size).toBe(0);

      // Start, and kill while the backlog drains; devices keep publishing live alarms meanwhile.
      const ticker = setInterval(() => {
        for (const d of devices) d.publishNext();
      }, 50);
      let partial = 0;
      try {
        for (let k = 0; k < KILLS_WHILE_DRAINING; k++) {
          hub = await start();
          await sleep(100 + rand() * 400);
          await hub.kill();
          hub = null;
          partial = stored().size;
        }
        hub = await start();
        await sleep(300);
      } finally {
        clearInterval(ticker);
      }
      const total = devices.reduce((n, d) => n + d.sent, 0);
      let seen = stored();
      await until(
        () => {
          seen = stored();
          return seen.size >= total;
        },
        FAULT_WAIT_MS,
        200,
      );
      const missing: string[] = [];
      for (const d of devices) for (let n = 1; n <= d.sent; n++) if (!seen.has(`ledger:${d.msgId(n)}`)) missing.push(d.msgId(n));
      expect(missing, 'published but never stored').toEqual([]);
      expect(
        [...seen].filter(([, n]) => n > 1),
        'stored more than once',
      ).toEqual([]);
      // A restart after the drain: the broker must not redeliver what the hub acknowledged. Anything it did
      // redeliver would come before a marker published after the restart, so the check waits for the marker.
      await hub.kill();
      hub = await start();
      expect(await markerStored(devices[1]!, 'marker:after-restart'), 'the hub never stored the marker after the restart').toBe(true);
      expect(stored().size).toBe(total);
      expect([...stored().values()].every((n) => n === 1)).toBe(true);
      console.info(
        `sigkill-external: ${total} alarms (${BACKLOG_PER_DEVICE * devices.length} while the hub was down), ${KILLS_WHILE_DRAINING} kills while draining ` +
          `(last one with ${partial} stored), each stored once`,
      );
      // A ceiling, not a budget: eight starts of the hub as a child process and a drain, on a loaded machine.
    },
    3 * FAULT_WAIT_MS,
  );
});
