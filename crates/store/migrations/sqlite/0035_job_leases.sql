-- Several instances on one database (issue 18, item 3).
--
-- A lease per background job: the instance whose lease is current runs the job; the others skip
-- it until the lease runs out (its holder stopped) or is released. Leases only save work: every
-- job's writes are conditional in themselves, so two instances running one at once still act
-- once per event.
CREATE TABLE job_leases (
    job          TEXT PRIMARY KEY,              -- e.g. 'offers', 'retention'
    holder       TEXT NOT NULL,                 -- the instance, random per process
    acquired_at  TEXT NOT NULL,                  -- when this holder took it (kept while renewed)
    expires_at   TEXT NOT NULL,
    runs         BIGINT NOT NULL DEFAULT 0      -- how many times the lease was taken or renewed
);

-- Failed sign-ins, counted for the throttle so that every instance sees every failure. The key
-- is a SHA-256 of the e-mail or of the client address, never the address itself; a row is
-- deleted once its window has passed.
CREATE TABLE login_failures (
    key           TEXT PRIMARY KEY,             -- 'email:HEX' or 'addr:HEX'
    failures      INTEGER NOT NULL,
    window_start  TEXT NOT NULL
);
CREATE INDEX login_failures_window ON login_failures(window_start);
