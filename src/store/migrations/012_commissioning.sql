-- Commissioning (issue 15). Where an event went instead of the 110 queue: 'walk_test' (步测
-- checklist) or 'maintenance' (维护); NULL: the queue. Stored with the event so that recover()
-- after a restart does not feed a diverted event to the queue.
ALTER TABLE events ADD COLUMN destination TEXT;

-- A site's (device_id = '') or device's commissioning record: marked in service, or in maintenance
-- until a time. A device without a row is pending install until its first message (supervision).
CREATE TABLE commissioning (
  site_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  state TEXT NOT NULL,
  maintenance_until_ms INTEGER,
  changed_ms INTEGER NOT NULL,
  changed_by TEXT NOT NULL,
  PRIMARY KEY (site_id, device_id)
);

-- Walk tests (步测): the running one and the stored records (验收记录), checklist as JSON.
CREATE TABLE walk_tests (
  id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  ends_ms INTEGER NOT NULL,
  ended_ms INTEGER,
  record TEXT NOT NULL
);
CREATE INDEX walk_tests_site ON walk_tests (site_id, started_ms);
CREATE INDEX walk_tests_running ON walk_tests (ended_ms) WHERE ended_ms IS NULL;
