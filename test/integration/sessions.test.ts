import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { HUB_YAML, makeTree } from '../helpers/tree.js';

let t: TestHub | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const post = (hub: TestHub, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(hub.baseUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('sessions', () => {
  it('the cookie is httpOnly, SameSite=Strict, Path=/; API answers are not cached', async () => {
    t = await startTestHub();
    const r = await post(t, '/api/login', { username: 'op-hecheng', password: 'pw-op-hecheng-Ke73pW' });
    expect(r.headers.get('set-cookie')).toMatch(/^sg_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('an idle session ends after 30 minutes (manual clock); use keeps it alive; its socket is cut', async () => {
    const clock = new ManualClock();
    t = await startTestHub({ clock });
    const op = await t.login('op-hecheng');
    clock.advance(29 * 60_000);
    expect((await op.get('/api/incidents')).status).toBe(200);
    const { socket } = await t.console({ session: op });
    clock.advance(29 * 60_000);
    expect((await op.get('/api/sites')).status).toBe(200);
    clock.advance(31 * 60_000);
    const gone = new Promise((ok) => socket.once('disconnect', ok));
    expect(await t.hub.auth.sweep()).toBe(1);
    await gone;
    expect((await op.get('/api/sites')).status).toBe(401);
  });

  it('a session outlives a hub restart; the database holds only its digest; logout and expiry outlive it too', async () => {
    const clock = new ManualClock();
    t = await startTestHub({ clock, keepTree: true });
    const tree = t.tree;
    const stays = await t.login('op-hecheng');
    const leaves = await t.login('op-minghu');
    const idle = await t.login('op-city');
    expect((await leaves.logout()).status).toBe(200);
    const dbPath = t.hub.config.hub.storage.path;
    await t.close();

    // The cookie value is nowhere in the file (nor in its WAL); its SHA-256 is.
    const cookieValue = stays.cookie.slice('sg_session='.length);
    const files = [dbPath, `${dbPath}-wal`].filter((f) => {
      try {
        readFileSync(f);
        return true;
      } catch {
        return false;
      }
    });
    for (const f of files) expect(readFileSync(f).includes(Buffer.from(cookieValue)), f).toBe(false);

    clock.advance(20 * 60_000);
    t = await startTestHub({ tree, keepTree: true, clock });
    const again = await fetch(`${t.baseUrl}/api/session`, { headers: { cookie: stays.cookie } });
    expect(again.status).toBe(200);
    expect((await again.json()) as { user: string; csrfToken: string }).toMatchObject({ user: 'op-hecheng', csrfToken: stays.csrfToken });
    // The CSRF token came back with it: a state-changing call works without logging in again.
    const renew = await fetch(`${t.baseUrl}/api/session/renew`, {
      method: 'POST',
      headers: { cookie: stays.cookie, 'x-csrf-token': stays.csrfToken, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(renew.status).toBe(200);
    const socket = await t.console({ as: null, headers: { cookie: stays.cookie } });
    expect(Array.isArray(socket.snapshot.incidents)).toBe(true);
    // Logged out before the restart: still out.
    expect((await fetch(`${t.baseUrl}/api/session`, { headers: { cookie: leaves.cookie } })).status).toBe(401);
    // Idle 20 minutes before and 11 after the restart: past the 30-minute idle timeout.
    clock.advance(11 * 60_000);
    expect((await fetch(`${t.baseUrl}/api/session`, { headers: { cookie: idle.cookie } })).status).toBe(401);
    await t.close();
    t = null;
    tree.remove();
  });

  it('hub.yaml sets the session lifetimes and the scraper token; the token opens /metrics and nothing else, and is never logged', async () => {
    const clock = new ManualClock();
    const tree = makeTree();
    tree.write('config/hub.yaml', `${HUB_YAML}sessions:\n  idle_timeout: 5m\n  absolute_timeout: 1h\nmetrics:\n  token_env: SCRAPER_TOKEN\n`);
    const token = 'scrape-7f3a9c21d4e8b605';
    t = await startTestHub({ tree, clock, env: { SCRAPER_TOKEN: token } });
    const bearer = (value: string) => ({ headers: { authorization: `Bearer ${value}` } });
    const ok = await fetch(`${t.baseUrl}/metrics`, bearer(token));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('sg_ingest_messages_total');
    expect((await fetch(`${t.baseUrl}/metrics`, bearer(`${token}x`))).status).toBe(401);
    expect((await fetch(`${t.baseUrl}/metrics`)).status).toBe(401);
    // The token is for /metrics only.
    expect((await fetch(`${t.baseUrl}/api/incidents`, bearer(token))).status).toBe(401);

    const op = await t.login('op-hecheng');
    clock.advance(4 * 60_000);
    expect((await op.get('/api/incidents')).status).toBe(200);
    clock.advance(5 * 60_000 + 1);
    expect((await op.get('/api/incidents')).status).toBe(401);
    const busy = await t.login('op-hecheng');
    for (let i = 0; i < 14; i++) {
      clock.advance(4 * 60_000);
      expect((await busy.get('/api/incidents')).status).toBe(200);
    }
    // In use every 4 minutes all along, but at 60 minutes the absolute lifetime (1 h) is over.
    clock.advance(4 * 60_000);
    expect((await busy.get('/api/incidents')).status).toBe(401);
    expect(JSON.stringify(t.logs)).not.toContain(token);
  });

  it('logout ends the session at once, for REST and for its open sockets', async () => {
    t = await startTestHub();
    const op = await t.login('op-city');
    const { socket } = await t.console({ session: op });
    const gone = new Promise((ok) => socket.once('disconnect', ok));
    expect((await op.logout()).status).toBe(200);
    await gone;
    expect((await op.get('/api/session')).status).toBe(401);
    expect((await t.consoleRefused({ session: op })).code).toBe(401);
  });

  it("a state-changing call without the CSRF token, or with another session's, is refused 403", async () => {
    t = await startTestHub();
    const a = await t.login('op-city');
    const b = await t.login('op-hecheng');
    expect((await a.post('/api/logout', {}, { csrf: false })).status).toBe(403);
    expect((await a.fetch('/api/logout', { method: 'POST', headers: { 'x-csrf-token': b.csrfToken } })).status).toBe(403);
    expect((await a.get('/api/session')).status).toBe(200); // still logged in
    // A cross-site form post carries a foreign Origin: refused before anything else.
    expect((await a.fetch('/api/logout', { method: 'POST', headers: { 'x-csrf-token': a.csrfToken, origin: 'http://evil.example' } })).status).toBe(403);
    expect((await a.fetch('/api/logout', { method: 'POST', headers: { 'x-csrf-token': a.csrfToken } })).status).toBe(200);
  });

  it('five failed logins in 15 minutes → 429 with Retry-After, even with the right password; every attempt is logged without the password', async () => {
    const clock = new ManualClock();
    t = await startTestHub({ clock });
    for (let i = 0; i < 5; i++) expect((await post(t, '/api/login', { username: 'installer', password: `wrong-${i}-Pz` })).status).toBe(401);
    const r = await post(t, '/api/login', { username: 'installer', password: 'pw-installer-Ud37gE' });
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    clock.advance(15 * 60_000);
    // The address is still under its own limit? It had 5 failures too; both age out together.
    expect((await post(t, '/api/login', { username: 'installer', password: 'pw-installer-Ud37gE' })).status).toBe(200);
    const lines = t.logs.filter((l) => l.ns === 'sg:auth' && typeof l.username === 'string');
    expect(lines.filter((l) => l.ok === false)).toHaveLength(6);
    expect(lines.some((l) => l.ok === true && l.ip)).toBe(true);
    expect(JSON.stringify(t.logs)).not.toMatch(/wrong-\d-Pz|pw-installer/);
  });

  it('an unknown user name and a wrong password get the same answer', async () => {
    t = await startTestHub();
    const a = await post(t, '/api/login', { username: 'nobody-here', password: 'x' });
    const b = await post(t, '/api/login', { username: 'admin', password: 'x' });
    expect([a.status, await a.json()]).toEqual([b.status, await b.json()]);
  });

  it('first start without accounts: a one-time admin password is shown once; until it is changed nothing else works', async () => {
    const shown: string[] = [];
    t = await startTestHub({ users: false, announce: (text) => shown.push(text) });
    expect(shown).toHaveLength(1);
    const password = /one-time password:\s+(\S+)/.exec(shown[0]!)![1]!;
    const file = readFileSync(join(t.tree.root, 'config/users.yaml'), 'utf8');
    expect(file).toContain('must_change_password: true');
    expect(file).not.toContain(password);
    expect(JSON.stringify(t.logs)).not.toContain(password);

    const admin = await t.login('admin', password);
    expect((await admin.get('/api/session')).status).toBe(200);
    expect(await (await admin.get('/api/session')).json()).toMatchObject({ mustChangePassword: true, role: 'admin' });
    expect((await admin.get('/api/incidents')).status).toBe(403);
    expect((await admin.fetch('/', { redirect: 'manual' })).status).toBe(303);
    expect((await t.consoleRefused({ session: admin })).code).toBe(428);
    // Each refusal names its rule, so the page can say it in zh-CN or English.
    const refusal = async (body: unknown) => {
      const r = await admin.post('/api/password', body);
      return { status: r.status, ...((await r.json()) as { code: string; rule?: string }) };
    };
    expect(await refusal({ current: password, next: 'short' })).toMatchObject({ status: 400, code: 'weak_password', rule: 'too_short' });
    expect(await refusal({ current: password, next: 'my-admin-password-1' })).toMatchObject({ status: 400, code: 'weak_password', rule: 'contains_username' });
    expect(await refusal({ current: password, new: 'a-long-new-password' })).toMatchObject({
      status: 400,
      code: 'bad_request',
      error: expect.stringContaining('"next"'),
    });
    expect((await admin.post('/api/password', { current: password, next: 'a-long-new-password' })).status).toBe(200);
    expect((await admin.get('/api/incidents')).status).toBe(200);
    expect(readFileSync(join(t.tree.root, 'config/users.yaml'), 'utf8')).not.toContain('must_change_password');
    // The one-time password no longer works; the new one does. No second announcement on restart.
    expect((await post(t, '/api/login', { username: 'admin', password })).status).toBe(401);
    await t.login('admin', 'a-long-new-password');
  });

  it('accounts added to users.yaml while running can log in; a disabled account loses its session', async () => {
    t = await startTestHub();
    const op = await t.login('op-minghu');
    const text = readFileSync(join(t.tree.root, 'config/users.yaml'), 'utf8');
    t.tree.write('config/users.yaml', text.replace('  - username: op-minghu\n', '  - username: op-minghu\n    disabled: true\n'));
    // Re-read on the next request (the file's size and mtime changed): no restart, no wait.
    expect((await op.get('/api/session')).status).toBe(401);
    expect((await post(t, '/api/login', { username: 'op-minghu', password: 'pw-op-minghu-Vb94sD' })).status).toBe(401);
  });

  it('a socket from a page on another origin is refused, even with a valid session cookie', async () => {
    t = await startTestHub();
    const refused = await t.consoleRefused({ as: 'op-city', headers: { origin: 'http://evil.example' } });
    expect(refused.code).toBe(403);
    const same = await t.console({ as: 'op-city', headers: { origin: t.baseUrl } });
    expect(same.snapshot.incidents).toEqual([]);
  });
});
