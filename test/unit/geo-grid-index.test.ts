import { describe, expect, it } from 'vitest';
import type { GridCell, MultiPolygonCoords } from '../../src/contract/grid-cell.js';
import { SafeGridError } from '../../src/core/errors.js';
import { GridIndex, jitteredTiling, regularRing, seededRandom } from '../../src/geo/index.js';

function cell(id: string, polygons: MultiPolygonCoords): GridCell {
  return { id, name: id, community: 'test', station: 'ps-test', leader: null, phone: null, polygons };
}

/** An axis-aligned ring [west, south] – [east, north], closed, counter-clockwise. */
function box(w: number, s: number, e: number, n: number): number[][] {
  return [
    [w, s],
    [e, s],
    [e, n],
    [w, n],
    [w, s],
  ];
}

/** Textbook floating-point even-odd test, independent of the index (fine away from edges). */
function naiveContains(c: GridCell, lat: number, lng: number): boolean {
  let inside = false;
  for (const polygon of c.polygons) {
    for (const ring of polygon) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i] as [number, number];
        const [xj, yj] = ring[j] as [number, number];
        if (yi > lat !== yj > lat && lng < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
      }
    }
  }
  return inside;
}

/** Cells that claim a point by the index's own exact rule, each asked alone. */
function claimants(singles: GridIndex[], lat: number, lng: number): string[] {
  return singles.flatMap((g) => g.locate(lat, lng)?.id ?? []);
}

// Zhongshan district sized: 12 × 10 irregular cells of roughly 500 m, three bends per edge.
const BOUNDS = { west: 104.8, south: 26.57, east: 104.86, north: 26.615 };
const tiles = jitteredTiling({ ...BOUNDS, cols: 12, rows: 10, seed: 7, bends: 3 });
const tiling = tiles.map((t) => cell(`c-${String(t.row).padStart(2, '0')}-${String(t.col).padStart(2, '0')}`, [[t.ring]]));
const index = new GridIndex(tiling);
const singles = tiling.map((c) => new GridIndex([c]));

describe('GridIndex on an irregular gap-free tiling', () => {
  it('puts every random point in the district in exactly the one cell a brute-force search finds', () => {
    const rand = seededRandom(42);
    for (let k = 0; k < 5_000; k++) {
      const lat = BOUNDS.south + rand() * (BOUNDS.north - BOUNDS.south);
      const lng = BOUNDS.west + rand() * (BOUNDS.east - BOUNDS.west);
      const brute = tiling.filter((c) => naiveContains(c, lat, lng));
      expect(brute).toHaveLength(1);
      expect(index.locate(lat, lng)?.id).toBe(brute[0]!.id);
    }
  });

  it('a site exactly on a shared edge or a shared corner is routed to exactly one cell, never two or none', () => {
    const points = new Map<string, [number, number]>();
    for (const t of tiles) {
      const ring = t.ring;
      for (let i = 0; i + 1 < ring.length; i++) {
        const [x1, y1] = ring[i] as [number, number];
        const [x2, y2] = ring[i + 1] as [number, number];
        points.set(`${x1},${y1}`, [y1, x1]); // every vertex
        for (const t of [0.25, 0.5, 0.75]) {
          const lng = x1 + (x2 - x1) * t;
          const lat = y1 + (y2 - y1) * t;
          points.set(`${lng},${lat}`, [lat, lng]); // on (or within an ulp of) an edge
        }
      }
    }
    let interior = 0;
    for (const [lat, lng] of points.values()) {
      const onOuterEdge = lat === BOUNDS.south || lat === BOUNDS.north || lng === BOUNDS.west || lng === BOUNDS.east;
      if (onOuterEdge) continue;
      interior++;
      const claimed = claimants(singles, lat, lng);
      expect(claimed, `point ${lat},${lng}`).toHaveLength(1);
      expect(index.locate(lat, lng)?.id).toBe(claimed[0]);
    }
    expect(interior).toBeGreaterThan(2000);
  });

  it('points a rounding error away from a shared corner still get exactly one cell', () => {
    const vertex = tiles[5 * 12 + 5]!.ring[0] as [number, number]; // an interior corner shared by four cells
    for (const dLat of [-2e-15, -1e-15, 0, 1e-15, 2e-15]) {
      for (const dLng of [-2e-15, -1e-15, 0, 1e-15, 2e-15]) {
        expect(claimants(singles, vertex[1] + dLat, vertex[0] + dLng)).toHaveLength(1);
      }
    }
  });

  it('answers the same cell whatever order the cells were given in', () => {
    const shuffled = [...tiling].reverse();
    const other = new GridIndex(shuffled);
    const rand = seededRandom(3);
    for (let k = 0; k < 2000; k++) {
      const lat = BOUNDS.south + rand() * 0.045;
      const lng = BOUNDS.west + rand() * 0.06;
      expect(other.locate(lat, lng)?.id).toBe(index.locate(lat, lng)?.id);
    }
    expect(other.size).toBe(120);
  });

  it('an alarm from outside every cell gets no cell (null), not the nearest one', () => {
    expect(index.locate(26.5, 104.83)).toBeNull();
    expect(index.locate(26.594, 104.9)).toBeNull();
    expect(index.locate(39.9, 116.4)).toBeNull();
  });
});

