import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './db.js';

/**
 * How often the worker checkpoints what the WAL gained (a PASSIVE checkpoint of nothing is a header
 * read). A checkpoint copies each page once however many commits rewrote it, and under a storm the
 * same index leaves and incident rows are rewritten many times a second: at 1 s the worker spent
 * 5–7 µs of CPU per alarm against 10–13 µs at 200 ms (bench/alarms-only.ts with BENCH_PROFILE, flat
 * out), on the same two cores as everything else.
 */
export const CHECKPOINT_INTERVAL_MS = 1000;
/**
 * The worker looks at the WAL file this often, and checkpoints before its interval is up when the
 * file is at least WAL_EARLY_BYTES long and longer than at the last look. The file only grows when
 * frames are appended beyond its largest size so far (after a checkpoint SQLite writes it from the
 * start again), so this fires in a burst that pushes the WAL past both 16 MB and its own high-water
 * mark; a later burst that stays below that mark waits for the interval.
 */
export const WAL_LOOK_MS = 100;
export const WAL_EARLY_BYTES = 16 * 1024 * 1024;
/** SQLite's own default, put back on the hub's connection when the worker is gone. */
const AUTOCHECKPOINT_PAGES = 1000;
/**
 * From this many WAL frames (pages, ~4 MB: SQLite's own checkpoint size) the hub's connection
 * finishes the worker's checkpoint itself, so the WAL starts over (see startCheckpointer).
 */
export const RESTART_WAL_FRAMES = 1000;

/** What a checkpoint reported (`PRAGMA wal_checkpoint`): frames in the WAL and frames copied back. */
export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

export interface Checkpointer {
  /** Checkpoints run so far (tests, /metrics). */
  readonly runs: number;
  /** The last result, null before the first. */
  readonly last: CheckpointResult | null;
  /** Stops the worker; the hub's connection checkpoints for itself again. */
  stop(): Promise<void>;
}

/**
 * The worker, as plain CommonJS: it needs no TypeScript loader, so it starts the same under tsx
 * (tests, the bench) and from the compiled build. Its own connection to the file; it never writes a
 * row, only copies WAL frames back into the database (PASSIVE: it waits for no reader or writer).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.file, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = FULL');
} catch (err) {
  // Said as text: an error object thrown out of a worker does not always arrive whole.
  parentPort.postMessage({ fatal: String((err && err.message) || err) });
  process.exit(1);
}
const run = () => {
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    parentPort.postMessage({ busy: r.busy, log: r.log, checkpointed: r.checkpointed });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
};
const walFile = workerData.file + '-wal';
// The monotonic clock: a wall clock stepped back (NTP, a resumed VM) would stop the interval.
let lastRun = performance.now();
let lastSize = 0;
const look = () => {
  let size = 0;
  try { size = statSync(walFile).size; } catch {}
  const grew = size >= workerData.earlyBytes && size > lastSize;
  lastSize = size;
  if (!grew && performance.now() - lastRun < workerData.intervalMs) return;
  lastRun = performance.now();
  run();
};
const timer = setInterval(look, workerData.lookMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Moves WAL checkpoints off the event loop. SQLite checkpoints inside the COMMIT that pushes the
 * WAL past 1,000 pages: on the hub's one thread, copying those pages into the database and
 * fsyncing it, while MQTT, Socket.IO and every other transaction wait. Measured with the alarms-only
 * bench (1,000 sites, flat out): without those checkpoints the hub carried 15 % more alarms. Here a
 * worker thread with its own connection checkpoints every CHECKPOINT_INTERVAL_MS (sooner in a burst) and the hub's
 * connection never does (`wal_autocheckpoint = 0`). Durability is unchanged: commits still fsync
 * the WAL (synchronous=FULL), and a checkpoint only copies what the WAL already holds. If the
 * worker fails or stops, the hub's connection takes checkpoints back, so the WAL cannot grow
 * without bound.
 *
 * The WAL starts over (is written from its beginning again) only when a write transaction begins
 * with every frame already copied back. Under steady writes the worker never gets there: by the
 * time its checkpoint ends, the hub has committed more (a test writing 40 MB grew the WAL to
 * 176 MB). So when the worker reports a WAL of RESTART_WAL_FRAMES or more, the hub's connection
 * runs one PASSIVE checkpoint itself, between two of its transactions, right after the worker's
 * pass: it copies only the few frames committed since, and no write can land during it, so the
 * next transaction starts the WAL over.
 */
export interface CheckpointerOptions {
  /** A checkpoint failed (the hub logs it); the next one tries again. */
  onError: (message: string) => void;
  /** Runs fn on the hub's connection between two transactions (the store's gate). */
  betweenTransactions: <T>(fn: () => T) => Promise<T>;
}

export function startCheckpointer(db: Db, file: string, o: CheckpointerOptions): Checkpointer {
  db.pragma('wal_autocheckpoint = 0');
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver, file, intervalMs: CHECKPOINT_INTERVAL_MS, lookMs: WAL_LOOK_MS, earlyBytes: WAL_EARLY_BYTES },
  });
  // Never what keeps a process alive: the store's close stops it, and a process that forgot to
  // close must still exit.
  worker.unref();
  let runs = 0;
  let last: CheckpointResult | null = null;
  let gone = false;
  let finishing = false;
  const finish = (): void => {
    if (finishing || gone) return;
    finishing = true;
    o.betweenTransactions(() => (db.open ? db.pragma('wal_checkpoint(PASSIVE)') : null)).then(
      () => {
        finishing = false;
      },
      (err: Error) => {
        finishing = false;
        o.onError(err.message);
      },
    );
  };
  const takeBack = (): void => {
    if (gone) return;
    gone = true;
    if (db.open) db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  };
  worker.on('message', (m: CheckpointResult | { error: string } | { fatal: string }) => {
    if ('fatal' in m) {
      o.onError(`checkpoint worker could not open the database: ${m.fatal}`);
      takeBack();
    } else if ('error' in m) o.onError(m.error);
    else {
      runs++;
      last = m;
      if (m.log >= RESTART_WAL_FRAMES) finish();
    }
  });
  worker.on('error', (err: unknown) => {
    // An error thrown in the worker arrives as a copy, not always an Error of this realm.
    const message = (err as { message?: unknown } | null)?.message;
    o.onError(typeof message === 'string' ? message : String(err));
    takeBack();
  });
  worker.on('exit', takeBack);
  return {
    get runs() {
      return runs;
    },
    get last() {
      return last;
    },
    async stop() {
      if (gone) return;
      const exited = new Promise<void>((ok) => worker.once('exit', () => ok()));
      worker.postMessage('stop');
      await exited;
      takeBack();
    },
  };
}
