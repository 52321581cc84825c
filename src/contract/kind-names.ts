/**
 * Event kinds in Chinese, as the operator reads them everywhere: the console's queue and detail
 * (web/src/i18n/zh-CN.ts) and the hub's priority reasons (dispatch/priority.ts). One table, so the
 * queue's 紧急求助 is never the reason's 紧急按钮.
 */
import type { EventKind } from './alarm-event.js';

export const KIND_NAMES_ZH: Readonly<Record<EventKind, string>> = {
  panic: '紧急求助',
  duress: '胁迫报警',
  fire: '火警',
  smoke: '烟感报警',
  gas: '燃气泄漏',
  medical: '急救求助',
  burglary: '盗窃报警',
  intrusion: '入侵报警',
  perimeter: '周界报警',
  tamper: '防拆报警',
  water: '水浸报警',
  video_motion: '视频移动侦测',
  person_detected: '视频发现人员',
  'trouble.ac_loss': '交流断电',
  'trouble.low_battery': '电池欠压',
  'trouble.comm': '通讯故障',
  'trouble.offline': '设备离线',
  restore: '恢复',
  arm: '布防',
  disarm: '撤防',
  test: '测试',
};
