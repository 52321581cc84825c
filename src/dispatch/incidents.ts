import { KIND_INFO, type AlarmEvent, type EventKind, type Priority } from '../contract/alarm-event.js';
import type { CommandReply } from '../contract/socket.js';
import {
  DISPOSITIONS,
  type Disposition,
  type Incident,
  type IncidentMedia,
  type IncidentStatus,
  type TimelineEntry,
} from '../contract/incident.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { HubEvents } from '../core/hub-events.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { Store } from '../store/index.js';
import { isNightOrHoliday, type NightConfig } from './context.js';
import { assessPriority } from './priority.js';
import { HeldWrites, type Mark } from './held-writes.js';

/** What dispatch needs to know about sites, cells and stations; supplied by the app from the live config. */
export interface Directory {
  siteName(siteId: string): string | null;
  cellName(cellId: string): string | null;
  /** The next tier up (police station → city command centre); null at the top. */
  stationParent?(stationId: string): string | null;
  stationName?(stationId: string): string | null;
}

export interface IncidentServiceOptions {
  store: Store;
  bus: EventBus<HubEvents>;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  directory: Directory;
  correlationWindowMs: number;
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
}

/**
 * Incidents are derived from durable events, so their writes need not be durable at once: held in
 * memory up to this long, each incident is written once however many events joined it meanwhile
 * (alarms only, 1,000 sites: the incident row writes were the largest cost of the hub). The events
 * stay marked unprocessed until the incident that took them is written, in the same transaction,
 * so a crash before the write loses nothing: recover() correlates them again on start.
 */
export const DERIVED_WRITE_DELAY_MS = 500;
/** Hold at most this many events' marks; beyond it the held writes are written without waiting. */
const MAX_HELD_MARKS = 20_000;
/**
 * Held writes go to SQLite this many incidents per transaction, the event loop free between two.
 * One transaction for everything held put its whole length in front of the next PUBACKs: ~50 ms
 * after a burst of 1,000 new incidents, and 5–9 ms every half second at 2,000 messages/s (p99
 * 11 ms instead of 7). 25 incidents take ~2–3 ms (the rows are 4.5 KB; the WAL pages dominate).
 */
export const DERIVED_WRITE_PART = 25;

/** Who acts, and from where (a console socket, a REST client address). A bare string is a username. */
export type Actor = string | { username: string; origin?: string | null };

const actorName = (a: Actor): string => (typeof a === 'string' ? a : a.username);
const actorOrigin = (a: Actor): string | null => (typeof a === 'string' ? null : (a.origin ?? null));

/** Marks an event as correlated without an incident (arm, disarm, test, lone restore). */
const NO_INCIDENT = '-';

/** Workflow: which status may follow which (DESIGN.md "Triage"). */
const NEXT: Record<IncidentStatus, IncidentStatus[]> = {
  new: ['acknowledged', 'closed'],
  acknowledged: ['dispatched', 'on_scene', 'closed'],
  dispatched: ['on_scene', 'closed'],
  on_scene: ['closed'],
  closed: [],
};

const STATUS_ZH: Record<IncidentStatus, string> = {
  new: '待受理',
  acknowledged: '已签收',
  dispatched: '已派警',
  on_scene: '已到场',
  closed: '已结警',
};

/** The most urgent first; within a priority the oldest first. */
export function compareIncidents(a: Incident, b: Incident): number {
  return a.priority - b.priority || (a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : 0) || (a.id < b.id ? -1 : 1);
}

const refuse = (code: string, error: string): CommandReply => ({ ok: false, code, error });

/**
 * Correlates stored events into incidents and runs their workflow: ownership, escalation, audit.
 * Holds the open incidents in memory (the queue) and writes every change, with its audit row, to
 * SQLite before publishing it. Every method runs to completion on the one event loop, so two
 * consoles racing for one incident are served one after the other: the first wins, the second is
 * told who owns it.
 */
