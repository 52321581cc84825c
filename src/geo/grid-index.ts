/**
 * Point → grid cell (网格). Every alarm is routed by the cell its site lies in, so the answer must be
 * exact and the same every time: a site on the street that separates two cells must land in one
 * cell, always the same one, never in both and never in neither.
 *
 * How: a Flatbush R-tree over cell bounding boxes picks the few candidates, then an even-odd
 * ray-casting test decides. The ray test uses an exact orientation predicate (a fast floating-point
 * filter with an exact BigInt fallback, after Shewchuk's orient2d), so its answer is never a
 * rounding accident.
 *
 * Boundary rule (documented in src/geo/README.md): a point on a cell boundary belongs to the cell
 * that lies immediately east of it; on an east–west boundary, to the cell immediately north. The
 * test behaves exactly as if the point were nudged an infinitesimal distance east and then an even
 * smaller distance north. The nudged point lies on no edge, so in a tiling without gaps or overlaps
 * it is inside exactly one cell: every point on an interior shared edge or shared vertex gets
 * exactly one cell. On the outer boundary of the tiled area, points on its west and south sides are
 * inside, points on its east and north sides are outside (null).
 *
 * If cells overlap (a mistake in grids.geojson that `safegrid check` reports, overlaps.ts), the cell with the smallest
 * id wins, so the answer still does not depend on file order.
 */
import Flatbush from 'flatbush';
import type { GridCell } from '../contract/grid-cell.js';
import { SafeGridError } from '../core/errors.js';

export class GridIndex {
  /** Cells sorted by id, so the lowest candidate index is the smallest id. */
  private readonly cells: readonly GridCell[];
  private readonly byId: ReadonlyMap<string, GridCell>;
  /** All ring vertices of all cells, [x0, y0, x1, y1, ...] with x = lng, y = lat. */
  private readonly coords: Float64Array;
  /** Ring i spans coords[ringStart[i] .. ringStart[i + 1]) (in numbers, not points). */
  private readonly ringStart: Int32Array;
  /** Cell c owns rings cellRing[c] .. cellRing[c + 1]. */
  private readonly cellRing: Int32Array;
  private readonly tree: Flatbush | null;

  constructor(cells: readonly GridCell[]) {
    const sorted = [...cells].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const byId = new Map<string, GridCell>();
    for (const cell of sorted) {
      if (byId.has(cell.id)) {
        throw new SafeGridError('SG_CONFIG_DUPLICATE_ID', `two grid cells have the id "${cell.id}"`, { cell: cell.id });
      }
      byId.set(cell.id, cell);
    }

    let numbers = 0;
    let rings = 0;
    for (const cell of sorted) {
      if (!Array.isArray(cell.polygons) || cell.polygons.length === 0) geometryError(cell, 'it has no polygon');
      cell.polygons.forEach((polygon, p) => {
        if (!Array.isArray(polygon) || polygon.length === 0) geometryError(cell, `polygon ${p} has no ring`);
        polygon.forEach((ring, r) => {
          if (!Array.isArray(ring) || ring.length < 3) geometryError(cell, `polygon ${p} ring ${r} has fewer than 3 points`);
          ring.forEach((pos, i) => {
            const [lng, lat] = Array.isArray(pos) ? pos : [];
            if (!isLng(lng) || !isLat(lat)) {
              geometryError(cell, `polygon ${p} ring ${r} point ${i} is not a [lng, lat] pair within range`);
            }
          });
          numbers += ring.length * 2;
          rings++;
        });
      });
    }

    const coords = new Float64Array(numbers);
    const ringStart = new Int32Array(rings + 1);
    const cellRing = new Int32Array(sorted.length + 1);
    const tree = sorted.length > 0 ? new Flatbush(sorted.length) : null;
    let n = 0;
    let r = 0;
    sorted.forEach((cell, c) => {
      cellRing[c] = r;
      let minX = Infinity;
      let minY = Infinity;
      let maxX = -Infinity;
      let maxY = -Infinity;
      for (const polygon of cell.polygons) {
        for (const ring of polygon) {
          ringStart[r++] = n;
          for (const pos of ring) {
            const x = pos[0]!;
            const y = pos[1]!;
            coords[n++] = x;
            coords[n++] = y;
            if (x < minX) minX = x;
            if (x > maxX) maxX = x;
            if (y < minY) minY = y;
            if (y > maxY) maxY = y;
          }
        }
      }
      tree!.add(minX, minY, maxX, maxY);
    });
    ringStart[r] = n;
    cellRing[sorted.length] = r;
    tree?.finish();

    this.cells = sorted;
    this.byId = byId;
    this.coords = coords;
    this.ringStart = ringStart;
    this.cellRing = cellRing;
    this.tree = tree;
  }

  get size(): number {
    return this.cells.length;
  }

  get(id: string): GridCell | undefined {
    return this.byId.get(id);
  }

