-- Drill mode 演练 (issue 15). A drill window: the sites (or a station's sites) whose alarms the hub
-- flags as drills from `starts_ms` until `ends_ms`, or until someone ends it early (`ended_ms`).
CREATE TABLE drills (
  id          TEXT    PRIMARY KEY,
  name        TEXT,
  -- JSON array of site ids; NULL for a drill of a whole station.
  site_ids    TEXT,
  station_id  TEXT,
  starts_ms   INTEGER NOT NULL,
  ends_ms     INTEGER NOT NULL,
  ended_ms    INTEGER,
  started_by  TEXT    NOT NULL,
  ended_by    TEXT
);
CREATE INDEX drills_active ON drills (ends_ms) WHERE ended_ms IS NULL;

-- The flag on what a drill produced, as columns beside the JSON, so figures can leave them out
-- with an index-friendly WHERE (reports, issue 14) instead of reading every document.
ALTER TABLE events ADD COLUMN drill INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN drill INTEGER NOT NULL DEFAULT 0;
