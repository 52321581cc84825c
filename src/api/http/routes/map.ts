import { Router } from 'express';
import type { ApiContext } from '../../context.js';
import { allow } from '../access.js';

/**
 * The console's map settings from hub.yaml `map`: initial centre and zoom, and the tile source
 * (URL template, attribution, datum: wgs84 or gcj02). Same audience as the grid it is drawn under.
 */
export function mapRoutes(ctx: ApiContext): Router {
  const r = Router();
  r.get('/map', allow('grids:read'), (_req, res) => {
    const m = ctx.config().hub.map;
    res.json({ center: m.center, zoom: m.zoom, tiles: { url: m.tiles.url, attribution: m.tiles.attribution, crs: m.tiles.crs } });
  });
  return r;
}
