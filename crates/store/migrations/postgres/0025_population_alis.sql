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

-- Issue 12, item 4 (004 §3): the directorate distributes the bound LIS1 + ALIS positions with the
-- ALIS offices and the county governors. An ALIS office proposes a municipality of a county it
-- advises (recruitment-weak municipalities that can offer good training first), the county
-- governor endorses or returns it; a municipality's ALIS number in the county split may not
-- exceed its endorsed proposal (lis1_domain::planning::check_alis_proposed).
CREATE TABLE alis_proposals (
    id               BIGSERIAL PRIMARY KEY,
    cohort_start     DATE NOT NULL,
    municipality_id  BIGINT NOT NULL REFERENCES organisations(id),
    alis_office_id   BIGINT NOT NULL REFERENCES organisations(id),
    positions        INTEGER NOT NULL CHECK (positions > 0),
    justification    TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'proposed',
    review_reason    TEXT NOT NULL DEFAULT '',
    proposed_by      BIGINT REFERENCES users(id),
    proposed_at      TIMESTAMPTZ NOT NULL,
    reviewed_by      BIGINT REFERENCES users(id),
    reviewed_at      TIMESTAMPTZ,
    CHECK (state IN ('proposed', 'endorsed', 'returned')),
    UNIQUE (cohort_start, municipality_id)
);
