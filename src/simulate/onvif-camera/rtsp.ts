/**
 * The simulated camera's RTSP server: RTSP 1.0 (RFC 2326) serving Motion JPEG over RTP (RFC 3550,
 * RFC 2435) interleaved on the RTSP TCP connection, with Digest (RFC 2617, MD5) or Basic
 * authentication. Written from the RFCs, independent of ffmpeg's client, so that each checks the
 * other. The pieces: rtsp-wire.ts (message framing), rtsp-auth.ts (401 and its answers), rtp.ts
 * (RTP/RTCP packets), rtp-jpeg.ts (JPEG → fragments), frames.ts (the picture).
 *
 *   rtsp://HOST:PORT/stream/main          aggregate control URL (also /stream/sub, same picture)
 *   rtsp://HOST:PORT/stream/main/track1   the one video track (SDP a=control:track1)
 *
 * Methods: OPTIONS (no credentials), DESCRIBE (SDP, RFC 4566), SETUP (RTP/AVP/TCP interleaved
 * only), PLAY, PAUSE, TEARDOWN, GET_PARAMETER and SET_PARAMETER (keep-alive; no parameters known).
 * Status codes: 400 (broken message: answered, then the connection closes since framing is lost),
 * 401 (+ WWW-Authenticate, `stale=true` after 5 minutes), 404, 405 (ANNOUNCE, RECORD; with Allow),
 * 406 (Accept without SDP), 413, 451, 454 (Session missing, unknown, expired or of another
 * connection), 455 (SETUP while playing, RECORD on a play session), 461 (UDP, multicast, RECORD
 * mode), 501 (unknown method), 503 (more than `maxClients` connections or 4 sessions on one), 505.
 * Every answer echoes CSeq; a request without one gets 400.
 *
 * Sessions time out after `sessionTimeoutSec` (default 60, announced as `Session: id;timeout=N`)
 * without a request naming them or RTCP from the client; the connection closes with its last
 * session. A client that stops reading does not grow memory: a frame is skipped while more than
 * `maxQueuedBytes` wait in its socket, and the connection is dropped at four times that. A client
 * that disconnects mid-stream just ends its sessions. Garbage never throws out of a handler.
 *
 * Where it differs from real cameras:
 * - Motion JPEG (RFC 2435), not H.264/H.265 (RFC 6184/7798) as on most cameras' main streams
 *   (many offer MJPEG on a sub-stream). Chosen for simplicity: frames.ts already makes JPEGs, and
 *   every RTP frame stands alone (no SPS/PPS, no waiting for a key frame). Debian's ffmpeg could
 *   encode H.264 (libx264), so this is a choice, not a limit; but it means the H.264 paths of the
 *   hub (key-frame wait in a snapshot, H.264 copied into MP4) are not exercised: clips here are
 *   MJPEG copied into MP4.
 * - RTP over TCP only (interleaved); RTP/UDP and multicast get 461. ffmpeg's default transport
 *   falls back to TCP on 461; the hub always asks for TCP (`-rtsp_transport tcp`).
 * - No RTSP over HTTP tunnelling, no RTSPS, no Scale/Speed, no Range other than live (`npt=now-`),
 *   no audio or ONVIF metadata track, no backchannel.
 * - OPTIONS answers without credentials (several vendors require them there too).
 * - Digest nonce counts are not checked for replay; Digest SHA-256 (RFC 7616) is not offered.
 * - One encoder shared by all clients (every viewer sees the same frames), 5 fps by default.
 */
import { randomBytes, randomInt } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { FrameSource } from './frames.js';
import { interleave, rtpHeader, senderReport } from './rtp.js';
import { JpegError, packetizeJpeg, parseJpeg } from './rtp-jpeg.js';
import { RtspAuth, type Credentials, type RtspAuthScheme } from './rtsp-auth.js';
import { formatResponse, params, RtspParser, type RtspRequest } from './rtsp-wire.js';

