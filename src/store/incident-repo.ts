import type { Incident } from '../contract/incident.js';
import type { Db } from './db.js';

export interface IncidentQuery {
  status?: 'open' | 'closed' | Incident['status'];
  siteId?: string;
  stationIds?: string[] | null;
  /** Only these sites (a guard's scope). An empty list matches nothing. */
  siteIds?: string[] | null;
  since?: number;
  until?: number;
  limit?: number;
}

/** The only SQL about incidents. The whole Incident is kept as JSON; indexed columns serve queries. */
export class IncidentRepository {
  private readonly upsertStmt;
  private readonly getStmt;

  constructor(private readonly db: Db) {
    this.upsertStmt = db.prepare(
      `INSERT INTO incidents (id, version, site_id, status, priority, station_id, grid_cell_id, opened_ms, updated_ms, last_event_ms, doc)
       VALUES (@id, @version, @siteId, @status, @priority, @stationId, @gridCellId, @openedMs, @updatedMs, @lastEventMs, @doc)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version, status = excluded.status, priority = excluded.priority,
         station_id = excluded.station_id, updated_ms = excluded.updated_ms, last_event_ms = excluded.last_event_ms,
         doc = excluded.doc`,
    );
    this.getStmt = db.prepare('SELECT doc FROM incidents WHERE id = ?');
  }

  save(i: Incident): void {
    this.upsertStmt.run({
      id: i.id,
      version: i.version,
      siteId: i.siteId,
      status: i.status,
      priority: i.priority,
      stationId: i.stationId,
      gridCellId: i.gridCellId,
      openedMs: Date.parse(i.openedAt),
      updatedMs: Date.parse(i.updatedAt),
      lastEventMs: Date.parse(i.lastEventAt),
      doc: JSON.stringify(i),
    });
  }

  get(id: string): Incident | undefined {
    const r = this.getStmt.get(id) as { doc: string } | undefined;
    return r ? (JSON.parse(r.doc) as Incident) : undefined;
  }

  open(): Incident[] {
    return (
      this.db.prepare(`SELECT doc FROM incidents WHERE status <> 'closed' ORDER BY priority, opened_ms`).all() as Array<{
        doc: string;
      }>
    ).map((r) => JSON.parse(r.doc) as Incident);
  }

  query(q: IncidentQuery): Incident[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.status === 'open') where.push(`status <> 'closed'`);
    else if (q.status) (where.push('status = ?'), args.push(q.status));
    if (q.siteId) (where.push('site_id = ?'), args.push(q.siteId));
    if (q.since !== undefined) (where.push('opened_ms >= ?'), args.push(q.since));
    if (q.until !== undefined) (where.push('opened_ms < ?'), args.push(q.until));
    if (q.stationIds) {
      where.push(`station_id IN (${q.stationIds.map(() => '?').join(',') || 'NULL'})`);
      args.push(...q.stationIds);
    }
    if (q.siteIds) {
      where.push(`site_id IN (${q.siteIds.map(() => '?').join(',') || 'NULL'})`);
      args.push(...q.siteIds);
    }
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
    const sql = `SELECT doc FROM incidents ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY opened_ms DESC LIMIT ${limit}`;
    return (this.db.prepare(sql).all(...args) as Array<{ doc: string }>).map((r) => JSON.parse(r.doc) as Incident);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM incidents').get() as { n: number }).n;
  }
}