export class IncidentService {
  private readonly open = new Map<string, Incident>();
  private readonly openBySite = new Map<string, string>();
  /** Last incident per site closed as a false alarm (repeat detection). */
  private readonly lastFalse = new Map<string, { id: string; closedMs: number }>();
  /** Armed state per site from arm/disarm events; absent = unknown. */
  private readonly armed = new Map<string, boolean>();
  private readonly countOpened;
  private readonly countEscalated;
  private timer: NodeJS.Timeout | null = null;
  /** While a batch of escalations commits: their updates, published after the commit. */
  private deferred: Incident[] | null = null;
  /** Derived writes held back (see DERIVED_WRITE_DELAY_MS), and the timer that writes them. */
  private readonly held = new HeldWrites();
  private heldTimer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private readonly writeDelayMs: number;

  constructor(private readonly o: IncidentServiceOptions) {
    this.countOpened = o.metrics.counter('sg_incidents_opened_total', 'Incidents opened, by category');
    this.countEscalated = o.metrics.counter('sg_incidents_escalated_total', 'Escalations to a higher tier');
    this.writeDelayMs = o.derivedWriteDelayMs ?? DERIVED_WRITE_DELAY_MS;
    o.metrics.gauge('sg_incidents_open', 'Open incidents', () => this.open.size);
    o.metrics.gauge('sg_incidents_write_held_events', 'Correlated events whose incident write is held (DERIVED_WRITE_DELAY_MS)', () => this.held.markCount);
    for (const i of o.store.incidents.open()) this.track(normalise(i));
    const now = o.clock.now();
    for (const i of o.store.incidents.query({ status: 'closed', since: now - this.repeatWindow() - 7 * 86_400_000, limit: 1000 })) {
      if (i.disposition === 'false' && i.closedAt) this.noteFalse(i.siteId, i.id, Date.parse(i.closedAt));
    }
    for (const [siteId, armed] of o.store.events.lastArmingBySite()) this.armed.set(siteId, armed);
  }

  /** Correlate events that were stored but not yet processed (a crash between the two commits). */
  recover(): number {
    let total = 0;
    for (;;) {
      const batch = this.o.store.events.unprocessed(1000);
      if (batch.length === 0) break;
      this.handleStored(batch);
      this.persist(); // the marks, before the next page is read
      total += batch.length;
    }
    if (total > 0) this.o.log.info({ events: total }, 'correlated events left from before a restart');
    return total;
  }

  /** Subscribe to committed events and start the escalation clock. Returns the disposer. */
  attach(checkEveryMs = 1000): () => void {
    const off = this.o.bus.on('event:stored', (events) => this.handleStored(events));
    // Whoever reads incidents or event marks from SQLite in this process sees the held writes.
    const barriers = [this.o.store.incidents.beforeRead.add(() => this.persistOrLog()), this.o.store.events.beforeRead.add(() => this.persistOrLog())];
    // Escalations that fell due while the hub was down fire now.
    this.checkEscalations();
    this.timer = setInterval(() => this.checkEscalations(), checkEveryMs);
    this.timer.unref();
    return () => {
      off();
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      this.persistOrLog();
      barriers.forEach((b) => b());
    };
  }

  /** Writes the held derived state now: one transaction without its own fsync. */
  persist(): void {
    const w = this.takeHeld();
    if (w) this.writeInOwnTransaction(w);
  }

  /** Held writes waiting, for tests and /metrics. */
  get heldWrites(): { incidents: number; events: number } {
    return { incidents: this.held.incidents.size, events: this.held.markCount };
  }

  private writeInOwnTransaction(w: HeldWrites): void {
    try {
      this.withAudit(() => this.o.store.derivedTransaction(() => this.writeHeld(w)));
    } catch (err) {
      this.restoreHeld(w);
      throw err;
    }
  }

  /** Puts writes back after their transaction failed, and tries again later. */
  private restoreHeld(w: HeldWrites): void {
    this.held.restore(w);
    this.scheduleHeld();
  }

  private persistOrLog(): void {
    try {
      this.persist();
    } catch (err) {
      this.failedWrite(err);
    }
  }

