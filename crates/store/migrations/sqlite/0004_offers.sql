-- Offers, their answers, and merking (acceptances visible to other employers until one week
-- before the start, 004 draft §12).

CREATE TABLE offers (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    position_id       BIGINT NOT NULL REFERENCES positions(id),
    application_id    BIGINT NOT NULL REFERENCES applications(id),
    applicant_id      BIGINT NOT NULL REFERENCES users(id),
    offer_round       INTEGER NOT NULL,
    state             TEXT NOT NULL,            -- made | accepted | declined | expired | withdrawn | resigned
    made_at           TEXT NOT NULL,
    reply_deadline    TEXT NOT NULL,
    answered_at       TEXT,
    withdrawn_reason  TEXT,
    made_by           BIGINT REFERENCES users(id),
    UNIQUE (position_id, application_id)        -- a candidate is offered a position once
);
CREATE INDEX offers_applicant ON offers(applicant_id);
CREATE INDEX offers_due ON offers(state, reply_deadline);

CREATE TABLE marks (
    offer_id        BIGINT PRIMARY KEY REFERENCES offers(id),
    applicant_id    BIGINT NOT NULL REFERENCES users(id),
    round_id        BIGINT NOT NULL REFERENCES rounds(id),
    employer_id     BIGINT NOT NULL REFERENCES organisations(id),
    visible_until   TEXT NOT NULL,
    hidden_at       TEXT,
    hidden_reason   TEXT
);
CREATE INDEX marks_applicant ON marks(applicant_id);
