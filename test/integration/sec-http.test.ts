/**
 * Security hardening of the HTTP edge (issue 17, items 10, 15 and 16): headers everywhere including
 * /socket.io/, a CSP that names its sources, HSTS and Secure cookies only behind a trusted TLS
 * proxy, Host validation against DNS rebinding, trickling connections dropped, what installers and
 * operators see, failed user names kept out of the log, and bounded notes.
 */
import { connect } from 'node:net';
import { request } from 'node:http';
import { io as ioClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { HUB_YAML, makeTree } from '../helpers/tree.js';

const CAM_SITE = `site:
  id: unit-d
  name: 荷城中学
  kind: unit
  address: 钟山区荷城街道1号
  door_plate: 荷城街道1号
  location: [26.596, 104.836]
  contacts: [{ name: 赵老师, phone: "13700000000" }]
  guard_group: hecheng-team
devices: []
cameras:
  - id: unit-d-cam1
    name: 大门
    onvif: { xaddr: "http://127.0.0.1:9/onvif/device_service", username: cam-operator-name, password_env: CAM_UNIT_D_PASS }
    zones: []
`;

const HUB = HUB_YAML.replace(
  'http:\n  host: 127.0.0.1\n',
  `http:
  host: 127.0.0.1
  trust_proxy: [10.9.8.7]
  allowed_hosts: [safegrid.ps-hecheng.example]
map:
  tiles: { url: "https://{s}.tiles.example.cn/{z}/{x}/{y}.png" }
`,
);

let t: TestHub;
beforeAll(async () => {
  const tree = makeTree({ 'unit-d.yaml': CAM_SITE });
  tree.write('config/hub.yaml', HUB);
  t = await startTestHub({ tree, env: { CAM_UNIT_D_PASS: 'cam-pw-Zk41' } });
});
afterAll(async () => {
  await t?.close();
});

/** A raw GET with any Host header (fetch will not send a foreign one). */
function rawGet(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(t.baseUrl);
  return new Promise((ok, fail) => {
    const req = request({ host: url.hostname, port: url.port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('CSP, HSTS and Secure cookie (issue 17, item 16)', () => {
  it('CSP lets images come only from this hub and the configured tile host, and WebSockets only to this hub', async () => {
    const csp = (await fetch(`${t.baseUrl}/login`)).headers.get('content-security-policy') ?? '';
    const img = /img-src ([^;]+)/.exec(csp)![1]!.split(' ');
    expect(img).toEqual(["'self'", 'data:', 'blob:', 'https://*.tiles.example.cn']);
    const connectSrc = /connect-src ([^;]+)/.exec(csp)![1]!.split(' ');
    expect(connectSrc).toEqual(["'self'", `ws://${new URL(t.baseUrl).host}`]);
    for (const any of ['http:', 'https:', 'ws:', 'wss:', '*']) {
      expect(img).not.toContain(any);
      expect(connectSrc).not.toContain(any);
    }
  });

  it('no HSTS and no Secure cookie on plain HTTP, nor when an untrusted client claims X-Forwarded-Proto https', async () => {
    const r = await fetch(`${t.baseUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ username: 'op-hecheng', password: 'pw-op-hecheng-Ke73pW' }),
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('strict-transport-security')).toBeNull();
    expect(r.headers.get('set-cookie')).not.toContain('Secure');
  });

  it('HSTS and a Secure cookie behind a TLS proxy listed in http.trust_proxy', async () => {
    // The hub is reached from 127.0.0.1, so trust loopback on a second hub for this.
    const tree = makeTree();
    tree.write('config/hub.yaml', HUB_YAML.replace('http:\n  host: 127.0.0.1\n', 'http:\n  host: 127.0.0.1\n  trust_proxy: [loopback]\n'));
    const behind = await startTestHub({ tree });
    try {
      const r = await fetch(`${behind.baseUrl}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' },
        body: JSON.stringify({ username: 'op-hecheng', password: 'pw-op-hecheng-Ke73pW' }),
      });
      expect(r.status).toBe(200);
      expect(r.headers.get('strict-transport-security')).toBe('max-age=31536000');
      expect(r.headers.get('set-cookie')).toMatch(/; Secure$/);
      // The login is logged with the client's address as the trusted proxy forwarded it.
      expect(behind.logs.find((l) => l.msg === 'login' && l.username === 'op-hecheng')).toMatchObject({ ip: '203.0.113.9' });
    } finally {
      await behind.close();
    }
  });
});

describe('Host header validation against DNS rebinding (issue 17, item 16)', () => {
  it('a foreign Host is refused with 421 bad_host before the login, on pages, the API and /socket.io/', async () => {
    for (const path of ['/login', '/api/health', '/socket.io/?EIO=4&transport=polling']) {
      const r = await rawGet(path, { host: 'rebind.attacker.example' });
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      if (!path.startsWith('/socket.io/')) expect(JSON.parse(r.body), path).toMatchObject({ code: 'bad_host' });
    }
  });

  it('an IP address, localhost and the names in http.allowed_hosts are answered', async () => {
    const port = new URL(t.baseUrl).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `safegrid.ps-hecheng.example:${port}`, 'SafeGrid.PS-Hecheng.example']) {
      expect((await rawGet('/api/health', { host })).status, host).toBe(200);
    }
  });
});

describe('/socket.io/ (issue 17, item 15)', () => {
  it('is served with the security headers and without disclosing its version', async () => {
    const r = await fetch(`${t.baseUrl}/socket.io/?EIO=4&transport=polling`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('cache-control')).toBe('no-store');
    // The bundled client file (which names its version) is not served; the pages bundle their own.
    for (const file of ['/socket.io/socket.io.js', '/socket.io/socket.io.min.js', '/socket.io/socket.io.js.map']) {
      const body = await (await fetch(t.baseUrl + file)).text();
      expect(body, file).not.toMatch(/Socket\.IO v\d|\d+\.\d+\.\d+/);
    }
  });

  it('the root namespace refuses anonymous sockets (and signed-in ones: no page uses it)', async () => {
    const admin = await t.login('admin');
    for (const headers of [{}, { cookie: admin.cookie }] as Array<Record<string, string>>) {
      const socket = ioClient(t.baseUrl, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: headers });
      const outcome = await new Promise<string>((ok) => {
        socket.once('connect', () => ok('connected'));
        socket.once('connect_error', (e: Error) => ok(`refused: ${e.message}`));
      });
      socket.disconnect();
      expect(outcome).toMatch(/^refused/);
    }
  });
});

describe('trickling connections (issue 17, item 16)', () => {
  it('a client that trickles its request headers is dropped instead of holding the connection', async () => {
    const url = new URL(t.baseUrl);
    const sock = connect(Number(url.port), url.hostname);
    await new Promise((ok) => sock.once('connect', ok));
    sock.write('GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    let n = 0;
    // One header byte a second, never finishing: only the hub can end this.
    const trickle = setInterval(() => {
      if (!sock.destroyed) sock.write(n++ % 2 ? 'a' : 'X-');
    }, 1000);
    // Waits for the hub to close it; a hub that never does fails the test at its time limit.
    const closed = await new Promise<string>((ok) => {
      let got = '';
      sock.on('data', (d) => (got += d.toString()));
      sock.once('close', () => ok(got));
    });
    clearInterval(trickle);
    sock.destroy();
    expect(closed).not.toBe('still open');
    // Node answers 408 when it gives up on the headers.
    if (closed) expect(closed).toMatch(/^HTTP\/1\.1 408/);
  }, 70_000);
});

describe('who sees what (issue 17, item 16)', () => {
  it('installers do not get key-holder contacts; operators and guards of the site do', async () => {
    const installer = await t.login('installer');
    const sites = ((await (await installer.get('/api/sites')).json()) as { sites: Array<{ id: string; contacts: unknown[] }> }).sites;
    expect(sites.length).toBeGreaterThan(0);
    for (const s of sites) expect(s.contacts, s.id).toEqual([]);
    expect(JSON.stringify(await (await installer.get('/api/sites/unit-d')).json())).not.toContain('13700000000');
    const op = await t.login('op-hecheng');
    expect(((await (await op.get('/api/sites/unit-d')).json()) as { contacts: unknown[] }).contacts).toEqual([{ name: '赵老师', phone: '13700000000' }]);
  });

  it('operators and guards do not see camera user names; installers and admins do', async () => {
    for (const who of ['op-hecheng', 'guard-hecheng']) {
      const s = await t.login(who);
      for (const path of ['/api/sites/unit-d', '/api/cameras']) {
        const r = await s.get(path);
        if (r.status !== 200) continue; // a guard has no camera list
        expect(await r.text(), `${who} ${path}`).not.toContain('cam-operator-name');
      }
    }
    for (const who of ['installer', 'admin']) {
      expect(await (await (await t.login(who)).get('/api/cameras')).text(), who).toContain('cam-operator-name');
    }
  });
});

describe('failed logins (issue 17, item 16)', () => {
  it('a password typed into the user name field is not logged', async () => {
    const typo = 'MyS3cret-Typed-In-Wrong-Box';
    const r = await fetch(`${t.baseUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: typo, password: 'x' }),
    });
    expect(r.status).toBe(401);
    const line = await waitFor(() => t.logs.find((l) => l.msg === 'login failed' && l.reason === 'unknown_user' && typeof l.unknownUser === 'string'));
    expect(line.unknownUser).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(JSON.stringify(t.logs)).not.toContain(typo);
    // A real account's name is still logged, so a brute force on it shows.
    await fetch(`${t.baseUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'op-minghu', password: 'wrong' }),
    });
    await waitFor(() => t.logs.find((l) => l.msg === 'login failed' && l.username === 'op-minghu'));
  });
});

