/**
 * One test per class of installer mistake: each asserts that the report names the file, the line
 * and the field, and says what was expected.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, formatProblems, formatProblem, type LoadResult } from '../../src/config/index.js';
import { gcj02ToWgs84 } from '../../src/geo/index.js';
import type { Problem } from '../../src/core/problems.js';
import { ENV, GRIDS, HOME, HUB, SHOP, STATIONS, makeTree, removeTree, type Tree } from './config-fixture.js';

const ACME = readFileSync(join(import.meta.dirname, '../fixtures/config-acme-profile/acme.yaml'), 'utf8');

const roots: string[] = [];
afterEach(() => {
  while (roots.length) removeTree(roots.pop() as string);
});

function load(changes: Tree = {}, env: NodeJS.ProcessEnv = ENV): LoadResult {
  const root = makeTree(changes);
  roots.push(root);
  return loadConfig(root, { env });
}

/** Replaces one exact piece of a fixture, failing loudly if the fixture drifted. */
function edit(text: string, from: string, to: string): string {
  expect(text, `fixture contains ${JSON.stringify(from)}`).toContain(from);
  return text.replace(from, to);
}

function only(result: LoadResult, code: Problem['code']): Problem {
  const found = result.problems.filter((p) => p.code === code);
  expect(found, formatProblems(result.problems)).toHaveLength(1);
  return found[0] as Problem;
}

describe('a valid tree', () => {
  it('loads every site with its grid cell and station, and reports nothing', () => {
    const r = load();
    expect(formatProblems(r.problems)).toBe('');
    expect(r.heldBack).toEqual([]);
    const c = r.config!;
    expect(c.stations.map((s) => s.id)).toEqual(['city', 'hecheng']);
    expect(c.cells.map((x) => x.id)).toEqual(['cell-west', 'cell-east']);
    const shop = c.sites.find((s) => s.id === 'shop-1')!;
    expect(shop).toMatchObject({ gridCellId: 'cell-west', stationId: 'hecheng', sourceCrs: 'wgs84', doorPlate: '明湖路12号' });
    expect(shop.devices[0]).toMatchObject({
      heartbeatMs: 60_000,
      zones: [
        { number: 1, name: '前门', type: 'entry' },
        { number: 2, name: '仓库红外', type: 'interior' },
      ],
    });
    expect(shop.cameras[0]?.onvif?.password).toBe(ENV.CAM_SHOP1_PASS);
    expect(shop.cameras[0]?.location).toEqual(shop.location);
  });

  it('gives hub defaults for everything hub.yaml leaves out', () => {
    const r = load({ 'config/hub.yaml': '' });
    const hub = r.config!.hub;
    expect(hub.http).toEqual({ host: '0.0.0.0', port: 8080, trust_proxy: [], allowed_hosts: [], headers_timeout: 10_000, request_timeout: 30_000 });
    expect(hub.mqtt).toMatchObject({ mode: 'embedded', host: '0.0.0.0', port: 1883, url: null, tls: null });
    expect(hub.storage).toEqual({
      path: 'data/safegrid.db',
      mediaPath: 'data/media',
      auditAnchor: null,
      auditKey: null,
      backend: 'sqlite',
      url: null,
      password: null,
      poolSize: 10,
    });
    expect(hub.map.center).toEqual([26.594, 104.833]);
    expect(hub.map.zoom).toBe(14);
    expect(hub.map.tiles.url).toContain('{z}/{x}/{y}');
    expect(hub.triage.correlationWindowMs).toBeNull(); // deprecated (issue 12): no default
    expect(hub.triage.ackTimeoutMs).toEqual({ 1: 180_000, 2: 600_000, 3: 1_800_000, 4: 14_400_000 });
    expect(hub.usersFile).toBe('config/users.yaml');
    expect(hub.bridges).toEqual([]);
    expect(hub.timezone).toBe('Asia/Shanghai');
    expect(hub.triage.timezone).toBe('Asia/Shanghai');
  });

  it('the centre’s time zone (issue 13) is also the triage zone unless triage sets its own; a zone Node does not know is refused', () => {
    expect(load({ 'config/hub.yaml': `${HUB}timezone: Asia/Urumqi\n` }).config!.hub).toMatchObject({
      timezone: 'Asia/Urumqi',
      triage: { timezone: 'Asia/Urumqi' },
    });
    const own = load({ 'config/hub.yaml': `${HUB}  timezone: UTC\ntimezone: Asia/Urumqi\n` }).config!.hub;
    expect(own).toMatchObject({ timezone: 'Asia/Urumqi', triage: { timezone: 'UTC' } });
    const bad = load({ 'config/hub.yaml': `${HUB}timezone: Beijing\n` });
    expect(formatProblems(bad.problems)).toContain('timezone: got "Beijing"; expected an IANA time zone such as Asia/Shanghai');
  });

  it('gives a native device its default topic safegrid/<site>/<device>', () => {
    const r = load();
    const home = r.config!.sites.find((s) => s.id === 'home-2')!;
    expect(home.devices[0]?.topic).toBe('safegrid/home-2/hub');
  });
});

