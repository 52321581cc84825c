/**
 * The camera simulator's RTSP server on loopback, driven by a raw RTSP client written here from
 * RFC 2326 / 2617 / 3550 / 2435 (not the server's own parser): status codes, sessions, RTP timing,
 * clients that vanish or stop reading, and garbage.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimCamera } from '../../src/simulate/onvif-camera/camera.js';
import { FrameSource } from '../../src/simulate/onvif-camera/frames.js';
import { RtspServer } from '../../src/simulate/onvif-camera/rtsp.js';
import { waitFor } from '../helpers/hub.js';

interface Reply {
  status: number;
  reason: string;
  headers: Map<string, string[]>;
  body: string;
  get(name: string): string | undefined;
}

interface Packet {
  channel: number;
  data: Buffer;
  at: number;
}

/** A minimal RTSP client: requests out, replies and interleaved packets in. */
class RawClient {
  private buf = Buffer.alloc(0);
  private cseq = 0;
  private readonly replies: Reply[] = [];
  private wake: (() => void) | null = null;
  readonly packets: Packet[] = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (c: Buffer) => this.onData(c));
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((ok, fail) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => ok(new RawClient(s)));
      s.once('error', fail);
    });
  }

  private onData(c: Buffer): void {
    this.buf = Buffer.concat([this.buf, c]);
    for (;;) {
      if (this.buf.length && this.buf[0] === 0x24) {
        if (this.buf.length < 4) break;
        const len = this.buf.readUInt16BE(2);
        if (this.buf.length < 4 + len) break;
        this.packets.push({ channel: this.buf[1]!, data: Buffer.from(this.buf.subarray(4, 4 + len)), at: Date.now() });
        if (this.packets.length > 5000) this.packets.splice(0, 1000);
        this.buf = this.buf.subarray(4 + len);
        continue;
      }
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) break;
      const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
      const m = /^RTSP\/1\.0 (\d{3}) (.*)$/.exec(lines[0]!);
      if (!m) throw new Error(`not an RTSP reply: ${lines[0]}`);
      const headers = new Map<string, string[]>();
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        const k = l.slice(0, i).trim().toLowerCase();
        headers.set(k, [...(headers.get(k) ?? []), l.slice(i + 1).trim()]);
      }
      const len = Number(headers.get('content-length')?.[0] ?? 0);
      if (this.buf.length < end + 4 + len) break;
      const body = this.buf.subarray(end + 4, end + 4 + len).toString('utf8');
      this.buf = this.buf.subarray(end + 4 + len);
      this.replies.push({ status: Number(m[1]), reason: m[2]!, headers, body, get: (n) => headers.get(n.toLowerCase())?.[0] });
    }
    this.wake?.();
  }

  async reply(timeoutMs = 15_000): Promise<Reply> {
    const until = Date.now() + timeoutMs;
    while (this.replies.length === 0) {
      if (this.closed) throw new Error('connection closed without a reply');
      if (Date.now() > until) throw new Error('no reply');
      await new Promise<void>((ok) => {
        this.wake = ok;
        setTimeout(ok, 50);
      });
    }
    return this.replies.shift()!;
  }

  async request(method: string, uri: string, headers: Record<string, string> = {}, body = ''): Promise<Reply> {
    const cseq = String(++this.cseq);
    let head = `${method} ${uri} RTSP/1.0\r\nCSeq: ${cseq}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    if (body) head += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
    this.socket.write(`${head}\r\n${body}`);
    const r = await this.reply();
    expect(r.get('cseq'), `${method} ${uri}`).toBe(cseq);
    return r;
  }

  /** Sends the request, answers a Digest 401 once (RFC 2617 §3.2.2, qop=auth), returns the final reply. */
  async authed(method: string, uri: string, password: string, headers: Record<string, string> = {}, body = ''): Promise<Reply> {
    const first = await this.request(method, uri, headers, body);
    if (first.status !== 401) return first;
    const ch = first.get('www-authenticate')!;
    const param = (k: string): string => new RegExp(`${k}="([^"]*)"`).exec(ch)![1]!;
    const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
    const [realm, nonce, cnonce, nc] = [param('realm'), param('nonce'), 'c0ffee', '00000001'];
    const response = md5(`${md5(`admin:${realm}:${password}`)}:${nonce}:${nc}:${cnonce}:auth:${md5(`${method}:${uri}`)}`);
    const authorization =
      `Digest username="admin", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=${nc}, ` +
      `cnonce="${cnonce}"`;
    return this.request(method, uri, { ...headers, Authorization: authorization }, body);
  }

  close(): void {
    this.socket.destroy();
  }
}