  private failedWrite(err: unknown): void {
    // Kept held: the next write (timer, read, human action) tries again; the events stay
    // unprocessed in SQLite meanwhile, so a restart correlates them again.
    this.o.log.error({ err }, 'incident write failed; kept for the next attempt');
    this.scheduleHeld();
  }

  private hold(changed: Array<{ incident: Incident; how: 'new' | 'update' }>, marks: Mark[]): void {
    for (const { incident, how } of changed) {
      this.held.hold(
        incident,
        how === 'new'
          ? {
              at: incident.openedAt,
              actor: 'hub',
              action: 'open',
              incidentId: incident.id,
              fromStatus: null,
              toStatus: 'new',
              origin: null,
              note: `${incident.kind} P${incident.priority}: ${incident.priorityReason}`,
            }
          : undefined,
      );
    }
    for (const m of marks) this.held.mark(m);
    if (this.writeDelayMs <= 0) this.persistOrLog();
    else if (this.held.markCount >= MAX_HELD_MARKS) this.scheduleHeld(0);
    else this.scheduleHeld();
  }

  private scheduleHeld(delayMs = this.writeDelayMs): void {
    if (this.heldTimer) {
      if (delayMs > 0) return;
      this.cancelHeldTimer();
    }
    const run = (): void => {
      this.heldTimer = null;
      this.writeHeldParts(this.held.incidents.size);
    };
    this.heldTimer = delayMs > 0 ? setTimeout(run, delayMs) : setImmediate(run);
    this.heldTimer.unref();
  }

  private cancelHeldTimer(): void {
    if (!this.heldTimer) return;
    clearTimeout(this.heldTimer as NodeJS.Timeout);
    clearImmediate(this.heldTimer as NodeJS.Immediate);
    this.heldTimer = null;
  }

  /**
   * Writes `remaining` held incidents (those held when the delay ran out), DERIVED_WRITE_PART per
   * transaction with the event loop free between two; then waits for the next.
   */
  private writeHeldParts(remaining: number): void {
    const part = this.held.take(Math.max(1, Math.min(DERIVED_WRITE_PART, remaining)));
    if (!part.empty) {
      try {
        this.writeInOwnTransaction(part);
      } catch (err) {
        this.failedWrite(err);
        return;
      }
    }
    const left = remaining - part.incidents.size;
    if (this.held.empty) return;
    if (left > 0 && part.incidents.size > 0) {
      this.heldTimer = setImmediate(() => {
        this.heldTimer = null;
        this.writeHeldParts(left);
      });
      this.heldTimer.unref();
    } else {
      this.scheduleHeld();
    }
  }

  /** Takes everything held (null when nothing is), for a transaction that writes it. */
  private takeHeld(): HeldWrites | null {
    this.cancelHeldTimer();
    return this.held.empty ? null : this.held.take();
  }

  /** Inside a transaction. */
  private writeHeld(w: HeldWrites): void {
    for (const i of w.incidents.values()) this.o.store.incidents.save(i);
    for (const a of w.audits.values()) this.o.store.audit.append(a);
    for (const list of w.marks.values()) for (const [eventId, incidentId, seq] of list) this.o.store.events.markProcessed(eventId, incidentId, seq);
  }

  snapshot(filter?: (i: Incident) => boolean): Incident[] {
    const list = [...this.open.values()];
    return (filter ? list.filter(filter) : list).sort(compareIncidents);
  }

  get(id: string): Incident | undefined {
    const i = this.open.get(id) ?? this.o.store.incidents.get(id);
    return i ? normalise(i) : undefined;
  }

