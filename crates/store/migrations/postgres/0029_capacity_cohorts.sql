-- Issue 12, item 5: a capacity call names one or more cohorts (e.g. the spring and autumn
-- cohorts of a year), and each municipality answers per cohort; the county governor approves
-- each cohort's answer on its own, and its places become the area's places for that cohort.
-- `capacity_calls.cohort_start` stays as the call's first cohort.
CREATE TABLE capacity_call_cohorts (
    call_id       BIGINT NOT NULL REFERENCES capacity_calls(id),
    cohort_start  DATE NOT NULL,
    PRIMARY KEY (call_id, cohort_start)
);
INSERT INTO capacity_call_cohorts (call_id, cohort_start)
    SELECT id, cohort_start FROM capacity_calls;

-- The answers gain their cohort (the call's only cohort until now).
ALTER TABLE capacity_answers ADD COLUMN cohort_start DATE;
UPDATE capacity_answers a SET cohort_start = c.cohort_start
    FROM capacity_calls c WHERE c.id = a.call_id;
ALTER TABLE capacity_answers ALTER COLUMN cohort_start SET NOT NULL;
ALTER TABLE capacity_answers DROP CONSTRAINT capacity_answers_call_id_municipality_id_location_key;
ALTER TABLE capacity_answers ADD CONSTRAINT capacity_answers_call_cohort_location_key
    UNIQUE (call_id, municipality_id, cohort_start, location);
ALTER TABLE capacity_answers ADD CONSTRAINT capacity_answers_call_cohort_fkey
    FOREIGN KEY (call_id, cohort_start) REFERENCES capacity_call_cohorts(call_id, cohort_start);
