/** Camera health polling and ONVIF PullPoint events, through the real hub and ingest path. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmEvent } from '../../src/contract/alarm-event.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { makeTree } from '../helpers/tree.js';
import { SimCamera } from '../../src/simulate/onvif-camera/camera.js';
import { cameraSiteYaml } from '../sim/onvif-camera/site.js';

const SITE = 'shop-h';
let t: TestHub;
let cam: SimCamera;
const events: AlarmEvent[] = [];

beforeAll(async () => {
  // Axis-style 1/0 booleans; the digital input is already active when the hub subscribes.
  cam = await new SimCamera({ name: 'HealthCam', password: 'cam-pass-h', booleans: 'digit' }).start();
  cam.trigger('input', true);
  const tree = makeTree({ [`${SITE}.yaml`]: cameraSiteYaml(SITE, [{ id: 'hcam', xaddr: cam.xaddr, zones: [1] }]) });
  t = await startTestHub({ tree, env: { SIM_CAM_PASS: 'cam-pass-h' }, video: { pollIntervalMs: 200, offlineAfter: 3 } });
  t.hub.bus.on('event:stored', (batch) => events.push(...batch.filter((e) => e.siteId === SITE)));
  await waitFor(() => t.hub.video.cameraStatus(SITE, 'hcam')?.events, 8000);
}, 20_000);

afterAll(async () => {
  await t?.close();
  await cam?.stop();
});

const camEvents = (kind: string) => events.filter((e) => e.deviceId === 'hcam' && e.kind === kind);

describe('ONVIF events', () => {
  it('an input already active when the subscription starts (Initialized) raises nothing', async () => {
    await new Promise((r) => setTimeout(r, 300));
    expect(events.filter((e) => e.deviceId === 'hcam')).toEqual([]);
  });

  it('motion, tamper and a digital input (sent as 0/1) become video_motion, tamper and intrusion for the site', async () => {
    cam.trigger('motion', true);
    await waitFor(() => camEvents('video_motion').length === 1, 4000);
    cam.trigger('tamper', true);
    await waitFor(() => camEvents('tamper').length === 1, 4000);
    cam.trigger('input', false);
    cam.trigger('input', true);
    await waitFor(() => camEvents('intrusion').length === 1, 4000);
    const e = camEvents('intrusion')[0]!;
    expect(e).toMatchObject({ siteId: SITE, deviceId: 'hcam', profile: 'onvif' });
    expect(e.detail).toMatch(/Device\/Trigger\/DigitalInput \(InputToken=DI_1\)/);
    // Motion still active: a repeated "active" is not a new event.
    cam.trigger('motion', true);
    await new Promise((r) => setTimeout(r, 300));
    expect(camEvents('video_motion')).toHaveLength(1);
    // The events opened (or joined) an incident at the camera's site.
    expect(t.hub.incidents.snapshot().some((i) => i.siteId === SITE)).toBe(true);
  });
});

describe('health', () => {
  it('a camera that stops answering raises and then clears trouble.offline', async () => {
    const admin = await t.login('admin');
    const availability = async () =>
      ((await (await admin.get('/api/cameras')).json()) as { cameras: Array<{ id: string; availability: string; availabilityReason: string | null }> }).cameras.find((c) => c.id === 'hcam');
    expect((await availability())?.availability).toBe('online');

    await cam.goOffline();
    await waitFor(() => camEvents('trouble.offline').length === 1, 4000);
    const offline = camEvents('trouble.offline')[0]!;
    expect(offline.detail).toMatch(/^camera hcam (cannot be reached|did not answer).*\(3 polls\)$/);
    expect(await availability()).toMatchObject({ availability: 'offline', availabilityReason: expect.stringMatching(/cannot be reached|did not answer/) });
    // Raised once, not on every failed poll.
    await new Promise((r) => setTimeout(r, 500));
    expect(camEvents('trouble.offline')).toHaveLength(1);
    // It is on an incident the operator sees.
    const incident = t.hub.incidents.snapshot().find((i) => i.siteId === SITE)!;
    expect(incident.timeline.some((x) => x.kind === 'trouble.offline')).toBe(true);

    await cam.goOnline();
    await waitFor(() => camEvents('restore').length === 1, 4000);
    expect(camEvents('restore')[0]!.detail).toMatch(/back online/);
    expect((await availability())?.availability).toBe('online');
    expect(t.hub.incidents.get(incident.id)!.timeline.some((x) => x.kind === 'restore')).toBe(true);
  });

  it('a changed camera password is reported as refused, not taken for a live camera', async () => {
    cam.state.wrongPassword = true;
    await waitFor(() => camEvents('trouble.offline').length === 2, 4000);
    expect(camEvents('trouble.offline')[1]!.detail).toMatch(/refused the user name or password/);
    cam.state.wrongPassword = false;
    await waitFor(() => camEvents('restore').length === 2, 4000);
    // The password never reaches a log line.
    expect(JSON.stringify(t.logs)).not.toContain('cam-pass-h');
  });
});
