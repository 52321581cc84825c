import { describe, expect, it } from 'vitest';
import { gcj02ToWgs84, isInChina, wgs84ToGcj02 } from '../../src/geo/index.js';

/** Metres between two nearby points (equirectangular; exact enough below a kilometre). */
function metres(a: [number, number], b: [number, number]): number {
  const k = 6_371_008.8 * (Math.PI / 180);
  const dy = (a[0] - b[0]) * k;
  const dx = (a[1] - b[1]) * k * Math.cos((((a[0] + b[0]) / 2) * Math.PI) / 180);
  return Math.hypot(dx, dy);
}

// Published test vectors of the reference implementation (github.com/googollee/eviltransform),
// [wgsLat, wgsLng, gcjLat, gcjLng].
const REFERENCE: Array<[string, number, number, number, number]> = [
  ['Shanghai', 31.1774276, 121.5272106, 31.17530398364597, 121.531541859215],
  ['Shenzhen', 22.543847, 113.912316, 22.540796131694766, 113.9171764808363],
  ['Beijing', 39.911954, 116.377817, 39.91334545536069, 116.38404722455657],
];

describe('WGS-84 → GCJ-02', () => {
  it.each(REFERENCE)('matches the published reference shift in %s, so sites line up with Chinese map pickers', (_, wLat, wLng, gLat, gLng) => {
    const [lat, lng] = wgs84ToGcj02(wLat, wLng);
    expect(lat).toBeCloseTo(gLat, 9);
    expect(lng).toBeCloseTo(gLng, 9);
  });

  it('shifts a Liupanshui site by a few hundred metres, as Amap tiles are offset there', () => {
    const wgs: [number, number] = [26.594, 104.833];
    const offset = metres(wgs, wgs84ToGcj02(...wgs));
    expect(offset).toBeGreaterThan(100);
    expect(offset).toBeLessThan(700);
  });

  it('leaves points outside China unchanged, as every reference implementation does', () => {
    expect(wgs84ToGcj02(39.7392, -104.9903)).toEqual([39.7392, -104.9903]); // Denver
    expect(wgs84ToGcj02(-27.4698, 153.0251)).toEqual([-27.4698, 153.0251]); // Brisbane
    expect(gcj02ToWgs84(51.5074, -0.1278)).toEqual([51.5074, -0.1278]); // London
    expect(isInChina(26.594, 104.833)).toBe(true);
    expect(isInChina(39.7392, -104.9903)).toBe(false);
  });
});

describe('GCJ-02 → WGS-84', () => {
  it.each(REFERENCE)('recovers the WGS-84 point of the %s reference pair to within a centimetre', (_, wLat, wLng, gLat, gLng) => {
    expect(metres([wLat, wLng], gcj02ToWgs84(gLat, gLng))).toBeLessThan(0.01);
  });

  it('a location copied from a Chinese map picker anywhere in China lands within half a metre of the true spot', () => {
    let worst = 0;
    let checked = 0;
    for (let lat = 18.5; lat <= 53.5; lat += 0.7) {
      for (let lng = 73.7; lng <= 134.7; lng += 0.9) {
        if (!isInChina(lat, lng)) continue;
        const gcj = wgs84ToGcj02(lat, lng);
        if (!isInChina(...gcj)) continue; // shifted across the box edge: the standard algorithm gives up there too
        worst = Math.max(worst, metres([lat, lng], gcj02ToWgs84(...gcj)));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3000);
    expect(worst).toBeLessThan(0.5);
  });
});
