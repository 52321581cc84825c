import type { Logger } from '../core/logger.js';
import type { IncidentWriter } from './incident-writer.js';
import type { SerialQueue } from '../core/serial-queue.js';
import type { SiteFilter, SiteMemory } from './site-memory.js';
import { type HeldStop, OneShotStop } from './test-stop.js';

export interface ReplicaSitesOptions {
  /** Whether this replica's lease holds the site now (src/cluster/role.ts); absent: one hub, every site is ours. */
  owns?: ((siteId: string) => boolean) | undefined;
  queue: SerialQueue;
  memory: SiteMemory;
  writer: IncidentWriter;
  log: Logger;
  /** Since when a take loads the sites' false closes (repeat detection), ms. */
  falseSince: () => number;
  /** In the queue: correlates the unprocessed events of owned sites that `belongs` keeps; how many. */
  replay: (belongs: SiteFilter, siteIds?: readonly string[]) => Promise<number>;
}

/** A take of partitions: loaded yet or not, and whether its load failed (the sweep tries it again). */
interface Take {
  belongs: SiteFilter;
  failed: boolean;
}

/**
 * Sites moving between replicas (issue 18, src/cluster/README.md): which sites this replica
 * correlates now, taking partitions (load, then replay their unprocessed events), giving them up
 * (write, then forget) or dropping them when the lock session is lost (forget, write nothing), and
 * the wake-ups and sweeps that correlate events another replica stored for an owned site.
 */
export class ReplicaSites {
  /**
   * Takes whose sites are not loaded yet. The lease manager marks a partition owned and calls
   * takeSites in one tick, but work already in the queue (a sweep, a recovery) runs before the take:
   * it must not see these sites as owned, or it correlates their events without their open
   * incidents and opens a second one (kill-test bug 2). A take whose load failed stays here (its
   * events stay unprocessed, not mis-correlated) and the next sweep tries it again.
   */
  private readonly loading: Take[] = [];
  /** Sites with a wake-up waiting in the queue (all of them read in one query when the queue gets there). */
  private readonly wakePending = new Set<string>();
  private sweepPending = false;
  /** Test seam: holdNextTake. */
  private readonly beforeReplay = new OneShotStop();

  constructor(private readonly o: ReplicaSitesOptions) {}

  /** Whether this replica correlates the site's events now: its lease holds it and its take has loaded it. */
  owns(siteId: string): boolean {
    if (!this.o.owns) return true;
    return this.o.owns(siteId) && !this.loading.some((l) => l.belongs(siteId));
  }

  /**
   * Partitions just acquired: in the queue, load these sites' open incidents (not held already),
   * their false alarms and armed state, and replay their unprocessed events — the crash-recovery
   * path for the sites only. Their escalations are checked from the next tick on.
   */
  take(belongs: SiteFilter): Promise<void> {
    const entry = { belongs, failed: false };
    this.loading.push(entry);
    return this.runTake(entry);
  }

  /**
   * Partitions about to be released (`owns` is already false for them): after what is queued,
   * write everything held — these sites' incidents among it — and forget them. Rejects when the
   * write fails: the lease manager then keeps the partitions rather than let two replicas write.
   */
  giveUp(belongs: SiteFilter): Promise<void> {
    return this.o.queue.run(async () => {
      await this.o.writer.persist();
      this.o.memory.forget(belongs);
    });
  }

  /**
   * The lock session was lost: another replica may own these sites already. Forget them at once,
   * held writes included, writing nothing (their events stay unprocessed for the new owner; a write
   * already on its way is refused by the lease fence: IncidentWriter, src/cluster/README.md).
   */
  drop(belongs: SiteFilter): void {
    const dropped = this.o.writer.discard(belongs);
    this.o.memory.forget(belongs);
    this.o.log.warn({ heldIncidents: dropped }, 'sites dropped without writing: this replica no longer owns them');
  }

  /** Another replica stored events of an owned site up to `seq` (NOTIFY): correlate them now. */
  wake(siteId: string, seq: number): boolean {
    // Correlated by this run: its own event (the bus brought it first), nothing to read.
    if (!this.owns(siteId) || this.o.memory.hasSeenSeq(seq) || this.wakePending.has(siteId)) return false;
    this.wakePending.add(siteId);
    // One read for every site woken while the queue was busy (many replicas' batches wake many sites).
    if (this.wakePending.size > 1) return true;
    this.o.queue
      .run(() => {
        const sites = new Set(this.wakePending);
        this.wakePending.clear();
        return this.o.replay((s) => sites.has(s), [...sites]);
      })
      .catch((err: unknown) => this.o.log.error({ err }, 'could not correlate woken events; the next sweep tries again'));
    return true;
  }

  /** The safety net behind wake-ups (NOTIFY is not durable): correlate every owned site's unprocessed events. */
  sweep(): void {
    // A take whose load failed (PostgreSQL did not answer): try it again, before the sites' events.
    for (const entry of this.loading) {
      if (!entry.failed) continue;
      entry.failed = false;
      this.runTake(entry).catch((err: unknown) => this.o.log.error({ err }, 'taking over sites failed again; their events wait for the next sweep'));
    }
    if (this.sweepPending) return;
    this.sweepPending = true;
    this.o.queue
      .run(() => {
        this.sweepPending = false;
        return this.o.replay(() => true);
      })
      .catch((err: unknown) => this.o.log.error({ err }, 'sweep of unprocessed events failed; tried again at the next'));
  }

  /**
   * TEST SEAM ONLY (test/integration/replica-fence.test.ts): the next take stops after it has
   * loaded the sites' open incidents and before it reads their unprocessed events, until `release()`
   * — the window in which a stale owner's late commit used to hide an incident from the new owner.
   */
  holdNextTake(): HeldStop {
    return this.beforeReplay.arm();
  }

  /** In the queue: the take itself (also a failed take's retry from the sweep). */
  private runTake(entry: Take): Promise<void> {
    return this.o.queue.run(async () => {
      try {
        const loaded = await this.o.memory.loadSites(entry.belongs, this.o.falseSince());
        this.o.log.info({ incidents: loaded }, 'taking over sites: open incidents loaded');
      } catch (err) {
        entry.failed = true;
        throw err;
      }
      // Loaded: from here on the sites are this replica's to correlate.
      this.loading.splice(this.loading.indexOf(entry), 1);
      await this.beforeReplay.pass();
      const replayed = await this.o.replay(entry.belongs);
      this.o.log.info({ events: replayed }, 'took over sites: unprocessed events correlated');
    });
  }
}
