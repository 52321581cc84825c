/**
 * Incident pushes reach the receiving point an incident was routed to (issue 12), whatever was pushed
 * before at the same site. The fan-out remembers each audience per config (api/socket/fan-out.ts);
 * keyed by site and station only, a police incident at shop-a made a later fire incident at shop-a
 * go to the police rooms: the 119 point's console never heard of it, and the 120 point's console
 * missed the medical one while the 119 point was sent it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventKind } from '../../src/contract/alarm-event.js';
import type { Incident } from '../../src/contract/incident.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { TEST_ACCOUNTS, usersYaml } from '../helpers/accounts.js';
import { nextEvent, startTestHub, type TestHub } from '../helpers/hub.js';
import { makeTree, STATIONS_YAML } from '../helpers/tree.js';

const RECEIVING_POINTS = `  - id: fire-119
    name: 六盘水市消防救援支队119指挥中心
    tier: fire
    code: XF
    parent: null
    location: [26.5905, 104.8402]
  - id: med-120
    name: 六盘水市120急救指挥中心
    tier: medical
    code: JJ
    parent: null
    location: [26.5878, 104.8265]
`;

let t: TestHub;

beforeAll(async () => {
  const tree = makeTree();
  tree.write('config/stations.yaml', STATIONS_YAML + RECEIVING_POINTS);
  tree.write(
    'config/users.yaml',
    await usersYaml([
      ...TEST_ACCOUNTS,
      { username: 'op-fire', role: 'operator', station: 'fire-119', password: 'pw-op-fire-Rt48wQ' },
      { username: 'op-med', role: 'operator', station: 'med-120', password: 'pw-op-med-Hy59eL' },
    ]),
  );
  t = await startTestHub({ tree });
});

afterAll(async () => {
  await t?.close();
});

describe('incident pushes go to the rooms of where each incident was routed', () => {
  it('police, then fire, then medical at one site: each receiving point gets its own incident and no other', async () => {
    const session = async (username: string, password: string) => {
      const seen: Incident[] = [];
      const { socket } = await t.console({ session: await t.login(username, password), auth: { deltas: 1 } });
      socket.on('incident:new', (i: Incident) => void seen.push(i));
      return { socket, seen };
    };
    const fire = await session('op-fire', 'pw-op-fire-Rt48wQ');
    const med = await session('op-med', 'pw-op-med-Hy59eL');
    const { socket: hecheng } = await t.console({ as: 'op-hecheng', auth: { deltas: 1 } });
    const device = await t.deviceAs('shop-a-panel');
    const publish = async (kind: EventKind, msgId: string) => {
      const msg = nativeEvent('safegrid/shop-a/shop-a-panel', kind, 1, msgId);
      await device.publishAsync(msg.topic, msg.payload, { qos: 1 });
    };

    const police = nextEvent<Incident>(hecheng, 'incident:new', (i) => i.category === 'police');
    await publish('intrusion', 'aud-int');
    expect(await police).toMatchObject({ siteId: 'shop-a', responsibleStationId: 'ps-hecheng' });

    const fireIncident = nextEvent<Incident>(fire.socket, 'incident:new', (i) => i.category === 'fire');
    await publish('gas', 'aud-gas');
    const firstFire = await fireIncident;
    expect(firstFire).toMatchObject({ siteId: 'shop-a', responsibleStationId: 'fire-119' });

    const medical = nextEvent<Incident>(med.socket, 'incident:new', (i) => i.category === 'medical');
    await publish('medical', 'aud-med');
    expect(await medical).toMatchObject({ siteId: 'shop-a', responsibleStationId: 'med-120' });
    // A later push on the 119 point's socket (another gas event joins its incident): whatever went
    // there before it has arrived.
    const marker = nextEvent<Incident>(fire.socket, 'incident:update', (i) => i.id === firstFire.id);
    await publish('gas', 'aud-gas-2');
    await marker;

    expect(fire.seen.map((i) => i.category)).not.toContain('police');
    expect(fire.seen.map((i) => i.category)).not.toContain('medical');
    expect(med.seen.map((i) => i.category)).toEqual(['medical']);
  });
});
