/**
 * The 110 workflow in the console, in real headless Chromium (issue 12): the guard's 误报 finding
 * shows on the property track with a confirm button; the operator dispatches a unit from the list,
 * goes on scene, records 反馈 with a nature, calls a key-holder and closes — by keyboard.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { accountOf } from '../helpers/accounts.js';
import { BROWSER_TEST_MS, HAVE_CHROMIUM, IN_CI, launchChromium, loginAs, newContext, SKIP_REASON, type PageProblems } from '../helpers/browser.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { makeTree, SHOP_YAML } from '../helpers/tree.js';

/** shop-a as a guard_first site: the operator waits for the guard's verification before 派警. */
const GUARD_FIRST_SHOP = SHOP_YAML.replace('  guard_group: hecheng-team\n', '  guard_group: hecheng-team\n  guard_first: true\n');

const run = HAVE_CHROMIUM || IN_CI;
if (!run) console.warn(SKIP_REASON);

describe.skipIf(!run)('the 110 workflow in the console', () => {
  let t: TestHub;
  let browser: Browser;
  const problems: PageProblems[] = [];

  beforeAll(async () => {
    expect(GUARD_FIRST_SHOP).toContain('guard_first: true');
    [t, browser] = await Promise.all([startTestHub({ tree: makeTree({ 'shop-a.yaml': GUARD_FIRST_SHOP }) }), launchChromium()]);
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function operator(username: string): Promise<Page> {
    const c = await newContext(browser);
    problems.push(c.problems);
    const page = await c.context.newPage();
    await loginAs(page, t.baseUrl, username, accountOf(username).password);
    await page.waitForSelector('#conn[data-state="online"]');
    return page;
  }

  async function alarm(msgId: string): Promise<Incident> {
    const d = await t.deviceAs('shop-a-panel');
    const m = nativeEvent('safegrid/shop-a/shop-a-panel', 'panic', null, msgId);
    await d.publishAsync(m.topic, m.payload, { qos: 1 });
    return waitFor(() => t.hub.incidents.snapshot().find((i) => i.siteId === 'shop-a'), 10_000);
  }

  it(
    'a guard’s 误报 is confirmed by the operator in one step',
    async () => {
      const { id } = await alarm('wf-browser-1');
      const guard = await t.login('guard-hecheng');
      expect((await guard.post(`/api/incidents/${id}/guard_ack`)).status).toBe(200);
      expect((await guard.post(`/api/incidents/${id}/guard_verify`, { finding: 'false_alarm', note: '猫碰到红外' })).status).toBe(200);
      const page = await operator('op-hecheng');
      await page.locator('#queue tbody tr', { hasText: '明湖路12号便利店' }).click();
      await expect.poll(() => page.locator('#detail-property').textContent()).toContain('误报（待接警员确认）');
      await page.click('#confirm-false');
      await waitFor(async () => (await t.hub.incidents.get(id))?.status === 'closed', 10_000);
      expect(await t.hub.incidents.get(id)).toMatchObject({ disposition: 'false', owner: null });
    },
    BROWSER_TEST_MS,
  );

  it(
    'dispatch from the unit list, on scene, 反馈 with a nature, a key-holder call, and a real close, by keyboard',
    async () => {
      const { id } = await alarm('wf-browser-2');
      const page = await operator('op-hecheng');
      await page.locator('#queue tbody tr', { hasText: '明湖路12号便利店' }).click();
      await page.waitForSelector('button[data-action="ack"]:not([disabled])');
      await page.keyboard.press('a');
      await page.waitForSelector('button[data-action="dispatch"]:not([disabled])');
      // guard_first: 等待物业核实 with its timer; 派警 before the guard's verification asks first.
      expect(await page.locator('#waiting-guard').textContent()).toContain('等待物业核实');
      // The shared page helper counts real dialogs as injected script, so the confirmation is answered in the page.
      await page.evaluate('window.asked = []; window.confirm = (m) => window.asked.push(m) > 0;');
      await page.keyboard.press('d');
      expect(await page.locator('#form-unit option').allTextContents()).toEqual(['荷城巡逻车1组（李明）', '荷城保安队']);
      await page.selectOption('#form-unit', 'hc-car-1');
      await page.click('#action-form button[type=submit]');
      await expect.poll(() => page.locator('#detail-status').textContent()).toBe('已派警');
      expect(await page.evaluate('window.asked')).toEqual(['物业尚未核实，确定现在派警？']);
      // The status push can arrive before the command's answer; a key pressed while the answer is pending is ignored, as the disabled buttons show.
      await page.waitForSelector('button[data-action="call"]:not([disabled])');
      await page.keyboard.press('l');
      // The first contact is suggested; after 未接 the next one is.
      expect(await page.locator('#form-contact').inputValue()).toBe('0');
      await page.selectOption('#form-outcome', 'no_answer');
      await page.click('#action-form button[type=submit]');
      await expect.poll(() => page.locator('#detail-calls').textContent()).toContain('王店主: 未接');
      await page.waitForSelector('button[data-action="call"]:not([disabled])');
      await page.keyboard.press('l');
      expect(await page.locator('#form-contact').inputValue()).toBe('1');
      await page.keyboard.press('Escape');
      await page.waitForSelector('button[data-action="onscene"]:not([disabled])');
      await page.keyboard.press('s');
      await expect.poll(() => page.locator('#detail-status').textContent()).toBe('已到场');
      await page.waitForSelector('button[data-action="feedback"]:not([disabled])');
      await page.keyboard.press('f');
      await page.fill('#form-feedback', '店员误按，现场无异常');
      await page.selectOption('#form-nature', 'help');
      await page.click('#action-form button[type=submit]');
      await expect.poll(() => page.locator('#timeline').textContent()).toContain('店员误按');
      await page.waitForSelector('button[data-action="close"]:not([disabled])');
      await page.keyboard.press('c');
      await page.selectOption('#form-disposition', 'real');
      await page.click('#action-form button[type=submit]');
      await waitFor(async () => (await t.hub.incidents.get(id))?.status === 'closed', 10_000);
      expect(await t.hub.incidents.get(id)).toMatchObject({ disposition: 'real', nature: 'help', unit: { id: 'hc-car-1' } });
      for (const p of problems) {
        expect(p.csp).toEqual([]);
        expect(p.errors).toEqual([]);
      }
    },
    BROWSER_TEST_MS,
  );
});
