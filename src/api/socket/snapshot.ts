/**
 * What a console gets on connect: the open incidents of its scope (`queue:snapshot`), then, when
 * it reconnects with `auth.since`, the events it missed (`event:stored` with `replay: true`).
 */
import { z } from 'zod';
import type { AlarmEvent } from '../../contract/alarm-event.js';
import type { Incident } from '../../contract/incident.js';
import { PUSHED_TIMELINE_ENTRIES } from '../../contract/incident-delta.js';
import type { EventBrief } from '../../contract/socket.js';
import type { Scope } from '../../auth/scope.js';
import type { ApiContext } from '../context.js';
import type { StoredEvent } from '../../store/index.js';
import type { LiveSocket, SocketData } from './types.js';
import { openIncidents } from '../open-incidents.js';

/**
 * The handshake's `auth` (ConsoleHandshakeAuth), checked once at the handshake (handshake.ts), whose
 * result the socket carries (`SocketData.auth`). A `since` that is not a whole seq is ignored, as it
 * always was, and the console starts from the snapshot's `eventSeq`; `deltas` other than 1 is a
 * wrong shape, refused at connect (connect_error 400 `bad_request`): taken as "no", it would turn
 * every console's updates whole without a word. Anything but an object (Socket.IO always hands one)
 * counts as none.
 */
export const handshakeAuth = z.preprocess(
  (auth) => (auth !== null && typeof auth === 'object' ? auth : {}),
  z.object({
    since: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().catch(undefined),
    deltas: z.literal(1, { error: 'expected 1 (this client applies delta updates) or nothing' }).optional(),
  }),
);

export type HandshakeAuth = z.output<typeof handshakeAuth>;

/**
 * Every console receives every update of its incidents, so what goes over the socket is the queue
 * row plus the latest timeline entries; the full timeline is one REST call away
 * (`GET /api/incidents/:id`) when an operator opens the incident. Measured: with 20 consoles, the
 * full 25-entry timeline on every update capped the hub near 1,800 events/s (bench/run.ts).
 */
export { PUSHED_TIMELINE_ENTRIES };

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
    // A walk-test trip or an event in maintenance: logged, marked, never queued (issue 15).
    ...(e.destination ? { destination: e.destination } : {}),
    drill: e.drill,
  };
}

/**
 * Most events one (re)connect replays over the socket. A console away for longer pages the rest
 * over REST (`GET /api/events?after=`), so a reconnect storm cannot make the hub build megabytes
 * per socket.
 */
export const MAX_REPLAY_EVENTS = 20_000;
const REPLAY_PAGE = 1000;

/**
 * The highest seq pushed to this hub's consoles as `event:stored`: with one hub what the bus has
 * announced (ingest.announcedSeq), in replica mode how far the event tail has read the store
 * (event-tail.ts; a replica's own announcements are not the cluster's log). Every committed event
 * above it reaches the rooms later, in seq order.
 */
export function pushedSeq(ctx: ApiContext): number {
  return ctx.eventTail ? ctx.eventTail.position : ctx.ingest.announcedSeq;
}

/**
 * Puts a socket in its scope room and sends it the queue (`queue:snapshot`) and, when it reconnects
 * with `since`, the events it missed. Every event after `since` must arrive exactly once and in seq
 * order (the page drops any event at or below the last seq it saw), so, one rule for one hub and
 * for replicas:
 * - without a replay, the room is joined at once;
 * - with a replay, the store is read page by page (asynchronously), and live pushes must not
 *   overtake the replayed pages: the socket joins its room only once the pages have reached what
 *   has been pushed (`pushedSeq`), checked in the same synchronous run as the join.
 * The queue: one hub holds every incident in memory, so it is sent with the join in one synchronous
 * run (and first, before a replay, so the page fills at once); in replica mode other replicas'
 * incidents are read from the store, asynchronously, after the join: a push made meanwhile arrives
 * before a snapshot that may be older, and the page keeps the newer version of each incident
 * (web/src/incidents.ts). Resolves when the socket is in its room.
 */
export async function admitToRoom(socket: LiveSocket, ctx: ApiContext, scope: Scope): Promise<void> {
  const since = (socket.data as SocketData).auth?.since;
  const filter = scope.all ? undefined : (i: Incident) => scope.sees(i);
  const queue = (incidents: Incident[], eventSeq: number) => {
    socket.emit('queue:snapshot', { incidents: incidents.map(forPush), serverTime: new Date().toISOString(), eventSeq });
  };
  // Up to what has been pushed: later commits reach this socket live, through the fan-out.
  const sendQueue = () => queue(ctx.incidents.snapshot(filter), pushedSeq(ctx));
  const replicated = ctx.role?.replicated === true;
  if (!replicated) sendQueue();
  const replaying = since !== undefined && since < pushedSeq(ctx);
  if (replaying && !(await replay(socket, ctx, scope, since))) return;
  // Synchronous from replay's last check to here: whatever is pushed from now on reaches the room.
  (socket.data as SocketData).room = scope.room;
  void socket.join(scope.room);
  if (!replicated) {
    // Incident pushes made while a replaying socket was out of the room are in this second queue.
    if (replaying) sendQueue();
    return;
  }
  const seq = pushedSeq(ctx);
  const incidents = await openIncidents(ctx, filter);
  if (socket.connected) queue(incidents, seq);
}

/**
 * Sends the scope's events after `since` up to what has been pushed, page by page; false when the
 * socket went away meanwhile. Ends in the synchronous run of its last check, so the caller joins
 * the room with nothing pushed in between.
 */
async function replay(socket: LiveSocket, ctx: ApiContext, scope: Scope, since: number): Promise<boolean> {
  let after = since;
  let sent = 0;
  for (;;) {
    const until = pushedSeq(ctx);
    if (after >= until) break;
    const page = await replayPage(ctx, scope, after, until);
    if (!socket.connected) return false;
    // Nothing more within the scope up to `until`: caught up with what had been pushed then.
    if (page.length === 0) {
      after = until;
      continue;
    }
    sent += page.length;
    after = page.at(-1)!.seq;
    const more = sent >= MAX_REPLAY_EVENTS && after < pushedSeq(ctx);
    socket.emit('event:stored', { events: page.map(eventBrief), replay: true, ...(more ? { more: true } : {}) });
    if (more) break;
    if (page.length < REPLAY_PAGE) after = Math.max(after, until);
  }
  return true;
}

/** One page of the scope's events in (after, until], oldest first. */
async function replayPage(ctx: ApiContext, scope: Scope, after: number, until: number): Promise<StoredEvent[]> {
  const page = await ctx.store.events.query({
    afterSeq: after,
    limit: REPLAY_PAGE,
    ...(scope.stationIds ? { stationIds: [...scope.stationIds] } : {}),
    ...(!scope.all && !scope.stationIds && scope.siteIds ? { siteIds: [...scope.siteIds] } : {}),
  });
  return page.filter((e) => e.seq <= until);
}
