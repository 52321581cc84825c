/**
 * Grid cells that overlap (a mistake in grids.geojson: two cells drawn over the same street). An
 * alarm inside the overlap still goes to one cell (grid-index.ts: the smallest id wins), but the
 * other station never hears of it, so `safegrid check` names every overlapping pair.
 *
 * Two cells overlap when an edge of one properly crosses an edge of the other, or when a point just
 * beside a vertex of one (eight directions, PROBE degrees away) lies inside both: that catches a
 * cell inside another, duplicates, and borders that overlap along aligned edges (T-junctions),
 * which cross nowhere. In a proper tiling every probe point lies in exactly one cell (the grid
 * index's boundary rule), so cells that only share edges or vertices never count. Candidates come
 * from bounding boxes (Flatbush): 10,000 cells take 1–2 s, once per `safegrid check`.
 *
 * Not covered: features narrower than PROBE (about 1 cm), far below what grids.geojson carries
 * (6 decimals, about 10 cm).
 */
import Flatbush from 'flatbush';
import type { GridCell } from '../contract/grid-cell.js';
import { GridIndex } from './grid-index.js';

export interface CellOverlap {
  a: string;
  b: string;
  /** A point [lat, lng] inside both (or on the crossing of their edges). */
  at: [number, number];
}

type Ring = Array<[number, number]>;

/** Probe distance from a vertex, in degrees (about 1 cm). */
const PROBE = 1e-7;
const DIRECTIONS: ReadonlyArray<[number, number]> = [
  [1, 0],
  [1, 1],
  [0, 1],
  [-1, 1],
  [-1, 0],
  [-1, -1],
  [0, -1],
  [1, -1],
];

/** Every overlapping pair, each once, `a` < `b`, sorted. */
export function findOverlaps(cells: readonly GridCell[]): CellOverlap[] {
  if (cells.length < 2) return [];
  const rings = cells.map((c) => c.polygons.flat().map((r) => r.map(([x, y]) => [x, y] as [number, number])));
  const tree = new Flatbush(cells.length);
  for (const cellRings of rings) {
    let minX = Infinity,
      minY = Infinity,
      maxX = -Infinity,
      maxY = -Infinity;
    for (const ring of cellRings) {
      for (const [x, y] of ring) {
        if (x < minX) minX = x;
        if (y < minY) minY = y;
        if (x > maxX) maxX = x;
        if (y > maxY) maxY = y;
      }
    }
    tree.add(minX, minY, maxX, maxY);
  }
  tree.finish();
  // One single-cell index per cell for the exact point-in-cell test (holes and parts included).
  const single = cells.map((c) => new GridIndex([c]));
  const inner = rings.map(interiorPoint);
  const shapes: CellShape[] = cells.map((_, i) => ({ rings: rings[i]!, inner: inner[i]!, index: single[i]! }));
  const found: CellOverlap[] = [];
  for (let i = 0; i < cells.length; i++) {
    const [minX, minY, maxX, maxY] = boxOf(rings[i]!);
    for (const j of tree.search(minX, minY, maxX, maxY)) {
      if (j <= i) continue;
      const at = overlapPoint(shapes[i]!, shapes[j]!);
      if (!at) continue;
      const [a, b] = cells[i]!.id < cells[j]!.id ? [cells[i]!.id, cells[j]!.id] : [cells[j]!.id, cells[i]!.id];
      found.push({ a, b, at: [at[1], at[0]] });
    }
  }
  return found.sort((x, y) => (x.a === y.a ? (x.b < y.b ? -1 : 1) : x.a < y.a ? -1 : 1));
}

/** A cell as the overlap check sees it: its rings, a point inside it (if found) and its own one-cell index. */
interface CellShape {
  rings: Ring[];
  inner: [number, number] | null;
  index: GridIndex;
}

function overlapPoint(a: CellShape, b: CellShape): [number, number] | null {
  const { rings: ra, inner: pa, index: ia } = a;
  const { rings: rb, inner: pb, index: ib } = b;
  for (const a of ra) {
    for (const b of rb) {
      const x = properCrossing(a, b);
      if (x) return x;
    }
  }
  if (pa && ib.locate(pa[1], pa[0])) return pa;
  if (pb && ia.locate(pb[1], pb[0])) return pb;
  return probeVertices(ra, rb, ia, ib) ?? probeVertices(rb, ra, ib, ia);
}

