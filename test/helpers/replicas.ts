/** Hub replicas for tests (issue 18): several hubs on one PostgreSQL database and one Redis, partition leases on. */
import type { CommandReply } from '../../src/contract/socket.js';
import { startTestHub, waitFor, type TestHub } from './hub.js';
import type { RedisServer } from './redis.js';
import { HUB_YAML, makeTree } from './tree.js';
import { DEFAULT_PARTITIONS, partitionOf } from '../../src/cluster/partitions.js';

/** Sites of the test district with a device login, and the panel whose topic raises their alarms. */
export const PANELS: Record<string, { login: string; base: string }> = {
  'home-b': { login: 'home-b', base: 'safegrid/home-b/home-b-panel' },
  'shop-a': { login: 'shop-a-panel', base: 'safegrid/shop-a/shop-a-panel' },
};

/** A hub on the shared database and Redis, as replica `replicaId`, its leases surveyed every 300 ms. */
export async function replicaHub(db: string, redis: RedisServer, replicaId: string): Promise<TestHub> {
  const tree = makeTree();
  const yaml = HUB_YAML.replace('storage:\n  path: data/test.db\n', `storage:\n  path: data/test.db\n  backend: postgres\n  url: ${db}\n`);
  tree.write('config/hub.yaml', `${yaml}cluster:\n  redis_url: ${redis.url}\n  replica_id: ${replicaId}\n  lease_interval: 300ms\n`);
  return startTestHub({ tree });
}

/** One site id per partition, so `ownerOf` answers for each partition. */
const PROBES: string[] = (() => {
  const byPartition = new Map<number, string>();
  for (let n = 0; byPartition.size < DEFAULT_PARTITIONS; n++) {
    const id = `probe-${n}`;
    if (!byPartition.has(partitionOf(id))) byPartition.set(partitionOf(id), id);
  }
  return [...byPartition.values()];
})();

/**
 * Waits until the leases have settled — every hub agrees on the owner of every partition and each
 * holds at least its floor share, so no hand-over is due — and answers the site's owner.
 */
export async function settledOwner(hubs: TestHub[], siteId: string): Promise<TestHub> {
  const floor = Math.floor(DEFAULT_PARTITIONS / hubs.length);
  await waitFor(() => {
    const held = new Map<string, number>();
    for (const probe of PROBES) {
      const owners = new Set(hubs.map((h) => h.hub.role.ownerOf(probe)));
      const [only] = owners;
      if (owners.size !== 1 || !only) return false;
      held.set(only, (held.get(only) ?? 0) + 1);
    }
    return hubs.every((h) => (held.get(h.hub.role.replicaId) ?? 0) >= floor);
  }, 60_000);
  return hubs.find((h) => h.hub.role.owns(siteId))!;
}

/** Sends a socket command and resolves with its answer. */
export function command(socket: { emit: (...args: never[]) => unknown }, event: string, payload: unknown): Promise<CommandReply> {
  return new Promise((ok) => (socket.emit as (...a: unknown[]) => void)(event, payload, (r: CommandReply) => ok(r)));
}

export interface ShopZone {
  zone: number;
  name: string;
  type: string;
}

/**
 * A small shop in cell-sw (荷城, whose parent is city-110) with one native panel, named
 * `${name}${id}`; by default its only zone is an interior one (2).
 */
export function shopSiteYaml(id: string, name: string, zones: readonly ShopZone[] = [{ zone: 2, name: '仓库红外', type: 'interior' }]): string {
  return `site:
  id: ${id}
  name: ${name}${id}
  kind: shop
  address: 钟山区测试路${id}
  door_plate: 测试路${id}
  location: [26.595, 104.835]
  contacts: [{ name: 测试联系人, phone: "13800000000" }]
devices:
  - id: ${id}-panel
    profile: native
    topic: safegrid/${id}/${id}-panel
    zones:
${zones.map((z) => `      ${z.zone}: { name: ${z.name}, type: ${z.type} }`).join('\n')}
`;
}
