import { KIND_INFO, type AlarmEvent } from '../contract/alarm-event.js';
import type { CommandReply } from '../contract/socket.js';
import type { Incident, IncidentMedia, KeyholderCallOutcome, SiteHistory } from '../contract/incident.js';
import { queueOrder } from '../contract/workflow.js';
import type { IncidentQuery } from '../store/index.js';
import { listLimit } from '../store/where.js';
import { Announcer, type Changed } from './announcer.js';
import { isNightOrHoliday } from './context.js';
import { correlate, DEFAULT_REPEAT_WINDOW_MS, joinsOpen, NO_INCIDENT, normalise, type CorrelationContext } from './correlate.js';
import { planEscalations } from './escalation.js';
import type { Mark } from './held-writes.js';
import { IncidentNumbers } from './incident-numbers.js';
import { overlayIncidents } from './incident-query.js';
import { DERIVED_WRITE_DELAY_MS, IncidentWriter, StaleOwnerError, type StampedChange } from './incident-writer.js';
import { ReplicaSites } from './replica-sites.js';
import type { RoutingDirectory } from './routing.js';
import { SerialQueue } from '../core/serial-queue.js';
import { type CloseExtras, DEFAULT_WORKFLOW_CONFIG, type IncidentServiceOptions, type WorkflowConfig } from './service-options.js';
import { siteHistory } from './site-history.js';
import { type SiteFilter, SiteMemory } from './site-memory.js';
import type { HeldStop } from './test-stop.js';
import { verbalPasswordMatches } from './verbal-password.js';
import * as workflow from './workflow.js';
import type { AuditFact, Decision } from './workflow.js';

export { DERIVED_WRITE_DELAY_MS, DERIVED_WRITE_PART } from './incident-writer.js';
export { DEFAULT_WORKFLOW_CONFIG } from './service-options.js';
export type { CloseExtras, Directory, IncidentServiceOptions, WorkflowConfig, WorkflowSource } from './service-options.js';
export type { Actor } from './workflow.js';
type Actor = workflow.Actor;

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

/** The most urgent first; within a priority the oldest first. */
export const compareIncidents: (a: Incident, b: Incident) => number = queueOrder;

/** Events as stored, whose `incidentId` may still be held in memory. */
interface MaybeMarked {
  id: string;
  incidentId: string | null;
}

/**
 * The dispatch shell: feeds stored events and commands to the pure cores (correlate.ts,
 * workflow.ts, escalation.ts), stamps each change with a version, writes it through IncidentWriter
 * and publishes it (Announcer). What it remembers of the sites is SiteMemory; 警情编号 are drawn by
 * IncidentNumbers; sites moving between replicas are ReplicaSites. Whatever changes the queue — a
 * batch of stored events, a command, the escalation check — runs in one SerialQueue, to completion
 * including its store write, before the next starts. Reads (snapshot, get, query) do not queue.
 */
export class IncidentService {
  private readonly queue = new SerialQueue();
  private readonly memory: SiteMemory;
  private readonly numbers: IncidentNumbers;
  private readonly writer: IncidentWriter;
  private readonly announcer: Announcer;
  private readonly sites: ReplicaSites;
  private readonly countEscalated;
  private timer: NodeJS.Timeout | null = null;

  /** Builds the service and loads what it needs from the store (open incidents, false alarms, armed state). */
  static async open(o: IncidentServiceOptions): Promise<IncidentService> {
    const service = new IncidentService(o);
    await service.memory.loadSites((siteId) => service.sites.owns(siteId), service.falseSince());
    return service;
  }

  private constructor(private readonly o: IncidentServiceOptions) {
    this.memory = new SiteMemory(o.store, o.owns !== undefined);
    const timezone = o.night?.timezone ?? 'Asia/Shanghai';
    this.numbers = new IncidentNumbers({ store: o.store, timezone, stationCode: (id) => o.directory.stationCode?.(id) ?? null });
    this.countEscalated = o.metrics.counter('sg_incidents_escalated_total', 'Escalations to a higher tier');
    this.announcer = new Announcer(o.bus, o.log, o.metrics);
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
    this.sites = new ReplicaSites({
      owns: o.owns,
      queue: this.queue,
      memory: this.memory,
      writer: this.writer,
      log: o.log,
      falseSince: () => this.falseSince(),
      replay: (belongs, siteIds) => this.replay(belongs, siteIds),
    });
    o.metrics.gauge('sg_incidents_open', 'Open incidents (drills not included)', () => this.memory.open.size - this.openDrills());
    o.metrics.gauge('sg_drill_incidents_open', 'Open drill incidents (演练)', () => this.openDrills());
    const heldHelp = 'Correlated events whose incident write is held (DERIVED_WRITE_DELAY_MS)';
    o.metrics.gauge('sg_incidents_write_held_events', heldHelp, () => this.writer.heldMarkCount);
  }

