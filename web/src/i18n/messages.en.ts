/** English wording of every message code the hub sends (src/contract/messages.ts); see messages.zh-CN.ts. */
import type { Priority } from '../../../src/contract/alarm-event.js';
import type { PriorityAdjust, VideoFailure } from '../../../src/contract/messages.js';
import type { MessageCatalogue, SayContext } from './catalogue.js';
import { notifyCode } from './notify-code.js';

const level = (x: SayContext, p: Priority | null | undefined): string => (p ? x.words.priorities[p] : '—');

const ADJUST: Readonly<Record<Exclude<PriorityAdjust, null>, string>> = {
  disarmed: 'site disarmed',
  armed_trouble: 'trouble while armed',
  night: 'at night',
};

const adjust = (x: SayContext, p: { adjust: PriorityAdjust; adjusted: Priority | null }): string =>
  p.adjust ? `; ${ADJUST[p.adjust]} → ${level(x, p.adjusted)}` : '';

const withNote = (note: string | null | undefined): string => (note ? `: ${note}` : '');

const VIDEO: Readonly<Record<VideoFailure, (s: string) => string>> = {
  timeout: (s) => `did not answer within ${s}`,
  unreachable: (s) => (s ? `did not answer within ${s} (unreachable)` : 'cannot be reached'),
  not_authorized: () => 'refused the user name or password',
  disabled: () => 'is not in use',
  no_ffmpeg: () => 'ffmpeg is not installed',
  no_stream: () => 'no stream address known',
  cut_short: (s) => `the camera closed the stream after ${s}`,
  ended: () => 'the camera closed the connection',
  other: () => 'failed',
};

const BLOCK: Readonly<Record<string, readonly [string, string]>> = {
  contact: ['contact open', 'contact closed'],
  motion: ['motion', 'motion cleared'],
  smoke: ['smoke', 'smoke cleared'],
  gas: ['gas', 'gas cleared'],
  carbon_monoxide: ['carbon monoxide', 'carbon monoxide cleared'],
  water_leak: ['water leak', 'water leak cleared'],
  vibration: ['vibration', 'vibration cleared'],
  tamper: ['tamper', 'tamper cleared'],
  battery_low: ['battery low', 'battery low cleared'],
  field_map: ['sensor alarm', 'sensor cleared'],
  action: ['button', 'button released'],
  state_map: ['state', 'state'],
};

const nameOfContact = (p: { contact: number; contactName?: string | null }): string => p.contactName ?? `contact ${p.contact + 1}`;