/** A point beside a vertex of `from` (within the other cell's box) that lies in both cells. */
function probeVertices(from: Ring[], other: Ring[], iFrom: GridIndex, iOther: GridIndex): [number, number] | null {
  const [minX, minY, maxX, maxY] = boxOf(other);
  for (const ring of from) {
    for (const [x, y] of ring) {
      if (x < minX - PROBE || x > maxX + PROBE || y < minY - PROBE || y > maxY + PROBE) continue;
      for (const [dx, dy] of DIRECTIONS) {
        const px = x + dx * PROBE;
        const py = y + dy * PROBE;
        if (iOther.locate(py, px) && iFrom.locate(py, px)) return [px, py];
      }
    }
  }
  return null;
}

function boxOf(rings: Ring[]): [number, number, number, number] {
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  for (const ring of rings)
    for (const [x, y] of ring) {
      minX = Math.min(minX, x);
      minY = Math.min(minY, y);
      maxX = Math.max(maxX, x);
      maxY = Math.max(maxY, y);
    }
  return [minX, minY, maxX, maxY];
}

/** Where an edge of ring a crosses an edge of ring b at a point interior to both edges, or null. */
function properCrossing(a: Ring, b: Ring): [number, number] | null {
  for (let i = 0; i + 1 < a.length; i++) {
    const [p1, p2] = [a[i]!, a[i + 1]!];
    for (let k = 0; k + 1 < b.length; k++) {
      const [q1, q2] = [b[k]!, b[k + 1]!];
      if (Math.max(p1[0], p2[0]) < Math.min(q1[0], q2[0]) || Math.max(q1[0], q2[0]) < Math.min(p1[0], p2[0])) continue;
      if (Math.max(p1[1], p2[1]) < Math.min(q1[1], q2[1]) || Math.max(q1[1], q2[1]) < Math.min(p1[1], p2[1])) continue;
      const d1 = cross(q1, q2, p1);
      const d2 = cross(q1, q2, p2);
      const d3 = cross(p1, p2, q1);
      const d4 = cross(p1, p2, q2);
      // Strict signs: touching at a vertex or running along a shared edge is not a crossing.
      if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) {
        const t = d1 / (d1 - d2);
        return [p1[0] + t * (p2[0] - p1[0]), p1[1] + t * (p2[1] - p1[1])];
      }
    }
  }
  return null;
}

const cross = (o: [number, number], a: [number, number], b: [number, number]): number => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);

/**
 * A point strictly inside the cell (even-odd over all its rings): a horizontal line between two
 * vertex latitudes, its crossings with every ring sorted, and the middle of the widest inside span.
 */
export function interiorPoint(rings: Ring[]): [number, number] | null {
  const ys = [...new Set(rings.flat().map(([, y]) => y))].sort((p, q) => p - q);
  if (ys.length < 2) return null;
  // The widest gap between vertex latitudes keeps the line away from every vertex.
  let k = 0;
  for (let i = 1; i + 1 < ys.length; i++) if (ys[i + 1]! - ys[i]! > ys[k + 1]! - ys[k]!) k = i;
  const y = (ys[k]! + ys[k + 1]!) / 2;
  const xs: number[] = [];
  for (const ring of rings) {
    for (let i = 0; i + 1 < ring.length; i++) {
      const [x1, y1] = ring[i]!;
      const [x2, y2] = ring[i + 1]!;
      if (y1 < y !== y2 < y) xs.push(x1 + ((y - y1) / (y2 - y1)) * (x2 - x1));
    }
  }
  xs.sort((p, q) => p - q);
  let best: [number, number] | null = null;
  let width = 0;
  for (let i = 0; i + 1 < xs.length; i += 2) {
    if (xs[i + 1]! - xs[i]! > width) {
      width = xs[i + 1]! - xs[i]!;
      best = [(xs[i]! + xs[i + 1]!) / 2, y];
    }
  }
  return best;
}
