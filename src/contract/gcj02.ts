/**
 * WGS-84 ⇄ GCJ-02 ("Mars coordinates").
 *
 * Why this exists: Chinese map pickers (Amap, Tencent, Baidu before its own BD-09 step) show and copy
 * GCJ-02 coordinates, which are WGS-84 shifted by a few hundred metres. An installer who copies a
 * site location from such a map writes `crs: gcj02`; the loader converts it to WGS-84, which is the
 * only datum SafeGrid stores. The console converts back when its tiles are GCJ-02.
 *
 * The forward transform is the widely published one (as in eviltransform, coordtransform): its
 * reference vectors are in test/unit/geo-gcj02.test.ts. There is no closed-form inverse; we solve it
 * by fixed-point iteration, which converges to well under a millimetre in a few steps because the
 * shift changes by only centimetres per metre.
 *
 * Pure and in src/contract/ because both sides use it: the loader (through src/geo/) and the console
 * pages, which convert back when their tiles are GCJ-02.
 */
import type { LatLng } from './alarm-event.js';

/** Krasovsky 1940 ellipsoid, as the published algorithm uses. */
const A = 6378245.0;
// biome-ignore lint/correctness/noPrecisionLoss: the published constant, digit for digit; the double it rounds to is what every implementation uses
const EE = 0.00669342162296594323;

/**
 * The rough rectangle the standard algorithm treats as "China". It is deliberately the same box as
 * every reference implementation (it also covers parts of neighbouring countries), so that our
 * numbers match the tiles and pickers installers use.
 */
export function isInChina(lat: number, lng: number): boolean {
  return lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
}

function transformLat(x: number, y: number): number {
  let ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  ret += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  ret += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  ret += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320.0 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  return ret;
}

function transformLng(x: number, y: number): number {
  let ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  ret += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  ret += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  ret += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  return ret;
}

/** The GCJ-02 shift (degrees) at a WGS-84 point inside China. */
function shift(lat: number, lng: number): LatLng {
  let dLat = transformLat(lng - 105.0, lat - 35.0);
  let dLng = transformLng(lng - 105.0, lat - 35.0);
  const radLat = (lat / 180.0) * Math.PI;
  let magic = Math.sin(radLat);
  magic = 1 - EE * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI);
  dLng = (dLng * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return [dLat, dLng];
}

/** WGS-84 → GCJ-02. Outside China (and for non-finite input) the input is returned unchanged. */
export function wgs84ToGcj02(lat: number, lng: number): LatLng {
  if (!isInChina(lat, lng)) return [lat, lng];
  const [dLat, dLng] = shift(lat, lng);
  return [lat + dLat, lng + dLng];
}

/** Stop when a step moves less than this (degrees, about 0.1 mm). */
const INVERSE_TOLERANCE_DEG = 1e-9;
const INVERSE_MAX_STEPS = 30;

/**
 * GCJ-02 → WGS-84 by fixed-point iteration: find w with forward(w) = g. Each step corrects w by the
 * remaining error forward(w) − g. Outside China the input is returned unchanged, as the standard
 * algorithm does (the test is made on the GCJ point; near the box edge that is what pickers do too).
 */
export function gcj02ToWgs84(lat: number, lng: number): LatLng {
  if (!isInChina(lat, lng)) return [lat, lng];
  let wLat = lat;
  let wLng = lng;
  for (let i = 0; i < INVERSE_MAX_STEPS; i++) {
    const [dLat, dLng] = shift(wLat, wLng);
    const errLat = wLat + dLat - lat;
    const errLng = wLng + dLng - lng;
    wLat -= errLat;
    wLng -= errLng;
    if (Math.abs(errLat) < INVERSE_TOLERANCE_DEG && Math.abs(errLng) < INVERSE_TOLERANCE_DEG) break;
  }
  return [wLat, wLng];
}
