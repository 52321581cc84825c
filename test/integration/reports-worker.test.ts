/**
 * Reports are built off the hub's event loop (issue 14): while a monthly report over a large month
 * is being built for an HTTP caller, an alarm published over MQTT still gets its PUBACK and reaches
 * a console before the report answers (order of events, not timings). Past the worker's bound, a
 * report is refused at once with 429 `busy`. The worker also starts in a hub started as `npm start`
 * starts it (bin/safegrid.js, TypeScript through tsx registered by the script).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { ReportService, WHOLE_DISTRICT } from '../../src/reports/service.js';
import { openStore } from '../../src/store/index.js';
import { accountOf, defaultUsersYaml } from '../helpers/accounts.js';
import { type ProcessHub, startProcessHub } from '../helpers/process-hub.js';
import { makeTree } from '../helpers/tree.js';
import type { Incident } from '../../src/contract/incident.js';
import type { MonthlyReport } from '../../src/contract/reports.js';
import { MAX_REPORT_BUILDS } from '../../src/reports/worker-pool.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { nextEvent, startTestHub, type TestHub, waitFor } from '../helpers/hub.js';
import { reportIncident } from '../helpers/report-incidents.js';

/** Enough incidents in November that a monthly build takes seconds, far longer than an alarm's way to a console. */
const NOVEMBER = 30_000;
const NOV_START = Date.parse('2026-11-01T00:00:00+08:00');
const NOV_MS = 30 * 86_400_000;
const CELLS = [
  ['ps-hecheng', 'cell-sw'],
  ['ps-hecheng', 'cell-se'],
  ['ps-minghu', 'cell-nw'],
  ['ps-minghu', 'cell-ne'],
] as const;

let t: TestHub;

beforeAll(async () => {
  t = await startTestHub();
  for (let start = 0; start < NOVEMBER; start += 5000) {
    await t.hub.store.transaction(async () => {
      for (let n = start; n < Math.min(NOVEMBER, start + 5000); n++) {
        const [stationId, cellId] = CELLS[n % CELLS.length]!;
        await t.hub.store.incidents.save(
          reportIncident({
            id: `nov-${n}`,
            siteId: `bulk-${n % 500}`,
            stationId,
            cellId,
            openedAt: new Date(NOV_START + Math.floor((n / NOVEMBER) * NOV_MS)).toISOString(),
            closedAfter: 900,
            disposition: n % 3 === 0 ? 'real' : 'false',
            nature: n % 3 === 0 ? 'criminal' : null,
          }),
        );
      }
    });
  }
}, 180_000);

afterAll(async () => {
  await t?.close();
});

describe('reports are built in a worker thread', () => {
  it('an alarm published during a monthly build is acknowledged and reaches the console before the report answers', async () => {
    expect(t.hub.reports.inWorker).toBe(true);
    const order: string[] = [];
    const { socket } = await t.console();
    const device = await t.deviceAs('shop-a-panel');
    const incoming = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 'shop-a', 60_000).then((i) => {
      order.push('console');
      return i;
    });
    const city = await t.login('op-city');
    const answered = city.get('/api/reports/monthly?month=2026-11').then((r) => {
      order.push('report');
      return r;
    });
    // The worker has started the build: from here until its answer the report is being built. (Built
    // on the event loop, a build could not be seen in progress at all: this wait would time out.)
    await waitFor(() => t.hub.reports.buildingNow > 0, 60_000, 5);
    const msg = nativeEvent('safegrid/shop-a/shop-a-panel', 'intrusion', 2, 'rw-0001');
    await device.publishAsync(msg.topic, msg.payload, { qos: 1 });
    order.push('puback');
    const incident = await incoming;
    expect(incident.siteId).toBe('shop-a');
    const res = await answered;
    expect(res.status).toBe(200);
    const report = (await res.json()) as MonthlyReport;
    // The worker read the whole month on its own connection: every incident written through the hub's store.
    expect(report.totals.received).toBe(NOVEMBER);
    expect(report.totals.real).toBe(NOVEMBER / 3);
    expect(order).toHaveLength(3);
    expect(order.at(-1)).toBe('report');
  }, 180_000);

  it('builds the device quality report in the worker (its query joins two tables with a drill column)', async () => {
    const city = await t.login('op-city');
    const res = await city.get('/api/reports/devices?month=2026-11');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ month: '2026-11' });
  }, 180_000);

  it('builds on the hub thread for a :memory: database, which a second connection cannot see', async () => {
    const store = openStore(':memory:');
    try {
      await store.incidents.save(
        reportIncident({ id: 'mem-1', siteId: 'shop-a', stationId: 'ps-hecheng', cellId: 'cell-sw', openedAt: '2026-11-05T10:00:00+08:00' }),
      );
      const config = t.hub.config;
      const reports = new ReportService({
        store,
        clock: systemClock,
        log: silentLogger(),
        rootDir: t.tree.root,
        config: () => config,
        workerDbPath: ':memory:',
      });
      expect(reports.inWorker).toBe(false);
      const report = (await reports.build({ kind: 'monthly', month: '2026-11', target: WHOLE_DISTRICT })) as MonthlyReport;
      expect(report.totals.received).toBe(1);
    } finally {
      await store.close();
    }
  });

  it(`refuses a report with 429 busy while ${MAX_REPORT_BUILDS} are building or waiting, and answers those`, async () => {
    const city = await t.login('op-city');
    const asked = Array.from({ length: MAX_REPORT_BUILDS + 2 }, () => city.get('/api/reports/monthly?month=2026-11&station=ps-minghu'));
    const answers = await Promise.all(asked);
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(MAX_REPORT_BUILDS);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    const busy = answers.find((r) => r.status === 429)!;
    expect(await busy.json()).toMatchObject({ code: 'busy' });
    const ok = answers.find((r) => r.status === 200)!;
    expect(((await ok.json()) as MonthlyReport).totals.received).toBe(NOVEMBER / 2);
    // The queue drains: a report asked now is built.
    expect((await city.get('/api/reports/monthly?month=2026-11&station=ps-minghu')).status).toBe(200);
  }, 180_000);
});

describe('the report worker in a hub started as npm start does', () => {
  let p: ProcessHub | undefined;
  afterAll(async () => {
    await p?.stop();
  });

  it('node bin/safegrid.js start answers a monthly report built in its worker', async () => {
    const tree = makeTree();
    tree.write('config/users.yaml', await defaultUsersYaml());
    const store = openStore(`${tree.root}/data/test.db`);
    await store.transaction(async () => {
      for (let n = 0; n < 30; n++) {
        const [stationId, cellId] = CELLS[n % CELLS.length]!;
        await store.incidents.save(
          reportIncident({
            id: `bin-${n}`,
            siteId: 'shop-a',
            stationId,
            cellId,
            openedAt: `2026-11-${String(1 + n).padStart(2, '0')}T12:00:00+08:00`,
            closedAfter: 600,
            disposition: 'real',
            nature: 'criminal',
          }),
        );
      }
    });
    await store.close();
    p = await startProcessHub(tree.root, {}, { bin: true });
    const base = `http://127.0.0.1:${p.httpPort}`;
    const login = await fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'op-city', password: accountOf('op-city').password }),
    });
    expect(login.status).toBe(200);
    const cookie = /sg_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0];
    const res = await fetch(`${base}/api/reports/monthly?month=2026-11`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as MonthlyReport).totals).toMatchObject({ received: 30, real: 30 });
  }, 180_000);
});
