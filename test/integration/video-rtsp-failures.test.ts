/**
 * SafeGrid's ffmpeg wrapper when the RTSP camera fails it: a wrong password, a stream closed
 * midway, a camera gone. Each failure names its cause; none repeats the password. Real ffmpeg,
 * the simulated camera, loopback.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRootLogger } from '../../src/core/logger.js';
import { SimCamera } from '../../src/simulate/onvif-camera/camera.js';
import { Ffmpeg, FfmpegError, locateFfmpeg, type Source } from '../../src/video/ffmpeg/ffmpeg.js';
import { LiveHub } from '../../src/video/live.js';
import { waitFor } from '../helpers/hub.js';
import { viewer } from '../sim/onvif-camera/live-viewer.js';

const run = promisify(execFile);
const PASS = 'Rtsp-Secret-77';
const WRONG = 'Wrong-Secret-88';
const bin = locateFfmpeg();
if (!bin) throw new Error('ffmpeg is required (apt-get install ffmpeg)');
const ff = new Ffmpeg(bin);
const dir = mkdtempSync(join(tmpdir(), 'sg-rtsp-fail-'));
let cam: SimCamera;
let src: Source;

const logLines: string[] = [];
const log = createRootLogger({
  level: 'debug',
  destination: new Writable({
    write: (c: Buffer, _e, done) => {
      logLines.push(c.toString());
      done();
    },
  }),
});

beforeAll(async () => {
  cam = await new SimCamera({ name: 'FailCam', password: PASS }).start();
  src = { url: cam.rtspUrl(), username: 'admin', password: PASS };
});

afterAll(async () => {
  await cam?.stop();
});

/** What the file holds as media (ffprobe): its codec, the frames it decodes to and its duration in seconds. */
async function probe(path: string): Promise<{ codec: string; frames: number; duration: number }> {
  const r = await run('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,nb_read_frames:format=duration', '-of', 'json', path]);
  const j = JSON.parse(r.stdout) as { streams: Array<{ codec_name: string; nb_read_frames: string }>; format: { duration?: string } };
  return { codec: j.streams[0]!.codec_name, frames: Number(j.streams[0]!.nb_read_frames), duration: Number(j.format.duration ?? 0) };
}

async function failure(p: Promise<unknown>): Promise<FfmpegError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof FfmpegError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

describe('failures are named, never with the password', () => {
  it('a wrong password: snapshot, clip and live view all say the camera refused it', async () => {
    const bad: Source = { ...src, password: WRONG };
    const expected = 'the camera refused the user name or password (401 Unauthorized)';
    const s = await failure(ff.snapshot(bad, 4000));
    expect([s.code, s.message]).toEqual(['not_authorized', expected]);
    const c = await failure(ff.clip(bad, { seconds: 2, outPath: join(dir, 'bad.mp4'), timeoutMs: 8000 }));
    expect([c.code, c.message]).toEqual(['not_authorized', expected]);
    const live = new LiveHub(() => ff, log);
    const v = viewer();
    live.watch('cam-bad', () => bad, v.out);
    await v.ended;
    expect(live.ended.at(-1)).toMatchObject({ camera: 'cam-bad', reason: expected, frames: 0 });
    // The camera's password changed under us: the same words.
    cam.state.wrongPassword = true;
    try {
      expect((await failure(ff.snapshot(src, 4000))).message).toBe(expected);
    } finally {
      cam.state.wrongPassword = false;
    }
    for (const text of [s.message, s.stack ?? '', c.message, ...logLines]) {
      expect(text).not.toContain(WRONG);
      expect(text).not.toContain(PASS);
    }
  }, 30_000);

  it('a camera that closes the stream midway: the clip says it was cut short, live view ends with the reason, and a camera that is gone is named', async () => {
    const path = join(dir, 'short.mp4');
    const answers = cam.rtsp.stats.answers.length;
    // Counted from before the clip starts (no other stream is open): every frame sent from here on is the clip's.
    const before = cam.rtsp.stats.framesSent;
    const clip = ff.clip(src, { seconds: 6, outPath: path, timeoutMs: 15_000 });
    await waitFor(() => cam.rtsp.stats.answers.slice(answers).includes('PLAY 200'), 15_000);
    // The camera drops the stream once it has sent this clip 8 frames (5 fps: 1.6 s of its 6 s).
    await waitFor(() => cam.rtsp.stats.framesSent >= before + 8, 15_000);
    cam.rtsp.dropClients();
    const sent = cam.rtsp.stats.framesSent - before;
    const r = await clip;
    expect(r.cutShort).toBe(true);
    expect(r.seconds).toBeGreaterThan(0.5);
    expect(statSync(path).size).toBeGreaterThan(1000);
    // What arrived is kept and still playable: MJPEG frames, no more than the camera sent before the drop,
    // and the length the clip reports is the file's own (not the 6 s asked).
    const media = await probe(path);
    expect(media.codec).toBe('mjpeg');
    expect(media.frames).toBeGreaterThanOrEqual(3);
    expect(media.frames).toBeLessThanOrEqual(sent);
    expect(Math.abs(media.duration - r.seconds)).toBeLessThan(0.5);

    const live = new LiveHub(() => ff, log);
    const v = viewer();
    live.watch('cam-drop', () => src, v.out);
    await waitFor(() => v.frames.length >= 2, 15_000);
    cam.rtsp.dropClients();
    await v.ended;
    expect(live.active).toBe(0);
    expect(live.ended.at(-1)).toMatchObject({ camera: 'cam-drop', reason: 'the camera closed the stream' });
    expect(logLines.some((l) => /"msg":"live view ended"/.test(l) && /the camera closed the stream/.test(l))).toBe(true);

    const gone = await new SimCamera({ name: 'Gone', password: PASS }).start();
    const url = gone.rtspUrl();
    await gone.stop();
    const e = await failure(ff.snapshot({ url, username: 'admin', password: PASS }, 15_000));
    expect([e.code, e.message]).toEqual(['unreachable', 'the camera refused the connection (nothing listens on its stream port)']);
  }, 60_000);
});
