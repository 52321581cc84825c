/**
 * The parse cache (src/config/parse-cache.ts) on real files: a restart answers unchanged files from
 * it, and nothing an installer sees may differ from reading every file afresh.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runCheck } from '../../src/check.js';
import { loadConfig, type LoadResult } from '../../src/config/index.js';
import { ParseCache } from '../../src/config/parse-cache.js';
import { siteFileSchema } from '../../src/config/schema/site.js';
import { hashText } from '../../src/config/source.js';
import type { Problem } from '../../src/core/problems.js';
import { ENV, GRIDS, HOME, SHOP, makeTree, removeTree, writeTree } from './config-fixture.js';

const ACME = readFileSync(join(import.meta.dirname, '../fixtures/config-acme-profile/acme.yaml'), 'utf8');

const roots: string[] = [];
afterEach(() => {
  while (roots.length) removeTree(roots.pop() as string);
});

function tree(changes: Record<string, string | null> = {}): string {
  const root = makeTree(changes);
  roots.push(root);
  return root;
}

const cacheFile = (root: string): string => join(root, 'data/safegrid.db.parse-cache');

/** How the hub loads: with the parse cache beside its database. */
function start(root: string, env: NodeJS.ProcessEnv = ENV): LoadResult {
  return loadConfig(root, { env, parseCacheFile: () => cacheFile(root) });
}

/** How `safegrid check` loads: every file read afresh. */
function fresh(root: string, env: NodeJS.ProcessEnv = ENV): LoadResult {
  return loadConfig(root, { env });
}

/** Everything but the cache's own report must be the same as a fresh read. */
function expectSameAsFresh(r: LoadResult, root: string, env: NodeJS.ProcessEnv = ENV): void {
  const f = fresh(root, env);
  expect(r.config).toEqual(f.config);
  expect(r.problems).toEqual(f.problems);
  expect(r.heldBack).toEqual(f.heldBack);
}

/** The 1-based line of the first line of `text` containing `needle`. */
const lineIn = (text: string, needle: string): number => {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  expect(i, `fixture contains ${JSON.stringify(needle)}`).toBeGreaterThanOrEqual(0);
  return i + 1;
};

const edit = (text: string, from: string, to: string): string => {
  expect(text, `fixture contains ${JSON.stringify(from)}`).toContain(from);
  return text.replace(from, to);
};

/** A second shop whose panel claims shop-1's topic: each file is valid alone, together they clash. */
const CLASH = edit(
  edit(edit(SHOP, 'id: shop-1', 'id: shop-9'), 'id: cam-1', 'id: cam-9'),
  '  - id: front-door\n    profile: zigbee2mqtt\n    topic: zigbee2mqtt/shop1_front_door\n    zone: 1\n',
  '',
);

