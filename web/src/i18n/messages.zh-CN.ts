/**
 * zh-CN wording of every message code the hub sends (src/contract/messages.ts): reasons, timeline
 * entries, escalation, video verification and event details. Ids, door plates, unit and camera
 * names are data and appear as given; technical detail (an ffmpeg message, an ONVIF topic) is left
 * to the English wording and the entry's tooltip, never mixed into the Chinese line.
 */
import type { Priority } from '../../../src/contract/alarm-event.js';
import type { PriorityAdjust, VideoFailure } from '../../../src/contract/messages.js';
import type { MessageCatalogue, SayContext } from './catalogue.js';
import { notifyCode } from './notify-code.js';
import { CID_NAMES_ZH } from './cid-names.zh-CN.js';

const level = (x: SayContext, p: Priority | null | undefined): string => (p ? x.words.priorities[p] : '—');

const ADJUST: Readonly<Record<Exclude<PriorityAdjust, null>, string>> = {
  disarmed: '该址处于撤防状态',
  armed_trouble: '布防期间故障',
  night: '夜间/节假日',
};

const adjust = (x: SayContext, p: { adjust: PriorityAdjust; adjusted: Priority | null }): string =>
  p.adjust ? `；${ADJUST[p.adjust]} → ${level(x, p.adjusted)}` : '';

const withNote = (note: string | null | undefined): string => (note ? `：${note}` : '');

const VIDEO: Readonly<Record<VideoFailure, (s: string) => string>> = {
  timeout: (s) => `${s}内未应答`,
  unreachable: (s) => (s ? `${s}内未应答（网络不通）` : '无法连接（网络不通或端口未开放）'),
  not_authorized: () => '拒绝了用户名或密码',
  disabled: () => '已停用',
  no_ffmpeg: () => '服务器缺少视频转码程序，无法录像',
  no_stream: () => '没有视频流地址，无法录像',
  cut_short: (s) => `摄像机中断了视频流，录像仅 ${s}`,
  ended: () => '摄像机断开了连接',
  other: () => '摄像机或视频服务出错（详情见提示）',
};

/** Which sensor a declarative block reads, alarm and cleared (devices/profiles blocks). */
const BLOCK: Readonly<Record<string, readonly [string, string]>> = {
  contact: ['门磁打开', '门磁关闭'],
  motion: ['探测到移动', '移动探测恢复'],
  smoke: ['烟雾报警', '烟雾消除'],
  gas: ['燃气报警', '燃气恢复正常'],
  carbon_monoxide: ['一氧化碳报警', '一氧化碳恢复正常'],
  water_leak: ['漏水报警', '漏水消除'],
  vibration: ['震动报警', '震动恢复'],
  tamper: ['防拆触发', '防拆恢复'],
  battery_low: ['电池电量低', '电池电量恢复'],
  field_map: ['传感器报警', '传感器恢复'],
  action: ['按键触发', '按键复位'],
  state_map: ['状态变化', '状态变化'],
};

/** Frigate's object labels (its COCO label map) that matter to a dispatcher. */
const FRIGATE: Readonly<Record<string, string>> = {
  person: '人员',
  car: '车辆',
  motorcycle: '摩托车',
  bicycle: '自行车',
  dog: '狗',
  cat: '猫',
  face: '人脸',
  license_plate: '车牌',
};

/** ONVIF event topics (tns1:…) by what they are about; the full topic stays in the English wording. */
const ONVIF_TOPICS: ReadonlyArray<readonly [RegExp, string]> = [
  [/tamper/i, '遮挡/防拆'],
  [/human|person|people/i, '人员检测'],
  [/motion/i, '移动侦测'],
  [/digitalinput|trigger|relay/i, '开关量输入'],
  [/linedetector|crossing/i, '越界侦测'],
  [/field|intrusion/i, '区域入侵'],
];

const nameOfContact = (p: { contact: number; contactName?: string | null }): string => p.contactName ?? `联系人${p.contact + 1}`;

