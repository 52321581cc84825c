/**
 * A deterministic, gap-free tiling of a rectangle into irregular cells: a lattice whose corners are
 * jittered and whose edges are bent through jittered intermediate points. Neighbouring cells are
 * built from the very same vertex values, so they share edges exactly (no slivers, no overlaps).
 *
 * Used by scripts/gen-district.ts (the sample district), bench/geo.ts and the grid tests. Pure.
 */

/** Seeded PRNG (mulberry32): the same seed gives the same district on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TilingOptions {
  /** Bounds in degrees: x = lng, y = lat. */
  west: number;
  south: number;
  east: number;
  north: number;
  cols: number;
  rows: number;
  seed: number;
  /** Corner jitter as a fraction of the cell size; ≤ 0.25 keeps every cell a simple polygon. */
  jitter?: number;
  /** Intermediate points per lattice edge. */
  bends?: number;
  /** Sideways bend of those points as a fraction of the cell size; ≤ 0.12 keeps cells simple. */
  bendJitter?: number;
  /** Round every coordinate to this many decimals (GeoJSON files use 6, about 0.1 m). */
  decimals?: number;
}

export interface Tile {
  col: number;
  /** Row 0 is the southernmost. */
  row: number;
  /** Closed exterior ring, [lng, lat], counter-clockwise as RFC 7946 asks. */
  ring: number[][];
}

type Pt = [number, number];

export function jitteredTiling(o: TilingOptions): Tile[] {
  const { cols, rows } = o;
  const jitter = Math.min(o.jitter ?? 0.22, 0.25);
  const bends = o.bends ?? 1;
  const bendJitter = Math.min(o.bendJitter ?? 0.1, 0.12);
  const rand = seededRandom(o.seed);
  const dx = (o.east - o.west) / cols;
  const dy = (o.north - o.south) / rows;
  const scale = o.decimals === undefined ? 0 : 10 ** o.decimals;
  const round = (v: number): number => (scale ? Math.round(v * scale) / scale : v);
  const wobble = (): number => rand() * 2 - 1;

  // Corners: the outer boundary stays straight (only sliding along it), the inside moves freely.
  const corner: Pt[][] = [];
  for (let j = 0; j <= rows; j++) {
    const line: Pt[] = [];
    for (let i = 0; i <= cols; i++) {
      const onX = i === 0 || i === cols;
      const onY = j === 0 || j === rows;
      // The last row and column use the bounds themselves: west + cols·dx may miss east by an ulp.
      const x = i === cols ? o.east : o.west + i * dx + (onX ? 0 : wobble() * jitter * dx);
      const y = j === rows ? o.north : o.south + j * dy + (onY ? 0 : wobble() * jitter * dy);
      line.push([round(x), round(y)]);
    }
    corner.push(line);
  }

  // Bends of one edge from a to b; an edge on the outer boundary stays straight.
  // `across` is the axis perpendicular to the lattice edge (horizontal edges bend in y), `size` the
  // cell size along it.
  const bend = (a: Pt, b: Pt, { straight, across, size }: { straight: boolean; across: 0 | 1; size: number }): Pt[] => {
    const out: Pt[] = [];
    for (let k = 1; k <= bends; k++) {
      const t = k / (bends + 1) + (straight ? 0 : wobble() * 0.08);
      const p: Pt = [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
      if (!straight) p[across] += wobble() * bendJitter * size;
      out.push([round(p[0]), round(p[1])]);
    }
    return out;
  };

  // Horizontal edges h[j][i]: corner[j][i] → corner[j][i+1]; vertical v[j][i]: corner[j][i] → corner[j+1][i].
  const h: Pt[][][] = [];
  for (let j = 0; j <= rows; j++) {
    const line: Pt[][] = [];
    for (let i = 0; i < cols; i++) line.push(bend(corner[j]![i]!, corner[j]![i + 1]!, { straight: j === 0 || j === rows, across: 1, size: dy }));
    h.push(line);
  }
  const v: Pt[][][] = [];
  for (let j = 0; j < rows; j++) {
    const line: Pt[][] = [];
    for (let i = 0; i <= cols; i++) line.push(bend(corner[j]![i]!, corner[j + 1]![i]!, { straight: i === 0 || i === cols, across: 0, size: dx }));
    v.push(line);
  }

  const tiles: Tile[] = [];
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < cols; i++) {
      const ring: number[][] = [
        corner[j]![i]!,
        ...h[j]![i]!,
        corner[j]![i + 1]!,
        ...v[j]![i + 1]!,
        corner[j + 1]![i + 1]!,
        ...[...h[j + 1]![i]!].reverse(),
        corner[j + 1]![i]!,
        ...[...v[j]![i]!].reverse(),
      ].map((p) => [p[0]!, p[1]!]);
      ring.push([ring[0]![0]!, ring[0]![1]!]);
      tiles.push({ col: i, row: j, ring });
    }
  }
  return tiles;
}

/** A regular n-gon ring around a centre (closed, counter-clockwise), e.g. a hole and its island. */
export interface RegularRing {
  /** The centre, [lng, lat]. */
  centre: [number, number];
  /** The radius along each axis, [lng, lat] degrees. */
  radius: [number, number];
  /** Corners. */
  n: number;
  /** Round coordinates to this many decimals (none: unrounded). */
  decimals?: number;
}

export function regularRing({ centre: [lng, lat], radius: [radiusLng, radiusLat], n, decimals }: RegularRing): number[][] {
  const scale = decimals === undefined ? 0 : 10 ** decimals;
  const round = (v: number): number => (scale ? Math.round(v * scale) / scale : v);
  const ring: number[][] = [];
  for (let k = 0; k < n; k++) {
    const a = (2 * Math.PI * k) / n;
    ring.push([round(lng + radiusLng * Math.cos(a)), round(lat + radiusLat * Math.sin(a))]);
  }
  ring.push([ring[0]![0]!, ring[0]![1]!]);
  return ring;
}
