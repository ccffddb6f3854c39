//! The applicant's side: a profile filled in once (autosaved as a draft while typing), documents,
//! and applications to any number of advertisements, each in seconds, editable or withdrawable
//! until the deadline and read-only after it.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::civil::Date;
use lis1_app::applications as uc;
use lis1_domain::access::{Action, Grant, authorize};
use lis1_domain::advertisements::{Answer, ScreeningQuestion, Window};
use lis1_domain::identity::{HprNumber, NationalId, SyntheticPolicy};
use lis1_domain::profiles::{
    Authorisation, CareLevel, CareerPreference, DegreeKind, Education, Experience, ExperienceKind,
    MAX_EXPERIENCES, MAX_MERITS, MAX_REFERENCES, Merit, MeritKind, NorwegianLevel, Profile,
    Reference, WorkCapacity,
};
use lis1_domain::{Lang, Localized};
use lis1_store::applications::Submitted;
use minijinja::{Value, context};
use serde::Deserialize;

use crate::auth::{SignedIn, Visitor};
use crate::error::AppError;
use crate::limits::{self, RowField};
use crate::pages::ads::AdContext;
use crate::pages::{fmt_time, page};
use crate::state::AppState;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    ("nav.profile", "Min profil", "Profilen min", "My profile"),
    (
        "nav.applications",
        "Mine søknader",
        "Søknadene mine",
        "My applications",
    ),
    ("profile.title", "Min profil", "Profilen min", "My profile"),
    (
        "profile.intro",
        "Profilen fylles ut én gang og følger med hver søknad. Endringer lagres som utkast mens du skriver; trykk «Lagre profilen» når du er ferdig.",
        "Profilen blir fylt ut éin gong og følgjer med kvar søknad. Endringar blir lagra som utkast medan du skriv; trykk «Lagre profilen» når du er ferdig.",
        "You fill in the profile once and it goes with every application. Changes are kept as a draft while you type; press “Save the profile” when you are done.",
    ),
    (
        "profile.draft_restored",
        "Du har et ulagret utkast fra forrige gang. Det vises under; lagre for å ta det i bruk.",
        "Du har eit ulagra utkast frå førre gong. Det blir vist under; lagre for å ta det i bruk.",
        "You have an unsaved draft from last time. It is shown below; save to use it.",
    ),
    (
        "profile.saved",
        "Profilen er lagret.",
        "Profilen er lagra.",
        "The profile has been saved.",
    ),
    (
        "profile.save",
        "Lagre profilen",
        "Lagre profilen",
        "Save the profile",
    ),
    (
        "profile.errors_title",
        "Profilen ble ikke lagret. Rett opp dette:",
        "Profilen vart ikkje lagra. Rett opp dette:",
        "The profile was not saved. Please correct the following:",
    ),
    (
        "profile.personal",
        "Personalia",
        "Personalia",
        "Personal details",
    ),
    ("profile.full_name", "Fullt navn", "Fullt namn", "Full name"),
    ("profile.email", "E-post", "E-post", "E-mail"),
    ("profile.phone", "Telefon", "Telefon", "Phone"),
    (
        "profile.national_id",
        "Fødselsnummer eller D-nummer (valgfritt)",
        "Fødselsnummer eller D-nummer (valfritt)",
        "National identity number or D number (optional)",
    ),
    (
        "profile.national_id_hint",
        "11 sifre. Vises bare for dem som behandler søknadene dine.",
        "11 siffer. Blir berre vist for dei som handsamar søknadene dine.",
        "11 digits. Shown only to those who process your applications.",
    ),
    (
        "profile.hpr",
        "HPR-nummer (valgfritt)",
        "HPR-nummer (valfritt)",
        "HPR number (optional)",
    ),
    ("profile.education", "Utdanning", "Utdanning", "Education"),
    (
        "profile.country",
        "Land for medisinutdanningen",
        "Land for medisinutdanninga",
        "Country of medical education",
    ),
    (
        "apply.bound_derived",
        "Krysser du av for en bunden stilling, søker du på den bundne stillingen. Det er det eneste du trenger å gjøre; du får ikke et eget spørsmål om det.",
        "Kryssar du av for ei bunden stilling, søkjer du på den bundne stillinga. Det er det einaste du treng å gjere; du får ikkje eit eige spørsmål om det.",
        "If you tick a bound position, you are applying for the bound position. That is all you need to do; there is no separate question about it.",
    ),
    (
        "profile.country_choose",
        "Velg land",
        "Vel land",
        "Choose a country",
    ),
    (
        "profile.university",
        "Universitet",
        "Universitet",
        "University",
    ),
    ("profile.degree", "Grad", "Grad", "Degree"),
    (
        "profile.degree_date",
        "Dato for grad",
        "Dato for grad",
        "Degree date",
    ),
    (
        "profile.authorisation",
        "Autorisasjon eller lisens",
        "Autorisasjon eller lisens",
        "Authorisation or licence",
    ),
    (
        "profile.authorisation_date",
        "Gjelder fra (eller forventet)",
        "Gjeld frå (eller venta)",
        "Valid from (or expected)",
    ),
    (
        "profile.norwegian",
        "Norsknivå",
        "Norsknivå",
        "Norwegian level",
    ),
    (
        "profile.driving",
        "Førerkort klasse B",
        "Førarkort klasse B",
        "Driving licence class B",
    ),
    (
        "profile.career",
        "Ønsket videre spesialisering",
        "Ønskt vidare spesialisering",
        "Preferred further specialisation",
    ),
    (
        "profile.experiences",
        "Arbeidserfaring",
        "Arbeidserfaring",
        "Work experience",
    ),
    ("profile.experience", "Erfaring", "Erfaring", "Experience"),
    (
        "profile.employer",
        "Arbeidsgiver",
        "Arbeidsgjevar",
        "Employer",
    ),
    ("profile.from", "Fra", "Frå", "From"),
    (
        "profile.to",
        "Til (tomt hvis pågående)",
        "Til (tomt viss det held fram)",
        "To (empty if ongoing)",
    ),
    ("profile.kind", "Type arbeid", "Type arbeid", "Kind of work"),
    (
        "profile.on_call",
        "Med vakt",
        "Med vakt",
        "With on-call duty",
    ),
    ("profile.capacity", "Som", "Som", "As"),
    (
        "profile.care_level",
        "Tjenestenivå",
        "Tenestenivå",
        "Level of care",
    ),
    (
        "profile.percent",
        "Stillingsprosent",
        "Stillingsprosent",
        "Percentage of full time",
    ),
    (
        "profile.merits",
        "Andre meritter",
        "Andre merittar",
        "Other merits",
    ),
    ("profile.merit", "Merittering", "Meritt", "Merit"),
    ("profile.merit_kind", "Type", "Type", "Kind"),
    (
        "profile.merit_title",
        "Beskrivelse",
        "Skildring",
        "Description",
    ),
    ("profile.merit_date", "Dato", "Dato", "Date"),
    (
        "profile.references",
        "Referanser (minst to)",
        "Referansar (minst to)",
        "References (at least two)",
    ),
    ("profile.reference", "Referanse", "Referanse", "Reference"),
    ("profile.ref_name", "Navn", "Namn", "Name"),
    ("profile.ref_role", "Rolle", "Rolle", "Role"),
    (
        "profile.empty_rows",
        "Tomme rader brukes ikke.",
        "Tomme rader blir ikkje brukte.",
        "Empty rows are not used.",
    ),
    ("docs.title", "Dokumenter", "Dokument", "Documents"),
    (
        "docs.intro",
        "PDF, JPEG eller PNG, høyst 10 MB per fil. Typen kontrolleres ut fra innholdet.",
        "PDF, JPEG eller PNG, høgst 10 MB per fil. Typen blir kontrollert ut frå innhaldet.",
        "PDF, JPEG or PNG, at most 10 MB per file. The type is checked from the content.",
    ),
    ("docs.kind", "Hva er det?", "Kva er det?", "What is it?"),
    ("docs.file", "Fil", "Fil", "File"),
    ("docs.upload", "Last opp", "Last opp", "Upload"),
    (
        "docs.uploaded",
        "Dokumentet er lastet opp.",
        "Dokumentet er lasta opp.",
        "The document has been uploaded.",
    ),
    (
        "docs.deleted",
        "Dokumentet er slettet.",
        "Dokumentet er sletta.",
        "The document has been deleted.",
    ),
    ("docs.delete", "Slett", "Slett", "Delete"),
    (
        "docs.none",
        "Ingen dokumenter ennå.",
        "Ingen dokument enno.",
        "No documents yet.",
    ),
    (
        "docs.kind_norwegian_test",
        "Norskprøve (Bergenstesten e.l.)",
        "Norskprøve (Bergenstesten o.l.)",
        "Norwegian test (Bergenstesten etc.)",
    ),
    ("docs.kind_diploma", "Vitnemål", "Vitnemål", "Diploma"),
    (
        "docs.kind_authorisation",
        "Autorisasjon eller lisens",
        "Autorisasjon eller lisens",
        "Authorisation or licence",
    ),
    ("docs.kind_cv", "CV", "CV", "CV"),
    ("docs.kind_other", "Annet", "Anna", "Other"),
    ("apply.title", "Søknad", "Søknad", "Application"),
    (
        "apply.positions",
        "Hvilke stillinger søker du på?",
        "Kva stillingar søkjer du på?",
        "Which positions do you apply for?",
    ),
    (
        "apply.screening",
        "Spørsmål fra arbeidsgiver",
        "Spørsmål frå arbeidsgjevar",
        "Questions from the employer",
    ),
    ("apply.yes", "Ja", "Ja", "Yes"),
    ("apply.no", "Nei", "Nei", "No"),
    (
        "apply.motivation",
        "Søknadstekst",
        "Søknadstekst",
        "Cover letter",
    ),
    (
        "consent.legend",
        "Vil du bidra til følgeevalueringen av LIS1-ordningen?",
        "Vil du bidra til følgjeevalueringa av LIS1-ordninga?",
        "Will you take part in the follow-up evaluation of the LIS1 scheme?",
    ),
    (
        "consent.explain",
        "Helsedirektoratet følger med på hvordan det går med leger i bundne LIS1-stillinger: om de fortsetter i spesialiteten de valgte, fullfører den eller bytter. Sier du ja, kan opplysninger om tilsettingen og utdanningsløpet ditt i portalen brukes i evalueringen, bare i tabeller der ingen kan kjennes igjen. Det er frivillig, det påvirker ikke søknaden din, og du kan endre svaret når som helst under «Personvern».",
        "Helsedirektoratet følgjer med på korleis det går med legar i bundne LIS1-stillingar: om dei held fram i spesialiteten dei valde, fullfører han eller byter. Seier du ja, kan opplysningar om tilsetjinga og utdanningsløpet ditt i portalen brukast i evalueringa, berre i tabellar der ingen kan kjennast att. Det er friviljug, det påverkar ikkje søknaden din, og du kan endre svaret når som helst under «Personvern».",
        "The Directorate of Health follows how doctors in bound LIS1 positions fare: whether they continue in the specialty they chose, complete it or switch. If you say yes, information about your hiring and training in the portal may be used in the evaluation, only in tables where no one can be recognised. It is voluntary, it does not affect your application, and you can change your answer at any time under \"Privacy\".",
    ),
    (
        "consent.yes",
        "Ja, jeg samtykker",
        "Ja, eg samtykkjer",
        "Yes, I consent",
    ),
    ("consent.no", "Nei", "Nei", "No"),
    (
        "apply.submit",
        "Send søknaden",
        "Send søknaden",
        "Send the application",
    ),
    (
        "apply.update",
        "Lagre endringene",
        "Lagre endringane",
        "Save the changes",
    ),
    (
        "apply.profile_first",
        "Fyll ut og lagre profilen din før du søker.",
        "Fyll ut og lagre profilen din før du søkjer.",
        "Fill in and save your profile before you apply.",
    ),
    (
        "apply.errors_title",
        "Søknaden ble ikke sendt. Rett opp dette:",
        "Søknaden vart ikkje send. Rett opp dette:",
        "The application was not sent. Please correct the following:",
    ),
    (
        "apply.receipt",
        "Søknaden er sendt. Du får også en kvittering på e-post.",
        "Søknaden er send. Du får òg ei kvittering på e-post.",
        "The application has been sent. You will also get a receipt by e-mail.",
    ),
    (
        "apply.receipt_updated",
        "Endringene i søknaden er lagret.",
        "Endringane i søknaden er lagra.",
        "The changes to the application have been saved.",
    ),
    (
        "apply.existing",
        "Du har allerede søkt. Endringer kan gjøres til søknadsfristen.",
        "Du har alt søkt. Endringar kan gjerast fram til søknadsfristen.",
        "You have already applied. You can make changes until the deadline.",
    ),
    (
        "apply.my_title",
        "Mine søknader",
        "Søknadene mine",
        "My applications",
    ),
    (
        "apply.none",
        "Du har ingen søknader ennå.",
        "Du har ingen søknader enno.",
        "You have no applications yet.",
    ),
    (
        "apply.see_positions",
        "Se ledige stillinger",
        "Sjå ledige stillingar",
        "See open positions",
    ),
    ("apply.state_submitted", "Sendt", "Sendt", "Sent"),
    ("apply.state_withdrawn", "Trukket", "Trekt", "Withdrawn"),
    (
        "apply.withdraw",
        "Trekk søknaden",
        "Trekk søknaden",
        "Withdraw the application",
    ),
    (
        "apply.withdrawn",
        "Søknaden er trukket.",
        "Søknaden er trekt.",
        "The application has been withdrawn.",
    ),
    ("apply.edit", "Endre", "Endre", "Change"),
    ("apply.sent_at", "Sendt", "Sendt", "Sent"),
    (
        "apply.read_only",
        "Søknadsfristen er ute. Søknaden kan ikke endres.",
        "Søknadsfristen er ute. Søknaden kan ikkje endrast.",
        "The deadline has passed. The application can no longer be changed.",
    ),
];

