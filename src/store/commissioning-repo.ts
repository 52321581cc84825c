import type { WalkTest } from '../contract/commissioning.js';
import type { Db } from './db.js';
import type { CommissioningRecord, CommissioningRepository, WalkTestTick } from './ports.js';
import type { Sync } from './sqlite-gate.js';
import { type TickRow, tickOfRow, withTicks } from './walk-test-ticks.js';

interface RecordRow {
  site_id: string;
  device_id: string;
  state: string;
  maintenance_until_ms: number | null;
  changed_ms: number;
  changed_by: string;
}

/** The only SQL about commissioning (migrations 012, 014): site and device records, walk tests and their ticks. */
export class SqliteCommissioningRepository implements Sync<CommissioningRepository> {
  private readonly upsertStmt;
  private readonly saveTestStmt;
  private readonly tickStmt;
  private readonly otherStmt;
  private readonly ticksOfStmt;
  private readonly othersOfStmt;

  constructor(private readonly db: Db) {
    this.upsertStmt = db.prepare(
      `INSERT INTO commissioning (site_id, device_id, state, maintenance_until_ms, changed_ms, changed_by)
       VALUES (@siteId, @deviceId, @state, @maintenanceUntilMs, @changedMs, @changedBy)
       ON CONFLICT (site_id, device_id) DO UPDATE SET state = excluded.state,
         maintenance_until_ms = excluded.maintenance_until_ms, changed_ms = excluded.changed_ms, changed_by = excluded.changed_by`,
    );
    this.saveTestStmt = db.prepare(
      `INSERT INTO walk_tests (id, site_id, started_ms, ends_ms, ended_ms, record) VALUES (@id, @siteId, @startedMs, @endsMs, @endedMs, @record)
       ON CONFLICT (id) DO UPDATE SET ends_ms = excluded.ends_ms, ended_ms = excluded.ended_ms, record = excluded.record`,
    );
    this.tickStmt = db.prepare(
      `INSERT INTO walk_test_ticks (walk_test_id, zone, seen_at, kind, device_id, signal, battery)
       VALUES (@walkTestId, @zone, @seenAt, @kind, @deviceId, @signal, @battery) ON CONFLICT (walk_test_id, zone) DO NOTHING`,
    );
    this.otherStmt = db.prepare(
      `INSERT INTO walk_test_other_events (walk_test_id, count) VALUES (?, ?)
       ON CONFLICT (walk_test_id) DO UPDATE SET count = walk_test_other_events.count + excluded.count`,
    );
    this.ticksOfStmt = db.prepare('SELECT * FROM walk_test_ticks WHERE walk_test_id = ?');
    this.othersOfStmt = db.prepare('SELECT count FROM walk_test_other_events WHERE walk_test_id = ?');
  }

  records(): CommissioningRecord[] {
    return (this.db.prepare('SELECT * FROM commissioning').all() as RecordRow[]).map((r) => ({
      siteId: r.site_id,
      deviceId: r.device_id === '' ? null : r.device_id,
      state: r.state as CommissioningRecord['state'],
      maintenanceUntilMs: r.maintenance_until_ms,
      changedMs: r.changed_ms,
      changedBy: r.changed_by,
    }));
  }

  saveRecord(r: CommissioningRecord): void {
    this.upsertStmt.run({ ...r, deviceId: r.deviceId ?? '' });
  }

  saveWalkTest(t: WalkTest): void {
    this.saveTestStmt.run({
      id: t.id,
      siteId: t.siteId,
      startedMs: Date.parse(t.startedAt),
      endsMs: Date.parse(t.endsAt),
      endedMs: t.endedAt === null ? null : Date.parse(t.endedAt),
      record: JSON.stringify(t),
    });
  }

  addWalkTestTicks(walkTestId: string, ticks: readonly WalkTestTick[], otherEvents: number): void {
    this.db.transaction(() => {
      for (const k of ticks) this.tickStmt.run({ walkTestId, ...k });
      if (otherEvents > 0) this.otherStmt.run(walkTestId, otherEvents);
    })();
  }

  runningWalkTests(): WalkTest[] {
    const rows = this.db.prepare('SELECT record FROM walk_tests WHERE ended_ms IS NULL').all() as Array<{ record: string }>;
    return rows.map((r) => this.read(r.record));
  }

  walkTests(siteId: string, limit: number): WalkTest[] {
    const rows = this.db.prepare('SELECT record FROM walk_tests WHERE site_id = ? ORDER BY started_ms DESC LIMIT ?').all(siteId, limit) as Array<{
      record: string;
    }>;
    return rows.map((r) => this.read(r.record));
  }

  walkTest(id: string): WalkTest | undefined {
    const r = this.db.prepare('SELECT record FROM walk_tests WHERE id = ?').get(id) as { record: string } | undefined;
    return r ? this.read(r.record) : undefined;
  }

  /** A stored record, with its ticks applied while it runs. */
  private read(record: string): WalkTest {
    const t = JSON.parse(record) as WalkTest;
    if (t.endedAt !== null) return t;
    const ticks = (this.ticksOfStmt.all(t.id) as TickRow[]).map(tickOfRow);
    const others = (this.othersOfStmt.get(t.id) as { count: number } | undefined)?.count ?? 0;
    return withTicks(t, ticks, others);
  }
}
