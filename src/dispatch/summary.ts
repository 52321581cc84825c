import type { Incident, QueueGroup, QueueSummary } from '../contract/incident.js';

const SAMPLE_SITES = 5;

/**
 * Groups open incidents by kind and responsible station (pure). The queue already holds one open
 * incident per site; this is the second level a storm needs: 1,000 panels reporting `trouble.ac_loss`
 * at once become one row "trouble.ac_loss · 派出所 X · 1,000 sites" that an operator can read,
 * while a panic in the same minute stays a row of its own on top.
 */
export function summariseQueue(incidents: readonly Incident[]): QueueSummary {
  const groups = new Map<string, QueueGroup & { seen: Set<string> }>();
  let events = 0;
  for (const i of incidents) {
    if (i.status === 'closed') continue;
    events += i.eventCount;
    const stationId = i.responsibleStationId ?? i.stationId ?? null;
    // Drills (演练, issue 15) are grouped apart: a drilled mains loss never swells a real one's row.
    const key = `${i.kind}\u0000${stationId ?? ''}\u0000${i.drill ? 'drill' : ''}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        kind: i.kind,
        category: i.category,
        stationId,
        priority: i.priority,
        incidents: 0,
        sites: 0,
        events: 0,
        unacknowledged: 0,
        oldestOpenedAt: i.openedAt,
        lastEventAt: i.lastEventAt,
        sampleSiteIds: [],
        drill: i.drill === true,
        seen: new Set(),
      };
      groups.set(key, g);
    }
    g.incidents++;
    g.events += i.eventCount;
    if (i.status === 'new') g.unacknowledged++;
    if (i.priority < g.priority) g.priority = i.priority;
    if (i.openedAt < g.oldestOpenedAt) g.oldestOpenedAt = i.openedAt;
    if (i.lastEventAt > g.lastEventAt) g.lastEventAt = i.lastEventAt;
    if (!g.seen.has(i.siteId)) {
      g.seen.add(i.siteId);
      g.sites++;
      if (g.sampleSiteIds.length < SAMPLE_SITES) g.sampleSiteIds.push(i.siteId);
    }
  }
  const list = [...groups.values()].map(({ seen: _seen, ...g }) => g);
  list.sort((a, b) => a.priority - b.priority || b.incidents - a.incidents || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
  let open = 0;
  for (const g of list) open += g.incidents;
  return { openIncidents: open, events, groups: list };
}
