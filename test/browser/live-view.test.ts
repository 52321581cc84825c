/**
 * Live view in the console (issue 6): an operator opens an incident, clicks 实时视频 for a linked
 * camera, and the picture moves — two screenshots of the <img> a second apart differ.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimCamera } from '../../src/simulate/onvif-camera/camera.js';
import { accountOf } from '../helpers/accounts.js';
import { BROWSER_TEST_MS, HAVE_CHROMIUM, IN_CI, launchChromium, loginAs, newContext, PAGE_WAIT_MS, screenshotPath, SKIP_REASON } from '../helpers/browser.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { makeTree } from '../helpers/tree.js';
import { cameraSiteYaml, nativeAlarm } from '../sim/onvif-camera/site.js';

const run = HAVE_CHROMIUM || IN_CI;
if (!run) console.warn(SKIP_REASON);
const SITE = 'shop-live';

describe.skipIf(!run)('live view in the console', () => {
  let t: TestHub;
  let browser: Browser;
  let cam: SimCamera;

  beforeAll(async () => {
    cam = await new SimCamera({ name: 'LiveCam', password: 'cam-pass-9' }).start();
    const tree = makeTree({ [`${SITE}.yaml`]: cameraSiteYaml(SITE, [{ id: 'door', name: '门口', xaddr: cam.xaddr, zones: [1] }]) });
    [t, browser] = await Promise.all([startTestHub({ tree, env: { SIM_CAM_PASS: 'cam-pass-9' }, video: { pollIntervalMs: 500 } }), launchChromium()]);
    await waitFor(() => t.hub.video.status().some((c) => c.siteId === SITE && c.availability === 'online'), PAGE_WAIT_MS);
  }, BROWSER_TEST_MS);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await cam?.stop();
  });

  it(
    'the console shows moving video for a linked camera (two frames differ), and stops it when closed',
    async () => {
      const { context, problems } = await newContext(browser);
      const page = await context.newPage();
      await loginAs(page, t.baseUrl, 'op-city', accountOf('op-city').password);
      await page.waitForSelector('#conn[data-state="online"]');
      await t.hub.ingest.receive(nativeAlarm(SITE, 'intrusion', 1, 'live-1'));
      const incident = await waitFor(() => t.hub.incidents.snapshot().find((i) => i.siteId === SITE), PAGE_WAIT_MS);
      await page.locator(`#queue tbody tr[data-incident="${incident.id}"]`).click();
      await page.locator('button[data-camera="door"]').click();
      const img = page.locator('img.live-img');
      // The MJPEG stream has delivered pictures when the image has a size.
      await expect.poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
      const first = await img.screenshot();
      // Wait for a frame that differs from the first (the simulator's picture moves every frame).
      await expect.poll(async () => (await img.screenshot()).equals(first), { message: 'the live picture did not change', interval: 300 }).toBe(false);
      await img.screenshot({ path: screenshotPath('live-view.png') });
      expect(problems.csp).toEqual([]);
      expect(problems.errors).toEqual([]);
      // Closing the view lets the hub stop ffmpeg (nobody watches any more).
      await page.locator('button[data-camera="door"]').click();
      await expect.poll(() => page.locator('img.live-img').count()).toBe(0);
      await context.close();
    },
    BROWSER_TEST_MS,
  );
});
