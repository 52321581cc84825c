/**
 * A small typed wrapper over the ffmpeg binary: argument arrays to child_process.spawn (never a
 * shell), validated input URLs, bounded output, a hard time limit, credentials never logged.
 * Chosen over fluent-ffmpeg (archived repository, package deprecated upstream): the hub needs
 * three commands (one frame, a clip, an MJPEG stream), not a builder.
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';

export interface FfmpegBinary {
  path: string;
  /** Major version; 99 for a git build ("N-12345-g…"), which has the 5.x options. */
  major: number;
  versionLine: string;
  source: 'env' | 'path' | 'npm';
}

export class FfmpegError extends Error {
  constructor(
    readonly code: 'no_binary' | 'bad_url' | 'timeout' | 'failed' | 'too_large',
    message: string,
  ) {
    super(message);
    this.name = 'FfmpegError';
  }
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
    const r = spawnSync(c.path, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 5000 });
    const v = r.status === 0 ? parseFfmpegVersion(r.stdout) : null;
    if (v) return { path: c.path, major: v.major, versionLine: v.line, source: c.source };
  }
  return null;
}

const ALLOWED_SCHEMES = new Set(['rtsp:', 'rtsps:', 'http:', 'https:']);

/**
 * A camera URL ffmpeg may open. ffmpeg treats its input as a protocol spec, so `file:`, `concat:`,
 * `pipe:`, `subfile,` or a leading `-` (an option) would read local files or change the command.
 */
export function validateMediaUrl(raw: string): URL {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) throw new FfmpegError('bad_url', 'URL empty or longer than 2048 characters');
  if (raw.startsWith('-')) throw new FfmpegError('bad_url', 'URL starts with "-"');
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) throw new FfmpegError('bad_url', 'URL contains whitespace or control characters');
  if (/^(file|concat|pipe|subfile|data|async|cache|crypto|fd|unix|tee)[:,]/i.test(raw)) throw new FfmpegError('bad_url', 'local or composite ffmpeg protocols are refused');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FfmpegError('bad_url', 'not an absolute URL');
  }
  if (!ALLOWED_SCHEMES.has(url.protocol)) throw new FfmpegError('bad_url', `scheme ${url.protocol} refused; expected rtsp, rtsps, http or https`);
  if (!url.hostname) throw new FfmpegError('bad_url', 'URL has no host');
  return url;
}

/** `rtsp://user:pw@h/x` → `rtsp://h/x`. */
export function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i, '$1');
}

/** Put credentials into the URL ffmpeg opens (RTSP and HTTP auth in ffmpeg come only from there). */
export function withCredentials(url: URL, username: string | null, password: string | null): string {
  if (!username || url.username) return url.toString();
  const u = new URL(url.toString());
  u.username = username;
  u.password = password ?? '';
  return u.toString();
}

export interface InputOptions {
  /** Connect/read time limit, ms. */
  timeoutMs: number;
  /** Quick start for one frame: `-analyzeduration 0 -probesize 32768`. */
  fastProbe?: boolean;
}

/** The input half of a command, with the options that fit the scheme and the ffmpeg version. */
export function inputArgs(bin: Pick<FfmpegBinary, 'major'>, url: URL, authUrl: string, o: InputOptions): string[] {
  const us = String(Math.max(1, Math.round(o.timeoutMs * 1000)));
  const args: string[] = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  if (url.protocol === 'rtsp:' || url.protocol === 'rtsps:') {
    // 5.x: -timeout is the socket I/O timeout. 4.x: it is -stimeout, and -timeout there makes the
    // input *listen* as an RTSP server instead (FIELD-NOTES).
    args.push('-rtsp_transport', 'tcp', bin.major >= 5 ? '-timeout' : '-stimeout', us);
  } else {
    // HTTP (MJPEG cameras): read timeout, and timestamps from arrival (MJPEG has none of its own).
    args.push('-rw_timeout', us, '-use_wallclock_as_timestamps', '1');
  }
  if (o.fastProbe) args.push('-analyzeduration', '0', '-probesize', '32768');
  args.push('-i', authUrl);
  return args;
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
}

