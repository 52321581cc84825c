import { KIND_INFO, type AlarmEvent, type Category, type Priority } from '../contract/alarm-event.js';
import type { CommandReply } from '../contract/socket.js';
import type { DispatchedUnit, Incident, IncidentMedia, KeyholderCallOutcome, SiteHistory } from '../contract/incident.js';
import { queueOrder } from '../contract/workflow.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { HubEvents } from '../core/hub-events.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { IncidentQuery, PartitionFence, Store } from '../store/index.js';
import { listLimit } from '../store/where.js';
import { isNightOrHoliday, type NightConfig } from './context.js';
import { correlate, DEFAULT_REPEAT_WINDOW_MS, joinsOpen, NO_INCIDENT, normalise, type CorrelationContext, type FalseClose } from './correlate.js';
import { planEscalations } from './escalation.js';
import { defaultStationCode, formatNumber, localDay, numberSeries } from './numbering.js';
import type { RoutingDirectory } from './routing.js';
import { siteHistory } from './site-history.js';
import type { Mark } from './held-writes.js';
import { overlayIncidents } from './incident-query.js';
import { DERIVED_WRITE_DELAY_MS, IncidentWriter, StaleOwnerError, type StampedChange } from './incident-writer.js';
import * as workflow from './workflow.js';
import type { AuditFact, CloseRules, Decision, TransferTarget } from './workflow.js';
import { verbalPasswordMatches } from './verbal-password.js';
import { type HeldStop, OneShotStop } from './test-stop.js';

export { DERIVED_WRITE_DELAY_MS, DERIVED_WRITE_PART } from './incident-writer.js';
export type { Actor } from './workflow.js';
type Actor = workflow.Actor;

/** What dispatch needs to know about sites, cells and stations; supplied by the app from the live config. */
export interface Directory {
  siteName(siteId: string): string | null;
  cellName(cellId: string): string | null;
  /** The next tier up (police station → city command centre); null at the top. */
  stationParent?(stationId: string): string | null;
  stationName?(stationId: string): string | null;
  /** The station's code for 警情编号 (stations.yaml `code`, else derived from the id). */
  stationCode?(stationId: string): string | null;
  /** 119/120/122 receiving points (routing.ts); absent: everything stays with the cell's station. */
  receivingPoints?: RoutingDirectory['receivingPoints'];
  cellPost?: RoutingDirectory['cellPost'];
}

/**
 * What the 110 workflow reads from the live config (hub.yaml `triage`, stations' units, sites'
 * contacts and verbal passwords). A function, so a hot reload applies to the next command.
 */
export interface WorkflowConfig extends CloseRules {
  /** The units a station dispatches (config/stations.yaml `units:`); null: the site is outside every cell. */
  units(stationId: string | null): readonly DispatchedUnit[];
  /** A station as a transfer (转警) target; undefined when there is no such station. */
  station(stationId: string): TransferTarget | undefined;
  /** The site's contacts in order, its verbal password (口令) for 业主撤警, guard_first and guard group. */
  site(
    siteId: string,
  ): { contacts: ReadonlyArray<{ name: string }>; verbalPassword: string | null; guardFirst: boolean; guardGroup: string | null } | undefined;
}

/** The defaults of hub.yaml `triage` and no units, stations or contacts (tests that build no config). */
export const DEFAULT_WORKFLOW_CONFIG: WorkflowConfig = {
  natures: ['criminal', 'public_order', 'fire', 'help', 'dispute', 'traffic', 'other'],
  closeBeforeDispatch: ['false', 'duplicate', 'cancelled', 'test'],
  units: () => [],
  station: () => undefined,
  site: () => undefined,
};

/** What a close carries besides the disposition (a bare string is the note, as callers wrote it before). */
export interface CloseExtras {
  note?: string | undefined;
  /** 警情类别/性质 when 反馈 did not give it. */
  nature?: string | undefined;
}

export interface IncidentServiceOptions {
  store: Store;
  bus: EventBus<HubEvents>;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  directory: Directory;
  /** Deprecated and ignored (issue 12): an incident stays open for its site and category until closed. */
  correlationWindowMs?: number;
  /** Per priority: escalate one tier when not acknowledged within this. Absent: never escalate. */
  ackTimeoutMs?: Record<Priority, number>;
  /** A new incident at a site closed as false within this window is a repeat. Default 30 min. */
  repeatWindowMs?: number;
  night?: NightConfig;
  /**
   * How long the SQLite write of an incident changed by device events may wait, ms, so that the
   * updates of one incident within it are one row write (default DERIVED_WRITE_DELAY_MS; 0 writes
   * after every batch). Human actions always write at once, with everything held before them.
   */
  derivedWriteDelayMs?: number;
  /** The 110 workflow's view of the config; absent: DEFAULT_WORKFLOW_CONFIG. */
  workflow?: () => WorkflowConfig;
  /** Inside the transaction that writes new incidents' first rows (IncidentWriterOptions.withNewIncidents). */
  withNewIncidents?: (incidents: readonly Incident[]) => Promise<unknown> | undefined;
  /**
   * Replicas (issue 18): whether this replica owns the site now (src/cluster/role.ts). Events of
   * other sites stay unprocessed for their owner; sites come and go through takeSites, giveUpSites
   * and dropSites. Absent: one hub, every site is ours.
   */
  owns?: (siteId: string) => boolean;
  /**
   * Draw 警情编号 from the store's atomic series (`incidents.nextNumbers`) rather than a counter in
   * memory: replicas share each station's series. Set in replica mode.
   */
  sharedNumbering?: boolean;
  /**
   * Replica mode: the lease fencing token of a site's partition (ReplicaRole.fence); every incident
   * write checks it in its transaction and is refused when another replica took the site since.
   */
  fence?: (siteId: string) => PartitionFence | null;
  /**
   * Write a batch that opens incidents before publishing it, not behind DERIVED_WRITE_DELAY_MS
   * (replica mode): a new owner then never replays an event whose incident lived only in a dead
   * replica's memory, and other replicas' consoles and commands find the incident in the store at once.
   */
  writeNewAtOnce?: boolean;
}

