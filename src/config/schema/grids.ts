/**
 * config/grids.geojson — the community grid (网格). A FeatureCollection of Polygon/MultiPolygon
 * cells. Geometry rules follow RFC 7946 §3.1.6: a linear ring has ≥ 4 positions and its first and
 * last positions are equal; positions are [lng, lat] (§3.1.1), unlike the [lat, lng] of site files.
 */
import { z } from 'zod';
import type { GridCell } from '../../contract/grid-cell.js';
import { id, text, type CustomIssueParams } from './common.js';

const POSITION_EXPECTED = '[lng, lat] in degrees (GeoJSON order)';
const position = z.array(z.number({ error: POSITION_EXPECTED }), { error: POSITION_EXPECTED });
const ring = z.array(position, { error: 'a linear ring: a list of [lng, lat] positions' });
const polygon = z.array(ring, { error: 'a list of linear rings' });

function geometryIssue(ctx: z.RefinementCtx, path: (string | number)[], message: string, hint?: string): void {
  ctx.addIssue({
    code: 'custom',
    path,
    message,
    params: { code: 'SG_CONFIG_GRID_GEOMETRY', whole: true, ...(hint ? { hint } : {}) } satisfies CustomIssueParams,
  });
}

function checkPolygon(rings: number[][][], ctx: z.RefinementCtx, base: (string | number)[]): void {
  if (rings.length === 0) geometryIssue(ctx, base, 'a polygon with no rings; expected at least the outer ring');
  rings.forEach((r, ri) => {
    const at = [...base, ri];
    if (r.length < 4) {
      geometryIssue(ctx, at, `a ring of ${r.length} positions; expected at least 4 (a triangle plus the closing point)`);
    }
    r.forEach((p, pi) => {
      const [lng, lat] = p;
      if (p.length < 2 || p.length > 3 || lng === undefined || lat === undefined) {
        geometryIssue(ctx, [...at, pi], `got ${JSON.stringify(p)}; expected ${POSITION_EXPECTED}`);
        return;
      }
      if (lng < -180 || lng > 180 || lat < -90 || lat > 90) {
        const swapped = lat >= -180 && lat <= 180 && lng >= -90 && lng <= 90;
        geometryIssue(
          ctx,
          [...at, pi],
          `got [${lng}, ${lat}]; expected ${POSITION_EXPECTED} with lng −180…180 and lat −90…90`,
          swapped ? 'GeoJSON puts longitude first; did you write [lat, lng]?' : undefined,
        );
      }
    });
    const first = r[0];
    const last = r[r.length - 1];
    if (r.length >= 2 && first && last && (first[0] !== last[0] || first[1] !== last[1])) {
      geometryIssue(
        ctx,
        [...at, r.length - 1],
        `ring is not closed: it starts at ${JSON.stringify(first)} and ends at ${JSON.stringify(last)}`,
        `repeat the first position ${JSON.stringify(first)} as the last one`,
      );
    }
  });
}

const geometrySchema = z
  .discriminatedUnion(
    'type',
    [
      z.strictObject({ type: z.literal('Polygon'), coordinates: polygon }),
      z.strictObject({ type: z.literal('MultiPolygon'), coordinates: z.array(polygon, { error: 'a list of polygons' }) }),
    ],
    { error: 'a geometry of type Polygon or MultiPolygon' },
  )
  .superRefine((g, ctx) => {
    if (g.type === 'Polygon') checkPolygon(g.coordinates, ctx, ['coordinates']);
    else g.coordinates.forEach((p, i) => checkPolygon(p, ctx, ['coordinates', i]));
  });

export const cellPropertiesSchema = z.strictObject({
  id: id(),
  name: text('the cell name'),
  community: text('the community (社区) name'),
  station: id(),
  /** The cell's community post (社区警务室), a station id of tier community: it sees the cell's incidents. */
  post: id().nullish(),
  leader: z.string({ error: 'the grid leader (网格长) name' }).nullish(),
  phone: z.string({ error: 'a phone number in quotes, e.g. "13800000000" (unquoted digits lose leading zeros)' }).nullish(),
});

export const featureSchema = z.strictObject({
  type: z.literal('Feature', { error: '"Feature"' }),
  // GeoJSON allows a feature id; we use properties.id, but tolerate the standard member.
  id: z.union([z.string(), z.number()]).nullish(),
  properties: cellPropertiesSchema,
  geometry: geometrySchema,
  bbox: z.array(z.number()).nullish(),
});

export const gridsFileSchema = z.strictObject({
  type: z.literal('FeatureCollection', { error: '"FeatureCollection"' }),
  features: z.array(featureSchema, { error: 'a list of features' }).min(1, { error: 'at least one grid cell' }),
  // Members that GIS tools commonly write; harmless, so allowed.
  name: z.string().nullish(),
  crs: z.unknown().optional(),
  bbox: z.array(z.number()).nullish(),
});

export type GridsFile = z.output<typeof gridsFileSchema>;

/**
 * grids.geojson as the hub runs on it: one GridCell (contract/grid-cell.ts, which geo/ and the pages
 * share) per feature, null where the file left a property out, a Polygon as a one-polygon MultiPolygon.
 */
export const gridsModelSchema = gridsFileSchema.transform((f) =>
  f.features.map(
    ({ properties: p, geometry: g }): GridCell => ({
      id: p.id,
      name: p.name,
      community: p.community,
      station: p.station,
      post: p.post ?? null,
      leader: p.leader ?? null,
      phone: p.phone ?? null,
      polygons: g.type === 'Polygon' ? [g.coordinates] : g.coordinates,
    }),
  ),
);
