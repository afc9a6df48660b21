-- The year's policy the county judges by (`jiandang_protocol::PolicyDoc`'s policy, as JSON),
-- fetched at enrolment and at every sync round: the device judges by it offline, never by a
-- policy compiled in. NULL until the first answer.
ALTER TABLE sync_state ADD COLUMN policy_json TEXT;
