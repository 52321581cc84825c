/**
 * The console on the screens police use (issue 13), in real Chromium against a real hub: the queue
 * whole at 1366×768 and 1920×1080 (every column's header and cells inside the pane, no horizontal
 * scroll), filters and sort worked from the keyboard, the map's zoom on a selection, and the
 * printed 出警单 / incident report.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import { SimCamera } from '../../src/simulate/onvif-camera/camera.js';
import { accountOf } from '../helpers/accounts.js';
import { BROWSER_TEST_MS, HAVE_CHROMIUM, IN_CI, launchChromium, loginAs, newContext, PAGE_WAIT_MS, screenshotPath, SKIP_REASON } from '../helpers/browser.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { HUB_YAML, makeTree } from '../helpers/tree.js';
import { nativeAlarm } from '../sim/onvif-camera/site.js';

const run = HAVE_CHROMIUM || IN_CI;
if (!run) console.warn(SKIP_REASON);

/** Sites of the test (in the tree's 2×2 cells: south 荷城派出所, north 明湖派出所), with long names where real ones are long. */
const SITES: ReadonlyArray<{ id: string; name: string; at: [number, number]; kind: string; zone: number | null; camera?: boolean }> = [
  { id: 'lay-shop', name: '明湖路12号便利店', at: [26.5955, 104.8355], kind: 'panic', zone: null },
  { id: 'lay-home', name: '凤凰小区3栋2单元401', at: [26.6055, 104.8435], kind: 'intrusion', zone: 1 },
  { id: 'lay-hospital', name: '凉都大道与钟山大道交叉口东南角六盘水市第一人民医院住院部', at: [26.5925, 104.8325], kind: 'medical', zone: null },
  { id: 'lay-gold', name: '荷城街道人民路88号金店', at: [26.5935, 104.8465], kind: 'intrusion', zone: 1, camera: true },
  { id: 'lay-centre', name: '水西路社区服务中心', at: [26.5965, 104.8445], kind: 'tamper', zone: 1 },
  { id: 'lay-flats', name: '明湖路幸福里小区7栋', at: [26.6035, 104.8325], kind: 'trouble.low_battery', zone: null },
  { id: 'lay-elders', name: '明湖社区老年活动中心', at: [26.6075, 104.8375], kind: 'fire', zone: null },
  // Two shops a few metres apart: selecting one used to zoom in without end.
  { id: 'lay-twin-a', name: '凤凰街道双子商铺甲', at: [26.6072, 104.8472], kind: 'intrusion', zone: 1 },
  { id: 'lay-twin-b', name: '凤凰街道双子商铺乙', at: [26.60722, 104.84722], kind: 'intrusion', zone: 1 },
];

function siteYaml(s: (typeof SITES)[number], xaddr: string): string {
  return `site:
  id: ${s.id}
  name: ${s.name}
  kind: shop
  address: 钟山区${s.name}
  door_plate: ${s.id.replace('lay-', '')}号
  pole: ZS-${s.id.length}${s.at[1].toFixed(4).slice(-3)}
  location: [${s.at[0]}, ${s.at[1]}]
  contacts: [{ name: 值班员, phone: "1380000${String(s.at[1]).slice(-4)}" }]
devices:
  - id: ${s.id}-panel
    profile: native
    topic: safegrid/${s.id}/${s.id}-panel
    zones:
      1: { name: 前门, type: entry }
${
  s.camera
    ? `cameras:
  - id: door
    name: 门口摄像机
    onvif: { xaddr: "${xaddr}", username: admin, password_env: SIM_CAM_PASS }
    zones: [1]
`
    : ''
}`;
}

/** What a user would call "cut off": a visible header or cell, or anything in it, outside the pane or clipped. */
interface Clip {
  where: string;
  why: string;
}

