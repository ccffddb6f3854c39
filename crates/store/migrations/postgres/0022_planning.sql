-- National planning (issue 12; seeds 000 §5, 001, 004): allocations of LIS1 positions per cohort
-- at each level of the organisation tree (the directorate's row is the national total), every
-- change a new version (lis1_domain::planning); lendings between trusts; capacity calls to
-- municipalities with their answers, the county governor's review and the directorate's orders.
-- Approved places are written to municipal_places, which advertisements and the lottery read.

CREATE TABLE plan_allocations (
    id            BIGSERIAL PRIMARY KEY,
    cohort_start  DATE NOT NULL,
    org_id        BIGINT NOT NULL REFERENCES organisations(id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    total         INTEGER NOT NULL CHECK (total >= 0),
    psychiatry    INTEGER NOT NULL DEFAULT 0 CHECK (psychiatry >= 0),
    bup           INTEGER NOT NULL DEFAULT 0 CHECK (bup >= 0),
    alis          INTEGER NOT NULL DEFAULT 0 CHECK (alis >= 0),
    reason        TEXT NOT NULL,
    remark        TEXT NOT NULL DEFAULT '',
    decision      BOOLEAN NOT NULL DEFAULT FALSE,   -- a directorate decision changing a fixed national total
    lending_id    BIGINT,
    decided_by    BIGINT REFERENCES users(id),
    decided_org   BIGINT REFERENCES organisations(id),    -- the organisation the decider acted for
    decided_at    TIMESTAMPTZ NOT NULL,
    CHECK (psychiatry + bup + alis <= total),
    UNIQUE (cohort_start, org_id, version)
);
CREATE INDEX plan_allocations_org ON plan_allocations(org_id, cohort_start);

CREATE TABLE plan_lendings (
    id              BIGSERIAL PRIMARY KEY,
    cohort_start    DATE NOT NULL,
    lender_id       BIGINT NOT NULL REFERENCES organisations(id),
    borrower_id     BIGINT NOT NULL REFERENCES organisations(id),
    positions       INTEGER NOT NULL CHECK (positions > 0),
    until           DATE,                        -- NULL: permanent
    reason          TEXT NOT NULL,
    requested_by_org BIGINT NOT NULL REFERENCES organisations(id),
    state           TEXT NOT NULL DEFAULT 'requested',
    counterpart_ok  BOOLEAN NOT NULL DEFAULT FALSE,
    lender_rhf_ok   BOOLEAN,                     -- NULL: within one region, not needed
    borrower_rhf_ok BOOLEAN,
    requested_by    BIGINT REFERENCES users(id),
    requested_at    TIMESTAMPTZ NOT NULL,
    decided_at      TIMESTAMPTZ,
    CHECK (state IN ('requested', 'accepted', 'declined')),
    CHECK (lender_id <> borrower_id)
);

CREATE TABLE capacity_calls (
    id                BIGSERIAL PRIMARY KEY,
    hospital_site_id  BIGINT NOT NULL REFERENCES organisations(id),
    cohort_start      DATE NOT NULL,
    deadline          DATE NOT NULL,
    message           TEXT NOT NULL,
    state             TEXT NOT NULL DEFAULT 'open',
    reopened          BOOLEAN NOT NULL DEFAULT FALSE,
    sent_by           BIGINT REFERENCES users(id),
    sent_at           TIMESTAMPTZ NOT NULL,
    CHECK (state IN ('open', 'closed'))
);
CREATE INDEX capacity_calls_site ON capacity_calls(hospital_site_id, cohort_start);

CREATE TABLE capacity_call_municipalities (
    call_id          BIGINT NOT NULL REFERENCES capacity_calls(id),
    municipality_id  BIGINT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (call_id, municipality_id)
);

CREATE TABLE capacity_answers (
    id               BIGSERIAL PRIMARY KEY,
    call_id          BIGINT NOT NULL REFERENCES capacity_calls(id),
    municipality_id  BIGINT NOT NULL REFERENCES organisations(id),
    location         TEXT NOT NULL DEFAULT '',
    places           INTEGER NOT NULL CHECK (places >= 0),
    justification    TEXT NOT NULL DEFAULT '',
    state            TEXT NOT NULL DEFAULT 'submitted',
    review_reason    TEXT NOT NULL DEFAULT '',
    answered_by      BIGINT REFERENCES users(id),
    answered_at      TIMESTAMPTZ NOT NULL,
    reviewed_by      BIGINT REFERENCES users(id),
    reviewed_at      TIMESTAMPTZ,
    CHECK (state IN ('submitted', 'approved', 'returned')),
    UNIQUE (call_id, municipality_id, location)
);

CREATE TABLE place_orders (
    id                BIGSERIAL PRIMARY KEY,
    hospital_site_id  BIGINT NOT NULL REFERENCES organisations(id),
    municipality_id   BIGINT NOT NULL REFERENCES organisations(id),
    cohort_start      DATE NOT NULL,
    places            INTEGER NOT NULL CHECK (places > 0),
    legal_basis       TEXT NOT NULL,
    ordered_by        BIGINT REFERENCES users(id),
    ordered_at        TIMESTAMPTZ NOT NULL
);
