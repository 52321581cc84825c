/**
 * Turns a validated model definition into a Profile: topics from templates, blocks grouped by
 * channel, an optional code decoder. decode() is pure and never throws; whatever a device sends,
 * the answer is an outcome with a reason.
 */
import type { ErrorCode } from '../core/errors.js';
import { LIMITS } from '../core/limits.js';
import { BLOCKS, makeMessage, resolveZone, type BlockRuntime, type Format, type RunContext } from './blocks.js';
import { CODE_DECODERS, type CodeDecoder } from './code/index.js';
import { compileTemplate } from './topic-pattern.js';
import type { DecodeInput, DecodeOutcome, DeviceState, Profile, ProfileExample } from './types.js';
import { cap } from './values.js';

export interface ModelDefinition {
  id: string;
  vendor: string;
  description: string;
  format: Format;
  /** channel → topic template with `{topic}` (the device's configured topic). */
  topics: Record<string, string>;
  /** Topic templates (MQTT wildcards allowed) the device publishes and the hub accepts and ignores. */
  ignore: string[];
  blocks: Array<{ name: string; options: Record<string, unknown> }>;
  /** Code decoder for the `state` channel. */
  decoder: string | null;
  examples: ProfileExample[];
  source: string;
}

/** Channel a code decoder handles. */
export const DECODER_CHANNEL = 'state';

export function buildProfile(def: ModelDefinition): Profile {
  const byChannel = new Map<string, BlockRuntime[]>();
  for (const { name, options } of def.blocks) {
    const block = BLOCKS[name];
    if (!block) throw new Error(`unknown block ${name}`); // the loader validated names; a bug if hit
    const runtime = block.build(block.schema.parse(options), def.format);
    const list = byChannel.get(runtime.channel) ?? [];
    list.push(runtime);
    byChannel.set(runtime.channel, list);
  }
  const decoder: CodeDecoder | null = def.decoder ? (CODE_DECODERS[def.decoder] ?? null) : null;
  const topicEntries = Object.entries(def.topics);
  // Built once per profile, so decoding a message allocates no argument object.
  const compiled: CompiledModel = { id: def.id, byChannel, decoder, format: def.format };

  return {
    id: def.id,
    vendor: def.vendor,
    description: def.description,
    source: def.source,
    examples: def.examples,
    topics(deviceTopic) {
      return topicEntries.map(([channel, template]) => {
        const pattern = compileTemplate(template, deviceTopic);
        return pattern.captures ? { topic: pattern.filter, channel, pattern } : { topic: pattern.filter, channel };
      });
    },
    ignored(deviceTopic) {
      return def.ignore.map((template) => compileTemplate(template, deviceTopic));
    },
    decode(input) {
      try {
        return decode(compiled, input);
      } catch (err) {
        // Belt and braces: a decoder bug must cost one message, not the hub.
        const msg = err instanceof Error ? err.message : String(err);
        return fail('SG_INGEST_UNDECODABLE', `decoder error: ${cap(msg, 200)}`);
      }
    },
  };
}

/** What decoding needs of a compiled model: its id (for messages), its blocks by channel, its code decoder, its format. */
interface CompiledModel {
  id: string;
  byChannel: Map<string, BlockRuntime[]>;
  decoder: CodeDecoder | null;
  format: Format;
}

function decode({ id, byChannel, decoder, format }: CompiledModel, input: DecodeInput): DecodeOutcome {
  if (input.payload.length > LIMITS.maxPayloadBytes) {
    return fail('SG_INGEST_OVERSIZE', `payload of ${input.payload.length} bytes; the limit is ${LIMITS.maxPayloadBytes}`);
  }
  if (decoder && input.channel === DECODER_CHANNEL) return decoder.decode(input);
  const blocks = byChannel.get(input.channel);
  if (!blocks || blocks.length === 0) {
    return fail('SG_INGEST_UNDECODABLE', `profile ${id} decodes no channel "${cap(input.channel, 40)}"`);
  }
  // A zone named by the topic (`dsc/Get/Zone3`) is the zone of every signal of the message, and
  // each such zone keeps its own on-change state: zone 3 open must not hide zone 4 opening.
  let zone = input.device.zone;
  let keySuffix = '';
  const captured = input.captures?.zone;
  if (captured !== undefined) {
    const z = resolveZone(captured, input.device);
    if (!z.ok) return fail(z.failure.code, z.failure.reason);
    zone = z.zone;
    keySuffix = `#${z.zone}`;
  }
  // A null-prototype copy: a state key named "__proto__" stays a plain key.
  const next: DeviceState = Object.assign(Object.create(null) as DeviceState, input.state);
  const ctx: RunContext = {
    msg: makeMessage(input.payload.toString('utf8'), format),
    prev: input.state,
    next,
    device: input.device,
    zone,
    keySuffix,
    signals: [],
  };
  for (const block of blocks) {
    const failure = block.run(ctx);
    // One bad property rejects the whole message: half-applying it would leave state that no
    // longer matches what the device said, and the next repeat would be misjudged.
    if (failure) return fail(failure.code, failure.reason);
  }
  const out: DecodeOutcome = { ok: true, signals: ctx.signals, state: next };
  if (ctx.availability) out.availability = ctx.availability;
  return out;
}

function fail(code: ErrorCode, reason: string): DecodeOutcome {
  return { ok: false, code, reason: cap(reason) };
}
