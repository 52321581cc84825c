/**
 * How far the map zooms when the operator selects an incident or a site (issue 13), pure. Before,
 * selecting zoomed "all the way in": the cluster layer zoomed until two nearby sites separated, and
 * without a base map (an isolated police network) the pane became one red grid cell.
 *
 * Now a selection shows at least SITE_VIEW_RADIUS_M around the site and never zooms past the cap:
 * street level (MAX_ZOOM) over a base map, and with none, the zoom at which the site's grid cell
 * just fits the pane — closer than that there is nothing more to see. Sites closer together than
 * the cap separates are spread out (spiderfied) instead of zoomed into.
 */
import type { LatLng } from '../../src/contract/alarm-event.js';

/** Street level: the most the map zooms in, by hand or on a selection. */
export const MAX_ZOOM = 18;
/** A selection shows at least this much around the site (a block or two: the streets to it). */
export const SITE_VIEW_RADIUS_M = 150;

const METRES_PER_DEGREE = 111_320;

/** South-west and north-east corners of a box `r` metres around `p` (never a zero-size box). */
export function boxAround(p: LatLng, r = SITE_VIEW_RADIUS_M): [LatLng, LatLng] {
  const dLat = r / METRES_PER_DEGREE;
  const dLng = r / (METRES_PER_DEGREE * Math.max(0.01, Math.cos((p[0] * Math.PI) / 180)));
  return [
    [p[0] - dLat, p[1] - dLng],
    [p[0] + dLat, p[1] + dLng],
  ];
}

/**
 * The most a selection may zoom: MAX_ZOOM over a base map; without one, the zoom that fits the
 * site's grid cell (`cellFitZoom`, null outside every cell: MAX_ZOOM).
 */
export function zoomCap(basemap: boolean, cellFitZoom: number | null): number {
  if (basemap || cellFitZoom === null || !Number.isFinite(cellFitZoom)) return MAX_ZOOM;
  return Math.min(MAX_ZOOM, cellFitZoom);
}

/** The zoom for a selection: the box around the site fits (`boxFitZoom`), within the cap. */
export function selectionZoom(boxFitZoom: number, cap: number): number {
  return Math.min(Number.isFinite(boxFitZoom) ? boxFitZoom : cap, cap);
}