/** How many correlated event ids are remembered, so a wake-up or sweep never correlates an event twice. */
const SEEN_EVENTS = 100_000;
/** Page size of unprocessed-event reads (recovery, takeover, wake-ups). */
const REPLAY_PAGE = 1000;

/** A batch correlated in memory, not yet numbered or published. */
interface CorrelatedBatch {
  /** Incident id → opened by this batch, or updated. */
  touched: Map<string, 'new' | 'update'>;
  marks: Mark[];
  /** The ids of the incidents this batch opened, in the order they opened. */
  opened: string[];
}

/** An incident a batch changed, and whether the batch opened it. */
interface Changed {
  incident: Incident;
  how: 'new' | 'update';
}

/** The most urgent first; within a priority the oldest first. */
export const compareIncidents: (a: Incident, b: Incident) => number = queueOrder;

/** Events as stored, whose `incidentId` may still be held in memory. */
interface MaybeMarked {
  id: string;
  incidentId: string | null;
}

/**
 * The dispatch shell: loads, persists, audits and emits; what to do is decided by the pure cores
 * (correlate.ts, workflow.ts, escalation.ts). Holds the open incidents in memory (the queue) and
 * writes every change through IncidentWriter before or while publishing it. Whatever changes the
 * queue — a batch of stored events, a command, the escalation check — runs in one queue
 * (`exclusive`), to completion including its store write, before the next starts: two consoles
 * racing for one incident are served one after the other (the first wins, the second is told who
 * owns it), as when the store was synchronous. Reads (snapshot, get, query) do not queue.
 */
export class IncidentService {
  private readonly open = new Map<string, Incident>();
  /** Open incident ids per site: at most one per category. */
  private readonly openBySite = new Map<string, Set<string>>();
  /** The last incident per site and category (`site|category`), which a re-alarm links to; null: none. */
  private readonly lastOfCategory = new Map<string, string | null>();
  /** 警情编号: the last daily sequence drawn per series (station code + local day). */
  private readonly numberCounters = new Map<string, number>();
  /** Sites whose closed incidents were looked up for lastOfCategory. */
  private readonly historyLoaded = new Set<string>();
  /** Last incident per site closed as a false alarm (repeat detection). */
  private readonly lastFalse = new Map<string, FalseClose>();
  /** Armed state per site from arm/disarm events; absent = unknown. */
  private armed = new Map<string, boolean>();
  /** The tail of the queue every change runs in (see the class comment), and how many wait in it or run. */
  private serial: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private readonly countOpened;
  private readonly countDrillOpened;
  private readonly countEscalated;
  private timer: NodeJS.Timeout | null = null;
  private readonly writer: IncidentWriter;
  /**
   * Events correlated by this run (id → site), oldest first, bounded: an event may reach this
   * replica twice — by the bus and by a wake-up or sweep that read it before its mark was written.
   */
  private readonly seen = new Map<string, string>();
  /**
   * The seqs of the events in `seen` (seq → site), bounded alike: a wake-up names the highest seq a
   * transaction stored for a site, and one this run correlated is its own event the bus brought
   * first, nothing to read. Not "highest seq per site": seq is drawn across replicas before commit,
   * so another replica's lower seq can commit after a higher one was correlated here, and its
   * wake-up must read it at once rather than leave it to the sweep.
   */
  private readonly seenSeqs = new Map<number, string>();
  /** Sites with a wake-up waiting in the queue (all of them read in one query when the queue gets there). */
  private readonly wakePending = new Set<string>();
  private sweepPending = false;
  /**
   * Sites of partitions just acquired whose takeSites has not loaded them yet. The lease manager
   * marks a partition owned and calls takeSites in one tick, but work already in the queue (a sweep,
   * a recovery) runs before the take: it must not see these sites as owned, or it correlates their
   * events without their open incidents and opens a second one (kill-test bug 2). A take whose load
   * failed stays here (its events stay unprocessed, not mis-correlated) and the next sweep tries it again.
   */
  private readonly loading: Array<{ belongs: (siteId: string) => boolean; failed: boolean }> = [];
  /** Announcements waiting for an at-once write (publishWritten), so later ones queue behind them; null: none. */
  private announcing: Promise<void> | null = null;
  /** Test seam: holdNextTakeover. */
  private readonly beforeReplay = new OneShotStop();

  /** Builds the service and loads what it needs from the store (open incidents, false alarms, armed state). */
  static async open(o: IncidentServiceOptions): Promise<IncidentService> {
    const service = new IncidentService(o);
    await service.load();
    return service;
  }

  private constructor(private readonly o: IncidentServiceOptions) {
    this.countOpened = o.metrics.counter('sg_incidents_opened_total', 'Incidents opened, by category (drills not included)');
    this.countDrillOpened = o.metrics.counter('sg_drill_incidents_opened_total', 'Drill incidents (演练) opened, by category');
    this.countEscalated = o.metrics.counter('sg_incidents_escalated_total', 'Escalations to a higher tier');
    this.writer = new IncidentWriter({
      store: o.store,
      log: o.log,
      delayMs: o.derivedWriteDelayMs ?? DERIVED_WRITE_DELAY_MS,
      withNewIncidents: o.withNewIncidents,
      fence: o.fence,
      onFenced: o.metrics.counter(
        'sg_incident_writes_fenced_total',
        'Incident writes refused because another replica took their sites since (the lease epoch moved on); nothing of them was committed',
      ),
    });
    o.metrics.gauge('sg_incidents_open', 'Open incidents (drills not included)', () => this.open.size - this.openDrills());
    o.metrics.gauge('sg_drill_incidents_open', 'Open drill incidents (演练)', () => this.openDrills());
    const heldHelp = 'Correlated events whose incident write is held (DERIVED_WRITE_DELAY_MS)';
    o.metrics.gauge('sg_incidents_write_held_events', heldHelp, () => this.writer.heldMarkCount);
  }

