/** The reports page's texts in the page's language (i18n/index.ts decides which). */
import type { PatrolSuggestion } from '../../../src/contract/reports.js';
import { lang } from '../i18n/index.js';
import { patrolEn, reportsEn, WEEKDAYS_EN } from '../i18n/reports.en.js';
import { type PatrolWording, patrolZh, reportsZh, type ReportsTextKey, WEEKDAYS_ZH } from '../i18n/reports.zh-CN.js';

export function rt(key: ReportsTextKey, vars: Record<string, string | number> = {}): string {
  const text: string = lang() === 'en' ? reportsEn[key] : reportsZh[key];
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

export function weekdayNames(): readonly string[] {
  return lang() === 'en' ? WEEKDAYS_EN : WEEKDAYS_ZH;
}

/** A patrol suggestion in the page's language. */
export function sayPatrol(s: PatrolSuggestion): string {
  const wording = lang() === 'en' ? patrolEn : patrolZh;
  return (wording[s.code] as (p: PatrolSuggestion['params']) => string)(s.params);
}

export type { PatrolWording };
