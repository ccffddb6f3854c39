-- Audit log without a global lock (issue 18 items 1 and 2). Writers insert entries unchained, with
-- their own content hash; one sealer chains them afterwards (lis1_domain::audit). `seq` becomes
-- the entry's number from a sequence; the chain position is `chain_seq`, NULL (with prev_hash and
-- hash) until sealed. Entries written before this stay valid: their chain position is their seq.
CREATE SEQUENCE audit_log_seq_seq OWNED BY audit_log.seq;
SELECT setval('audit_log_seq_seq', COALESCE((SELECT MAX(seq) FROM audit_log), 0) + 1, false);
ALTER TABLE audit_log ALTER COLUMN seq SET DEFAULT nextval('audit_log_seq_seq');
ALTER TABLE audit_log ADD COLUMN chain_seq BIGINT;
ALTER TABLE audit_log ADD COLUMN content_hash TEXT;
ALTER TABLE audit_log ALTER COLUMN prev_hash DROP NOT NULL;
ALTER TABLE audit_log ALTER COLUMN hash DROP NOT NULL;
UPDATE audit_log SET chain_seq = seq;
CREATE UNIQUE INDEX audit_log_chain ON audit_log(chain_seq);
CREATE INDEX audit_log_unsealed ON audit_log(seq) WHERE chain_seq IS NULL;

-- The chain's head as published (daily and on demand): the directorate's page shows them and each
-- is also written as a signed line to the anchor file, which `lis1 audit verify --anchor` checks.
CREATE TABLE audit_anchors (
    id            BIGSERIAL PRIMARY KEY,
    chain_seq     BIGINT NOT NULL,
    hash          TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    published_by  BIGINT REFERENCES users(id),
    line          TEXT NOT NULL              -- the signed line as written to the file
);
