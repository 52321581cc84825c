/**
 * Issue 15: `safegrid site new` writes a site file from a few answers given as flags; the file
 * passes `safegrid check` as soon as its MQTT password is in the secrets file; a wrong or missing
 * answer is named by its flag and nothing is written; an existing file is never replaced.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { buildSiteFile } from '../../src/config/site-new.js';
import { makeTree, SECRETS_YAML, TREE_ENV, type TestTree } from '../helpers/tree.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));

const FLAGS = [
  '--id',
  'shop-zs-0200',
  '--name',
  '水西路8号商铺',
  '--kind',
  'shop',
  '--address',
  '钟山区水西路8号',
  '--door-plate',
  '水西路8号',
  '--location',
  '26.595,104.835',
  '--contact',
  '赵店主:13900000008',
  '--contact',
  '赵太太：0858-1234567',
  '--guard-group',
  'hecheng-team',
];

function safegrid(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: REPO, env: { ...process.env, LANG: 'C', ...env } }).then(
    (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
  );
}

let tree: TestTree | null = null;
afterEach(() => {
  tree?.remove();
  tree = null;
});

describe('safegrid site new', () => {
  it('writes devices/<id>.yaml from flags; with its password in secrets.yaml, check passes', async () => {
    tree = makeTree();
    const r = await safegrid(['site', 'new', '--root', tree.root, ...FLAGS]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('wrote devices/shop-zs-0200.yaml');
    const text = readFileSync(join(tree.root, 'devices/shop-zs-0200.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/site.schema.json');
    expect(text).toContain('contacts:\n    - { name: 赵店主, phone: "13900000008" }\n    - { name: 赵太太, phone: "08581234567" }');
    expect(text).toContain('mqtt: { username: shop-zs-0200, password_file_key: mqtt_shop-zs-0200 }');
    tree.write('config/secrets.yaml', `${SECRETS_YAML}mqtt_shop-zs-0200: "pw-new-site-1"\n`);
    const check = runCheck(tree.root, { ...process.env, ...TREE_ENV, LANG: 'C' });
    expect(check.output).toMatch(/^OK: 3 sites/m);
    expect(check.exitCode).toBe(0);
  }, 60_000);

  it('names each wrong or missing answer by its flag and writes nothing', async () => {
    tree = makeTree();
    const bad = FLAGS.map((f) => (f === 'shop' ? 'shopp' : f === '26.595,104.835' ? '104.835,26.595x' : f)).filter(
      (f, i, all) => f !== '--address' && all[i - 1] !== '--address',
    );
    const r = await safegrid(['site', 'new', '--root', tree.root, ...bad]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('--address: missing');
    expect(existsSync(join(tree.root, 'devices/shop-zs-0200.yaml'))).toBe(false);
    expect(
      buildSiteFile({ id: 'x-1', name: 'n', kind: 'shopp', address: 'a', doorPlate: 'd', location: '100,26', contacts: ['王:13800000000'] }).problems,
    ).toEqual([
      '--kind: got "shopp"; expected home, shop or unit',
      '--location: got [100, 26]; expected [lat, lng] in degrees, e.g. [26.5951, 104.8302] (lat −90…90, lng −180…180)',
    ]);
    expect(
      buildSiteFile({ id: 'x-1', name: 'n', kind: 'home', address: 'a', doorPlate: 'd', location: 'here', contacts: ['王 13800000000'] }).problems,
    ).toEqual([
      '--location: got "here"; expected "lat,lng" in degrees, e.g. 26.5951,104.8302',
      '--contact: got "王 13800000000"; expected "name:phone", e.g. 王店主:13800000000',
    ]);
  }, 60_000);

  it('never replaces an existing site file', async () => {
    tree = makeTree();
    const before = readFileSync(join(tree.root, 'devices/shop-a.yaml'), 'utf8');
    const r = await safegrid(['site', 'new', '--root', tree.root, ...FLAGS.map((f) => (f === 'shop-zs-0200' ? 'shop-a' : f))]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('devices/shop-a.yaml exists already');
    expect(readFileSync(join(tree.root, 'devices/shop-a.yaml'), 'utf8')).toBe(before);
  }, 60_000);
});