export const zhCNMessages: MessageCatalogue = {
  'reason.kind': (p, x) => `${x.words.kinds[p.kind]} → ${level(x, p.priority)}${adjust(x, p)}`,
  'reason.zones': (p, x) => `入侵经${p.zones}个防区相继触发确认 → ${level(x, p.priority)}${adjust(x, p)}`,
  'reason.video': (p, x) => `入侵经视频确认（检测到人员）→ ${level(x, p.priority)}${adjust(x, p)}`,
  'reason.none': (p, x) => `无报警类型，按技术类处理 → ${level(x, p.priority)}${adjust(x, p)}`,

  'status.changed': (p, x) =>
    `${x.words.statuses[p.from]} → ${x.words.statuses[p.to]}${p.unit ? `；出警单位：${p.unit}${p.note ? `；备注：${p.note}` : ''}` : withNote(p.note)}`,
  'status.handover': (p) => `移交：${p.from} → ${p.to}`,
  'drill.made_real': (p) => `演练转为真实警情${p.note ? `：${p.note}` : ''}`,
  'status.takeover': (p) => `接管${p.from ? `（原签收人 ${p.from}）` : ''}`,
  'priority.raised': (p, x) => {
    const why =
      p.reason === 'reason.zones'
        ? `入侵经${p.zones ?? 2}个防区相继触发确认`
        : p.reason === 'reason.video'
          ? '入侵经视频确认（检测到人员）'
          : p.reason === 'reason.kind' && p.kind
            ? x.words.kinds[p.kind]
            : '';
    return `${level(x, p.from)} → ${level(x, p.to)}${why ? `：${why}` : ''}`;
  },
  'escalation.up': (p, x) => `升级上报至 ${p.stationName || x.station(p.station)}：${x.duration(p.waited)}未签收`,
  'escalation.top': (p, x) => `${x.duration(p.waited)}未签收，已是最高层级`,
  'notify.failed': (p) => `通知 ${p.channel}：发送失败，稍后重试（第 ${p.attempts} 次${notifyCode(p.reason, '，代码 ')}）`,
  'notify.gave_up': (p) => `通知 ${p.channel}：发送失败，已放弃（共 ${p.attempts} 次${notifyCode(p.reason, '，代码 ')}）`,
  'notify.delivered': (p) => `通知 ${p.channel}：重试后已送达（第 ${p.attempts} 次）`,
  'repeat.false_close': (p) => `重复报警：本址${p.minutes}分钟前以误报结警（警情 ${p.of}）`,
  'video.failed': (p, x) => {
    const camera = p.cameraName && p.cameraName !== p.camera ? `${p.cameraName}（${p.camera}）` : p.camera;
    const what = p.media === 'clip' ? '录像' : '抓拍';
    const within = p.seconds === null ? '' : x.duration(p.seconds);
    if (p.reason === 'timeout' || (p.reason === 'unreachable' && within)) return `${camera} ${VIDEO[p.reason](within)}，无${what}`;
    return `${camera}：无${what}，${VIDEO[p.reason](within)}`;
  },
  'route.receiving_point': (p, x) =>
    `已推送${p.service}接警点 ${p.stationName || x.station(p.station)}${p.km !== null && p.km !== undefined ? `（距 ${p.km} 公里）` : ''}`,
  'route.no_receiving_point': (p, x) => `未配置${p.service}接警点，由辖区派出所 ${x.station(p.station)} 处理`,
  'route.no_cell': () => '不在任何网格内，无辖区派出所',
  'route.cell_station': (p, x) => `辖区派出所 ${x.station(p.station)}`,
  transfer: (p, x) => `转警：${x.station(p.from)} → ${p.toName || x.station(p.to)}${withNote(p.note)}`,
  call: (p, x) => {
    const words = {
      answered: x.text.callAnswered,
      no_answer: x.text.callNoAnswer,
      coming: x.text.callComing,
      cancelled_by_owner: x.text.callCancelled,
      wrong_number: x.text.callWrongNumber,
    };
    const check = p.passwordOk === 'true' ? '（口令正确）' : p.passwordOk === 'false' ? '（口令错误）' : '';
    return `回拨 ${nameOfContact(p)}：${words[p.outcome] ?? p.outcome}${check}${withNote(p.note)}`;
  },
  guard_ack: () => '物业签收',
  guard_onscene: () => '物业到场',
  guard_verify: (p) => `物业核实：${p.finding === 'false_alarm' ? '误报（待接警员确认）' : '确有警情'}${withNote(p.note)}`,
  feedback: (p, x) => `处警反馈（${x.nature(p.nature)}）${withNote(p.text)}`,

  cid: (p) => {
    const name = CID_NAMES_ZH[p.code] ?? '报警信息';
    const restored = p.q === 'R' ? '恢复' : '';
    const parts = [p.group ? `分组 ${p.group}` : '', p.zone !== null ? `防区 ${p.zone}` : '', p.user !== null ? `用户 ${p.user}` : ''].filter(Boolean);
    return `${name}${restored}（报警码 ${p.q}${p.code}${parts.length ? `，${parts.join('，')}` : ''}）${p.still === 'true' ? '，仍存在' : ''}`;
  },
  'device.value': (p) => {
    const words = BLOCK[p.block] ?? ['传感器报警', '传感器恢复'];
    return words[p.cleared === 'true' ? 1 : 0];
  },
  frigate: (p) => `视频识别到${FRIGATE[p.label] ?? '目标'}（${p.camera}${p.score !== null ? `，置信度 ${p.score}` : ''}）`,
  'supervision.no_heartbeat': (p, x) => `${x.duration(p.silent)}无心跳（应每 ${x.duration(p.expected)} 一次）`,
  'supervision.test_missed': (p, x) => `${x.duration(p.since)}未收到定期测试报告（应每 ${x.duration(p.expected)} 一次）`,
  'supervision.heard_again': () => '设备恢复通讯',
  'supervision.test_again': () => '重新收到定期测试报告',
  'camera.back_online': (p) => `摄像机 ${p.camera} 恢复在线`,
  'camera.offline': (p) => `摄像机 ${p.camera} 连续 ${p.polls} 次巡检失败，已离线`,
  'onvif.event': (p) => `摄像机事件：${ONVIF_TOPICS.find(([re]) => re.test(p.topic))?.[1] ?? '智能分析'}`,
  'zone.unregistered': (p) => `防区 ${p.zone} 未在本址设备文件中登记`,
};
