/** A short clip recorded for an incident from a simulated camera's stream, stored and served. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { makeTree } from '../helpers/tree.js';
import { SimCamera } from '../../src/simulate/onvif-camera/camera.js';
import { cameraSiteYaml, nativeAlarm } from '../sim/onvif-camera/site.js';

const run = promisify(execFile);
const SITE = 'shop-clip';
let t: TestHub;
let cam: SimCamera;

beforeAll(async () => {
  cam = await new SimCamera({ name: 'ClipCam', password: 'cam-pass-9' }).start();
  const tree = makeTree({ [`${SITE}.yaml`]: cameraSiteYaml(SITE, [{ id: 'door', xaddr: cam.xaddr, zones: [1], clip: true }]) });
  t = await startTestHub({ tree, env: { SIM_CAM_PASS: 'cam-pass-9' }, video: { pollIntervalMs: 500, clipSeconds: 2 } });
  await waitFor(() => t.hub.video.status().some((c) => c.siteId === SITE && c.availability === 'online'), 8000);
}, 20_000);

afterAll(async () => {
  await t?.close();
  await cam?.stop();
});

describe('clips', () => {
  it('a camera configured with clip: true adds a playable clip of the configured length to the incident', async () => {
    await t.hub.ingest.receive(nativeAlarm(SITE, 'intrusion', 1, 'clip-1'));
    const incident = await waitFor(() => t.hub.incidents.snapshot().find((i) => i.siteId === SITE));
    const clip = await waitFor(() => t.hub.incidents.get(incident.id)!.media.find((m) => m.kind === 'clip'), 15_000);
    expect(clip).toMatchObject({ cameraId: 'door', error: null });
    const file = t.hub.video.mediaFile(clip.url!.split('/').pop()!)!;
    // ffprobe (ships with ffmpeg) reads it as video of about the configured length.
    const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file.path]).catch(() => null);
    if (probe) {
      const seconds = Number(probe.stdout.trim());
      expect(seconds).toBeGreaterThan(1);
      expect(seconds).toBeLessThan(4);
    }
    const admin = await t.login('admin');
    const res = await admin.get(clip.url!);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).length).toBeGreaterThan(1000);
  }, 30_000);
});
