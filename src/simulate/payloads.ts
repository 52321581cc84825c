/**
 * What real devices of each built-in profile put on the wire, for `safegrid simulate`, the demo,
 * the tests and the benchmark. Encoders, not decoders: the decoders live in profiles/ and must be
 * able to read everything produced here.
 */
import type { EventKind } from '../contract/alarm-event.js';

export interface WireMessage {
  topic: string;
  payload: string;
  retain?: boolean;
}

/** SafeGrid native JSON on `<base>/event`, stamped now. */
export function nativeEvent(base: string, kind: EventKind, zone: number | null, msgId: string): WireMessage {
  return nativeEventAt({ base, kind, zone, msgId, at: new Date() });
}

export interface NativeEvent {
  /** The device's topic; the message goes to `<base>/event`. */
  base: string;
  kind: EventKind;
  zone: number | null;
  msgId: string;
  /** The device's own time for the event. */
  at: Date;
}

/** SafeGrid native JSON on `<base>/event`, with the device's own time. */
export function nativeEventAt({ base, kind, zone, msgId, at }: NativeEvent): WireMessage {
  const body: Record<string, unknown> = { kind, at: at.toISOString(), msgId };
  if (zone !== null) body.zone = zone;
  return { topic: `${base}/event`, payload: JSON.stringify(body) };
}

/** Native heartbeat / last will on `<base>/status`. */
export function nativeStatus(base: string, state: 'online' | 'offline'): WireMessage {
  return { topic: `${base}/status`, payload: state };
}

/** The fields of one Contact ID message (SIA DC-05): qualifier 1 new event, 3 restore, 6 status. */
export interface ContactIdFields {
  account: string;
  qualifier: 1 | 3 | 6;
  /** Event code, e.g. 130 burglary, 602 periodic test. */
  code: number;
  group: number;
  zone: number;
}

/**
 * Ademco Contact ID (SIA DC-05) as the 16-digit ASCII string `AAAA18QEEEGGZZZS`. The checksum digit
 * S makes the sum of all digits (0 counted as 10) a multiple of 15.
 */
export function contactId({ account, qualifier, code, group, zone }: ContactIdFields): string {
  const body = `${account.padStart(4, '0')}18${qualifier}${String(code).padStart(3, '0')}${String(group).padStart(2, '0')}${String(zone).padStart(3, '0')}`;
  const sum = [...body].reduce((s, ch) => s + (ch === '0' ? 10 : parseInt(ch, 16)), 0);
  const check = (15 - (sum % 15)) % 15;
  // A digit worth 10 is written 0 (DC-05 counts 0 as 10); a needed 0 is sent as F (15).
  return body + (check === 0 ? 'F' : check === 10 ? '0' : check.toString(16).toUpperCase());
}

export const CONTACT_ID_CODE: Partial<Record<EventKind, number>> = {
  medical: 100,
  fire: 110,
  smoke: 111,
  panic: 120,
  duress: 121,
  burglary: 130,
  perimeter: 131,
  intrusion: 132,
  tamper: 137,
  gas: 151,
  water: 154,
  'trouble.ac_loss': 301,
  'trouble.low_battery': 302,
  test: 602,
};

/** A zigbee2mqtt device repeats its whole state on every message. */
export function zigbeeState(topic: string, state: Record<string, unknown>): WireMessage {
  return { topic, payload: JSON.stringify({ linkquality: 120, battery: 87, voltage: 3000, ...state }) };
}

/** zigbee2mqtt availability: 2.x sends JSON, 1.x a plain string. */
export function zigbeeAvailability(topic: string, state: 'online' | 'offline', legacy = false): WireMessage {
  return { topic: `${topic}/availability`, payload: legacy ? state : JSON.stringify({ state }) };
}

/** One Frigate detection event: its type, the camera and label, the event id and its start (Unix seconds). */
export interface FrigateDetection {
  type: 'new' | 'update' | 'end';
  camera: string;
  label: string;
  id: string;
  startTime: number;
}

/** Frigate `frigate/events` message for a detection. */
export function frigateEvent({ type, camera, label, id, startTime }: FrigateDetection): WireMessage {
  const after = {
    id,
    camera,
    frame_time: startTime + (type === 'new' ? 0 : 2),
    label,
    sub_label: null,
    top_score: 0.84,
    false_positive: false,
    start_time: startTime,
    end_time: type === 'end' ? startTime + 8 : null,
    score: 0.81,
    box: [424, 500, 536, 712],
    area: 23744,
    region: [264, 450, 667, 853],
    current_zones: ['driveway'],
    entered_zones: ['driveway'],
    has_clip: true,
    has_snapshot: true,
  };
  return { topic: 'frigate/events', payload: JSON.stringify({ type, before: after, after }) };
}

/** Home Assistant alarm_control_panel state. */
export function homeAssistantState(topic: string, state: string): WireMessage {
  return { topic, payload: state, retain: true };
}
