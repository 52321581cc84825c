/**
 * The community bulletin (社区警情通报), pure: what happened in a community's cells in a week or a
 * month, public-facing. Only counts, natures, roads and cells leave here: no site names, ids,
 * incident numbers, addresses, door plates, contacts or phones (a test checks the sample
 * district's contacts never appear).
 */
import type { Category } from '../contract/alarm-event.js';
import type { BulletinAdvice, BulletinNatureRow, BulletinPeriod, BulletinReport, ReportScope } from '../contract/reports.js';
import type { ReportIncident } from '../store/index.js';
import { CATEGORIES, UNKNOWN_NATURE, zeroCategories } from './daily.js';
import { splitExcluded } from './exclusion.js';
import { addDays, localDate, mondayOf, type Window } from './time.js';

export interface BulletinInput {
  community: string;
  period: BulletinPeriod;
  timezone: string;
  generatedAt: string;
  scope: ReportScope;
  firstDay: string;
  lastDay: string;
  window: Window;
  cells: ReadonlyArray<{ id: string; name: string }>;
  natures: ReadonlyArray<{ code: string; zh: string; en: string }>;
  advice: ReadonlyMap<string, { title: string; text: string }>;
  /** The road of each site (from its address; null: none recognisable). */
  roads: ReadonlyMap<string, string | null>;
  /** Incidents of the community's cells opened in the period, and in the period before. */
  incidents: readonly ReportIncident[];
  previous: readonly ReportIncident[];
}

const countBy = <T>(list: readonly T[], key: (t: T) => string): Map<string, number> => {
  const m = new Map<string, number>();
  for (const t of list) m.set(key(t), (m.get(key(t)) ?? 0) + 1);
  return m;
};

export function buildBulletin(input: BulletinInput): BulletinReport {
  const { counted, excluded } = splitExcluded(input.incidents);
  const real = counted.filter((i) => i.disposition === 'real');
  const previousReal = splitExcluded(input.previous).counted.filter((i) => i.disposition === 'real');
  const natureOf = (i: ReportIncident): string => i.nature ?? UNKNOWN_NATURE;
  const now = countBy(real, natureOf);
  const before = countBy(previousReal, natureOf);
  const known = new Map(input.natures.map((n) => [n.code, n]));
  const codes = [...input.natures.map((n) => n.code), ...[...now.keys(), ...before.keys()].filter((c) => !known.has(c))];
  const byNature: BulletinNatureRow[] = [...new Set(codes)].map((code) => ({
    nature: code,
    zh: known.get(code)?.zh ?? (code === UNKNOWN_NATURE ? '未分类' : code),
    en: known.get(code)?.en ?? (code === UNKNOWN_NATURE ? 'not categorised' : code),
    count: now.get(code) ?? 0,
    previous: before.get(code) ?? 0,
  }));
  const dominant = byNature
    .filter((n) => n.count > 0)
    .sort((a, b) => b.count - a.count || codes.indexOf(a.nature) - codes.indexOf(b.nature))
    .slice(0, 3)
    .map((n) => {
      const a = input.advice.get(n.nature) ?? input.advice.get('default');
      const advice: BulletinAdvice | null = a ? { nature: n.nature, title: a.title, text: a.text } : null;
      return { ...n, advice };
    });

  const byCategory = zeroCategories();
  for (const i of real) if ((CATEGORIES as readonly string[]).includes(i.category)) byCategory[i.category as Category]++;

  // Trend: per day over a week, per week (from its Monday) over a month.
  const buckets: string[] = [];
  if (input.period === 'week') for (let d = input.firstDay; d <= input.lastDay; d = addDays(d, 1)) buckets.push(d);
  else
    for (let d = mondayOf(input.firstDay); d <= input.lastDay; d = addDays(d, 7)) {
      // The first bucket starts on the 1st, not on the Monday before it.
      if (d < input.firstDay) buckets.push(input.firstDay);
      else buckets.push(d);
    }
  const bucketOf = (date: string): string => (input.period === 'week' ? date : (buckets.filter((b) => b <= date).at(-1) ?? input.firstDay));
  const trendCounts = countBy(real, (i) => bucketOf(localDate(i.openedMs, input.timezone)));
  const trend = buckets.map((label) => ({ label, count: trendCounts.get(label) ?? 0 }));

  const roadCounts = countBy(real, (i) => input.roads.get(i.siteId) ?? '');
  const roads = [...roadCounts]
    .filter(([road]) => road !== '')
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([road, count]) => ({ road, count }));

  return {
    kind: 'bulletin',
    timezone: input.timezone,
    from: new Date(input.window.sinceMs).toISOString(),
    to: new Date(input.window.untilMs).toISOString(),
    generatedAt: input.generatedAt,
    scope: input.scope,
    excluded,
    community: input.community,
    period: input.period,
    firstDay: input.firstDay,
    lastDay: input.lastDay,
    cells: input.cells.map((c) => ({ cellId: c.id, cellName: c.name })),
    total: real.length,
    previousTotal: previousReal.length,
    byCategory,
    byNature,
    trend,
    dominant,
    roads,
    falseAlarms: counted.filter((i) => i.disposition === 'false').length,
  };
}
