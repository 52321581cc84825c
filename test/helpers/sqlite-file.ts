/**
 * A second connection on a hub's SQLite file, for tests that check what is on disk: what another
 * process (or the file after a crash) sees, never the hub's own connection — the store keeps that
 * to itself. WAL lets it read while the hub writes; a row it sees is committed.
 */
import Database from 'better-sqlite3';

/** One `count(*) AS n` query, read-only. */
export function countOnDisk(path: string, sql: string, ...args: unknown[]): number {
  return rowsOnDisk<{ n: number }>(path, sql, ...args)[0]!.n;
}

/** Rows of one query, read-only. */
export function rowsOnDisk<T>(path: string, sql: string, ...args: unknown[]): T[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

/**
 * A writable second connection: for tests that play someone with the file (editing the audit
 * trail behind the hub's back). The caller closes it.
 */
export function openSecondConnection(path: string): Database.Database {
  return new Database(path, { fileMustExist: true });
}
