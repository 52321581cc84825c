-- 警情编号 (issue 12): the number of each incident, by series (station code + local day) and daily
-- sequence. Written with the incident row (same transaction), so the counter (the largest sequence
-- of a series) never runs ahead of the incidents that hold its numbers: an incident rebuilt after a
-- crash by recover() draws the number it was shown with, as its row and this one were lost together.
CREATE TABLE incident_numbers (
  incident_id TEXT    PRIMARY KEY,
  series      TEXT    NOT NULL,
  sequence    INTEGER NOT NULL
);
CREATE INDEX incident_numbers_series ON incident_numbers (series, sequence);

-- Routing (issue 12): where an incident was sent (a 119/120/122 receiving point, or a tier up after
-- escalation) and the cell's community post; an operator there lists it too (auth/scope.ts).
ALTER TABLE incidents ADD COLUMN responsible_station_id TEXT;
ALTER TABLE incidents ADD COLUMN community_post_id TEXT;
UPDATE incidents SET responsible_station_id = coalesce(json_extract(doc, '$.responsibleStationId'), station_id),
  community_post_id = json_extract(doc, '$.communityPostId');
CREATE INDEX incidents_responsible ON incidents (responsible_station_id, opened_ms);
CREATE INDEX incidents_post ON incidents (community_post_id, opened_ms) WHERE community_post_id IS NOT NULL;
