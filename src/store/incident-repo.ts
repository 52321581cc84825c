import type { Incident } from '../contract/incident.js';
import type { Db } from './db.js';
import { listLimit, Where } from './where.js';
import type { IncidentQuery, IncidentRepository } from './ports.js';

/** The only SQL about incidents. The whole Incident is kept as JSON; indexed columns serve queries. */
export class SqliteIncidentRepository implements IncidentRepository {
  private readonly upsertStmt;
  private readonly getStmt;
  private readonly lastNumberStmt;
  private readonly recordNumberStmt;

  constructor(private readonly db: Db) {
    this.upsertStmt = db.prepare(
      `INSERT INTO incidents (id, version, site_id, status, priority, station_id, grid_cell_id, opened_ms, updated_ms, last_event_ms, doc,
         responsible_station_id, community_post_id, closed_ms)
       VALUES (@id, @version, @siteId, @status, @priority, @stationId, @gridCellId, @openedMs, @updatedMs, @lastEventMs, @doc,
         @responsibleStationId, @communityPostId, @closedMs)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version, status = excluded.status, priority = excluded.priority,
         station_id = excluded.station_id, updated_ms = excluded.updated_ms, last_event_ms = excluded.last_event_ms,
         doc = excluded.doc, responsible_station_id = excluded.responsible_station_id, community_post_id = excluded.community_post_id,
         closed_ms = excluded.closed_ms`,
    );
    this.getStmt = db.prepare('SELECT doc FROM incidents WHERE id = ?');
    this.lastNumberStmt = db.prepare('SELECT coalesce(max(sequence), 0) AS last FROM incident_numbers WHERE series = ?');
    this.recordNumberStmt = db.prepare('INSERT OR IGNORE INTO incident_numbers (incident_id, series, sequence) VALUES (?, ?, ?)');
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
      responsibleStationId: i.responsibleStationId ?? null,
      communityPostId: i.communityPostId ?? null,
      closedMs: i.closedAt ? Date.parse(i.closedAt) : null,
    });
    // `ZS-20261202-0042`: the series is everything before the last dash. Recorded with the row, in
    // its transaction, so the counter never runs ahead of the incidents that hold its numbers.
    const cut = i.number ? i.number.lastIndexOf('-') : -1;
    if (i.number && cut > 0) this.recordNumberStmt.run(i.id, i.number.slice(0, cut), Number(i.number.slice(cut + 1)));
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
    const where = new Where();
    if (q.status === 'open') where.raw(`status <> 'closed'`);
    else where.add('status = ?', q.status);
    where.add('site_id = ?', q.siteId).add('opened_ms >= ?', q.since).add('opened_ms < ?', q.until).in('site_id', q.siteIds);
    // A station lists what happened in its cells, what was routed or escalated to it, and (a
    // community post) what happened in the cells that name it: auth/scope.ts sees the same.
    where.anyIn(['station_id', 'responsible_station_id', 'community_post_id'], q.stationIds);
    const sql = `SELECT doc FROM incidents ${where} ORDER BY opened_ms DESC LIMIT ${listLimit(q.limit)}`;
    return (this.db.prepare(sql).all(...where.args) as Array<{ doc: string }>).map((r) => JSON.parse(r.doc) as Incident);
  }

  lastNumber(series: string): number {
    return (this.lastNumberStmt.get(series) as { last: number }).last;
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM incidents').get() as { n: number }).n;
  }
}
