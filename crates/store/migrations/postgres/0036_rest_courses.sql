-- Issue 11, item 10: a doctor hired into a rest position gets a course. A course now comes from
-- an accepted offer OR an accepted rest offer (exactly one of the two). A municipality's rest
-- position gives the municipal part only (its hospital part is empty: hospital_end is the day
-- before hospital_start); a hospital trust's gives both parts.
ALTER TABLE courses ALTER COLUMN offer_id DROP NOT NULL;
ALTER TABLE courses ADD COLUMN rest_offer_id BIGINT UNIQUE REFERENCES rest_offers(id);
ALTER TABLE courses ADD CONSTRAINT courses_one_source
    CHECK ((offer_id IS NULL) <> (rest_offer_id IS NULL));

-- The current courses: their offer or rest offer is still accepted. Every list, obligation and
-- lottery query joins this instead of `offers`.
CREATE VIEW current_courses AS
    SELECT c.id FROM courses c
    LEFT JOIN offers o ON o.id = c.offer_id
    LEFT JOIN rest_offers ro ON ro.id = c.rest_offer_id
    WHERE o.state = 'accepted' OR ro.state = 'accepted';
