import type { DeviceAlarmCount, ReportIncident, ReportRepository, ReportWindow, StoredDailyRow } from '../ports.js';
import { Where } from '../where.js';
import { numbered } from './pool.js';
import type { PgContext } from './transaction.js';

/**
 * The reports' queries on PostgreSQL: the same answers as SQLite's report-repo.ts for the same
 * rows (the store contract runs its report checks on both). The document's fields are taken with
 * one jsonb parse per row and handed over as one JSON array, as SQLite's json_extract does.
 */
const DOC_PATHS = [
  '{number}',
  '{siteName}',
  '{kind}',
  '{category}',
  '{location,0}',
  '{location,1}',
  '{times,dispatchedAt}',
  '{disposition}',
  '{nature}',
  '{owner}',
  '{unit,id}',
  '{eventCount}',
  '{times,ackSeconds}',
  '{times,dispatchSeconds}',
  '{times,onSceneSeconds}',
  '{times,totalSeconds}',
  '{drill}',
] as const;
const INCIDENT_COLUMNS = `id, site_id, station_id, responsible_station_id, grid_cell_id, opened_ms, closed_ms, status,
  (SELECT jsonb_build_array(${DOC_PATHS.map((p) => `d #> '${p}'`).join(', ')})::text FROM (SELECT doc::jsonb AS d) AS j) AS fields`;

interface Row {
  id: string;
  site_id: string;
  station_id: string | null;
  responsible_station_id: string | null;
  grid_cell_id: string | null;
  opened_ms: number;
  closed_ms: number | null;
  status: string;
  fields: string;
}

type Fields = [
  number: string | null,
  siteName: string | null,
  kind: string,
  category: string,
  lat: number | null,
  lng: number | null,
  dispatchedAt: string | null,
  disposition: string | null,
  nature: string | null,
  owner: string | null,
  unitId: string | null,
  eventCount: number | null,
  ackSeconds: number | null,
  dispatchSeconds: number | null,
  onSceneSeconds: number | null,
  totalSeconds: number | null,
  drill: boolean | null,
];

function fromRow(r: Row): ReportIncident {
  const [number, siteName, kind, category, lat, lng, dispatchedAt, disposition, nature, owner, unitId, eventCount, ack, dispatch, onScene, total, drill] =
    JSON.parse(r.fields) as Fields;
  return {
    id: r.id,
    number,
    siteId: r.site_id,
    siteName: siteName ?? r.site_id,
    kind,
    category,
    stationId: r.station_id,
    responsibleStationId: r.responsible_station_id,
    gridCellId: r.grid_cell_id,
    lat: lat ?? 0,
    lng: lng ?? 0,
    openedMs: r.opened_ms,
    closedMs: r.closed_ms,
    dispatchedMs: dispatchedAt ? Date.parse(dispatchedAt) : null,
    status: r.status,
    disposition,
    nature,
    owner,
    unitId,
    eventCount: eventCount ?? 0,
    ackSeconds: ack,
    dispatchSeconds: dispatch,
    onSceneSeconds: onScene,
    totalSeconds: total,
    drill: drill === true,
  };
}

function scoped(where: Where, stationIds: readonly string[] | null): Where {
  return where.anyIn(['station_id', 'responsible_station_id', 'community_post_id'], stationIds);
}

interface DailyRaw {
  date: string;
  station: string;
  generated_ms: number;
  doc: string;
  hash: string;
  audit_seq: number;
}

const fromDaily = (r: DailyRaw): StoredDailyRow => ({
  date: r.date,
  station: r.station === '' ? null : r.station,
  generatedMs: r.generated_ms,
  doc: r.doc,
  hash: r.hash,
  auditSeq: r.audit_seq,
});

/** Kinds that are state or supervision, not alarms (as SQLite's NOT_ALARMS). */
const NOT_ALARMS = `e.kind NOT IN ('restore', 'arm', 'disarm', 'test') AND e.kind NOT LIKE 'trouble.%'`;

export class PgReportRepository implements ReportRepository {
  constructor(private readonly pg: PgContext) {}

