-- API tokens of organisations (issue 10): machine clients (HR and payroll systems) act as their
-- organisation, in the one role it has, within the scopes the token was issued with. Only the
-- SHA-256 of the token is kept; the token is shown once.
CREATE TABLE api_tokens (
    id            BIGSERIAL PRIMARY KEY,
    org_id        BIGINT NOT NULL REFERENCES organisations(id),
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    scopes        TEXT NOT NULL,              -- space-separated, e.g. "offers:read offers:write"
    token_sha256  TEXT NOT NULL UNIQUE,
    prefix        TEXT NOT NULL,              -- the token's first characters, to tell tokens apart
    created_by    BIGINT NOT NULL REFERENCES users(id),
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ,
    revoked_by    BIGINT REFERENCES users(id),
    last_used_at  TIMESTAMPTZ
);
CREATE INDEX api_tokens_org ON api_tokens(org_id);

-- Idempotency keys of unsafe API requests: the key is claimed in the use case's own
-- transaction, so a retried request finds it and gets the first answer instead of acting twice.
CREATE TABLE idempotency_keys (
    owner         TEXT NOT NULL,              -- "token:ID" or "user:ID"
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,              -- SHA-256 of method, path and body
    created_at    TIMESTAMPTZ NOT NULL,
    status        INTEGER,                    -- NULL until the response is stored
    content_type  TEXT,
    body          TEXT,
    PRIMARY KEY (owner, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
