-- A device the county marked lost (distinct from revoked: a revoked device is being
-- replaced and simply stops; a lost one is told so at its next contact and erases itself),
-- and what it reported it had not sent before it did.
ALTER TABLE devices ADD COLUMN lost_ms INTEGER;

CREATE TABLE device_losses (
    device_id       TEXT PRIMARY KEY REFERENCES devices (id),
    received_ms     INTEGER NOT NULL,      -- the server's clock when the report came
    report          TEXT NOT NULL          -- JSON LossReport: counts and record ids only
) STRICT;
