/**
 * A community grid cell (网格) as the hub and the pages see it. Here, not in config/, because it is
 * domain data that geo/ indexes and the console draws; config/ builds it from grids.geojson.
 */

/** GeoJSON Polygon / MultiPolygon coordinates, [lng, lat] as GeoJSON orders them. */
export type PolygonCoords = number[][][];
export type MultiPolygonCoords = number[][][][];

export interface GridCell {
  id: string;
  name: string;
  community: string;
  station: string;
  /** The cell's community post (社区警务室): a station that sees the cell's incidents; absent or null: none. */
  post?: string | null;
  leader: string | null;
  phone: string | null;
  /** Always stored as MultiPolygon (a Polygon becomes a one-element MultiPolygon). */
  polygons: MultiPolygonCoords;
}
