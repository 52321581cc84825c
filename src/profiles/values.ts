/**
 * Safe reading of untrusted device payloads. Everything here treats the input as hostile: keys
 * such as `__proto__` or `constructor` never resolve to Object.prototype members (own properties
 * only), nesting is bounded before anything walks it, and text quoted back in reasons is capped.
 */
import { LIMITS } from '../core/limits.js';

export type Scalar = string | number | boolean;

/** Keys a property path may never name: they reach the prototype chain on ordinary objects. */
export const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type JsonResult = { ok: true; value: unknown } | { ok: false; reason: string; depth: boolean };

/**
 * JSON.parse plus a nesting check. JSON.parse itself stores a `__proto__` key as an own data
 * property (ECMA-262 JSON.parse uses CreateDataProperty), so parsing is safe; walking is what needs
 * the bound, so the depth is measured iteratively before any decoder recurses.
 */
export function parseJson(text: string): JsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // A RangeError (absurd nesting) lands here too: it is as undecodable as a syntax error.
    const msg = err instanceof Error ? err.message : String(err);
    return { ok: false, reason: `not valid JSON (${cap(msg, 80)})`, depth: false };
  }
  const depth = jsonDepth(value, LIMITS.maxJsonDepth);
  if (depth > LIMITS.maxJsonDepth) {
    return { ok: false, reason: `JSON nested deeper than ${LIMITS.maxJsonDepth} levels`, depth: true };
  }
  return { ok: true, value };
}

/** Depth of a parsed JSON value, stopping early once `limit` is exceeded. Iterative: no stack to blow. */
export function jsonDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    if (max > limit) return max;
    const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    for (const c of children) if (c !== null && typeof c === 'object') stack.push([c, d + 1]);
  }
  return max;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The keys of a property path: dotted names (`a.b.c`, array indexes as numbers: `zones.0.state`)
 * and bracketed keys for names a dot cannot carry — Shelly Gen2 names its components `smoke:0`,
 * so its alarm is `params["smoke:0"].alarm`. null when the path is not well formed.
 */
export function parsePath(path: string): string[] | null {
  const cached = PATH_CACHE.get(path);
  if (cached !== undefined) return cached;
  const keys: string[] = [];
  let i = 0;
  let ok = path.length > 0;
  while (ok && i < path.length) {
    if (path[i] === '[') {
      const m = /^\[(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\d+))\]/.exec(path.slice(i));
      if (!m) ok = false;
      else {
        keys.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]!));
        i += m[0].length;
      }
    } else {
      const m = /^[A-Za-z0-9_-]+/.exec(path.slice(i));
      if (!m) ok = false;
      else {
        keys.push(m[0]);
        i += m[0].length;
      }
    }
    if (!ok || i >= path.length) break;
    // After a key: a dot and a name, or a bracket directly.
    if (path[i] === '.') {
      i++;
      if (i >= path.length || path[i] === '[' || path[i] === '.') ok = false;
    } else if (path[i] !== '[') ok = false;
  }
  const out = ok && keys.length > 0 && keys.every((k) => k.length > 0) ? keys : null;
  // Paths come from profile files (a bounded set), so the cache cannot grow with device traffic.
  if (PATH_CACHE.size < 10_000) PATH_CACHE.set(path, out);
  return out;
}

const PATH_CACHE = new Map<string, string[] | null>();

/**
 * Value at a property path (see parsePath), own properties only. Returns undefined when any step
 * is missing or the path is not well formed.
 */
export function getPath(root: unknown, path: string): unknown {
  const keys = parsePath(path);
  if (keys === null) return undefined;
  let cur: unknown = root;
  for (const key of keys) {
    if (FORBIDDEN_KEYS.has(key)) return undefined;
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(key)) return undefined;
      cur = cur[Number(key)];
    } else if (isPlainObject(cur)) {
      if (!Object.hasOwn(cur, key)) return undefined;
      cur = cur[key];
    } else {
      return undefined;
    }
  }
  return cur;
}

export function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

/** Cut untrusted text to `max` characters (an ellipsis marks the cut). */
export function cap(text: string, max: number = LIMITS.maxDetailChars): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/** How a value is quoted in a reason: `"yes"`, `3`, `true`, `a list`, `an object`; capped. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(cap(v, 40)).replace(/[\u007f-\u009f]/g, '?');
  return String(v);
}

/** `true/false`, `1/0`, `"open"/"closed"`: the values a property may take, for reasons. */
export function describeChoices(values: readonly Scalar[]): string {
  return values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join('/');
}

/** Scalar equality with the one coercion devices need: numbers sent as strings ("1" vs 1) stay distinct on purpose. */
export function scalarIn(v: unknown, list: readonly Scalar[]): boolean {
  return list.some((x) => x === v);
}
