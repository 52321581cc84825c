/**
 * Issue 19, as an installer runs it: `safegrid check` on a site file with one tab reports one
 * problem with its line, in Chinese when LANG or hub.yaml says so; `safegrid --help` too.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestHub } from '../helpers/hub.js';
import { latinWordsOutsideQuotes } from '../helpers/latin.js';
import { HOME_YAML, HUB_YAML, makeTree, SHOP_YAML, STATIONS_YAML, TREE_ENV } from '../helpers/tree.js';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '../..');
const tree = makeTree();
/** Names that stay as they are in Chinese text: formats and protocols, the Tab key. */
const PROPER_NAMES = new Set([
  'YAML',
  'JSON',
  'GeoJSON',
  'MQTT',
  'Tab',
  'PEM',
  'CA',
  'ONVIF',
  'RTSP',
  'SQLite',
  'IANA',
  'GIS',
  'MiB',
  'ID',
  'Contact',
  'Frigate',
  'WGS',
  'GCJ',
]);
afterAll(() => tree.remove());

async function safegrid(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  const base = { ...process.env, ...TREE_ENV, LC_ALL: '', LC_MESSAGES: '', ...env };
  try {
    const r = await run(process.execPath, ['bin/safegrid.js', ...args], { cwd: REPO, env: base, timeout: 120_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe('safegrid check and --help in the installer language', () => {
  it('one tab in a site file is one problem with its line; English by default, Chinese with LANG=zh_CN', async () => {
    tree.write('devices/shop-a.yaml', SHOP_YAML.replace('    heartbeat: 60s', '\theartbeat: 60s'));
    const line = SHOP_YAML.split('\n').indexOf('    heartbeat: 60s') + 1;
    const en = await safegrid(['check', '--root', tree.root], { LANG: 'en_US.UTF-8' });
    expect(en.code).toBe(1);
    expect(en.out).toContain(`devices/shop-a.yaml:${line}  not valid YAML: a tab character used for indentation at column 1`);
    expect(en.out).toContain('1 problem. Fix it, then run `safegrid check`.');
    const zh = await safegrid(['check', '--root', tree.root], { LANG: 'zh_CN.UTF-8' });
    expect(zh.code).toBe(1);
    expect(zh.out).toContain(`devices/shop-a.yaml:${line}  YAML 格式错误：第 1 列用了制表符（Tab）缩进`);
    expect(zh.out).toContain('共 1 个问题。改正后再运行 `safegrid check`。');
    expect(zh.out.split('\n').filter((l) => l.startsWith('devices/'))).toHaveLength(1);

    // A schema problem: the frame is Chinese, the key and the expected value are what the file and schema say.
    tree.write('devices/shop-a.yaml', SHOP_YAML.replace('  address:', '  adress:'));
    const unknown = await safegrid(['check', '--root', tree.root], { LANG: 'zh_CN.UTF-8' });
    expect(unknown.out).toContain('site.adress: 未知的键 "adress"；是不是想写 "address"？');
    expect(unknown.out).toContain('site.address: 缺少此项；应为');
  });

  it(
    'every line check prints in zh-CN is Chinese on broken files (tab, unknown key, bad type, missing key, unknown reference, ' + 'duplicate id, cross-file)',
    async () => {
      const broken = makeTree();
      try {
        broken.write(
          'devices/shop-a.yaml',
          SHOP_YAML.replace('  address:', '  adress:') // unknown key, and so a missing one
            .replace('  kind: shop', '  kind: shopp') // a value not among the allowed ones
            .replace('    heartbeat: 60s', '    heartbeat: 60\n    installed: yes') // bad types
            .replace('profile: contact-id', 'profile: acme/pir-9') // unknown reference
            .replace('    zone: 1\n', '    zone: 9\n') // unknown zone
            .replace('- id: shop-a-door', '- id: shop-a-panel'), // duplicate id in the file
        );
        broken.write('devices/tab-site.yaml', HOME_YAML.replace(/home-b/g, 'tab-c').replace('  name:', '\tname:'));
        broken.write('devices/twin.yaml', HOME_YAML); // fine alone…
        // …but the same site id twice:
        broken.write('devices/twin-2.yaml', HOME_YAML.replace('home-b-panel', 'home-c-panel').replace('safegrid/home-b/home-b-panel', 'safegrid/home-c/panel'));
        broken.write(
          'config/stations.yaml',
          STATIONS_YAML.replace('    parent: city-110\n    location: [26.605', '    parent: city-11O\n    location: [26.605'),
        );
        broken.write('config/hub.yaml', HUB_YAML.replace('  correlation_window: 120s', '  correlation_window: 2 minutes'));
        // An installer's profile: a misspelt block, a misspelt option, a model with nothing but an id and a description.
        const acme = readFileSync(join(REPO, 'devices/profiles/acme.yaml'), 'utf8')
          .replace('      - motion: { property: pir, on: 1, off: 0 }', '      - motoin: { property: pir, on: 1, off: 0 }\n      - tamper: { proprety: x }')
          .replace('  - id: acme/door-1', '  - id: acme/door-1\n    description: x\n  - id: acme/door-2');
        broken.write('devices/profiles/acme.yaml', acme);
        const en = await safegrid(['check', '--root', broken.root], { LANG: 'en_US.UTF-8' });
        const zh = await safegrid(['check', '--root', broken.root], { LANG: 'zh_CN.UTF-8' });
        expect(zh.code).toBe(1);
        // The same problems in both languages, one line each.
        const lines = (out: string) => out.trim().split('\n');
        expect(lines(zh.out)).toHaveLength(lines(en.out).length);
        for (const needle of [
          'unknown key "adress"',
          'got 60; expected a duration',
          'no profile "acme/pir-9"',
          'device id "shop-a-panel" is already used',
          'site id "home-b" is already used',
          'no station "city-11O"',
          'not valid YAML: a tab',
        ]) {
          expect(en.out).toContain(needle);
        }
        expect(zh.out).toContain('未知的键 "adress"；是不是想写 "address"？');
        expect(zh.out).toContain('devices[0].installed: 实际为 "yes"；应为 `true` 或 `false`');
        // Left: where it is and the key path, as written in the file; then prose that must be Chinese.
        const english = lines(zh.out).flatMap((line) => {
          const prose = line.replace(/^\S+:\d+ {2}/, '').replace(/^[\w.[\]-]+: /, '');
          const words = latinWordsOutsideQuotes(prose).filter((w) => !PROPER_NAMES.has(w));
          return words.length > 0 ? [`${words.join(' ')}  ←  ${line}`] : [];
        });
        expect(english).toEqual([]);
      } finally {
        broken.remove();
      }
    },
  );

  it('a hub that will not start says why in the installer language', async () => {
    const broken = makeTree();
    try {
      broken.write('config/hub.yaml', HUB_YAML.replace('  correlation_window: 120s', '  correlation_window: 2 minutes'));
      const args = ['start', '--root', broken.root, '--db', join(broken.root, 'never.db'), '--http-port', '0', '--mqtt-port', '0'];
      const zh = await safegrid(args, { LANG: 'zh_CN.UTF-8' });
      expect(zh.code).toBe(1);
      expect(zh.out).toContain('配置有错误，系统不启动：');
      expect(zh.out).toMatch(/config\/hub.yaml:\d+  triage.correlation_window: 实际为 "2 minutes"；应为 带单位的时长/);
      const en = await safegrid(args, { LANG: 'en_US.UTF-8' });
      expect(en.out).toContain('configuration has errors:');
      expect(en.out).toContain('triage.correlation_window: got "2 minutes"; expected a duration');
      // The other commands that load the config first say the same in Chinese.
      const user = await safegrid(['user', 'passwd', 'admin', '--root', broken.root], { LANG: 'zh_CN.UTF-8' });
      expect(user.code).toBe(1);
      expect(user.out).toContain('配置有错误，请先改正：');
      expect(user.out).toContain('实际为 "2 minutes"；应为 带单位的时长');
    } finally {
      broken.remove();
    }
  });

  it('hub.yaml `language: zh-CN` gives Chinese whatever LANG says; a clean check says 检查通过', async () => {
    tree.write('devices/shop-a.yaml', SHOP_YAML);
    tree.write('config/hub.yaml', `language: zh-CN\n${readFileSync(join(tree.root, 'config/hub.yaml'), 'utf8')}`);
    const zh = await safegrid(['check', '--root', tree.root], { LANG: 'C' });
    expect(zh.out).toMatch(/检查通过：\d+ 个场所、\d+ 台设备/);
    const help = await safegrid(['--help', '--root', tree.root], { LANG: 'C' });
    expect(help.out).toContain('用法：');
    expect(help.out).toContain('safegrid check    [--root 目录]');
    const helpEn = await safegrid(['--help'], { LANG: 'C' });
    expect(helpEn.out).toContain('Usage:');
  });

  it('the hub log speaks Chinese to the installer with language: zh-CN (started, camera pending install, stopped)', async () => {
    const zhTree = makeTree();
    zhTree.write('config/hub.yaml', `language: zh-CN\n${readFileSync(join(zhTree.root, 'config/hub.yaml'), 'utf8')}`);
    const t = await startTestHub({ tree: zhTree, video: { pollIntervalMs: 200 } });
    try {
      expect(t.logs.some((l) => l.msg === 'SafeGrid 已启动')).toBe(true);
      // The test district's camera answers nobody: pending install, said once, in Chinese.
      await expect.poll(() => t.logs.find((l) => l.code === 'SG_CAMERA_PENDING_INSTALL')?.msg, { timeout: 30_000 }).toMatch(/摄像机从未应答.*npm run demo/);
    } finally {
      await t.close();
    }
    expect(t.logs.some((l) => l.msg === 'SafeGrid 已停止')).toBe(true);
  });
});
