import type { AlarmEvent } from '../contract/alarm-event.js';
import type { StoredParams } from '../contract/messages.js';
import type { Db } from './db.js';
import { dedupeHash } from './dedupe-hash.js';
import { listLimit, Where } from './where.js';
import type { DedupeCandidate, EventQuery, EventRepository, StoredEvent, UnprocessedFrom } from './ports.js';
import type { Sync } from './sqlite-gate.js';
import { WALK_TEST_EVENTS } from './walk-test-ticks.js';

interface EventRow {
  seq: number;
  id: string;
  site_id: string;
  device_id: string;
  kind: string;
  category: string;
  zone: number | null;
  zone_name: string | null;
  /** Migration 006; null for events stored before it or on undeclared zones. */
  zone_type: string | null;
  occurred_at: string;
  received_at: string;
  lat: number;
  lng: number;
  grid_cell_id: string | null;
  station_id: string | null;
  detail: string | null;
  /** Migration 010; null for free text and events stored before it. */
  detail_code: string | null;
  detail_params: string | null;
  /** Migration 012; null: the 110 queue. */
  destination: string | null;
  profile: string;
  topic: string;
  raw: string;
  dedupe_key: string;
  incident_id: string | null;
  /** Migration 013; 0 for events stored before it. */
  drill: number;
}

function fromRow(r: EventRow): StoredEvent {
  return {
    seq: r.seq,
    id: r.id,
    siteId: r.site_id,
    deviceId: r.device_id,
    kind: r.kind as AlarmEvent['kind'],
    category: r.category as AlarmEvent['category'],
    zone: r.zone,
    zoneName: r.zone_name,
    ...(r.zone_type ? { zoneType: r.zone_type as NonNullable<AlarmEvent['zoneType']> } : {}),
    occurredAt: r.occurred_at,
    receivedAt: r.received_at,
    location: [r.lat, r.lng],
    gridCellId: r.grid_cell_id,
    stationId: r.station_id,
    detail: r.detail,
    ...(r.detail_code ? { detailCode: r.detail_code, detailParams: parseParams(r.detail_params) } : {}),
    ...(r.destination === 'walk_test' || r.destination === 'maintenance' ? { destination: r.destination } : {}),
    profile: r.profile,
    topic: r.topic,
    raw: r.raw,
    dedupeKey: r.dedupe_key,
    drill: r.drill === 1,
    incidentId: r.incident_id,
  };
}

/** Stored parameters of a detail code; a damaged value reads as none (the page falls back to the text). */
function parseParams(json: string | null): StoredParams {
  try {
    const v: unknown = json ? JSON.parse(json) : {};
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as StoredParams) : {};
  } catch {
    return {};
  }
}

/**
 * Each site's last arm or disarm event (SQLite's bare-column rule: with max(seq), `kind` comes from
 * that row). Exported for the test that checks it uses the partial index `events_arming`, which
 * SQLite only does while the query repeats the index's WHERE term word for word (migration 003).
 */
export const LAST_ARMING_BY_SITE_SQL = `SELECT site_id, kind, max(seq) FROM events WHERE kind IN ('arm', 'disarm') GROUP BY site_id`;

/**
 * Was this dedupe key stored since a time? The index holds the key's hash (migration 015); the full
 * key decides among rows that share a hash. Exported for the test that checks the plan uses it.
 */
export const DEDUPE_LOOKUP_SQL = 'SELECT 1 FROM events WHERE dedupe_hash = ? AND dedupe_key = ? AND received_ms >= ? LIMIT 1';

/** The only SQL about events. */
export class SqliteEventRepository implements Sync<EventRepository> {
  private readonly insertStmt;
  private readonly dupStmt;
  private readonly markStmt;
  private readonly markBySeqStmt;
  private readonly unprocessedStmt;
  private readonly lastSeqStmt;

