-- Sign-in through OpenID Connect: ID-porten for applicants, HelseID or an organisation's own
-- provider for staff (issue 15).

-- An account's identity at a provider: `sub` is pairwise (one per client), so the pair
-- (issuer, subject) is the key. `pid` is the national identity number ID-porten vouched for; one
-- person is linked to one account only.
CREATE TABLE external_identities (
    issuer        TEXT NOT NULL,
    subject       TEXT NOT NULL,
    user_id       BIGINT NOT NULL REFERENCES users(id),
    pid           TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    last_used_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX external_identities_user ON external_identities(user_id);
CREATE INDEX external_identities_pid ON external_identities(pid);

-- An administrator's invitation of a staff member to one role in the organisation; accepted on
-- the first sign-in through a provider the organisation accepts. Only the token's SHA-256.
CREATE TABLE staff_invitations (
    id           BIGSERIAL PRIMARY KEY,
    org_id       BIGINT NOT NULL REFERENCES organisations(id),
    role         TEXT NOT NULL,
    email        TEXT NOT NULL,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    invited_by   BIGINT NOT NULL REFERENCES users(id),
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    accepted_at  TIMESTAMPTZ,
    accepted_by  BIGINT REFERENCES users(id)
);

-- A sign-in under way (state, nonce, PKCE verifier) or a link waiting for the person's
-- confirmation; keyed by the SHA-256 of a random value only the browser holds. Short-lived.
CREATE TABLE oidc_pending (
    key_hash    TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,                 -- authorize | link
    data        TEXT NOT NULL,                 -- JSON; never a token
    created_at  TIMESTAMPTZ NOT NULL
);

-- The break-glass account of an organisation may sign in with a password when password sign-in
-- is otherwise off (LIS1_PASSWORD_LOGIN=break-glass).
ALTER TABLE users ADD COLUMN break_glass BOOLEAN NOT NULL DEFAULT FALSE;

-- Which provider a session came from and its session id there (`sid`), for RP-initiated and
-- front-channel logout.
ALTER TABLE sessions ADD COLUMN oidc_provider TEXT;
ALTER TABLE sessions ADD COLUMN oidc_sid TEXT;
CREATE INDEX sessions_oidc_sid ON sessions(oidc_sid);