  /** The queue's starting state: before any event arrives (the broker starts after this). */
  private async load(): Promise<void> {
    const { store, clock } = this.o;
    for (const i of await store.incidents.open()) if (this.owns(i.siteId)) this.track(normalise(i));
    const since = clock.now() - this.repeatWindow() - 7 * 86_400_000;
    for (const i of await store.incidents.query({ status: 'closed', since, limit: 1000 })) {
      if (i.disposition === 'false' && i.closedAt && !i.drill) this.noteFalse(i.siteId, i.id, Date.parse(i.closedAt));
    }
    this.armed = await store.events.lastArmingBySite();
  }

  /** Correlate events that were stored but not yet processed (a crash between the two commits). */
  recover(): Promise<number> {
    return this.exclusive(async () => {
      // What is held is correlated already; written first, so the store's unprocessed list is true.
      await this.writer.persist();
      const total = await this.replay(() => true);
      await this.writer.persist();
      if (total > 0) this.o.log.info({ events: total }, 'correlated events left from before a restart');
      return total;
    });
  }

  /** Subscribe to committed events and start the escalation clock. Returns the disposer (writes what is held). */
  attach(checkEveryMs = 1000): () => Promise<void> {
    const off = this.o.bus.on('event:stored', (events) => void this.handleStored(events));
    // Escalations that fell due while the hub was down fire now.
    void this.checkEscalationsOrLog();
    this.timer = setInterval(() => void this.checkEscalationsOrLog(), checkEveryMs);
    this.timer.unref();
    return async () => {
      off();
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      // After what is queued (a batch being correlated holds writes too).
      await this.exclusive(() => this.writer.stop());
    };
  }

  /** Writes the held derived state now: one transaction without its own fsync. */
  persist(): Promise<void> {
    return this.writer.persist();
  }

  /** Resolves when every change queued before this call has run, and every write it started (tests wait on it). */
  settled(): Promise<void> {
    return this.exclusive(async () => {
      await this.writer.idle();
      // Incidents written at once are announced after their write (publishWritten).
      while (this.announcing !== null) await this.announcing;
    });
  }

  /** Open drill incidents, counted on a scrape (the queue is bounded; a counter would need every path that closes one). */
  private openDrills(): number {
    let n = 0;
    for (const i of this.open.values()) if (i.drill) n++;
    return n;
  }

  /** Held writes waiting, for tests and /metrics. */
  get heldWrites(): { incidents: number; events: number } {
    return this.writer.heldWrites;
  }

  /** TEST SEAM ONLY: see IncidentWriter.holdNextWrite (a write kept in flight after BEGIN, before its fence check). */
  holdNextWrite(): HeldStop {
    return this.writer.holdNextWrite();
  }

  /**
   * TEST SEAM ONLY (test/integration/replica-fence.test.ts): the next takeSites stops after it has
   * loaded the sites' open incidents and before it reads their unprocessed events, until `release()`
   * — the window in which a stale owner's late commit used to hide an incident from the new owner.
   */
  holdNextTakeover(): HeldStop {
    return this.beforeReplay.arm();
  }

  snapshot(filter?: (i: Incident) => boolean): Incident[] {
    const list = [...this.open.values()];
    return (filter ? list.filter(filter) : list).sort(compareIncidents);
  }

  /** One incident, open (from memory, so the latest version) or closed (from the store). */
  async get(id: string): Promise<Incident | undefined> {
    const i = this.open.get(id) ?? (await this.o.store.incidents.get(id));
    return i ? normalise(i) : undefined;
  }

  /**
   * A list of incidents as the store answers the query, with the in-memory versions laid over
   * it: an incident changed by device events may not be written yet (DERIVED_WRITE_DELAY_MS).
   * Use this, not the store, wherever the answer must be current; reading never writes.
   */
  async query(q: IncidentQuery): Promise<Incident[]> {
    const stored = await this.o.store.incidents.query(q);
    // The memory as it is now, after the read: never older than the rows read.
    return overlayIncidents(stored, this.open.values(), q, listLimit(q.limit)).map(normalise);
  }

  /** A site's incidents of the last `days` (open ones current from memory), for the detail's address history. */
  async history(siteId: string, days: number, visible: (i: Incident) => boolean = () => true): Promise<SiteHistory> {
    const now = this.o.clock.now();
    const list = (await this.query({ siteId, since: now - days * 86_400_000, limit: 1000 })).filter(visible);
    return siteHistory(siteId, list, now, days);
  }

  /**
   * Stored events with `incidentId` filled in where their correlation is held in memory (it is
   * written with their incident, up to DERIVED_WRITE_DELAY_MS later). For the event log.
   */
  withHeldMarks<E extends MaybeMarked>(events: readonly E[]): E[] {
    const unmarked = new Set<string>();
    for (const e of events) if (e.incidentId === null) unmarked.add(e.id);
    const marks = this.writer.heldMarksOf(unmarked);
    if (marks.size === 0) return [...events];
    return events.map((e) => (marks.has(e.id) ? { ...e, incidentId: marks.get(e.id)! } : e));
  }

  /**
   * Correlates a batch of committed events (the bus's `event:stored`); never rejects (logs). When
   * nothing is queued and nothing must be read first — the common case — it runs at once, as the
   * synchronous service did: a new incident is published in the tick of the commit that opened it,
   * before that commit's event-log push (api/socket/fan-out.ts subscribes after dispatch). Otherwise
   * it waits its turn in the queue.
   */
  handleStored(all: readonly AlarmEvent[]): Promise<void> {
    // Replicas: another replica's sites stay unprocessed for their owner (woken by NOTIFY).
    const events = this.o.owns ? all.filter((e) => this.owns(e.siteId) && !this.seen.has(e.id)) : all;
    if (events.length === 0) return Promise.resolve();
    const failed = (err: unknown): void => {
      // The events stay unprocessed in the store: the next start correlates them again.
      this.o.log.error({ err, events: events.length }, 'could not correlate stored events');
    };
    if (this.queued > 0 || this.needsHistory(events)) return this.exclusive(() => this.correlateStored(events)).catch(failed);
    const batch = this.correlate(events);
    if (batch.opened.length === 0 || (!this.o.sharedNumbering && this.seriesKnown(batch.opened))) {
      this.numberNow(batch.opened);
      this.publish(batch);
      return Promise.resolve();
    }
    // A 警情编号 series not read yet (a station's first incident of the day): read it in the queue
    // before the incidents are numbered and published; anything arriving meanwhile queues behind.
    return this.exclusive(async () => {
      await this.numberOpened(batch.opened);
      this.publishWritten(batch);
    }).catch(failed);
  }

