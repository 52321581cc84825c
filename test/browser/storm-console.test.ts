/**
 * A storm as the operator sees it (issue 7), in real Chromium against the hub as a child process:
 * 1,000 panels report mains loss while a panic comes in. The queue must read as the panic on top
 * and one group row for the storm, not 1,000 rows; the page must keep answering while it happens;
 * the group opens on a click, and "acknowledge all" acknowledges every incident of it.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  screenshotPath,
  type PageProblems,
} from '../helpers/browser.js';
import { query, sleep } from '../helpers/fault.js';
import { startProcessHub, type ProcessHub } from '../helpers/process-hub.js';

const PANELS = 1000;
const PER_PANEL = 5;
const SECONDS = 5;
/** MQTT connections the load comes through (the generated tree runs with MQTT auth off). */
const CONNECTIONS = 50;

const run = HAVE_CHROMIUM || IN_CI;

describe.skipIf(!run)('a storm in the dispatch console (Chromium)', () => {
  const root = benchTree(PANELS);
  const dbPath = join(root, 'data/bench.db');
  let hub: ProcessHub;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    writeFileSync(join(root, 'config/users.yaml'), await usersYaml([accountOf('admin')]));
    [hub, browser] = await Promise.all([startProcessHub(root), launchChromium()]);
    const c = await newContext(browser);
    problems = c.problems;
    page = await c.context.newPage();
    await loginAs(page, `http://127.0.0.1:${hub.httpPort}`, 'admin', accountOf('admin').password);
    await page.waitForSelector('#conn[data-state="online"]');
    for (let i = 0; i < CONNECTIONS; i++) {
      clients.push(await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, { protocolVersion: 4, clientId: `storm-ui-${i}`, reconnectPeriod: 0 }));
    }
  }, BROWSER_TEST_MS);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await browser?.close();
    await hub?.kill();
    rmSync(root, { recursive: true, force: true });
  });

  it(
    'the storm reads as one group under the panic, and the page keeps answering',
    async () => {
      // The page measures how late its own timers fire: a frozen page is what an operator notices.
      await page.evaluate(`(() => {
      window.__lag = 0;
      let last = performance.now();
      window.__lagTimer = setInterval(() => {
        const now = performance.now();
        window.__lag = Math.max(window.__lag, now - last - 50);
        last = now;
      }, 50);
    })()`);

      const acks: Array<Promise<unknown>> = [];
      const t0 = performance.now();
      for (let round = 0; round < PER_PANEL; round++) {
        await sleep(Math.max(0, t0 + (round * SECONDS * 1000) / PER_PANEL - performance.now()));
        for (let p = 0; p < PANELS; p++) {
          const body = JSON.stringify({ kind: 'trouble.ac_loss', msgId: `ac-${p}-${round}`, detail: `mains lost (${round})` });
          acks.push(clients[p % CONNECTIONS]!.publishAsync(`safegrid/s${p}/panel/event`, body, { qos: 1 }));
        }
        if (round === 1) {
          const panic = JSON.stringify({ kind: 'panic', zone: 1, msgId: 'storm-panic' });
          acks.push(clients[0]!.publishAsync('safegrid/s7/panel/event', panic, { qos: 1 }));
        }
      }
      await Promise.all(acks);
      const [stored] = query<{ n: number }>(dbPath, `SELECT count(*) AS n FROM events`);
      expect(stored!.n).toBe(PANELS * PER_PANEL + 1);

      // The queue settles on: the panic, then one group of all 1,000 sites' mains loss (一号派出所).
      // One open incident per site AND category (issue 12): the panic site's mains loss is a
      // technical incident of its own, in the group, beside its police panic.
      const GROUPED = PANELS;
      const groupRow = page.locator('#queue tbody tr.group');
      await expect.poll(() => groupRow.getAttribute('data-count'), { timeout: PAGE_WAIT_MS }).toBe(String(GROUPED));
      const rows = page.locator('#queue tbody tr');
      expect(await rows.count()).toBe(2);
      expect(await rows.first().getAttribute('data-priority')).toBe('1');
      expect(await rows.first().locator('td.site').textContent()).toBe('站点7');
      expect(await groupRow.locator('td.kind').textContent()).toContain('交流断电');
      expect(await groupRow.locator('td.cell').textContent()).toBe('一号派出所');
      expect(await groupRow.locator('td.site').textContent()).toBe(`${GROUPED} 处报警单位`);
      expect(await page.locator('#queue-count').textContent()).toBe(`${PANELS + 1} 起`);

      const lag = (await page.evaluate('window.__lag')) as number;
      console.info(`storm in the console: ${PANELS * PER_PANEL} alarms from ${PANELS} panels; the page's timers ran at most ${lag.toFixed(0)} ms late`);
      // The bound is the point of this check, so it stays, far from the expected figure: the page's timers run at most
      // ~80 ms late on a quiet machine (README, "A storm folds") and 282 ms on a shared 2-core machine busy with other
      // test runs (the hub, 50 MQTT clients and Chromium on the same cores); 3 s is more than 10× that. What it catches
      // is a page that freezes for seconds at each push: one that rendered 1,000 rows per push froze for many seconds.
      expect(lag).toBeLessThan(3000);

      // The panic is handled during the aftermath like any other: select it, acknowledge with "a".
      const t = performance.now();
      await rows.first().click();
      await page.waitForSelector('#detail [data-action="ack"]:not([disabled])');
      await page.keyboard.press('a');
      await expect.poll(() => rows.first().getAttribute('data-status')).toBe('acknowledged');
      console.info(`panic selected and acknowledged in ${(performance.now() - t).toFixed(0)} ms`);
      await page.screenshot({ path: screenshotPath('storm-console.png') });
    },
    2 * BROWSER_TEST_MS,
  );

  it(
    'the group opens on a click and lists its first members; "acknowledge all" asks once, then acknowledges every one',
    async () => {
      const GROUPED = PANELS;
      const groupRow = page.locator('#queue tbody tr.group');
      await groupRow.locator('td.kind').click();
      await expect.poll(() => page.locator('#queue tbody tr.in-group').count()).toBe(100);
      expect(await page.locator('#queue tbody tr.group-more').textContent()).toContain(`另有 ${GROUPED - 100} 起未列出`);
      await groupRow.locator('td.kind').click();
      await expect.poll(() => page.locator('#queue tbody tr.in-group').count()).toBe(0);

      const button = groupRow.locator('button.group-ack');
      expect(await button.textContent()).toBe('全部签收');
      await button.click();
      await expect.poll(() => groupRow.locator('button.group-ack').textContent()).toBe(`确认签收 ${GROUPED} 起？`);
      // Nothing happened yet: the first click only asks.
      expect(
        query<{ n: number }>(
          dbPath,
          `SELECT count(*) AS n FROM incidents WHERE json_extract(doc, '$.kind') = 'trouble.ac_loss' AND status = 'acknowledged'`,
        )[0]!.n,
      ).toBe(0);
      await groupRow.locator('button.group-ack').click();
      await expect.poll(() => groupRow.getAttribute('data-unacked'), { timeout: PAGE_WAIT_MS }).toBe('0');
      await expect.poll(() => groupRow.locator('td.status .group-count').textContent()).toBe('已全部签收');
      expect(await groupRow.locator('.group-ack-result').textContent()).toBe(`已签收 ${GROUPED} 起，0 起未成功`);
      const [acked] = query<{ n: number; owners: number }>(
        dbPath,
        `SELECT count(*) AS n, count(DISTINCT json_extract(doc, '$.owner')) AS owners FROM incidents WHERE json_extract(doc, '$.kind') = ` +
          `'trouble.ac_loss' AND status = 'acknowledged' AND json_extract(doc, '$.owner') = 'admin'`,
      );
      expect(acked).toEqual({ n: GROUPED, owners: 1 });
      expect(problems.errors).toEqual([]);
      expect(problems.csp).toEqual([]);
    },
    BROWSER_TEST_MS,
  );
});
