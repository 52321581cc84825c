import type { Incident } from '../../contract/incident.js';

/**
 * How long a routine update may wait to be pushed together with the ones that follow it, ms.
 * Routine: device events joined an open incident and changed nothing an operator acts on (status,
 * owner, priority, kind, responsible station, escalation, disposition, media). The console shows
 * each event at once anyway (its `event:stored` log); the incident row catches up within this.
 */
export const UPDATE_COALESCE_MS = 100;

/** Held updates due within this of the first due one leave with it, ms (earlier, never later). */
export const RELEASE_GROUP_MS = 10;

type PushEvent = 'incident:new' | 'incident:update';

/** What makes an update urgent when it changes. */
interface Essentials {
  version: number;
  status: Incident['status'];
  owner: string | null;
  priority: Incident['priority'];
  kind: Incident['kind'];
  responsibleStationId: string | null;
  escalationLevel: number;
  disposition: Incident['disposition'];
  media: number;
}

const essentials = (i: Incident): Essentials => ({
  version: i.version,
  status: i.status,
  owner: i.owner,
  priority: i.priority,
  kind: i.kind,
  responsibleStationId: i.responsibleStationId,
  escalationLevel: i.escalationLevel,
  disposition: i.disposition,
  media: i.media.length,
});

function routine(prev: Essentials, i: Incident): boolean {
  return (
    i.status === prev.status &&
    i.owner === prev.owner &&
    i.priority === prev.priority &&
    i.kind === prev.kind &&
    i.responsibleStationId === prev.responsibleStationId &&
    i.escalationLevel === prev.escalationLevel &&
    i.disposition === prev.disposition &&
    i.media.length === prev.media &&
    // A human note or status line is news for every console; a device event is in the event log.
    i.timeline.at(-1)?.type === 'event'
  );
}

/**
 * Coalesces the pushes of one incident. Every push is the whole incident with a growing version
 * and a console replaces its copy (an older or equal version is ignored), so when several device
 * events update one incident in quick succession only the latest version needs to travel: with
 * ten consoles, each push is ~1.5 KB encoded once and written to ten sockets.
 *
 * - `incident:new` goes out at once, always.
 * - An update that is not routine (see `routine`) goes out at once and replaces any held one.
 * - A routine update is held until `windowMs` after the first update of that incident held since
 *   its last push; newer versions replace it meanwhile. An update is never held longer than that,
 *   and the last version always goes out. (A window per incident rather than one for all: an
 *   incident updated at 90 and 110 ms of a shared window would go out twice.)
 * - Updates falling due within RELEASE_GROUP_MS of each other leave together, so a console gets
 *   them in one write rather than one timer (and one write) each.
 */
export class PushCoalescer {
  /** Routine updates not yet pushed, latest version per incident; insertion order is due order. */
  private readonly held = new Map<string, { incident: Incident; due: number }>();
  /** The essentials of the latest version seen per open incident (pushed or held). */
  private readonly last = new Map<string, Essentials>();
  private timer: NodeJS.Timeout | null = null;
  /** Figures for tests and /metrics: pushes sent, and updates replaced by a newer one while held. */
  sent = 0;
  superseded = 0;

  constructor(
    private readonly send: (event: PushEvent, i: Incident) => void,
    private readonly windowMs = UPDATE_COALESCE_MS,
  ) {}

  push(event: PushEvent, i: Incident): void {
    const prev = this.last.get(i.id);
    if (prev && i.version <= prev.version) return; // never send a version older than one already handed on
    if (i.status === 'closed') this.last.delete(i.id);
    else this.last.set(i.id, essentials(i));
    if (event === 'incident:update' && this.windowMs > 0 && prev && routine(prev, i)) {
      const h = this.held.get(i.id);
      if (h) {
        h.incident = i;
        this.superseded++;
      } else {
        this.held.set(i.id, { incident: i, due: performance.now() + this.windowMs });
        this.arm();
      }
      return;
    }
    this.held.delete(i.id);
    this.emit(event, i);
  }

  /** Sends everything held now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const list = [...this.held.values()];
    this.held.clear();
    for (const h of list) this.emit('incident:update', h.incident);
  }

  /** A timer for the update held longest, unless one is set. */
  private arm(): void {
    if (this.timer) return;
    const head = this.held.values().next();
    if (head.done) return;
    this.timer = setTimeout(() => this.release(), Math.max(0, head.value.due - performance.now()));
  }

  /** Sends what is due (or nearly), then waits for the next. */
  private release(): void {
    this.timer = null;
    const until = performance.now() + RELEASE_GROUP_MS;
    for (const [id, h] of this.held) {
      if (h.due > until) break;
      this.held.delete(id);
      this.emit('incident:update', h.incident);
    }
    this.arm();
  }

  /** Held updates, for tests. */
  get pending(): number {
    return this.held.size;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.held.clear();
  }

  private emit(event: PushEvent, i: Incident): void {
    this.sent++;
    this.send(event, i);
  }
}