  /**
   * Reads what correlating these events will need (their sites' closed incidents, the 警情编号
   * counters), before they are announced: ingest's journal awaits it after the batch's PUBACKs
   * (its ReadAhead), so handleStored finds everything in memory and publishes a new incident in the
   * tick of its `event:stored`. Never rejects; a failed read is retried in the queue.
   */
  async readAhead(all: readonly AlarmEvent[]): Promise<void> {
    // Replicas: another replica's sites are not correlated here (handleStored), so nothing to read for them.
    const events = this.o.owns ? all.filter((e) => this.owns(e.siteId)) : all;
    if (events.length === 0) return;
    try {
      if (this.needsHistory(events)) await this.loadHistoryFor(events);
      // Replicas draw numbers from the store's shared series when they open: no counter to read ahead.
      if (this.o.sharedNumbering) return;
      // The 警情编号 counters of the incidents these events would open as things stand (correlation
      // is pure, so this is a dry run); a guess that turns out wrong only costs a read in the queue.
      const series = new Set<string>();
      for (const e of events) {
        if (e.destination || KIND_INFO[e.kind].basePriority === null || this.historyMissing(e)) continue;
        const openAtSite = this.openAt(e.siteId);
        // In a storm nearly every alarm joins an open incident: the dry run would copy it for nothing.
        if (joinsOpen(openAtSite, e)) continue;
        const c = correlate(openAtSite, e, this.contextOf(e, openAtSite));
        if (c.outcome === 'open') series.add(this.seriesOf(c.incident));
      }
      for (const s of series) await this.loadCounter(s);
    } catch (err) {
      this.o.log.warn({ err }, 'could not read site histories ahead; read again when the events are correlated');
    }
  }

  /** In the queue: reads what correlation needs first, then decides, numbers, holds and publishes. */
  private async correlateStored(events: readonly AlarmEvent[]): Promise<void> {
    await this.loadHistoryFor(events);
    const batch = this.correlate(events);
    await this.numberOpened(batch.opened);
    this.publishWritten(batch);
  }

  /** Gives the incidents a batch opened their 警情编号: from the shared series (replicas) or this run's counters. */
  private async numberOpened(ids: readonly string[]): Promise<void> {
    if (!this.o.sharedNumbering) {
      await this.loadSeries(ids);
      this.numberNow(ids);
      return;
    }
    const bySeries = new Map<string, Incident[]>();
    for (const i of this.unnumbered(ids)) {
      const series = this.seriesOf(i);
      bySeries.set(series, [...(bySeries.get(series) ?? []), i]);
    }
    // One atomic draw per series for the batch, in opening order: another replica draws disjoint numbers.
    for (const [series, list] of bySeries) {
      const last = await this.o.store.incidents.nextNumbers(series, list.length);
      list.forEach((i, k) => this.open.set(i.id, { ...i, number: formatNumber(series, last - list.length + 1 + k) }));
    }
  }

  /** Correlation of a batch, in memory (the site histories it needs are loaded). */
  private correlate(events: readonly AlarmEvent[]): CorrelatedBatch {
    // Incident id → whether it was opened by this batch; published once each, whole, after commit.
    const touched = new Map<string, 'new' | 'update'>();
    const marks: Mark[] = [];
    for (const e of events) {
      // Already correlated by this run (the bus and a wake-up both brought it), or no longer ours.
      if (this.seen.has(e.id) || !this.owns(e.siteId)) continue;
      this.noteSeen(e);
      // Walk-test trips and events of a device in maintenance are on record, never in the queue
      // (issue 15; commissioning/destination.ts decided where each goes when it was stored).
      if (e.destination) {
        marks.push([e.id, NO_INCIDENT, e.seq, e.siteId]);
        continue;
      }
      if (e.kind === 'arm' || e.kind === 'disarm') this.armed.set(e.siteId, e.kind === 'arm');
      const openAtSite = this.openAt(e.siteId);
      const c = correlate(openAtSite, e, this.contextOf(e, openAtSite));
      if (c.outcome === 'none') {
        marks.push([e.id, NO_INCIDENT, e.seq, e.siteId]);
        continue;
      }
      // A new incident takes its site's guard_first and, at a guarded site, a waiting property track (issue 12).
      this.track(c.outcome === 'open' ? this.withSiteWorkflow(c.incident) : c.incident);
      if (c.outcome === 'open') touched.set(c.incident.id, 'new');
      else if (!touched.has(c.incident.id)) touched.set(c.incident.id, 'update');
      marks.push([e.id, c.incident.id, e.seq, e.siteId]);
    }
    return { touched, marks, opened: [...touched].filter(([, how]) => how === 'new').map(([id]) => id) };
  }

  /** Holds the batch's writes and publishes its incidents (numbered by now). */
  private publish({ touched, marks }: CorrelatedBatch): void {
    const changed = [...touched].map(([id, how]) => ({ incident: this.open.get(id)!, how }));
    // Incidents are derived from durable events: their writes are held briefly and coalesced
    // (DERIVED_WRITE_DELAY_MS). If they are lost, the events are still unprocessed and recover()
    // rebuilds the same incidents (same ids, same versions) on start.
    this.writer.hold(changed, marks);
    this.announceInOrder(changed);
  }

  /**
   * publish(), but a batch that opens incidents is written first when writeNewAtOnce is set (replica
   * mode): its incidents are announced once the write has committed. The queue does not wait for
   * the write — the next batches are correlated meanwhile and their writes join the next transaction
   * (the writer runs one at a time and takes everything held) — and announcements keep their order.
   * A write the lease fence refuses announces nothing of the refused sites (the new owner announces
   * its own); any other failure announces anyway, the write kept for the next attempt.
   */
  private publishWritten(batch: CorrelatedBatch): void {
    if (!this.o.writeNewAtOnce || batch.opened.length === 0) {
      this.publish(batch);
      return;
    }
    const changed = [...batch.touched].map(([id, how]) => ({ incident: this.open.get(id)!, how }));
    this.writer.hold(changed, batch.marks);
    const written = this.writer.persist().then(
      () => changed,
      (err: unknown) => {
        if (err instanceof StaleOwnerError) return changed.filter((c) => !err.sites.has(c.incident.siteId));
        this.o.log.error({ err, incidents: batch.opened.length }, 'new incidents not written at once; kept for the next write');
        return changed;
      },
    );
    this.announceInOrder(written);
  }