  handleStored(events: readonly AlarmEvent[]): void {
    // Incident id → whether it was opened by this batch; published once each, whole, after commit.
    const touched = new Map<string, 'new' | 'update'>();
    const marks: Mark[] = [];
    for (const e of events) {
      if (e.kind === 'arm' || e.kind === 'disarm') this.armed.set(e.siteId, e.kind === 'arm');
      const now = Date.parse(e.receivedAt);
      const existingId = this.openBySite.get(e.siteId);
      const existing = existingId ? this.open.get(existingId) : undefined;
      const joins = existing && now - Date.parse(existing.lastEventAt) <= this.o.correlationWindowMs;
      if (existing && (joins || e.kind === 'restore')) {
        // A restore always annotates the open incident of its site, however late; it never closes it.
        const next = this.addEvent(existing, e);
        this.track(next);
        if (!touched.has(next.id)) touched.set(next.id, 'update');
        marks.push([e.id, next.id, e.seq]);
      } else if (KIND_INFO[e.kind].basePriority !== null) {
        const incident = this.newIncident(e);
        this.track(incident);
        touched.set(incident.id, 'new');
        marks.push([e.id, incident.id, e.seq]);
      } else {
        marks.push([e.id, NO_INCIDENT, e.seq]);
      }
    }
    const changed = [...touched].map(([id, how]) => ({ incident: this.open.get(id)!, how }));
    // Incidents are derived from durable events: their writes are held briefly and coalesced
    // (DERIVED_WRITE_DELAY_MS). If they are lost, the events are still unprocessed and recover()
    // rebuilds the same incidents (same ids, same versions) on start.
    this.hold(changed, marks);
    for (const { incident, how } of changed) {
      if (how === 'new') {
        this.countOpened({ category: incident.category });
        this.o.bus.emit('incident:new', incident);
      } else {
        this.o.bus.emit('incident:update', incident);
      }
    }
  }

  // --- Workflow commands -------------------------------------------------------------------

  acknowledge(id: string, by: Actor): CommandReply {
    return this.transition(id, 'acknowledged', by, (i) => (i.owner && i.owner !== actorName(by) ? this.ownedBy(i) : null), (i) => ({
      ...i,
      owner: actorName(by),
      escalateAt: null,
    }));
  }

  dispatchUnit(id: string, by: Actor, unit?: string, note?: string): CommandReply {
    const text = [unit ? `出警单位 unit: ${unit.slice(0, 100)}` : '', note ?? ''].filter(Boolean).join('; ');
    return this.transition(id, 'dispatched', by, (i) => this.ownerCheck(i, by), (i) => i, text);
  }

  onScene(id: string, by: Actor, note?: string): CommandReply {
    return this.transition(id, 'on_scene', by, (i) => this.ownerCheck(i, by), (i) => i, note);
  }

  close(id: string, by: Actor, disposition: string, note?: string): CommandReply {
    if (!(DISPOSITIONS as readonly string[]).includes(disposition)) {
      return refuse('bad_disposition', `disposition must be one of ${DISPOSITIONS.join(', ')}`);
    }
    const reply = this.transition(id, 'closed', by, (i) => (i.status === 'new' ? null : this.ownerCheck(i, by)), (i) => ({
      ...i,
      disposition: disposition as Disposition,
      closedAt: new Date(this.o.clock.now()).toISOString(),
      escalateAt: null,
    }), note, `disposition ${disposition}`);
    if (reply.ok && disposition === 'false') this.noteFalse(reply.incident.siteId, reply.incident.id, this.o.clock.now());
    return reply;
  }

  note(id: string, by: Actor, text: string): CommandReply {
    const i = this.open.get(id);
    if (!i) return refuse('not_found', `no open incident ${id}`);
    const clean = String(text ?? '').slice(0, 1000).trim();
    if (!clean) return refuse('empty_note', 'note is empty');
    const at = new Date(this.o.clock.now()).toISOString();
    return this.commit({ ...i, timeline: [...i.timeline, { at, type: 'note', by: actorName(by), text: clean }] }, {
      actor: by,
      action: 'note',
      from: i.status,
      to: i.status,
      note: clean,
    });
  }

