/**
 * Issue 19: every English text `safegrid check` can print has a zh-CN entry in the text catalogue
 * (src/core/installer-texts.ts). The source is walked, so a new `error:`/`message:`/`hint:` without
 * a translation fails here, with its file and line.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/config/report.js';
import { TEXT_TRANSLATIONS, translateText } from '../../src/core/installer-texts.js';
import { installerStrings } from '../helpers/installer-strings.js';
import { latinWordsOutsideQuotes } from '../helpers/latin.js';

const REPO = join(import.meta.dirname, '../..');
/** Arguments the walker picks up that are key names, not texts (`refProblem('station', …)`). */
const KEY_NAMES = new Set(['station', 'guard_group']);

describe('the zh-CN text catalogue', () => {
  const texts = installerStrings(REPO, ['src/config', 'src/check.ts', 'src/auth/users.ts', 'src/profiles']).filter((t) => !KEY_NAMES.has(t.text));

  it('finds the texts (the walker itself works)', () => {
    expect(texts.length).toBeGreaterThan(150);
    expect(texts.map((t) => t.text)).toContain('a host name or IP address, e.g. 0.0.0.0');
    expect(texts.map((t) => t.text)).toContain('site id "x1" is already used by x1x1');
  });

  it('has a Chinese text for every English one check can print', () => {
    const missing = texts.filter((t) => translateText(t.text) === null).map((t) => `${t.file}:${t.line}  ${t.text}`);
    expect(missing).toEqual([]);
  });

  it('every translation is Chinese', () => {
    const notChinese = texts.filter((t) => !/[\u4e00-\u9fff\uff08\uff1a]/.test(translateText(t.text) ?? '') && !/^"\w+"$/.test(t.text));
    expect(notChinese.map((t) => `${t.file}:${t.line}  ${t.text} → ${translateText(t.text)}`)).toEqual([]);
  });

  it('each Chinese text uses every part of its English, and no other; no English template twice', () => {
    const wrong = TEXT_TRANSLATIONS.filter(([en, zh]) => {
      const parts = en.split('{}').length - 1;
      const used = [...new Set([...zh.matchAll(/\{(\d+)[=vl]?\}/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);
      return used.join(',') !== Array.from({ length: parts }, (_, i) => i + 1).join(',');
    });
    expect(wrong).toEqual([]);
    const english = TEXT_TRANSLATIONS.map(([en]) => en);
    expect(english.filter((en, i) => english.indexOf(en) !== i)).toEqual([]);
  });

  it('translates the parts of a composed message: what was found, what is expected, the hint', () => {
    const line = formatProblem(
      {
        code: 'SG_CONFIG_INVALID_VALUE',
        severity: 'error',
        file: 'config/hub.yaml',
        line: 3,
        path: 'https.enabled',
        message: 'got "yes"; expected true or false',
        text: { code: 'CFG_GOT_EXPECTED', params: { got: '"yes"', expected: 'true or false' } },
      },
      'zh-CN',
    );
    expect(line).toBe('config/hub.yaml:3  https.enabled: 实际为 "yes"；应为 `true` 或 `false`');
    const dup = formatProblem(
      {
        code: 'SG_CONFIG_DUPLICATE_ID',
        severity: 'error',
        file: 'devices/a.yaml',
        line: 9,
        path: 'site.id',
        message: 'site id "a" is already used by devices/b.yaml (line 2)',
        hint: 'every site file needs its own site id; this file is held back',
      },
      'zh-CN',
    );
    expect(dup).toBe('devices/a.yaml:9  site.id: 场所编号 "a" 已被 devices/b.yaml（第 2 行） 使用；每个场所文件需要自己的场所编号；此文件暂不生效');
    // A list of allowed values the schema joined itself comes out as codes.
    expect(translateText('got "bell"; expected intrusion, fire, panic')).toBe('实际为 "bell"；应为 `intrusion`、`fire`、`panic`');
    expect(latinWordsOutsideQuotes(translateText('no station "zs" in config/stations.yaml') ?? '')).toEqual([]);
  });

  it('leaves English as it was and an unknown text as it was', () => {
    expect(translateText('a sentence nobody wrote')).toBeNull();
    const p = { code: 'SG_CONFIG_PARSE', severity: 'error', file: 'x.yaml', line: null, path: '', message: 'a sentence nobody wrote' } as const;
    expect(formatProblem(p, 'en')).toBe('x.yaml  a sentence nobody wrote');
    expect(formatProblem(p, 'zh-CN')).toMatch(/^x\.yaml {2}【.+】a sentence nobody wrote$/);
  });
});
