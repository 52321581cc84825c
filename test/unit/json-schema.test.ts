/**
 * Issue 15, installer tooling: the JSON Schema files in schema/ are what the zod schemas generate
 * today, every sample file names its schema and passes it, and for mistakes generated from the
 * samples (an unknown key, a wrong type, a value out of its set or range, a missing key) the JSON
 * Schema says no exactly when zod says no — so what the editor flags is what `safegrid check` says.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { z } from 'zod';
import Ajv, { type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { generateJsonSchemas } from '../../src/config/json-schema.js';
import { hubSchema } from '../../src/config/schema/hub.js';
import { deviceSchema, siteFileSchema } from '../../src/config/schema/site.js';
import { stationsFileSchema } from '../../src/config/schema/stations.js';
import { profileEditorSchema } from '../../src/profiles/json-schema.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const generated = generateJsonSchemas();
const schemaOf = (name: string) => JSON.parse(generated[name]!) as Record<string, unknown>;

/**
 * The validator is ajv, not one of ours: a validator we wrote would only agree with our own reading
 * of the spec. The files declare draft-07 (the YAML language server's best-supported draft), which
 * is ajv's default draft. Strict mode makes an unknown keyword, an ignored `required` or a loose
 * tuple a compile error instead of a silently half-checked schema. Union types
 * (`"type": ["string", "number"]`) are plain draft-07 that zod writes for scalar options; ajv's
 * strict mode only asks that they be allowed by name. No schema uses `format`, so no formats are
 * added (ajv-formats is not installed).
 */
const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';
const ajv = new Ajv.default({ strict: true, allowUnionTypes: true, allErrors: true });
const validators = new Map<string, ValidateFunction>();

/** What ajv says of `data` against the generated schema `name`: [] when it passes, else `path: reason`. */
function validate(name: string, data: unknown): string[] {
  let check = validators.get(name);
  if (!check) {
    check = ajv.compile(schemaOf(name));
    validators.set(name, check);
  }
  return check(data) ? [] : (check.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}`);
}

interface Sample {
  file: string;
  schema: string;
  zod: z.ZodType;
}

const yamlIn = (dir: string) =>
  readdirSync(join(ROOT, dir))
    .filter((n) => n.endsWith('.yaml'))
    .map((n) => `${dir}/${n}`);

const SAMPLES: Sample[] = [
  ...yamlIn('devices').map((file) => ({ file, schema: 'site.schema.json', zod: siteFileSchema })),
  ...yamlIn('devices/profiles').map((file) => ({ file, schema: 'profile.schema.json', zod: profileEditorSchema })),
  ...yamlIn('src/profiles/builtin').map((file) => ({ file, schema: 'profile.schema.json', zod: profileEditorSchema })),
  { file: 'config/hub.yaml', schema: 'hub.schema.json', zod: hubSchema },
  { file: 'config/stations.yaml', schema: 'stations.schema.json', zod: stationsFileSchema },
];

const dataOf = (file: string): unknown => parse(readFileSync(join(ROOT, file), 'utf8'));

describe('shipped JSON Schema files', () => {
  it('schema/ holds exactly what the zod schemas generate (run `npm run schema` after changing one)', () => {
    const shipped = Object.fromEntries(
      readdirSync(join(ROOT, 'schema'))
        .filter((n) => n.endsWith('.json'))
        .map((n) => [n, readFileSync(join(ROOT, 'schema', n), 'utf8')]),
    );
    expect(Object.keys(shipped).sort()).toEqual(Object.keys(generated).sort());
    for (const [name, text] of Object.entries(generated)) expect(shipped[name], name).toBe(text);
  });

  it.each(Object.keys(generated))('%s declares draft-07 and compiles in ajv strict mode', (name) => {
    const json = schemaOf(name);
    expect(json.$schema).toBe(DRAFT_07);
    // Checked against the draft-07 meta-schema, then compiled: strict mode throws on anything it
    // would otherwise ignore (an unknown keyword, a `required` key with no property, ...).
    expect(ajv.validateSchema(json), ajv.errorsText(ajv.errors)).toBe(true);
    expect(() => validate(name, {})).not.toThrow();
  });

  it.each(SAMPLES.filter((s) => !s.file.startsWith('src/')))('$file names its schema for the editor', ({ file, schema }) => {
    const depth = file.split('/').length - 1;
    const first = readFileSync(join(ROOT, file), 'utf8').split('\n')[0];
    expect(first).toBe(`# yaml-language-server: $schema=${'../'.repeat(depth)}schema/${schema}`);
  });

  it.each(SAMPLES)('$file passes $schema and zod', ({ file, schema, zod }) => {
    const data = dataOf(file);
    expect(zod.safeParse(data).success).toBe(true);
    expect(validate(schema, data)).toEqual([]);
  });

  it('every device entry of the samples passes device.schema.json', () => {
    for (const s of SAMPLES.filter((x) => x.schema === 'site.schema.json')) {
      for (const d of (dataOf(s.file) as { devices: unknown[] }).devices) {
        expect(deviceSchema.safeParse(d).success).toBe(true);
        expect(validate('device.schema.json', d)).toEqual([]);
      }
    }
  });
});

