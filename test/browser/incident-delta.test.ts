/**
 * `incident:update` in its delta form (src/contract/incident-delta.ts): alarms joining an open
 * incident reach the consoles as the changes since the version they hold, and the queue row shows
 * them as it did with whole pushes — on a page that was open before the incident, and on one that
 * opened later (its queue snapshot is the delta's base or newer).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentPush } from '../../src/contract/incident-delta.js';
import type { Incident } from '../../src/contract/incident.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { accountOf } from '../helpers/accounts.js';
import { BROWSER_TEST_MS, HAVE_CHROMIUM, IN_CI, launchChromium, loginAs, newContext, type PageProblems } from '../helpers/browser.js';
import { nextEvent, startTestHub, type TestHub } from '../helpers/hub.js';

const run = HAVE_CHROMIUM || IN_CI;

describe.skipIf(!run)('incident updates as deltas (Chromium)', () => {
  let t: TestHub;
  let browser: Browser;
  const problems: PageProblems[] = [];

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestHub(), launchChromium()]);
  }, BROWSER_TEST_MS);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const openConsole = async (): Promise<Page> => {
    const c = await newContext(browser);
    problems.push(c.problems);
    const page = await c.context.newPage();
    await loginAs(page, t.baseUrl, 'op-city', accountOf('op-city').password);
    await page.waitForSelector('#conn[data-state="online"]');
    return page;
  };
  const badge = (page: Page, id: string) => page.locator(`tr[data-incident="${id}"] .badge-alarms`);

  it(
    'alarms joining an incident arrive as deltas and the row counts them, on a page opened before and one opened after',
    async () => {
      const early = await openConsole();
      // As the pages do: a socket without `auth.deltas` would keep every push whole (next test).
      const { socket } = await t.console({ as: 'op-city', auth: { deltas: 1 } });
      const home = await t.deviceAs('home-b');
      const send = async (id: string): Promise<void> => {
        const m = nativeEvent('safegrid/home-b/home-b-panel', 'intrusion', 1, id);
        await home.publishAsync(m.topic, m.payload, { qos: 1 });
      };
      const opened = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 'home-b');
      await send('delta-1');
      const { id } = await opened;
      await early.waitForSelector(`tr[data-incident="${id}"]`);

      const third = nextEvent<IncidentPush>(socket, 'incident:update', (p) => p.id === id && p.eventCount === 3);
      await send('delta-2');
      await send('delta-3');
      // What travelled: the delta form, counted from a version the console held.
      const update = await third;
      expect(update).toMatchObject({ id, eventCount: 3 });
      expect(typeof (update as { deltaOf?: number }).deltaOf).toBe('number');
      expect(JSON.stringify(update).length).toBeLessThan(1000);
      await expect.poll(() => badge(early, id).textContent()).toBe('3 次报警');

      const late = await openConsole();
      await expect.poll(() => badge(late, id).textContent()).toBe('3 次报警');
      const fourth = nextEvent<IncidentPush>(socket, 'incident:update', (p) => p.id === id && p.eventCount === 4);
      await send('delta-4');
      expect(typeof ((await fourth) as { deltaOf?: number }).deltaOf).toBe('number');
      for (const page of [early, late]) await expect.poll(() => badge(page, id).textContent()).toBe('4 次报警');
      // The rest of the row is what a whole push would have drawn: the priority and status stay.
      for (const page of [early, late]) {
        const row = page.locator(`tr[data-incident="${id}"]`);
        expect(await row.getAttribute('data-status')).toBe('new');
        expect(await row.getAttribute('data-priority')).toBe(String(update.priority ?? (await opened).priority));
      }
      expect(problems.flatMap((p) => p.errors)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'while a socket that does not apply deltas is connected (a page from before them), every update goes whole',
    async () => {
      const current = await t.console({ as: 'op-city', auth: { deltas: 1 } });
      const legacy = await t.console({ as: 'op-city' });
      const home = await t.deviceAs('home-b');
      const send = async (id: string): Promise<void> => {
        const m = nativeEvent('safegrid/home-b/home-b-panel', 'intrusion', 1, id);
        await home.publishAsync(m.topic, m.payload, { qos: 1 });
      };
      // The home-b incident, new or (after the test above) open already.
      const first = new Promise<IncidentPush>((ok) => {
        const seen = (p: IncidentPush): void => {
          if (p.siteId !== 'home-b') return;
          current.socket.off('incident:new', seen);
          current.socket.off('incident:update', seen);
          ok(p);
        };
        current.socket.on('incident:new', seen);
        current.socket.on('incident:update', seen);
      });
      await send('legacy-0');
      const { id, eventCount } = await first;
      const count = eventCount!;
      const whole = nextEvent<IncidentPush>(current.socket, 'incident:update', (p) => p.id === id && p.eventCount === count + 1);
      const seenByLegacy = nextEvent<IncidentPush>(legacy.socket, 'incident:update', (p) => p.id === id && p.eventCount === count + 1);
      await send('legacy-1');
      for (const p of [await whole, await seenByLegacy]) {
        expect('deltaOf' in p).toBe(false);
        expect(p).toMatchObject({ status: 'new', siteName: expect.any(String), eventCount: count + 1 });
      }
      // The old page has gone: deltas again, once the hub has seen it go (its close and the next
      // alarm travel on different connections, so the first alarm after it may still go whole).
      legacy.socket.disconnect();
      let n = count + 1;
      let update: IncidentPush | undefined;
      do {
        const want = ++n;
        const next = nextEvent<IncidentPush>(current.socket, 'incident:update', (p) => p.id === id && p.eventCount === want);
        await send(`legacy-${want}`);
        update = await next;
      } while (!('deltaOf' in update) && n < count + 20);
      expect(update).toMatchObject({ id, eventCount: n, deltaOf: expect.any(Number) });
    },
    BROWSER_TEST_MS,
  );
});