  /** Announces now, or after the announcements still waiting for their write (order kept). */
  private announceInOrder(changed: Changed[] | Promise<Changed[]>): void {
    if (this.announcing === null && Array.isArray(changed)) {
      this.announce(changed);
      return;
    }
    const tail: Promise<void> = (this.announcing ?? Promise.resolve())
      .then(() => changed)
      .then((list) => this.announce(list))
      .catch((err: unknown) => this.o.log.error({ err }, 'could not announce incidents'))
      .finally(() => {
        if (this.announcing === tail) this.announcing = null;
      });
    this.announcing = tail;
  }

  /** Emits each changed incident, new or updated, on the bus (consoles, notifier). */
  private announce(changed: readonly Changed[]): void {
    for (const { incident, how } of changed) {
      if (how === 'new') {
        // Drills are counted apart, never in the figure of real incidents (issue 15).
        if (incident.drill) this.countDrillOpened({ category: incident.category });
        else this.countOpened({ category: incident.category });
        this.o.bus.emit('incident:new', incident);
      } else {
        this.o.bus.emit('incident:update', incident);
      }
    }
  }

  // --- Sites moving between replicas (issue 18, src/cluster/README.md) ----------------------

  /**
   * Partitions just acquired: in the queue, load these sites' open incidents (not held already),
   * their false alarms and armed state, and replay their unprocessed events — the crash-recovery
   * path for the sites only. Their escalations are checked from the next tick on.
   */
  takeSites(belongs: (siteId: string) => boolean): Promise<void> {
    const entry = { belongs, failed: false };
    this.loading.push(entry);
    return this.runTake(entry);
  }

  /** In the queue: the take itself (also a failed take's retry from the sweep). */
  private runTake(entry: { belongs: (siteId: string) => boolean; failed: boolean }): Promise<void> {
    const { belongs } = entry;
    return this.exclusive(async () => {
      try {
        await this.loadSites(belongs);
      } catch (err) {
        entry.failed = true;
        throw err;
      }
      // Loaded: from here on the sites are this replica's to correlate.
      this.loading.splice(this.loading.indexOf(entry), 1);
      await this.beforeReplay.pass();
      const replayed = await this.replay(belongs);
      this.o.log.info({ events: replayed }, 'took over sites: unprocessed events correlated');
    });
  }

  /** A take's load: these sites' open incidents, false alarms and armed state, nothing of an earlier turn. */
  private async loadSites(belongs: (siteId: string) => boolean): Promise<void> {
    const { store, clock } = this.o;
    // Whatever this replica knew of them from an earlier turn is stale: another replica ran them since.
    this.forgetSites(belongs);
    let loaded = 0;
    for (const i of await store.incidents.open()) {
      if (!belongs(i.siteId) || this.open.has(i.id)) continue;
      this.track(normalise(i));
      loaded++;
    }
    const since = clock.now() - this.repeatWindow() - 7 * 86_400_000;
    for (const i of await store.incidents.query({ status: 'closed', since, limit: 1000 })) {
      if (belongs(i.siteId) && i.disposition === 'false' && i.closedAt && !i.drill) this.noteFalse(i.siteId, i.id, Date.parse(i.closedAt));
    }
    for (const [siteId, armed] of await store.events.lastArmingBySite()) if (belongs(siteId)) this.armed.set(siteId, armed);
    this.o.log.info({ incidents: loaded }, 'taking over sites: open incidents loaded');
  }

  /**
   * Partitions about to be released (`owns` is already false for them): after what is queued,
   * write everything held — these sites' incidents among it — and forget them. Rejects when the
   * write fails: the lease manager then keeps the partitions rather than let two replicas write.
   */
  giveUpSites(belongs: (siteId: string) => boolean): Promise<void> {
    return this.exclusive(async () => {
      await this.writer.persist();
      this.forgetSites(belongs);
    });
  }

  /**
   * The lock session was lost: another replica may own these sites already. Forget them at once,
   * held writes included, writing nothing (their events stay unprocessed for the new owner; a write
   * already on its way is refused by the lease fence: IncidentWriter, src/cluster/README.md).
   */
  dropSites(belongs: (siteId: string) => boolean): void {
    const dropped = this.writer.discard(belongs);
    this.forgetSites(belongs);
    this.o.log.warn({ heldIncidents: dropped }, 'sites dropped without writing: this replica no longer owns them');
  }

  /** Another replica stored events of an owned site up to `seq` (NOTIFY): correlate them now. */
  wake(siteId: string, seq: number): boolean {
    // Correlated by this run: its own event (the bus brought it first), nothing to read.
    if (!this.owns(siteId) || this.seenSeqs.has(seq) || this.wakePending.has(siteId)) return false;
    this.wakePending.add(siteId);
    // One read for every site woken while the queue was busy (many replicas' batches wake many sites).
    if (this.wakePending.size > 1) return true;
    this.exclusive(() => {
      const sites = new Set(this.wakePending);
      this.wakePending.clear();
      return this.replay((s) => sites.has(s), [...sites]);
    }).catch((err: unknown) => this.o.log.error({ err }, 'could not correlate woken events; the next sweep tries again'));
    return true;
  }

  /** The safety net behind wake-ups (NOTIFY is not durable): correlate every owned site's unprocessed events. */
  sweep(): void {
    // A take whose load failed (PostgreSQL did not answer): try it again, before the sites' events.
    for (const entry of this.loading) {
      if (!entry.failed) continue;
      entry.failed = false;
      this.runTake(entry).catch((err: unknown) => this.o.log.error({ err }, 'taking over sites failed again; their events wait for the next sweep'));
    }
    if (this.sweepPending) return;
    this.sweepPending = true;
    this.exclusive(() => {
      this.sweepPending = false;
      return this.replay(() => true);
    }).catch((err: unknown) => this.o.log.error({ err }, 'sweep of unprocessed events failed; tried again at the next'));
  }