  /** The owner gives the incident to another operator (shift change, wrong desk). */
  handOver(id: string, by: Actor, to: string): CommandReply {
    const i = this.open.get(id);
    if (!i) return refuse('not_found', `no open incident ${id}`);
    if (!i.owner) return refuse('not_owned', 'acknowledge the incident before handing it over');
    if (i.owner !== actorName(by)) return this.refuseOwned(i);
    const target = String(to ?? '').trim().slice(0, 64);
    if (!target || target === i.owner) return refuse('bad_target', 'name the operator who takes it over');
    const at = new Date(this.o.clock.now()).toISOString();
    return this.commit(
      { ...i, owner: target, timeline: [...i.timeline, { at, type: 'status', by: actorName(by), text: `移交 handed over: ${i.owner} → ${target}` }] },
      { actor: by, action: 'handover', from: i.status, to: i.status, note: `${i.owner} → ${target}` },
    );
  }

  /** An admin takes an incident over from its owner (the owner is away). Permission is the caller's check. */
  takeOver(id: string, by: Actor): CommandReply {
    const i = this.open.get(id);
    if (!i) return refuse('not_found', `no open incident ${id}`);
    const who = actorName(by);
    if (i.owner === who) return refuse('already_owner', 'you already own it');
    const at = new Date(this.o.clock.now()).toISOString();
    const status: IncidentStatus = i.status === 'new' ? 'acknowledged' : i.status;
    return this.commit(
      {
        ...i,
        owner: who,
        status,
        escalateAt: null,
        timeline: [...i.timeline, { at, type: 'status', by: who, text: `接管 taken over from ${i.owner ?? '—'}` }],
      },
      { actor: by, action: 'takeover', from: i.status, to: status, note: `from ${i.owner ?? 'nobody'}` },
    );
  }

  /**
   * Attach a snapshot or clip (or a camera's failure note) to an incident, open or closed: video
   * evidence may arrive after the operator closed it.
   */
  addMedia(id: string, media: IncidentMedia): CommandReply {
    const i = this.get(id);
    if (!i) return refuse('not_found', `no incident ${id}`);
    const timeline = media.error
      ? [...i.timeline, { at: media.at, type: 'note' as const, by: 'hub', text: `camera ${media.cameraId}: ${media.error}` }]
      : i.timeline;
    return this.commit({ ...i, media: [...i.media, media].slice(-50), timeline }, {
      actor: 'hub',
      action: media.error ? 'media_failed' : `media_${media.kind}`,
      from: i.status,
      to: i.status,
      note: media.error ?? media.id,
    });
  }

  /** Escalate every incident whose acknowledgement is overdue. Public so tests drive it with a clock. */
  checkEscalations(): number {
    const now = this.o.clock.now();
    const due = [...this.open.values()].filter((i) => i.status === 'new' && i.escalateAt && Date.parse(i.escalateAt) <= now);
    if (due.length === 0) return 0;
    // After a storm, hundreds of incidents fall due in the same second: one transaction (one
    // fsync) for all of them, published after it commits — not one fsync each, which blocked the
    // event loop (and every device's PUBACK) for seconds.
    const deferred: Incident[] = [];
    this.deferred = deferred;
    const held = this.takeHeld();
    try {
      this.withAudit(() =>
        this.o.store.transaction(() => {
          if (held) this.writeHeld(held);
          due.forEach((i) => this.escalate(i, now));
        }),
      );
    } catch (err) {
      if (held) this.restoreHeld(held);
      throw err;
    } finally {
      this.deferred = null;
    }
    for (const i of deferred) this.o.bus.emit('incident:update', i);
    return due.length;
  }

