/**
 * A JSON Schema (draft 7) validator for the keywords `z.toJSONSchema` writes into schema/*.json —
 * no more. No validator package is in node_modules (ajv would be the one to add); this one
 * refuses a schema keyword it does not know, so a schema that grows a new keyword fails the test
 * instead of being half-checked. Returns the first few failures as `path: reason`.
 */
type Schema = Record<string, unknown> | boolean;

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', 'default', 'examples']);
const KNOWN = new Set([
  'type',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'additionalItems',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'anyOf',
  'oneOf',
  'allOf',
]);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(want: string, v: unknown): boolean {
  const t = typeOf(v);
  return want === t || (want === 'number' && t === 'integer');
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function validate(schema: Schema, value: unknown, path = '$', errors: string[] = []): string[] {
  if (schema === true) return errors;
  if (schema === false) {
    errors.push(`${path}: not allowed`);
    return errors;
  }
  for (const k of Object.keys(schema)) {
    if (!KNOWN.has(k) && !ANNOTATIONS.has(k)) throw new Error(`json-schema-lite: unsupported keyword "${k}" at ${path}`);
  }
  const s = schema as Record<string, unknown>;
  const fail = (why: string) => errors.push(`${path}: ${why}`);
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => typeMatches(t, value))) {
      fail(`expected ${types.join('|')}, got ${typeOf(value)}`);
      return errors;
    }
  }
  if (s.enum !== undefined && !(s.enum as unknown[]).some((e) => equal(e, value))) fail('not in enum');
  if (s.const !== undefined && !equal(s.const, value)) fail('not the const');
  if (typeof value === 'string') {
    const len = [...value].length;
    if (typeof s.minLength === 'number' && len < s.minLength) fail('too short');
    if (typeof s.maxLength === 'number' && len > s.maxLength) fail('too long');
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) fail(`does not match ${s.pattern}`);
  }
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) fail('below minimum');
    if (typeof s.maximum === 'number' && value > s.maximum) fail('above maximum');
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum) fail('not above exclusiveMinimum');
    if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum) fail('not below exclusiveMaximum');
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems) fail('too few items');
    if (typeof s.maxItems === 'number' && value.length > s.maxItems) fail('too many items');
    if (Array.isArray(s.items)) {
      const tuple = s.items as Schema[];
      value.forEach((v, i) => {
        if (i < tuple.length) validate(tuple[i]!, v, `${path}[${i}]`, errors);
        else if (s.additionalItems !== undefined) validate(s.additionalItems as Schema, v, `${path}[${i}]`, errors);
      });
    } else if (s.items !== undefined) {
      value.forEach((v, i) => validate(s.items as Schema, v, `${path}[${i}]`, errors));
    }
  }
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const r of (s.required ?? []) as string[]) if (!Object.hasOwn(obj, r)) fail(`missing required "${r}"`);
    for (const [k, v] of Object.entries(obj)) {
      if (s.propertyNames !== undefined) validate(s.propertyNames as Schema, k, `${path}{${k}}`, errors);
      if (Object.hasOwn(props, k)) validate(props[k]!, v, `${path}.${k}`, errors);
      else if (s.additionalProperties !== undefined) validate(s.additionalProperties as Schema, v, `${path}.${k}`, errors);
    }
  }
  if (s.allOf !== undefined) for (const sub of s.allOf as Schema[]) validate(sub, value, path, errors);
  if (s.anyOf !== undefined && !(s.anyOf as Schema[]).some((sub) => validate(sub, value, path, []).length === 0)) fail('matches none of anyOf');
  if (s.oneOf !== undefined && (s.oneOf as Schema[]).filter((sub) => validate(sub, value, path, []).length === 0).length !== 1)
    fail('matches not exactly one of oneOf');
  return errors;
}
