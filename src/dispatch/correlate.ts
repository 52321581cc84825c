/**
 * Correlation as a pure function: which incident a stored event belongs to, and what that
 * incident looks like after it. No I/O and no clock: time is the event's `receivedAt`, and what
 * the service knows about the site (armed, night, the last false alarm) comes in as values.
 */
import { KIND_INFO, type AlarmEvent, type EventKind, type Priority } from '../contract/alarm-event.js';
import { workflowDefaults, type Incident, type TimelineEntry } from '../contract/incident.js';
import { message, type MessageParams } from '../contract/messages.js';
import { assessPriority, type PriorityContext, type ZoneTrip } from './priority.js';
import { copyIncident } from './incident-copy.js';
import { routeIncident, type RoutingDirectory } from './routing.js';

/** Marks an event as correlated without an incident (arm, disarm, test, lone restore). */
export const NO_INCIDENT = '-';

/** Default of `repeatWindowMs`: a new incident at a site closed as false within 30 min is a repeat. */
export const DEFAULT_REPEAT_WINDOW_MS = 30 * 60_000;

/** The last incident of a site closed as a false alarm (repeat detection). */
export interface FalseClose {
  id: string;
  closedMs: number;
}

/** Names the incident shows; looked up only when an incident is opened. */
export interface Naming {
  siteName(siteId: string): string | null;
  cellName(cellId: string): string | null;
}

/** What the service knows about the event's site and its rules, as values. */
export interface CorrelationContext extends PriorityContext {
  /** The site's last false close, when there was one. */
  lastFalse?: FalseClose | undefined;
  /** The site's last incident of the event's category (closed), which a new one links to (`previousId`). */
  previousId?: string | null | undefined;
  /** Deprecated and ignored (issue 12): an incident stays open for its site and category until it is closed. */
  correlationWindowMs?: number | undefined;
  repeatWindowMs: number;
  /** Per priority: escalate when not acknowledged within this. Absent: never escalate. */
  ackTimeoutMs?: Partial<Record<Priority, number>> | undefined;
  naming: Naming;
  /** Receiving points and community posts; absent: every incident stays with its cell's station. */
  routing?: RoutingDirectory | undefined;
}

export type Correlation = { outcome: 'join'; incident: Incident } | { outcome: 'open'; incident: Incident } | { outcome: 'none' };

/**
 * One open incident per site and category (police, fire, medical, traffic, technical) for as long
 * as it is open: no time window ends it. An alarm joins the site's open incident of its category,
 * else opens one (a fire at a site with an open medical incident is its own fire incident). A
 * restore annotates the open incident of its zone, else the police one, and never closes it; arm,
 * disarm and video motion annotate the open police incident; a test, or anything with nothing open
 * to annotate, opens none.
 */
export function correlate(openAtSite: readonly Incident[], e: AlarmEvent, ctx: CorrelationContext): Correlation {
  // A drill event never joins a real incident and a real event never joins a drill one: the drill
  // flag is part of the correlation key (site, category, drill), so a real burglary during a drill
  // at the same site opens its own real incident instead of hiding inside the exercise.
  const target = targetOf(sameDrill(openAtSite, e.drill), e);
  if (target) return { outcome: 'join', incident: addEvent(target, e, ctx) };
  if (KIND_INFO[e.kind].basePriority !== null) return { outcome: 'open', incident: newIncident(e, ctx) };
  return { outcome: 'none' };
}

/**
 * Whether the event goes to an open incident (correlate's 'join'), asked without building the
 * joined copy: dispatch's read-ahead only wants the events that may open one.
 */
export function joinsOpen(openAtSite: readonly Incident[], e: AlarmEvent): boolean {
  return targetOf(sameDrill(openAtSite, e.drill), e) !== undefined;
}

/** The incidents of the same kind of reality as the event: drills with drills, real with real. */
export function sameDrill(openAtSite: readonly Incident[], drill: boolean): readonly Incident[] {
  return openAtSite.some((i) => i.drill !== drill) ? openAtSite.filter((i) => i.drill === drill) : openAtSite;
}

/** The open incident at the site that an event belongs to, if any. */
export function targetOf(openAtSite: readonly Incident[], e: AlarmEvent): Incident | undefined {
  const police = openAtSite.find((i) => i.category === 'police');
  if (KIND_INFO[e.kind].basePriority !== null) return openAtSite.find((i) => i.category === e.category);
  if (e.kind === 'restore') {
    // A zone's restore belongs with the incident of that zone; a device-level one (mains back, back
    // online, communication restored) with the technical trouble it ends.
    if (e.zone !== null) return openAtSite.find((i) => i.zones.includes(e.zone!)) ?? police;
    return openAtSite.find((i) => i.category === 'technical') ?? police;
  }
  if (e.kind === 'test') return undefined;
  return police;
}

