/**
 * What a guard taps on a card to act without typing: the site's contacts as `tel:` links and the
 * site as navigation links. Built from the directory alone: no network is needed to render them.
 *
 * - `geo:` (RFC 5870) takes WGS-84, which the hub stores; Android hands it to any map app.
 * - Amap (高德) takes GCJ-02 (`coordinate=gaode`), so the WGS-84 location is shifted first; its
 *   `uri.amap.com/marker` URL opens the app when installed and the web map otherwise.
 */
import type { LatLng } from '../../src/contract/alarm-event.js';
import { wgs84ToGcj02 } from '../../src/contract/gcj02.js';

/** A phone number as a `tel:` URL: digits, `+`, `-` and `,` only (text from config, never trusted as a URL). */
export function telUrl(phone: string): string | null {
  const cleaned = phone.replace(/[^\d+,-]/g, '');
  return /\d{3,}/.test(cleaned) ? `tel:${cleaned}` : null;
}

const fixed = (n: number): string => n.toFixed(6);

export function geoUrl([lat, lng]: LatLng, label: string): string {
  return `geo:${fixed(lat)},${fixed(lng)}?q=${fixed(lat)},${fixed(lng)}(${encodeURIComponent(label)})`;
}

export function amapUrl([lat, lng]: LatLng, label: string): string {
  const [glat, glng] = wgs84ToGcj02(lat, lng);
  const q = new URLSearchParams({ position: `${fixed(glng)},${fixed(glat)}`, name: label, coordinate: 'gaode', callnative: '1' });
  return `https://uri.amap.com/marker?${q.toString()}`;
}