  private escalate(i: Incident, now: number): void {
    const from = i.responsibleStationId;
    const parent = from ? (this.o.directory.stationParent?.(from) ?? null) : null;
    const at = new Date(now).toISOString();
    const timeout = this.o.ackTimeoutMs?.[i.priority] ?? 0;
    const waited = Math.round((now - Date.parse(i.escalateAt ?? at) + timeout) / 1000);
    if (!parent) {
      // Already at the top tier: say so once, and stop the clock.
      this.commit(
        { ...i, escalateAt: null, timeline: [...i.timeline, { at, type: 'escalation', by: 'hub', text: `未在${waited}秒内签收，已是最高层级 not acknowledged within ${waited} s; already at the top tier` }] },
        { actor: 'hub', action: 'escalate_top', from: i.status, to: i.status, note: from },
      );
      return;
    }
    const name = this.o.directory.stationName?.(parent) ?? parent;
    const hasHigher = (this.o.directory.stationParent?.(parent) ?? null) !== null;
    this.countEscalated();
    this.o.log.warn({ incident: i.id, site: i.siteId, from, to: parent, priority: i.priority }, 'incident not acknowledged in time; escalated');
    this.commit(
      {
        ...i,
        responsibleStationId: parent,
        escalationLevel: i.escalationLevel + 1,
        escalateAt: hasHigher ? new Date(now + timeout).toISOString() : null,
        timeline: [
          ...i.timeline,
          { at, type: 'escalation', by: 'hub', text: `升级上报至 ${name}：${waited}秒未签收 escalated to ${parent}: not acknowledged within ${waited} s` },
        ],
      },
      { actor: 'hub', action: 'escalate', from: i.status, to: i.status, note: `${from ?? '—'} → ${parent}` },
    );
  }

  private ownedBy(i: Incident): string {
    return `已由 ${i.owner} 签收 (owned by ${i.owner})`;
  }

  private refuseOwned(i: Incident): CommandReply {
    return refuse('owned', this.ownedBy(i));
  }

  private ownerCheck(i: Incident, by: Actor): string | null {
    return i.owner && i.owner !== actorName(by) ? this.ownedBy(i) : null;
  }

  private transition(
    id: string,
    to: IncidentStatus,
    by: Actor,
    guard: (i: Incident) => string | null,
    apply: (i: Incident) => Incident,
    note?: string,
    auditNote?: string,
  ): CommandReply {
    const i = this.open.get(id);
    if (!i) {
      const closed = this.o.store.incidents.get(id);
      return closed ? refuse('illegal_transition', `incident is ${closed.status} (${STATUS_ZH[closed.status]})`) : refuse('not_found', `no open incident ${id}`);
    }
    const refusal = guard(i);
    if (refusal) return refuse('owned', refusal);
    if (!NEXT[i.status].includes(to)) {
      return refuse('illegal_transition', `cannot go from ${i.status} (${STATUS_ZH[i.status]}) to ${to} (${STATUS_ZH[to]})`);
    }
    const at = new Date(this.o.clock.now()).toISOString();
    const cleanNote = note ? note.slice(0, 1000) : '';
    const entry: TimelineEntry = {
      at,
      type: 'status',
      by: actorName(by),
      text: `${STATUS_ZH[i.status]} → ${STATUS_ZH[to]}${cleanNote ? `: ${cleanNote}` : ''}`,
    };
    const next = apply({ ...i, status: to, timeline: [...i.timeline, entry] });
    return this.commit(next, { actor: by, action: to, from: i.status, to, note: [auditNote, cleanNote].filter(Boolean).join('; ') || null });
  }

  /** A human or hub action: durable (fsync) with its audit row, then published. */
  private commit(
    next: Incident,
    audit: { actor: Actor; action: string; from: IncidentStatus; to: IncidentStatus; note: string | null },
  ): CommandReply {
    const now = this.o.clock.now();
    const saved: Incident = { ...next, version: next.version + 1, updatedAt: new Date(now).toISOString() };
    // Everything held goes first, in the same durable transaction: this version includes the
    // events that joined before it, and their marks must not be written after it (a restart
    // would apply them twice).
    const held = this.takeHeld();
    try {
      this.commitWrite(saved, audit, held);
    } catch (err) {
      if (held) this.restoreHeld(held);
      throw err;
    }
    this.track(saved);
    if (this.deferred) this.deferred.push(saved);
    else this.o.bus.emit('incident:update', saved);
    return { ok: true, incident: saved };
  }

