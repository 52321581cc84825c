import { KIND_INFO, type AlarmEvent, type EventKind } from '../contract/alarm-event.js';
import type { CommandReply } from '../contract/socket.js';
import { DISPOSITIONS, type Disposition, type Incident, type IncidentMedia, type IncidentStatus } from '../contract/incident.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { HubEvents } from '../core/hub-events.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { Store } from '../store/index.js';
import { assessPriority } from './priority.js';

/** What dispatch needs to know about sites and cells; supplied by the app from the live config. */
export interface Directory {
  siteName(siteId: string): string | null;
  cellName(cellId: string): string | null;
}

export interface IncidentServiceOptions {
  store: Store;
  bus: EventBus<HubEvents>;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  directory: Directory;
  correlationWindowMs: number;
}

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

/** The most urgent first; within a priority the oldest first. */
export function compareIncidents(a: Incident, b: Incident): number {
  return a.priority - b.priority || a.openedAt.localeCompare(b.openedAt) || a.id.localeCompare(b.id);
}

/**
 * Correlates stored events into incidents and runs their workflow. Holds the open incidents in
 * memory (the queue) and writes every change to SQLite before publishing it.
 */
export class IncidentService {
  private readonly open = new Map<string, Incident>();
  private readonly openBySite = new Map<string, string>();
  private readonly countOpened;

  constructor(private readonly o: IncidentServiceOptions) {
    this.countOpened = o.metrics.counter('sg_incidents_opened_total', 'Incidents opened, by category');
    o.metrics.gauge('sg_incidents_open', 'Open incidents', () => this.open.size);
    for (const i of o.store.incidents.open()) this.track(i);
  }

  /** Correlate events that were stored but not yet processed (a crash between the two commits). */
  recover(): number {
    let total = 0;
    for (;;) {
      const batch = this.o.store.events.unprocessed(1000);
      if (batch.length === 0) break;
      this.handleStored(batch);
      total += batch.length;
    }
    if (total > 0) this.o.log.info({ events: total }, 'correlated events left from before a restart');
    return total;
  }

  /** Subscribe to committed events. Returns the disposer. */
  attach(): () => void {
    return this.o.bus.on('event:stored', (events) => this.handleStored(events));
  }

  snapshot(filter?: (i: Incident) => boolean): Incident[] {
    const list = [...this.open.values()];
    return (filter ? list.filter(filter) : list).sort(compareIncidents);
  }

  get(id: string): Incident | undefined {
    return this.open.get(id) ?? this.o.store.incidents.get(id);
  }

  handleStored(events: readonly AlarmEvent[]): void {
    // Incident id → whether it was opened by this batch; published once each, whole, after commit.
    const touched = new Map<string, 'new' | 'update'>();
    const marks: Array<[string, string]> = [];
    for (const e of events) {
      const now = Date.parse(e.receivedAt);
      const existingId = this.openBySite.get(e.siteId);
      const existing = existingId ? this.open.get(existingId) : undefined;
      const joins = existing && now - Date.parse(existing.lastEventAt) <= this.o.correlationWindowMs;
      if (existing && (joins || e.kind === 'restore')) {
        // A restore always annotates the open incident of its site, however late; it never closes it.
        const next = this.addEvent(existing, e);
        this.track(next);
        if (!touched.has(next.id)) touched.set(next.id, 'update');
        marks.push([e.id, next.id]);
      } else if (KIND_INFO[e.kind].basePriority !== null) {
        const incident = this.newIncident(e);
        this.track(incident);
        touched.set(incident.id, 'new');
        marks.push([e.id, incident.id]);
      } else {
        marks.push([e.id, NO_INCIDENT]);
      }
    }
    const changed = [...touched].map(([id, how]) => ({ incident: this.open.get(id)!, how }));
    // Incidents are derived from durable events: if this commit is lost, the events are still
    // unprocessed and recover() rebuilds the same incidents (same ids) on start.
    this.o.store.derivedTransaction(() => {
      for (const { incident } of changed) this.o.store.incidents.save(incident);
      for (const [eventId, incidentId] of marks) this.o.store.events.markProcessed(eventId, incidentId);
    });
    for (const { incident, how } of changed) {
      if (how === 'new') {
        this.countOpened({ category: incident.category });
        this.o.bus.emit('incident:new', incident);
      } else {
        this.o.bus.emit('incident:update', incident);
      }
    }
  }

  // --- Workflow commands (issue 4 deepens: ownership races, hand-over, escalation, audit chain) ---

  acknowledge(id: string, by: string): CommandReply {
    return this.transition(id, 'acknowledged', by, (i) => {
      if (i.owner && i.owner !== by) return `已由 ${i.owner} 签收 (owned by ${i.owner})`;
      return null;
    }, (i) => ({ ...i, owner: by }));
  }

  dispatchUnit(id: string, by: string, unit?: string, note?: string): CommandReply {
    return this.transition(id, 'dispatched', by, (i) => this.ownerCheck(i, by), (i) => i, [unit ? `unit ${unit}` : '', note ?? ''].filter(Boolean).join('; '));
  }

