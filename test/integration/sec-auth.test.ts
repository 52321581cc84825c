/**
 * Security hardening of logins, sessions and revocation (issue 17, items 3, 5 and 6): the rate
 * limit holds under concurrency, a password set from the CLI ends the old sessions, and revocation
 * reaches live sockets.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/password.js';
import type { Incident } from '../../src/contract/incident.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { TEST_ACCOUNTS, usersYaml } from '../helpers/accounts.js';
import { nextEvent, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { makeTree } from '../helpers/tree.js';

const run = promisify(execFile);
let t: TestHub | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

/** POST /api/login from a chosen local address (the whole of 127/8 is loopback on Linux). */
function loginFrom(base: string, from: string, username: string, password: string): Promise<number> {
  const url = new URL('/api/login', base);
  const body = JSON.stringify({ username, password });
  return new Promise((ok, fail) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress: from,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => ok(res.statusCode ?? 0));
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

/** A hub whose account `slow.op` has a production-cost hash (~100 ms of scrypt): the race needs real hashing time. */
async function hubWithProductionHash(): Promise<TestHub> {
  const tree = makeTree();
  const extra = await hashPassword('pw-slow-op-Tg48mN'); // DEFAULT_SCRYPT, N = 2^15
  const yaml = (await usersYaml(TEST_ACCOUNTS)) + `  - username: slow.op\n    role: operator\n    station: ps-hecheng\n    password: "${extra}"\n`;
  tree.write('config/users.yaml', yaml);
  return startTestHub({ tree });
}

describe('login rate limit under concurrency (issue 17, item 3)', () => {
  it('39 wrong passwords sent at once with the right one at position 30: 429s and no success', async () => {
    t = await hubWithProductionHash();
    const tries = Array.from({ length: 39 }, (_, i) => (i === 29 ? 'pw-slow-op-Tg48mN' : `wrong-guess-${i}`));
    const codes = await Promise.all(tries.map((pw) => loginFrom(t!.baseUrl, '127.0.0.1', 'slow.op', pw)));
    expect(codes).not.toContain(200);
    expect(codes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(39 - 5);
    // At most the allowance was checked against the password; the rest were refused unchecked.
    expect(codes.filter((c) => c === 401).length).toBeLessThanOrEqual(5);
  }, 60_000);

  it('a genuine login from another address succeeds during a 300-request burst from one address', async () => {
    t = await hubWithProductionHash();
    const burst = Array.from({ length: 300 }, (_, i) => loginFrom(t!.baseUrl, '127.0.0.1', `user-${i}`, `guess-${i}`));
    const started = performance.now();
    const genuine = await loginFrom(t.baseUrl, '127.0.0.2', 'slow.op', 'pw-slow-op-Tg48mN');
    const ms = performance.now() - started;
    const burstCodes = await Promise.all(burst);
    expect(genuine).toBe(200);
    console.log(`genuine login during a 300-request burst: ${ms.toFixed(0)} ms`);
    // A ceiling, not a budget: before the fix it took ~40 s; bench/login-burst.ts measures it against its 1 s goal,
    // so 30 s is 30× the figure the bench holds it to, and still tells a burst that holds logins up.
    expect(ms).toBeLessThan(30_000);
    expect(burstCodes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(290);
  }, 90_000);

  it('password change: concurrent wrong current passwords are refused beyond the allowance, the right one included', async () => {
    t = await hubWithProductionHash();
    const op = await t.login('slow.op', 'pw-slow-op-Tg48mN');
    const tries = Array.from({ length: 20 }, (_, i) => (i === 15 ? 'pw-slow-op-Tg48mN' : `wrong-${i}`));
    const codes = await Promise.all(tries.map((current) => op.post('/api/password', { current, next: 'a-new-long-password-7' }).then((r) => r.status)));
    expect(codes).not.toContain(200);
    expect(codes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(20 - 5);
  }, 60_000);
});

describe('revocation reaches sessions and live connections (issue 17, items 5 and 6)', () => {
  it("safegrid user passwd ends that user's sessions: the old cookie is refused and its socket cut", async () => {
    t = await startTestHub();
    const op = await t.login('op-hecheng');
    const { socket } = await t.console({ session: op });
    const cut = new Promise((ok) => socket.once('disconnect', ok));
    await new Promise<void>((ok, fail) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', 'src/cli.ts', 'user', 'passwd', 'op-hecheng', '--password-stdin', '--root', t!.tree.root],
        (err) => (err ? fail(err) : ok()),
      );
      child.stdin!.end('a-brand-new-password-42\n');
    });
    await cut;
    expect((await op.get('/api/session')).status).toBe(401);
    // The new password works.
    expect((await t.login('op-hecheng', 'a-brand-new-password-42')).username).toBe('op-hecheng');
  }, 60_000);

  it('disabling a user disconnects their open /console socket', async () => {
    t = await startTestHub();
    const op = await t.login('op-minghu');
    const { socket } = await t.console({ session: op });
    const cut = new Promise((ok) => socket.once('disconnect', ok));
    await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'user', 'disable', 'op-minghu', '--root', t.tree.root]);
    await cut;
    expect((await op.get('/api/incidents')).status).toBe(401);
  }, 60_000);

  it("changing one's password disconnects the sockets of the account's other sessions", async () => {
    t = await startTestHub();
    const phone = await t.login('op-city');
    const desk = await t.login('op-city');
    const { socket } = await t.console({ session: phone });
    const cut = new Promise((ok) => socket.once('disconnect', ok));
    const r = await desk.post('/api/password', { current: 'pw-op-city-Lm52xR', next: 'another-long-password-9' });
    expect(r.status).toBe(200);
    await cut;
    expect((await desk.get('/api/session')).status).toBe(200);
  }, 60_000);

  it("a guard moved to another group stops receiving the old group's incidents once the accounts file changes", async () => {
    t = await startTestHub();
    const guard = await t.console({ as: 'guard-hecheng', namespace: '/guard' });
    // Move the guard from hecheng-team (shop-a) to minghu-team (home-b).
    // Only the group changes (the same password hash: the session stays valid).
    const file = join(t.tree.root, 'config/users.yaml');
    const before = readFileSync(file, 'utf8');
    expect(before.match(/guard_group: hecheng-team/g)?.length).toBe(1);
    const rescoped = nextEvent(guard.socket, 'queue:snapshot');
    t.tree.write('config/users.yaml', before.replace('guard_group: hecheng-team', 'guard_group: minghu-team'));
    await rescoped;
    // An alarm at the old group's site, then one at the new group's: the guard gets the second only.
    const pushed: Incident[] = [];
    guard.socket.on('incident:new', (i: Incident) => pushed.push(i));
    const a = await t.deviceAs('shop-a');
    const old = nativeEvent('safegrid/shop-a/shop-a-panel', 'panic', null, 'moved-1');
    await a.publishAsync(old.topic, old.payload, { qos: 1 });
    await waitFor(() => t!.hub.incidents.snapshot().find((i) => i.siteId === 'shop-a'));
    const b = await t.deviceAs('home-b');
    const now = nativeEvent('safegrid/home-b/home-b-panel', 'panic', null, 'moved-2');
    await b.publishAsync(now.topic, now.payload, { qos: 1 });
    await waitFor(() => pushed.find((i) => i.siteId === 'home-b'));
    expect(pushed.map((i) => i.siteId)).toEqual(['home-b']);
  }, 60_000);
});
