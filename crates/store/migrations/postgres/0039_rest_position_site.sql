-- Issue 11: a rest position made by hand (no source position) names the hospital site its
-- course belongs to; a hospital trust chooses one of its sites. NULL for rest positions from a
-- source position (the source's site) and for a municipality's (its cooperating site).
ALTER TABLE rest_positions ADD COLUMN hospital_site_id BIGINT REFERENCES organisations(id);