const PASS = 'rtsp-pass-1';
let cam: SimCamera;
let base: string;
const clients: RawClient[] = [];
const open = async (port = cam.rtsp.port): Promise<RawClient> => {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  cam = await new SimCamera({ name: 'RtspCam', password: PASS, rtsp: { sessionTimeoutSec: 2, maxClients: 6 } }).start();
  base = cam.rtspUrl('main');
});

afterAll(async () => {
  for (const c of clients) c.close();
  await cam?.stop();
});

/** SETUP + PLAY on a fresh connection; returns the client and its session id. */
async function playing(): Promise<{ c: RawClient; session: string }> {
  const c = await open();
  const s = await c.authed('SETUP', `${base}/track1`, PASS, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
  expect(s.status).toBe(200);
  const session = s.get('session')!.split(';')[0]!;
  expect((await c.authed('PLAY', base, PASS, { Session: session })).status).toBe(200);
  return { c, session };
}

/**
 * Waits for `done` while keeping the session alive the way a real client does (RFC 2326 §12.37): a GET_PARAMETER
 * every quarter second. This camera's sessions time out after 2 s, and on a busy machine the first frames can take
 * longer than that to come; `ms` is a ceiling, not a budget.
 */
async function keptAlive(c: RawClient, session: string, done: () => boolean, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    expect((await c.authed('GET_PARAMETER', base, PASS, { Session: session })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('RTSP requests and answers', () => {
  it('OPTIONS answers without credentials; DESCRIBE needs Digest and returns SDP with control URLs', async () => {
    const c = await open();
    const o = await c.request('OPTIONS', '*');
    expect(o.status).toBe(200);
    expect(o.get('public')!.split(/,\s*/)).toEqual(expect.arrayContaining(['DESCRIBE', 'SETUP', 'PLAY', 'TEARDOWN', 'GET_PARAMETER']));
    const refused = await c.request('DESCRIBE', base, { Accept: 'application/sdp' });
    expect(refused.status).toBe(401);
    expect(refused.get('www-authenticate')).toMatch(/^Digest realm="sim-camera", nonce="[^"]+", algorithm=MD5, qop="auth"$/);
    expect((await c.authed('DESCRIBE', base, 'wrong-pass')).status).toBe(401);
    const d = await c.authed('DESCRIBE', base, PASS, { Accept: 'application/sdp' });
    expect(d.status).toBe(200);
    expect(d.get('content-type')).toBe('application/sdp');
    expect(d.get('content-base')).toBe(`${base}/`);
    expect(d.body).toMatch(/^v=0\r\n/);
    for (const line of ['a=control:*', 'm=video 0 RTP/AVP 26', 'a=rtpmap:26 JPEG/90000', 'a=control:track1', 's=RtspCam'])
      expect(d.body.split('\r\n')).toContain(line);
    expect((await c.authed('DESCRIBE', `${base}x`, PASS)).status).toBe(404);
    expect((await c.authed('DESCRIBE', base, PASS, { Accept: 'text/html' })).status).toBe(406);
  });

  it('SETUP takes RTP over the RTSP connection only (461), sessions are checked (454), and so is the state (455)', async () => {
    const c = await open();
    const track = `${base}/track1`;
    for (const t of [
      'RTP/AVP;unicast;client_port=5000-5001',
      'RTP/AVP;multicast',
      'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record',
      'RTP/AVP/TCP;unicast;interleaved=7-9',
    ]) {
      expect((await c.authed('SETUP', track, PASS, { Transport: t })).status, t).toBe(461);
    }
    expect((await c.authed('PLAY', base, PASS)).status).toBe(454);
    expect((await c.authed('PLAY', base, PASS, { Session: 'NOSUCHSESSION' })).status).toBe(454);
    // A list of specs: the first acceptable one wins (RFC 2326 §12.39).
    const s = await c.authed('SETUP', track, PASS, { Transport: 'RTP/AVP;unicast;client_port=5000-5001,RTP/AVP/TCP;unicast;interleaved=4-5' });
    expect(s.status).toBe(200);
    expect(s.get('transport')).toMatch(/^RTP\/AVP\/TCP;unicast;interleaved=4-5;ssrc=[0-9A-F]{8};mode="PLAY"$/);
    expect(s.get('session')).toMatch(/^[0-9A-F]{16};timeout=2$/);
    const session = s.get('session')!.split(';')[0]!;
    // Before PLAY the session may be set up again, on the same channels.
    const again = await c.authed('SETUP', track, PASS, { Session: session, Transport: 'RTP/AVP/TCP;unicast;interleaved=4-5' });
    expect([again.status, again.get('session')!.split(';')[0]]).toEqual([200, session]);
    const p = await c.authed('PLAY', base, PASS, { Session: session, Range: 'npt=0.000-' });
    expect(p.status).toBe(200);
    expect(p.get('range')).toBe('npt=now-');
    expect(p.get('rtp-info')).toMatch(new RegExp(`^url=${track.replace(/[.]/g, '\\.')};seq=\\d+;rtptime=\\d+$`));
    expect((await c.authed('SETUP', track, PASS, { Session: session, Transport: 'RTP/AVP/TCP;unicast;interleaved=6-7' })).status).toBe(455);
    expect((await c.authed('RECORD', base, PASS, { Session: session })).status).toBe(455);
    expect((await c.authed('ANNOUNCE', base, PASS)).get('allow')).toMatch(/DESCRIBE/);
    expect((await c.authed('FROBNICATE', base, PASS)).status).toBe(501);
    expect((await c.authed('GET_PARAMETER', base, PASS, { Session: session })).status).toBe(200);
    expect((await c.authed('GET_PARAMETER', base, PASS, { Session: session, 'Content-Type': 'text/parameters' }, 'position\r\n')).status).toBe(451);
    // Another connection cannot drive this (interleaved) session.
    const other = await open();
    expect((await other.authed('TEARDOWN', base, PASS, { Session: session })).status).toBe(454);
    expect((await c.authed('TEARDOWN', base, PASS, { Session: session })).status).toBe(200);
    expect((await c.authed('PLAY', base, PASS, { Session: session })).status).toBe(454);
    // No CSeq: 400, and the connection still reads the next request.
    c.socket.write('OPTIONS * RTSP/1.0\r\n\r\n');
    expect((await c.reply()).status).toBe(400);
    expect((await c.request('OPTIONS', '*')).status).toBe(200);
    c.socket.write('OPTIONS * RTSP/2.0\r\nCSeq: 99\r\n\r\n');
    const v = await c.reply();
    expect([v.status, v.get('cseq')]).toEqual([505, '99']);
  });

  it('streams JPEG over RTP: PT 26, +1 sequence per packet, one 90 kHz timestamp per frame ending in a marker, SR on the RTCP channel', async () => {
    const { c, session } = await playing();
    await keptAlive(c, session, () => c.packets.filter((p) => p.channel === 0 && p.data[1]! & 0x80).length >= 6);
    const rtp = c.packets.filter((p) => p.channel === 0).map((p) => p.data);
    const ssrc = rtp[0]!.readUInt32BE(8);
    const frames = new Map<number, Buffer[]>();
    for (const [i, p] of rtp.entries()) {
      expect(p[0]! >> 6).toBe(2);
      expect(p[1]! & 0x7f).toBe(26);
      expect(p.readUInt32BE(8)).toBe(ssrc);
      if (i) expect(p.readUInt16BE(2)).toBe((rtp[i - 1]!.readUInt16BE(2) + 1) & 0xffff);
      const ts = p.readUInt32BE(4);
      frames.set(ts, [...(frames.get(ts) ?? []), p]);
    }
    const complete = [...frames.entries()].filter(([, ps]) => ps.at(-1)![1]! & 0x80);
    expect(complete.length).toBeGreaterThanOrEqual(5);
    for (const [, ps] of complete) {
      ps.forEach((p, i) => expect(Boolean(p[1]! & 0x80), 'marker only on the last packet').toBe(i === ps.length - 1));
      expect([ps[0]![12 + 4], ps[0]![12 + 5], ps[0]![12 + 6], ps[0]![12 + 7]]).toEqual([1, 255, 40, 30]); // 4:2:0, dynamic tables, 320×240
    }
    // Each frame a later timestamp, on the 90 kHz clock: 90 ticks per ms of the time the frames took to arrive (the
    // camera runs in this process, so arrival follows sending closely). 5 fps is 18,000 ticks a frame, but the stamp is
    // the send time (rtsp.ts rtpTime) and on a busy machine ffmpeg's frames come late, then bunched (gaps of 8,000
    // ticks were seen under `npm run test:loaded`): the pace is bounded on average only, by a floor of 10 fps and a
    // sanity ceiling of 10× the nominal gap (the stream still moves).
    const stamps = complete.map(([ts]) => ts);
    const gaps = stamps.slice(1).map((t, i) => (t - stamps[i]! + 2 ** 32) % 2 ** 32);
    for (const g of gaps) expect(g).toBeGreaterThan(0);
    const spanTicks = gaps.reduce((a, b) => a + b, 0);
    expect(spanTicks / gaps.length).toBeGreaterThan(9000);
    expect(spanTicks / gaps.length).toBeLessThan(180_000);
    const arrivedAt = (ts: number): number => c.packets.find((p) => p.channel === 0 && p.data.readUInt32BE(4) === ts)!.at;
    const spanMs = arrivedAt(stamps.at(-1)!) - arrivedAt(stamps[0]!);
    expect(Math.abs(spanTicks / 90 - spanMs)).toBeLessThanOrEqual(spanMs / 2 + 200);
    const sr = c.packets.find((p) => p.channel === 1)!;
    expect([sr.data[1], sr.data.readUInt32BE(4)]).toEqual([200, ssrc]);
    // Different frames carry different pictures (the source moves).
    const first = Buffer.concat(complete[0]![1].map((p) => p.subarray(12 + 8)));
    const last = Buffer.concat(complete.at(-1)![1].map((p) => p.subarray(12 + 8)));
    expect(first.equals(last)).toBe(false);
    // PAUSE stops the packets; TEARDOWN ends the session. Packets sent before the PAUSE reply arrive before it (one TCP
    // stream). The markers: two more frames of the source after it (this listener also keeps the source running), then
    // the reply to a later request, behind anything the server sent meanwhile.
    expect((await c.authed('PAUSE', base, PASS, { Session: session })).status).toBe(200);
    const n = c.packets.length;
    let framesAfterPause = 0;
    const stopCounting = cam.frames.onFrame(() => framesAfterPause++);
    await keptAlive(c, session, () => framesAfterPause >= 2);
    stopCounting();
    expect((await c.authed('GET_PARAMETER', base, PASS, { Session: session })).status).toBe(200);
    expect(c.packets.length).toBe(n);
    expect((await c.authed('TEARDOWN', base, PASS, { Session: session })).status).toBe(200);
  });
});

describe('clients that misbehave', () => {
  it('a client that disconnects mid-stream leaves no session, connection or frame listener behind', async () => {
    const before = cam.frames.watchers;
    const { c, session } = await playing();
    await keptAlive(c, session, () => c.packets.length > 5);
    expect(cam.frames.watchers).toBe(before + 1);
    c.socket.resetAndDestroy();
    await waitFor(() => cam.rtsp.activeSessions === 0 && cam.frames.watchers === before);
    expect(cam.rtsp.connections).toBeLessThanOrEqual(clients.filter((x) => !x.closed).length);
  });

  it('a session without keep-alive ends after its timeout and its connection closes; GET_PARAMETER keeps one alive', async () => {
    const quiet = await playing();
    const chatty = await playing();
    const timedOut = cam.rtsp.stats.sessionsTimedOut;
    // The marker is the quiet session's end: both started together, so by then the chatty one (kept alive with
    // GET_PARAMETER) has outlived the 2 s timeout too.
    await keptAlive(chatty.c, chatty.session, () => quiet.c.closed);
    expect(cam.rtsp.stats.sessionsTimedOut).toBe(timedOut + 1);
    expect(chatty.c.closed).toBe(false);
    const n = chatty.c.packets.length;
    await keptAlive(chatty.c, chatty.session, () => chatty.c.packets.length > n);
    expect((await chatty.c.authed('TEARDOWN', base, PASS, { Session: chatty.session })).status).toBe(200);
  });

  it('more connections than allowed get 503', async () => {
    const extra: RawClient[] = [];
    while (cam.rtsp.connections < 6) extra.push(await open());
    const over = await open();
    expect((await over.request('OPTIONS', '*')).status).toBe(503);
    await waitFor(() => over.closed);
    for (const c of extra) c.close();
    await waitFor(() => cam.rtsp.connections <= clients.filter((x) => !x.closed).length);
  });

  it('garbage gets a 400 and a closed connection, never a crash, and the camera keeps serving (fuzz)', async () => {
    const request = fc.constantFrom(
      'OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n',
      `DESCRIBE ${base} RTSP/1.0\r\nCSeq: 2\r\n\r\n`,
      `SETUP ${base}/track1 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;interleaved=0-1\r\n\r\n`,
    );
    const mutate = fc.tuple(request, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 40 })).map(([r, at, bytes]) => {
      const b = Buffer.from(r, 'latin1');
      const i = at % b.length;
      return Buffer.concat([b.subarray(0, i), Buffer.from(bytes), b.subarray(i)]);
    });
    const input = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 4000 }).map((a) => Buffer.from(a)),
      mutate,
      fc.string({ maxLength: 300 }).map((s) => Buffer.from(`${s}\r\n\r\n`)),
      fc.constant(Buffer.from(`OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nX: ${'y'.repeat(9000)}\r\n\r\n`)),
      fc.constant(Buffer.from('$\u0000\u00ff\u00ff')),
    );
    await fc.assert(
      fc.asyncProperty(input, async (bytes) => {
        const c = await open();
        c.socket.write(bytes);
        await new Promise((r) => setTimeout(r, 15));
        c.close();
      }),
      { numRuns: 80 },
    );
    const c = await open();
    expect((await c.request('OPTIONS', '*')).status).toBe(200);
    for (const garbage of ['this is not RTSP\r\n\r\nOPTIONS * RTSP/1.0\r\nCSeq: 5\r\n\r\n', 'PLAY x RTSP/1.0\r\nCSeq: 1\rInjected: yes\r\nBad line\r\n\r\n']) {
      const broken = await open();
      broken.socket.write(garbage);
      const r = await broken.reply();
      expect([r.status, r.get('cseq'), r.get('injected')]).toEqual([400, undefined, undefined]);
      await waitFor(() => broken.closed);
    }
    await waitFor(() => cam.rtsp.activeSessions === 0);
  }, 60_000);
});

