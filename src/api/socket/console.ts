import type { Namespace, Server, Socket } from 'socket.io';
import {
  COMMAND_EVENTS,
  type ClientToServerEvents,
  type CommandEvent,
  type CommandReply,
  type EventBrief,
  type ServerToClientEvents,
} from '../../contract/socket.js';
import type { AlarmEvent } from '../../contract/alarm-event.js';
import type { Incident } from '../../contract/incident.js';
import type { ApiContext } from '../context.js';
import type { EventBus } from '../../core/event-bus.js';
import type { HubEvents } from '../../core/hub-events.js';
import type { Authenticated } from '../../auth/service.js';
import { can, GUARD_DISPOSITIONS, type Capability } from '../../auth/roles.js';
import { parseCookies, sameOrigin, SESSION_COOKIE } from '../http/access.js';
import { PushCoalescer } from './coalesce.js';
import { batchSocketWrites } from './write-batching.js';

type LiveNs = Namespace<ClientToServerEvents, ServerToClientEvents>;
type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/**
 * Every console receives every update of its incidents, so what goes over the socket is the queue
 * row plus the latest timeline entries; the full timeline is one REST call away
 * (`GET /api/incidents/:id`) when an operator opens the incident. Measured: with 20 consoles, the
 * full 25-entry timeline on every update capped the hub near 1,800 events/s (bench/run.ts).
 */
export const PUSHED_TIMELINE_ENTRIES = 5;

export function forPush(i: Incident): Incident {
  if (i.timeline.length <= PUSHED_TIMELINE_ENTRIES) return i;
  return {
    ...i,
    timeline: i.timeline.slice(-PUSHED_TIMELINE_ENTRIES),
    timelineOmitted: i.timelineOmitted + i.timeline.length - PUSHED_TIMELINE_ENTRIES,
  };
}

/** The event log as pushed: no raw payload, no dedupe key. */
export function eventBrief(e: AlarmEvent & { seq: number }): EventBrief {
  return {
    seq: e.seq,
    id: e.id,
    siteId: e.siteId,
    deviceId: e.deviceId,
    kind: e.kind,
    category: e.category,
    zone: e.zone,
    zoneName: e.zoneName,
    occurredAt: e.occurredAt,
    receivedAt: e.receivedAt,
    gridCellId: e.gridCellId,
    stationId: e.stationId,
    detail: e.detail,
  };
}

/**
 * Most events one (re)connect replays over the socket. A console away for longer pages the rest
 * over REST (`GET /api/events?after=`), so a reconnect storm cannot make the hub build megabytes
 * per socket.
 */
export const MAX_REPLAY_EVENTS = 20_000;
const REPLAY_PAGE = 1000;

/** Which capability each command needs; the access-matrix test reads the same list. */
export const COMMAND_CAPABILITY: Readonly<Record<CommandEvent, Capability>> = {
  'incident:ack': 'incidents:ack',
  'incident:dispatch': 'incidents:dispatch',
  'incident:onscene': 'incidents:onscene',
  'incident:close': 'incidents:close',
  'incident:note': 'incidents:note',
  'incident:handover': 'incidents:handover',
  'incident:takeover': 'incidents:takeover',
};

/** Who may open each namespace. */
const NAMESPACE_CAPABILITY = { '/console': 'console:connect', '/guard': 'guard:connect' } as const satisfies Record<string, Capability>;

interface SocketData {
  sessionId: string;
}

/** A handshake refusal the client sees as connect_error with `data.code`. */
function refusal(message: string, code: number): Error {
  return Object.assign(new Error(message), { data: { code } });
}

/**
 * /console (dispatch) and /guard (a guard's phone page): on connect the whole queue of the caller's
 * scope (`queue:snapshot`), then every change of an incident in that scope, published whole, so a
 * console that reconnects replaces its state.
 *
 * Scope on pushes: each socket joins the room of its scope (scope.ts: everyone, a station, a guard
 * group) and every incident goes to the rooms of its audience — encoded once per push, not once per
 * socket, which keeps the fan-out figures of bench/queue.ts.
 *
 * Routine updates (device events joining an open incident) are coalesced per incident within
 * `options.coalesceMs` (UPDATE_COALESCE_MS, coalesce.ts): only the latest version goes out. New
 * incidents and every other change go out at once.
 */
