/**
 * The installer page (`/installer`, issue 15) in Chromium: an installer starts a walk test and
 * watches the checklist fill as zones are tripped over real MQTT, sees a rejected message (escaped,
 * no script runs), ends the test and prints the 验收记录.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { accountOf } from '../helpers/accounts.js';
import {
  BROWSER_TEST_MS,
  dialogsBeforeMarker,
  HAVE_CHROMIUM,
  IN_CI,
  launchChromium,
  loginAs,
  newContext,
  type PageProblems,
  screenshotPath,
} from '../helpers/browser.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { makeTree } from '../helpers/tree.js';

const PASS = 'pw-walk-d-Yq5nR7';
const SITE_YAML = `site:
  id: walk-d
  name: 人民路20号金店
  kind: shop
  address: 钟山区人民路20号
  door_plate: 人民路20号
  location: [26.596, 104.836]
  contacts: [{ name: 钱老板, phone: "13800000010" }]
  mqtt: { username: walk-d, password_env: MQTT_WALK_D_PASS }
devices:
  - id: gold-panel
    profile: native
    topic: safegrid/walk-d/gold-panel
    zones:
      1: { name: 前门, type: entry }
      2: { name: 柜台红外, type: interior }
      3: { name: 保险柜震动, type: 24h }
      4: { name: 后窗, type: perimeter }
`;

/** A new site file with mistakes: held back whole, so it names no loaded site. */
const BROKEN_YAML = `site:
  id: bad-x
  name: 错误示例
  kind: shopp
`;

const run = HAVE_CHROMIUM || IN_CI;

describe.skipIf(!run)('installer page (Chromium)', () => {
  let t: TestHub;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    [t, browser] = await Promise.all([
      startTestHub({ tree: makeTree({ 'walk-d.yaml': SITE_YAML, 'bad-x.yaml': BROKEN_YAML }), env: { MQTT_WALK_D_PASS: PASS } }),
      launchChromium(),
    ]);
    const c = await newContext(browser);
    problems = c.problems;
    page = await c.context.newPage();
    await loginAs(page, t.baseUrl, 'installer', accountOf('installer').password, '/installer');
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it(
    'the walk test checklist fills live, a rejected message shows escaped, and the record prints',
    async () => {
      // The held-back file's problems, in the words of \`safegrid check\` (file:line first).
      await page.waitForSelector('#inst-file-problems li');
      expect(await page.locator('#inst-file-problems').textContent()).toContain('devices/bad-x.yaml:4');
      await page.click('.inst-site[data-site="walk-d"]');
      await page.waitForSelector('#site-heading >> text=人民路20号金店');
      await page.click('#walk-start');
      await page.waitForSelector('#walk-checklist tbody tr[data-zone="4"][data-seen="false"]');
      expect(await page.locator('#walk-checklist tbody tr').count()).toBe(4);

      const panel = await t.device({ username: 'walk-d', password: PASS });
      for (const zone of [1, 2, 3]) {
        const msg = nativeEvent('safegrid/walk-d/gold-panel', 'burglary', zone, `gold-${zone}`);
        await panel.publishAsync(msg.topic, msg.payload, { qos: 1 });
        await page.waitForSelector(`#walk-checklist tbody tr[data-zone="${zone}"][data-seen="true"]`);
      }
      expect(await page.locator('#walk-checklist tr[data-zone="4"] .inst-seen').textContent()).toBe('未触发');
      expect(await page.locator('#walk-status').textContent()).toContain('3/4');
      await page.locator('#walk-test').screenshot({ path: screenshotPath('installer-walk-test.png') });

      // A message in a wrong format: shown with its reason and its payload as text.
      const bad = '{"kind": <img src=x onerror=alert(1)>';
      await panel.publishAsync('safegrid/walk-d/gold-panel/event', bad, { qos: 1 });
      const row = page.locator('#inst-rejected tbody tr').first();
      await row.waitFor();
      expect(await row.locator('.inst-payload').textContent()).toBe(bad);
      expect(await row.textContent()).toContain('gold-panel');
      expect(await page.locator('#inst-rejected img').count()).toBe(0);
      expect(await dialogsBeforeMarker(page, problems)).toEqual([]);

      // Nothing of the walk test reached the queue.
      expect(t.hub.incidents.snapshot().filter((i) => i.siteId === 'walk-d')).toEqual([]);

      await page.click('#walk-stop');
      await page.waitForSelector('#walk-status[data-running="false"]');
      const printButton = page.locator('#inst-records li [data-print]').first();
      await printButton.waitFor();
      // Headless Chromium has no print dialog: the page's print() is replaced by a marker.
      await page.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }");
      await printButton.click();
      await page.waitForSelector('body[data-printed="yes"]');
      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('#inst-record').isVisible()).toBe(true);
      expect(await page.locator('#inst-panel').isVisible()).toBe(false);
      expect(await page.locator('#record-result').textContent()).toContain('未通过');
      expect(await page.locator('#record-checklist tbody tr[data-seen="true"]').count()).toBe(3);
      await page.screenshot({ path: screenshotPath('installer-record-print.png') });
      await page.emulateMedia({ media: 'screen' });
      expect(problems.errors).toEqual([]);
      expect(problems.csp).toEqual([]);
    },
    BROWSER_TEST_MS,
  );
});
