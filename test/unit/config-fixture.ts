/**
 * Builds a minimal valid config tree in a temporary directory. Tests change one file to make
 * one mistake, so each test shows exactly the mistake it is about.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const HUB = `http:
  port: 8080
mqtt:
  mode: embedded
  port: 1883
triage:
  correlation_window: 2m
`;

export const STATIONS = `stations:
  - id: city
    name: 六盘水市公安局110指挥中心
    tier: city
  - id: hecheng
    name: 荷城派出所
    tier: station
    parent: city
    location: [26.595, 104.83]
`;

/** Two cells side by side: west lng 104.80–104.83, east 104.83–104.86, lat 26.58–26.61. */
export const GRIDS = `{
  "type": "FeatureCollection",
  "features": [
    {
      "type": "Feature",
      "properties": { "id": "cell-west", "name": "明湖一网格", "community": "明湖社区", "station": "hecheng", "leader": "李网格", "phone": "13800000001" },
      "geometry": {
        "type": "Polygon",
        "coordinates": [[[104.80, 26.58], [104.83, 26.58], [104.83, 26.61], [104.80, 26.61], [104.80, 26.58]]]
      }
    },
    {
      "type": "Feature",
      "properties": { "id": "cell-east", "name": "明湖二网格", "community": "明湖社区", "station": "hecheng" },
      "geometry": {
        "type": "Polygon",
        "coordinates": [[[104.83, 26.58], [104.86, 26.58], [104.86, 26.61], [104.83, 26.61], [104.83, 26.58]]]
      }
    }
  ]
}
`;

export const SHOP = `site:
  id: shop-1
  name: 明湖路12号便利店
  kind: shop
  address: 钟山区明湖路12号
  door_plate: 明湖路12号
  location: [26.5951, 104.8152]
  contacts: [{ name: 王店主, phone: "13800000000" }]
devices:
  - id: panel-1
    profile: contact-id
    topic: alarms/shop-1/cid
    heartbeat: 60s
    zones:
      1: { name: 前门, type: entry }
      2: { name: 仓库红外, type: interior }
  - id: front-door
    profile: zigbee2mqtt
    topic: zigbee2mqtt/shop1_front_door
    zone: 1
cameras:
  - id: cam-1
    onvif: { xaddr: "http://192.0.2.10/onvif/device_service", username: admin, password_env: CAM_SHOP1_PASS }
    zones: [1, 2]
`;

export const HOME = `site:
  id: home-2
  name: 凉都大道8号
  kind: home
  address: 钟山区凉都大道8号
  door_plate: 凉都大道8号
  location: [26.60, 104.845]
  contacts:
    - name: 张先生
      phone: "13900000000"
devices:
  - id: hub
    profile: native
    zones:
      1: { name: 客厅, type: interior }
`;

export const ENV = { CAM_SHOP1_PASS: 's3cret-pass' };

export type Tree = Record<string, string | null>;

/** The minimal valid tree; `changes` replace files (null deletes one). Returns the root dir. */
export function makeTree(changes: Tree = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'sg-config-'));
  const files: Tree = {
    'config/hub.yaml': HUB,
    'config/stations.yaml': STATIONS,
    'config/grids.geojson': GRIDS,
    'devices/shop-1.yaml': SHOP,
    'devices/home-2.yaml': HOME,
    ...changes,
  };
  mkdirSync(join(root, 'devices', 'profiles'), { recursive: true });
  for (const [rel, text] of Object.entries(files)) if (text !== null) writeTree(root, rel, text);
  return root;
}

export function writeTree(root: string, rel: string, text: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}

export function removeTree(root: string): void {
  rmSync(root, { recursive: true, force: true });
}
