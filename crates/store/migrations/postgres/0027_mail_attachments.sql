-- Files attached to a queued mail (issue 15: the offer letter and the acceptance confirmation as
-- PDF). Written in the same transaction as the mail; deleted with it (retention deletes sent
-- mail after LIS1_RETAIN_MAIL_DAYS). Personal data: never logged.
CREATE TABLE outbox_attachments (
    id            BIGSERIAL PRIMARY KEY,
    mail_id       BIGINT NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    filename      TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    content       BYTEA NOT NULL
);
CREATE INDEX outbox_attachments_mail ON outbox_attachments (mail_id);