  /** In the queue: correlates the unprocessed events of owned sites that `belongs` keeps, page by page; returns how many. */
  private async replay(belongs: (siteId: string) => boolean, siteIds?: readonly string[]): Promise<number> {
    let afterSeq = 0;
    let total = 0;
    for (;;) {
      const page = await this.o.store.events.unprocessed(REPLAY_PAGE, siteIds ? { afterSeq, siteIds } : { afterSeq });
      if (page.length === 0) break;
      afterSeq = page[page.length - 1]!.seq;
      const mine = page.filter((e) => belongs(e.siteId) && this.owns(e.siteId) && !this.seen.has(e.id));
      if (mine.length > 0) await this.correlateStored(mine);
      total += mine.length;
      if (page.length < REPLAY_PAGE) break;
    }
    return total;
  }

  private owns(siteId: string): boolean {
    if (!this.o.owns) return true;
    return this.o.owns(siteId) && !this.loading.some((l) => l.belongs(siteId));
  }

  private noteSeen(e: AlarmEvent): void {
    this.seen.set(e.id, e.siteId);
    if (this.seen.size > SEEN_EVENTS) this.seen.delete(this.seen.keys().next().value!);
    // Only wake-ups (replica mode) ask by seq; one hub would pay for a second map per event for nothing.
    if (e.seq === undefined || !this.o.owns) return;
    this.seenSeqs.set(e.seq, e.siteId);
    if (this.seenSeqs.size > SEEN_EVENTS) this.seenSeqs.delete(this.seenSeqs.keys().next().value!);
  }

  /** Forgets everything held in memory about these sites (their open incidents leave the queue). */
  private forgetSites(belongs: (siteId: string) => boolean): void {
    for (const [siteId, ids] of [...this.openBySite]) {
      if (!belongs(siteId)) continue;
      for (const id of ids) this.open.delete(id);
      this.openBySite.delete(siteId);
    }
    for (const k of [...this.lastOfCategory.keys()]) if (belongs(k.slice(0, k.lastIndexOf('|')))) this.lastOfCategory.delete(k);
    for (const map of [this.lastFalse, this.armed]) for (const siteId of [...map.keys()]) if (belongs(siteId)) map.delete(siteId);
    for (const siteId of [...this.historyLoaded]) if (belongs(siteId)) this.historyLoaded.delete(siteId);
    for (const [id, siteId] of [...this.seen]) if (belongs(siteId)) this.seen.delete(id);
    for (const [seq, siteId] of [...this.seenSeqs]) if (belongs(siteId)) this.seenSeqs.delete(seq);
  }

  // --- Workflow commands (decided by workflow.ts) ------------------------------------------

  acknowledge(id: string, by: Actor): Promise<CommandReply> {
    return this.exclusive(async () => this.apply(workflow.acknowledge(await this.forStep(id, by))));
  }

  /** 派警 of a unit by its id among the responsible station's units. */
  dispatchUnit(id: string, by: Actor, unit?: string, note?: string): Promise<CommandReply> {
    return this.exclusive(async () => {
      const input = await this.forStep(id, by);
      const units = input.incident ? this.rules().units(input.incident.responsibleStationId) : [];
      return this.apply(workflow.dispatchUnit({ ...input, unitId: unit, units, note }));
    });
  }

  onScene(id: string, by: Actor, note?: string): Promise<CommandReply> {
    return this.exclusive(async () => this.apply(workflow.onScene({ ...(await this.forStep(id, by)), note })));
  }

  /** 反馈: what the unit found and 警情类别/性质. */
  feedback(id: string, by: Actor, text: string, nature: string): Promise<CommandReply> {
    return this.exclusive(() => this.apply(workflow.feedback({ ...this.forOpen(id, by), text, nature, natures: this.rules().natures })));
  }

  close(id: string, by: Actor, disposition: string, more?: string | CloseExtras): Promise<CommandReply> {
    const extras: CloseExtras = typeof more === 'string' ? { note: more } : (more ?? {});
    return this.exclusive(async () => {
      const reply = await this.apply(workflow.close({ ...(await this.forStep(id, by)), disposition, ...extras, rules: this.rules() }));
      if (reply.ok && disposition === 'false' && !reply.incident.drill) this.noteFalse(reply.incident.siteId, reply.incident.id, this.o.clock.now());
      return reply;
    });
  }

  /** 转警 to another receiving point: ownership released, its escalation clock restarted. */
  transfer(id: string, by: Actor, to: string, note?: string): Promise<CommandReply> {
    return this.exclusive(() => {
      const input = this.forOpen(id, by);
      const ackTimeoutMs = input.incident ? this.o.ackTimeoutMs?.[input.incident.priority] : undefined;
      return this.apply(workflow.transfer({ ...input, target: this.rules().station(to), note, ackTimeoutMs }));
    });
  }

  /** 联系人回拨: a call to the site's contact number `contact`; the verbal password is checked here and forgotten. */
  call(
    id: string,
    by: Actor,
    c: { contact: number; outcome: KeyholderCallOutcome; password?: string | undefined; note?: string | undefined },
  ): Promise<CommandReply> {
    return this.exclusive(() => {
      const input = this.forOpen(id, by);
      const site = input.incident ? this.rules().site(input.incident.siteId) : undefined;
      const name = site?.contacts[c.contact]?.name;
      const contact = name === undefined ? undefined : { index: c.contact, name };
      const passwordOk = c.outcome === 'cancelled_by_owner' ? (verbalPasswordMatches(site?.verbalPassword, c.password) ?? false) : null;
      return this.apply(workflow.call({ ...input, contact, outcome: c.outcome, passwordOk, note: c.note }));
    });
  }

  /** The guard's property-response track (物业响应): never the 110 owner, status or escalation. */
  guardAcknowledge(id: string, by: Actor): Promise<CommandReply> {
    return this.exclusive(() => this.apply(workflow.guardAcknowledge(this.forOpen(id, by))));
  }

