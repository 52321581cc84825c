/**
 * The profile file as one zod schema an editor can use (JSON Schema through `z.toJSONSchema`):
 * the loader checks blocks one at a time (registry.ts, for precise problem lines), so its own
 * schema leaves `models` and `extends` open; this one spells them out — each model, each block
 * name and each block's options — so `# yaml-language-server: $schema=…` completes them.
 */
import { z } from 'zod';
import { BLOCKS } from './blocks.js';
import { CODE_DECODERS } from './code/index.js';
import { modelSchema, profileFileSchema } from './schema.js';

const BLOCK_NAMES = Object.keys(BLOCKS) as [string, ...string[]];

/** One `extends` item: a block name alone, or `{ <block>: { options } }`. */
const blockItem = z.union([
  z.enum(BLOCK_NAMES).describe('a block with its default options'),
  ...Object.entries(BLOCKS).map(([name, block]) => z.strictObject({ [name]: z.union([block.schema, z.null()]) }).describe(block.summary)),
]);

export const profileEditorSchema = profileFileSchema.extend({
  models: z
    .array(
      modelSchema.extend({
        extends: z.array(blockItem).optional().describe('blocks, in order (see src/profiles/README.md)'),
        decoder: z
          .enum(Object.keys(CODE_DECODERS) as [string, ...string[]])
          .optional()
          .describe('a code decoder for the state channel'),
      }),
    )
    .min(1),
});
