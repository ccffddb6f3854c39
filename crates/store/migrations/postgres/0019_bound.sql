-- Bound positions over 6.5 years (issue 13, seed 004): the education plan of a doctor hired in a
-- bound LIS1 + LIS3/ALIS position (lis1_domain::bound). One plan per course; the LIS1 dates are
-- the course's, the later part's dates here are as planned (leave moves them as it moves the
-- course). A correction replaces a date (the audit log keeps the before).
CREATE TABLE bound_plans (
    course_id               BIGINT PRIMARY KEY REFERENCES courses(id),
    track                   TEXT NOT NULL,
    alis_form               TEXT,
    later_employer_id       BIGINT NOT NULL REFERENCES organisations(id),
    later_start             DATE NOT NULL,
    planned_end             DATE NOT NULL,
    contract_signed_on      DATE,
    hospital_completed_on   DATE,
    municipal_completed_on  DATE,
    later_started_on        DATE,
    state                   TEXT NOT NULL DEFAULT 'active',
    ended_on                DATE,
    change_note             TEXT NOT NULL DEFAULT '',
    switched_to             TEXT,
    created_at              TIMESTAMPTZ NOT NULL,
    created_by              BIGINT REFERENCES users(id),
    CHECK (track IN ('lis3_psychiatry', 'lis3_bup', 'alis')),
    CHECK ((track = 'alis') = (alis_form IS NOT NULL)),
    CHECK (alis_form IS NULL OR alis_form IN ('salaried', 'list_holder')),
    CHECK (state IN ('active', 'resigned_lis1', 'resigned_later', 'switched_specialty')),
    CHECK ((state = 'active') = (ended_on IS NULL)),
    CHECK (later_start < planned_end)
);
CREATE INDEX bound_plans_later_employer ON bound_plans(later_employer_id);
