/**
 * Wake-ups over PostgreSQL LISTEN/NOTIFY: an event stored (and notified) in a transaction on one
 * connection reaches the listener on another at commit, never on rollback; a listener whose
 * connection is cut reconnects and asks for a sweep; an unreadable payload is counted.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_NOTIFY_CHANNEL, EventNotifyListener, notifyStoredEvents, type StoredEventRef, type SweepReason } from '../../src/store/postgres/event-notify.js';
import { type PostgresServer, startPostgres } from '../helpers/postgres.js';

let server: PostgresServer;
let url: string;
beforeAll(async () => {
  server = await startPostgres({ fsync: false });
  url = await server.createDatabase();
});
afterAll(async () => {
  await server?.destroy();
});

describe('event wake-ups between replicas', () => {
  it('an event notified in a committed transaction on one connection arrives at the listener of another; a rolled-back one never does', async () => {
    const listener = new EventNotifyListener({ url, sweepEveryMs: 60_000 });
    const got: StoredEventRef[] = [];
    const sweeps: SweepReason[] = [];
    listener.onEvent((e) => got.push(e));
    listener.onSweep((r) => sweeps.push(r));
    await listener.start();
    const writer = new pg.Client({ connectionString: url });
    await writer.connect();
    try {
      expect(sweeps).toEqual(['connected']);
      // Replica B stores a batch: three events of two sites. The owner hears one wake-up per site, with its highest seq.
      await writer.query('BEGIN');
      await notifyStoredEvents(writer, [
        { siteId: 'shop-zs-0012', seq: 41 },
        { siteId: 'home-hc-0007', seq: 42 },
        { siteId: 'shop-zs-0012', seq: 43 },
      ]);
      // Not before commit: the owner must not look for rows it cannot see yet. (A marker committed
      // meanwhile on another connection arrives; the open transaction's wake-ups do not.)
      const other = new pg.Client({ connectionString: url });
      await other.connect();
      await notifyStoredEvents(other, [{ siteId: 'marker-before-commit', seq: 1 }]);
      await other.end();
      await expect.poll(() => got.map((e) => e.siteId)).toEqual(['marker-before-commit']);
      got.length = 0;
      await writer.query('COMMIT');
      await expect.poll(() => got.length).toBe(2);
      expect(got).toEqual(
        expect.arrayContaining([
          { siteId: 'shop-zs-0012', seq: 43 },
          { siteId: 'home-hc-0007', seq: 42 },
        ]),
      );

      // A rolled-back store announces nothing: the next committed one is the next thing heard.
      await writer.query('BEGIN');
      await notifyStoredEvents(writer, [{ siteId: 'shop-rolled-back', seq: 50 }]);
      await writer.query('ROLLBACK');
      await notifyStoredEvents(writer, [{ siteId: 'shop-after', seq: 51 }]);
      await expect.poll(() => got.length).toBe(3);
      expect(got[2]).toEqual({ siteId: 'shop-after', seq: 51 });

      // A large batch (many sites) is split under PostgreSQL's 8000-byte payload limit and all of it arrives.
      const many = Array.from({ length: 1_500 }, (_, i) => ({ siteId: `site-${String(i).padStart(5, '0')}-${'x'.repeat(20)}`, seq: 1_000 + i }));
      await notifyStoredEvents(writer, many);
      await expect.poll(() => got.length).toBe(3 + many.length);
      expect(new Set(got.slice(3).map((e) => e.siteId)).size).toBe(many.length);

      // Junk on the channel is counted and ignored.
      await writer.query('SELECT pg_notify($1, $2)', [EVENT_NOTIFY_CHANNEL, 'not json']);
      await notifyStoredEvents(writer, [{ siteId: 'shop-marker', seq: 9_999 }]);
      await expect.poll(() => got.at(-1)?.siteId).toBe('shop-marker');
      expect(listener.stats.badPayloads).toBe(1);
    } finally {
      await writer.end();
      await listener.stop();
    }
  });

  it('a listener whose connection is cut reconnects, asks for a sweep (what it missed), and hears later events', async () => {
    const listener = new EventNotifyListener({ url, sweepEveryMs: 60_000, reconnectMs: 100 });
    const got: StoredEventRef[] = [];
    const sweeps: SweepReason[] = [];
    listener.onEvent((e) => got.push(e));
    listener.onSweep((r) => sweeps.push(r));
    await listener.start();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'safegrid:listen'`);
      await expect.poll(() => sweeps).toEqual(['connected', 'reconnected']);
      expect(listener.listening).toBe(true);
      await notifyStoredEvents(admin, [{ siteId: 'shop-zs-0012', seq: 7 }]);
      await expect.poll(() => got).toEqual([{ siteId: 'shop-zs-0012', seq: 7 }]);
    } finally {
      await admin.end();
      await listener.stop();
    }
  });
});
