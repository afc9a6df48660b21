-- GPS fixes and photos point at their household by `subject_id`: find them when assembling a
-- household bundle.
CREATE INDEX fields_subject ON fields (value) WHERE path = 'subject_id';
