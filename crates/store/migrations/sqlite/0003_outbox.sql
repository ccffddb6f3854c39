-- The e-mail outbox. A mail is written in the same transaction as the event it tells about, so a
-- committed event always has its mail; the mailer (lis1_web::mailer) delivers it over SMTP with
-- retries. Rows hold personal data (address, body): never copy them into logs.
-- SQLite: times are fixed-width UTC text (conv::ts), so comparing the text compares the times.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at       TEXT NOT NULL,
    to_address       TEXT NOT NULL,
    to_name          TEXT,
    subject          TEXT NOT NULL,
    body_text        TEXT NOT NULL,                -- plain text, UTF-8
    kind             TEXT NOT NULL,                -- application_receipt, offer_made, offer_reminder, ...
    object_type      TEXT NOT NULL,                -- what the mail is about, as in the audit log
    object_id        TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,   -- failed delivery attempts
    next_attempt_at  TEXT,                         -- NULL: given up (unsent, shown as failing)
    last_attempt_at  TEXT,                         -- the last try, successful or not
    sent_at          TEXT,                         -- NULL: not delivered yet
    last_error       TEXT
);
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);
