/**
 * The event log as consoles get it in replica mode (issue 18): each replica pushes `event:stored`
 * to ITS OWN consoles by reading the store's `events` in seq order, not by relaying what each
 * replica announces on its bus through the Socket.IO Redis adapter.
 *
 * Why: replicas A and B commit seq n and n+1 one after the other, but each announces its own batch
 * on its own bus and publishes it on its own Redis connection, so a console could get n+1 before n
 * and, with the page's "drop anything at or below the last seq" rule, never show n (the kill tests
 * measured 7–13 % of alarms missing on consoles). And a replica that dies between its commit and
 * its announcement never pushed its events at all. Reading the store, every replica sees every
 * committed event, once, in seq order, whoever stored it and whether it is still alive.
 *
 * Why no seq is skipped that commits later: on PostgreSQL every transaction that appends events
 * takes the events advisory lock before it draws its seqs and holds it to its commit
 * (store/postgres/event-repo.ts, transaction.ts). So seq n+1 is drawn only after the transaction of
 * n has committed (and is visible) or rolled back: once a read sees n+1, nothing at or below it can
 * still appear. A seq drawn by a transaction that rolled back is a hole for good, and passed over.
 *
 * Fast by wake-ups (this replica's own commits on its bus, other replicas' through NOTIFY), correct
 * by a short sweep (a NOTIFY is lost while the listener reconnects). One read at a time; a wake-up
 * during a read asks for one more.
 */
import type { StoredEvent } from '../../store/index.js';

/** Keyset paging over the committed event log (the store port's `query` with `afterSeq`). */
export interface EventLogReader {
  query(q: { afterSeq: number; limit: number }): Promise<StoredEvent[]>;
  lastSeq(): Promise<number>;
}

export interface EventTailOptions {
  events: EventLogReader;
  /** The backstop: a read this often even when no wake-up came. */
  sweepMs?: number;
  /** Least time between the end of a read and the next one when wake-ups came meanwhile. */
  minGapMs?: number;
  /** Rows per read (a full page is followed by the next at once). */
  pageSize?: number;
  log?: { warn(obj: object, msg: string): void };
  /** Counts reads that failed (the store is down): the next wake-up or sweep reads again. */
  onReadFailed?: () => void;
}

export const TAIL_SWEEP_MS = 1_000;
export const TAIL_MIN_GAP_MS = 15;
const TAIL_PAGE = 1_000;

export class EventTail {
  private pos: number | null = null;
  private reading: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private pause: NodeJS.Timeout | null = null;
  private readonly handlers = new Set<(events: StoredEvent[]) => void>();
  private failing = false;

  constructor(private readonly o: EventTailOptions) {}

  /**
   * The highest seq pushed to this replica's consoles (every committed event at or below it has
   * been handed to `onEvents`). A console's catch-up by `since` runs up to this and joins its room
   * in the same synchronous run, so what comes after reaches it live, once. 0 before `start`.
   */
  get position(): number {
    return this.pos ?? 0;
  }

  /** Starts at the store's end: consoles connecting from now on get the queue and the log from here. */
  async start(): Promise<void> {
    this.stopped = false;
    this.pos = await this.o.events.lastSeq();
    this.timer = setInterval(() => this.wake(), this.o.sweepMs ?? TAIL_SWEEP_MS);
    this.timer.unref();
    this.wake();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.pause) clearTimeout(this.pause);
    this.timer = null;
    this.pause = null;
  }

  /** Committed events, in seq order, each once. Handlers run synchronously with the position moving past them. */
  onEvents(fn: (events: StoredEvent[]) => void): () => void {
    this.handlers.add(fn);
    return () => {
      this.handlers.delete(fn);
    };
  }

  /** Something was committed (here or on another replica): read past the position. */
  wake(): void {
    if (this.stopped || this.pos === null) return;
    if (this.reading !== null || this.pause !== null) {
      this.again = true;
      return;
    }
    this.reading = this.readAll().finally(() => {
      this.reading = null;
      if (!this.again || this.stopped) return;
      // Commits during the read: one more read for all of them, a moment later. Under load every
      // replica's every batch wakes every tail; this keeps it to one query per gap, not per batch.
      this.pause = setTimeout(() => {
        this.pause = null;
        this.wake();
      }, this.o.minGapMs ?? TAIL_MIN_GAP_MS);
    });
  }

  private deliver(fn: (events: StoredEvent[]) => void, events: StoredEvent[]): void {
    try {
      fn(events);
    } catch (err) {
      this.o.log?.warn({ err: (err as Error).message }, 'console event push failed');
    }
  }

  private async readAll(): Promise<void> {
    const limit = this.o.pageSize ?? TAIL_PAGE;
    try {
      for (;;) {
        // Whatever is committed from here on is either in this read or wakes another one.
        this.again = false;
        const page = await this.o.events.query({ afterSeq: this.position, limit });
        if (this.stopped) return;
        this.failing = false;
        // A page read when the position had moved (it cannot: one read at a time) would repeat events.
        const fresh = page.filter((e) => e.seq > this.position);
        if (fresh.length > 0) {
          this.pos = fresh.at(-1)!.seq;
          for (const fn of [...this.handlers]) this.deliver(fn, fresh);
        }
        if (page.length < limit) return;
      }
    } catch (err) {
      this.o.onReadFailed?.();
      // Said once per outage, not once per sweep.
      if (!this.failing) this.o.log?.warn({ err: (err as Error).message }, 'console event log read failed; reading again at the next wake-up');
      this.failing = true;
    }
  }
}
