-- The county server's identity as this device last saw it (issue 15): a restored server has
-- a new one, and the device then sends again what the server may have lost.
ALTER TABLE sync_state ADD COLUMN server_id TEXT;

-- 1: an accepted change put back in the queue to be sent again after the server was restored.
-- It keeps its change id (the server ignores one it still holds), so a new edit of the same
-- field never merges into it: that edit would be lost where the server holds the id.
ALTER TABLE outbox ADD COLUMN resent INTEGER NOT NULL DEFAULT 0;

-- Accepted changes are kept a while (to be sent again after a restore), then pruned by age.
CREATE INDEX outbox_resolved ON outbox (status, resolved_at);