/** Runs in the page (a string: the test's own tsconfig has no DOM types). */
const CLIPPED_IN_QUEUE = `(() => {
  const pane = document.querySelector('#queue-panel').getBoundingClientRect();
  const wrap = document.querySelector('#queue-panel .table-wrap');
  const clips = [];
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const cells = [...document.querySelectorAll('#queue thead th, #queue tbody td')].filter(shown);
  for (const c of cells) {
    const r = c.getBoundingClientRect();
    const row = c.closest('tr');
    const where = c.tagName.toLowerCase() + '.' + c.className + ' of ' + (row.dataset.incident || row.dataset.group || 'head');
    if (r.left < pane.left - 0.5 || r.right > pane.right + 0.5)
      clips.push({ where, why: 'box ' + r.left + '-' + r.right + ' outside the pane ' + pane.left + '-' + pane.right });
    if (c.scrollWidth > c.clientWidth + 1) clips.push({ where, why: 'content ' + c.scrollWidth + ' px in ' + c.clientWidth + ' px' });
    for (const inner of c.querySelectorAll('*')) {
      if (!shown(inner)) continue;
      const ir = inner.getBoundingClientRect();
      if (ir.left < r.left - 0.5 || ir.right > r.right + 0.5) clips.push({ where: where + ' > ' + inner.className, why: 'sticks out of its cell' });
    }
  }
  const columns = [...document.querySelectorAll('#queue thead th')].filter(shown).map((th) => th.className);
  const numbers = [...document.querySelectorAll('#queue tbody tr[data-incident]')].map((tr) =>
    [...tr.querySelectorAll('td.number, .num-inline')].filter(shown).map((e) => e.textContent));
  return { clips, columns, numbers, scroll: [wrap.scrollWidth, wrap.clientWidth] };
})()`;

function clippedInQueue(page: Page): Promise<{ clips: Clip[]; columns: string[]; numbers: string[][]; scroll: [number, number] }> {
  return page.evaluate(CLIPPED_IN_QUEUE) as Promise<{ clips: Clip[]; columns: string[]; numbers: string[][]; scroll: [number, number] }>;
}

const activeId = (page: Page): Promise<string> => page.evaluate('document.activeElement && document.activeElement.id') as Promise<string>;

