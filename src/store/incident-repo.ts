import type { Incident } from '../contract/incident.js';
import type { Db } from './db.js';
import { listLimit, Where } from './where.js';
import type { IncidentQuery, IncidentRepository, PartitionFence } from './ports.js';
import type { Sync } from './sqlite-gate.js';

/** The only SQL about incidents. The whole Incident is kept as JSON; indexed columns serve queries. */
export class SqliteIncidentRepository implements Sync<IncidentRepository> {
  private readonly upsertStmt;
  private readonly getStmt;
  private readonly lastNumberStmt;
  private readonly recordNumberStmt;
  /** Open incidents whose number this process has recorded (id → number), so a re-save skips the insert. */
  private readonly numbered = new Map<string, string>();
  /** nextNumbers: the last number drawn per series by this process. */
  private readonly drawn = new Map<string, number>();

  constructor(private readonly db: Db) {
    this.upsertStmt = db.prepare(
      `INSERT INTO incidents (id, version, site_id, status, priority, station_id, grid_cell_id, opened_ms, updated_ms, last_event_ms, doc,
         responsible_station_id, community_post_id, drill, closed_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version, status = excluded.status, priority = excluded.priority,
         station_id = excluded.station_id, updated_ms = excluded.updated_ms, last_event_ms = excluded.last_event_ms,
         doc = excluded.doc, responsible_station_id = excluded.responsible_station_id, community_post_id = excluded.community_post_id,
         drill = excluded.drill, closed_ms = excluded.closed_ms`,
    );
    this.getStmt = db.prepare('SELECT doc FROM incidents WHERE id = ?');
    this.lastNumberStmt = db.prepare('SELECT coalesce(max(sequence), 0) AS last FROM incident_numbers WHERE series = ?');
    this.recordNumberStmt = db.prepare('INSERT OR IGNORE INTO incident_numbers (incident_id, series, sequence) VALUES (?, ?, ?)');
  }

  /** One hub owns every site: there are no leases to be fenced out of. */
  staleFences(_fences: readonly PartitionFence[]): number[] {
    return [];
  }

  save(i: Incident): void {
    // Positional, in the column order of upsertStmt (named parameters cost a lookup each).
    this.upsertStmt.run(
      i.id,
      i.version,
      i.siteId,
      i.status,
      i.priority,
      i.stationId,
      i.gridCellId,
      Date.parse(i.openedAt),
      Date.parse(i.updatedAt),
      Date.parse(i.lastEventAt),
      JSON.stringify(i),
      i.responsibleStationId ?? null,
      i.communityPostId ?? null,
      // A drill turned real (转为真实警情) is saved with 0: it counts as real from then on.
      i.drill ? 1 : 0,
      i.closedAt ? Date.parse(i.closedAt) : null,
    );
    // `ZS-20261202-0042`: the series is everything before the last dash. Recorded with the row, in
    // its transaction, so the counter never runs ahead of the incidents that hold its numbers.
    // Once per open incident: it is saved again with every batch of events that joins it.
    if (i.status === 'closed') this.numbered.delete(i.id);
    else if (this.numbered.get(i.id) === i.number) return;
    const cut = i.number ? i.number.lastIndexOf('-') : -1;
    if (i.number && cut > 0) this.recordNumberStmt.run(i.id, i.number.slice(0, cut), Number(i.number.slice(cut + 1)));
    if (i.status !== 'closed' && i.number) this.numbered.set(i.id, i.number);
  }

  /**
   * A transaction rolled back: what `save` remembers as recorded may not be in the file. Forgotten
   * whole (the store calls this); the next save of each incident records its number again.
   */
  rolledBack(): void {
    this.numbered.clear();
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

  /** One SQLite file has one writer: a counter in memory per series, seeded from the saved numbers. */
  nextNumbers(series: string, n: number): number {
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`nextNumbers needs a count of at least 1, got ${n}`);
    const last = Math.max(this.drawn.get(series) ?? 0, this.lastNumber(series)) + n;
    this.drawn.set(series, last);
    return last;
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM incidents').get() as { n: number }).n;
  }
}
