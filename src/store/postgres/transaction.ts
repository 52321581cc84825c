import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';

/**
 * Advisory lock keys of SafeGrid (the two-int form: a namespace and an object), so they cannot
 * collide with another application's locks on a shared server.
 */
export const LOCK_SPACE = 0x5347; // "SG"
export const LOCKS = {
  /** Held from the first event insert of a transaction to its commit: seqs become visible in commit order. */
  events: 1,
  /** Held while the audit chain head is read and the next row appended. */
  audit: 2,
  /** Session lock while migrations run: two replicas starting at once migrate one after the other. */
  migrations: 3,
} as const;

interface Tx {
  /** The store whose transaction this is (two stores in one process, e.g. two replicas in a test, stay apart). */
  owner: PgContext;
  client: pg.PoolClient;
  /** Locks taken in this transaction (a second request for one costs no round trip). */
  locks: Set<number>;
  durable: boolean;
  /** Set at commit or rollback: a callback left over from fn must not use a released client. */
  done: boolean;
}

/**
 * The connection a repository call uses: the transaction's own pooled client when the call is made
 * inside `transaction(fn)` (found through AsyncLocalStorage in fn's async context, not passed as a
 * handle), else the pool, where each statement is its own commit.
 */
/**
 * One for the process, as SQLite's (sqlite-gate.ts): a context belongs to at most one open
 * transaction, whichever store it is; `outsideTransactions` (sqlite-gate.ts) leaves this one too,
 * so a batch flushed later by a timer never joins the transaction open when it was scheduled.
 */
export const pgTransactions = new AsyncLocalStorage<Tx>();

export class PgContext {
  private readonly als = pgTransactions;

  constructor(readonly pool: pg.Pool) {}

  /** The open transaction of this context's async context, if it is one of this store's. */
  private current(): Tx | undefined {
    const tx = this.als.getStore();
    return tx && !tx.done && tx.owner === this ? tx : undefined;
  }

  async rows<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await this.run(sql, params)).rows as R[];
  }

  async one<R>(sql: string, params: readonly unknown[] = []): Promise<R | undefined> {
    return (await this.run(sql, params)).rows[0] as R | undefined;
  }

  /** How many rows the statement changed. */
  async changes(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.run(sql, params)).rowCount ?? 0;
  }

  private run(sql: string, params: readonly unknown[]): Promise<pg.QueryResult> {
    const tx = this.current();
    return tx ? tx.client.query(sql, params as unknown[]) : this.pool.query(sql, params as unknown[]);
  }

  /**
   * Takes a transaction-scoped advisory lock (released by COMMIT or ROLLBACK, after the commit is
   * visible). Only inside a transaction: use `within` to get one.
   */
  async lock(key: number): Promise<void> {
    const tx = this.current();
    if (!tx) throw new Error('an advisory lock needs a transaction');
    if (tx.locks.has(key)) return;
    // Always in key order (events before audit), so two transactions never wait on each other in a
    // circle; out of order is a programming error, refused at once rather than left to PostgreSQL's
    // deadlock detector. (Today only the ingest journal appends events, in a transaction of its own.)
    if ([...tx.locks].some((held) => held > key)) throw new Error(`advisory lock ${key} taken after a later one (${[...tx.locks].join(', ')})`);
    await tx.client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_SPACE, key]);
    tx.locks.add(key);
  }

  /** Runs fn in the current transaction, or in a durable one of its own when there is none. */
  within<T>(fn: () => Promise<T>): Promise<T> {
    return this.current() ? fn() : this.transaction(fn, true);
  }

  /**
   * BEGIN … COMMIT on one pooled client; fn's repository calls use that client. Nested: joins the
   * outer transaction (a durable one inside a derived one makes the whole commit durable).
   * `durable: false` is `SET LOCAL synchronous_commit = off`: the commit returns before its WAL
   * is flushed, but WAL is one ordered stream, so a later durable commit flushes it too — it can
   * be lost in a crash, never reordered after a later durable commit.
   */
  async transaction<T>(fn: () => Promise<T>, durable: boolean): Promise<T> {
    const outer = this.current();
    if (outer) {
      if (durable && !outer.durable) {
        await outer.client.query('SET LOCAL synchronous_commit = on');
        outer.durable = true;
      }
      return fn();
    }
    const client = await this.pool.connect();
    const tx: Tx = { owner: this, client, locks: new Set(), durable, done: false };
    let broken: Error | undefined;
    // A checked-out client whose server goes away between two queries emits 'error' on itself (the
    // pool listens only to idle ones); unheard, that would crash the hub. The next query rejects.
    const onError = (err: Error): void => {
      broken = err;
    };
    client.on('error', onError);
    try {
      await client.query(durable ? 'BEGIN' : 'BEGIN; SET LOCAL synchronous_commit = off');
      const result = await this.als.run(tx, fn);
      tx.done = true;
      await client.query('COMMIT');
      return result;
    } catch (err) {
      tx.done = true;
      // A connection that cannot even roll back is dropped from the pool, not handed to the next caller.
      await client.query('ROLLBACK').catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error(String(e));
      });
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}
