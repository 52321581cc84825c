/**
 * The console's 演练 form (issue 15), in real headless Chromium against a real hub: an operator
 * starts a drill for one site from the form (socket `drill:start`), that site's alarm carries the
 * 演练 badge and another site's does not, the operator ends it from the list (`drill:end`) and the
 * banner goes. Scope: a site outside the operator's stations is not offered. Refusals in words:
 * ending a drill that already ended elsewhere (its push lost on the way) says so.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Drill } from '../../src/contract/drill.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { accountOf } from '../helpers/accounts.js';
import {
  BROWSER_TEST_MS,
  HAVE_CHROMIUM,
  IN_CI,
  launchChromium,
  loginAs,
  newContext,
  PAGE_WAIT_MS,
  SKIP_REASON,
  screenshotPath,
  type PageProblems,
} from '../helpers/browser.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

const run = HAVE_CHROMIUM || IN_CI;
if (!run) console.warn(SKIP_REASON);

describe.skipIf(!run)('the 演练 form in the console', () => {
  let t: TestHub;
  let browser: Browser;
  const problems: PageProblems[] = [];

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestHub(), launchChromium()]);
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A console page; `dropDrillEnded` loses every `drill:ended` push on the way to the page (a missed push). */
  async function open(username: string, opts: { dropDrillEnded?: boolean; lang?: 'en'; path?: string } = {}): Promise<Page> {
    const c = await newContext(browser, opts.path === '/guard' ? { width: 360, height: 740, mobile: true } : {});
    problems.push(c.problems);
    // about:blank has no storage: the language is set only on the hub's own pages.
    if (opts.lang) await c.context.addInitScript(`if (location.protocol.startsWith('http')) localStorage.setItem('sg-lang', '${opts.lang}')`);
    const page = await c.context.newPage();
    if (opts.dropDrillEnded) {
      await page.routeWebSocket(
        (url) => url.pathname.startsWith('/socket.io'),
        (ws) => {
          const server = ws.connectToServer();
          server.onMessage((m) => {
            if (typeof m === 'string' && m.includes('"drill:ended"')) return;
            ws.send(m);
          });
        },
      );
    }
    await loginAs(page, t.baseUrl, username, accountOf(username).password, opts.path);
    await page.waitForSelector('#conn[data-state="online"]');
    return page;
  }

  async function alarm(login: string, topic: string, msgId: string): Promise<string> {
    const d = await t.deviceAs(login);
    const m = nativeEvent(topic, 'intrusion', 1, msgId);
    await d.publishAsync(m.topic, m.payload, { qos: 1 });
    const siteId = topic.split('/')[1];
    const incident = await waitFor(() => t.hub.incidents.snapshot().find((i) => i.siteId === siteId), PAGE_WAIT_MS);
    return incident.id;
  }

  it(
    'an operator starts a drill for one site: its alarm shows 演练, another site’s does not; 结束演练 ends it and the banner goes',
    async () => {
      const page = await open('op-city');
      expect(await page.locator('#drill-banner').isHidden()).toBe(true);
      await page.click('#drill-open');
      await page.waitForSelector('#drill-panel:visible');
      expect(await page.locator('#drill-list li').textContent()).toBe('当前无进行中的演练');
      // Nothing chosen: the form says what is missing, and nothing is sent.
      await page.click('#drill-start');
      await expect.poll(() => page.locator('#drill-msg').textContent()).toBe('请至少选择一个单位');
      await page.selectOption('#drill-sites', ['shop-a']);
      await page.selectOption('#drill-duration', 'custom');
      await page.fill('#drill-custom', '2000');
      await page.click('#drill-start');
      await expect.poll(() => page.locator('#drill-msg').textContent()).toBe('自定义时长须为 1–1440 分钟的整数');
      expect(await t.hub.store.drills.unended()).toHaveLength(0);
      await page.selectOption('#drill-duration', '1800');
      await page.fill('#drill-name', '表单演练 <b>x</b>');
      await page.click('#drill-start');
      await expect.poll(() => page.locator('#drill-msg').textContent(), { timeout: PAGE_WAIT_MS }).toContain('演练已开始：表单演练 <b>x</b>');
      await expect.poll(() => page.locator('#drill-banner:visible').textContent(), { timeout: PAGE_WAIT_MS }).toContain('演练进行中 1 项');

      const listed = (await (await (await t.login('op-city')).get('/api/drills')).json()) as { drills: Drill[] };
      expect(listed.drills).toHaveLength(1);
      const drill = listed.drills[0]!;
      expect(drill).toMatchObject({ siteIds: ['shop-a'], stationId: null, name: '表单演练 <b>x</b>', startedBy: 'op-city', endedAt: null });
      expect(Date.parse(drill.endsAt) - Date.parse(drill.startedAt)).toBe(1800_000);
      const row = page.locator(`#drill-list li[data-drill="${drill.id}"]`);
      await row.waitFor();
      await page.screenshot({ path: screenshotPath('drill-form.png') });
      // The name is data: shown as text, never as markup.
      expect(await row.locator('b').count()).toBe(0);

      const drillIncident = await alarm('shop-a-panel', 'safegrid/shop-a/shop-a-panel', 'form-drill-1');
      const realIncident = await alarm('home-b', 'safegrid/home-b/home-b-panel', 'form-real-1');
      const drillRow = page.locator(`#queue tbody tr[data-incident="${drillIncident}"]`);
      const realRow = page.locator(`#queue tbody tr[data-incident="${realIncident}"]`);
      await drillRow.waitFor({ timeout: PAGE_WAIT_MS });
      await realRow.waitFor({ timeout: PAGE_WAIT_MS });
      expect(await drillRow.locator('.badge-drill').textContent()).toBe('演练');
      expect(await realRow.locator('.badge-drill').count()).toBe(0);
      expect((await t.hub.incidents.get(realIncident))?.drill).toBe(false);

      await row.locator('button.drill-end').click();
      await page.waitForSelector('#drill-banner', { state: 'hidden', timeout: PAGE_WAIT_MS });
      await expect.poll(() => page.locator('#drill-msg').textContent()).toContain('演练已结束');
      await expect.poll(() => page.locator('#drill-list li').textContent()).toBe('当前无进行中的演练');
      const ended = (await (await (await t.login('op-city')).get('/api/drills')).json()) as { drills: Drill[] };
      expect(ended.drills[0]).toMatchObject({ id: drill.id, endedBy: 'op-city' });
      expect(ended.drills[0]!.endedAt).not.toBeNull();
      // The drill incident stays a drill after its window ended early.
      expect(await drillRow.locator('.badge-drill').textContent()).toBe('演练');
    },
    BROWSER_TEST_MS,
  );

  it(
    'a station operator is offered only the sites of their scope, and their own station',
    async () => {
      const page = await open('op-hecheng');
      await page.click('#drill-open');
      await page.waitForSelector('#drill-panel:visible');
      const offered = await page.locator('#drill-sites option').evaluateAll((os) => os.map((o) => o.getAttribute('value')));
      expect(offered).toContain('shop-a');
      expect(offered).not.toContain('home-b');
      expect(await page.locator('#drill-target-station').count()).toBe(1);
    },
    BROWSER_TEST_MS,
  );

  it(
    'in English: a drill of the operator’s whole station from the form, ended from the list; guards have no 演练 control',
    async () => {
      const page = await open('op-hecheng', { lang: 'en' });
      expect(await page.locator('#drill-open').textContent()).toBe('Drill');
      await page.click('#drill-open');
      await page.check('#drill-target-station');
      expect(await page.locator('#drill-sites').isDisabled()).toBe(true);
      await page.selectOption('#drill-duration', '900');
      await page.click('#drill-start');
      await expect.poll(() => page.locator('#drill-msg').textContent(), { timeout: PAGE_WAIT_MS }).toContain('Drill started');
      const drill = await waitFor(async () => (await t.hub.store.drills.unended()).find((d) => d.stationId === 'ps-hecheng'), PAGE_WAIT_MS);
      expect(drill).toMatchObject({ siteIds: [], startedBy: 'op-hecheng' });
      expect(Date.parse(drill.endsAt) - Date.parse(drill.startedAt)).toBe(900_000);
      await expect.poll(() => page.locator('#drill-banner:visible').textContent(), { timeout: PAGE_WAIT_MS }).toContain('1 drill(s) running');
      const row = page.locator(`#drill-list li[data-drill="${drill.id}"]`);
      await row.locator('button.drill-end').click();
      await page.waitForSelector('#drill-banner', { state: 'hidden', timeout: PAGE_WAIT_MS });
      expect(await page.locator('#drill-list li').textContent()).toBe('No drill is running');
      expect((await t.hub.store.drills.get(drill.id))?.endedBy).toBe('op-hecheng');

      const guard = await open('guard-hecheng', { path: '/guard' });
      expect(await guard.locator('#drill-open, #drill-panel').count()).toBe(0);
    },
    BROWSER_TEST_MS,
  );

  it(
    'ending a drill that already ended (its push lost) shows the refusal in words and drops it from the list',
    async () => {
      const op = await t.login('op-hecheng');
      const r = await op.post('/api/drills', { sites: ['shop-a'], durationSeconds: 3600, name: '已结束的演练' });
      expect(r.status).toBe(200);
      const drill = (await r.json()) as Drill;
      const page = await open('op-hecheng', { dropDrillEnded: true });
      await page.click('#drill-open');
      const row = page.locator(`#drill-list li[data-drill="${drill.id}"]`);
      await row.waitFor({ timeout: PAGE_WAIT_MS });
      // Someone else ends it; this page never hears.
      expect((await (await t.login('op-city')).post(`/api/drills/${drill.id}/end`)).status).toBe(200);
      await row.locator('button.drill-end').click();
      await expect.poll(() => page.locator('#drill-msg').textContent(), { timeout: PAGE_WAIT_MS }).toBe('操作失败：该演练已结束');
      await expect.poll(() => row.count(), { timeout: PAGE_WAIT_MS }).toBe(0);
      await page.waitForSelector('#drill-banner', { state: 'hidden', timeout: PAGE_WAIT_MS });
      for (const p of problems) expect({ csp: p.csp, dialogs: p.dialogs, errors: p.errors }).toEqual({ csp: [], dialogs: [], errors: [] });
    },
    BROWSER_TEST_MS,
  );
});
