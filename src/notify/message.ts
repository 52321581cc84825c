/**
 * The words of a guard alert, in Chinese as the guards read them (pure: incident and site in, text
 * out). Written once when the delivery is enqueued and stored with it, so a retry after a restart
 * sends the same message, whatever the config says by then.
 */
import type { Incident } from '../contract/incident.js';
import { KIND_NAMES_ZH } from '../contract/kind-names.js';
import { isBeijingTime, localDateTime } from '../contract/local-time.js';

const PRIORITY_ZH = { 1: '一级', 2: '二级', 3: '三级', 4: '四级' } as const;

export interface AlertSite {
  address: string | null;
  doorPlate: string | null;
  contacts: ReadonlyArray<{ name: string; phone: string }>;
}

/** What every channel sends, in its own envelope. */
export interface AlertMessage {
  /** One line: priority, kind, site (a DingTalk markdown title, an SMS subject). */
  title: string;
  /** Plain text, lines joined by \n. */
  text: string;
  /** The same as markdown (WeCom and DingTalk markdown messages). */
  markdown: string;
  /** For an HTTP gateway's body template. */
  fields: { number: string; site: string; incident: string; phones: string };
}

/** Markup characters as their full-width forms: names from config stay text in a markdown message (WeCom's markdown has no escapes). */
const FULL_WIDTH: Readonly<Record<string, string>> = {
  '[': '［',
  ']': '］',
  '<': '＜',
  '>': '＞',
  '*': '＊',
  '`': '｀',
  '#': '＃',
  _: '＿',
  '(': '（',
  ')': '）',
};
function md(s: string): string {
  return s.replace(/[[\]<>*`#_()]/g, (c) => FULL_WIDTH[c] ?? c);
}

/** `2026-12-03 12:22:01 北京时间` in the centre's zone (hub.yaml `timezone`). */
export function localTime(iso: string, timeZone: string): string {
  return `${localDateTime(Date.parse(iso), timeZone)} ${isBeijingTime(timeZone) ? '北京时间' : timeZone}`;
}

export function alertMessage(i: Incident, site: AlertSite | undefined, timeZone: string): AlertMessage {
  const kind = KIND_NAMES_ZH[i.kind] ?? i.kind;
  // 演练 (issue 15): a drill alert says so first, so no guard mistakes an exercise for the real thing.
  const title = `${i.drill ? '【演练】' : '【警情】'}${PRIORITY_ZH[i.priority]} ${kind} · ${i.siteName}`;
  const zoneEntry = i.timeline.find((e) => e.type === 'event' && e.zone != null);
  const zone = zoneEntry ? `${zoneEntry.zone}${zoneEntry.zoneName ? ` ${zoneEntry.zoneName}` : ''}` : null;
  const phones = (site?.contacts ?? []).map((c) => `${c.name} ${c.phone}`);
  const rows: Array<[string, string | null]> = [
    ['警情编号', i.number],
    ['单位', i.siteName],
    ['地址', [site?.address, site?.doorPlate ? `门牌 ${site.doorPlate}` : null].filter(Boolean).join(' · ') || null],
    ['防区', zone],
    ['网格', i.gridCellName],
    ['联系人', phones.length ? phones.join('，') : null],
    ['时间', localTime(i.openedAt, timeZone)],
  ];
  if (i.drill) rows.unshift(['性质', '演练（非真实警情，按演练流程处置）']);
  const present = rows.filter((r): r is [string, string] => r[1] !== null && r[1] !== '');
  const ask = i.drill ? '演练：请物业保安按演练流程签收并到场。' : '请物业保安尽快签收并到场核实。';
  return {
    title,
    text: [title, ...present.map(([k, v]) => `${k}：${v}`), ask].join('\n'),
    markdown: [`### ${md(title)}`, ...present.map(([k, v]) => `> ${k}：${md(v)}`), '', ask].join('\n'),
    fields: { number: i.number ?? i.id, site: i.siteName, incident: i.id, phones: (site?.contacts ?? []).map((c) => c.phone).join(',') },
  };
}
