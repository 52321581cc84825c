/**
 * The reports page (/reports, issue 14) in headless Chromium against a real hub and its real
 * /api/reports: incidents are raised by real alarm messages and worked through the 110 workflow
 * (签收 → 派警 → 到场 → 反馈 → 结警), then each report is opened from the console's header link and
 * must show its figures and its charts (ECharts on canvas, the grid heat map) under the hub's strict
 * CSP. A screenshot of each report goes to test-output/. Also: the English switch, a station
 * operator's scope, the bulletin on paper, the export links, and a guard who gets no link and a refusal.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localParts } from '../../src/contract/local-time.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { accountOf } from '../helpers/accounts.js';
import {
  BROWSER_TEST_MS,
  HAVE_CHROMIUM,
  IN_CI,
  launchChromium,
  loginAs,
  newContext,
  type PageProblems,
  screenshotPath,
  SKIP_REASON,
} from '../helpers/browser.js';
import { startTestHub, type TestHub, waitFor } from '../helpers/hub.js';

const run = HAVE_CHROMIUM || IN_CI;
if (!run) console.warn(SKIP_REASON);

const ZONE = 'Asia/Shanghai';
const CHART_READY = '[data-chart="ready"] canvas';

/** One alarm at a site, worked to its end as a dispatch centre would. */
interface Worked {
  site: 'shop-a' | 'home-b';
  kind: 'panic' | 'intrusion' | 'medical';
  /** How it ends; null: left open. */
  close: null | { disposition: 'real'; nature: string; unit: string } | { disposition: 'false' | 'test' };
}

/** 荷城 (shop-a, cell-sw) has 3, 明湖 (home-b) 2 counted + 1 test that no figure may count. */
const PLAN: Worked[] = [
  { site: 'shop-a', kind: 'panic', close: { disposition: 'real', nature: 'criminal', unit: 'hc-car-1' } },
  { site: 'shop-a', kind: 'intrusion', close: { disposition: 'false' } },
  { site: 'shop-a', kind: 'intrusion', close: { disposition: 'real', nature: 'public_order', unit: 'hc-car-1' } },
  { site: 'home-b', kind: 'medical', close: { disposition: 'real', nature: 'help', unit: 'mh-car-1' } },
  { site: 'home-b', kind: 'intrusion', close: { disposition: 'test' } },
  { site: 'home-b', kind: 'panic', close: null },
];

const DEVICE = { 'shop-a': 'safegrid/shop-a/shop-a-panel', 'home-b': 'safegrid/home-b/home-b-panel' } as const;

async function work(t: TestHub, plan: Worked[]): Promise<void> {
  let n = 0;
  for (const w of plan) {
    const m = nativeEvent(DEVICE[w.site], w.kind, w.kind === 'intrusion' ? 2 : null, `rp-${++n}`);
    await t.hub.ingest.receive({ topic: m.topic, payload: Buffer.from(m.payload), retained: false });
    // A site has one open incident per category at a time: wait for the new one (the earlier ones are closed).
    const i = await waitFor(() => t.hub.incidents.snapshot().find((x) => x.siteId === w.site && x.eventCount >= 1 && !x.owner));
    if (!w.close) continue;
    const op = w.site === 'shop-a' ? 'op-hecheng' : 'op-minghu';
    expect((await t.hub.incidents.acknowledge(i.id, op)).ok).toBe(true);
    if (w.close.disposition === 'real') {
      expect((await t.hub.incidents.dispatchUnit(i.id, op, w.close.unit)).ok).toBe(true);
      expect((await t.hub.incidents.onScene(i.id, op)).ok).toBe(true);
      expect((await t.hub.incidents.feedback(i.id, op, '现场已处置', w.close.nature)).ok).toBe(true);
    }
    const closed = await t.hub.incidents.close(i.id, op, w.close.disposition);
    expect(closed.ok, JSON.stringify(closed)).toBe(true);
  }
}

function todayInShanghai(): { date: string; month: string } {
  const p = localParts(Date.now(), ZONE);
  return { date: `${p.year}-${p.month}-${p.day}`, month: `${p.year}-${p.month}` };
}

