-- The county's ID index (issue 18): one row per member or helper holding an ID number, as
-- `jiandang_domain::county::persons::entry_of` gives it, kept at push so that a push
-- re-checks "one person in two households" against the county without reading it whole.
-- `key` is the normalised ID number: never log it.
CREATE TABLE id_index (
    record_id    TEXT PRIMARY KEY,
    key          TEXT NOT NULL,
    kind         TEXT NOT NULL,
    household_id TEXT,
    village_id   TEXT NOT NULL,
    county       TEXT NOT NULL,
    present      INTEGER NOT NULL
);
CREATE INDEX id_index_key ON id_index (key);

-- One row once the index has been built from every stored record (a file made before this
-- migration, or the demo written outside sync, is indexed whole at its first push or run).
CREATE TABLE id_index_built (
    built_ms INTEGER NOT NULL
);

-- Every full run of the county-wide checks (`POST /api/v1/admin/checks/run`): who ran it,
-- when, and what it raised. A push re-checks what it touched only once the county has run
-- them (the problem list exists from the analysis phase on, not while data is entered).
CREATE TABLE check_runs (
    id       INTEGER PRIMARY KEY,
    run_ms   INTEGER NOT NULL,
    user_id  TEXT NOT NULL,
    faults   INTEGER NOT NULL,
    raised   INTEGER NOT NULL,
    updated  INTEGER NOT NULL
);