  onScene(id: string, by: string, note?: string): CommandReply {
    return this.transition(id, 'on_scene', by, (i) => this.ownerCheck(i, by), (i) => i, note);
  }

  close(id: string, by: string, disposition: string, note?: string): CommandReply {
    if (!(DISPOSITIONS as readonly string[]).includes(disposition)) {
      return { ok: false, code: 'bad_disposition', error: `disposition must be one of ${DISPOSITIONS.join(', ')}` };
    }
    return this.transition(id, 'closed', by, (i) => (i.status === 'new' ? null : this.ownerCheck(i, by)), (i) => ({
      ...i,
      disposition: disposition as Disposition,
      closedAt: new Date(this.o.clock.now()).toISOString(),
    }), note);
  }

  note(id: string, by: string, text: string): CommandReply {
    const i = this.open.get(id);
    if (!i) return { ok: false, code: 'not_found', error: `no open incident ${id}` };
    const clean = String(text ?? '').slice(0, 1000).trim();
    if (!clean) return { ok: false, code: 'empty_note', error: 'note is empty' };
    const at = new Date(this.o.clock.now()).toISOString();
    return this.commit({ ...i, timeline: [...i.timeline, { at, type: 'note', by, text: clean }] });
  }

  /**
   * Attach a snapshot or clip (or a camera's failure note) to an incident, open or closed: video
   * evidence may arrive after the operator closed it.
   */
  addMedia(id: string, media: IncidentMedia): CommandReply {
    const i = this.get(id);
    if (!i) return { ok: false, code: 'not_found', error: `no incident ${id}` };
    const timeline = media.error
      ? [...i.timeline, { at: media.at, type: 'note' as const, by: 'hub', text: `camera ${media.cameraId}: ${media.error}` }]
      : i.timeline;
    return this.commit({ ...i, media: [...(i.media ?? []), media].slice(-50), timeline });
  }

  private ownerCheck(i: Incident, by: string): string | null {
    if (i.owner && i.owner !== by) return `已由 ${i.owner} 签收 (owned by ${i.owner})`;
    return null;
  }

  private transition(
    id: string,
    to: IncidentStatus,
    by: string,
    guard: (i: Incident) => string | null,
    apply: (i: Incident) => Incident,
    note?: string,
  ): CommandReply {
    const i = this.open.get(id);
    if (!i) return { ok: false, code: 'not_found', error: `no open incident ${id}` };
    if (!NEXT[i.status].includes(to)) {
      return { ok: false, code: 'illegal_transition', error: `cannot go from ${i.status} to ${to}` };
    }
    const refusal = guard(i);
    if (refusal) return { ok: false, code: 'owned', error: refusal };
    const at = new Date(this.o.clock.now()).toISOString();
    const next = apply({
      ...i,
      status: to,
      timeline: [...i.timeline, { at, type: 'status', by, text: note ? `${i.status} → ${to}: ${note.slice(0, 1000)}` : `${i.status} → ${to}` }],
    });
    return this.commit(next);
  }

  private commit(next: Incident): CommandReply {
    const saved: Incident = { ...next, version: next.version + 1, updatedAt: new Date(this.o.clock.now()).toISOString() };
    this.o.store.incidents.save(saved);
    this.track(saved);
    this.o.bus.emit('incident:update', saved);
    return { ok: true, incident: saved };
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

  private newIncident(e: AlarmEvent): Incident {
    const verdict = assessPriority([e.kind], e.zone === null ? 0 : 1);
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
      zones: e.zone === null ? [] : [e.zone],
      eventCount: 1,
      openedAt: e.receivedAt,
      updatedAt: e.receivedAt,
      lastEventAt: e.receivedAt,
      closedAt: null,
      timeline: [eventEntry(e)],
      timelineOmitted: 0,
      media: [],
    };
  }

  private addEvent(i: Incident, e: AlarmEvent): Incident {
    const zones = e.zone !== null && e.kind !== 'restore' && !i.zones.includes(e.zone) ? [...i.zones, e.zone] : i.zones;
    const kinds = [...new Set<EventKind>([...i.timeline.filter((t) => t.type === 'event' && t.kind).map((t) => t.kind!), e.kind])];
    const verdict = assessPriority(kinds, zones.length);
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
    return {
      ...i,
      kind,
      category,
      priority: raised ? verdict.priority : i.priority,
      priorityReason: reasonChanged ? verdict.reason : i.priorityReason,
      priorityReasonZh: reasonChanged ? verdict.reasonZh : i.priorityReasonZh,
      zones,
      eventCount: i.eventCount + 1,
      version: i.version + 1,
      updatedAt: e.receivedAt,
      lastEventAt: e.kind === 'restore' ? i.lastEventAt : e.receivedAt,
      ...capTimeline({ timeline, timelineOmitted: i.timelineOmitted }),
    };
  }
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

function eventEntry(e: AlarmEvent): Incident['timeline'][number] {
  return { at: e.receivedAt, type: 'event', eventId: e.id, kind: e.kind, zone: e.zone, zoneName: e.zoneName, detail: e.detail };
}
