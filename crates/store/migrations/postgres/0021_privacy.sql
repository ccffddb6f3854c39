-- The person's rights (issue 18, GDPR Art. 15-17): requests for correction, as written. The
-- retention rules themselves need no table (lis1_domain::retention; the daily job deletes and
-- logs by id).
CREATE TABLE correction_requests (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    text        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX correction_requests_user ON correction_requests(user_id);
-- The retention job looks sent mail up by when it was sent.
CREATE INDEX outbox_sent ON outbox(sent_at);
