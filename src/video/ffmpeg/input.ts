/**
 * The input half of an ffmpeg command: which URLs may be opened, the options that fit the scheme
 * and the ffmpeg version, and how the camera's credentials reach ffmpeg.
 *
 * Credentials stay out of argv (which every local user can read in `ps` or /proc/PID/cmdline).
 * ffmpeg's RTSP and HTTP clients take a user name and password only from the URL's userinfo; so on
 * ffmpeg ≥ 5 the input is the concat demuxer reading a one-entry ffconcat list from stdin
 * (`-f concat -safe 0 -i pipe:0`), and the list names the URL with credentials and, as `option`
 * lines, the same per-input options as before (ffconcat `option`, new in 5.0). argv then holds
 * only `pipe:0`. `-protocol_whitelist` limits what the list may open to the network protocols of
 * the camera's scheme (no `file`, no `pipe` beyond the list itself), which the argv form never did.
 * `-safe 0` is needed because "unsafe" to concat means any URL with a protocol; the list is ours,
 * built from a validated URL and quoted. ffmpeg 4.x (the optional npm build) has no `option`
 * directive, so there the URL with credentials is still passed in argv.
 */
import { FfmpegError } from './errors.js';

export interface FfmpegVersion {
  /** Major version; 99 for a git build. */
  major: number;
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
  if (/^(file|concat|pipe|subfile|data|async|cache|crypto|fd|unix|tee)[:,]/i.test(raw))
    throw new FfmpegError('bad_url', 'local or composite ffmpeg protocols are refused');
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

/** Put credentials into the URL (RTSP and HTTP auth in ffmpeg come only from there). */
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
  /**
   * Do not count frames to guess the frame rate (`-fpsprobesize 0`). For live view, which re-times
   * its output with an fps filter anyway: ffmpeg otherwise reads 20 frames of a stream that does
   * not state its rate (Motion JPEG over RTP), 4 s at 5 fps before the first picture.
   */
  noFpsProbe?: boolean;
}

/** The per-input options (name, value) for this scheme and ffmpeg version. */
export function inputOptions(bin: FfmpegVersion, url: URL, o: InputOptions): Array<[string, string]> {
  const us = String(Math.max(1, Math.round(o.timeoutMs * 1000)));
  const opts: Array<[string, string]> = [];
  if (url.protocol === 'rtsp:' || url.protocol === 'rtsps:') {
    // 5.x: -timeout is the socket I/O timeout. 4.x: it is -stimeout, and -timeout there makes the
    // input *listen* as an RTSP server instead (FIELD-NOTES).
    opts.push(['rtsp_transport', 'tcp'], [bin.major >= 5 ? 'timeout' : 'stimeout', us]);
  } else {
    // HTTP (MJPEG cameras): read timeout, and timestamps from arrival (MJPEG has none of its own).
    opts.push(['rw_timeout', us], ['use_wallclock_as_timestamps', '1']);
  }
  if (o.fastProbe) opts.push(['analyzeduration', '0'], ['probesize', '32768']);
  if (o.noFpsProbe) opts.push(['fpsprobesize', '0']);
  return opts;
}

const HEAD = ['-hide_banner', '-nostdin', '-loglevel', 'error'];

/** The input half of a command with the URL (and any credentials in it) in argv. */
export function inputArgs(bin: FfmpegVersion, url: URL, authUrl: string, o: InputOptions): string[] {
  return [...HEAD, ...inputOptions(bin, url, o).flatMap(([k, v]) => [`-${k}`, v]), '-i', authUrl];
}

/** ffconcat quoting: inside '…' everything is literal, so a ' is closed, escaped and reopened. */
export function ffconcatQuote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

const WHITELIST: Record<string, string> = {
  'rtsp:': 'pipe,tcp',
  'rtsps:': 'pipe,tcp,tls',
  'http:': 'pipe,http,https,tcp,tls',
  'https:': 'pipe,http,https,tcp,tls',
};

export interface InputPlan {
  /** Arguments up to and including `-i …`. */
  args: string[];
  /** Written to ffmpeg's stdin (the ffconcat list with the credentials), or null. */
  stdin: string | null;
  /** Strings to scrub from ffmpeg's messages. */
  secrets: string[];
  /** Where the credentials travel. */
  credentials: 'none' | 'stdin' | 'argv';
}

export interface InputSource {
  url: string;
  username: string | null;
  password: string | null;
}

/** How to give ffmpeg this camera's stream: validated, options chosen, credentials kept off argv. */
export function planInput(bin: FfmpegVersion, src: InputSource, o: InputOptions): InputPlan {
  let url: URL;
  try {
    url = validateMediaUrl(src.url);
  } catch (e) {
    throw e instanceof FfmpegError ? new FfmpegError('bad_url', `${e.message}: ${redact(src.url).slice(0, 120)}`) : e;
  }
  const authUrl = withCredentials(url, src.username, src.password);
  const encoded = new URL(authUrl).password;
  const secrets = [...new Set([src.password ?? '', encoded, safeDecode(encoded)])].filter(Boolean);
  const hasCredentials = new URL(authUrl).username !== '' || new URL(authUrl).password !== '';
  if (!hasCredentials) return { args: inputArgs(bin, url, authUrl, o), stdin: null, secrets, credentials: 'none' };
  if (bin.major < 5) return { args: inputArgs(bin, url, authUrl, o), stdin: null, secrets, credentials: 'argv' };
  const opts = inputOptions(bin, url, o);
  const list = ['ffconcat version 1.0', `file ${ffconcatQuote(authUrl)}`, ...opts.map(([k, v]) => `option ${k} ${v}`), ''].join('\n');
  const args = [...HEAD, '-f', 'concat', '-safe', '0', '-protocol_whitelist', WHITELIST[url.protocol]!];
  // The outer demuxer probes the concat stream too; a snapshot wants both quick.
  if (o.fastProbe) args.push('-analyzeduration', '0', '-probesize', '32768');
  if (o.noFpsProbe) args.push('-fpsprobesize', '0');
  args.push('-i', 'pipe:0');
  return { args, stdin: list, secrets, credentials: 'stdin' };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
