/**
 * The interface between ingest and device profiles. A profile turns one MQTT message of one device
 * into zero or more signals. Decoding is pure: the previous state goes in, the next state comes out,
 * so on-change semantics (zigbee2mqtt repeats its whole state each time) need no hidden memory.
 */
import type { EventKind } from '../contract/alarm-event.js';
import type { Coded } from '../contract/messages.js';
import type { ErrorCode } from '../core/errors.js';
import type { TopicPattern } from './topic-pattern.js';

/**
 * A zone of the device as decoding sees it. Declared here (config/ fills it) so that profiles, which
 * config/ loads, does not import config/: profiles pass zones through and never read more.
 */
export interface DeviceZone {
  number: number;
  name: string;
  type: string;
}

/** Last decoded values of one device, persisted by the hub between messages and restarts. */
export type DeviceState = Record<string, string | number | boolean | null>;

export interface DecodeInput {
  /** Topic the message arrived on. */
  topic: string;
  /** Which of the profile's topics it matched (see Profile.topics), e.g. 'state', 'availability'. */
  channel: string;
  payload: Buffer;
  /**
   * Levels the topic template captured (`{zone}` of `{topic}/Get/Zone{zone}`), by name; absent for
   * a topic without captures. A captured `zone` is the zone of every signal of the message.
   */
  captures?: Readonly<Record<string, string>>;
  /** Previous state ({} for a device never heard from). */
  state: DeviceState;
  device: { id: string; zone: number | null; zones: DeviceZone[]; account: string | null };
}

export interface DecodedSignal {
  kind: EventKind;
  /** Zone number; for a single-zone sensor the device's `zone`. null when not zoned. */
  zone: number | null;
  /** ISO 8601 time the device gave, if any. */
  occurredAt?: string;
  /** Device's own message identity, for duplicate suppression. */
  msgId?: string;
  /** Short human-readable detail (untrusted text, capped by ingest). */
  detail?: string;
  /** The detail as a code with parameters (src/contract/messages.ts), for the page to word. */
  message?: Coded;
  /** For bridge profiles (Frigate): the bridge's camera name, resolved by ingest to a SafeGrid camera. */
  camera?: string;
}

export type DecodeOutcome =
  | {
      ok: true;
      signals: DecodedSignal[];
      /** State to keep for the next message. */
      state: DeviceState;
      /** Set when the message says the device went online or offline (availability, last will). */
      availability?: 'online' | 'offline';
    }
  | { ok: false; code: ErrorCode; reason: string };

export interface ProfileExample {
  description?: string;
  channel?: string;
  topic?: string;
  /** Text payload, or an object serialised as JSON. */
  payload: string | Record<string, unknown>;
  state?: DeviceState;
  device?: { zone?: number | null; zones?: DeviceZone[]; account?: string | null };
  /** Signals it must produce (kind and zone, compared in order). */
  expect?: Array<{ kind: EventKind; zone?: number | null; camera?: string }>;
  /** Or the rejection it must produce. */
  expectError?: ErrorCode;
  expectAvailability?: 'online' | 'offline';
  /** Where the example is written (file, key path, 1-based line), so a failing example is reported there. */
  where?: { file: string; path: string; line: number | null };
}

export interface Profile {
  /** `native`, `zigbee2mqtt`, ... or `vendor/model` for installer profiles. */
  id: string;
  vendor: string;
  description: string;
  /** Where it came from: 'builtin' or a file path relative to the config root. */
  source: string;
  /**
   * The topics a device bound to `deviceTopic` publishes on, each with the channel it decodes as.
   * A template that captures a level (`{zone}`) gives an MQTT filter as `topic` and its `pattern`.
   */
  topics(deviceTopic: string): Array<{ topic: string; channel: string; pattern?: TopicPattern }>;
  /**
   * Topics the device publishes that carry nothing for the hub (telemetry, state dumps: Tasmota
   * `tele/<t>/STATE`, Shelly `sensor/battery`): accepted, counted as housekeeping, never refused —
   * a refused PUBLISH costs the device its connection. MQTT filters with their matchers.
   */
  ignored?(deviceTopic: string): TopicPattern[];
  decode(input: DecodeInput): DecodeOutcome;
  examples: ProfileExample[];
}

export interface ProfileRegistry {
  get(id: string): Profile | undefined;
  all(): Profile[];
  /** A model that is written in a profile file but was skipped for its problems: where it is. */
  skipped?(id: string): { file: string; line: number | null } | undefined;
  /** The installer's file of a vendor (`devices/profiles/<vendor>.yaml`), loaded or not. */
  vendorFile?(vendor: string): string | undefined;
}
