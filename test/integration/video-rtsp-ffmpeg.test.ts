/**
 * SafeGrid's ffmpeg wrapper (snapshot, clip, live view) against the simulated camera over RTSP
 * with Digest: the path real ONVIF cameras take (GetStreamUri → rtsp://). Real ffmpeg, loopback.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRootLogger } from '../../src/core/logger.js';
import { SimCamera } from '../../src/simulate/onvif-camera/camera.js';
import net from 'node:net';
import { explainFailure, Ffmpeg, locateFfmpeg, scrub, type Source } from '../../src/video/ffmpeg/ffmpeg.js';
import { LiveHub } from '../../src/video/live.js';
import { OnvifClient } from '../../src/video/onvif/client.js';
import { waitFor } from '../helpers/hub.js';
import { viewer } from '../sim/onvif-camera/live-viewer.js';

const run = promisify(execFile);
const PASS = 'Rtsp-Secret-77';
const bin = locateFfmpeg();
if (!bin) throw new Error('ffmpeg is required (apt-get install ffmpeg)');
const ff = new Ffmpeg(bin);
const dir = mkdtempSync(join(tmpdir(), 'sg-rtsp-'));
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
  cam = await new SimCamera({ name: 'FfCam', password: PASS, rtsp: { sessionTimeoutSec: 2 } }).start();
  src = { url: cam.rtspUrl(), username: 'admin', password: PASS };
});

afterAll(async () => {
  await cam?.stop();
});

async function probe(path: string): Promise<{ codec: string; width: number; height: number; frames: number; duration: number }> {
  const r = await run('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-show_entries',
    'stream=codec_name,width,height,nb_read_frames:format=duration',
    '-of',
    'json',
    path,
  ]);
  const j = JSON.parse(r.stdout) as {
    streams: Array<{ codec_name: string; width: number; height: number; nb_read_frames: string }>;
    format: { duration?: string };
  };
  const s = j.streams[0]!;
  return { codec: s.codec_name, width: s.width, height: s.height, frames: Number(s.nb_read_frames), duration: Number(j.format.duration ?? 0) };
}

describe('over RTSP with Digest', () => {
  it('ONVIF GetStreamUri gives the RTSP URL, and a snapshot from it is a JPEG of the camera’s size; two differ', { timeout: 45_000 }, async () => {
    const p = await new OnvifClient({ xaddr: cam.xaddr, username: 'admin', password: PASS }).probe();
    expect(p.streamUri).toBe(cam.rtspUrl('main'));
    const digestBefore = cam.rtsp.authAccepted.digest;
    // A generous limit: how fast a snapshot is belongs in the bench, not here (≈1 s on a quiet machine).
    const a = await ff.snapshot(src, 15_000);
    expect(a.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    // The picture moves: a later snapshot shows something else. A snapshot taken before the camera has encoded its
    // next frame is the same picture again, so this waits for the different one (5 fps: the next try, as a rule).
    const b = await waitFor(async () => {
      const next = await ff.snapshot(src, 15_000);
      return next.equals(a) ? null : next;
    }, 30_000);
    expect(b.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    writeFileSync(join(dir, 'a.jpg'), a);
    expect(await probe(join(dir, 'a.jpg'))).toMatchObject({ codec: 'mjpeg', width: 320, height: 240 });
    expect(cam.rtsp.authAccepted.digest).toBeGreaterThan(digestBefore);
    expect(cam.rtsp.stats.answers).toEqual(expect.arrayContaining(['DESCRIBE 401', 'DESCRIBE 200', 'SETUP 200', 'PLAY 200']));
    expect(cam.rtsp.stats.badFrames).toBe(0);
  });

  it('a clip is the stream copied into MP4 for about the asked length', async () => {
    const path = join(dir, 'clip.mp4');
    const r = await ff.clip(src, { seconds: 2, outPath: path, timeoutMs: 12_000 });
    expect(r.cutShort).toBe(false);
    expect(r.seconds).toBeGreaterThan(1.5);
    const p = await probe(path);
    expect(p).toMatchObject({ codec: 'mjpeg', width: 320, height: 240 });
    expect(p.duration).toBeGreaterThan(1.5);
    expect(p.duration).toBeLessThan(3);
    expect(p.frames).toBeGreaterThanOrEqual(8);
  }, 30_000);

  it('live view: moving frames for a viewer, kept alive past the session timeout by GET_PARAMETER, stopped when the viewer leaves', async () => {
    const live = new LiveHub(() => ff, log);
    const v = viewer();
    const timedOut = cam.rtsp.stats.sessionsTimedOut;
    const answers = cam.rtsp.stats.answers.length;
    const stop = live.watch('cam', () => src, v.out);
    await waitFor(() => v.frames.length >= 3, 15_000);
    expect(v.frames[0]!.equals(v.frames[2]!)).toBe(false);
    // The camera's sessions time out after 2 s; ffmpeg keeps its own alive at half that (a GET_PARAMETER at
    // least 1 s after its last request). Three keep-alives answered put the session past its 2 s timeout: the
    // positive marker after which a lapsed session would have been counted and cut.
    const keepAlives = (): number => cam.rtsp.stats.answers.slice(answers).filter((a) => a === 'GET_PARAMETER 200').length;
    await waitFor(() => keepAlives() >= 3, 30_000);
    const n = v.frames.length;
    await waitFor(() => v.frames.length > n + 2, 15_000);
    expect(cam.rtsp.stats.sessionsTimedOut).toBe(timedOut);
    expect(live.ended).toEqual([]);
    stop();
    expect(live.active).toBe(0);
    await waitFor(() => cam.rtsp.activeSessions === 0, 15_000);
    expect(live.ended).toEqual([]);
  }, 40_000);

  it('the password is not in ffmpeg’s command line (ps, /proc/PID/cmdline): it goes in on stdin', async () => {
    expect(ff.plan(src, { timeoutMs: 1000 }).credentials).toBe('stdin');
    const { child } = ff.mjpeg(src, { fps: 5, width: 320, timeoutMs: 3000 });
    try {
      await new Promise<void>((ok, fail) => {
        child.stdout.once('data', () => ok());
        child.once('close', (code) => fail(new Error(`ffmpeg ended (${code}) before a frame`)));
      });
      const argv = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
      expect(argv).toEqual(expect.arrayContaining(['-f', 'concat', '-i', 'pipe:0']));
      expect(argv.join(' ')).not.toContain(PASS);
      expect(argv.join(' ')).not.toContain('admin');
      expect(readFileSync(`/proc/${child.pid}/environ`, 'utf8')).not.toContain(PASS);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('Basic where the camera offers only Basic; Digest when it offers both, so the password never crosses in clear', { timeout: 45_000 }, async () => {
    for (const [auth, scheme] of [
      ['basic', 'basic'],
      ['digest+basic', 'digest'],
    ] as const) {
      const c = await new SimCamera({ name: `Auth-${auth}`, password: PASS, rtsp: { auth } }).start();
      try {
        const jpeg = await ff.snapshot({ url: c.rtspUrl(), username: 'admin', password: PASS }, 15_000);
        expect(jpeg.subarray(0, 2), auth).toEqual(Buffer.from([0xff, 0xd8]));
        expect(c.rtsp.authAccepted[scheme], auth).toBeGreaterThan(0);
        expect(c.rtsp.authAccepted[scheme === 'digest' ? 'basic' : 'digest'], auth).toBe(0);
      } finally {
        await c.stop();
      }
    }
  });

  it('a password with quotes, backslashes, @ : % # / ? spaces and Chinese reaches the camera intact', { timeout: 45_000 }, async () => {
    const odd = `it's "odd" \\ p@ss:w%rd #/? 密码`;
    const c = await new SimCamera({ name: 'OddPass', password: odd }).start();
    try {
      const s: Source = { url: c.rtspUrl(), username: 'admin', password: odd };
      expect(ff.plan(s, { timeoutMs: 1000 }).args.join(' ')).not.toContain('p@ss');
      expect((await ff.snapshot(s, 15_000)).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    } finally {
      await c.stop();
    }
  });

  it('the input options travel with the credentials: a camera that accepts and never answers is given up after the 1 s timeout', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const t0 = Date.now();
      // mjpeg() has no overall time limit of its own: only ffmpeg's RTSP timeout (an ffconcat
      // `option` line) can end this. Without it ffmpeg waits for ever.
      const { child } = ff.mjpeg({ url: `rtsp://127.0.0.1:${port}/stream/main`, username: 'admin', password: PASS }, { fps: 5, width: 320, timeoutMs: 1000 });
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      // What is checked is that ffmpeg ends on its own, with the timeout's words: without the option it never does.
      // The ceiling is only there to fail with a message rather than at the test's limit; 30× the 1 s asked.
      let stuck: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        new Promise<number | null>((ok) => child.once('close', ok)),
        new Promise<never>((_, fail) => {
          stuck = setTimeout(() => fail(new Error('ffmpeg still waits on the silent camera after 30 s: its RTSP timeout did not reach it')), 30_000);
        }),
      ]).finally(() => clearTimeout(stuck));
      console.info(`a silent RTSP camera given up by ffmpeg after ${Date.now() - t0} ms (timeout 1000 ms)`);
      expect(code).not.toBe(0);
      expect(explainFailure(code, scrub(err, [PASS])).message).toBe('the camera sent no usable answer in time (or the address is not a stream)');
    } finally {
      silent.close();
    }
  });
});
