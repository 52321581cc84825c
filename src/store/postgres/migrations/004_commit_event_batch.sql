-- One group-commit batch of the ingest journal as ONE statement (issue 18, replica throughput).
--
-- Every replica appends its event batches under the events advisory lock (postgres/event-repo.ts says
-- why: seqs visible in commit order, dedupe that sees the other replicas' commits). Written as
-- BEGIN; lock; dedupe SELECT; INSERT; NOTIFY; device state; COMMIT, the lock was held across five
-- client round trips, and on a busy replica each round trip waits for its event loop: measured with
-- three replicas, 98 batches in 15 s and 37 s of lock waits (bench/replicas.ts, BENCH_PROFILE). Sent
-- as one statement outside an explicit transaction, the lock is held only while PostgreSQL runs it
-- and commits it — no round trip to a client happens under it.
--
-- In a PL/pgSQL function each statement takes a new snapshot (READ COMMITTED), so the dedupe read
-- after the lock sees every batch committed before the lock was granted (a single SQL statement
-- would read with the snapshot taken before it waited for the lock). Locks are released after the
-- commit is visible, as before. The caller passes the lock keys and the NOTIFY channel (their one
-- definition stays in TypeScript).
CREATE FUNCTION sg_commit_event_batch(
  p_lock_space INTEGER, p_lock_key INTEGER, p_channel TEXT, p_payload_bytes INTEGER,
  p_id TEXT[], p_site_id TEXT[], p_device_id TEXT[], p_kind TEXT[], p_category TEXT[], p_zone INTEGER[],
  p_zone_name TEXT[], p_zone_type TEXT[], p_occurred_at TEXT[], p_received_at TEXT[], p_received_ms BIGINT[],
  p_lat DOUBLE PRECISION[], p_lng DOUBLE PRECISION[], p_grid_cell_id TEXT[], p_station_id TEXT[], p_detail TEXT[],
  p_detail_code TEXT[], p_detail_params TEXT[], p_destination TEXT[], p_profile TEXT[], p_topic TEXT[], p_raw TEXT[],
  p_dedupe_key TEXT[], p_drill INTEGER[], p_since_ms BIGINT[],
  s_device_id TEXT[], s_state TEXT[], s_availability TEXT[], s_last_seen_ms BIGINT[], s_supervision TEXT[]
) RETURNS TABLE (event_id TEXT, event_seq BIGINT)
LANGUAGE plpgsql AS $$
DECLARE
  v_ids TEXT[];
  v_seqs BIGINT[];
  v_sites TEXT[];
BEGIN
  -- Device state first: it needs no order between replicas, so it stays out of the lock.
  IF cardinality(s_device_id) > 0 THEN
    INSERT INTO device_state (device_id, state, availability, last_seen_ms, supervision)
      SELECT * FROM unnest(s_device_id, s_state, s_availability, s_last_seen_ms, s_supervision)
      ON CONFLICT (device_id) DO UPDATE SET state = EXCLUDED.state, availability = EXCLUDED.availability,
        last_seen_ms = EXCLUDED.last_seen_ms, supervision = EXCLUDED.supervision;
  END IF;
  IF cardinality(p_id) = 0 THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(p_lock_space, p_lock_key);
  -- The dedupe rule of EventRepository.commitBatch: a candidate is a duplicate when its key was
  -- stored at or after its duplicate_since, or an earlier candidate of the batch with that key
  -- was stored. Seqs are drawn in batch order (ORDER BY ord).
  WITH b AS (
    SELECT * FROM unnest(p_id, p_site_id, p_device_id, p_kind, p_category, p_zone, p_zone_name, p_zone_type,
      p_occurred_at, p_received_at, p_received_ms, p_lat, p_lng, p_grid_cell_id, p_station_id, p_detail,
      p_detail_code, p_detail_params, p_destination, p_profile, p_topic, p_raw, p_dedupe_key, p_drill, p_since_ms)
      WITH ORDINALITY AS b(id, site_id, device_id, kind, category, zone, zone_name, zone_type, occurred_at, received_at,
        received_ms, lat, lng, grid_cell_id, station_id, detail, detail_code, detail_params, destination, profile, topic,
        raw, dedupe_key, drill, since_ms, ord)
  ), newest AS (
    SELECT e.dedupe_key, max(e.received_ms) AS ms FROM events e WHERE e.dedupe_key = ANY(p_dedupe_key) GROUP BY e.dedupe_key
  ), fresh AS (
    SELECT b.*, row_number() OVER (PARTITION BY b.dedupe_key ORDER BY b.ord) AS nth
    FROM b LEFT JOIN newest n ON n.dedupe_key = b.dedupe_key
    WHERE n.ms IS NULL OR n.ms < b.since_ms
  ), ins AS (
    INSERT INTO events (id, site_id, device_id, kind, category, zone, zone_name, zone_type, occurred_at, received_at,
      received_ms, lat, lng, grid_cell_id, station_id, detail, detail_code, detail_params, destination, profile, topic, raw,
      dedupe_key, drill)
    SELECT f.id, f.site_id, f.device_id, f.kind, f.category, f.zone, f.zone_name, f.zone_type, f.occurred_at, f.received_at,
      f.received_ms, f.lat, f.lng, f.grid_cell_id, f.station_id, f.detail, f.detail_code, f.detail_params, f.destination,
      f.profile, f.topic, f.raw, f.dedupe_key, f.drill
    FROM fresh f WHERE f.nth = 1 ORDER BY f.ord
    RETURNING events.id, events.seq, events.site_id
  )
  SELECT array_agg(ins.id ORDER BY ins.seq), array_agg(ins.seq ORDER BY ins.seq), array_agg(ins.site_id ORDER BY ins.seq)
    INTO v_ids, v_seqs, v_sites FROM ins;
  IF v_ids IS NULL THEN
    RETURN;
  END IF;
  -- The wake-ups of event-notify.ts (notifyStoredEvents): the highest seq per site as JSON
  -- [[site, seq], …], in payloads under p_payload_bytes, delivered at commit.
  PERFORM pg_notify(p_channel, json_agg(json_build_array(t.site_id, t.seq))::text)
  FROM (
    SELECT s.site_id, s.seq, floor(sum(octet_length(s.site_id) + 24) OVER (ORDER BY s.site_id) / p_payload_bytes) AS chunk
    FROM (SELECT u.site_id, max(u.seq) AS seq FROM unnest(v_sites, v_seqs) AS u(site_id, seq) GROUP BY u.site_id) s
  ) t GROUP BY t.chunk;
  RETURN QUERY SELECT u.id, u.seq FROM unnest(v_ids, v_seqs) AS u(id, seq);
END
$$;
