/**
 * The RTSP health probe (src/video/rtsp-probe.ts) and the fMP4 splitter of live view
 * (src/video/fmp4.ts): wire format, Digest as RTSP uses it, Basic refused on plain TCP — checked
 * against a raw RTSP listener that records every request — and real ffmpeg fMP4 output cut into
 * init segment and fragments.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fragmentStartsWithKey, Fmp4Splitter, type Fmp4Piece } from '../../src/video/fmp4.js';
import { OnvifError } from '../../src/video/onvif/errors.js';
import { chooseAuth, parseRtspReply, probeRtsp, rtspRequest, sdpVideoCodec } from '../../src/video/rtsp-probe.js';

const SDP_H264 = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=Session', 't=0 0', 'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'a=control:stream=0', ''].join(
  '\r\n',
);

describe('RTSP wire format', () => {
  it('builds requests with CSeq and parses replies with a body, waiting for the whole of it', () => {
    expect(rtspRequest('OPTIONS', 'rtsp://h/s', 3)).toBe('OPTIONS rtsp://h/s RTSP/1.0\r\nCSeq: 3\r\nUser-Agent: SafeGrid\r\n\r\n');
    const reply = Buffer.from(`RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Length: ${SDP_H264.length}\r\n\r\n${SDP_H264}`);
    expect(parseRtspReply(reply.subarray(0, reply.length - 5))).toBeNull();
    const r = parseRtspReply(reply)!;
    expect(r.used).toBe(reply.length);
    expect(r.reply.status).toBe(200);
    expect(sdpVideoCodec(r.reply.body)).toBe('H264');
    expect(() => parseRtspReply(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'))).toThrow(/not an RTSP reply/);
    expect(() => parseRtspReply(Buffer.from('RTSP/1.0 200 OK\r\nContent-Length: 99999999\r\n\r\n'))).toThrow(OnvifError);
  });

  it('reads the codec of the first video media; static payload type 26 is JPEG', () => {
    expect(sdpVideoCodec('m=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/8000\r\nm=video 0 RTP/AVP 26\r\n')).toBe('JPEG');
    expect(sdpVideoCodec('m=video 0 RTP/AVP 98\na=rtpmap:98 H265/90000\n')).toBe('H265');
    expect(sdpVideoCodec('m=audio 0 RTP/AVP 0\n')).toBeNull();
  });

  it('answers Digest with the absolute rtsp:// URL as the digest URI (RFC 2617 as RTSP uses it)', () => {
    const url = 'rtsp://127.0.0.1:8554/stream';
    const c = chooseAuth(['Digest realm="cam", nonce="abc123"'], { method: 'DESCRIBE', url, username: 'admin', password: 'pw', tls: false });
    expect(c.kind).toBe('digest');
    const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
    const expected = md5(`${md5('admin:cam:pw')}:abc123:${md5(`DESCRIBE:${url}`)}`);
    expect(c.kind === 'digest' && c.header).toContain(`uri="${url}"`);
    expect(c.kind === 'digest' && c.header).toContain(`response="${expected}"`);
  });

  it('Basic only inside TLS: on plain RTSP the password is refused, not sent', () => {
    const o = { method: 'DESCRIBE', url: 'rtsp://h/s', username: 'admin', password: 'pw', tls: false };
    expect(chooseAuth(['Basic realm="cam"'], o)).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/Basic .* plain RTSP/) });
    expect(chooseAuth(['Basic realm="cam"'], { ...o, tls: true })).toEqual({ kind: 'basic', header: `Basic ${Buffer.from('admin:pw').toString('base64')}` });
    // Offered both: Digest, never Basic.
    expect(chooseAuth(['Basic realm="cam"', 'Digest realm="cam", nonce="n"'], o).kind).toBe('digest');
  });
});

describe('probeRtsp against a raw RTSP listener', () => {
  let server: net.Server | null = null;
  afterEach(() => server?.close());

  /** A listener that answers every request with `answer(request)` and records the requests. */
  async function listener(answer: (req: string, cseq: string) => string): Promise<{ url: string; requests: string[] }> {
    const requests: string[] = [];
    server = net.createServer((s) => {
      let buf = '';
      s.on('data', (c) => {
        buf += c.toString('latin1');
        for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
          const req = buf.slice(0, end);
          buf = buf.slice(end + 4);
          requests.push(req);
          s.write(answer(req, /CSeq: (\d+)/i.exec(req)?.[1] ?? '0'));
        }
      });
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return { url: `rtsp://127.0.0.1:${(server!.address() as net.AddressInfo).port}/stream`, requests };
  }

  it('a camera that asks for Basic over plain TCP gets no password, and the probe says why', async () => {
    const cam = await listener((req, cseq) =>
      req.startsWith('OPTIONS')
        ? `RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\nPublic: DESCRIBE\r\n\r\n`
        : `RTSP/1.0 401 Unauthorized\r\nCSeq: ${cseq}\r\nWWW-Authenticate: Basic realm="cam"\r\n\r\n`,
    );
    const err = await probeRtsp(cam.url, { username: 'admin', password: 'Secret-77', timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OnvifError);
    expect(err).toMatchObject({ code: 'unsupported', reason: expect.stringMatching(/Basic/) });
    expect(cam.requests.map((r) => r.split(' ')[0])).toEqual(['OPTIONS', 'DESCRIBE']);
    expect(cam.requests.join('\n')).not.toMatch(/Authorization/i);
    expect(cam.requests.join('\n')).not.toContain(Buffer.from('admin:Secret-77').toString('base64'));
  });

  it('a Digest camera that refuses the answer is not_authorized; one that accepts gives the codec', async () => {
    for (const accept of [false, true]) {
      const cam = await listener((req, cseq) => {
        if (req.startsWith('OPTIONS')) return `RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\n\r\n`;
        if (!/Authorization: Digest/.test(req) || !accept)
          return `RTSP/1.0 401 Unauthorized\r\nCSeq: ${cseq}\r\nWWW-Authenticate: Digest realm="cam", nonce="n1"\r\n\r\n`;
        return `RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\nContent-Length: ${SDP_H264.length}\r\n\r\n${SDP_H264}`;
      });
      const r = probeRtsp(cam.url, { username: 'admin', password: 'pw', timeoutMs: 5000 });
      if (accept) await expect(r).resolves.toEqual({ codec: 'H264', auth: 'digest' });
      else await expect(r).rejects.toMatchObject({ code: 'not_authorized' });
      // The URL's own userinfo never travels in the request line.
      expect(cam.requests.every((q) => q.includes(cam.url))).toBe(true);
      server!.close();
    }
  });

  it('a listener that never answers is a timeout; a closed port is unreachable', async () => {
    const cam = await listener(() => '');
    await expect(probeRtsp(cam.url, { username: null, password: null, timeoutMs: 300 })).rejects.toMatchObject({ code: 'timeout' });
    server!.close();
    await expect(probeRtsp(cam.url, { username: null, password: null, timeoutMs: 3000 })).rejects.toMatchObject({ code: 'unreachable' });
  });
});

