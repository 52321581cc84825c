/**
 * WAL checkpoints run in a worker thread (src/store/sqlite-checkpointer.ts), never inside the hub's
 * commits. What an operator of the hub would notice if it went wrong: a WAL file that grows without
 * bound (disk fills, start-up replays gigabytes), a database file that never receives the committed
 * rows, or a process that cannot close the file cleanly.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmEvent } from '../../src/contract/alarm-event.js';
import { openDatabase } from '../../src/store/db.js';
import { openStore, type Store } from '../../src/store/index.js';
import { startCheckpointer } from '../../src/store/sqlite-checkpointer.js';
import { testAlarm } from '../helpers/alarm-event.js';
import { waitFor } from '../helpers/hub.js';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sg-ckpt-'));
  dirs.push(dir);
  return join(dir, 'hub.db');
}

let n = 0;
/** An alarm with a payload of `rawBytes`, so a few thousand of them fill many WAL pages. */
function alarm(rawBytes: number): AlarmEvent {
  n++;
  return testAlarm({ siteId: `s${n % 50}`, atMs: Date.now(), zoneName: '前门', raw: 'x'.repeat(rawBytes) });
}

/** Commits `batches` transactions of `perBatch` alarms, yielding to the event loop between two (as the hub does). */
async function writeAlarms(store: Store, batches: number, perBatch: number, rawBytes: number): Promise<void> {
  for (let b = 0; b < batches; b++) {
    await store.transaction(async () => {
      for (let k = 0; k < perBatch; k++) await store.events.insert(alarm(rawBytes));
    });
    await new Promise((r) => setImmediate(r));
  }
}

const size = (file: string): number => (existsSync(file) ? statSync(file).size : 0);

describe('SQLite WAL checkpoints off the event loop', () => {
  it('committed rows reach the database file while the hub runs, and the WAL stays bounded', async () => {
    const file = tempDb();
    const store = openStore(file);
    stores.push(store);
    const dbAtStart = size(file);
    let walMax = 0;
    // ~40 MB of alarms in 400 transactions; with SQLite's own checkpoints switched off on the hub's
    // connection, only the worker can move them into the database file or let the WAL start over.
    for (let round = 0; round < 20; round++) {
      await writeAlarms(store, 20, 50, 2000);
      walMax = Math.max(walMax, size(`${file}-wal`));
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(() => size(file) > dbAtStart + 30 * 1024 * 1024, 60_000);
    // Each of the 400 commits rewrites the pages it touched: a WAL that never started over held
    // ~176 MB here, four times the database. Started over at every worker pass, it stays a fraction.
    console.log(`WAL high-water ${walMax} bytes, database ${size(file)} bytes`);
    expect(walMax).toBeLessThan(size(file));
    expect(await store.events.count()).toBe(20_000);
  });

  it('closing the store stops the worker: the last connection removes the WAL and the file reopens whole', async () => {
    const file = tempDb();
    const store = openStore(file);
    await writeAlarms(store, 10, 20, 500);
    await store.close();
    // SQLite deletes the WAL when its last connection closes; the worker's would have kept it.
    expect(existsSync(`${file}-wal`)).toBe(false);
    const again = openStore(file);
    stores.push(again);
    expect(await again.events.count()).toBe(200);
  });

  it('a worker that cannot start is reported, and the hub connection checkpoints for itself again', async () => {
    const file = tempDb();
    const db = openDatabase(file);
    try {
      const errors: string[] = [];
      // The worker opens its own connection with fileMustExist: a path with no database fails.
      const cp = startCheckpointer(db, `${file}.missing`, { onError: (m) => errors.push(m), betweenTransactions: async (fn) => fn() });
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      await waitFor(() => errors.length > 0 && db.pragma('wal_autocheckpoint', { simple: true }) === 1000, 30_000);
      expect(errors[0]).toMatch(/unable to open|does not exist|directory/i);
      await cp.stop();
    } finally {
      db.close();
    }
  });

  it('a reader on its own connection sees every committed row while the worker checkpoints', async () => {
    const file = tempDb();
    const store = openStore(file);
    stores.push(store);
    const reader = new Database(file, { readonly: true });
    try {
      for (let round = 1; round <= 5; round++) {
        await writeAlarms(store, 10, 40, 1000);
        expect((reader.prepare('SELECT count(*) AS c FROM events').get() as { c: number }).c).toBe(round * 400);
      }
    } finally {
      reader.close();
    }
  });
});
