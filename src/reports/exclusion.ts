/**
 * What is kept out of every figure: incidents closed as 测试 (`test`) and drills (演练). The one
 * place that decides it; every report counts what it leaves out in `excluded`.
 */
import type { ExcludedCounts } from '../contract/reports.js';

export interface Excludable {
  disposition: string | null;
  /** Drill flag (issue 15); false for incidents stored before it existed. */
  drill?: boolean;
}

/** True when an incident is in no figure. */
export function excludedFromFigures(i: Excludable): boolean {
  return i.disposition === 'test' || i.drill === true;
}

/** Splits a list into the counted items and the counts of those left out. */
export function splitExcluded<T extends Excludable>(items: readonly T[]): { counted: T[]; excluded: ExcludedCounts } {
  const counted: T[] = [];
  const excluded: ExcludedCounts = { test: 0, drill: 0 };
  for (const i of items) {
    if (!excludedFromFigures(i)) counted.push(i);
    else if (i.drill === true) excluded.drill++;
    else excluded.test++;
  }
  return { counted, excluded };
}
