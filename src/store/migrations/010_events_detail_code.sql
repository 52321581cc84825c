-- Every word in the catalogues (issue 13): the decoder's detail as a code with parameters
-- (src/contract/messages.ts), so the console words it in the operator's language also for events
-- read back after a restart. NULL for free text from a device and for events stored before.
ALTER TABLE events ADD COLUMN detail_code TEXT;
ALTER TABLE events ADD COLUMN detail_params TEXT;
