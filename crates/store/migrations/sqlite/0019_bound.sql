-- Bound positions over 6.5 years (issue 13, seed 004): the education plan of a doctor hired in a
-- bound LIS1 + LIS3/ALIS position (lis1_domain::bound). One plan per course; the LIS1 dates are
-- the course's, the later part's dates here are as planned (leave moves them as it moves the
-- course). A correction replaces a date (the audit log keeps the before).
CREATE TABLE bound_plans (
    course_id               BIGINT PRIMARY KEY REFERENCES courses(id),
    track                   TEXT NOT NULL,
    alis_form               TEXT,
    later_employer_id       BIGINT NOT NULL REFERENCES organisations(id),
    later_start             TEXT NOT NULL,
    planned_end             TEXT NOT NULL,
    contract_signed_on      TEXT,
    hospital_completed_on   TEXT,
    municipal_completed_on  TEXT,
    later_started_on        TEXT,
    state                   TEXT NOT NULL DEFAULT 'active',
    ended_on                TEXT,
    change_note             TEXT NOT NULL DEFAULT '',
    switched_to             TEXT,
    created_at              TEXT NOT NULL,
    created_by              BIGINT REFERENCES users(id),
    CHECK (track IN ('lis3_psychiatry', 'lis3_bup', 'alis')),
    CHECK ((track = 'alis') = (alis_form IS NOT NULL)),
    CHECK (alis_form IS NULL OR alis_form IN ('salaried', 'list_holder')),
    CHECK (state IN ('active', 'resigned_lis1', 'resigned_later', 'switched_specialty')),
    CHECK ((state = 'active') = (ended_on IS NULL)),
    CHECK (later_start < planned_end)
);
CREATE INDEX bound_plans_later_employer ON bound_plans(later_employer_id);

-- ALIS in hospital (seed 003): the departments a hospital trust offers ALIS service in, kept by
-- its LIS3 coordinator, and the municipalities' requests, one row each, queued per department.
CREATE TABLE alis_departments (
    hf_id  BIGINT NOT NULL REFERENCES organisations(id),
    name   TEXT NOT NULL,
    PRIMARY KEY (hf_id, name)
);

CREATE TABLE alis_requests (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    municipality_id     BIGINT NOT NULL REFERENCES organisations(id),
    hf_id               BIGINT NOT NULL REFERENCES organisations(id),
    site_id             BIGINT REFERENCES organisations(id),
    department          TEXT NOT NULL,
    doctor_name         TEXT NOT NULL,
    municipal_since     TEXT NOT NULL,
    requested_start     TEXT NOT NULL,
    months              INTEGER NOT NULL CHECK (months BETWEEN 1 AND 6),
    agreement           TEXT NOT NULL DEFAULT '',
    state               TEXT NOT NULL DEFAULT 'queued',
    requested_at        TEXT NOT NULL,
    requested_by        BIGINT REFERENCES users(id),
    offered_start       TEXT,
    offered_months      INTEGER CHECK (offered_months BETWEEN 1 AND 6),
    offered_department  TEXT,
    offered_site_id     BIGINT REFERENCES organisations(id),
    offer_reason        TEXT NOT NULL DEFAULT '',
    offered_at          TEXT,
    offered_by          BIGINT REFERENCES users(id),
    answered_at         TEXT,
    declines            INTEGER NOT NULL DEFAULT 0,
    CHECK (state IN ('queued', 'offered', 'confirmed', 'withdrawn')),
    CHECK ((state IN ('offered', 'confirmed')) = (offered_start IS NOT NULL))
);
CREATE INDEX alis_requests_queue ON alis_requests(hf_id, department, state, requested_at);
CREATE INDEX alis_requests_municipality ON alis_requests(municipality_id);
