/**
 * Start-up rebuilds each site's armed state from its last arm/disarm event
 * (`events.lastArmingBySite()`, called by dispatch). With a million stored events that query read
 * them all (~430 ms per start) until migration 003 gave it a partial index; SQLite only uses a
 * partial index when the query repeats its WHERE term, so this checks the query the repository runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KIND_INFO, type EventKind } from '../../src/contract/alarm-event.js';
import { LAST_ARMING_BY_SITE_SQL } from '../../src/store/event-repo.js';
import { openStore, type Store } from '../../src/store/index.js';
import { rowsOnDisk } from '../helpers/sqlite-file.js';

let dir: string;
let path: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sg-arming-'));
  path = join(dir, 'hub.db');
  store = openStore(path);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function store1(siteId: string, kind: EventKind): Promise<number> {
  const at = new Date(Date.parse('2026-12-01T00:00:00Z') + ++n * 1000).toISOString();
  return store.transaction(() =>
    store.events.insert({
      drill: false,
      id: `e${n}`,
      siteId,
      deviceId: 'panel',
      kind,
      category: KIND_INFO[kind].category,
      zone: null,
      zoneName: null,
      occurredAt: at,
      receivedAt: at,
      location: [26.6, 104.8],
      gridCellId: null,
      stationId: null,
      detail: null,
      profile: 'native',
      topic: 't',
      raw: '',
      dedupeKey: `k${n}`,
    }),
  );
}

describe('the armed-state query at start-up', () => {
  it('reads only arm/disarm events through the partial index, not every stored event', () => {
    // EXPLAIN through a second connection on the file: the store keeps its own to itself.
    const plan = rowsOnDisk<{ detail: string }>(path, `EXPLAIN QUERY PLAN ${LAST_ARMING_BY_SITE_SQL}`)
      .map((r) => r.detail)
      .join('; ');
    expect(plan).toContain('USING INDEX events_arming');
  });

  const cases: Array<{ name: string; events: Array<[string, EventKind]>; armed: Record<string, boolean> }> = [
    { name: 'no events: no site known', events: [], armed: {} },
    {
      name: 'alarms and restores say nothing about arming',
      events: [
        ['s1', 'intrusion'],
        ['s1', 'restore'],
      ],
      armed: {},
    },
    {
      name: 'the last of arm/disarm wins',
      events: [
        ['s1', 'arm'],
        ['s1', 'disarm'],
        ['s1', 'arm'],
      ],
      armed: { s1: true },
    },
    {
      name: 'a later alarm does not hide a disarm',
      events: [
        ['s1', 'arm'],
        ['s1', 'disarm'],
        ['s1', 'panic'],
      ],
      armed: { s1: false },
    },
    {
      name: 'each site on its own',
      events: [
        ['s1', 'arm'],
        ['s2', 'disarm'],
        ['s2', 'arm'],
        ['s1', 'disarm'],
      ],
      armed: { s1: false, s2: true },
    },
  ];
  it.each(cases)('$name', async ({ events, armed }) => {
    for (const [siteId, kind] of events) await store1(siteId, kind);
    expect(Object.fromEntries(await store.events.lastArmingBySite())).toEqual(armed);
  });
});
