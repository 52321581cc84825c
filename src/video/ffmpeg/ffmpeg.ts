/**
 * A small typed wrapper over the ffmpeg binary: argument arrays to child_process.spawn (never a
 * shell), validated input URLs, bounded output, a hard time limit, credentials never logged and
 * never in argv (input.ts: on stdin), failures named by cause (errors.ts).
 * Chosen over fluent-ffmpeg (archived repository, package deprecated upstream): the hub needs
 * three commands (one frame, a clip, an MJPEG stream), not a builder.
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { explainFailure, FfmpegError } from './errors.js';
import { planInput, type InputOptions, type InputPlan } from './input.js';

export { explainFailure, FfmpegError, type FfmpegErrorCode } from './errors.js';
export { ffconcatQuote, inputArgs, inputOptions, planInput, redact, validateMediaUrl, withCredentials, type InputOptions, type InputPlan } from './input.js';

export interface FfmpegBinary {
  path: string;
  /** Major version; 99 for a git build ("N-12345-g…"), which has the 5.x options. */
  major: number;
  versionLine: string;
  source: 'env' | 'path' | 'npm';
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function parseFfmpegVersion(out: string): { major: number; line: string } | null {
  const line = out.split('\n')[0]?.trim() ?? '';
  const m = /^ffmpeg version (?:n)?(\d+)\.(\d+)/i.exec(line);
  if (m) return { major: Number(m[1]), line };
  if (/^ffmpeg version N-/i.test(line)) return { major: 99, line };
  return null;
}

/**
 * Find ffmpeg: `SG_FFMPEG` (an absolute path), then `ffmpeg` on PATH (Debian's 5.1 in the image and
 * CI), then `@ffmpeg-installer/ffmpeg` if someone installed it (a 2018 4.1 static build; not a
 * dependency of SafeGrid). Returns null when none runs.
 */
export function locateFfmpeg(env: NodeJS.ProcessEnv = process.env): FfmpegBinary | null {
  const candidates: Array<{ path: string; source: FfmpegBinary['source'] }> = [];
  if (env.SG_FFMPEG) candidates.push({ path: env.SG_FFMPEG, source: 'env' });
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir) candidates.push({ path: join(dir, 'ffmpeg'), source: 'path' });
  try {
    const req = createRequire(import.meta.url);
    const mod = req('@ffmpeg-installer/ffmpeg') as { path?: string };
    if (mod.path) candidates.push({ path: mod.path, source: 'npm' });
  } catch {
    // Not installed: the optional fallback is simply absent.
  }
  for (const c of candidates) {
    if (!executable(c.path)) continue;
    const r = spawnSync(c.path, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 5000, env: ffmpegEnv() });
    const v = r.status === 0 ? parseFfmpegVersion(r.stdout) : null;
    if (v) return { path: c.path, major: v.major, versionLine: v.line, source: c.source };
  }
  return null;
}

/**
 * ffmpeg's whole environment: PATH, nothing else. The hub's environment holds camera passwords
 * (`password_env`), tokens and keys; ffmpeg needs none of it (it is given its input on stdin), and
 * /proc/PID/environ of a child is readable wherever its argv is.
 */
export function ffmpegEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' };
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
}

/**
 * Spawn ffmpeg (argument array, no shell). `stdin` is written and closed at once (the ffconcat list
 * that carries credentials, input.ts); without it stdin is closed empty.
 */
export function spawnFfmpeg(bin: FfmpegBinary, args: readonly string[], stdin: string | null): ChildProcessByStdio<Writable, Readable, Readable> {
  const child = spawn(bin.path, args, { stdio: ['pipe', 'pipe', 'pipe'], shell: false, windowsHide: true, env: ffmpegEnv() });
  // ffmpeg that fails before reading its list closes the pipe: EPIPE is not our error to raise.
  child.stdin.on('error', () => undefined);
  child.stdin.end(stdin ?? undefined);
  return child;
}

