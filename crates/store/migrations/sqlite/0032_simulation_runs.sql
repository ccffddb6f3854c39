-- The mechanism simulator's runs (issue 16), kept across a restart: who started it, on what,
-- its progress, and the finished report (lis1_domain::matching::mechanisms::SimulationReport as
-- JSON, from which the page draws its tables and SVG charts and the Markdown is written). A run
-- whose process stopped shows as interrupted: its heartbeat (written with its progress) grows
-- old, or the process that owns it (instance) is no longer running.
CREATE TABLE simulation_runs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       BIGINT NOT NULL REFERENCES users(id),
    label         TEXT NOT NULL,                 -- the instance's name (round or generator)
    source        TEXT NOT NULL,                 -- 'generated:SEED' or 'round:ID'
    draws         BIGINT NOT NULL CHECK (draws >= 1),
    done          BIGINT NOT NULL DEFAULT 0,
    state         TEXT NOT NULL CHECK (state IN ('running', 'finished', 'interrupted')),
    instance      TEXT NOT NULL,                 -- the process that runs it
    started_at    TEXT NOT NULL,
    heartbeat_at  TEXT NOT NULL,
    finished_at   TEXT,
    report        TEXT                           -- JSON, once finished
);
CREATE INDEX simulation_runs_state ON simulation_runs(state);
