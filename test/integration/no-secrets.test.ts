import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTree } from '../helpers/tree.js';
import { startTestHub, type TestHub } from '../helpers/hub.js';
import { TEST_ACCOUNTS } from '../helpers/accounts.js';

/** A camera whose password comes from the environment, as an installer writes it. */
const CAM_PASSWORD = 'cam-Secret-7Qx9zW';
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
    onvif: { xaddr: "http://127.0.0.1:9/onvif/device_service", username: admin, password_env: CAM_UNIT_D_PASS }
    zones: []
`;

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ tree: makeTree({ 'unit-d.yaml': CAM_SITE }), env: { CAM_UNIT_D_PASS: CAM_PASSWORD } });
});
afterAll(async () => {
  await t?.close();
});

describe('no camera password and no password hash ever leaves the hub', () => {
  it('every GET route, as admin, answers without them; nor does any log line', async () => {
    expect(t.hub.config.sites.find((s) => s.id === 'unit-d')?.cameras[0]?.onvif?.password).toBe(CAM_PASSWORD);
    const admin = await t.login('admin');
    // A failed login and a password change put the auth code paths into the log too.
    await fetch(`${t.baseUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: CAM_PASSWORD }),
    });
    await admin.post('/api/password', { current: CAM_PASSWORD, next: 'another-long-password' });
    const ids: Record<string, string> = { id: 'unit-d' };
    const urls = t.hub.routes
      .filter((r) => r.method === 'GET' && !r.path.endsWith('/live')) // live view streams until closed
      .map((r) => r.path.replace(':id', r.path.startsWith('/api/sites') ? 'unit-d' : r.path.startsWith('/api/media') ? 'none' : ids.id!));
    const bodies: string[] = [];
    for (const url of [...new Set(urls)]) {
      const r = await admin.get(url);
      bodies.push(`${url} ${r.status} ${JSON.stringify([...r.headers])} ${await r.text()}`);
    }
    expect(bodies.some((b) => b.includes('unit-d-cam1'))).toBe(true); // the camera is there, its password is not
    const logs = t.logs.map((l) => JSON.stringify(l));
    for (const text of [...bodies, ...logs]) {
      expect(text).not.toContain(CAM_PASSWORD);
      expect(text).not.toContain('scrypt$');
      for (const a of TEST_ACCOUNTS) expect(text).not.toContain(a.password);
    }
    expect(logs.some((l) => l.includes('login failed'))).toBe(true);
  });
});
