/** routing.ts: where each category goes, the nearest receiving point, none configured, community posts. */
import { describe, expect, it } from 'vitest';
import type { Category } from '../../src/contract/alarm-event.js';
import type { ReceivingPoint, ReceivingTier } from '../../src/contract/routing.js';
import { nearest, routeIncident, type RoutingDirectory } from '../../src/dispatch/routing.js';

const HERE: [number, number] = [26.59, 104.83];
const POINTS: Record<ReceivingTier, ReceivingPoint[]> = {
  fire: [
    { id: 'fire-far', name: '远消防站', location: [26.7, 104.9] },
    { id: 'fire-near', name: '近消防站', location: [26.591, 104.831] },
  ],
  medical: [{ id: 'med-120', name: '市120急救中心', location: null }],
  traffic: [],
};
const dir: RoutingDirectory = { receivingPoints: (tier) => POINTS[tier], cellPost: (cell) => (cell === 'c-post' ? 'cp-1' : null) };
const input = (category: Category, extra: { cellStationId?: string | null; gridCellId?: string | null } = {}) => ({
  category,
  cellStationId: 'ps-1',
  gridCellId: 'c1',
  location: HERE,
  at: '2026-12-02T01:00:00.000Z',
  ...extra,
});

describe('routeIncident', () => {
  it.each([
    { name: 'police → the cell station', category: 'police', want: 'ps-1', code: 'route.cell_station' },
    { name: 'technical → the cell station', category: 'technical', want: 'ps-1', code: 'route.cell_station' },
    { name: 'fire → the nearest 119 point', category: 'fire', want: 'fire-near', code: 'route.receiving_point', service: '119' },
    { name: 'medical → the 120 point (no location: still chosen)', category: 'medical', want: 'med-120', code: 'route.receiving_point', service: '120' },
    { name: 'traffic, no 122 configured → the cell station, said', category: 'traffic', want: 'ps-1', code: 'route.no_receiving_point', service: '122' },
  ] as Array<{ name: string; category: Category; want: string; code: string; service?: string }>)('$name', ({ category, want, code, service }) => {
    const r = routeIncident(input(category), dir);
    expect(r.stationId).toBe(want);
    expect(r.entry).toMatchObject({ type: 'route', by: 'hub', code });
    if (service) expect(r.entry.params?.service).toBe(service);
    expect(r.entry.text).toBeTruthy();
  });

  it.each([
    { name: 'outside every cell, police: no station', category: 'police', cellStationId: null, want: null, code: 'route.no_cell' },
    { name: 'outside every cell, fire: still the 119 point', category: 'fire', cellStationId: null, want: 'fire-near', code: 'route.receiving_point' },
  ] as Array<{ name: string; category: Category; cellStationId: null; want: string | null; code: string }>)(
    '$name',
    ({ category, cellStationId, want, code }) => {
      const r = routeIncident(input(category, { cellStationId, gridCellId: null }), dir);
      expect(r).toMatchObject({ stationId: want, communityPostId: null, entry: { code } });
    },
  );

  it.each([
    { name: 'a cell naming a post: the post sees it (police)', category: 'police', cell: 'c-post', post: 'cp-1' },
    { name: 'a cell naming a post: the post sees a fire too', category: 'fire', cell: 'c-post', post: 'cp-1' },
    { name: 'a cell without a post: none', category: 'police', cell: 'c1', post: null },
  ] as Array<{ name: string; category: Category; cell: string; post: string | null }>)('$name', ({ category, cell, post }) => {
    expect(routeIncident(input(category, { gridCellId: cell }), dir).communityPostId).toBe(post);
  });

  it('without a directory everything stays with the cell station', () => {
    expect(routeIncident(input('fire')).stationId).toBe('ps-1');
  });

  it('nearest: points with a location before those without; none: null', () => {
    expect(
      nearest(
        [
          { id: 'a', name: 'a', location: null },
          { id: 'b', name: 'b', location: [0, 0] },
        ],
        HERE,
      )?.id,
    ).toBe('b');
    expect(nearest([], HERE)).toBeNull();
  });
});
