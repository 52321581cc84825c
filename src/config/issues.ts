/**
 * Turns zod issues into Problems an installer can act on: file:line, key path, what was found
 * (secrets masked) and what was expected, with a hint where one helps.
 */
import type { z } from 'zod';
import type { ErrorCode } from '../core/errors.js';
import type { Problem } from '../core/problems.js';
import type { CustomIssueParams } from './schema/common.js';
import { lineOf, type SourceFile } from './source.js';
import { didYouMean } from './suggest.js';

type Seg = PropertyKey;

/** `devices[2].zones.1.name` */
export function formatPath(path: readonly Seg[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

const SECRET_KEY_RE = /pass(word)?|secret|token|private/i;

/** Whether a key path names a secret, so its value must never be echoed. */
export function isSecretPath(path: readonly Seg[]): boolean {
  const last = path[path.length - 1];
  return typeof last === 'string' && SECRET_KEY_RE.test(last) && !/_env$|_file_key$/.test(last);
}

/** A value as the installer wrote it, short enough for one line. */
export function showValue(value: unknown, path: readonly Seg[] = []): string {
  if (isSecretPath(path)) return '(hidden)';
  if (value === null) return 'an empty value';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.length <= 4 && value.every((v) => typeof v !== 'object') ? JSON.stringify(value) : 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    // A password written into a URL (postgres://user:pw@host, mqtt://user:pw@host) is not echoed either.
    const text = value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:\s]*):[^/@\s]*@/i, '$1:(hidden)@');
    const s = text.length > 60 ? `${text.slice(0, 57)}...` : text;
    return JSON.stringify(s);
  }
  return String(value);
}

function valueAt(data: unknown, path: readonly Seg[]): { found: boolean; value: unknown } {
  let cur: unknown = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return { found: false, value: undefined };
    const obj = cur as Record<PropertyKey, unknown>;
    if (!Object.hasOwn(obj, seg as PropertyKey)) return { found: false, value: undefined };
    cur = obj[seg as PropertyKey];
  }
  return { found: true, value: cur };
}

/** Fallback wording for issues whose schema did not say what it expects (containers, mostly). */
function fallbackExpected(iss: { code: string; expected?: string }): string | undefined {
  if (iss.code === 'invalid_type') {
    switch (iss.expected) {
      case 'object':
        return 'a mapping of keys';
      case 'array':
        return 'a list';
      case 'string':
        return 'text';
      case 'number':
        return 'a number';
      case 'boolean':
        return 'true or false';
      default:
        return iss.expected;
    }
  }
  return undefined;
}

export interface ParseOptions {
  /**
   * Under devices/ a `password:` key is not a typo but a secret written inline; it gets its own
   * code and its value is never shown.
   */
  inlineSecretsForbidden?: boolean;
}

/**
 * Validates `src.data` against `schema`. Returns the parsed value when there is no error-level
 * problem; all problems either way, sorted by line.
 */
export function parseWithSchema<S extends z.ZodType>(
  schema: S,
  src: SourceFile,
  options: ParseOptions = {},
): { value: z.output<S> | null; problems: Problem[] } {
  // Known keys of each object that reported unknown ones, for "did you mean". The error map is
  // the one place zod still holds the object schema that raised the issue.
  const knownKeys = new Map<string, string[]>();
  const data = src.data === null ? {} : src.data;
  const result = schema.safeParse(data, {
    reportInput: true,
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') {
        const inst = (iss as { inst?: { shape?: Record<string, unknown> } }).inst;
        knownKeys.set(JSON.stringify(iss.path ?? []), Object.keys(inst?.shape ?? {}));
      }
      return fallbackExpected(iss as { code: string; expected?: string });
    },
  });
  if (result.success) return { value: result.data, problems: [] };

  const problems: Problem[] = [];
  const add = (p: Omit<Problem, 'file' | 'severity'> & { severity?: Problem['severity'] }): void => {
    problems.push({ severity: 'error', file: src.file, ...p });
  };

  for (const iss of result.error.issues) {
    const path = iss.path as Seg[];
    if (iss.code === 'unrecognized_keys') {
      const known = knownKeys.get(JSON.stringify(path)) ?? [];
      for (const key of iss.keys) {
        const keyPath = [...path, key];
        const line = lineOf(src, keyPath);
        if (options.inlineSecretsForbidden && /^pass(word)?$/i.test(key)) {
          add({
            code: 'SG_CONFIG_SECRET_INLINE',
            line,
            path: formatPath(keyPath),
            message: 'a password written inline (value not shown); secrets must be references',
            hint: known.includes('password_file_key')
              ? 'use password_env: NAME (an environment variable) or password_file_key: KEY (config/secrets.yaml)'
              : 'use password_env: NAME (an environment variable)',
          });
          continue;
        }
        const hint = didYouMean(key, known) ?? (known.length > 0 ? `known keys here: ${known.join(', ')}` : undefined);
        add({
          code: 'SG_CONFIG_UNKNOWN_KEY',
          line,
          path: formatPath(keyPath),
          message: `unknown key "${key}"`,
          text: { code: 'CFG_UNKNOWN_KEY', params: { key } },
          ...(hint ? { hint } : {}),
        });
      }
      continue;
    }

    const line = lineOf(src, path);
    const at = valueAt(data, path);

    if (iss.code === 'custom') {
      const params = (iss.params ?? {}) as Partial<CustomIssueParams>;
      const code: ErrorCode = params.code ?? 'SG_CONFIG_INVALID_VALUE';
      const got = showValue(at.value, path);
      const message = params.whole ? iss.message : `got ${got}; expected ${iss.message}`;
      const text = params.whole ? {} : { text: { code: 'CFG_GOT_EXPECTED' as const, params: { got, expected: iss.message } } };
      add({ code, line, path: formatPath(path), message, ...text, severity: params.severity ?? 'error', ...(params.hint ? { hint: params.hint } : {}) });
      continue;
    }

    if (iss.code === 'invalid_key') {
      const inner = iss.issues[0]?.message ?? 'a valid key';
      add({ code: 'SG_CONFIG_INVALID_VALUE', line, path: formatPath(path), message: `key ${showValue(path[path.length - 1])} is not ${inner}` });
      continue;
    }

    if (!at.found) {
      add({
        code: 'SG_CONFIG_MISSING_KEY',
        line,
        path: formatPath(path),
        message: `missing; expected ${iss.message}`,
        text: { code: 'CFG_MISSING', params: { expected: iss.message } },
      });
      continue;
    }

    let hint: string | undefined;
    if (iss.code === 'invalid_value' && typeof at.value === 'string') {
      hint = didYouMean(at.value, iss.values.map(String));
    }
    // Only where the schema asks for quoted text (phones, accounts): there the number form loses data.
    if (iss.code === 'invalid_type' && typeof at.value === 'number' && iss.message.includes('in quotes')) {
      hint = `write it in quotes: "${String(at.value)}"`;
    }
    add({
      code: 'SG_CONFIG_INVALID_VALUE',
      line,
      path: formatPath(path),
      message: `got ${showValue(at.value, path)}; expected ${iss.message}`,
      text: { code: 'CFG_GOT_EXPECTED', params: { got: showValue(at.value, path), expected: iss.message } },
      ...(hint ? { hint } : {}),
    });
  }

  const unique = dedupe(problems);
  sortByLine(unique);
  const hasError = unique.some((p) => p.severity === 'error');
  return { value: hasError ? null : ((result as { data?: z.output<S> }).data ?? null), problems: unique };
}

export function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.file}\u0000${p.line}\u0000${p.path}\u0000${p.code}\u0000${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function sortByLine(problems: Problem[]): void {
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}
