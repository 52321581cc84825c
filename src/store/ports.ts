/**
 * What the rest of SafeGrid may ask of storage: the repository interfaces and the domain types
 * they take and return. Consumers depend on these, never on a backend; the SQLite classes
 * (`Sqlite*Repository`, `openSqliteStore`) implement them today, and a second backend (PostgreSQL,
 * issue 18) implements the same. README.md beside this file says what each method promises.
 *
 * No SQL, no driver types and no row shapes here: only domain values in and out. Every method
 * returns a promise (issue 18); SQLite answers through its gate (sqlite-gate.ts), see the README.
 */
import type { CommissioningState, WalkTest } from '../contract/commissioning.js';
import type { Drill } from '../contract/drill.js';
import type { AlarmEvent } from '../contract/alarm-event.js';
import type { Incident } from '../contract/incident.js';

/** An event as stored: the AlarmEvent plus its place in the log and the incident it joined. */
export interface StoredEvent extends AlarmEvent {
  seq: number;
  incidentId: string | null;
}

export interface EventQuery {
  siteId?: string;
  deviceId?: string;
  kind?: string;
  stationIds?: string[] | null;
  /** Only these sites (a guard's scope). An empty list matches nothing. */
  siteIds?: string[] | null;
  since?: number;
  until?: number;
  limit?: number;
  /** Return events with seq greater than this (catch-up paging). */
  afterSeq?: number;
}

export interface IncidentQuery {
  status?: 'open' | 'closed' | Incident['status'];
  siteId?: string;
  /** Incidents of these stations' cells, routed or escalated to them, or of cells naming them as post. */
  stationIds?: string[] | null;
  /** Only these sites (a guard's scope). An empty list matches nothing. */
  siteIds?: string[] | null;
  since?: number;
  until?: number;
  limit?: number;
}

export interface DeviceStateRow {
  deviceId: string;
  state: Record<string, string | number | boolean | null>;
  availability: 'online' | 'offline' | null;
  lastSeenMs: number | null;
  /** Supervision record (ingest/supervision.ts); absent on rows written before migration 005. */
  supervision?: DeviceSupervision | null;
}

/** What supervision knows of a device between messages (issue 12: supervision is state, not alarms). */
export interface DeviceSupervision {
  /** Last periodic test report received. */
  lastTestMs: number | null;
  /** Last battery level reported, percent. */
  battery: number | null;
  /** When the hub raised `trouble.offline` for silence; null when not raised (or recovered). */
  offlineRaisedMs: number | null;
  /** When the hub raised a missed periodic test; null when not raised (or recovered). */
  testMissedRaisedMs: number | null;
}

export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  incidentId: string | null;
  fromStatus: string | null;
  toStatus: string | null;
  /** Where the action came from: console socket, REST client address, or `hub`. */
  origin: string | null;
  note: string | null;
}

export interface AuditRow extends AuditEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

export type AuditVerdict = { ok: true; rows: number; lastHash: string } | { ok: false; rows: number; seq: number; problem: string };

/** A console session as stored: keyed by the SHA-256 of the cookie value, never the value itself. */
export interface SessionRow {
  idHash: string;
  username: string;
  csrfToken: string;
  createdMs: number;
  lastSeenMs: number;
  ip: string;
  /** Digest of the password hash the session was opened with; null for rows older than migration 008. */
  credential?: string | null;
}

/** An event to write unless one with the same dedupe key was stored at or after `duplicateSinceMs`. */
export interface DedupeCandidate {
  event: AlarmEvent;
  duplicateSinceMs: number;
}

/** Where an unprocessed-events read starts and which sites it keeps (EventRepository.unprocessed). */
export interface UnprocessedFrom {
  afterSeq?: number;
  siteIds?: readonly string[];
}

