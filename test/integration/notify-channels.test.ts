/**
 * Guard alerts on the channels the field uses (issue 13), against a local server that plays WeCom,
 * DingTalk and an SMS gateway with their documented request and reply formats: one message per
 * incident per channel, retried after failures and rate limits, failures on the incident and in
 * /metrics, secrets never in the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nativeEvent } from '../../src/simulate/payloads.js';
import type { Incident } from '../../src/contract/incident.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';
import { makeTree, HUB_YAML } from '../helpers/tree.js';
import { DINGTALK_SECRET, notifyEnv, notifyYaml, startNotifyServer, WECOM_KEY, type NotifyServer } from '../helpers/notify-server.js';
import type { MqttClient } from 'mqtt';

const WAIT = 30_000;
const CHANNELS = ['hc-wecom', 'hc-ding', 'hc-sms'] as const;
const KIND_OF = { 'hc-wecom': 'wecom', 'hc-ding': 'dingtalk', 'hc-sms': 'sms' } as const;

describe('guard alerts on WeCom, DingTalk and an SMS gateway', () => {
  let server: NotifyServer;
  let t: TestHub;
  let shop: MqttClient;
  let home: MqttClient;
  let n = 0;

  beforeAll(async () => {
    server = await startNotifyServer();
    const tree = makeTree();
    tree.write('config/hub.yaml', HUB_YAML + notifyYaml());
    t = await startTestHub({ tree, env: notifyEnv(server) });
    shop = await t.deviceAs('shop-a-panel');
    home = await t.deviceAs('home-b');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    t?.tree.remove();
    await server?.close();
  });

  /** Publishes an alarm and resolves with the incident it opened or joined. */
  async function alarm(kind: string, site: 'shop-a' | 'home-b' = 'shop-a', zone = 1): Promise<Incident> {
    const topic = site === 'shop-a' ? 'safegrid/shop-a/shop-a-panel' : 'safegrid/home-b/home-b-panel';
    const msgId = `notify-${++n}`;
    const m = nativeEvent(topic, kind as 'intrusion', zone, msgId);
    await (site === 'shop-a' ? shop : home).publishAsync(m.topic, m.payload, { qos: 1 });
    const ev = await waitFor(async () => (await t.hub.store.events.query({ siteId: site, limit: 50 })).find((e) => e.raw.includes(`"${msgId}"`)), WAIT);
    return waitFor(async () => {
      // The mark is in the store once written, in memory while held: ask for both each time.
      const [marked] = t.hub.incidents.withHeldMarks([(await t.hub.store.events.get(ev.id)) ?? { id: ev.id, incidentId: null }]);
      const found = marked?.incidentId && marked.incidentId !== '-' ? await t.hub.incidents.get(marked.incidentId) : undefined;
      if (found?.number) numbers.set(found.id, found.number);
      return found;
    }, WAIT);
  }

  /** Closes the open incidents of shop-a (误报), so the next alarm opens a new one. */
  async function closeShop(): Promise<void> {
    for (const i of t.hub.incidents.snapshot((x) => x.siteId === 'shop-a')) {
      await t.hub.incidents.acknowledge(i.id, 'admin');
      const r = await t.hub.incidents.close(i.id, 'admin', 'false');
      expect(r.ok, JSON.stringify(r)).toBe(true);
    }
  }

  /** 警情编号 by incident id, as alarm() found them (the messages carry the number). */
  const numbers = new Map<string, string>();
  const acceptedFor = (id: string, kind?: 'wecom' | 'dingtalk' | 'sms') =>
    server.accepted(kind).filter((r) => JSON.stringify(r.body).includes(numbers.get(id) ?? id));

  it('a new incident is sent once on each channel of its guard group, in each service’s format', async () => {
    const i = await alarm('intrusion');
    await waitFor(() => CHANNELS.every((c) => acceptedFor(i.id, KIND_OF[c]).length === 1), WAIT);
    const [wecom] = acceptedFor(i.id, 'wecom');
    expect(wecom!.query.get('key')).toBe(WECOM_KEY);
    expect(wecom!.body.msgtype).toBe('markdown');
    const content = (wecom!.body.markdown as { content: string }).content;
    expect(content).toContain('明湖路12号便利店');
    expect(content).toContain('入侵报警');
    expect(content).toContain('13800000000');
    expect(content).toContain('北京时间');
    const [ding] = acceptedFor(i.id, 'dingtalk');
    expect(ding!.body.msgtype).toBe('text');
    expect((ding!.body.at as { atMobiles: string[] }).atMobiles).toEqual(['13800000000']);
    expect(ding!.query.get('timestamp')).toMatch(/^\d{13}$/);
    const [sms] = acceptedFor(i.id, 'sms');
    expect(sms!.body).toMatchObject({ to: ['13800000000'], sign: 'SafeGrid', ref: `${i.id}:hc-sms`, token: 'sms-token-77aa' });
    expect(sms!.headers['idempotency-key']).toBe(`${i.id}:hc-sms`);
    expect(String(sms!.body.content)).toContain('明湖路12号便利店');

    // A second alarm joins the same incident: no second message. The marker: a fire at the same
    // site opens a new incident (another category), whose messages arrive after.
    const joined = await alarm('intrusion', 'shop-a', 2);
    expect(joined.id).toBe(i.id);
    const fire = await alarm('fire');
    expect(fire.id).not.toBe(i.id);
    await waitFor(() => CHANNELS.every((c) => acceptedFor(fire.id, KIND_OF[c]).length === 1), WAIT);
    for (const c of CHANNELS) expect(acceptedFor(i.id, KIND_OF[c]), c).toHaveLength(1);
    await waitFor(async () => (await t.hub.store.outbox.forIncident(i.id)).every((r) => r.status === 'sent'), WAIT);
    expect((await t.hub.store.outbox.forIncident(i.id)).map((r) => [r.channelId, r.status, r.attempts])).toEqual([
      ['hc-wecom', 'sent', 1],
      ['hc-ding', 'sent', 1],
      ['hc-sms', 'sent', 1],
    ]);
    // A site of another guard group (minghu-team has no channels): nothing sent, nothing queued.
    const other = await alarm('panic', 'home-b');
    expect(await t.hub.store.outbox.forIncident(other.id)).toEqual([]);
    for (const c of CHANNELS) expect(t.hub.metrics.value('sg_notify_sent_total', { channel: c })).toBeGreaterThanOrEqual(2);
  });

  it('failures, error replies and rate limits are retried with backoff until delivered once, and said on the incident', async () => {
    // WeCom: rate limited (45009) twice; DingTalk: "send too fast" (130101), then a 502; the gateway: a dropped connection.
    await closeShop();
    server.script('wecom', 'rate_limited', 'rate_limited');
    server.script('dingtalk', 'rate_limited', 'http_500');
    server.script('sms', 'drop');
    const before = server.received.length;
    const i = await alarm('smoke', 'shop-a', 3);
    await waitFor(() => CHANNELS.every((c) => acceptedFor(i.id, KIND_OF[c]).length === 1), WAIT);
    const tries = server.received.slice(before).map((r) => `${r.kind} ${r.answered}`);
    expect(tries.filter((r) => r.startsWith('wecom'))).toEqual([
      'wecom 200 {"errcode":45009,"errmsg":"api freq out of limit"}',
      'wecom 200 {"errcode":45009,"errmsg":"api freq out of limit"}',
      'wecom 200 {"errcode":0,"errmsg":"ok"}',
    ]);
    expect(tries.filter((r) => r.startsWith('dingtalk'))).toHaveLength(3);
    expect(tries.filter((r) => r.startsWith('sms'))).toEqual(['sms dropped', 'sms 200 {"ok":true}']);
    // The server answered; the hub marks the row when the answer reaches it.
    const rows = await waitFor(async () => {
      const list = await t.hub.store.outbox.forIncident(i.id);
      return list.every((r) => r.status === 'sent') ? list : undefined;
    }, WAIT);
    expect(rows.map((r) => [r.channelId, r.status, r.attempts])).toEqual([
      ['hc-wecom', 'sent', 3],
      ['hc-ding', 'sent', 3],
      ['hc-sms', 'sent', 2],
    ]);
    // The operator sees each channel's first failure and its late delivery on the timeline.
    const incident = await waitFor(async () => {
      const x = await t.hub.incidents.get(i.id);
      return x && x.timeline.filter((e) => e.code === 'notify.delivered').length === 3 ? x : undefined;
    }, WAIT);
    const notes = incident.timeline.filter((e) => e.code?.startsWith('notify.')).map((e) => `${e.code} ${e.params?.channel}`);
    expect(notes.sort()).toEqual(
      [
        'notify.delivered hc-ding',
        'notify.delivered hc-sms',
        'notify.delivered hc-wecom',
        'notify.failed hc-ding',
        'notify.failed hc-sms',
        'notify.failed hc-wecom',
      ].sort(),
    );
    const wecomFailed = incident.timeline.find((e) => e.code === 'notify.failed' && e.params?.channel === 'hc-wecom');
    expect(wecomFailed?.text).toBe('通知 hc-wecom：发送失败，稍后重试（第 1 次）：错误码 45009（限流）');
    expect(wecomFailed?.params?.reason).toBe('errcode 45009 (rate limited): api freq out of limit');
    expect(t.hub.metrics.value('sg_notify_failed_total', { channel: 'hc-wecom' })).toBeGreaterThanOrEqual(2);
    const metrics = t.hub.metrics.render();
    expect(metrics).toMatch(/sg_notify_sent_total\{channel="hc-ding"\} \d+/);
    expect(metrics).toContain('# TYPE sg_notify_queue_depth gauge');
  });

  it('a gateway that refuses the message (HTTP 400) is given up at once and says so; the robots’ failures never log a secret', async () => {
    await closeShop();
    server.script('sms', 'http_400');
    const i = await alarm('tamper', 'shop-a', 1);
    const row = await waitFor(async () => (await t.hub.store.outbox.forIncident(i.id)).find((r) => r.channelId === 'hc-sms' && r.status === 'failed'), WAIT);
    expect(row.lastError).toBe('HTTP 400');
    await waitFor(async () => (await t.hub.incidents.get(i.id))?.timeline.some((e) => e.code === 'notify.gave_up' && e.params?.channel === 'hc-sms'), WAIT);
    expect(t.hub.metrics.value('sg_notify_given_up_total', { channel: 'hc-sms' })).toBe(1);
    // The detail's view of the deliveries: each channel's state, never a URL or key.
    const admin = await t.login('admin');
    const list = (await (await admin.get(`/api/incidents/${i.id}/notifications`)).json()) as Array<{
      channel: string;
      status: string;
      lastError: string | null;
    }>;
    expect(list.find((x) => x.channel === 'hc-sms')).toMatchObject({ status: 'failed', lastError: 'HTTP 400' });
    expect(JSON.stringify(list)).not.toContain(WECOM_KEY);
    const log = JSON.stringify(t.logs);
    for (const secret of [WECOM_KEY, DINGTALK_SECRET, 'ding-test-token-3b7e', 'sms-token-77aa']) expect(log).not.toContain(secret);
    expect(log).toContain('guard alert failed; will retry');
  });
});
