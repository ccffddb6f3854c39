-- Issue 11, item 10: a doctor hired into a rest position gets a course. A course now comes from
-- an accepted offer OR an accepted rest offer (exactly one of the two). A municipality's rest
-- position gives the municipal part only (its hospital part is empty: hospital_end is the day
-- before hospital_start); a hospital trust's gives both parts.
--
-- SQLite cannot drop NOT NULL or add a table CHECK in place, and seven tables reference
-- `courses`, so the table is rebuilt (sqlite.org/lang_altertable.html, "other kinds of table
-- schema changes"). Migrations run in one transaction with foreign keys ON, where
-- `PRAGMA foreign_keys=OFF` has no effect; instead the foreign keys are deferred to the commit:
-- dropping `courses` counts the orphaned child rows, putting every row back under its own id
-- counts them down again, and the commit fails (changing nothing) if any row was lost.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE courses_copy AS SELECT * FROM courses;
CREATE TABLE courses_seq_copy AS SELECT seq FROM sqlite_sequence WHERE name = 'courses';
DROP TABLE courses;

CREATE TABLE courses (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    offer_id          BIGINT UNIQUE REFERENCES offers(id),
    rest_offer_id     BIGINT UNIQUE REFERENCES rest_offers(id),
    applicant_id      BIGINT NOT NULL REFERENCES users(id),
    hospital_site_id  BIGINT NOT NULL REFERENCES organisations(id),
    section           TEXT NOT NULL,            -- 13a | 13b
    municipality_id   BIGINT REFERENCES organisations(id),
    on_leave          INTEGER NOT NULL DEFAULT 0,   -- takes part in the lottery anyway (002 §2.2)
    hospital_start    TEXT NOT NULL,
    hospital_end      TEXT NOT NULL,
    municipal_start   TEXT NOT NULL,            -- = the lottery cohort
    municipal_end     TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    actual_hospital_end     TEXT,
    actual_municipal_start  TEXT,
    actual_municipal_end    TEXT,
    supervisor_name   TEXT,
    supervisor_email  TEXT,
    CHECK ((offer_id IS NULL) <> (rest_offer_id IS NULL))
);
INSERT INTO courses (id, offer_id, rest_offer_id, applicant_id, hospital_site_id, section,
        municipality_id, on_leave, hospital_start, hospital_end, municipal_start, municipal_end,
        created_at, actual_hospital_end, actual_municipal_start, actual_municipal_end,
        supervisor_name, supervisor_email)
    SELECT id, offer_id, NULL, applicant_id, hospital_site_id, section, municipality_id,
        on_leave, hospital_start, hospital_end, municipal_start, municipal_end, created_at,
        actual_hospital_end, actual_municipal_start, actual_municipal_end, supervisor_name,
        supervisor_email
    FROM courses_copy;
UPDATE sqlite_sequence SET seq = MAX(seq, (SELECT seq FROM courses_seq_copy))
    WHERE name = 'courses' AND EXISTS (SELECT 1 FROM courses_seq_copy);
DROP TABLE courses_copy;
DROP TABLE courses_seq_copy;

CREATE INDEX courses_cohort ON courses(hospital_site_id, municipal_start);
CREATE INDEX courses_applicant ON courses(applicant_id);
CREATE INDEX courses_municipality ON courses(municipality_id);

-- The current courses: their offer or rest offer is still accepted. Every list, obligation and
-- lottery query joins this instead of `offers`.
CREATE VIEW current_courses AS
    SELECT c.id FROM courses c
    LEFT JOIN offers o ON o.id = c.offer_id
    LEFT JOIN rest_offers ro ON ro.id = c.rest_offer_id
    WHERE o.state = 'accepted' OR ro.state = 'accepted';
