/** "Did you mean" suggestions: the closest candidates by edit distance, for typos in keys and ids. */

/** Levenshtein distance with adjacent transposition counted as one edit ("hsot" → "host"). */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => {
    const row = new Array<number>(n + 1).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j <= n; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= m; i++) {
    const row = d[i] as number[];
    const prev = d[i - 1] as number[];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = v;
    }
  }
  return (d[m] as number[])[n] as number;
}

/**
 * Candidates close enough to be a plausible typo, best first. The bound grows with length so a
 * short key needs a near-exact match (otherwise "id" would "mean" every two-letter key).
 */
export function closest(word: string, candidates: Iterable<string>, max = 3): string[] {
  const w = word.toLowerCase();
  const limit = Math.max(1, Math.min(3, Math.floor(w.length / 3)));
  const scored: Array<[string, number]> = [];
  for (const c of new Set(candidates)) {
    const dist = editDistance(w, c.toLowerCase());
    // Also catch snake/camel/kebab confusions such as doorPlate → door_plate.
    const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
    if (dist <= limit || norm(word) === norm(c)) scored.push([c, norm(word) === norm(c) ? 0 : dist]);
  }
  scored.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]));
  return scored.slice(0, max).map(([c]) => c);
}

/** `did you mean "host"?` or undefined. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const best = closest(word, candidates, 2);
  if (best.length === 0) return undefined;
  return `did you mean ${best.map((b) => JSON.stringify(b)).join(' or ')}?`;
}
