/**
 * Health that proves the stream: an RTSP OPTIONS, then a DESCRIBE with the camera's login, so a
 * wrong password is "not authorised" rather than "port open, so online" (issue 16).
 *
 * Credentials go only where the URL points, and only as Digest (RFC 2617/7616 as RTSP uses it:
 * the request-URI is the absolute rtsp:// URL) — Basic is sent ONLY inside TLS (rtsps). A camera
 * that asks for Basic over plain TCP gets no password; the probe fails with that reason, so the
 * installer can switch the camera to Digest or RTSPS.
 *
 * The wire format (RFC 2326 §6–7) is built and parsed by the pure functions below; `probeRtsp` is
 * the one I/O function: one connection, at most three requests, bounded replies, one deadline.
 */
import net from 'node:net';
import tls from 'node:tls';
import { digestAuthorization, parseChallenges, pickDigest } from './onvif/digest.js';
import { OnvifError } from './onvif/errors.js';

/** Largest RTSP reply read (headers + SDP). A camera's SDP is 1–2 KiB. */
const MAX_REPLY = 64 * 1024;

export interface RtspReply {
  status: number;
  reason: string;
  headers: Map<string, string[]>;
  body: string;
}

/** One RTSP request, CRLF-terminated (RFC 2326 §6). */
export function rtspRequest(method: string, url: string, cseq: number, headers: Record<string, string> = {}): string {
  const lines = [`${method} ${url} RTSP/1.0`, `CSeq: ${cseq}`, 'User-Agent: SafeGrid', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * A complete reply at the start of `buf`, with the number of bytes it used, or null when more
 * bytes are needed. Throws on something that is not an RTSP reply.
 */
export function parseRtspReply(buf: Buffer): { reply: RtspReply; used: number } | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) {
    if (buf.length > MAX_REPLY) throw new OnvifError('too_large', `RTSP reply headers exceed ${MAX_REPLY} bytes`);
    return null;
  }
  const head = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^RTSP\/1\.\d (\d{3}) ?(.*)$/.exec(head[0] ?? '');
  if (!m) throw new OnvifError('malformed', `not an RTSP reply: ${(head[0] ?? '').slice(0, 60)}`);
  const headers = new Map<string, string[]>();
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const k = line.slice(0, i).trim().toLowerCase();
    headers.set(k, [...(headers.get(k) ?? []), line.slice(i + 1).trim()]);
  }
  const length = Number(headers.get('content-length')?.[0] ?? '0');
  if (!Number.isFinite(length) || length < 0 || length > MAX_REPLY) throw new OnvifError('too_large', `RTSP reply body of ${length} bytes refused`);
  if (buf.length < end + 4 + length) return null;
  const body = buf.subarray(end + 4, end + 4 + length).toString('utf8');
  return { reply: { status: Number(m[1]), reason: m[2] ?? '', headers, body }, used: end + 4 + length };
}

/** The video codec an SDP offers (`H264`, `H265`, `JPEG`…), from its first video media's rtpmap. */
export function sdpVideoCodec(sdp: string): string | null {
  const lines = sdp.split(/\r?\n/);
  let inVideo = false;
  let pt: string | null = null;
  for (const line of lines) {
    if (line.startsWith('m=')) {
      if (inVideo) break;
      const m = /^m=video \d+ \S+ (\d+)/.exec(line);
      inVideo = Boolean(m);
      pt = m?.[1] ?? null;
      continue;
    }
    if (!inVideo) continue;
    const r = /^a=rtpmap:(\d+) ([A-Za-z0-9-]+)\//.exec(line);
    if (r && r[1] === pt) return r[2]!.toUpperCase();
  }
  // Static payload type 26 is JPEG (RFC 3551) and needs no rtpmap.
  return pt === '26' ? 'JPEG' : null;
}

export type AuthChoice = { kind: 'digest'; header: string } | { kind: 'basic'; header: string } | { kind: 'refuse'; reason: string };

/**
 * What to answer a 401 with. Digest (the strongest offered) always; Basic only over TLS — on
 * plain RTSP it would send the password readable to anyone on the path.
 */
export function chooseAuth(challenges: readonly string[], o: { method: string; url: string; username: string; password: string; tls: boolean }): AuthChoice {
  const parsed = parseChallenges(challenges);
  const digest = pickDigest(parsed);
  if (digest)
    return { kind: 'digest', header: digestAuthorization({ challenge: digest, username: o.username, password: o.password, method: o.method, uri: o.url }) };
  if (parsed.some((c) => c.scheme === 'basic')) {
    if (o.tls) return { kind: 'basic', header: `Basic ${Buffer.from(`${o.username}:${o.password}`, 'utf8').toString('base64')}` };
    return { kind: 'refuse', reason: 'the camera asks for Basic authentication over plain RTSP; SafeGrid sends passwords only with Digest, or over RTSPS' };
  }
  return { kind: 'refuse', reason: `the camera offers no authentication SafeGrid supports (${parsed.map((c) => c.scheme).join(', ') || 'none'})` };
}

