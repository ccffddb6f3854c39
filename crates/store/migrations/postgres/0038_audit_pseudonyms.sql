-- Issue 18 item 4. (1) Audit entries name people by pseudonym after the audit retention period.
-- Entries written from now on ("v3", see lis1_domain::audit) are hashed with pseudonyms instead of
-- the people's ids: the actor's and, for an entry about a user, that user's. The ids stay beside
-- the hash (actor_user_id, object_id) with the personal fields of the summary (`personal`, JSON)
-- until the daily job removes them; the entry still verifies. Earlier entries (hash_format 2)
-- keep what they were hashed with. A pseudonym is HMAC-SHA256(key of the entry's month, user id);
-- a month's key is deleted once all its entries are pseudonymised, so nothing links them back.
ALTER TABLE audit_log ADD COLUMN hash_format BIGINT NOT NULL DEFAULT 2;
ALTER TABLE audit_log ADD COLUMN actor_pseudonym TEXT;
ALTER TABLE audit_log ADD COLUMN subject_pseudonym TEXT;
ALTER TABLE audit_log ADD COLUMN personal TEXT;
ALTER TABLE audit_log ADD COLUMN pseudonymised_at TIMESTAMPTZ;
CREATE INDEX audit_log_identified ON audit_log(at) WHERE hash_format = 3 AND pseudonymised_at IS NULL;
CREATE TABLE audit_pseudonym_keys (
    period  TEXT PRIMARY KEY,          -- 'YYYY-MM' (UTC) of the entries it names
    key     TEXT NOT NULL              -- 32 random bytes, hex
);

-- (2) Requests for correction are handled: received -> handled, with the directorate's answer.
ALTER TABLE correction_requests ADD COLUMN state TEXT NOT NULL DEFAULT 'received';
ALTER TABLE correction_requests ADD COLUMN answer TEXT;
ALTER TABLE correction_requests ADD COLUMN handled_at TIMESTAMPTZ;
ALTER TABLE correction_requests ADD COLUMN handled_by BIGINT REFERENCES users(id);
CREATE INDEX correction_requests_open ON correction_requests(created_at) WHERE state = 'received';
