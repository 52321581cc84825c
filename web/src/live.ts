/**
 * The Socket.IO link to /console or /guard: connection state, the snapshot on every (re)connect,
 * pushes, and commands with their ack replies. Reconnects by itself after an outage; a refusal for
 * want of a session (401) stops and says so, until the page logs in again and calls `resume()`.
 */
import type { SiteCommissioning } from '../../src/contract/commissioning.js';
import type { Drill, DrillAction, DrillBody, DrillReply, DRILL_EVENT_OF } from '../../src/contract/drill.js';
import { io, type Socket } from 'socket.io-client';
import type { CommandPayload } from '../../src/contract/commands.js';
import type {
  CameraStatusPush,
  ClientToServerEvents,
  CommandEvent,
  CommandReply,
  ConsoleHandshakeAuth,
  DeviceStatus,
  DirectoryChanged,
  EventBrief,
  ServerToClientEvents,
} from '../../src/contract/socket.js';
import type { Incident } from '../../src/contract/incident.js';
import { applyIncidentDelta, type IncidentPush, isIncidentDelta } from '../../src/contract/incident-delta.js';
import { setServerTime } from './format.js';
import type { IncidentState } from './incidents.js';

const DRILL_EVENTS: typeof DRILL_EVENT_OF = { start: 'drill:start', end: 'drill:end' };
export type LinkState = 'connecting' | 'online' | 'offline' | 'no-session' | 'forbidden';

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface LiveLinkOptions {
  namespace: '/console' | '/guard';
  state: IncidentState;
  onState: (s: LinkState, since: number) => void;
  onNew?: (i: Incident) => void;
  /**
   * Stored events in seq order, each exactly once across reconnects: the link sends the last seq it
   * saw with every reconnect and the hub replays what came after (Socket.IO itself delivers at most
   * once). `replay` marks events that arrived while this page was cut off.
   */
  onEvents?: (events: EventBrief[], replay: boolean) => void;
  /** The hub's replay cap was hit: some events after `afterSeq` are only in the event search. */
  onGap?: (afterSeq: number) => void;
  /** A device's availability or supervision changed (`device:status`). */
  onDeviceStatus?: (s: DeviceStatus) => void;
  /** A camera went online or offline (`camera:status`). */
  onCameraStatus?: (s: CameraStatusPush) => void;
  /** A site's commissioning changed: maintenance, walk test (`commissioning:status`, issue 15). */
  onCommissioning?: (s: SiteCommissioning) => void;
  /**
   * The directory may be stale: the hub reloaded its config (`directory:changed`), or this page
   * was cut off and may have missed a reload or status changes (every snapshot after the first).
   */
  onDirectoryStale?: (why: DirectoryChanged | 'reconnect') => void;
  /** A drill (演练) of sites this page sees started or ended (issue 15). */
  onDrill?: (d: Drill, started: boolean) => void;
}

export class LiveLink {
  private readonly socket: LiveSocket;
  private linkState: LinkState = 'connecting';
  private since = Date.now();
  /** Highest event seq delivered to onEvents; null until the first snapshot says where to start. */
  private lastSeq: number | null = null;
  /** The eventSeq of the snapshot of the current connection. */
  private snapshotSeq = 0;
  /** Incidents being read whole over REST after a delta this page could not apply. */
  private readonly reading = new Set<string>();

