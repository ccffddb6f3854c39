-- Issue 12, item 5: a capacity call names one or more cohorts (e.g. the spring and autumn
-- cohorts of a year), and each municipality answers per cohort; the county governor approves
-- each cohort's answer on its own, and its places become the area's places for that cohort.
-- `capacity_calls.cohort_start` stays as the call's first cohort.
CREATE TABLE capacity_call_cohorts (
    call_id       BIGINT NOT NULL REFERENCES capacity_calls(id),
    cohort_start  TEXT NOT NULL,
    PRIMARY KEY (call_id, cohort_start)
);
INSERT INTO capacity_call_cohorts (call_id, cohort_start)
    SELECT id, cohort_start FROM capacity_calls;

-- SQLite cannot change a UNIQUE constraint in place: the answers move to a new table with
-- their cohort (the call's only cohort until now).
CREATE TABLE capacity_answers_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    call_id          BIGINT NOT NULL REFERENCES capacity_calls(id),
    municipality_id  BIGINT NOT NULL REFERENCES organisations(id),
    location         TEXT NOT NULL DEFAULT '',
    places           INTEGER NOT NULL CHECK (places >= 0),
    justification    TEXT NOT NULL DEFAULT '',
    state            TEXT NOT NULL DEFAULT 'submitted',
    review_reason    TEXT NOT NULL DEFAULT '',
    answered_by      BIGINT REFERENCES users(id),
    answered_at      TEXT NOT NULL,
    reviewed_by      BIGINT REFERENCES users(id),
    reviewed_at      TEXT,
    cohort_start     TEXT NOT NULL,
    CHECK (state IN ('submitted', 'approved', 'returned')),
    UNIQUE (call_id, municipality_id, cohort_start, location),
    FOREIGN KEY (call_id, cohort_start) REFERENCES capacity_call_cohorts(call_id, cohort_start)
);
INSERT INTO capacity_answers_new (id, call_id, municipality_id, location, places, justification,
        state, review_reason, answered_by, answered_at, reviewed_by, reviewed_at, cohort_start)
    SELECT a.id, a.call_id, a.municipality_id, a.location, a.places, a.justification, a.state,
        a.review_reason, a.answered_by, a.answered_at, a.reviewed_by, a.reviewed_at,
        c.cohort_start
    FROM capacity_answers a JOIN capacity_calls c ON c.id = a.call_id;
DROP TABLE capacity_answers;
ALTER TABLE capacity_answers_new RENAME TO capacity_answers;
