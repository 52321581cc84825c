import { type IncidentDelta, type IncidentPush, PUSHED_TIMELINE_ENTRIES } from '../../contract/incident-delta.js';
import type { Incident } from '../../contract/incident.js';
import { forPush } from './snapshot.js';
import type { LiveNs, LiveSocket, SocketData } from './types.js';

/**
 * Who sees an incident's pushes. A change of any of these may add a room that never got the
 * delta's base version, so such an update goes whole.
 */
const AUDIENCE_KEYS = ['siteId', 'stationId', 'responsibleStationId', 'communityPostId'] as const;

/**
 * The bodies of incident pushes, the delta form where it is safe (src/contract/incident-delta.ts):
 * remembers the version of each open incident last handed to the consoles and sends an update as
 * what changed since. Whole: `incident:new`, a closing, a change of audience, a timeline that did
 * not just grow by device events (a note, a status line, an entry dropped inside the pushed tail),
 * and when `whole` says so: in replica mode (a console's queue snapshot is read from the store there
 * and may be older than the version this replica last pushed), and while a socket that does not
 * apply deltas is connected (`wholeReaders`).
 */
export class IncidentPushes {
  private readonly lastPushed = new Map<string, Incident>();
  /** Figures for tests and /metrics. */
  deltas = 0;
  wholes = 0;

  constructor(private readonly whole: () => boolean = () => false) {}

  /** `incident:new`: always whole. */
  opened(i: Incident): Incident {
    this.remember(i);
    this.wholes++;
    return forPush(i);
  }

  /** `incident:update`: the delta from the version last pushed, or whole. */
  update(i: Incident): IncidentPush {
    const base = this.lastPushed.get(i.id);
    this.remember(i);
    const delta = base && i.status !== 'closed' && !this.whole() ? incidentDelta(base, i) : null;
    if (delta) this.deltas++;
    else this.wholes++;
    return delta ?? forPush(i);
  }

  private remember(i: Incident): void {
    if (i.status === 'closed') this.lastPushed.delete(i.id);
    else this.lastPushed.set(i.id, i);
  }

  /** Open incidents remembered, for tests. */
  get remembered(): number {
    return this.lastPushed.size;
  }
}

/**
 * The delta from `base` to `next` (both as the hub holds them, whole timelines), or null when it
 * must go whole. Fields are compared by reference: an incident's copy (dispatch/incident-copy.ts)
 * shares what did not change, so an unchanged object is not sent; a changed reference with equal
 * contents is sent, which is only bytes.
 */
export function incidentDelta(base: Incident, next: Incident): IncidentDelta | null {
  if (next.version <= base.version) return null;
  for (const k of AUDIENCE_KEYS) if (base[k] !== next[k]) return null;
  const appended = appendedEvents(base, next);
  if (appended === null) return null;
  const d: Record<string, unknown> = { id: next.id, version: next.version, siteId: next.siteId, deltaOf: base.version };
  const b = base as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(next)) {
    if (k === 'timeline' || k === 'timelineOmitted' || k === 'version') continue;
    if (b[k] !== v) d[k] = v;
  }
  // A field that went away cannot be said as a new value.
  for (const k in b) if (b[k] !== undefined && !(k in next)) return null;
  if (appended.length > 0) d.timeline = appended;
  const omitted = pushedOmitted(next);
  if (omitted !== pushedOmitted(base)) d.timelineOmitted = omitted;
  return d as IncidentDelta;
}

/** `timelineOmitted` as a whole push carries it (forPush). */
function pushedOmitted(i: Incident): number {
  return i.timelineOmitted + Math.max(0, i.timeline.length - PUSHED_TIMELINE_ENTRIES);
}

/**
 * The entries `next` appended to `base`'s timeline, when they are device events and the rest of the
 * pushed tail is `base`'s tail unchanged (the same entry objects: correlation copies the array, not
 * its entries); null otherwise. Entries ever written = timeline.length + timelineOmitted, as the cap
 * moves an entry from the one to the other.
 */
function appendedEvents(base: Incident, next: Incident): Incident['timeline'] | null {
  const added = next.timeline.length + next.timelineOmitted - (base.timeline.length + base.timelineOmitted);
  const n = next.timeline.length;
  if (added < 0 || added > PUSHED_TIMELINE_ENTRIES || added > n) return null;
  const keep = Math.min(PUSHED_TIMELINE_ENTRIES - added, n - added);
  for (let j = 1; j <= keep; j++) if (next.timeline[n - added - j] !== base.timeline[base.timeline.length - j]) return null;
  const appended = next.timeline.slice(n - added);
  for (const t of appended) if (t.type !== 'event' || t.eventId === undefined) return null;
  return appended;
}

/**
 * Counts the connected sockets that did not say they apply deltas (handshake `auth.deltas`, see
 * ConsoleHandshakeAuth, as the handshake's schema parsed it): while there is one, every update goes whole, since all sockets of a room
 * get the same bytes. Counted from `connection`, before the socket is admitted to a room, so no
 * push can reach it as a delta. Returns the count and what stops counting.
 */
export function wholeReaders(namespaces: readonly LiveNs[]): { count(): number; stop(): void } {
  let n = 0;
  const onConnection = (socket: LiveSocket): void => {
    if ((socket.data as SocketData).auth?.deltas === 1) return;
    n++;
    socket.once('disconnect', () => void n--);
  };
  for (const ns of namespaces) ns.on('connection', onConnection);
  return {
    count: () => n,
    stop: () => {
      for (const ns of namespaces) ns.off('connection', onConnection);
    },
  };
}
