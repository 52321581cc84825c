import type { WalkTest } from '../contract/commissioning.js';
import type { Db } from './db.js';
import type { CommissioningRecord, CommissioningRepository } from './ports.js';
import type { Sync } from './sqlite-gate.js';

interface RecordRow {
  site_id: string;
  device_id: string;
  state: string;
  maintenance_until_ms: number | null;
  changed_ms: number;
  changed_by: string;
}

/** The only SQL about commissioning (migration 012): site and device records, walk tests. */
export class SqliteCommissioningRepository implements Sync<CommissioningRepository> {
  private readonly upsertStmt;
  private readonly saveTestStmt;

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

  runningWalkTests(): WalkTest[] {
    const rows = this.db.prepare('SELECT record FROM walk_tests WHERE ended_ms IS NULL').all() as Array<{ record: string }>;
    return rows.map((r) => JSON.parse(r.record) as WalkTest);
  }

  walkTests(siteId: string, limit: number): WalkTest[] {
    const rows = this.db.prepare('SELECT record FROM walk_tests WHERE site_id = ? ORDER BY started_ms DESC LIMIT ?').all(siteId, limit) as Array<{
      record: string;
    }>;
    return rows.map((r) => JSON.parse(r.record) as WalkTest);
  }

  walkTest(id: string): WalkTest | undefined {
    const r = this.db.prepare('SELECT record FROM walk_tests WHERE id = ?').get(id) as { record: string } | undefined;
    return r ? (JSON.parse(r.record) as WalkTest) : undefined;
  }
}
