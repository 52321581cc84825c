import type { Db } from './db.js';
import type { DeviceAlarmCount, ReportIncident, ReportRepository, ReportWindow, StoredDailyRow } from './ports.js';
import { Where } from './where.js';

/**
 * The only SQL of the reports (issue 14): read-only aggregation inputs, plus the stored daily
 * reports. Incident fields come out of the JSON document with `->>` in SQLite itself, so a month
 * of incidents is read without building 8,000 Incident objects in JavaScript.
 */
const INCIDENT_COLUMNS = `id, site_id, station_id, responsible_station_id, grid_cell_id, opened_ms, closed_ms, status,
  doc ->> '$.number' AS number, doc ->> '$.siteName' AS site_name, doc ->> '$.kind' AS kind, doc ->> '$.category' AS category,
  doc ->> '$.location[0]' AS lat, doc ->> '$.location[1]' AS lng, doc ->> '$.times.dispatchedAt' AS dispatched_at,
  doc ->> '$.disposition' AS disposition, doc ->> '$.nature' AS nature, doc ->> '$.owner' AS owner, doc ->> '$.unit.id' AS unit_id,
  doc ->> '$.eventCount' AS event_count, doc ->> '$.times.ackSeconds' AS ack_s, doc ->> '$.times.dispatchSeconds' AS dispatch_s,
  doc ->> '$.times.onSceneSeconds' AS on_scene_s, doc ->> '$.times.totalSeconds' AS total_s, doc ->> '$.drill' AS drill`;

interface Row {
  id: string;
  site_id: string;
  station_id: string | null;
  responsible_station_id: string | null;
  grid_cell_id: string | null;
  opened_ms: number;
  closed_ms: number | null;
  status: string;
  number: string | null;
  site_name: string | null;
  kind: string;
  category: string;
  lat: number | null;
  lng: number | null;
  dispatched_at: string | null;
  disposition: string | null;
  nature: string | null;
  owner: string | null;
  unit_id: string | null;
  event_count: number | null;
  ack_s: number | null;
  dispatch_s: number | null;
  on_scene_s: number | null;
  total_s: number | null;
  drill: number | null;
}

function fromRow(r: Row): ReportIncident {
  return {
    id: r.id,
    number: r.number,
    siteId: r.site_id,
    siteName: r.site_name ?? r.site_id,
    kind: r.kind,
    category: r.category,
    stationId: r.station_id,
    responsibleStationId: r.responsible_station_id,
    gridCellId: r.grid_cell_id,
    lat: r.lat ?? 0,
    lng: r.lng ?? 0,
    openedMs: r.opened_ms,
    closedMs: r.closed_ms,
    dispatchedMs: r.dispatched_at ? Date.parse(r.dispatched_at) : null,
    status: r.status,
    disposition: r.disposition,
    nature: r.nature,
    owner: r.owner,
    unitId: r.unit_id,
    eventCount: r.event_count ?? 0,
    ackSeconds: r.ack_s,
    dispatchSeconds: r.dispatch_s,
    onSceneSeconds: r.on_scene_s,
    totalSeconds: r.total_s,
    drill: r.drill === 1,
  };
}

/** The station scope of incidents, as IncidentQuery reads it (auth/scope.ts sees the same). */
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

/** Kinds that are state or supervision, not alarms: a false-alarm rate counts alarms only. */
const NOT_ALARMS = `kind NOT IN ('restore', 'arm', 'disarm', 'test') AND kind NOT LIKE 'trouble.%'`;

export class SqliteReportRepository implements ReportRepository {
  private readonly insertDailyStmt;
  private readonly getDailyStmt;

  constructor(private readonly db: Db) {
    this.insertDailyStmt = db.prepare(
      `INSERT OR IGNORE INTO daily_reports (date, station, generated_ms, doc, hash, audit_seq)
       VALUES (@date, @station, @generatedMs, @doc, @hash, @auditSeq)`,
    );
    this.getDailyStmt = db.prepare('SELECT * FROM daily_reports WHERE date = ? AND station = ?');
  }

