/**
 * Drill mode (演练, issue 15) as people see it, in real headless Chromium: a drill incident carries
 * the 演练 badge in the queue, on the map marker and in the detail of the console, and on the guard's
 * phone page; "Drill" in English; 转为真实警情 turns it into a real incident and the badge goes.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Drill } from '../../src/contract/drill.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { benchTree } from '../../bench/tree.js';
import { accountOf, usersYaml } from '../helpers/accounts.js';
import {
  BROWSER_TEST_MS,
  HAVE_CHROMIUM,
  IN_CI,
  launchChromium,
  loginAs,
  newContext,
  PAGE_WAIT_MS,
  SKIP_REASON,
  type PageProblems,
} from '../helpers/browser.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

const run = HAVE_CHROMIUM || IN_CI;
if (!run) console.warn(SKIP_REASON);

describe.skipIf(!run)('drill incidents in the console and on the guard page', () => {
  let t: TestHub;
  let browser: Browser;
  const problems: PageProblems[] = [];
  let incidentId: string;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestHub(), launchChromium()]);
    const op = await t.login('op-hecheng');
    const r = await op.post('/api/drills', { sites: ['shop-a'], durationSeconds: 3600, name: '便利店防盗演练' });
    expect(r.status).toBe(200);
    expect(((await r.json()) as Drill).siteIds).toEqual(['shop-a']);
    const d = await t.deviceAs('shop-a-panel');
    const m = nativeEvent('safegrid/shop-a/shop-a-panel', 'intrusion', 1, 'drill-browser-1');
    await d.publishAsync(m.topic, m.payload, { qos: 1 });
    const incident = await waitFor(() => t.hub.incidents.snapshot().find((i) => i.siteId === 'shop-a'), PAGE_WAIT_MS);
    expect(incident.drill).toBe(true);
    incidentId = incident.id;
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function open(username: string, path = '/', lang?: 'en'): Promise<Page> {
    const c = await newContext(browser, path === '/guard' ? { width: 360, height: 740, mobile: true } : {});
    problems.push(c.problems);
    // about:blank has no storage: the language is set only on the hub's own pages.
    if (lang) await c.context.addInitScript(`if (location.protocol.startsWith('http')) localStorage.setItem('sg-lang', '${lang}')`);
    const page = await c.context.newPage();
    await loginAs(page, t.baseUrl, username, accountOf(username).password, path);
    await page.waitForSelector('#conn[data-state="online"]');
    return page;
  }

  it(
    'the queue row, the map marker and the detail show 演练; the guard’s card too',
    async () => {
      const page = await open('op-hecheng');
      // The header says a drill is running, and until when.
      await expect.poll(() => page.locator('#drill-banner:visible').textContent(), { timeout: PAGE_WAIT_MS }).toContain('演练进行中 1 项');
      const row = page.locator(`#queue tbody tr[data-incident="${incidentId}"]`);
      await row.waitFor();
      expect(await row.locator('.badge-drill').textContent()).toBe('演练');
      await page.waitForSelector(`.inc.drill[data-incident="${incidentId}"] .inc-drill`);
      expect(await page.locator(`.inc[data-incident="${incidentId}"] .inc-drill`).textContent()).toBe('演练');
      await row.click();
      await expect.poll(() => page.locator('#detail-drill').textContent()).toBe('演练');

      const guard = await open('guard-hecheng', '/guard');
      const card = guard.locator('#guard-list article').first();
      await card.waitFor();
      expect(await card.locator('.badge-drill').textContent()).toBe('演练');
    },
    BROWSER_TEST_MS,
  );

  it(
    'in English the badge reads Drill',
    async () => {
      const page = await open('op-hecheng', '/', 'en');
      const row = page.locator(`#queue tbody tr[data-incident="${incidentId}"]`);
      await row.waitFor();
      expect(await row.locator('.badge-drill').textContent()).toBe('Drill');
    },
    BROWSER_TEST_MS,
  );

  it(
    '转为真实警情 turns it into a real incident: the badge goes, the hub counts it as real',
    async () => {
      const page = await open('op-hecheng');
      const row = page.locator(`#queue tbody tr[data-incident="${incidentId}"]`);
      await row.click();
      await page.waitForSelector('button[data-action="make_real"]:not([disabled])');
      await page.click('button[data-action="make_real"]');
      await waitFor(async () => (await t.hub.incidents.get(incidentId))?.drill === false, PAGE_WAIT_MS);
      await expect.poll(() => row.locator('.badge-drill').count(), { timeout: PAGE_WAIT_MS }).toBe(0);
      await expect.poll(() => page.locator('#detail-drill').count(), { timeout: PAGE_WAIT_MS }).toBe(0);
      expect(await page.locator('button[data-action="make_real"]').count()).toBe(0);
      expect((await t.hub.store.audit.forIncident(incidentId)).map((a) => a.action)).toContain('make_real');
      // Map tiles from the internet are blocked on purpose (blocked); nothing else may go wrong.
      for (const p of problems) expect({ csp: p.csp, dialogs: p.dialogs, errors: p.errors }).toEqual({ csp: [], dialogs: [], errors: [] });
    },
    BROWSER_TEST_MS,
  );
});

describe.skipIf(!run)('a drill of 200 alarms in the console', () => {
  const SITES = 50;
  const root = benchTree(SITES);
  let t: TestHub;
  let browser: Browser;

  beforeAll(async () => {
    writeFileSync(join(root, 'config/users.yaml'), await usersYaml([accountOf('admin')]));
    [t, browser] = await Promise.all([
      startTestHub({
        tree: { root, write: (rel, text) => writeFileSync(join(root, rel), text), remove: () => rmSync(root, { recursive: true, force: true }) },
      }),
      launchChromium(),
    ]);
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it(
    'every one of the 100 incidents shows 演练 in its queue row',
    async () => {
      const admin = await t.login('admin');
      const sites = Array.from({ length: SITES }, (_, i) => `s${i}`);
      const c = await newContext(browser);
      const page = await c.context.newPage();
      await loginAs(page, t.baseUrl, 'admin', accountOf('admin').password);
      await page.waitForSelector('#conn[data-state="online"]');
      expect(await page.locator('#drill-banner').isHidden()).toBe(true);
      const started = await admin.post('/api/drills', { sites, durationSeconds: 3600 });
      expect(started.status).toBe(200);
      const drillId = ((await started.json()) as Drill).id;
      // The push shows the banner without a reload.
      await page.waitForSelector('#drill-banner:visible');
      const device = await t.device({ clientId: 'drill-browser-load' });
      // Two intrusion zones (P1 by confirmation) and a panic make one police incident per site; a fire another. All P1: none folds into a group row.
      for (let s = 0; s < SITES; s++) {
        for (const [kind, zone, n] of [
          ['intrusion', 1, 1],
          ['intrusion', 2, 2],
          ['panic', null, 3],
          ['fire', null, 4],
        ] as const) {
          const m = nativeEvent(`safegrid/s${s}/panel`, kind, zone, `b-${s}-${n}`);
          await device.publishAsync(m.topic, m.payload, { qos: 1 });
        }
      }
      await expect.poll(() => page.locator('#queue tbody tr[data-incident]').count(), { timeout: PAGE_WAIT_MS }).toBe(SITES * 2);
      expect(await page.locator('#queue tbody tr[data-incident]:not(.drill)').count()).toBe(0);
      const badges = await page.locator('#queue tbody tr[data-incident] .badge-drill').allTextContents();
      expect(badges).toHaveLength(SITES * 2);
      expect(new Set(badges)).toEqual(new Set(['演练']));
      expect(t.hub.incidents.snapshot().every((i) => i.drill)).toBe(true);
      // Ended early: the banner goes; the drill incidents stay drills.
      expect((await admin.post(`/api/drills/${drillId}/end`)).status).toBe(200);
      await page.waitForSelector('#drill-banner', { state: 'hidden' });
      expect(await page.locator('#queue tbody tr[data-incident] .badge-drill').count()).toBe(SITES * 2);
      expect({ csp: c.problems.csp, dialogs: c.problems.dialogs, errors: c.problems.errors }).toEqual({ csp: [], dialogs: [], errors: [] });
    },
    BROWSER_TEST_MS,
  );
});
