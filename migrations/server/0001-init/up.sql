-- The county server's first schema. Ids are UUID text; instants are UTC milliseconds;
-- dates are Beijing calendar dates 'YYYY-MM-DD'; JSON values are stored as JSON text.

CREATE TABLE towns (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE villages (
    id      TEXT PRIMARY KEY,
    town_id TEXT NOT NULL REFERENCES towns(id),
    name    TEXT NOT NULL,
    lon     REAL,
    lat     REAL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('survey_worker', 'work_team_member', 'supervisor', 'county_admin')),
    password_hash TEXT NOT NULL,   -- Argon2id PHC string
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_ms    INTEGER NOT NULL
);

CREATE TABLE user_villages (
    user_id    TEXT NOT NULL REFERENCES users(id),
    village_id TEXT NOT NULL REFERENCES villages(id),
    PRIMARY KEY (user_id, village_id)
) WITHOUT ROWID;

-- An enrolled device. Only the SHA-256 of its bearer token is kept.
CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    revoked      INTEGER NOT NULL DEFAULT 0,
    enrolled_ms  INTEGER NOT NULL,
    last_seen_ms INTEGER
);

-- A record's current JSON form (kept in step with its fields, null leaves left out).
CREATE TABLE records (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    village_id   TEXT NOT NULL REFERENCES villages(id),
    doc          TEXT NOT NULL,
    updated_seq  INTEGER NOT NULL
);
CREATE INDEX records_village ON records (village_id, kind);

-- A record's current field values, each with the change that set it.
CREATE TABLE fields (
    record_id TEXT NOT NULL,
    path      TEXT NOT NULL,
    value     TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    hlc       TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    PRIMARY KEY (record_id, path)
) WITHOUT ROWID;
-- A member's household, for assembling household bundles.
CREATE INDEX fields_household ON fields (value) WHERE path = 'household_id';

-- The county sequence and the audit trail: every change the server took in, accepted or
-- superseded. Refused changes are not logged (they may be re-sent after fixing).
CREATE TABLE change_log (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    change_id     TEXT NOT NULL UNIQUE,
    change_set_id TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    village_id    TEXT NOT NULL,
    field         TEXT NOT NULL,
    old           TEXT NOT NULL,
    new           TEXT NOT NULL,
    base_seq      INTEGER NOT NULL,
    hlc           TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    device_id     TEXT NOT NULL,
    received_ms   INTEGER NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('accepted', 'superseded'))
);
CREATE INDEX change_log_record ON change_log (record_id, seq);
CREATE INDEX change_log_village ON change_log (village_id, seq) WHERE outcome = 'accepted';

-- The first answer to each change set, returned again on replay.
CREATE TABLE change_sets (
    id          TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL,
    response    TEXT NOT NULL,
    received_ms INTEGER NOT NULL
);

-- Same field edited concurrently: the losing value, kept for the county to resolve.
CREATE TABLE conflicts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id       TEXT NOT NULL,
    village_id      TEXT NOT NULL,
    field           TEXT NOT NULL,
    losing_value    TEXT NOT NULL,
    losing_hlc      TEXT NOT NULL,
    losing_user     TEXT NOT NULL,
    losing_device   TEXT NOT NULL,
    winning_value   TEXT NOT NULL,
    winning_hlc     TEXT NOT NULL,
    winning_user    TEXT NOT NULL,
    winning_device  TEXT NOT NULL,
    created_seq     INTEGER NOT NULL,
    resolved_by     TEXT,
    resolved_ms     INTEGER,
    resolution      TEXT,            -- the value chosen, as JSON
    resolution_seq  INTEGER          -- the logged change that applied it
);
CREATE INDEX conflicts_open ON conflicts (resolved_ms, id);

-- A photo blob named by its SHA-256. Chunks are kept apart until the last one arrives; then the
-- whole is verified, stored in `bytes` and the chunks dropped.
CREATE TABLE blobs (
    sha256      TEXT PRIMARY KEY,
    total       INTEGER NOT NULL,
    held        INTEGER NOT NULL,
    bytes       BLOB,            -- set when complete
    complete    INTEGER NOT NULL DEFAULT 0,
    uploaded_by TEXT NOT NULL,
    updated_ms  INTEGER NOT NULL
);

CREATE TABLE blob_chunks (
    sha256 TEXT NOT NULL REFERENCES blobs(sha256) ON DELETE CASCADE,
    offset INTEGER NOT NULL,
    bytes  BLOB NOT NULL,
    PRIMARY KEY (sha256, offset)
) WITHOUT ROWID;

-- The year's phases (NOTICE.md timeline). Record writes are open when today (Beijing) falls in
-- a phase with writes_open = 1, or the village has a reopening that has not expired.
CREATE TABLE phases (
    name        TEXT PRIMARY KEY,
    starts      TEXT NOT NULL,
    ends        TEXT NOT NULL,   -- inclusive: 'entry' ends '2018-11-30' = closes 11-30 24:00
    writes_open INTEGER NOT NULL
);
INSERT INTO phases (name, starts, ends, writes_open) VALUES
    ('deployment',   '2018-09-01', '2018-09-30', 0),
    ('field_work',   '2018-10-01', '2018-11-10', 1),
    ('entry',        '2018-11-11', '2018-11-30', 1),
    ('analysis',     '2018-12-01', '2018-12-10', 0),
    ('verification', '2018-12-11', '2018-12-20', 0),
    ('correction',   '2018-12-21', '2018-12-31', 0),
    ('summary',      '2019-01-01', '2019-01-08', 0);

CREATE TABLE village_reopenings (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    village_id TEXT NOT NULL REFERENCES villages(id),
    until      TEXT NOT NULL,    -- inclusive Beijing date
    opened_by  TEXT NOT NULL,
    opened_ms  INTEGER NOT NULL
);
CREATE INDEX village_reopenings_village ON village_reopenings (village_id, until);

-- The domain rules' findings on each record, as of its last change.
CREATE TABLE findings (
    record_id  TEXT PRIMARY KEY,
    findings   TEXT NOT NULL,   -- JSON array of Finding
    errors     INTEGER NOT NULL,
    checked_seq INTEGER NOT NULL
);
