-- Console sessions survive a hub restart (a crash at 3 a.m. must not log every operator out).
-- The cookie value is never stored: only its SHA-256, so a copy of this file opens no session.
CREATE TABLE sessions (
  id_hash      TEXT    PRIMARY KEY,
  username     TEXT    NOT NULL,
  csrf_token   TEXT    NOT NULL,
  created_ms   INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  ip           TEXT    NOT NULL
);
CREATE INDEX sessions_user ON sessions (username);