describe('one test per class of mistake', () => {
  it('an unknown key is named with its line and a "did you mean"', () => {
    const r = load({ 'devices/shop-1.yaml': edit(SHOP, '  address:', '  adress:') });
    const p = only(r, 'SG_CONFIG_UNKNOWN_KEY');
    expect(formatProblem(p)).toBe('devices/shop-1.yaml:5  site.adress: unknown key "adress"; did you mean "address"?');
    // The key it replaced is now missing, reported at the parent's line.
    expect(formatProblem(only(r, 'SG_CONFIG_MISSING_KEY'))).toBe('devices/shop-1.yaml:1  site.address: missing; expected the street address');
  });

  it('a bad port shows the value received and the range expected, and refuses to start', () => {
    const r = load({ 'config/hub.yaml': edit(HUB, 'port: 1883', 'port: 18830x') });
    expect(formatProblem(only(r, 'SG_CONFIG_INVALID_VALUE'))).toBe('config/hub.yaml:5  mqtt.port: got "18830x"; expected a whole number 1–65535');
    expect(r.config).toBeNull();
  });

  it('a duration without a unit is refused (seconds or milliseconds would be a guess)', () => {
    const r = load({ 'devices/shop-1.yaml': edit(SHOP, 'heartbeat: 60s', 'heartbeat: 60') });
    expect(formatProblem(only(r, 'SG_CONFIG_INVALID_VALUE'))).toBe(
      'devices/shop-1.yaml:13  devices[0].heartbeat: got 60; expected a duration such as "120s", "2m" or "1h"',
    );
    const hub = load({ 'config/hub.yaml': edit(HUB, 'correlation_window: 2m', 'correlation_window: 2 minutes') });
    expect(formatProblem(only(hub, 'SG_CONFIG_INVALID_VALUE'))).toMatch(
      /^config\/hub\.yaml:7  triage\.correlation_window: got "2 minutes"; expected a duration/,
    );
  });

  it('a missing required key is reported at its parent line', () => {
    const r = load({ 'devices/shop-1.yaml': edit(SHOP, '  kind: shop\n', '') });
    expect(formatProblem(only(r, 'SG_CONFIG_MISSING_KEY'))).toBe('devices/shop-1.yaml:1  site.kind: missing; expected home, shop or unit');
  });

  it('a value outside an enum lists the allowed values and the closest one', () => {
    const r = load({ 'devices/shop-1.yaml': edit(SHOP, 'kind: shop', 'kind: shopp') });
    expect(formatProblem(only(r, 'SG_CONFIG_INVALID_VALUE'))).toBe(
      'devices/shop-1.yaml:4  site.kind: got "shopp"; expected home, shop or unit; did you mean "shop"?',
    );
  });

  it('a duplicate device id in a site names the first one', () => {
    const r = load({ 'devices/shop-1.yaml': edit(SHOP, 'id: front-door', 'id: panel-1') });
    expect(formatProblem(only(r, 'SG_CONFIG_DUPLICATE_ID'))).toBe(
      'devices/shop-1.yaml:17  devices[1].id: device id "panel-1" is already used by devices[0] (line 10)',
    );
  });

  it('a duplicate site id across files holds back the second file', () => {
    const r = load({ 'devices/shop-9.yaml': SHOP.replace(/topic: (\S+)/g, 'topic: $1-9') });
    const p = only(r, 'SG_CONFIG_DUPLICATE_ID');
    expect(formatProblem(p)).toMatch(/^devices\/shop-9\.yaml:2  site\.id: site id "shop-1" is already used by devices\/shop-1\.yaml \(line 2\)/);
    expect(r.heldBack.map((h) => h.file)).toEqual(['devices/shop-9.yaml']);
    expect(r.config!.sites.map((s) => s.file)).toEqual(['devices/home-2.yaml', 'devices/shop-1.yaml']);
  });

  it('two devices on one topic across files are both named', () => {
    const home = `${HOME}  - id: door\n    profile: zigbee2mqtt\n    topic: zigbee2mqtt/shop1_front_door\n    zone: 1\n`;
    const r = load({ 'devices/home-2.yaml': home });
    const p = only(r, 'SG_CONFIG_DUPLICATE_TOPIC');
    // Files load in name order: home-2 first, so shop-1 is the one held back.
    expect(formatProblem(p)).toMatch(
      new RegExp(
        /^devices\/shop-1\.yaml:19  devices\[1\]\.topic: device "front-door": topic "zigbee2mqtt\/shop1_front_door" /.source +
          /is already used by device "door" in devices\/home-2\.yaml \(line 18\)/.source,
      ),
    );
    expect(r.heldBack.map((h) => h.siteId)).toEqual(['shop-1']);
  });

  it('a topic that collides only after the profile derives its topics is caught', () => {
    // zigbee2mqtt derives <topic>/availability; a second device bound to exactly that collides.
    const home = `${HOME}  - id: odd\n    profile: contact-id\n    topic: zigbee2mqtt/shop1_front_door/availability\n`;
    const r = load({ 'devices/home-2.yaml': home });
    expect(formatProblem(only(r, 'SG_CONFIG_DUPLICATE_TOPIC'))).toContain('(derived by profile "zigbee2mqtt" from "zigbee2mqtt/shop1_front_door")');
  });

  it('a site outside every grid cell names its location and the grid extent', () => {
    const r = load({ 'devices/shop-1.yaml': edit(SHOP, '[26.5951, 104.8152]', '[26.7, 104.8152]') });
    expect(formatProblem(only(r, 'SG_CONFIG_OUTSIDE_GRID'))).toBe(
      'devices/shop-1.yaml:7  site.location: location [26.7, 104.8152] is outside every grid cell; ' +
        'the grid covers lat 26.58…26.61, lng 104.8…104.86; check the order [lat, lng] and crs',
    );
    expect(r.heldBack.map((h) => h.siteId)).toEqual(['shop-1']);
  });

  it('a cell naming an unknown station is global, with a suggestion', () => {
    const r = load({ 'config/grids.geojson': GRIDS.replace('"station": "hecheng", "leader"', '"station": "hechen", "leader"') });
    expect(formatProblem(only(r, 'SG_CONFIG_UNKNOWN_REFERENCE'))).toBe(
      'config/grids.geojson:6  features[0].properties.station: no station "hechen" in config/stations.yaml; did you mean "hecheng"?',
    );
    expect(r.config).toBeNull();
  });

  it('a station whose parent does not exist is global', () => {
    const r = load({ 'config/stations.yaml': edit(STATIONS, 'parent: city', 'parent: citty') });
    expect(formatProblem(only(r, 'SG_CONFIG_UNKNOWN_REFERENCE'))).toBe('config/stations.yaml:8  stations[1].parent: no station "citty"; did you mean "city"?');
    expect(r.config).toBeNull();
  });

  it('an unknown profile lists what that vendor does have', () => {
    const shop = edit(SHOP, 'cameras:', '  - id: pir\n    profile: acme/pir-200\n    topic: acme/shop1/pir\n    zone: 2\ncameras:');
    const r = load({ 'devices/shop-1.yaml': shop, 'devices/profiles/acme.yaml': ACME });
    expect(formatProblem(only(r, 'SG_CONFIG_UNKNOWN_REFERENCE'))).toBe(
      'devices/shop-1.yaml:22  devices[2].profile: no profile "acme/pir-200"; acme has acme/door-1, acme/pir-100',
    );
    const typo = load({ 'devices/shop-1.yaml': edit(SHOP, 'profile: zigbee2mqtt', 'profile: zigbe2mqtt') });
    expect(only(typo, 'SG_CONFIG_UNKNOWN_REFERENCE').hint).toBe('did you mean "zigbee2mqtt"?');
  });

  it('a bridge with an unknown profile is global', () => {
    const r = load({ 'config/hub.yaml': `${HUB}bridges:\n  - id: nvr\n    profile: frigat\n    topic: frigate/events\n` });
    expect(formatProblem(only(r, 'SG_CONFIG_UNKNOWN_REFERENCE'))).toBe('config/hub.yaml:10  bridges[0].profile: no profile "frigat"; did you mean "frigate"?');
    expect(r.config).toBeNull();
  });

  it('a camera linked to a zone no device declares', () => {
    const r = load({ 'devices/shop-1.yaml': edit(SHOP, 'zones: [1, 2]', 'zones: [1, 3]') });
    expect(formatProblem(only(r, 'SG_CONFIG_UNKNOWN_REFERENCE'))).toBe(
      'devices/shop-1.yaml:24  cameras[0].zones[1]: zone 3 is not declared by any device of this site; declared zones: 1, 2',
    );
  });

  it('a camera’s allowed_hosts: hosts are kept; a URL or a port instead of a host is refused with what was expected (issue 16)', () => {
    const ok = load({
      'devices/shop-1.yaml': edit(SHOP, '    zones: [1, 2]\n', '    zones: [1, 2]\n    allowed_hosts: [192.0.2.11, nvr.shop-1.lan, "::1"]\n'),
    });
    expect(ok.problems).toEqual([]);
    expect(ok.config!.sites.find((s) => s.id === 'shop-1')!.cameras[0]!.allowedHosts).toEqual(['192.0.2.11', 'nvr.shop-1.lan', '::1']);
    const bad = load({ 'devices/shop-1.yaml': edit(SHOP, '    zones: [1, 2]\n', '    zones: [1, 2]\n    allowed_hosts: ["http://192.0.2.11:554"]\n') });
    expect(formatProblem(only(bad, 'SG_CONFIG_INVALID_VALUE'))).toMatch(
      new RegExp(
        /^devices\/shop-1\.yaml:\d+ {2}cameras\[0\]\.allowed_hosts\[0\]: got "http:\/\/192\.0\.2\.11:554"; /.source +
          /expected a host name or IP address without scheme or port/.source,
      ),
    );
  });

  it('a sensor reporting into a zone no panel declares', () => {
    const r = load({ 'devices/shop-1.yaml': edit(SHOP, '    zone: 1\n', '    zone: 7\n') });
    expect(formatProblem(only(r, 'SG_CONFIG_UNKNOWN_REFERENCE'))).toBe(
      'devices/shop-1.yaml:20  devices[1].zone: zone 7 is not declared by any device of this site; declared zones: 1, 2',
    );
  });

  it('an inline password in devices/ is refused and never echoed', () => {
    const r = load({ 'devices/shop-1.yaml': edit(SHOP, 'password_env: CAM_SHOP1_PASS', 'password: hunter2') });
    const p = only(r, 'SG_CONFIG_SECRET_INLINE');
    expect(formatProblem(p)).toMatch(/^devices\/shop-1\.yaml:23  cameras\[0\]\.onvif\.password: a password written inline \(value not shown\)/);
    expect(p.hint).toContain('password_env');
    expect(JSON.stringify(r.problems)).not.toContain('hunter2');
    expect(r.heldBack.map((h) => h.siteId)).toEqual(['shop-1']);
  });

  it('a password inside an RTSP URL is refused and never echoed', () => {
    const r = load({ 'devices/shop-1.yaml': edit(SHOP, '    zones: [1, 2]\n', '    zones: [1, 2]\n    rtsp: rtsp://admin:hunter2@192.0.2.10/stream1\n') });
    expect(only(r, 'SG_CONFIG_SECRET_INLINE').line).toBe(25);
    expect(formatProblems(r.problems)).not.toContain('hunter2');
  });

  it('an unset camera password is a warning: the camera is unusable, the site and hub run', () => {
    const r = load({}, {});
    const p = only(r, 'SG_CONFIG_SECRET_MISSING');
    expect(p.severity).toBe('warning');
    expect(formatProblem(p)).toBe(
      'devices/shop-1.yaml:23  warning: cameras[0].onvif.password_env: environment variable CAM_SHOP1_PASS is not set, so this camera stays unused; set ' +
        "CAM_SHOP1_PASS in the hub's environment",
    );
    expect(r.heldBack).toEqual([]);
    const cam = r.config!.sites.find((s) => s.id === 'shop-1')!.cameras[0]!;
    expect(cam.onvif?.password).toBeNull();
    expect(cam.disabledReason).toBe('environment variable CAM_SHOP1_PASS is not set');
  });

  it('password_file_key resolves from the secrets file, which may not live under devices/', () => {
    const shop = edit(SHOP, 'password_env: CAM_SHOP1_PASS', 'password_file_key: cam_shop1');
    const ok = load({ 'devices/shop-1.yaml': shop, 'config/secrets.yaml': 'cam_shop1: "from-file"\n' });
    expect(ok.config!.sites.find((s) => s.id === 'shop-1')!.cameras[0]!.onvif?.password).toBe('from-file');
    const missing = load({ 'devices/shop-1.yaml': shop });
    expect(only(missing, 'SG_CONFIG_SECRET_MISSING').message).toContain('secrets file config/secrets.yaml does not exist');
    const bad = load({ 'config/hub.yaml': `${HUB}secrets: devices/secrets.yaml\n` });
    expect(formatProblem(only(bad, 'SG_CONFIG_INVALID_VALUE'))).toMatch(
      /^config\/hub\.yaml:8  secrets: got "devices\/secrets\.yaml"; expected a path outside devices\//,
    );
    expect(bad.config).toBeNull();
  });

  it('an unquoted phone number is refused with the quoted form as hint', () => {
    const r = load({ 'devices/shop-1.yaml': edit(SHOP, 'phone: "13800000000"', 'phone: 13800000000') });
    const p = only(r, 'SG_CONFIG_INVALID_VALUE');
    expect(formatProblem(p)).toMatch(/^devices\/shop-1\.yaml:8  site\.contacts\[0\]\.phone: got 13800000000; expected a phone number in quotes/);
    expect(p.hint).toBe('write it in quotes: "13800000000"');
  });

  it('malformed YAML reports the line the parser stopped at', () => {
    const r = load({ 'devices/shop-1.yaml': edit(SHOP, 'zones: [1, 2]', 'zones: [1, 2') });
    const p = only(r, 'SG_CONFIG_PARSE');
    expect(p.file).toBe('devices/shop-1.yaml');
    expect(p.line).toBeGreaterThanOrEqual(24);
    expect(formatProblem(p)).toMatch(/^devices\/shop-1\.yaml:\d+  not valid YAML: /);
    expect(r.heldBack).toEqual([{ file: 'devices/shop-1.yaml', siteId: 'shop-1', problems: [p] }]);
  });

  it('malformed GeoJSON: an unclosed ring and a ring of 3 points are named by line', () => {
    const unclosed = GRIDS.replace('[104.80, 26.61], [104.80, 26.58]]]', '[104.80, 26.61], [104.80, 26.59]]]');
    const r = load({ 'config/grids.geojson': unclosed });
    const p = only(r, 'SG_CONFIG_GRID_GEOMETRY');
    expect(formatProblem(p)).toBe(
      'config/grids.geojson:9  features[0].geometry.coordinates[0][4]: ring is not closed: it starts at [104.8,26.58] and ends at [104.8,26.59]; repeat ' +
        'the first position [104.8,26.58] as the last one',
    );
    expect(r.config).toBeNull();
    const short = load({
      'config/grids.geojson': GRIDS.replace(
        '[[[104.83, 26.58], [104.86, 26.58], [104.86, 26.61], [104.83, 26.61], [104.83, 26.58]]]',
        '[[[104.83, 26.58], [104.86, 26.58], [104.83, 26.58]]]',
      ),
    });
    expect(formatProblem(only(short, 'SG_CONFIG_GRID_GEOMETRY'))).toBe(
      'config/grids.geojson:17  features[1].geometry.coordinates[0]: a ring of 3 positions; expected at least 4 (a triangle plus the closing point)',
    );
  });

  it('a geometry mistake in one cell does not hide a station typo in another: both are reported at once', () => {
    const both = GRIDS.replace('[104.80, 26.61], [104.80, 26.58]]]', '[104.80, 26.61], [104.80, 26.59]]]').replace(
      '"station": "hecheng" }',
      '"station": "hechen" }',
    );
    expect(both).toContain('"hechen" }');
    const r = load({ 'config/grids.geojson': both });
    expect(only(r, 'SG_CONFIG_GRID_GEOMETRY').path).toBe('features[0].geometry.coordinates[0][4]');
    const typo = only(r, 'SG_CONFIG_UNKNOWN_REFERENCE');
    expect(formatProblem(typo)).toMatch(
      /^config\/grids\.geojson:\d+  features\[1\]\.properties\.station: no station "hechen" in config\/stations\.yaml; did you mean "hecheng"\?$/,
    );
  });

  it('GeoJSON that is not JSON reports a line', () => {
    const r = load({ 'config/grids.geojson': GRIDS.replace('"type": "Feature",', '"type": "Feature"') });
    const p = only(r, 'SG_CONFIG_PARSE');
    expect(p.file).toBe('config/grids.geojson');
    expect(p.line).toBeGreaterThan(1);
  });

  it('a missing global file is named', () => {
    const r = load({ 'config/stations.yaml': null });
    expect(formatProblem(only(r, 'SG_CONFIG_FILE_MISSING'))).toMatch(/^config\/stations\.yaml  file not found/);
    expect(r.config).toBeNull();
  });
});

