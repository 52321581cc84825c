/**
 * Secrets are references: `password_env: NAME` (an environment variable) or
 * `password_file_key: KEY` (a key of the secrets file, config/secrets.yaml by default). Nothing
 * here ever puts a secret value into a Problem, a message or a log line.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import type { Problem } from '../core/problems.js';
import { lineOf, readSource } from './source.js';
import type { SecretRef } from './schema/common.js';

export interface SecretStore {
  /** Relative to the config root. */
  file: string;
  /** null when the file does not exist (fine until something refers to it). */
  values: ReadonlyMap<string, string> | null;
}

export const DEFAULT_SECRETS_FILE = 'config/secrets.yaml';

/** True when `file` (relative to rootDir) lies inside devices/, where secrets must never live. */
export function isUnderDevices(rootDir: string, file: string): boolean {
  const rel = relative(resolve(rootDir, 'devices'), resolve(rootDir, file));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Reads the secrets file: a flat mapping of key → text. Problems name keys and lines only;
 * a wrongly typed value is reported without its content.
 */
export function readSecrets(rootDir: string, file: string): { store: SecretStore; problems: Problem[] } {
  const src = readSource(rootDir, file);
  if (!src) return { store: { file, values: null }, problems: [] };
  if (src.problems.length > 0) {
    // A YAML parser message carries no file content on its first line, which is all we keep.
    return { store: { file, values: null }, problems: src.problems };
  }
  const problems: Problem[] = [];
  const values = new Map<string, string>();
  const data = src.data;
  if (data !== null && (typeof data !== 'object' || Array.isArray(data))) {
    problems.push({
      code: 'SG_CONFIG_INVALID_VALUE',
      severity: 'error',
      file,
      line: 1,
      path: '',
      message: 'expected a mapping of key: secret, e.g. cam_shop12: "..."',
    });
  } else if (data) {
    for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
      if (typeof value === 'string' || typeof value === 'number') {
        values.set(key, String(value));
      } else {
        problems.push({
          code: 'SG_CONFIG_INVALID_VALUE',
          severity: 'error',
          file,
          line: lineOf(src, [key]),
          path: key,
          message: 'got a value that is not text (not shown); expected the secret as text in quotes',
        });
      }
    }
  }
  return { store: { file, values }, problems };
}

export type { SecretRef };

export type SecretLookup = { ok: true; value: string } | { ok: false; why: string; hint: string };

/** Resolves a reference; the failure says which reference is unset, never anything about a value. */
export function lookupSecret(ref: SecretRef, env: NodeJS.ProcessEnv, store: SecretStore): SecretLookup {
  if ('env' in ref) {
    const value = env[ref.env];
    if (value !== undefined && value !== '') return { ok: true, value };
    return {
      ok: false,
      why: `environment variable ${ref.env} is not set`,
      hint: `set ${ref.env} in the hub's environment`,
    };
  }
  if (store.values === null) {
    return {
      ok: false,
      why: `secrets file ${store.file} does not exist, so key "${ref.fileKey}" is unset`,
      hint: `create ${store.file} with a line ${ref.fileKey}: "..." (readable only by the hub's user)`,
    };
  }
  const value = store.values.get(ref.fileKey);
  if (value !== undefined && value !== '') return { ok: true, value };
  return {
    ok: false,
    why: `key "${ref.fileKey}" is not in ${store.file}`,
    hint: `add a line ${ref.fileKey}: "..." to ${store.file}`,
  };
}
