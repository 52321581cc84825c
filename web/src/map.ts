/**
 * The district map: grid cells (named, coloured by their open incidents), station outlines, sites,
 * cameras and incidents (clustered, P1 pulsing red). Tiles come from hub.yaml `map.tiles`; when
 * none load (an isolated police network, the tests) the overlays stay on a plain background and the
 * map says so. GCJ-02 tiles (AMap, Tencent) get every overlay shifted from WGS-84, the only datum
 * the hub stores.
 *
 * Leaflet's tooltips, popups and attribution take HTML strings: everything here passes DOM nodes
 * built with textContent (dom.ts), or escaped text, never device or site text as HTML.
 */
import L from './leaflet-global.js';
import 'leaflet.markercluster';
import 'leaflet/dist/leaflet.css';
import 'leaflet.markercluster/dist/MarkerCluster.css';
import type { LatLng, Priority } from '../../src/contract/alarm-event.js';
import type { Incident } from '../../src/contract/incident.js';
import { wgs84ToGcj02 } from '../../src/contract/gcj02.js';
import type { CameraInfo, CellFeature, Directory, SiteInfo, Station } from './directory.js';
import { h } from './dom.js';
import { t, words } from './i18n/index.js';
import { boxAround, MAX_ZOOM, selectionZoom, zoomCap } from './map-zoom.js';

