/**
 * ONVIF event subscriptions that last (issue 16), against the simulator run as a strict server:
 * WS-Addressing required, few subscription slots, subscriptions expiring on its own clock.
 * The camera service is the hub's own (CameraService with its registry, health polling, events
 * loop and real HTTP); its clock and the cameras' run 60 times faster, so half an hour of
 * subscription life passes in about 30 s.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { ScaledClock } from '../../src/core/clock.js';
import { createRootLogger } from '../../src/core/logger.js';
import { Metrics } from '../../src/core/metrics.js';
import { SimCamera } from '../../src/simulate/onvif-camera/camera.js';
import { CameraService } from '../../src/video/camera-service.js';
import { OnvifClient } from '../../src/video/onvif/client.js';
import { OnvifError } from '../../src/video/onvif/errors.js';
import { ACTIONS, requests } from '../../src/video/onvif/messages.js';
import { waitFor } from '../helpers/hub.js';
import { makeTree, TREE_ENV } from '../helpers/tree.js';
import { cameraSiteYaml } from '../sim/onvif-camera/site.js';

const SCALE = 60;
const SITE = 'shop-sub';
const PASS = 'cam-pass-sub';

interface Raised {
  camera: string;
  kind: string;
}

/** A camera service of the hub's own making over `cams`, on a clock `scale` times fast. */
function startService(cams: Array<{ id: string; cam: SimCamera }>, o: { scale: number; subscriptionSeconds?: number }) {
  const tree = makeTree({
    [`${SITE}.yaml`]: cameraSiteYaml(
      SITE,
      cams.map((c, i) => ({ id: c.id, xaddr: c.cam.xaddr, zones: [i + 1] })),
    ),
  });
  const env = { ...process.env, ...TREE_ENV, SIM_CAM_PASS: PASS };
  const { config, problems } = loadConfig(tree.root, { env });
  if (!config) throw new Error(`config: ${JSON.stringify(problems)}`);
  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const raised: Raised[] = [];
  const metrics = new Metrics();
  const service = new CameraService({
    config,
    mediaRoot: mkdtempSync(join(tmpdir(), 'sg-sub-media-')),
    sinks: {
      raise: async ({ cameraId: camera, kind }) => {
        raised.push({ camera, kind });
      },
      addMedia: () => undefined,
    },
    log: createRootLogger({ level: 'debug', destination }),
    metrics,
    env,
    settings: { pollIntervalMs: 1000 },
    pullTimeoutSeconds: 10,
    clock: new ScaledClock(o.scale),
    ...(o.subscriptionSeconds ? { subscriptionSeconds: o.subscriptionSeconds } : {}),
  });
  /** Apply the site file with only these cameras (a reload without the others). */
  const keepOnly = (ids: string[]): void => {
    const kept = cams.map((c, i) => ({ id: c.id, xaddr: c.cam.xaddr, zones: [i + 1] })).filter((c) => ids.includes(c.id));
    tree.write(`devices/${SITE}.yaml`, cameraSiteYaml(SITE, kept));
    const next = loadConfig(tree.root, { env }).config;
    if (!next) throw new Error('reloaded config has problems');
    service.update(next);
  };
  return { service, raised, metrics, logs, keepOnly };
}

const started: Array<{ stop(): Promise<void> }> = [];
afterAll(async () => {
  for (const s of started.reverse()) await s.stop();
});

async function camera(o: ConstructorParameters<typeof SimCamera>[0]): Promise<SimCamera> {
  const cam = await new SimCamera({ password: PASS, ...o }).start();
  started.push(cam);
  return cam;
}

