/**
 * Hot reload of site files with real fs.watch events on a temporary tree: a broken edit never
 * takes an active site off the air, a fix and a new file are picked up without a restart.
 */
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, SiteWatcher, watchSites, type SiteChange } from '../../src/config/index.js';
import { ENV, HOME, SHOP, makeTree, removeTree, writeTree } from './config-fixture.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) (cleanups.pop() as () => void)();
});

function start(): { root: string; next: () => Promise<SiteChange> } {
  const root = makeTree();
  cleanups.push(() => removeTree(root));
  const loaded = loadConfig(root, { env: ENV });
  expect(loaded.problems).toEqual([]);
  const queue: SiteChange[] = [];
  let waiting: ((c: SiteChange) => void) | null = null;
  const watcher = watchSites(
    root,
    loaded.config!,
    (c) => {
      if (waiting) {
        const w = waiting;
        waiting = null;
        w(c);
      } else queue.push(c);
    },
    { env: ENV, debounceMs: 50 },
  );
  cleanups.push(() => watcher.close());
  const next = (): Promise<SiteChange> =>
    new Promise((resolve, reject) => {
      const queued = queue.shift();
      if (queued) return resolve(queued);
      const timer = setTimeout(() => reject(new Error('no reload within 5 s')), 5000);
      waiting = (c) => {
        clearTimeout(timer);
        resolve(c);
      };
    });
  return { root, next };
}

const siteNamed = (c: SiteChange, id: string) => c.config.sites.find((s) => s.id === id);

describe('SiteWatcher', () => {
  it('keeps the last good site when its file breaks, takes the fix, and picks up a new file', async () => {
    const { root, next } = start();

    // 1. A broken edit: the site stays active as it was, and the problem is reported.
    writeTree(root, 'devices/shop-1.yaml', SHOP.replace('name: 明湖路12号便利店', 'name: 改了名').replace('kind: shop', 'kind: mall'));
    const broken = await next();
    expect(siteNamed(broken, 'shop-1')?.name).toBe('明湖路12号便利店');
    expect(broken.problems.map((p) => `${p.file}:${p.line} ${p.path}`)).toEqual(['devices/shop-1.yaml:4 site.kind']);
    expect(broken.heldBack).toMatchObject([{ file: 'devices/shop-1.yaml', siteId: 'shop-1', keptLastGood: true }]);

    // 2. The fix, saved the way many editors do: write a temp file, rename it over the original.
    const tmp = join(root, 'devices', '.shop-1.yaml.tmp');
    writeFileSync(tmp, SHOP.replace('name: 明湖路12号便利店', 'name: 改了名'));
    renameSync(tmp, join(root, 'devices', 'shop-1.yaml'));
    const fixed = await next();
    expect(siteNamed(fixed, 'shop-1')?.name).toBe('改了名');
    expect(fixed.problems).toEqual([]);
    expect(fixed.heldBack).toEqual([]);

    // 3. A new site file is picked up.
    writeTree(root, 'devices/home-3.yaml', HOME.replace('id: home-2', 'id: home-3').replace('[26.60, 104.845]', '[26.59, 104.84]'));
    const added = await next();
    expect(added.config.sites.map((s) => s.id).sort()).toEqual(['home-2', 'home-3', 'shop-1']);
    expect(siteNamed(added, 'home-3')?.gridCellId).toBe('cell-east');

    // 4. A deleted file removes its site.
    unlinkSync(join(root, 'devices', 'home-3.yaml'));
    const removed = await next();
    expect(removed.config.sites.map((s) => s.id).sort()).toEqual(['home-2', 'shop-1']);
  });

  it('a new file cannot take an active site off the air by claiming its topic', async () => {
    const { root, next } = start();
    // "a-first" sorts before shop-1, so at start-up it would win; while running, shop-1 is kept.
    const intruder = HOME.replace('id: home-2', 'id: a-first').replace(
      '  - id: hub\n    profile: native\n',
      '  - id: hub\n    profile: zigbee2mqtt\n    topic: zigbee2mqtt/shop1_front_door\n',
    );
    writeTree(root, 'devices/a-first.yaml', intruder);
    const c = await next();
    expect(c.config.sites.map((s) => s.id).sort()).toEqual(['home-2', 'shop-1']);
    expect(c.heldBack).toMatchObject([{ file: 'devices/a-first.yaml', siteId: 'a-first', keptLastGood: false }]);
    expect(c.problems[0]?.message).toContain('is already used by device "front-door" in devices/shop-1.yaml');
  });

  it('reloads when an installer profile changes (a removed profile is reported, the site kept)', async () => {
    const { root, next } = start();
    writeTree(root, 'devices/profiles/broken.yaml', 'vendor: [\n');
    const c = await next();
    expect(c.problems.some((p) => p.file === 'devices/profiles/broken.yaml' && p.code === 'SG_CONFIG_PARSE')).toBe(true);
    expect(c.config.sites).toHaveLength(2);
  });
});

