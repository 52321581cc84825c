import type { Drill } from '../../contract/drill.js';
import type { DrillRepository } from '../ports.js';
import type { PgContext } from './transaction.js';

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

/** Drill windows (as SQLite's migration 013). */
export class PgDrillRepository implements DrillRepository {
  constructor(private readonly pg: PgContext) {}

  async insert(d: Drill): Promise<void> {
    await this.pg.changes(
      `INSERT INTO drills (id, name, site_ids, station_id, starts_ms, ends_ms, ended_ms, started_by, ended_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        d.id,
        d.name,
        d.stationId === null ? JSON.stringify(d.siteIds) : null,
        d.stationId,
        Date.parse(d.startedAt),
        Date.parse(d.endsAt),
        d.endedAt === null ? null : Date.parse(d.endedAt),
        d.startedBy,
        d.endedBy,
      ],
    );
  }

  async end(id: string, endedMs: number, by: string): Promise<boolean> {
    // `ended_ms IS NULL`: the first end recorded stays, also when two replicas end it at once (the
    // second UPDATE waits for the first's row lock, then finds the row ended: no row changed).
    return 1 === (await this.pg.changes('UPDATE drills SET ended_ms = $1, ended_by = $2 WHERE id = $3 AND ended_ms IS NULL', [endedMs, by, id]));
  }

  async get(id: string): Promise<Drill | undefined> {
    const r = await this.pg.one<DrillRow>('SELECT * FROM drills WHERE id = $1', [id]);
    return r ? fromRow(r) : undefined;
  }

  async unended(): Promise<Drill[]> {
    return (await this.pg.rows<DrillRow>('SELECT * FROM drills WHERE ended_ms IS NULL ORDER BY starts_ms')).map(fromRow);
  }

  async recent(limit: number): Promise<Drill[]> {
    return (await this.pg.rows<DrillRow>('SELECT * FROM drills ORDER BY starts_ms DESC LIMIT $1', [limit])).map(fromRow);
  }
}
