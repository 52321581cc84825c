/** How far the console's map zooms on a selection (web/src/map-zoom.ts), pure. */
import { describe, expect, it } from 'vitest';
import { boxAround, MAX_ZOOM, SITE_VIEW_RADIUS_M, selectionZoom, zoomCap } from '../../web/src/map-zoom.js';

describe('map zoom on a selection', () => {
  it('shows a box around the site, never a zero-size one', () => {
    const [sw, ne] = boxAround([26.6, 104.84]);
    // About SITE_VIEW_RADIUS_M each way: 2 × 150 m ≈ 0.0027° of latitude.
    expect((ne[0] - sw[0]) * 111_320).toBeCloseTo(2 * SITE_VIEW_RADIUS_M, 0);
    expect(ne[1] - sw[1]).toBeGreaterThan(ne[0] - sw[0]); // a degree of longitude is shorter at 26.6°N
    expect(sw[0]).toBeLessThan(26.6);
    expect(ne[1]).toBeGreaterThan(104.84);
  });

  it('caps at street level over a base map, at the grid cell without one', () => {
    expect(zoomCap(true, 14.5)).toBe(MAX_ZOOM);
    expect(zoomCap(false, 14.5)).toBe(14.5);
    expect(zoomCap(false, 21)).toBe(MAX_ZOOM);
    expect(zoomCap(false, null)).toBe(MAX_ZOOM);
    expect(zoomCap(false, Number.POSITIVE_INFINITY)).toBe(MAX_ZOOM);
  });

  it('zooms to fit the box around the site, within the cap', () => {
    expect(selectionZoom(16, 18)).toBe(16);
    expect(selectionZoom(22, 18)).toBe(18);
    expect(selectionZoom(16, 14.5)).toBe(14.5);
    expect(selectionZoom(Number.POSITIVE_INFINITY, 14.5)).toBe(14.5);
  });
});
