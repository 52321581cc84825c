/**
 * Read barriers: functions run before every read, so writes an owner holds back in memory (dispatch
 * writes incidents changed by device events a little later, coalesced) are in SQLite before
 * anyone in the process reads. Returns the disposer.
 */
export class ReadBarriers {
  private readonly list = new Set<() => void>();
  add(fn: () => void): () => void {
    this.list.add(fn);
    return () => void this.list.delete(fn);
  }
  run(): void {
    for (const fn of this.list) fn();
  }
}