describe('GridIndex boundary rule on a plain 2 × 2 grid', () => {
  // a | b  (north)
  // c | d  (south)
  const grid = new GridIndex([cell('a', [[box(0, 1, 1, 2)]]), cell('b', [[box(1, 1, 2, 2)]]), cell('c', [[box(0, 0, 1, 1)]]), cell('d', [[box(1, 0, 2, 1)]])]);

  it('a point on a north–south boundary belongs to the cell east of it', () => {
    expect(grid.locate(0.5, 1)?.id).toBe('d');
    expect(grid.locate(1.5, 1)?.id).toBe('b');
  });

  it('a point on an east–west boundary belongs to the cell north of it', () => {
    expect(grid.locate(1, 0.5)?.id).toBe('a');
    expect(grid.locate(1, 1.5)?.id).toBe('b');
  });

  it('the corner where four cells meet belongs to the north-east cell', () => {
    expect(grid.locate(1, 1)?.id).toBe('b');
  });

  it('on the outer edge of the district the west and south sides are inside, the east and north sides outside', () => {
    expect(grid.locate(0.5, 0)?.id).toBe('c');
    expect(grid.locate(0, 0.5)?.id).toBe('c');
    expect(grid.locate(0, 0)?.id).toBe('c');
    expect(grid.locate(0.5, 2)).toBeNull();
    expect(grid.locate(2, 0.5)).toBeNull();
  });
});

