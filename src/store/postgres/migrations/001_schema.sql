-- PostgreSQL schema of SafeGrid (issue 18): the end state of the SQLite migrations 001–013 in
-- PostgreSQL's dialect, one file because a PostgreSQL database starts empty (there is no older
-- PostgreSQL schema to move forward). Later changes come as 002_…, and a SQLite migration that
-- changes the schema gets its PostgreSQL twin here. Comments on why each table exists are in
-- src/store/migrations/; what differs for several writers is said below.

-- Events: every accepted, normalised alarm event. Append-only.
-- `seq` comes from the sequence only while the writer holds the events advisory lock (see
-- postgres/event-repo.ts): a plain sequence hands out numbers in call order, not commit order,
-- and a console paging with afterSeq would skip a number that commits later.
CREATE TABLE events (
  seq           BIGSERIAL PRIMARY KEY,
  id            TEXT    NOT NULL UNIQUE,
  site_id       TEXT    NOT NULL,
  device_id     TEXT    NOT NULL,
  kind          TEXT    NOT NULL,
  category      TEXT    NOT NULL,
  zone          INTEGER,
  zone_name     TEXT,
  zone_type     TEXT,
  occurred_at   TEXT    NOT NULL,
  received_at   TEXT    NOT NULL,
  received_ms   BIGINT  NOT NULL,
  lat           DOUBLE PRECISION NOT NULL,
  lng           DOUBLE PRECISION NOT NULL,
  grid_cell_id  TEXT,
  station_id    TEXT,
  detail        TEXT,
  detail_code   TEXT,
  detail_params TEXT,
  destination   TEXT,
  profile       TEXT    NOT NULL,
  topic         TEXT    NOT NULL,
  raw           TEXT    NOT NULL,
  dedupe_key    TEXT    NOT NULL,
  incident_id   TEXT,
  drill         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_dedupe ON events (dedupe_key, received_ms);
CREATE INDEX events_site ON events (site_id, received_ms);
CREATE INDEX events_received ON events (received_ms);
CREATE INDEX events_unprocessed ON events (seq) WHERE incident_id IS NULL;
CREATE INDEX events_arming ON events (site_id, seq) WHERE kind IN ('arm', 'disarm');

-- Incidents: indexed columns for queries, the whole Incident as JSON text in doc (kept as
-- written; the reports read fields with doc::jsonb).
CREATE TABLE incidents (
  id                     TEXT    PRIMARY KEY,
  version                INTEGER NOT NULL,
  site_id                TEXT    NOT NULL,
  status                 TEXT    NOT NULL,
  priority               INTEGER NOT NULL,
  station_id             TEXT,
  grid_cell_id           TEXT,
  opened_ms              BIGINT  NOT NULL,
  updated_ms             BIGINT  NOT NULL,
  last_event_ms          BIGINT  NOT NULL,
  doc                    TEXT    NOT NULL,
  responsible_station_id TEXT,
  community_post_id      TEXT,
  closed_ms              BIGINT,
  drill                  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incidents_open ON incidents (status, priority, opened_ms) WHERE status <> 'closed';
CREATE INDEX incidents_site ON incidents (site_id, last_event_ms);
CREATE INDEX incidents_opened ON incidents (opened_ms);
CREATE INDEX incidents_responsible ON incidents (responsible_station_id, opened_ms);
CREATE INDEX incidents_post ON incidents (community_post_id, opened_ms) WHERE community_post_id IS NOT NULL;
CREATE INDEX incidents_closed ON incidents (closed_ms, opened_ms) WHERE closed_ms IS NOT NULL;

-- 警情编号: one number per incident, and (unlike SQLite, which has one writer) one incident per
-- number: two replicas that drew the same number cannot both store it.
CREATE TABLE incident_numbers (
  incident_id TEXT    PRIMARY KEY,
  series      TEXT    NOT NULL,
  sequence    INTEGER NOT NULL,
  UNIQUE (series, sequence)
);

CREATE TABLE device_state (
  device_id    TEXT PRIMARY KEY,
  state        TEXT NOT NULL,
  availability TEXT,
  last_seen_ms BIGINT,
  supervision  TEXT
);

-- Audit trail, hash-chained (audit-chain.ts). Appended under the audit advisory lock, the head
-- read inside it, so two replicas write one chain without gaps.
CREATE TABLE audit (
  seq          INTEGER PRIMARY KEY,
  at           TEXT    NOT NULL,
  actor        TEXT    NOT NULL,
  action       TEXT    NOT NULL,
  incident_id  TEXT,
  from_status  TEXT,
  to_status    TEXT,
  origin       TEXT,
  note         TEXT,
  prev_hash    TEXT    NOT NULL,
  hash         TEXT    NOT NULL
);
CREATE INDEX audit_incident ON audit (incident_id, seq);
-- The application never changes a row; an UPDATE, DELETE or TRUNCATE fails loudly. (The owner of
-- the database can drop the triggers — the hash chain and the anchor file are what detect that.)
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit rows are append-only';
END $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

CREATE TABLE sessions (
  id_hash      TEXT   PRIMARY KEY,
  username     TEXT   NOT NULL,
  csrf_token   TEXT   NOT NULL,
  created_ms   BIGINT NOT NULL,
  last_seen_ms BIGINT NOT NULL,
  ip           TEXT   NOT NULL,
  credential   TEXT
);
CREATE INDEX sessions_user ON sessions (username);

-- `key` (incident id + channel id) is the idempotency key across replicas too (ON CONFLICT DO NOTHING).
CREATE TABLE notification_outbox (
  id              BIGSERIAL PRIMARY KEY,
  key             TEXT    NOT NULL UNIQUE,
  incident_id     TEXT    NOT NULL,
  channel_id      TEXT    NOT NULL,
  guard_group     TEXT    NOT NULL,
  payload         TEXT    NOT NULL,
  status          TEXT    NOT NULL DEFAULT 'pending',
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms BIGINT  NOT NULL,
  created_ms      BIGINT  NOT NULL,
  sent_ms         BIGINT,
  last_error      TEXT
);
CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_ms) WHERE status = 'pending';
CREATE INDEX notification_outbox_incident ON notification_outbox (incident_id);

CREATE TABLE daily_reports (
  date         TEXT    NOT NULL,
  station      TEXT    NOT NULL,
  generated_ms BIGINT  NOT NULL,
  doc          TEXT    NOT NULL,
  hash         TEXT    NOT NULL,
  audit_seq    INTEGER NOT NULL,
  PRIMARY KEY (date, station)
);

CREATE TABLE commissioning (
  site_id              TEXT   NOT NULL,
  device_id            TEXT   NOT NULL,
  state                TEXT   NOT NULL,
  maintenance_until_ms BIGINT,
  changed_ms           BIGINT NOT NULL,
  changed_by           TEXT   NOT NULL,
  PRIMARY KEY (site_id, device_id)
);

CREATE TABLE walk_tests (
  id         TEXT   PRIMARY KEY,
  site_id    TEXT   NOT NULL,
  started_ms BIGINT NOT NULL,
  ends_ms    BIGINT NOT NULL,
  ended_ms   BIGINT,
  record     TEXT   NOT NULL
);
CREATE INDEX walk_tests_site ON walk_tests (site_id, started_ms);
CREATE INDEX walk_tests_running ON walk_tests (ended_ms) WHERE ended_ms IS NULL;

CREATE TABLE drills (
  id         TEXT   PRIMARY KEY,
  name       TEXT,
  site_ids   TEXT,
  station_id TEXT,
  starts_ms  BIGINT NOT NULL,
  ends_ms    BIGINT NOT NULL,
  ended_ms   BIGINT,
  started_by TEXT   NOT NULL,
  ended_by   TEXT
);
CREATE INDEX drills_active ON drills (ends_ms) WHERE ended_ms IS NULL;
