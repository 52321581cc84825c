/**
 * The words an installer reads (CONVENTIONS.md "Config: strict, complete, helpful"):
 *
 *   config/hub.yaml:14  mqtt.port: got "18830x"; expected a whole number 1–65535
 *   devices/shop-12.yaml:9  devices[2].profile: no profile "acme/pir-200"; acme has acme/pir-100, acme/door-1
 *   2 problems. Fix them, then run `safegrid check`.
 */
import { count, message, problemTitle, type Language, type Params } from '../core/installer-messages.js';
import { textIn, translatePart } from '../core/installer-texts.js';
import type { Problem } from '../core/problems.js';

/**
 * One line per problem, without the closing count line. In zh-CN the message and hint are looked
 * up in the text catalogue (src/core/installer-texts.ts); a text it does not know stays English,
 * after the code's Chinese title so the line still says what kind of problem it is.
 */
export function formatProblem(p: Problem, language: Language = 'en'): string {
  const where = p.line !== null ? `${p.file}:${p.line}` : p.file;
  const tag = p.severity === 'warning' ? message('CHECK_WARNING_TAG', {}, language) : '';
  const translated = language === 'en' || p.text ? null : textIn(p.message, language);
  const text = p.text ? message(p.text.code, paramsIn(p.text.params, language), language) : (translated ?? p.message);
  const title = p.text || (translated !== null && translated !== p.message) ? null : problemTitle(p.code, language);
  const what = p.path ? `${p.path}: ${text}` : text;
  const hint = p.hint ? (language === 'en' ? `; ${p.hint}` : `；${textIn(p.hint, language)}`) : '';
  return `${where}  ${tag}${title ? `【${title}】` : ''}${what}${hint}`;
}

/** The parts of a catalogue message that are English texts themselves: the value found and what is expected. */
function paramsIn(params: Params, language: Language): Params {
  if (language === 'en') return params;
  const out: Record<string, string | number> = { ...params };
  if (typeof params.got === 'string') out.got = translatePart(params.got, 'v');
  if (typeof params.expected === 'string') out.expected = translatePart(params.expected, '');
  // A YAML parser message: translated when it is one of the common ones, else as the parser said it.
  if (typeof params.detail === 'string') out.detail = textIn(params.detail, language);
  return out;
}

/** The closing line: errors and warnings counted separately. */
export function summaryLine(problems: Problem[], language: Language = 'en'): string {
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  if (errors === 0) return warnings === 0 ? '' : message('CHECK_SUMMARY_WARNINGS_ONLY', { warnings: count('COUNT_WARNING', warnings, language) }, language);
  const also = warnings > 0 ? message('CHECK_SUMMARY_ALSO_WARNINGS', { warnings: count('COUNT_WARNING', warnings, language) }, language) : '';
  if (errors === 1) return message('CHECK_SUMMARY_ONE_ERROR', { also }, language);
  return message('CHECK_SUMMARY_ERRORS', { problems: count('COUNT_PROBLEM', errors, language), also }, language);
}

/** Every problem, one per line, then the count line. Empty string when there is nothing to say. */
export function formatProblems(problems: Problem[], language: Language = 'en'): string {
  if (problems.length === 0) return '';
  return [...problems.map((p) => formatProblem(p, language)), summaryLine(problems, language)].join('\n');
}