describe('bounded memory', () => {
  it('a client that stops reading gets frames skipped, not queued without bound', async () => {
    // Large frames at 25 fps fill loopback socket buffers within seconds.
    const frames = new FrameSource({ size: '1280x720', fps: 25 });
    const server = await new RtspServer({
      host: '127.0.0.1',
      frames,
      auth: 'none',
      credentials: () => ({ username: '', password: '' }),
      maxQueuedBytes: 256 * 1024,
    }).start();
    try {
      const c = await open(server.port);
      const s = await c.request('SETUP', `${server.url()}/track1`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
      expect((await c.request('PLAY', server.url(), { Session: s.get('session')!.split(';')[0]! })).status).toBe(200);
      await waitFor(() => c.packets.length > 10);
      c.socket.pause();
      await waitFor(() => server.stats.framesSkipped > 5, 30_000);
      // At most the limit plus the one frame written when the queue was just under it.
      expect(server.stats.peakQueuedBytes).toBeGreaterThan(200 * 1024); // the limit was reached…
      expect(server.stats.peakQueuedBytes).toBeLessThan(256 * 1024 + 200 * 1024); // …and passed by one frame at most
      c.close();
      await waitFor(() => server.activeSessions === 0);
    } finally {
      await server.stop();
      frames.stop();
    }
  }, 60_000);
});
