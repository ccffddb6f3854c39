-- Issue 10 item 3: every call of an API token is audit-logged with the token's id. NULL for a
-- browser session, the system, and every entry written before. No foreign key: the log outlives
-- the tokens it names. Hashed only when present (lis1_domain::audit), so older entries verify.
ALTER TABLE audit_log ADD COLUMN token_id BIGINT;
CREATE INDEX audit_log_token ON audit_log(token_id) WHERE token_id IS NOT NULL;
