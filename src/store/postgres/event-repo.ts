import type { AlarmEvent } from '../../contract/alarm-event.js';
import type { StoredParams } from '../../contract/messages.js';
import type { DedupeCandidate, DeviceStateRow, EventQuery, EventRepository, StoredEvent, UnprocessedFrom } from '../ports.js';
import { WALK_TEST_EVENTS } from '../walk-test-ticks.js';
import { listLimit, Where } from '../where.js';
import { numbered } from './pool.js';
import { EVENT_NOTIFY_CHANNEL, MAX_NOTIFY_PAYLOAD, notifyStoredEvents } from './event-notify.js';
import { LOCK_SPACE, LOCKS, type PgContext } from './transaction.js';

interface EventRow {
  seq: number;
  id: string;
  site_id: string;
  device_id: string;
  kind: string;
  category: string;
  zone: number | null;
  zone_name: string | null;
  zone_type: string | null;
  occurred_at: string;
  received_at: string;
  lat: number;
  lng: number;
  grid_cell_id: string | null;
  station_id: string | null;
  detail: string | null;
  detail_code: string | null;
  detail_params: string | null;
  destination: string | null;
  profile: string;
  topic: string;
  raw: string;
  dedupe_key: string;
  incident_id: string | null;
  drill: number;
}

/** The same mapping as the SQLite repository's: a stored event reads back as it was written. */
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

function parseParams(json: string | null): StoredParams {
  try {
    const v: unknown = json ? JSON.parse(json) : {};
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as StoredParams) : {};
  } catch {
    return {};
  }
}

const INSERT_COLUMNS = `id, site_id, device_id, kind, category, zone, zone_name, zone_type, occurred_at, received_at,
  received_ms, lat, lng, grid_cell_id, station_id, detail, detail_code, detail_params, destination, profile, topic, raw, dedupe_key, drill`;
/** PostgreSQL types of INSERT_COLUMNS, in order (the arrays of a batch insert are cast to them). */
const INSERT_TYPES = [
  'text',
  'text',
  'text',
  'text',
  'text',
  'int',
  'text',
  'text',
  'text',
  'text',
  'bigint',
  'float8',
  'float8',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'int',
] as const;
/** The arguments of sg_commit_event_batch: lock keys, channel, payload limit, the event columns, since, device state columns. */
const COMMIT_BATCH_SQL = `SELECT event_id, event_seq FROM sg_commit_event_batch($1::int, $2::int, $3::text, $4::int, ${[
  ...INSERT_TYPES,
  'bigint',
  'text',
  'text',
  'text',
  'bigint',
  'text',
]
  .map((t, i) => `$${i + 5}::${t}[]`)
  .join(', ')})`;
const INSERT_SQL = `INSERT INTO events (${INSERT_COLUMNS})
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24) RETURNING seq`;

function insertParams(e: AlarmEvent): unknown[] {
  return [
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
    e.drill ? 1 : 0,
  ];
}

/**
 * The alarm log on PostgreSQL, for several writers. Every transaction that appends events takes
 * the events advisory lock first and holds it to its commit, so:
 * - seqs are drawn and made visible in one order: a reader paging `afterSeq` never sees N+1 while
 *   N can still commit (PostgreSQL releases the lock after the commit is visible);
 * - the dedupe check runs after the other writer's batch committed, so it sees it.
 * The cost is that event batches of all replicas commit one after the other — which is what group
 * commit makes cheap (one lock and one commit per batch, not per event).
 */
export class PgEventRepository implements EventRepository {
  /** The current transaction's connection, for the wake-up NOTIFY queued on it. */
  private readonly tx = { query: (sql: string, params: unknown[]) => this.pg.rows(sql, params) };

  constructor(private readonly pg: PgContext) {}

  async isDuplicate(dedupeKey: string, sinceMs: number): Promise<boolean> {
    return (await this.pg.one('SELECT 1 FROM events WHERE dedupe_key = $1 AND received_ms >= $2 LIMIT 1', [dedupeKey, sinceMs])) !== undefined;
  }

