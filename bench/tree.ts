/** A generated district for the benchmark: a square grid of cells and one native panel per site. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../src/auth/password.js';

/** The benchmark's console login (config/users.yaml of the generated tree). */
export const BENCH_USER = { username: 'bench', password: 'bench-Pw-7c1e2a9f' };

/** config/users.yaml with one admin; a cheap scrypt cost, the hash carries its parameters. */
export async function benchUsersYaml(): Promise<string> {
  const hash = await hashPassword(BENCH_USER.password, { N: 2 ** 10, r: 8, p: 1 });
  return `users:\n  - username: ${BENCH_USER.username}\n    role: admin\n    password: "${hash}"\n`;
}

/** `side` × `side` cells; sites spread over them. In `dir` when given, else a new temporary directory. */
export function benchTree(sites: number, side = 10, dir?: string): string {
  const root = dir ?? mkdtempSync(join(tmpdir(), 'safegrid-bench-'));
  mkdirSync(join(root, 'config'), { recursive: true });
  mkdirSync(join(root, 'devices', 'profiles'), { recursive: true });
  const lat0 = 26.56;
  const lng0 = 104.8;
  const d = 0.006;
  // auth: off because the load generator publishes for every site from a few connections, which
  // no real login may do; the ACL check it skips is one Map and one Set lookup per message.
  writeFileSync(
    join(root, 'config/hub.yaml'),
    `http: { host: 127.0.0.1 }\nmqtt: { mode: embedded, host: 127.0.0.1, auth: off }\nstorage: { path: data/bench.db }\n`,
  );
  writeFileSync(
    join(root, 'config/stations.yaml'),
    `stations:\n  - { id: city, name: 市局110指挥中心, tier: city, parent: null, location: [26.59, 104.83] }\n` +
      `  - { id: ps-1, name: 一号派出所, tier: station, parent: city, location: [26.59, 104.83] }\n`,
  );
  const features = [];
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const lat = lat0 + r * d;
      const lng = lng0 + c * d;
      features.push({
        type: 'Feature',
        properties: { id: `c-${r}-${c}`, name: `网格${r}-${c}`, community: '测试社区', station: 'ps-1', leader: '张三', phone: '13800000000' },
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [lng, lat],
              [lng + d, lat],
              [lng + d, lat + d],
              [lng, lat + d],
              [lng, lat],
            ],
          ],
        },
      });
    }
  }
  writeFileSync(join(root, 'config/grids.geojson'), JSON.stringify({ type: 'FeatureCollection', features }));
  for (let i = 0; i < sites; i++) {
    const lat = lat0 + 0.001 + (((i * 7919) % 1000) / 1000) * (side * d - 0.002);
    const lng = lng0 + 0.001 + (((i * 104729) % 997) / 997) * (side * d - 0.002);
    writeFileSync(
      join(root, `devices/s${i}.yaml`),
      `site:\n  id: s${i}\n  name: 站点${i}\n  kind: shop\n  address: 测试路${i}号\n  door_plate: 测试路${i}号\n` +
        `  location: [${lat.toFixed(6)}, ${lng.toFixed(6)}]\n  contacts: [{ name: 店主, phone: "13800000000" }]\ndevices:\n  - id: panel\n` +
        `    profile: native\n    topic: safegrid/s${i}/panel\n    zones:\n      1: { name: 前门, type: entry }\n      2: { name: 红外, type: interior }\n`,
    );
  }
  return root;
}
