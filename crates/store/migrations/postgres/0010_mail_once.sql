-- Mails that go out at most once per object and kind (reminders): the row is inserted in the
-- same transaction as the mail is queued, so two background jobs running at once (two servers,
-- or one catching up) cannot both queue it.
CREATE TABLE mail_once (
    kind         TEXT NOT NULL,
    object_type  TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    PRIMARY KEY (kind, object_type, object_id)
);
-- Reminders already queued before this table existed count as sent.
INSERT INTO mail_once (kind, object_type, object_id)
    SELECT DISTINCT kind, object_type, object_id FROM outbox
    WHERE kind IN ('offer_reminder', 'rest_offer_reminder');
