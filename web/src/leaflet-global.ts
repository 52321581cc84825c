/**
 * leaflet.markercluster is a UMD plugin that extends the global `L`; importing this module first
 * gives it the bundled Leaflet (import order is evaluation order).
 */
import L from 'leaflet';

(window as unknown as { L: typeof L }).L = L;

export default L;
