/**
 * The SQLite dedupe index holds a 53-bit hash of each event's dedupe key (migration 015): a resend
 * is still recognised by its full key, a database an older release left behind keeps recognising
 * resends of what it stored, and the lookup reads the hash index rather than every stored event.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/store/db.js';
import { dedupeHash } from '../../src/store/dedupe-hash.js';
import { DEDUPE_LOOKUP_SQL } from '../../src/store/event-repo.js';
import { openStore, type Store } from '../../src/store/index.js';
import { testAlarm } from '../helpers/alarm-event.js';
import { openSecondConnection, rowsOnDisk } from '../helpers/sqlite-file.js';

const T0 = Date.parse('2026-12-03T08:00:00Z');
let dir: string;
let path: string;
let store: Store | null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sg-dedupe-'));
  path = join(dir, 'hub.db');
  store = null;
});
afterEach(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Stores one event as a group commit would; resolves to how many were stored (0: a duplicate). */
async function storeOne(s: Store, siteId: string, dedupeKey: string, atMs: number): Promise<number> {
  const candidate = { event: testAlarm({ siteId, atMs, dedupeKey }), duplicateSinceMs: atMs - 86_400_000 };
  const { stored } = await s.transaction(() => s.events.commitBatch([candidate]));
  return stored.length;
}

describe('dedupe by the hash of the key', () => {
  it('drops a resend of a stored message id, stores a different one, and the same one again after its window', async () => {
    store = openStore(path);
    const key = 'm:shop-a/shop-a-panel:msg-0001:intrusion:1';
    expect(await storeOne(store, 'shop-a', key, T0)).toBe(1);
    expect(await storeOne(store, 'shop-a', key, T0 + 5_000)).toBe(0);
    expect(await storeOne(store, 'shop-a', 'm:shop-a/shop-a-panel:msg-0002:intrusion:1', T0 + 6_000)).toBe(1);
    expect(await store.events.isDuplicate(key, T0)).toBe(true);
    expect(await store.events.isDuplicate(key, T0 + 1)).toBe(false);
    // A day later the panel, rebooted, numbers its messages from 1 again: a new alarm, stored.
    expect(await storeOne(store, 'shop-a', key, T0 + 86_400_000 + 1)).toBe(1);
    expect(rowsOnDisk<{ n: number }>(path, 'SELECT count(*) AS n FROM events WHERE dedupe_key = ?', key)[0]!.n).toBe(2);
  });

  it('does not take an event for a resend of another whose key shares its hash', async () => {
    store = openStore(path);
    const stored = 'm:shop-a/shop-a-panel:msg-0001:intrusion:1';
    const other = 'm:shop-b/shop-b-panel:msg-0001:intrusion:1';
    await storeOne(store, 'shop-a', stored, T0);
    // A collision, made by hand: the stored row now carries the other key's hash.
    const second = openSecondConnection(path);
    second.prepare('UPDATE events SET dedupe_hash = ? WHERE dedupe_key = ?').run(dedupeHash(other), stored);
    second.close();
    expect(await store.events.isDuplicate(other, T0 - 1)).toBe(false);
    expect(await storeOne(store, 'shop-b', other, T0 + 1_000)).toBe(1);
    // Both rows now share the hash: each key still finds only its own row.
    expect(await store.events.isDuplicate(other, T0)).toBe(true);
    expect(rowsOnDisk<{ n: number }>(path, 'SELECT count(*) AS n FROM events WHERE dedupe_hash = ?', dedupeHash(other))[0]!.n).toBe(2);
  });

  it('keeps recognising resends of events stored before the upgrade (migration 015 hashes every stored row)', async () => {
    // The database release 014 left behind, with one stored event.
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    migrate(old, '014_walk_test_ticks.sql');
    const key = 'm:home-b/home-b-panel:before-upgrade:panic:';
    old
      .prepare(
        `INSERT INTO events (id, site_id, device_id, kind, category, occurred_at, received_at, received_ms, lat, lng, profile, topic, raw, dedupe_key)
         VALUES ('e-old', 'home-b', 'home-b-panel', 'panic', 'police', ?, ?, ?, 26.6, 104.8, 'native', 't', '{}', ?)`,
      )
      .run(new Date(T0).toISOString(), new Date(T0).toISOString(), T0, key);
    // And 2,000 more (about 1.5 MB), so the migration's rewrite of every row is not a few pages.
    const more = old.prepare(
      `INSERT INTO events (id, site_id, device_id, kind, category, occurred_at, received_at, received_ms, lat, lng, profile, topic, raw, dedupe_key)
       VALUES (?, 'home-b', 'home-b-panel', 'intrusion', 'police', ?, ?, ?, 26.6, 104.8, 'native', 't', ?, ?)`,
    );
    old.transaction(() => {
      for (let i = 0; i < 2000; i++)
        more.run(`e-${i}`, new Date(T0 - i).toISOString(), new Date(T0 - i).toISOString(), T0 - i, 'x'.repeat(500), `m:home-b/home-b-panel:${i}:intrusion:1`);
    })();
    old.close();

    store = openStore(path);
    // The rewrite of every row was copied back and the WAL cut, not left at the database's size.
    expect(statSync(`${path}-wal`).size).toBeLessThan(64 * 1024);
    expect(await store.events.isDuplicate(key, T0 - 60_000)).toBe(true);
    expect(await storeOne(store, 'home-b', key, T0 + 30_000)).toBe(0);
    expect(rowsOnDisk<{ name: string }>(path, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").map((r) => r.name)).not.toContain(
      'events_dedupe',
    );
  });

  it('looks a key up through the hash index within its window, not through every row the key ever had', async () => {
    store = openStore(path);
    // A key that repeats over time (a panel that restarts its message numbers; a long run of one
    // payload): the index must narrow by time too, or each lookup reads all of the key's history.
    const key = 'h:home-c/home-c-panel:0123456789abcdef:0';
    const DAY = 86_400_001; // just past storeOne's 24 h window
    for (let day = 0; day < 30; day++) expect(await storeOne(store, 'home-c', key, T0 + day * DAY)).toBe(1);
    const plan = rowsOnDisk<{ detail: string }>(path, `EXPLAIN QUERY PLAN ${DEDUPE_LOOKUP_SQL}`, dedupeHash(key), key, T0).map((r) => r.detail);
    expect(plan.join('\n')).toMatch(/USING INDEX events_dedupe_hash \(dedupe_hash=\? AND received_ms>\?\)/);
    expect(await store.events.isDuplicate(key, T0 + 29 * DAY)).toBe(true);
    expect(await store.events.isDuplicate(key, T0 + 29 * DAY + 1)).toBe(false);
  });

  it('gives distinct, exact integer hashes to a day of real-shaped keys', () => {
    const hashes = new Set<number>();
    const n = 200_000;
    let inexact = 0;
    for (let i = 0; i < n; i++) {
      const h = dedupeHash(`m:site-${i % 1000}/site-${i % 1000}-panel:b${i}:intrusion:${i % 8}`);
      if (!Number.isSafeInteger(h) || h < 0) inexact++;
      hashes.add(h);
    }
    expect(inexact).toBe(0);
    // Payload keys differ only in their hash part: near-identical strings must not collide either.
    for (let i = 0; i < 1000; i++) hashes.add(dedupeHash(`h:site-1/site-1-panel:${i.toString(16).padStart(16, '0')}:0`));
    expect(hashes.size).toBe(n + 1000);
  });
});
