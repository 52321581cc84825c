/**
 * H.264 RTSP cameras SafeGrid did not write (issue 16): Debian's gst-rtsp-server (test/helpers/
 * gst-rtsp.ts), with and without RTSP Digest, as RTSP-only cameras of a site in a real hub.
 *  - health proves the stream: the right password is online, a wrong one is offline "refused"
 *    at its first poll (not a TCP connect that calls it alive);
 *  - a snapshot from H.264 for an incident; a wrong password is named on the incident;
 *  - clips: H.264 copied into MP4 with the index first; Motion JPEG encoded to H.264;
 *  - live view: fMP4 parts (init, then fragments) for a page that asks for video/mp4, one ffmpeg
 *    for two viewers, stopped when the last leaves; JPEG parts otherwise; a wrong password is a
 *    502 `not_authorized`, not a 200 with nothing in it;
 *  - ffmpeg runs with PATH only: the camera passwords in the hub's environment are not in its.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimCamera } from '../../src/simulate/onvif-camera/camera.js';
import { readParts } from '../../web/src/multipart.js';
import { GST_SKIP_REASON, HAVE_GST_RTSP, startGstCamera, type GstCamera } from '../helpers/gst-rtsp.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { makeTree } from '../helpers/tree.js';
import { cameraSiteYaml, nativeAlarm } from '../sim/onvif-camera/site.js';

const run = HAVE_GST_RTSP || process.env.CI === 'true';
if (!run) console.warn(GST_SKIP_REASON);
const exec = promisify(execFile);

const SITE = 'shop-h264';
const PASS = 'Gst-Pass-41';
const WRONG = 'Gst-Wrong-42';

describe.skipIf(!run)('H.264 RTSP cameras (gst-rtsp-server)', () => {
  let t: TestHub;
  let digestCam: GstCamera;
  let openCam: GstCamera;
  let mjpegCam: GstCamera;
  /** Our simulator, set to ask for RTSP Basic only: the hub must not send it the password on plain TCP. */
  let basicCam: SimCamera;
  /** An ONVIF camera whose ONVIF login is right and whose stream login (rtsp_login) is wrong. */
  let onvifCam: SimCamera;

  beforeAll(async () => {
    [digestCam, openCam, mjpegCam] = await Promise.all([
      startGstCamera({ digest: { username: 'admin', password: PASS } }),
      startGstCamera(),
      startGstCamera({ codec: 'mjpeg' }),
    ]);
    basicCam = await new SimCamera({ name: 'BasicOnly', password: PASS, rtsp: { auth: 'basic' } }).start();
    onvifCam = await new SimCamera({ name: 'OnvifBadStream', password: PASS }).start();
    const tree = makeTree({
      [`${SITE}.yaml`]: cameraSiteYaml(SITE, [
        { id: 'h264', rtsp: digestCam.url, zones: [1], clip: true, rtspLoginEnv: 'GST_PASS' },
        { id: 'h264-open', rtsp: openCam.url, zones: [1], clip: false },
        { id: 'h264-bad', rtsp: digestCam.url, zones: [2], clip: false, rtspLoginEnv: 'GST_WRONG' },
        { id: 'mjpeg', rtsp: mjpegCam.url, zones: [3], clip: true },
        { id: 'basic', rtsp: basicCam.rtspUrl(), zones: [2], clip: true, rtspLoginEnv: 'GST_PASS' },
        { id: 'onvif-bad-stream', xaddr: onvifCam.xaddr, passwordEnv: 'GST_PASS', rtspLoginEnv: 'GST_WRONG', zones: [2], clip: false },
      ]),
    });
    const video = { pollIntervalMs: 500, clipSeconds: 2, snapshotTimeoutMs: 10_000 };
    t = await startTestHub({ tree, env: { GST_PASS: PASS, GST_WRONG: WRONG }, video });
    process.env.SG_TEST_CAMERA_SECRET = PASS; // in the hub's own environment, as password_env is
  }, 60_000);

  afterAll(async () => {
    delete process.env.SG_TEST_CAMERA_SECRET;
    await t?.close();
    await Promise.all([digestCam?.stop(), openCam?.stop(), mjpegCam?.stop(), basicCam?.stop(), onvifCam?.stop()]);
  });

  it('health asks for the stream with the login: right password online, wrong password offline as refused', async () => {
    await waitFor(() => ['h264', 'h264-open', 'mjpeg'].every((c) => t.hub.video.cameraStatus(SITE, c)?.availability === 'online'), 30_000);
    const bad = await waitFor(() => {
      const s = t.hub.video.cameraStatus(SITE, 'h264-bad');
      return s?.availability === 'offline' ? s : null;
    }, 30_000);
    expect(bad.reason).toMatch(/refused the user name or password/);
    // ONVIF answers with the right login, but the stream refuses its own: not online either.
    const stream = await waitFor(() => {
      const s = t.hub.video.cameraStatus(SITE, 'onvif-bad-stream');
      return s?.availability === 'offline' ? s : null;
    }, 30_000);
    expect(stream.reason).toMatch(/refused the user name or password/);
    expect(stream.model).toMatch(/OnvifBadStream|SafeGrid/i);
    const admin = await t.login('admin');
    const body = (await (await admin.get('/api/cameras/status')).json()) as {
      cameras: Array<{ cameraId: string; availability: string; reason: string | null }>;
    };
    expect(body.cameras.find((c) => c.cameraId === 'h264-bad')).toMatchObject({ availability: 'offline' });
    expect(JSON.stringify(body)).not.toContain(WRONG);
  }, 60_000);

  it('an incident gets a JPEG snapshot from the H.264 cameras; the wrong password is named', async () => {
    await t.hub.ingest.receive(nativeAlarm(SITE, 'intrusion', 1, 'h264-snap-1'));
    await t.hub.ingest.receive(nativeAlarm(SITE, 'intrusion', 2, 'h264-snap-2'));
    const media = await waitFor(() => {
      const all = t.hub.incidents
        .snapshot()
        .filter((i) => i.siteId === SITE)
        .flatMap((i) => i.media.filter((m) => m.kind === 'snapshot'));
      return ['h264', 'h264-open', 'h264-bad'].every((c) => all.some((m) => m.cameraId === c)) ? all : null;
    }, 30_000);
    const admin = await t.login('admin');
    for (const id of ['h264', 'h264-open']) {
      const shot = media.find((m) => m.cameraId === id)!;
      expect(shot.error, id).toBeNull();
      const res = await admin.get(shot.url!);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const jpeg = Buffer.from(await res.arrayBuffer());
      expect(jpeg.subarray(0, 2).toString('hex')).toBe('ffd8');
    }
    expect(media.find((m) => m.cameraId === 'h264-bad')).toMatchObject({ url: null, error: expect.stringMatching(/refused the user name or password/) });
  }, 60_000);

  it('clips: H.264 is copied into MP4 with its index first, Motion JPEG is encoded to H.264', async () => {
    const clips = await waitFor(() => {
      const all = t.hub.incidents.snapshot().flatMap((i) => i.media.filter((m) => m.kind === 'clip' && m.url));
      return all.some((m) => m.cameraId === 'h264') ? all : null;
    }, 40_000);
    await t.hub.ingest.receive(nativeAlarm(SITE, 'intrusion', 3, 'h264-clip-3'));
    const mjpegClip = await waitFor(
      () =>
        t.hub.incidents
          .snapshot()
          .flatMap((i) => i.media)
          .find((m) => m.kind === 'clip' && m.cameraId === 'mjpeg'),
      40_000,
    );
    for (const clip of [clips.find((m) => m.cameraId === 'h264')!, mjpegClip]) {
      expect(clip.error, clip.cameraId).toBeNull();
      const file = t.hub.video.mediaFile(clip.url!.split('/').pop()!)!;
      const probe = await exec('ffprobe', [
        '-v',
        'error',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=codec_name,width:format=duration',
        '-of',
        'csv=p=0',
        file.path,
      ]);
      const [stream, duration] = probe.stdout.trim().split('\n');
      expect(stream, clip.cameraId).toBe('h264,320');
      expect(Number(duration)).toBeGreaterThan(1);
      // +faststart: the index (moov) comes before the media data, so a browser starts at once.
      const bytes = readFileSync(file.path);
      expect(bytes.indexOf('moov')).toBeLessThan(bytes.indexOf('mdat'));
    }
  }, 90_000);

  /** Reads a live response's parts until `enough` says stop; returns their types and bodies. */
  async function readLive(res: Response, enough: (parts: Array<{ type: string; body: Uint8Array }>) => boolean, abort: AbortController) {
    const parts: Array<{ type: string; body: Uint8Array }> = [];
    const boundary = /boundary=([^;\s]+)/.exec(res.headers.get('content-type') ?? '')![1]!;
    const reader = res.body!.getReader();
    await readParts(reader, boundary, (body, type) => {
      parts.push({ type, body });
      if (enough(parts)) abort.abort();
    }).catch(() => undefined);
    return parts;
  }

  it('a camera that asks for Basic on plain RTSP never gets the password: health, snapshot, clip and live view say why', async () => {
    const status = await waitFor(() => {
      const s = t.hub.video.cameraStatus(SITE, 'basic');
      return s?.availability === 'offline' ? s : null;
    }, 30_000);
    expect(status.reason).toMatch(/Basic authentication over plain RTSP/);
    await t.hub.ingest.receive(nativeAlarm(SITE, 'intrusion', 2, 'h264-basic-2'));
    const notes = await waitFor(() => {
      const m = t.hub.incidents.snapshot().flatMap((i) => i.media.filter((x) => x.cameraId === 'basic'));
      return m.some((x) => x.kind === 'snapshot') && m.some((x) => x.kind === 'clip') ? m : null;
    }, 30_000);
    for (const n of notes) expect(n, n.kind).toMatchObject({ url: null, error: expect.stringMatching(/Basic/) });
    const admin = await t.login('admin');
    const live = await admin.fetch(`/api/sites/${SITE}/cameras/basic/live`, { headers: { Accept: 'video/mp4' } });
    expect(live.status).toBe(502);
    // The simulator accepts Basic with this password: had anything sent it, it would have been counted.
    expect(basicCam.rtsp.authAccepted).toEqual({ digest: 0, basic: 0 });
    expect(basicCam.rtsp.stats.answers).toContain('DESCRIBE 401');
  }, 60_000);

  it('live view of an H.264 camera: fMP4 without transcoding, one ffmpeg for two viewers, stopped when both leave', async () => {
    const admin = await t.login('admin');
    const path = `/api/sites/${SITE}/cameras/h264/live`;
    const before = t.hub.video.live.sessionsStarted;
    const a1 = new AbortController();
    const a2 = new AbortController();
    const r1 = await admin.fetch(path, { headers: { Accept: 'video/mp4, multipart/x-mixed-replace' }, signal: a1.signal });
    expect(r1.status).toBe(200);
    const p1 = readLive(r1, (p) => p.length >= 4, a1);
    // The second viewer joins the running camera.
    await waitFor(() => t.hub.video.live.active === 1, 30_000);
    const r2 = await admin.fetch(path, { headers: { Accept: 'video/mp4' }, signal: a2.signal });
    const [parts1, parts2] = await Promise.all([p1, readLive(r2, (p) => p.length >= 3, a2)]);
    for (const parts of [parts1, parts2]) {
      expect(parts.every((p) => p.type === 'video/mp4')).toBe(true);
      const init = Buffer.from(parts[0]!.body);
      expect(init.indexOf('ftyp')).toBe(4);
      expect(init.indexOf('avcC')).toBeGreaterThan(0);
      const frag = Buffer.from(parts[1]!.body);
      expect(frag.toString('latin1', 4, 8)).toBe('moof');
      // Different pictures: the fragments differ.
      expect(Buffer.from(parts[1]!.body).equals(Buffer.from(parts[2]!.body))).toBe(false);
    }
    expect(t.hub.video.live.sessionsStarted - before).toBe(1);
    await waitFor(() => t.hub.video.live.active === 0, 30_000);
  }, 60_000);

  it('live view without video/mp4 is JPEG pictures; a wrong password is a 502 not_authorized, not a 200', async () => {
    const admin = await t.login('admin');
    const a = new AbortController();
    const res = await admin.fetch(`/api/sites/${SITE}/cameras/h264/live`, { signal: a.signal });
    const parts = await readLive(res, (p) => p.length >= 2, a);
    expect(parts.map((p) => p.type)).toEqual(['image/jpeg', 'image/jpeg']);
    const bad = await admin.fetch(`/api/sites/${SITE}/cameras/h264-bad/live`, { headers: { Accept: 'video/mp4' } });
    expect(bad.status).toBe(502);
    expect(await bad.json()).toMatchObject({ code: 'live_unavailable', reason: 'not_authorized' });
    await waitFor(() => t.hub.video.live.active === 0, 30_000);
  }, 60_000);

  it("ffmpeg's environment is PATH only: no camera password of the hub's environment", async () => {
    const admin = await t.login('admin');
    const a = new AbortController();
    const res = await admin.fetch(`/api/sites/${SITE}/cameras/h264/live`, { headers: { Accept: 'video/mp4' }, signal: a.signal });
    const reading = readLive(res, () => false, a);
    const pid = await waitFor(() => ffmpegChildren()[0], 30_000);
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
    a.abort();
    await reading;
    expect(env.map((v) => v.split('=')[0])).toEqual(['PATH']);
    expect(env.join('\n')).not.toContain(PASS);
    expect(process.env.GST_PASS ?? process.env.SG_TEST_CAMERA_SECRET).toBe(PASS);
  }, 60_000);
});

/** PIDs of the hub's ffmpeg processes (the hub runs in this test process). */
function ffmpegChildren(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
      // The hub's ffmpeg reads its input list on stdin; the simulators' own ffmpeg (their picture) does not.
      if (m && m[1] === 'ffmpeg' && Number(m[2]) === process.pid && readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('pipe:0')) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
