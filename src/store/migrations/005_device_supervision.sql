-- Supervision is state, not alarms (issue 12): last periodic test, battery and which supervision
-- troubles the hub raised live on the device's row as JSON, not as events.
ALTER TABLE device_state ADD COLUMN supervision TEXT;
