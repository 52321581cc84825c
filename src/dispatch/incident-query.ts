/**
 * Answers an incident list query from what SQLite returned plus what the service holds in
 * memory (pure). Incidents changed by device events reach SQLite up to DERIVED_WRITE_DELAY_MS
 * later, so the rows may be a version behind or missing a new incident; the read is corrected
 * here instead of forcing a write (no read writes).
 */
import type { Incident } from '../contract/incident.js';
import type { IncidentQuery } from '../store/index.js';

/** True when the incident matches the query's filters, as the store's SQL reads them. */
export function matchesQuery(i: Incident, q: IncidentQuery): boolean {
  if (q.status === 'open' ? i.status === 'closed' : q.status && i.status !== q.status) return false;
  if (q.siteId && i.siteId !== q.siteId) return false;
  const openedMs = Date.parse(i.openedAt);
  if (q.since !== undefined && q.since !== null && !(openedMs >= q.since)) return false;
  if (q.until !== undefined && q.until !== null && !(openedMs < q.until)) return false;
  if (q.stationIds && ![i.stationId, i.responsibleStationId, i.communityPostId].some((s) => s != null && q.stationIds!.includes(s))) return false;
  if (q.siteIds && !q.siteIds.includes(i.siteId)) return false;
  return true;
}

/**
 * The rows with each incident replaced by its in-memory version, plus in-memory incidents that
 * match and are not among the rows (new ones not yet written), newest opened first, at most
 * `limit`. Every in-memory version is at least as new as its row: the service is the only writer.
 */
export function overlayIncidents(rows: readonly Incident[], memory: Iterable<Incident>, q: IncidentQuery, limit: number): Incident[] {
  const byId = new Map<string, Incident>();
  for (const r of rows) byId.set(r.id, r);
  for (const m of memory) {
    const row = byId.get(m.id);
    if (row ? m.version >= row.version : matchesQuery(m, q)) byId.set(m.id, m);
  }
  const list = [...byId.values()].filter((i) => matchesQuery(i, q));
  // Stable sort: rows with the same opening time keep the store's order.
  list.sort((a, b) => Date.parse(b.openedAt) - Date.parse(a.openedAt));
  return list.slice(0, limit);
}
