-- Issue 12, item 2: population as a weight for a proposed split of the plan. One figure per
-- organisation (county or municipality) and year, with its source (SSB table 07459, population
-- 1 January). Levels above (RHF, HF, hospital site) have no figure of their own: their weight
-- is summed from these (lis1_app::planning::population_weights).
CREATE TABLE org_population (
    org_id      BIGINT NOT NULL REFERENCES organisations(id),
    year        INTEGER NOT NULL,
    population  INTEGER NOT NULL CHECK (population >= 0),
    source      TEXT NOT NULL,
    PRIMARY KEY (org_id, year)
);
