/**
 * Pushes from the hub's bus to the consoles: incidents (coalesced, coalesce.ts), the event log and
 * device status, each to the rooms of its audience (scope.ts), encoded once per push, not once per
 * socket, which keeps the fan-out figures of bench/queue.ts.
 */
import type { AlarmEvent } from '../../contract/alarm-event.js';
import type { Drill } from '../../contract/drill.js';
import type { EventBrief, ServerToClientEvents } from '../../contract/socket.js';
import type { EventBus } from '../../core/event-bus.js';
import type { HubEvents } from '../../core/hub-events.js';
import type { Scoped } from '../../auth/scope.js';
import type { ApiContext } from '../context.js';
import { crossesReplicas } from './cluster-adapter.js';
import { PushCoalescer } from './coalesce.js';
import { IncidentPushes, wholeReaders } from './push-delta.js';
import { eventBrief } from './snapshot.js';
import type { LiveNs } from './types.js';

type Pushed =
  | 'incident:new'
  | 'incident:update'
  | 'event:stored'
  | 'device:status'
  | 'camera:status'
  | 'directory:changed'
  | 'commissioning:status'
  | 'drill:started'
  | 'drill:ended';
type Audience = (item: Scoped) => string[];

/** Subscribes the pushes; returns what unsubscribes them. */
export function startFanOut(namespaces: readonly LiveNs[], ctx: ApiContext, bus: EventBus<HubEvents>, coalesceMs?: number): () => void {
  const audienceOf = audienceCache(ctx);
  const emitTo = emitter(namespaces);
  const emitHere = emitter(namespaces, true);
  // Commissioning names devices and zones: the dispatch consoles' status board, not the guards' page.
  const emitToConsoles = emitter(namespaces.filter((ns) => ns.name === '/console'));
  // New incidents and anything an operator acts on go out at once; routine updates (device events
  // joining an open incident) are coalesced per incident within UPDATE_COALESCE_MS (coalesce.ts).
  // The audience is taken when the push leaves, from the version that leaves.
  // Updates travel as deltas where every console in the rooms holds their base (push-delta.ts).
  const legacy = wholeReaders(namespaces);
  const bodies = new IncidentPushes(() => ctx.role?.replicated === true || legacy.count() > 0);
  const pushes = new PushCoalescer(
    (event, i) => (event === 'incident:new' ? emitTo(audienceOf(i), event, bodies.opened(i)) : emitTo(audienceOf(i), event, bodies.update(i))),
    coalesceMs,
  );
  const off = [
    bus.on('incident:new', (i) => pushes.push('incident:new', i)),
    bus.on('incident:update', (i) => pushes.push('incident:update', i)),
    // The event log: one hub pushes its bus's batches (announced in commit order); replicas push what
    // their tail reads from the store, to their own consoles only (event-tail.ts says why).
    ctx.eventTail
      ? ctx.eventTail.onEvents((events) => {
          for (const [room, list] of eventsByRoom(events, audienceOf)) emitHere(room, 'event:stored', { events: list, replay: false });
        })
      : bus.on('event:stored', (events) => {
          for (const [room, list] of eventsByRoom(events, audienceOf)) emitTo(room, 'event:stored', { events: list, replay: false });
        }),
    bus.on('device:status', (s) => emitTo(audienceOf({ siteId: s.siteId }), 'device:status', s)),
    bus.on('camera:status', (s) => emitTo(audienceOf({ siteId: s.siteId }), 'camera:status', s)),
    bus.on('commissioning:status', (s) => emitToConsoles(audienceOf({ siteId: s.siteId }), 'commissioning:status', s)),
    // Everyone re-reads their own scope over REST; the notice itself carries nothing scoped.
    bus.on('drill:started', (d) => emitTo(drillAudience(d, audienceOf), 'drill:started', d)),
    bus.on('drill:ended', (d) => emitTo(drillAudience(d, audienceOf), 'drill:ended', d)),
    bus.on('directory:changed', (d) => {
      for (const ns of namespaces) ns.emit('directory:changed', d);
    }),
  ];
  return () => {
    off.forEach((f) => f());
    pushes.stop();
    legacy.stop();
  };
}

/** The rooms that see any site of a drill (or its station): they get its start and end. */
function drillAudience(d: Drill, audienceOf: Audience): string[] {
  if (d.stationId !== null) return audienceOf({ siteId: '', stationId: d.stationId });
  const rooms = new Set<string>();
  for (const siteId of d.siteIds) for (const room of audienceOf({ siteId })) rooms.add(room);
  return [...rooms];
}

/**
 * Each socket sits in exactly one scope room, so one emit per room keeps every socket's log in seq
 * order (several emits to overlapping audiences could interleave out of order).
 */
function eventsByRoom(events: readonly AlarmEvent[], audienceOf: Audience): Map<string, EventBrief[]> {
  const byRoom = new Map<string, EventBrief[]>();
  for (const e of events) {
    if (e.seq === undefined) continue;
    const brief = eventBrief(e as AlarmEvent & { seq: number });
    for (const room of audienceOf({ siteId: e.siteId, stationId: e.stationId })) {
      let list = byRoom.get(room);
      if (!list) {
        list = [];
        byRoom.set(room, list);
      }
      list.push(brief);
    }
  }
  return byRoom;
}

/**
 * The rooms of an item's audience, remembered per site and the stations it was routed to for as
 * long as the config is the same object (a reload replaces it): every push asks. The key holds every
 * field audience() reads (scope.ts): an incident sent to a 119 point or escalated has other rooms
 * than one of the same site and station that was not.
 */
function audienceCache(ctx: ApiContext): Audience {
  let cache: { config: unknown; rooms: Map<string, string[]> } | null = null;
  const part = (id: string | null | undefined): string => (id === undefined ? '\u0002' : (id ?? '\u0001'));
  return (item) => {
    const config = ctx.config();
    if (cache?.config !== config) cache = { config, rooms: new Map() };
    const key = `${item.siteId}\u0000${part(item.stationId)}\u0000${part(item.responsibleStationId)}\u0000${part(item.communityPostId)}`;
    let rooms = cache.rooms.get(key);
    if (!rooms) {
      rooms = ctx.auth.audience(item);
      cache.rooms.set(key, rooms);
    }
    return rooms;
  };
}

/**
 * Emits to the rooms of each namespace that has a socket in one of them (`localOnly`: this
 * replica's sockets, not through the Redis adapter). Socket.IO encodes a
 * broadcast before it looks for recipients, so an emit to a namespace nobody is connected to
 * (the guards' /guard in a dispatch centre, /console at a guard post) is a whole JSON encoding of
 * the incident for nothing: measured at about 7 % of the hub's CPU with alarms only.
 */
function emitter(namespaces: readonly LiveNs[], localOnly = false) {
  return <E extends Pushed>(rooms: string | string[], event: E, ...body: Parameters<ServerToClientEvents[E]>): void => {
    const list = typeof rooms === 'string' ? [rooms] : rooms;
    for (const ns of namespaces) {
      const present = ns.adapter.rooms;
      // Across replicas (cluster-adapter.ts) the room may have its sockets on another replica.
      const remote = !localOnly && crossesReplicas(ns);
      if (!remote && !list.some((r) => (present.get(r)?.size ?? 0) > 0)) continue;
      (localOnly ? ns.local : ns).to(list).emit(event, ...body);
    }
  };
}
