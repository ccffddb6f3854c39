-- Obligations and deadlines of a course (issue 5): the municipality's contract with the doctor
-- (>= 3 months before the municipal start, 002 §2.1) and its employment letter (<= 8 months after
-- the hospital start, 000 §6.2.4), registered as fulfilled; and the reminders sent about them and
-- about the lottery (>= 4 months before the municipal start), so that each goes out once.

-- One row per course and kind; a correction replaces the row (the audit log keeps the before).
CREATE TABLE obligation_fulfilments (
    course_id     BIGINT NOT NULL REFERENCES courses(id),
    kind          TEXT NOT NULL,               -- contract | employment_letter
    fulfilled_on  TEXT NOT NULL,
    note          TEXT,
    recorded_by   BIGINT REFERENCES users(id),
    recorded_org  BIGINT REFERENCES organisations(id),
    recorded_at   TEXT NOT NULL,
    PRIMARY KEY (course_id, kind),
    CHECK (kind IN ('contract', 'employment_letter'))
);

-- A reminder sent about one obligation ("course:12:contract", "lottery:7:2028-09-01") for one
-- deadline and stage. A moved deadline (leave) is a new deadline and gets reminders of its own.
CREATE TABLE obligation_reminders (
    obligation  TEXT NOT NULL,
    stage       TEXT NOT NULL,                 -- due_soon | overdue
    due_on      TEXT NOT NULL,
    recipients  INTEGER NOT NULL,
    sent_at     TEXT NOT NULL,
    PRIMARY KEY (obligation, stage, due_on),
    CHECK (stage IN ('due_soon', 'overdue'))
);
