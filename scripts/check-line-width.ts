/**
 * Fails when a line of TypeScript under src/, web/, test/, bench/ or scripts/ is wider than 160 columns, the formatter's
 * lineWidth (biome.jsonc), and names each as file:line. Biome breaks the lines it can but leaves long string literals and
 * comments as they are; this catches those. Part of `npm run lint`.
 *
 * Width is counted as Biome counts it: one column a character, two for East Asian wide and fullwidth characters
 * (汉字, fullwidth punctuation such as ，：（）), so a line Biome lays out as fitting passes here too.
 * Files: those git tracks plus new ones it does not ignore. No dependencies; well under a second.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const LIMIT = 160;
const FOLDERS = ['src', 'web', 'test', 'bench', 'scripts'];

/** East Asian Wide (W) and Fullwidth (F) ranges: Hangul Jamo, CJK, kana, Hangul syllables, fullwidth forms, emoji. */
const WIDE: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

function columns(line: string): number {
  let n = 0;
  for (const ch of line) {
    const c = ch.codePointAt(0)!;
    n += c > 0x10ff && WIDE.some(([lo, hi]) => c >= lo && c <= hi) ? 2 : 1;
  }
  return n;
}

function files(): string[] {
  const specs = FOLDERS.map((f) => `${f}/*.ts`);
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...specs], { encoding: 'utf8' });
  return [...new Set(out.split('\0').filter(Boolean))].sort();
}

const long: string[] = [];
for (const file of files()) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // tracked but deleted in the working tree
  }
  text.split(/\r?\n/).forEach((line, i) => {
    const width = columns(line);
    if (width > LIMIT) long.push(`${file}:${i + 1}: ${width} columns`);
  });
}
if (long.length) {
  console.error(long.join('\n'));
  console.error(
    `\n${long.length} line${long.length === 1 ? '' : 's'} wider than ${LIMIT} columns (the formatter's lineWidth). ` +
      "Break long strings with '…' + '…' (same value), name a sub-expression, or rewrap the comment.",
  );
  process.exitCode = 1;
}
