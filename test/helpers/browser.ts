/**
 * Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, for the browser tests.
 * Every request that is not to this machine is aborted: tiles, fonts, anything from the internet.
 *
 * Without Chromium the browser tests are skipped with the reason; in CI (CI=true) a missing
 * Chromium fails the suite instead, because .ci/run installs it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM = process.env.SG_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const IN_CI = process.env.CI === 'true';
export const SKIP_REASON = `browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set SG_CHROMIUM)`;
export const OUTPUT_DIR = join(process.cwd(), 'test-output');
/**
 * How long a page step (click, waitForSelector, a locator's wait) may wait for what it expects. A ceiling,
 * not a budget: on a loaded 2-core machine Chromium, the hub and the test share the cores. Budgets live in the bench.
 */
export const PAGE_WAIT_MS = 60_000;
/** The per-test ceiling of a Chromium test (several pages, a hub, sometimes a restart). */
export const BROWSER_TEST_MS = 120_000;

if (!HAVE_CHROMIUM && !IN_CI) console.warn(SKIP_REASON);

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
];

export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!HAVE_CHROMIUM) throw new Error(`${SKIP_REASON}; in CI this is a failure`);
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs], headless: true });
}

/** True for http(s)/ws URLs on this machine. */
export function isLocal(url: string): boolean {
  try {
    const u = new URL(url);
    if (u.protocol === 'data:' || u.protocol === 'blob:') return true;
    return ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

export interface PageProblems {
  /** CSP violations reported by the page (securitypolicyviolation events and console messages). */
  csp: string[];
  /** Dialogs that opened (alert/confirm/prompt): an injected script ran. */
  dialogs: string[];
  /** Uncaught page errors. */
  errors: string[];
  /** Requests to other hosts that were blocked. */
  blocked: string[];
}

export interface ContextOptions {
  width?: number;
  height?: number;
  mobile?: boolean;
  /** Accept the hub's self-signed certificate (hub.yaml `http.tls.self_signed`). */
  ignoreHTTPSErrors?: boolean;
  /** Permissions granted up front, e.g. ['notifications']. */
  permissions?: string[];
  /** The browser's own zone (default Asia/Shanghai); the pages show the centre's zone whatever it is. */
  timezoneId?: string;
}

/** A fresh context in Beijing time, zh-CN, with outside requests blocked and problems recorded. */
export async function newContext(browser: Browser, opts: ContextOptions = {}): Promise<{ context: BrowserContext; problems: PageProblems }> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1600, height: opts.height ?? 900 },
    locale: 'zh-CN',
    timezoneId: opts.timezoneId ?? 'Asia/Shanghai',
    ...(opts.mobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
    ...(opts.ignoreHTTPSErrors ? { ignoreHTTPSErrors: true } : {}),
    ...(opts.permissions ? { permissions: opts.permissions } : {}),
  });
  context.setDefaultTimeout(PAGE_WAIT_MS);
  context.setDefaultNavigationTimeout(PAGE_WAIT_MS);
  const problems: PageProblems = { csp: [], dialogs: [], errors: [], blocked: [] };
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    problems.blocked.push(url);
    return route.abort('blockedbyclient');
  });
  // Injected by the browser itself, not by the page, so the page's CSP does not apply to it.
  await context.addInitScript(
    "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));",
  );
  context.on('page', (page) => watch(page, problems));
  return { context, problems };
}

function watch(page: Page, problems: PageProblems): void {
  page.on('console', (m) => {
    const text = m.text();
    if (/Content Security Policy|CSP violation/i.test(text)) problems.csp.push(text);
  });
  page.on('pageerror', (e) => problems.errors.push(`${String(e)}\n${e.stack ?? ''}`));
  page.on('dialog', (d) => {
    problems.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
}

/** Logs in through the login page and waits for the page it leads to (`/`, or `/guard` for guards). */
export async function loginAs(page: Page, baseUrl: string, username: string, password: string, landing = '/'): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL((u) => u.pathname === landing), page.click('#login-form button[type=submit]')]);
}

/**
 * Proves no dialog is still on its way: the page opens a marker alert of its own, and once that has arrived
 * every dialog opened before it has too (they arrive in order). Returns the dialogs before the marker.
 * Use instead of sleeping before asserting that no injected script opened one.
 */
export async function dialogsBeforeMarker(page: Page, problems: PageProblems): Promise<string[]> {
  const marker = `alert: sg-test-marker-${Math.random().toString(36).slice(2)}`;
  await page.evaluate(`setTimeout(() => alert(${JSON.stringify(marker.slice('alert: '.length))}), 0)`);
  await expect.poll(() => problems.dialogs.includes(marker), { timeout: PAGE_WAIT_MS }).toBe(true);
  const before = problems.dialogs.slice(0, problems.dialogs.indexOf(marker));
  problems.dialogs.splice(problems.dialogs.indexOf(marker), 1);
  return before;
}

/** The incident ids of the queue rows, top to bottom. */
export function queueIds(page: Page): Promise<string[]> {
  return page.evaluate("[...document.querySelectorAll('#queue tbody tr')].map((r) => r.dataset.incident)") as Promise<string[]>;
}

export function screenshotPath(name: string): string {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  return join(OUTPUT_DIR, name);
}