describe('GridIndex with holes and MultiPolygons', () => {
  // A square park cell with a hexagonal lake hole, an island cell filling the lake, and a
  // two-part cell (the main block and a detached plot) east of it.
  const lake = regularRing({ centre: [0.5, 0.5], radius: [0.2, 0.2], n: 6 });
  const park = cell('park', [[box(0, 0, 1, 1), [...lake].reverse()]]);
  const island = cell('island', [[lake]]);
  const split = cell('split', [[box(1, 0, 2, 1)], [box(3, 0, 4, 1)]]);
  const withIsland = new GridIndex([park, island, split]);
  const withoutIsland = new GridIndex([park, split]);

  it('a site in the lake (the hole) is not in the park cell but in the island cell that fills it', () => {
    expect(withIsland.locate(0.5, 0.5)?.id).toBe('island');
    expect(withIsland.locate(0.1, 0.1)?.id).toBe('park');
    expect(withoutIsland.locate(0.5, 0.5)).toBeNull();
    expect(withoutIsland.locate(0.1, 0.9)?.id).toBe('park');
  });

  it('a site on the lake shore is routed to exactly one of the park and the island', () => {
    const singlesHere = [park, island].map((c) => new GridIndex([c]));
    for (let i = 0; i + 1 < lake.length; i++) {
      const [x1, y1] = lake[i] as [number, number];
      const [x2, y2] = lake[i + 1] as [number, number];
      for (const t of [0, 0.3, 0.5]) {
        expect(claimants(singlesHere, y1 + (y2 - y1) * t, x1 + (x2 - x1) * t)).toHaveLength(1);
      }
    }
  });

  it('both parts of a MultiPolygon cell find it, and the gap between them finds nothing', () => {
    expect(withIsland.locate(0.5, 1.5)?.id).toBe('split');
    expect(withIsland.locate(0.5, 3.5)?.id).toBe('split');
    expect(withIsland.locate(0.5, 2.5)).toBeNull();
  });

  it('a ring the file left unclosed is read as closed', () => {
    const open = new GridIndex([
      cell('open', [
        [
          [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 1],
          ],
        ],
      ]),
    ]);
    expect(open.locate(0.5, 0.5)?.id).toBe('open');
    expect(open.locate(1.5, 0.5)).toBeNull();
  });
});

describe('GridIndex against bad input', () => {
  it.each([
    ['NaN latitude', NaN, 0.5],
    ['NaN longitude', 0.5, NaN],
    ['infinite latitude', Infinity, 0.5],
    ['latitude beyond the pole', 91, 0.5],
    ['longitude beyond ±180', 0.5, 181],
  ])('a device reporting a %s gets no cell instead of a wrong one', (_, lat, lng) => {
    const world = new GridIndex([cell('world', [[box(-180, -90, 180, 90)]])]);
    expect(world.locate(lat, lng)).toBeNull();
    expect(world.locate(0.5, 0.5)?.id).toBe('world');
  });

  it('overlapping cells (a mistake in grids.geojson) still give one stable answer: the smallest id', () => {
    const a = cell('zz-late', [[box(0, 0, 2, 2)]]);
    const b = cell('aa-early', [[box(1, 1, 3, 3)]]);
    expect(new GridIndex([a, b]).locate(1.5, 1.5)?.id).toBe('aa-early');
    expect(new GridIndex([b, a]).locate(1.5, 1.5)?.id).toBe('aa-early');
  });

  it('an empty grid answers null for everything', () => {
    const empty = new GridIndex([]);
    expect(empty.size).toBe(0);
    expect(empty.locate(26.6, 104.8)).toBeNull();
  });

  it('a malformed cell is refused with SG_CONFIG_GRID_GEOMETRY naming the cell', () => {
    const bad = [
      cell('no-polygon', []),
      cell('two-points', [
        [
          [
            [0, 0],
            [1, 1],
          ],
        ],
      ]),
      cell('nan-point', [
        [
          [
            [0, 0],
            [1, NaN],
            [1, 1],
            [0, 0],
          ],
        ],
      ]),
      cell('lat-lng-swapped', [
        [
          [
            [26.6, 104.8],
            [26.7, 104.8],
            [26.7, 104.9],
            [26.6, 104.8],
          ],
        ],
      ]),
    ];
    for (const c of bad) {
      let thrown: unknown;
      try {
        new GridIndex([c]);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(SafeGridError);
      expect((thrown as SafeGridError).code).toBe('SG_CONFIG_GRID_GEOMETRY');
      expect((thrown as SafeGridError).message).toContain(c.id);
    }
  });

  it('two cells with one id are refused with SG_CONFIG_DUPLICATE_ID', () => {
    expect(() => new GridIndex([cell('x', [[box(0, 0, 1, 1)]]), cell('x', [[box(1, 0, 2, 1)]])])).toThrow(/"x"/);
  });

  it('looks a cell up by id', () => {
    expect(index.get('c-00-00')?.id).toBe('c-00-00');
    expect(index.get('nope')).toBeUndefined();
  });
});
