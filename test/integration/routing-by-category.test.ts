/**
 * Routing by category through the running hub (issue 12): a gas alarm is a fire incident sent to the
 * configured 119 receiving point, a medical one goes to 120, an intrusion stays with the cell's
 * station; every incident gets its 警情编号 and the cell's community post; the site's address
 * history route lists them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident, SiteHistory } from '../../src/contract/incident.js';
import { nativeEvent } from '../../src/simulate/payloads.js';
import { nextEvent, startTestHub, type TestHub } from '../helpers/hub.js';
import { gridsGeoJson, makeTree, STATIONS_YAML } from '../helpers/tree.js';

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
  - id: cp-hecheng
    name: 荷城派出所社区警务室
    tier: community
    parent: ps-hecheng
    location: null
`;

let t: TestHub;

beforeAll(async () => {
  const tree = makeTree();
  tree.write('config/stations.yaml', STATIONS_YAML.replace('    tier: station\n', '    tier: station\n    code: HC\n') + RECEIVING_POINTS);
  const grids = JSON.parse(gridsGeoJson()) as { features: Array<{ properties: Record<string, unknown> }> };
  for (const f of grids.features) if (f.properties.id === 'cell-sw') f.properties.post = 'cp-hecheng';
  tree.write('config/grids.geojson', JSON.stringify(grids, null, 2));
  t = await startTestHub({ tree });
});

afterAll(async () => {
  await t?.close();
});

describe('routing by category', () => {
  it.each([
    { kind: 'gas', msgId: 'r-gas', station: 'fire-119', prefix: 'XF-', category: 'fire' },
    { kind: 'medical', msgId: 'r-med', station: 'med-120', prefix: 'JJ-', category: 'medical' },
    { kind: 'intrusion', msgId: 'r-int', station: 'ps-hecheng', prefix: 'HC-', category: 'police' },
  ] as const)('$kind → $station', async ({ kind, msgId, station, prefix, category }) => {
    const { socket } = await t.console();
    const device = await t.deviceAs('shop-a-panel');
    const incoming = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 'shop-a' && i.category === category);
    const msg = nativeEvent('safegrid/shop-a/shop-a-panel', kind, 1, msgId);
    await device.publishAsync(msg.topic, msg.payload, { qos: 1 });
    const incident = await incoming;
    expect(incident).toMatchObject({ category, stationId: 'ps-hecheng', responsibleStationId: station, communityPostId: 'cp-hecheng' });
    expect(incident.number).toMatch(new RegExp(`^${prefix}\\d{8}-0001$`));
    expect(incident.timeline.find((e) => e.type === 'route')?.params?.station).toBe(station);
  });

  it('the address history lists the site incidents of each category', async () => {
    const admin = await t.login('admin');
    const res = await admin.get('/api/sites/shop-a/incidents?days=90');
    expect(res.status).toBe(200);
    const history = (await res.json()) as SiteHistory;
    expect(history.incidents.map((i) => i.category).sort()).toEqual(['fire', 'medical', 'police']);
  });
});