const PRIORITY_COLOUR: Record<Priority, string> = { 1: '#ff3b3b', 2: '#ff9f1a', 3: '#f5d90a', 4: '#4da3ff' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export class DistrictMap {
  readonly map: L.Map;
  private readonly project: (p: LatLng) => L.LatLngTuple;
  private readonly cellLayers = new Map<string, L.Polygon>();
  private readonly cellLabels = new Map<string, HTMLElement>();
  private readonly incidentLayer: L.MarkerClusterGroup;
  private readonly incidentMarkers = new Map<string, { marker: L.Marker; version: number; look: string; el: HTMLElement }>();
  /** The style each cell was last given (worst priority / open count), to skip unchanged cells. */
  private readonly cellStyle = new Map<string, string>();
  private readonly siteMarkers = new Map<string, L.CircleMarker>();
  /** What each drawn site and camera marker shows, so a config reload redraws only what changed. */
  private readonly drawnAs = new Map<string, string>();
  /** Camera markers by `siteId/cameraId` (camera ids repeat across sites), with their element. */
  private readonly cameraMarkers = new Map<string, { marker: L.Marker; el: HTMLElement }>();
  private readonly notice: HTMLElement;
  private districtBounds: L.LatLngBounds | null = null;
  private selected: string | null = null;
  /** Tiles have loaded: the base map shows detail down to street level. */
  private basemap = false;

  constructor(
    container: HTMLElement,
    private readonly dir: Directory,
    private readonly onSelect: (incidentId: string) => void,
  ) {
    const gcj = dir.map.tiles.crs === 'gcj02';
    this.project = gcj ? (p) => wgs84ToGcj02(p[0], p[1]) : (p) => [p[0], p[1]];
    // maxZoom: without it (no tile layer) Leaflet's limit is infinite and a cluster zooms in forever.
    this.map = L.map(container, { zoomControl: true, attributionControl: true, preferCanvas: false, zoomSnap: 0.5, maxZoom: MAX_ZOOM });
    // The zoom is on the element for tests and for anyone debugging a view.
    this.map.on('zoomend', () => {
      container.dataset.zoom = String(this.map.getZoom());
    });
    this.map.attributionControl.setPrefix('Leaflet');
    // A view first: Leaflet creates a layer's elements only once the map has one.
    this.map.setView(this.project(dir.map.center), dir.map.zoom);
    // Cell names under the markers, so they never hide an incident.
    this.map.createPane('cellLabels').style.zIndex = '450';
    this.notice = h('div', { class: 'map-notice', attrs: { id: 'basemap-notice', role: 'status' } });
    this.notice.hidden = true;
    container.append(this.notice);
    this.addTiles();
    this.addStations(dir.stations);
    this.addCells(dir.cells);
    this.addSites(dir.sites);
    this.addCameras(dir.cameras);
    this.incidentLayer = L.markerClusterGroup({
      maxClusterRadius: 40,
      showCoverageOnHover: false,
      spiderfyOnMaxZoom: true,
      iconCreateFunction: (cluster) => {
        const worst = Math.min(...cluster.getAllChildMarkers().map((m) => (m.options as { priority?: number }).priority ?? 4)) as Priority;
        const el = h('div', { class: `cluster p${worst}`, text: String(cluster.getChildCount()) });
        return L.divIcon({ html: el, className: 'cluster-icon', iconSize: [36, 36] });
      },
    });
    this.incidentLayer.addTo(this.map);
    this.fitInitial();
    this.addLegend();
  }

  /**
   * Shows every open incident: markers by priority, cells coloured by what is open in them. Called
   * with the whole queue after every burst of changes, so it touches only what changed: an icon is
   * rebuilt when priority or status changed (a storm mostly bumps counters), new markers go in as
   * one batch, and a cell is restyled only when its worst priority or count changed.
   */
  setIncidents(incidents: Incident[]): void {
    const seen = new Set<string>();
    const worstByCell = new Map<string, { p: Priority; n: number }>();
    const added: L.Marker[] = [];
    for (const i of incidents) {
      seen.add(i.id);
      if (i.gridCellId) {
        const w = worstByCell.get(i.gridCellId);
        worstByCell.set(i.gridCellId, { p: w ? (Math.min(w.p, i.priority) as Priority) : i.priority, n: (w?.n ?? 0) + 1 });
      }
      const known = this.incidentMarkers.get(i.id);
      if (known && known.version === i.version) continue;
      const look = `${i.priority}/${i.status}/${i.drill ? 'drill' : 'real'}`;
      if (known && known.look === look) {
        // The tooltip shows nothing else that can change.
        known.version = i.version;
        continue;
      }
      const el = h(
        'div',
        {
          class: `inc p${i.priority} st-${i.status}${i.id === this.selected ? ' selected' : ''}${i.drill ? ' drill' : ''}`,
          dataset: { incident: i.id, priority: String(i.priority) },
        },
        h('span', { class: 'inc-core', text: String(i.priority) }),
        // 演练: the marker says so, so nobody sends a car to an exercise by the map alone.
        i.drill ? h('span', { class: 'inc-drill', text: t('badgeDrill') }) : null,
      );
      const icon = L.divIcon({ html: el, className: 'inc-icon', iconSize: [30, 30], iconAnchor: [15, 15] });
      if (known) {
        // Update the marker in place: replacing it while the cluster layer animates towards it
        // (zoomToShowLayer) would leave the layer holding a marker that is gone.
        (known.marker.options as { priority?: number }).priority = i.priority;
        known.marker.setIcon(icon);
        known.marker.setZIndexOffset((5 - i.priority) * 1000);
        known.marker.setTooltipContent(this.incidentTooltip(i));
        this.incidentLayer.refreshClusters(known.marker);
        this.incidentMarkers.set(i.id, { marker: known.marker, version: i.version, look, el });
        continue;
      }
      const marker = L.marker(this.project(i.location), {
        icon,
        priority: i.priority,
        zIndexOffset: (5 - i.priority) * 1000,
        keyboard: false,
      } as L.MarkerOptions);
      marker.bindTooltip(this.incidentTooltip(i), { direction: 'top', offset: [0, -14], className: 'sg-tooltip' });
      marker.on('click', () => this.onSelect(i.id));
      added.push(marker);
      this.incidentMarkers.set(i.id, { marker, version: i.version, look, el });
    }
    if (added.length > 0) this.incidentLayer.addLayers(added);
    const removed: L.Marker[] = [];
    for (const [id, m] of this.incidentMarkers) {
      if (!seen.has(id)) {
        removed.push(m.marker);
        this.incidentMarkers.delete(id);
      }
    }
    if (removed.length > 0) this.incidentLayer.removeLayers(removed);
    for (const [id, layer] of this.cellLayers) {
      const w = worstByCell.get(id);
      const styleKey = w ? `${w.p}/${w.n}` : '';
      if (this.cellStyle.get(id) === styleKey) continue;
      this.cellStyle.set(id, styleKey);
      layer.setStyle(
        w
          ? { fillColor: PRIORITY_COLOUR[w.p], fillOpacity: w.p === 1 ? 0.38 : 0.28, color: PRIORITY_COLOUR[w.p], weight: 2 }
          : { fillColor: '#5b7aa6', fillOpacity: 0.06, color: '#6f8fbf', weight: 1 },
      );
      const path = layer.getElement();
      if (path) {
        if (w) path.setAttribute('data-open', String(w.n));
        else path.removeAttribute('data-open');
      }
      const label = this.cellLabels.get(id);
      if (label) label.classList.toggle('has-open', Boolean(w));
    }
  }

  select(id: string | null): void {
    this.selected = id;
    for (const [iid, m] of this.incidentMarkers) m.el.classList.toggle('selected', iid === id);
  }

  /**
   * Brings an incident into view (map-zoom.ts): at least the streets around the site, never past
   * the cap; a marker still in a cluster at that zoom is spread out instead of zoomed into.
   */
  showIncident(i: Incident): void {
    const entry = this.incidentMarkers.get(i.id);
    const at = L.latLng(this.project(i.location));
    const cap = this.capFor(i.gridCellId);
    // Leave the view alone when the marker is already on screen, not inside a cluster, and within the cap.
    const unclustered = entry !== undefined && this.incidentLayer.getVisibleParent(entry.marker) === entry.marker;
    if (unclustered && this.map.getZoom() <= cap && this.map.getBounds().pad(-0.05).contains(at)) return;
    this.map.setView(at, this.siteZoom(i.location, cap), { animate: false });
    if (entry) this.reveal(entry.marker);
  }

  flyToSite(site: SiteInfo): void {
    const zoom = this.siteZoom(site.location, this.capFor(site.gridCellId));
    this.map.flyTo(this.project(site.location), zoom, { duration: 0.6 });
    this.siteMarkers.get(site.id)?.openTooltip();
  }

  /** The most a selection in this cell may zoom; on the map element as data-select-max-zoom. */
  private capFor(cellId: string | null): number {
    const cell = cellId ? this.cellLayers.get(cellId) : undefined;
    const cap = zoomCap(this.basemap, cell ? this.map.getBoundsZoom(cell.getBounds()) : null);
    this.map.getContainer().dataset.selectMaxZoom = String(cap);
    return cap;
  }

  private siteZoom(location: LatLng, cap: number): number {
    const [sw, ne] = boxAround(location);
    return selectionZoom(this.map.getBoundsZoom(L.latLngBounds(this.project(sw), this.project(ne))), cap);
  }

  /** Spreads out (spiderfies) the cluster a marker is still in, once the cluster layer has settled at the new zoom. */
  private reveal(marker: L.Marker): void {
    const layer = this.incidentLayer as L.MarkerClusterGroup & { _inZoomAnimation?: number };
    const settle = (): void => {
      if (layer._inZoomAnimation) return void layer.once('animationend', settle);
      const parent = layer.getVisibleParent(marker) as L.Marker | L.MarkerCluster | null;
      if (parent && parent !== marker && 'spiderfy' in parent) parent.spiderfy();
    };
    setTimeout(settle, 0);
  }

  flyToCell(cellId: string): void {
    const layer = this.cellLayers.get(cellId);
    if (layer) this.map.flyToBounds(layer.getBounds(), { padding: [40, 40], duration: 0.6 });
  }

  fitDistrict(): void {
    if (this.districtBounds) this.map.fitBounds(this.districtBounds, { padding: [20, 20] });
  }

  /** Redraws the words that come from the catalogue (the language changed). */
  relabel(incidents: Incident[]): void {
    for (const m of this.incidentMarkers.values()) {
      m.version = -1;
      m.look = '';
    }
    this.setIncidents(incidents);
    this.legend?.remove();
    this.addLegend();
    this.notice.textContent = t('baseMapUnavailable');
  }

  // --- layers ---------------------------------------------------------------------------------

  private addTiles(): void {
    const tiles = this.dir.map.tiles;
    if (!tiles.url) return this.showNotice(true);
    let loaded = 0;
    const layer = L.tileLayer(tiles.url, {
      // The attribution control writes HTML: the configured text goes in escaped.
      attribution: escapeHtml(tiles.attribution),
      maxZoom: MAX_ZOOM,
      crossOrigin: false,
    });
    layer.on('tileload', () => {
      loaded++;
      this.basemap = true;
      this.showNotice(false);
    });
    layer.on('tileerror', () => {
      if (loaded === 0) this.showNotice(true);
    });
    layer.addTo(this.map);
  }

  private showNotice(on: boolean): void {
    this.notice.textContent = t('baseMapUnavailable');
    this.notice.hidden = !on;
    this.map.getContainer().classList.toggle('no-basemap', on);
  }

  private ring(coords: number[][]): L.LatLngTuple[] {
    return coords.map(([lng, lat]) => this.project([lat!, lng!]));
  }

  private addCells(cells: CellFeature[]): void {
    for (const f of cells) {
      const p = f.properties;
      const latlngs = f.geometry.coordinates.map((poly) => poly.map((ring) => this.ring(ring)));
      const layer = L.polygon(latlngs, { className: 'cell', color: '#6f8fbf', weight: 1, fillColor: '#5b7aa6', fillOpacity: 0.06 });
      layer.addTo(this.map);
      layer.getElement()?.setAttribute('data-cell', p.id);
      const label = h('span', { class: 'cell-name', text: p.name, dataset: { cell: p.id } });
      layer.bindTooltip(label, { permanent: true, direction: 'center', className: 'cell-label', interactive: false, pane: 'cellLabels' });
      this.cellLabels.set(p.id, label);
      this.cellLayers.set(p.id, layer);
      const b = layer.getBounds();
      this.districtBounds = this.districtBounds ? this.districtBounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
    }
    // Names only where they fit: hide them when zoomed out.
    const toggle = (): void => void this.map.getContainer().classList.toggle('labels-hidden', this.map.getZoom() < 15);
    this.map.on('zoomend', toggle);
    toggle();
  }

  /**
   * Station boundaries: the outline of the union of each station's cells, i.e. the cell edges that
   * no other cell of the same station shares. Cells of a generated grid share their vertices exactly.
   */
  private addStations(stations: Station[]): void {
    const byStation = new Map<string, Map<string, [number[], number[]]>>();
    const key = (a: number[]): string => `${a[0]!.toFixed(7)},${a[1]!.toFixed(7)}`;
    for (const f of this.dir.cells) {
      let edges = byStation.get(f.properties.station);
      if (!edges) {
        edges = new Map();
        byStation.set(f.properties.station, edges);
      }
      for (const poly of f.geometry.coordinates) {
        for (const ring of poly) {
          for (let k = 0; k + 1 < ring.length; k++) {
            const a = ring[k]!;
            const b = ring[k + 1]!;
            const ka = key(a);
            const kb = key(b);
            if (ka === kb) continue;
            const id = ka < kb ? `${ka}|${kb}` : `${kb}|${ka}`;
            if (edges.has(id)) edges.delete(id);
            else edges.set(id, [a, b]);
          }
        }
      }
    }
    for (const [stationId, edges] of byStation) {
      const segments = [...edges.values()].map(([a, b]) => [this.project([a[1]!, a[0]!]), this.project([b[1]!, b[0]!])]);
      L.polyline(segments, { className: 'station-outline', color: '#c9d6ff', weight: 3, opacity: 0.75, dashArray: '8 6', interactive: false }).addTo(this.map);
      const st = stations.find((s) => s.id === stationId);
      if (st?.location) this.stationMarker(st);
    }
    for (const st of stations) if (st.location && !byStation.has(st.id)) this.stationMarker(st);
  }

  private stationMarker(st: Station): void {
    const el = h('div', { class: `station-mark tier-${st.tier}`, text: '警' });
    L.marker(this.project(st.location!), { icon: L.divIcon({ html: el, className: 'station-icon', iconSize: [24, 24] }), keyboard: false, zIndexOffset: -500 })
      .bindTooltip(h('div', {}, h('strong', { text: st.name }), h('div', { class: 'muted', text: words().tiers[st.tier] })), {
        direction: 'top',
        className: 'sg-tooltip',
      })
      .addTo(this.map);
  }

  private addSites(sites: SiteInfo[]): void {
    for (const s of sites) {
      if (this.siteMarkers.has(s.id)) continue;
      const m = L.circleMarker(this.project(s.location), {
        radius: 5,
        className: 'site-marker',
        color: '#9fb3d1',
        weight: 2,
        fillColor: '#1d2a40',
        fillOpacity: 1,
      });
      m.bindTooltip(
        h(
          'div',
          {},
          h('strong', { text: s.name }),
          s.doorPlate ? h('div', { text: `${t('fieldDoorPlate')}: ${s.doorPlate}` }) : null,
          s.pole ? h('div', { text: `${t('fieldPole')}: ${s.pole}` }) : null,
        ),
        { direction: 'top', className: 'sg-tooltip' },
      );
      m.addTo(this.map);
      m.getElement()?.setAttribute('data-site', s.id);
      this.siteMarkers.set(s.id, m);
      this.drawnAs.set(`site:${s.id}`, siteLook(s));
    }
  }

  /**
   * Camera markers, coloured by availability. A camera the site file gives no location of is drawn
   * beside its site (its status must still show on the map).
   */
  private addCameras(cameras: CameraInfo[]): void {
    for (const c of cameras) {
      const key = `${c.siteId}/${c.id}`;
      if (this.cameraMarkers.has(key)) continue;
      const at = this.cameraAt(c);
      if (!at) continue;
      const el = h('div', {
        class: `cam-mark ${c.availability === 'offline' ? 'offline' : ''}`,
        dataset: { camera: c.id, site: c.siteId, availability: c.availability },
      });
      const marker = L.marker(this.project(at), {
        icon: L.divIcon({ html: el, className: 'cam-icon', iconSize: [14, 14], iconAnchor: c.location ? [7, 7] : [-4, 7] }),
        keyboard: false,
        zIndexOffset: -200,
      })
        .bindTooltip(h('div', {}, h('strong', { text: c.name ?? c.id }), h('div', { class: 'muted', text: `${t('legendCamera')} · ${c.id}` })), {
          direction: 'top',
          className: 'sg-tooltip',
        })
        .addTo(this.map);
      this.cameraMarkers.set(key, { marker, el });
      this.drawnAs.set(`camera:${key}`, this.cameraLook(c));
    }
  }

  /** Where a camera is drawn: its own location, else beside its site. */
  private cameraAt(c: CameraInfo): LatLng | undefined {
    return c.location ?? this.dir.sites.find((s) => s.id === c.siteId)?.location;
  }

  /** What a camera marker shows, availability aside (that changes in place): a change means drawing it again. */
  private cameraLook(c: CameraInfo): string {
    return JSON.stringify([this.cameraAt(c), c.location === null, c.name]);
  }

  /** A camera went online or offline (`camera:status`): its marker changes colour in place. */
  setCameraStatus(siteId: string, cameraId: string, availability: string): void {
    const m = this.cameraMarkers.get(`${siteId}/${cameraId}`);
    if (!m) return;
    m.el.classList.toggle('offline', availability === 'offline');
    m.el.dataset.availability = availability;
  }

  /**
   * The directory changed (a config reload): sites and cameras that appeared are drawn, those that
   * went away are removed. The caller has already put the new lists into the directory.
   */
  syncDirectory(): void {
    const sites = new Map(this.dir.sites.map((s) => [s.id, siteLook(s)]));
    for (const [id, m] of this.siteMarkers) {
      if (sites.get(id) === this.drawnAs.get(`site:${id}`)) continue;
      // Gone, moved or renamed: drawn again below if still there.
      m.remove();
      this.siteMarkers.delete(id);
    }
    const cams = new Map(this.dir.cameras.map((c) => [`${c.siteId}/${c.id}`, this.cameraLook(c)]));
    for (const [key, m] of this.cameraMarkers) {
      if (cams.get(key) === this.drawnAs.get(`camera:${key}`)) continue;
      m.marker.remove();
      this.cameraMarkers.delete(key);
    }
    this.addSites(this.dir.sites);
    this.addCameras(this.dir.cameras);
    for (const c of this.dir.cameras) this.setCameraStatus(c.siteId, c.id, c.availability);
  }

  private incidentTooltip(i: Incident): HTMLElement {
    const w = words();
    return h(
      'div',
      {},
      h('strong', { text: `${w.priorities[i.priority]} · ${w.kinds[i.kind]}` }),
      h('div', { text: i.siteName }),
      h('div', { class: 'muted', text: `${i.gridCellName ?? t('noCell')} · ${w.statuses[i.status]}` }),
    );
  }

  private legend: L.Control | null = null;

  private addLegend(): void {
    const Legend = L.Control.extend({
      onAdd: () =>
        h(
          'div',
          { class: 'map-legend' },
          h('span', { class: 'lg lg-inc' }),
          h('span', { text: t('legendIncident') }),
          h('span', { class: 'lg lg-site' }),
          h('span', { text: t('legendSite') }),
          h('span', { class: 'lg lg-cam' }),
          h('span', { text: t('legendCamera') }),
          h('button', {
            class: 'btn btn-small',
            text: t('fitDistrict'),
            attrs: { type: 'button' },
            on: {
              click: (e) => {
                e.stopPropagation();
                this.fitDistrict();
              },
            },
          }),
        ),
    });
    this.legend = new Legend({ position: 'bottomleft' });
    this.legend.addTo(this.map);
  }

  /** The installer's centre and zoom; the whole grid when that view would not show it. */
  private fitInitial(): void {
    if (this.districtBounds && !this.map.getBounds().contains(this.districtBounds)) this.fitDistrict();
  }
}

/** What a site marker shows (place and tooltip): a change means drawing it again. */
function siteLook(s: SiteInfo): string {
  return JSON.stringify([s.location, s.name, s.doorPlate, s.pole]);
}