describe('reporting', () => {
  it('reports every mistake of a file at once (3 errors → 3 problems)', () => {
    let shop = edit(SHOP, 'kind: shop', 'kind: shopp');
    shop = edit(shop, 'heartbeat: 60s', 'heartbeat: often');
    shop = edit(shop, 'profile: zigbee2mqtt', 'profile: zigbe2mqtt');
    const r = load({ 'devices/shop-1.yaml': shop });
    expect(r.problems.map((p) => [p.line, p.path])).toEqual([
      [4, 'site.kind'],
      [13, 'devices[0].heartbeat'],
      [18, 'devices[1].profile'],
    ]);
    expect(formatProblems(r.problems).split('\n').at(-1)).toBe('3 problems. Fix them, then run `safegrid check`.');
  });

  it('a broken site file holds back only that site', () => {
    const r = load({ 'devices/shop-1.yaml': edit(SHOP, 'kind: shop', 'kind: mall') });
    expect(r.config).not.toBeNull();
    expect(r.config!.sites.map((s) => s.id)).toEqual(['home-2']);
    expect(r.heldBack).toHaveLength(1);
    expect(r.heldBack[0]).toMatchObject({ file: 'devices/shop-1.yaml', siteId: 'shop-1' });
    expect(r.heldBack[0]!.problems[0]!.path).toBe('site.kind');
  });

  it('a GCJ-02 location (from a Chinese map picker) is stored as WGS-84', () => {
    const gcj: [number, number] = [26.5925, 104.8202];
    const shop = edit(SHOP, 'location: [26.5951, 104.8152]', `location: [${gcj[0]}, ${gcj[1]}]\n  crs: gcj02`);
    const r = load({ 'devices/shop-1.yaml': shop });
    expect(formatProblems(r.problems)).toBe('');
    const site = r.config!.sites.find((s) => s.id === 'shop-1')!;
    const [lat, lng] = gcj02ToWgs84(gcj[0], gcj[1]);
    expect(site.sourceCrs).toBe('gcj02');
    expect(site.location[0]).toBeCloseTo(lat, 6);
    expect(site.location[1]).toBeCloseTo(lng, 6);
    // The offset in this part of China is a few hundred metres: the conversion really happened.
    expect(Math.abs(site.location[1] - gcj[1])).toBeGreaterThan(0.002);
    expect(site.gridCellId).toBe('cell-west');
  });
});
