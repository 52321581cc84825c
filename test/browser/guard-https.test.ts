/**
 * The guard page over HTTPS in Chromium (issue 13): the hub makes a self-signed certificate on
 * first start and serves the page over TLS, so it is a secure context; the service worker
 * registers (scope /guard), the manifest installs it, notifications are granted, and a new incident
 * shows one through the service worker while the guard's card has zone, phones, map links and the
 * 110 status, and keeps a note typed before 签收.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { accountOf } from '../helpers/accounts.js';
import { BROWSER_TEST_MS, HAVE_CHROMIUM, IN_CI, launchChromium, loginAs, newContext, PAGE_WAIT_MS, screenshotPath, SKIP_REASON } from '../helpers/browser.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { HUB_YAML, makeTree } from '../helpers/tree.js';

const run = HAVE_CHROMIUM || IN_CI;
if (!run) console.warn(SKIP_REASON);

describe.skipIf(!run)('the guard page over HTTPS', () => {
  let t: TestHub;
  let browser: Browser;

  beforeAll(async () => {
    const tree = makeTree();
    tree.write('config/hub.yaml', HUB_YAML.replace('http:\n  host: 127.0.0.1\n', 'http:\n  host: 127.0.0.1\n  tls: { self_signed: true }\n'));
    t = await startTestHub({ tree });
    // Chromium registers no service worker from an origin whose certificate it does not trust, even
    // after "proceed anyway" (ignoreHTTPSErrors): a phone must trust the hub's certificate, as the
    // README says. Here the browser trusts exactly this one, by its public key.
    const cert = new X509Certificate(readFileSync(join(t.tree.root, 'data/tls/hub.crt')));
    const spki = createHash('sha256')
      .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64');
    browser = await launchChromium([`--ignore-certificate-errors-spki-list=${spki}`]);
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    t?.tree.remove();
  });

  it('the hub made a self-signed certificate on first start, kept it beside the database, and logged its fingerprint', () => {
    expect(t.baseUrl).toMatch(/^https:\/\//);
    const certFile = join(t.tree.root, 'data/tls/hub.crt');
    expect(existsSync(certFile)).toBe(true);
    const cert = new X509Certificate(readFileSync(certFile));
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(t.hub.https?.fingerprint).toBe(cert.fingerprint256);
    expect(t.logs.some((l) => l.fingerprint === cert.fingerprint256)).toBe(true);
    expect(cert.ca).toBe(true); // installable as a CA certificate on a phone
  });

  it(
    'a guard’s phone: service worker registered, notifications granted, one shown for a new incident; the card has what the guard needs',
    async () => {
      const { context, problems } = await newContext(browser, {
        width: 360,
        height: 740,
        mobile: true,
        ignoreHTTPSErrors: true,
        permissions: ['notifications'],
      });
      const page = await context.newPage();
      await loginAs(page, t.baseUrl, 'guard-hecheng', accountOf('guard-hecheng').password, '/guard');
      // Secure cookie over TLS.
      const cookie = (await context.cookies()).find((c) => c.name === 'sg_session');
      expect(cookie?.secure).toBe(true);
      expect(await page.evaluate('window.isSecureContext')).toBe(true);
      // The certificate to install on the phone, downloadable before any login.
      const der = (await page.evaluate("fetch('/hub.crt').then((r) => r.arrayBuffer()).then((b) => b.byteLength)")) as number;
      expect(der).toBeGreaterThan(300);
      await page.waitForSelector('#conn[data-state="online"]');
      // The service worker controls /guard; the manifest is linked and served.
      const scope = await page.evaluate('navigator.serviceWorker.ready.then((r) => r.scope)');
      expect(scope).toBe(`${t.baseUrl}/guard`);
      const manifest = (await page.evaluate("fetch(document.querySelector('link[rel=manifest]').href).then((r) => r.json())")) as {
        start_url: string;
        display: string;
        icons: unknown[];
      };
      expect(manifest).toMatchObject({ start_url: '/guard', display: 'standalone' });
      expect(manifest.icons.length).toBeGreaterThanOrEqual(2);
      await expect.poll(() => page.locator('#notify').getAttribute('data-state')).toBe('granted');

      // A new incident at the guard's site.
      const shop = await t.deviceAs('shop-a-panel');
      const m = nativeEvent('safegrid/shop-a/shop-a-panel', 'intrusion', 1, 'https-guard-1');
      await shop.publishAsync(m.topic, m.payload, { qos: 1 });
      const incident = await waitFor(() => t.hub.incidents.snapshot().find((i) => i.siteId === 'shop-a'), PAGE_WAIT_MS);
      await expect
        .poll(
          () =>
            page.evaluate(
              'navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((list) => list.map((n) => ({ tag: n.tag, title: n.title, body: n.body })))',
            ) as Promise<Array<{ tag: string; title: string; body: string }>>,
          { timeout: PAGE_WAIT_MS },
        )
        .toEqual([expect.objectContaining({ tag: incident.id })]);
      const [shown] = (await page.evaluate(
        'navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((l) => l.map((n) => ({ title: n.title, body: n.body })))',
      )) as Array<{ title: string; body: string }>;
      expect(shown!.title).toContain('入侵报警');
      expect(shown!.body).toContain('明湖路12号便利店');
      expect(shown!.body).toContain('防区 1 前门');

      // The card: 110 status, zone, the site's phones, map links (no network needed to build them).
      const card = page.locator(`#guard-list article[data-incident="${incident.id}"]`);
      await card.waitFor();
      expect(await card.locator('.status-chip').textContent()).toBe('110 待受理');
      expect(await card.locator('.zones').textContent()).toContain('防区 1 前门');
      expect(await card.locator('.phones a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(['tel:13800000000', 'tel:13800000001']);
      const amap = await card.locator('a.nav-amap').getAttribute('href');
      expect(amap).toMatch(/^https:\/\/uri\.amap\.com\/marker\?position=104\.8\d+%2C26\.59\d+&/);
      expect(amap).toContain('coordinate=gaode');
      expect(await card.locator('a.nav-geo').getAttribute('href')).toMatch(/^geo:26\.595000,104\.835000\?q=/);

      // A note typed before 签收 survives 签收 (and the re-renders around it); the card never says 已完成.
      await card.locator('textarea.note').fill('后门有撬痕');
      await card.locator('button[data-action="guard_ack"]').click();
      await expect.poll(() => card.locator('.property').textContent()).toContain('物业已签收');
      expect(await card.locator('textarea.note').inputValue()).toBe('后门有撬痕');
      expect(await card.textContent()).not.toContain('已完成');
      // The operator acknowledges on the 110 side: the guard's card follows.
      await t.hub.incidents.acknowledge(incident.id, 'op-hecheng');
      await expect.poll(() => card.locator('.status-chip').textContent()).toBe('110 已签收');
      expect(await card.locator('textarea.note').inputValue()).toBe('后门有撬痕');
      await page.screenshot({ path: screenshotPath('guard-https.png'), fullPage: true });

      // Another tab in front, the next incident still shows its own notification (tag = incident id).
      // (Headless Chromium keeps a tab behind another 'visible', so this cannot prove a hidden page.)
      const other = await context.newPage();
      await other.goto(`${t.baseUrl}/login`);
      await other.bringToFront();
      const fire = nativeEvent('safegrid/shop-a/shop-a-panel', 'fire', 1, 'https-guard-2');
      await shop.publishAsync(fire.topic, fire.payload, { qos: 1 });
      const second = await waitFor(() => t.hub.incidents.snapshot().find((i) => i.siteId === 'shop-a' && i.category === 'fire'), PAGE_WAIT_MS);
      await expect
        .poll(
          () => page.evaluate('navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((l) => l.map((n) => n.tag).sort())') as Promise<string[]>,
          { timeout: PAGE_WAIT_MS },
        )
        .toEqual([incident.id, second.id].sort());
      expect(problems.csp).toEqual([]);
      expect(problems.errors).toEqual([]);
      await context.close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'a phone whose link dropped while an incident opened: the reconnect brings it, and the phone shows its notification',
    async () => {
      const { context, problems } = await newContext(browser, {
        width: 360,
        height: 740,
        mobile: true,
        ignoreHTTPSErrors: true,
        permissions: ['notifications'],
      });
      const page = await context.newPage();
      // The phone's link, cut at will: while cut, its socket is closed and every attempt to come back
      // (WebSocket or long polling) fails, as out of coverage.
      let cut = false;
      const sockets: Array<{ close(): Promise<void> }> = [];
      await page.routeWebSocket(
        (url) => url.pathname.startsWith('/socket.io'),
        (ws) => {
          if (cut) return void ws.close();
          ws.connectToServer();
          sockets.push(ws);
        },
      );
      await page.route('**/socket.io/**', (route) => (cut ? route.abort('internetdisconnected') : route.continue()));
      await loginAs(page, t.baseUrl, 'guard-hecheng', accountOf('guard-hecheng').password, '/guard');
      await page.waitForSelector('#conn[data-state="online"]');
      await expect.poll(() => page.locator('#notify').getAttribute('data-state')).toBe('granted');
      const shown = (): Promise<string[]> =>
        page.evaluate('navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((l) => l.map((n) => n.tag))') as Promise<string[]>;
      const before = await shown();

      cut = true;
      await Promise.all(sockets.splice(0).map((ws) => ws.close()));
      await page.waitForSelector('#conn[data-state="offline"]', { timeout: PAGE_WAIT_MS });
      const shop = await t.deviceAs('shop-a-panel');
      const m = nativeEvent('safegrid/shop-a/shop-a-panel', 'medical', 1, 'https-guard-away');
      await shop.publishAsync(m.topic, m.payload, { qos: 1 });
      const away = await waitFor(() => t.hub.incidents.snapshot().find((i) => i.siteId === 'shop-a' && i.category === 'medical'), PAGE_WAIT_MS);
      // Nothing could reach the phone while it was away.
      expect(await shown()).toEqual(before);

      cut = false;
      await page.waitForSelector('#conn[data-state="online"]', { timeout: PAGE_WAIT_MS });
      await expect.poll(shown, { timeout: PAGE_WAIT_MS }).toContain(away.id);
      await page.locator(`#guard-list article[data-incident="${away.id}"]`).waitFor();
      expect(problems.csp).toEqual([]);
      await context.close();
    },
    BROWSER_TEST_MS,
  );
});
