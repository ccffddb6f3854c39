-- Coordinated admission (issue 16; docs/matching.md §17): a round in coordinated mode with its
-- ranking deadline, match time and seed commitment (the seed sealed until the match); each
-- applicant's ranking of the positions they applied to; couples (both confirm) and their ranked
-- pairs; the match, run once, with its inputs' hash and export.

CREATE TABLE coordinated_rounds (
    round_id          BIGINT PRIMARY KEY REFERENCES rounds(id),
    ranking_deadline  TEXT NOT NULL,
    match_at          TEXT NOT NULL,
    seed_sha256       TEXT NOT NULL,
    sealed_seed       TEXT NOT NULL,
    state             TEXT NOT NULL,            -- waiting | matched | failed
    set_by            BIGINT REFERENCES users(id),
    set_at            TEXT NOT NULL,
    inputs_sha256     TEXT,
    attempts          INTEGER,
    export            TEXT,                     -- docs/matching.md §11, as published
    failure_code      TEXT,
    failure           TEXT,                     -- the refusal in bokmål, naming the entry
    matched_at        TEXT
);

CREATE TABLE coordinated_rankings (
    round_id      BIGINT NOT NULL REFERENCES rounds(id),
    applicant_id  BIGINT NOT NULL REFERENCES users(id),
    rank          INTEGER NOT NULL CHECK (rank >= 1),
    position_id   BIGINT NOT NULL REFERENCES positions(id),
    PRIMARY KEY (round_id, applicant_id, rank),
    UNIQUE (round_id, applicant_id, position_id)
);

CREATE TABLE coordinated_couples (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id      BIGINT NOT NULL REFERENCES rounds(id),
    first_id      BIGINT NOT NULL REFERENCES users(id),   -- who asked
    second_email  TEXT NOT NULL,                          -- whom they asked (lower-cased)
    second_id     BIGINT REFERENCES users(id),            -- set when confirmed
    created_at    TEXT NOT NULL,
    confirmed_at  TEXT,
    UNIQUE (round_id, first_id)
);
CREATE INDEX coordinated_couples_second ON coordinated_couples(round_id, second_email);

CREATE TABLE coordinated_pairs (
    couple_id           BIGINT NOT NULL REFERENCES coordinated_couples(id),
    rank                INTEGER NOT NULL CHECK (rank >= 1),
    first_position_id   BIGINT REFERENCES positions(id),
    second_position_id  BIGINT REFERENCES positions(id),
    PRIMARY KEY (couple_id, rank),
    CHECK (first_position_id IS NOT NULL OR second_position_id IS NOT NULL)
);
