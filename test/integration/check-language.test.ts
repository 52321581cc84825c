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
import { makeTree, SHOP_YAML, TREE_ENV } from '../helpers/tree.js';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '../..');
const tree = makeTree();
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
    expect(unknown.out).toContain('site.adress: 未知的键 "adress"; did you mean "address"?');
    expect(unknown.out).toContain('site.address: 缺少此项；应为');
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
