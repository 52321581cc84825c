/**
 * A short clip recorded for an incident from a simulated camera's stream, stored and served: from
 * RTSP (what GetStreamUri returns on ONVIF cameras) and from a camera whose only stream is MJPEG
 * over HTTP. Both streams are Motion JPEG, so both clips are encoded to H.264 in MP4 (Chromium
 * plays no MJPEG in MP4); H.264 cameras are copied (video-h264.test.ts).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { makeTree } from '../helpers/tree.js';
import { SimCamera } from '../../src/simulate/onvif-camera/camera.js';
import { cameraSiteYaml, nativeAlarm } from '../sim/onvif-camera/site.js';

const run = promisify(execFile);
const SITE = 'shop-clip';
/** The clip length the hub is configured with (video.clipSeconds). */
const CLIP_SECONDS = 2;
let t: TestHub;
let cam: SimCamera;
let mjpegCam: SimCamera;

beforeAll(async () => {
  cam = await new SimCamera({ name: 'ClipCam', password: 'cam-pass-9' }).start();
  mjpegCam = await new SimCamera({ name: 'MjpegCam', password: 'cam-pass-9', streamUri: 'mjpeg' }).start();
  const tree = makeTree({
    [`${SITE}.yaml`]: cameraSiteYaml(SITE, [
      { id: 'door', xaddr: cam.xaddr, zones: [1], clip: true },
      { id: 'till', xaddr: mjpegCam.xaddr, zones: [1], clip: true },
    ]),
  });
  t = await startTestHub({ tree, env: { SIM_CAM_PASS: 'cam-pass-9' }, video: { pollIntervalMs: 500, clipSeconds: CLIP_SECONDS } });
  await waitFor(() => t.hub.video.status().filter((c) => c.siteId === SITE && c.availability === 'online').length === 2, 20_000);
}, 40_000);

afterAll(async () => {
  await t?.close();
  await cam?.stop();
  await mjpegCam?.stop();
});

describe('clips', () => {
  it('a camera configured with clip: true adds a playable clip of the configured length to the incident', async () => {
    await t.hub.ingest.receive(nativeAlarm(SITE, 'intrusion', 1, 'clip-1'));
    const incident = await waitFor(() => t.hub.incidents.snapshot().find((i) => i.siteId === SITE));
    const clips = await waitFor(async () => {
      const m = (await t.hub.incidents.get(incident.id))!.media.filter((x) => x.kind === 'clip');
      return m.length >= 2 ? m : null;
    }, 30_000);
    const admin = await t.login('admin');
    for (const [cameraId, ext, type] of [
      ['door', 'mp4', 'video/mp4'],
      ['till', 'mp4', 'video/mp4'],
    ] as const) {
      const clip = clips.find((m) => m.cameraId === cameraId)!;
      expect(clip, cameraId).toMatchObject({ cameraId, error: null });
      const file = t.hub.video.mediaFile(clip.url!.split('/').pop()!)!;
      expect(file.path.endsWith(`.${ext}`)).toBe(true);
      // ffprobe (ships with ffmpeg, which these tests require) reads it as H.264 video of about the configured
      // length: the duration is the media's own (its timestamps), not how long recording took on this machine.
      const probe = await run('ffprobe', [
        '-v',
        'error',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=codec_name:format=duration',
        '-of',
        'csv=p=0',
        file.path,
      ]);
      const [codec, duration] = probe.stdout.trim().split('\n');
      expect(codec, cameraId).toBe('h264');
      const seconds = Number(duration);
      expect(seconds, cameraId).toBeGreaterThan(CLIP_SECONDS - 1);
      expect(seconds, cameraId).toBeLessThan(CLIP_SECONDS + 2);
      const res = await admin.get(clip.url!);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect(Buffer.from(await res.arrayBuffer()).length).toBeGreaterThan(1000);
    }
  }, 50_000);
});
