-- Statistics and the follow-up evaluation (issue 14).

-- A doctor's consent to the follow-up evaluation of bound positions (seed 004 §8, GDPR Art. 7):
-- one row per answer, never changed; the newest row is the answer in force, the rest is its
-- history. `text_version` names the wording the doctor answered.
CREATE TABLE consents (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       BIGINT NOT NULL REFERENCES users(id),
    purpose       TEXT NOT NULL,              -- follow_up_evaluation
    given         INTEGER NOT NULL CHECK (given IN (0, 1)),
    source        TEXT NOT NULL,              -- application | own_page
    text_version  TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX consents_user ON consents(user_id, purpose, id);

-- A round's report, frozen before the retention job deletes the applications it counts, so the
-- published figures of a past round stay what they were. Aggregates only (lis1_domain::statistics
-- ::RoundReport as JSON); no person can be found in it.
CREATE TABLE round_reports (
    round_id   BIGINT PRIMARY KEY REFERENCES rounds(id),
    report     TEXT NOT NULL,
    frozen_at  TEXT NOT NULL
);
