-- Reports (issue 14). When each incident closed, as a column: the daily report counts 发案 and 误报
-- by the day they closed and "open at 24:00" by it, and must find those rows without reading every
-- incident's JSON. NULL while open.
ALTER TABLE incidents ADD COLUMN closed_ms INTEGER;
UPDATE incidents SET closed_ms = CAST(strftime('%s', json_extract(doc, '$.closedAt')) AS INTEGER) * 1000
  + CAST(substr(strftime('%f', json_extract(doc, '$.closedAt')), 4) AS INTEGER)
  WHERE json_extract(doc, '$.closedAt') IS NOT NULL;
CREATE INDEX incidents_closed ON incidents (closed_ms, opened_ms) WHERE closed_ms IS NOT NULL;

-- The daily 三个一通报 as generated at `reports.daily_at`: stored once, never rewritten (a later edit
-- to an incident changes what a rebuilt report says, never this copy). `hash` is the SHA-256 of
-- `doc`, appended to the audit chain in the same transaction (`audit_seq`), so a changed copy is
-- found. `station` is '' for the whole district.
CREATE TABLE daily_reports (
  date         TEXT    NOT NULL,
  station      TEXT    NOT NULL,
  generated_ms INTEGER NOT NULL,
  doc          TEXT    NOT NULL,
  hash         TEXT    NOT NULL,
  audit_seq    INTEGER NOT NULL,
  PRIMARY KEY (date, station)
);
