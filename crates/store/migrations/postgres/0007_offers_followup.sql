-- Follow-up to offers and rest positions (issue 4): the employer closes a rest position with a
-- reason (its open offers are withdrawn in the same step), and withdrawn rest offers keep why.

ALTER TABLE rest_positions ADD COLUMN closed_at TIMESTAMPTZ;
ALTER TABLE rest_positions ADD COLUMN closed_reason TEXT;
ALTER TABLE rest_offers ADD COLUMN withdrawn_reason TEXT;
