/**
 * `safegrid discover --write` writes a site file an installer must finish: values only a person
 * knows are written as `TODO …` (name, address, door plate, contact phone). Such a value is valid
 * text, so the schema passes it, and a site named "TODO 站点名称" with a contact phone "TODO" would
 * reach the operator's screen (issue 15). `safegrid check` reports each one at its line. Pure: the
 * text in, problems out.
 */
import { isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import { message } from '../core/installer-messages.js';
import type { Problem } from '../core/problems.js';

/** The word discover writes; a whole word, so a road named "Todos" is not a placeholder. */
const TODO = /\bTODO\b/;

export function placeholderProblems(file: string, text: string): Problem[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  // A file that does not parse is reported by the loader (SG_CONFIG_PARSE); nothing to add here.
  if (doc.errors.length > 0) return [];
  const problems: Problem[] = [];
  visit(doc, {
    Scalar(_key, node, path) {
      if (!isScalar(node) || typeof node.value !== 'string' || !TODO.test(node.value)) return;
      // A mapping key is a key, not a value someone forgot to fill in.
      const parent = path[path.length - 1];
      if (isPair(parent) && parent.key === node) return;
      const keys: string[] = [];
      path.forEach((step, i) => {
        if (isPair(step) && isScalar(step.key)) keys.push(String(step.key.value));
        else if (isSeq(step)) {
          const at = step.items.indexOf((path[i + 1] ?? node) as never);
          if (at >= 0) keys.push(`[${at}]`);
        }
      });
      const value = node.value.length > 60 ? `${node.value.slice(0, 59)}…` : node.value;
      const params = { value };
      problems.push({
        code: 'SG_CONFIG_INVALID_VALUE',
        severity: 'error',
        file,
        line: node.range ? lc.linePos(node.range[0]).line : null,
        path: keys.join('.').replace(/\.\[/g, '['),
        message: message('CFG_TODO_PLACEHOLDER', params),
        text: { code: 'CFG_TODO_PLACEHOLDER', params },
      });
    },
  });
  return problems;
}