/** When an incident of this priority escalates if nobody acknowledges it, counted from `fromMs`. */
export function escalateAtFor(priority: Priority, fromMs: number, ackTimeoutMs: CorrelationContext['ackTimeoutMs']): string | null {
  const t = ackTimeoutMs?.[priority];
  return t ? new Date(fromMs + t).toISOString() : null;
}

/** The incident an event opens, named after the event. */
export function newIncident(e: AlarmEvent, ctx: CorrelationContext): Incident {
  const atMs = Date.parse(e.receivedAt);
  const verdict = assessPriority([e.kind], e.zone === null ? [] : [{ zone: e.zone, kind: e.kind, zoneType: e.zoneType ?? null }], ctx);
  const timeline: TimelineEntry[] = [eventEntry(e)];
  const route = routeIncident(
    { category: e.category, cellStationId: e.stationId, gridCellId: e.gridCellId, location: e.location, at: e.receivedAt },
    ctx.routing,
  );
  timeline.push(route.entry);
  const lastFalse = ctx.lastFalse;
  const repeatOf = lastFalse && atMs - lastFalse.closedMs <= ctx.repeatWindowMs ? lastFalse.id : null;
  if (lastFalse && repeatOf) {
    const minutes = Math.max(1, Math.round((atMs - lastFalse.closedMs) / 60_000));
    timeline.push({
      at: e.receivedAt,
      type: 'note',
      by: 'hub',
      text: `重复报警：本址${minutes}分钟前以误报结警 repeat: closed as false ${minutes} min ago (${repeatOf})`,
      ...message('repeat.false_close', { minutes, of: repeatOf }),
    });
  }
  return {
    // The incident is named after the event that opened it, so a rebuild after a crash gives
    // the same id a console may already show.
    id: e.id,
    version: 1,
    siteId: e.siteId,
    siteName: ctx.naming.siteName(e.siteId) ?? e.siteId,
    kind: e.kind,
    category: e.category,
    priority: verdict.priority,
    priorityReason: verdict.reason,
    priorityReasonZh: verdict.reasonZh,
    priorityReasonCode: verdict.code,
    priorityReasonParams: verdict.params,
    status: 'new',
    disposition: null,
    owner: null,
    location: e.location,
    gridCellId: e.gridCellId,
    gridCellName: e.gridCellId ? ctx.naming.cellName(e.gridCellId) : null,
    stationId: e.stationId,
    responsibleStationId: route.stationId,
    escalationLevel: 0,
    escalateAt: escalateAtFor(verdict.priority, atMs, ctx.ackTimeoutMs),
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
    ...workflowDefaults(),
    previousId: ctx.previousId ?? null,
    communityPostId: route.communityPostId,
    drill: e.drill,
  };
}

/** The incident after an event joined it: one version later, priority only ever raised. */
export function addEvent(i: Incident, e: AlarmEvent, ctx: CorrelationContext): Incident {
  const entry = eventEntry(e);
  const zones = e.zone !== null && e.kind !== 'restore' && !i.zones.includes(e.zone) ? [...i.zones, e.zone] : i.zones;
  // The incident is about its most urgent kind (a panic during a burglary is a 紧急求助); the
  // category never changes: another category is another incident (correlate).
  let { kind } = i;
  const newBase = KIND_INFO[e.kind].basePriority;
  const currentBase = KIND_INFO[i.kind].basePriority ?? 9;
  if (newBase !== null && newBase < currentBase && e.category === i.category) kind = e.kind;
  // Nothing outranks P1: an incident already there, about the same kind, needs no new verdict. In a
  // storm that is nearly every event, and the verdict walks the whole timeline.
  const verdict = i.priority === 1 && kind === i.kind ? null : assessPriority(...kindsAndTrips(i, entry), ctx);
  // Priority only rises while an incident is open; a restore never lowers or closes it.
  const raised = verdict !== null && verdict.priority < i.priority;
  const reasonChanged = verdict !== null && (raised || kind !== i.kind);
  const timeline = i.timeline.slice();
  timeline.push(entry);
  if (raised) {
    timeline.push({
      at: e.receivedAt,
      type: 'priority',
      text: `P${i.priority} → P${verdict.priority}: ${verdict.reason}`,
      ...message('priority.raised', {
        ...({ kind: null, zones: null, ...verdict.params } as Omit<MessageParams['priority.raised'], 'from' | 'to' | 'reason'>),
        from: i.priority,
        to: verdict.priority,
        reason: verdict.code,
      }),
    });
  }
  const priority = raised ? verdict.priority : i.priority;
  // A raised priority shortens the time to escalation (counted from now), never lengthens it.
  let escalateAt = i.escalateAt;
  if (raised && i.status === 'new') {
    const sooner = escalateAtFor(priority, Date.parse(e.receivedAt), ctx.ackTimeoutMs);
    if (sooner && (!escalateAt || sooner < escalateAt)) escalateAt = sooner;
  }
  // A whole copy per event (consoles and the writer hold the previous version), but of one shape
  // (incident-copy.ts) and then stores into it: spreads built each copy key by key and were most
  // of this function's cost in an alarm storm.
  const next = copyIncident(i);
  next.kind = kind;
  next.priority = priority;
  if (reasonChanged) {
    next.priorityReason = verdict.reason;
    next.priorityReasonZh = verdict.reasonZh;
    next.priorityReasonCode = verdict.code;
    next.priorityReasonParams = verdict.params;
  }
  next.escalateAt = escalateAt;
  next.zones = zones;
  next.eventCount = i.eventCount + 1;
  next.version = i.version + 1;
  next.updatedAt = e.receivedAt;
  if (e.kind !== 'restore') next.lastEventAt = e.receivedAt;
  next.timeline = timeline;
  if (capOwnTimeline(timeline)) next.timelineOmitted = i.timelineOmitted + 1;
  return next;
}

