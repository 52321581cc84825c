/** Issue 19: one catalogue of installer-facing text, every code in English and in Chinese. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REFUSAL_CODES } from '../../src/contract/refusals.js';
import { ERROR_CODES } from '../../src/core/errors.js';
import { ERROR_TITLES_ZH } from '../../src/core/installer-messages-codes.js';
import { count, INSTALLER_MESSAGES, LANGUAGES, languageFromEnv, message, resolveLanguage } from '../../src/core/installer-messages.js';

const placeholders = (text: string): string[] => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort();

describe('the installer message catalogue', () => {
  it.each(Object.keys(INSTALLER_MESSAGES))('%s has a text in every language, with the parameters it needs', (code) => {
    const entry = INSTALLER_MESSAGES[code as keyof typeof INSTALLER_MESSAGES];
    for (const language of LANGUAGES) expect(entry[language]?.trim(), `${code} ${language}`).toBeTruthy();
    // Chinese may leave out a parameter that is English grammar only ({them}: "it" / "them").
    const englishOnly = new Set(['them']);
    expect(placeholders(entry['zh-CN'])).toEqual(placeholders(entry.en).filter((p) => !englishOnly.has(p)));
  });
  it('the zh-CN texts are Chinese (CJK characters or full-width punctuation in each)', () => {
    const notChinese = Object.entries(INSTALLER_MESSAGES).filter(([, e]) => !/[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]/.test(e['zh-CN']));
    expect(notChinese.map(([code]) => code)).toEqual([]);
  });
  it.each(Object.keys(ERROR_CODES))('problem code %s has a zh-CN title', (code) => {
    expect(ERROR_TITLES_ZH[code]).toMatch(/[\u4e00-\u9fff]/);
  });
  it('fills parameters and counts nouns in each language', () => {
    expect(message('YAML_TAB', { column: 3 }, 'zh-CN')).toContain('第 3 列');
    expect([count('COUNT_SITE', 1), count('COUNT_SITE', 24), count('COUNT_SITE', 1, 'zh-CN')]).toEqual(['1 site', '24 sites', '1 个场所']);
  });
});

describe('which language an installer gets', () => {
  it.each([
    [{ LANG: 'zh_CN.UTF-8' }, 'zh-CN'],
    [{ LANG: 'zh_TW.UTF-8' }, 'zh-CN'],
    [{ LANG: 'en_US.UTF-8' }, 'en'],
    [{ LANG: 'zh_CN.UTF-8', LC_ALL: 'C' }, 'en'],
    [{ LC_MESSAGES: 'zh_CN.UTF-8' }, 'zh-CN'],
    [{}, 'en'],
  ] as const)('environment %o → %s', (env, language) => {
    expect(resolveLanguage(null, env)).toBe(language);
  });
  it('hub.yaml language wins over the environment', () => {
    expect(resolveLanguage('zh-CN', { LANG: 'C' })).toBe('zh-CN');
    expect(resolveLanguage('en', { LANG: 'zh_CN.UTF-8' })).toBe('en');
    expect(languageFromEnv({})).toBeNull();
  });
});

describe('docs/errors.zh-CN.md', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../docs/errors.zh-CN.md'), 'utf8');
  it.each(Object.keys(ERROR_CODES))('explains %s in Chinese, with an example and what to do', (code) => {
    const section = doc.split(/^## /m).find((s) => s.startsWith(`${code}\n`));
    expect(section, `add "## ${code}" to docs/errors.zh-CN.md`).toBeDefined();
    expect(section).toMatch(/示例/);
    expect(section).toMatch(/处理/);
  });
  it.each(Object.keys(REFUSAL_CODES))('lists the API refusal %s', (code) => {
    expect(doc).toContain(`| \`${code}\` |`);
  });
});
