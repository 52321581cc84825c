/**
 * H.264 cameras in Debian's Chromium (issue 16), from Debian's gst-rtsp-server with RTSP Digest:
 *  - the console's live view plays the camera's own H.264 (fMP4 through Media Source Extensions,
 *    no transcoding on the hub): the <video> reaches readyState >= 2, its time advances and the
 *    picture changes;
 *  - the clips of an incident play in a <video>: H.264 copied, and Motion JPEG encoded to H.264;
 *  - a wrong password shows its reason in the live view, not a black box.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountOf } from '../helpers/accounts.js';
import { BROWSER_TEST_MS, HAVE_CHROMIUM, IN_CI, launchChromium, loginAs, newContext, PAGE_WAIT_MS, screenshotPath, SKIP_REASON } from '../helpers/browser.js';
import { GST_SKIP_REASON, HAVE_GST_RTSP, startGstCamera, type GstCamera } from '../helpers/gst-rtsp.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { makeTree } from '../helpers/tree.js';
import { cameraSiteYaml, nativeAlarm } from '../sim/onvif-camera/site.js';

const run = (HAVE_CHROMIUM && HAVE_GST_RTSP) || IN_CI;
if (!run) console.warn(HAVE_CHROMIUM ? GST_SKIP_REASON : SKIP_REASON);

const SITE = 'shop-h264-page';

/** What the test reads of a <video> (the tests compile without the DOM library). */
interface VideoLike {
  readyState: number;
  currentTime: number;
}

/** Runs in the page: play a clip in a fresh <video> until its time advances 0.5 s (ceiling 30 s). */
const PLAY_CLIP = `(async (src) => {
  const v = document.createElement('video');
  v.muted = true;
  v.src = src;
  document.body.append(v);
  await v.play();
  const start = v.currentTime;
  const until = Date.now() + 30000;
  while (v.currentTime <= start + 0.5 && Date.now() < until && !v.error) await new Promise((r) => requestAnimationFrame(r));
  const out = { readyState: v.readyState, advanced: v.currentTime - start, error: v.error ? v.error.code : null };
  v.remove();
  return out;
})(SRC)`;
const PASS = 'Gst-Page-51';