  insert(e: AlarmEvent): Promise<number> {
    return this.pg.within(async () => {
      await this.pg.lock(LOCKS.events);
      const seq = (await this.pg.one<{ seq: number }>(INSERT_SQL, insertParams(e)))!.seq;
      await notifyStoredEvents(this.tx, [{ siteId: e.siteId, seq }]);
      return seq;
    });
  }

  commitBatch(candidates: readonly DedupeCandidate[]): Promise<{ stored: AlarmEvent[]; duplicates: number }> {
    return this.pg.within(async () => {
      // Before the dedupe check: what another replica committed before we got the lock is seen.
      await this.pg.lock(LOCKS.events);
      // One round trip for the batch's keys (the newest stored receivedAt of each), one for the insert.
      const keys = [...new Set(candidates.map((c) => c.event.dedupeKey))];
      const newest = new Map(
        (
          await this.pg.rows<{ dedupe_key: string; ms: number }>(
            'SELECT dedupe_key, max(received_ms) AS ms FROM events WHERE dedupe_key = ANY($1::text[]) GROUP BY dedupe_key',
            [keys],
          )
        ).map((r) => [r.dedupe_key, r.ms]),
      );
      const fresh: AlarmEvent[] = [];
      const seenInBatch = new Set<string>();
      let duplicates = 0;
      for (const { event, duplicateSinceMs } of candidates) {
        const stored = newest.get(event.dedupeKey);
        if (seenInBatch.has(event.dedupeKey) || (stored !== undefined && stored >= duplicateSinceMs)) {
          duplicates++;
          continue;
        }
        seenInBatch.add(event.dedupeKey);
        fresh.push(event);
      }
      if (fresh.length === 0) return { stored: [], duplicates };
      const seqs = await this.insertMany(fresh);
      // Wakes the owners of these sites on other replicas, delivered at COMMIT (event-notify.ts).
      await notifyStoredEvents(
        this.tx,
        fresh.map((e, i) => ({ siteId: e.siteId, seq: seqs[i]! })),
      );
      return { stored: fresh.map((e, i) => ({ ...e, seq: seqs[i]! })), duplicates };
    });
  }

  /**
   * The batch and its device states in one statement, `sg_commit_event_batch` (migration 003): lock,
   * dedupe, insert, wake-up NOTIFY and device state run inside PostgreSQL, and outside an explicit
   * transaction the statement is its own durable commit, so the events lock is released at that
   * commit without waiting for this process. Inside a transaction it joins it (the lock then lasts
   * to that transaction's commit, as commitBatch's does).
   */
  async commitBatchWithStates(
    candidates: readonly DedupeCandidate[],
    states: readonly DeviceStateRow[],
  ): Promise<{ stored: AlarmEvent[]; duplicates: number }> {
    const columns = INSERT_TYPES.map(() => [] as unknown[]);
    for (const { event } of candidates) insertParams(event).forEach((v, i) => columns[i]!.push(v));
    // One row per device (ON CONFLICT cannot touch a row twice in one statement): the last wins.
    const latest = [...new Map(states.map((r) => [r.deviceId, r])).values()];
    const rows = await this.pg.rows<{ event_id: string; event_seq: number }>(COMMIT_BATCH_SQL, [
      LOCK_SPACE,
      LOCKS.events,
      EVENT_NOTIFY_CHANNEL,
      // Chunked by a running byte count in SQL, so a chunk may pass its target by one entry: aim lower.
      MAX_NOTIFY_PAYLOAD - 1_000,
      ...columns,
      candidates.map((c) => c.duplicateSinceMs),
      latest.map((r) => r.deviceId),
      latest.map((r) => JSON.stringify(r.state)),
      latest.map((r) => r.availability),
      latest.map((r) => r.lastSeenMs),
      latest.map((r) => (r.supervision ? JSON.stringify(r.supervision) : null)),
    ]);
    const seqOf = new Map(rows.map((r) => [r.event_id, r.event_seq]));
    // The same candidate object twice in a batch is stored once: only its first place is "stored".
    const stored: AlarmEvent[] = [];
    const placed = new Set<string>();
    for (const { event } of candidates) {
      const seq = seqOf.get(event.id);
      if (seq === undefined || placed.has(event.id)) continue;
      placed.add(event.id);
      stored.push({ ...event, seq });
    }
    return { stored, duplicates: candidates.length - stored.length };
  }

