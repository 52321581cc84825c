/** Overlapping grid cells (src/geo/overlaps.ts), as `safegrid check` reports them. */
import { describe, expect, it } from 'vitest';
import type { GridCell, MultiPolygonCoords } from '../../src/contract/grid-cell.js';
import { findOverlaps, jitteredTiling } from '../../src/geo/index.js';

function cell(id: string, polygons: MultiPolygonCoords): GridCell {
  return { id, name: id, community: 'test', station: 'ps-test', leader: null, phone: null, polygons };
}
function box(w: number, s: number, e: number, n: number): number[][] {
  return [
    [w, s],
    [e, s],
    [e, n],
    [w, n],
    [w, s],
  ];
}
const pairs = (cells: GridCell[]): string[] => findOverlaps(cells).map((o) => `${o.a}+${o.b}`);

describe('findOverlaps', () => {
  it('a proper tiling — jittered, with bent edges, 2,500 cells — has none', () => {
    const tiles = jitteredTiling({ west: 104.7, south: 26.5, east: 105.0, north: 26.8, cols: 50, rows: 50, seed: 11, bends: 2, decimals: 6 });
    const cells = tiles.map((t) => cell(`c-${t.row}-${t.col}`, [[t.ring]]));
    const t0 = performance.now();
    expect(findOverlaps(cells)).toEqual([]);
    console.info(`overlap check of ${cells.length} cells: ${(performance.now() - t0).toFixed(0)} ms`);
  });

  it('cells that share an edge or only a corner do not overlap', () => {
    expect(pairs([cell('a', [[box(0, 0, 1, 1)]]), cell('b', [[box(1, 0, 2, 1)]]), cell('c', [[box(1, 1, 2, 2)]])])).toEqual([]);
  });

  it('crossing borders, a duplicate, a cell inside another, and a half-overlap along aligned edges are found', () => {
    const cells = [
      cell('cross-a', [[box(10, 10, 12, 12)]]),
      cell('cross-b', [[box(11, 11, 13, 13)]]),
      cell('dup-1', [[box(20, 20, 21, 21)]]),
      cell('dup-2', [[box(20, 20, 21, 21)]]),
      cell('outer', [[box(30, 30, 34, 34)]]),
      cell('inner', [[box(31, 31, 32, 32)]]),
      cell('half-a', [[box(40, 0, 42, 2)]]),
      cell('half-b', [[box(41, 0, 43, 2)]]),
    ];
    expect(pairs(cells)).toEqual(['cross-a+cross-b', 'dup-1+dup-2', 'half-a+half-b', 'inner+outer']);
    const cross = findOverlaps(cells).find((o) => o.a === 'cross-a')!;
    // The reported point [lat, lng] lies in both.
    expect(cross.at[0]).toBeGreaterThanOrEqual(11);
    expect(cross.at[0]).toBeLessThanOrEqual(12);
    expect(cross.at[1]).toBeGreaterThanOrEqual(11);
    expect(cross.at[1]).toBeLessThanOrEqual(12);
  });

  it('a cell that fills another cell’s hole exactly is no overlap; one larger than the hole is', () => {
    const donut = cell('donut', [[box(0, 0, 3, 3), box(1, 1, 2, 2)]]);
    expect(pairs([donut, cell('plug', [[box(1, 1, 2, 2)]])])).toEqual([]);
    expect(pairs([donut, cell('plug', [[box(0.5, 0.5, 2.5, 2.5)]])])).toEqual(['donut+plug']);
    // A MultiPolygon part over a neighbour counts too.
    expect(pairs([cell('multi', [[box(0, 0, 1, 1)], [box(5, 5, 6, 6)]]), cell('n', [[box(5.5, 5.5, 7, 7)]])])).toEqual(['multi+n']);
  });
});
