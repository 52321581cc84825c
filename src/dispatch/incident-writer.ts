import type { Incident } from '../contract/incident.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/index.js';
import { HeldWrites, type Mark } from './held-writes.js';
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
   * Forgets held writes of the incidents `drop` picks, without writing them (a replica that lost its
   * partitions must not write). A write already taken by a running transaction is not recalled.
   */
  discard(drop: (i: Incident) => boolean): number {
    return this.held.discard(drop);
  }

  /** Writes the held derived state now: one transaction without its own fsync. Rejects when it fails (kept held). */
  persist(): Promise<void> {
    return this.exclusive(async () => {
      const w = this.takeHeld();
      if (w) await this.writeInOwnTransaction(w);
    });
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
      try {
        await this.o.store.transaction(async () => {
          if (held) await this.writeHeld(held);
          for (const c of changes) await this.writeChange(c);
        });
      } catch (err) {
        if (held) this.restoreHeld(held);
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
    try {
      await this.o.store.derivedTransaction(() => this.writeHeld(w));
    } catch (err) {
      this.restoreHeld(w);
      throw err;
    }
  }

  /** Puts writes back after their transaction failed, and tries again later. */
  private restoreHeld(w: HeldWrites): void {
    this.held.restore(w);
    this.schedule();
  }

  private failedWrite(err: unknown): void {
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