const EXTRA_ROWS: usize = 2;
/// The largest document accepted (the issue: ≤ 10 MB each).
pub const MAX_DOCUMENT_BYTES: usize = lis1_app::profiles::MAX_DOCUMENT_BYTES;
/// The most parts an upload may have (the form sends three).
const MAX_UPLOAD_FIELDS: usize = 10;
const DOC_KINDS: &[&str] = lis1_app::profiles::DOCUMENT_KINDS;

fn require_applicant(v: &Visitor) -> Result<(&SignedIn, Grant), AppError> {
    let s = v.require()?;
    let g = authorize(&s.principal, &Action::Apply)
        .map_err(|d| AppError::domain(StatusCode::FORBIDDEN, &d, v.lang))?;
    Ok((s, g))
}

/// The type of a document, from its first bytes (the rule lives in the domain, where it is fuzzed).
pub use lis1_domain::uploads::sniff;

fn options<T: Copy>(
    all: &[T],
    value: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<Value> {
    all.iter()
        .map(|&x| context! { value => value(x), label => label(x) })
        .collect()
}

/// Form values (strings, exactly as typed) for the profile template.
fn form_values(pairs: &BTreeMap<String, String>) -> Value {
    Value::from_serialize(pairs)
}

/// A profile as form fields.
fn to_pairs(p: &Profile) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let d = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_default();
    m.insert("full_name".into(), p.full_name.clone());
    m.insert("email".into(), p.email.clone());
    m.insert("phone".into(), p.phone.clone());
    m.insert(
        "national_id".into(),
        p.national_id
            .as_ref()
            .map(|n| n.as_str().to_string())
            .unwrap_or_default(),
    );
    m.insert(
        "hpr_number".into(),
        p.hpr_number
            .as_ref()
            .map(|n| n.as_str().to_string())
            .unwrap_or_default(),
    );
    m.insert("education.country".into(), p.education.country.clone());
    m.insert(
        "education.university".into(),
        p.education.university.clone(),
    );
    m.insert(
        "education.degree".into(),
        p.education.degree.as_str().into(),
    );
    m.insert("education.degree_date".into(), d(p.education.degree_date));
    m.insert("authorisation".into(), p.authorisation.as_str().into());
    let auth_date = match p.authorisation {
        Authorisation::Authorised { date } | Authorisation::Lis1Licence { date } => Some(date),
        Authorisation::Applied { expected } => expected,
        Authorisation::None => None,
    };
    m.insert("authorisation_date".into(), d(auth_date));
    m.insert("norwegian".into(), p.norwegian.as_str().into());
    if p.driving_licence_b {
        m.insert("driving_licence_b".into(), "1".into());
    }
    m.insert(
        "career_preference".into(),
        p.career_preference.as_str().into(),
    );
    for (i, e) in p.experiences.iter().enumerate() {
        m.insert(format!("experiences[{i}].employer"), e.employer.clone());
        m.insert(format!("experiences[{i}].from"), e.from.to_string());
        m.insert(format!("experiences[{i}].to"), d(e.to));
        m.insert(format!("experiences[{i}].kind"), e.kind.as_str().into());
        if e.on_call {
            m.insert(format!("experiences[{i}].on_call"), "1".into());
        }
        m.insert(
            format!("experiences[{i}].capacity"),
            e.capacity.as_str().into(),
        );
        m.insert(
            format!("experiences[{i}].care_level"),
            e.care_level.as_str().into(),
        );
        m.insert(format!("experiences[{i}].percent"), e.percent.to_string());
    }
    for (i, x) in p.merits.iter().enumerate() {
        m.insert(format!("merits[{i}].kind"), x.kind.as_str().into());
        m.insert(format!("merits[{i}].title"), x.title.clone());
        m.insert(format!("merits[{i}].date"), d(x.date));
    }
    for (i, r) in p.references.iter().enumerate() {
        m.insert(format!("references[{i}].name"), r.name.clone());
        m.insert(format!("references[{i}].role"), r.role.clone());
        m.insert(format!("references[{i}].phone"), r.phone.clone());
        m.insert(format!("references[{i}].email"), r.email.clone());
    }
    m
}

