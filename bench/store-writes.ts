/**
 * `npx tsx bench/store-writes.ts`: what the SQLite store spends per alarm on the hub's write path,
 * without the broker or the consoles: group commits of 250 alarms from 1,000 sites (writeEventBatch,
 * one fsync each), then their correlation marks in a derived transaction, as dispatch writes them.
 * Timed after a prefill, because the cost of the indexes whose keys do not follow time (the site
 * index, the dedupe index) grows with the rows already stored.
 *
 * Environment: BENCH_PREFILL (100,000 events), BENCH_BATCHES (200), BENCH_DIR (a temporary directory).
 * Prints one JSON line: CPU µs per alarm (this process, the checkpoint worker included) and wall µs.
 * For an A/B, run it in two checkouts in turn (see bench/alarms-only.ts for making the other one).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeEventBatch } from '../src/store/event-batch.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { testAlarm } from '../test/helpers/alarm-event.js';

const PREFILL = Number(process.env.BENCH_PREFILL ?? 100_000);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 200);
const BATCH = 250;
const SITES = 1000;
const dir = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'sg-store-writes-'));
const store = openSqliteStore(join(dir, 'bench.db'));

let atMs = Date.now() - 3600_000;
let n = 0;
async function oneBatch(): Promise<void> {
  const events = Array.from({ length: BATCH }, () => {
    const siteId = `site-${String(Math.floor(Math.random() * SITES)).padStart(4, '0')}`;
    const msgId = `b${++n}`;
    const event = testAlarm({
      siteId,
      atMs: ++atMs,
      dedupeKey: `m:${siteId}/${siteId}-panel:${msgId}:intrusion:1`,
      raw: JSON.stringify({ kind: 'intrusion', zone: 1, msgId, detail: `bench:${n}` }),
    });
    return { event, duplicateSinceMs: atMs - 86_400_000 };
  });
  const { stored } = await writeEventBatch(store, { events, states: [] });
  await store.derivedTransaction(async () => {
    for (const e of stored) await store.events.markProcessed(e.id, `inc-${e.siteId}`, e.seq);
  });
}

for (let i = 0; i < PREFILL / BATCH; i++) await oneBatch();
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
for (let i = 0; i < BATCHES; i++) await oneBatch();
const cpu = process.cpuUsage(cpu0);
const alarms = BATCHES * BATCH;
const result = {
  prefill: PREFILL,
  alarms,
  cpuUsPerAlarm: Math.round((cpu.user + cpu.system) / alarms),
  wallUsPerAlarm: Math.round(((performance.now() - wall0) * 1000) / alarms),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
await store.close();
if (!process.env.BENCH_DIR) rmSync(dir, { recursive: true, force: true });
