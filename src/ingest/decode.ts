import { createHash } from 'node:crypto';
import type { InboundMessage } from '../broker/types.js';
import type { ErrorCode } from '../core/errors.js';
import { LIMITS } from '../core/limits.js';
import type { DecodedSignal, DeviceState } from '../profiles/types.js';
import { deviceKey, type Binding, type TopicRouter } from './router.js';
import { checkTopic } from './topic.js';

/** What one message decodes to; no I/O, no clock: the caller counts, logs and records. */
export type Decoded =
  | { type: 'rejected'; code: ErrorCode; reason: string /** A decoder that threw (a bug in a profile), to log. */; thrown?: { err: unknown; profile: string } }
  /** A bridge talking about itself (zigbee2mqtt `bridge/…`, `frigate/stats`): accepted, ignored. */
  | { type: 'housekeeping' }
  | DecodedMessage;

export interface DecodedMessage {
  type: 'decoded';
  binding: Binding;
  /** Key of the publisher's live state: `site/device`, or `bridge:<id>`. */
  key: string;
  /** State to keep for the next message of this publisher. */
  state: DeviceState;
  /** Set when the message says the device went online or offline. */
  availability?: 'online' | 'offline';
  signals: DecodedSignal[];
  /** The payload as stored with events (capped). */
  raw: string;
  /** Hash of the payload: dedupe key of events without a device message id. */
  payloadHash: string;
}

/** Lookup tables decode reads (the current topic router). */
export type DecodeRoutes = Pick<TopicRouter, 'route' | 'isHousekeeping'>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Key of a publisher's live state; devices are keyed by site, bridges by their own id. */
export function bindingKey(binding: Binding): string {
  return binding.type === 'device' ? deviceKey(binding.site.id, binding.device.id) : `bridge:${binding.bridge.id}`;
}

/**
 * Checks and decodes one message: topic rules, size cap, route to a device or bridge, UTF-8, then
 * the profile's decoder with the publisher's previous state (`stateOf`), for on-change decoding.
 * The checks run cheapest first, so junk is turned away before any decoding.
 */
export function decode(msg: InboundMessage, routes: DecodeRoutes, stateOf: (key: string) => DeviceState): Decoded {
  const topicProblem = checkTopic(msg.topic);
  if (topicProblem) return { type: 'rejected', code: 'SG_INGEST_BAD_TOPIC', reason: topicProblem };
  if (msg.payload.length > LIMITS.maxPayloadBytes) {
    return { type: 'rejected', code: 'SG_INGEST_OVERSIZE', reason: `payload ${msg.payload.length} bytes; limit ${LIMITS.maxPayloadBytes}` };
  }
  const binding = routes.route(msg.topic);
  if (!binding) {
    if (routes.isHousekeeping(msg.topic)) return { type: 'housekeeping' };
    return { type: 'rejected', code: 'SG_INGEST_UNKNOWN_TOPIC', reason: 'no device is bound to this topic' };
  }
  let text: string;
  try {
    text = utf8.decode(msg.payload);
  } catch {
    return { type: 'rejected', code: 'SG_INGEST_BAD_UTF8', reason: 'payload is not valid UTF-8' };
  }
  const key = bindingKey(binding);
  let outcome: ReturnType<typeof binding.profile.decode>;
  try {
    outcome = binding.profile.decode({
      topic: msg.topic,
      channel: binding.channel,
      payload: msg.payload,
      ...(binding.captures ? { captures: binding.captures } : {}),
      state: stateOf(key),
      device:
        binding.type === 'device'
          ? { id: binding.device.id, zone: binding.device.zone, zones: binding.device.zones, account: binding.device.account }
          : { id: binding.bridge.id, zone: null, zones: [], account: null },
    });
  } catch (err) {
    // A decoder must not throw; if one does, the message is rejected, not the hub.
    const profile = binding.profile.id;
    return { type: 'rejected', code: 'SG_INGEST_UNDECODABLE', reason: `profile ${profile} failed on this payload`, thrown: { err, profile } };
  }
  if (!outcome.ok) return { type: 'rejected', code: outcome.code, reason: outcome.reason };
  return {
    type: 'decoded',
    binding,
    key,
    state: outcome.state,
    ...(outcome.availability ? { availability: outcome.availability } : {}),
    signals: outcome.signals,
    raw: capUtf8(text, LIMITS.maxStoredRawBytes),
    payloadHash: payloadHash(msg.payload, binding.captures ? msg.topic : null),
  };
}

/**
 * Dedupe key of a payload. A device whose topic names the zone (`dsc/Get/Zone3`) sends the same
 * payload ("1") for every zone: there the topic is part of the message, or zone 4 opening right
 * after zone 3 would be taken for a repeat of it.
 */
function payloadHash(payload: Buffer, topic: string | null): string {
  const h = createHash('sha1');
  if (topic !== null) h.update(topic).update('\0');
  return h.update(payload).digest('hex').slice(0, 20);
}

/** Truncate to at most `max` UTF-8 bytes without splitting a character. */
export function capUtf8(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let cut = Buffer.from(text).subarray(0, max).toString('utf8');
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut + '…';
}
