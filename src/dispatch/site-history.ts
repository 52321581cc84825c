/**
 * Address history (issue 12) as a pure function: a site's incidents of the last days, as the detail
 * shows them (number, category, disposition, times), newest first.
 */
import type { Incident, SiteHistory, SiteHistoryEntry } from '../contract/incident.js';

export const DEFAULT_HISTORY_DAYS = 90;
export const MAX_HISTORY_DAYS = 366;

/** The history of `siteId` over the `days` before `nowMs` from the incidents given (any order, any site). */
export function siteHistory(siteId: string, incidents: readonly Incident[], nowMs: number, days: number): SiteHistory {
  const since = nowMs - days * 86_400_000;
  const rows = incidents
    .filter((i) => i.siteId === siteId && Date.parse(i.openedAt) >= since)
    .sort((a, b) => Date.parse(b.openedAt) - Date.parse(a.openedAt))
    .map(historyEntry);
  return { siteId, days, incidents: rows, falseAlarms: rows.filter((r) => r.disposition === 'false').length };
}

export function historyEntry(i: Incident): SiteHistoryEntry {
  return {
    id: i.id,
    number: i.number,
    kind: i.kind,
    category: i.category,
    priority: i.priority,
    status: i.status,
    disposition: i.disposition,
    nature: i.nature,
    openedAt: i.openedAt,
    closedAt: i.closedAt,
    repeatOf: i.repeatOf,
    previousId: i.previousId,
    eventCount: i.eventCount,
  };
}
