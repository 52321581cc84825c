/**
 * Every English text that `safegrid check` can print, as written in the source: the `error:` of
 * schema leaves, the `message`/`hint`/`why` of problems and custom issues, the `*_EXPECTED`
 * constants and the text arguments of the problem helpers (add, refProblem, geometryIssue, …); codes
 * (SG_…, catalogue codes such as YAML_TAB) are not texts and are left out. A
 * template literal comes back with each `${…}` replaced by a sample value, so the catalogue's
 * patterns can be tried on it the way they are tried on a real message.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export interface SourceText {
  file: string;
  line: number;
  /** The text with every substitution replaced by `sample`. */
  text: string;
}

const KEYS = new Set(['error', 'message', 'hint', 'why', 'expected', 'what']);
const HELPERS = new Set(['add', 'refProblem', 'geometryIssue', 'text', 'quotedText', 'path', 'mqttCredentials', 'loginCredentials', 'finding']);

function files(path: string): string[] {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path)
    .flatMap((name) => files(join(path, name)))
    .filter((f) => f.endsWith('.ts'));
}

/** The literal texts an expression can evaluate to (both branches of `?:` and `??`). */
function literals(node: ts.Expression, sample: string): ts.Node[] {
  if (ts.isParenthesizedExpression(node)) return literals(node.expression, sample);
  if (ts.isConditionalExpression(node)) return [...literals(node.whenTrue, sample), ...literals(node.whenFalse, sample)];
  if (
    ts.isBinaryExpression(node) &&
    (node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || node.operatorToken.kind === ts.SyntaxKind.BarBarToken)
  ) {
    return [...literals(node.left, sample), ...literals(node.right, sample)];
  }
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) return [node];
  return [];
}

function textOf(node: ts.Node, sample: string): string {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  const t = node as ts.TemplateExpression;
  return t.head.text + t.templateSpans.map((s) => sample + s.literal.text).join('');
}

export function installerStrings(repo: string, roots: string[], sample = 'x1'): SourceText[] {
  const out: SourceText[] = [];
  for (const file of roots.flatMap((r) => files(join(repo, r)))) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const take = (expr: ts.Expression | undefined): void => {
      if (!expr) return;
      for (const lit of literals(expr, sample)) {
        const text = textOf(lit, sample);
        if (!/[A-Za-z]{2}/.test(text) || /^[A-Z][A-Z0-9_]+$/.test(text) || text === 'error' || text === 'warning' || text === 'custom') continue;
        out.push({ file: relative(repo, file), line: sf.getLineAndCharacterOfPosition(lit.getStart()).line + 1, text });
      }
    };
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && KEYS.has(node.name.text)) take(node.initializer);
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && (/EXPECTED$/.test(node.name.text) || KEYS.has(node.name.text)))
        take(node.initializer);
      if (ts.isParameter(node) && ts.isIdentifier(node.name) && KEYS.has(node.name.text)) take(node.initializer);
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && HELPERS.has(node.expression.text)) for (const a of node.arguments) take(a);
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out;
}
