/**
 * Issue 15: `safegrid check` fails on the TODO placeholders `safegrid discover --write` leaves in a
 * site file, each at its line, in the installer's language; a finished file passes.
 */
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { placeholderProblems } from '../../src/config/placeholders.js';
import { formatProblem } from '../../src/config/report.js';
import { makeTree, TREE_ENV } from '../helpers/tree.js';

/** What discover --write writes for a new site (src/video/discover-cli.ts), cameras left out. */
const DISCOVERED = `# Written by safegrid discover. Fill in every TODO, then run \`safegrid check\`.
site:
  id: found
  name: TODO 站点名称 (site name)
  kind: shop # TODO: home | shop | unit
  address: TODO 地址 (street address)
  door_plate: TODO 门牌号 (door plate)
  location: [26.595, 104.835] # TODO: the site's [lat, lng]; this is the map centre
  contacts:
    - { name: TODO 联系人, phone: "TODO" }
devices: []
cameras: []
`;

describe('TODO placeholders', () => {
  it('each TODO value is a problem at its line and key path; comments and keys are not', () => {
    expect(placeholderProblems('devices/found.yaml', DISCOVERED).map((p) => formatProblem(p))).toEqual([
      'devices/found.yaml:4  site.name: got "TODO 站点名称 (site name)"; expected the real value: `safegrid discover` left this TODO for a person to fill in',
      'devices/found.yaml:6  site.address: got "TODO 地址 (street address)"; expected the real value: `safegrid discover` left this TODO for a person to ' +
        'fill in',
      'devices/found.yaml:7  site.door_plate: got "TODO 门牌号 (door plate)"; expected the real value: `safegrid discover` left this TODO for a person to ' +
        'fill in',
      'devices/found.yaml:10  site.contacts[0].name: got "TODO 联系人"; expected the real value: `safegrid discover` left this TODO for a person to fill in',
      'devices/found.yaml:10  site.contacts[0].phone: got "TODO"; expected the real value: `safegrid discover` left this TODO for a person to fill in',
    ]);
    expect(placeholderProblems('devices/x.yaml', 'site:\n  name: Todos los Santos\n  TODO: 1\n')).toEqual([]);
  });

  it('is said in Chinese for a Chinese installer', () => {
    const [p] = placeholderProblems('devices/found.yaml', DISCOVERED);
    expect(formatProblem(p!, 'zh-CN')).toBe(
      'devices/found.yaml:4  site.name: 实际为 "TODO 站点名称 (site name)"；应填入真实内容：这是 `safegrid discover` 留给人工填写的 TODO',
    );
  });

  it('safegrid check fails on a discovered file and passes once it is filled in', () => {
    const tree = makeTree({ 'found.yaml': DISCOVERED });
    try {
      const before = runCheck(tree.root, { ...process.env, ...TREE_ENV, LANG: 'C' });
      expect(before.exitCode).toBe(1);
      expect(before.output).toContain('devices/found.yaml:10  site.contacts[0].phone: got "TODO"');
      tree.write(
        'devices/found.yaml',
        DISCOVERED.replace('TODO 站点名称 (site name)', '水西路8号商铺')
          .replace('TODO 地址 (street address)', '钟山区水西路8号')
          .replace('TODO 门牌号 (door plate)', '水西路8号')
          .replace('{ name: TODO 联系人, phone: "TODO" }', '{ name: 赵店主, phone: "13900000008" }'),
      );
      const after = runCheck(tree.root, { ...process.env, ...TREE_ENV, LANG: 'C' });
      expect(after.output).not.toContain('TODO');
      expect(after.exitCode).toBe(0);
    } finally {
      tree.remove();
    }
  });
});
