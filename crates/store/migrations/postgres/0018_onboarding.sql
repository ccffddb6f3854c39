-- Before each start (issue 17, seed 000 §6.2.1): the checklist per course part. The police
-- certificate itself is never stored (Politiregisterloven, GDPR Art. 10): only that it was seen,
-- by whom, its date and whether it gave cause for follow-up. A copy uploaded to be viewed is held
-- in the server's memory only and never reaches a table.

-- An employer's requirements before its part (the HF for the hospital part, the municipality for
-- the municipal part). No row: HNT's requirements from seed 000 (lis1_domain::onboarding).
CREATE TABLE onboarding_requirements (
    org_id                  BIGINT NOT NULL REFERENCES organisations(id),
    part                    TEXT NOT NULL,
    authorisation           BOOLEAN NOT NULL,
    confidentiality         BOOLEAN NOT NULL,
    data_user_contract      BOOLEAN NOT NULL,
    infection_control       BOOLEAN NOT NULL,
    police_certificate      BOOLEAN NOT NULL,
    police_max_age_months   INTEGER NOT NULL,
    updated_by              BIGINT REFERENCES users(id),
    updated_at              TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, part),
    CHECK (part IN ('hospital', 'municipal')),
    CHECK (police_max_age_months BETWEEN 1 AND 12)
);

-- The texts the doctor reads and signs, every version kept: a signature names the version it
-- signed. org_id NULL: the portal's default text (HNT's forms, 000 §6.2.1).
CREATE TABLE onboarding_form_texts (
    id            BIGSERIAL PRIMARY KEY,
    org_id        BIGINT REFERENCES organisations(id),
    kind          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    published_at  TIMESTAMPTZ NOT NULL,
    published_by  BIGINT REFERENCES users(id),
    CHECK (kind IN ('confidentiality', 'data_user_contract', 'infection_control'))
);
CREATE UNIQUE INDEX onboarding_form_texts_version
    ON onboarding_form_texts (COALESCE(org_id, 0), kind, version);

-- One row per course, part and item; a correction replaces the row (the audit log keeps the
-- before). Columns by kind: authorisation (hpr_number, authorisation_kind, valid_from, valid_to),
-- a form (form_text_id, form_sha256: the SHA-256 of the text signed), police certificate
-- (certificate_date, follow_up). done_on: the day of the lookup, signature or check.
CREATE TABLE onboarding_items (
    course_id           BIGINT NOT NULL REFERENCES courses(id),
    part                TEXT NOT NULL,
    kind                TEXT NOT NULL,
    done_on             DATE NOT NULL,
    hpr_number          TEXT,
    authorisation_kind  TEXT,
    valid_from          DATE,
    valid_to            DATE,
    form_text_id        BIGINT REFERENCES onboarding_form_texts(id),
    form_sha256         TEXT,
    certificate_date    DATE,
    follow_up           BOOLEAN,
    recorded_by         BIGINT REFERENCES users(id),
    recorded_org        BIGINT REFERENCES organisations(id),
    recorded_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (course_id, part, kind),
    CHECK (part IN ('hospital', 'municipal')),
    CHECK (kind IN ('authorisation', 'confidentiality', 'data_user_contract', 'infection_control',
                    'police_certificate')),
    CHECK (authorisation_kind IS NULL OR authorisation_kind IN ('authorisation', 'licence'))
);

-- The default texts, version 1.
INSERT INTO onboarding_form_texts (org_id, kind, version, title, body, published_at) VALUES
(NULL, 'confidentiality', 1, 'Taushetserklæring',
'Jeg er kjent med at jeg som helsepersonell har taushetsplikt etter helsepersonelloven § 21 og forvaltningsloven § 13. Taushetsplikten gjelder alt jeg får vite om pasienters legems- eller sykdomsforhold og andre personlige forhold, og om ansattes personlige forhold.

Taushetsplikten gjelder også etter at arbeidsforholdet er slutt. Jeg skal ikke skaffe meg opplysninger jeg ikke trenger i arbeidet mitt, og ikke lese i journaler til pasienter jeg ikke behandler (helsepersonelloven § 21 a).

Jeg vet at brudd på taushetsplikten kan føre til advarsel, tap av autorisasjon og straff.', '2026-01-01T00:00:00Z'),
(NULL, 'data_user_contract', 1, 'Databrukerkontrakt',
'Jeg får personlig tilgang til arbeidsgiverens datasystemer, også pasientjournalen. Brukernavn, passord og kort er personlige og skal ikke lånes ut.

Jeg bruker tilgangen bare til det arbeidet mitt krever, i tråd med Norm for informasjonssikkerhet og personvern i helse- og omsorgssektoren (Normen). Jeg vet at all bruk av pasientjournalen logges og kontrolleres.

Jeg melder fra til nærmeste leder om sikkerhetsbrudd eller mistanke om det. Tilgangen avsluttes når arbeidsforholdet slutter.', '2026-01-01T00:00:00Z'),
(NULL, 'infection_control', 1, 'Smittevernskjema',
'Jeg har lest arbeidsgiverens smittevernrutiner og skal følge dem, blant annet om håndhygiene, arbeidstøy og bruk av smittevernutstyr.

Har jeg de siste 12 månedene arbeidet i eller vært innlagt i helseinstitusjon utenfor Norden, eller har jeg vært utsatt for smitte av tuberkulose eller MRSA, tar jeg kontakt med bedriftshelsetjenesten før oppstart for eventuell testing.

Opplysninger om min helse gis bare til bedriftshelsetjenesten, ikke i LIS1-portalen.', '2026-01-01T00:00:00Z');
