/**
 * The language of the page: zh-CN by default, English on request (remembered per browser).
 * Every string comes from one catalogue per language (zh-CN.ts, en.ts).
 */
import type { Catalogue, TextKey, Words } from './catalogue.js';
import { en, enWords } from './en.js';
import { zhCN, zhCNWords } from './zh-CN.js';

export type Lang = 'zh-CN' | 'en';
const STORE_KEY = 'sg-lang';

const CATALOGUES: Record<Lang, { text: Catalogue; words: Words }> = {
  'zh-CN': { text: zhCN, words: zhCNWords },
  en: { text: en, words: enWords },
};

let current: Lang = readLang();
const listeners = new Set<() => void>();

function readLang(): Lang {
  try {
    return localStorage.getItem(STORE_KEY) === 'en' ? 'en' : 'zh-CN';
  } catch {
    return 'zh-CN'; // storage blocked: the default language
  }
}

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  current = next;
  try {
    localStorage.setItem(STORE_KEY, next);
  } catch {
    // storage blocked: the choice lasts for this page only
  }
  document.documentElement.lang = next;
  for (const l of listeners) l();
}

export function toggleLang(): void {
  setLang(current === 'en' ? 'zh-CN' : 'en');
}

export function onLangChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** A text of the current catalogue with `{name}` placeholders filled in. */
export function t(key: TextKey, vars: Record<string, string | number> = {}): string {
  return CATALOGUES[current].text[key].replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

/** The current language's text catalogue (for wording functions that need several of its texts). */
export function textCatalogue(): Catalogue {
  return CATALOGUES[current].text;
}

export function words(): Words {
  return CATALOGUES[current].words;
}

/** Pick the zh-CN or English form of a text the server gives in both (e.g. the priority reason). */
export function pick(zh: string, english: string): string {
  return current === 'en' ? english : zh;
}
