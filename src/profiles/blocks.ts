/**
 * The reusable blocks a model is built from (zigbee-herdsman-converters' "modern extends": a model
 * is a list of small, tested behaviours with options instead of a converter written per device).
 *
 * Each block has an options schema (strict: a typo is an error with its line) and a runtime that
 * reads the decoded message, compares with the device's previous state and appends signals.
 *
 * On-change rule for the state blocks (contact, motion, smoke, … state_map): a signal is produced
 * only when the value moves into the alarm position relative to the previous state; with no
 * previous value, a value in the alarm position is an alarm and one in the normal position is just
 * state. zigbee2mqtt republishes the whole device state on every report (a battery update repeats
 * `"contact": false`), so without this rule one open door would raise an alarm per battery report.
 */
import { z } from 'zod';
import { EVENT_KINDS, isEventKind, type EventKind } from '../contract/alarm-event.js';
import { message, type Coded } from '../contract/messages.js';
import type { ErrorCode } from '../core/errors.js';
import { LIMITS } from '../core/limits.js';
import type { DecodedSignal, DecodeInput, DeviceState } from './types.js';
import { channelName, kindSchema, propertyPath, scalarOrList, strict } from './schema-helpers.js';
import { cap, describe, describeChoices, getPath, isPlainObject, isScalar, parseJson, scalarIn, type Scalar } from './values.js';

export type Format = 'json' | 'text';

export interface Failure {
  code: ErrorCode;
  reason: string;
}

/** The message as blocks see it: the decoded root (JSON object or trimmed text), parsed once. */
export interface Message {
  text: string;
  format: Format;
  /** JSON object (format json) or trimmed text (format text). */
  root(): { ok: true; value: unknown } | { ok: false; failure: Failure };
}

export interface RunContext {
  msg: Message;
  prev: DeviceState;
  next: DeviceState;
  device: DecodeInput['device'];
  /** The zone of this message's signals unless a block says otherwise: the captured `{zone}`, else the device's. */
  zone: number | null;
  /** Appended to state keys when the zone came from the topic: each zone keeps its own on-change state. */
  keySuffix: string;
  signals: DecodedSignal[];
  availability?: 'online' | 'offline';
}

export interface BlockRuntime {
  block: string;
  channel: string;
  run(ctx: RunContext): Failure | undefined;
}

interface BlockDef {
  /** What the block is for, shown in the README's reference and in "expected one of" lists. */
  summary: string;
  schema: z.ZodType;
  // biome-ignore lint/suspicious/noExplicitAny: each block's options are checked by its own `schema` before build runs
  build(options: any, format: Format): BlockRuntime;
}

export function makeMessage(text: string, format: Format): Message {
  let cached: ReturnType<Message['root']> | undefined;
  return {
    text,
    format,
    root() {
      if (cached) return cached;
      if (format === 'text') {
        cached = { ok: true, value: text.trim() };
        return cached;
      }
      const parsed = parseJson(text);
      if (!parsed.ok) {
        cached = {
          ok: false,
          failure: { code: parsed.depth ? 'SG_INGEST_UNDECODABLE' : 'SG_INGEST_BAD_JSON', reason: parsed.reason },
        };
      } else if (!isPlainObject(parsed.value)) {
        cached = {
          ok: false,
          failure: { code: 'SG_INGEST_UNDECODABLE', reason: `payload: got ${describe(parsed.value)}; expected a JSON object` },
        };
      } else {
        cached = { ok: true, value: parsed.value };
      }
      return cached;
    },
  };
}

const undecodable = (reason: string): Failure => ({ code: 'SG_INGEST_UNDECODABLE', reason: cap(reason) });

/** Reads `property` from the root (JSON) or the whole payload (text). */
function read(ctx: RunContext, property: string | null): { ok: true; value: unknown } | { ok: false; failure: Failure } {
  const root = ctx.msg.root();
  if (!root.ok) return root;
  if (ctx.msg.format === 'text' || property === null) return root;
  return { ok: true, value: getPath(root.value, property) };
}

