/**
 * Start-up to serving with 10,000 sites, 10,000 grid cells and 1,000,000 stored events (issue 7).
 *
 * Two figures: `cold` is the first start of an installation (nothing cached from an earlier run);
 * `warm` is a restart of the same installation with unchanged files, which is what an operator
 * waits for after an update, a crash or a reboot, and what issue 7's goal is measured on. Both are
 * spawn → serving: Node start, tsx, module loading and `startHub` (config, grid, SQLite, incident
 * rebuild, broker, HTTP), measured from the parent.
 *
 * `npm run bench` runs it as its last phase; `tsx bench/startup.ts` runs only this phase and prints
 * one JSON document. BENCH_STARTUP_EVENTS (1,000,000) sets the stored events; BENCH_STARTUP_ROOT=dir
 * keeps the generated installation there and reuses it on the next run (the prefill takes a while).
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KIND_INFO } from '../src/contract/alarm-event.js';
import { newId } from '../src/core/ids.js';
import { openStore } from '../src/store/index.js';
import { startServer, stopServer } from './spawn.js';
import { benchTree } from './tree.js';

const round = (n: number, d = 1): number => Math.round(n * 10 ** d) / 10 ** d;

export interface StartupRun {
  spawnToServingMs: number;
  startHubMs: number;
  /** Site files and grids.geojson answered from the parse cache, and parsed (then cached). */
  filesFromCache: number;
  filesParsed: number;
}

export interface StartupResult {
  sites: number;
  cells: number;
  storedEvents: number;
  /** The restart figure (= warm): issue 7's "start-up time to serving". */
  spawnToServingMs: number;
  startHubMs: number;
  /** First start, nothing cached. */
  cold: StartupRun;
  /** Restart with unchanged files. */
  warm: StartupRun;
  prefillSeconds: number;
}

/** The generated installation: config, 10,000 site files, and a database with `events` events. */
async function prepare(root: string | null, sites: number, side: number, events: number): Promise<{ root: string; prefillSeconds: number }> {
  if (root && existsSync(join(root, 'data/bench.db'))) return { root, prefillSeconds: 0 };
  console.error(`start-up: generating ${sites} sites, ${side * side} cells, ${events} events…`);
  const dir = benchTree(sites, side, root ?? undefined);
  const t0 = performance.now();
  const store = openStore(join(dir, 'data/bench.db'));
  const base = Date.now() - 30 * 86_400_000;
  const BATCH = 10_000;
  for (let i = 0; i < events; i += BATCH) {
    await store.transaction(async () => {
      for (let k = i; k < Math.min(events, i + BATCH); k++) {
        const at = new Date(base + k * 2000).toISOString();
        const id = newId(base + k * 2000);
        const seq = await store.events.insert({
          drill: false,
          id,
          siteId: `s${k % sites}`,
          deviceId: 'panel',
          kind: 'intrusion',
          category: KIND_INFO.intrusion.category,
          zone: 1,
          zoneName: '前门',
          occurredAt: at,
          receivedAt: at,
          location: [26.6, 104.83],
          gridCellId: null,
          stationId: 'ps-1',
          detail: null,
          profile: 'native',
          topic: `safegrid/s${k % sites}/panel/event`,
          raw: '{"kind":"intrusion","zone":1}',
          dedupeKey: `p${k}`,
        });
        // Old events were correlated long ago (closed incidents); only the queue is rebuilt on start.
        await store.events.markProcessed(id, '-', seq);
      }
    });
  }
  await store.close();
  return { root: dir, prefillSeconds: round((performance.now() - t0) / 1000) };
}

/** Removes what a previous start left in data/ besides the database (caches), for a cold start. */
function forgetCaches(root: string): void {
  const data = join(root, 'data');
  for (const name of readdirSync(data)) {
    if (name === 'bench.db' || name === 'bench.db-wal' || name === 'bench.db-shm') continue;
    rmSync(join(data, name), { recursive: true, force: true });
  }
}

async function startOnce(root: string, sites: number, side: number): Promise<StartupRun> {
  const server = await startServer('bench/hub-server.ts', [String(sites), String(side), root, 'info']);
  await stopServer(server);
  return {
    spawnToServingMs: server.spawnToServingMs,
    startHubMs: server.startHubMs ?? NaN,
    filesFromCache: server.filesFromCache ?? 0,
    filesParsed: server.filesParsed ?? 0,
  };
}

export async function measureStartup(): Promise<StartupResult> {
  const sites = 10_000;
  const side = 100;
  const events = Number(process.env.BENCH_STARTUP_EVENTS ?? 1_000_000);
  const keep = process.env.BENCH_STARTUP_ROOT ? resolve(process.env.BENCH_STARTUP_ROOT) : null;
  const { root, prefillSeconds } = await prepare(keep, sites, side, events);
  try {
    forgetCaches(root);
    const cold = await startOnce(root, sites, side);
    console.error(`start-up, first start: ${cold.spawnToServingMs} ms to serving (startHub ${cold.startHubMs} ms; ${cold.filesParsed} files parsed)`);
    const warm = await startOnce(root, sites, side);
    console.error(
      `start-up, restart: ${warm.spawnToServingMs} ms to serving (startHub ${warm.startHubMs} ms; ${warm.filesFromCache} files from the parse cache, ` +
        `${warm.filesParsed} parsed)`,
    );
    return {
      sites,
      cells: side * side,
      storedEvents: events,
      spawnToServingMs: warm.spawnToServingMs,
      startHubMs: warm.startHubMs,
      cold,
      warm,
      prefillSeconds,
    };
  } finally {
    if (!keep) rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  console.log(JSON.stringify(await measureStartup(), null, 2));
}
