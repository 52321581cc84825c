import type { NotificationOutboxRepository, OutboxEntry, OutboxRow } from '../ports.js';
import type { PgContext } from './transaction.js';

const COLUMNS = `id, key, incident_id AS "incidentId", channel_id AS "channelId", guard_group AS "guardGroup", payload, status, attempts,
  next_attempt_ms AS "nextAttemptMs", created_ms AS "createdMs", sent_ms AS "sentMs", last_error AS "lastError"`;

/**
 * The notification outbox (as SQLite's migration 009). The key `<incident>:<channel>` is unique in
 * the table, so two replicas that both write an incident's first row enqueue its alerts once.
 */
export class PgOutboxRepository implements NotificationOutboxRepository {
  constructor(private readonly pg: PgContext) {}

  async enqueue(entries: readonly OutboxEntry[]): Promise<number> {
    let n = 0;
    for (const e of entries) {
      n += await this.pg.changes(
        `INSERT INTO notification_outbox (key, incident_id, channel_id, guard_group, payload, next_attempt_ms, created_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING`,
        [`${e.incidentId}:${e.channelId}`, e.incidentId, e.channelId, e.guardGroup, e.payload, e.nextAttemptMs, e.createdMs],
      );
    }
    return n;
  }

  due(nowMs: number, limit: number): Promise<OutboxRow[]> {
    return this.pg.rows<OutboxRow>(
      `SELECT ${COLUMNS} FROM notification_outbox WHERE status = 'pending' AND next_attempt_ms <= $1 ORDER BY next_attempt_ms, id LIMIT $2`,
      [nowMs, limit],
    );
  }

  /**
   * Claims due rows for this replica's sender: the lease is the row's next attempt, so no column or
   * migration is needed, a replica that dies mid-send leaves its rows due again when the lease runs
   * out (sent at least once, never lost), and markSent / markRetry / markFailed end the claim.
   * SKIP LOCKED: two senders claiming at once take different rows instead of waiting on each other.
   */
  async claimDue(nowMs: number, limit: number, leaseMs: number): Promise<OutboxRow[]> {
    const rows = await this.pg.rows<OutboxRow>(
      `UPDATE notification_outbox SET next_attempt_ms = $2
       WHERE id IN (SELECT id FROM notification_outbox WHERE status = 'pending' AND next_attempt_ms <= $1
                    ORDER BY next_attempt_ms, id LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS}`,
      [nowMs, nowMs + leaseMs, limit],
    );
    // RETURNING keeps no order; the notifier sends a channel's rows oldest first.
    return rows.sort((a, b) => a.id - b.id);
  }

  async nextDueMs(): Promise<number | null> {
    return (await this.pg.one<{ next: number | null }>(`SELECT min(next_attempt_ms) AS next FROM notification_outbox WHERE status = 'pending'`))!.next;
  }

  async markSent(id: number, attempts: number, atMs: number): Promise<void> {
    await this.pg.changes(`UPDATE notification_outbox SET status = 'sent', attempts = $1, sent_ms = $2, last_error = NULL WHERE id = $3`, [attempts, atMs, id]);
  }

  async markRetry(id: number, attempts: number, nextAttemptMs: number, error: string): Promise<void> {
    await this.pg.changes('UPDATE notification_outbox SET attempts = $1, next_attempt_ms = $2, last_error = $3 WHERE id = $4', [
      attempts,
      nextAttemptMs,
      error,
      id,
    ]);
  }

  async markFailed(id: number, attempts: number, error: string): Promise<void> {
    await this.pg.changes(`UPDATE notification_outbox SET status = 'failed', attempts = $1, last_error = $2 WHERE id = $3`, [attempts, error, id]);
  }

  async postponeChannel(channelId: string, untilMs: number): Promise<void> {
    await this.pg.changes(`UPDATE notification_outbox SET next_attempt_ms = greatest(next_attempt_ms, $1) WHERE channel_id = $2 AND status = 'pending'`, [
      untilMs,
      channelId,
    ]);
  }

  forIncident(incidentId: string): Promise<OutboxRow[]> {
    return this.pg.rows<OutboxRow>(`SELECT ${COLUMNS} FROM notification_outbox WHERE incident_id = $1 ORDER BY id`, [incidentId]);
  }

  depth(): Promise<Array<{ channelId: string; pending: number; retrying: number }>> {
    return this.pg.rows(
      `SELECT channel_id AS "channelId", count(*) AS pending, count(*) FILTER (WHERE attempts > 0) AS retrying
       FROM notification_outbox WHERE status = 'pending' GROUP BY channel_id`,
    );
  }
}
