/**
 * Reading an installer's file with line numbers. YAML and GeoJSON both go through `yaml`'s
 * parser (JSON is YAML 1.2 flow syntax), so one node walker maps a key path to a line for both.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { Problem } from '../core/problems.js';

export interface SourceFile {
  /** Relative to the config root, with forward slashes, e.g. `devices/shop-12.yaml`. */
  file: string;
  text: string;
  doc: Document.Parsed | null;
  lineCounter: LineCounter;
  /** Plain data (null for an empty file); undefined when the file could not be parsed. */
  data: unknown;
  problems: Problem[];
}

type PathKey = PropertyKey;

/** Reads and parses a file; returns null when it does not exist (the caller decides if that is an error). */
export function readSource(rootDir: string, file: string, kind: 'yaml' | 'json' = 'yaml'): SourceFile | null {
  let text: string;
  try {
    text = readFileSync(join(rootDir, file), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return {
      file,
      text: '',
      doc: null,
      lineCounter: new LineCounter(),
      data: undefined,
      problems: [
        {
          code: 'SG_CONFIG_PARSE',
          severity: 'error',
          file,
          line: null,
          path: '',
          message: `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        },
      ],
    };
  }
  return parseSource(file, text, kind);
}

export function parseSource(file: string, text: string, kind: 'yaml' | 'json' = 'yaml'): SourceFile {
  const lineCounter = new LineCounter();
  // A BOM from Windows editors is not content.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const doc = parseDocument(body, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const problems: Problem[] = [];
  for (const e of doc.errors) {
    const pos = e.linePos?.[0];
    const what = e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? e.message;
    problems.push({
      code: 'SG_CONFIG_PARSE',
      severity: 'error',
      file,
      line: pos?.line ?? null,
      path: '',
      message: `not valid ${kind === 'json' ? 'JSON' : 'YAML'}: ${what}${pos ? ` (column ${pos.col})` : ''}`,
      ...(/tab/i.test(what) ? { hint: 'indent with spaces, not tabs' } : {}),
    });
  }
  let data: unknown;
  if (problems.length === 0) {
    if (kind === 'json') {
      // YAML accepts things JSON does not (comments, trailing commas, single quotes); GIS tools
      // reading the same file would not, so hold it to JSON.
      try {
        data = JSON.parse(body);
      } catch (err) {
        const msg = (err as Error).message;
        const m = /position (\d+)/.exec(msg);
        const line = m ? lineCounter.linePos(Number(m[1])).line : null;
        problems.push({ code: 'SG_CONFIG_PARSE', severity: 'error', file, line, path: '', message: `not valid JSON: ${msg.replace(/ in JSON at position \d+.*$/, '')}` });
      }
    } else {
      try {
        data = doc.toJS({ maxAliasCount: 100 });
      } catch (err) {
        // toJS throws on alias bombs and similar; report it as a parse problem, not a crash.
        problems.push({ code: 'SG_CONFIG_PARSE', severity: 'error', file, line: null, path: '', message: `not valid YAML: ${(err as Error).message}` });
      }
    }
  }
  return { file, text, doc, lineCounter, data, problems };
}

function keyText(key: unknown): string | null {
  if (isScalar(key)) return String(key.value);
  if (key === null || key === undefined) return null;
  return String(key);
}

function lineAt(src: SourceFile, node: { range?: [number, number, number] | null } | null | undefined): number | null {
  if (!node?.range) return null;
  return src.lineCounter.linePos(node.range[0]).line;
}

/**
 * The 1-based line of the node at `path`: for a map entry the line of its key (where the installer
 * looks, and the same line as the value in block style); for a list item its first line; for a
 * path that does not exist, the line of the deepest part that does (the parent of a missing key).
 */
export function lineOf(src: SourceFile, path: readonly PathKey[]): number | null {
  const root = src.doc?.contents as Node | null | undefined;
  if (!root) return src.text.length > 0 ? 1 : null;
  let node: unknown = root;
  let line: number | null = lineAt(src, root as never) ?? 1;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(seg));
      if (!pair) return line;
      line = lineAt(src, pair.key as never) ?? line;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)];
      if (item === undefined) return line;
      line = lineAt(src, item as never) ?? line;
      node = item;
    } else {
      return line;
    }
  }
  return line;
}
