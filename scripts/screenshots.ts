/**
 * `npm run screenshots`: the README's pictures, taken from the real thing. Starts a hub on a copy
 * of the sample district (config/ and devices/ of this repository, storage in a temporary folder),
 * with the demo's simulated cameras, publishes a few alarms over MQTT with the sample sites' demo
 * logins (config/secrets.yaml) and the simulator's payload helpers, then photographs the console
 * with an incident open and the guard page at phone size in headless Chromium.
 *
 * Writes docs/screenshots/console.png (1600×900), console-1366.png (1366×768, the smallest screen
 * the console is laid out for), dispatch-slip.png (the printed 出警单) and guard.png. Needs
 * /usr/bin/chromium (or SG_CHROMIUM) and a CJK font (Debian: fonts-noto-cjk) for the Chinese text.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import { build } from 'vite';
import { startHub } from '../src/app.js';
import { hashPassword } from '../src/auth/password.js';
import type { EventKind } from '../src/contract/alarm-event.js';
import { loadConfig } from '../src/config/index.js';
import { createRootLogger, moduleLogger } from '../src/core/logger.js';
import { startDemoCameras } from '../src/simulate/demo-cameras.js';
import { nativeEventAt } from '../src/simulate/payloads.js';
import { launchChromium, loginAs, newContext } from '../test/helpers/browser.js';

const repo = resolve(import.meta.dirname, '..');
const out = join(repo, 'docs/screenshots');

/** Which sample sites raise what: a spread of priorities and states for the picture. */
const ALARMS: Array<{ site: string; kind: EventKind; zones: number[] }> = [
  { site: 'shop-zs-0045', kind: 'intrusion', zones: [1, 2] }, // a second zone confirms it: P1
  { site: 'home-zs-0101', kind: 'medical', zones: [4] },
  { site: 'home-zs-0202', kind: 'intrusion', zones: [1] },
  { site: 'unit-zs-0001', kind: 'tamper', zones: [1] },
  { site: 'home-zs-0302', kind: 'trouble.low_battery', zones: [] },
  { site: 'shop-zs-0070', kind: 'intrusion', zones: [1] },
  { site: 'home-zs-0102', kind: 'panic', zones: [] },
];

