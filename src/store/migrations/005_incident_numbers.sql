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
