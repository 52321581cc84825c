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
 * The handshake's `auth` (ConsoleHandshakeAuth): a `since` that is not a whole seq is ignored, as
 * it always was, and the console starts from the snapshot's `eventSeq`.
 */
export const handshakeAuth = z.object({ since: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().catch(undefined) }).catch({});

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
 * Puts a socket in its scope room and sends it the queue (`queue:snapshot`) and, when it reconnects
 * with `since`, the events it missed. Every event after `since` must arrive exactly once and in seq
 * order (the page drops any event at or below the last seq it saw), so:
 * - without a replay, the room is joined and the snapshot sent in one synchronous run, as no live
 *   push can fall between them;
 * - with a replay, the store is read page by page (asynchronously), and live pushes must not
 *   overtake the replayed pages: the socket joins its room only once the pages have reached what
 *   the hub has announced, checked in the same synchronous run as the join, and then gets the
 *   queue once more (incident pushes made while it was out of the room are in that snapshot).
 * Resolves when the socket is in its room.
 */
export async function admitToRoom(socket: LiveSocket, ctx: ApiContext, scope: Scope): Promise<void> {
  const { since } = handshakeAuth.parse(socket.handshake.auth ?? {});
  const filter = scope.all ? undefined : (i: Incident) => scope.sees(i);
  const queue = (incidents: Incident[], eventSeq: number) => {
    socket.emit('queue:snapshot', { incidents: incidents.map(forPush), serverTime: new Date().toISOString(), eventSeq });
  };
  // Up to what has been announced: later commits reach this socket live, through the fan-out.
  const sendQueue = () => queue(ctx.incidents.snapshot(filter), ctx.ingest.announcedSeq);
  const join = () => {
    (socket.data as SocketData).room = scope.room;
    void socket.join(scope.room);
  };
  const replaying = since !== undefined && since < ctx.ingest.announcedSeq;
  if (ctx.role?.replicated) {
    // Other replicas store and announce events too: this replica's announcedSeq is not the
    // cluster's, so the replay reads the store to its end, whatever `since` is.
    if (since !== undefined && !(await replay(socket, ctx, scope, since, true))) return;
    // Replica mode: other replicas' incidents are read from the store, asynchronously, so the room
    // is joined before the read: a push made meanwhile arrives before a snapshot that may be older,
    // and the page keeps the newer version of each incident (web/src/incidents.ts).
    join();
    const seq = ctx.ingest.announcedSeq;
    const incidents = await openIncidents(ctx, filter);
    if (socket.connected) queue(incidents, seq);
    return;
  }
  sendQueue();
  if (!replaying) return join();
  if (!(await replay(socket, ctx, scope, since, false))) return;
  // Synchronous from replay's last check to here: whatever is announced from now on reaches the room.
  join();
  sendQueue();
}

/**
 * Sends the scope's events after `since` up to what the hub has announced, page by page; false
 * when the socket went away meanwhile. Ends in the synchronous run of its last check, so the
 * caller joins the room with nothing announced in between.
 */
async function replay(socket: LiveSocket, ctx: ApiContext, scope: Scope, since: number, toStoreEnd: boolean): Promise<boolean> {
  const upTo = toStoreEnd ? () => Number.MAX_SAFE_INTEGER : () => ctx.ingest.announcedSeq;
  let after = since;
  let sent = 0;
  for (;;) {
    const until = upTo();
    if (after >= until) break;
    const page = await replayPage(ctx, scope, after, until);
    if (!socket.connected) return false;
    // Nothing more within the scope up to `until`: caught up with what had been announced then.
    if (page.length === 0) {
      after = until;
      continue;
    }
    sent += page.length;
    after = page.at(-1)!.seq;
    // To the store's end (replica mode) a full page says there may be more; else the announced seq does.
    const more = sent >= MAX_REPLAY_EVENTS && (toStoreEnd ? page.length === REPLAY_PAGE : after < ctx.ingest.announcedSeq);
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
