/**
 * Problem lines for profile files: zod issues and the loader's own checks become Problems with the
 * file, the 1-based line of the offending key (yaml LineCounter), the key path, what was found and
 * what was expected, e.g.
 *
 *   devices/profiles/acme.yaml:12  models[1].extends[0].contact.polarity: got "open"; expected one of true, false
 */
import { isMap, isScalar as isYamlScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { z } from 'zod';
import type { ErrorCode } from '../core/errors.js';
import type { Problem } from '../core/problems.js';
import { KEYS_MARKER } from './schema-helpers.js';
import { describe } from './values.js';

export type PathSeg = string | number;

export interface Draft {
  code: ErrorCode;
  path: PathSeg[];
  message: string;
  hint?: string;
}

export function formatPath(path: readonly PathSeg[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** Value at a path in the plain JS data (own properties only). */
export function valueAt(root: unknown, path: readonly PathSeg[]): unknown {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.hasOwn(cur, seg)) return undefined;
    cur = (cur as Record<PathSeg, unknown>)[seg];
  }
  return cur;
}

/** 1-based line of the deepest node the path reaches (the key's line for a mapping entry). */
export function lineOf(doc: Document, lc: LineCounter, path: readonly PathSeg[]): number | null {
  let node: unknown = doc.contents;
  let offset: number | null = rangeStart(node);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isYamlScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (!item) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === null ? null : lc.linePos(offset).line;
}

function rangeStart(node: unknown): number | null {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : null;
}

const TYPE_WORDS: Record<string, string> = {
  boolean: 'one of true, false',
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)',
  array: 'a list',
  null: 'null',
};

/** zod issues (relative to `base`) → drafts. `data` is the plain value that was validated. */
export function issuesToDrafts(issues: readonly z.core.$ZodIssue[], data: unknown, base: PathSeg[]): Draft[] {
  const out: Draft[] = [];
  for (const issue of issues) {
    const rel = issue.path.filter((p): p is PathSeg => typeof p === 'string' || typeof p === 'number');
    const path = [...base, ...rel];
    const got = valueAt(data, rel);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = issue.message.startsWith(KEYS_MARKER) ? issue.message.slice(KEYS_MARKER.length).split(',') : [];
        for (const key of issue.keys) {
          const d: Draft = {
            code: 'SG_CONFIG_UNKNOWN_KEY',
            path: [...path, key],
            message: `unknown key; expected one of ${allowed.join(', ')}`,
          };
          const near = closest(key, allowed);
          if (near) d.hint = `did you mean "${near}"?`;
          out.push(d);
        }
        break;
      }
      case 'invalid_type': {
        const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
        if (got === undefined) out.push({ code: 'SG_CONFIG_MISSING_KEY', path, message: `missing; expected ${expected}` });
        else out.push({ code: 'SG_CONFIG_INVALID_VALUE', path, message: `got ${describe(got)}; expected ${expected}` });
        break;
      }
      case 'invalid_value': {
        const values = issue.values.map((v) => String(v));
        const d: Draft = {
          code: got === undefined ? 'SG_CONFIG_MISSING_KEY' : 'SG_CONFIG_INVALID_VALUE',
          path,
          message: `${got === undefined ? 'missing' : `got ${describe(got)}`}; expected one of ${values.join(', ')}`,
        };
        const near = typeof got === 'string' ? closest(got, values) : null;
        if (near) d.hint = `did you mean "${near}"?`;
        out.push(d);
        break;
      }
      case 'too_small':
      case 'too_big': {
        const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
        const word = issue.code === 'too_small' ? 'at least' : 'at most';
        const expected =
          issue.message && !issue.message.startsWith('Too ')
            ? issue.message
            : issue.origin === 'array'
              ? `${word} ${String(bound)} item(s)`
              : issue.origin === 'string'
                ? `text of ${word} ${String(bound)} character(s)`
                : `${word} ${String(bound)}`;
        out.push({ code: 'SG_CONFIG_INVALID_VALUE', path, message: `got ${describe(got)}; expected ${expected}` });
        break;
      }
      default: {
        // custom, invalid_format, invalid_union: our schemas set the "expected …" text.
        const expected = issue.message.startsWith('Invalid') ? 'a valid value' : issue.message;
        out.push({
          code: got === undefined ? 'SG_CONFIG_MISSING_KEY' : 'SG_CONFIG_INVALID_VALUE',
          path,
          message: `${got === undefined ? 'missing' : `got ${describe(got)}`}; expected ${expected}`,
        });
      }
    }
  }
  return out;
}

export function toProblem(d: Draft, file: string, doc: Document | null, lc: LineCounter | null): Problem {
  const p: Problem = {
    code: d.code,
    severity: 'error',
    file,
    line: doc && lc ? lineOf(doc, lc, d.path) : null,
    path: formatPath(d.path),
    message: d.message,
  };
  if (d.hint) p.hint = d.hint;
  return p;
}

/** One line per problem, as `safegrid check` prints it. */
export function formatProblem(p: Problem): string {
  const where = p.line !== null ? `${p.file}:${p.line}` : p.file;
  const hint = p.hint ? ` (${p.hint})` : '';
  return `${where}  ${p.path ? p.path + ': ' : ''}${p.message}${hint}`;
}

/** The nearest allowed word within edit distance 2, for "did you mean". */
export function closest(word: string, options: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = 3;
  for (const o of options) {
    const d = distance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = o;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