  async openedIn(w: ReportWindow): Promise<ReportIncident[]> {
    const where = scoped(new Where().add('opened_ms >= ?', w.sinceMs).add('opened_ms < ?', w.untilMs), w.stationIds);
    return (await this.pg.rows<Row>(numbered(`SELECT ${INCIDENT_COLUMNS} FROM incidents ${where} ORDER BY opened_ms`), where.args)).map(fromRow);
  }

  async activeIn(w: ReportWindow): Promise<ReportIncident[]> {
    // Opened before the window ends and not closed before it starts: opened in it, closed in or
    // after it, or still open (SQLite's three-range UNION, which PostgreSQL plans as a BitmapOr).
    const where = new Where().add('opened_ms < ?', w.untilMs).raw(`(opened_ms >= ? OR closed_ms >= ? OR status <> 'closed')`);
    where.args.push(w.sinceMs, w.sinceMs);
    scoped(where, w.stationIds);
    return (await this.pg.rows<Row>(numbered(`SELECT ${INCIDENT_COLUMNS} FROM incidents ${where} ORDER BY opened_ms`), where.args)).map(fromRow);
  }

  async alarmEventsByDevice(w: ReportWindow): Promise<DeviceAlarmCount[]> {
    const where = new Where().add('e.received_ms >= ?', w.sinceMs).add('e.received_ms < ?', w.untilMs).raw(NOT_ALARMS);
    where.in('e.station_id', w.stationIds);
    const sql = `SELECT e.device_id, e.site_id, i.doc::jsonb ->> 'disposition' AS disposition, coalesce(i.drill, e.drill, 0) AS is_drill, count(*) AS n
      FROM events e LEFT JOIN incidents i ON i.id = e.incident_id ${where}
      GROUP BY e.device_id, e.site_id, 3, 4`;
    const rows = await this.pg.rows<{ device_id: string; site_id: string; disposition: string | null; is_drill: number; n: number }>(numbered(sql), where.args);
    return rows.map((r) => ({ deviceId: r.device_id, siteId: r.site_id, disposition: r.disposition, drill: r.is_drill === 1, events: r.n }));
  }

  async offlineEventsByDevice(w: ReportWindow): Promise<Array<{ deviceId: string; siteId: string; events: number }>> {
    const where = new Where().add('received_ms >= ?', w.sinceMs).add('received_ms < ?', w.untilMs).raw(`kind = 'trouble.offline'`);
    where.in('station_id', w.stationIds);
    const sql = `SELECT device_id, site_id, count(*) AS n FROM events ${where} GROUP BY device_id, site_id`;
    return (await this.pg.rows<{ device_id: string; site_id: string; n: number }>(numbered(sql), where.args)).map((r) => ({
      deviceId: r.device_id,
      siteId: r.site_id,
      events: r.n,
    }));
  }

  async insertDaily(row: StoredDailyRow): Promise<boolean> {
    const n = await this.pg.changes(
      `INSERT INTO daily_reports (date, station, generated_ms, doc, hash, audit_seq) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (date, station) DO NOTHING`,
      [row.date, row.station ?? '', row.generatedMs, row.doc, row.hash, row.auditSeq],
    );
    return n === 1;
  }

  async getDaily(date: string, station: string | null): Promise<StoredDailyRow | undefined> {
    const r = await this.pg.one<DailyRaw>('SELECT * FROM daily_reports WHERE date = $1 AND station = $2', [date, station ?? '']);
    return r ? fromDaily(r) : undefined;
  }

  async listDaily(station: string | null | undefined, limit = 400): Promise<Array<Omit<StoredDailyRow, 'doc'>>> {
    const where = new Where();
    if (station === null) where.raw(`station = ''`);
    else if (station !== undefined) where.add('station = ?', station);
    const sql =
      `SELECT date, station, generated_ms, hash, audit_seq, '' AS doc FROM daily_reports ${where} ORDER BY date DESC, station LIMIT ` +
      `${Math.min(Math.max(limit, 1), 5000)}`;
    return (await this.pg.rows<DailyRaw>(numbered(sql), where.args)).map((r) => {
      const { doc: _doc, ...rest } = fromDaily(r);
      return rest;
    });
  }
}
