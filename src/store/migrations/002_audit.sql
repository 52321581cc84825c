-- Audit trail: every action on an incident, append-only, chained by hash so that an edited or
-- deleted row is detected (`safegrid audit verify`). Dispatch records are evidence.
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

-- The application never changes a row; these make an accidental UPDATE or DELETE fail loudly.
-- (Someone with the file can drop them — the hash chain is what detects that.)
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
