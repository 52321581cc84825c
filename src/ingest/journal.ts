import type { AlarmEvent } from '../contract/alarm-event.js';
import type { DeviceStatus } from '../contract/socket.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/event-bus.js';
import type { HubEvents } from '../core/hub-events.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { DeviceStateRow } from '../store/index.js';
import { writeEventBatch, type EventBatchStore } from '../store/index.js';
import { GroupCommit } from './group-commit.js';

/** What one message (or one hub observation) asks to be written and then announced. */
export interface JournalEntry {
  events: AlarmEvent[];
  states: DeviceStateRow[];
  /** Availability changes, announced as `device:status` once committed. */
  statuses: DeviceStatus[];
}

export interface JournalOptions {
  store: EventBatchStore;
  bus: EventBus<HubEvents>;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** Identical payloads from one device within this window are one event (retransmissions). */
  payloadDedupeWindowMs: number;
  /** Device message ids are remembered this long (devices restart their counters eventually). */
  msgIdDedupeWindowMs: number;
  /** Largest group-commit batch. */
  maxBatch?: number;
  /** The store's last event seq at start (EventRepository.lastSeq): nothing after it is announced yet. */
  lastSeq: number;
  /** See ReadAhead. */
  readAhead?: ReadAhead | undefined;
}

/**
 * What the subscribers of `event:stored` need read before a batch is announced (dispatch's site
 * histories and 警情编号 counters: src/dispatch/incidents.ts implements it), so they can act in the
 * tick of the announcement. Called in the macrotask after the batch's commit, once its PUBACKs
 * have left, never before: it is downstream work and must not delay an acknowledgement. (On
 * shutdown, `flush()` announces at once; the broker has stopped taking messages by then.) The reads
 * of several batches may run at once; the batches are still announced in commit order. Must not
 * reject (a failed read is retried downstream); a rejection is logged and the batch announced anyway.
 */
export interface ReadAhead {
  readAhead(stored: readonly AlarmEvent[]): Promise<void>;
}

interface Announcement {
  stored: AlarmEvent[];
  statuses: DeviceStatus[];
  /** The batch's read-ahead, once started (see announce). */
  ready?: Promise<void>;
}

/**
 * The journal: entries are group-committed (one transaction, one fsync per batch); each caller's
 * promise resolves when its batch is durable, so the broker sends the PUBACKs; only then — on the
 * next macrotask, after the acknowledgements have been written to the sockets — is the batch
 * announced (`device:status`, then `event:stored`), in commit order. Dispatch, console pushes and
 * video run from those announcements, outside the store's transaction: a slow or failing
 * subscriber can delay neither the commit nor a PUBACK.
 */
export class Journal {
  private readonly commit: GroupCommit<JournalEntry>;
  private readonly announcements: Announcement[] = [];
  private announceTimer: NodeJS.Immediate | null = null;
  /** The announcing loop while it runs (it may wait for a batch's read-ahead). */
  private announcing: Promise<void> | null = null;
  private readonly countStored;
  private readonly countDuplicate;
  private announced: number;

  constructor(private readonly o: JournalOptions) {
    this.announced = o.lastSeq;
    this.countStored = o.metrics.counter('sg_events_stored_total', 'Alarm events committed to storage, by kind');
    this.countDuplicate = o.metrics.counter('sg_events_duplicate_total', 'Duplicate deliveries suppressed');
    this.commit = new GroupCommit<JournalEntry>({
      write: (entries) => this.write(entries),
      maxBatch: o.maxBatch ?? 512,
      onError: (err, n) => o.log.error({ err, batch: n }, 'event commit failed; devices will resend'),
    });
    o.metrics.gauge('sg_ingest_commit_pending', 'Messages waiting for the next group commit', () => this.commit.pending);
    o.metrics.gauge('sg_ingest_commit_batches_total', 'Group-commit transactions written', () => this.commit.batches);
  }

  /**
   * The newest event `seq` announced on the bus. A console's snapshot and catch-up run up to this,
   * never up to the store's last seq: events committed but not yet announced reach the console by
   * their announcement, and would otherwise arrive twice (once in the replay, once live).
   */
  get announcedSeq(): number {
    return this.announced;
  }

  /** Resolves once the entry is committed (its announcement follows); rejects when the write failed. */
  append(entry: JournalEntry): Promise<void> {
    return this.commit.enqueue(entry);
  }

  /** Commits everything queued and announces everything committed (shutdown). */
  async flush(): Promise<void> {
    await this.commit.flush();
    await this.announce();
  }

  /** One batch: dedupe windows are measured from the commit time, as a resend is compared with what is stored. */
  private async write(entries: JournalEntry[]): Promise<void> {
    const now = this.o.clock.now();
    const payloadSince = now - this.o.payloadDedupeWindowMs;
    const msgIdSince = now - this.o.msgIdDedupeWindowMs;
    const events = entries.flatMap((entry) =>
      entry.events.map((event) => ({ event, duplicateSinceMs: event.dedupeKey.startsWith('m:') ? msgIdSince : payloadSince })),
    );
    const result = await writeEventBatch(this.o.store, { events, states: entries.flatMap((e) => e.states) });
    if (result.duplicates > 0) this.countDuplicate(undefined, result.duplicates);
    for (const e of result.stored) this.countStored({ kind: e.kind });
    const statuses = entries.flatMap((e) => e.statuses);
    if (result.stored.length === 0 && statuses.length === 0) return;
    this.announcements.push({ stored: result.stored, statuses });
    // setImmediate, not a microtask: the callers' promises (and with them the PUBACKs) settle first.
    this.announceTimer ??= setImmediate(() => void this.announce());
  }

  /** Announces what was committed, oldest batch first. Downstream stages see only what is durable. */
  private announce(): Promise<void> {
    if (this.announceTimer) clearImmediate(this.announceTimer);
    this.announceTimer = null;
    // Every batch committed so far has been acknowledged: start the reads of all of them now, so a
    // slow read (a site history from PostgreSQL) does not hold back the next batch's read.
    for (const a of this.announcements) a.ready ??= this.readAheadOf(a.stored);
    // One loop at a time, so batches keep their order while one waits for its read-ahead.
    this.announcing ??= this.announceAll().finally(() => {
      this.announcing = null;
      // Committed after the loop saw an empty list but before it ended: its timer found the loop still running.
      if (this.announcements.length > 0) this.announceTimer ??= setImmediate(() => void this.announce());
    });
    return this.announcing;
  }

  private async readAheadOf(stored: readonly AlarmEvent[]): Promise<void> {
    if (!this.o.readAhead || stored.length === 0) return;
    try {
      await this.o.readAhead.readAhead(stored);
    } catch (err) {
      this.o.log.warn({ err, events: stored.length }, 'read-ahead failed; announcing the batch anyway');
    }
  }

  private async announceAll(): Promise<void> {
    for (let next = this.announcements.shift(); next; next = this.announcements.shift()) {
      if (!next.ready) {
        // Committed while this loop was waiting, so announce() has not started its read: its
        // PUBACKs settle in this turn of the event loop, and the read starts in the next one.
        await new Promise<void>((r) => setImmediate(r));
        next.ready = this.readAheadOf(next.stored);
      }
      await next.ready;
      // The bus catches and counts a subscriber that throws; the next announcement still goes out.
      for (const s of next.statuses) this.o.bus.emit('device:status', s);
      const last = next.stored.at(-1)?.seq;
      if (last !== undefined) this.announced = last;
      if (next.stored.length > 0) this.o.bus.emit('event:stored', next.stored);
    }
  }
}
