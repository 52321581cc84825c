import type { WalkTest } from '../../contract/commissioning.js';
import type { CommissioningRecord, CommissioningRepository } from '../ports.js';
import type { PgContext } from './transaction.js';

interface RecordRow {
  site_id: string;
  device_id: string;
  state: string;
  maintenance_until_ms: number | null;
  changed_ms: number;
  changed_by: string;
}

/** Commissioning records and walk tests (as SQLite's migration 012). */
export class PgCommissioningRepository implements CommissioningRepository {
  constructor(private readonly pg: PgContext) {}

  async records(): Promise<CommissioningRecord[]> {
    return (await this.pg.rows<RecordRow>('SELECT * FROM commissioning')).map((r) => ({
      siteId: r.site_id,
      deviceId: r.device_id === '' ? null : r.device_id,
      state: r.state as CommissioningRecord['state'],
      maintenanceUntilMs: r.maintenance_until_ms,
      changedMs: r.changed_ms,
      changedBy: r.changed_by,
    }));
  }

  async saveRecord(r: CommissioningRecord): Promise<void> {
    await this.pg.changes(
      `INSERT INTO commissioning (site_id, device_id, state, maintenance_until_ms, changed_ms, changed_by) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (site_id, device_id) DO UPDATE SET state = EXCLUDED.state,
         maintenance_until_ms = EXCLUDED.maintenance_until_ms, changed_ms = EXCLUDED.changed_ms, changed_by = EXCLUDED.changed_by`,
      [r.siteId, r.deviceId ?? '', r.state, r.maintenanceUntilMs, r.changedMs, r.changedBy],
    );
  }

  async saveWalkTest(t: WalkTest): Promise<void> {
    await this.pg.changes(
      `INSERT INTO walk_tests (id, site_id, started_ms, ends_ms, ended_ms, record) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET ends_ms = EXCLUDED.ends_ms, ended_ms = EXCLUDED.ended_ms, record = EXCLUDED.record`,
      [t.id, t.siteId, Date.parse(t.startedAt), Date.parse(t.endsAt), t.endedAt === null ? null : Date.parse(t.endedAt), JSON.stringify(t)],
    );
  }

  async runningWalkTests(): Promise<WalkTest[]> {
    return (await this.pg.rows<{ record: string }>('SELECT record FROM walk_tests WHERE ended_ms IS NULL')).map((r) => JSON.parse(r.record) as WalkTest);
  }

  async walkTests(siteId: string, limit: number): Promise<WalkTest[]> {
    const rows = await this.pg.rows<{ record: string }>('SELECT record FROM walk_tests WHERE site_id = $1 ORDER BY started_ms DESC LIMIT $2', [siteId, limit]);
    return rows.map((r) => JSON.parse(r.record) as WalkTest);
  }

  async walkTest(id: string): Promise<WalkTest | undefined> {
    const r = await this.pg.one<{ record: string }>('SELECT record FROM walk_tests WHERE id = $1', [id]);
    return r ? (JSON.parse(r.record) as WalkTest) : undefined;
  }
}
