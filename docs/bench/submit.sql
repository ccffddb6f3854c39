-- pgbench: the writes of one submitted application (POST /utlysninger/{id}/sok) as plain SQL,
-- with its audit entry written unchained and no sealer: the ceiling `lis1 bench` compares its
-- submit burst with (docs/benchmarks.md). `lis1 bench` runs it on its own database after its
-- measurements, with the ids and sizes below taken from the generated data (-D name=value):
--   ad_min/ad_max, user_min/user_max, pos_min/pos_max  ranges of existing ids
--   profile_len, motivation_len, pdf_bytes               average sizes of what lis1 wrote
\set ad random(:ad_min, :ad_max)
\set applicant random(:user_min, :user_max)
\set pos random(:pos_min, :pos_max)
BEGIN;
SELECT id FROM applications WHERE advertisement_id = :ad AND applicant_id = :applicant;
INSERT INTO applications (advertisement_id, applicant_id, state, motivation, answers, profile, submitted_at, updated_at) VALUES (:ad, :applicant, 'submitted', repeat('m', :motivation_len), '[]', '{"pgbench":"' || repeat('p', :profile_len) || '"}', now(), now()) ON CONFLICT (advertisement_id, applicant_id) DO UPDATE SET state = 'submitted', motivation = excluded.motivation, answers = excluded.answers, profile = excluded.profile, updated_at = excluded.updated_at RETURNING id AS app_id \gset
DELETE FROM application_positions WHERE application_id = :app_id;
INSERT INTO application_positions (application_id, position_id) VALUES (:app_id, :pos);
INSERT INTO assessments (application_id, updated_at) VALUES (:app_id, now()) ON CONFLICT (application_id) DO NOTHING;
INSERT INTO audit_log (seq, at, action, object_type, object_id, summary, content_hash) VALUES (nextval('audit_log_seq_seq'), now(), 'bench.pgbench', 'application', :app_id, '{}', encode(sha256(convert_to('pgbench ' || :app_id, 'UTF8')), 'hex'));
INSERT INTO outbox (created_at, to_address, subject, body_text, kind, object_type, object_id, attempts, next_attempt_at) VALUES (now(), 'lege@example.no', 'Kvittering', repeat('k', 800), 'application_receipt', 'application', :app_id, 0, now()) RETURNING id AS mail_id \gset
INSERT INTO outbox_attachments (mail_id, filename, content_type, content) VALUES (:mail_id, 'kvittering.pdf', 'application/pdf', convert_to(repeat('%', :pdf_bytes), 'UTF8'));
COMMIT;