// ── generated mistakes ─────────────────────────────────────────────────────────────────────

type Path = Array<string | number>;

function clone<T>(v: T): T {
  return structuredClone(v);
}

function setAt(root: unknown, path: Path, value: unknown, remove = false): unknown {
  const copy = clone(root);
  let cur = copy as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) cur = cur[seg] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove) {
    if (Array.isArray(cur)) cur.splice(last as number, 1);
    else delete cur[last];
  } else cur[last] = value;
  return copy;
}

/** Every mistake class zod rejects, made at every place of a sample: one mutated document each. */
function* mistakes(data: unknown, path: Path = []): Generator<{ what: string; doc: unknown }> {
  const here = path.length === 0 ? '$' : path.join('.');
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    yield {
      what: `${here}: unknown key`,
      doc: path.length === 0 ? { ...(data as object), zz_unknown: 1 } : setAt(ROOTDOC, path, { ...(data as object), zz_unknown: 1 }),
    };
  }
  if (path.length > 0) {
    for (const [label, v] of [
      ['a list', [1]],
      ['a mapping', { zz: 1 }],
      ['true', true],
      ['text', 'zz-not-a-value'],
      ['-1', -1],
      ['1e12', 1e12],
      ['1.5', 1.5],
      ['""', ''],
      ['null', null],
    ] as Array<[string, unknown]>) {
      yield { what: `${here}: ${label}`, doc: setAt(ROOTDOC, path, v) };
    }
    yield { what: `${here}: removed`, doc: setAt(ROOTDOC, path, undefined, true) };
  }
  if (Array.isArray(data)) {
    // Two items are enough to reach every shape of item; a long list would only repeat them.
    for (let i = 0; i < Math.min(data.length, 2); i++) yield* mistakes(data[i], [...path, i]);
  } else if (data !== null && typeof data === 'object') {
    for (const [k, v] of Object.entries(data)) yield* mistakes(v, [...path, k]);
  }
}

let ROOTDOC: unknown;

/**
 * Where the two may rightly differ: zod checks these in code (refinements), which JSON Schema
 * cannot say; `safegrid check` still reports them, with their line.
 */
const REFINEMENT_ONLY: RegExp[] = [
  // An MQTT login needs its password given exactly one way (password_env or password_file_key).
  /\.mqtt\.password_(env|file_key): (null|removed)$/,
  // A tile URL must hold {z}, {x} and {y}; a time zone must be one the IANA database knows.
  /^map\.tiles\.url: /,
  /^timezone: /,
];

describe('the JSON Schema rejects what zod rejects (generated mistakes)', () => {
  const FILES = [
    SAMPLES.find((s) => s.file === 'devices/shop-zs-0012.yaml')!,
    SAMPLES.find((s) => s.file === 'devices/home-zs-0101.yaml')!,
    SAMPLES.find((s) => s.file === 'devices/profiles/acme.yaml')!,
    SAMPLES.find((s) => s.file === 'src/profiles/builtin/paradox.yaml')!,
    SAMPLES.find((s) => s.file === 'config/hub.yaml')!,
    SAMPLES.find((s) => s.file === 'config/stations.yaml')!,
  ];
  it.each(FILES)('$file: every generated mistake is judged alike', ({ file, schema, zod }) => {
    ROOTDOC = dataOf(file);
    const differ: string[] = [];
    let rejected = 0;
    let cases = 0;
    for (const { what, doc } of mistakes(ROOTDOC)) {
      cases++;
      const zodOk = zod.safeParse(clone(doc)).success;
      const jsonOk = validate(schema, doc).length === 0;
      if (!zodOk) rejected++;
      if (zodOk !== jsonOk && !REFINEMENT_ONLY.some((r) => r.test(what)))
        differ.push(`${what}: zod ${zodOk ? 'accepts' : 'rejects'}, JSON Schema ${jsonOk ? 'accepts' : 'rejects'}`);
    }
    expect(differ).toEqual([]);
    // The generator must reach many places: a handful of cases would prove nothing.
    expect(cases).toBeGreaterThan(50);
    expect(rejected).toBeGreaterThan(cases / 3);
  });
});
