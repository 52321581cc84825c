/**
 * The console's live event log catches up after the link drops (issue 7: Socket.IO delivers at
 * most once, so the page sends the last event seq it saw and the hub replays what came after).
 * The link is cut for real: the browser reaches the hub through a TCP proxy the test closes and
 * reopens, while devices keep publishing straight to the broker.
 */
import { createServer, Socket, type Server } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { accountOf } from '../helpers/accounts.js';
import { BROWSER_TEST_MS, HAVE_CHROMIUM, IN_CI, launchChromium, loginAs, newContext, type PageProblems } from '../helpers/browser.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';

/** A TCP relay to the hub that can drop every connection and refuse new ones, like a cut cable. */
class CuttableLink {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: number) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = new Socket().connect(this.target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((ok) => server.listen(this.port, '127.0.0.1', ok));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((ok) => server.close(() => ok()));
  }
}

const run = HAVE_CHROMIUM || IN_CI;

describe.skipIf(!run)('console event log (Chromium)', () => {
  let t: TestHub;
  let browser: Browser;
  let link: CuttableLink;
  let page: Page;
  let problems: PageProblems;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestHub(), launchChromium()]);
    link = new CuttableLink(Number(new URL(t.baseUrl).port));
    await link.open();
    const c = await newContext(browser);
    problems = c.problems;
    page = await c.context.newPage();
    await loginAs(page, `http://127.0.0.1:${link.port}`, 'op-city', accountOf('op-city').password);
    await page.waitForSelector('#conn[data-state="online"]');
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await link?.cut();
    await browser?.close();
    await t?.close();
  });

  const logged = (): Promise<Array<{ seq: number; replayed: boolean; kind: string }>> =>
    page.evaluate(
      "[...document.querySelectorAll('#event-log li[data-seq]')].map((li) => ({ seq: Number(li.dataset.seq), replayed: li.classList.contains('replayed'), " +
        'kind: li.dataset.kind }))',
    ) as Promise<Array<{ seq: number; replayed: boolean; kind: string }>>;

  it(
    'shows events live, then after a cut link lists the missed ones once each, marked, in order',
    async () => {
      const home = await t.deviceAs('home-b');
      const base = 'safegrid/home-b/home-b-panel';
      const send = async (kind: 'intrusion' | 'tamper', zone: number, id: string): Promise<void> => {
        const m = nativeEvent(base, kind, zone, id);
        await home.publishAsync(m.topic, m.payload, { qos: 1 });
      };

      await send('intrusion', 1, 'log-live-1');
      await send('tamper', 2, 'log-live-2');
      await expect.poll(async () => (await logged()).length).toBe(2);
      expect((await logged()).every((e) => !e.replayed)).toBe(true);
      expect(await page.locator('#event-log li').first().locator('.ev-site').textContent()).toBe('凤凰小区3栋2单元401');

      await link.cut();
      await page.waitForSelector('#conn[data-state="offline"]');
      for (let k = 1; k <= 3; k++) await send('intrusion', 1, `log-missed-${k}`);
      // The page is still cut off (the link refuses connections): nothing new reached it.
      expect(await page.locator('#conn').getAttribute('data-state')).toBe('offline');
      expect(await logged()).toHaveLength(2);

      await link.open();
      await page.waitForSelector('#conn[data-state="online"]');
      await expect.poll(async () => (await logged()).length).toBe(5);
      // Newest on top; every seq once; the three from the outage marked as caught up.
      const shown = (await logged()).reverse();
      const seqs = shown.map((e) => e.seq);
      expect(new Set(seqs).size).toBe(5);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(shown.map((e) => e.replayed)).toEqual([false, false, true, true, true]);
      expect(await page.locator('#event-log .badge-replay').first().textContent()).toBe('断线期间');

      // Live again, and not replayed twice when another event comes.
      await send('tamper', 2, 'log-live-3');
      await expect.poll(async () => (await logged()).length).toBe(6);
      expect((await logged())[0]).toMatchObject({ kind: 'tamper', replayed: false });
      expect(problems.errors).toEqual([]);
    },
    BROWSER_TEST_MS,
  );
});
