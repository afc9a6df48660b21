-- The county's year policy as one document (issue 12, item 3): the line, the income period,
-- the counted transfers, the exit thresholds, the evaluation standard and the timeline. Its
-- phases are the entry window from now on: the `phases` table goes, its rows kept here as
-- JSON until the server first opens the file and seeds the policy with them (a county's
-- edited timeline carries over).
CREATE TABLE county_policy (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    doc           TEXT,             -- the YearPolicy as JSON; NULL until first seeded
    legacy_phases TEXT,             -- the old phases table's rows, until then
    updated_ms    INTEGER NOT NULL,
    updated_by    TEXT              -- the county admin's id; NULL when set by the server
);
INSERT INTO county_policy (id, doc, legacy_phases, updated_ms)
SELECT 1, NULL,
       (SELECT json_group_array(json_object(
                   'name', name, 'starts', starts, 'ends', ends,
                   'writes_open', json(CASE WHEN writes_open THEN 'true' ELSE 'false' END)))
        FROM (SELECT * FROM phases ORDER BY starts)),
       0;
DROP TABLE phases;
