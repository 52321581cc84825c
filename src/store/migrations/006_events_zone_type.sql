-- Zones decide (issue 12): the declared type of the zone an event tripped (AlarmEvent.zoneType), so
-- intrusion confirmation counts only intrusion zones, also when incidents are rebuilt after a restart.
ALTER TABLE events ADD COLUMN zone_type TEXT;
