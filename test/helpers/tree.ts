/**
 * A small, known district written to a temporary folder: 4 cells in a 2×2 block, 2 stations under
 * the city centre, and two sites whose devices cover every built-in profile. Integration tests use
 * it instead of the sample district so that they do not change when the sample grows.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LAT0 = 26.59;
const LNG0 = 104.83;
const D = 0.01;

function square(lat: number, lng: number): number[][][] {
  return [
    [
      [lng, lat],
      [lng + D, lat],
      [lng + D, lat + D],
      [lng, lat + D],
      [lng, lat],
    ],
  ];
}

export const TREE_CELLS = [
  { id: 'cell-sw', name: '荷城街道第1网格', station: 'ps-hecheng', lat: LAT0, lng: LNG0 },
  { id: 'cell-se', name: '荷城街道第2网格', station: 'ps-hecheng', lat: LAT0, lng: LNG0 + D },
  { id: 'cell-nw', name: '明湖社区第1网格', station: 'ps-minghu', lat: LAT0 + D, lng: LNG0 },
  { id: 'cell-ne', name: '明湖社区第2网格', station: 'ps-minghu', lat: LAT0 + D, lng: LNG0 + D },
];

export const HUB_YAML = `# test hub
# Ports come from the test (0 = pick a free one), not from this file.
http:
  host: 127.0.0.1
mqtt:
  mode: embedded
  host: 127.0.0.1
  auth: required
storage:
  path: data/test.db
triage:
  correlation_window: 120s
bridges:
  - id: frigate-main
    profile: frigate
    topic: frigate/events
    mqtt: { username: frigate, password_env: MQTT_FRIGATE_PASS }
`;

/**
 * MQTT logins of the test district, user name → password. Some passwords come from the
 * environment the tests pass (TREE_ENV), some from the tree's config/secrets.yaml, so both kinds
 * of reference are exercised. Each is distinctive, so a test can search the logs for it.
 */
export const TREE_LOGINS: Readonly<Record<string, string>> = {
  'shop-a': 'pw-shop-a-Vq7xK2',
  'shop-a-panel': 'pw-shop-a-panel-Jm4sT9',
  'shop-a-door': 'pw-shop-a-door-Rb8nW3',
  'home-b': 'pw-home-b-Lc5pZ1',
  'home-c': 'pw-home-c-Hd2vQ6',
  frigate: 'pw-frigate-Xe9gY4',
};

/** Environment the test hub runs with: the passwords referenced by password_env. */
export const TREE_ENV: Readonly<Record<string, string>> = {
  MQTT_SHOP_A_PASS: TREE_LOGINS['shop-a']!,
  MQTT_SHOP_A_DOOR_PASS: TREE_LOGINS['shop-a-door']!,
  MQTT_FRIGATE_PASS: TREE_LOGINS.frigate!,
  /** shop-a's verbal password (口令) for 业主撤警 (issue 12). */
  VERBAL_SHOP_A: '芝麻开门-Tq3',
};

/** config/secrets.yaml of the tree: the passwords referenced by password_file_key. */
export const SECRETS_YAML = `# test secrets (password_file_key references)
mqtt_shop-a-panel: "${TREE_LOGINS['shop-a-panel']}"
mqtt_home-b: "${TREE_LOGINS['home-b']}"
mqtt_home-c: "${TREE_LOGINS['home-c']}"
`;

export const STATIONS_YAML = `stations:
  - id: city-110
    name: 六盘水市公安局110指挥中心
    tier: city
    parent: null
    location: [26.5936, 104.8302]
  - id: ps-hecheng
    name: 钟山分局荷城派出所
    tier: station
    parent: city-110
    location: [26.595, 104.835]
    units:
      - { id: hc-car-1, name: 荷城巡逻车1组, kind: patrol_car, officers: [{ name: 李明, phone: "13908580101" }] }
      - { id: hc-team, name: 荷城保安队, kind: security_team }
  - id: ps-minghu
    name: 钟山分局明湖派出所
    tier: station
    parent: city-110
    location: [26.605, 104.835]
    units:
      - { id: mh-car-1, name: 明湖巡逻车1组, kind: patrol_car, officers: [{ name: 周杰, phone: "13908580301" }] }
`;

