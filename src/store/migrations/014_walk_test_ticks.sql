-- Walk-test ticks, one row per zone (issue 18): replicas storing one walk test's events at once
-- each insert their ticks (the first trip of a zone wins, ON CONFLICT DO NOTHING) instead of
-- saving the whole checklist over each other's. A running test's checklist is its record with
-- these rows applied; the ended record (written whole at the end, ticks merged) stands alone.
-- No foreign key: a test counts as running before its row commits, and its first events may too.
CREATE TABLE walk_test_ticks (
  walk_test_id TEXT    NOT NULL,
  zone         INTEGER NOT NULL,
  seen_at      TEXT    NOT NULL,
  kind         TEXT    NOT NULL,
  device_id    TEXT    NOT NULL,
  signal       REAL,
  battery      REAL,
  PRIMARY KEY (walk_test_id, zone)
);

-- Events of a running test on no expected zone, counted by increments rather than saved whole.
CREATE TABLE walk_test_other_events (
  walk_test_id TEXT    PRIMARY KEY,
  count        INTEGER NOT NULL
);