/** The alarm event log: append-only, ordered by `seq`. */
export interface EventRepository {
  /** True when an event with this dedupe key was stored at or after `sinceMs` (its receivedAt). */
  isDuplicate(dedupeKey: string, sinceMs: number): Promise<boolean>;
  /** Appends one event; call inside `Store.transaction` (durable when that returns). Returns its seq. */
  insert(e: AlarmEvent): Promise<number>;
  /**
   * Inserts each candidate unless it repeats one earlier in the same list or one stored at or after
   * its `duplicateSinceMs`; call inside `Store.transaction`. Returns what was stored, with seq, in order.
   */
  commitBatch(candidates: readonly DedupeCandidate[]): Promise<{ stored: AlarmEvent[]; duplicates: number }>;
  /**
   * The whole group-commit batch (commitBatch's rule, and the device state rows' saveLatest) as one
   * durable commit of its own, when the backend can do it in one statement (PostgreSQL: no client
   * round trip while the events lock is held). writeEventBatch uses it when present.
   */
  commitBatchWithStates?(candidates: readonly DedupeCandidate[], states: readonly DeviceStateRow[]): Promise<{ stored: AlarmEvent[]; duplicates: number }>;
  /** The newest event's seq (0 when there is none). */
  lastSeq(): Promise<number>;
  /** Marks an event correlated into `incidentId`; `seq`, when known, is the cheaper lookup. */
  markProcessed(eventId: string, incidentId: string, seq?: number): Promise<void>;
  /**
   * Events not yet correlated, oldest first (replayed after a crash, and by a replica that takes a
   * site over). `from.afterSeq` pages on; `from.siteIds` keeps only those sites' events.
   */
  unprocessed(limit?: number, from?: UnprocessedFrom): Promise<StoredEvent[]>;
  get(id: string): Promise<StoredEvent | undefined>;
  /** Newest first; oldest first when paging with `afterSeq`. 1–1000 rows (default 100). */
  query(q: EventQuery): Promise<StoredEvent[]>;
  count(): Promise<number>;
  /** Each site's armed state from its last arm or disarm event (true = armed); sites with neither are absent. */
  lastArmingBySite(): Promise<Map<string, boolean>>;
  /**
   * A site's events stored for a walk test (destination `walk_test`) received at or after `sinceMs`,
   * oldest first (at most 10,000): what the end of a test reads inside its transaction. PostgreSQL
   * takes the events lock first (held to commit), so the read holds every event committed before it
   * and none is committed after it until the end commits: the store's order decides which events
   * belong to the test, whichever replica stored them (issue 18). SQLite: one writer, plain read.
   */
  walkTestEvents(siteId: string, sinceMs: number): Promise<StoredEvent[]>;
}

/** Incidents, stored whole; the last `save` of an id wins. */
export interface IncidentRepository {
  /** Inserts or replaces the incident with this id (and records its 警情编号 once it has one). */
  save(i: Incident): Promise<void>;
  get(id: string): Promise<Incident | undefined>;
  /** Every incident not closed, by priority then opening time. */
  open(): Promise<Incident[]>;
  /** Newest opened first. 1–1000 rows (default 100). */
  query(q: IncidentQuery): Promise<Incident[]>;
  count(): Promise<number>;
  /**
   * The largest daily sequence of a 警情编号 series (station code + local day) among saved
   * incidents; 0 when none. `save` records an incident's number (series and sequence) with its row.
   */
  lastNumber(series: string): Promise<number>;
  /**
   * Draws `n` consecutive numbers of a 警情编号 series atomically and returns the LAST of them
   * (the first is `last - n + 1`): replicas drawing from one series at once get disjoint numbers.
   * Starts above every number saved in the series. PostgreSQL: one upsert on `incident_number_series`;
   * SQLite (one writer): a counter in memory, seeded from `lastNumber`.
   */
  nextNumbers(series: string, n: number): Promise<number>;
  /**
   * Replica mode's fence (issue 18, PostgreSQL migration 003): call inside the transaction of an
   * incident write, before it commits. Reads each partition's lease epoch `FOR SHARE` (held to the
   * end of the transaction, so a new owner's bump waits for it) and returns the partitions whose
   * epoch is no longer the one given: the writer no longer owns them and must roll back. SQLite (one
   * hub, no leases): always none.
   */
  staleFences(fences: readonly PartitionFence[]): Promise<number[]>;
}

/** A partition lease's fencing token as this replica got it when it took the lock. */
export interface PartitionFence {
  partition: number;
  epoch: number;
}

