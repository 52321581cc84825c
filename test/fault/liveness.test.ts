/**
 * Liveness (issue 7): a device that falls silent past its heartbeat interval raises
 * `trouble.offline` within the interval plus 10 s; an MQTT last will shows the device offline within
 * 2 s of the TCP connection dying (state: no incident by itself, issue 12). Real clocks, the shortest heartbeat the schema allows (20 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/contract/incident.js';
import type { DeviceStatus } from '../../src/contract/socket.js';
import { nextEvent, startTestHub, type TestHub } from '../helpers/hub.js';
import { HOME_YAML, makeTree } from '../helpers/tree.js';
import { loadConfig } from '../../src/config/index.js';
import { nativeEvent } from '../../src/simulate/payloads.js';

describe('a silent or vanished device is noticed in time', () => {
  let t: TestHub;
  beforeAll(async () => {
    const tree = makeTree();
    tree.write(
      'devices/home-b.yaml',
      HOME_YAML.replace('    topic: safegrid/home-b/home-b-panel\n', '    topic: safegrid/home-b/home-b-panel\n    heartbeat: 20s\n'),
    );
    t = await startTestHub({ tree });
  });
  afterAll(async () => {
    await t.close();
  });

  it('a heartbeat shorter than 20 s is a config problem, not a flood of offline alarms', () => {
    const tree = makeTree();
    try {
      tree.write(
        'devices/home-b.yaml',
        HOME_YAML.replace('    topic: safegrid/home-b/home-b-panel\n', '    topic: safegrid/home-b/home-b-panel\n    heartbeat: 5s\n'),
      );
      const loaded = loadConfig(tree.root, { env: { ...process.env, MQTT_SHOP_A_PASS: 'x', MQTT_SHOP_A_DOOR_PASS: 'x', MQTT_FRIGATE_PASS: 'x' } });
      const problem = loaded.problems.find((p) => p.path?.includes('heartbeat'));
      expect(problem?.message ?? JSON.stringify(loaded.problems)).toMatch(/at least 20s/);
    } finally {
      tree.remove();
    }
  });

  // Changed by issue 12 (supervision is state): a last will is an explicit "offline" report, shown
  // at once as the device's status; it opens no incident by itself. A device that stays silent past
  // its heartbeat raises trouble.offline (next test). The delay is printed; its budget (2 s) is the bench's
  // (bench/liveness.ts); here the status must come, within a ceiling for a loaded machine.
  it('the last will: the device is shown offline as soon as the connection dies without DISCONNECT, and no incident opens', async () => {
    const { socket } = await t.console();
    const dev = await t.deviceAs('shop-a-panel', {
      will: { topic: 'safegrid/shop-a/shop-a-panel/status', payload: Buffer.from('offline'), qos: 1, retain: false },
    });
    await dev.publishAsync('safegrid/shop-a/shop-a-panel/status', 'online', { qos: 1 });
    const opened: Incident[] = [];
    socket.on('incident:new', (i: Incident) => {
      if (i.siteId === 'shop-a') opened.push(i);
    });
    const offline = nextEvent<DeviceStatus>(socket, 'device:status', (s) => s.deviceId === 'shop-a-panel' && s.availability === 'offline', 30_000);
    const cut = performance.now();
    dev.stream.destroy(); // the TCP connection dies; no DISCONNECT packet
    const status = await offline;
    const ms = performance.now() - cut;
    console.info(`liveness: last will → device:status offline on the console after ${Math.round(ms)} ms`);
    expect(status).toMatchObject({ siteId: 'shop-a', availability: 'offline', pendingInstall: false });
    // No incident from the will: a marker alarm from the same device, reconnected, is pushed after
    // anything the will could have opened (one journal, announced in commit order).
    const again = await t.deviceAs('shop-a-panel');
    const marker = nativeEvent('safegrid/shop-a/shop-a-panel', 'intrusion', 2, 'liveness-marker');
    const markerIncident = nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 'shop-a' && i.kind === 'intrusion');
    await again.publishAsync(marker.topic, marker.payload, { qos: 1 });
    await markerIncident;
    await again.endAsync(true);
    expect(opened.filter((i) => i.kind === 'trouble.offline')).toEqual([]);
  });

  it('silence past a 20 s heartbeat: trouble.offline after the heartbeat and its grace, saying how long it was silent', async () => {
    const { socket } = await t.console();
    const dev = await t.deviceAs('home-b');
    await dev.publishAsync('safegrid/home-b/home-b-panel/status', 'online', { qos: 1 });
    const last = performance.now();
    // Connected, but silent: keepalive pings are not heartbeats. The alarm must come (60 s: a ceiling for a loaded
    // machine), never before the heartbeat and its grace are over, and say how long the device was silent. How soon
    // after the 25 s it comes is a figure, printed here and measured by bench/liveness.ts; the rule (interval + grace)
    // is checked on an injected clock in test/unit/ingest-liveness.test.ts.
    const incident = await nextEvent<Incident>(socket, 'incident:new', (i) => i.siteId === 'home-b' && i.kind === 'trouble.offline', 60_000);
    const s = (performance.now() - last) / 1000;
    console.info(`liveness: 20 s heartbeat missed → trouble.offline after ${s.toFixed(1)} s (the hub promises 30 s)`);
    expect(s).toBeGreaterThanOrEqual(20);
    const said = /no heartbeat for (\d+) s \(expected every 20 s\)/.exec(incident.timeline[0]?.detail ?? '');
    expect(said, String(incident.timeline[0]?.detail)).not.toBeNull();
    // Heartbeat 20 s + grace 5 s: never sooner.
    expect(Number(said![1])).toBeGreaterThanOrEqual(25);
  }, 90_000);
});
