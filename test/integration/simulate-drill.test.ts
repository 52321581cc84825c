/**
 * `safegrid simulate --drill` (issue 15): the simulator logs in as an operator, asks the hub for a
 * drill of the sites its scenarios touch, then plays a burglary with two zones, a fire and a mains
 * loss on every panel over real MQTT. The hub flags what arrives from the drilled sites: every
 * incident is a drill; ending the drill makes the next alarm real again.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchTree } from '../../bench/tree.js';
import { createRootLogger } from '../../src/core/logger.js';
import { endDrill, loginToHub, startDrill } from '../../src/simulate/drill-client.js';
import { DRILL_SCENARIOS, planScenario, scenarioSites } from '../../src/simulate/scenarios.js';
import { Simulator } from '../../src/simulate/simulator.js';
import { accountOf, usersYaml, type TestAccount } from '../helpers/accounts.js';
import { startTestHub, waitFor, type TestHub } from '../helpers/hub.js';

const PANELS = 40;
const OPERATOR: TestAccount = { username: 'op-sim', role: 'operator', station: 'ps-1', password: 'pw-op-sim-Rt55wQ' };
const root = benchTree(PANELS);
let t: TestHub;
let sim: Simulator | null = null;

beforeAll(async () => {
  writeFileSync(join(root, 'config/users.yaml'), await usersYaml([accountOf('admin'), OPERATOR]));
  t = await startTestHub({
    tree: { root, write: (rel, text) => writeFileSync(join(root, rel), text), remove: () => rmSync(root, { recursive: true, force: true }) },
  });
}, 60_000);

afterAll(async () => {
  await sim?.stop();
  await t?.close();
});

describe('simulate --drill', () => {
  it('the scenarios are a two-zone burglary, a fire, and a mains loss on every panel', () => {
    const config = t.hub.config;
    const burglary = planScenario(config, 'burglary');
    expect(burglary).toHaveLength(2);
    expect(new Set(burglary.map((a) => a.siteId)).size).toBe(1);
    expect(burglary.map((a) => a.zone)).toEqual([1, 2]);
    expect(planScenario(config, 'fire')).toEqual([expect.objectContaining({ kind: 'fire' })]);
    expect(planScenario(config, 'mains')).toHaveLength(PANELS);
    expect(scenarioSites(config, [...DRILL_SCENARIOS])).toHaveLength(PANELS);
  });

  it('every incident of the played scenarios is a drill; after the drill ends, an alarm is real', async () => {
    const config = t.hub.config;
    const session = await loginToHub({ url: t.baseUrl, username: OPERATOR.username, password: OPERATOR.password });
    const drill = await startDrill(session, { sites: scenarioSites(config, [...DRILL_SCENARIOS]), durationSeconds: 600, name: 'simulate --drill' });
    sim = new Simulator({ url: t.mqttUrl, config, log: createRootLogger({ level: 'silent' }), randomAlarms: false, random: () => 0.5 });
    await sim.start();
    let sent = 0;
    for (const s of DRILL_SCENARIOS) sent += sim.play(planScenario(config, s));
    expect(sent).toBe(2 + 1 + PANELS);
    // 40 mains-loss incidents (technical), the burglary (police) and the fire.
    const all = await waitFor(() => {
      const list = t.hub.incidents.snapshot();
      return list.length >= PANELS + 2 ? list : null;
    });
    expect(all.filter((i) => i.category === 'technical')).toHaveLength(PANELS);
    const burglary = all.find((i) => i.category === 'police')!;
    expect(burglary).toMatchObject({ kind: 'burglary', priority: 1, zones: [1, 2] });
    expect(all.every((i) => i.drill)).toBe(true);

    await endDrill(session, drill.id);
    // Idempotent for the simulator: a drill already ended is not an error.
    await endDrill(session, drill.id);
    sim.play([{ siteId: 's1', deviceId: 'panel', kind: 'panic', zone: null }]);
    const real = await waitFor(() => t.hub.incidents.snapshot().find((i) => i.siteId === 's1' && i.kind === 'panic'));
    expect(real.drill).toBe(false);
  });
});
