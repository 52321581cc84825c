/**
 * A hub with `storage.backend: postgres` (issue 18): an alarm from an MQTT device is in PostgreSQL
 * when the device gets its PUBACK and reaches a console as an incident; /api/health reports
 * storage failed while PostgreSQL is down and ok once it is back.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { nextEvent, startTestHub, type TestHub, waitFor } from '../helpers/hub.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { HUB_YAML, makeTree } from '../helpers/tree.js';

let server: PostgresServer;
let url: string;
let t: TestHub;
let db: pg.Client;

beforeAll(async () => {
  server = await startPostgres();
  url = await server.createDatabase();
  const tree = makeTree();
  const yaml = HUB_YAML.replace('storage:\n  path: data/test.db\n', `storage:\n  path: data/test.db\n  backend: postgres\n  url: ${url}\n`);
  expect(yaml).toContain('backend: postgres');
  tree.write('config/hub.yaml', yaml);
  t = await startTestHub({ tree });
  // A connection of its own: what it sees is committed.
  db = new pg.Client({ connectionString: url });
  await db.connect();
});

afterAll(async () => {
  await db?.end().catch(() => undefined);
  await t?.close();
  await server?.destroy();
});

describe('a hub on PostgreSQL', () => {
  it('stores the alarm before the PUBACK and opens the incident on the console', async () => {
    const { socket } = await t.console();
    const device = await t.deviceAs('shop-a-panel');
    const incoming = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 'shop-a');
    const msg = nativeEvent('safegrid/shop-a/shop-a-panel', 'intrusion', 2, 'pg-0001');
    await device.publishAsync(msg.topic, msg.payload, { qos: 1 });
    // The PUBACK has arrived: the event is committed in PostgreSQL.
    const stored = await db.query(`SELECT site_id, kind, zone, station_id FROM events WHERE dedupe_key LIKE 'm:shop-a/shop-a-panel:pg-0001%'`);
    expect(stored.rows).toEqual([{ site_id: 'shop-a', kind: 'intrusion', zone: 2, station_id: 'ps-hecheng' }]);
    const incident = await incoming;
    expect(incident).toMatchObject({ siteId: 'shop-a', kind: 'intrusion' });
    expect(t.hub.store.backend).toBe('postgres');
  });

  it(
    'while PostgreSQL is down: health says storage failed and an alarm gets no PUBACK; after the restart the device resends ' + 'it and it is stored once',
    async () => {
      const health = async (): Promise<{ status: number; storage: string }> => {
        const r = await fetch(`${t.baseUrl}/api/health`);
        return { status: r.status, storage: ((await r.json()) as { storage: string }).storage };
      };
      expect(await health()).toEqual({ status: 200, storage: 'ok' });
      // A device that reconnects by itself and resends what was not acknowledged, as panels do.
      const device = await t.deviceAs('shop-a-panel', { reconnectPeriod: 300 });
      await db.end();
      await server.stop();
      expect(await health()).toEqual({ status: 503, storage: 'failed' });
      let acked = false;
      const down = nativeEvent('safegrid/shop-a/shop-a-panel', 'intrusion', 1, 'pg-down');
      const closed = new Promise<void>((r) => device.once('close', () => r()));
      const published = device.publishAsync(down.topic, down.payload, { qos: 1 }).then(() => {
        acked = true;
      });
      // Refused: counted, and the hub closes the connection instead of acknowledging (MQTT 3.1.1 cannot refuse one PUBLISH).
      await waitFor(() => t.hub.metrics.value('sg_ingest_rejected_total', { reason: 'SG_INGEST_STORE_FAILED' }) >= 1);
      await closed;
      expect(acked).toBe(false);
      await server.start();
      expect(await health()).toEqual({ status: 200, storage: 'ok' });
      await published;
      const check = new pg.Client({ connectionString: url });
      await check.connect();
      try {
        const keys = await check.query<{ k: string }>(`SELECT dedupe_key AS k FROM events WHERE dedupe_key LIKE 'm:shop-a/shop-a-panel:pg-%' ORDER BY seq`);
        expect(keys.rows.map((r) => r.k.split(':')[2]!.slice(0, 7))).toEqual(['pg-0001', 'pg-down']);
      } finally {
        await check.end();
      }
    },
  );
});
