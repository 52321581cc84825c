import { outsideTransactions } from '../store/index.js';

/**
 * Group commit, the journal's batching: callers enqueue work and get a promise; work queued while
 * one batch is being written goes into the next batch, and each batch is one transaction (one
 * fsync). Every promise of a batch resolves only after its transaction committed — which is what
 * lets a QoS 1 PUBACK wait for durability without costing one fsync per message. One batch is
 * written at a time, in order. It lives in ingest, beside its one user: the store only writes the
 * batch it is handed (store/event-batch.ts) and never calls back into ingest.
 */
export interface GroupCommitOptions<T> {
  /** Writes a whole batch in one transaction; rejects to fail every item of the batch. */
  write(items: T[]): Promise<void>;
  /** Largest batch. */
  maxBatch?: number;
  /** How long the first item of a batch may wait for company, ms. 0 = next macrotask. */
  maxDelayMs?: number;
  onError?(err: unknown, batchSize: number): void;
}

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class GroupCommit<T> {
  private queue: Pending<T>[] = [];
  private timer: NodeJS.Immediate | NodeJS.Timeout | null = null;
  /** The batches being written now; null when idle. */
  private writing: Promise<void> | null = null;
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;
  /** Figures for /metrics. */
  batches = 0;
  items = 0;
  lastBatchSize = 0;

  constructor(private readonly options: GroupCommitOptions<T>) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 0;
  }

  get pending(): number {
    return this.queue.length;
  }

  enqueue(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.maxBatch) void this.flush();
      else this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer) return;
    // Outside any caller's transaction: the batch is its own transaction, whoever enqueued first.
    this.timer = outsideTransactions(() =>
      this.maxDelayMs > 0 ? setTimeout(() => void this.flush(), this.maxDelayMs) : setImmediate(() => void this.flush()),
    );
  }

  /**
   * Writes everything queued, batch after batch, and resolves when the queue is empty (shutdown
   * awaits it). Never rejects: a failed batch rejects its own callers' promises. While a batch is
   * written, new work waits for the next one; a call during a write joins the running loop.
   */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = null;
    }
    this.writing ??= outsideTransactions(() => this.writeAll()).finally(() => {
      this.writing = null;
      // Enqueued after the loop saw an empty queue but before it ended.
      if (this.queue.length > 0) this.schedule();
    });
    return this.writing;
  }

  private async writeAll(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.options.write(batch.map((p) => p.item));
        this.batches++;
        this.items += batch.length;
        this.lastBatchSize = batch.length;
        for (const p of batch) p.resolve();
      } catch (err) {
        this.options.onError?.(err, batch.length);
        for (const p of batch) p.reject(err);
      }
    }
  }
}
