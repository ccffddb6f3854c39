-- The course's follow-up (issue 5): leave that keeps the place and moves the dates, the
-- hospital's rotation plan and personal supervisor, the lottery's ranking deadline, and the
-- directorate's permission to draw later than four months before the municipal start.

-- The dates after leave (lis1_domain::course::CourseDates::after_leave); NULL = as planned.
-- The planned columns never change: municipal_start stays the lottery cohort.
ALTER TABLE courses ADD COLUMN actual_hospital_end TEXT;
ALTER TABLE courses ADD COLUMN actual_municipal_start TEXT;
ALTER TABLE courses ADD COLUMN actual_municipal_end TEXT;
-- The personal supervisor in the hospital part (000 §6.2.2).
ALTER TABLE courses ADD COLUMN supervisor_name TEXT;
ALTER TABLE courses ADD COLUMN supervisor_email TEXT;

CREATE TABLE course_leaves (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id      BIGINT NOT NULL REFERENCES courses(id),
    kind           TEXT NOT NULL,               -- pregnancy | parental | sickness | other
    period_from    TEXT NOT NULL,
    period_to      TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    registered_at  TEXT NOT NULL,
    registered_by  BIGINT REFERENCES users(id),
    CHECK (period_from <= period_to),
    CHECK (kind IN ('pregnancy', 'parental', 'sickness', 'other'))
);
CREATE INDEX course_leaves_course ON course_leaves(course_id);

-- Two or three parts, back to back (lis1_domain::course::check_rotation).
CREATE TABLE course_rotations (
    course_id    BIGINT NOT NULL REFERENCES courses(id),
    part         INTEGER NOT NULL CHECK (part BETWEEN 1 AND 3),
    department   TEXT NOT NULL,
    period_from  TEXT NOT NULL,
    period_to    TEXT NOT NULL,
    PRIMARY KEY (course_id, part)
);

-- Doctors rank until this moment (set with the commitment; NULL = until the draw).
ALTER TABLE lottery_draws ADD COLUMN ranking_deadline TEXT;

-- The directorate allows a draw later than four months before the municipal start (issue 5).
CREATE TABLE lottery_late_permissions (
    hospital_site_id  BIGINT NOT NULL REFERENCES organisations(id),
    cohort            TEXT NOT NULL,
    reason            TEXT NOT NULL,
    granted_at        TEXT NOT NULL,
    granted_by        BIGINT REFERENCES users(id),
    PRIMARY KEY (hospital_site_id, cohort)
);

-- A place given before the draw (docs/lottery.md §3, "reservert plass"), e.g. to a doctor under
-- a special agreement. Set by the HF while no commitment is open; part of the draw's inputs.
CREATE TABLE lottery_reservations (
    course_id    BIGINT PRIMARY KEY REFERENCES courses(id),
    place_key    TEXT NOT NULL,
    reason       TEXT NOT NULL,
    reserved_at  TEXT NOT NULL,
    reserved_by  BIGINT REFERENCES users(id)
);
