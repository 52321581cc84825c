/**
 * Keeps this replica's fair share of partition leases. Each round (every `intervalMs`, ± jitter so
 * replicas do not move in step) it surveys PostgreSQL's lock table — which is also its heartbeat:
 * a failed survey means the lock session is lost — runs the pure balance rule
 * (src/cluster/partitions.ts), gives up what is above its share and takes free partitions.
 *
 * Events (handlers may be async; the manager awaits them in order):
 * - `acquired(partitions)` — this replica now owns them: load those sites, recover their open
 *   incidents and unprocessed events, start their escalation timers.
 * - `releasing(partitions)` — about to give them up: `owns()` is already false for their sites (no
 *   new command starts); wait for what is running (Forwarder.drain), stop acting for those sites and
 *   flush. The lock is released only after every handler has returned; a handler that throws keeps
 *   the partitions (owned again).
 * - `released(partitions)` — the locks are gone.
 * - `lost({ reason, partitions })` — the lock session dropped: PostgreSQL may already have given the
 *   partitions to another replica; stop acting for them NOW. The manager reconnects next round.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { LockSurvey, PartitionLocks } from '../store/ports.js';
import { DEFAULT_PARTITIONS, partitionOf, planBalance } from './partitions.js';

/** The timer the loop waits on: the system's in production; tests may pass their own. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const systemTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface LeaseEvents {
  acquired: number[];
  releasing: number[];
  released: number[];
  lost: { reason: string; partitions: number[] };
}

type Handler<T> = (payload: T) => void | Promise<void>;

export interface LeaseManagerOptions {
  locks: PartitionLocks;
  clock: Clock;
  partitions?: number;
  /** Time between rounds; failover takes at most about one round after PostgreSQL frees the locks. */
  intervalMs?: number;
  /** Each wait is intervalMs × (1 ± jitter × random). */
  jitter?: number;
  random?: () => number;
  timers?: Timers;
  log?: Logger;
}

export interface LeaseStatus {
  replicaId: string;
  connected: boolean;
  held: number[];
  /** Live replicas seen in the last survey. */
  replicas: string[];
  /** Clock time of the last successful survey (the heartbeat), or null. */
  lastSurveyMs: number | null;
  lostCount: number;
}

export class LeaseManager {
  readonly partitions: number;
  private readonly intervalMs: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private readonly timers: Timers;
  private readonly handlers: { [K in keyof LeaseEvents]: Set<Handler<LeaseEvents[K]>> } = {
    acquired: new Set(),
    releasing: new Set(),
    released: new Set(),
    lost: new Set(),
  };
  /** What this replica acts as owner of: changed only together with the events above. */
  private readonly owned = new Set<number>();
  private lastSurvey: LockSurvey | null = null;
  private lastSurveyMs: number | null = null;
  private lostCount = 0;
  private timer: unknown = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  /** Handler failures, for /metrics. */
  handlerErrors = 0;

  constructor(private readonly o: LeaseManagerOptions) {
    this.partitions = o.partitions ?? DEFAULT_PARTITIONS;
    this.intervalMs = o.intervalMs ?? 2_000;
    this.jitter = Math.min(1, Math.max(0, o.jitter ?? 0.2));
    this.random = o.random ?? Math.random;
    this.timers = o.timers ?? systemTimers;
    o.locks.onLost((reason) => {
      void this.onLost(reason);
    });
  }

  on<K extends keyof LeaseEvents>(name: K, fn: Handler<LeaseEvents[K]>): () => void {
    const set = this.handlers[name] as Set<Handler<LeaseEvents[K]>>;
    set.add(fn);
    return () => {
      set.delete(fn);
    };
  }

