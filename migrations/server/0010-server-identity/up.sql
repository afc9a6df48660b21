-- The server's identity (issue 15): a random id the county's devices remember. A restored
-- database gets a new one, so that a device notices the server forgot what it was sent after
-- the backup and sends it again. One row per identity the database has had, oldest first:
-- `since_seq` is the last county seq the database held when the identity was made (0 for the
-- first): every seq up to it means the same under this identity as under the previous one.
CREATE TABLE server_identity (
    n           INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,      -- UUID (simple or hyphenated text)
    since_seq   INTEGER NOT NULL,
    made_ms     INTEGER,                   -- UTC ms; NULL for the one made by this migration
    reason      TEXT NOT NULL CHECK (reason IN ('created', 'backup', 'restore'))
) STRICT;

INSERT INTO server_identity (id, since_seq, made_ms, reason)
VALUES (lower(hex(randomblob(16))), 0, NULL, 'created');
