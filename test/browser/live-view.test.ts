/**
 * Live view and live status in the console (issues 6 and 13), in headless Chromium:
 *  - a camera whose id repeats across sites plays (two frames differ), asked by site and camera;
 *  - a wrong camera password shows the reason on the page, in zh-CN, not a broken image;
 *  - a camera stopped and started again: its map marker and the device-status board follow without
 *    a reload, and the live view it was showing says the stream ended;
 *  - a device's heartbeat and battery reach the board; the board is filtered by site and scoped;
 *  - a site file added while the page is open is found by search and drawn on the map.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimCamera } from '../../src/simulate/onvif-camera/camera.js';
import { accountOf } from '../helpers/accounts.js';
import { BROWSER_TEST_MS, HAVE_CHROMIUM, IN_CI, launchChromium, loginAs, newContext, PAGE_WAIT_MS, screenshotPath, SKIP_REASON } from '../helpers/browser.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { makeTree } from '../helpers/tree.js';
import { cameraSiteYaml, nativeAlarm } from '../sim/onvif-camera/site.js';

const run = HAVE_CHROMIUM || IN_CI;
if (!run) console.warn(SKIP_REASON);

/** Two shops with a camera called cam-1 each (different cameras), and a shop whose camera password is wrong. */
const SITE_A = 'shop-live';
const SITE_B = 'shop-live-b';
const SITE_BAD = 'shop-live-bad';
const SITE_BOARD = 'home-board';
const SITE_NEW = 'shop-live-new';

const named = (yaml: string, name: string): string => yaml.replace('荷城街道视频验证测试店', name);

const BOARD_YAML = `site:
  id: ${SITE_BOARD}
  name: 荷城街道设备状态测试户
  kind: home
  address: 钟山区荷城街道人民路2号
  door_plate: 人民路2号
  location: [26.5962, 104.8362]
  contacts: [{ name: 测试户主, phone: "13800000008" }]
  guard_group: hecheng-team
devices:
  - id: board-panel
    profile: native
    topic: safegrid/${SITE_BOARD}/board-panel
    zones:
      1: { name: 前门, type: entry }
  - id: board-door
    profile: testbat/door
    topic: testbat/board_door
    zone: 1
`;

/**
 * A door contact that reports its battery in percent. The built-in zigbee2mqtt profile keeps only
 * `battery_low`, not the percentage, so the battery level is tracked through a profile that reads it.
 */
const BATTERY_PROFILE = `vendor: testbat
description: test door contacts reporting battery percent
models:
  - id: testbat/door
    description: door contact, {"contact":true,"battery":97}
    format: json
    topics:
      state: "{topic}"
    extends:
      - contact
      - battery_low: { property: battery, below: 20 }
    examples:
      - description: a door opening is an alarm
        device: { zone: 1 }
        payload: { contact: false, battery: 97 }
        expect: [{ kind: intrusion, zone: 1 }]
`;

/** Any letter of the Latin script: the zh-CN page must word every reason in Chinese. */
const LATIN = /[A-Za-z]/;

