/**
 * ConfigDirectory and RunningConfig: lookups by id into one loaded Config, and the swap on reload.
 * Pure data in, answers out; one real config tree at the end checks the loader's output fits.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { ancestors, audience, audienceLookup, type Scoped } from '../../src/auth/scope.js';
import { ConfigDirectory } from '../../src/config/directory.js';
import type { Camera, Config, GridCell, Site, Station } from '../../src/config/model.js';
import { RunningConfig } from '../../src/config/running.js';
import type { ProfileRegistry } from '../../src/profiles/types.js';
import { ENV, makeTree, removeTree } from './config-fixture.js';

const station = (id: string, name: string, parent: string | null): Station => ({ id, name, tier: parent ? 'station' : 'city', parent, location: null });
const cell = (id: string, name: string): GridCell => ({ id, name, community: 'c', station: 'st-1', leader: null, phone: null, polygons: [] });
const camera = (siteId: string, id: string): Camera => ({
  id,
  siteId,
  name: `${siteId}/${id}`,
  onvif: null,
  rtsp: 'rtsp://192.0.2.1/s',
  rtspLogin: null,
  frigateName: null,
  zones: [],
  location: [26.6, 104.8],
});
const site = (id: string, name: string, cameras: Camera[] = []): Site => ({
  id,
  name,
  kind: 'shop',
  address: 'a',
  doorPlate: '1',
  pole: null,
  location: [26.6, 104.8],
  sourceCrs: 'wgs84',
  contacts: [{ name: 'n', phone: '1' }],
  guardGroup: null,
  guardFirst: false,
  verbalPassword: null,
  mqttUsername: null,
  mqttPassword: null,
  gridCellId: null,
  stationId: null,
  devices: [],
  cameras,
  file: `devices/${id}.yaml`,
});

const config = {
  sites: [site('shop-1', '五金店', [camera('shop-1', 'cam-1'), camera('shop-1', 'cam-2')]), site('home-1', '王家', [camera('home-1', 'cam-1')])],
  cells: [cell('cell-a', '一网格'), cell('cell-b', '二网格')],
  stations: [station('city', '指挥中心', null), station('st-1', '荷城派出所', 'city')],
};
const directory = new ConfigDirectory(config);

describe('ConfigDirectory', () => {
  it.each([
    ['siteName', 'shop-1', '五金店'],
    ['siteName', 'home-1', '王家'],
    ['siteName', 'nowhere', null],
    ['cellName', 'cell-b', '二网格'],
    ['cellName', 'cell-z', null],
    ['stationName', 'st-1', '荷城派出所'],
    ['stationName', 'st-9', null],
    ['stationParent', 'st-1', 'city'],
    ['stationParent', 'city', null],
    ['stationParent', 'st-9', null],
  ] as const)('%s(%s) is %s', (lookup, id, expected) => {
    expect(directory[lookup](id)).toBe(expected);
  });

  it.each([
    ['shop-1', 'cam-2', 'shop-1/cam-2'],
    ['home-1', 'cam-1', 'home-1/cam-1'],
    // Camera ids are unique within a site only: the same id elsewhere is another camera, or none.
    ['home-1', 'cam-2', undefined],
    ['nowhere', 'cam-1', undefined],
  ])('camera(%s, %s) is %s', (siteId, cameraId, name) => {
    expect(directory.camera(siteId, cameraId)?.name).toBe(name);
  });

  it('answers the very objects of the config (no copies)', () => {
    expect(directory.site('home-1')).toBe(config.sites[1]);
    expect(directory.cell('cell-a')).toBe(config.cells[0]);
    expect(directory.station('city')).toBe(config.stations[0]);
    expect(directory.site('nowhere')).toBeUndefined();
  });

  it('answers the sites that have a camera id (ids repeat across sites), in file order', () => {
    expect(directory.sitesWithCamera('cam-1').map((s) => s.id)).toEqual(['shop-1', 'home-1']);
    expect(directory.sitesWithCamera('cam-2')).toEqual([config.sites[0]]);
    expect(directory.sitesWithCamera('cam-9')).toEqual([]);
  });

  it('answers a station and every station above it, walked once per config, as scope.ts `ancestors` walks the list', () => {
    const tree = [
      station('city', 'c', null),
      station('ps-1', 'p', 'city'),
      station('cp-1', 'post', 'ps-1'),
      { ...station('fire', 'f', null), tier: 'fire' as const },
    ];
    // A loop (the loader reports it) ends the walk instead of spinning.
    const loop = [station('a', 'a', 'b'), station('b', 'b', 'a')];
    for (const stations of [tree, loop]) {
      const d = new ConfigDirectory({ sites: [], cells: [], stations });
      for (const id of [...stations.map((s) => s.id), 'unknown']) expect(d.stationAncestors(id), id).toEqual(ancestors(stations, id));
    }
    expect(new ConfigDirectory({ sites: [], cells: [], stations: tree }).stationAncestors('cp-1')).toEqual(['cp-1', 'ps-1', 'city']);
  });

  it('gives audience() the same rooms as the lists do, for every site and station (the push path reads the directory)', () => {
    const stations = [
      station('city', 'c', null),
      station('st-1', 'p', 'city'),
      station('st-2', 'q', 'city'),
      { ...station('fire', 'f', null), tier: 'fire' as const },
    ];
    const sites = [
      { ...site('shop-1', 'a'), stationId: 'st-1', guardGroup: 'team-1' },
      { ...site('home-1', 'b'), stationId: 'st-2', guardGroup: null },
      { ...site('lost', 'c'), stationId: null, guardGroup: 'team-1' },
    ];
    const d = new ConfigDirectory({ sites, cells: [], stations });
    const lists = audienceLookup({ sites, stations });
    const items: Scoped[] = [];
    for (const s of [...sites.map((x) => x.id), 'nowhere']) {
      items.push({ siteId: s });
      for (const st of [null, ...stations.map((x) => x.id)]) {
        items.push({ siteId: s, stationId: st }, { siteId: s, stationId: st, responsibleStationId: 'fire', communityPostId: null });
      }
    }
    for (const item of items) expect(audience(item, d), JSON.stringify(item)).toEqual(audience(item, lists));
  });

  it('keeps the first of two entries with one id, as a search of the list would', () => {
    const twice = new ConfigDirectory({ sites: [site('s', 'first'), site('s', 'second')], cells: [], stations: [] });
    expect(twice.siteName('s')).toBe('first');
  });
});

describe('RunningConfig', () => {
  const profiles = {} as ProfileRegistry;
  const full = (c: Pick<Config, 'sites' | 'cells' | 'stations'>): Config => ({ dir: '/x', devicesDir: '/x/devices', hub: {} as Config['hub'], ...c });

  it('swaps config, directory, profiles and problems together on replace', () => {
    const running = new RunningConfig({ config: full(config), profiles, problems: [] });
    const before = running.directory;
    expect(running.siteName('shop-1')).toBe('五金店');

    const renamed = { ...config, sites: [site('shop-1', '新五金店')] };
    const problem = { code: 'SG_CONFIG_INVALID_VALUE', severity: 'warning', file: 'f', line: 1, path: '', message: 'm' } as const;
    running.replace({ config: full(renamed), profiles, problems: [problem] });

    expect(running.directory).not.toBe(before);
    expect(running.config.sites).toBe(renamed.sites);
    expect(running.problems).toEqual([problem]);
    // Name lookups (dispatch holds the RunningConfig itself) answer from the new config at once.
    expect(running.siteName('shop-1')).toBe('新五金店');
    expect(running.siteName('home-1')).toBeNull();
    expect(running.stationParent('st-1')).toBe('city');
  });
});

describe('ConfigDirectory of a loaded config', () => {
  const root = makeTree();
  afterAll(() => removeTree(root));

  it('finds every site, cell and station the loader produced', () => {
    const loaded = loadConfig(root, { env: ENV });
    const c = loaded.config as Config;
    expect(c).not.toBeNull();
    const d = new ConfigDirectory(c);
    for (const s of c.sites) expect(d.site(s.id)).toBe(s);
    for (const x of c.cells) expect(d.cellName(x.id)).toBe(x.name);
    for (const x of c.stations) expect(d.stationParent(x.id)).toBe(x.parent);
  });
});