describe('hot reload of a large installation', () => {
  it('with the start-up parse cache, an edit to one of 400 site files parses that file only; a broken edit keeps its last good version', () => {
    // 400 shops: copies of the fixture shop with their own ids, names and topics.
    const shops: Record<string, string> = {};
    for (let i = 0; i < 400; i++) {
      shops[`devices/shop-${i}.yaml`] = SHOP.replaceAll('shop-1', `shop-x${i}`)
        .replaceAll('panel-1', `panel-x${i}`)
        .replaceAll('cam-1', `cam-x${i}`)
        .replaceAll('shop1_', `shopx${i}_`)
        // One zigbee2mqtt base per site (issue 17): a shared base holds the later sites back.
        .replaceAll('zigbee2mqtt/', `zigbee2mqtt-x${i}/`)
        .replace(/name: .*便利店/, `name: 便利店${i}`);
    }
    const root = makeTree(shops);
    cleanups.push(() => removeTree(root));
    const cacheFile = join(root, 'data/hub.db.parse-cache');
    const loaded = loadConfig(root, { env: ENV, parseCacheFile: () => cacheFile });
    expect(loaded.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const sites = loaded.config!.sites.length;
    expect(sites).toBeGreaterThan(400);
    const watcher = new SiteWatcher(root, loaded.config!, () => undefined, { env: ENV, parseCacheFile: cacheFile });
    cleanups.push(() => watcher.close());

    // Nothing changed: every file from the cache.
    expect(watcher.reload().parsed).toEqual({ fromCache: sites, parsed: 0 });
    // One file edited: that one is parsed, and its change is in the result.
    writeFileSync(join(root, 'devices/shop-7.yaml'), shops['devices/shop-7.yaml']!.replace('便利店7', '便利店七号'));
    const edited = watcher.reload();
    expect(edited.parsed).toEqual({ fromCache: sites - 1, parsed: 1 });
    expect(edited.config.sites.find((s) => s.id === 'shop-x7')?.name).toBe('便利店七号');
    // The same edit broken: reported with its line, the last good version stays.
    writeFileSync(join(root, 'devices/shop-7.yaml'), shops['devices/shop-7.yaml']!.replace('kind: shop', 'kind: spaceship'));
    const broken = watcher.reload();
    expect(broken.problems.some((p) => p.file === 'devices/shop-7.yaml' && p.line !== null)).toBe(true);
    expect(broken.config.sites.find((s) => s.id === 'shop-x7')?.name).toBe('便利店七号');
    // Fixed again; a watcher without the cache parses every file and comes to the same sites.
    writeFileSync(join(root, 'devices/shop-7.yaml'), shops['devices/shop-7.yaml']!.replace('便利店7', '便利店七号'));
    const fixed = watcher.reload();
    expect(fixed.parsed).toEqual({ fromCache: sites - 1, parsed: 1 });
    const plain = new SiteWatcher(root, loaded.config!, () => undefined, { env: ENV });
    cleanups.push(() => plain.close());
    const again = plain.reload();
    expect(again.parsed).toBeUndefined();
    expect(again.config.sites).toEqual(fixed.config.sites);
  });
});
