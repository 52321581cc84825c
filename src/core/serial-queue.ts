/**
 * Runs tasks one after the other, each to completion (its awaits included), in the order they were
 * queued. The SQLite gate runs its transactions in one (store/sqlite-gate.ts); the dispatch shell
 * runs every change of the queue in one, so two consoles racing for one incident are served one
 * after the other (the first wins, the second is told who owns it).
 */
export class SerialQueue {
  /** The tail every new change runs after, and how many wait in the queue or run. */
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** Whether a change waits or runs now (a batch that arrives then must queue behind it). */
  get busy(): boolean {
    return this.waiting > 0;
  }

  /** Runs fn after every change queued before it has ended; a failed change does not stop the next. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    this.waiting++;
    const step = async (): Promise<T> => {
      try {
        return await fn();
      } finally {
        this.waiting--;
      }
    };
    const result = this.tail.then(step, step);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