  guardOnScene(id: string, by: Actor): Promise<CommandReply> {
    return this.exclusive(() => this.apply(workflow.guardOnScene(this.forOpen(id, by))));
  }

  guardVerify(id: string, by: Actor, finding: 'false_alarm' | 'confirmed', note?: string): Promise<CommandReply> {
    return this.exclusive(() => this.apply(workflow.guardVerify({ ...this.forOpen(id, by), finding, note })));
  }

  note(id: string, by: Actor, text: string): Promise<CommandReply> {
    return this.exclusive(() => this.apply(workflow.note({ ...this.forOpen(id, by), text })));
  }

  /** 转为真实警情: a drill incident becomes a real one. */
  makeReal(id: string, by: Actor, note?: string): Promise<CommandReply> {
    return this.exclusive(() => this.apply(workflow.makeReal({ ...this.forOpen(id, by), note })));
  }

  /** The owner gives the incident to another operator (shift change, wrong desk). */
  handOver(id: string, by: Actor, to: string): Promise<CommandReply> {
    return this.exclusive(() => this.apply(workflow.handOver({ ...this.forOpen(id, by), to })));
  }

  /** An admin takes an incident over from its owner (the owner is away). Permission is the caller's check. */
  takeOver(id: string, by: Actor): Promise<CommandReply> {
    return this.exclusive(() => this.apply(workflow.takeOver(this.forOpen(id, by))));
  }

  /**
   * Attach a snapshot or clip (or a camera's failure note) to an incident, open or closed: video
   * evidence may arrive after the operator closed it.
   */
  addMedia(id: string, media: IncidentMedia): Promise<CommandReply> {
    return this.exclusive(async () => this.apply(workflow.addMedia({ id, incident: await this.get(id), media })));
  }

  /** A guard alert's failure, give-up or late delivery, on the incident's timeline (notify/). */
  recordNotification(
    id: string,
    n: { code: 'notify.failed' | 'notify.gave_up' | 'notify.delivered'; channel: string; attempts: number; reason: string | null },
  ): Promise<CommandReply> {
    return this.exclusive(async () =>
      this.apply(workflow.addNotifyEntry({ id, incident: await this.get(id), at: new Date(this.o.clock.now()).toISOString(), ...n })),
    );
  }

  /** Escalate every incident whose acknowledgement is overdue. Public so tests drive it with a clock. */
  checkEscalations(): Promise<number> {
    return this.exclusive(() => this.escalateDue());
  }

  /** The timer's check: a failed write is logged (and tried again by the next check), never thrown. */
  private async checkEscalationsOrLog(): Promise<void> {
    try {
      await this.checkEscalations();
    } catch (err) {
      this.o.log.error({ err }, 'escalation check failed; tried again at the next check');
    }
  }

  private async escalateDue(): Promise<number> {
    const now = this.o.clock.now();
    const plan = planEscalations(this.open.values(), now, { ackTimeoutMs: this.o.ackTimeoutMs, stations: this.o.directory });
    if (plan.length === 0) return 0;
    // After a storm, hundreds of incidents fall due in the same second: one transaction (one
    // fsync) for all of them, published after it commits — not one fsync each, which blocked the
    // event loop (and every device's PUBACK) for seconds.
    const changes = plan.map((p) => this.stamp(p.next, p.audit, now));
    for (const p of plan) {
      if (!p.escalated) continue;
      this.countEscalated();
      this.o.log.warn(p.escalated, 'incident not acknowledged in time; escalated');
    }
    await this.writer.commit(changes);
    for (const c of changes) this.track(c.saved);
    for (const c of changes) this.o.bus.emit('incident:update', c.saved);
    return plan.length;
  }

  /** The workflow fields a new incident takes from its site: guard_first, and the guard's track when a guard group watches it. */
  private withSiteWorkflow(i: Incident): Incident {
    const site = this.rules().site(i.siteId);
    if (!site) return i;
    const property = site.guardGroup ? { status: 'waiting' as const, owner: null, finding: null, note: null, updatedAt: null } : i.property;
    return { ...i, guardFirst: site.guardFirst, property };
  }

  private rules(): WorkflowConfig {
    return this.o.workflow?.() ?? DEFAULT_WORKFLOW_CONFIG;
  }

  /** A status step looks at closed incidents too, to say the incident is closed rather than missing. */
  private async forStep(id: string, by: Actor): Promise<workflow.CommandInput> {
    return { id, incident: this.open.get(id) ?? (await this.o.store.incidents.get(id)), by, now: this.o.clock.now() };
  }

  private forOpen(id: string, by: Actor): workflow.CommandInput {
    return { id, incident: this.open.get(id), by, now: this.o.clock.now() };
  }

  /** A decision of the workflow core: refused as is, or written durably with its audit row, then published. */
  private async apply(d: Decision): Promise<CommandReply> {
    if (workflow.isRefusal(d)) return { ok: false, code: d.code, error: d.error, ...(d.params ? { params: d.params } : {}) };
    const change = this.stamp(d.next, d.audit, this.o.clock.now());
    await this.writer.commit([change]);
    this.track(change.saved);
    this.o.bus.emit('incident:update', change.saved);
    return { ok: true, incident: change.saved };
  }

  /** Runs fn after every change queued before it has ended (see the class comment). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.queued++;
    const run = async (): Promise<T> => {
      try {
        return await fn();
      } finally {
        this.queued--;
      }
    };
    const result = this.serial.then(run, run);
    this.serial = result.catch(() => undefined);
    return result;
  }

  /** Every change a human or the hub makes is one version, stamped with the time it was made. */
  private stamp(next: Incident, audit: AuditFact, now: number): StampedChange {
    return { saved: { ...next, version: next.version + 1, updatedAt: new Date(now).toISOString() }, audit };
  }

  private track(i: Incident): void {
    const ids = this.openBySite.get(i.siteId);
    if (i.status === 'closed') {
      this.open.delete(i.id);
      ids?.delete(i.id);
      if (ids?.size === 0) this.openBySite.delete(i.siteId);
      if (!i.drill) this.lastOfCategory.set(categoryKey(i.siteId, i.category), i.id);
    } else {
      this.open.set(i.id, i);
      if (ids) ids.add(i.id);
      else this.openBySite.set(i.siteId, new Set([i.id]));
    }
  }

