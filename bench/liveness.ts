/**
 * `npx tsx bench/liveness.ts`: how soon a console hears that a device is gone (issue 7, issue 12). Two figures:
 *
 * - last will: the device's TCP connection dies without DISCONNECT → `device:status` offline on a console
 *   (goal: 2 s);
 * - silence: a device heard last at its heartbeat (20 s, the shortest the schema allows) → `trouble.offline`
 *   stored (goal: within 30 s of the last heartbeat; the rule is interval + 5 s grace, checked every 2 s).
 *
 * test/fault/liveness.test.ts checks that both happen (with ceilings for a loaded machine) and prints the same
 * figures; the time budgets are here. The hub runs in this process as the tests build it (test/helpers/hub.ts).
 * Environment: BENCH_ROUNDS (5 last wills), BENCH_SILENCES (1; each takes about 27 s). Lines on stderr, one JSON
 * document on stdout.
 */
import type { DeviceStatus } from '../src/contract/socket.js';
import { nextEvent, startTestHub } from '../test/helpers/hub.js';
import { HOME_YAML, makeTree } from '../test/helpers/tree.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SILENCES = Number(process.env.BENCH_SILENCES ?? 1);
const HEARTBEAT_S = 20;

const tree = makeTree();
tree.write(
  'devices/home-b.yaml',
  HOME_YAML.replace('    topic: safegrid/home-b/home-b-panel\n', `    topic: safegrid/home-b/home-b-panel\n    heartbeat: ${HEARTBEAT_S}s\n`),
);
const t = await startTestHub({ tree });
try {
  const { socket } = await t.console();

  const willMs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const dev = await t.deviceAs('shop-a-panel', {
      will: { topic: 'safegrid/shop-a/shop-a-panel/status', payload: Buffer.from('offline'), qos: 1, retain: false },
    });
    await dev.publishAsync('safegrid/shop-a/shop-a-panel/status', 'online', { qos: 1 });
    const offline = nextEvent<DeviceStatus>(socket, 'device:status', (s) => s.deviceId === 'shop-a-panel' && s.availability === 'offline', 60_000);
    const cut = performance.now();
    dev.stream.destroy();
    await offline;
    willMs.push(Math.round(performance.now() - cut));
    console.error(`last will → offline on the console: ${willMs.at(-1)} ms`);
  }

  const silenceS: number[] = [];
  for (let r = 0; r < SILENCES; r++) {
    const dev = await t.deviceAs('home-b');
    await dev.publishAsync('safegrid/home-b/home-b-panel/status', 'online', { qos: 1 });
    const last = performance.now();
    const since = Date.now();
    // Connected, but silent (keepalive pings are not heartbeats): polled from the store, so the figure is the commit.
    for (;;) {
      const raised = await t.hub.store.events.query({ siteId: 'home-b', kind: 'trouble.offline', since, limit: 1 });
      if (raised.length > 0) break;
      if (performance.now() - last > 120_000) throw new Error('no trouble.offline within 120 s');
      await new Promise((ok) => setTimeout(ok, 50));
    }
    silenceS.push(Number(((performance.now() - last) / 1000).toFixed(1)));
    console.error(`${HEARTBEAT_S} s heartbeat missed → trouble.offline stored after ${silenceS.at(-1)} s`);
    await dev.endAsync(true);
  }

  const worstWill = Math.max(...willMs);
  const worstSilence = SILENCES > 0 ? Math.max(...silenceS) : null;
  console.log(
    JSON.stringify(
      {
        lastWill: { ms: willMs, worst: worstWill, goalMs: 2000, met: worstWill <= 2000 },
        silence: { heartbeatS: HEARTBEAT_S, seconds: silenceS, worst: worstSilence, goalS: 30, met: worstSilence === null ? null : worstSilence <= 30 },
      },
      null,
      2,
    ),
  );
} finally {
  await t.close();
}
