/**
 * What a console gets on connect: the open incidents of its scope (`queue:snapshot`), then, when
 * it reconnects with `auth.since`, the events it missed (`event:stored` with `replay: true`).
 */
import { z } from 'zod';
import type { AlarmEvent } from '../../contract/alarm-event.js';
import type { Incident } from '../../contract/incident.js';
import type { EventBrief } from '../../contract/socket.js';
import type { Scope } from '../../auth/scope.js';
import type { ApiContext } from '../context.js';
import type { LiveSocket } from './types.js';

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
 * Snapshot and replay are built in one synchronous run, so no live push can fall between them or
 * overtake them: every event after `since` arrives exactly once, in seq order.
 */
export function sendSnapshotAndReplay(socket: LiveSocket, ctx: ApiContext, scope: Scope): void {
  // Up to what has been announced: later commits reach this socket live, through the fan-out.
  const eventSeq = ctx.ingest.announcedSeq;
  socket.emit('queue:snapshot', {
    incidents: ctx.incidents.snapshot(scope.all ? undefined : (i) => scope.sees(i)).map(forPush),
    serverTime: new Date().toISOString(),
    eventSeq,
  });
  const { since } = handshakeAuth.parse(socket.handshake.auth ?? {});
  if (since !== undefined && since < eventSeq) replay(socket, ctx, scope, since, eventSeq);
}

/** The events of the scope after `since` up to `until`, in pages, at most MAX_REPLAY_EVENTS. */
function replay(socket: LiveSocket, ctx: ApiContext, scope: Scope, since: number, until: number): void {
  let after = since;
  let sent = 0;
  for (;;) {
    const page = ctx.store.events
      .query({
        afterSeq: after,
        limit: REPLAY_PAGE,
        ...(scope.stationIds ? { stationIds: [...scope.stationIds] } : {}),
        ...(!scope.all && !scope.stationIds && scope.siteIds ? { siteIds: [...scope.siteIds] } : {}),
      })
      .filter((e) => e.seq <= until);
    if (page.length === 0) break;
    sent += page.length;
    after = page.at(-1)!.seq;
    const more = sent >= MAX_REPLAY_EVENTS && after < until;
    socket.emit('event:stored', { events: page.map(eventBrief), replay: true, ...(more ? { more: true } : {}) });
    if (more || page.length < REPLAY_PAGE) break;
  }
}
