/**
 * Every word in the catalogues (issue 13): a hub that received every kind of event — alarms of each
 * category, a restore, a trouble, a supervision offline, Contact ID, a priority raised by a second
 * zone, an escalation, a video verification failure, a dispatch with a unit — seen in headless
 * Chromium in zh-CN from a browser set to UTC. The queue, the detail and the timeline hold no Latin
 * word (ids, codes, door plates and numbers aside), and times are in 北京时间.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message } from '../../src/contract/messages.js';
import { contactId, nativeEvent, zigbeeState } from '../../src/simulate/payloads.js';
import { videoFailure } from '../../src/video/describe-error.js';
import { accountOf } from '../helpers/accounts.js';
import {
  BROWSER_TEST_MS,
  HAVE_CHROMIUM,
  IN_CI,
  launchChromium,
  loginAs,
  newContext,
  screenshotPath,
  SKIP_REASON,
  type PageProblems,
} from '../helpers/browser.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { HUB_YAML, makeTree } from '../helpers/tree.js';
import { latinWords } from '../helpers/latin.js';

const run = HAVE_CHROMIUM || IN_CI;
if (!run) console.warn(SKIP_REASON);

/** P1 escalates after 1 s, so the test sees 升级上报 without waiting minutes. */
const FAST_ESCALATION = HUB_YAML.replace('triage:\n  correlation_window: 120s\n', 'triage:\n  correlation_window: 120s\n  ack_timeout: { p1: 1s }\n');

/** Shanghai wall time of an instant, as the console writes it. */
const beijing = (iso: string): string => new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');