/// The profile form's tables of rows: their name, the parts of a row, and the most rows a form
/// may post — the domain's limit plus the empty rows the page adds (issue 9: the row count never
/// comes from a number in a field name without a bound).
const TABLES: [(&str, &[&str], usize); 3] = [
    (
        "experiences",
        &[
            "employer",
            "from",
            "to",
            "kind",
            "on_call",
            "capacity",
            "care_level",
            "percent",
        ],
        MAX_EXPERIENCES + EXTRA_ROWS,
    ),
    (
        "merits",
        &["kind", "title", "date"],
        MAX_MERITS + EXTRA_ROWS,
    ),
    (
        "references",
        &["name", "role", "phone", "email"],
        MAX_REFERENCES + EXTRA_ROWS,
    ),
];

/// The profile form's other fields.
const FIELDS: &[&str] = &[
    "full_name",
    "email",
    "phone",
    "national_id",
    "hpr_number",
    "education.country",
    "education.university",
    "education.degree",
    "education.degree_date",
    "authorisation",
    "authorisation_date",
    "norwegian",
    "driving_licence_b",
    "career_preference",
];

/// What a posted field name is to the profile form.
enum FieldKind {
    /// One of the form's fields.
    Known,
    /// A row of a table at or past its limit: the table's name and its limit of entries.
    TooFar(&'static str, usize),
    /// Not a field of the form (ignored).
    Unknown,
}

fn field_kind(name: &str) -> FieldKind {
    if FIELDS.contains(&name) {
        return FieldKind::Known;
    }
    for (table, parts, rows) in TABLES {
        match limits::row_field(name, table, rows) {
            RowField::Row(_, part) if parts.contains(&part) => return FieldKind::Known,
            RowField::TooFar => return FieldKind::TooFar(table, rows - EXTRA_ROWS),
            _ => {}
        }
    }
    FieldKind::Unknown
}

/// The most rows of a table the page shows or reads.
fn max_rows(prefix: &str) -> usize {
    TABLES
        .iter()
        .find(|(t, _, _)| *t == prefix)
        .map(|(_, _, rows)| *rows)
        .unwrap_or(0)
}

/// The number of rows of table `prefix` in the form: one past the highest row used, never more
/// than the table's limit.
fn rows(pairs: &BTreeMap<String, String>, prefix: &str) -> usize {
    let max = max_rows(prefix);
    pairs
        .keys()
        .filter_map(|k| match limits::row_field(k, prefix, max) {
            RowField::Row(i, _) => Some(i + 1),
            _ => None,
        })
        .max()
        .unwrap_or(0)
}

/// A saved draft as form fields, kept within the form's limits whatever was stored (a draft
/// saved before the limits existed may hold anything): unknown fields and rows past a table's
/// limit are dropped, overlong values cut.
fn draft_pairs(draft: &serde_json::Value) -> BTreeMap<String, String> {
    let all: BTreeMap<String, String> = serde_json::from_value(draft.clone()).unwrap_or_default();
    all.into_iter()
        .filter(|(k, _)| matches!(field_kind(k), FieldKind::Known))
        .map(|(k, v)| {
            let v = if v.chars().count() > limits::MAX_FIELD_CHARS {
                v.chars().take(limits::MAX_FIELD_CHARS).collect()
            } else {
                v
            };
            (k, v)
        })
        .collect()
}

/// The profile form as the user typed it: the form's fields by name (within the limits), or the
/// stored profile, or a new one from the account.
fn stored_pairs(
    stored: Option<&lis1_store::applications::StoredProfile>,
) -> Option<BTreeMap<String, String>> {
    let p = stored?;
    Some(match &p.draft {
        Some(d) => draft_pairs(d),
        None => serde_json::from_value::<Profile>(p.data.clone())
            .map(|p| to_pairs(&p))
            .unwrap_or_default(),
    })
}

/// Parses the form into a profile; unparseable fields are errors next to the field.
fn parse_profile(
    pairs: &BTreeMap<String, String>,
    lang: Lang,
    policy: SyntheticPolicy,
) -> (Profile, Vec<(String, String)>) {
    let errors = std::cell::RefCell::new(Vec::<(String, String)>::new());
    let get = |k: &str| pairs.get(k).map(|s| s.trim()).unwrap_or("");
    let bad_date = lang.pick3(
        "Skriv en dato, f.eks. 2026-06-20.",
        "Skriv ein dato, t.d. 2026-06-20.",
        "Enter a date, e.g. 2026-06-20.",
    );
    let date = |k: &str| -> Option<Date> {
        let v = get(k);
        if v.is_empty() {
            return None;
        }
        match v.parse::<Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                errors
                    .borrow_mut()
                    .push((k.to_string(), bad_date.to_string()));
                None
            }
        }
    };
    let mut p = Profile {
        full_name: get("full_name").to_string(),
        email: get("email").to_string(),
        phone: get("phone").to_string(),
        ..Profile::default()
    };
    // The country is chosen from the list; the form has no default, so the person must choose.
    if get("education.country").is_empty() {
        errors.borrow_mut().push((
            "education.country".into(),
            lang.pick3(
                "Velg landet du tok medisinutdanningen i.",
                "Vel landet du tok medisinutdanninga i.",
                "Choose the country where you took your medical degree.",
            )
            .into(),
        ));
    }
    p.education = Education {
        country: get("education.country").to_uppercase(),
        university: get("education.university").to_string(),
        degree: DegreeKind::parse(get("education.degree")).unwrap_or(DegreeKind::CandMed),
        degree_date: date("education.degree_date"),
    };
    let auth_date = date("authorisation_date");
    p.authorisation = match get("authorisation") {
        "authorised" | "lis1_licence" if auth_date.is_none() => {
            errors.borrow_mut().push((
                "authorisation_date".into(),
                lang.pick3(
                    "Skriv datoen autorisasjonen eller lisensen gjelder fra.",
                    "Skriv datoen autorisasjonen eller lisensen gjeld frå.",
                    "Enter the date the authorisation or licence is valid from.",
                )
                .into(),
            ));
            Authorisation::None
        }
        "authorised" => Authorisation::Authorised {
            date: auth_date.unwrap_or_default(),
        },
        "lis1_licence" => Authorisation::Lis1Licence {
            date: auth_date.unwrap_or_default(),
        },
        "applied" => Authorisation::Applied {
            expected: auth_date,
        },
        _ => Authorisation::None,
    };
    p.norwegian = NorwegianLevel::parse(get("norwegian")).unwrap_or(NorwegianLevel::A1);
    p.driving_licence_b = pairs.contains_key("driving_licence_b");
    p.career_preference =
        CareerPreference::parse(get("career_preference")).unwrap_or(CareerPreference::None);

    let nid = get("national_id");
    if !nid.is_empty() {
        match NationalId::parse_with(nid, policy) {
            Ok(n) => p.national_id = Some(n),
            Err(e) => errors
                .borrow_mut()
                .push(("national_id".into(), e.message(lang))),
        }
    }
    let hpr = get("hpr_number");
    if !hpr.is_empty() {
        match HprNumber::parse(hpr) {
            Ok(h) => p.hpr_number = Some(h),
            Err(e) => errors
                .borrow_mut()
                .push(("hpr_number".into(), e.message(lang))),
        }
    }
    for i in 0..rows(pairs, "experiences") {
        let k = |f: &str| format!("experiences[{i}].{f}");
        if get(&k("employer")).is_empty() && get(&k("from")).is_empty() {
            continue;
        }
        let from = date(&k("from"));
        if from.is_none() && !errors.borrow().iter().any(|(f, _)| f == &k("from")) {
            errors.borrow_mut().push((k("from"), bad_date.into()));
        }
        let percent = match get(&k("percent")) {
            "" => 100,
            v => v.parse::<u8>().unwrap_or_else(|_| {
                errors.borrow_mut().push((
                    k("percent"),
                    lang.pick3(
                        "Skriv et tall fra 1 til 100.",
                        "Skriv eit tal frå 1 til 100.",
                        "Enter a number from 1 to 100.",
                    )
                    .into(),
                ));
                100
            }),
        };
        p.experiences.push(Experience {
            employer: get(&k("employer")).to_string(),
            from: from.unwrap_or_default(),
            to: date(&k("to")),
            kind: ExperienceKind::parse(get(&k("kind"))).unwrap_or(ExperienceKind::DoctorWork),
            on_call: pairs.contains_key(&k("on_call")),
            capacity: WorkCapacity::parse(get(&k("capacity")))
                .unwrap_or(WorkCapacity::AuthorisedDoctor),
            care_level: CareLevel::parse(get(&k("care_level"))).unwrap_or(CareLevel::Specialist),
            percent,
        });
    }
    for i in 0..rows(pairs, "merits") {
        let k = |f: &str| format!("merits[{i}].{f}");
        if get(&k("title")).is_empty() {
            continue;
        }
        p.merits.push(Merit {
            kind: MeritKind::parse(get(&k("kind"))).unwrap_or(MeritKind::Other),
            title: get(&k("title")).to_string(),
            date: date(&k("date")),
        });
    }
    for i in 0..rows(pairs, "references") {
        let k = |f: &str| format!("references[{i}].{f}");
        if get(&k("name")).is_empty() {
            continue;
        }
        p.references.push(Reference {
            name: get(&k("name")).to_string(),
            role: get(&k("role")).to_string(),
            phone: get(&k("phone")).to_string(),
            email: get(&k("email")).to_string(),
        });
    }
    (p, errors.into_inner())
}

