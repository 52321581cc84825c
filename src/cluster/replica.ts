/**
 * This replica's share of the sites on PostgreSQL (issue 18, README.md here): partition leases on
 * advisory locks decide which replica correlates, commands and escalates each site; the lease
 * manager's events and the events' NOTIFY wake-ups drive the dispatch shell (its SiteOwner side).
 * Built by src/app/replica.ts when hub.yaml asks for replicas; one hub uses `singleHubRole`.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { Readiness, ReadinessCheck } from '../core/readiness.js';
import { EventNotifyListener } from '../store/postgres/event-notify.js';
import { PgPartitionLocks } from '../store/postgres/partition-locks.js';
import { LeaseManager } from './lease-manager.js';
import { partitionOf } from './partitions.js';
import type { ReplicaRole } from './role.js';

/** What the dispatch shell does when sites move (IncidentService's site methods). */
export interface SiteOwner {
  /** Sites just taken: load their open incidents and replay their unprocessed events. */
  takeSites(belongs: (siteId: string) => boolean): Promise<void>;
  /** Sites about to be given up: write what is held for them, then forget them. */
  giveUpSites(belongs: (siteId: string) => boolean): Promise<void>;
  /** Lock session gone: forget these sites at once, writing nothing (another replica may own them now). */
  dropSites(belongs: (siteId: string) => boolean): void;
  /** Another replica stored events of this site (NOTIFY): replay its unprocessed events. True when that read was queued. */
  wake(siteId: string, seq: number): boolean;
  /** The safety net: replay the unprocessed events of every owned site. */
  sweep(): void;
}

export interface Replica {
  readonly role: ReplicaRole;
  /** The lease loop; null for one hub. */
  readonly leases: LeaseManager | null;
  /** `partitions_pending` before the first lease round, `partitions_lost` while the lock session is down. */
  readonly readiness: ReadinessCheck | null;
  /**
   * Adds the readiness check, wires the lease events and wake-ups to the dispatch shell and runs
   * the first round (its share before the broker opens).
   */
  start(owner: SiteOwner, readiness: Pick<Readiness, 'addCheck'>): Promise<void>;
  /**
   * Events were committed by any replica (their NOTIFY, any site), or the listener (re)connected
   * and may have missed some: the consoles' event tail reads the store (src/api/socket/event-tail.ts).
   */
  onStored(fn: () => void): () => void;
  /** Drain: gives every partition up (the shell writes and drops its sites first), then stops listening. */
  stop(): Promise<void>;
}

export interface PostgresReplicaOptions {
  url: string;
  password: string | null;
  replicaId: string;
  /** cluster.lease_interval, ms. */
  leaseIntervalMs: number;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
}

/** The replica on a shared PostgreSQL: its role answered by the partition leases, started by `start`. */
export function postgresReplica(o: PostgresReplicaOptions): Replica {
  const { log, clock } = o;
  const password = o.password !== null ? { password: o.password } : {};
  const locks = new PgPartitionLocks({ url: o.url, replicaId: o.replicaId, ...password });
  const leases = new LeaseManager({ locks, clock, intervalMs: o.leaseIntervalMs, log });
  const wakeUps = new EventNotifyListener({ url: o.url, ...password, log });
  const role: ReplicaRole = {
    replicaId: o.replicaId,
    owns: (siteId) => leases.owns(siteId),
    ownerOf: (siteId) => leases.ownerOf(siteId),
    leads: () => leases.status().held.includes(0),
    replicated: true,
    // From the lock session, not from owns(): a partition being given up is still held (and its
    // writes flushed) until it is unlocked, and a lost session fences everything at once.
    fence: (siteId) => {
      const partition = partitionOf(siteId, leases.partitions);
      const epoch = locks.epochOf(partition);
      return epoch === undefined ? null : { partition, epoch };
    },
  };
  o.metrics.gauge('sg_cluster_partitions_held', 'Partitions (site shares) this replica owns now', () => leases.status().held.length);
  const countWakeUps = o.metrics.counter(
    'sg_cluster_wakeups_total',
    "Wake-ups (NOTIFY) that made this replica read an owned site's unprocessed events (stored by another replica)",
  );
  const inParts = (partitions: readonly number[]): ((siteId: string) => boolean) => {
    const set = new Set(partitions);
    return (siteId) => set.has(partitionOf(siteId, leases.partitions));
  };
  const check: ReadinessCheck = () => {
    const s = leases.status();
    if (s.lastSurveyMs === null) return 'partitions_pending';
    return s.connected ? null : 'partitions_lost';
  };
  const offs: Array<() => void> = [];
  let retry: NodeJS.Timeout | null = null;
  let stopped = false;
  // The listener reconnects by itself once it has connected; a first connection that fails is tried
  // again here, and sites taken meanwhile are still replayed by takeSites (the wake-ups are the fast path).
  const listen = async (): Promise<void> => {
    try {
      await wakeUps.start();
    } catch (err) {
      if (stopped) return;
      log.warn({ err: (err as Error).message }, 'event wake-up listener could not start; trying again in 5 s');
      retry = setTimeout(() => {
        retry = null;
        void listen();
      }, 5_000);
      retry.unref();
    }
  };
  return {
    role,
    leases,
    readiness: check,
    async start(owner, readiness) {
      readiness.addCheck(check);
      offs.push(
        leases.on('acquired', (ps) => owner.takeSites(inParts(ps))),
        leases.on('releasing', (ps) => owner.giveUpSites(inParts(ps))),
        leases.on('lost', ({ partitions }) => owner.dropSites(inParts(partitions))),
        wakeUps.onEvent(({ siteId, seq }) => {
          if (leases.owns(siteId) && owner.wake(siteId, seq)) countWakeUps();
        }),
        wakeUps.onSweep(() => owner.sweep()),
      );
      await listen();
      await leases.round();
      leases.start();
    },
    onStored(fn) {
      const offEvent = wakeUps.onEvent(() => fn());
      const offSweep = wakeUps.onSweep(() => fn());
      return () => {
        offEvent();
        offSweep();
      };
    },
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      await leases.stop();
      await wakeUps.stop();
      for (const off of offs.splice(0)) off();
    },
  };
}
