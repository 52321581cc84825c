/**
 * The 110 workflow's view of a loaded config (config/workflow-view.ts), as dispatch reads it through
 * RunningConfig.workflow: each station's units carry their station, 转警 targets, a site's contacts
 * and guard settings; a hot reload (replace) is seen by the next read.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { RunningConfig } from '../../src/config/running.js';
import { makeTree, STATIONS_YAML, TREE_ENV } from '../helpers/tree.js';

const tree = makeTree();
afterAll(() => tree.remove());

function load(): RunningConfig {
  const loaded = loadConfig(tree.root, { env: TREE_ENV });
  if (!loaded.config) throw new Error(JSON.stringify(loaded.problems));
  return new RunningConfig({ config: loaded.config, profiles: loaded.profiles!, problems: loaded.problems });
}

describe('the workflow view of a loaded config', () => {
  it('gives each station its units with the station id, stations as transfer targets, and sites their contacts', () => {
    const view = load().workflow;
    expect(view.units('ps-hecheng').map((u) => [u.id, u.stationId])).toEqual([
      ['hc-car-1', 'ps-hecheng'],
      ['hc-team', 'ps-hecheng'],
    ]);
    expect(view.units('ps-hecheng')[0]!.officers).toEqual([{ name: '李明', phone: '13908580101' }]);
    // The city centre has no units; a site outside every cell has no station.
    expect(view.units('city-110')).toEqual([]);
    expect(view.units(null)).toEqual([]);
    expect(view.station('ps-minghu')).toEqual({ id: 'ps-minghu', name: '钟山分局明湖派出所', tier: 'station' });
    expect(view.station('nowhere')).toBeUndefined();
    const shop = view.site('shop-a')!;
    expect(shop.contacts.map((c) => c.name)).toEqual(['王店主', '王太太']);
    expect(shop.guardGroup).toBe('hecheng-team');
    expect(shop.guardFirst).toBe(false);
    // The verbal password is resolved from its reference for the call check, never sent to pages.
    expect(shop.verbalPassword).toBe(TREE_ENV.VERBAL_SHOP_A);
    expect(view.site('no-such-site')).toBeUndefined();
    expect(view.natures.length).toBeGreaterThan(0);
  });

  it('after a reload the next read sees the new units', () => {
    const running = load();
    expect(running.workflow.units('ps-minghu').map((u) => u.id)).toEqual(['mh-car-1']);
    tree.write(
      'config/stations.yaml',
      STATIONS_YAML.replace(
        '      - { id: mh-car-1, name: 明湖巡逻车1组',
        '      - { id: mh-car-2, name: 明湖巡逻车2组, kind: patrol_car }\n      - { id: mh-car-1, name: 明湖巡逻车1组',
      ),
    );
    const reloaded = loadConfig(tree.root, { env: TREE_ENV });
    running.replace({ config: reloaded.config!, profiles: reloaded.profiles!, problems: reloaded.problems });
    expect(running.workflow.units('ps-minghu').map((u) => u.id)).toEqual(['mh-car-2', 'mh-car-1']);
  });
});
