/**
 * Every message code the hub sends (src/contract/messages.ts) is worded by both catalogues
 * (web/src/i18n/messages.*.ts) with its parameters, and the Chinese wording has no Latin word in it
 * (ids, codes and numbers aside). Also: durations and times as the console shows them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { MESSAGE_CODES, type MessageCode, type MessageParams } from '../../src/contract/messages.js';
import { REFUSAL_CODES } from '../../src/contract/refusals.js';
import { CONTACT_ID_EVENTS } from '../../src/profiles/code/contact-id.js';
import type { Catalogue, MessageCatalogue, SayContext, Words } from '../../web/src/i18n/catalogue.js';
import { CID_NAMES_ZH } from '../../web/src/i18n/cid-names.zh-CN.js';
import { en, enWords } from '../../web/src/i18n/en.js';
import { enMessages } from '../../web/src/i18n/messages.en.js';
import { zhCNMessages } from '../../web/src/i18n/messages.zh-CN.js';
import { zhCN, zhCNWords } from '../../web/src/i18n/zh-CN.js';
import { latinWords } from '../helpers/latin.js';

/** One realistic set of parameters per code; a code without one fails below. */
const SAMPLES: { [C in MessageCode]: MessageParams[C] } = {
  'reason.kind': { kind: 'intrusion', priority: 2, adjust: 'disarmed', adjusted: 3 },
  'reason.zones': { zones: 2, priority: 1, adjust: null, adjusted: null },
  'reason.video': { priority: 1, adjust: null, adjusted: null },
  'reason.none': { priority: 4, adjust: 'armed_trouble', adjusted: 3 },
  'status.changed': { from: 'acknowledged', to: 'dispatched', unit: '巡逻车3', note: '快' },
  'status.handover': { from: 'op-1', to: 'op-2' },
  'status.takeover': { from: 'op-1' },
  'drill.made_real': { note: '演练中发生真实火情' },
  'priority.raised': { from: 2, to: 1, reason: 'reason.zones', kind: null, zones: 2, priority: 1, adjust: null, adjusted: null },
  'escalation.up': { from: 'ps-hecheng', station: 'city-110', stationName: '六盘水市公安局110指挥中心', waited: 96 },
  'escalation.top': { waited: 1268 },
  'notify.failed': { channel: 'wecom-guards', attempts: 1, reason: 'errcode 45009 (rate limited): api freq out of limit' },
  'notify.gave_up': { channel: 'sms-1', attempts: 9, reason: 'HTTP 502' },
  'notify.delivered': { channel: 'dingtalk-1', attempts: 3, reason: null },
  'repeat.false_close': { minutes: 12, of: '01JD8ZK3' },
  'video.failed': { camera: 'cam-2', cameraName: '金库通道', media: 'snapshot', reason: 'timeout', seconds: 2, detail: null },
  'route.receiving_point': { service: '119', station: 'fire-1', stationName: '钟山区消防救援大队', km: 2.4 },
  'route.no_receiving_point': { service: '120', station: 'ps-hecheng' },
  'route.no_cell': {},
  'route.cell_station': { station: 'ps-hecheng' },
  transfer: { from: 'ps-hecheng', to: 'ps-huangtupo', toName: '黄土坡派出所', note: '辖区调整' },
  call: { contact: 0, contactName: '王店主', outcome: 'cancelled_by_owner', passwordOk: 'true', note: null },
  guard_ack: { finding: null },
  guard_onscene: { finding: null },
  guard_verify: { finding: 'false_alarm', note: '门未关好' },
  feedback: { nature: 'public_order', text: '现场无异常' },
  cid: { q: 'E', code: '602', name: 'periodic test report', zone: null, user: null, group: null, still: null },
  'device.value': { block: 'contact', property: 'contact', value: 'false', cleared: null },
  frigate: { label: 'person', camera: 'yard-cam-1', score: 0.87 },
  'supervision.no_heartbeat': { silent: 125, expected: 60 },
  'supervision.test_missed': { since: 90_000, expected: 86_400 },
  'supervision.heard_again': {},
  'supervision.test_again': {},
  'camera.back_online': { camera: '金库通道' },
  'camera.offline': { camera: '金库通道', polls: 3, reason: 'did not answer in time' },
  'onvif.event': { topic: 'tns1:RuleEngine/CellMotionDetector/Motion', source: 'VideoSourceToken=vs-1' },
  'zone.unregistered': { zone: 9, file: 'devices/shop-zs-0012.yaml' },
};