  openedIn(w: ReportWindow): ReportIncident[] {
    const where = scoped(new Where().add('opened_ms >= ?', w.sinceMs).add('opened_ms < ?', w.untilMs), w.stationIds);
    return (this.db.prepare(`SELECT ${INCIDENT_COLUMNS} FROM incidents ${where} ORDER BY opened_ms`).all(...where.args) as Row[]).map(fromRow);
  }

  activeIn(w: ReportWindow): ReportIncident[] {
    // Three index ranges instead of one OR (which would read every incident): opened in the
    // window; opened before it and closed in or after it; opened before it and still open.
    const scope = scoped(new Where(), w.stationIds);
    const scopeSql = scope.toString().replace(/^WHERE /, ' AND ');
    const sql = `SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE id IN (
        SELECT id FROM incidents WHERE opened_ms >= ? AND opened_ms < ?
        UNION ALL SELECT id FROM incidents WHERE closed_ms >= ? AND opened_ms < ?
        UNION ALL SELECT id FROM incidents WHERE status <> 'closed' AND opened_ms < ?
      )${scopeSql} ORDER BY opened_ms`;
    const args = [w.sinceMs, w.untilMs, w.sinceMs, w.sinceMs, w.sinceMs, ...scope.args];
    return (this.db.prepare(sql).all(...args) as Row[]).map(fromRow);
  }

  alarmEventsByDevice(w: ReportWindow): DeviceAlarmCount[] {
    const where = new Where().add('e.received_ms >= ?', w.sinceMs).add('e.received_ms < ?', w.untilMs).raw(NOT_ALARMS.replaceAll('kind', 'e.kind'));
    where.in('e.station_id', w.stationIds);
    const sql = `SELECT e.device_id, e.site_id, i.doc ->> '$.disposition' AS disposition, coalesce(i.doc ->> '$.drill', 0) AS drill, count(*) AS n
      FROM events e LEFT JOIN incidents i ON i.id = e.incident_id ${where}
      GROUP BY e.device_id, e.site_id, disposition, drill`;
    return (this.db.prepare(sql).all(...where.args) as Array<{ device_id: string; site_id: string; disposition: string | null; drill: number; n: number }>).map(
      (r) => ({ deviceId: r.device_id, siteId: r.site_id, disposition: r.disposition, drill: r.drill === 1, events: r.n }),
    );
  }

  offlineEventsByDevice(w: ReportWindow): Array<{ deviceId: string; siteId: string; events: number }> {
    const where = new Where().add('received_ms >= ?', w.sinceMs).add('received_ms < ?', w.untilMs).raw(`kind = 'trouble.offline'`);
    where.in('station_id', w.stationIds);
    const sql = `SELECT device_id, site_id, count(*) AS n FROM events ${where} GROUP BY device_id, site_id`;
    return (this.db.prepare(sql).all(...where.args) as Array<{ device_id: string; site_id: string; n: number }>).map((r) => ({
      deviceId: r.device_id,
      siteId: r.site_id,
      events: r.n,
    }));
  }

  insertDaily(row: StoredDailyRow): boolean {
    return this.insertDailyStmt.run({ ...row, station: row.station ?? '' }).changes === 1;
  }

  getDaily(date: string, station: string | null): StoredDailyRow | undefined {
    const r = this.getDailyStmt.get(date, station ?? '') as DailyRaw | undefined;
    return r ? fromDaily(r) : undefined;
  }

  listDaily(station: string | null | undefined, limit = 400): Array<Omit<StoredDailyRow, 'doc'>> {
    const where = new Where();
    if (station === null) where.raw(`station = ''`);
    else if (station !== undefined) where.add('station = ?', station);
    const sql = `SELECT date, station, generated_ms, hash, audit_seq, '' AS doc FROM daily_reports ${where} ORDER BY date DESC, station LIMIT ${Math.min(Math.max(limit, 1), 5000)}`;
    return (this.db.prepare(sql).all(...where.args) as DailyRaw[]).map((r) => {
      const { doc: _doc, ...rest } = fromDaily(r);
      return rest;
    });
  }
}