describe('operator notes (issue 17, item 10)', () => {
  it('an incident takes at most 100 notes; the next is refused with too_many_notes and the reply stays bounded', async () => {
    const d = await t.deviceAs('shop-a');
    const m = nativeEvent('safegrid/shop-a/shop-a-panel', 'panic', null, 'notes-1');
    await d.publishAsync(m.topic, m.payload, { qos: 1 });
    const incident = await waitFor(() => t.hub.incidents.snapshot().find((i) => i.siteId === 'shop-a'));
    const op = await t.login('op-hecheng');
    for (let n = 0; n < 100; n++) {
      const r = await op.post(`/api/incidents/${incident.id}/note`, { text: `记录 ${n} ${'x'.repeat(100)}` });
      expect(r.status, `note ${n}`).toBe(200);
    }
    const refused = await op.post(`/api/incidents/${incident.id}/note`, { text: 'one more' });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'too_many_notes' });
    const whole = (await (await op.get(`/api/incidents/${incident.id}`)).json()) as Incident;
    // The hub's own notes (a camera that could not be reached) come on top of people's 100.
    expect(whole.timeline.filter((e) => e.type === 'note' && e.by === 'op-hecheng')).toHaveLength(100);
  }, 120_000);

  it('long notes count against a character budget too', async () => {
    const d = await t.deviceAs('home-b');
    const m = nativeEvent('safegrid/home-b/home-b-panel', 'panic', null, 'notes-2');
    await d.publishAsync(m.topic, m.payload, { qos: 1 });
    const incident = await waitFor(() => t.hub.incidents.snapshot().find((i) => i.siteId === 'home-b'));
    const admin = await t.login('admin');
    let code = '';
    for (let n = 0; n < 30 && !code; n++) {
      const r = await admin.post(`/api/incidents/${incident.id}/note`, { text: '长'.repeat(1000) });
      if (r.status !== 200) code = ((await r.json()) as { code: string }).code;
    }
    expect(code).toBe('too_many_notes');
  }, 120_000);
});
