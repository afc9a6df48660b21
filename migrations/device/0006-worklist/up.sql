-- A supervisor's worklist (`jiandang_protocol::spotcheck::Worklist`, as JSON): the drawn
-- households and the villages to screen, fetched at every sync round so the phone lists them
-- offline. NULL for every other user, and before the first answer.
ALTER TABLE sync_state ADD COLUMN worklist_json TEXT;
