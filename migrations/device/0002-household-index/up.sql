-- The household list and bundle look up members, changes, photos and GPS fixes by the
-- household (or subject) they belong to: index those JSON fields so a village of a few
-- hundred households lists without scanning every record per household.
CREATE INDEX records_household ON records (json_extract(doc, '$.household_id'));
CREATE INDEX records_subject ON records (json_extract(doc, '$.subject_id'));
CREATE INDEX outbox_record_status ON outbox (record_id, status);