/** Last decoded state and availability per device, so on-change decoding survives restarts. */
export interface DeviceStateRepository {
  /** Inserts or replaces the row of this device. */
  save(row: DeviceStateRow): Promise<void>;
  /** Saves the last row of each device in `rows` (a batch may carry several per device). */
  saveLatest(rows: readonly DeviceStateRow[]): Promise<void>;
  all(): Promise<DeviceStateRow[]>;
  /** One device's row, or null (replicas read it when the device returns after a silence, issue 18). */
  get(deviceId: string): Promise<DeviceStateRow | null>;
}

/** The audit trail: append-only, hash-chained (see audit-chain.ts), in `seq` order. */
export interface AuditRepository {
  /** Appends one row after the current head; call inside the transaction that makes the change it records. */
  append(e: AuditEntry): Promise<AuditRow>;
  /** Forget any cached chain head (after a rolled-back transaction, the head is read again). */
  resetHead(): void;
  /** The rows about one incident, in seq order. */
  forIncident(incidentId: string): Promise<AuditRow[]>;
  /** Every row, in seq order. */
  all(): Promise<AuditRow[]>;
  /** Walks the whole chain and names the first row that does not hold. */
  verify(): Promise<AuditVerdict>;
  /** The last row's seq and hash as stored now (null: no rows), for the anchor file. */
  head(): Promise<{ seq: number; hash: string } | null>;
  /** The stored hash of row `seq`, or undefined when there is no such row. */
  hashAt(seq: number): Promise<string | undefined>;
}

/** Console sessions on disk (auth/sessions.ts keeps the live ones in memory and writes through). */
export interface SessionRepository {
  all(): Promise<SessionRow[]>;
  /** Inserts or replaces the session with this id hash. */
  insert(row: SessionRow): Promise<void>;
  touch(idHash: string, lastSeenMs: number): Promise<void>;
  remove(idHash: string): Promise<void>;
}

/** A notification to send once (issue 13): one per incident and channel (the idempotency key). */
export interface OutboxEntry {
  incidentId: string;
  channelId: string;
  guardGroup: string;
  /** The message as JSON text (notify/ decides its shape; the store keeps it as written). */
  payload: string;
  /** When it may first be sent (ms). */
  nextAttemptMs: number;
  createdMs: number;
}

export interface OutboxRow extends OutboxEntry {
  id: number;
  key: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  sentMs: number | null;
  /** Why the last try failed (a reason the notifier wrote, never a URL or secret). */
  lastError: string | null;
}

/** The notification outbox: rows written with the incident's first row, sent after commit, retried. */
export interface NotificationOutboxRepository {
  /** Inserts each entry unless one for its incident and channel exists; call inside the incident's transaction. Returns how many were new. */
  enqueue(entries: readonly OutboxEntry[]): Promise<number>;
  /** Pending rows whose time has come, oldest first. */
  due(nowMs: number, limit: number): Promise<OutboxRow[]>;
  /**
   * The due rows this sender takes (issue 18): on PostgreSQL they are claimed (`FOR UPDATE SKIP
   * LOCKED`, their next attempt moved to `nowMs + leaseMs`), so another replica's sender skips them
   * until this one marks them or, if it died, the lease runs out. SQLite has one sender: `due`.
   */
  claimDue(nowMs: number, limit: number, leaseMs: number): Promise<OutboxRow[]>;
  /** The earliest next attempt of any pending row; null when none is pending. */
  nextDueMs(): Promise<number | null>;
  markSent(id: number, attempts: number, atMs: number): Promise<void>;
  markRetry(id: number, attempts: number, nextAttemptMs: number, error: string): Promise<void>;
  /** Given up: stays in the table, visible on the incident. */
  markFailed(id: number, attempts: number, error: string): Promise<void>;
  /** A rate-limited channel: none of its pending rows is tried before `untilMs`. */
  postponeChannel(channelId: string, untilMs: number): Promise<void>;
  forIncident(incidentId: string): Promise<OutboxRow[]>;
  /** Pending rows per channel, and how many of them have failed at least once. */
  depth(): Promise<Array<{ channelId: string; pending: number; retrying: number }>>;
}

/** Drill windows (演练, issue 15): started, ended early or by themselves. */
export interface DrillRepository {
  insert(d: Drill): Promise<void>;
  /**
   * Records the end (early, or when it ran out); a drill already ended keeps its first end. True when
   * this call ended it: an operator and the leader's timer ending it at once write one end (issue 18).
   */
  end(id: string, endedMs: number, by: string): Promise<boolean>;
  get(id: string): Promise<Drill | undefined>;
  /** Drills not yet recorded as ended (active ones, and ones that ran out while the hub was down). */
  unended(): Promise<Drill[]>;
  /** The latest drills, newest first. */
  recent(limit: number): Promise<Drill[]>;
}

