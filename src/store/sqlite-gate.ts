import { AsyncLocalStorage } from 'node:async_hooks';
import { pgTransactions } from './postgres/transaction.js';
import { SerialQueue } from '../core/serial-queue.js';

/**
 * A synchronous repository as the SQLite classes write it: the port's methods with their values
 * returned directly (better-sqlite3 blocks). `promised` turns one into the port itself.
 */
export type Sync<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : T[K];
};

/** The transaction an async context runs in (one per `SqliteGate.transaction` call that opened one). */
interface OpenTransaction {
  gate: SqliteGate;
  done: boolean;
}

/** One for the process: a context belongs to at most one open transaction, whichever store it is. */
const current = new AsyncLocalStorage<OpenTransaction>();

/**
 * Runs fn outside any transaction's async context. For work that outlives the call that scheduled
 * it (a timer, a batch flushed later): it must start its own transaction, never join whichever one
 * happened to be open when it was scheduled.
 */
export function outsideTransactions<T>(fn: () => T): T {
  // PostgreSQL's transactions too (postgres/transaction.ts keeps its own context).
  return current.exit(() => pgTransactions.exit(fn));
}

/**
 * The one SQLite connection's door. Transactions go through a queue (a promise chain), so two never
 * interleave on the connection even though each may await between its statements; BEGIN IMMEDIATE
 * and COMMIT are issued by hand, because better-sqlite3's own `transaction()` cannot span an await.
 * A repository call made while a transaction runs, in that transaction's async context, joins it; a
 * call from anywhere else waits in the same queue, so it neither lands inside someone else's open
 * transaction nor reads what that transaction has not committed. When nothing is queued a call runs
 * at once — the common case, which costs no extra turn of the event loop.
 */
export class SqliteGate {
  /** Tasks queued or running; 0 means the connection is idle between transactions. */
  private readonly queue = new SerialQueue();

  constructor(
    private readonly exec: (sql: string) => void,
    private readonly inTransaction: () => boolean,
    /** Forget what repositories cached of writes that did not commit (incident numbers, the audit head). */
    private readonly onRollback: () => void,
  ) {}

  /** A single repository call: joins the caller's transaction, else runs when the connection is free. */
  call<T>(fn: () => T): Promise<T> {
    if (!this.queue.busy || this.joins()) {
      try {
        return Promise.resolve(fn());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.enqueue(async () => fn());
  }

  /**
   * fn's calls commit together or not at all. `beforeBegin`/`afterEnd` wrap the whole transaction
   * (a pragma that SQLite does not allow inside one). Inside another transaction: joins it.
   */
  transaction<T>(fn: () => Promise<T>, around?: { beforeBegin(): void; afterEnd(): void }): Promise<T> {
    if (this.joins()) return fn();
    return this.enqueue(async () => {
      const tx: OpenTransaction = { gate: this, done: false };
      around?.beforeBegin();
      try {
        this.exec('BEGIN IMMEDIATE');
        try {
          const result = await current.run(tx, fn);
          this.exec('COMMIT');
          return result;
        } catch (err) {
          // SQLite has already rolled back after some errors (SQLITE_FULL, SQLITE_IOERR).
          if (this.inTransaction()) this.exec('ROLLBACK');
          this.onRollback();
          throw err;
        }
      } finally {
        tx.done = true;
        around?.afterEnd();
      }
    });
  }

  /** Resolves when everything queued now has run (close waits for it). */
  async drain(): Promise<void> {
    await this.enqueue(async () => undefined);
  }

  /** True when the caller runs inside a transaction of this gate that is still open. */
  private joins(): boolean {
    const tx = current.getStore();
    return tx !== undefined && tx.gate === this && !tx.done;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    // Queued tasks start outside the enqueuer's context: a transaction queued from a callback that
    // an earlier transaction scheduled must not think it is inside that one.
    return this.queue.run(() => outsideTransactions(task));
  }
}

/**
 * The port over a synchronous repository: each method through the gate, except `direct` ones, which
 * touch no database (e.g. the audit repository's `resetHead`) and stay synchronous.
 */
export function promised<T extends object>(gate: SqliteGate, repo: Sync<T>, direct: ReadonlyArray<keyof T> = []): T {
  const port: Record<string, unknown> = {};
  const target = repo as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of methodNames(repo)) {
    const method = target[name];
    if (typeof method !== 'function') continue;
    const bound = method.bind(repo);
    port[name] = direct.includes(name as keyof T) ? bound : (...args: unknown[]) => gate.call(() => bound(...args));
  }
  return port as T;
}

function methodNames(obj: object): string[] {
  const names = new Set<string>();
  for (let proto = Object.getPrototypeOf(obj); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) if (name !== 'constructor') names.add(name);
  }
  return [...names];
}