describe('fMP4 splitter', () => {
  const HAVE_FFMPEG = spawnSync('ffmpeg', ['-version']).status === 0;

  it.skipIf(!HAVE_FFMPEG)('cuts real ffmpeg fMP4 into the init segment and whole fragments, and finds the key-frame ones', () => {
    // 4 s at 15 fps, a key frame every 30 frames, fragments every 0.2 s: 2 of the fragments start at a key frame.
    const r = spawnSync(
      'ffmpeg',
      [
        ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=15:duration=4'],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-pix_fmt', 'yuv420p'],
        ...['-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '200000', 'pipe:1'],
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    expect(r.status).toBe(0);
    const out = r.stdout as Buffer;
    const split = new Fmp4Splitter();
    const pieces: Fmp4Piece[] = [];
    // Arbitrary chunk edges, as a pipe delivers them.
    for (let at = 0; at < out.length; at += 777) pieces.push(...split.push(out.subarray(at, at + 777)));
    expect(pieces[0]!.kind).toBe('init');
    expect(pieces[0]!.bytes.toString('latin1', 4, 8)).toBe('ftyp');
    expect(pieces[0]!.bytes.includes('moov')).toBe(true);
    const frags = pieces.slice(1);
    expect(frags.every((p) => p.kind === 'fragment' && p.bytes.toString('latin1', 4, 8) === 'moof')).toBe(true);
    // Every byte is in a piece except the index ffmpeg appends at the end (mfra, its size in the last 4 bytes).
    expect(out.length - pieces.reduce((n, p) => n + p.bytes.length, 0)).toBe(out.readUInt32BE(out.length - 4));
    expect(frags.length).toBeGreaterThan(10);
    expect(frags[0]!.key).toBe(true);
    expect(frags.filter((p) => p.key).length).toBe(2);
  });

  it('refuses a box size that cannot be MP4, and a moof without a traf counts as a key frame', () => {
    const bad = Buffer.alloc(8);
    bad.writeUInt32BE(3, 0);
    bad.write('ftyp', 4, 'latin1');
    expect(() => new Fmp4Splitter().push(bad)).toThrow(/refused/);
    const moof = Buffer.alloc(8);
    moof.writeUInt32BE(8, 0);
    moof.write('moof', 4, 'latin1');
    expect(fragmentStartsWithKey(moof)).toBe(true);
  });
});