fn profile_page(
    state: &AppState,
    v: &Visitor,
    pairs: &BTreeMap<String, String>,
    errors: &[(String, String)],
    notice: Option<String>,
    docs: Vec<Value>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let map: BTreeMap<&str, &str> = errors
        .iter()
        .map(|(f, m)| (f.as_str(), m.as_str()))
        .collect();
    let list: Vec<_> = errors
        .iter()
        .filter(|(f, _)| f != "doc_error")
        .cloned()
        .collect::<Vec<_>>();
    let list: Vec<_> = list
        .iter()
        .map(|(f, m)| context! { field => f, message => m })
        .collect();
    let count = |prefix: &str, min: usize| {
        (rows(pairs, prefix) + EXTRA_ROWS)
            .max(min)
            .min(max_rows(prefix))
    };
    let html = crate::templates::render(
        "profile.html",
        page(
            state,
            v,
            context! {
                f => form_values(pairs), errors => map, error_list => list, notice => notice,
                experience_rows => (0..count("experiences", 2)).collect::<Vec<_>>(),
                merit_rows => (0..count("merits", 2)).collect::<Vec<_>>(),
                reference_rows => (0..count("references", 3)).collect::<Vec<_>>(),
                countries => lis1_domain::countries::countries_by_name(lang).into_iter().map(|(code, name)| context! { value => code, label => name }).collect::<Vec<_>>(),
                degrees => options(DegreeKind::ALL, |x| x.as_str(), |x| x.label(lang)),
                levels => options(NorwegianLevel::ALL, |x| x.as_str(), |x| x.label(lang)),
                careers => options(CareerPreference::ALL, |x| x.as_str(), |x| x.label(lang)),
                exp_kinds => options(ExperienceKind::ALL, |x| x.as_str(), |x| x.label(lang)),
                capacities => options(WorkCapacity::ALL, |x| x.as_str(), |x| x.label(lang)),
                care_levels => options(CareLevel::ALL, |x| x.as_str(), |x| x.label(lang)),
                merit_kinds => options(MeritKind::ALL, |x| x.as_str(), |x| x.label(lang)),
                authorisations => vec![
                    context! { value => "authorised", label => Authorisation::Authorised { date: Date::default() }.label(lang) },
                    context! { value => "lis1_licence", label => Authorisation::Lis1Licence { date: Date::default() }.label(lang) },
                    context! { value => "applied", label => Authorisation::Applied { expected: None }.label(lang) },
                    context! { value => "none", label => Authorisation::None.label(lang) },
                ],
                docs => docs,
                doc_kinds => DOC_KINDS.iter().map(|k| context! { value => k, label => crate::i18n::t(lang, &format!("docs.kind_{k}")) }).collect::<Vec<_>>(),
            },
        ),
    )?;
    Ok((status, html).into_response())
}

