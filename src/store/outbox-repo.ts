import type { Db } from './db.js';
import type { NotificationOutboxRepository, OutboxEntry, OutboxRow } from './ports.js';
import type { Sync } from './sqlite-gate.js';

const COLUMNS = `id, key, incident_id AS incidentId, channel_id AS channelId, guard_group AS guardGroup, payload, status, attempts,
  next_attempt_ms AS nextAttemptMs, created_ms AS createdMs, sent_ms AS sentMs, last_error AS lastError`;

/**
 * The notification outbox (migration 009). Plain commits: a row's state change after a send is
 * small, and losing one in a power cut means one retry, which the idempotency key bounds to this
 * incident and channel.
 */
export class SqliteOutboxRepository implements Sync<NotificationOutboxRepository> {
  private readonly insertStmt;
  private readonly dueStmt;
  private readonly nextStmt;
  private readonly sentStmt;
  private readonly retryStmt;
  private readonly failedStmt;
  private readonly forIncidentStmt;
  private readonly depthStmt;
  private readonly postponeStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT OR IGNORE INTO notification_outbox (key, incident_id, channel_id, guard_group, payload, next_attempt_ms, created_ms)
       VALUES (@key, @incidentId, @channelId, @guardGroup, @payload, @nextAttemptMs, @createdMs)`,
    );
    this.dueStmt = db.prepare(
      `SELECT ${COLUMNS} FROM notification_outbox WHERE status = 'pending' AND next_attempt_ms <= ? ORDER BY next_attempt_ms, id LIMIT ?`,
    );
    this.nextStmt = db.prepare(`SELECT min(next_attempt_ms) AS next FROM notification_outbox WHERE status = 'pending'`);
    this.sentStmt = db.prepare(`UPDATE notification_outbox SET status = 'sent', attempts = ?, sent_ms = ?, last_error = NULL WHERE id = ?`);
    this.retryStmt = db.prepare(`UPDATE notification_outbox SET attempts = ?, next_attempt_ms = ?, last_error = ? WHERE id = ?`);
    this.failedStmt = db.prepare(`UPDATE notification_outbox SET status = 'failed', attempts = ?, last_error = ? WHERE id = ?`);
    this.postponeStmt = db.prepare(`UPDATE notification_outbox SET next_attempt_ms = max(next_attempt_ms, ?) WHERE channel_id = ? AND status = 'pending'`);
    this.forIncidentStmt = db.prepare(`SELECT ${COLUMNS} FROM notification_outbox WHERE incident_id = ? ORDER BY id`);
    this.depthStmt = db.prepare(
      `SELECT channel_id AS channelId, count(*) AS pending, sum(attempts > 0) AS retrying FROM notification_outbox ` +
        `WHERE status = 'pending' GROUP BY channel_id`,
    );
  }

  enqueue(entries: readonly OutboxEntry[]): number {
    let n = 0;
    for (const e of entries) n += this.insertStmt.run({ ...e, key: `${e.incidentId}:${e.channelId}` }).changes;
    return n;
  }

  due(nowMs: number, limit: number): OutboxRow[] {
    return this.dueStmt.all(nowMs, limit) as OutboxRow[];
  }

  /** One hub, one sender: nothing to claim against (the port's claimDue is PostgreSQL's concern). */
  claimDue(nowMs: number, limit: number, _leaseMs: number): OutboxRow[] {
    return this.due(nowMs, limit);
  }

  nextDueMs(): number | null {
    return (this.nextStmt.get() as { next: number | null }).next;
  }

  markSent(id: number, attempts: number, atMs: number): void {
    this.sentStmt.run(attempts, atMs, id);
  }

  markRetry(id: number, attempts: number, nextAttemptMs: number, error: string): void {
    this.retryStmt.run(attempts, nextAttemptMs, error, id);
  }

  markFailed(id: number, attempts: number, error: string): void {
    this.failedStmt.run(attempts, error, id);
  }

  postponeChannel(channelId: string, untilMs: number): void {
    this.postponeStmt.run(untilMs, channelId);
  }

  forIncident(incidentId: string): OutboxRow[] {
    return this.forIncidentStmt.all(incidentId) as OutboxRow[];
  }

  depth(): Array<{ channelId: string; pending: number; retrying: number }> {
    return this.depthStmt.all() as Array<{ channelId: string; pending: number; retrying: number }>;
  }
}