export const enMessages: MessageCatalogue = {
  'reason.kind': (p, x) => `${x.words.kinds[p.kind]} → ${level(x, p.priority)}${adjust(x, p)}`,
  'reason.zones': (p, x) => `intrusion confirmed by ${p.zones} zones → ${level(x, p.priority)}${adjust(x, p)}`,
  'reason.video': (p, x) => `intrusion confirmed by video (person detected) → ${level(x, p.priority)}${adjust(x, p)}`,
  'reason.none': (p, x) => `no alarm kind; technical → ${level(x, p.priority)}${adjust(x, p)}`,

  'status.changed': (p, x) =>
    `${x.words.statuses[p.from]} → ${x.words.statuses[p.to]}${p.unit ? `; unit: ${p.unit}${p.note ? `; note: ${p.note}` : ''}` : withNote(p.note)}`,
  'status.handover': (p) => `handed over: ${p.from} → ${p.to}`,
  'drill.made_real': (p) => `drill turned into a real incident${p.note ? `: ${p.note}` : ''}`,
  'status.takeover': (p) => `taken over${p.from ? ` from ${p.from}` : ''}`,
  'priority.raised': (p, x) => {
    const why =
      p.reason === 'reason.zones'
        ? `intrusion confirmed by ${p.zones ?? 2} zones`
        : p.reason === 'reason.video'
          ? 'intrusion confirmed by video (person detected)'
          : p.reason === 'reason.kind' && p.kind
            ? x.words.kinds[p.kind]
            : '';
    return `${level(x, p.from)} → ${level(x, p.to)}${why ? `: ${why}` : ''}`;
  },
  'escalation.up': (p, x) => `escalated to ${p.stationName || x.station(p.station)}: not acknowledged within ${x.duration(p.waited)}`,
  'escalation.top': (p, x) => `not acknowledged within ${x.duration(p.waited)}; already at the top tier`,
  'notify.failed': (p) => `alert via ${p.channel} failed; retrying (attempt ${p.attempts}${notifyCode(p.reason, ', code ')})`,
  'notify.gave_up': (p) => `alert via ${p.channel} failed; gave up after ${p.attempts} attempts${notifyCode(p.reason, ', code ')}`,
  'notify.delivered': (p) => `alert via ${p.channel} delivered on attempt ${p.attempts}`,
  'repeat.false_close': (p) => `repeat alarm: closed as false ${p.minutes} min ago (incident ${p.of})`,
  'video.failed': (p, x) => {
    const camera = p.cameraName && p.cameraName !== p.camera ? `${p.cameraName} (${p.camera})` : p.camera;
    const within = p.seconds === null ? '' : x.duration(p.seconds);
    const detail = p.detail && (p.reason === 'other' || p.reason === 'unreachable') ? ` (${p.detail})` : '';
    if (p.reason === 'timeout' || (p.reason === 'unreachable' && within)) return `${camera} ${VIDEO[p.reason](within)}, no ${p.media}`;
    return `${camera}: no ${p.media}, ${VIDEO[p.reason](within)}${detail}`;
  },
  'route.receiving_point': (p, x) =>
    `routed to the ${p.service} receiving point ${p.stationName || x.station(p.station)}${p.km !== null && p.km !== undefined ? ` (${p.km} km)` : ''}`,
  'route.no_receiving_point': (p, x) => `no ${p.service} receiving point configured; kept by ${x.station(p.station)}`,
  'route.no_cell': () => 'outside every grid cell: no station',
  'route.cell_station': (p, x) => `the cell's station ${x.station(p.station)}`,
  transfer: (p, x) => `transferred: ${x.station(p.from)} → ${p.toName || x.station(p.to)}${withNote(p.note)}`,
  call: (p, x) => {
    const words = {
      answered: x.text.callAnswered,
      no_answer: x.text.callNoAnswer,
      coming: x.text.callComing,
      cancelled_by_owner: x.text.callCancelled,
      wrong_number: x.text.callWrongNumber,
    };
    const check = p.passwordOk === 'true' ? ' (password ok)' : p.passwordOk === 'false' ? ' (wrong password)' : '';
    return `call to ${nameOfContact(p)}: ${words[p.outcome] ?? p.outcome}${check}${withNote(p.note)}`;
  },
  guard_ack: () => 'guard acknowledged',
  guard_onscene: () => 'guard on scene',
  guard_verify: (p) => `guard verified: ${p.finding === 'false_alarm' ? 'false alarm, for the operator to confirm' : 'confirmed'}${withNote(p.note)}`,
  feedback: (p, x) => `report back (${x.nature(p.nature)})${withNote(p.text)}`,

  cid: (p) => {
    const parts = [p.group ? `group ${p.group}` : '', p.zone !== null ? `zone ${p.zone}` : '', p.user !== null ? `user ${p.user}` : ''].filter(Boolean);
    return `CID ${p.q}${p.code} ${p.name}${parts.length ? `, ${parts.join(', ')}` : ''}${p.still === 'true' ? ' (still present)' : ''}`;
  },
  'device.value': (p) => `${(BLOCK[p.block] ?? ['sensor alarm', 'sensor cleared'])[p.cleared === 'true' ? 1 : 0]} (${p.property} = ${p.value})`,
  frigate: (p) => `Frigate: ${p.label} on ${p.camera}${p.score !== null ? ` (score ${p.score})` : ''}`,
  'supervision.no_heartbeat': (p, x) => `no heartbeat for ${x.duration(p.silent)} (expected every ${x.duration(p.expected)})`,
  'supervision.test_missed': (p, x) => `no periodic test for ${x.duration(p.since)} (expected every ${x.duration(p.expected)})`,
  'supervision.heard_again': () => 'device heard from again',
  'supervision.test_again': () => 'periodic test received again',
  'camera.back_online': (p) => `camera ${p.camera} back online`,
  'camera.offline': (p) => `camera ${p.camera} offline after ${p.polls} failed polls: ${p.reason}`,
  'onvif.event': (p) => `ONVIF ${p.topic}${p.source ? ` (${p.source})` : ''}`,
  'zone.unregistered': (p) => `zone ${p.zone} is not registered in ${p.file}`,
};
