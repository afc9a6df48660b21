-- Spot-check plans (抽查方案, issue 13): a plan as the domain keeps it, the frame it was drawn
-- from, its assignments to pairs of checkers, and what each checker may see and push.

-- `plan` is the JSON of jiandang_domain::spotcheck::plan::Plan (state, spec, draw); `state`
-- repeats its state for the lock below. `frame` is the JSON of the Frame the draw was made
-- from (households, villages and the register's version), so that the draw can be verified
-- from its seed at any time after the register has moved on.
CREATE TABLE spot_plans (
    id              TEXT PRIMARY KEY,
    title           TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('draft', 'drawn', 'published')),
    plan            TEXT NOT NULL,
    frame           TEXT,
    -- Who chose the seed: the county admin ('given') or the server's OS randomness ('server').
    seed_source     TEXT CHECK (seed_source IN ('given', 'server')),
    -- Households and villages of the register the frame had to leave out (no stratum known).
    left_out_households INTEGER NOT NULL DEFAULT 0,
    left_out_villages   INTEGER NOT NULL DEFAULT 0,
    created_by      TEXT NOT NULL,
    created_ms      INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL,
    published_ms    INTEGER
);

-- A published plan is locked: the draw the checkers were given never changes and is never
-- removed. The domain refuses to redraw, edit or publish it again; this holds the row itself
-- against any statement written later.
CREATE TRIGGER spot_plans_locked BEFORE UPDATE ON spot_plans
WHEN OLD.state = 'published'
BEGIN
    SELECT RAISE(ABORT, 'spot-check plan is published: locked');
END;
CREATE TRIGGER spot_plans_kept BEFORE DELETE ON spot_plans
WHEN OLD.state = 'published'
BEGIN
    SELECT RAISE(ABORT, 'spot-check plan is published: locked');
END;

-- 核查分配: drawn households (and villages to screen) given to a pair of checkers. `assignment`
-- is the JSON of jiandang_domain::spotcheck::plan::Assignment.
CREATE TABLE spot_assignments (
    id          TEXT PRIMARY KEY,
    plan_id     TEXT NOT NULL REFERENCES spot_plans(id),
    assignment  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_ms  INTEGER NOT NULL
);
CREATE INDEX spot_assignments_plan ON spot_assignments (plan_id, created_ms);

-- What each checker may see and push, one row per checker and assigned household, or per
-- checker and village to screen (household_id = ''): derived from spot_assignments when an
-- assignment is made, so that sync scopes a supervisor with one indexed join.
CREATE TABLE spot_scope (
    user_id       TEXT NOT NULL REFERENCES users(id),
    plan_id       TEXT NOT NULL REFERENCES spot_plans(id),
    village_id    TEXT NOT NULL REFERENCES villages(id),
    household_id  TEXT NOT NULL,
    assignment_id TEXT NOT NULL REFERENCES spot_assignments(id),
    PRIMARY KEY (user_id, village_id, plan_id, household_id)
) WITHOUT ROWID;
