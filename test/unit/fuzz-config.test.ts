import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { loadConfig } from '../../src/config/index.js';
import { HOME_YAML, HUB_YAML, makeTree, SHOP_YAML, STATIONS_YAML, TREE_ENV } from '../helpers/tree.js';

/**
 * Config files mutated at random (issue 7): whatever an installer's editor leaves behind, loading
 * gives a config or a list of problems — never an exception — and `safegrid check` prints a report.
 */
const tree = makeTree();
const FILES: Record<string, string> = {
  'config/hub.yaml': HUB_YAML,
  'config/stations.yaml': STATIONS_YAML,
  'devices/shop-a.yaml': SHOP_YAML,
  'devices/home-b.yaml': HOME_YAML,
};
const env = { ...process.env, ...TREE_ENV };

/** One edit an installer (or a bad merge) could make. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom(
        ':',
        '- ',
        '  ',
        '\t',
        '"',
        "'",
        '{',
        '}',
        '[',
        ']',
        '&a',
        '*a',
        '!!python/object',
        '<<: *a',
        '__proto__: x',
        '\n',
        '#',
        '0x1F',
        '.inf',
        '~',
        '08581234567',
        'é',
      ),
    ),
  }),
  fc.record({ op: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({
    op: fc.constant('replaceValue' as const),
    at: fc.nat(),
    value: fc.oneof(
      fc.constantFrom('', 'null', '-1', '1e309', '99999999999', '[]', '{}', '[91, 181]', '[NaN, 0]', 'yes', '"18830x"', '0s', '1ms', 'ps-nowhere'),
      fc.string({ maxLength: 12 }),
    ),
  }),
);

function apply(text: string, m: Record<string, unknown>): string {
  const lines = text.split('\n');
  switch (m.op) {
    case 'delete': {
      const at = (m.at as number) % Math.max(1, text.length);
      return text.slice(0, at) + text.slice(at + (m.len as number));
    }
    case 'insert': {
      const at = (m.at as number) % Math.max(1, text.length);
      return text.slice(0, at) + (m.text as string) + text.slice(at);
    }
    case 'swapLines': {
      const a = (m.a as number) % lines.length;
      const b = (m.b as number) % lines.length;
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      return lines.join('\n');
    }
    default: {
      const n = (m.at as number) % lines.length;
      lines[n] = lines[n]!.replace(/:\s.*$/, `: ${m.value as string}`);
      return lines.join('\n');
    }
  }
}

describe('config files survive random edits', () => {
  afterAll(() => tree.remove());

  it('a half-edited site file whose indented lines have no id loads at once (was an exponential regex)', () => {
    const lines = SHOP_YAML.split('\n');
    const text = ['    topic: x', ...lines.slice(1, 14), 'site:', ...lines.slice(14).map((l) => (l.startsWith(' ') ? l : '  ' + l))].join('\n');
    tree.write('devices/shop-a.yaml', text);
    const t0 = performance.now();
    const loaded = loadConfig(tree.root, { env });
    // A generous ceiling, not a budget: it guards against catastrophic (exponential) backtracking, which takes minutes
    // here, and holds on a loaded machine where an honest load takes a second or two.
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(loaded.problems.length).toBeGreaterThan(0);
    for (const [f, t] of Object.entries(FILES)) tree.write(f, t);
  });

  it('any mutation of any file: a config or problems, never an exception; check prints a report', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(FILES)), fc.array(mutation, { minLength: 1, maxLength: 4 }), (file, edits) => {
        for (const [f, text] of Object.entries(FILES)) tree.write(f, text);
        tree.write(
          file,
          edits.reduce((text, m) => apply(text, m as never), FILES[file]!),
        );
        const loaded = loadConfig(tree.root, { env });
        expect(loaded.config !== null || loaded.problems.length > 0).toBe(true);
        for (const p of loaded.problems) {
          expect(typeof p.message).toBe('string');
          expect(p.message.length).toBeGreaterThan(0);
        }
        const { exitCode, output } = runCheck(tree.root, env);
        expect([0, 1]).toContain(exitCode);
        expect(output.length).toBeGreaterThan(0);
        expect(({} as Record<string, unknown>).x).toBeUndefined();
      }),
      { numRuns: 60 },
    );
    // 120 config loads: about 30 s on a quiet 2-core machine, over a minute under load. A ceiling, not a budget.
  }, 240_000);
});