export function attachConsole(io: Server, ctx: ApiContext, bus: EventBus<HubEvents>, options: { coalesceMs?: number } = {}): () => void {
  const namespaces: LiveNs[] = [];
  /** Sockets by session, so a logout or an expiry cuts them at once. */
  const bySession = new Map<string, Set<LiveSocket>>();

  for (const [name, capability] of Object.entries(NAMESPACE_CAPABILITY)) {
    const ns: LiveNs = io.of(name);
    namespaces.push(ns);
    ns.use((socket, next) => {
      const headers = socket.handshake.headers;
      // A page on another site must not open a socket with this site's cookie (cross-site WebSocket hijacking).
      if (!sameOrigin(headers.origin, headers.host)) return next(refusal('cross-origin connection refused', 403));
      const auth = ctx.auth.authenticate(parseCookies(headers.cookie)[SESSION_COOKIE]);
      if (!auth) return next(refusal('log in first', 401));
      if (auth.mustChangePassword) return next(refusal('change the one-time password first', 428));
      if (!can(auth.user.role, capability)) return next(refusal(`your role (${auth.user.role}) may not open ${name}`, 403));
      (socket.data as SocketData).sessionId = auth.session.id;
      next();
    });
    ns.on('connection', (socket) => onConnection(socket, name));
  }

  const onConnection = (socket: LiveSocket, nsName: string): void => {
    const sessionId = (socket.data as SocketData).sessionId;
    const current = (): Authenticated | null => {
      const a = ctx.auth.authenticate(sessionId);
      if (!a) socket.disconnect(true);
      return a;
    };
    const first = current();
    if (!first) return;
    let set = bySession.get(sessionId);
    if (!set) bySession.set(sessionId, (set = new Set()));
    set.add(socket);
    socket.on('disconnect', () => {
      const s = bySession.get(sessionId);
      s?.delete(socket);
      if (s && s.size === 0) bySession.delete(sessionId);
    });
    const scope = ctx.auth.scope(first.principal);
    void socket.join(scope.room);
    // Snapshot and replay are built in one synchronous run, so no live push can fall between them
    // or overtake them: every event after `since` arrives exactly once, in seq order.
    const eventSeq = ctx.store.events.lastSeq();
    socket.emit('queue:snapshot', {
      incidents: ctx.incidents.snapshot(scope.all ? undefined : (i) => scope.sees(i)).map(forPush),
      serverTime: new Date().toISOString(),
      eventSeq,
    });
    const since = (socket.handshake.auth as { since?: unknown } | undefined)?.since;
    if (typeof since === 'number' && Number.isSafeInteger(since) && since >= 0 && since < eventSeq) {
      let after = since;
      let sent = 0;
      for (;;) {
        const page = ctx.store.events.query({
          afterSeq: after,
          limit: REPLAY_PAGE,
          ...(scope.stationIds ? { stationIds: [...scope.stationIds] } : {}),
          ...(!scope.all && !scope.stationIds && scope.siteIds ? { siteIds: [...scope.siteIds] } : {}),
        }).filter((e) => e.seq <= eventSeq);
        if (page.length === 0) break;
        sent += page.length;
        after = page.at(-1)!.seq;
        const more = sent >= MAX_REPLAY_EVENTS && after < eventSeq;
        socket.emit('event:stored', { events: page.map(eventBrief), replay: true, ...(more ? { more: true } : {}) });
        if (more || page.length < REPLAY_PAGE) break;
      }
    }
    const origin = `${nsName.slice(1)}:${socket.handshake.address}`;

    const run = (event: CommandEvent, req: unknown, reply: unknown, fn: (who: { username: string; origin: string }, id: string) => CommandReply): void => {
      if (typeof reply !== 'function') return; // a command without an ack callback has nobody to answer
      let r: CommandReply;
      try {
        const a = current(); // every command re-checks the session: it may have ended since the handshake
        if (!a) r = { ok: false, code: 'unauthenticated', error: 'session ended; log in again' };
        else if (!can(a.user.role, COMMAND_CAPABILITY[event])) r = { ok: false, code: 'forbidden', error: `your role (${a.user.role}) may not do this` };
        else {
          const id = String((req as { id?: unknown } | null)?.id ?? '').slice(0, 64);
          const i = ctx.incidents.get(id);
          // Out of scope answers like a missing id.
          r = !i || !ctx.auth.scope(a.principal).sees(i)
            ? { ok: false, code: 'not_found', error: `no open incident ${id}` }
            : fn({ username: a.user.username, origin }, id);
        }
      } catch (err) {
        ctx.log.error({ err }, 'console command failed');
        r = { ok: false, code: 'internal', error: 'internal error' };
      }
      (reply as (r: CommandReply) => void)(r);
    };
    const role = first.user.role;
    const handlers: Record<CommandEvent, (req: unknown, reply: unknown) => void> = {
      'incident:ack': (req, reply) => run('incident:ack', req, reply, (by, id) => ctx.incidents.acknowledge(id, by)),
      'incident:dispatch': (req, reply) =>
        run('incident:dispatch', req, reply, (by, id) => ctx.incidents.dispatchUnit(id, by, optStr(field(req, 'unit')), optStr(field(req, 'note')))),
      'incident:onscene': (req, reply) => run('incident:onscene', req, reply, (by, id) => ctx.incidents.onScene(id, by, optStr(field(req, 'note')))),
      'incident:close': (req, reply) =>
        run('incident:close', req, reply, (by, id) => {
          const disposition = optStr(field(req, 'disposition')) ?? '';
          if (role === 'guard' && !GUARD_DISPOSITIONS.includes(disposition)) {
            return { ok: false, code: 'forbidden', error: 'a guard closes an incident only as a false alarm (误报); the station closes the rest' };
          }
          return ctx.incidents.close(id, by, disposition, optStr(field(req, 'note')));
        }),
      'incident:note': (req, reply) => run('incident:note', req, reply, (by, id) => ctx.incidents.note(id, by, optStr(field(req, 'text')) ?? '')),
      'incident:handover': (req, reply) =>
        run('incident:handover', req, reply, (by, id) => {
          const target = ctx.auth.handoverTarget(optStr(field(req, 'to')) ?? '', ctx.incidents.get(id)!);
          return target.ok ? ctx.incidents.handOver(id, by, target.username) : { ok: false, code: 'bad_target', error: target.error };
        }),
      'incident:takeover': (req, reply) => run('incident:takeover', req, reply, (by, id) => ctx.incidents.takeOver(id, by)),
    };
    for (const event of COMMAND_EVENTS) socket.on(event, handlers[event] as never);
  };

  /**
   * The rooms of an item's audience, remembered per site and station for as long as the config is
   * the same object (a reload replaces it): every push asks, and each answer walks the sites.
   */
  let audiences: { config: unknown; rooms: Map<string, string[]> } | null = null;
  const audienceOf = (item: { siteId: string; stationId?: string | null }): string[] => {
    const config = ctx.config();
    if (audiences?.config !== config) audiences = { config, rooms: new Map() };
    const key = `${item.siteId}\u0000${item.stationId === undefined ? '\u0002' : (item.stationId ?? '\u0001')}`;
    let rooms = audiences.rooms.get(key);
    if (!rooms) audiences.rooms.set(key, (rooms = ctx.auth.audience(item)));
    return rooms;
  };
  /**
   * Emits to the rooms of each namespace that has a socket in one of them. Socket.IO encodes a
   * broadcast before it looks for recipients, so an emit to a namespace nobody is connected to
   * (the guards' /guard in a dispatch centre, /console at a guard post) is a whole JSON encoding of
   * the incident for nothing: measured at about 7 % of the hub's CPU with alarms only.
   */
  const emitTo = <E extends 'incident:new' | 'incident:update' | 'event:stored' | 'device:status'>(
    rooms: string | string[],
    event: E,
    ...body: Parameters<ServerToClientEvents[E]>
  ): void => {
    const list = typeof rooms === 'string' ? [rooms] : rooms;
    for (const ns of namespaces) {
      const present = ns.adapter.rooms;
      if (list.some((r) => (present.get(r)?.size ?? 0) > 0)) ns.to(list).emit(event, ...body);
    }
  };
  // New incidents and anything an operator acts on go out at once; routine updates (device events
  // joining an open incident) are coalesced per incident within UPDATE_COALESCE_MS (coalesce.ts).
  // The audience is taken when the push leaves, from the version that leaves.
  const pushes = new PushCoalescer((event, i) => emitTo(audienceOf(i), event, forPush(i)), options.coalesceMs);
  const off = [
    batchSocketWrites(io),
    bus.on('incident:new', (i) => pushes.push('incident:new', i)),
    bus.on('incident:update', (i) => pushes.push('incident:update', i)),
    bus.on('event:stored', (events) => {
      // Each socket sits in exactly one scope room, so one emit per room keeps every socket's log in
      // seq order (several emits to overlapping audiences could interleave out of order).
      const byRoom = new Map<string, EventBrief[]>();
      for (const e of events) {
        if (e.seq === undefined) continue;
        const brief = eventBrief(e as AlarmEvent & { seq: number });
        for (const room of audienceOf({ siteId: e.siteId, stationId: e.stationId })) {
          let list = byRoom.get(room);
          if (!list) byRoom.set(room, (list = []));
          list.push(brief);
        }
      }
      for (const [room, list] of byRoom) emitTo(room, 'event:stored', { events: list, replay: false });
    }),
    bus.on('device:status', (s) => {
      emitTo(audienceOf({ siteId: s.siteId }), 'device:status', s);
    }),
    ctx.auth.sessions.onEnd((s) => {
      for (const socket of bySession.get(s.id) ?? []) socket.disconnect(true);
      bySession.delete(s.id);
    }),
  ];
  return () => {
    off.forEach((f) => f());
    pushes.stop();
  };
}

function field(req: unknown, key: string): unknown {
  return req && typeof req === 'object' ? (req as Record<string, unknown>)[key] : undefined;
}

function optStr(v: unknown): string | undefined {
  return typeof v === 'string' ? v.slice(0, 1000) : undefined;
}
