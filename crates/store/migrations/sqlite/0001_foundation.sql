-- Foundation: organisations, accounts, sessions, the audit log and rounds.
-- SQLite: times are TEXT (RFC 3339, written by jiff-sqlx), dates TEXT (YYYY-MM-DD).

CREATE TABLE organisations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,                 -- lis1_domain::org::OrgKind
    name        TEXT NOT NULL,
    short_name  TEXT,
    code        TEXT,                          -- SSB kommune/fylke number, or org.nr
    parent_id   BIGINT REFERENCES organisations(id),
    created_at  TEXT NOT NULL,
    UNIQUE (kind, code)
);
CREATE INDEX organisations_parent ON organisations(parent_id);

-- Relations beside the tree: governor -> county, coordinator region -> municipality, etc.
CREATE TABLE org_links (
    from_id  BIGINT NOT NULL REFERENCES organisations(id),
    to_id    BIGINT NOT NULL REFERENCES organisations(id),
    kind     TEXT NOT NULL,                    -- governs | coordinates | advises
    PRIMARY KEY (from_id, to_id, kind)
);

-- Which municipalities a hospital site cooperates with (§13b group; 000 Vedlegg 1).
CREATE TABLE cooperation_areas (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    hospital_site_id    BIGINT NOT NULL REFERENCES organisations(id),
    municipality_id     BIGINT NOT NULL REFERENCES organisations(id),
    coordinator_region_id BIGINT REFERENCES organisations(id),
    special_agreement   TEXT,                  -- e.g. the Hdir/Innlandet agreement for Lesja
    UNIQUE (hospital_site_id, municipality_id)
);

-- Municipality places per hospital site and cohort (cohort = hospital start date).
CREATE TABLE municipal_places (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    hospital_site_id  BIGINT NOT NULL REFERENCES organisations(id),
    municipality_id   BIGINT REFERENCES organisations(id),  -- NULL: not yet placed in a municipality
    cohort_start      TEXT NOT NULL,
    location          TEXT NOT NULL DEFAULT '',            -- e.g. Rørvik / Kolvereid in Nærøysund
    places            INTEGER NOT NULL CHECK (places >= 0),
    note              TEXT,
    UNIQUE (hospital_site_id, municipality_id, cohort_start, location)
);

CREATE TABLE users (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    email             TEXT NOT NULL UNIQUE,     -- lower-cased
    display_name      TEXT NOT NULL,
    password_hash     TEXT,                     -- argon2id PHC string; NULL for external login only
    external_issuer   TEXT,                     -- ID-porten / HelseID later
    external_subject  TEXT,
    is_demo           INTEGER NOT NULL DEFAULT 0,
    disabled_at       TEXT,
    created_at        TEXT NOT NULL,
    UNIQUE (external_issuer, external_subject)
);

CREATE TABLE user_roles (
    user_id  BIGINT NOT NULL REFERENCES users(id),
    role     TEXT NOT NULL,                     -- lis1_domain::access::Role
    org_id   BIGINT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (user_id, role, org_id)
);

-- Server-side sessions. The cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users(id),
    csrf_token    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Append-only, hash-chained (lis1_domain::audit). Written in the same transaction as the change.
CREATE TABLE audit_log (
    seq            BIGINT PRIMARY KEY,
    at             TEXT NOT NULL,
    actor_user_id  BIGINT,
    actor_org_id   BIGINT,
    actor_role     TEXT,
    action         TEXT NOT NULL,
    object_type    TEXT NOT NULL,
    object_id      TEXT NOT NULL,
    summary        TEXT NOT NULL,              -- JSON text, hashed as stored
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL
);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);
CREATE INDEX audit_log_actor ON audit_log(actor_user_id);

-- The chain's head, kept apart from the rows so that deleting the last rows is detected.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);

CREATE TABLE rounds (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    name                   TEXT NOT NULL,
    season                 TEXT NOT NULL,       -- spring | autumn
    year                   INTEGER NOT NULL,
    announcement_at        TEXT NOT NULL,
    application_deadline_at TEXT NOT NULL,
    earliest_offer_at      TEXT NOT NULL,
    start_date             TEXT NOT NULL,
    created_by             BIGINT REFERENCES users(id),
    created_at             TEXT NOT NULL,
    UNIQUE (season, year)
);

CREATE TABLE offer_rounds (
    round_id          BIGINT NOT NULL REFERENCES rounds(id),
    number            INTEGER NOT NULL,         -- 1, 2, 3, …
    offer_at          TEXT NOT NULL,
    reply_deadline_at TEXT NOT NULL,
    marking_at        TEXT NOT NULL,
    PRIMARY KEY (round_id, number)
);

INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