  /** Starts the loop; the first round runs now. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Runs one round now (tests, and a shell that wants a quick first share before it reports ready). */
  round(): Promise<void> {
    this.running ??= this.runRound().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** True when this replica holds the partition of the site now. */
  owns(siteId: string): boolean {
    return this.owned.has(partitionOf(siteId, this.partitions));
  }

  /** The replica holding the site's partition at the last survey (itself included), or null when none did. */
  ownerOf(siteId: string): string | null {
    const p = partitionOf(siteId, this.partitions);
    if (this.owned.has(p)) return this.o.locks.replicaId;
    const seen = this.lastSurvey?.owners.get(p) ?? null;
    // Held by us but not owned: being given up (or lost) right now — nobody to send it to this instant.
    return seen === this.o.locks.replicaId ? null : seen;
  }

  status(): LeaseStatus {
    return {
      replicaId: this.o.locks.replicaId,
      connected: this.o.locks.connected,
      held: [...this.owned].sort((a, b) => a - b),
      replicas: this.lastSurvey?.replicas.map((r) => r.id) ?? [],
      lastSurveyMs: this.lastSurveyMs,
      lostCount: this.lostCount,
    };
  }

  /** Graceful drain: stops the loop, gives every partition up (so others take over at once), ends the session. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    const all = [...this.owned].sort((a, b) => a - b);
    if (all.length > 0) {
      for (const p of all) this.owned.delete(p);
      await this.emit('releasing', all);
      await this.emit('released', all);
    }
    await this.o.locks.close();
  }

  private schedule(baseMs: number): void {
    if (this.stopped) return;
    const wait = baseMs === 0 ? 0 : baseMs * (1 + this.jitter * (2 * this.random() - 1));
    this.timer = this.timers.set(() => {
      this.timer = null;
      void this.round().finally(() => this.schedule(this.intervalMs));
    }, wait);
  }

  private async runRound(): Promise<void> {
    const locks = this.o.locks;
    try {
      if (!locks.connected) await locks.connect();
      const survey = await locks.survey();
      this.lastSurvey = survey;
      this.lastSurveyMs = this.o.clock.now();
      const free = new Set<number>();
      for (let p = 0; p < this.partitions; p++) if (!survey.owners.has(p)) free.add(p);
      const plan = planBalance({
        partitions: this.partitions,
        self: locks.replicaId,
        replicas: survey.replicas.map((r) => ({ id: r.id, held: r.partitions.length })),
        mine: new Set([...locks.held()].filter((p) => p < this.partitions)),
        free,
      });
      if (plan.release.length > 0) await this.giveUp(plan.release);
      const got: number[] = [];
      for (const p of plan.acquire) {
        if (await locks.tryAcquire(p)) {
          got.push(p);
          survey.owners.set(p, locks.replicaId);
        }
      }
      // The session may have dropped between a lock and here: only what is still held is owned.
      const held = got.filter((p) => locks.held().has(p));
      if (held.length > 0) {
        for (const p of held) this.owned.add(p);
        await this.emit('acquired', held);
      }
    } catch (err) {
      // A lost session already told the handlers (onLost); the next round reconnects.
      this.o.log?.warn({ err: (err as Error).message, replica: locks.replicaId }, 'partition lease round failed');
    }
  }

  private async giveUp(partitions: number[]): Promise<void> {
    // Not owned from here on: owns() is false while the handlers drain what is running for these sites,
    // so no new command starts on them meanwhile.
    for (const p of partitions) this.owned.delete(p);
    const ok = await this.emit('releasing', partitions);
    if (!ok) {
      // A handler could not stop acting for them: keep them rather than risk two writers.
      for (const p of partitions) if (this.o.locks.held().has(p)) this.owned.add(p);
      return;
    }
    for (const p of partitions) await this.o.locks.release(p);
    this.lastSurvey?.owners.forEach((owner, p) => {
      if (owner === this.o.locks.replicaId && partitions.includes(p)) this.lastSurvey?.owners.delete(p);
    });
    await this.emit('released', partitions);
  }

  private async onLost(reason: string): Promise<void> {
    const partitions = [...this.owned].sort((a, b) => a - b);
    this.owned.clear();
    this.lostCount++;
    this.lastSurvey = null;
    this.o.log?.error({ replica: this.o.locks.replicaId, reason, partitions: partitions.length }, 'partition leases lost: acting as owner of none');
    await this.emit('lost', { reason, partitions });
  }

  /** Calls every handler in order; false when one threw (logged and counted, the others still run). */
  private async emit<K extends keyof LeaseEvents>(name: K, payload: LeaseEvents[K]): Promise<boolean> {
    let ok = true;
    for (const fn of [...(this.handlers[name] as Set<Handler<LeaseEvents[K]>>)]) {
      try {
        await fn(payload);
      } catch (err) {
        ok = false;
        this.handlerErrors++;
        this.o.log?.error({ err, event: `lease:${name}` }, 'lease handler failed');
      }
    }
    return ok;
  }
}