describe('a strict event server (WS-Addressing required, 2 slots, its own clock)', () => {
  it('a 30-minute run keeps one subscription per camera, renewed in time, and delivers every event', async () => {
    const strict = { strictAddressing: true, maxSubscriptions: 2, timeScale: SCALE };
    const cams = [
      { id: 'sub-a', cam: await camera({ name: 'SubA', ...strict }) },
      // Its clock is 3 hours ahead: renewal is timed from its own CurrentTime/TerminationTime.
      { id: 'sub-b', cam: await camera({ name: 'SubB', ...strict, clockSkewMs: 3 * 3600_000 }) },
    ];
    const s = startService(cams, { scale: SCALE, subscriptionSeconds: 300 });
    started.push(s.service);
    const gauge = (id: string) => s.metrics.value('sg_onvif_event_subscriptions', { site: SITE, camera: id });
    await waitFor(() => cams.every((c) => gauge(c.id) === 1), 30_000);

    // Half an hour on the cameras' clock: a motion (on, then off) on each camera every simulated 20 s.
    const clockOf = cams[0]!.cam;
    const until = clockOf.clockMs() + 30 * 60_000;
    let sent = 0;
    let maxGauge = 0;
    while (clockOf.clockMs() < until) {
      for (const { cam } of cams) {
        cam.trigger('motion', true);
        cam.trigger('motion', false);
      }
      sent++;
      maxGauge = Math.max(maxGauge, ...cams.map((c) => gauge(c.id)));
      const next = clockOf.clockMs() + 20_000;
      await waitFor(() => clockOf.clockMs() >= next, 10_000, 5);
    }
    expect(sent).toBeGreaterThanOrEqual(80);

    // Every motion arrived, once, for each camera.
    const motions = (id: string) => s.raised.filter((r) => r.camera === id && r.kind === 'video_motion').length;
    await waitFor(() => cams.every((c) => motions(c.id) >= sent), 30_000);
    for (const c of cams) {
      expect(motions(c.id), c.id).toBe(sent);
      const stats = c.cam.subscriptionStats;
      // One subscription for the whole run, kept alive by Renews the strict server accepted.
      expect(stats, c.id).toMatchObject({ created: 1, maxLive: 1, expired: 0, refusedNoSlot: 0, refusedAddressing: {} });
      expect(stats.renewed, c.id).toBeGreaterThanOrEqual(6);
      expect(c.cam.liveSubscriptions()).toBe(1);
    }
    expect(maxGauge).toBe(1);
    expect(s.metrics.value('sg_onvif_subscription_requests_total', { op: 'renew', outcome: 'fault' })).toBe(0);

    // Stopping the hub frees the cameras' slots at once (Unsubscribe), not at expiry.
    await s.service.stop();
    for (const c of cams) {
      expect(c.cam.subscriptionStats.unsubscribed, c.id).toBe(1);
      expect(c.cam.liveSubscriptions(), c.id).toBe(0);
    }
  }, 120_000);

  it('a refused Renew: the subscription is unsubscribed before a new one is made (one slot is enough)', async () => {
    const cam = await camera({ name: 'SubC', strictAddressing: true, maxSubscriptions: 1, timeScale: SCALE });
    const s = startService([{ id: 'sub-c', cam }], { scale: SCALE, subscriptionSeconds: 60 });
    started.push(s.service);
    await waitFor(() => cam.subscriptionStats.created === 1, 30_000);
    cam.failRenews = 3;
    // Each refused Renew costs a subscription: three replaced, the fourth kept.
    await waitFor(() => cam.subscriptionStats.created === 4 && cam.subscriptionStats.renewed >= 1, 60_000);
    expect(cam.subscriptionStats).toMatchObject({ maxLive: 1, refusedNoSlot: 0, refusedAddressing: {} });
    expect(cam.subscriptionStats.unsubscribed).toBeGreaterThanOrEqual(3);
    expect(s.logs.filter((l) => l.msg === 'event subscription lost; subscribing again' && l.camera === 'sub-c')).toHaveLength(3);
    // And it still delivers.
    cam.trigger('tamper', true);
    await waitFor(() => s.raised.some((r) => r.camera === 'sub-c' && r.kind === 'tamper'), 20_000);
  }, 90_000);

  it('a camera removed from the site file gives its slot back at once (Unsubscribe); the other keeps its subscription', async () => {
    const strict = { strictAddressing: true, maxSubscriptions: 2, timeScale: SCALE };
    const gone = await camera({ name: 'SubGone', ...strict });
    const stays = await camera({ name: 'SubStays', ...strict });
    const s = startService(
      [
        { id: 'sub-gone', cam: gone },
        { id: 'sub-stays', cam: stays },
      ],
      { scale: SCALE, subscriptionSeconds: 300 },
    );
    started.push(s.service);
    const gauge = (id: string) => s.metrics.value('sg_onvif_event_subscriptions', { site: SITE, camera: id });
    await waitFor(() => gauge('sub-gone') === 1 && gauge('sub-stays') === 1, 30_000);
    s.keepOnly(['sub-stays']);
    await waitFor(() => gone.subscriptionStats.unsubscribed === 1, 20_000);
    expect(gone.liveSubscriptions()).toBe(0);
    expect(gauge('sub-gone')).toBe(0);
    stays.trigger('motion', true);
    await waitFor(() => s.raised.some((r) => r.camera === 'sub-stays' && r.kind === 'video_motion'), 20_000);
    expect(stays.subscriptionStats).toMatchObject({ created: 1, unsubscribed: 0 });
  }, 60_000);

  it('a reply with 600 messages: MessageLimit of them are processed, the rest counted', async () => {
    const cam = await camera({ name: 'SubD', strictAddressing: true });
    const s = startService([{ id: 'sub-d', cam }], { scale: 1 });
    started.push(s.service);
    // The first reply (the three Initialized states) is in: the queue is empty.
    await waitFor(() => s.metrics.value('sg_onvif_subscription_requests_total', { op: 'pull', outcome: 'ok' }) >= 1, 30_000);
    cam.state.ignoreMessageLimit = true;
    for (let i = 0; i < 300; i++) {
      cam.trigger('motion', true);
      cam.trigger('motion', false);
    }
    await waitFor(() => s.metrics.value('sg_onvif_messages_over_limit_total') > 0, 20_000);
    // 32 of 600: 16 on/off pairs.
    expect(s.metrics.value('sg_onvif_messages_over_limit_total')).toBe(568);
    cam.state.ignoreMessageLimit = false;
    cam.trigger('tamper', true); // marker: once it is in, the big reply has been handled
    await waitFor(() => s.raised.some((r) => r.kind === 'tamper'), 20_000);
    expect(s.raised.filter((r) => r.kind === 'video_motion')).toHaveLength(16);
    expect(s.logs.some((l) => l.msg === 'camera sent more event messages than MessageLimit; the rest were not processed' && l.dropped === 568)).toBe(true);
  }, 60_000);
});

