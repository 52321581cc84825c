/**
 * The installer's language for a config root, without loading the config: for `--help` and for
 * the line that says the config has errors (when the config could not be loaded, its `language`
 * key cannot be read the normal way). hub.yaml's `language:` when the line is there, else LANG.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Language, resolveLanguage } from '../core/installer-messages.js';

export function languageOfRoot(rootDir: string, env: NodeJS.ProcessEnv): Language {
  let configured: Language | null = null;
  try {
    const m = /^language:\s*["']?(en|zh-CN)["']?\s*(#.*)?$/m.exec(readFileSync(join(rootDir, 'config/hub.yaml'), 'utf8'));
    configured = (m?.[1] as Language | undefined) ?? null;
  } catch {
    // No hub.yaml here (help run outside a checkout): the environment decides.
  }
  return resolveLanguage(configured, env);
}