/** One signal a block found: its kind, zone, the detail in words and, when it has one, the coded message. */
interface Found {
  kind: EventKind;
  zone: number | null;
  detail: string;
  coded?: Coded;
}

function signal(ctx: RunContext, { kind, zone, detail, coded }: Found): void {
  ctx.signals.push({ kind, zone, detail: cap(detail), ...(coded ? { message: coded } : {}) });
}

/** Zone names compare without case, and `_`, `-` and spaces alike (PAI writes `Front_door` for "Front door"). */
function zoneKey(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ');
}

/**
 * A zone a device names in its topic or payload: a whole number (`3`, `"003"`), or the name of one
 * of the device's zones (PAI publishes zones by label).
 */
export function resolveZone(value: unknown, device: DecodeInput['device']): { ok: true; zone: number } | { ok: false; failure: Failure } {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return { ok: true, zone: value };
  if (typeof value === 'string' && /^\d{1,6}$/.test(value.trim())) return { ok: true, zone: Number(value.trim()) };
  if (typeof value === 'string' && value.trim() !== '') {
    const want = zoneKey(value);
    const found = device.zones.find((z) => zoneKey(z.name) === want);
    if (found) return { ok: true, zone: found.number };
    const known = device.zones.map((z) => `${z.number} ${z.name}`).join(', ');
    return {
      ok: false,
      failure: undecodable(`zone: got ${describe(value)}; expected a zone number or the name of one of the device's zones (${known || 'it declares none'})`),
    };
  }
  return { ok: false, failure: undecodable(`zone: got ${describe(value)}; expected a zone number or a zone name`) };
}

/** Where a block's signal goes: its fixed `zone`, the payload's `zone_property`, else the message's zone. */
function zoneFor(
  ctx: RunContext,
  fixed: number | undefined,
  zoneProperty: string | undefined,
): { ok: true; zone: number | null; suffix: string } | { ok: false; failure: Failure } {
  if (fixed !== undefined) return { ok: true, zone: fixed, suffix: '' };
  if (zoneProperty !== undefined && ctx.msg.format === 'json') {
    const root = ctx.msg.root();
    if (!root.ok) return root;
    const v = getPath(root.value, zoneProperty);
    if (v !== undefined && v !== null) {
      const z = resolveZone(v, ctx.device);
      if (!z.ok) return z;
      return { ok: true, zone: z.zone, suffix: `#${z.zone}` };
    }
  }
  return { ok: true, zone: ctx.zone, suffix: ctx.keySuffix };
}

/** A block's reading as a code: which sensor (`block`), the property and value it read, and whether it cleared. */
function valueMessage(block: string, property: string, v: unknown, cleared = false): Coded {
  return message('device.value', { block, property: cap(property, 64), value: cap(describe(v), 64), cleared: cleared ? 'true' : null });
}

/** Kinds that describe the normal position: never raised by a first message with no prior state. */
const NORMAL_KINDS: ReadonlySet<EventKind> = new Set(['arm', 'disarm', 'restore', 'test']);
/** The armed state: a first report of it sets the site's state (arm/disarm never open an incident). */
const ARMING_KINDS: ReadonlySet<EventKind> = new Set(['arm', 'disarm']);

// ---------------------------------------------------------------------------------------------
// Binary blocks: one property, an alarm position and a normal position.

interface BinarySpec {
  block: string;
  channel: string;
  property: string | null;
  kind: EventKind;
  restore: boolean;
  zone: number | undefined;
  /** Payload field that names the zone (EnvisaLink's one topic for every zone). */
  zoneProperty: string | undefined;
  /** true: alarm position, false: normal position, 'bad': a value this block does not accept. */
  classify(v: unknown): boolean | 'bad';
  expected: string;
  alarmWord: string;
}

