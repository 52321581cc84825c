/**
 * One YAML syntax mistake is one problem. The `yaml` parser reports every error it meets after the
 * first, and most of those are echoes of it (a tab used for indentation gave 8 lines on a site
 * file; an unclosed `[` was reported on the line after it). This turns a failed parse into the one
 * problem an installer can act on: where it is (line, column), and the character that caused it.
 * Pure: the text and the parser's errors in, one problem out.
 */
import type { InstallerMessageCode, Params } from './installer-messages.js';
import { message } from './installer-messages.js';

export interface YamlErrorLike {
  message: string;
  /** 0-based offsets into the text. */
  pos: [number, number];
  linePos?: [{ line: number; col: number }, ...unknown[]] | undefined;
}

export interface SyntaxFinding {
  line: number;
  column: number;
  text: { code: InstallerMessageCode; params: Params };
  /** The English text, for logs and the problem's message. */
  message: string;
  hint?: string;
}

/** Where the text starts a line: offsets of each line start. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

/** A finding at `at` (1-based line and column). */
function finding(at: { line: number; column: number }, code: InstallerMessageCode, params: Params, hint?: string): SyntaxFinding {
  const { line, column } = at;
  return { line, column, text: { code, params }, message: message(code, params), ...(hint ? { hint } : {}) };
}

/** A tab in a line's leading whitespace, at or before `untilLine` (1-based): YAML forbids it [YAML 1.2 §6.1]. */
function indentationTab(lines: string[], untilLine: number): { line: number; column: number } | null {
  for (let i = 0; i < Math.min(lines.length, untilLine); i++) {
    const lead = /^[ \t]*/.exec(lines[i]!)![0];
    const tab = lead.indexOf('\t');
    // A line of whitespace only is not indentation of anything.
    if (tab >= 0 && lead.length < lines[i]!.length) return { line: i + 1, column: tab + 1 };
  }
  return null;
}

const CLOSE: Record<string, string> = { '[': ']', '{': '}' };

/**
 * The first flow collection (`[` or `{` where a value or item starts) that is never closed, skipping
 * quoted text and comments. A `[` inside a plain scalar (`name: 柜台[1`) is text, not a collection.
 */
function unclosedFlow(text: string): { offset: number; char: string } | null {
  const stack: Array<{ offset: number; char: string }> = [];
  let quote: '"' | "'" | null = null;
  let prevSignificant = '\n';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
      if (c !== ' ') prevSignificant = 'x';
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      while (i < text.length && text[i] !== '\n') i++;
      prevSignificant = '\n';
      continue;
    }
    if ((c === '"' || c === "'") && (stack.length > 0 || /[:\-\n[{,]/.test(prevSignificant))) {
      quote = c;
      continue;
    }
    if ((c === '[' || c === '{') && (stack.length > 0 || /[:\-\n[{,]/.test(prevSignificant))) stack.push({ offset: i, char: c });
    else if ((c === ']' || c === '}') && stack.length > 0 && CLOSE[stack[stack.length - 1]!.char] === c) stack.pop();
    if (c === '\n') prevSignificant = stack.length > 0 ? prevSignificant : '\n';
    else if (c !== ' ' && c !== '\t') prevSignificant = c;
  }
  return stack[0] ?? null;
}

/** The one problem behind a failed YAML parse. */
export function yamlSyntaxFinding(text: string, errors: readonly YamlErrorLike[]): SyntaxFinding | null {
  const first = errors[0];
  if (!first) return null;
  const lines = text.split('\n');
  const firstLine = first.linePos?.[0].line ?? lines.length;
  const tab = indentationTab(lines, firstLine + 1);
  if (tab) return finding(tab, 'YAML_TAB', { column: tab.column });
  if (errors.some((e) => /flow (sequence|mapping|collection)|end with a [\]}]|[\]}] .*expected|Missing , or :/i.test(e.message))) {
    const open = unclosedFlow(text);
    if (open) {
      const starts = lineStarts(text);
      let line = starts.findIndex((s) => s > open.offset);
      line = line === -1 ? starts.length : line;
      const column = open.offset - starts[line - 1]! + 1;
      return finding({ line, column }, 'YAML_UNCLOSED', { char: open.char, column, close: CLOSE[open.char]! });
    }
  }
  const line = first.linePos?.[0].line ?? 1;
  const column = first.linePos?.[0].col ?? 1;
  const char = text[first.pos[0]] ?? '';
  const detail = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return finding(
    { line, column },
    'YAML_OTHER',
    { detail, column, char: char === '\n' ? '\\n' : char },
    'look at the named line and the one before it: an unclosed [ or {, a duplicate key, or a value with ": " that needs quotes',
  );
}
