-- Events: every accepted, normalised alarm event. Append-only.
CREATE TABLE events (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT    NOT NULL UNIQUE,
  site_id      TEXT    NOT NULL,
  device_id    TEXT    NOT NULL,
  kind         TEXT    NOT NULL,
  category     TEXT    NOT NULL,
  zone         INTEGER,
  zone_name    TEXT,
  occurred_at  TEXT    NOT NULL,
  received_at  TEXT    NOT NULL,
  received_ms  INTEGER NOT NULL,
  lat          REAL    NOT NULL,
  lng          REAL    NOT NULL,
  grid_cell_id TEXT,
  station_id   TEXT,
  detail       TEXT,
  profile      TEXT    NOT NULL,
  topic        TEXT    NOT NULL,
  raw          TEXT    NOT NULL,
  dedupe_key   TEXT    NOT NULL,
  -- Set once dispatch has correlated the event; NULL rows are replayed on start (crash between
  -- the event commit and the incident commit).
  incident_id  TEXT
);
CREATE INDEX events_dedupe ON events (dedupe_key, received_ms);
CREATE INDEX events_site ON events (site_id, received_ms);
CREATE INDEX events_received ON events (received_ms);
CREATE INDEX events_unprocessed ON events (seq) WHERE incident_id IS NULL;

-- Incidents: indexed columns for queries, the whole Incident as JSON in doc.
CREATE TABLE incidents (
  id            TEXT    PRIMARY KEY,
  version       INTEGER NOT NULL,
  site_id       TEXT    NOT NULL,
  status        TEXT    NOT NULL,
  priority      INTEGER NOT NULL,
  station_id    TEXT,
  grid_cell_id  TEXT,
  opened_ms     INTEGER NOT NULL,
  updated_ms    INTEGER NOT NULL,
  last_event_ms INTEGER NOT NULL,
  doc           TEXT    NOT NULL
);
CREATE INDEX incidents_open ON incidents (status, priority, opened_ms) WHERE status <> 'closed';
CREATE INDEX incidents_site ON incidents (site_id, last_event_ms);
CREATE INDEX incidents_opened ON incidents (opened_ms);

-- Last decoded state and availability of each device (on-change semantics survive restarts).
CREATE TABLE device_state (
  device_id    TEXT PRIMARY KEY,
  state        TEXT NOT NULL,
  availability TEXT,
  last_seen_ms INTEGER
);
