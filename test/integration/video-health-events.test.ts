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
  await waitFor(() => t.hub.video.cameraStatus(SITE, 'hcam')?.events, 20_000);
}, 40_000);

afterAll(async () => {
  await t?.close();
  await cam?.stop();
});

const camEvents = (kind: string) => events.filter((e) => e.deviceId === 'hcam' && e.kind === kind);
/** Failed polls the hub has logged for the camera so far (a later poll is the marker an absence check waits for). */
const failedPolls = () => t.logs.filter((l) => l.msg === 'camera poll failed' && l.camera === 'hcam').length;

describe('ONVIF events', () => {
  it('an input already active when the subscription starts (Initialized) raises nothing', async () => {
    // The camera sends its messages in order: once a later motion has arrived, an event for the
    // Initialized input would have arrived before it.
    cam.trigger('motion', true);
    await waitFor(() => camEvents('video_motion').length === 1, 15_000);
    expect(events.filter((e) => e.deviceId === 'hcam').map((e) => e.kind)).toEqual(['video_motion']);
    cam.trigger('motion', false);
  }, 30_000);

  it('motion, tamper and a digital input (sent as 0/1) become video_motion, tamper and intrusion for the site', async () => {
    // The first test left motion inactive again after one video_motion.
    cam.trigger('motion', true);
    await waitFor(() => camEvents('video_motion').length === 2, 15_000);
    cam.trigger('tamper', true);
    await waitFor(() => camEvents('tamper').length === 1, 15_000);
    // Motion still active: a repeated "active" is not a new event. The input that follows is
    // the marker: when its event is in, the repeated motion has been read.
    cam.trigger('motion', true);
    cam.trigger('input', false);
    cam.trigger('input', true);
    await waitFor(() => camEvents('intrusion').length === 1, 15_000);
    expect(camEvents('video_motion')).toHaveLength(2);
    const e = camEvents('intrusion')[0]!;
    expect(e).toMatchObject({ siteId: SITE, deviceId: 'hcam', profile: 'onvif' });
    expect(e.detail).toMatch(/Device\/Trigger\/DigitalInput \(InputToken=DI_1\)/);
    // The events opened (or joined) an incident at the camera's site.
    expect(t.hub.incidents.snapshot().some((i) => i.siteId === SITE)).toBe(true);
  }, 40_000);
});

describe('health', () => {
  it('a camera that stops answering raises and then clears trouble.offline', async () => {
    const admin = await t.login('admin');
    const availability = async () =>
      (
        (await (await admin.get('/api/cameras')).json()) as { cameras: Array<{ id: string; availability: string; availabilityReason: string | null }> }
      ).cameras.find((c) => c.id === 'hcam');
    expect((await availability())?.availability).toBe('online');

    await cam.goOffline();
    await waitFor(() => camEvents('trouble.offline').length === 1, 15_000);
    const offline = camEvents('trouble.offline')[0]!;
    expect(offline.detail).toMatch(/^camera hcam (cannot be reached|did not answer).*\(3 polls\)$/);
    expect(await availability()).toMatchObject({ availability: 'offline', availabilityReason: expect.stringMatching(/cannot be reached|did not answer/) });
    // Raised once, not on every failed poll: wait for two more failed polls, then count.
    const failed = failedPolls();
    await waitFor(() => failedPolls() >= failed + 2, 15_000);
    expect(camEvents('trouble.offline')).toHaveLength(1);
    // It is on an incident the operator sees: the site's technical one (one open incident per site and category).
    const incident = t.hub.incidents.snapshot().find((i) => i.siteId === SITE && i.category === 'technical')!;
    expect(incident.timeline.some((x) => x.kind === 'trouble.offline')).toBe(true);

    await cam.goOnline();
    await waitFor(() => camEvents('restore').length === 1, 15_000);
    expect(camEvents('restore')[0]!.detail).toMatch(/back online/);
    expect((await availability())?.availability).toBe('online');
    expect((await t.hub.incidents.get(incident.id))!.timeline.some((x) => x.kind === 'restore')).toBe(true);
  }, 60_000);

  it('a changed camera password is reported as refused, not taken for a live camera', async () => {
    cam.state.wrongPassword = true;
    await waitFor(() => camEvents('trouble.offline').length === 2, 15_000);
    expect(camEvents('trouble.offline')[1]!.detail).toMatch(/refused the user name or password/);
    cam.state.wrongPassword = false;
    await waitFor(() => camEvents('restore').length === 2, 15_000);
    // The password never reaches a log line.
    expect(JSON.stringify(t.logs)).not.toContain('cam-pass-h');
  }, 40_000);
});
