import type { SessionRepository, SessionRow } from '../ports.js';
import type { PgContext } from './transaction.js';

/** Console sessions, shared by the replicas (a console may move to another). Plain commits. */
export class PgSessionRepository implements SessionRepository {
  constructor(private readonly pg: PgContext) {}

  all(): Promise<SessionRow[]> {
    return this.pg.rows<SessionRow>(
      'SELECT id_hash AS "idHash", username, csrf_token AS "csrfToken", created_ms AS "createdMs", last_seen_ms AS "lastSeenMs", ip, credential FROM sessions',
    );
  }

  async insert(row: SessionRow): Promise<void> {
    await this.pg.changes(
      `INSERT INTO sessions (id_hash, username, csrf_token, created_ms, last_seen_ms, ip, credential) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id_hash) DO UPDATE SET username = EXCLUDED.username, csrf_token = EXCLUDED.csrf_token, created_ms = EXCLUDED.created_ms,
         last_seen_ms = EXCLUDED.last_seen_ms, ip = EXCLUDED.ip, credential = EXCLUDED.credential`,
      [row.idHash, row.username, row.csrfToken, row.createdMs, row.lastSeenMs, row.ip, row.credential ?? null],
    );
  }

  async touch(idHash: string, lastSeenMs: number): Promise<void> {
    await this.pg.changes('UPDATE sessions SET last_seen_ms = $1 WHERE id_hash = $2', [lastSeenMs, idHash]);
  }

  async remove(idHash: string): Promise<void> {
    await this.pg.changes('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
  }
}