  constructor(private readonly db: Db) {
    // Positional parameters: better-sqlite3 binds named ones by looking each name up in the object,
    // which cost more than the insert itself (22 columns, once per event).
    this.insertStmt = db.prepare(
      `INSERT INTO events (id, site_id, device_id, kind, category, zone, zone_name, zone_type, occurred_at, received_at,
         received_ms, lat, lng, grid_cell_id, station_id, detail, detail_code, detail_params, destination, profile, topic, raw, dedupe_key, dedupe_hash, drill)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.dupStmt = db.prepare(DEDUPE_LOOKUP_SQL);
    this.markStmt = db.prepare('UPDATE events SET incident_id = ? WHERE id = ?');
    this.markBySeqStmt = db.prepare('UPDATE events SET incident_id = ? WHERE seq = ? AND id = ?');
    this.unprocessedStmt = db.prepare('SELECT * FROM events WHERE incident_id IS NULL ORDER BY seq LIMIT ?');
    this.lastSeqStmt = db.prepare('SELECT max(seq) AS s FROM events');
    // Repeats the partial index's WHERE term (migration 003), or SQLite reads every stored event.
  }

  /** True when an event with this dedupe key was stored at or after `sinceMs`. */
  isDuplicate(dedupeKey: string, sinceMs: number): boolean {
    return this.dupStmt.get(dedupeHash(dedupeKey), dedupeKey, sinceMs) !== undefined;
  }

  /** Inserts; call inside a transaction for group commit. Returns the event's seq. */
  insert(e: AlarmEvent): number {
    // In the column order of insertStmt.
    return Number(
      this.insertStmt.run(
        e.id,
        e.siteId,
        e.deviceId,
        e.kind,
        e.category,
        e.zone,
        e.zoneName,
        e.zoneType ?? null,
        e.occurredAt,
        e.receivedAt,
        Date.parse(e.receivedAt),
        e.location[0],
        e.location[1],
        e.gridCellId,
        e.stationId,
        e.detail,
        e.detailCode ?? null,
        e.detailCode ? JSON.stringify(e.detailParams ?? {}) : null,
        e.destination ?? null,
        e.profile,
        e.topic,
        e.raw,
        e.dedupeKey,
        dedupeHash(e.dedupeKey),
        e.drill ? 1 : 0,
      ).lastInsertRowid,
    );
  }

  /**
   * Writes one group-commit batch of events: drops each event whose dedupe key was stored at or
   * after its `duplicateSinceMs` or appeared earlier in the same batch, inserts the rest, and
   * returns them with their `seq`, in batch order. Call inside a transaction (writeEventBatch).
   */
  commitBatch(candidates: readonly DedupeCandidate[]): { stored: AlarmEvent[]; duplicates: number } {
    const stored: AlarmEvent[] = [];
    const seenInBatch = new Set<string>();
    let duplicates = 0;
    for (const { event, duplicateSinceMs } of candidates) {
      if (seenInBatch.has(event.dedupeKey) || this.isDuplicate(event.dedupeKey, duplicateSinceMs)) {
        duplicates++;
        continue;
      }
      seenInBatch.add(event.dedupeKey);
      stored.push({ ...event, seq: this.insert(event) });
    }
    return { stored, duplicates };
  }

  /** The newest event's seq (0 when there is none). */
  lastSeq(): number {
    return (this.lastSeqStmt.get() as { s: number | null }).s ?? 0;
  }

  /** Marks an event correlated; by its seq (the rowid) when known, which is the cheaper lookup. */
  markProcessed(eventId: string, incidentId: string, seq?: number): void {
    if (seq !== undefined) this.markBySeqStmt.run(incidentId, seq, eventId);
    else this.markStmt.run(incidentId, eventId);
  }

  unprocessed(limit = 10_000, from: UnprocessedFrom = {}): StoredEvent[] {
    const afterSeq = from.afterSeq ?? 0;
    if (afterSeq === 0 && from.siteIds === undefined) return (this.unprocessedStmt.all(limit) as EventRow[]).map(fromRow);
    const sites = from.siteIds === undefined ? '' : ' AND site_id IN (SELECT value FROM json_each(?))';
    const args: unknown[] = [afterSeq, ...(from.siteIds === undefined ? [] : [JSON.stringify(from.siteIds)]), limit];
    const sql = `SELECT * FROM events WHERE incident_id IS NULL AND seq > ?${sites} ORDER BY seq LIMIT ?`;
    return (this.db.prepare(sql).all(...args) as EventRow[]).map(fromRow);
  }

  walkTestEvents(siteId: string, sinceMs: number): StoredEvent[] {
    const sql = `SELECT * FROM events WHERE site_id = ? AND received_ms >= ? AND destination = 'walk_test' ORDER BY seq LIMIT ${WALK_TEST_EVENTS}`;
    return (this.db.prepare(sql).all(siteId, sinceMs) as EventRow[]).map(fromRow);
  }

  get(id: string): StoredEvent | undefined {
    const r = this.db.prepare('SELECT * FROM events WHERE id = ?').get(id) as EventRow | undefined;
    return r ? fromRow(r) : undefined;
  }

  query(q: EventQuery): StoredEvent[] {
    const where = new Where()
      .add('site_id = ?', q.siteId)
      .add('device_id = ?', q.deviceId)
      .add('kind = ?', q.kind)
      .add('received_ms >= ?', q.since)
      .add('received_ms < ?', q.until)
      .add('seq > ?', q.afterSeq)
      .in('station_id', q.stationIds)
      .in('site_id', q.siteIds);
    const order = q.afterSeq !== undefined ? 'ASC' : 'DESC';
    const sql = `SELECT * FROM events ${where} ORDER BY seq ${order} LIMIT ${listLimit(q.limit)}`;
    return (this.db.prepare(sql).all(...where.args) as EventRow[]).map(fromRow);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  }

  lastArmingBySite(): Map<string, boolean> {
    const rows = this.db.prepare(LAST_ARMING_BY_SITE_SQL).all() as Array<{ site_id: string; kind: string }>;
    return new Map(rows.map((r) => [r.site_id, r.kind === 'arm']));
  }
}
