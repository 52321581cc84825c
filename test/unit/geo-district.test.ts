/**
 * The sample district (config/grids.geojson, config/stations.yaml, devices/*.yaml) is what a new
 * installer and every demo see first; these checks keep scripts/gen-district.ts honest.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { GridCell } from '../../src/contract/grid-cell.js';
import { GridIndex, gcj02ToWgs84, seededRandom } from '../../src/geo/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Feature {
  type: 'Feature';
  properties: { id: string; name: string; community: string; station: string; leader: string; phone: string };
  geometry: { type: 'Polygon'; coordinates: number[][][] };
}
const features = (JSON.parse(readFileSync(join(ROOT, 'config/grids.geojson'), 'utf8')) as { features: Feature[] }).features;
const cells: GridCell[] = features.map((f) => ({ ...f.properties, polygons: [f.geometry.coordinates] }));
const index = new GridIndex(cells);
const stations = (
  parse(readFileSync(join(ROOT, 'config/stations.yaml'), 'utf8')) as {
    stations: Array<{ id: string; name: string; tier: string; parent: string | null; location: [number, number] }>;
  }
).stations;
const siteFiles = readdirSync(join(ROOT, 'devices')).filter((f) => f.endsWith('.yaml'));
const sites = siteFiles.map((f) => ({ file: f, ...(parse(readFileSync(join(ROOT, 'devices', f), 'utf8')) as SiteFile) }));

interface SiteFile {
  site: { id: string; kind: string; location: [number, number]; crs: 'wgs84' | 'gcj02'; guard_group: string; door_plate: string };
  devices: Array<{ id: string; profile: string; topic: string; zone?: number; zones?: Record<string, { name: string; type: string }> }>;
  cameras?: Array<{ id: string; zones: number[]; onvif: { password_env: string } }>;
}

const coords = features.flatMap((f) => f.geometry.coordinates.flat());
const bounds = {
  west: Math.min(...coords.map((p) => p[0]!)),
  east: Math.max(...coords.map((p) => p[0]!)),
  south: Math.min(...coords.map((p) => p[1]!)),
  north: Math.max(...coords.map((p) => p[1]!)),
};

describe('sample district grid (钟山区)', () => {
  it('covers about 6 km × 5 km around central Zhongshan with at least 30 cells', () => {
    expect(cells.length).toBeGreaterThanOrEqual(30);
    expect((bounds.east - bounds.west) * 99.55).toBeCloseTo(6, 0);
    expect((bounds.north - bounds.south) * 110.9).toBeCloseTo(5, 0);
    expect(index.locate(26.594, 104.833)).not.toBeNull();
  });

  it('has no gap and no overlap: every point of the district is in exactly one cell', () => {
    const singles = cells.map((c) => new GridIndex([c]));
    const rand = seededRandom(99);
    for (let k = 0; k < 3000; k++) {
      const lat = bounds.south + rand() * (bounds.north - bounds.south);
      const lng = bounds.west + rand() * (bounds.east - bounds.west);
      expect(singles.filter((g) => g.locate(lat, lng) !== null)).toHaveLength(1);
    }
  });

  it('writes closed rings rounded to 6 decimals, and every cell names its leader and an 11-digit mobile', () => {
    for (const f of features) {
      for (const ring of f.geometry.coordinates) {
        expect(ring[0]).toEqual(ring[ring.length - 1]);
        for (const [x, y] of ring as Array<[number, number]>) {
          expect(Math.round(x * 1e6) / 1e6).toBe(x);
          expect(Math.round(y * 1e6) / 1e6).toBe(y);
        }
      }
      expect(f.properties.phone).toMatch(/^1[358]\d{9}$/);
      expect(f.properties.leader.length).toBeGreaterThanOrEqual(2);
    }
  });

  it('the lake of 明湖 is a hole in its cell and the park inside it is its own cell', () => {
    const withHole = features.find((f) => f.geometry.coordinates.length > 1);
    expect(withHole).toBeDefined();
    const lake = withHole!.geometry.coordinates[1]!;
    const [lng, lat] = [lake.reduce((s, p) => s + p[0]!, 0) / lake.length, lake.reduce((s, p) => s + p[1]!, 0) / lake.length];
    const found = index.locate(lat, lng);
    expect(found?.id).not.toBe(withHole!.properties.id);
    expect(found?.name).toBe('明湖湿地公园网格');
  });

  it('every cell is routed to a police station, and each station covers one connected area', () => {
    const stationIds = stations.filter((s) => s.tier === 'station').map((s) => s.id);
    expect(stationIds).toHaveLength(3);
    const city = stations.find((s) => s.tier === 'city')!;
    expect(city.name).toBe('六盘水市公安局110指挥中心');
    for (const s of stations) if (s.tier === 'station') expect(s.parent).toBe(city.id);
    for (const s of stations) if (s.tier === 'community') expect(stationIds).toContain(s.parent);
    for (const c of cells) expect(stationIds).toContain(c.station);

    // Cells are neighbours when they share an edge: two consecutive vertices, the very same numbers.
    const edgeKeys = (c: GridCell): Set<string> => {
      const keys = new Set<string>();
      for (const ring of c.polygons.flat()) {
        for (let i = 0; i + 1 < ring.length; i++) keys.add([ring[i]!.join(), ring[i + 1]!.join()].sort().join('|'));
      }
      return keys;
    };
    const edges = new Map(cells.map((c) => [c.id, edgeKeys(c)]));
    const touches = (a: GridCell, b: GridCell): boolean => [...edges.get(a.id)!].some((k) => edges.get(b.id)!.has(k));
    for (const station of stationIds) {
      const own = cells.filter((c) => c.station === station);
      const seen = new Set([own[0]!.id]);
      const queue = [own[0]!];
      while (queue.length) {
        const c = queue.pop()!;
        for (const d of own) if (!seen.has(d.id) && touches(c, d)) seen.add(d.id) && queue.push(d);
      }
      expect(seen.size, station).toBe(own.length);
    }
  });
});

describe('sample district sites', () => {
  it('has at least 20 sites spread over all three stations, each inside a grid cell', () => {
    expect(sites.length).toBeGreaterThanOrEqual(20);
    const perStation = new Map<string, number>();
    for (const s of sites) {
      const [lat, lng] = s.site.crs === 'gcj02' ? gcj02ToWgs84(...s.site.location) : s.site.location;
      const cell = index.locate(lat, lng);
      expect(cell, s.file).not.toBeNull();
      perStation.set(cell!.station, (perStation.get(cell!.station) ?? 0) + 1);
      expect(s.file).toBe(`${s.site.id}.yaml`);
    }
    expect(perStation.size).toBe(3);
    expect(sites.filter((s) => s.site.crs === 'gcj02').length).toBeGreaterThanOrEqual(2);
  });

  it('binds every device to its own topic, so no alarm can be credited to the wrong site', () => {
    const topics = sites.flatMap((s) => s.devices.map((d) => d.topic));
    expect(new Set(topics).size).toBe(topics.length);
  });

  it('uses only built-in profiles with their topic conventions, and every referenced zone exists', () => {
    const conventions: Record<string, (site: string, device: string) => RegExp> = {
      native: (s, d) => new RegExp(`^safegrid/${s}/${d}$`),
      // Each site's zigbee2mqtt on its own base_topic (issue 17).
      zigbee2mqtt: (s) => new RegExp(`^zigbee2mqtt-${s}/[a-z0-9_]+$`),
      'contact-id': (s) => new RegExp(`^alarms/${s}/cid$`),
      homeassistant: () => /^homeassistant\/alarm_control_panel\/[a-z0-9_]+\/state$/,
    };
    for (const s of sites) {
      const zones = new Set(s.devices.flatMap((d) => Object.keys(d.zones ?? {}).map(Number)));
      for (const d of s.devices) {
        expect(Object.keys(conventions), `${s.file} ${d.id}`).toContain(d.profile);
        expect(d.topic).toMatch(conventions[d.profile]!(s.site.id, d.id));
        if (d.zone !== undefined) expect(zones, `${s.file} ${d.id}`).toContain(d.zone);
      }
      for (const c of s.cameras ?? []) for (const z of c.zones) expect(zones, `${s.file} ${c.id}`).toContain(z);
      if (s.site.kind === 'shop') expect(s.cameras?.length ?? 0).toBeGreaterThan(0);
    }
  });
});
