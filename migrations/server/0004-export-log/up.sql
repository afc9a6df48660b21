-- Every export handed out: who exported what, when, of which scope and register version.
-- Exports carry names, ID numbers and phones; this is their audit trail beside change_log.
CREATE TABLE export_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     TEXT,            -- NULL when made by `jiandang export` on the server's file
    device_id   TEXT,
    via         TEXT NOT NULL CHECK (via IN ('api', 'cli')),
    export      TEXT NOT NULL,   -- households, register, comparison, summary ...
    format      TEXT NOT NULL,   -- xlsx, csv, html
    scope       TEXT NOT NULL CHECK (scope IN ('county', 'town', 'village')),
    scope_id    TEXT,            -- the town's or village's id
    version_seq INTEGER NOT NULL, -- the register's version: highest change_log seq included
    households  INTEGER NOT NULL,
    bytes       INTEGER NOT NULL,
    created_ms  INTEGER NOT NULL
);
CREATE INDEX export_log_user ON export_log (user_id, created_ms);