  /** Correlate events that were stored but not yet processed (a crash between the two commits). */
  recover(): Promise<number> {
    return this.queue.run(async () => {
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
      await this.queue.run(() => this.writer.stop());
    };
  }

  /** Writes the held derived state now: one transaction without its own fsync. */
  persist(): Promise<void> {
    return this.writer.persist();
  }

  /** Resolves when every change queued before this call has run, and every write it started (tests wait on it). */
  settled(): Promise<void> {
    return this.queue.run(async () => {
      await this.writer.idle();
      // Incidents written at once are announced after their write (publishWritten).
      await this.announcer.idle();
    });
  }

  /** Held writes waiting, for tests and /metrics. */
  get heldWrites(): { incidents: number; events: number } {
    return this.writer.heldWrites;
  }

  /** TEST SEAM ONLY: see IncidentWriter.holdNextWrite (a write kept in flight after BEGIN, before its fence check). */
  holdNextWrite(): HeldStop {
    return this.writer.holdNextWrite();
  }

  /** TEST SEAM ONLY: see ReplicaSites.holdNextTake. */
  holdNextTakeover(): HeldStop {
    return this.sites.holdNextTake();
  }

  // --- Reads (never queued, never written) --------------------------------------------------

  snapshot(filter?: (i: Incident) => boolean): Incident[] {
    const list = [...this.memory.open.values()];
    return (filter ? list.filter(filter) : list).sort(compareIncidents);
  }

  /** One incident, open (from memory, so the latest version) or closed (from the store). */
  async get(id: string): Promise<Incident | undefined> {
    const i = this.memory.open.get(id) ?? (await this.o.store.incidents.get(id));
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
    return overlayIncidents(stored, this.memory.open.values(), q, listLimit(q.limit)).map(normalise);
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

  // --- Stored events → incidents ------------------------------------------------------------

  /**
   * Correlates a batch of committed events (the bus's `event:stored`); never rejects (logs). When
   * nothing is queued and nothing must be read first — the common case — it runs at once, as the
   * synchronous service did: a new incident is published in the tick of the commit that opened it,
   * before that commit's event-log push (api/socket/fan-out.ts subscribes after dispatch). Otherwise
   * it waits its turn in the queue.
   */
  handleStored(all: readonly AlarmEvent[]): Promise<void> {
    // Replicas: another replica's sites stay unprocessed for their owner (woken by NOTIFY).
    const events = this.o.owns ? all.filter((e) => this.sites.owns(e.siteId) && !this.memory.hasSeen(e.id)) : all;
    if (events.length === 0) return Promise.resolve();
    const failed = (err: unknown): void => {
      // The events stay unprocessed in the store: the next start correlates them again.
      this.o.log.error({ err, events: events.length }, 'could not correlate stored events');
    };
    if (this.queue.busy || this.memory.needsHistory(events)) return this.queue.run(() => this.correlateStored(events)).catch(failed);
    const batch = this.correlate(events);
    if (batch.opened.length === 0 || (!this.o.sharedNumbering && this.numbers.known(this.unnumbered(batch.opened)))) {
      this.trackAll(this.numbers.assign(this.unnumbered(batch.opened)));
      this.publish(batch);
      return Promise.resolve();
    }
    // A 警情编号 series not read yet (a station's first incident of the day): read it in the queue
    // before the incidents are numbered and published; anything arriving meanwhile queues behind.
    return this.queue
      .run(async () => {
        await this.numberOpened(batch.opened);
        this.publishWritten(batch);
      })
      .catch(failed);
  }

  /**
   * Reads what correlating these events will need (their sites' closed incidents, the 警情编号
   * counters), before they are announced: ingest's journal awaits it after the batch's PUBACKs
   * (its ReadAhead), so handleStored finds everything in memory and publishes a new incident in the
   * tick of its `event:stored`. Never rejects; a failed read is retried in the queue.
   */
  async readAhead(all: readonly AlarmEvent[]): Promise<void> {
    // Replicas: another replica's sites are not correlated here (handleStored), so nothing to read for them.
    const events = this.o.owns ? all.filter((e) => this.sites.owns(e.siteId)) : all;
    if (events.length === 0) return;
    try {
      if (this.memory.needsHistory(events)) await this.memory.loadHistoryFor(events);
      // Replicas draw numbers from the store's shared series when they open: no counter to read ahead.
      if (this.o.sharedNumbering) return;
      // The 警情编号 counters of the incidents these events would open as things stand (correlation
      // is pure, so this is a dry run); a guess that turns out wrong only costs a read in the queue.
      const series = new Set<string>();
      for (const e of events) {
        if (e.destination || KIND_INFO[e.kind].basePriority === null || this.memory.historyMissing(e)) continue;
        const openAtSite = this.memory.openAt(e.siteId);
        // In a storm nearly every alarm joins an open incident: the dry run would copy it for nothing.
        if (joinsOpen(openAtSite, e)) continue;
        const c = correlate(openAtSite, e, this.contextOf(e, openAtSite));
        if (c.outcome === 'open') series.add(this.numbers.seriesOf(c.incident));
      }
      for (const s of series) await this.numbers.loadCounter(s);
    } catch (err) {
      this.o.log.warn({ err }, 'could not read site histories ahead; read again when the events are correlated');
    }
  }

  // Replica mode (issue 18, src/cluster/README.md): ReplicaSites does the work.
  takeSites(belongs: SiteFilter): Promise<void> {
    return this.sites.take(belongs);
  }

  giveUpSites(belongs: SiteFilter): Promise<void> {
    return this.sites.giveUp(belongs);
  }

  dropSites(belongs: SiteFilter): void {
    this.sites.drop(belongs);
  }

  wake(siteId: string, seq: number): boolean {
    return this.sites.wake(siteId, seq);
  }

  sweep(): void {
    this.sites.sweep();
  }

  /** In the queue: reads what correlation needs first, then decides, numbers, holds and publishes. */
  private async correlateStored(events: readonly AlarmEvent[]): Promise<void> {
    await this.memory.loadHistoryFor(events);
    const batch = this.correlate(events);
    await this.numberOpened(batch.opened);
    this.publishWritten(batch);
  }

  /** In the queue: correlates the unprocessed events of owned sites that `belongs` keeps, page by page; returns how many. */
  private async replay(belongs: SiteFilter, siteIds?: readonly string[]): Promise<number> {
    let afterSeq = 0;
    let total = 0;
    for (;;) {
      const page = await this.o.store.events.unprocessed(REPLAY_PAGE, siteIds ? { afterSeq, siteIds } : { afterSeq });
      if (page.length === 0) break;
      afterSeq = page[page.length - 1]!.seq;
      const mine = page.filter((e) => belongs(e.siteId) && this.sites.owns(e.siteId) && !this.memory.hasSeen(e.id));
      if (mine.length > 0) await this.correlateStored(mine);
      total += mine.length;
      if (page.length < REPLAY_PAGE) break;
    }
    return total;
  }

  /** Correlation of a batch, in memory (the site histories it needs are loaded). */
  private correlate(events: readonly AlarmEvent[]): CorrelatedBatch {
    // Incident id → whether it was opened by this batch; published once each, whole, after commit.
    const touched = new Map<string, 'new' | 'update'>();
    const marks: Mark[] = [];
    for (const e of events) {
      // Already correlated by this run (the bus and a wake-up both brought it), or no longer ours.
      if (this.memory.hasSeen(e.id) || !this.sites.owns(e.siteId)) continue;
      this.memory.noteSeen(e);
      // Walk-test trips and events of a device in maintenance are on record, never in the queue
      // (issue 15; commissioning/destination.ts decided where each goes when it was stored).
      if (e.destination) {
        marks.push([e.id, NO_INCIDENT, e.seq, e.siteId]);
        continue;
      }
      this.memory.noteArming(e);
      const openAtSite = this.memory.openAt(e.siteId);
      const c = correlate(openAtSite, e, this.contextOf(e, openAtSite));
      if (c.outcome === 'none') {
        marks.push([e.id, NO_INCIDENT, e.seq, e.siteId]);
        continue;
      }
      // A new incident takes its site's guard_first and, at a guarded site, a waiting property track (issue 12).
      this.memory.track(c.outcome === 'open' ? this.withSiteWorkflow(c.incident) : c.incident);
      if (c.outcome === 'open') touched.set(c.incident.id, 'new');
      else if (!touched.has(c.incident.id)) touched.set(c.incident.id, 'update');
      marks.push([e.id, c.incident.id, e.seq, e.siteId]);
    }
    return { touched, marks, opened: [...touched].filter(([, how]) => how === 'new').map(([id]) => id) };
  }

  /** Gives the incidents a batch opened their 警情编号: from the shared series (replicas) or this run's counters. */
  private async numberOpened(ids: readonly string[]): Promise<void> {
    const unnumbered = this.unnumbered(ids);
    if (this.o.sharedNumbering) {
      this.trackAll(await this.numbers.draw(unnumbered));
      return;
    }
    await this.numbers.load(unnumbered);
    this.trackAll(this.numbers.assign(this.unnumbered(ids)));
  }

  /** The unnumbered incidents among `ids` (open, without a number yet), in the order given. */
  private unnumbered(ids: readonly string[]): Incident[] {
    const list: Incident[] = [];
    for (const id of ids) {
      const i = this.memory.open.get(id);
      if (i && !i.number) list.push(i);
    }
    return list;
  }

  private trackAll(incidents: readonly Incident[]): void {
    for (const i of incidents) this.memory.track(i);
  }

  /** The batch's incidents as they are now (numbered), and whether the batch opened each. */
  private changedBy(batch: CorrelatedBatch): Changed[] {
    return [...batch.touched].map(([id, how]) => ({ incident: this.memory.open.get(id)!, how }));
  }

  /** Holds the batch's writes and publishes its incidents (numbered by now). */
  private publish(batch: CorrelatedBatch): void {
    const changed = this.changedBy(batch);
    // Incidents are derived from durable events: their writes are held briefly and coalesced
    // (DERIVED_WRITE_DELAY_MS). If they are lost, the events are still unprocessed and recover()
    // rebuilds the same incidents (same ids, same versions) on start.
    this.writer.hold(changed, batch.marks);
    this.announcer.inOrder(changed);
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
    const changed = this.changedBy(batch);
    this.writer.hold(changed, batch.marks);
    const written = this.writer.persist().then(
      () => changed,
      (err: unknown) => {
        if (err instanceof StaleOwnerError) return changed.filter((c) => !err.sites.has(c.incident.siteId));
        this.o.log.error({ err, incidents: batch.opened.length }, 'new incidents not written at once; kept for the next write');
        return changed;
      },
    );
    this.announcer.inOrder(written);
  }

  // --- Workflow commands (decided by workflow.ts) ------------------------------------------

  acknowledge(id: string, by: Actor): Promise<CommandReply> {
    return this.queue.run(async () => this.apply(workflow.acknowledge(await this.forStep(id, by))));
  }

  /** 派警 of a unit by its id among the responsible station's units. */
  dispatchUnit(id: string, by: Actor, unit?: string, note?: string): Promise<CommandReply> {
    return this.queue.run(async () => {
      const input = await this.forStep(id, by);
      const units = input.incident ? this.rules().units(input.incident.responsibleStationId) : [];
      return this.apply(workflow.dispatchUnit({ ...input, unitId: unit, units, note }));
    });
  }

  onScene(id: string, by: Actor, note?: string): Promise<CommandReply> {
    return this.queue.run(async () => this.apply(workflow.onScene({ ...(await this.forStep(id, by)), note })));
  }

  /** 反馈: what the unit found and 警情类别/性质. */
  feedback(id: string, by: Actor, text: string, nature: string): Promise<CommandReply> {
    return this.queue.run(() => this.apply(workflow.feedback({ ...this.forOpen(id, by), text, nature, natures: this.rules().natures })));
  }

  close(id: string, by: Actor, disposition: string, more?: string | CloseExtras): Promise<CommandReply> {
    const extras: CloseExtras = typeof more === 'string' ? { note: more } : (more ?? {});
    return this.queue.run(async () => {
      const reply = await this.apply(workflow.close({ ...(await this.forStep(id, by)), disposition, ...extras, rules: this.rules() }));
      if (reply.ok && disposition === 'false' && !reply.incident.drill) this.memory.noteFalse(reply.incident.siteId, reply.incident.id, this.o.clock.now());
      return reply;
    });
  }

  /** 转警 to another receiving point: ownership released, its escalation clock restarted. */
  transfer(id: string, by: Actor, to: string, note?: string): Promise<CommandReply> {
    return this.queue.run(() => {
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
    return this.queue.run(() => {
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
    return this.queue.run(() => this.apply(workflow.guardAcknowledge(this.forOpen(id, by))));
  }

  guardOnScene(id: string, by: Actor): Promise<CommandReply> {
    return this.queue.run(() => this.apply(workflow.guardOnScene(this.forOpen(id, by))));
  }

  guardVerify(id: string, by: Actor, finding: 'false_alarm' | 'confirmed', note?: string): Promise<CommandReply> {
    return this.queue.run(() => this.apply(workflow.guardVerify({ ...this.forOpen(id, by), finding, note })));
  }

  note(id: string, by: Actor, text: string): Promise<CommandReply> {
    return this.queue.run(() => this.apply(workflow.note({ ...this.forOpen(id, by), text })));
  }

  /** 转为真实警情: a drill incident becomes a real one. */
  makeReal(id: string, by: Actor, note?: string): Promise<CommandReply> {
    return this.queue.run(() => this.apply(workflow.makeReal({ ...this.forOpen(id, by), note })));
  }

  /** The owner gives the incident to another operator (shift change, wrong desk). */
  handOver(id: string, by: Actor, to: string): Promise<CommandReply> {
    return this.queue.run(() => this.apply(workflow.handOver({ ...this.forOpen(id, by), to })));
  }

  /** An admin takes an incident over from its owner (the owner is away). Permission is the caller's check. */
  takeOver(id: string, by: Actor): Promise<CommandReply> {
    return this.queue.run(() => this.apply(workflow.takeOver(this.forOpen(id, by))));
  }

  /**
   * Attach a snapshot or clip (or a camera's failure note) to an incident, open or closed: video
   * evidence may arrive after the operator closed it.
   */
  addMedia(id: string, media: IncidentMedia): Promise<CommandReply> {
    return this.queue.run(async () => this.apply(workflow.addMedia({ id, incident: await this.get(id), media })));
  }

  /** A guard alert's failure, give-up or late delivery, on the incident's timeline (notify/). */
  recordNotification(
    id: string,
    n: { code: 'notify.failed' | 'notify.gave_up' | 'notify.delivered'; channel: string; attempts: number; reason: string | null },
  ): Promise<CommandReply> {
    return this.queue.run(async () =>
      this.apply(workflow.addNotifyEntry({ id, incident: await this.get(id), at: new Date(this.o.clock.now()).toISOString(), ...n })),
    );
  }

  /** Escalate every incident whose acknowledgement is overdue. Public so tests drive it with a clock. */
  checkEscalations(): Promise<number> {
    return this.queue.run(() => this.escalateDue());
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
    const plan = planEscalations(this.memory.open.values(), now, { ackTimeoutMs: this.o.ackTimeoutMs, stations: this.o.directory });
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
    for (const c of changes) this.memory.track(c.saved);
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
    return this.o.workflow?.workflow ?? DEFAULT_WORKFLOW_CONFIG;
  }

  /** A status step looks at closed incidents too, to say the incident is closed rather than missing. */
  private async forStep(id: string, by: Actor): Promise<workflow.CommandInput> {
    return { id, incident: this.memory.open.get(id) ?? (await this.o.store.incidents.get(id)), by, now: this.o.clock.now() };
  }

  private forOpen(id: string, by: Actor): workflow.CommandInput {
    return { id, incident: this.memory.open.get(id), by, now: this.o.clock.now() };
  }

  /** A decision of the workflow core: refused as is, or written durably with its audit row, then published. */
  private async apply(d: Decision): Promise<CommandReply> {
    if (workflow.isRefusal(d)) return { ok: false, code: d.code, error: d.error, ...(d.params ? { params: d.params } : {}) };
    const change = this.stamp(d.next, d.audit, this.o.clock.now());
    await this.writer.commit([change]);
    this.memory.track(change.saved);
    this.o.bus.emit('incident:update', change.saved);
    return { ok: true, incident: change.saved };
  }

  /** Every change a human or the hub makes is one version, stamped with the time it was made. */
  private stamp(next: Incident, audit: AuditFact, now: number): StampedChange {
    return { saved: { ...next, version: next.version + 1, updatedAt: new Date(now).toISOString() }, audit };
  }

  /** Open drill incidents, counted on a scrape (the queue is bounded; a counter would need every path that closes one). */
  private openDrills(): number {
    let n = 0;
    for (const i of this.memory.open.values()) if (i.drill) n++;
    return n;
  }

  /** Since when false closes matter for repeat detection (loaded on start and on a take). */
  private falseSince(): number {
    return this.o.clock.now() - this.repeatWindow() - 7 * 86_400_000;
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
      armed: this.memory.armedAt(e.siteId),
      night: this.o.night ? isNightOrHoliday(Date.parse(e.receivedAt), this.o.night) : false,
      lastFalse: e.drill ? undefined : this.memory.lastFalseAt(e.siteId),
      previousId: opens && !e.drill ? this.memory.previousOf(e.siteId, e.category) : null,
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
