/**
 * Grid lookup throughput: a city-sized grid of 10,000 irregular cells (12 vertices each, shared
 * edges) and 1,000,000 random lookups over its area. Every alarm does one lookup, so this is the
 * ceiling geo puts on ingest. Run alone: `npx tsx bench/geo.ts`.
 */
import { pathToFileURL } from 'node:url';
import type { GridCell } from '../src/config/model.js';
import { GridIndex, jitteredTiling, seededRandom } from '../src/geo/index.js';

const BOUNDS = { west: 104.5, south: 26.3, east: 105.1, north: 26.8 };
const LOOKUPS = 1_000_000;

export async function benchGeo(): Promise<{ cells: number; lookupsPerSec: number }> {
  const tiles = jitteredTiling({ ...BOUNDS, cols: 100, rows: 100, seed: 2024, bends: 2, decimals: 6 });
  const cells: GridCell[] = tiles.map((t) => ({
    id: `b-${t.row}-${t.col}`,
    name: `cell ${t.row}/${t.col}`,
    community: 'bench',
    station: 'ps-bench',
    leader: null,
    phone: null,
    polygons: [[t.ring]],
  }));
  const index = new GridIndex(cells);

  // Points drawn before timing, so the figure is the lookup alone.
  const rand = seededRandom(1);
  const pts = new Float64Array(LOOKUPS * 2);
  for (let i = 0; i < pts.length; i += 2) {
    pts[i] = BOUNDS.south + rand() * (BOUNDS.north - BOUNDS.south);
    pts[i + 1] = BOUNDS.west + rand() * (BOUNDS.east - BOUNDS.west);
  }
  // Warm up the JIT on a slice, then time the full run.
  for (let i = 0; i < 100_000; i += 2) index.locate(pts[i]!, pts[i + 1]!);

  let misses = 0;
  const start = performance.now();
  for (let i = 0; i < pts.length; i += 2) if (index.locate(pts[i]!, pts[i + 1]!) === null) misses++;
  const seconds = (performance.now() - start) / 1000;
  // Every point is inside the tiled area; a miss would mean a gap, so the bench refuses to report.
  if (misses > 0) throw new Error(`${misses} lookups found no cell inside a gap-free grid`);
  return { cells: index.size, lookupsPerSec: Math.round(LOOKUPS / seconds) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchGeo()));
}
