/** The incident list by station (issue 12): the cell's station, the receiving point it was routed to, and the cell's post. */
import { describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import { matchesQuery } from '../../src/dispatch/incident-query.js';
import { openStore } from '../../src/store/index.js';

const base = {
  version: 1,
  siteId: 's1',
  status: 'closed',
  priority: 1,
  gridCellId: 'c1',
  openedAt: '2026-12-02T01:00:00.000Z',
  updatedAt: '2026-12-02T01:00:00.000Z',
  lastEventAt: '2026-12-02T01:00:00.000Z',
  number: null,
} as const;
const INCIDENTS = [
  { ...base, id: 'police', stationId: 'ps-1', responsibleStationId: 'ps-1', communityPostId: null },
  { ...base, id: 'fire', stationId: 'ps-1', responsibleStationId: 'fire-119', communityPostId: 'cp-1' },
  { ...base, id: 'other', stationId: 'ps-2', responsibleStationId: 'ps-2', communityPostId: null },
] as unknown as Incident[];

describe('incidents listed for a station', () => {
  it.each([
    { name: 'the cell station: both of its cell', stationIds: ['ps-1'], want: ['fire', 'police'] },
    { name: 'the 119 point: the fire routed to it', stationIds: ['fire-119'], want: ['fire'] },
    { name: 'the community post: the one of its cell', stationIds: ['cp-1'], want: ['fire'] },
    { name: 'another station: its own', stationIds: ['ps-2'], want: ['other'] },
    { name: 'an empty list: nothing', stationIds: [], want: [] },
  ])('$name', async ({ stationIds, want }) => {
    const store = openStore(':memory:');
    await store.transaction(async () => {
      for (const i of INCIDENTS) await store.incidents.save(i);
    });
    // The store's SQL and the in-memory overlay read the filter the same way.
    expect((await store.incidents.query({ stationIds })).map((i) => i.id).sort()).toEqual(want);
    expect(
      INCIDENTS.filter((i) => matchesQuery(i, { stationIds }))
        .map((i) => i.id)
        .sort(),
    ).toEqual(want);
    await store.close();
  });
});
