-- The dedupe index on a 53-bit hash of the key instead of the key (see src/store/dedupe-hash.ts):
-- the same lookups with a fraction of the index pages read and rewritten per group commit.
-- sg_dedupe_hash() is registered by openDatabase (db.ts) before migrations run. Every stored row
-- gets its hash, so a resend of any stored event is still recognised whatever the window is.
ALTER TABLE events ADD COLUMN dedupe_hash INTEGER;
UPDATE events SET dedupe_hash = sg_dedupe_hash(dedupe_key);
DROP INDEX events_dedupe;
-- received_ms second, as in the old index: a key that repeats over time (a panel that numbers its
-- messages from 1 again after a reboot, a long run of one payload) is looked up within its window,
-- not through every row it ever had.
CREATE INDEX events_dedupe_hash ON events (dedupe_hash, received_ms);