describe.skipIf(!run)('live view and live status in the console', () => {
  let t: TestHub;
  let browser: Browser;
  let camA: SimCamera;
  let camB: SimCamera;
  let camBad: SimCamera;

  beforeAll(async () => {
    [camA, camB, camBad] = await Promise.all([
      new SimCamera({ name: 'LiveCamA', password: 'cam-pass-9' }).start(),
      new SimCamera({ name: 'LiveCamB', password: 'cam-pass-9' }).start(),
      new SimCamera({ name: 'LiveCamBad', password: 'cam-pass-9' }).start(),
    ]);
    const tree = makeTree({
      [`${SITE_A}.yaml`]: named(cameraSiteYaml(SITE_A, [{ id: 'cam-1', name: '门口', xaddr: camA.xaddr, zones: [1] }]), '人民路视频测试店甲'),
      [`${SITE_B}.yaml`]: named(cameraSiteYaml(SITE_B, [{ id: 'cam-1', name: '收银台', xaddr: camB.xaddr, zones: [1] }]), '人民路视频测试店乙'),
      [`${SITE_BAD}.yaml`]: named(
        cameraSiteYaml(SITE_BAD, [{ id: 'cam-9', name: '仓库', xaddr: camBad.xaddr, zones: [1], passwordEnv: 'SIM_CAM_WRONG' }]),
        '人民路密码错误测试店',
      ),
      [`${SITE_BOARD}.yaml`]: BOARD_YAML,
    });
    tree.write('devices/profiles/testbat.yaml', BATTERY_PROFILE);
    [t, browser] = await Promise.all([
      startTestHub({ tree, watch: true, env: { SIM_CAM_PASS: 'cam-pass-9', SIM_CAM_WRONG: 'not-the-password' }, video: { pollIntervalMs: 500 } }),
      launchChromium(),
    ]);
    await waitFor(() => [SITE_A, SITE_B].every((s) => t.hub.video.status().some((c) => c.siteId === s && c.availability === 'online')), PAGE_WAIT_MS);
  }, BROWSER_TEST_MS);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await Promise.all([camA?.stop(), camB?.stop(), camBad?.stop()]);
  });

  async function consolePage(
    user = 'op-city',
  ): Promise<{ page: Page; problems: Awaited<ReturnType<typeof newContext>>['problems']; close: () => Promise<void> }> {
    const { context, problems } = await newContext(browser);
    const page = await context.newPage();
    await loginAs(page, t.baseUrl, user, accountOf(user).password);
    await page.waitForSelector('#conn[data-state="online"]');
    return { page, problems, close: () => context.close() };
  }

  async function openIncidentAt(page: Page, site: string, msgId: string): Promise<void> {
    await t.hub.ingest.receive(nativeAlarm(site, 'intrusion', 1, msgId));
    const incident = await waitFor(() => t.hub.incidents.snapshot().find((i) => i.siteId === site && i.status !== 'closed'), PAGE_WAIT_MS);
    await page.locator(`#queue tbody tr[data-incident="${incident.id}"]`).click();
  }

  it(
    'a camera whose id repeats across sites shows moving video (two frames differ), asked by site and camera, and stops when closed',
    async () => {
      const { page, problems, close } = await consolePage();
      await openIncidentAt(page, SITE_B, 'live-b-1');
      const asked = page.waitForRequest((r) => r.url().includes('/live'));
      await page.locator('button[data-camera="cam-1"]').click();
      // The page names the site: cam-1 alone is ambiguous (409) since two shops have one.
      expect(new URL((await asked).url()).pathname).toBe(`/api/sites/${SITE_B}/cameras/cam-1/live`);
      const img = page.locator('img.live-img');
      await expect.poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth), { timeout: PAGE_WAIT_MS }).toBeGreaterThan(0);
      const first = await img.screenshot();
      // The simulator's picture moves every frame.
      await expect
        .poll(async () => (await img.screenshot()).equals(first), { message: 'the live picture did not change', interval: 300, timeout: PAGE_WAIT_MS })
        .toBe(false);
      await img.screenshot({ path: screenshotPath('live-view.png') });
      // The hub runs one feed, for shop B's camera.
      expect(t.hub.video.live.active).toBe(1);
      expect(problems.csp).toEqual([]);
      expect(problems.errors).toEqual([]);
      // Closing the view lets the hub stop ffmpeg (nobody watches any more).
      await page.locator('button[data-camera="cam-1"]').click();
      await expect.poll(() => page.locator('img.live-img').count()).toBe(0);
      await waitFor(() => t.hub.video.live.active === 0, PAGE_WAIT_MS);
      await close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'a wrong camera password shows the reason on the page in Chinese, not a broken image',
    async () => {
      const { page, problems, close } = await consolePage();
      await openIncidentAt(page, SITE_BAD, 'live-bad-1');
      await page.locator('button[data-camera="cam-9"]').click();
      const status = page.locator('.live-status[data-state="stopped"]');
      await status.waitFor();
      expect(await status.getAttribute('data-reason')).toBe('not_authorized');
      const text = (await status.textContent()) ?? '';
      expect(text).toContain('密码');
      expect(text).not.toMatch(LATIN);
      expect(await page.locator('img.live-img').isVisible()).toBe(false);
      await page.locator('.live-view').screenshot({ path: screenshotPath('live-view-wrong-password.png') });
      // The same reason in English after the switch.
      await page.locator('#lang').click();
      await expect.poll(() => status.textContent()).toMatch(/password/);
      expect(problems.errors).toEqual([]);
      await close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'a camera stopped and started again: its marker and the status board follow without a reload, and its live view says the stream ended',
    async () => {
      const { page, problems, close } = await consolePage('op-hecheng');
      const marker = page.locator(`.cam-mark[data-site="${SITE_A}"][data-camera="cam-1"]`);
      await expect.poll(() => marker.getAttribute('data-availability'), { timeout: PAGE_WAIT_MS }).toBe('online');
      await page.locator('#board-open').click();
      const row = page.locator(`#board-table tr[data-kind="camera"][data-site="${SITE_A}"][data-id="cam-1"]`);
      await expect.poll(() => row.getAttribute('data-state'), { timeout: PAGE_WAIT_MS }).toBe('online');
      await page.locator('#board-close').click();

      await openIncidentAt(page, SITE_A, 'live-a-1');
      await page.locator('button[data-camera="cam-1"]').click();
      await expect.poll(() => page.locator('img.live-img').evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
      const reloads: string[] = [];
      page.on('framenavigated', (f) => {
        if (f === page.mainFrame()) reloads.push(f.url());
      });

      await camA.goOffline();
      const status = page.locator('.live-status[data-state="stopped"]');
      await status.waitFor();
      expect(['ended', 'unreachable']).toContain(await status.getAttribute('data-reason'));
      expect((await status.textContent()) ?? '').not.toMatch(LATIN);
      await expect.poll(() => marker.getAttribute('data-availability'), { timeout: PAGE_WAIT_MS }).toBe('offline');
      expect(await marker.getAttribute('class')).toContain('offline');
      await page.locator('#board-open').click();
      await expect.poll(() => row.getAttribute('data-state'), { timeout: PAGE_WAIT_MS }).toBe('offline');
      expect(await row.locator('.board-state').textContent()).toBe('离线');
      await page.locator('#status-board').screenshot({ path: screenshotPath('status-board-camera-offline.png') });

      await camA.goOnline();
      await expect.poll(() => marker.getAttribute('data-availability'), { timeout: PAGE_WAIT_MS }).toBe('online');
      await expect.poll(() => row.getAttribute('data-state'), { timeout: PAGE_WAIT_MS }).toBe('online');
      expect(reloads).toEqual([]);
      expect(problems.errors).toEqual([]);
      await close();
    },
    BROWSER_TEST_MS,
  );

  it(
    "a device's heartbeat and battery reach the board, which filters by site and shows an operator only their stations' sites",
    async () => {
      const { page, problems, close } = await consolePage('op-hecheng');
      await page.keyboard.press('b');
      const panel = page.locator(`#board-table tr[data-kind="device"][data-site="${SITE_BOARD}"][data-id="board-panel"]`);
      const door = page.locator(`#board-table tr[data-kind="device"][data-site="${SITE_BOARD}"][data-id="board-door"]`);
      // Never heard from: 待安装, not offline.
      await expect.poll(() => panel.getAttribute('data-state'), { timeout: PAGE_WAIT_MS }).toBe('pending');
      expect(await panel.locator('.board-state').textContent()).toBe('待安装');

      await t.hub.ingest.receive({ topic: `safegrid/${SITE_BOARD}/board-panel/status`, payload: Buffer.from('online'), retained: false });
      await expect.poll(() => panel.getAttribute('data-state'), { timeout: PAGE_WAIT_MS }).toBe('online');
      expect(await panel.locator('.board-seen').textContent()).not.toBe('—');

      await t.hub.ingest.receive({ topic: 'testbat/board_door', payload: Buffer.from('{"contact":true,"battery":97}'), retained: false });
      await expect.poll(() => door.locator('.board-battery').textContent(), { timeout: PAGE_WAIT_MS }).toBe('97%');
      await t.hub.ingest.receive({ topic: 'testbat/board_door', payload: Buffer.from('{"contact":true,"battery":41}'), retained: false });
      await expect.poll(() => door.locator('.board-battery').textContent(), { timeout: PAGE_WAIT_MS }).toBe('41%');

      // Filter by site: only that site's rows.
      await page.selectOption('#board-site', SITE_BOARD);
      const sites = await page.locator('#board-table tbody tr[data-site]').evaluateAll((rows) => [...new Set(rows.map((r) => r.getAttribute('data-site')))]);
      expect(sites).toEqual([SITE_BOARD]);
      await page.locator('#status-board').screenshot({ path: screenshotPath('status-board.png') });
      expect(problems.errors).toEqual([]);
      await close();

      // Another station's operator: their own site (home-b), none of 荷城's.
      const other = await consolePage('op-minghu');
      await other.page.locator('#board-open').click();
      await other.page.locator('#board-table tr[data-site="home-b"]').first().waitFor();
      expect(await other.page.locator(`#board-table tr[data-site="${SITE_BOARD}"], #board-table tr[data-site="${SITE_A}"]`).count()).toBe(0);
      await other.close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'a site file added while the page is open is found by search and drawn on the map, without a reload',
    async () => {
      const { page, problems, close } = await consolePage();
      await page.fill('#search', '人民路新开测试店');
      await expect.poll(() => page.locator('#search-results li').first().textContent()).toBe('未找到');
      t.tree.write(
        `devices/${SITE_NEW}.yaml`,
        named(cameraSiteYaml(SITE_NEW, [{ id: 'cam-1', name: '新店门口', xaddr: camA.xaddr, zones: [1] }]), '人民路新开测试店'),
      );
      // Typing again once the hub has pushed the new directory finds it.
      await expect
        .poll(
          async () => {
            await page.fill('#search', '');
            await page.fill('#search', '人民路新开测试店');
            return page.locator('#search-results li strong').allTextContents();
          },
          { timeout: PAGE_WAIT_MS, interval: 500 },
        )
        .toContain('人民路新开测试店');
      await page.locator(`.site-marker[data-site="${SITE_NEW}"]`).waitFor({ state: 'attached' });
      await page.locator(`.cam-mark[data-site="${SITE_NEW}"][data-camera="cam-1"]`).waitFor({ state: 'attached' });
      await page.keyboard.press('Escape');
      await page.locator('#board-open').click();
      await page.locator(`#board-table tr[data-site="${SITE_NEW}"]`).first().waitFor();
      expect(problems.errors).toEqual([]);
      await close();
    },
    BROWSER_TEST_MS,
  );
});
