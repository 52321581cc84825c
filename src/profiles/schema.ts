/**
 * The profile file an installer writes (`devices/profiles/<vendor>.yaml`), and the built-in
 * profiles in the same format. One schema is the source of truth; unknown keys are errors.
 *
 *   vendor: acme
 *   models:
 *     - id: acme/pir-100
 *       description: …
 *       format: json                 # json (default) | text
 *       topics: { state: "{topic}", availability: "{topic}/availability" }
 *       extends: [ motion, { tamper: { property: tamper, on: 1, off: 0 } } ]
 *       decoder: contact-id          # instead of (or besides) extends: a code decoder for `state`
 *       examples: [ { description, payload, state, device, expect | expect_error } ]
 */
import { z } from 'zod';
import { ERROR_CODES } from '../core/errors.js';
import { channelName, kindSchema, strict } from './schema-helpers.js';
import { templateProblem } from './topic-pattern.js';

const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...Array<keyof typeof ERROR_CODES>];

const stateValue = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: 'text, a number, true/false or null',
});

const payloadSchema = z
  .unknown()
  .transform((v, ctx): string | Record<string, unknown> => {
    if (typeof v === 'string') return v;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    ctx.addIssue({ code: 'custom', message: 'the payload as text, or a mapping that is sent as JSON' });
    return z.NEVER;
  })
  // For the editor's JSON Schema (src/profiles/json-schema.ts): the transform above has no JSON form.
  .meta({ anyOf: [{ type: 'string' }, { type: 'object' }] });

export const exampleSchema = strict({
  description: z.string().min(1).optional(),
  channel: channelName.optional(),
  topic: z.string().min(1).optional(),
  payload: payloadSchema,
  state: z.record(z.string(), stateValue).optional(),
  device: strict({
    zone: z.number().int().min(0).nullable().optional(),
    account: z.string().nullable().optional(),
    // Zone number → name, for a device that names its zones in the topic (PAI: by label).
    zones: z.record(z.string().regex(/^\d+$/, { error: 'a zone number' }), z.string().min(1)).optional(),
  }).optional(),
  expect: z
    .array(
      strict({
        kind: kindSchema,
        zone: z.number().int().min(0).nullable().optional(),
        camera: z.string().optional(),
      }),
    )
    .optional(),
  expect_error: z.enum(ERROR_CODE_NAMES).optional(),
  expect_availability: z.enum(['online', 'offline']).optional(),
});

/** A channel's topic: `{topic}` plus optional captured levels (`{topic}/Get/Zone{zone}`), no wildcards. */
const topicTemplate = z
  .string()
  .min(1)
  .superRefine((t, ctx) => {
    const problem = templateProblem(t, { wildcards: false });
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ pattern: String.raw`^[^+#]*\{topic\}[^+#]*$` });

/** A topic the device publishes that the hub accepts and ignores; `+` and `#` allowed. */
const ignoreTemplate = z
  .string()
  .min(1)
  .superRefine((t, ctx) => {
    const problem = templateProblem(t, { wildcards: true });
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ pattern: String.raw`\{topic\}` });

export const modelSchema = strict({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)?$/, {
    error: 'a lower-case model id like "acme/pir-100"',
  }),
  description: z.string().min(1),
  format: z.enum(['json', 'text']).optional(),
  topics: z.record(channelName, topicTemplate).optional(),
  // Telemetry and state dumps the device publishes besides its alarms (Tasmota tele/<t>/STATE):
  // accepted and counted as housekeeping, never refused (a refused PUBLISH disconnects the device).
  ignore: z.array(ignoreTemplate).optional(),
  // Blocks are checked one by one by the loader (each block has its own option schema), so that a
  // bad option is reported at its own path rather than as "none of 15 alternatives matched".
  extends: z.array(z.unknown()).optional(),
  decoder: z.string().optional(),
  examples: z.array(exampleSchema).min(1, { error: 'at least one example (payload and what it must produce)' }),
});

export const profileFileSchema = strict({
  vendor: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'a lower-case vendor name like "acme"' }),
  description: z.string().optional(),
  models: z.array(z.unknown()).min(1, { error: 'at least one model' }),
});

export type ModelFile = z.infer<typeof modelSchema>;
export type ExampleFile = z.infer<typeof exampleSchema>;
