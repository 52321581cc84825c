import type { Incident } from '../../contract/incident.js';
import type { IncidentQuery, IncidentRepository, PartitionFence } from '../ports.js';
import { listLimit, Where } from '../where.js';
import { numbered } from './pool.js';
import type { PgContext } from './transaction.js';

/**
 * Incidents on PostgreSQL. `save` is fenced by version: the upsert changes a stored row only when
 * the saved incident's version is at least the stored one, so a replica holding a stale copy can
 * never overwrite what another replica saved later (the WHERE of ON CONFLICT DO UPDATE is checked
 * against the row as locked, after the other writer committed).
 */
const UPSERT_SQL = `INSERT INTO incidents (id, version, site_id, status, priority, station_id, grid_cell_id, opened_ms, updated_ms, last_event_ms, doc,
    responsible_station_id, community_post_id, drill, closed_ms)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
  ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, status = EXCLUDED.status, priority = EXCLUDED.priority,
    station_id = EXCLUDED.station_id, updated_ms = EXCLUDED.updated_ms, last_event_ms = EXCLUDED.last_event_ms,
    doc = EXCLUDED.doc, responsible_station_id = EXCLUDED.responsible_station_id, community_post_id = EXCLUDED.community_post_id,
    drill = EXCLUDED.drill, closed_ms = EXCLUDED.closed_ms
  WHERE incidents.version <= EXCLUDED.version`;

export class PgIncidentRepository implements IncidentRepository {
  constructor(private readonly pg: PgContext) {}

  async save(i: Incident): Promise<void> {
    await this.pg.changes(UPSERT_SQL, [
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
      i.drill ? 1 : 0,
      i.closedAt ? Date.parse(i.closedAt) : null,
    ]);
    // The number is recorded with every save that carries one (no per-process cache: another
    // replica may have saved this incident, and a cache would not know about its rollbacks).
    // ON CONFLICT (incident_id) keeps the first number; the UNIQUE (series, sequence) makes a
    // number another incident already holds fail the transaction instead of being stored twice.
    const cut = i.number ? i.number.lastIndexOf('-') : -1;
    if (i.number && cut > 0) {
      await this.pg.changes('INSERT INTO incident_numbers (incident_id, series, sequence) VALUES ($1, $2, $3) ON CONFLICT (incident_id) DO NOTHING', [
        i.id,
        i.number.slice(0, cut),
        Number(i.number.slice(cut + 1)),
      ]);
    }
  }

  async staleFences(fences: readonly PartitionFence[]): Promise<number[]> {
    if (fences.length === 0) return [];
    // FOR SHARE, in partition order: held to this transaction's end, so a new owner's bump (an upsert,
    // which locks the row FOR UPDATE) waits until this write has committed or rolled back. Writers
    // share the lock and never wait for each other. A missing row has never been taken: stale too.
    const rows = await this.pg.rows<{ p: number; epoch: string }>('SELECT p, epoch FROM partition_epoch WHERE p = ANY($1::int[]) ORDER BY p FOR SHARE', [
      fences.map((f) => f.partition),
    ]);
    const now = new Map(rows.map((r) => [r.p, Number(r.epoch)]));
    return fences.filter((f) => now.get(f.partition) !== f.epoch).map((f) => f.partition);
  }

  async get(id: string): Promise<Incident | undefined> {
    const r = await this.pg.one<{ doc: string }>('SELECT doc FROM incidents WHERE id = $1', [id]);
    return r ? (JSON.parse(r.doc) as Incident) : undefined;
  }

  async open(): Promise<Incident[]> {
    const rows = await this.pg.rows<{ doc: string }>(`SELECT doc FROM incidents WHERE status <> 'closed' ORDER BY priority, opened_ms`);
    return rows.map((r) => JSON.parse(r.doc) as Incident);
  }

  async query(q: IncidentQuery): Promise<Incident[]> {
    const where = new Where();
    if (q.status === 'open') where.raw(`status <> 'closed'`);
    else where.add('status = ?', q.status);
    where.add('site_id = ?', q.siteId).add('opened_ms >= ?', q.since).add('opened_ms < ?', q.until).in('site_id', q.siteIds);
    where.anyIn(['station_id', 'responsible_station_id', 'community_post_id'], q.stationIds);
    const sql = numbered(`SELECT doc FROM incidents ${where} ORDER BY opened_ms DESC LIMIT ${listLimit(q.limit)}`);
    return (await this.pg.rows<{ doc: string }>(sql, where.args)).map((r) => JSON.parse(r.doc) as Incident);
  }

  async count(): Promise<number> {
    return (await this.pg.one<{ n: number }>('SELECT count(*) AS n FROM incidents'))!.n;
  }

  async lastNumber(series: string): Promise<number> {
    return (await this.pg.one<{ last: number }>('SELECT coalesce(max(sequence), 0) AS last FROM incident_numbers WHERE series = $1', [series]))!.last;
  }

  async nextNumbers(series: string, n: number): Promise<number> {
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`nextNumbers needs a count of at least 1, got ${n}`);
    // The row lock of the upsert serialises concurrent draws; the first draw of a series starts
    // above the numbers already saved (a database from before this table, or a one-hub run).
    const r = await this.pg.one<{ last: string }>(
      `INSERT INTO incident_number_series AS s (series, last)
         VALUES ($1, (SELECT coalesce(max(sequence), 0) FROM incident_numbers WHERE series = $1) + $2)
       ON CONFLICT (series) DO UPDATE SET last = s.last + $2
       RETURNING last`,
      [series, n],
    );
    return Number(r!.last);
  }
}