describe.skipIf(!run)('the zh-CN console in a browser set to UTC', () => {
  let t: TestHub;
  let browser: Browser;
  let problems: PageProblems;
  let page: Page;

  beforeAll(async () => {
    const tree = makeTree();
    tree.write('config/hub.yaml', FAST_ESCALATION);
    [t, browser] = await Promise.all([startTestHub({ tree }), launchChromium()]);
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it(
    'no Latin word in the queue, the detail and the timeline; times in 北京时间',
    async () => {
      expect(FAST_ESCALATION).toContain('p1: 1s');
      const panel = await t.deviceAs('shop-a-panel');
      const site = await t.deviceAs('shop-a');
      const door = await t.deviceAs('shop-a-door');
      const home = await t.deviceAs('home-b');
      const send = async (m: { topic: string; payload: string }, c = panel): Promise<void> => void (await c.publishAsync(m.topic, m.payload, { qos: 1 }));
      const base = 'safegrid/shop-a/shop-a-panel';
      // Police: intrusion in zone 2, then the front door (zigbee contact) opens — a second zone raises it to P1.
      const open = (siteId: string, category: string) =>
        waitFor(() => t.hub.incidents.snapshot().find((i) => i.siteId === siteId && i.category === category), 30_000);
      await send(nativeEvent(base, 'intrusion', 2, 'i18n-1'));
      // Signed for while still P2, so its 1-s P1 clock never sends it to the city (which has no units to dispatch).
      const police = await open('shop-a', 'police');
      const op = await t.login('op-hecheng');
      expect((await op.post(`/api/incidents/${police.id}/ack`)).status).toBe(200);
      await send(zigbeeState('zigbee2mqtt/shop_a_front_door', { contact: true }), door);
      await send(zigbeeState('zigbee2mqtt/shop_a_front_door', { contact: false }), door);
      // Contact ID: a burglary on the back door and its restore; a smoke alarm (fire); a periodic test (supervision only).
      await send({ topic: 'alarms/shop-a/cid', payload: contactId({ account: '1234', qualifier: 1, code: 130, group: 1, zone: 4 }) }, site);
      await send({ topic: 'alarms/shop-a/cid', payload: contactId({ account: '1234', qualifier: 3, code: 130, group: 1, zone: 4 }) }, site);
      await send({ topic: 'alarms/shop-a/cid', payload: contactId({ account: '1234', qualifier: 1, code: 111, group: 1, zone: 5 }) }, site);
      await send({ topic: 'alarms/shop-a/cid', payload: contactId({ account: '1234', qualifier: 1, code: 602, group: 0, zone: 0 }) }, site);
      // Technical: mains lost, and a supervision offline the hub raised itself.
      await send(nativeEvent(base, 'trouble.ac_loss', null, 'i18n-2'));
      await t.hub.ingest.raiseSynthetic({
        siteId: 'shop-a',
        deviceId: 'shop-a-panel',
        kind: 'trouble.offline',
        detail: 'no heartbeat for 125 s (expected every 60 s)',
        message: message('supervision.no_heartbeat', { silent: 125, expected: 60 }),
      });
      await t.hub.ingest.raiseSynthetic({
        siteId: 'shop-a',
        deviceId: 'shop-a-cid',
        kind: 'trouble.comm',
        detail: 'test_missed: no periodic test for 90000 s (expected every 86400 s)',
        message: message('supervision.test_missed', { since: 90_000, expected: 86_400 }),
      });
      // Medical and a panic at home-b: the panic is P1 and escalates after 1 s.
      await send(nativeEvent('safegrid/home-b/home-b-panel', 'medical', null, 'i18n-3'), home);
      await send(nativeEvent('safegrid/home-b/home-b-panel', 'panic', 1, 'i18n-4'), home);

      await open('shop-a', 'fire');
      const technical = await open('shop-a', 'technical');
      await open('home-b', 'medical');
      const panic = await open('home-b', 'police');
      await waitFor(async () => ((await t.hub.incidents.get(police.id))?.priority === 1 ? true : undefined), 30_000);
      await waitFor(async () => ((await t.hub.incidents.get(technical.id))?.eventCount ?? 0) >= 3 || undefined, 30_000);
      await waitFor(async () => ((await t.hub.incidents.get(panic.id))?.escalationLevel ?? 0) > 0 || undefined, 30_000);
      // A camera that did not answer (video verification), and a dispatch with a unit.
      await t.hub.incidents.addMedia(police.id, {
        id: 'media-i18n-1',
        cameraId: 'shop-a-cam1',
        siteId: 'shop-a',
        kind: 'snapshot',
        at: new Date().toISOString(),
        url: null,
        error: '门口摄像机 (shop-a-cam1) did not answer within 2 s',
        ...videoFailure({ id: 'shop-a-cam1', name: '门口摄像机' }, 'snapshot', { reason: 'timeout', seconds: 2 }),
      });
      const dispatched = await op.post(`/api/incidents/${police.id}/dispatch`, { unit: 'hc-car-1', note: '带上强光手电' });
      expect(dispatched.status, await dispatched.clone().text()).toBe(200);

      const c = await newContext(browser, { timezoneId: 'UTC' });
      problems = c.problems;
      page = await c.context.newPage();
      await loginAs(page, t.baseUrl, 'admin', accountOf('admin').password);
      await page.waitForSelector('#conn[data-state="online"]');
      expect(await page.evaluate('Intl.DateTimeFormat().resolvedOptions().timeZone')).toBe('UTC');
      await expect.poll(() => page.locator('#clock').textContent()).toContain('北京时间');

      const rows = page.locator('#queue tbody tr[data-incident]');
      await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(5);
      const found: Record<string, string[]> = {};
      // The words the operator sees: rendered text, without hidden nodes.
      const queueText = (await page.evaluate("document.querySelector('#queue').innerText")) as string;
      found.queue = latinWords(queueText);
      const ids = (await rows.evaluateAll((trs) => trs.map((r) => r.getAttribute('data-incident') ?? ''))).filter(Boolean);
      const shown: string[] = [];
      for (const id of ids) {
        await page.locator(`#queue tbody tr[data-incident="${id}"]`).click();
        await expect.poll(() => page.locator('#timeline li').count()).toBeGreaterThan(0);
        const incident = (await t.hub.incidents.get(id))!;
        // The full timeline (REST) has arrived when every entry of the hub's current version is on
        // screen. Until then the page shows the pushed tail (5 entries, "另有 n 条较早记录"), and the
        // lines looked for below may be among those left out: it flaked so in CI (门磁打开 missing).
        await expect
          .poll(async () => (await page.locator('#timeline li.tl').count()) - ((await t.hub.incidents.get(id))?.timeline.length ?? 0))
          .toBeGreaterThanOrEqual(0);
        const text = (await page.evaluate(
          "['#detail .detail-head', '#detail .facts', '#detail .media', '#timeline'].map((s) => document.querySelector(s)?.innerText ?? '').join('\\n')",
        )) as string;
        shown.push(text);
        found[id] = latinWords(text.replace(/[×]/g, ''));
        const opened = await page.locator('#detail .facts').textContent();
        expect(opened).toContain(`${beijing(incident.openedAt)} 北京时间`);
      }
      const all = shown.join('\n');
      // Each kind of line is there, in Chinese.
      for (const line of [
        '门磁打开',
        '盗窃报警（报警码 E130，分组 01，防区 4）',
        '盗窃报警恢复',
        '二级 → 一级：入侵经2个防区相继触发确认',
        '升级上报至',
        '秒未签收',
        '门口摄像机（shop-a-cam1） 2秒内未应答，无抓拍',
        '出警单位：荷城巡逻车1组',
        '无心跳',
        '系统',
      ]) {
        expect(all, line).toContain(line);
      }
      expect(Object.fromEntries(Object.entries(found).filter(([, words]) => words.length > 0))).toEqual({});
      await page.locator(`#queue tbody tr[data-incident="${police.id}"]`).click();
      await expect.poll(() => page.locator('#timeline').textContent()).toContain('出警单位：荷城巡逻车1组');
      await page.screenshot({ path: screenshotPath('i18n-console-zh-utc-browser.png') });
      // The guard's phone page, also in a UTC browser: Chinese words only, and ages as durations.
      const g = await newContext(browser, { timezoneId: 'UTC', mobile: true, width: 360, height: 740 });
      const guard = await g.context.newPage();
      await loginAs(guard, t.baseUrl, 'guard-hecheng', accountOf('guard-hecheng').password, '/guard');
      await guard.waitForSelector('#guard-list article');
      const cards = (await guard.evaluate("document.querySelector('#guard-list').innerText")) as string;
      expect(latinWords(cards), cards).toEqual([]);
      expect(await guard.locator('#guard-list article .age').first().textContent()).toMatch(/^\d+秒$|^\d+分\d{2}秒$/);
      await expect.poll(() => guard.locator('#clock').textContent()).toContain('北京时间');
      expect(g.problems.errors).toEqual([]);
      // The same hub, the same entries, in English on the button: worded from the English catalogue.
      await page.click('#lang');
      await page.locator(`#queue tbody tr[data-incident="${police.id}"]`).click();
      await expect.poll(() => page.locator('#timeline').textContent()).toContain('P2 → P1: intrusion confirmed by 2 zones');
      expect(await page.locator('#timeline').textContent()).toContain('contact open (contact = false)');
      expect(await page.locator('#clock').textContent()).toContain('Beijing time');
      expect(problems.errors).toEqual([]);
    },
    BROWSER_TEST_MS * 2,
  );
});
