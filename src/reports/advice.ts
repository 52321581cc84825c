/**
 * The bulletin's prevention advice, from the editable file hub.yaml `reports.bulletin_advice`.
 * Read when a bulletin is built, so an edit shows in the next one without a restart. A missing or
 * broken file is not fatal: the bulletin goes out without advice and says why in the log.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { bulletinAdviceSchema } from '../config/schema/bulletin-advice.js';

export interface AdviceLoad {
  advice: Map<string, { title: string; text: string }>;
  /** Why nothing was read (file missing, YAML or schema problem with its key path); null when it was. */
  problem: string | null;
}

export function loadBulletinAdvice(rootDir: string, file: string): AdviceLoad {
  const path = isAbsolute(file) ? file : join(rootDir, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { advice: new Map(), problem: `${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  let doc: unknown;
  try {
    doc = parse(text) ?? {};
  } catch (err) {
    return { advice: new Map(), problem: `${file}: not valid YAML (${(err as Error).message.split('\n')[0]})` };
  }
  const r = bulletinAdviceSchema.safeParse(doc);
  if (!r.success) {
    const first = r.error.issues[0];
    return { advice: new Map(), problem: `${file}: ${first?.path.join('.') || '(top)'}: ${first?.message ?? 'does not match'}` };
  }
  const advice = new Map(Object.entries(r.data.advice));
  if (r.data.default) advice.set('default', r.data.default);
  return { advice, problem: null };
}
