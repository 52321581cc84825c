/**
 * The camera simulator's RTSP pieces on their own: message framing (RFC 2326), authentication
 * (RFC 2617 test vector), RTP/RTCP packets (RFC 3550) and JPEG fragments (RFC 2435), against
 * frames from the real ffmpeg the simulator uses.
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interleave, ntpTime, rtpHeader, senderReport } from '../../src/simulate/onvif-camera/rtp.js';
import { JpegError, packetizeJpeg, parseJpeg } from '../../src/simulate/onvif-camera/rtp-jpeg.js';
import { digestResponse, parseAuthParams, RtspAuth } from '../../src/simulate/onvif-camera/rtsp-auth.js';
import { formatResponse, LIMITS, params, RtspParser, type Incoming } from '../../src/simulate/onvif-camera/rtsp-wire.js';
import { ffconcatQuote, planInput } from '../../src/video/ffmpeg/input.js';
import { explainFailure } from '../../src/video/ffmpeg/errors.js';
import { progressSeconds } from '../../src/video/ffmpeg/ffmpeg.js';

const req = (s: string): Buffer => Buffer.from(s.replace(/\n/g, '\r\n'), 'latin1');

/** A JPEG made the way frames.ts makes them (optionally with other ffmpeg options). */
function jpeg(extra: string[] = ['-pix_fmt', 'yuvj420p', '-huffman', 'default']): Buffer {
  const r = spawnSync(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=320x240:rate=5',
      '-frames:v',
      '1',
      '-c:v',
      'mjpeg',
      ...extra,
      '-q:v',
      '5',
      '-f',
      'mjpeg',
      'pipe:1',
    ],
    { maxBuffer: 1 << 24 },
  );
  expect(r.status, String(r.stderr)).toBe(0);
  return r.stdout;
}

describe('RTSP framing (RFC 2326)', () => {
  const message = req('SET_PARAMETER rtsp://h/stream/main RTSP/1.0\nCSeq: 7\nSession: ABC;timeout=60\nContent-Length: 5\n\nhello');

  it('reads requests split anywhere, with interleaved frames between them', () => {
    const frame = interleave(1, Buffer.from([1, 2, 3]));
    const whole = Buffer.concat([message, frame, Buffer.from('\r\n'), message]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: whole.length - 1 }), { maxLength: 8 }), (cuts) => {
        const p = new RtspParser();
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const got: Incoming[] = [];
        let from = 0;
        for (const at of [...points, whole.length]) {
          got.push(...p.push(whole.subarray(from, at)));
          from = at;
        }
        expect(got.map((g) => g.kind)).toEqual(['request', 'interleaved', 'request']);
        const r = got[0]!;
        if (r.kind !== 'request') throw new Error('not a request');
        expect([r.method, r.uri, r.version, r.headers.get('cseq'), r.headers.get('session'), r.body.toString()]).toEqual([
          'SET_PARAMETER',
          'rtsp://h/stream/main',
          'RTSP/1.0',
          '7',
          'ABC;timeout=60',
          'hello',
        ]);
        expect(got[1]).toMatchObject({ kind: 'interleaved', channel: 1, data: Buffer.from([1, 2, 3]) });
        expect(p.pending).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('answers broken messages with the right status and reads nothing after them', () => {
    const first = (s: string | Buffer): Incoming => new RtspParser().push(typeof s === 'string' ? req(s) : s)[0]!;
    expect(first('PLAY rtsp://h/x RTSP/2.0\nCSeq: 3\n\n')).toMatchObject({ kind: 'error', status: 505, cseq: '3' });
    expect(first('GET / HTTP/1.1\nHost: x\n\n')).toMatchObject({ kind: 'error', status: 400 });
    expect(first('PLAY rtsp://h/x RTSP/1.0\nCSeq 3\n\n')).toMatchObject({ kind: 'error', status: 400 });
    expect(first('ANNOUNCE rtsp://h/x RTSP/1.0\nCSeq: 4\nContent-Length: 999999\n\n')).toMatchObject({ kind: 'error', status: 413, cseq: '4' });
    expect(first('ANNOUNCE rtsp://h/x RTSP/1.0\nCSeq: 4\nContent-Length: -1\n\n')).toMatchObject({ kind: 'error', status: 400 });
    expect(first(Buffer.from(`OPTIONS * RTSP/1.0\r\nX: ${'a'.repeat(LIMITS.headerBytes)}`))).toMatchObject({ kind: 'error', status: 400 });
    const p = new RtspParser();
    expect(p.push(req('BAD\n\nOPTIONS * RTSP/1.0\nCSeq: 1\n\n')).map((x) => x.kind)).toEqual(['error']);
    expect(p.push(req('OPTIONS * RTSP/1.0\nCSeq: 2\n\n'))).toEqual([]);
  });

  it('never throws and never holds more than one message, whatever arrives (fuzz)', () => {
    const bound = LIMITS.headerBytes + LIMITS.bodyBytes + 0x10004;
    const chunk = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)),
      fc.constantFrom(message, req('OPTIONS * RTSP/1.0\nCSeq: 1\n\n'), Buffer.from('$'), Buffer.from('\r\n\r\n'), Buffer.from('Content-Length: 65536\r\n')),
      fc.string({ maxLength: 200 }).map((s) => Buffer.from(s, 'utf8')),
    );
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 30 }), (chunks) => {
        const p = new RtspParser();
        for (const c of chunks) {
          p.push(c);
          expect(p.pending).toBeLessThanOrEqual(bound);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('formats responses with CRLF and Content-Length, and refuses a header value with a line break', () => {
    expect(
      formatResponse(
        200,
        [
          ['CSeq', 2],
          ['Public', 'OPTIONS'],
        ],
        'v=0\r\n',
      ).toString(),
    ).toBe('RTSP/1.0 200 OK\r\nCSeq: 2\r\nPublic: OPTIONS\r\nContent-Length: 5\r\n\r\nv=0\r\n');
    expect(formatResponse(454, [['CSeq', '9']]).toString()).toBe('RTSP/1.0 454 Session Not Found\r\nCSeq: 9\r\n\r\n');
    expect(() => formatResponse(200, [['X', 'a\r\nInjected: 1']])).toThrow(/line break/);
    expect([...params('RTP/AVP/TCP;unicast;interleaved=0-1;mode="PLAY"')]).toEqual([
      ['rtp/avp/tcp', ''],
      ['unicast', ''],
      ['interleaved', '0-1'],
      ['mode', 'PLAY'],
    ]);
  });
});