  private commitWrite(
    saved: Incident,
    audit: { actor: Actor; action: string; from: IncidentStatus; to: IncidentStatus; note: string | null },
    held: HeldWrites | null,
  ): void {
    this.withAudit(() =>
      this.o.store.transaction(() => {
        if (held) this.writeHeld(held);
        this.o.store.incidents.save(saved);
        this.o.store.audit.append({
          at: saved.updatedAt,
          actor: actorName(audit.actor),
          action: audit.action,
          incidentId: saved.id,
          fromStatus: audit.from,
          toStatus: audit.to,
          origin: actorOrigin(audit.actor),
          note: audit.note,
        });
      }),
    );
  }

  /** The audit chain head is cached; a rolled-back transaction must not leave it ahead of the file. */
  private withAudit(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.o.store.audit.resetHead();
      throw err;
    }
  }

  private track(i: Incident): void {
    if (i.status === 'closed') {
      this.open.delete(i.id);
      if (this.openBySite.get(i.siteId) === i.id) this.openBySite.delete(i.siteId);
    } else {
      this.open.set(i.id, i);
      this.openBySite.set(i.siteId, i.id);
    }
  }

  private noteFalse(siteId: string, id: string, closedMs: number): void {
    const prev = this.lastFalse.get(siteId);
    if (!prev || prev.closedMs < closedMs) this.lastFalse.set(siteId, { id, closedMs });
  }

  private repeatWindow(): number {
    return this.o.repeatWindowMs ?? 30 * 60_000;
  }

  private context(siteId: string, atMs: number) {
    return {
      armed: this.armed.get(siteId) ?? null,
      night: this.o.night ? isNightOrHoliday(atMs, this.o.night) : false,
    };
  }

  private escalateAtFor(priority: Priority, fromMs: number): string | null {
    const t = this.o.ackTimeoutMs?.[priority];
    return t ? new Date(fromMs + t).toISOString() : null;
  }

  private newIncident(e: AlarmEvent): Incident {
    const atMs = Date.parse(e.receivedAt);
    const verdict = assessPriority([e.kind], e.zone === null ? 0 : 1, this.context(e.siteId, atMs));
    const timeline: TimelineEntry[] = [eventEntry(e)];
    const lastFalse = this.lastFalse.get(e.siteId);
    const repeatOf = lastFalse && atMs - lastFalse.closedMs <= this.repeatWindow() ? lastFalse.id : null;
    if (repeatOf) {
      const minutes = Math.max(1, Math.round((atMs - lastFalse!.closedMs) / 60_000));
      timeline.push({ at: e.receivedAt, type: 'note', by: 'hub', text: `重复报警：本址${minutes}分钟前以误报结警 repeat: closed as false ${minutes} min ago (${repeatOf})` });
    }
    return {
      // The incident is named after the event that opened it, so a rebuild after a crash gives
      // the same id a console may already show.
      id: e.id,
      version: 1,
      siteId: e.siteId,
      siteName: this.o.directory.siteName(e.siteId) ?? e.siteId,
      kind: e.kind,
      category: e.category,
      priority: verdict.priority,
      priorityReason: verdict.reason,
      priorityReasonZh: verdict.reasonZh,
      status: 'new',
      disposition: null,
      owner: null,
      location: e.location,
      gridCellId: e.gridCellId,
      gridCellName: e.gridCellId ? this.o.directory.cellName(e.gridCellId) : null,
      stationId: e.stationId,
      responsibleStationId: e.stationId,
      escalationLevel: 0,
      escalateAt: this.escalateAtFor(verdict.priority, atMs),
      repeatOf,
      zones: e.zone === null ? [] : [e.zone],
      eventCount: 1,
      openedAt: e.receivedAt,
      updatedAt: e.receivedAt,
      lastEventAt: e.receivedAt,
      closedAt: null,
      timeline,
      timelineOmitted: 0,
      media: [],
    };
  }

  private addEvent(i: Incident, e: AlarmEvent): Incident {
    const atMs = Date.parse(e.receivedAt);
    const zones = e.zone !== null && e.kind !== 'restore' && !i.zones.includes(e.zone) ? [...i.zones, e.zone] : i.zones;
    const kinds = [...new Set<EventKind>([i.kind, ...i.timeline.filter((t) => t.type === 'event' && t.kind).map((t) => t.kind!), e.kind])];
    const verdict = assessPriority(kinds, zones.length, this.context(i.siteId, atMs));
    const timeline = [...i.timeline, eventEntry(e)];
    if (verdict.priority < i.priority) {
      timeline.push({ at: e.receivedAt, type: 'priority', text: `P${i.priority} → P${verdict.priority}: ${verdict.reason}` });
    }
    // The incident is about its most urgent kind by nature: a fire during a burglary is a 119
    // matter even when the burglary was already P1 by confirmation.
    let { kind, category } = i;
    const newBase = KIND_INFO[e.kind].basePriority;
    const currentBase = KIND_INFO[i.kind].basePriority ?? 9;
    if (newBase !== null && newBase < currentBase) {
      kind = e.kind;
      category = e.category;
    }
    // Priority only rises while an incident is open; a restore never lowers or closes it.
    const raised = verdict.priority < i.priority;
    const reasonChanged = raised || kind !== i.kind;
    const priority = raised ? verdict.priority : i.priority;
    // A raised priority shortens the time to escalation (counted from now), never lengthens it.
    let escalateAt = i.escalateAt;
    if (raised && i.status === 'new') {
      const sooner = this.escalateAtFor(priority, atMs);
      if (sooner && (!escalateAt || sooner < escalateAt)) escalateAt = sooner;
    }
    return {
      ...i,
      kind,
      category,
      priority,
      priorityReason: reasonChanged ? verdict.reason : i.priorityReason,
      priorityReasonZh: reasonChanged ? verdict.reasonZh : i.priorityReasonZh,
      escalateAt,
      zones,
      eventCount: i.eventCount + 1,
      version: i.version + 1,
      updatedAt: e.receivedAt,
      lastEventAt: e.kind === 'restore' ? i.lastEventAt : e.receivedAt,
      ...capTimeline({ timeline, timelineOmitted: i.timelineOmitted }),
    };
  }
}

