import type { Db } from './db.js';
import type { DeviceAlarmCount, ReportIncident, ReportRepository, ReportWindow, StoredDailyRow } from './ports.js';
import type { Sync } from './sqlite-gate.js';
import { Where } from './where.js';

/**
 * The only SQL of the reports (issue 14): read-only aggregation inputs, plus the stored daily
 * reports. Incident fields come out of the JSON document with `->>` in SQLite itself, so a month
 * of incidents is read without building 8,000 Incident objects in JavaScript.
 */
/**
 * The document's fields, in this order. `json_extract` with several paths parses the document once
 * and answers a JSON array: one parse per row in SQLite and one short array parse here, where a
 * `->>` per field parsed each 1–2 KB document twenty times (a month: 145 ms → a few ms).
 */
const DOC_FIELDS = [
  'number',
  'siteName',
  'kind',
  'category',
  'location[0]',
  'location[1]',
  'times.dispatchedAt',
  'disposition',
  'nature',
  'owner',
  'unit.id',
  'eventCount',
  'times.ackSeconds',
  'times.dispatchSeconds',
  'times.onSceneSeconds',
  'times.totalSeconds',
  'drill',
] as const;
const INCIDENT_COLUMNS = `id, site_id, station_id, responsible_station_id, grid_cell_id, opened_ms, closed_ms, status,
  json_extract(doc, ${DOC_FIELDS.map((f) => `'$.${f}'`).join(', ')}) AS fields`;

interface Row {
  id: string;
  site_id: string;
  station_id: string | null;
  responsible_station_id: string | null;
  grid_cell_id: string | null;
  opened_ms: number;
  closed_ms: number | null;
  status: string;
  /** JSON array of DOC_FIELDS' values. */
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

export class SqliteReportRepository implements Sync<ReportRepository> {
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
    // window; opened before it and closed in or after it; opened before it and still open. The
    // unary `+` keeps SQLite from answering the last two by the opened_ms index, which would read
    // every incident opened before the day (half a year of them for a day in June).
    const scope = scoped(new Where(), w.stationIds);
    const scopeSql = scope.toString().replace(/^WHERE /, ' AND ');
    const sql = `SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE id IN (
        SELECT id FROM incidents WHERE opened_ms >= ? AND opened_ms < ?
        UNION ALL SELECT id FROM incidents WHERE closed_ms >= ? AND +opened_ms < ?
        UNION ALL SELECT id FROM incidents WHERE status <> 'closed' AND +opened_ms < ?
      )${scopeSql} ORDER BY opened_ms`;
    const args = [w.sinceMs, w.untilMs, w.sinceMs, w.sinceMs, w.sinceMs, ...scope.args];
    return (this.db.prepare(sql).all(...args) as Row[]).map(fromRow);
  }

  alarmEventsByDevice(w: ReportWindow): DeviceAlarmCount[] {
    const where = new Where().add('e.received_ms >= ?', w.sinceMs).add('e.received_ms < ?', w.untilMs).raw(NOT_ALARMS.replaceAll('kind', 'e.kind'));
    where.in('e.station_id', w.stationIds);
    // A drill is the joined incident's flag (0 once made real, 转为真实警情); an event that joined
    // none keeps its own flag (migration 013). Aliases that are no column's name: GROUP BY resolves a
    // bare name to a column before an alias ("ambiguous column name").
    const sql = `SELECT e.device_id, e.site_id, i.doc ->> '$.disposition' AS disposition, coalesce(i.drill, e.drill, 0) AS is_drill, count(*) AS n
      FROM events e LEFT JOIN incidents i ON i.id = e.incident_id ${where}
      GROUP BY e.device_id, e.site_id, disposition, is_drill`;
    return (
      this.db.prepare(sql).all(...where.args) as Array<{ device_id: string; site_id: string; disposition: string | null; is_drill: number; n: number }>
    ).map((r) => ({ deviceId: r.device_id, siteId: r.site_id, disposition: r.disposition, drill: r.is_drill === 1, events: r.n }));
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
    const sql =
      `SELECT date, station, generated_ms, hash, audit_seq, '' AS doc FROM daily_reports ${where} ORDER BY date DESC, station LIMIT ` +
      `${Math.min(Math.max(limit, 1), 5000)}`;
    return (this.db.prepare(sql).all(...where.args) as DailyRaw[]).map((r) => {
      const { doc: _doc, ...rest } = fromDaily(r);
      return rest;
    });
  }
}
