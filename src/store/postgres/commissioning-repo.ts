import type { WalkTest } from '../../contract/commissioning.js';
import type { CommissioningRecord, CommissioningRepository, WalkTestTick } from '../ports.js';
import { byTest, type TickRow, tickOfRow, withTicks } from '../walk-test-ticks.js';
import type { PgContext } from './transaction.js';

interface RecordRow {
  site_id: string;
  device_id: string;
  state: string;
  maintenance_until_ms: number | null;
  changed_ms: number;
  changed_by: string;
}

/** Commissioning records, walk tests and their ticks (as SQLite's migrations 012 and 014). */
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

  async addWalkTestTicks(walkTestId: string, ticks: readonly WalkTestTick[], otherEvents: number): Promise<void> {
    // Single statements, no row lock held across an await: a replica's ticks never wait for another's.
    if (ticks.length > 0) {
      const params: unknown[] = [walkTestId];
      const values = ticks.map((k) => {
        params.push(k.zone, k.seenAt, k.kind, k.deviceId, k.signal, k.battery);
        const n = params.length;
        return `($1, $${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
      });
      await this.pg.changes(
        `INSERT INTO walk_test_ticks (walk_test_id, zone, seen_at, kind, device_id, signal, battery) VALUES ${values.join(', ')}
         ON CONFLICT (walk_test_id, zone) DO NOTHING`,
        params,
      );
    }
    if (otherEvents > 0) {
      await this.pg.changes(
        `INSERT INTO walk_test_other_events (walk_test_id, count) VALUES ($1, $2)
         ON CONFLICT (walk_test_id) DO UPDATE SET count = walk_test_other_events.count + EXCLUDED.count`,
        [walkTestId, otherEvents],
      );
    }
  }

  async runningWalkTests(): Promise<WalkTest[]> {
    return this.read(await this.pg.rows<{ record: string }>('SELECT record FROM walk_tests WHERE ended_ms IS NULL'));
  }

  async walkTests(siteId: string, limit: number): Promise<WalkTest[]> {
    return this.read(
      await this.pg.rows<{ record: string }>('SELECT record FROM walk_tests WHERE site_id = $1 ORDER BY started_ms DESC LIMIT $2', [siteId, limit]),
    );
  }

  async walkTest(id: string): Promise<WalkTest | undefined> {
    const r = await this.pg.one<{ record: string }>('SELECT record FROM walk_tests WHERE id = $1', [id]);
    return r ? (await this.read([r]))[0] : undefined;
  }

  /** Stored records, running ones with their ticks applied (two more queries when any runs). */
  private async read(rows: ReadonlyArray<{ record: string }>): Promise<WalkTest[]> {
    const tests = rows.map((r) => JSON.parse(r.record) as WalkTest);
    const running = tests.filter((t) => t.endedAt === null).map((t) => t.id);
    if (running.length === 0) return tests;
    // One after the other: inside a transaction both go to its one connection.
    const ticks = await this.pg.rows<TickRow>('SELECT * FROM walk_test_ticks WHERE walk_test_id = ANY($1)', [running]);
    const others = await this.pg.rows<{ walk_test_id: string; count: number }>(
      'SELECT walk_test_id, count FROM walk_test_other_events WHERE walk_test_id = ANY($1)',
      [running],
    );
    const ticksOf = byTest(ticks);
    const othersOf = new Map(others.map((o) => [o.walk_test_id, o.count]));
    return tests.map((t) => withTicks(t, (ticksOf.get(t.id) ?? []).map(tickOfRow), othersOf.get(t.id) ?? 0));
  }
}