/** Incidents written by an older version lack newer fields; fill them so consumers need not guess. */
function normalise(i: Incident): Incident {
  return {
    ...i,
    responsibleStationId: i.responsibleStationId ?? i.stationId ?? null,
    escalationLevel: i.escalationLevel ?? 0,
    escalateAt: i.escalateAt ?? null,
    repeatOf: i.repeatOf ?? null,
    timelineOmitted: i.timelineOmitted ?? 0,
    media: i.media ?? [],
  };
}

/**
 * An incident is published whole on every change, so its timeline must stay small: in an event
 * storm one site can send thousands of events, and every console receives every update. Device
 * events in the middle are left out (they stay in the events table, `timelineOmitted` counts them);
 * the first ones (how it began), the latest, and every human action, priority change and
 * escalation are always kept.
 */
const TIMELINE_HEAD = 5;
const TIMELINE_MAX = 25;
function capTimeline(i: Pick<Incident, 'timeline' | 'timelineOmitted'>): Pick<Incident, 'timeline' | 'timelineOmitted'> {
  if (i.timeline.length <= TIMELINE_MAX) return i;
  // Drop the oldest device event after the head.
  const index = i.timeline.findIndex((t, n) => n >= TIMELINE_HEAD && t.type === 'event');
  if (index < 0 || index >= i.timeline.length - 1) return i;
  return { timeline: [...i.timeline.slice(0, index), ...i.timeline.slice(index + 1)], timelineOmitted: i.timelineOmitted + 1 };
}

function eventEntry(e: AlarmEvent): TimelineEntry {
  return { at: e.receivedAt, type: 'event', eventId: e.id, kind: e.kind, zone: e.zone, zoneName: e.zoneName, detail: e.detail };
}
