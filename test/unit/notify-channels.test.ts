/** The channels' requests and replies, as WeCom, DingTalk and a gateway define them (src/notify/channels.ts). */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NotifyChannelConfig } from '../../src/config/model.js';
import { backoffMs, buildRequest, classifyReply, dingtalkSign, fillTemplate } from '../../src/notify/channels.js';
import { alertMessage, localTime } from '../../src/notify/message.js';
import type { Incident } from '../../src/contract/incident.js';

const channel = (o: Partial<NotifyChannelConfig>): NotifyChannelConfig => ({
  id: 'c',
  type: 'wecom',
  url: 'https://qyapi.example/cgi-bin/webhook/send?key=K',
  secret: null,
  format: 'text',
  method: 'POST',
  headers: {},
  body: null,
  mentionMobiles: [],
  ...o,
});

const message = { title: 'T', text: 'line 1\nline 2', markdown: '### T\n> a', fields: { number: 'ZS-1', site: '店', incident: 'I1', phones: '138' } };

describe('requests', () => {
  it('WeCom text and markdown bodies', () => {
    const text = buildRequest(channel({ mentionMobiles: ['13800000000'] }), message, 'I1:c', 0)!;
    expect(JSON.parse(text.body)).toEqual({ msgtype: 'text', text: { content: 'line 1\nline 2', mentioned_mobile_list: ['13800000000'] } });
    const md = buildRequest(channel({ format: 'markdown' }), message, 'I1:c', 0)!;
    expect(JSON.parse(md.body)).toEqual({ msgtype: 'markdown', markdown: { content: '### T\n> a' } });
  });

  it('a WeCom text over 2048 bytes is cut to fit', () => {
    const long = { ...message, text: '警'.repeat(2000) };
    const body = JSON.parse(buildRequest(channel({}), long, 'k', 0)!.body) as { text: { content: string } };
    expect(Buffer.byteLength(body.text.content)).toBeLessThanOrEqual(2048);
  });

  it('DingTalk 加签: timestamp and sign = base64(HMAC-SHA256(secret, timestamp\\nsecret)) in the query', () => {
    const req = buildRequest(
      channel({ type: 'dingtalk', url: 'https://oapi.example/robot/send?access_token=T', secret: 'SECabc', format: 'markdown' }),
      message,
      'k',
      1_700_000_000_000,
    )!;
    const u = new URL(req.url);
    expect(u.searchParams.get('access_token')).toBe('T');
    expect(u.searchParams.get('timestamp')).toBe('1700000000000');
    expect(u.searchParams.get('sign')).toBe(createHmac('sha256', 'SECabc').update('1700000000000\nSECabc').digest('base64'));
    expect(dingtalkSign('SECabc', 1_700_000_000_000).sign).toBe(u.searchParams.get('sign'));
    expect(JSON.parse(req.body)).toEqual({ msgtype: 'markdown', markdown: { title: 'T', text: '### T\n> a' } });
  });

  it('a gateway body template takes text for its placeholders, never JSON or markup', () => {
    const req = buildRequest(
      channel({
        type: 'http',
        url: 'https://sms.example/send',
        secret: 'tok',
        headers: { Authorization: 'Bearer {{secret}}' },
        body: { to: ['1'], msg: '{{text}}', ref: '{{key}}', n: 3 },
      }),
      { ...message, text: '"}, "evil": {' },
      'I1:c',
      0,
    )!;
    expect(JSON.parse(req.body)).toEqual({ to: ['1'], msg: '"}, "evil": {', ref: 'I1:c', n: 3 });
    expect(req.headers.authorization).toBe('Bearer tok');
    expect(req.headers['idempotency-key']).toBe('I1:c');
    expect(fillTemplate('{{unknown}}', {})).toBe('{{unknown}}');
  });

  it('no URL (its secret is unset): no request', () => {
    expect(buildRequest(channel({ url: null }), message, 'k', 0)).toBeNull();
  });
});

describe('replies', () => {
  it.each([
    ['wecom', 200, '{"errcode":0,"errmsg":"ok"}', 'sent'],
    ['wecom', 200, '{"errcode":45009,"errmsg":"api freq out of limit"}', 'retry limited'],
    ['dingtalk', 200, '{"errcode":130101,"errmsg":"send too fast"}', 'retry limited'],
    ['dingtalk', 200, '{"errcode":310000,"errmsg":"sign not match"}', 'retry'],
    ['wecom', 200, 'not json', 'retry'],
    ['wecom', 502, '', 'retry'],
    ['http', 204, '', 'sent'],
    ['http', 429, '', 'retry limited'],
    ['http', 503, '', 'retry'],
    ['http', 400, '{"error":"bad number"}', 'failed'],
  ] as const)('%s HTTP %i %s → %s', (type, status, body, want) => {
    const v = classifyReply(type, status, body);
    const got = v.outcome === 'retry' ? (v.rateLimited ? 'retry limited' : 'retry') : v.outcome;
    expect(got).toBe(want);
  });

  it('backoff doubles to its ceiling; a rate limit waits at least a minute', () => {
    const o = { firstMs: 5000, maxMs: 600_000, rateLimited: false };
    expect([1, 2, 3, 4, 10, 20].map((a) => backoffMs(a, o))).toEqual([5000, 10_000, 20_000, 40_000, 600_000, 600_000]);
    expect(backoffMs(1, { ...o, rateLimited: true })).toBe(60_000);
  });
});

describe('the message', () => {
  it('names the site, zone, contacts and the time in 北京时间; markup in names stays text', () => {
    const i = {
      id: 'I1',
      number: 'ZS-20261203-0001',
      priority: 1,
      kind: 'panic',
      siteName: '店[链接](http://x)',
      gridCellName: '荷城街道第1网格',
      openedAt: '2026-12-03T04:00:00.000Z',
      timeline: [{ at: '2026-12-03T04:00:00.000Z', type: 'event', zone: 3, zoneName: '收银台' }],
    } as unknown as Incident;
    const m = alertMessage(i, { address: '钟山区人民路1号', doorPlate: '人民路1号', contacts: [{ name: '王店主', phone: '13800000000' }] }, 'Asia/Shanghai');
    expect(m.title).toBe('【警情】一级 紧急求助 · 店[链接](http://x)');
    expect(m.text).toContain('防区：3 收银台');
    expect(m.text).toContain('联系人：王店主 13800000000');
    expect(m.text).toContain('时间：2026-12-03 12:00:00 北京时间');
    expect(m.markdown).not.toContain('[链接](http');
    expect(localTime('2026-12-03T04:00:00.000Z', 'UTC')).toBe('2026-12-03 04:00:00 UTC');
  });

  it('a drill incident’s alert is marked 演练 in its title and text (issue 15)', () => {
    const i = {
      id: 'I2',
      number: 'ZS-20261203-0002',
      priority: 2,
      kind: 'intrusion',
      siteName: '明湖路12号便利店',
      gridCellName: null,
      openedAt: '2026-12-03T04:00:00.000Z',
      timeline: [],
      drill: true,
    } as unknown as Incident;
    const m = alertMessage(i, undefined, 'Asia/Shanghai');
    expect(m.title).toBe('【演练】二级 入侵报警 · 明湖路12号便利店');
    expect(m.text).toContain('性质：演练');
    expect(m.markdown).toContain('演练');
    expect(alertMessage({ ...i, drill: false }, undefined, 'Asia/Shanghai').text).not.toContain('演练');
  });
});
