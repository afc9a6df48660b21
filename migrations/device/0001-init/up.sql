-- The device replica: records as JSON documents, the server version of each field, the
-- outbox of local edits, sync state, findings and the photo store.

-- One row per record of the user's villages, its JSON form as the app edits it.
CREATE TABLE records (
    id          TEXT PRIMARY KEY,          -- UUID
    kind        TEXT NOT NULL,             -- RecordKind, snake_case
    village_id  TEXT NOT NULL,             -- UUID
    doc         TEXT NOT NULL,             -- JSON form
    created_at  INTEGER NOT NULL,          -- UTC ms, device clock
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX records_village_kind ON records (village_id, kind);

-- The server sequence number and HLC of the value each field holds (seq 0 = never synced).
CREATE TABLE field_versions (
    record_id   TEXT NOT NULL,
    path        TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    hlc         TEXT NOT NULL,
    PRIMARY KEY (record_id, path)
) STRICT;

-- One row per changed field of a local save. Rows are never deleted: a refused change stays
-- visible with the server's reason.
CREATE TABLE outbox (
    change_id       TEXT PRIMARY KEY,
    change_set_id   TEXT,                  -- set when frozen into a change set, before sending
    record_id       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    village_id      TEXT NOT NULL,
    field           TEXT NOT NULL,
    old             TEXT,                  -- JSON, NULL = absent
    new             TEXT,                  -- JSON, NULL = absent
    base_seq        INTEGER NOT NULL,
    hlc             TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN
                        ('pending', 'in_flight', 'accepted', 'superseded', 'refused')),
    result_seq      INTEGER,
    current         TEXT,                  -- JSON: the value that won, for a superseded change
    refusal_code    TEXT,
    refusal_message TEXT,
    created_at      INTEGER NOT NULL,
    resolved_at     INTEGER
) STRICT;
CREATE INDEX outbox_status ON outbox (status, hlc);
CREATE INDEX outbox_record_field ON outbox (record_id, field);
CREATE INDEX outbox_set ON outbox (change_set_id);

-- Exactly one row: who this device is and where sync stands.
CREATE TABLE sync_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    node            TEXT NOT NULL,         -- HLC node before enrolment
    hlc             TEXT,                  -- last HLC issued or observed
    server_url      TEXT,
    token           TEXT,
    device_id       TEXT,
    user_json       TEXT,
    villages_json   TEXT,
    snapshot_done   INTEGER NOT NULL DEFAULT 0,
    cursor          INTEGER NOT NULL DEFAULT 0,
    last_sync_at    INTEGER
) STRICT;

-- Findings of the domain rules per record, from the device (on save) and the server (push).
CREATE TABLE findings (
    record_id   TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('device', 'server')),
    findings    TEXT NOT NULL,             -- JSON array of Finding
    has_errors  INTEGER NOT NULL,
    PRIMARY KEY (record_id, source)
) STRICT;

-- Blobs of the photo store (photos and their thumbnails), named by SHA-256.
CREATE TABLE photos (
    sha256      TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('photo', 'thumb')),
    photo_id    TEXT,                      -- the Photo record
    path        TEXT NOT NULL,             -- file name inside the photo folder
    bytes       INTEGER NOT NULL,
    uploaded    INTEGER NOT NULL DEFAULT 0, -- bytes the server is known to hold
    complete    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
) STRICT;
