/**
 * Response times, pure: 签收 (opened → acknowledged), 派警 (acknowledged → dispatched), 到场
 * (dispatched → on scene) and 处警总时长 (opened → closed) per incident, with median, p90 and the
 * share within the configured standards, per station, per operator and per month.
 */
import type { DurationStats, ReportScope, ResponseIncidentRow, ResponseReport, ResponseRow, ResponseStep } from '../contract/reports.js';
import type { ReportIncident } from '../store/index.js';
import { splitExcluded } from './exclusion.js';
import { localMonth, type Window } from './time.js';

export interface ResponseStandards {
  ackSeconds: number;
  onSceneSeconds: readonly number[];
}

export interface ResponseInput {
  month: string;
  timezone: string;
  generatedAt: string;
  scope: ReportScope;
  window: Window;
  standards: ResponseStandards;
  stations: ReadonlyArray<{ id: string; name: string }>;
  /** Incidents opened in the month. */
  incidents: readonly ReportIncident[];
  /** Incidents opened in the 12 months ending with this one (the by-month rows). */
  year: readonly ReportIncident[];
}

/** Nearest-rank percentile of sorted values (p in 0–1). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1] ?? null;
}

/** The median: the middle value, or the mean of the two middle ones. */
export function median(sorted: readonly number[]): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? (sorted[mid] ?? null) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function stats(values: readonly (number | null)[]): { stats: DurationStats; sorted: number[] } {
  const sorted = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  return { stats: { count: sorted.length, median: median(sorted), p90: percentile(sorted, 0.9) }, sorted };
}

const share = (sorted: readonly number[], limit: number): number | null =>
  sorted.length === 0 ? null : Math.round((sorted.filter((v) => v <= limit).length / sorted.length) * 1000) / 1000;

export function responseRow(key: string, label: string, list: readonly ReportIncident[], standards: ResponseStandards): ResponseRow {
  const ack = stats(list.map((i) => i.ackSeconds));
  const dispatch = stats(list.map((i) => i.dispatchSeconds));
  const onScene = stats(list.map((i) => i.onSceneSeconds));
  const total = stats(list.map((i) => i.totalSeconds));
  const steps: Record<ResponseStep, DurationStats> = { ack: ack.stats, dispatch: dispatch.stats, onScene: onScene.stats, total: total.stats };
  return {
    key,
    label,
    steps,
    ackWithin: share(ack.sorted, standards.ackSeconds),
    onSceneWithin: standards.onSceneSeconds.map((s) => share(onScene.sorted, s)),
  };
}

function groupBy(list: readonly ReportIncident[], key: (i: ReportIncident) => string | null): Map<string, ReportIncident[]> {
  const m = new Map<string, ReportIncident[]>();
  for (const i of list) {
    const k = key(i);
    if (k === null) continue;
    const g = m.get(k);
    if (g) g.push(i);
    else m.set(k, [i]);
  }
  return m;
}

export function buildResponse(input: ResponseInput): ResponseReport {
  const { counted, excluded } = splitExcluded(input.incidents);
  const year = splitExcluded(input.year).counted;
  const std = input.standards;
  const names = new Map(input.stations.map((s) => [s.id, s.name]));
  const byStation = [...groupBy(counted, (i) => i.stationId ?? '')]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, list]) => responseRow(id, names.get(id) ?? id, list, std));
  const byOperator = [...groupBy(counted, (i) => i.owner)].sort(([a], [b]) => a.localeCompare(b)).map(([u, list]) => responseRow(u, u, list, std));
  const months = groupBy(year, (i) => localMonth(i.openedMs, input.timezone));
  const byMonth = [...months].sort(([a], [b]) => a.localeCompare(b)).map(([m, list]) => responseRow(m, m, list, std));
  const incidents: ResponseIncidentRow[] = counted.map((i) => ({
    incidentId: i.id,
    number: i.number,
    stationId: i.stationId,
    owner: i.owner,
    openedAt: new Date(i.openedMs).toISOString(),
    ackSeconds: i.ackSeconds,
    dispatchSeconds: i.dispatchSeconds,
    onSceneSeconds: i.onSceneSeconds,
    totalSeconds: i.totalSeconds,
  }));
  return {
    kind: 'response',
    timezone: input.timezone,
    from: new Date(input.window.sinceMs).toISOString(),
    to: new Date(input.window.untilMs).toISOString(),
    generatedAt: input.generatedAt,
    scope: input.scope,
    excluded,
    month: input.month,
    standards: { ackSeconds: std.ackSeconds, onSceneSeconds: [...std.onSceneSeconds] },
    overall: responseRow('', '', counted, std),
    byStation,
    byOperator,
    byMonth,
    incidents,
  };
}
