/**
 * The month's real incidents on the grid map: each cell filled by how many real incidents fell in it
 * (a choropleth heat map), and each incident a small dot. Tiles come from hub.yaml `map.tiles` like
 * the console's map (GCJ-02 tiles get every overlay shifted); without tiles the cells still draw.
 */
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import type { LatLng } from '../../../src/contract/alarm-event.js';
import { wgs84ToGcj02 } from '../../../src/contract/gcj02.js';
import type { HeatPoint } from '../../../src/contract/reports.js';
import type { Directory } from '../directory.js';
import { h } from '../dom.js';
import { heatColour } from './format.js';

/** Leaflet's attribution control takes HTML: the configured text goes in escaped. */
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function drawHeatMap(container: HTMLElement, dir: Directory, heat: HeatPoint[]): L.Map {
  const gcj = dir.map.tiles.crs === 'gcj02';
  const project = (p: LatLng): L.LatLngTuple => (gcj ? wgs84ToGcj02(p[0], p[1]) : [p[0], p[1]]);
  const map = L.map(container, { zoomSnap: 0.5, maxZoom: 19, attributionControl: true });
  map.attributionControl.setPrefix('Leaflet');
  map.setView(project(dir.map.center), dir.map.zoom);
  if (dir.map.tiles.url) L.tileLayer(dir.map.tiles.url, { attribution: escapeHtml(dir.map.tiles.attribution), maxZoom: 19 }).addTo(map);
  const byCell = new Map<string, number>();
  for (const p of heat) if (p.cellId) byCell.set(p.cellId, (byCell.get(p.cellId) ?? 0) + 1);
  const max = Math.max(0, ...byCell.values());
  const bounds = L.latLngBounds([]);
  for (const cell of dir.cells) {
    const n = byCell.get(cell.properties.id) ?? 0;
    const rings = cell.geometry.coordinates.map((poly) => poly.map((ring) => ring.map(([lng, lat]) => project([lat!, lng!]))));
    const layer = L.polygon(rings, { color: '#93a4c0', weight: 1, fillColor: heatColour(n, max), fillOpacity: n ? 0.65 : 0.15 })
      .bindTooltip(h('span', { text: `${cell.properties.name}: ${n}` }), { sticky: true })
      .addTo(map);
    layer.getElement()?.setAttribute('data-cell', cell.properties.id);
    layer.getElement()?.setAttribute('data-count', String(n));
    bounds.extend(layer.getBounds());
  }
  for (const p of heat) L.circleMarker(project(p.location), { radius: 3, color: '#7f1d1d', weight: 1, fillColor: '#ef4444', fillOpacity: 0.9 }).addTo(map);
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [12, 12] });
  container.dataset.cells = String(dir.cells.length);
  container.dataset.points = String(heat.length);
  return map;
}
