-- Fencing tokens of the partition leases (issue 18, src/cluster/README.md "What a stale owner can and
-- cannot do"). A replica bumps its partition's epoch every time it takes the partition's advisory
-- lock, before it acts as owner, and keeps the epoch it got. Every incident write of replica mode
-- reads the epochs of its sites' partitions FOR SHARE inside its own transaction and rolls back when
-- one moved on: a stale owner's write either commits before the new owner's bump (which waits for
-- its row lock, so the new owner then loads what it wrote) or is refused.
CREATE TABLE partition_epoch (
  p INTEGER PRIMARY KEY,
  epoch BIGINT NOT NULL
);
