/**
 * Zod building blocks shared by the profile file schema and the block option schemas. Each custom
 * message is the "expected …" half of a problem line; report.ts adds "got …" from the file.
 */
import { z } from 'zod';
import { EVENT_KINDS } from '../contract/alarm-event.js';
import { FORBIDDEN_KEYS, isScalar, parsePath, type Scalar } from './values.js';

/** Marker report.ts reads to list the keys an object allows (zod's issue does not carry them). */
export const KEYS_MARKER = 'KEYS:';

/** A strict object (unknown keys are errors) that remembers its keys for "expected one of …". */
export function strict<T extends z.ZodRawShape>(shape: T) {
  const keys = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? KEYS_MARKER + keys.join(',') : undefined),
  });
}

export const kindSchema = z.enum(EVENT_KINDS);

/** parsePath's grammar as a regular expression, for the editor's JSON Schema (the refines below are code). */
const BRACKET = String.raw`\[(?:"(?:[^"\\]|\\.)+"|'[^']+'|\d+)\]`;
const PROPERTY_PATH_PATTERN = String.raw`^(?:[A-Za-z0-9_-]+|${BRACKET})(?:\.[A-Za-z0-9_-]+|${BRACKET})*$`;

export const propertyPath = z
  .string()
  .meta({ pattern: PROPERTY_PATH_PATTERN })
  .refine((p) => parsePath(p) !== null, { error: 'a property path like "contact", "status.door" or params["smoke:0"].alarm' })
  .refine((p) => !(parsePath(p) ?? []).some((k) => FORBIDDEN_KEYS.has(k)), {
    error: 'a property path without __proto__, constructor or prototype',
  });

export const channelName = z.string().regex(/^[a-z][a-z0-9_]*$/, { error: 'a channel name like "state" or "availability"' });

const SCALAR_JSON = { type: ['string', 'number', 'boolean'] };

/** One value (text, number, true/false) or a list of them; always a list once parsed. */
export const scalarOrList = z
  .unknown()
  .transform((v, ctx): Scalar[] | undefined => {
    if (v === undefined) return undefined;
    if (isScalar(v)) return [v];
    if (Array.isArray(v) && v.length > 0 && v.every(isScalar)) return v as Scalar[];
    ctx.addIssue({ code: 'custom', message: 'a value (text, number, true/false) or a non-empty list of values' });
    return z.NEVER;
  })
  // For the editor's JSON Schema (src/profiles/json-schema.ts): the transform above has no JSON form.
  .meta({ anyOf: [SCALAR_JSON, { type: 'array', minItems: 1, items: SCALAR_JSON }] });