describe('the parse cache', () => {
  it('a restart with unchanged files gives the same config as a first start, without parsing them again', () => {
    const root = tree();
    const cold = start(root);
    expect(cold.parseCache).toMatchObject({ hits: 0, added: 3, written: true, writeError: null });
    expect(cold.problems).toEqual([]);
    const warm = start(root);
    // Two site files and grids.geojson answered from the cache, nothing parsed, nothing written.
    expect(warm.parseCache).toMatchObject({ loaded: 3, hits: 3, added: 0, written: false, discarded: null });
    expect(warm.config).toEqual(cold.config);
    expect(warm.config!.sites.map((s) => s.id)).toEqual(['home-2', 'shop-1']);
    expect(warm.config!.sites.find((s) => s.id === 'shop-1')!.cameras[0]!.onvif!.password).toBe(ENV.CAM_SHOP1_PASS);
    expectSameAsFresh(warm, root);
  });

  it('checks across files still run on cached files, and name the same lines', () => {
    const root = tree({ 'devices/shop-9.yaml': CLASH });
    const cold = start(root);
    const warm = start(root);
    expect(warm.parseCache!.hits).toBe(4);
    const clash = warm.problems.find((p) => p.code === 'SG_CONFIG_DUPLICATE_TOPIC') as Problem;
    const line = lineIn(SHOP, 'topic: alarms/shop-1/cid');
    expect(clash).toMatchObject({ file: 'devices/shop-9.yaml', line: lineIn(CLASH, 'topic: alarms/shop-1/cid'), path: 'devices[0].topic' });
    expect(clash.message).toContain(`devices/shop-1.yaml (line ${line})`);
    expect(warm.problems).toEqual(cold.problems);
    expect(warm.heldBack.map((h) => h.file)).toEqual(['devices/shop-9.yaml']);
    expectSameAsFresh(warm, root);
  });

  it('a site file edited between restarts is read again and its change taken', () => {
    const root = tree();
    start(root);
    writeTree(root, 'devices/shop-1.yaml', edit(SHOP, 'name: 明湖路12号便利店', 'name: 明湖路12号超市'));
    const warm = start(root);
    expect(warm.parseCache).toMatchObject({ hits: 2, added: 1, written: true });
    expect(warm.config!.sites.find((s) => s.id === 'shop-1')!.name).toBe('明湖路12号超市');
    expectSameAsFresh(warm, root);
    // The old version's entry is dropped: the cache holds what the files are now.
    expect(start(root).parseCache).toMatchObject({ loaded: 3, hits: 3, added: 0 });
  });

  it('a file made invalid between restarts is reported with file:line and held back, not taken from the cache', () => {
    const root = tree();
    start(root);
    writeTree(root, 'devices/shop-1.yaml', edit(SHOP, 'kind: shop', 'kind: shopp'));
    const warm = start(root);
    expect(warm.problems).toEqual([
      expect.objectContaining({
        code: 'SG_CONFIG_INVALID_VALUE',
        file: 'devices/shop-1.yaml',
        line: lineIn(SHOP, 'kind: shop'),
        path: 'site.kind',
        message: 'got "shopp"; expected home, shop or unit',
      }),
    ]);
    expect(warm.heldBack).toEqual([expect.objectContaining({ file: 'devices/shop-1.yaml', siteId: 'shop-1' })]);
    expect(warm.config!.sites.map((s) => s.id)).toEqual(['home-2']);
    expectSameAsFresh(warm, root);
    // A broken file is never cached: the next start reports it again, the same way.
    const again = start(root);
    expect(again.problems).toEqual(warm.problems);
    expect(again.parseCache).toMatchObject({ hits: 2, added: 0 });
  });

  it('a YAML syntax error introduced between restarts is reported at its line', () => {
    const root = tree();
    start(root);
    writeTree(root, 'devices/home-2.yaml', edit(HOME, '  kind: home\n', '  kind: home\n\tbad: tab\n'));
    const warm = start(root);
    expect(warm.problems[0]).toMatchObject({ code: 'SG_CONFIG_PARSE', file: 'devices/home-2.yaml', line: lineIn(HOME, 'kind: home') + 1 });
    expect(warm.heldBack.map((h) => h.file)).toEqual(['devices/home-2.yaml']);
    expectSameAsFresh(warm, root);
  });

  it('what a cached file depends on besides itself is checked on every start: profiles, secrets, the grid', () => {
    const uses = edit(SHOP, 'profile: zigbee2mqtt', 'profile: acme/pir-100');
    const root = tree({ 'devices/shop-1.yaml': uses, 'devices/profiles/acme.yaml': ACME });
    expect(start(root).problems).toEqual([]);

    // The profile file goes: the unchanged, cached site file now names an unknown profile.
    rmSync(join(root, 'devices/profiles/acme.yaml'));
    let warm = start(root);
    expect(warm.parseCache!.hits).toBe(3);
    expect(warm.problems).toEqual([
      expect.objectContaining({
        code: 'SG_CONFIG_UNKNOWN_REFERENCE',
        file: 'devices/shop-1.yaml',
        line: lineIn(uses, 'profile: acme/pir-100'),
        path: 'devices[1].profile',
      }),
    ]);
    expect(warm.config!.sites.map((s) => s.id)).toEqual(['home-2']);
    expectSameAsFresh(warm, root);
    writeTree(root, 'devices/profiles/acme.yaml', ACME);

    // The camera's password leaves the environment: a warning at the reference's line.
    warm = start(root, {});
    expect(warm.problems).toEqual([
      expect.objectContaining({
        code: 'SG_CONFIG_SECRET_MISSING',
        severity: 'warning',
        file: 'devices/shop-1.yaml',
        line: lineIn(uses, 'password_env: CAM_SHOP1_PASS'),
      }),
    ]);
    expect(warm.config!.sites.find((s) => s.id === 'shop-1')!.cameras[0]).toMatchObject({ onvif: { password: null } });
    expectSameAsFresh(warm, root, {});

    // The grid shrinks to the east cell: shop-1 (in the west cell) is now outside every cell.
    const east = JSON.parse(GRIDS) as { features: unknown[] };
    writeTree(root, 'config/grids.geojson', JSON.stringify({ ...east, features: east.features.slice(1) }, null, 2));
    warm = start(root);
    expect(warm.problems).toEqual([
      expect.objectContaining({ code: 'SG_CONFIG_OUTSIDE_GRID', file: 'devices/shop-1.yaml', line: lineIn(uses, 'location:'), path: 'site.location' }),
    ]);
    expect(warm.config!.sites.map((s) => s.id)).toEqual(['home-2']);
    expectSameAsFresh(warm, root);
  });

  it('an unchanged, cached grid file still has its problems reported at their lines', () => {
    // A station removed from stations.yaml: the cached grid now refers to a station that is gone.
    const root = tree();
    start(root);
    writeTree(root, 'config/stations.yaml', 'stations:\n  - id: city\n    name: 市局\n    tier: city\n');
    const warm = start(root);
    expect(warm.parseCache!.hits).toBeGreaterThanOrEqual(1);
    expect(warm.config).toBeNull();
    const props = GRIDS.split('\n').flatMap((l, i) => (l.includes('"properties"') ? [i + 1] : []));
    expect(warm.problems.filter((p) => p.file === 'config/grids.geojson').map((p) => [p.code, p.line, p.path])).toEqual([
      ['SG_CONFIG_UNKNOWN_REFERENCE', props[0], 'features[0].properties.station'],
      ['SG_CONFIG_UNKNOWN_REFERENCE', props[1], 'features[1].properties.station'],
    ]);
    expect(warm.problems).toEqual(fresh(root).problems);
  });

  it.each([
    ['missing', (f: string) => rmSync(f)],
    ['empty', (f: string) => writeFileSync(f, '')],
    ['garbage', (f: string) => writeFileSync(f, 'not a cache at all\u0000\u0001')],
    ['truncated', (f: string) => writeFileSync(f, readFileSync(f).subarray(0, Math.floor(readFileSync(f).length / 2)))],
    [
      'one byte changed',
      (f: string) => {
        const b = readFileSync(f);
        b[b.length - 20] = (b[b.length - 20] as number) ^ 0x20;
        writeFileSync(f, b);
      },
    ],
    [
      'written by other code',
      (f: string) => {
        const b = readFileSync(f);
        const nl = b.indexOf(0x0a);
        const header = JSON.parse(b.subarray(0, nl).toString()) as Record<string, unknown>;
        writeFileSync(f, Buffer.concat([Buffer.from(JSON.stringify({ ...header, fingerprint: 'other' }) + '\n'), b.subarray(nl + 1)]));
      },
    ],
  ])('a %s cache file is harmless: everything is read afresh and the cache written again', (_name, damage) => {
    const root = tree();
    start(root);
    damage(cacheFile(root));
    const r = start(root);
    expect(r.parseCache).toMatchObject({ hits: 0, added: 3, written: true });
    expect(r.parseCache!.discarded).toBeTruthy();
    expectSameAsFresh(r, root);
    expect(start(root).parseCache).toMatchObject({ hits: 3, discarded: null });
  });

  it('a cache that cannot be written is skipped, and the config loads all the same', () => {
    const root = tree();
    // A directory where the file should be: neither readable as a cache nor replaceable.
    mkdirSync(cacheFile(root), { recursive: true });
    const r = start(root);
    expect(r.parseCache!.written).toBe(false);
    expect(r.parseCache!.writeError).toBeTruthy();
    expectSameAsFresh(r, root);
  });

  it('safegrid check reads every file afresh, whatever the cache says', () => {
    const root = tree();
    start(root);
    // A forged entry saying that a broken text parsed to the good home-2 site. The hub trusts its
    // own cache (it lives beside the database, which it trusts as much); check must not look at it.
    const broken = edit(HOME, 'kind: home', 'kind: castle');
    const data = parseYaml(HOME) as unknown;
    const forged = ParseCache.open(cacheFile(root));
    forged.putSite(hashText(broken), { data, value: siteFileSchema.parse(data), lines: [] });
    forged.save();
    writeTree(root, 'devices/home-2.yaml', broken);
    expect(start(root).config!.sites.map((s) => s.id)).toEqual(['home-2', 'shop-1']);
    const check = runCheck(root, ENV);
    expect(check.exitCode).toBe(1);
    expect(check.output).toContain(`devices/home-2.yaml:${lineIn(HOME, 'kind: home')}  site.kind: got "castle"`);
  });
});