export interface RtspProbeResult {
  /** Video codec of the stream's SDP (`H264`, `JPEG`, …), or null when not stated. */
  codec: string | null;
  /** How the login went: none needed, Digest, Basic inside TLS. */
  auth: 'none' | 'digest' | 'basic-tls';
}

export interface RtspProbeOptions {
  username: string | null;
  password: string | null;
  timeoutMs: number;
  /** Extra options for rtsps (tests pass a CA). */
  tls?: tls.ConnectionOptions;
}

/**
 * OPTIONS, then DESCRIBE (answering one 401 with the camera's login). Resolves with the stream's
 * codec; rejects with `OnvifError` `not_authorized` (the camera refused the login, or asks for it
 * and none is configured), `unsupported` (Basic over plain TCP refused, or an unknown scheme),
 * `http_status` (another status), `timeout`, `unreachable`, `malformed`, `bad_url`.
 */
export function probeRtsp(rawUrl: string, o: RtspProbeOptions): Promise<RtspProbeResult> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return Promise.reject(new OnvifError('bad_url', 'stream address is not a URL'));
  }
  if (url.protocol !== 'rtsp:' && url.protocol !== 'rtsps:') return Promise.reject(new OnvifError('bad_url', `not an RTSP address (${url.protocol})`));
  const secure = url.protocol === 'rtsps:';
  // Credentials in the URL itself are taken out: they travel only as the Authorization below.
  const username = o.username ?? (url.username ? decodeURIComponent(url.username) : null);
  const password = o.password ?? (url.password ? decodeURIComponent(url.password) : null);
  url.username = '';
  url.password = '';
  const target = url.toString();
  const port = Number(url.port || (secure ? 322 : 554));
  const host = url.hostname.replace(/^\[|\]$/g, '');

  return new Promise((resolve, reject) => {
    const socket = secure ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...o.tls }) : net.connect({ host, port });
    let buf: Buffer = Buffer.alloc(0);
    let cseq = 0;
    let settled = false;
    let step: 'options' | 'describe' | 'describe-auth' = 'options';
    let authKind: RtspProbeResult['auth'] = 'none';
    const finish = (err: Error | null, value?: RtspProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(() => finish(new OnvifError('timeout', `no RTSP answer within ${o.timeoutMs} ms`)), o.timeoutMs);
    const send = (method: string, headers: Record<string, string> = {}): void => {
      socket.write(rtspRequest(method, target, ++cseq, headers));
    };
    socket.once(secure ? 'secureConnect' : 'connect', () => send('OPTIONS'));
    socket.on('error', (e: NodeJS.ErrnoException) => finish(new OnvifError('unreachable', e.code ?? e.message)));
    socket.on('close', () => finish(new OnvifError('unreachable', 'the camera closed the connection')));
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      let parsed: ReturnType<typeof parseRtspReply>;
      try {
        parsed = parseRtspReply(buf);
      } catch (e) {
        return finish(e as Error);
      }
      if (!parsed) return;
      buf = buf.subarray(parsed.used);
      const r = parsed.reply;
      if (step === 'options') {
        // Some cameras want a login even for OPTIONS; DESCRIBE below answers that challenge anyway.
        step = 'describe';
        return send('DESCRIBE', { Accept: 'application/sdp' });
      }
      if (r.status === 200) return finish(null, { codec: sdpVideoCodec(r.body), auth: authKind });
      if (r.status === 401 && step === 'describe') {
        if (!username) return finish(new OnvifError('not_authorized', 'the camera asks for a login and none is configured (RTSP 401)'));
        const choice = chooseAuth(r.headers.get('www-authenticate') ?? [], {
          method: 'DESCRIBE',
          url: target,
          username,
          password: password ?? '',
          tls: secure,
        });
        if (choice.kind === 'refuse') return finish(new OnvifError('unsupported', choice.reason));
        authKind = choice.kind === 'digest' ? 'digest' : 'basic-tls';
        step = 'describe-auth';
        return send('DESCRIBE', { Accept: 'application/sdp', Authorization: choice.header });
      }
      if (r.status === 401 || r.status === 403)
        return finish(new OnvifError('not_authorized', `the camera refused the user name or password (RTSP ${r.status} ${r.reason})`.trim()));
      return finish(new OnvifError('http_status', `the camera answered DESCRIBE with RTSP ${r.status} ${r.reason}`.trim()));
    });
  });
}
