/** site-history.ts: a site's incidents of the last days, newest first, with the false alarms counted. */
import { describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import { siteHistory } from '../../src/dispatch/site-history.js';

const NOW = Date.parse('2026-12-02T04:00:00Z');
const DAY = 86_400_000;
const inc = (id: string, siteId: string, daysAgo: number, disposition: Incident['disposition'] = null): Incident =>
  ({
    id,
    siteId,
    number: `ZS-x-${id}`,
    kind: 'intrusion',
    category: 'police',
    priority: 2,
    status: disposition ? 'closed' : 'new',
    disposition,
    nature: null,
    openedAt: new Date(NOW - daysAgo * DAY).toISOString(),
    closedAt: disposition ? new Date(NOW - daysAgo * DAY + 60_000).toISOString() : null,
    repeatOf: null,
    previousId: null,
    eventCount: 1,
  }) as Incident;

describe('siteHistory', () => {
  it.each([
    { name: '90 days: all but the old one and the other site', days: 90, ids: ['open', 'false2', 'real10', 'false89'], falseAlarms: 2 },
    { name: '7 days: the recent ones', days: 7, ids: ['open', 'false2'], falseAlarms: 1 },
    { name: '1 day: only today', days: 1, ids: ['open'], falseAlarms: 0 },
  ])('$name', ({ days, ids, falseAlarms }) => {
    const list = [
      inc('real10', 's1', 10, 'real'),
      inc('false89', 's1', 89, 'false'),
      inc('old', 's1', 91, 'false'),
      inc('open', 's1', 0),
      inc('false2', 's1', 2, 'false'),
      inc('other', 's2', 1, 'false'),
    ];
    const h = siteHistory('s1', list, NOW, days);
    expect(h.incidents.map((i) => i.id)).toEqual(ids);
    expect(h).toMatchObject({ siteId: 's1', days, falseAlarms });
    expect(Object.keys(h.incidents[0]!)).toContain('number');
  });
});
