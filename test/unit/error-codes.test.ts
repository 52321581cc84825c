/** Every error code has an entry in docs/errors.md (fastify's errors page does the same). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/api/commands/table.js';
import { REFUSAL_CODES } from '../../src/contract/refusals.js';
import { ERROR_CODES } from '../../src/core/errors.js';

const doc = readFileSync(join(import.meta.dirname, '../../docs/errors.md'), 'utf8');
const headings = new Set([...doc.matchAll(/^## (SG_[A-Z0-9_]+)\s*$/gm)].map((m) => m[1] as string));
/** The API refusals: `### code` entries under "## API refusals". */
const refusalSection = doc.slice(doc.indexOf('\n## API refusals'));
const refusalHeadings = new Set([...refusalSection.matchAll(/^### ([a-z_]+)\s*$/gm)].map((m) => m[1] as string));

describe('docs/errors.md', () => {
  it.each(Object.keys(ERROR_CODES))('documents %s', (code) => {
    expect(headings.has(code), `add a "## ${code}" entry to docs/errors.md`).toBe(true);
  });

  it('documents no code that does not exist', () => {
    const stale = [...headings].filter((h) => !(h in ERROR_CODES));
    expect(stale).toEqual([]);
  });

  it('gives each entry an example message and a fix', () => {
    const sections = doc.split(/^## /m).slice(1);
    for (const s of sections) {
      const name = s.split('\n')[0];
      expect(s, `${name}: needs an example`).toMatch(/Example/);
      expect(s, `${name}: needs a fix`).toMatch(/Fix/);
    }
  });
});

describe('docs/errors.md: API refusal codes', () => {
  it.each(Object.keys(REFUSAL_CODES))('documents %s', (code) => {
    expect(refusalHeadings.has(code), `add a "### ${code}" entry under "## API refusals" in docs/errors.md`).toBe(true);
  });

  it('documents no refusal code that does not exist', () => {
    expect([...refusalHeadings].filter((h) => !(h in REFUSAL_CODES))).toEqual([]);
  });

  it('gives each refusal an example and a fix', () => {
    for (const s of refusalSection.split(/^### /m).slice(1)) {
      const name = s.split('\n')[0];
      expect(s, `${name}: needs an example`).toMatch(/Example/);
      expect(s, `${name}: needs a fix`).toMatch(/Fix/);
    }
  });

  it.each(COMMANDS.map((c) => [c.action, c.refusals] as const))('command %s declares only documented refusal codes', (_action, refusals) => {
    expect(refusals.filter((c) => !(c in REFUSAL_CODES))).toEqual([]);
  });
});
