-- Encryption at rest (issue 18 item 5; lis1_store::crypto). National identity numbers leave the
-- profile JSON for sealed columns (`v1:KID:BASE64`, envelope-encrypted with a key that is never in
-- the database), with a keyed hash (HMAC-SHA256, hex) for lookups. Document bodies are encrypted
-- in place; `content_key` holds the wrapped data key (NULL: not yet encrypted).
-- SQL cannot encrypt: existing plain values are moved by `lis1 keys migrate`, which `serve`
-- also runs at start (idempotent, in batches), and the plaintext is cleared there.
ALTER TABLE profiles ADD COLUMN national_id_enc TEXT;
ALTER TABLE profiles ADD COLUMN national_id_hash TEXT;
ALTER TABLE profiles ADD COLUMN draft_national_id_enc TEXT;
CREATE INDEX profiles_national_id_hash ON profiles(national_id_hash);
ALTER TABLE applications ADD COLUMN national_id_enc TEXT;
ALTER TABLE rest_applications ADD COLUMN national_id_enc TEXT;
ALTER TABLE external_identities ADD COLUMN pid_enc TEXT;
ALTER TABLE external_identities ADD COLUMN pid_hash TEXT;
CREATE INDEX external_identities_pid_hash ON external_identities(pid_hash);
ALTER TABLE documents ADD COLUMN content_key TEXT;