describe.skipIf(!run)('H.264 cameras in Chromium', () => {
  let t: TestHub;
  let browser: Browser;
  let cam: GstCamera;
  let mjpegCam: GstCamera;

  beforeAll(async () => {
    [cam, mjpegCam] = await Promise.all([startGstCamera({ digest: { username: 'admin', password: PASS } }), startGstCamera({ codec: 'mjpeg' })]);
    const tree = makeTree({
      [`${SITE}.yaml`]: cameraSiteYaml(SITE, [
        { id: 'h264', name: 'h264', rtsp: cam.url, zones: [1], clip: true, rtspLoginEnv: 'GST_PASS' },
        { id: 'mjpeg', name: 'mjpeg', rtsp: mjpegCam.url, zones: [1], clip: true },
        { id: 'h264-bad', name: 'h264-bad', rtsp: cam.url, zones: [1], clip: false, rtspLoginEnv: 'GST_WRONG' },
      ]),
    });
    [t, browser] = await Promise.all([
      startTestHub({ tree, env: { GST_PASS: PASS, GST_WRONG: 'not-it' }, video: { pollIntervalMs: 500, clipSeconds: 3, snapshotTimeoutMs: 10_000 } }),
      launchChromium(),
    ]);
  }, BROWSER_TEST_MS);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await Promise.all([cam?.stop(), mjpegCam?.stop()]);
  });

  async function consoleWithIncident(): Promise<{ page: Page; problems: Awaited<ReturnType<typeof newContext>>['problems']; close: () => Promise<void> }> {
    const { context, problems } = await newContext(browser);
    const page = await context.newPage();
    await loginAs(page, t.baseUrl, 'op-city', accountOf('op-city').password);
    await page.waitForSelector('#conn[data-state="online"]');
    // The wrong-password camera's trouble.offline is an open (technical) incident too: the alarm is the one to open.
    const alarm = (): ReturnType<TestHub['hub']['incidents']['snapshot']>[number] | undefined =>
      t.hub.incidents.snapshot().find((i) => i.siteId === SITE && i.status !== 'closed' && i.kind === 'intrusion');
    if (!alarm()) await t.hub.ingest.receive(nativeAlarm(SITE, 'intrusion', 1, 'h264-page-1'));
    const incident = await waitFor(alarm, PAGE_WAIT_MS);
    await page.locator(`#queue tbody tr[data-incident="${incident.id}"]`).click();
    return { page, problems, close: () => context.close() };
  }

  it(
    "live view plays the camera's H.264 through Media Source Extensions: time advances and the picture changes",
    async () => {
      const { page, problems, close } = await consoleWithIncident();
      expect(await page.evaluate(`MediaSource.isTypeSupported('video/mp4; codecs="avc1.42E01E"')`)).toBe(true);
      await page.locator('button[data-camera="h264"]').click();
      const video = page.locator('video.live-video');
      await video.waitFor({ state: 'attached', timeout: PAGE_WAIT_MS });
      await expect.poll(() => video.evaluate((v) => (v as unknown as VideoLike).readyState), { timeout: PAGE_WAIT_MS }).toBeGreaterThanOrEqual(2);
      const t0 = await video.evaluate((v) => (v as unknown as VideoLike).currentTime);
      await expect.poll(() => video.evaluate((v) => (v as unknown as VideoLike).currentTime), { timeout: PAGE_WAIT_MS }).toBeGreaterThan(t0 + 0.5);
      const first = await video.screenshot();
      await expect
        .poll(async () => (await video.screenshot()).equals(first), { message: 'the live picture did not change', interval: 300, timeout: PAGE_WAIT_MS })
        .toBe(false);
      await video.screenshot({ path: screenshotPath('live-view-h264.png') });
      // Copied, not transcoded: the hub's one feed for this camera is the fMP4 one.
      expect(t.hub.video.live.running(`${SITE}/h264`, 'fmp4')).toBe(true);
      expect(problems.csp).toEqual([]);
      expect(problems.errors).toEqual([]);
      await page.locator('button[data-camera="h264"]').click();
      await waitFor(() => t.hub.video.live.active === 0, PAGE_WAIT_MS);
      await close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'a wrong password shows its reason in the live view',
    async () => {
      const { page, close } = await consoleWithIncident();
      await page.locator('button[data-camera="h264-bad"]').click();
      const status = page.locator('.live-status[data-state="stopped"]');
      await status.waitFor({ timeout: PAGE_WAIT_MS });
      expect(await status.getAttribute('data-reason')).toBe('not_authorized');
      await close();
    },
    BROWSER_TEST_MS,
  );

  it(
    "the incident's clips play in Chromium: H.264 copied, Motion JPEG encoded to H.264",
    async () => {
      const { page, problems, close } = await consoleWithIncident();
      const clips = await waitFor(() => {
        const m = t.hub.incidents.snapshot().flatMap((i) => i.media.filter((x) => x.kind === 'clip' && x.url));
        return m.some((x) => x.cameraId === 'h264') && m.some((x) => x.cameraId === 'mjpeg') ? m : null;
      }, PAGE_WAIT_MS);
      for (const id of ['h264', 'mjpeg']) {
        const url = clips.find((m) => m.cameraId === id)!.url!;
        const played = (await page.evaluate(PLAY_CLIP.replace('SRC', JSON.stringify(url)))) as { readyState: number; advanced: number; error: number | null };
        expect(played.error, id).toBeNull();
        expect(played.readyState, id).toBeGreaterThanOrEqual(2);
        expect(played.advanced, id).toBeGreaterThan(0.5);
      }
      expect(problems.csp).toEqual([]);
      await close();
    },
    BROWSER_TEST_MS,
  );
});
