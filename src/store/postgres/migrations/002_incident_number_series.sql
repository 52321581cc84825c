-- 警情编号 across replicas (issue 18): one station's sites fall into many partitions, so several
-- replicas number incidents of one series. Each draw is an atomic upsert on this row
-- (PgIncidentRepository.nextNumbers); UNIQUE (series, sequence) on incident_numbers stays the backstop.
CREATE TABLE incident_number_series (
  series TEXT   PRIMARY KEY,
  last   BIGINT NOT NULL
);