export interface RtspServerOptions {
  host: string;
  /** 0 = any free port. */
  port?: number;
  frames: FrameSource;
  auth?: RtspAuthScheme;
  credentials: () => Credentials;
  /** The SDP session name and RTCP CNAME. */
  name?: string;
  realm?: string;
  sessionTimeoutSec?: number;
  maxClients?: number;
  maxQueuedBytes?: number;
  /** RTP payload size limit (JPEG header included); 1400 fits an Ethernet MTU like a camera's. */
  maxPayload?: number;
  fps?: number;
}

export const PROFILES = ['main', 'sub'] as const;
const PUBLIC = 'OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER';
const MAX_SESSIONS_PER_CONNECTION = 4;
const SR_INTERVAL_MS = 5000;
const JPEG_PT = 26; // RFC 3551 static payload type for JPEG, 90 kHz

interface Conn {
  socket: net.Socket;
  parser: RtspParser;
  sessions: Set<Session>;
  lastSeen: number;
  /** Over the connection limit: the first request gets 503, then it closes. */
  refused: boolean;
}

/** One answer: to which request (null: one that could not be parsed), its status, the CSeq to echo, headers, body. */
interface Answer {
  r: RtspRequest | null;
  status: number;
  cseq: string | null;
  headers?: Array<[string, string | number]>;
  body?: string;
}

interface Session {
  id: string;
  conn: Conn;
  profile: string;
  channel: number;
  state: 'ready' | 'playing';
  ssrc: number;
  seq: number;
  tsBase: number;
  t0: number;
  packets: number;
  octets: number;
  lastSeen: number;
  lastSr: number;
  off: (() => void) | null;
}

type Target = { star: true } | { star: false; profile: string; track: boolean };

export class RtspServer {
  private server: net.Server | null = null;
  private boundPort = 0;
  private readonly conns = new Set<Conn>();
  private readonly sessions = new Map<string, Session>();
  private readonly auth: RtspAuth;
  private sweeper: NodeJS.Timeout | null = null;
  private cache: { jpeg: Buffer; payloads: Buffer[] | null } | null = null;
  private readonly o: Required<Omit<RtspServerOptions, 'frames' | 'credentials'>> & Pick<RtspServerOptions, 'frames' | 'credentials'>;
  /** What happened, for tests: `METHOD status` per answer (last 500), counters. */
  readonly stats = { answers: [] as string[], framesSent: 0, framesSkipped: 0, badFrames: 0, sessionsOpened: 0, sessionsTimedOut: 0, peakQueuedBytes: 0 };

  constructor(options: RtspServerOptions) {
    this.o = {
      host: options.host,
      port: options.port ?? 0,
      frames: options.frames,
      auth: options.auth ?? 'digest',
      credentials: options.credentials,
      name: options.name ?? 'SafeGrid simulated camera',
      realm: options.realm ?? 'sim-camera',
      sessionTimeoutSec: options.sessionTimeoutSec ?? 60,
      maxClients: options.maxClients ?? 16,
      maxQueuedBytes: options.maxQueuedBytes ?? 512 * 1024,
      maxPayload: options.maxPayload ?? 1400,
      fps: options.fps ?? 5,
    };
    this.auth = new RtspAuth(this.o.auth, this.o.realm, this.o.credentials);
  }

  get port(): number {
    return this.boundPort;
  }

  get connections(): number {
    return this.conns.size;
  }