/**
 * An incident as the reports read it (issue 14): the few fields they aggregate, read straight from
 * the stored row without building whole Incident objects (a year holds 100,000 of them).
 */
export interface ReportIncident {
  id: string;
  number: string | null;
  siteId: string;
  siteName: string;
  kind: string;
  category: string;
  stationId: string | null;
  responsibleStationId: string | null;
  gridCellId: string | null;
  lat: number;
  lng: number;
  openedMs: number;
  closedMs: number | null;
  /** 派警 (times.dispatchedAt), ms. */
  dispatchedMs: number | null;
  status: string;
  disposition: string | null;
  nature: string | null;
  owner: string | null;
  unitId: string | null;
  eventCount: number;
  ackSeconds: number | null;
  dispatchSeconds: number | null;
  onSceneSeconds: number | null;
  totalSeconds: number | null;
  /** Flagged as a drill (演练); false for incidents stored before the flag existed. */
  drill: boolean;
}

/** Which incidents a report reads: a window, and a station scope (null: all). */
export interface ReportWindow {
  sinceMs: number;
  untilMs: number;
  /** As IncidentQuery.stationIds: the cell's station, where it was routed, or its community post. */
  stationIds: readonly string[] | null;
}

/** Alarm events of one device in a window, by the disposition of the incident they joined. */
export interface DeviceAlarmCount {
  deviceId: string;
  siteId: string;
  /** The joined incident's disposition; null while open or not joined. */
  disposition: string | null;
  drill: boolean;
  events: number;
}

/** A daily report as stored (migration 011). `station` is null for the whole district. */
export interface StoredDailyRow {
  date: string;
  station: string | null;
  generatedMs: number;
  /** The report's JSON text, exactly as hashed. */
  doc: string;
  hash: string;
  auditSeq: number;
}

/** Read-only questions of the reports (issue 14), and the stored daily reports. */
export interface ReportRepository {
  /** Incidents opened in [sinceMs, untilMs). */
  openedIn(w: ReportWindow): Promise<ReportIncident[]>;
  /**
   * Incidents that were open at some moment of [sinceMs, untilMs) or opened in it: opened before
   * untilMs and not closed before sinceMs (the daily report's 出警, 发案 and open-at-24:00).
   */
  activeIn(w: ReportWindow): Promise<ReportIncident[]>;
  /** Alarm events received in the window (not restore, arm, disarm, test or supervision troubles), per device and disposition. */
  alarmEventsByDevice(w: ReportWindow): Promise<DeviceAlarmCount[]>;
  /** trouble.offline events received in the window, per device. */
  offlineEventsByDevice(w: ReportWindow): Promise<Array<{ deviceId: string; siteId: string; events: number }>>;
  /** Stores a generated daily report once; false when one for this date and station exists (it is kept unchanged). Call inside `Store.transaction`. */
  insertDaily(row: StoredDailyRow): Promise<boolean>;
  getDaily(date: string, station: string | null): Promise<StoredDailyRow | undefined>;
  /** Newest first, without their documents. */
  listDaily(station: string | null | undefined, limit?: number): Promise<Array<Omit<StoredDailyRow, 'doc'>>>;
}

/** The store: one repository per aggregate, transactions across them. */
/** A site's (`deviceId` null) or device's commissioning record (migration 012). */
export interface CommissioningRecord {
  siteId: string;
  deviceId: string | null;
  state: CommissioningState;
  /** End of the maintenance window; null when not in maintenance. */
  maintenanceUntilMs: number | null;
  changedMs: number;
  changedBy: string;
}

/** One zone of a walk test seen (migration 014 / PG 005): its checklist line, as first reported. */
export interface WalkTestTick {
  zone: number;
  seenAt: string;
  kind: string;
  deviceId: string;
  signal: number | null;
  battery: number | null;
}