describe.skipIf(!run)('console layout, filters, sort, map zoom and print (Chromium)', () => {
  let t: TestHub;
  let browser: Browser;
  let cam: SimCamera;
  let incidents: Incident[] = [];

  beforeAll(async () => {
    cam = await new SimCamera({ name: 'PrintCam', password: 'cam-pass-13' }).start();
    const tree = makeTree(Object.fromEntries(SITES.map((s) => [`${s.id}.yaml`, siteYaml(s, cam.xaddr)])));
    // Without the tree's own sites: their panels expect heartbeats, and on a loaded machine a 设备离线
    // would join the queue while the test counts rows.
    for (const own of ['shop-a', 'home-b']) rmSync(join(tree.root, 'devices', `${own}.yaml`));
    // Escalation (which moves an incident to the city centre) stays hours away however slow the machine:
    // the station column and filter see the cells' stations throughout.
    tree.write(
      'config/hub.yaml',
      HUB_YAML.replace('  correlation_window: 120s\n', '  correlation_window: 120s\n  ack_timeout: { p1: 2h, p2: 3h, p3: 4h, p4: 5h }\n'),
    );
    // The print test needs the alarm's snapshot on paper. The hub gives a camera 2 s by default; here the
    // simulated camera shares a starved process with the hub under `npm run test:loaded` (its one
    // snapshot failed there once, leaving a failure note and no picture), and snapshot budgets are
    // what test/integration/video-verification.test.ts checks, not this test.
    const video = { pollIntervalMs: 500, snapshotTimeoutMs: 30_000 };
    [t, browser] = await Promise.all([startTestHub({ tree, env: { SIM_CAM_PASS: 'cam-pass-13' }, video }), launchChromium()]);
    // The camera answers before the alarm, so the incident gets its snapshot (the printed slip shows it).
    await waitFor(() => t.hub.video.status().some((c) => c.siteId === 'lay-gold' && c.availability === 'online'), PAGE_WAIT_MS);
    // Only this test's sites raise alarms: they declare no heartbeat, so no 设备离线 joins the queue
    // while the test runs (the tree's shop-a would raise one 60 s after its panic).
    for (const s of SITES) await t.hub.ingest.receive(nativeAlarm(s.id, s.kind, s.zone, `lay-${s.id}`));
    incidents = await waitFor(() => {
      const open = t.hub.incidents.snapshot();
      return open.length === SITES.length ? open : null;
    }, PAGE_WAIT_MS);
  }, BROWSER_TEST_MS);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await cam?.stop();
  });

  async function consoleAt(width: number, height: number, user = 'op-city'): Promise<{ page: Page; close: () => Promise<void>; problems: () => string[] }> {
    const { context, problems } = await newContext(browser, { width, height });
    const page = await context.newPage();
    await loginAs(page, t.baseUrl, user, accountOf(user).password);
    await page.waitForSelector('#conn[data-state="online"]');
    await expect.poll(() => page.locator('#queue tbody tr[data-incident]').count()).toBe(incidents.length);
    return { page, close: () => context.close(), problems: () => [...problems.errors, ...problems.csp] };
  }

  const ESSENTIAL = ['prio', 'kind', 'site', 'station', 'age', 'esc', 'status'];

  for (const [width, height] of [
    [1366, 768],
    [1920, 1080],
  ] as const) {
    it(
      `at ${width}×${height} every queue column is whole inside the pane, with no horizontal scroll`,
      async () => {
        const { page, close, problems } = await consoleAt(width, height);
        // An acknowledged one, so the owner column has a name in it.
        await page.locator('#queue tbody tr', { hasText: '明湖社区老年活动中心' }).click();
        await page.keyboard.press('a');
        await expect.poll(() => page.locator('#queue tbody tr', { hasText: '明湖社区老年活动中心' }).locator('td.owner').textContent()).toBe('op-city');
        const shot = screenshotPath(`console-layout-${width}x${height}.png`);
        await page.screenshot({ path: shot });
        console.info(`console layout screenshot: ${shot}`);

        const { clips, columns, numbers, scroll } = await clippedInQueue(page);
        expect(clips).toEqual([]);
        expect(scroll[0]).toBeLessThanOrEqual(scroll[1]);
        expect(numbers).toHaveLength(incidents.length);
        // The city centre sees two stations: the station column is there, with every essential column.
        for (const c of ESSENTIAL) expect(columns).toContain(c);
        // 警情编号 is always readable: its own column on a wide pane, under the kind on a narrow one.
        for (const n of numbers) expect(n).toEqual([expect.stringMatching(/^[A-Z0-9-]+-\d{8}-\d{4}$/)]);
        // 签收人 too: its own column on a wide pane, under the status on a narrow one (written after it by CSS).
        const row = page.locator('#queue tbody tr', { hasText: '明湖社区老年活动中心' });
        const ownerShown = (await row.locator('td.owner').isVisible())
          ? await row.locator('td.owner').textContent()
          : ((await page.evaluate(
              "getComputedStyle([...document.querySelectorAll('#queue tbody tr')].find((r) => " +
                "r.textContent.includes('明湖社区老年活动中心')).querySelector('td.status'), '::after').content",
            )) as string);
        expect(ownerShown).toMatch(/^"?op-city"?$/);

        // In English the words are longer (Acknowledged, Incident no.): still nothing cut.
        await page.click('#lang');
        await expect.poll(() => page.locator('#queue thead th.prio').textContent()).toBe('Priority');
        await page.screenshot({ path: screenshotPath(`console-layout-${width}x${height}-en.png`) });
        const en = await clippedInQueue(page);
        expect(en.clips).toEqual([]);
        expect(en.scroll[0]).toBeLessThanOrEqual(en.scroll[1]);
        expect(problems()).toEqual([]);
        await close();
      },
      BROWSER_TEST_MS,
    );
  }

  it(
    'filters and sort change the rows as asked, from the keyboard, and a filter never hides a P1 silently',
    async () => {
      const { page, close, problems } = await consoleAt(1366, 768);
      const rows = page.locator('#queue tbody tr[data-incident]');
      const attr = (name: string) =>
        rows.evaluateAll((trs, n) => trs.map((tr) => (tr as unknown as { dataset: Record<string, string | undefined> }).dataset[n] ?? ''), name);

      // Q puts the keyboard on the first filter (级别); the arrow key picks 一级: only the three P1s stay.
      await page.keyboard.press('q');
      expect(await activeId(page)).toBe('qf-priority');
      await page.keyboard.press('ArrowDown');
      await expect.poll(() => attr('priority')).toEqual(['1', '1', '1']);
      expect(await page.locator('#queue-filter-note').textContent()).toContain(`显示 3 / ${incidents.length} 起`);
      // Esc gives the keys back to the queue: J selects the first row, A acknowledges it.
      await page.keyboard.press('Escape');
      await page.keyboard.press('j');
      await expect.poll(() => rows.first().getAttribute('class')).toContain('selected');
      await page.keyboard.press('a');
      await expect.poll(() => rows.first().locator('td.owner').textContent()).toBe('op-city');
      const mine = () =>
        t.hub.incidents
          .snapshot()
          .filter((i) => i.owner === 'op-city')
          .map((i) => i.id);
      expect(mine()).toContain(await rows.first().getAttribute('data-incident'));

      // Tab on to the next filters: 类别 = 技术故障 hides every P1, and the queue says so.
      await page.keyboard.press('q');
      await page.keyboard.press('ArrowUp'); // back to 全部
      await page.keyboard.press('Tab');
      expect(await activeId(page)).toBe('qf-category');
      await page.selectOption('#qf-category', 'technical');
      await expect.poll(() => rows.locator('td.site').allTextContents()).toEqual(['明湖路幸福里小区7栋']);
      expect(await page.locator('#queue-filter-note').textContent()).toContain('另有 3 起一级警情未显示');
      expect(await page.locator('#queue-filter-note').getAttribute('class')).toContain('urgent');

      // 我签收的: only the one just acknowledged; 未签收 then excludes it.
      await page.selectOption('#qf-category', '');
      await page.focus('#qf-mine');
      await page.keyboard.press('Space');
      await expect.poll(async () => (await attr('incident')).sort()).toEqual(mine().sort());
      await page.keyboard.press('Space');
      await page.check('#qf-unacked');
      await expect.poll(() => rows.count()).toBe(incidents.length - mine().length);
      expect(await attr('status')).not.toContain('acknowledged');
      await page.uncheck('#qf-unacked');

      // 派出所 = 明湖: every row is 明湖's.
      await page.selectOption('#qf-station', 'ps-minghu');
      const minghu = incidents.filter((i) => (i.responsibleStationId ?? i.stationId) === 'ps-minghu').length;
      await expect.poll(() => rows.count()).toBe(minghu);
      expect(new Set(await rows.locator('td.station').allTextContents())).toEqual(new Set(['明湖派出所']));
      expect(await rows.first().locator('td.station').getAttribute('title')).toBe('钟山分局明湖派出所');
      await page.selectOption('#qf-station', '');

      // Sort by age: oldest first whatever the priority; by station: 荷城 rows, then 明湖 rows.
      await page.selectOption('#qf-sort', 'age');
      const byAge = [...incidents]
        .sort((a, b) => (a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : a.priority - b.priority || (a.id < b.id ? -1 : 1)))
        .map((i) => i.id);
      await expect.poll(() => attr('incident')).toEqual(byAge);
      await page.selectOption('#qf-sort', 'station');
      await expect.poll(async () => (await rows.locator('td.station').allTextContents()).join('|')).toMatch(/^(荷城派出所\|)+(明湖派出所\|?)+$/);
      await page.screenshot({ path: screenshotPath('console-layout-filtered.png') });

      // 清除筛选 brings the 110 order back.
      await page.click('#qf-clear');
      await expect.poll(() => attr('priority')).toEqual([...incidents].sort((a, b) => a.priority - b.priority).map((i) => String(i.priority)));
      expect(await page.locator('#queue-filter-note').isHidden()).toBe(true);
      expect(problems()).toEqual([]);
      await close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'selecting an incident keeps a sensible zoom: never past the cap, the site in view, near neighbours spread out',
    async () => {
      const { page, close } = await consoleAt(1366, 768);
      const map = page.locator('#map');
      await map.locator('path[data-cell]').first().waitFor();
      for (const site of ['lay-twin-a', 'lay-hospital', 'lay-twin-b']) {
        const id = incidents.find((i) => i.siteId === site)!.id;
        await page.locator(`#queue tbody tr[data-incident="${id}"]`).click();
        const marker = page.locator(`.inc[data-incident="${id}"]`);
        const pane = (await map.boundingBox())!;
        // The marker ends up inside the pane, on its own (markers glide into place after a zoom or a spread).
        await expect
          .poll(async () => {
            const m = await marker.boundingBox();
            return m !== null && m.x >= pane.x && m.x + m.width <= pane.x + pane.width && m.y >= pane.y && m.y + m.height <= pane.y + pane.height;
          })
          .toBe(true);
        const cap = Number(await map.getAttribute('data-select-max-zoom'));
        const zoom = Number(await map.getAttribute('data-zoom'));
        // No base map in tests (tiles blocked): the cap is the zoom that fits the site's grid cell.
        expect(cap).toBeGreaterThan(10);
        expect(cap).toBeLessThanOrEqual(18);
        expect(zoom).toBeLessThanOrEqual(cap);
        // The grid cell does not fill the pane (the "one red rectangle" of before): its box fits inside.
        const cellId = incidents.find((i) => i.siteId === site)!.gridCellId!;
        const cell = (await map.locator(`path[data-cell="${cellId}"]`).boundingBox())!;
        expect(cell.width).toBeLessThanOrEqual(pane.width + 1);
      }
      await page.screenshot({ path: screenshotPath('console-layout-map-zoom.png') });
      await close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'the detail prints a 出警单 and an incident report with what the unit and the file need',
    async () => {
      const { page, close, problems } = await consoleAt(1366, 768);
      const gold = incidents.find((i) => i.siteId === 'lay-gold')!;
      // The camera's snapshot has been taken for the incident.
      const withShot = await waitFor(() => t.hub.incidents.snapshot().find((i) => i.id === gold.id && i.media.some((m) => m.url)), PAGE_WAIT_MS);
      // The browser's print dialog would block headless Chromium: count the calls instead.
      await page.evaluate('window.printed = 0; window.print = () => { window.printed++; }');
      const printed = (): Promise<number> => page.evaluate('window.printed') as Promise<number>;
      await page.locator(`#queue tbody tr[data-incident="${gold.id}"]`).click();
      await page.locator('#timeline li').first().waitFor();
      // The slip copies the detail's timeline as it is when printed: wait for the whole of it (REST), not
      // just the pushed tail, or the two counts compared below could differ by what arrived in between.
      await expect
        .poll(async () => (await page.locator('#timeline li.tl').count()) - (await t.hub.incidents.get(gold.id))!.timeline.length)
        .toBeGreaterThanOrEqual(0);
      await page.keyboard.press('p'); // the listed shortcut for the slip
      await expect.poll(printed).toBe(1);

      const sheet = page.locator('#print-sheet');
      expect(await sheet.getAttribute('data-print')).toBe('slip');
      expect(await sheet.isVisible()).toBe(false); // not on the screen
      await page.emulateMedia({ media: 'print' });
      await expect.poll(() => sheet.isVisible()).toBe(true);
      expect(await page.locator('#app').isVisible()).toBe(false);
      const text = (await sheet.textContent()) ?? '';
      for (const fact of [
        '出 警 单',
        withShot.number!,
        '荷城街道人民路88号金店',
        '钟山区荷城街道人民路88号金店',
        'gold号',
        'ZS-8465',
        '值班员',
        '钟山分局荷城派出所',
        '荷城街道第2网格',
        '张网格',
        '入侵报警',
        '门口摄像机',
        '出警民警（签字）',
        'op-city',
      ])
        expect(text).toContain(fact);
      // The timeline on paper is the detail's own.
      expect(await sheet.locator('.print-timeline li').count()).toBe(await page.locator('#timeline li').count());
      // The snapshot is on the paper, loaded.
      await expect
        .poll(() =>
          sheet
            .locator('.print-shots img')
            .first()
            .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
        )
        .toBeGreaterThan(0);
      const pdf = screenshotPath('dispatch-slip.pdf');
      await page.pdf({ path: pdf, format: 'A4', printBackground: true });
      console.info(`dispatch slip PDF: ${pdf}`);
      await page.screenshot({ path: screenshotPath('dispatch-slip-print.png'), fullPage: true });

      // The report from its button: the same facts plus durations and the sign-off for the file.
      await page.emulateMedia({ media: 'screen' });
      await page.click('button[data-print="report"]');
      await expect.poll(printed).toBe(2);
      expect(await page.locator('#print-sheet').count()).toBe(1);
      await page.emulateMedia({ media: 'print' });
      const report = (await sheet.textContent()) ?? '';
      for (const fact of ['处警报告', withShot.number!, '用时', '审核（签字）', '钟山区荷城街道人民路88号金店']) expect(report).toContain(fact);
      await page.pdf({ path: screenshotPath('incident-report.pdf'), format: 'A4', printBackground: true });
      expect(problems()).toEqual([]);
      await close();
    },
    BROWSER_TEST_MS,
  );
});
