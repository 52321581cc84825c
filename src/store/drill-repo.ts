import type { Drill } from '../contract/drill.js';
import type { Db } from './db.js';
import type { DrillRepository } from './ports.js';
import type { Sync } from './sqlite-gate.js';

interface DrillRow {
  id: string;
  name: string | null;
  site_ids: string | null;
  station_id: string | null;
  starts_ms: number;
  ends_ms: number;
  ended_ms: number | null;
  started_by: string;
  ended_by: string | null;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function fromRow(r: DrillRow): Drill {
  let siteIds: string[] = [];
  try {
    const v: unknown = r.site_ids ? JSON.parse(r.site_ids) : [];
    if (Array.isArray(v)) siteIds = v.filter((s): s is string => typeof s === 'string');
  } catch {
    // A damaged list drills no site: a drill must never flag more than it was started for.
  }
  return {
    id: r.id,
    name: r.name,
    siteIds,
    stationId: r.station_id,
    startedAt: iso(r.starts_ms)!,
    endsAt: iso(r.ends_ms)!,
    endedAt: iso(r.ended_ms),
    startedBy: r.started_by,
    endedBy: r.ended_by,
  };
}

/** The only SQL about drill windows (migration 013). */
export class SqliteDrillRepository implements Sync<DrillRepository> {
  constructor(private readonly db: Db) {}

  insert(d: Drill): void {
    this.db
      .prepare(
        `INSERT INTO drills (id, name, site_ids, station_id, starts_ms, ends_ms, ended_ms, started_by, ended_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        d.id,
        d.name,
        d.stationId === null ? JSON.stringify(d.siteIds) : null,
        d.stationId,
        Date.parse(d.startedAt),
        Date.parse(d.endsAt),
        d.endedAt === null ? null : Date.parse(d.endedAt),
        d.startedBy,
        d.endedBy,
      );
  }

  end(id: string, endedMs: number, by: string): boolean {
    return this.db.prepare('UPDATE drills SET ended_ms = ?, ended_by = ? WHERE id = ? AND ended_ms IS NULL').run(endedMs, by, id).changes === 1;
  }

  get(id: string): Drill | undefined {
    const r = this.db.prepare('SELECT * FROM drills WHERE id = ?').get(id) as DrillRow | undefined;
    return r ? fromRow(r) : undefined;
  }

  unended(): Drill[] {
    return (this.db.prepare('SELECT * FROM drills WHERE ended_ms IS NULL ORDER BY starts_ms').all() as DrillRow[]).map(fromRow);
  }

  recent(limit: number): Drill[] {
    return (this.db.prepare('SELECT * FROM drills ORDER BY starts_ms DESC LIMIT ?').all(limit) as DrillRow[]).map(fromRow);
  }
}