describe('WS-Addressing on every subscription request', () => {
  it('a server that faults requests without MessageID accepts the hub’s CreatePullPointSubscription, PullMessages, Renew and Unsubscribe', async () => {
    const cam = await camera({ name: 'SubE', strictAddressing: true });
    const client = new OnvifClient({ xaddr: cam.xaddr, username: 'admin', password: PASS, timeoutMs: 5000 });
    await client.probe();
    const sub = await client.createPullPoint(60);
    const pulled = await client.pullMessages(sub, 1, 10);
    expect(pulled.messages).toHaveLength(3); // the Initialized states
    expect((await client.renew(sub, 60)).terminationTime).toMatch(/^\d{4}-/);
    await client.unsubscribe(sub);
    expect(cam.subscriptionStats).toMatchObject({ created: 1, renewed: 1, unsubscribed: 1, refusedAddressing: {} });

    // The same Renew without WS-Addressing (what the hub used to send) is what this server faults.
    const again = await client.createPullPoint(60);
    const refused = await client.call(again.address, ACTIONS.renew, requests.renew(60)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(OnvifError);
    expect((refused as OnvifError).reason).toMatch(/MessageAddressingHeaderRequired.*wsa:MessageID/);
    expect(cam.subscriptionStats.refusedAddressing).toEqual({ Renew: 1 });
  }, 30_000);
});

describe('a subscription id in wsa:ReferenceParameters (one shared address, as some firmwares do)', () => {
  it('the client echoes it on PullMessages, Renew and Unsubscribe, and each reaches the subscription it names', async () => {
    const cam = await camera({ name: 'SubRef', strictAddressing: true, referenceParameters: true, maxSubscriptions: 2 });
    const client = new OnvifClient({ xaddr: cam.xaddr, username: 'admin', password: PASS, timeoutMs: 5000 });
    await client.probe();
    const first = await client.createPullPoint(60);
    const second = await client.createPullPoint(60);
    // Both share one address; only the reference parameter tells them apart.
    expect(first.address).toBe(second.address);
    expect(first.address).toMatch(/\/onvif\/subscription$/);
    expect(first.referenceParameters).toHaveLength(1);

    expect((await client.pullMessages(second, 1, 10)).messages).toHaveLength(3); // its Initialized states
    expect((await client.renew(first, 60)).terminationTime).toMatch(/^\d{4}-/);
    await client.unsubscribe(second);
    expect(cam.subscriptionStats.referenced).toEqual([
      { op: 'PullMessages', id: 2 },
      { op: 'Renew', id: 1 },
      { op: 'Unsubscribe', id: 2 },
    ]);
    // The right one went: the first is alive and still delivers, the second is gone.
    expect(cam.liveSubscriptions()).toBe(1);
    cam.trigger('motion', true);
    const pulled = await client.pullMessages(first, 5, 10);
    expect(pulled.messages.length).toBeGreaterThanOrEqual(4); // 3 Initialized + the motion
    const gone = await client.pullMessages(second, 1, 10).then(
      () => null,
      (e: unknown) => e,
    );
    expect((gone as OnvifError).reason).toMatch(/subscription does not exist/);

    // The same Renew without the reference parameter (what the hub sent before) is faulted.
    const refused = await client.call(first.address, ACTIONS.renew, requests.renew(60), { addressing: true }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(OnvifError);
    expect((refused as OnvifError).reason).toMatch(/MessageAddressingHeaderRequired.*SubscriptionId is not present/);
    expect(cam.subscriptionStats.refusedReferenceParameters).toEqual({ Renew: 1 });
    // The id in another namespace is not the camera's parameter.
    const elsewhere = first.referenceParameters.map((p) => ({ ...p, declare: { [p.prefix]: 'urn:not-the-camera' } }));
    const wrongNs = await client.call(first.address, ACTIONS.renew, requests.renew(60), { addressing: true, referenceParameters: elsewhere }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((wrongNs as OnvifError).reason).toMatch(/InvalidAddressingHeader.*namespace/);
    await client.unsubscribe(first);
    expect(cam.liveSubscriptions()).toBe(0);
  }, 30_000);

  it('the hub’s camera service on such a camera: events arrive, Renews succeed, stopping unsubscribes the right one', async () => {
    const cam = await camera({ name: 'SubRefHub', strictAddressing: true, referenceParameters: true, maxSubscriptions: 1, timeScale: SCALE });
    const s = startService([{ id: 'sub-ref', cam }], { scale: SCALE, subscriptionSeconds: 60 });
    started.push(s.service);
    // A minute-long subscription on a clock 60× fast: several Renews within seconds.
    await waitFor(() => cam.subscriptionStats.renewed >= 3, 60_000);
    cam.trigger('motion', true);
    await waitFor(() => s.raised.some((r) => r.camera === 'sub-ref' && r.kind === 'video_motion'), 20_000);
    cam.trigger('motion', false);
    cam.trigger('tamper', true);
    await waitFor(() => s.raised.some((r) => r.camera === 'sub-ref' && r.kind === 'tamper'), 20_000);
    expect(cam.subscriptionStats).toMatchObject({ created: 1, maxLive: 1, expired: 0, refusedAddressing: {}, refusedReferenceParameters: {} });
    expect(s.metrics.value('sg_onvif_subscription_requests_total', { op: 'renew', outcome: 'fault' })).toBe(0);

    await s.service.stop();
    expect(cam.subscriptionStats.unsubscribed).toBe(1);
    expect(cam.liveSubscriptions()).toBe(0);
    const ops = new Set(cam.subscriptionStats.referenced.map((r) => r.op));
    expect(ops).toEqual(new Set(['PullMessages', 'Renew', 'Unsubscribe']));
    expect(cam.subscriptionStats.referenced.every((r) => r.id === 1)).toBe(true);
  }, 90_000);

  it('a reply whose ReferenceParameters would plant a wsse:Security header: refused with its reason, counted, not retried', async () => {
    const cam = await camera({ name: 'SubRefEvil', strictAddressing: true, referenceParameters: 'impersonating', timeScale: SCALE });
    const s = startService([{ id: 'sub-ref-evil', cam }], { scale: SCALE, subscriptionSeconds: 60 });
    started.push(s.service);
    await waitFor(() => s.logs.some((l) => l.msg === 'camera events not used' && l.camera === 'sub-ref-evil'), 30_000);
    const log = s.logs.find((l) => l.msg === 'camera events not used' && l.camera === 'sub-ref-evil')!;
    expect(String(log.reason)).toMatch(/ReferenceParameters: .*wsse:Security.*would stand in for a header the hub writes/);
    expect(s.metrics.value('sg_onvif_subscription_requests_total', { op: 'create', outcome: 'fault' })).toBe(1);
    // Not retried: each try would leave the camera another subscription nobody can address.
    expect(cam.subscriptionStats.created).toBe(1);
    expect(cam.subscriptionStats.referenced).toEqual([]);
  }, 60_000);
});