async fn doc_rows(state: &AppState, s: &SignedIn, lang: Lang) -> Result<Vec<Value>, AppError> {
    Ok(lis1_app::profiles::documents(&state.app, &s.caller())
        .await
        .map_err(|e| AppError::app(e, lang))?
        .into_iter()
        .map(|d| {
            context! {
                id => d.id, filename => d.filename, size_kb => (d.size + 1023) / 1024,
                kind => crate::i18n::t(lang, &format!("docs.kind_{}", d.kind)),
            }
        })
        .collect())
}

/// Notices after actions.
#[derive(Debug, Deserialize)]
pub struct ProfileQuery {
    #[serde(default)]
    lagret: Option<String>,
    #[serde(default)]
    lastet: Option<String>,
    #[serde(default)]
    slettet: Option<String>,
}

/// `GET /profil`.
pub async fn profile(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<ProfileQuery>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let (s, _) = require_applicant(&v)?;
    let stored = lis1_app::profiles::profile(&state.app, &s.caller())
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let mut notice = if q.lagret.is_some() {
        Some(crate::i18n::t(lang, "profile.saved"))
    } else if q.lastet.is_some() {
        Some(crate::i18n::t(lang, "docs.uploaded"))
    } else if q.slettet.is_some() {
        Some(crate::i18n::t(lang, "docs.deleted"))
    } else {
        None
    };
    if stored.as_ref().is_some_and(|p| p.draft.is_some()) {
        notice = Some(crate::i18n::t(lang, "profile.draft_restored"));
    }
    let pairs = stored_pairs(stored.as_ref()).unwrap_or_else(|| {
        let mut m = BTreeMap::new();
        m.insert("full_name".into(), s.user.display_name.clone());
        m.insert("email".into(), s.user.email.clone());
        m.insert("norwegian".into(), "native".into());
        m
    });
    let docs = doc_rows(&state, s, lang).await?;
    profile_page(&state, &v, &pairs, &[], notice, docs, StatusCode::OK)
}

