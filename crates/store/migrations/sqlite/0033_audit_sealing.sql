-- Audit log without a global lock (issue 18 items 1 and 2). Writers insert entries unchained, with
-- their own content hash; one sealer chains them afterwards (lis1_domain::audit). `seq` becomes
-- the entry's number; the chain position is `chain_seq`, NULL (with prev_hash and hash) until
-- sealed. Entries written before this stay valid: their chain position is their seq.
-- SQLite cannot drop NOT NULL, so the table is rebuilt.
CREATE TABLE audit_log_new (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    at             TEXT NOT NULL,
    actor_user_id  BIGINT,
    actor_org_id   BIGINT,
    actor_role     TEXT,
    action         TEXT NOT NULL,
    object_type    TEXT NOT NULL,
    object_id      TEXT NOT NULL,
    summary        TEXT NOT NULL,              -- JSON text, hashed as stored
    prev_hash      TEXT,
    hash           TEXT,
    chain_seq      BIGINT,
    content_hash   TEXT
);
INSERT INTO audit_log_new (seq, at, actor_user_id, actor_org_id, actor_role, action, object_type,
                           object_id, summary, prev_hash, hash, chain_seq, content_hash)
SELECT seq, at, actor_user_id, actor_org_id, actor_role, action, object_type, object_id, summary,
       prev_hash, hash, seq, NULL
FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);
CREATE INDEX audit_log_actor ON audit_log(actor_user_id);
CREATE UNIQUE INDEX audit_log_chain ON audit_log(chain_seq);
CREATE INDEX audit_log_unsealed ON audit_log(seq) WHERE chain_seq IS NULL;

-- The chain's head as published (daily and on demand): the directorate's page shows them and each
-- is also written as a signed line to the anchor file, which `lis1 audit verify --anchor` checks.
CREATE TABLE audit_anchors (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    chain_seq     BIGINT NOT NULL,
    hash          TEXT NOT NULL,
    at            TEXT NOT NULL,
    published_by  BIGINT REFERENCES users(id),
    line          TEXT NOT NULL              -- the signed line as written to the file
);
