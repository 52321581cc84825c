/**
 * Live status and live view over the wire (issue 13): `camera:status` and `directory:changed`
 * pushes with their scope, live view by site and camera over REST, and why a stream could not
 * start or ended (a `live_unavailable` refusal, or the closing JSON part). Real hub, simulated
 * ONVIF cameras, Socket.IO clients, ffmpeg, loopback.
 */
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveEnd } from '../../src/contract/live-view.js';
import type { CameraStatusPush, DeviceStatus, DirectoryChanged } from '../../src/contract/socket.js';
import { SimCamera } from '../../src/simulate/onvif-camera/camera.js';
import { readParts } from '../../web/src/multipart.js';
import { nextEvent, startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { makeTree } from '../helpers/tree.js';
import { cameraSiteYaml } from '../sim/onvif-camera/site.js';

const SITE_A = 'shop-status-a';
const SITE_B = 'shop-status-b';
const SITE_BAD = 'shop-status-bad';
const SITE_GONE = 'shop-status-gone';

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}
const WAIT = 30_000;

describe('live status pushes and live view by site and camera', () => {
  let t: TestHub;
  let camA: SimCamera;
  let camB: SimCamera;

  beforeAll(async () => {
    [camA, camB] = await Promise.all([
      new SimCamera({ name: 'StatusA', password: 'cam-pass-9' }).start(),
      new SimCamera({ name: 'StatusB', password: 'cam-pass-9' }).start(),
    ]);
    const gone = `http://127.0.0.1:${await closedPort()}/onvif/device_service`;
    const tree = makeTree({
      [`${SITE_GONE}.yaml`]: cameraSiteYaml(SITE_GONE, [{ id: 'cam-1', xaddr: gone, zones: [1] }]),
      [`${SITE_A}.yaml`]: cameraSiteYaml(SITE_A, [{ id: 'cam-1', xaddr: camA.xaddr, zones: [1] }]),
      [`${SITE_B}.yaml`]: cameraSiteYaml(SITE_B, [{ id: 'cam-1', xaddr: camB.xaddr, zones: [1] }]),
      [`${SITE_BAD}.yaml`]: cameraSiteYaml(SITE_BAD, [{ id: 'cam-1', xaddr: camB.xaddr, zones: [1], passwordEnv: 'SIM_CAM_WRONG' }]),
    });
    t = await startTestHub({ tree, watch: true, env: { SIM_CAM_PASS: 'cam-pass-9', SIM_CAM_WRONG: 'wrong-password' }, video: { pollIntervalMs: 300 } });
    await waitFor(() => [SITE_A, SITE_B].every((s) => t.hub.video.cameraStatus(s, 'cam-1')?.availability === 'online'), WAIT);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await Promise.all([camA?.stop(), camB?.stop()]);
  });

  it('a camera going offline and back is pushed as camera:status to its station, never to another station', async () => {
    const own = await t.console({ as: 'op-hecheng' });
    const other = await t.console({ as: 'op-minghu' });
    const seenByOther: CameraStatusPush[] = [];
    other.socket.on('camera:status', (s) => seenByOther.push(s));

    const offline = nextEvent<CameraStatusPush>(own.socket, 'camera:status', (s) => s.siteId === SITE_A && s.availability === 'offline', WAIT);
    await camA.goOffline();
    expect(await offline).toMatchObject({ siteId: SITE_A, cameraId: 'cam-1', availability: 'offline' });
    const online = nextEvent<CameraStatusPush>(own.socket, 'camera:status', (s) => s.siteId === SITE_A && s.availability === 'online', WAIT);
    await camA.goOnline();
    const back = await online;
    expect(back.lastOkAt).not.toBeNull();
    // REST agrees with the push.
    const cams = (await (await own.session!.get('/api/cameras')).json()) as { cameras: Array<{ siteId: string; id: string; availability: string }> };
    expect(cams.cameras.find((c) => c.siteId === SITE_A && c.id === 'cam-1')?.availability).toBe('online');

    // A later push the other station does receive (its own device) proves nothing of 荷城's was on its way.
    const marker = nextEvent<DeviceStatus>(other.socket, 'device:status', (s) => s.siteId === 'home-b', WAIT);
    await t.hub.ingest.receive({ topic: 'safegrid/home-b/home-b-panel/status', payload: Buffer.from('online'), retained: false });
    await marker;
    expect(seenByOther).toEqual([]);
  });

  it('a site file saved while consoles are open is announced as directory:changed, and their REST directory has it', async () => {
    const c = await t.console({ as: 'op-hecheng' });
    const changed = nextEvent<DirectoryChanged>(c.socket, 'directory:changed', () => true, WAIT);
    t.tree.write('devices/shop-status-new.yaml', cameraSiteYaml('shop-status-new', [{ id: 'cam-1', xaddr: camA.xaddr, zones: [1] }]));
    const d = await changed;
    expect(Date.parse(d.at)).not.toBeNaN();
    const sites = (await (await c.session!.get('/api/sites')).json()) as { sites: Array<{ id: string }> };
    expect(sites.sites.map((s) => s.id)).toContain('shop-status-new');
  });

  it('live view by site and camera: the repeated id plays, the bare id is ambiguous, a wrong password and an unreachable camera are named', async () => {
    const op = await t.login('op-hecheng');
    expect((await op.get('/api/cameras/cam-1/live')).status).toBe(409);
    const ctl = new AbortController();
    const res = await op.fetch(`/api/sites/${SITE_B}/cameras/cam-1/live`, { signal: ctl.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^multipart\/x-mixed-replace; boundary=/);
    // The picture moves: read until a frame differs from the first. The encoder may repeat a
    // frame (output rate above the camera's), so two in a row may be equal; 50 equal ones are not.
    const frames: Uint8Array[] = [];
    const reading = readParts(res.body!.getReader(), 'sgframe', (f) => {
      frames.push(f);
      if (frames.length >= 50 || Buffer.compare(frames[0]!, f) !== 0) ctl.abort();
    }).catch(() => null);
    await reading;
    expect(Buffer.from(frames[0]!).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(frames.length).toBeGreaterThanOrEqual(2);
    expect(Buffer.compare(frames[0]!, frames.at(-1)!)).not.toBe(0);

    const bad = await op.get(`/api/sites/${SITE_BAD}/cameras/cam-1/live`);
    expect(bad.status).toBe(502);
    expect(await bad.json()).toMatchObject({ code: 'live_unavailable', reason: 'not_authorized' });
    // A camera nothing answers for: named as unreachable.
    const unreachable = await op.get(`/api/sites/${SITE_GONE}/cameras/cam-1/live`);
    expect(unreachable.status).toBe(502);
    expect(await unreachable.json()).toMatchObject({ code: 'live_unavailable', reason: 'unreachable' });
    // Counted by reason for whoever watches the hub.
    const metrics = await (await (await t.login('admin')).get('/metrics')).text();
    expect(metrics).toMatch(/^sg_video_live_stopped_total\{reason="not_authorized"\} [1-9]/m);
    // Another station's operator: not found, like a camera that does not exist.
    const stranger = await t.login('op-minghu');
    expect((await stranger.get(`/api/sites/${SITE_B}/cameras/cam-1/live`)).status).toBe(404);
  });

  it('a stream the camera drops ends with a JSON part saying why, after the pictures', async () => {
    const op = await t.login('op-hecheng');
    const res = await op.fetch(`/api/sites/${SITE_B}/cameras/cam-1/live`);
    expect(res.status).toBe(200);
    let frames = 0;
    let dropped = false;
    const end: LiveEnd | null = await readParts(res.body!.getReader(), 'sgframe', () => {
      frames++;
      if (frames === 1 && !dropped) {
        dropped = true;
        void camB.goOffline();
      }
    });
    expect(frames).toBeGreaterThan(0);
    expect(end).not.toBeNull();
    expect(['ended', 'unreachable']).toContain(end!.code);
    expect(end!.frames).toBeGreaterThan(0);
    await camB.goOnline();
  });
});