  /** The open incidents of a site (at most one per category). */
  private openAt(siteId: string): Incident[] {
    const ids = this.openBySite.get(siteId);
    if (!ids) return [];
    const list: Incident[] = [];
    for (const id of ids) {
      const i = this.open.get(id);
      if (i) list.push(i);
    }
    return list;
  }

  /** The site's last closed incident of a category (loadHistoryFor has read the site's history). */
  private previousOf(siteId: string, category: Category): string | null {
    return this.lastOfCategory.get(categoryKey(siteId, category)) ?? null;
  }

  /** Whether correlating this event may need its site's closed incidents, not read yet. */
  private historyMissing(e: AlarmEvent): boolean {
    if (e.destination || e.drill || KIND_INFO[e.kind].basePriority === null) return false;
    return !this.historyLoaded.has(e.siteId) && !this.lastOfCategory.has(categoryKey(e.siteId, e.category));
  }

  private needsHistory(events: readonly AlarmEvent[]): boolean {
    return events.some((e) => this.historyMissing(e));
  }

  /**
   * Reads the closed incidents of each site whose events may open an incident (a kind with a
   * priority, not a drill) and whose last one of that category is not known yet: once per site
   * per run, before correlation, which then decides without awaiting. Only fills a cache, so it may
   * also run outside the queue (readAhead): a site counts as loaded only once its rows are applied.
   */
  private async loadHistoryFor(events: readonly AlarmEvent[]): Promise<void> {
    const sites = new Set<string>();
    for (const e of events) if (this.historyMissing(e)) sites.add(e.siteId);
    for (const siteId of sites) {
      const closed = await this.o.store.incidents.query({ siteId, status: 'closed', limit: 200 });
      if (this.historyLoaded.has(siteId)) continue;
      // Newest first: the first of each category is its last one (one closed since is already in the map).
      for (const i of closed) {
        if (i.drill) continue;
        const k = categoryKey(siteId, i.category);
        if (!this.lastOfCategory.has(k)) this.lastOfCategory.set(k, i.id);
      }
      this.historyLoaded.add(siteId);
    }
  }

  /** The 警情编号 series of an incident: its responsible station's code and its local opening day. */
  private seriesOf(i: Incident): string {
    const timezone = this.o.night?.timezone ?? 'Asia/Shanghai';
    const station = i.responsibleStationId;
    const code = station ? (this.o.directory.stationCode?.(station) ?? defaultStationCode(station)) : 'SG';
    return numberSeries(code, localDay(Date.parse(i.openedAt), timezone));
  }

  /** The unnumbered incidents among `ids` (open, without a number yet). */
  private unnumbered(ids: readonly string[]): Incident[] {
    const list: Incident[] = [];
    for (const id of ids) {
      const i = this.open.get(id);
      if (i && !i.number) list.push(i);
    }
    return list;
  }

  private seriesKnown(ids: readonly string[]): boolean {
    return this.unnumbered(ids).every((i) => this.numberCounters.has(this.seriesOf(i)));
  }

  /** Reads the largest stored number of each series these incidents need and this run has not counted yet. */
  private async loadSeries(ids: readonly string[]): Promise<void> {
    for (const i of this.unnumbered(ids)) await this.loadCounter(this.seriesOf(i));
  }

  /** A series' counter from the store, unless this run counts it already (also after the read: readAhead runs beside the queue). */
  private async loadCounter(series: string): Promise<void> {
    if (this.numberCounters.has(series)) return;
    const last = await this.o.store.incidents.lastNumber(series);
    if (!this.numberCounters.has(series)) this.numberCounters.set(series, last);
  }

  /**
   * Gives the incidents a batch opened their 警情编号, in the order they opened. The counter of each
   * series starts from the largest number the store holds (read once per series and run, by
   * loadSeries) and is written with the incident rows: after a crash, the incidents rebuilt by
   * recover() are numbered again in the same order from the same count, so they get the numbers
   * consoles were shown.
   */
  private numberNow(ids: readonly string[]): void {
    for (const i of this.unnumbered(ids)) {
      const series = this.seriesOf(i);
      const next = (this.numberCounters.get(series) ?? 0) + 1;
      this.numberCounters.set(series, next);
      this.open.set(i.id, { ...i, number: formatNumber(series, next) });
    }
  }

  private noteFalse(siteId: string, id: string, closedMs: number): void {
    const prev = this.lastFalse.get(siteId);
    if (!prev || prev.closedMs < closedMs) this.lastFalse.set(siteId, { id, closedMs });
  }

  private repeatWindow(): number {
    return this.o.repeatWindowMs ?? DEFAULT_REPEAT_WINDOW_MS;
  }

  /** What correlation needs to know about the event's site, as values. */
  private contextOf(e: AlarmEvent, openAtSite: readonly Incident[]): CorrelationContext {
    // The previous incident matters only when this alarm opens one (none of its category is open).
    const opens = KIND_INFO[e.kind].basePriority !== null && !openAtSite.some((i) => i.category === e.category && i.drill === e.drill);
    // A drill incident is no repeat of a real false alarm, and links to no real incident (issue 15).
    return {
      armed: this.armed.get(e.siteId) ?? null,
      night: this.o.night ? isNightOrHoliday(Date.parse(e.receivedAt), this.o.night) : false,
      lastFalse: e.drill ? undefined : this.lastFalse.get(e.siteId),
      previousId: opens && !e.drill ? this.previousOf(e.siteId, e.category) : null,
      repeatWindowMs: this.repeatWindow(),
      ackTimeoutMs: this.o.ackTimeoutMs,
      naming: this.o.directory,
      routing: this.routing(),
    };
  }

  private routing(): RoutingDirectory | undefined {
    const d = this.o.directory;
    if (!d.receivingPoints || !d.cellPost) return undefined;
    return { receivingPoints: (tier) => d.receivingPoints!(tier), cellPost: (cellId) => d.cellPost!(cellId) };
  }
}

const categoryKey = (siteId: string, category: Category): string => `${siteId}|${category}`;