export function gridsGeoJson(): string {
  return JSON.stringify(
    {
      type: 'FeatureCollection',
      features: TREE_CELLS.map((c) => ({
        type: 'Feature',
        properties: { id: c.id, name: c.name, community: c.name.slice(0, 4), station: c.station, leader: '张网格', phone: '13800000001' },
        geometry: { type: 'Polygon', coordinates: square(c.lat, c.lng) },
      })),
    },
    null,
    2,
  );
}

/** Shop in cell-sw (荷城): every built-in profile. */
export const SHOP_YAML = `site:
  id: shop-a
  name: 明湖路12号便利店
  kind: shop
  address: 钟山区明湖路12号
  door_plate: 明湖路12号
  pole: ZS-0471
  location: [26.595, 104.835]
  contacts: [{ name: 王店主, phone: "13800000000" }, { name: 王太太, phone: "13800000001" }]
  guard_group: hecheng-team
  verbal_password_env: VERBAL_SHOP_A
  mqtt: { username: shop-a, password_env: MQTT_SHOP_A_PASS }
devices:
  - id: shop-a-panel
    profile: native
    topic: safegrid/shop-a/shop-a-panel
    mqtt: { username: shop-a-panel, password_file_key: mqtt_shop-a-panel }
    heartbeat: 60s
    zones:
      1: { name: 前门, type: entry }
      2: { name: 仓库红外, type: interior }
      3: { name: 收银台紧急按钮, type: panic }
  - id: shop-a-cid
    profile: contact-id
    topic: alarms/shop-a/cid
    account: "1234"
    zones:
      4: { name: 后门, type: entry }
      5: { name: 烟感, type: fire }
  - id: shop-a-door
    profile: zigbee2mqtt
    topic: zigbee2mqtt/shop_a_front_door
    mqtt: { username: shop-a-door, password_env: MQTT_SHOP_A_DOOR_PASS }
    zone: 1
  - id: shop-a-ha
    profile: homeassistant
    topic: homeassistant/alarm_control_panel/shop_a/state
cameras:
  - id: shop-a-cam1
    name: 门口摄像机
    rtsp: rtsp://127.0.0.1:8554/shop-a
    frigate: shop_a_door
    zones: [1, 2]
`;

/** Home in cell-ne (明湖). */
export const HOME_YAML = `site:
  id: home-b
  name: 凤凰小区3栋2单元401
  kind: home
  address: 钟山区凤凰街道凤凰小区3栋2单元401
  door_plate: 凤凰小区3-2-401
  location: [26.605, 104.845]
  contacts: [{ name: 李女士, phone: "13900000000" }]
  guard_group: minghu-team
  mqtt: { username: home-b, password_file_key: mqtt_home-b }
devices:
  - id: home-b-panel
    profile: native
    topic: safegrid/home-b/home-b-panel
    zones:
      1: { name: 入户门, type: entry }
      2: { name: 客厅红外, type: interior }
`;

export interface TestTree {
  root: string;
  write(relativePath: string, text: string): void;
  remove(): void;
}

export function makeTree(extraSites: Record<string, string> = {}): TestTree {
  const root = mkdtempSync(join(tmpdir(), 'safegrid-test-'));
  mkdirSync(join(root, 'config'), { recursive: true });
  mkdirSync(join(root, 'devices', 'profiles'), { recursive: true });
  const write = (rel: string, text: string): void => writeFileSync(join(root, rel), text);
  write('config/hub.yaml', HUB_YAML);
  write('config/stations.yaml', STATIONS_YAML);
  write('config/grids.geojson', gridsGeoJson());
  write('config/secrets.yaml', SECRETS_YAML);
  write('devices/shop-a.yaml', SHOP_YAML);
  write('devices/home-b.yaml', HOME_YAML);
  for (const [name, text] of Object.entries(extraSites)) write(`devices/${name}`, text);
  return { root, write, remove: () => rmSync(root, { recursive: true, force: true }) };
}
