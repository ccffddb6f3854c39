-- Issue 18 item 1 (review: waiting audit entries were not tamper-evident). Entries written from
-- now on ("v4", hash_format 4, see lis1_domain::audit) carry beside their content hash a keyed MAC
-- of it (HMAC-SHA256 with a key derived from LIS1_KEY_FILE/LIS1_KEYS, never in the database), which
-- the sealer and verify check before an entry is chained, and `tx_prev`, the number of the entry
-- written before it in the same transaction (PostgreSQL), hashed, so deleting a waiting entry
-- that a later one of its transaction names is detected. Earlier entries keep their format.
ALTER TABLE audit_log ADD COLUMN tx_prev BIGINT;
ALTER TABLE audit_log ADD COLUMN mac TEXT;
-- The pseudonymisation job now takes v3 and v4 entries.
DROP INDEX audit_log_identified;
CREATE INDEX audit_log_identified ON audit_log(at) WHERE hash_format >= 3 AND pseudonymised_at IS NULL;