  constructor(private readonly opts: LiveLinkOptions) {
    this.socket = io(opts.namespace, {
      transports: ['websocket', 'polling'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 2000,
      withCredentials: true,
      // A function, so every reconnect sends the latest seq.
      // `deltas`: this page applies incident:update's delta form (src/contract/incident-delta.ts).
      auth: (cb: (auth: ConsoleHandshakeAuth) => void) => cb(this.lastSeq === null ? { deltas: 1 } : { since: this.lastSeq, deltas: 1 }),
    });
    this.socket.on('connect', () => {
      opts.state.connectionStarted();
      this.set('online');
    });
    this.socket.on('disconnect', (reason) => {
      this.set('offline');
      // The server cut the socket (logout, session expiry): it will not come back by itself.
      if (reason === 'io server disconnect') void this.checkAfterServerDisconnect();
    });
    this.socket.on('connect_error', (err: Error & { data?: { code?: number } }) => {
      const code = err.data?.code;
      if (code === 401 || code === 428) this.set('no-session');
      else if (code === 403) this.set('forbidden');
      else this.set('offline');
    });
    this.socket.on('queue:snapshot', (s) => {
      setServerTime(s.serverTime);
      // A reconnect: pushes (status, reloads) sent meanwhile are lost, so read them again.
      const reconnect = this.lastSeq !== null;
      if (reconnect) opts.onDirectoryStale?.('reconnect');
      const unseen = opts.state.replaceAll(s.incidents);
      // Opened while this page was away (a phone's link dropped for a moment): alerted and notified
      // as its incident:new would have been. On the first connect the queue is what the page opens on.
      if (reconnect) for (const i of unseen) opts.onNew?.(i);
      this.snapshotSeq = s.eventSeq;
      // First connect: the log starts now (the queue holds what came before).
      if (this.lastSeq === null) this.lastSeq = s.eventSeq;
    });
    this.socket.on('event:stored', (batch) => {
      const fresh = batch.events.filter((e) => this.lastSeq === null || e.seq > this.lastSeq);
      if (fresh.length > 0) {
        this.lastSeq = fresh.at(-1)!.seq;
        opts.onEvents?.(fresh, batch.replay);
      }
      if (batch.more && this.lastSeq !== null && this.lastSeq < this.snapshotSeq) {
        opts.onGap?.(this.lastSeq);
        this.lastSeq = this.snapshotSeq;
      }
    });
    const onPush = (i: Incident): void => {
      if (opts.state.apply(i) === 'new') opts.onNew?.(i);
    };
    // An update may be a delta of a version this page holds (src/contract/incident-delta.ts).
    const onUpdate = (p: IncidentPush): void => {
      if (!isIncidentDelta(p)) return onPush(p);
      const next = applyIncidentDelta(opts.state.get(p.id), p);
      if (next) onPush(next);
      else void this.readWhole(p.id, p.version);
    };
    this.socket.on('device:status', (st) => opts.onDeviceStatus?.(st));
    this.socket.on('camera:status', (st) => opts.onCameraStatus?.(st));
    this.socket.on('commissioning:status', (st) => opts.onCommissioning?.(st));
    this.socket.on('directory:changed', (d) => opts.onDirectoryStale?.(d));
    this.socket.on('drill:started', (d) => opts.onDrill?.(d, true));
    this.socket.on('drill:ended', (d) => opts.onDrill?.(d, false));
    this.socket.on('incident:new', onPush);
    this.socket.on('incident:update', onUpdate);
  }

  get state(): LinkState {
    return this.linkState;
  }

  /** After a new login: connect again (a middleware refusal does not retry by itself). */
  resume(): void {
    if (!this.socket.connected) this.socket.connect();
  }

  command<E extends CommandEvent>(event: E, req: CommandPayload<E>, timeoutMs = 8000): Promise<CommandReply> {
    return new Promise((ok) => {
      if (!this.socket.connected) return ok({ ok: false, code: 'offline', error: 'not connected' });
      // The typed emit of a generic event name is not expressible; the contract types the request above.
      const timed = this.socket.timeout(timeoutMs) as unknown as {
        emit(e: string, r: unknown, cb: (err: Error | null, reply: CommandReply) => void): void;
      };
      timed.emit(event, req, (err, reply) => ok(err ? { ok: false, code: 'timeout', error: 'no answer from the server' } : reply));
    });
  }

  /**
   * A drill command (演练: `drill:start`, `drill:end`), answered through its ack like the incident commands.
   * The event names are spelled here (checked against the contract's type) so the page does not
   * bundle the contract's zod schemas.
   */
  drillCommand<A extends DrillAction>(action: A, req: DrillBody<A>, timeoutMs = 8000): Promise<DrillReply> {
    return new Promise((ok) => {
      if (!this.socket.connected) return ok({ ok: false, code: 'offline', error: 'not connected' });
      const timed = this.socket.timeout(timeoutMs) as unknown as {
        emit(e: string, r: unknown, cb: (err: Error | null, reply: DrillReply) => void): void;
      };
      timed.emit(DRILL_EVENTS[action], req, (err, reply) => ok(err ? { ok: false, code: 'timeout', error: 'no answer from the server' } : reply));
    });
  }

  /**
   * A delta of an incident this page does not hold at its base version (its scope grew, or a
   * reload changed who sees what): the whole incident over REST, once at a time per incident.
   */
  private async readWhole(id: string, version: number): Promise<void> {
    if (this.reading.has(id)) return;
    this.reading.add(id);
    try {
      const r = await fetch(`/api/incidents/${encodeURIComponent(id)}`, { credentials: 'same-origin' });
      const i = r.ok ? ((await r.json()) as Incident) : null;
      // Read whole, it may be new to this page: then it alerts and notifies like an incident:new.
      if (i && i.version >= version && this.opts.state.apply(i) === 'new') this.opts.onNew?.(i);
    } catch {
      // Unreachable: the next whole push or the snapshot of the next connection brings it.
    } finally {
      this.reading.delete(id);
    }
  }

  private set(s: LinkState): void {
    if (s === this.linkState) return;
    // Once the session is known to be gone, a later transport error must not hide that.
    if (this.linkState === 'no-session' && s === 'offline') return;
    this.linkState = s;
    this.since = Date.now();
    this.opts.onState(s, this.since);
  }

  private async checkAfterServerDisconnect(): Promise<void> {
    try {
      const r = await fetch('/api/session', { credentials: 'same-origin' });
      if (r.status === 401) return this.set('no-session');
    } catch {
      // the hub is unreachable: stay offline and try again
    }
    this.socket.connect();
  }
}
