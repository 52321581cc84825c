export { GridIndex } from './grid-index.js';
export { wgs84ToGcj02, gcj02ToWgs84, isInChina } from './gcj02.js';
export { jitteredTiling, regularRing, seededRandom } from './tiling.js';
export type { Tile, TilingOptions } from './tiling.js';
export { findOverlaps, type CellOverlap } from './overlaps.js';