/// The profile page again, with an upload refused next to the file field (nothing was saved).
async fn upload_refused(
    state: &AppState,
    v: &Visitor,
    s: &SignedIn,
    status: StatusCode,
    message: String,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let stored = lis1_app::profiles::profile(&state.app, &s.caller())
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let pairs = stored_pairs(stored.as_ref()).unwrap_or_default();
    let docs = doc_rows(state, s, lang).await?;
    // `doc_error` is shown at the file field, not in the profile's error summary.
    let mut resp = profile_page(
        state,
        v,
        &pairs,
        &[("doc_error".to_string(), message)],
        None,
        docs,
        status,
    )?;
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// The posted profile form: the CSRF token, the form's fields by name, and the problems found
/// at the edge — a row past a table's limit (at the table) and a value longer than
/// [`limits::MAX_FIELD_CHARS`] (at the field, cut for showing again). Fields that are not the
/// form's are dropped.
fn pairs_of(
    form: Vec<(String, String)>,
    lang: Lang,
) -> (String, BTreeMap<String, String>, Vec<(String, String)>) {
    let mut csrf = String::new();
    let mut m = BTreeMap::new();
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut push = |field: String, message: String| {
        if !errors.iter().any(|(f, _)| *f == field) {
            errors.push((field, message));
        }
    };
    for (k, v) in form {
        if k == "csrf_token" {
            csrf = v;
            continue;
        }
        match field_kind(&k) {
            FieldKind::Known => {}
            FieldKind::TooFar(table, max) => {
                push(table.to_string(), limits::too_many_rows(lang, max));
                continue;
            }
            FieldKind::Unknown => continue,
        }
        if v.chars().count() > limits::MAX_FIELD_CHARS {
            push(k.clone(), limits::too_long(lang));
            m.insert(k, v.chars().take(limits::MAX_FIELD_CHARS).collect());
        } else {
            m.insert(k, v);
        }
    }
    (csrf, m, errors)
}

/// `POST /profil/utkast`: autosave while typing (htmx); answers 204.
pub async fn save_draft(
    State(state): State<AppState>,
    v: Visitor,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (s, _) = require_applicant(&v)?;
    let (csrf, pairs, errors) = pairs_of(form, v.lang);
    s.check_csrf(&csrf, v.lang)?;
    if let Some((_, message)) = errors.first() {
        let mut e = AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "draft_refused",
            message.clone(),
        )
        .in_lang(v.lang);
        e.fields = errors;
        return Err(e);
    }
    let draft = serde_json::to_value(&pairs).unwrap_or_default();
    lis1_app::profiles::save_draft(&state.app, &s.caller(), &draft)
        .await
        .map_err(|e| AppError::app(e, v.lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /profil`: validates and saves; an invalid profile (e.g. a wrong identity number) is not
/// saved, and the form comes back with everything typed and the messages next to the fields.
pub async fn save(
    State(state): State<AppState>,
    v: Visitor,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let (s, _) = require_applicant(&v)?;
    let (csrf, pairs, mut errors) = pairs_of(form, lang);
    s.check_csrf(&csrf, lang)?;
    let policy = lis1_app::profiles::synthetic_policy(&state.app);
    let (profile, parse_errors) = parse_profile(&pairs, lang, policy);
    for (f, m) in parse_errors {
        if !errors.iter().any(|(g, _)| *g == f) {
            errors.push((f, m));
        }
    }
    if errors.is_empty() {
        match lis1_app::profiles::save(&state.app, &s.caller(), &profile, None).await {
            Ok(_) => return Ok(Redirect::to("/profil?lagret=1").into_response()),
            Err(e) if e.kind == lis1_app::Kind::Invalid => errors = e.field_messages(lang),
            Err(e) => return Err(AppError::app(e, lang)),
        }
    } else {
        // The form could not be read whole: the domain's rules are said too, in one go, for
        // what could be read (nothing is saved).
        let today = lis1_domain::calendar::to_oslo(state.now()).date();
        if let Err(problems) = profile.validate(today) {
            for p in problems {
                let field = p.field();
                if !errors.iter().any(|(f, _)| *f == field) {
                    errors.push((field, p.message(lang)));
                }
            }
        }
    }
    let docs = doc_rows(&state, s, lang).await?;
    profile_page(
        &state,
        &v,
        &pairs,
        &errors,
        None,
        docs,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}

/// `POST /profil/dokumenter` (multipart): one file and its kind.
pub async fn upload(
    State(state): State<AppState>,
    v: Visitor,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let (s, _) = require_applicant(&v)?;
    let mut csrf = String::new();
    let mut kind = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let too_big = || {
        AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "document_too_large",
            lang.pick3(
                "Filen er større enn 10 MB. Ingenting ble lagret.",
                "Fila er større enn 10 MB. Ingenting vart lagra.",
                "The file is larger than 10 MB. Nothing was saved.",
            ),
        )
        .in_lang(lang)
    };
    // A body over the limit is 413; a body cut off or malformed (a dropped connection, a broken
    // client) is 400: the file did not arrive whole (issue 9).
    let unreadable = || {
        AppError::new(
            StatusCode::BAD_REQUEST,
            "upload_unreadable",
            lang.pick3(
                "Opplastingen kom ikke fram i sin helhet. Ingenting ble lagret. Prøv igjen.",
                "Opplastinga kom ikkje fram i si heilskap. Ingenting vart lagra. Prøv igjen.",
                "The upload did not arrive whole. Nothing was saved. Please try again.",
            ),
        )
        .in_lang(lang)
    };
    let read_error = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_big()
        } else {
            unreadable()
        }
    };
    let mut fields = 0;
    while let Some(field) = multipart.next_field().await.map_err(read_error)? {
        // The form has three fields; a request with many more is not from it.
        fields += 1;
        if fields > MAX_UPLOAD_FIELDS {
            return Err(unreadable());
        }
        match field.name() {
            Some("csrf_token") => csrf = field.text().await.map_err(read_error)?,
            Some("kind") => kind = field.text().await.map_err(read_error)?,
            Some("file") => {
                let name = field
                    .file_name()
                    .unwrap_or("dokument")
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect();
                let bytes = field.bytes().await.map_err(read_error)?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    s.check_csrf(&csrf, lang)?;
    let (filename, bytes) = file.unwrap_or_default();
    let upload = lis1_app::profiles::Upload {
        kind: &kind,
        filename: &filename,
        content: &bytes,
    };
    match lis1_app::profiles::upload(&state.app, &s.caller(), upload).await {
        Ok(_) => Ok(Redirect::to("/profil?lastet=1#dokumenter").into_response()),
        // Over the limit is 413, as when the body itself is too large.
        Err(e) if e.code() == "document_too_large" => Err(too_big()),
        Err(e) if e.kind == lis1_app::Kind::Invalid => {
            let msg = e.message(lang);
            upload_refused(&state, &v, s, StatusCode::UNPROCESSABLE_ENTITY, msg).await
        }
        Err(e) => Err(AppError::app(e, lang)),
    }
}

/// `POST /profil/dokumenter/{id}/slett`.
pub async fn delete_document(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<crate::auth::CsrfForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let (s, _) = require_applicant(&v)?;
    s.check_csrf(&form.csrf_token, lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    lis1_app::profiles::delete_document(&state.app, &s.caller(), id)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    Ok(Redirect::to("/profil?slettet=1#dokumenter").into_response())
}

/// `GET /dokumenter/{id}`: the owner, or someone who may see the owner's applications. Never a
/// public URL; every view by someone else is audit-logged.
pub async fn document(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    // The use case decides who may see it and logs a view by anyone but the owner.
    let (meta, bytes) = lis1_app::profiles::document(&state.app, &s.caller(), id)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    Ok(document_response(&meta, bytes))
}

/// A document as a download: its stored content type, an ASCII file name, never cached (the
/// page `/dokumenter/{id}` and the API's `/api/v1/documents/{id}`).
pub fn document_response(
    meta: &lis1_store::applications::DocumentMeta,
    bytes: Vec<u8>,
) -> Response {
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    if let Ok(ct) = HeaderValue::from_str(&meta.mime) {
        h.insert(header::CONTENT_TYPE, ct);
    }
    let safe: String = meta
        .filename
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    if let Ok(cd) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        h.insert(header::CONTENT_DISPOSITION, cd);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    resp
}

#[allow(clippy::too_many_arguments)]
fn apply_page(
    state: &AppState,
    v: &Visitor,
    c: &AdContext,
    view: Value,
    chosen: &[i64],
    answers: &BTreeMap<String, String>,
    motivation: &str,
    errors: &[(String, String)],
    existing: bool,
    consent: Option<bool>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let consent = consent.map(|c| if c { "yes" } else { "no" });
    // The standard bound questions are not asked (their answers follow from the positions
    // ticked), so a message about one belongs at the positions.
    let bound_field = |f: &str| {
        f.strip_prefix("answers[")
            .and_then(|f| f.strip_suffix(']'))
            .is_some_and(|id| {
                ScreeningQuestion {
                    id: id.to_string(),
                    ..ScreeningQuestion::applies_for_bound()
                }
                .is_derived()
            })
    };
    let errors: Vec<(String, String)> = errors
        .iter()
        .map(|(f, m)| {
            let f = if bound_field(f) {
                "positions".to_string()
            } else {
                f.clone()
            };
            (f, m.clone())
        })
        .collect();
    let map: BTreeMap<&str, &str> = errors
        .iter()
        .map(|(f, m)| (f.as_str(), m.as_str()))
        .collect();
    let list: Vec<_> = errors
        .iter()
        .map(|(f, m)| context! { field => f, message => m })
        .collect();
    let bound_derived = c.screening().iter().any(|q| q.is_derived());
    let questions: Vec<_> = c
        .screening()
        .iter()
        .filter(|q| !q.is_derived())
        .map(|q| context! { id => q.id.clone(), text => lang.pick3(q.text_nb.clone(), q.text_nb.clone(), q.text_en.clone()), answer => answers.get(&q.id).cloned() })
        .collect();
    let html = crate::templates::render(
        "apply.html",
        page(
            state,
            v,
            context! {
                ad => view, questions => questions, chosen => chosen, motivation => motivation,
                bound_derived => bound_derived,
                errors => map, error_list => list, existing => existing, consent => consent,
            },
        ),
    )?;
    Ok((status, html).into_response())
}

/// `GET /utlysninger/{id}/sok`.
pub async fn apply_form(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let (s, _) = require_applicant(&v)?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let c = crate::pages::ads::load(&state, id, lang).await?;
    if !crate::pages::ads::visible(&c, &v, state.now()) {
        return Err(AppError::not_found(lang));
    }
    if state
        .store
        .profile(s.user.id)
        .await
        .map_err(|e| AppError::store(e, lang))?
        .is_none_or(|p| p.data.is_null())
    {
        return Ok(Redirect::to("/profil?mangler=1").into_response());
    }
    let mine = state
        .store
        .applications(Some(id), Some(s.user.id))
        .await
        .map_err(|e| AppError::store(e, lang))?;
    let existing = mine.into_iter().find(|a| a.state == "submitted");
    let (chosen, answers, motivation) = match &existing {
        Some(a) => (
            a.position_ids.clone(),
            serde_json::from_value::<Vec<(String, Answer)>>(a.answers.clone())
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, answer_str(v).to_string()))
                .collect(),
            a.motivation.clone(),
        ),
        None => (Vec::new(), BTreeMap::new(), String::new()),
    };
    let view = crate::pages::ads::view(&c, &state, lang).await;
    // The answer in force, so the form shows it (and sending it unchanged records nothing).
    let consent = lis1_app::statistics::my_consents(&state.app, &s.caller())
        .await
        .map_err(|e| AppError::app(e, lang))?
        .first()
        .map(|c| c.given);
    apply_page(
        &state,
        &v,
        &c,
        view,
        &chosen,
        &answers,
        &motivation,
        &[],
        existing.is_some(),
        consent,
        StatusCode::OK,
    )
}

fn answer_str(a: Answer) -> &'static str {
    match a {
        Answer::Yes => "yes",
        Answer::No => "no",
    }
}

/// `POST /utlysninger/{id}/sok`: submits (or changes) the application. After the deadline it is
/// refused with the deadline in the message, and nothing is saved.
pub async fn apply(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let (s, _) = require_applicant(&v)?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let token = form
        .iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    s.check_csrf(token, lang)?;
    // Each position once, in the order given (a repeated field would otherwise be stored twice).
    let mut chosen: Vec<i64> = Vec::new();
    for p in form
        .iter()
        .filter(|(k, _)| k == "position")
        .filter_map(|(_, v)| v.parse::<i64>().ok())
    {
        if !chosen.contains(&p) {
            chosen.push(p);
        }
    }
    let answers: BTreeMap<String, String> = form
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("answer.")?.to_string(), v.clone())))
        .collect();
    let motivation = form
        .iter()
        .find(|(k, _)| k == "motivation")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    let parsed: Vec<(String, Answer)> = answers
        .iter()
        .filter_map(|(k, v)| match v.as_str() {
            "yes" => Some((k.clone(), Answer::Yes)),
            "no" => Some((k.clone(), Answer::No)),
            _ => None,
        })
        .collect();
    let consent = match form
        .iter()
        .find(|(k, _)| k == "consent")
        .map(|(_, v)| v.as_str())
    {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => None,
    };
    let input = uc::ApplicationInput {
        positions: chosen.clone(),
        answers: parsed,
        motivation: motivation.clone(),
        consent,
    };
    match uc::submit(&state.app, &s.caller(), id, input).await {
        Ok(submitted) => {
            let receipt = match submitted {
                Submitted::Created(_) => "1",
                Submitted::Updated(_) => "endret",
            };
            Ok(Redirect::to(&format!("/soknader?kvittering={receipt}")).into_response())
        }
        // Bad fields: the form again, with each message next to its field.
        Err(e) if !e.fields.is_empty() => {
            let c = crate::pages::ads::load(&state, id, lang).await?;
            let view = crate::pages::ads::view(&c, &state, lang).await;
            apply_page(
                &state,
                &v,
                &c,
                view,
                &chosen,
                &answers,
                &motivation,
                &e.field_messages(lang),
                false,
                consent,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => Err(AppError::app(e, lang)),
    }
}

/// Notices on the list of one's applications.
#[derive(Debug, Deserialize)]
pub struct MineQuery {
    #[serde(default)]
    kvittering: Option<String>,
    #[serde(default)]
    trukket: Option<String>,
}

/// `GET /soknader`: one's own applications.
pub async fn mine(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<MineQuery>,
) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    let (s, _) = require_applicant(&v)?;
    let now = state.now();
    let mut rows = Vec::new();
    for a in state
        .store
        .applications(None, Some(s.user.id))
        .await
        .map_err(|e| AppError::store(e, lang))?
    {
        let c = crate::pages::ads::load(&state, a.advertisement_id, lang).await?;
        let open = c.window(now) == Window::Open;
        rows.push(context! {
            id => a.id, ad_id => c.ad.id, title => c.ad.title.clone(), hf => c.hf.name.clone(),
            state => a.state, sent => fmt_time(a.updated_at, lang),
            deadline => fmt_time(c.round.application_deadline, lang), open => open,
        });
    }
    let notice = match q.kvittering.as_deref() {
        Some("endret") => Some(crate::i18n::t(lang, "apply.receipt_updated")),
        Some(_) => Some(crate::i18n::t(lang, "apply.receipt")),
        None => q.trukket.map(|_| crate::i18n::t(lang, "apply.withdrawn")),
    };
    crate::templates::render(
        "my_applications.html",
        page(
            &state,
            &v,
            context! { applications => rows, notice => notice },
        ),
    )
}

/// `POST /soknader/{id}/trekk`: withdraw, until the deadline.
pub async fn withdraw(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<crate::auth::CsrfForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let (s, _) = require_applicant(&v)?;
    s.check_csrf(&form.csrf_token, lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    uc::withdraw(&state.app, &s.caller(), id)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    Ok(Redirect::to("/soknader?trukket=1").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_recognised_by_content_not_name() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(
            sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]),
            Some("image/png")
        );
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"MZ\x90\x00 an exe named cv.pdf"), None);
        assert_eq!(sniff(b"<html>"), None);
        assert_eq!(sniff(b""), None);
    }
}