/** Run ffmpeg to completion within `timeoutMs`, collecting at most `maxBytes` of stdout. */
export function runFfmpeg(bin: FfmpegBinary, args: readonly string[], timeoutMs: number, maxBytes: number, secrets: readonly string[] = []): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin.path, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: false, windowsHide: true });
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
      else finish(new FfmpegError('failed', `ffmpeg exited ${code}: ${scrub(err, secrets).trim().split('\n').slice(-2).join(' ').slice(0, 300)}`));
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

export class Ffmpeg {
  constructor(readonly bin: FfmpegBinary) {}

  private input(src: Source, o: InputOptions): { args: string[]; secrets: string[] } {
    let url: URL;
    try {
      url = validateMediaUrl(src.url);
    } catch (e) {
      throw e instanceof FfmpegError ? new FfmpegError('bad_url', `${e.message}: ${redact(src.url).slice(0, 120)}`) : e;
    }
    const authUrl = withCredentials(url, src.username, src.password);
    return { args: inputArgs(this.bin, url, authUrl, o), secrets: [src.password ?? '', decodeURIComponent(url.password)].filter(Boolean) };
  }

  /** One JPEG frame (FIELD-NOTES: ~0.45 s from RTSP with the fast probe). */
  async snapshot(src: Source, timeoutMs: number): Promise<Buffer> {
    const { args, secrets } = this.input(src, { timeoutMs, fastProbe: true });
    const r = await runFfmpeg(this.bin, [...args, '-an', '-frames:v', '1', '-f', 'image2', '-c:v', 'mjpeg', '-q:v', '4', 'pipe:1'], timeoutMs, 16 * 1024 * 1024, secrets);
    if (r.stdout.length < 4 || r.stdout[0] !== 0xff || r.stdout[1] !== 0xd8) throw new FfmpegError('failed', 'ffmpeg produced no JPEG');
    return r.stdout;
  }

  /**
   * A clip of `seconds` into `outPath` (.mp4). RTSP H.264/H.265 is copied (`-c copy`); an MJPEG
   * HTTP source has no stream to copy into MP4 cleanly, so it is re-encoded as MJPEG in Matroska.
   */
  async clip(src: Source, seconds: number, outPath: string, timeoutMs: number): Promise<void> {
    const { args, secrets } = this.input(src, { timeoutMs: Math.min(timeoutMs, 5000) });
    const rtsp = /^rtsps?:/i.test(src.url);
    const codec = rtsp ? ['-c', 'copy', '-f', 'mp4', '-movflags', '+faststart'] : ['-c:v', 'copy', '-f', 'matroska'];
    await runFfmpeg(this.bin, [...args, '-an', '-t', String(seconds), ...codec, '-y', outPath], timeoutMs, 1024, secrets);
  }

  /**
   * A live MJPEG elementary stream on stdout (JPEG after JPEG), for live.ts to cut into frames and
   * serve as `multipart/x-mixed-replace`. The caller kills it when the last viewer leaves.
   */
  mjpeg(src: Source, o: { fps: number; width: number; timeoutMs: number }): { child: ChildProcessByStdio<null, Readable, Readable>; secrets: string[] } {
    const { args, secrets } = this.input(src, { timeoutMs: o.timeoutMs });
    const child = spawn(
      this.bin.path,
      [...args, '-an', '-vf', `fps=${o.fps},scale=${o.width}:-2`, '-c:v', 'mjpeg', '-q:v', '6', '-f', 'mjpeg', 'pipe:1'],
      { stdio: ['ignore', 'pipe', 'pipe'], shell: false, windowsHide: true },
    );
    return { child, secrets };
  }
}
