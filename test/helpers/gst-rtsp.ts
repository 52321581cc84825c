/**
 * An H.264 (or Motion JPEG) RTSP camera that SafeGrid did not write: Debian's gst-rtsp-server,
 * run by test/helpers/gst-rtsp-server.py under /usr/bin/python3, on a free loopback port, with or
 * without RTSP Digest. Started and stopped by PID (never by name).
 *
 * Without the Debian packages the tests that need it are skipped with the reason; in CI (CI=true)
 * that is a failure instead, because .ci/run installs them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, 'gst-rtsp-server.py');

/** Python with GStreamer's RTSP server, x264enc and rtph264pay available. */
export const HAVE_GST_RTSP: boolean = (() => {
  if (!existsSync(PYTHON)) return false;
  const probe = [
    'import gi',
    "gi.require_version('Gst','1.0'); gi.require_version('GstRtspServer','1.0')",
    'from gi.repository import Gst, GstRtspServer',
    'Gst.init(None)',
    "assert all(Gst.ElementFactory.find(e) for e in ['x264enc','rtph264pay','rtpjpegpay','jpegenc','videotestsrc'])",
  ].join('\n');
  return spawnSync(PYTHON, ['-c', probe], { timeout: 20_000 }).status === 0;
})();
export const GST_SKIP_REASON =
  'GStreamer RTSP tests skipped: apt-get install python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-ugly gstreamer1.0-plugins-good';

export interface GstCamera {
  port: number;
  pid: number;
  /** rtsp://127.0.0.1:PORT/stream (no credentials). */
  url: string;
  stop(): Promise<void>;
}

export interface GstCameraOptions {
  codec?: 'h264' | 'mjpeg';
  /** Require RTSP Digest with this login. */
  digest?: { username: string; password: string };
  fps?: number;
  gop?: number;
  /** Picture size (default 320×240). */
  width?: number;
  height?: number;
}

export async function startGstCamera(o: GstCameraOptions = {}): Promise<GstCamera> {
  const args = [SCRIPT, '--codec', o.codec ?? 'h264', '--fps', String(o.fps ?? 15), '--gop', String(o.gop ?? 15)];
  args.push('--width', String(o.width ?? 320), '--height', String(o.height ?? 240));
  if (o.digest) args.push('--digest', `${o.digest.username}:${o.digest.password}`);
  // Its own environment: nothing of the test process's (GStreamer reads GST_* variables).
  const child: ChildProcess = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin' } });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => {
    if (err.length < 4000) err += c.toString('utf8');
  });
  const port = await new Promise<number>((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`gst-rtsp-server did not start within 30 s: ${err}`)), 30_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = /READY (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`gst-rtsp-server exited ${code}: ${err}`));
    });
  });
  const pid = child.pid!;
  return {
    port,
    pid,
    url: `rtsp://127.0.0.1:${port}/stream`,
    stop: () =>
      new Promise<void>((ok) => {
        if (child.exitCode !== null || child.signalCode !== null) return ok();
        child.once('exit', () => ok());
        child.kill('SIGTERM');
        // A pipeline stuck in a state change does not see SIGTERM: the kill follows, by PID.
        setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