/**
 * The kinds an incident has seen (its own, its timeline's, the new entry's) and the zone trips that
 * count toward confirmation (only intrusion zones, issue 12), in one pass over the timeline.
 */
function kindsAndTrips(i: Incident, entry: TimelineEntry): [EventKind[], ZoneTrip[]] {
  const kinds = new Set<EventKind>([i.kind]);
  const trips: ZoneTrip[] = [];
  const add = (t: TimelineEntry): void => {
    if (t.type !== 'event' || !t.kind) return;
    kinds.add(t.kind);
    if (t.kind !== 'restore' && t.zone !== null && t.zone !== undefined) trips.push({ zone: t.zone, kind: t.kind, zoneType: t.zoneType ?? null });
  };
  for (const t of i.timeline) add(t);
  add(entry);
  return [[...kinds], trips];
}

/** capTimeline on a timeline this module just built, in place. True when it dropped an entry. */
function capOwnTimeline(timeline: TimelineEntry[]): boolean {
  if (timeline.length <= TIMELINE_MAX) return false;
  let index = -1;
  for (let n = TIMELINE_HEAD; n < timeline.length; n++) {
    if (timeline[n]!.type === 'event') {
      index = n;
      break;
    }
  }
  if (index < 0 || index >= timeline.length - 1) return false;
  timeline.splice(index, 1);
  return true;
}

/**
 * An incident is published whole on every change, so its timeline must stay small: in an event
 * storm one site can send thousands of events, and every console receives every update. Device
 * events in the middle are left out (they stay in the events table, `timelineOmitted` counts them);
 * the first ones (how it began), the latest, and every human action, priority change and
 * escalation are always kept.
 */
export const TIMELINE_HEAD = 5;
export const TIMELINE_MAX = 25;
export function capTimeline(i: Pick<Incident, 'timeline' | 'timelineOmitted'>): Pick<Incident, 'timeline' | 'timelineOmitted'> {
  if (i.timeline.length <= TIMELINE_MAX) return i;
  // Drop the oldest device event after the head.
  const index = i.timeline.findIndex((t, n) => n >= TIMELINE_HEAD && t.type === 'event');
  if (index < 0 || index >= i.timeline.length - 1) return i;
  return { timeline: [...i.timeline.slice(0, index), ...i.timeline.slice(index + 1)], timelineOmitted: i.timelineOmitted + 1 };
}

export function eventEntry(e: AlarmEvent): TimelineEntry {
  return {
    at: e.receivedAt,
    type: 'event',
    eventId: e.id,
    kind: e.kind,
    zone: e.zone,
    zoneName: e.zoneName,
    ...(e.zoneType ? { zoneType: e.zoneType } : {}),
    detail: e.detail,
    ...(e.detailCode ? { code: e.detailCode, params: e.detailParams ?? {} } : {}),
  };
}

/** Incidents written by an older version lack newer fields; fill them so consumers need not guess. */
export function normalise(i: Incident): Incident {
  return {
    ...workflowDefaults(),
    ...i,
    times: { ...workflowDefaults().times, ...i.times },
    responsibleStationId: i.responsibleStationId ?? i.stationId ?? null,
    escalationLevel: i.escalationLevel ?? 0,
    escalateAt: i.escalateAt ?? null,
    repeatOf: i.repeatOf ?? null,
    timelineOmitted: i.timelineOmitted ?? 0,
    media: i.media ?? [],
    drill: i.drill ?? false,
  };
}