describe('RTSP authentication (RFC 2617)', () => {
  it('computes the request-digest of the RFC 2617 §3.5 example', () => {
    expect(
      digestResponse({
        username: 'Mufasa',
        realm: 'testrealm@host.com',
        password: 'Circle Of Life',
        method: 'GET',
        uri: '/dir/index.html',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        nc: '00000001',
        cnonce: '0a4f113b',
        qop: 'auth',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });

  const answer = (challenge: string, o: { password?: string; uri?: string; method?: string; qop?: boolean } = {}): string => {
    const c = parseAuthParams(challenge.replace(/^Digest /, ''));
    const uri = o.uri ?? 'rtsp://127.0.0.1/stream/main';
    const base = { username: 'admin', realm: c.get('realm')!, password: o.password ?? 'pw', method: o.method ?? 'DESCRIBE', uri, nonce: c.get('nonce')! };
    if (o.qop === false) return `Digest username="admin", realm="${base.realm}", nonce="${base.nonce}", uri="${uri}", response="${digestResponse(base)}"`;
    const r = digestResponse({ ...base, nc: '00000001', cnonce: 'abcdef', qop: 'auth' });
    return (
      `Digest username="admin", realm="${base.realm}", nonce="${base.nonce}", uri="${uri}", response="${r}", algorithm="MD5", qop=auth, nc=00000001, ` +
      `cnonce="abcdef"`
    );
  };

  it('lets in the right Digest answer (with and without qop) and nothing else', () => {
    let now = 1_000_000;
    const auth = new RtspAuth(
      'digest',
      'sim-camera',
      () => ({ username: 'admin', password: 'pw' }),
      () => now,
    );
    const [challenge, ...rest] = auth.challenges();
    expect(rest).toEqual([]);
    expect(challenge).toMatch(/^Digest realm="sim-camera", nonce="[^"]+", algorithm=MD5, qop="auth"$/);
    const uri = 'rtsp://127.0.0.1/stream/main';
    expect(auth.check('DESCRIBE', uri, undefined)).toBe('missing');
    expect(auth.check('DESCRIBE', uri, answer(challenge!))).toBe('ok');
    expect(auth.check('DESCRIBE', uri, answer(challenge!, { qop: false }))).toBe('ok');
    expect(auth.check('DESCRIBE', uri, answer(challenge!, { password: 'nope' }))).toBe('wrong');
    expect(auth.check('DESCRIBE', uri, answer(challenge!, { uri: 'rtsp://127.0.0.1/stream/sub' }))).toBe('wrong');
    expect(auth.check('SETUP', uri, answer(challenge!))).toBe('wrong'); // the method is part of HA2
    expect(auth.check('DESCRIBE', uri, answer(challenge!).replace(/nonce="[^"]+"/, 'nonce="1.forged"'))).toBe('wrong');
    expect(auth.check('DESCRIBE', uri, `Basic ${Buffer.from('admin:pw').toString('base64')}`)).toBe('wrong'); // not offered
    expect(auth.accepted).toEqual({ digest: 2, basic: 0 });
    now += 6 * 60_000;
    expect(auth.check('DESCRIBE', uri, answer(challenge!))).toBe('stale');
    expect(auth.challenges(true)[0]).toMatch(/stale=true/);
  });

  it('accepts Basic only where configured, and offers Digest first when both are', () => {
    const basic = new RtspAuth('basic', 'r', () => ({ username: 'admin', password: 'pw' }));
    expect(basic.challenges()).toEqual(['Basic realm="r"']);
    expect(basic.check('PLAY', '/x', `Basic ${Buffer.from('admin:pw').toString('base64')}`)).toBe('ok');
    expect(basic.check('PLAY', '/x', `Basic ${Buffer.from('admin:pw2').toString('base64')}`)).toBe('wrong');
    expect(basic.check('PLAY', '/x', 'Basic %%%')).toBe('wrong');
    const both = new RtspAuth('digest+basic', 'r', () => ({ username: 'admin', password: 'pw' }));
    expect(both.challenges().map((c) => c.split(' ')[0])).toEqual(['Digest', 'Basic']);
    expect(new RtspAuth('none', 'r', () => ({ username: '', password: '' })).check('PLAY', '/x', undefined)).toBe('ok');
  });
});

describe('RTP and RTCP (RFC 3550)', () => {
  it('writes the fixed header, interleaved framing and an SR + SDES compound packet', () => {
    expect(rtpHeader({ marker: true, payloadType: 26, sequence: 0x1_0001, timestamp: 0x1_0000_0002, ssrc: 0xdeadbeef }).toString('hex')).toBe(
      '809a000100000002deadbeef',
    );
    expect(interleave(3, Buffer.from([9, 9])).toString('hex')).toBe('2403000209 09'.replace(' ', ''));
    expect(() => interleave(0, Buffer.alloc(70_000))).toThrow(RangeError);
    expect(ntpTime(0)).toEqual([2_208_988_800, 0]);
    expect(ntpTime(1500)).toEqual([2_208_988_801, 2 ** 31]);
    const p = senderReport({ ssrc: 1, unixMs: 0, rtpTimestamp: 90_000, packets: 3, octets: 4000, cname: 'sim@127.0.0.1' });
    expect(p.length % 4).toBe(0);
    expect([p[0], p[1], p.readUInt16BE(2)]).toEqual([0x80, 200, 6]);
    expect([p.readUInt32BE(16), p.readUInt32BE(20), p.readUInt32BE(24)]).toEqual([90_000, 3, 4000]);
    const sdes = p.subarray(28);
    expect([sdes[0], sdes[1], (sdes.readUInt16BE(2) + 1) * 4]).toEqual([0x81, 202, sdes.length]);
    expect(sdes.subarray(10, 10 + sdes[9]!).toString()).toBe('sim@127.0.0.1');
  });
});

describe('JPEG over RTP (RFC 2435)', () => {
  it('carries a frame made like frames.ts makes them: 4:2:0, two tables, fragments that rebuild the scan', () => {
    const f = parseJpeg(jpeg());
    expect([f.type, f.width, f.height, f.precision, f.qtables.length]).toEqual([1, 320, 240, 0, 128]);
    const packets = packetizeJpeg(f, 1400);
    expect(packets.length).toBeGreaterThan(1);
    let scan = Buffer.alloc(0);
    for (const [i, p] of packets.entries()) {
      expect(p.length).toBeLessThanOrEqual(1400);
      expect(p.readUIntBE(1, 3)).toBe(scan.length); // fragment offset
      expect([p[4], p[5], p[6], p[7]]).toEqual([1, 255, 40, 30]);
      let data = p.subarray(8);
      if (i === 0) {
        expect([data[0], data[1], data.readUInt16BE(2)]).toEqual([0, 0, 128]);
        expect(data.subarray(4, 132).equals(f.qtables)).toBe(true);
        data = data.subarray(132);
      }
      scan = Buffer.concat([scan, data]);
    }
    expect(scan.equals(f.scan)).toBe(true);
    expect(scan.subarray(-2).equals(Buffer.from([0xff, 0xd9]))).toBe(false); // EOI is the receiver's to add
  });

  it('refuses what RFC 2435 cannot carry, with the reason', () => {
    expect(() => parseJpeg(jpeg(['-huffman', 'default']))).toThrow(/neither 4:2:2 nor 4:2:0/); // ffmpeg picks 4:4:4 from RGB
    expect(() => parseJpeg(Buffer.from('not a jpeg'))).toThrow(JpegError);
    const good = jpeg();
    const progressive = Buffer.from(good);
    let at = 2; // walk the segments to SOF0 (an FF C0 pair could also sit inside a table)
    while (progressive[at + 1] !== 0xc0) at += 2 + progressive.readUInt16BE(at + 2);
    progressive[at + 1] = 0xc2;
    expect(() => parseJpeg(progressive)).toThrow(/not baseline/);
    expect(() => parseJpeg(good.subarray(0, 300))).toThrow(JpegError);
  });
});

describe('ffmpeg input: credentials off the command line', () => {
  const src = { url: 'rtsp://192.0.2.10:554/stream/main', username: 'admin', password: "it's a \\secret" };

  it('on ffmpeg 5 the URL with credentials goes to stdin as an ffconcat list; argv names only pipe:0', () => {
    const p = planInput({ major: 5 }, src, { timeoutMs: 2000, fastProbe: true });
    expect(p.credentials).toBe('stdin');
    expect(p.args.join(' ')).not.toMatch(/secret|admin|192\.0\.2\.10/);
    expect(p.args).toEqual(expect.arrayContaining(['-f', 'concat', '-safe', '0', '-protocol_whitelist', 'pipe,tcp', '-i', 'pipe:0']));
    expect(p.stdin).toBe(
      "ffconcat version 1.0\nfile 'rtsp://admin:it'\\''s%20a%20%5Csecret@192.0.2.10:554/stream/main'\n" +
        'option rtsp_transport tcp\noption timeout 2000000\noption analyzeduration 0\noption probesize 32768\n',
    );
    expect(p.secrets).toEqual(expect.arrayContaining(["it's a \\secret", "it's%20a%20%5Csecret"]));
  });

  it('keeps the old argv form where there is nothing to hide, or on ffmpeg 4 (no ffconcat options)', () => {
    expect(planInput({ major: 5 }, { url: 'rtsp://h/s', username: null, password: null }, { timeoutMs: 1000 })).toMatchObject({
      credentials: 'none',
      stdin: null,
    });
    const old = planInput({ major: 4 }, src, { timeoutMs: 1000 });
    expect(old.credentials).toBe('argv');
    expect(old.args).toContain('-stimeout');
    expect(planInput({ major: 5 }, { url: 'https://cam/mjpeg', username: 'u', password: 'p' }, { timeoutMs: 1000, noFpsProbe: true }).args).toEqual(
      expect.arrayContaining(['-protocol_whitelist', 'pipe,http,https,tcp,tls', '-fpsprobesize', '0']),
    );
    expect(ffconcatQuote("a'b")).toBe("'a'\\''b'");
    expect(() => planInput({ major: 5 }, { url: 'file:///etc/passwd', username: 'u', password: 'p' }, { timeoutMs: 1 })).toThrow(/refused/);
  });

  it('names the cause of a failure from ffmpeg’s log, and reads the clip length from -progress', () => {
    expect(
      explainFailure(1, '[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized\npipe:0: Server returned 401 Unauthorized (authorization failed)'),
    ).toMatchObject({
      code: 'not_authorized',
      message: 'the camera refused the user name or password (401 Unauthorized)',
    });
    expect(explainFailure(1, '[rtsp @ 0x1] method SETUP failed: 461 Unsupported Transport')).toMatchObject({
      code: 'failed',
      message: 'the camera refused RTP over TCP (461 Unsupported Transport)',
    });
    expect(explainFailure(1, '[rtsp @ 0x1] method DESCRIBE failed: 404 Not Found').message).toBe(
      'the camera has no stream at that address (DESCRIBE answered 404 Not Found)',
    );
    expect(explainFailure(1, '[tcp @ 0x1] Connection to tcp://127.0.0.1:9 failed: Connection refused')).toMatchObject({ code: 'unreachable' });
    expect(explainFailure(1, 'something odd').message).toBe('ffmpeg exited 1: something odd');
    expect(progressSeconds('frame=5\nout_time_us=1000000\nprogress=continue\nframe=10\nout_time_us=1799167\nprogress=end\n')).toBeCloseTo(1.799, 3);
    expect(progressSeconds('nothing')).toBeNull();
  });
});