  /** Requests let in, by authentication scheme. */
  get authAccepted(): { digest: number; basic: number } {
    return this.auth.accepted;
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  /** The URL of a profile's stream (what ONVIF GetStreamUri returns). */
  url(profile: string = 'main'): string {
    const host = this.o.host.includes(':') ? `[${this.o.host}]` : this.o.host;
    return `rtsp://${host}:${this.boundPort}/stream/${profile}`;
  }

  /** Listen (again on the same port after `stop`, when it was bound before). */
  async start(): Promise<this> {
    if (this.server) return this;
    const server = net.createServer((s) => this.accept(s));
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(this.boundPort || this.o.port, this.o.host, () => ok());
    });
    server.on('error', () => undefined);
    this.server = server;
    this.boundPort = (server.address() as net.AddressInfo).port;
    this.sweeper = setInterval(() => this.sweep(), 1000);
    this.sweeper.unref();
    return this;
  }

  /** Close the listener and every connection. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    this.dropClients();
    if (s) await new Promise<void>((ok) => s.close(() => ok()));
  }

  /** The camera closes every RTSP connection, mid-stream or not; new ones are still accepted. */
  dropClients(): void {
    for (const c of [...this.conns]) {
      this.endSessions(c);
      c.socket.destroy();
    }
  }

  // --- connections ---

  private accept(socket: net.Socket): void {
    // A flood of connections is cut at twice the limit without reading anything.
    if (this.conns.size >= this.o.maxClients * 2) return void socket.destroy();
    socket.setNoDelay(true);
    const c: Conn = { socket, parser: new RtspParser(), sessions: new Set(), lastSeen: Date.now(), refused: this.conns.size >= this.o.maxClients };
    this.conns.add(c);
    socket.on('data', (chunk: Buffer) => this.onData(c, chunk));
    socket.on('error', () => undefined); // ECONNRESET and friends: 'close' follows
    socket.on('close', () => {
      this.endSessions(c);
      this.conns.delete(c);
    });
  }

  private onData(c: Conn, chunk: Buffer): void {
    try {
      this.consume(c, chunk);
    } catch {
      c.socket.destroy(); // a bug of ours must cost one connection, never the camera
    }
  }

  private consume(c: Conn, chunk: Buffer): void {
    c.lastSeen = Date.now();
    for (const item of c.parser.push(chunk)) {
      if (c.socket.destroyed) return;
      if (item.kind === 'interleaved') {
        // RTCP receiver reports (odd channels) keep the sessions alive (RFC 2326 §12.37).
        for (const s of c.sessions) if (item.channel === s.channel + 1) s.lastSeen = Date.now();
        continue;
      }
      if (item.kind === 'error') {
        // Echo the CSeq of a broken message only when it is a number: it came from garbage.
        this.answer(c, {
          r: null,
          status: item.status,
          cseq: item.cseq && /^\d{1,10}$/.test(item.cseq) ? item.cseq : null,
          headers: [['Connection', 'close']],
        });
        c.socket.end();
        return;
      }
      try {
        this.onRequest(c, item);
      } catch {
        this.answer(c, { r: item, status: 500, cseq: item.headers.get('cseq') ?? null });
      }
    }
  }

  private answer(c: Conn, { r, status, cseq, headers = [], body }: Answer): void {
    this.stats.answers.push(`${r?.method ?? '-'} ${status}`);
    if (this.stats.answers.length > 500) this.stats.answers.splice(0, 100);
    if (c.socket.destroyed || !c.socket.writable) return;
    const all: Array<[string, string | number]> = [];
    if (cseq !== null) all.push(['CSeq', cseq]);
    all.push(['Date', new Date().toUTCString()], ['Server', 'SafeGrid-Sim-RTSP/1.0'], ...headers);
    c.socket.write(formatResponse(status, all, body));
    // A client that sends requests but never reads the answers is cut off.
    if (c.socket.writableLength > this.o.maxQueuedBytes * 4) c.socket.destroy();
  }

  private sweep(): void {
    const now = Date.now();
    const limit = this.o.sessionTimeoutSec * 1000;
    for (const s of [...this.sessions.values()]) {
      if (now - s.lastSeen <= limit) continue;
      this.stats.sessionsTimedOut++;
      this.endSession(s);
      if (s.conn.sessions.size === 0) s.conn.socket.end();
    }
    // A connection that never set up a session and went quiet.
    for (const c of this.conns) if (c.sessions.size === 0 && now - c.lastSeen > limit) c.socket.destroy();
  }

  // --- requests ---

  private target(uri: string): Target | null {
    if (uri === '*') return { star: true };
    let path: string;
    if (uri.startsWith('/')) path = uri.split('?')[0]!;
    else {
      let u: URL;
      try {
        u = new URL(uri);
      } catch {
        return null;
      }
      if (u.protocol !== 'rtsp:') return null;
      path = u.pathname;
    }
    const m = /^\/stream\/([a-z]+)(\/track1)?\/?$/.exec(path);
    if (!m || !(PROFILES as readonly string[]).includes(m[1]!)) return null;
    return { star: false, profile: m[1]!, track: Boolean(m[2]) };
  }

  private onRequest(c: Conn, r: RtspRequest): void {
    const cseq = r.headers.get('cseq');
    if (cseq === undefined || !/^\d{1,10}$/.test(cseq)) return this.answer(c, { r, status: 400, cseq: null });
    const reply = (status: number, headers: Array<[string, string | number]> = [], body?: string): void =>
      this.answer(c, { r, status, cseq, headers, ...(body === undefined ? {} : { body }) });
    if (c.refused) {
      reply(503, [['Connection', 'close']]);
      c.socket.end();
      return;
    }
    const target = this.target(r.uri);
    const method = r.method;
    if (method !== 'OPTIONS') {
      if (!target || target.star) return reply(404);
      const auth = this.auth.check(method, r.uri, r.headers.get('authorization'));
      if (auth !== 'ok')
        return reply(
          401,
          this.auth.challenges(auth === 'stale').map((v): [string, string] => ['WWW-Authenticate', v]),
        );
    }
    const t = target && !target.star ? target : null;
    switch (method) {
      case 'OPTIONS':
        this.session(c, r)?.refresh();
        return reply(200, [['Public', PUBLIC]]);
      case 'DESCRIBE':
        return this.describe(r, t!, reply);
      case 'SETUP':
        return this.setup(c, r, t!, reply);
      case 'PLAY':
      case 'PAUSE':
      case 'TEARDOWN':
      case 'GET_PARAMETER':
      case 'SET_PARAMETER':
        return this.inSession(c, r, t!, reply);
      case 'RECORD':
        // RECORD names a session it cannot apply to (this one plays); without one it is not allowed here.
        if (r.headers.has('session')) return reply(455, [['Allow', PUBLIC]]);
        return reply(405, [['Allow', PUBLIC]]);
      case 'ANNOUNCE':
      case 'REDIRECT':
        return reply(405, [['Allow', PUBLIC]]);
      default:
        return reply(501, [['Public', PUBLIC]]);
    }
  }

  private describe(r: RtspRequest, t: { profile: string; track: boolean }, reply: (s: number, h?: Array<[string, string | number]>, b?: string) => void): void {
    const accept = r.headers.get('accept');
    if (accept && !/application\/sdp|\*\/\*|application\/\*/i.test(accept)) return reply(406);
    const ip6 = this.o.host.includes(':');
    const sdp = [
      'v=0',
      `o=- ${randomInt(1, 2 ** 31)} 1 IN ${ip6 ? 'IP6' : 'IP4'} ${this.o.host}`,
      `s=${this.o.name.replace(/[\r\n]/g, ' ')}`,
      `c=IN ${ip6 ? 'IP6 ::' : 'IP4 0.0.0.0'}`,
      't=0 0',
      'a=tool:SafeGrid-Sim',
      'a=range:npt=now-',
      'a=control:*',
      `m=video 0 RTP/AVP ${JPEG_PT}`,
      `a=rtpmap:${JPEG_PT} JPEG/90000`,
      `a=framerate:${this.o.fps}`,
      'a=control:track1',
      '',
    ].join('\r\n');
    reply(
      200,
      [
        ['Content-Type', 'application/sdp'],
        ['Content-Base', `${this.url(t.profile)}/`],
      ],
      sdp,
    );
  }

  private setup(c: Conn, r: RtspRequest, t: { profile: string; track: boolean }, reply: (s: number, h?: Array<[string, string | number]>) => void): void {
    const again = r.headers.has('session') ? this.session(c, r)?.s : undefined;
    const chosen = this.chooseTransport(c, r.headers.get('transport') ?? '', again);
    if (chosen === null) return reply(461);
    let s: Session;
    if (r.headers.has('session')) {
      const found = this.session(c, r);
      if (!found) return reply(454);
      s = found.s;
      if (s.state === 'playing') return reply(455, [['Allow', 'PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER, OPTIONS']]);
      if (s.profile !== t.profile) return reply(459);
      s.channel = chosen;
      s.lastSeen = Date.now();
    } else {
      if (c.sessions.size >= MAX_SESSIONS_PER_CONNECTION) return reply(503);
      s = {
        id: randomBytes(8).toString('hex').toUpperCase(),
        conn: c,
        profile: t.profile,
        channel: chosen,
        state: 'ready',
        ssrc: randomBytes(4).readUInt32BE(0),
        seq: randomInt(0, 65536),
        tsBase: randomBytes(4).readUInt32BE(0),
        t0: performance.now(),
        packets: 0,
        octets: 0,
        lastSeen: Date.now(),
        lastSr: -Infinity,
        off: null,
      };
      this.sessions.set(s.id, s);
      c.sessions.add(s);
      this.stats.sessionsOpened++;
    }
    reply(200, [
      ['Transport', `RTP/AVP/TCP;unicast;interleaved=${s.channel}-${s.channel + 1};ssrc=${s.ssrc.toString(16).toUpperCase().padStart(8, '0')};mode="PLAY"`],
      ['Session', `${s.id};timeout=${this.o.sessionTimeoutSec}`],
    ]);
  }

  /**
   * The first acceptable transport spec (§12.39): RTP/AVP/TCP, unicast, mode PLAY, with the
   * interleaved channels asked for (or the next free even pair). Returns the RTP channel.
   */
  private chooseTransport(c: Conn, header: string, renewing?: Session): number | null {
    const used = new Set<number>();
    for (const s of c.sessions) if (s !== renewing) used.add(s.channel).add(s.channel + 1);
    for (const spec of header.split(',')) {
      const p = params(spec);
      const proto = [...p.keys()][0]?.toUpperCase() ?? '';
      if (proto !== 'RTP/AVP/TCP') continue;
      if (p.has('multicast')) continue;
      const mode = p.get('mode');
      if (mode !== undefined && mode.toUpperCase() !== 'PLAY') continue;
      const inter = p.get('interleaved');
      if (inter !== undefined) {
        const m = /^(\d{1,3})(?:-(\d{1,3}))?$/.exec(inter);
        if (!m) continue;
        const a = Number(m[1]);
        const b = m[2] === undefined ? a + 1 : Number(m[2]);
        if (a > 254 || b !== a + 1 || used.has(a) || used.has(b)) continue;
        return a;
      }
      for (let a = 0; a < 254; a += 2) if (!used.has(a) && !used.has(a + 1)) return a;
    }
    return null;
  }

  /** The session a request names, if it exists and belongs to this connection (interleaved). */
  private session(c: Conn, r: RtspRequest): { s: Session; refresh(): void } | null {
    const raw = r.headers.get('session');
    if (!raw) return null;
    const id = raw.split(';')[0]!.trim();
    const s = this.sessions.get(id);
    if (!s || s.conn !== c) return null;
    return {
      s,
      refresh: () => {
        s.lastSeen = Date.now();
      },
    };
  }

  private inSession(c: Conn, r: RtspRequest, t: { profile: string; track: boolean }, reply: (s: number, h?: Array<[string, string | number]>) => void): void {
    const found = this.session(c, r);
    if (!found) {
      // A keep-alive without a session is fine; anything else needs one (§11.3.5: missing or unknown → 454).
      if ((r.method === 'GET_PARAMETER' || r.method === 'SET_PARAMETER') && !r.headers.has('session')) return reply(r.body.length ? 451 : 200);
      return reply(454);
    }
    const s = found.s;
    found.refresh();
    if (s.profile !== t.profile) return reply(454);
    const sessionHeader: [string, string] = ['Session', `${s.id};timeout=${this.o.sessionTimeoutSec}`];
    switch (r.method) {
      case 'PLAY': {
        const rtptime = this.rtpTime(s, performance.now());
        reply(200, [sessionHeader, ['Range', 'npt=now-'], ['RTP-Info', `url=${this.url(s.profile)}/track1;seq=${s.seq & 0xffff};rtptime=${rtptime}`]]);
        if (s.state !== 'playing') {
          s.state = 'playing';
          s.off = this.o.frames.onFrame((jpeg) => this.sendFrame(s, jpeg));
        }
        return;
      }
      case 'PAUSE':
        this.pause(s);
        return reply(200, [sessionHeader]);
      case 'TEARDOWN':
        this.endSession(s);
        return reply(200, [sessionHeader]);
      default: // GET_PARAMETER, SET_PARAMETER: no parameters are known
        return reply(r.body.length ? 451 : 200, [sessionHeader]);
    }
  }

  // --- media ---

  private rtpTime(s: Session, nowMs: number): number {
    return (s.tsBase + Math.round((nowMs - s.t0) * 90)) >>> 0;
  }

  private payloads(jpeg: Buffer): Buffer[] | null {
    if (this.cache?.jpeg !== jpeg) {
      let payloads: Buffer[] | null = null;
      try {
        payloads = packetizeJpeg(parseJpeg(jpeg), this.o.maxPayload);
      } catch (err) {
        if (!(err instanceof JpegError)) throw err;
        this.stats.badFrames++;
      }
      this.cache = { jpeg, payloads };
    }
    return this.cache.payloads;
  }

  private sendFrame(s: Session, jpeg: Buffer): void {
    try {
      this.writeFrame(s, jpeg);
    } catch {
      this.stats.badFrames++; // never let one session's trouble throw into the frame source
    }
  }

  private writeFrame(s: Session, jpeg: Buffer): void {
    const sock = s.conn.socket;
    if (s.state !== 'playing' || sock.destroyed || !sock.writable) return;
    const payloads = this.payloads(jpeg);
    if (!payloads) return;
    if (sock.writableLength > this.o.maxQueuedBytes) {
      this.stats.framesSkipped++;
      return;
    }
    const now = performance.now();
    const ts = this.rtpTime(s, now);
    const out: Buffer[] = [];
    if (now - s.lastSr >= SR_INTERVAL_MS) {
      s.lastSr = now;
      out.push(
        interleave(
          s.channel + 1,
          senderReport({ ssrc: s.ssrc, unixMs: Date.now(), rtpTimestamp: ts, packets: s.packets, octets: s.octets, cname: `sim@${this.o.host}` }),
        ),
      );
    }
    payloads.forEach((p, i) => {
      const header = rtpHeader({ marker: i === payloads.length - 1, payloadType: JPEG_PT, sequence: s.seq, timestamp: ts, ssrc: s.ssrc });
      s.seq = (s.seq + 1) & 0xffff;
      s.packets++;
      s.octets += p.length;
      out.push(interleave(s.channel, Buffer.concat([header, p])));
    });
    sock.write(Buffer.concat(out));
    this.stats.framesSent++;
    this.stats.peakQueuedBytes = Math.max(this.stats.peakQueuedBytes, sock.writableLength);
  }

  private pause(s: Session): void {
    s.off?.();
    s.off = null;
    s.state = 'ready';
  }

  private endSession(s: Session): void {
    this.pause(s);
    this.sessions.delete(s.id);
    s.conn.sessions.delete(s);
  }

  private endSessions(c: Conn): void {
    for (const s of [...c.sessions]) this.endSession(s);
  }
}
