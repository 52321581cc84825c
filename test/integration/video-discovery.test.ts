/** WS-Discovery against simulated cameras: directed probes on loopback, multicast in a namespace. */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { discover } from '../../src/video/onvif/discover.js';
import { makeTree, TREE_ENV, type TestTree } from '../helpers/tree.js';
import { SimCamera } from '../../src/simulate/onvif-camera/camera.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const cams: SimCamera[] = [];
let tree: TestTree;

beforeAll(async () => {
  for (let i = 0; i < 3; i++) {
    // Unicast only: each answers on its own UDP port of 127.0.0.1.
    cams.push(await new SimCamera({ name: `门口摄像机${i + 1}`, hardware: `SIM-IPC-20${i}0`, discovery: { address: '127.0.0.1', port: 0 } }).start());
  }
  tree = makeTree();
});

afterAll(async () => {
  await Promise.all(cams.map((c) => c.stop()));
  tree?.remove();
});

const probes = (list: SimCamera[]) => list.map((c) => `127.0.0.1:${c.discoveryPort}`);

describe('safegrid discover', () => {
  it('finds every simulated camera by directed probe, with name, hardware and address', async () => {
    // How long discovery listens is a ceiling, not a budget: the answers arrive far sooner on a quiet machine.
    const r = await discover({ multicast: false, probes: probes(cams), timeoutMs: 3000 });
    expect(r.skipped).toEqual([]);
    expect(r.devices.map((d) => d.name).sort()).toEqual(['门口摄像机1', '门口摄像机2', '门口摄像机3']);
    expect(r.devices.map((d) => d.xaddrs[0]).sort()).toEqual(cams.map((c) => c.xaddr).sort());
    expect(r.devices.every((d) => d.hardware?.startsWith('SIM-IPC-') && d.from === '127.0.0.1')).toBe(true);
  });

  it('--write creates a site file that safegrid check accepts, and a second run adds nothing twice', async () => {
    const probeArgs = probes(cams).flatMap((p) => ['--probe', p]);
    const args = ['--import', 'tsx', 'src/cli.ts', 'discover', '--root', tree.root, '--no-multicast', '--timeout', '3'];
    args.push('--write', 'devices/found.yaml', ...probeArgs);
    const first = await run(process.execPath, args, { cwd: ROOT });
    expect(first.stdout).toMatch(/3 cameras answered/);
    expect(first.stdout).toMatch(/created devices\/found\.yaml: 3 camera\(s\) added/);
    const text = readFileSync(join(tree.root, 'devices/found.yaml'), 'utf8');
    expect(text).toMatch(/TODO/);
    expect(text).toContain(cams[0]!.xaddr);
    // The TODO values only a person knows fail the check, each at its line (issue 15).
    const unfinished = runCheck(tree.root, { ...process.env, ...TREE_ENV, LANG: 'C' });
    expect(unfinished.exitCode).toBe(1);
    expect(unfinished.output).toMatch(/devices\/found\.yaml:\d+ {2}site\.name: got "TODO/);
    writeFileSync(
      join(tree.root, 'devices/found.yaml'),
      readFileSync(join(tree.root, 'devices/found.yaml'), 'utf8')
        .replace('TODO 站点名称 (site name)', '发现测试商铺')
        .replace('TODO 地址 (street address)', '钟山区测试路1号')
        .replace('TODO 门牌号 (door plate)', '测试路1号')
        .replace('{ name: TODO 联系人, phone: "TODO" }', '{ name: 测试, phone: "13900000009" }'),
    );
    const check = runCheck(tree.root, { ...process.env, ...TREE_ENV, LANG: 'C' });
    expect(check.output).toMatch(/OK: 3 sites, .* 4 cameras/);
    expect(check.exitCode).toBe(0);
    // The password env vars are TODOs: a warning, never an error.
    expect(check.output).toMatch(/CAM_FOUND_.*_PASS/);

    const second = await run(process.execPath, args, { cwd: ROOT });
    expect(second.stdout).toMatch(/updated devices\/found\.yaml: 0 camera\(s\) added, 3 already there/);
    expect(runCheck(tree.root, { ...process.env, ...TREE_ENV }).exitCode).toBe(0);
  }, 90_000);

  it('skips hostile or malformed replies with a reason and still lists the good camera', async () => {
    const bad: SimCamera[] = [];
    for (const m of ['doctype', 'malformed', 'missing-fields', 'huge'] as const) {
      const c = await new SimCamera({ name: `bad-${m}`, discovery: { address: '127.0.0.1', port: 0 } }).start();
      c.state.discoveryMisbehave = m;
      bad.push(c);
    }
    try {
      const r = await discover({ multicast: false, probes: probes([cams[0]!, ...bad]), timeoutMs: 3000 });
      expect(r.devices.map((d) => d.name)).toEqual(['门口摄像机1']);
      const reasons = r.skipped.map((s) => s.reason).join('\n');
      expect(r.skipped).toHaveLength(4);
      expect(reasons).toMatch(/DOCTYPE/);
      expect(reasons).toMatch(/not well-formed/);
      expect(reasons).toMatch(/no XAddrs/);
    } finally {
      await Promise.all(bad.map((c) => c.stop()));
    }
  });

  it('multicast discovery finds every camera inside a network namespace', async () => {
    let allowed = true;
    try {
      execFileSync('unshare', ['-n', 'true']);
    } catch {
      allowed = false;
    }
    // Namespaces need root (CI and the dev machines are root); without them the directed probe
    // tests above are the coverage, and this says so instead of passing silently.
    if (!allowed) {
      console.warn('unshare -n is not permitted here: multicast discovery not tested');
      return;
    }
    const script =
      'ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo && exec "$0" --import tsx test/sim/onvif-camera/ns-discovery.ts 3';
    const { stdout } = await run('unshare', ['-n', 'sh', '-c', script, process.execPath], { cwd: ROOT, timeout: 60_000 });
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as { names: string[]; skipped: unknown[] };
    expect(r.names).toEqual(['NsCam-1', 'NsCam-2', 'NsCam-3']);
    expect(r.skipped).toEqual([]);
  }, 70_000);
});