export interface RunFfmpeg {
  bin: FfmpegBinary;
  args: readonly string[];
  timeoutMs: number;
  /** Most bytes of stdout collected; more is a `too_large` failure. */
  maxBytes: number;
  /** Removed from ffmpeg's messages (default none). */
  secrets?: readonly string[];
  /** Written to ffmpeg's stdin (default: stdin closed empty). */
  stdin?: string | null;
}

/** Run ffmpeg to completion within `timeoutMs`, collecting at most `maxBytes` of stdout. */
export function runFfmpeg({ bin, args, timeoutMs, maxBytes, secrets = [], stdin = null }: RunFfmpeg): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnFfmpeg(bin, args, stdin);
    const out: Buffer[] = [];
    let size = 0;
    let err = '';
    let done = false;
    const finish = (e: FfmpegError | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
      if (e) reject(e);
      else resolve({ stdout: Buffer.concat(out), stderr: scrub(err, secrets) });
    };
    const timer = setTimeout(() => finish(new FfmpegError('timeout', `ffmpeg gave no result within ${timeoutMs} ms`)), timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) return finish(new FfmpegError('too_large', `ffmpeg output exceeds ${maxBytes} bytes`));
      out.push(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      if (err.length < 4000) err += c.toString('utf8');
    });
    child.on('error', (e) => finish(new FfmpegError('failed', `ffmpeg did not start: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) finish(null);
      else finish(explainFailure(code, scrub(err, secrets)));
    });
  });
}

/** Remove credentials from ffmpeg's messages (it echoes the input URL in errors). */
export function scrub(text: string, secrets: readonly string[]): string {
  let s = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/gi, '$1');
  for (const secret of secrets) if (secret && secret.length >= 3) s = s.split(secret).join('[redacted]');
  return s;
}

export interface Source {
  url: string;
  username: string | null;
  password: string | null;
}

export interface ClipOptions {
  /** Length asked for. */
  seconds: number;
  /** The MP4 file written. */
  outPath: string;
  /** ffmpeg is stopped after this, whatever it wrote. */
  timeoutMs: number;
  /** Encode to H.264 even from RTSP (a Motion JPEG camera); otherwise RTSP is copied. */
  transcode?: boolean;
}

export interface ClipResult {
  /** Seconds written, from ffmpeg's progress report. */
  seconds: number;
  /** The stream ended well before the clip was complete (the camera closed it). */
  cutShort: boolean;
}

/** The last `out_time_us` of ffmpeg's `-progress` report, in seconds. */
export function progressSeconds(report: string): number | null {
  const all = [...report.matchAll(/^out_time_us=(\d+)\s*$/gm)];
  const last = all.at(-1);
  return last ? Number(last[1]) / 1e6 : null;
}

/** Motion JPEG → H.264 a browser plays: baseline-friendly 4:2:0, fastest preset (a clip is short). */
const H264_ENCODE = ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p'];

/** Codecs (as an SDP names them) a clip or live view copies as they are; anything else is transcoded. */
export const COPYABLE_CODECS: ReadonlySet<string> = new Set(['H264', 'H265', 'HEVC']);

export class Ffmpeg {
  constructor(readonly bin: FfmpegBinary) {}

  /** How this source reaches ffmpeg (tests read `credentials` and `args`). */
  plan(src: Source, o: InputOptions): InputPlan {
    return planInput(this.bin, src, o);
  }

  /** One JPEG frame (FIELD-NOTES: ~0.45 s from RTSP with the fast probe). */
  async snapshot(src: Source, timeoutMs: number): Promise<Buffer> {
    const p = this.plan(src, { timeoutMs, fastProbe: true, noFpsProbe: true });
    const r = await runFfmpeg({
      bin: this.bin,
      args: [...p.args, '-an', '-frames:v', '1', '-f', 'image2', '-c:v', 'mjpeg', '-q:v', '4', 'pipe:1'],
      timeoutMs,
      maxBytes: 16 * 1024 * 1024,
      secrets: p.secrets,
      stdin: p.stdin,
    });
    if (r.stdout.length === 0) throw new FfmpegError('ended', 'the camera ended the stream before sending a picture');
    if (r.stdout.length < 4 || r.stdout[0] !== 0xff || r.stdout[1] !== 0xd8) throw new FfmpegError('failed', 'ffmpeg produced no JPEG');
    return r.stdout;
  }

  /**
   * A clip of `seconds` into `outPath`, always MP4 with the index at the front (`+faststart`) so a
   * browser starts playing before the whole file is in. H.264/H.265 from an RTSP camera is copied
   * (no re-encode); Motion JPEG (`transcode`, and every HTTP MJPEG camera) is encoded to H.264 —
   * Chromium does not play MJPEG in MP4. ffmpeg ends *successfully* when the camera closes the
   * connection, so the length written is read from its `-progress` report and a clip that stops
   * early says so.
   */
  async clip(src: Source, { seconds, outPath, timeoutMs, transcode = false }: ClipOptions): Promise<ClipResult> {
    const p = this.plan(src, { timeoutMs: Math.min(timeoutMs, 5000) });
    const rtsp = /^rtsps?:/i.test(src.url);
    const codec = rtsp && !transcode ? ['-c', 'copy'] : H264_ENCODE;
    const r = await runFfmpeg({
      bin: this.bin,
      args: [...p.args, '-an', '-t', String(seconds), ...codec, '-f', 'mp4', '-movflags', '+faststart', '-progress', 'pipe:1', '-nostats', '-y', outPath],
      timeoutMs,
      maxBytes: 256 * 1024,
      secrets: p.secrets,
      stdin: p.stdin,
    });
    const got = progressSeconds(r.stdout.toString('utf8'));
    if (!got) throw new FfmpegError('ended', 'the camera ended the stream before sending a picture');
    return { seconds: got, cutShort: got < seconds - Math.max(1, seconds * 0.2) };
  }

  /**
   * A live MJPEG elementary stream on stdout (JPEG after JPEG), for live.ts to cut into frames and
   * serve as `multipart/x-mixed-replace`. The caller kills it when the last viewer leaves.
   */
  mjpeg(src: Source, o: { fps: number; width: number; timeoutMs: number }): { child: ChildProcessByStdio<Writable, Readable, Readable>; secrets: string[] } {
    const p = this.plan(src, { timeoutMs: o.timeoutMs, noFpsProbe: true });
    const child = spawnFfmpeg(
      this.bin,
      [...p.args, '-an', '-vf', `fps=${o.fps},scale=${o.width}:-2`, '-c:v', 'mjpeg', '-q:v', '6', '-f', 'mjpeg', 'pipe:1'],
      p.stdin,
    );
    return { child, secrets: p.secrets };
  }

  /**
   * Live H.264 without transcoding: the camera's stream copied into fragmented MP4 on stdout
   * (`frag_keyframe`: a key frame starts a new fragment; `empty_moov`: the init segment comes
   * first; `default_base_moof`: what Media Source Extensions expects). The caller kills it.
   */
  fmp4(src: Source, o: { timeoutMs: number }): { child: ChildProcessByStdio<Writable, Readable, Readable>; secrets: string[] } {
    const p = this.plan(src, { timeoutMs: o.timeoutMs, fastProbe: true, noFpsProbe: true });
    const child = spawnFfmpeg(
      this.bin,
      [
        ...p.args,
        ...['-an', '-c:v', 'copy', '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof'],
        // A fragment at least every 100 ms, not only at key frames: with a 2 s GOP the first picture
        // would otherwise wait for the whole GOP. A viewer who joins later starts at the last key
        // frame the hub kept (live.ts), so fragments without one do no harm.
        ...['-frag_duration', '100000', '-flush_packets', '1', 'pipe:1'],
      ],
      p.stdin,
    );
    return { child, secrets: p.secrets };
  }
}
