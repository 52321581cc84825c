/**
 * The layout's promise (README "Architecture", CONVENTIONS "Layout shows the architecture"):
 * imports point down the table of levels, never up or sideways, so the path of an alarm runs one
 * way and no module reaches into the one that drives it. The web app imports only the contract.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

/**
 * Lowest first. A module may import modules of lower levels only; modules on one level are
 * independent of each other. `app` is the composition root (it builds everything); `cli` parses
 * arguments and calls the commands.
 */
const LEVELS: readonly (readonly string[])[] = [
  ['contract'],
  ['core'],
  ['geo', 'profiles'],
  ['config'],
  ['store'],
  ['auth', 'cluster'],
  ['broker', 'notify'],
  ['ingest', 'commissioning', 'drill', 'video'],
  ['dispatch'],
  ['reports'],
  ['api'],
  ['check', 'simulate'],
  ['app'],
  ['cli'],
];

const levelOf = new Map<string, number>(LEVELS.flatMap((mods, level) => mods.map((m) => [m, level] as const)));

/** The top-level module of a path under src/: its folder, or the file's name for src/app.ts, src/cli.ts, src/check.ts. */
function moduleOf(path: string): string {
  const [first, second] = relative(SRC, path).split('/');
  return second === undefined ? first!.replace(/\.[jt]s$/, '') : first!;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return sourceFiles(p);
    return /\.ts$/.test(d.name) ? [p] : [];
  });
}

/** Relative imports of a file (static, re-exports and dynamic), with their line numbers. */
function importsOf(file: string): Array<{ spec: string; line: number }> {
  const text = readFileSync(file, 'utf8');
  const found: Array<{ spec: string; line: number }> = [];
  const pattern = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|(?:^|\n)\s*import\s+'([^']+)'/g;
  for (const m of text.matchAll(pattern)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (!spec.startsWith('.')) continue;
    found.push({ spec, line: text.slice(0, m.index + m[0].indexOf(spec)).split('\n').length });
  }
  return found;
}

describe('imports point down the levels', () => {
  it('every module of src/ has a level', () => {
    const modules = new Set(sourceFiles(SRC).map(moduleOf));
    expect([...modules].filter((m) => !levelOf.has(m)).sort()).toEqual([]);
  });

  it('no import runs up or sideways between modules of src/', () => {
    const wrong: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const from = moduleOf(file);
      for (const { spec, line } of importsOf(file)) {
        const to = moduleOf(resolve(dirname(file), spec));
        if (to === from) continue;
        if ((levelOf.get(to) ?? Number.POSITIVE_INFINITY) >= (levelOf.get(from) ?? -1)) {
          wrong.push(`${relative(ROOT, file)}:${line} ${from} → ${to} (${spec})`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('web/src imports nothing of src/ but src/contract/', () => {
    const wrong: string[] = [];
    for (const file of sourceFiles(join(ROOT, 'web/src'))) {
      for (const { spec, line } of importsOf(file)) {
        const target = resolve(dirname(file), spec);
        if (target.startsWith(`${SRC}/`) && !target.startsWith(join(SRC, 'contract/'))) wrong.push(`${relative(ROOT, file)}:${line} ${spec}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
