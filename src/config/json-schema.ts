/**
 * JSON Schema files for the files an installer writes, generated from the zod schemas that check
 * them (zod 4's `z.toJSONSchema`), so an editor with the YAML language server completes keys and
 * flags mistakes as the installer types. Shipped in `schema/` (`npm run schema` writes them; a
 * test fails when a shipped file differs from a fresh generation) and referenced by a
 * `# yaml-language-server: $schema=…` line in each sample file.
 *
 * Draft 7: the YAML language server's best-supported draft. Input shapes (`io: 'input'`): what the
 * file may say, before defaults. Refinements zod runs in code (a password given two ways, a
 * template's placeholders) have no JSON Schema form; `safegrid check` still reports them.
 */
import { z } from 'zod';
import { profileEditorSchema } from '../profiles/json-schema.js';
import { hubSchema } from './schema/hub.js';
import { deviceSchema, siteFileSchema } from './schema/site.js';
import { stationsFileSchema } from './schema/stations.js';

const SCHEMAS: Record<string, { schema: z.ZodType; title: string; file: string }> = {
  'site.schema.json': { schema: siteFileSchema, title: 'SafeGrid site file', file: 'devices/<site>.yaml' },
  'device.schema.json': { schema: deviceSchema, title: 'SafeGrid device entry', file: 'one item of devices: in devices/<site>.yaml' },
  'profile.schema.json': { schema: profileEditorSchema, title: 'SafeGrid device profile file', file: 'devices/profiles/<vendor>.yaml' },
  'hub.schema.json': { schema: hubSchema, title: 'SafeGrid hub configuration', file: 'config/hub.yaml' },
  'stations.schema.json': { schema: stationsFileSchema, title: 'SafeGrid dispatch tiers', file: 'config/stations.yaml' },
};

/**
 * A `z.preprocess` that turns YAML's unquoted `false` into the word "false" before an enum
 * (triage.close_before_dispatch: the disposition 误报 is `false`): the file may say either, so the
 * JSON Schema accepts the boolean too. zod reports only the enum for the input side.
 */
function yamlBooleans(ctx: { zodSchema: unknown; jsonSchema: Record<string, unknown> }): void {
  const def = (ctx.zodSchema as { _zod?: { def?: { type?: string; in?: { _zod?: { def?: { type?: string } } } } } })._zod?.def;
  if (def?.type !== 'pipe' || def.in?._zod?.def?.type !== 'transform') return;
  const values = ctx.jsonSchema.enum;
  if (!Array.isArray(values)) return;
  const words = values.filter((v) => v === 'true' || v === 'false');
  if (words.length === 0) return;
  ctx.jsonSchema.enum = [...values, ...words.map((w) => w === 'true')];
  delete ctx.jsonSchema.type;
}

/** File name in schema/ → its JSON Schema, as text (stable key order, 2-space indent, final newline). */
export function generateJsonSchemas(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, { schema, title, file }] of Object.entries(SCHEMAS)) {
    const json = z.toJSONSchema(schema, { target: 'draft-7', io: 'input', unrepresentable: 'any', override: yamlBooleans }) as Record<string, unknown>;
    const { $schema, ...rest } = json;
    const doc = {
      $schema,
      $id: `https://safegrid.invalid/schema/${name}`,
      title,
      description: `${file} — generated from the zod schema by \`npm run schema\`; do not edit.`,
      ...rest,
    };
    out[name] = `${JSON.stringify(doc, null, 2)}\n`;
  }
  return out;
}