/** The cells of a report table's body, row by row. */
function tableRows(page: Page, id: string): Promise<string[][]> {
  return page.$$eval(`#${id} tbody tr`, (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
}

async function openReport(page: Page, tab: string, charts: number): Promise<void> {
  await page.click(`#tab-${tab}`);
  await page.waitForSelector(`#report-content[data-report="${tab}"]`);
  await expect.poll(() => page.locator(CHART_READY).count()).toBeGreaterThanOrEqual(charts);
}

describe.skipIf(!run)('the reports page in a browser', () => {
  let t: TestHub;
  let browser: Browser;
  const { date, month } = todayInShanghai();

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestHub(), launchChromium()]);
    await work(t, PLAN);
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const noProblems = (p: PageProblems): void => {
    expect(p.csp, 'CSP violations').toEqual([]);
    expect(p.errors, 'page errors').toEqual([]);
    expect(p.dialogs).toEqual([]);
  };

  it(
    'an admin opens each report from the console header: figures, charts and the heat map, under the strict CSP',
    async () => {
      const { context, problems } = await newContext(browser);
      const page = await context.newPage();
      const admin = accountOf('admin');
      await loginAs(page, t.baseUrl, admin.username, admin.password);
      await page.waitForSelector('#nav-reports');
      expect(await page.textContent('#nav-reports')).toBe('统计报表');
      await Promise.all([page.waitForURL((u) => u.pathname === '/reports'), page.click('#nav-reports')]);

      // Daily 三个一 for today (the default is yesterday, a whole day): 6 received, 3 cases, 1 false, 1 open; the test is apart.
      await page.goto(`${t.baseUrl}/reports?report=daily&date=${date}`);
      await page.waitForSelector('#report-content[data-report="daily"]');
      await expect.poll(() => page.locator(CHART_READY).count()).toBeGreaterThanOrEqual(2);
      const summary = Object.fromEntries((await tableRows(page, 'daily-summary')).map((r) => [r[0], r[1]]));
      expect(summary['接警（起）']).toBe('5');
      expect(summary['发案（有效警情）']).toBe('3');
      expect(summary['误报']).toBe('1');
      expect(summary['日终未结']).toBe('1');
      expect(await page.textContent('#report-daily')).toContain('测试 1 起');
      const natures = (await tableRows(page, 'daily-nature')).map((r) => r[0]).sort();
      expect(natures).toEqual(['刑事', '求助', '治安'].sort());
      await page.screenshot({ path: screenshotPath('reports-daily.png'), fullPage: true });

      await openReport(page, 'monthly', 0);
      await page.fill('#ctl-month', month);
      await Promise.all([page.waitForURL((u) => u.searchParams.get('month') === month), page.click('#ctl-show')]);
      await page.waitForSelector(`#report-monthly[data-month="${month}"]`);
      await expect.poll(() => page.locator(CHART_READY).count()).toBeGreaterThanOrEqual(3);
      // The heat map: cell-sw (shop-a) holds 2 real incidents, cell-ne (home-b) 1, cell-nw none.
      await expect.poll(() => page.getAttribute('#heat-map [data-cell="cell-sw"]', 'data-count')).toBe('2');
      expect(await page.getAttribute('#heat-map [data-cell="cell-ne"]', 'data-count')).toBe('1');
      expect(await page.getAttribute('#heat-map [data-cell="cell-nw"]', 'data-count')).toBe('0');
      expect(await page.locator('#patrol li').count()).toBeGreaterThan(0);
      expect((await tableRows(page, 'monthly-top-sites')).map((r) => r[0])).toContain('明湖路12号便利店');
      await page.screenshot({ path: screenshotPath('reports-monthly.png'), fullPage: true });

      await openReport(page, 'response', 2);
      await page.fill('#ctl-month', month);
      await page.click('#ctl-show');
      await page.waitForSelector(`#report-response[data-month="${month}"]`);
      const overall = (await tableRows(page, 'response-overall'))[0]!;
      expect(overall[0]).toBe('全部');
      expect(overall.join(' ')).toMatch(/\d+秒/); // 签收 took seconds, worded as a duration
      await page.screenshot({ path: screenshotPath('reports-response.png'), fullPage: true });

      await openReport(page, 'devices', 1);
      expect((await tableRows(page, 'devices-sites')).length).toBeGreaterThan(0);
      await page.screenshot({ path: screenshotPath('reports-devices.png'), fullPage: true });

      await openReport(page, 'bulletin', 2);
      await page.screenshot({ path: screenshotPath('reports-bulletin.png'), fullPage: true });

      // The daily report as the hub stores it at reports.daily_at (called here rather than waiting for the clock):
      // listed, and opened as stored, with the hub's verdict on its audit hash.
      expect(await t.hub.reports.generateDaily(date)).toBeGreaterThan(0);
      await page.click('#tab-stored');
      await page.waitForSelector('#report-content[data-report="stored"]');
      await page.waitForSelector(`#stored-list [data-open="${date}/"]`);
      await page.screenshot({ path: screenshotPath('reports-stored.png'), fullPage: true });
      await page.click(`#stored-list [data-open="${date}/"]`);
      await page.waitForSelector('#report-content[data-report="stored-daily"]');
      expect(await page.getAttribute('#stored-badge', 'class')).toContain('ok');
      expect(await page.textContent('#stored-badge')).toMatch(/^已存档 · 校验通过（审计序号 \d+）$/);
      const stored = Object.fromEntries((await tableRows(page, 'daily-summary')).map((r) => [r[0], r[1]]));
      expect(stored['接警（起）']).toBe('5');
      await expect.poll(() => page.locator(CHART_READY).count()).toBeGreaterThanOrEqual(2);
      await page.screenshot({ path: screenshotPath('reports-stored-daily.png'), fullPage: true });
      noProblems(problems);
      await context.close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'the export links answer CSV with a BOM and Chinese headings, and XLSX',
    async () => {
      const { context, problems } = await newContext(browser);
      const page = await context.newPage();
      const admin = accountOf('admin');
      await loginAs(page, t.baseUrl, admin.username, admin.password);
      await page.goto(`${t.baseUrl}/reports?report=monthly&month=${month}`);
      await page.waitForSelector('#report-monthly');
      const csv = await page.getAttribute('[data-export="csv:by_cell"]', 'href');
      expect(csv).toBe(`/api/reports/monthly?month=${month}&format=csv&table=by_cell&lang=zh-CN`);
      const r = await page.request.get(t.baseUrl + csv!);
      expect(r.status()).toBe(200);
      const bytes = await r.body();
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      expect(bytes.toString('utf8')).toContain('网格');
      const xlsx = await page.request.get(t.baseUrl + (await page.getAttribute('[data-export="xlsx"]', 'href'))!);
      expect(xlsx.status()).toBe(200);
      expect((await xlsx.body()).subarray(0, 2).toString('latin1')).toBe('PK'); // a zip: what an .xlsx is
      noProblems(problems);
      await context.close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'English switch: tabs, headings and figures in English; the choice survives loading another report',
    async () => {
      const { context, problems } = await newContext(browser);
      const page = await context.newPage();
      const admin = accountOf('admin');
      await loginAs(page, t.baseUrl, admin.username, admin.password);
      await page.goto(`${t.baseUrl}/reports?report=daily&date=${date}`);
      await page.waitForSelector('#report-daily');
      await page.click('#lang');
      await expect.poll(() => page.textContent('#tab-daily')).toBe('Daily figures');
      expect(await page.textContent('#report-daily h1')).toBe(`Daily figures for ${date}`);
      const summary = Object.fromEntries((await tableRows(page, 'daily-summary')).map((r) => [r[0], r[1]]));
      expect(summary['Alarms received']).toBe('5');
      await page.goto(`${t.baseUrl}/reports?report=monthly&month=${month}`);
      await page.waitForSelector('#report-monthly');
      await expect.poll(() => page.locator(CHART_READY).count()).toBeGreaterThanOrEqual(3);
      const tabs = await page.$$eval('#report-tabs .tab', (b) => b.map((x) => x.textContent ?? '').join(' '));
      expect(tabs).not.toMatch(/[\u4e00-\u9fff]/);
      expect(await page.textContent('#report-monthly h1')).toBe(`Grid cell analysis for ${month}`);
      expect(await page.textContent('#patrol')).toMatch(/Patrol|patrol/);
      await page.screenshot({ path: screenshotPath('reports-monthly-en.png'), fullPage: true });
      noProblems(problems);
      await context.close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'a station operator sees only their station: 明湖 counts home-b’s incidents, not shop-a’s',
    async () => {
      const { context, problems } = await newContext(browser);
      const page = await context.newPage();
      const op = accountOf('op-minghu');
      await loginAs(page, t.baseUrl, op.username, op.password);
      await page.waitForSelector('#nav-reports');
      await page.goto(`${t.baseUrl}/reports?report=daily&date=${date}`);
      await page.waitForSelector('#report-daily');
      const summary = Object.fromEntries((await tableRows(page, 'daily-summary')).map((r) => [r[0], r[1]]));
      expect(summary['接警（起）']).toBe('2');
      expect(summary['发案（有效警情）']).toBe('1');
      const stations = (await tableRows(page, 'daily-station')).map((r) => r[0]);
      expect(stations.join(' ')).not.toContain('荷城');
      noProblems(problems);
      await context.close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'the community bulletin on paper: the report alone on white, no console chrome; its HTML download names no contact',
    async () => {
      const { context, problems } = await newContext(browser);
      const page = await context.newPage();
      const admin = accountOf('admin');
      await loginAs(page, t.baseUrl, admin.username, admin.password);
      await page.goto(`${t.baseUrl}/reports?report=bulletin&community=${encodeURIComponent('荷城街道')}&period=month&date=${date}`);
      await page.waitForSelector('#report-bulletin');
      await expect.poll(() => page.locator(CHART_READY).count()).toBeGreaterThanOrEqual(2);
      expect(await page.textContent('#report-bulletin h1')).toBe('荷城街道 社区警情通报');
      await page.emulateMedia({ media: 'print' });
      for (const chrome of ['header.topbar', '#report-tabs', '#report-controls', '#bulletin-print', '#bulletin-html'])
        expect(await page.isVisible(chrome), chrome).toBe(false);
      expect(await page.isVisible('#report-bulletin h1')).toBe(true);
      expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(255, 255, 255)');
      await page.screenshot({ path: screenshotPath('reports-bulletin-print.png'), fullPage: true });
      await page.emulateMedia({ media: 'screen' });
      const html = await page.request.get(t.baseUrl + (await page.getAttribute('#bulletin-html', 'href'))!);
      expect(html.status()).toBe(200);
      const text = await html.text();
      expect(text).toContain('荷城街道');
      for (const secret of ['王店主', '王太太', '13800000000', '明湖路12号便利店', '李女士']) expect(text, secret).not.toContain(secret);
      noProblems(problems);
      await context.close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'a guard has no reports link, gets a refusal on /reports, and the API answers 403',
    async () => {
      const { context, problems } = await newContext(browser, { width: 400, height: 800, mobile: true });
      const page = await context.newPage();
      const guard = accountOf('guard-hecheng');
      await loginAs(page, t.baseUrl, guard.username, guard.password, '/guard');
      await page.waitForSelector('#user');
      expect(await page.locator('#nav-reports').count()).toBe(0);
      await page.goto(`${t.baseUrl}/reports`);
      await page.waitForSelector('#role-gate');
      expect(await page.textContent('#role-gate')).toContain('物业保安');
      expect(await page.locator('#report-content').count()).toBe(0);
      const api = await page.request.get(`${t.baseUrl}/api/reports/daily?date=${date}`);
      expect(api.status()).toBe(403);
      noProblems(problems);
      await context.close();
    },
    BROWSER_TEST_MS,
  );
});
