-- Which password a session was opened with (a 16-character digest of the account's scrypt hash,
-- never the hash): `safegrid user passwd` changes the hash, and every session opened with the old
-- one ends at its next use, also after a restart. NULL for sessions written before this column.
ALTER TABLE sessions ADD COLUMN credential TEXT;
