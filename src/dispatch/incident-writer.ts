import type { Incident } from '../contract/incident.js';
import type { Logger } from '../core/logger.js';
import type { PartitionFence, Store } from '../store/index.js';
import { HeldWrites, type Mark } from './held-writes.js';
import { type HeldStop, OneShotStop } from './test-stop.js';
import { actorName, actorOrigin, type AuditFact } from './workflow.js';

/**
 * Incidents are derived from durable events, so their writes need not be durable at once: held in
 * memory up to this long, each incident is written once however many events joined it meanwhile
 * (alarms only, 1,000 sites: the incident row writes were the largest cost of the hub). The events
 * stay marked unprocessed until the incident that took them is written, in the same transaction,
 * so a crash before the write loses nothing: recover() correlates them again on start.
 */
export const DERIVED_WRITE_DELAY_MS = 500;
/** Hold at most this many events' marks; beyond it the held writes are written without waiting. */
const MAX_HELD_MARKS = 20_000;
/**
 * Held writes go to SQLite this many incidents per transaction, the event loop free between two.
 * One transaction for everything held put its whole length in front of the next PUBACKs: ~50 ms
 * after a burst of 1,000 new incidents, and 5–9 ms every half second at 2,000 messages/s (p99
 * 11 ms instead of 7). 25 incidents take ~2–3 ms (the rows are 4.5 KB; the WAL pages dominate).
 */
export const DERIVED_WRITE_PART = 25;

/** An incident changed by a human or hub action, its version stamped, with its audit row. */
export interface StampedChange {
  saved: Incident;
  audit: AuditFact;
}

export interface IncidentWriterOptions {
  store: Store;
  log: Logger;
  /** See DERIVED_WRITE_DELAY_MS; 0 writes after every batch. */
  delayMs: number;
  /**
   * Called inside the transaction that writes new incidents' first rows (with their `open` audit
   * rows), so what it writes — the notification outbox (issue 13) — exists exactly when those
   * incidents do: a crash before the commit loses both, and recover() rebuilds both.
   */
  withNewIncidents?: ((incidents: readonly Incident[]) => Promise<unknown> | undefined) | undefined;
  /**
   * Replica mode (issue 18): the lease fencing token of a site's partition as this replica holds it
   * now, null when it does not. Every write checks its sites' tokens inside its transaction
   * (IncidentRepository.staleFences) and rolls back when one moved on. Absent: one hub, no fence.
   */
  fence?: ((siteId: string) => PartitionFence | null) | undefined;
  /** Called once per write the fence refused (the counter). */
  onFenced?: (() => void) | undefined;
}

/**
 * A write refused by the lease fence: this replica no longer owns these sites (another replica took
 * their partitions, src/cluster/README.md). Nothing of the transaction was committed; the writes of
 * these sites were dropped (the new owner replays their events), the others kept for the next write.
 */
export class StaleOwnerError extends Error {
  constructor(readonly sites: ReadonlySet<string>) {
    super(`incident write refused: this replica no longer holds the lease of ${sites.size} site(s) it wrote (${[...sites].slice(0, 5).join(', ')})`);
    this.name = 'StaleOwnerError';
  }
}

/** The fence a write must pass, decided when its writes are taken (before any await). */
interface WriteFence {
  /** One token per partition the write touches. */
  fences: PartitionFence[];
  /** Site → its partition, or null when this replica did not hold it even when the write was taken. */
  partitionOf: Map<string, number | null>;
}

/**
 * Writes incidents to the store. Changes caused by device events are held (coalesced per incident)
 * and written a part at a time after the delay, each with the `open` audit row and the marks of
 * the events it took; human and hub actions are written at once and durably, with everything held
 * before them in the same transaction. Reads never write: what is held is only written by the
 * timer, an action, persist() and stop().
 *
 * One write at a time, in the order asked (`serial`): a part whose transaction fails is put back
 * before the next write takes what is held, so a later write never lands before an older version
 * of the same incident or the marks it carries (the synchronous writer had this for free).
 */
export class IncidentWriter {
  private readonly held = new HeldWrites();
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private serial: Promise<unknown> = Promise.resolve();
  /** Test seam (holdNextWrite): the next transaction waits here, after BEGIN and before its fence check. */
  private readonly beforeFence = new OneShotStop();

  constructor(private readonly o: IncidentWriterOptions) {}

  /** Held writes waiting, for tests and /metrics. */
  get heldWrites(): { incidents: number; events: number } {
    return { incidents: this.held.incidents.size, events: this.held.markCount };
  }

  get heldMarkCount(): number {
    return this.held.markCount;
  }

