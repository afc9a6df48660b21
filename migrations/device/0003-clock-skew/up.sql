-- How far the server's clock is from this device's (server minus device, ms), as measured on
-- the last answer from the server (NULL: never heard). The app tells the user when the
-- device's clock is wrong, and stamps edits by the server's time meanwhile.
ALTER TABLE sync_state ADD COLUMN clock_skew_ms INTEGER;
