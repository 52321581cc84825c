import type { Db } from './db.js';
import type { SessionRepository, SessionRow } from './ports.js';
import type { Sync } from './sqlite-gate.js';

/**
 * Sessions on disk (auth/sessions.ts keeps the live ones in memory and writes through). Plain
 * commits: a session lost in a power cut only means logging in again.
 */
export class SqliteSessionRepository implements Sync<SessionRepository> {
  private readonly insertStmt;
  private readonly touchStmt;
  private readonly deleteStmt;
  private readonly allStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT OR REPLACE INTO sessions (id_hash, username, csrf_token, created_ms, last_seen_ms, ip, credential)
       VALUES (@idHash, @username, @csrfToken, @createdMs, @lastSeenMs, @ip, @credential)`,
    );
    this.touchStmt = db.prepare('UPDATE sessions SET last_seen_ms = ? WHERE id_hash = ?');
    this.deleteStmt = db.prepare('DELETE FROM sessions WHERE id_hash = ?');
    this.allStmt = db.prepare(
      'SELECT id_hash AS idHash, username, csrf_token AS csrfToken, created_ms AS createdMs, last_seen_ms AS lastSeenMs, ip, credential FROM sessions',
    );
  }

  all(): SessionRow[] {
    return this.allStmt.all() as SessionRow[];
  }

  insert(row: SessionRow): void {
    this.insertStmt.run({ ...row, credential: row.credential ?? null });
  }

  touch(idHash: string, lastSeenMs: number): void {
    this.touchStmt.run(lastSeenMs, idHash);
  }

  remove(idHash: string): void {
    this.deleteStmt.run(idHash);
  }
}
