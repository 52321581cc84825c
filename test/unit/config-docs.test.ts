/** docs/config.md documents every key the schemas accept (the schema is the source of truth). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hubSchema, siteFileSchema, stationsFileSchema, cellPropertiesSchema } from '../../src/config/schema/index.js';

type Def = { type: string; shape?: Record<string, unknown>; innerType?: unknown; in?: unknown; element?: unknown; valueType?: unknown; options?: unknown[] };
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

/** Every object key reachable from a schema, through wrappers, lists, records and unions. */
function keys(schema: unknown, out = new Set<string>()): Set<string> {
  const d = defOf(schema);
  switch (d.type) {
    case 'object':
      for (const [k, v] of Object.entries(d.shape ?? {})) {
        out.add(k);
        keys(v, out);
      }
      break;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
      keys(d.innerType, out);
      break;
    case 'pipe':
      keys(d.in, out);
      break;
    case 'array':
      keys(d.element, out);
      break;
    case 'record':
      keys(d.valueType, out);
      break;
    case 'union':
      for (const o of d.options ?? []) keys(o, out);
      break;
  }
  return out;
}

const docs = {
  'docs/config.md': readFileSync(join(import.meta.dirname, '../../docs/config.md'), 'utf8'),
  // The Chinese reference (issue 19) is held to the same schema, so it cannot fall behind.
  'docs/config.zh-CN.md': readFileSync(join(import.meta.dirname, '../../docs/config.zh-CN.md'), 'utf8'),
};

for (const [name, doc] of Object.entries(docs)) {
  describe(name, () => {
    const all = [hubSchema, stationsFileSchema, siteFileSchema, cellPropertiesSchema].flatMap((s) => [...keys(s)]);
    it.each([...new Set(all)])('mentions the key %s', (key) => {
      expect(doc).toMatch(new RegExp(`[\`.]${key}[\`.]`));
    });
  });
}