const NATURES: Record<string, { zh: string; en: string }> = { public_order: { zh: '治安', en: 'public order' } };

function context(text: Catalogue, words: Words, duration: (s: number) => string, language: 'zh' | 'en'): SayContext {
  const stations: Record<string, string> = { 'ps-hecheng': '荷城派出所', 'ps-huangtupo': '黄土坡派出所' };
  return {
    words,
    text,
    station: (id) => (id ? (stations[id] ?? id) : text.none),
    nature: (code) => NATURES[code]?.[language] ?? code,
    duration,
  };
}

const LANGUAGES: Array<{ name: string; catalogue: MessageCatalogue; ctx: SayContext }> = [
  { name: 'zh-CN', catalogue: zhCNMessages, ctx: context(zhCN, zhCNWords, (s) => `${s}秒`, 'zh') },
  { name: 'en', catalogue: enMessages, ctx: context(en, enWords, (s) => `${s} s`, 'en') },
];

describe('every message code is worded in both languages', () => {
  const cases = LANGUAGES.flatMap((l) => MESSAGE_CODES.map((code) => [l.name, code] as const));
  it.each(cases)('%s words %s with its parameters', (language, code) => {
    const l = LANGUAGES.find((x) => x.name === language)!;
    const sample = SAMPLES[code];
    expect(sample, `no sample parameters for ${code} in this test`).toBeDefined();
    const render = l.catalogue[code] as ((p: unknown, x: SayContext) => string) | undefined;
    expect(render, `${language} catalogue has no wording for ${code}`).toBeTypeOf('function');
    const out = render!(sample, l.ctx);
    expect(out.trim().length).toBeGreaterThan(0);
    expect(out).not.toMatch(/undefined|null|NaN|\{|\[object/);
    if (language === 'zh-CN') expect(latinWords(out), `Latin words in "${out}"`).toEqual([]);
  });

  it('the catalogues word exactly the vocabulary (no stale code left behind)', () => {
    for (const l of LANGUAGES) expect(Object.keys(l.catalogue).sort()).toEqual([...MESSAGE_CODES].sort());
  });

  it('the issue’s English lines read in Chinese', () => {
    const zh = LANGUAGES[0]!;
    const say = <C extends MessageCode>(code: C, p: MessageParams[C]): string =>
      (zh.catalogue[code] as (p: MessageParams[C], x: SayContext) => string)(p, zh.ctx);
    expect(say('device.value', SAMPLES['device.value'])).toBe('门磁打开');
    expect(say('cid', SAMPLES.cid)).toBe('定期测试报告（报警码 E602）');
    expect(say('priority.raised', SAMPLES['priority.raised'])).toBe('二级 → 一级：入侵经2个防区相继触发确认');
    expect(say('escalation.up', SAMPLES['escalation.up'])).toBe('升级上报至 六盘水市公安局110指挥中心：96秒未签收');
    expect(say('video.failed', SAMPLES['video.failed'])).toBe('金库通道（cam-2） 2秒内未应答，无抓拍');
    expect(say('status.changed', SAMPLES['status.changed'])).toBe('已签收 → 已派警；出警单位：巡逻车3；备注：快');
  });

  it('every refusal code is worded in both languages, the Chinese without Latin words', () => {
    for (const w of [zhCNWords, enWords]) expect(Object.keys(w.refusals).sort()).toEqual(Object.keys(REFUSAL_CODES).sort());
    for (const text of Object.values(zhCNWords.refusals)) expect(latinWords(text.replace(/\{\w+\}/g, 'op-1')), text).toEqual([]);
  });

  it('every Contact ID code the hub decodes has a Chinese name', () => {
    expect(Object.keys(CONTACT_ID_EVENTS).filter((code) => !CID_NAMES_ZH[code])).toEqual([]);
  });
});

describe('durations and times as the console shows them', () => {
  // The page modules are loaded by path: their types need the DOM library, which the hub's tsconfig leaves out.
  let format: {
    formatDuration(s: number): string;
    formatTime(iso: string): string;
    formatClock(iso: string): string;
    setTimeZone(zone: string): void;
    timeZone(): string;
  };
  let i18n: { setLang(lang: 'zh-CN' | 'en'): void };
  let messages: {
    entryText(e: object): string;
    eventDetail(e: object): string;
    refusalText(r: object): string;
  };
  beforeAll(async () => {
    // The page's language switch touches <html lang>; this is all of the DOM it needs.
    (globalThis as { document?: unknown }).document = { documentElement: { lang: '' } };
    const page = '../../web/src/';
    format = (await import(`${page}format.js`)) as typeof format;
    i18n = (await import(`${page}i18n/index.js`)) as typeof i18n;
    messages = (await import(`${page}messages.js`)) as typeof messages;
  });

  it('durations never look like a time of day', () => {
    i18n.setLang('zh-CN');
    expect([45, 1268, 3900].map(format.formatDuration)).toEqual(['45秒', '21分08秒', '1小时05分']);
    i18n.setLang('en');
    expect([45, 1268, 3900].map(format.formatDuration)).toEqual(['45 s', '21 min 08 s', '1 h 05 min']);
  });

  it('times are in the centre’s zone whatever the machine’s, labelled 北京时间 / Beijing time', () => {
    format.setTimeZone('Asia/Shanghai');
    i18n.setLang('zh-CN');
    expect(format.formatTime('2026-12-03T04:22:42Z')).toBe('2026-12-03 12:22:42 北京时间');
    expect(format.formatClock('2026-12-02T23:59:59Z')).toBe('07:59:59');
    i18n.setLang('en');
    expect(format.formatTime('2026-12-03T04:22:42Z')).toBe('2026-12-03 12:22:42 Beijing time');
    format.setTimeZone('Asia/Urumqi');
    expect(format.formatTime('2026-12-03T04:22:42Z')).toBe('2026-12-03 10:22:42 UTC+06:00');
    format.setTimeZone('Not/AZone');
    expect(format.timeZone()).toBe('Asia/Urumqi');
    format.setTimeZone('Asia/Shanghai');
    i18n.setLang('zh-CN');
  });

  it('an entry stored before codes, or with a code this page does not know, shows its text', () => {
    const m = messages;
    expect(m.entryText({ at: '', type: 'note', text: 'camera cam-2: timeout' })).toBe('camera cam-2: timeout');
    expect(m.entryText({ at: '', type: 'note', text: 'old', code: 'from.a.newer.hub', params: {} })).toBe('old');
    expect(m.entryText({ at: '', type: 'escalation', text: 'x', code: 'escalation.top', params: { waited: 1268 } })).toBe('21分08秒未签收，已是最高层级');
    expect(
      m.entryText({
        at: '',
        type: 'note',
        text: 'x',
        code: 'notify.failed',
        params: { channel: 'wecom-1', attempts: 1, reason: 'errcode 45009 (rate limited)' },
      }),
    ).toBe('通知 wecom-1：发送失败，稍后重试（第 1 次，代码 45009）');
    // Issue 12 wrote 反馈 with its nature only: the stored text keeps what the unit found.
    expect(m.entryText({ at: '', type: 'feedback', text: '反馈 [help]: 店员误按', code: 'feedback', params: { nature: 'help' } })).toBe(
      '反馈 [help]: 店员误按',
    );
    expect(m.entryText({ at: '', type: 'feedback', text: 'x', code: 'feedback', params: { nature: 'help', text: '店员误按' } })).toBe(
      '处警反馈（help）：店员误按',
    );
    expect(m.eventDetail({ detail: 'contact false (open)', code: 'device.value', params: SAMPLES['device.value'] })).toBe('门磁打开');
    expect(m.refusalText({ code: 'owned', error: '已由 op-2 签收 (owned by op-2)', params: { owner: 'op-2' } })).toBe('已由 op-2 签收');
    expect(m.refusalText({ code: 'a_newer_code', error: 'as the hub said it' })).toBe('as the hub said it');
  });
});