function binaryRuntime(spec: BinarySpec, format: Format): BlockRuntime {
  const label = format === 'text' || spec.property === null ? spec.block : spec.property;
  return {
    block: spec.block,
    channel: spec.channel,
    run(ctx) {
      const r = read(ctx, spec.property);
      if (!r.ok) return r.failure;
      const v = r.value;
      const where = zoneFor(ctx, spec.zone, spec.zoneProperty);
      if (!where.ok) return where.failure;
      const key = label + where.suffix;
      // Absent: not part of this report. null: zigbee2mqtt's "not reported yet" (it publishes
      // `"contact": null` for a sensor paired but not yet heard from). Neither changes anything.
      if (v === undefined || v === null || (format === 'text' && v === '')) return undefined;
      const active = spec.classify(v);
      if (active === 'bad') return undecodable(`${label}: got ${describe(v)}; expected ${spec.expected}`);
      const before = ctx.prev[key];
      const prevActive = before === undefined || before === null ? undefined : spec.classify(before);
      ctx.next[key] = v as Scalar;
      if (active && prevActive !== true)
        signal(ctx, { kind: spec.kind, zone: where.zone, detail: `${label} ${describe(v)} (${spec.alarmWord})`, coded: valueMessage(spec.block, label, v) });
      else if (!active && prevActive === true && spec.restore)
        signal(ctx, {
          kind: 'restore',
          zone: where.zone,
          detail: `${label} ${describe(v)} (${spec.alarmWord} cleared)`,
          coded: valueMessage(spec.block, label, v, true),
        });
      return undefined;
    },
  };
}

const common = {
  property: propertyPath.optional(),
  kind: kindSchema.optional(),
  restore: z.boolean().optional(),
  zone: z.number().int().min(0).optional(),
  zone_property: propertyPath.optional(),
  channel: channelName.optional(),
};

function onOffClassifier(on: Scalar[], off: Scalar[]) {
  return (v: unknown): boolean | 'bad' => (scalarIn(v, on) ? true : scalarIn(v, off) ? false : 'bad');
}

/** A block for a boolean-ish property with an alarm ("on") and a normal ("off") value. */
/** A boolean-ish block: its name, its one-line summary, the property it reads, the kind it raises, whether it restores. */
interface SimpleBinary {
  block: string;
  summary: string;
  property: string;
  kind: EventKind;
  restore: boolean;
}

function simpleBinary({ block, summary, property, kind, restore }: SimpleBinary): BlockDef {
  const schema = strict({ ...common, on: scalarOrList.optional(), off: scalarOrList.optional() });
  return {
    summary,
    schema,
    build(o: z.infer<typeof schema>, format) {
      const on = o.on ?? [true];
      const off = o.off ?? [false];
      return binaryRuntime(
        {
          block,
          channel: o.channel ?? 'state',
          property: format === 'text' ? null : (o.property ?? property),
          kind: o.kind ?? kind,
          restore: o.restore ?? restore,
          zone: o.zone,
          zoneProperty: o.zone_property,
          classify: onOffClassifier(on, off),
          expected: describeChoices([...on, ...off]),
          alarmWord: block.replace(/_/g, ' '),
        },
        format,
      );
    },
  };
}

const contactSchema = strict({
  ...common,
  polarity: z.boolean().optional(),
  open: scalarOrList.optional(),
  closed: scalarOrList.optional(),
});

const contact: BlockDef = {
  summary: 'door/window contact; `polarity` is the value that means OPEN (zigbee2mqtt: false); closing yields restore',
  schema: contactSchema,
  build(o: z.infer<typeof contactSchema>, format) {
    // zigbee2mqtt's `contact` is true when the magnet is near, i.e. CLOSED; false means OPEN.
    const polarity = o.polarity ?? false;
    const open = o.open ?? [polarity];
    const closed = o.closed ?? (o.open ? [] : [!polarity]);
    return binaryRuntime(
      {
        block: 'contact',
        channel: o.channel ?? 'state',
        property: format === 'text' ? null : (o.property ?? 'contact'),
        kind: o.kind ?? 'intrusion',
        restore: o.restore ?? true,
        zone: o.zone,
        zoneProperty: o.zone_property,
        classify: onOffClassifier(open, closed),
        expected: describeChoices([...open, ...closed]),
        alarmWord: 'open',
      },
      format,
    );
  },
};

