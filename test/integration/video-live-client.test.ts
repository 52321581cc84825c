/**
 * Live view (MJPEG over HTTP from ffmpeg) through the hub, and SafeGrid's ONVIF client against the
 * simulator when it misbehaves: wrong password, skewed clock, slow, hostile replies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnvifClient } from '../../src/video/onvif/client.js';
import { OnvifError } from '../../src/video/onvif/errors.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { HUB_YAML, makeTree } from '../helpers/tree.js';
import { SimCamera } from '../../src/simulate/onvif-camera/camera.js';
import { cameraSiteYaml } from '../sim/onvif-camera/site.js';

const SITE = 'shop-l';
let t: TestHub;
let cam: SimCamera;

beforeAll(async () => {
  // MD5: ffmpeg 5.1's HTTP client answers only MD5 Digest challenges (SHA-256 gets 401).
  cam = await new SimCamera({ name: 'LiveCam', password: 'cam-pass-l', digestAlgorithm: 'MD5' }).start();
  const tree = makeTree({ [`${SITE}.yaml`]: cameraSiteYaml(SITE, [{ id: 'lcam', xaddr: cam.xaddr, zones: [1] }]) });
  t = await startTestHub({ tree, env: { SIM_CAM_PASS: 'cam-pass-l' }, video: { pollIntervalMs: 1000 } });
  await waitFor(() => t.hub.video.cameraStatus(SITE, 'lcam')?.availability === 'online', 20_000);
}, 40_000);

afterAll(async () => {
  await t?.close();
  await cam?.stop();
});

/** Read multipart/x-mixed-replace parts until `n` JPEGs arrived. */
async function frames(res: Response, n: number): Promise<Buffer[]> {
  const reader = res.body!.getReader();
  let buf = Buffer.alloc(0);
  const out: Buffer[] = [];
  while (out.length < n) {
    const { value, done } = await reader.read();
    if (done) break;
    buf = Buffer.concat([buf, Buffer.from(value)]);
    for (;;) {
      const m = /Content-Length: (\d+)\r\n\r\n/.exec(buf.toString('latin1'));
      if (!m) break;
      const start = m.index + m[0].length;
      const len = Number(m[1]);
      if (buf.length < start + len) break;
      out.push(buf.subarray(start, start + len));
      buf = buf.subarray(start + len);
    }
  }
  await reader.cancel();
  return out;
}

