-- The armed state of each site is rebuilt on start from its last arm/disarm event
-- (dispatch/incidents.ts). Without an index that query reads every event: ~430 ms with 1,000,000
-- stored events, on every start. A partial index holds only arm/disarm rows, so heartbeats and
-- alarms pay nothing for it. SQLite uses a partial index only when the query repeats its WHERE
-- term, so that query must keep saying exactly `kind IN ('arm', 'disarm')`.
CREATE INDEX events_arming ON events (site_id, seq) WHERE kind IN ('arm', 'disarm');
