/**
 * Hub restarts with the parse cache beside the SQLite database (src/config/parse-cache.ts): an
 * unchanged installation starts from it with the same config, and an edit made while the hub was
 * down is taken, or reported with file:line, exactly as on a first start.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { startTestHub } from '../helpers/hub.js';
import { HOME_YAML, SHOP_YAML, TREE_ENV, makeTree } from '../helpers/tree.js';

const tree = makeTree();
const CACHE = join(tree.root, 'data/test.db.parse-cache');

afterAll(() => tree.remove());

/** Starts the hub on the tree, returns what it ran with and what it said about its files, stops it. */
async function startAndStop(): Promise<{ sites: unknown; problems: unknown; read: Record<string, unknown> | undefined }> {
  const t = await startTestHub({ tree, keepTree: true });
  try {
    return {
      sites: t.hub.config.sites,
      problems: t.hub.problems(),
      read: t.logs.find((l) => l.msg === 'configuration files read'),
    };
  } finally {
    await t.close();
  }
}

describe('restarting the hub with the parse cache', () => {
  it('a first start writes the cache beside the database; a restart reads the unchanged files from it and runs the same config', async () => {
    const first = await startAndStop();
    expect(existsSync(CACHE)).toBe(true);
    expect(first.read).toMatchObject({ fromCache: 0, addedToCache: 3 });

    const again = await startAndStop();
    expect(again.read).toMatchObject({ fromCache: 3, addedToCache: 0 });
    expect(again.sites).toEqual(first.sites);
    expect(again.problems).toEqual([]);
  });

  it('an edit and a mistake made while the hub was down: the edit is taken, the mistake reported at its line and held back', async () => {
    tree.write('devices/shop-a.yaml', SHOP_YAML.replace('name: 明湖路12号便利店', 'name: 明湖路12号超市'));
    tree.write('devices/home-b.yaml', HOME_YAML.replace('kind: home', 'kind: villa'));
    const after = await startAndStop();
    expect(after.read).toMatchObject({ fromCache: 1, addedToCache: 1 });
    const sites = after.sites as Array<{ id: string; name: string }>;
    expect(sites.map((s) => [s.id, s.name])).toEqual([['shop-a', '明湖路12号超市']]);
    expect(after.problems).toEqual([
      expect.objectContaining({
        code: 'SG_CONFIG_INVALID_VALUE',
        file: 'devices/home-b.yaml',
        line: HOME_YAML.split('\n').findIndex((l) => l.includes('kind: home')) + 1,
        path: 'site.kind',
      }),
    ]);
    // Exactly what reading every file afresh reports.
    expect(after.problems).toEqual(loadConfig(tree.root, { env: { ...process.env, ...TREE_ENV } }).problems);
  });

  it('a damaged cache costs only its speed', async () => {
    tree.write('devices/home-b.yaml', HOME_YAML);
    writeFileSync(CACHE, 'damaged');
    const damaged = await startAndStop();
    expect(damaged.read).toMatchObject({ fromCache: 0, addedToCache: 3, cacheNotUsed: 'damaged: no header' });
    expect((damaged.sites as Array<{ id: string }>).map((s) => s.id)).toEqual(['home-b', 'shop-a']);
    expect(damaged.problems).toEqual([]);
    expect((await startAndStop()).read).toMatchObject({ fromCache: 3, addedToCache: 0 });
  });
});
