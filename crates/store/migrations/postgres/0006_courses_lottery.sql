-- Courses (the doctor's LIS1 period: 12 months hospital, then 6 months municipality) and the
-- §13b municipality-place lottery (docs/lottery.md).

-- One course per accepted offer. §13a: the municipality is named at creation; §13b: NULL until
-- the lottery assigns it. Only courses whose offer is still 'accepted' are current.
CREATE TABLE courses (
    id                BIGSERIAL PRIMARY KEY,
    offer_id          BIGINT NOT NULL UNIQUE REFERENCES offers(id),
    applicant_id      BIGINT NOT NULL REFERENCES users(id),
    hospital_site_id  BIGINT NOT NULL REFERENCES organisations(id),
    section           TEXT NOT NULL,            -- 13a | 13b
    municipality_id   BIGINT REFERENCES organisations(id),
    on_leave          BOOLEAN NOT NULL DEFAULT FALSE,   -- takes part in the lottery anyway (002 §2.2)
    hospital_start    DATE NOT NULL,
    hospital_end      DATE NOT NULL,
    municipal_start   DATE NOT NULL,            -- = the lottery cohort
    municipal_end     DATE NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX courses_cohort ON courses(hospital_site_id, municipal_start);
CREATE INDEX courses_applicant ON courses(applicant_id);
CREATE INDEX courses_municipality ON courses(municipality_id);

-- One row per lottery (a redraw is a new row that names the row it replaces). A drawn row is
-- never changed again.
CREATE TABLE lottery_draws (
    id                BIGSERIAL PRIMARY KEY,
    hospital_site_id  BIGINT NOT NULL REFERENCES organisations(id),
    cohort            DATE NOT NULL,            -- municipal start date (docs/lottery.md §1)
    method            TEXT NOT NULL,            -- preference_order | pure_random
    state             TEXT NOT NULL,            -- committed | drawn
    seed_sha256       TEXT NOT NULL,            -- published at commit
    sealed_seed       TEXT,                     -- the secret seed until the draw, then NULL
    inputs            TEXT,                     -- canonical inputs (§4), frozen at the draw
    inputs_sha256     TEXT,
    seed              TEXT,                     -- revealed at the draw
    result            TEXT,                     -- the export file (§10)
    replaces_id       BIGINT UNIQUE REFERENCES lottery_draws(id),
    reason            TEXT,                     -- why the replaced draw is redone (§14)
    committed_at      TIMESTAMPTZ NOT NULL,
    committed_by      BIGINT REFERENCES users(id),
    drawn_at          TIMESTAMPTZ,
    CHECK (state IN ('committed', 'drawn')),
    CHECK ((replaces_id IS NULL) = (reason IS NULL))
);
CREATE INDEX lottery_draws_cohort ON lottery_draws(hospital_site_id, cohort);
-- At most one open commitment per site and cohort.
CREATE UNIQUE INDEX lottery_draws_one_open ON lottery_draws(hospital_site_id, cohort)
    WHERE state = 'committed';

-- A doctor's ranking of place keys ("5037", "5060/Rørvik"), best first.
CREATE TABLE lottery_preferences (
    course_id  BIGINT NOT NULL REFERENCES courses(id),
    rank       INTEGER NOT NULL CHECK (rank >= 1),
    place_key  TEXT NOT NULL,
    PRIMARY KEY (course_id, rank),
    UNIQUE (course_id, place_key)
);