  /** For each of these events whose correlation is held: the incident that took it (or `-`). */
  heldMarksOf(eventIds: ReadonlySet<string>): Map<string, string> {
    const found = new Map<string, string>();
    if (eventIds.size === 0) return found;
    for (const list of this.held.marks.values()) for (const [eventId, incidentId] of list) if (eventIds.has(eventId)) found.set(eventId, incidentId);
    return found;
  }

  /** Holds the incidents changed by a batch of device events and the marks of its events. */
  hold(changed: ReadonlyArray<{ incident: Incident; how: 'new' | 'update' }>, marks: readonly Mark[]): void {
    for (const { incident, how } of changed) {
      this.held.hold(
        incident,
        how === 'new'
          ? {
              at: incident.openedAt,
              actor: 'hub',
              action: 'open',
              incidentId: incident.id,
              fromStatus: null,
              toStatus: 'new',
              origin: null,
              note: `${incident.kind} P${incident.priority}: ${incident.priorityReason}`,
            }
          : undefined,
      );
    }
    for (const m of marks) this.held.mark(m);
    if (this.o.delayMs <= 0) void this.persistOrLog();
    else if (this.held.markCount >= MAX_HELD_MARKS) this.schedule(0);
    else this.schedule();
  }

  /**
   * Forgets held writes of the sites `drop` picks (incidents and event marks), without writing them
   * (a replica that lost its partitions must not write). A write already taken by a running
   * transaction is not recalled: the lease fence refuses it.
   */
  discard(drop: (siteId: string) => boolean): number {
    return this.held.discardSites(drop);
  }

  /**
   * Writes the held derived state now: one transaction without its own fsync. Rejects when it fails
   * (kept held), or with StaleOwnerError when the fence refused sites (theirs dropped, the rest kept).
   */
  persist(): Promise<void> {
    return this.exclusive(async () => {
      const w = this.takeHeld();
      if (w) await this.writeInOwnTransaction(w);
    });
  }

  /**
   * TEST SEAM ONLY (test/integration/replica-fence.test.ts): the next write transaction stops right
   * after BEGIN, before its fence check, until `release()`; `entered` resolves when it got there.
   * Lets a test keep a stale owner's write in flight while another replica takes the sites over.
   */
  holdNextWrite(): HeldStop {
    return this.beforeFence.arm();
  }

  /** persist(), logging a failure instead of rejecting; the held writes are tried again later. */
  async persistOrLog(): Promise<void> {
    try {
      await this.persist();
    } catch (err) {
      this.failedWrite(err);
    }
  }

  /** Stopping: write everything held. */
  stop(): Promise<void> {
    return this.persistOrLog();
  }

  /**
   * Human or hub actions: durable (fsync), each with its audit row, in one transaction.
   * Everything held goes first, in the same transaction: an action's version includes the events
   * that joined before it, and their marks must not be written after it (a restart would apply
   * them twice). Rejects when the transaction fails; what was held is kept.
   */
  commit(changes: readonly StampedChange[]): Promise<void> {
    return this.exclusive(async () => {
      const held = this.takeHeld();
      const fence = this.fenceOf([...(held?.sites() ?? []), ...changes.map((c) => c.saved.siteId)]);
      try {
        await this.o.store.transaction(async () => {
          await this.passFence(fence);
          if (held) await this.writeHeld(held);
          for (const c of changes) await this.writeChange(c);
        });
      } catch (err) {
        if (held) this.putBack(held, err);
        else if (err instanceof StaleOwnerError) this.refused(err, 0);
        throw err;
      }
    });
  }

  /** Resolves when every write asked before this call has ended (committed, or failed and put back). */
  idle(): Promise<void> {
    return this.exclusive(async () => undefined);
  }

  /** Runs fn after every write asked before it has ended (committed, or failed and put back). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.serial.then(fn, fn);
    this.serial = result.catch(() => undefined);
    return result;
  }

  private async writeChange({ saved, audit }: StampedChange): Promise<void> {
    await this.o.store.incidents.save(saved);
    await this.o.store.audit.append({
      at: saved.updatedAt,
      actor: actorName(audit.actor),
      action: audit.action,
      incidentId: saved.id,
      fromStatus: audit.from,
      toStatus: audit.to,
      origin: actorOrigin(audit.actor),
      note: audit.note,
    });
  }

  private async writeInOwnTransaction(w: HeldWrites): Promise<void> {
    const fence = this.fenceOf(w.sites());
    try {
      await this.o.store.derivedTransaction(async () => {
        await this.passFence(fence);
        await this.writeHeld(w);
      });
    } catch (err) {
      this.putBack(w, err);
      throw err;
    }
  }

  /** The tokens a write of these sites must still hold when it commits; null for one hub. */
  private fenceOf(sites: Iterable<string>): WriteFence | null {
    const fenceOf = this.o.fence;
    if (!fenceOf) return null;
    const fences = new Map<number, PartitionFence>();
    const partitionOf = new Map<string, number | null>();
    for (const siteId of sites) {
      if (partitionOf.has(siteId)) continue;
      const f = fenceOf(siteId);
      partitionOf.set(siteId, f?.partition ?? null);
      if (f) fences.set(f.partition, f);
    }
    return { fences: [...fences.values()], partitionOf };
  }

