-- The county dashboard: the town officer role (乡镇扶贫干部) and its towns, and browser
-- sessions.
--
-- SQLite cannot change a CHECK constraint, so `users` is rebuilt with the new role. The
-- migration runs in one transaction with foreign keys on: dropping `users` would delete its
-- rows first, which `user_villages`, `devices` and the spot-check scope (`spot_scope`, 0007)
-- refer to, and a deferred violation is never
-- forgiven by renaming a new table into the old name. So their rows are set aside, the table
-- is rebuilt, and they are put back, all in the same transaction: it commits whole or not at
-- all.

CREATE TABLE keep_user_villages AS SELECT user_id, village_id FROM user_villages;
CREATE TABLE keep_devices AS
    SELECT id, user_id, name, token_hash, revoked, enrolled_ms, last_seen_ms FROM devices;
CREATE TABLE keep_spot_scope AS
    SELECT user_id, plan_id, village_id, household_id, assignment_id FROM spot_scope;
DELETE FROM user_villages;
DELETE FROM devices;
DELETE FROM spot_scope;

CREATE TABLE users_new (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('survey_worker', 'work_team_member', 'supervisor', 'town_officer', 'county_admin')),
    password_hash TEXT NOT NULL,   -- Argon2id PHC string
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_ms    INTEGER NOT NULL
);
INSERT INTO users_new (id, username, display_name, role, password_hash, disabled, created_ms)
    SELECT id, username, display_name, role, password_hash, disabled, created_ms FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

INSERT INTO user_villages (user_id, village_id) SELECT user_id, village_id FROM keep_user_villages;
INSERT INTO devices (id, user_id, name, token_hash, revoked, enrolled_ms, last_seen_ms)
    SELECT id, user_id, name, token_hash, revoked, enrolled_ms, last_seen_ms FROM keep_devices;
INSERT INTO spot_scope (user_id, plan_id, village_id, household_id, assignment_id)
    SELECT user_id, plan_id, village_id, household_id, assignment_id FROM keep_spot_scope;
DROP TABLE keep_user_villages;
DROP TABLE keep_devices;
DROP TABLE keep_spot_scope;

-- A town officer's towns: it sees every village of them (villages added later too).
CREATE TABLE user_towns (
    user_id TEXT NOT NULL REFERENCES users(id),
    town_id TEXT NOT NULL REFERENCES towns(id),
    PRIMARY KEY (user_id, town_id)
) WITHOUT ROWID;

-- A signed-in browser of the dashboard. Only the SHA-256 of the cookie's secret is kept.
-- It ends at `expires_ms`, or when idle for longer than the server's idle limit, or when
-- signed out (the row is deleted).
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    token_hash   TEXT NOT NULL UNIQUE,
    created_ms   INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    expires_ms   INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- The county's settings (a base-map tile URL for the dashboard's map, ...), by key.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
