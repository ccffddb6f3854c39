-- Advertisements, profiles, documents, applications, assessment and the ranked recommendation.
-- Structured documents the domain validates (rubric, criteria, screening, profile) are JSON text:
-- one serde type in lis1-domain defines them, on both backends.

CREATE TABLE advertisements (
    id                 BIGSERIAL PRIMARY KEY,
    round_id           BIGINT NOT NULL REFERENCES rounds(id),
    hf_id              BIGINT NOT NULL REFERENCES organisations(id),
    hospital_site_id   BIGINT NOT NULL REFERENCES organisations(id),
    coupling           TEXT NOT NULL,            -- section13a | section13b
    title              TEXT NOT NULL,
    description        TEXT NOT NULL,
    municipality_ids   TEXT NOT NULL,            -- JSON array of organisation ids
    formal_criteria    TEXT NOT NULL,            -- JSON (lis1_domain::advertisements::FormalCriteria)
    weighted_criteria  TEXT NOT NULL,            -- JSON array of strings
    rubric             TEXT NOT NULL,            -- JSON (lis1_domain::scoring::Rubric)
    screening          TEXT NOT NULL,            -- JSON array of questions
    auto_next_in_line  BOOLEAN NOT NULL,
    state              TEXT NOT NULL,            -- draft | published
    created_by         BIGINT REFERENCES users(id),
    created_at         TIMESTAMPTZ NOT NULL,
    published_at       TIMESTAMPTZ
);
CREATE INDEX advertisements_round ON advertisements(round_id);
CREATE INDEX advertisements_hf ON advertisements(hf_id);

CREATE TABLE positions (
    id                 BIGSERIAL PRIMARY KEY,
    advertisement_id   BIGINT NOT NULL REFERENCES advertisements(id),
    seq                INTEGER NOT NULL,
    kind               TEXT NOT NULL,            -- ordinary | bound_lis3_psychiatry | bound_lis3_bup | bound_alis
    count              INTEGER NOT NULL CHECK (count > 0),
    municipality_id    BIGINT REFERENCES organisations(id),
    later_employer_id  BIGINT REFERENCES organisations(id),  -- decides for bound positions (004)
    UNIQUE (advertisement_id, seq)
);

CREATE TABLE profiles (
    user_id      BIGINT PRIMARY KEY REFERENCES users(id),
    data         TEXT NOT NULL,                  -- JSON (lis1_domain::profiles::Profile)
    draft        TEXT,                           -- autosaved, not yet saved
    updated_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE documents (
    id          BIGSERIAL PRIMARY KEY,
    owner_id    BIGINT NOT NULL REFERENCES users(id),
    kind        TEXT NOT NULL,                   -- norwegian_test | diploma | authorisation | cv | other
    filename    TEXT NOT NULL,
    mime        TEXT NOT NULL,                   -- detected from content: application/pdf, image/jpeg, image/png
    size        BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    content     BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    deleted_at  TIMESTAMPTZ
);
CREATE INDEX documents_owner ON documents(owner_id);

CREATE TABLE applications (
    id                BIGSERIAL PRIMARY KEY,
    advertisement_id  BIGINT NOT NULL REFERENCES advertisements(id),
    applicant_id      BIGINT NOT NULL REFERENCES users(id),
    state             TEXT NOT NULL,             -- submitted | withdrawn
    motivation        TEXT NOT NULL,
    answers           TEXT NOT NULL,             -- JSON [[question id, "yes"|"no"], …]
    profile           TEXT NOT NULL,             -- JSON snapshot of the profile as submitted
    submitted_at      TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    UNIQUE (advertisement_id, applicant_id)      -- a double-clicked submit finds the same row
);
CREATE INDEX applications_applicant ON applications(applicant_id);

CREATE TABLE application_positions (
    application_id  BIGINT NOT NULL REFERENCES applications(id),
    position_id     BIGINT NOT NULL REFERENCES positions(id),
    PRIMARY KEY (application_id, position_id)
);

-- The recruiter's work on an application.
CREATE TABLE assessments (
    application_id  BIGINT PRIMARY KEY REFERENCES applications(id),
    adjustment      BIGINT NOT NULL DEFAULT 0,  -- hundredths of a point, sum of point_adjustments
    shortlisted     BOOLEAN NOT NULL DEFAULT FALSE,
    notes           TEXT NOT NULL DEFAULT '',   -- interview notes
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE point_adjustments (
    id              BIGSERIAL PRIMARY KEY,
    application_id  BIGINT NOT NULL REFERENCES applications(id),
    delta           BIGINT NOT NULL,            -- hundredths of a point
    reason          TEXT NOT NULL,
    created_by      BIGINT NOT NULL REFERENCES users(id),
    created_at      TIMESTAMPTZ NOT NULL
);

-- Coordinators and union representatives who said by the deadline that they take part (002 §2.1).
CREATE TABLE participations (
    advertisement_id  BIGINT NOT NULL REFERENCES advertisements(id),
    user_id           BIGINT NOT NULL REFERENCES users(id),
    org_id            BIGINT NOT NULL REFERENCES organisations(id),
    role              TEXT NOT NULL,
    registered_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (advertisement_id, user_id)
);

CREATE TABLE comments (
    id              BIGSERIAL PRIMARY KEY,
    application_id  BIGINT NOT NULL REFERENCES applications(id),
    author_id       BIGINT NOT NULL REFERENCES users(id),
    org_id          BIGINT NOT NULL REFERENCES organisations(id),
    text            TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX comments_application ON comments(application_id);

-- The ranked recommendation (innstilling) per position.
CREATE TABLE recommendation_entries (
    position_id     BIGINT NOT NULL REFERENCES positions(id),
    rank            INTEGER NOT NULL,
    application_id  BIGINT NOT NULL REFERENCES applications(id),
    PRIMARY KEY (position_id, rank),
    UNIQUE (position_id, application_id)
);