  /** One INSERT … SELECT FROM unnest(…) for the batch; seqs drawn in batch order (ORDER BY ord). Call under the events lock. */
  private async insertMany(events: readonly AlarmEvent[]): Promise<number[]> {
    const columns = INSERT_TYPES.map(() => [] as unknown[]);
    for (const e of events) insertParams(e).forEach((v, i) => columns[i]!.push(v));
    const arrays = INSERT_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
    const rows = await this.pg.rows<{ id: string; seq: number }>(
      `INSERT INTO events (${INSERT_COLUMNS})
       SELECT ${INSERT_COLUMNS} FROM unnest(${arrays}) WITH ORDINALITY AS b(${INSERT_COLUMNS}, ord) ORDER BY ord
       RETURNING id, seq`,
      columns,
    );
    const byId = new Map(rows.map((r) => [r.id, r.seq]));
    return events.map((e) => byId.get(e.id)!);
  }

  async lastSeq(): Promise<number> {
    return (await this.pg.one<{ s: number | null }>('SELECT max(seq) AS s FROM events'))?.s ?? 0;
  }

  async markProcessed(eventId: string, incidentId: string, seq?: number): Promise<void> {
    // Only an unmarked event: the first owner to commit its correlation keeps it (a replica that
    // lost the site never overwrites the new owner's mark; the lease fence refuses its write anyway).
    if (seq !== undefined) {
      await this.pg.changes('UPDATE events SET incident_id = $1 WHERE seq = $2 AND id = $3 AND incident_id IS NULL', [incidentId, seq, eventId]);
    } else await this.pg.changes('UPDATE events SET incident_id = $1 WHERE id = $2 AND incident_id IS NULL', [incidentId, eventId]);
  }

  async unprocessed(limit = 10_000, from: UnprocessedFrom = {}): Promise<StoredEvent[]> {
    const sites = from.siteIds === undefined ? '' : ' AND site_id = ANY($3::text[])';
    const args: unknown[] = [limit, from.afterSeq ?? 0, ...(from.siteIds === undefined ? [] : [from.siteIds])];
    return (await this.pg.rows<EventRow>(`SELECT * FROM events WHERE incident_id IS NULL AND seq > $2${sites} ORDER BY seq LIMIT $1`, args)).map(fromRow);
  }

  walkTestEvents(siteId: string, sinceMs: number): Promise<StoredEvent[]> {
    return this.pg.within(async () => {
      // The lock every event insert holds to its commit: events committed before this read are all
      // in it, and the next waits for the caller's transaction (a walk test's end) to commit.
      await this.pg.lock(LOCKS.events);
      const rows = await this.pg.rows<EventRow>(
        `SELECT * FROM events WHERE site_id = $1 AND received_ms >= $2 AND destination = 'walk_test' ORDER BY seq LIMIT ${WALK_TEST_EVENTS}`,
        [siteId, sinceMs],
      );
      return rows.map(fromRow);
    });
  }

  async get(id: string): Promise<StoredEvent | undefined> {
    const r = await this.pg.one<EventRow>('SELECT * FROM events WHERE id = $1', [id]);
    return r ? fromRow(r) : undefined;
  }

  async query(q: EventQuery): Promise<StoredEvent[]> {
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
    const sql = numbered(`SELECT * FROM events ${where} ORDER BY seq ${order} LIMIT ${listLimit(q.limit)}`);
    return (await this.pg.rows<EventRow>(sql, where.args)).map(fromRow);
  }

  async count(): Promise<number> {
    return (await this.pg.one<{ n: number }>('SELECT count(*) AS n FROM events'))!.n;
  }

  async lastArmingBySite(): Promise<Map<string, boolean>> {
    // Repeats the partial index's WHERE term (events_arming), so only arm/disarm rows are read.
    const rows = await this.pg.rows<{ site_id: string; kind: string }>(
      `SELECT DISTINCT ON (site_id) site_id, kind FROM events WHERE kind IN ('arm', 'disarm') ORDER BY site_id, seq DESC`,
    );
    return new Map(rows.map((r) => [r.site_id, r.kind === 'arm']));
  }
}
