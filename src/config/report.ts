/**
 * The words an installer reads (CONVENTIONS.md "Config: strict, complete, helpful"):
 *
 *   config/hub.yaml:14  mqtt.port: got "18830x"; expected a whole number 1–65535
 *   devices/shop-12.yaml:9  devices[2].profile: no profile "acme/pir-200"; acme has acme/pir-100, acme/door-1
 *   2 problems. Fix them, then run `safegrid check`.
 */
import type { Problem } from '../core/problems.js';

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** One line per problem, without the closing count line. */
export function formatProblem(p: Problem): string {
  const where = p.line !== null ? `${p.file}:${p.line}` : p.file;
  const tag = p.severity === 'warning' ? 'warning: ' : '';
  const what = p.path ? `${p.path}: ${p.message}` : p.message;
  return `${where}  ${tag}${what}${p.hint ? `; ${p.hint}` : ''}`;
}

/** The closing line: errors and warnings counted separately. */
export function summaryLine(problems: Problem[]): string {
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  if (errors === 0) return warnings === 0 ? '' : `${plural(warnings, 'warning', 'warnings')}; nothing here stops the hub from starting.`;
  const also = warnings > 0 ? ` (and ${plural(warnings, 'warning', 'warnings')})` : '';
  return `${plural(errors, 'problem', 'problems')}${also}. Fix ${errors === 1 ? 'it' : 'them'}, then run \`safegrid check\`.`;
}

/** Every problem, one per line, then the count line. Empty string when there is nothing to say. */
export function formatProblems(problems: Problem[]): string {
  if (problems.length === 0) return '';
  return [...problems.map(formatProblem), summaryLine(problems)].join('\n');
}