  /**
   * The cell a WGS-84 point lies in, by the boundary rule above; null outside every cell and for
   * coordinates that are not finite or out of range (a device cannot be trusted to send sane ones).
   */
  locate(lat: number, lng: number): GridCell | null {
    if (this.tree === null || !isLat(lat) || !isLng(lng)) return null;
    let best = -1;
    // The filter does the exact test and keeps the smallest index; returning false keeps Flatbush
    // from building a result array we would only scan again.
    this.tree.search(lng, lat, lng, lat, (c) => {
      if ((best === -1 || c < best) && this.contains(c, lng, lat)) best = c;
      return false;
    });
    return best === -1 ? null : this.cells[best]!;
  }

  /** Even-odd over every ring of the cell: holes and the parts of a MultiPolygon need no special case. */
  private contains(c: number, px: number, py: number): boolean {
    const { coords, ringStart } = this;
    let inside = false;
    for (let r = this.cellRing[c]!, rEnd = this.cellRing[c + 1]!; r < rEnd; r++) {
      const start = ringStart[r]!;
      const end = ringStart[r + 1]!;
      // Start with the edge (last point → first point): closes rings whose file left them open;
      // for a closed ring it is a zero-length edge, which never counts.
      let x1 = coords[end - 2]!;
      let y1 = coords[end - 1]!;
      for (let i = start; i < end; i += 2) {
        const x2 = coords[i]!;
        const y2 = coords[i + 1]!;
        // Half-open in y (lower end included, upper end excluded): the "nudge north" of the rule.
        // Horizontal edges never count.
        if (y1 <= py !== y2 <= py) {
          if (crossesEast(x1, y1, x2, y2, px, py)) inside = !inside;
        }
        x1 = x2;
        y1 = y2;
      }
    }
    return inside;
  }
}

/**
 * Does the edge lie strictly east of the point at the point's latitude? Precondition: the edge
 * straddles py half-open. A point exactly on the edge gets false (the "nudge east" of the rule).
 */
function crossesEast(x1: number, y1: number, x2: number, y2: number, px: number, py: number): boolean {
  // Exact shortcuts: the whole edge is east or west of the point.
  if (px < x1 && px < x2) return true;
  if (px > x1 && px > x2) return false;
  // Orient the edge upward so the predicate sees the same arguments whichever cell (and so
  // whichever ring direction) asks: neighbours must get opposite answers, never equal ones.
  return y1 < y2 ? orient(x1, y1, x2, y2, px, py) > 0 : orient(x2, y2, x1, y1, px, py) > 0;
}

/** Shewchuk's ccwerrboundA: (3 + 16ε)ε with ε = 2^-53. */
const CCW_ERR_BOUND = (3 + 16 * 2 ** -53) * 2 ** -53;

/**
 * Sign of the orientation of (a, b, c): > 0 when c is left of a→b (counter-clockwise), < 0 right,
 * 0 collinear. Exact: the floating-point value is trusted only when it is larger than its error
 * bound (Shewchuk, "Adaptive Precision Floating-Point Arithmetic and Fast Robust Geometric
 * Predicates", 1997, orient2d stage A); otherwise the determinant is computed exactly.
 */
function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  const detLeft = (ax - cx) * (by - cy);
  const detRight = (ay - cy) * (bx - cx);
  const det = detLeft - detRight;
  let detSum: number;
  if (detLeft > 0) {
    if (detRight <= 0) return det;
    detSum = detLeft + detRight;
  } else if (detLeft < 0) {
    if (detRight >= 0) return det;
    detSum = -detLeft - detRight;
  } else {
    return det;
  }
  const bound = CCW_ERR_BOUND * detSum;
  if (det >= bound || -det >= bound) return det;
  return orientExact(ax, ay, bx, by, cx, cy);
}

/** The same determinant in exact integer arithmetic (every double is an integer times 2^-1074). */
function orientExact(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  const [Ax, Ay, Bx, By, Cx, Cy] = [ax, ay, bx, by, cx, cy].map(scaled) as [bigint, bigint, bigint, bigint, bigint, bigint];
  const det = (Ax - Cx) * (By - Cy) - (Ay - Cy) * (Bx - Cx);
  return det > 0n ? 1 : det < 0n ? -1 : 0;
}

const view = new DataView(new ArrayBuffer(8));

/** x · 2^1074 as an exact BigInt (x finite). */
function scaled(x: number): bigint {
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const exponent = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  // Normal: (2^52 + m) · 2^(e − 1075); scaled by 2^1074 that is (2^52 + m) << (e − 1).
  // Subnormal (e = 0): m · 2^−1074, so scaled it is m itself.
  if (exponent !== 0) mantissa = (mantissa | (1n << 52n)) << BigInt(exponent - 1);
  return hi >>> 31 ? -mantissa : mantissa;
}

function isLat(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= -90 && v <= 90;
}

function isLng(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= -180 && v <= 180;
}

function geometryError(cell: GridCell, what: string): never {
  throw new SafeGridError('SG_CONFIG_GRID_GEOMETRY', `grid cell "${cell.id}": ${what}`, { cell: cell.id });
}