const batterySchema = strict({ ...common, on: scalarOrList.optional(), off: scalarOrList.optional(), below: z.number().optional() });

const batteryLow: BlockDef = {
  summary: 'low battery → trouble.low_battery; boolean `battery_low`, or a numeric property with `below: <threshold>`',
  schema: batterySchema,
  build(o: z.infer<typeof batterySchema>, format) {
    const below = o.below;
    const on = o.on ?? [true];
    const off = o.off ?? [false];
    const classify =
      below === undefined ? onOffClassifier(on, off) : (v: unknown): boolean | 'bad' => (typeof v === 'number' && Number.isFinite(v) ? v < below : 'bad');
    return binaryRuntime(
      {
        block: 'battery_low',
        channel: o.channel ?? 'state',
        property: format === 'text' ? null : (o.property ?? 'battery_low'),
        kind: o.kind ?? 'trouble.low_battery',
        restore: o.restore ?? true,
        zone: o.zone,
        zoneProperty: o.zone_property,
        classify,
        expected: below === undefined ? describeChoices([...on, ...off]) : 'a number',
        alarmWord: 'battery low',
      },
      format,
    );
  },
};

const fieldMapSchema = strict({
  ...common,
  kind: kindSchema,
  equals: scalarOrList.refine((v) => v !== undefined, { error: 'a value or a list of values' }),
  on_change: z.boolean().optional(),
});