  /**
   * Inside the write's transaction, before it writes: the test seam's stop, then the fence. Throws
   * StaleOwnerError (the transaction rolls back) naming the sites whose lease moved on.
   */
  private async passFence(fence: WriteFence | null): Promise<void> {
    await this.beforeFence.pass();
    if (!fence) return;
    const stale = new Set(fence.fences.length > 0 ? await this.o.store.incidents.staleFences(fence.fences) : []);
    const sites = new Set<string>();
    for (const [siteId, p] of fence.partitionOf) if (p === null || stale.has(p)) sites.add(siteId);
    if (sites.size > 0) throw new StaleOwnerError(sites);
  }

  /**
   * After a failed transaction: a fenced one drops the refused sites' writes and keeps the rest; any
   * other failure keeps everything. What is kept is tried again later.
   */
  private putBack(w: HeldWrites, err: unknown): void {
    if (err instanceof StaleOwnerError)
      this.refused(
        err,
        w.discardSites((s) => err.sites.has(s)),
      );
    if (!w.empty) this.restoreHeld(w);
  }

  /** Logs and counts a write the fence refused. */
  private refused(err: StaleOwnerError, incidents: number): void {
    this.o.onFenced?.();
    this.o.log.error(
      { sites: err.sites.size, example: [...err.sites].slice(0, 5), droppedIncidents: incidents },
      'incident write refused by the lease fence: another replica owns these sites now and replays their events; nothing of it was committed',
    );
  }

  /** Puts writes back after their transaction failed, and tries again later. */
  private restoreHeld(w: HeldWrites): void {
    this.held.restore(w);
    this.schedule();
  }

  private failedWrite(err: unknown): void {
    // A fenced write was logged and its other writes kept already (putBack).
    if (err instanceof StaleOwnerError) return;
    // Kept held: the next write (timer, human action, stop) tries again; the events stay
    // unprocessed in the store meanwhile, so a restart correlates them again.
    this.o.log.error({ err }, 'incident write failed; kept for the next attempt');
    this.schedule();
  }

  private schedule(delayMs = this.o.delayMs): void {
    if (this.timer) {
      if (delayMs > 0) return;
      this.cancelTimer();
    }
    const run = (): void => {
      this.timer = null;
      void this.writeParts(this.held.incidents.size);
    };
    this.timer = delayMs > 0 ? setTimeout(run, delayMs) : setImmediate(run);
    this.timer.unref();
  }

  private cancelTimer(): void {
    if (!this.timer) return;
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = null;
  }

  /**
   * Writes `remaining` held incidents (those held when the delay ran out), DERIVED_WRITE_PART per
   * transaction with the event loop free between two; then waits for the next. Never rejects.
   */
  private async writeParts(remaining: number): Promise<void> {
    let written = 0;
    try {
      written = await this.exclusive(async () => {
        const part = this.held.take(Math.max(1, Math.min(DERIVED_WRITE_PART, remaining)));
        if (!part.empty) await this.writeInOwnTransaction(part);
        return part.incidents.size;
      });
    } catch (err) {
      this.failedWrite(err);
      return;
    }
    const left = remaining - written;
    if (this.held.empty) return;
    if (left > 0 && written > 0) {
      // Held while this part was written: the rest of the due ones go on at once, not after a new delay.
      this.cancelTimer();
      this.timer = setImmediate(() => {
        this.timer = null;
        void this.writeParts(left);
      });
      this.timer.unref();
    } else {
      this.schedule();
    }
  }

  /** Takes everything held (null when nothing is), for a transaction that writes it. */
  private takeHeld(): HeldWrites | null {
    this.cancelTimer();
    return this.held.empty ? null : this.held.take();
  }

  /** Inside a transaction. */
  private async writeHeld(w: HeldWrites): Promise<void> {
    for (const i of w.incidents.values()) await this.o.store.incidents.save(i);
    for (const a of w.audits.values()) await this.o.store.audit.append(a);
    if (this.o.withNewIncidents && w.audits.size > 0) {
      const opened = [...w.audits.keys()].map((id) => w.incidents.get(id)).filter((i): i is Incident => i !== undefined);
      if (opened.length > 0) await this.o.withNewIncidents(opened);
    }
    for (const list of w.marks.values()) for (const [eventId, incidentId, seq] of list) await this.o.store.events.markProcessed(eventId, incidentId, seq);
  }
}