async function main(): Promise<void> {
  await build({ configFile: join(repo, 'web/vite.config.ts'), logLevel: 'warn' });
  const root = mkdtempSync(join(tmpdir(), 'safegrid-shots-'));
  cpSync(join(repo, 'config'), join(root, 'config'), { recursive: true });
  cpSync(join(repo, 'devices'), join(root, 'devices'), { recursive: true });
  rmSync(join(root, 'config/users.yaml'), { force: true });
  // Throwaway accounts for this run only; the passwords are random and never shown.
  const pw = { admin: randomBytes(12).toString('hex'), op: randomBytes(12).toString('hex'), guard: randomBytes(12).toString('hex') };
  const fast = { N: 2 ** 10, r: 8, p: 1 };
  writeFileSync(
    join(root, 'config/users.yaml'),
    [
      'users:',
      `  - { username: admin, role: admin, password: "${await hashPassword(pw.admin, fast)}" }`,
      `  - { username: zhang.wei, name: 张伟, role: operator, station: lps-110, password: "${await hashPassword(pw.op, fast)}" }`,
      `  - { username: li.bao, name: 李保, role: guard, guard_group: minghu-team, password: "${await hashPassword(pw.guard, fast)}" }`,
      '',
    ].join('\n'),
  );

  const logger = createRootLogger({ level: 'warn' });
  const loaded = loadConfig(root, { env: process.env });
  if (!loaded.config) throw new Error('the sample district does not load; run `npm run check`');
  const cameras = await startDemoCameras(loaded.config, moduleLogger(logger, 'simulate'));
  const hub = await startHub({
    rootDir: root,
    httpPort: 0,
    httpHost: '127.0.0.1',
    mqttPort: 0,
    mqttHost: '127.0.0.1',
    watch: false,
    logger,
    announce: () => undefined,
  });
  const base = `http://127.0.0.1:${hub.httpPort}`;
  const browser = await launchChromium();
  try {
    // The console is open before the alarms come, so its event log (事件流) shows them arriving.
    const { context, problems } = await newContext(browser, { width: 1600, height: 900 });
    const page = await context.newPage();
    await loginAs(page, base, 'zhang.wei', pw.op);
    await page.waitForSelector('#conn[data-state="online"]');
    for (const [n, a] of ALARMS.entries()) {
      const site = hub.config.sites.find((s) => s.id === a.site);
      const device = site?.devices.find((d) => d.profile === 'native');
      if (!site || !device || !site.mqttUsername || !site.mqttPassword) throw new Error(`sample site ${a.site} has no native device or login`);
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
        protocolVersion: 4,
        clientId: `shots-${n}`,
        username: site.mqttUsername,
        password: site.mqttPassword,
        reconnectPeriod: 0,
      });
      for (const [k, zone] of (a.zones.length ? a.zones : [null]).entries()) {
        const m = nativeEventAt({ base: device.topic, kind: a.kind, zone, msgId: `shots-${n}-${k}`, at: new Date(Date.now() - (ALARMS.length - n) * 47_000) });
        await client.publishAsync(m.topic, m.payload, { qos: 1 });
      }
      await client.endAsync();
    }
    await new Promise((r) => setTimeout(r, 2500)); // snapshots from the simulated cameras

    // Some states for the queue: one acknowledged and dispatched, one on scene.
    await page.waitForSelector('#queue tbody tr');
    const rowOf = (name: string) => page.locator('#queue tbody tr', { hasText: name });
    const siteName = (id: string): string => hub.config.sites.find((s) => s.id === id)!.name;
    for (const [id, steps] of [
      ['home-zs-0202', ['ack', 'dispatch']],
      ['unit-zs-0001', ['ack', 'dispatch', 'onscene']],
    ] as const) {
      await rowOf(siteName(id)).click();
      for (const step of steps) {
        await page.click(`button[data-action="${step}"]:not([disabled])`);
        if (step === 'dispatch') {
          // 派警 picks one of the station's units (config/stations.yaml `units:`).
          await page.selectOption('#form-unit', { index: 0 });
          await page.click('#action-form button[type=submit]');
        }
        await page.waitForTimeout(300);
      }
    }
    await rowOf(siteName('shop-zs-0045')).click();
    await page.waitForSelector('#detail .shots img');
    await page.click('.map-legend button'); // the whole district in view
    await page.waitForTimeout(1500);
    mkdirSync(out, { recursive: true });
    await page.screenshot({ path: join(out, 'console.png') });

    // The smallest screen the console is laid out for: the queue whole, no horizontal scroll.
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.click('.map-legend button');
    await page.waitForTimeout(1000);
    await page.screenshot({ path: join(out, 'console-1366.png') });

    // The printed 出警单 of the open incident, as the print preview shows it.
    await page.evaluate('window.print = () => { window.printed = true; }');
    await page.click('button[data-print="slip"]');
    await page.waitForFunction('window.printed === true');
    await page.emulateMedia({ media: 'print' });
    await page.setViewportSize({ width: 794, height: 1123 }); // A4 at 96 dpi
    await page.screenshot({ path: join(out, 'dispatch-slip.png'), fullPage: true });
    await page.emulateMedia({ media: 'screen' });

    const guard = await newContext(browser, { width: 360, height: 740, mobile: true });
    const phone = await guard.context.newPage();
    await loginAs(phone, base, 'li.bao', pw.guard, '/guard');
    await phone.waitForSelector('#guard-list article');
    await phone.waitForTimeout(1000);
    await phone.screenshot({ path: join(out, 'guard.png') });
    const all = [...problems.csp, ...problems.errors, ...guard.problems.csp, ...guard.problems.errors];
    if (all.length) console.warn('page problems:', all);
    console.log(`wrote console.png, console-1366.png, dispatch-slip.png and guard.png in ${out}`);
  } finally {
    await browser.close();
    await hub.stop();
    await cameras.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