describe('live view', () => {
  it('MJPEG live view delivers two different frames, and ffmpeg stops when the last viewer leaves', async () => {
    const op = await t.login('op-hecheng');
    const res = await op.get(`/api/cameras/lcam/live?site=${SITE}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('multipart/x-mixed-replace; boundary=sgframe');
    const got = await frames(res, 3);
    expect(got.length).toBe(3);
    for (const f of got) expect(f.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(got[0]!.equals(got[2]!)).toBe(false);
    await waitFor(() => t.hub.video.live.active === 0, 15_000);
  }, 40_000);

  it('a live MJPEG stream ends when its viewer logs out (issue 17, item 6)', async () => {
    const op = await t.login('op-hecheng');
    const res = await op.get(`/api/cameras/lcam/live?site=${SITE}`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    // A first frame: the stream is playing.
    expect((await reader.read()).done).toBe(false);
    expect((await op.logout()).status).toBe(200);
    // After logout the hub closes the response: reading runs dry (done, or a reset) instead of playing on.
    const ended = await (async () => {
      try {
        for (;;) if ((await reader.read()).done) return true;
      } catch {
        return true;
      }
    })();
    expect(ended).toBe(true);
    await waitFor(() => t.hub.video.live.active === 0, 15_000);
  }, 40_000);

  it('a live view and a console socket outlast http.request_timeout: the timeouts drop slow requests, not long answers', async () => {
    const tree = makeTree({ [`${SITE}.yaml`]: cameraSiteYaml(SITE, [{ id: 'lcam', xaddr: cam.xaddr, zones: [1] }]) });
    tree.write('config/hub.yaml', HUB_YAML.replace('http:\n  host: 127.0.0.1\n', 'http:\n  host: 127.0.0.1\n  headers_timeout: 1s\n  request_timeout: 2s\n'));
    const short = await startTestHub({ tree, env: { SIM_CAM_PASS: 'cam-pass-l' }, video: { pollIntervalMs: 1000 } });
    try {
      await waitFor(() => short.hub.video.cameraStatus(SITE, 'lcam')?.availability === 'online', 20_000);
      const op = await short.login('op-hecheng');
      const { socket } = await short.console({ session: op });
      const res = await op.get(`/api/cameras/lcam/live?site=${SITE}`);
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      // Keep reading for three times the request timeout: the stream must still be delivering.
      const t0 = performance.now();
      let chunks = 0;
      while (performance.now() - t0 < 6_000) {
        const { done } = await reader.read();
        expect(done).toBe(false);
        chunks++;
      }
      expect(chunks).toBeGreaterThan(1);
      // An open console socket is not a slow request either.
      expect(socket.connected).toBe(true);
      await reader.cancel();
    } finally {
      await short.close();
    }
  }, 60_000);

  it('is refused to roles without live view and to operators of other stations', async () => {
    expect((await (await t.login('guard-hecheng')).get(`/api/cameras/lcam/live`)).status).toBe(403);
    expect((await (await t.login('op-minghu')).get(`/api/cameras/lcam/live`)).status).toBe(404);
    expect((await (await t.login('admin')).get(`/api/cameras/no-such/live`)).status).toBe(404);
  });
});

describe('ONVIF client against a misbehaving camera', () => {
  const client = (o: Partial<ConstructorParameters<typeof OnvifClient>[0]> = {}) =>
    new OnvifClient({ xaddr: cam.xaddr, username: 'admin', password: 'cam-pass-l', timeoutMs: 1500, ...o });
  const codeOf = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
      return 'no error';
    } catch (e) {
      if (e instanceof OnvifError) return e.code;
      throw e;
    }
  };

  it('camera password not sent to another host (issue 17, item 8): stream and snapshot addresses elsewhere are not used', async () => {
    const elsewhere = await new SimCamera({ password: 'p3', reportHost: '127.0.0.2' }).start();
    try {
      const p = await new OnvifClient({ xaddr: elsewhere.xaddr, username: 'admin', password: 'p3' }).probe();
      // The camera answered, but the addresses it named are on another host: the login would go there.
      expect(p.info.manufacturer).toBe('SafeGrid Sim');
      expect(p.streamUri).toBeNull();
      expect(p.snapshotUri).toBeNull();
      expect(p.withheld).toEqual(['127.0.0.2', '127.0.0.2']);
    } finally {
      await elsewhere.stop();
    }
    // The same camera reporting its own address keeps both.
    const p = await client().probe();
    expect(p.withheld).toEqual([]);
    expect(p.streamUri).toMatch(/^rtsp:\/\/127\.0\.0\.1:/);
  });

  it('reads the camera and fetches snapshots with HTTP Digest MD5 and SHA-256', async () => {
    const c = client();
    const p = await c.probe();
    expect(p.info).toMatchObject({ manufacturer: 'SafeGrid Sim', model: 'SIM-IPC-2000' });
    expect(p.profiles.map((x) => x.token)).toEqual(['main', 'sub']);
    expect(p.snapshotUri).toBe(`${cam.base}/snapshot.jpg`);
    expect(p.services.pullPoint).toBe(true);
    const jpeg = await c.fetchSnapshot(p.snapshotUri!);
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const sha = await new SimCamera({ password: 'p2', digestAlgorithm: 'SHA-256' }).start();
    try {
      const c2 = new OnvifClient({ xaddr: sha.xaddr, username: 'admin', password: 'p2' });
      expect((await c2.fetchSnapshot(`${sha.base}/snapshot.jpg`)).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    } finally {
      await sha.stop();
    }
  });

  it('a wrong password fails the probe (unlike the onvif package, whose connect() succeeds)', async () => {
    expect(await codeOf(client({ password: 'wrong' }).probe())).toBe('not_authorized');
    expect(await codeOf(client({ password: 'wrong' }).fetchSnapshot(`${cam.base}/snapshot.jpg`))).toBe('not_authorized');
  });

  it('a camera clock 10 minutes ahead is read first, so the UsernameToken is still accepted', async () => {
    const skewed = await new SimCamera({ password: 'p', clockSkewMs: 10 * 60_000 }).start();
    try {
      const c = new OnvifClient({ xaddr: skewed.xaddr, username: 'admin', password: 'p' });
      expect((await c.probe()).info.manufacturer).toBe('SafeGrid Sim');
    } finally {
      await skewed.stop();
    }
  });

  it('slow answers time out; hostile or broken replies are refused with their reason, and the hub keeps running', async () => {
    cam.state.delayMs = 2500;
    expect(await codeOf(client({ timeoutMs: 500 }).getDeviceInformation())).toBe('timeout');
    cam.state.delayMs = 0;
    for (const [m, code] of [
      ['doctype', 'doctype'],
      ['huge', 'too_large'],
      ['malformed', 'malformed'],
      ['missing-fields', 'missing_field'],
    ] as const) {
      cam.state.misbehave = m;
      expect(await codeOf(client().probe()), m).toBe(code);
    }
    cam.state.misbehave = 'none';
    expect((await (await t.login('admin')).get('/api/health')).status).toBe(200);
  });
});
