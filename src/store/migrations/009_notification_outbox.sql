-- Guard alerts (issue 13): the outbox of notifications to WeCom / DingTalk robots and SMS/HTTP
-- gateways. A row is written in the same transaction as the incident's first row, so it exists
-- exactly when the incident does; the notifier sends it after that commit and retries with backoff.
-- `key` (incident id + channel id) is the idempotency key: one message per incident per channel,
-- however often the incident is re-derived after a crash (recover() emits it again).
CREATE TABLE notification_outbox (
  id              INTEGER PRIMARY KEY,
  key             TEXT    NOT NULL UNIQUE,
  incident_id     TEXT    NOT NULL,
  channel_id      TEXT    NOT NULL,
  guard_group     TEXT    NOT NULL,
  payload         TEXT    NOT NULL,
  -- pending (waiting or retrying) → sent | failed (given up)
  status          TEXT    NOT NULL DEFAULT 'pending',
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,
  created_ms      INTEGER NOT NULL,
  sent_ms         INTEGER,
  last_error      TEXT
);
CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_ms) WHERE status = 'pending';
CREATE INDEX notification_outbox_incident ON notification_outbox (incident_id);