const fieldMap: BlockDef = {
  summary: 'generic: when `property` equals one of `equals`, raise `kind` (on change unless on_change: false)',
  schema: fieldMapSchema,
  build(o: z.infer<typeof fieldMapSchema>, format) {
    const equals = o.equals ?? [];
    const property = format === 'text' ? null : (o.property ?? null);
    const label = property ?? 'field_map';
    const base = binaryRuntime(
      {
        block: 'field_map',
        channel: o.channel ?? 'state',
        property,
        kind: o.kind,
        restore: o.restore ?? false,
        zone: o.zone,
        zoneProperty: o.zone_property,
        classify: (v) => (isScalar(v) ? scalarIn(v, equals) : 'bad'),
        expected: 'a single value (text, number, true/false)',
        alarmWord: o.kind,
      },
      format,
    );
    if (o.on_change !== false) return base;
    // Event semantics: every matching message is an event (devices that send an alarm once).
    return {
      block: 'field_map',
      channel: base.channel,
      run(ctx) {
        const r = read(ctx, property);
        if (!r.ok) return r.failure;
        if (r.value === undefined || r.value === null) return undefined;
        if (!isScalar(r.value)) return undecodable(`${label}: got ${describe(r.value)}; expected a single value (text, number, true/false)`);
        const where = zoneFor(ctx, o.zone, o.zone_property);
        if (!where.ok) return where.failure;
        if (scalarIn(r.value, equals))
          signal(ctx, { kind: o.kind, zone: where.zone, detail: `${label} ${describe(r.value)}`, coded: valueMessage('field_map', label, r.value) });
        return undefined;
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Event blocks.

const DEFAULT_ACTIONS: Record<string, EventKind> = { sos: 'panic', emergency: 'panic', panic: 'panic' };

const actionSchema = strict({
  property: propertyPath.optional(),
  map: z.record(z.string(), kindSchema).optional(),
  zone: z.number().int().min(0).optional(),
  zone_property: propertyPath.optional(),
  channel: channelName.optional(),
});

const action: BlockDef = {
  summary: 'button/keyfob actions: `map` of action value → kind (default sos, emergency, panic → panic); every message is an event',
  schema: actionSchema,
  build(o: z.infer<typeof actionSchema>, format) {
    const property = format === 'text' ? null : (o.property ?? 'action');
    const label = property ?? 'action';
    const map = new Map<string, EventKind>(Object.entries(o.map ?? DEFAULT_ACTIONS));
    return {
      block: 'action',
      channel: o.channel ?? 'state',
      run(ctx) {
        const r = read(ctx, property);
        if (!r.ok) return r.failure;
        const v = r.value;
        // zigbee2mqtt never caches `action` in the device state (lib/state.ts dontCacheProperties),
        // so each message carrying it is a fresh press; "" is its "no action" placeholder.
        if (v === undefined || v === null || v === '') return undefined;
        if (typeof v !== 'string' && typeof v !== 'number') return undecodable(`${label}: got ${describe(v)}; expected text`);
        const kind = map.get(String(v));
        const where = zoneFor(ctx, o.zone, o.zone_property);
        if (!where.ok) return where.failure;
        // Unmapped actions (single, double, hold …) are ordinary button presses, not alarms.
        if (kind) signal(ctx, { kind, zone: where.zone, detail: `${label} ${describe(v)}`, coded: valueMessage('action', label, v) });
        return undefined;
      },
    };
  },
};

const availabilitySchema = strict({
  channel: channelName.optional(),
  property: propertyPath.optional(),
  online: z.string().min(1).optional(),
  offline: z.string().min(1).optional(),
});

const availability: BlockDef = {
  summary: 'online/offline: plain text (zigbee2mqtt 1.x, last will) or JSON {"state":"online"} (zigbee2mqtt 2.x)',
  schema: availabilitySchema,
  build(o: z.infer<typeof availabilitySchema>) {
    const online = o.online ?? 'online';
    const offline = o.offline ?? 'offline';
    const property = o.property ?? 'state';
    const expected = `${describeChoices([online, offline])} or {"${property}":"${online}"}`;
    return {
      block: 'availability',
      channel: o.channel ?? 'availability',
      run(ctx) {
        const text = ctx.msg.text.trim();
        let value: unknown = text;
        if (text.startsWith('{')) {
          const parsed = parseJson(text);
          if (!parsed.ok) return { code: parsed.depth ? 'SG_INGEST_UNDECODABLE' : 'SG_INGEST_BAD_JSON', reason: parsed.reason };
          value = getPath(parsed.value, property);
        }
        if (value === online) ctx.availability = 'online';
        else if (value === offline) ctx.availability = 'offline';
        else return undecodable(`availability: got ${describe(value)}; expected ${expected}`);
        ctx.next.availability = ctx.availability;
        return undefined;
      },
    };
  },
};

const stateMapSchema = strict({
  property: propertyPath.optional(),
  map: z.record(z.string(), kindSchema.nullable()),
  ignore_unknown: z.boolean().optional(),
  zone: z.number().int().min(0).optional(),
  zone_property: propertyPath.optional(),
  channel: channelName.optional(),
});

const stateMap: BlockDef = {
  summary: 'a property whose value maps to a kind (null: state only), raised when the value changes',
  schema: stateMapSchema,
  build(o: z.infer<typeof stateMapSchema>, format) {
    const property = format === 'text' ? null : (o.property ?? 'state');
    const label = property ?? 'state';
    const map = new Map<string, EventKind | null>(Object.entries(o.map));
    const expected = `one of ${[...map.keys()].join(', ')}`;
    return {
      block: 'state_map',
      channel: o.channel ?? 'state',
      run(ctx) {
        const r = read(ctx, property);
        if (!r.ok) return r.failure;
        const v = r.value;
        if (v === undefined || v === null || v === '') return undefined;
        if (!isScalar(v)) return undecodable(`${label}: got ${describe(v)}; expected ${expected}`);
        const value = String(v);
        if (!map.has(value)) {
          if (o.ignore_unknown) return undefined;
          return undecodable(`${label}: got ${describe(v)}; expected ${expected}`);
        }
        const where = zoneFor(ctx, o.zone, o.zone_property);
        if (!where.ok) return where.failure;
        const key = label + where.suffix;
        const before = ctx.prev[key];
        ctx.next[key] = value;
        if (before !== undefined && before !== null && String(before) === value) return undefined;
        const kind = map.get(value) ?? null;
        if (kind === null) return undefined;
        // With no previous state, "armed_away" may be hours old: it is not news, but it is the
        // site's armed state (issue 12: initial state is state), so arm/disarm still go through;
        // ingest stores them without opening an incident. A first restore or test is nothing.
        if ((before === undefined || before === null) && NORMAL_KINDS.has(kind) && !ARMING_KINDS.has(kind)) return undefined;
        signal(ctx, { kind, zone: where.zone, detail: `${label} ${describe(v)}`, coded: valueMessage('state_map', label, v) });
        return undefined;
      },
    };
  },
};

const nativeSchema = strict({ channel: channelName.optional() });

/** ISO 8601 date-time with an explicit offset; a time without one is ambiguous across the hub's zones. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

const nativeEvent: BlockDef = {
  summary: 'SafeGrid native event {kind, zone?, at?, msgId?, detail?}; every message is an event',
  schema: nativeSchema,
  build(o: z.infer<typeof nativeSchema>) {
    return {
      block: 'native_event',
      channel: o.channel ?? 'event',
      run(ctx) {
        const r = ctx.msg.root();
        if (!r.ok) return r.failure;
        const body = r.value as Record<string, unknown>;
        const own = (k: string): unknown => (Object.hasOwn(body, k) ? body[k] : undefined);
        const kind = own('kind');
        if (!isEventKind(kind)) {
          return {
            code: 'SG_INGEST_UNKNOWN_KIND',
            reason: cap(`kind: got ${describe(kind)}; expected one of ${EVENT_KINDS.join(', ')}`),
          };
        }
        const zone = own('zone');
        if (zone !== undefined && zone !== null && !(typeof zone === 'number' && Number.isInteger(zone) && zone >= 0)) {
          return undecodable(`zone: got ${describe(zone)}; expected a whole number ≥ 0 or no zone`);
        }
        const at = own('at');
        let occurredAt: string | undefined;
        if (at !== undefined && at !== null) {
          const ms = typeof at === 'string' && ISO_TIME.test(at) ? Date.parse(at) : NaN;
          if (!Number.isFinite(ms)) {
            return { code: 'SG_INGEST_BAD_TIME', reason: `at: got ${describe(at)}; expected an ISO 8601 time with offset, e.g. "2024-05-01T08:30:00Z"` };
          }
          occurredAt = new Date(ms).toISOString();
        }
        const msgId = own('msgId');
        if (msgId !== undefined && msgId !== null && typeof msgId !== 'string' && !(typeof msgId === 'number' && Number.isFinite(msgId))) {
          return undecodable(`msgId: got ${describe(msgId)}; expected text`);
        }
        const detail = own('detail');
        if (detail !== undefined && detail !== null && typeof detail !== 'string') {
          return undecodable(`detail: got ${describe(detail)}; expected text`);
        }
        const s: DecodedSignal = { kind, zone: typeof zone === 'number' ? zone : ctx.zone };
        if (occurredAt) s.occurredAt = occurredAt;
        if (msgId !== undefined && msgId !== null) s.msgId = cap(String(msgId), 128);
        if (typeof detail === 'string') s.detail = cap(detail, LIMITS.maxDetailChars);
        ctx.signals.push(s);
        return undefined;
      },
    };
  },
};

const frigateSchema = strict({
  channel: channelName.optional(),
  labels: z.record(z.string(), kindSchema).optional(),
  min_score: z.number().min(0).max(1).optional(),
});

/**
 * Frigate's `frigate/events` (docs.frigate.video/integrations/mqtt): {"type": "new"|"update"|"end",
 * "before": {...}, "after": {id, camera, label, score, top_score, false_positive, start_time, ...}}.
 * Only `new` is news: Frigate publishes it once the tracked object stops being a false positive;
 * `update` is a better snapshot or a zone change of the same object and `end` says the object left.
 * Neither is an alarm, and `end` must not close an incident (an operator closes incidents).
 */
const frigateEvent: BlockDef = {
  summary: 'Frigate frigate/events: `new` of a mapped label raises its kind (default person → person_detected, car → video_motion)',
  schema: frigateSchema,
  build(o: z.infer<typeof frigateSchema>) {
    // A car alone is not an intrusion (the street, a neighbour parking): video_motion opens no
    // incident by itself but confirms one; animals and other labels are ignored unless mapped.
    const labels = new Map<string, EventKind>(Object.entries(o.labels ?? { person: 'person_detected', car: 'video_motion' }));
    return {
      block: 'frigate_event',
      channel: o.channel ?? 'state',
      run(ctx) {
        const r = ctx.msg.root();
        if (!r.ok) return r.failure;
        const body = r.value;
        const type = getPath(body, 'type');
        if (type !== 'new' && type !== 'update' && type !== 'end') {
          return undecodable(`type: got ${describe(type)}; expected "new"/"update"/"end"`);
        }
        const after = getPath(body, 'after');
        if (!isPlainObject(after)) return undecodable(`after: got ${describe(after)}; expected an object`);
        const id = getPath(after, 'id');
        const camera = getPath(after, 'camera');
        const label = getPath(after, 'label');
        if (typeof id !== 'string' || id === '') return undecodable(`after.id: got ${describe(id)}; expected text`);
        if (typeof camera !== 'string' || camera === '') return undecodable(`after.camera: got ${describe(camera)}; expected text`);
        if (typeof label !== 'string') return undecodable(`after.label: got ${describe(label)}; expected text`);
        if (type !== 'new') return undefined;
        if (getPath(after, 'false_positive') === true) return undefined;
        const kind = labels.get(label);
        if (!kind) return undefined;
        const score = getPath(after, 'top_score') ?? getPath(after, 'score');
        if (o.min_score !== undefined && typeof score === 'number' && score < o.min_score) return undefined;
        const s: DecodedSignal = {
          kind,
          zone: null,
          camera: cap(camera, 128),
          msgId: cap(`${id}:${type}`, 128),
          detail: cap(`Frigate ${label} on ${camera}${typeof score === 'number' ? ` (score ${score.toFixed(2)})` : ''}`),
          message: message('frigate', { label: cap(label, 64), camera: cap(camera, 128), score: typeof score === 'number' ? Number(score.toFixed(2)) : null }),
        };
        const start = getPath(after, 'start_time');
        if (typeof start === 'number' && Number.isFinite(start) && start > 0 && start < 1e11) {
          s.occurredAt = new Date(Math.round(start * 1000)).toISOString();
        }
        ctx.signals.push(s);
        return undefined;
      },
    };
  },
};

export const BLOCKS: Readonly<Record<string, BlockDef>> = {
  contact,
  motion: simpleBinary({
    block: 'motion',
    summary: 'motion/occupancy → intrusion (or video_motion via kind); no restore by default',
    property: 'occupancy',
    kind: 'intrusion',
    restore: false,
  }),
  smoke: simpleBinary({ block: 'smoke', summary: 'smoke detector → smoke', property: 'smoke', kind: 'smoke', restore: true }),
  gas: simpleBinary({ block: 'gas', summary: 'gas detector → gas', property: 'gas', kind: 'gas', restore: true }),
  carbon_monoxide: simpleBinary({ block: 'carbon_monoxide', summary: 'CO detector → gas', property: 'carbon_monoxide', kind: 'gas', restore: true }),
  water_leak: simpleBinary({ block: 'water_leak', summary: 'water leak → water', property: 'water_leak', kind: 'water', restore: true }),
  vibration: simpleBinary({
    block: 'vibration',
    summary: 'vibration → intrusion (or tamper via kind)',
    property: 'vibration',
    kind: 'intrusion',
    restore: false,
  }),
  tamper: simpleBinary({ block: 'tamper', summary: 'tamper switch → tamper', property: 'tamper', kind: 'tamper', restore: true }),
  battery_low: batteryLow,
  field_map: fieldMap,
  action,
  availability,
  state_map: stateMap,
  native_event: nativeEvent,
  frigate_event: frigateEvent,
};

export const BLOCK_NAMES = Object.keys(BLOCKS);
