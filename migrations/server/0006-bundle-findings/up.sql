-- A record's findings kept in two parts (issue 12, item 1): its own, with paths relative to
-- it (`findings`), and, on a household's record, its bundle's, with the path they have in the
-- household file form (`bundle_findings`). A push answers both together, as before.
ALTER TABLE findings ADD COLUMN bundle_findings TEXT NOT NULL DEFAULT '[]';
