/**
 * `npx tsx bench/alarm-path.ts [checkout]`: the alarm path without the network — ingest, the group
 * commit, dispatch, the held incident writes and the fan-out — in one process, with the CPU it
 * spends per alarm. The MQTT broker and the Socket.IO consoles of bench/alarms-only.ts are left
 * out (no console is connected, so no push is encoded), which leaves less to share the machine's
 * cores with: on the 2-core machine at a load average of 12–30 (2026-12-03), one checkout's median
 * stayed within 93–125 µs per alarm, while bench/alarms-only.ts ran at 200–400 alarms/s with the
 * hub's CPU per alarm at 260–320 µs (138–161 on a quiet machine). For A/B runs of changes to the
 * hub's own code (interleave the checkouts, compare medians and minimums); the
 * end-to-end figures stay with bench/alarms-only.ts.
 *
 * The load of alarms-only: 1,000 sites with one native panel each, intrusion alarms on zones 1 and
 * 2 in turn, 1,000 in flight (50 clients × 20), handed to `hub.ingest.receive` as the broker
 * would. After a warm-up that opens an incident at every site, BENCH_ROUNDS (5) rounds of
 * BENCH_ALARMS (20,000) alarms; each round's CPU includes the held incident writes (500 ms).
 * `checkout` (default: this one) is the root of the checkout whose hub runs, e.g. one made with
 * `git archive <commit> | tar -x -C /tmp/old && ln -s $PWD/node_modules /tmp/old/`; run the
 * script from that directory so its imports resolve there. Prints one line per round on stderr
 * and one JSON document on stdout.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';

const dir = resolve(process.argv[2] ?? '.');
const ALARMS = Number(process.env.BENCH_ALARMS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SITES = 1000;
const IN_FLIGHT = 1000;

interface Inbound {
  topic: string;
  payload: Buffer;
  retained: boolean;
  clientId: string;
}
interface HubLike {
  ingest: { receive(m: Inbound): Promise<{ status: string }> };
  stop(): Promise<void>;
}

// The other checkout's modules, so each side runs its own code.
const { startHub } = (await import(join(dir, 'src/app.ts'))) as { startHub(o: object): Promise<HubLike> };
const tree = (await import(join(dir, 'bench/tree.ts'))) as { benchTree(sites: number, side: number): string; benchUsersYaml(): Promise<string> };
const { createRootLogger } = (await import(join(dir, 'src/core/logger.ts'))) as { createRootLogger(o: object): unknown };

const root = tree.benchTree(SITES, 10);
if (!existsSync(join(root, 'config/users.yaml'))) writeFileSync(join(root, 'config/users.yaml'), await tree.benchUsersYaml());
const hub = await startHub({
  rootDir: root,
  httpPort: 0,
  mqttPort: 0,
  watch: false,
  logger: createRootLogger({ level: 'warn', destination: pino.destination(2) }),
});

let seq = 0;
function message(alarm: boolean): Inbound {
  const id = ++seq;
  const site = id % SITES;
  const clientId = `bench-${site % 50}`;
  if (!alarm) return { topic: `safegrid/s${site}/panel/status`, payload: Buffer.from('online'), retained: false, clientId };
  const body = JSON.stringify({ kind: 'intrusion', zone: (id % 2) + 1, msgId: `b${id}`, detail: `bench:${id}` });
  return { topic: `safegrid/s${site}/panel/event`, payload: Buffer.from(body), retained: false, clientId };
}

async function drive(n: number, alarm: boolean): Promise<void> {
  let left = n;
  const lane = async (): Promise<void> => {
    while (left-- > 0) {
      const r = await hub.ingest.receive(message(alarm));
      if (r.status !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(r)}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

// Warm-up as in alarms-only: an incident and a device state for every site.
await drive(SITES, true);
await drive(SITES, false);
await sleep(1000);
const perAlarm: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await drive(ALARMS, true);
  await sleep(700); // the held incident writes (DERIVED_WRITE_DELAY_MS) land inside the round
  const cpu = process.cpuUsage(cpu0);
  const us = (cpu.user + cpu.system) / ALARMS;
  perAlarm.push(us);
  console.error(`round ${r + 1}: ${us.toFixed(1)} µs CPU per alarm (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
await hub.stop();
const sorted = [...perAlarm].sort((a, b) => a - b);
const round1 = (x: number): number => Math.round(x * 10) / 10;
console.log(
  JSON.stringify({
    checkout: dir,
    alarms: ALARMS,
    rounds: perAlarm.map(round1),
    median: round1(sorted[Math.floor(sorted.length / 2)]!),
    min: round1(sorted[0]!),
  }),
);
process.exit(0);