export interface CommissioningRepository {
  records(): Promise<CommissioningRecord[]>;
  saveRecord(r: CommissioningRecord): Promise<void>;
  /**
   * Inserts or replaces the walk test (running or ended) by its id. Written whole at the start and
   * the end only: a running test's ticks go through `addWalkTestTicks`.
   */
  saveWalkTest(t: WalkTest): Promise<void>;
  /**
   * A running test's ticks and other events, added to what is stored rather than saved whole over it
   * (issue 18: two replicas may store one test's events at once). A zone already ticked keeps its
   * first tick. Reads of a running test (`runningWalkTests`, `walkTests`, `walkTest`) apply them.
   */
  addWalkTestTicks(walkTestId: string, ticks: readonly WalkTestTick[], otherEvents: number): Promise<void>;
  runningWalkTests(): Promise<WalkTest[]>;
  /** A site's walk tests, newest first. */
  walkTests(siteId: string, limit: number): Promise<WalkTest[]>;
  walkTest(id: string): Promise<WalkTest | undefined>;
}

export interface Store {
  events: EventRepository;
  commissioning: CommissioningRepository;
  incidents: IncidentRepository;
  deviceState: DeviceStateRepository;
  audit: AuditRepository;
  sessions: SessionRepository;
  outbox: NotificationOutboxRepository;
  drills: DrillRepository;
  /** Read-only report queries and the stored daily reports (issue 14). */
  reports: ReportRepository;
  /** Which engine answers (issue 18): replicas of one centre share a `postgres` store. */
  readonly backend: 'sqlite' | 'postgres';
  /**
   * Runs fn in one transaction, durable when the promise resolves (SQLite: synchronous=FULL, the WAL
   * is fsynced; PostgreSQL: COMMIT with synchronous_commit on). Every repository call made while fn
   * runs — in fn's own async context, found through AsyncLocalStorage, not passed as a handle —
   * joins the transaction; a transaction inside another joins the outer one. Transactions do not
   * interleave on one connection: SQLite queues them (one writer), PostgreSQL gives each its own
   * pooled client. A call made outside any transaction is its own commit and never lands inside
   * someone else's open transaction. If fn rejects, nothing of it commits and the rejection is
   * passed on.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Runs fn in one transaction without its own fsync (SQLite: synchronous=NORMAL for this commit).
   * Only for data that can be rebuilt from durable rows: WAL frames are ordered, so the next
   * durable commit syncs these too, and a loss by power failure only loses derived state — e.g.
   * incidents, which are re-derived from events that are still marked unprocessed.
   */
  derivedTransaction<T>(fn: () => Promise<T>): Promise<T>;
  /** True when the database answers a trivial query now (the health check). Never throws. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Cluster mode (issue 18): this replica's partition leases, held as PostgreSQL session advisory locks
 * on one dedicated connection (src/store/postgres/partition-locks.ts, src/cluster/README.md).
 */
export interface PartitionLocks {
  readonly replicaId: string;
  /** True while the lock session is up; false after `lost` until `connect()` succeeds again. */
  readonly connected: boolean;
  /** Opens the lock session and announces this replica as live. Refuses an id another live replica uses. */
  connect(): Promise<void>;
  /** Takes a partition if no replica holds it; true when this replica holds it now. */
  tryAcquire(partition: number): Promise<boolean>;
  /** Gives a partition up (call only after this replica has stopped acting as its owner). */
  release(partition: number): Promise<void>;
  /** The partitions this replica holds now; empty once the session is lost. */
  held(): ReadonlySet<number>;
  /**
   * The fencing token (`partition_epoch`) this replica got when it took the partition; undefined when
   * it does not hold it (released, or the session is lost). Incident writes carry it (staleFences).
   */
  epochOf(partition: number): number | undefined;
  /** Who is live and who holds what, as PostgreSQL's lock table shows now. A failure counts as `lost`. */
  survey(): Promise<LockSurvey>;
  /** The session dropped: every lock may be gone, the replica must stop acting as owner at once. */
  onLost(fn: (reason: string) => void): () => void;
  /** Ends the session (all locks freed), without a `lost` event. */
  close(): Promise<void>;
}

export interface LockSurvey {
  /** Live replicas by id, with the partitions each holds (ascending), sorted by id. */
  replicas: Array<{ id: string; partitions: number[] }>;
  /** partition → the replica holding it; a partition missing here is free. */
  owners: Map<number, string>;
}
