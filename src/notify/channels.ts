/**
 * The three kinds of channel as requests and replies (pure: no I/O, the time comes in).
 *
 * - 企业微信 group robot (WeCom): POST the webhook URL (`…/cgi-bin/webhook/send?key=…`) with
 *   `{"msgtype":"text","text":{"content","mentioned_mobile_list"}}` or
 *   `{"msgtype":"markdown","markdown":{"content"}}`; it answers `{"errcode":0,"errmsg":"ok"}`.
 *   At most 20 messages a minute per robot; beyond that `errcode` 45009 (rate limited).
 * - 钉钉 custom robot (DingTalk): POST `…/robot/send?access_token=…` with
 *   `{"msgtype":"text","text":{"content"},"at":{"atMobiles"}}` or
 *   `{"msgtype":"markdown","markdown":{"title","text"}}`. With 加签 the URL also carries
 *   `timestamp` (ms) and `sign` = urlencode(base64(HMAC-SHA256(key: secret, data: timestamp + "\n" + secret))).
 *   Replies `{"errcode":0,"errmsg":"ok"}`; 130101 = sending too fast (20 a minute).
 * - a generic SMS/HTTP gateway: the configured method, URL and JSON body template; success is a 2xx.
 */
import { createHmac } from 'node:crypto';
import type { NotifyChannelConfig } from '../config/model.js';
import type { AlertMessage } from './message.js';

export interface ChannelRequest {
  url: string;
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: string;
}

export type ReplyVerdict =
  | { outcome: 'sent' }
  /** Worth trying again later; `rateLimited`: the service said so, wait longer. */
  | { outcome: 'retry'; reason: string; rateLimited: boolean }
  /** Trying again cannot help (a wrong key, a malformed message): given up at once. */
  | { outcome: 'failed'; reason: string };

/** WeCom's documented rate-limit code (接口调用超过限制). */
export const WECOM_RATE_LIMITED = 45009;
/** DingTalk's "send too fast" code. */
export const DINGTALK_RATE_LIMITED = 130101;
/** WeCom's text content limit is 2048 bytes, markdown 4096; DingTalk's are larger. Keep well inside. */
const MAX_CONTENT_BYTES = 2000;

function clip(s: string, maxBytes = MAX_CONTENT_BYTES): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = s;
  while (Buffer.byteLength(out) > maxBytes - 3) out = out.slice(0, -1);
  return `${out}…`;
}

/** DingTalk 加签: the `timestamp` and `sign` query parameters for this moment. */
export function dingtalkSign(secret: string, timestampMs: number): { timestamp: string; sign: string } {
  const timestamp = String(timestampMs);
  const sign = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
  return { timestamp, sign };
}

/** Placeholders `{{name}}` in every string of a body template, replaced by text (never markup or JSON). */
export function fillTemplate(template: unknown, values: Readonly<Record<string, string>>): unknown {
  if (typeof template === 'string') return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => values[name] ?? whole);
  if (Array.isArray(template)) return template.map((v) => fillTemplate(v, values));
  if (template && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fillTemplate(v, values)]));
  }
  return template;
}

/** The request for one delivery; null when the channel has no URL (its reference is unset). */
export function buildRequest(c: NotifyChannelConfig, m: AlertMessage, key: string, nowMs: number): ChannelRequest | null {
  if (!c.url) return null;
  const json = { 'content-type': 'application/json; charset=utf-8' };
  if (c.type === 'wecom') {
    const body =
      c.format === 'markdown'
        ? { msgtype: 'markdown', markdown: { content: clip(m.markdown) } }
        : { msgtype: 'text', text: { content: clip(m.text), ...(c.mentionMobiles.length ? { mentioned_mobile_list: c.mentionMobiles } : {}) } };
    return { url: c.url, method: 'POST', headers: json, body: JSON.stringify(body) };
  }
  if (c.type === 'dingtalk') {
    let url = c.url;
    if (c.secret) {
      const { timestamp, sign } = dingtalkSign(c.secret, nowMs);
      const u = new URL(c.url);
      u.searchParams.set('timestamp', timestamp);
      u.searchParams.set('sign', sign);
      url = u.toString();
    }
    const at = c.mentionMobiles.length ? { at: { atMobiles: c.mentionMobiles, isAtAll: false } } : {};
    const body =
      c.format === 'markdown'
        ? { msgtype: 'markdown', markdown: { title: m.title, text: clip(m.markdown, 4000) }, ...at }
        : { msgtype: 'text', text: { content: clip(m.text, 4000) }, ...at };
    return { url, method: 'POST', headers: json, body: JSON.stringify(body) };
  }
  const values = { text: m.text, title: m.title, ...m.fields, key, secret: c.secret ?? '' };
  const headers: Record<string, string> = { ...json, 'idempotency-key': key };
  for (const [k, v] of Object.entries(c.headers)) headers[k.toLowerCase()] = String(fillTemplate(v, values));
  const template = c.body ?? { title: '{{title}}', text: '{{text}}', key: '{{key}}' };
  return { url: c.url, method: c.method, headers, body: JSON.stringify(fillTemplate(template, values)) };
}

/** What an answer means. `bodyText` is the reply body (bounded by the caller); `status` the HTTP status. */
export function classifyReply(type: NotifyChannelConfig['type'], status: number, bodyText: string): ReplyVerdict {
  if (status === 429) return { outcome: 'retry', reason: `HTTP 429 (rate limited)`, rateLimited: true };
  if (status >= 500 || status === 408) return { outcome: 'retry', reason: `HTTP ${status}`, rateLimited: false };
  if (type === 'http') {
    if (status >= 200 && status < 300) return { outcome: 'sent' };
    return { outcome: 'failed', reason: `HTTP ${status}` };
  }
  if (status < 200 || status >= 300) return { outcome: 'retry', reason: `HTTP ${status}`, rateLimited: false };
  let reply: { errcode?: unknown; errmsg?: unknown };
  try {
    reply = JSON.parse(bodyText) as typeof reply;
  } catch {
    return { outcome: 'retry', reason: 'reply is not JSON', rateLimited: false };
  }
  const code = typeof reply.errcode === 'number' ? reply.errcode : Number(reply.errcode);
  const errmsg = typeof reply.errmsg === 'string' ? reply.errmsg.slice(0, 120) : '';
  if (code === 0) return { outcome: 'sent' };
  if (!Number.isFinite(code)) return { outcome: 'retry', reason: 'reply has no errcode', rateLimited: false };
  const limited = type === 'wecom' ? code === WECOM_RATE_LIMITED : code === DINGTALK_RATE_LIMITED;
  if (limited) return { outcome: 'retry', reason: `errcode ${code} (rate limited)${errmsg ? `: ${errmsg}` : ''}`, rateLimited: true };
  // -1 is "system busy" on both services: worth another try. Anything else (a wrong key, a bad
  // signature, a keyword filter) fails the same way every time, but a fixed key may be put right
  // in the secrets file while the hub runs, so it is retried too, with the long backoff.
  return { outcome: 'retry', reason: `errcode ${code}${errmsg ? `: ${errmsg}` : ''}`, rateLimited: false };
}

/**
 * Wait before try number `attempts + 1`: `first` doubled per failure, at most `max`; a rate limit
 * waits at least a minute (both robots count 20 messages per minute).
 */
export function backoffMs(attempts: number, o: { firstMs: number; maxMs: number; rateLimited: boolean }): number {
  const exp = Math.min(o.maxMs, o.firstMs * 2 ** Math.max(0, attempts - 1));
  return o.rateLimited ? Math.max(exp, Math.min(60_000, o.maxMs)) : exp;
}
