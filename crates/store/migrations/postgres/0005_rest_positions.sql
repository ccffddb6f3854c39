-- Rest positions (reststillinger, 002 §2.3, 004 draft §12): a place left vacant after the offer
-- rounds, or vacated later by resignation, advertised continuously by the responsible employer
-- as a standalone, time-limited position without coupling, with its own short application and
-- offer flow.

CREATE TABLE rest_positions (
    id                  BIGSERIAL PRIMARY KEY,
    employer_id         BIGINT NOT NULL REFERENCES organisations(id),
    source_position_id  BIGINT REFERENCES positions(id),   -- NULL when created by hand
    source_offer_id     BIGINT UNIQUE REFERENCES offers(id),  -- the resigned acceptance; one rest position each
    reason              TEXT NOT NULL,            -- lis1_domain::offers::VacancyReason: not_filled_after_offer_rounds | resignation
    title               TEXT NOT NULL,
    description         TEXT NOT NULL,
    period_from         DATE NOT NULL,
    period_to           DATE NOT NULL,
    state               TEXT NOT NULL,            -- open | filled | closed
    created_at          TIMESTAMPTZ NOT NULL,
    created_by          BIGINT REFERENCES users(id),
    CHECK (period_from <= period_to)
);
CREATE INDEX rest_positions_state ON rest_positions(state);
CREATE INDEX rest_positions_employer ON rest_positions(employer_id);

CREATE TABLE rest_applications (
    id                BIGSERIAL PRIMARY KEY,
    rest_position_id  BIGINT NOT NULL REFERENCES rest_positions(id),
    applicant_id      BIGINT NOT NULL REFERENCES users(id),
    motivation        TEXT NOT NULL,
    profile           TEXT NOT NULL,              -- JSON snapshot of the profile as submitted
    submitted_at      TIMESTAMPTZ NOT NULL,
    state             TEXT NOT NULL,              -- submitted | withdrawn
    UNIQUE (rest_position_id, applicant_id)       -- a double-clicked submit finds the same row
);
CREATE INDEX rest_applications_applicant ON rest_applications(applicant_id);

CREATE TABLE rest_offers (
    id                   BIGSERIAL PRIMARY KEY,
    rest_position_id     BIGINT NOT NULL REFERENCES rest_positions(id),
    rest_application_id  BIGINT NOT NULL REFERENCES rest_applications(id),
    applicant_id         BIGINT NOT NULL REFERENCES users(id),
    state                TEXT NOT NULL,           -- made | accepted | declined | expired | withdrawn
    made_at              TIMESTAMPTZ NOT NULL,
    reply_deadline       TIMESTAMPTZ NOT NULL,
    answered_at          TIMESTAMPTZ,
    made_by              BIGINT REFERENCES users(id)
);
CREATE INDEX rest_offers_position ON rest_offers(rest_position_id, state);
CREATE INDEX rest_offers_applicant ON rest_offers(applicant_id);
