/**
 * Start-up rebuilds each site's armed state from its last arm/disarm event
 * (EventRepository.lastArmingBySite, called by dispatch). With a million stored events that query
 * read them all (~430 ms per start) until migration 003 gave it a partial index; SQLite only uses
 * a partial index when the query repeats its WHERE term, so this checks the plan of the query the
 * repository actually prepares, and what the method answers.
 */
import { describe, expect, it, vi } from 'vitest';
import { KIND_INFO, type AlarmEvent, type EventKind } from '../../src/contract/alarm-event.js';
import { EventRepository, openDatabase } from '../../src/store/index.js';

function event(n: number, siteId: string, kind: EventKind): AlarmEvent {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
  return {
    id: `e${n}`, siteId, deviceId: 'panel', kind, category: KIND_INFO[kind].category, zone: null, zoneName: null, occurredAt: at,
    receivedAt: at, location: [26.6, 104.8], gridCellId: null, stationId: null, detail: null, profile: 'native', topic: 't', raw: '{}',
    dedupeKey: `k${n}`,
  };
}

describe('the armed-state query at start-up', () => {
  it('reads only arm/disarm events through the partial index, not every stored event', () => {
    const db = openDatabase(':memory:');
    try {
      const prepare = vi.spyOn(db, 'prepare');
      const repo = new EventRepository(db);
      repo.lastArmingBySite();
      const query = prepare.mock.calls.map(([sql]) => sql).find((sql) => /kind IN \('arm', 'disarm'\)/.test(sql));
      prepare.mockRestore();
      expect(query, 'the query EventRepository prepares for lastArmingBySite').toBeDefined();
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${query}`).all() as Array<{ detail: string }>).map((r) => r.detail).join('; ');
      expect(plan).toContain('USING INDEX events_arming');
    } finally {
      db.close();
    }
  });

  it.each([
    { name: 'no arm or disarm: unknown (absent)', events: [['a', 'intrusion']], expected: {} },
    { name: 'armed then an alarm: armed', events: [['a', 'arm'], ['a', 'intrusion']], expected: { a: true } },
    { name: 'armed then disarmed: disarmed', events: [['a', 'arm'], ['a', 'disarm']], expected: { a: false } },
    { name: 'disarmed then armed: armed', events: [['a', 'disarm'], ['a', 'arm']], expected: { a: true } },
    { name: 'each site its own last', events: [['a', 'arm'], ['b', 'disarm'], ['b', 'arm'], ['a', 'disarm']], expected: { a: false, b: true } },
  ] as Array<{ name: string; events: Array<[string, EventKind]>; expected: Record<string, boolean> }>)('lastArmingBySite: $name', ({ events, expected }) => {
    const db = openDatabase(':memory:');
    try {
      const repo = new EventRepository(db);
      events.forEach(([site, kind], n) => repo.insert(event(n, site, kind)));
      expect(Object.fromEntries(repo.lastArmingBySite())).toEqual(expected);
    } finally {
      db.close();
    }
  });
});
