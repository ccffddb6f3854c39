//! Before each start (*før oppstart*, issue 17) at `/oppstart`: per doctor and part, what must be
//! in place before the start (authorisation or licence, the three forms, the police certificate —
//! renewed before the municipal part), by when, and where it stands.
//!
//! - `/oppstart`: the cohorts the user follows, with counts, and the doctors not ready; a doctor
//!   with one course goes straight to their checklist.
//! - `/oppstart/kull/{site}/{cohort}/{part}`: one cohort's part — rows for the hospital or the
//!   municipality, counts only for the coordinators, the county governor and the directorate.
//! - `/oppstart/lop/{course}`: one doctor's checklist, with the forms to sign (the doctor), the
//!   HPR lookup (the doctor or the employer) and the police certificate's check (the employer),
//!   including a copy held only to be viewed (`/oppstart/kopi/{token}`, never stored).
//! - `/oppstart/krav`: an employer's requirements for its part.
//!
//! The workflows are `lis1_app::onboarding`; these handlers parse, call and render. A refused
//! form comes back on the checklist with what was typed and the message at the field.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use lis1_app::onboarding::{self as uc, Checklist, CohortSummary, Flag, ItemView, PartView};
use lis1_domain::Lang;
use lis1_domain::identity::HprNumber;
use lis1_domain::onboarding::{
    Completer, ItemKind, ItemStatus, Part, PartStatus, PoliceCheck, Record, Requirements,
};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::auth::{SignedIn, Visitor};
use crate::error::AppError;
use crate::pages::{fmt_date, fmt_time, page};
use crate::state::AppState;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    (
        "nav.onboarding",
        "Før oppstart",
        "Før oppstart",
        "Before the start",
    ),
    (
        "onboarding.title",
        "Før oppstart",
        "Før oppstart",
        "Before the start",
    ),
    (
        "onboarding.intro",
        "Før hver del av LIS1-løpet må legen ha autorisasjon eller LIS1-lisens som gjelder fra oppstartsdagen, og arbeidsgiveren må ha sett en gyldig politiattest. Før sykehusdelen signerer legen taushetserklæring, databrukerkontrakt og smittevernskjema. Før kommunedelen må politiattesten fornyes. Alt må være på plass dagen før oppstart; permisjon flytter fristene med løpet (000 §6.2.1).",
        "Før kvar del av LIS1-løpet må legen ha autorisasjon eller LIS1-lisens som gjeld frå oppstartsdagen, og arbeidsgjevaren må ha sett ein gyldig politiattest. Før sjukehusdelen signerer legen teieerklæring, databrukarkontrakt og smittevernskjema. Før kommunedelen må politiattesten fornyast. Alt må vere på plass dagen før oppstart; permisjon flyttar fristane med løpet (000 §6.2.1).",
        "Before each part of the LIS1 course the doctor must have an authorisation or LIS1 licence valid from the start date, and the employer must have seen a valid police certificate. Before the hospital part the doctor signs the confidentiality form, the data-user contract and the infection-control form. Before the municipal part the police certificate must be renewed. Everything must be in place the day before the start; leave moves the deadlines with the course (000 §6.2.1).",
    ),
    (
        "onboarding.police_note",
        "Politiattesten lagres ikke i portalen (politiregisterloven, personvernforordningen art. 10). Arbeidsgiveren registrerer bare at den er sett, av hvem, datoen på attesten og om den gir grunn til oppfølging (ja/nei).",
        "Politiattesten blir ikkje lagra i portalen (politiregisterlova, personvernforordninga art. 10). Arbeidsgjevaren registrerer berre at han er sett, av kven, datoen på attesten og om han gir grunn til oppfølging (ja/nei).",
        "The police certificate is not stored in the portal (the Police Register Act, GDPR Art. 10). The employer records only that it was seen, by whom, the certificate's date and whether it gives cause for follow-up (yes/no).",
    ),
    ("onboarding.cohorts", "Kull", "Kull", "Cohorts"),
    ("onboarding.cohort", "Kull", "Kull", "Cohort"),
    ("onboarding.site", "Sykehus", "Sjukehus", "Hospital"),
    ("onboarding.part", "Del", "Del", "Part"),
    ("onboarding.start", "Oppstart", "Oppstart", "Start"),
    ("onboarding.due", "Frist", "Frist", "Deadline"),
    ("onboarding.doctors", "Leger", "Legar", "Doctors"),
    ("onboarding.ready", "Klare", "Klare", "Ready"),
    (
        "onboarding.missing",
        "Mangler noe",
        "Manglar noko",
        "Missing items",
    ),
    (
        "onboarding.overdue",
        "Frist passert",
        "Frist passert",
        "Overdue",
    ),
    (
        "onboarding.flagged",
        "Varslet (to uker før)",
        "Varsla (to veker før)",
        "Flagged (two weeks before)",
    ),
    ("onboarding.open", "Åpne", "Opne", "Open"),
    (
        "onboarding.none",
        "Ingen kull å følge opp.",
        "Ingen kull å følgje opp.",
        "No cohorts to follow up.",
    ),
    (
        "onboarding.no_course",
        "Du har ikke noe LIS1-løp ennå. Sjekklisten kommer når du har takket ja til en stilling.",
        "Du har ikkje noko LIS1-løp enno. Sjekklista kjem når du har takka ja til ei stilling.",
        "You have no LIS1 course yet. The checklist comes when you have accepted a position.",
    ),
    (
        "onboarding.not_ready",
        "Ikke klare",
        "Ikkje klare",
        "Not ready",
    ),
    (
        "onboarding.all_ready",
        "Alle er klare.",
        "Alle er klare.",
        "Everyone is ready.",
    ),
    ("onboarding.doctor", "Lege", "Lege", "Doctor"),
    (
        "onboarding.municipality",
        "Kommune",
        "Kommune",
        "Municipality",
    ),
    ("onboarding.status", "Status", "Status", "Status"),
    ("onboarding.item", "Krav", "Krav", "Requirement"),
    ("onboarding.who", "Hvem", "Kven", "Who"),
    ("onboarding.details", "Registrert", "Registrert", "Recorded"),
    ("onboarding.who_doctor", "Legen", "Legen", "The doctor"),
    (
        "onboarding.who_either",
        "Legen eller arbeidsgiveren",
        "Legen eller arbeidsgjevaren",
        "The doctor or the employer",
    ),
    (
        "onboarding.who_employer",
        "Arbeidsgiveren",
        "Arbeidsgjevaren",
        "The employer",
    ),
    (
        "onboarding.employer",
        "Arbeidsgiver",
        "Arbeidsgjevar",
        "Employer",
    ),
    (
        "onboarding.not_placed",
        "Ikke trukket ennå",
        "Ikkje trekt enno",
        "Not drawn yet",
    ),
    (
        "onboarding.moved",
        "Oppstart er flyttet på grunn av permisjon (opprinnelig {date}); fristene er flyttet med.",
        "Oppstarten er flytt på grunn av permisjon (opphavleg {date}); fristane er flytte med.",
        "The start has moved because of leave (first planned {date}); the deadlines moved with it.",
    ),
    (
        "onboarding.counts_only",
        "Du ser bare antall, ikke opplysningene om den enkelte legen.",
        "Du ser berre tal, ikkje opplysningane om den einskilde legen.",
        "You see counts only, not the details of each doctor.",
    ),
    (
        "onboarding.saved",
        "Registreringen er lagret.",
        "Registreringa er lagra.",
        "The registration has been saved.",
    ),
    (
        "onboarding.signed",
        "Skjemaet er signert.",
        "Skjemaet er signert.",
        "The form has been signed.",
    ),
    (
        "onboarding.copy_deleted",
        "Kopien er slettet.",
        "Kopien er sletta.",
        "The copy has been deleted.",
    ),
    (
        "onboarding.sign_title",
        "Les og signer",
        "Les og signer",
        "Read and sign",
    ),
    ("onboarding.version", "versjon", "versjon", "version"),
    (
        "onboarding.confirm_read",
        "Jeg har lest teksten og signerer den",
        "Eg har lese teksten og signerer han",
        "I have read the text and sign it",
    ),
    ("onboarding.sign", "Signer", "Signer", "Sign"),
    (
        "onboarding.hpr_title",
        "Slå opp i Helsepersonellregisteret",
        "Slå opp i Helsepersonellregisteret",
        "Look up in the Health Personnel Register",
    ),
    (
        "onboarding.hpr_number",
        "HPR-nummer",
        "HPR-nummer",
        "HPR number",
    ),
    (
        "onboarding.hpr_hint",
        "Vi henter autorisasjon eller lisens og gyldighet fra Helsepersonellregisteret. Den må gjelde fra oppstartsdagen.",
        "Vi hentar autorisasjon eller lisens og gyldigheit frå Helsepersonellregisteret. Han må gjelde frå oppstartsdagen.",
        "We fetch the authorisation or licence and its validity from the Health Personnel Register. It must be valid from the start date.",
    ),
    (
        "onboarding.hpr_lookup",
        "Slå opp og registrer",
        "Slå opp og registrer",
        "Look up and record",
    ),
    (
        "onboarding.police_title",
        "Registrer politiattest",
        "Registrer politiattest",
        "Record the police certificate",
    ),
    (
        "onboarding.certificate_date",
        "Datoen på attesten",
        "Datoen på attesten",
        "The certificate's date",
    ),
    ("onboarding.checked_on", "Sett dato", "Sett dato", "Seen on"),
    (
        "onboarding.follow_up",
        "Gir attesten grunn til oppfølging?",
        "Gir attesten grunn til oppfølging?",
        "Does the certificate give cause for follow-up?",
    ),
    (
        "onboarding.follow_up_hint",
        "Bare ja eller nei. Skriv ingen detaljer i portalen.",
        "Berre ja eller nei. Skriv ingen detaljar i portalen.",
        "Yes or no only. Write no details in the portal.",
    ),
    ("onboarding.yes", "Ja", "Ja", "Yes"),
    ("onboarding.no", "Nei", "Nei", "No"),
    (
        "onboarding.police_save",
        "Registrer kontrollen",
        "Registrer kontrollen",
        "Record the check",
    ),
    (
        "onboarding.max_age",
        "Største alder ved oppstart (måneder)",
        "Største alder ved oppstart (månader)",
        "Greatest age at the start (months)",
    ),
    (
        "onboarding.copy_title",
        "Kopi til visning",
        "Kopi til vising",
        "Copy for viewing",
    ),
    (
        "onboarding.copy_hint",
        "Må du se en kopi, kan du laste den opp her. Den holdes bare i minnet, vises bare for deg, og slettes automatisk når kontrollen er registrert (senest etter 15 minutter). Slettingen logges.",
        "Må du sjå ein kopi, kan du laste han opp her. Han blir berre halden i minnet, blir berre vist for deg og blir sletta automatisk når kontrollen er registrert (seinast etter 15 minutt). Slettinga blir logga.",
        "If you need to look at a copy, you can upload it here. It is held in memory only, shown only to you, and deleted automatically when the check is recorded (after 15 minutes at the latest). The deletion is logged.",
    ),
    (
        "onboarding.copy_file",
        "Fil (PDF, JPEG eller PNG)",
        "Fil (PDF, JPEG eller PNG)",
        "File (PDF, JPEG or PNG)",
    ),
    (
        "onboarding.copy_upload",
        "Last opp for visning",
        "Last opp for vising",
        "Upload for viewing",
    ),
    (
        "onboarding.copy_view",
        "Vis kopien (ny fane)",
        "Vis kopien (ny fane)",
        "View the copy (new tab)",
    ),
    (
        "onboarding.copy_delete",
        "Slett kopien nå",
        "Slett kopien no",
        "Delete the copy now",
    ),
    (
        "onboarding.copy_held",
        "En kopi holdes til visning til {time}. Den slettes når du registrerer kontrollen.",
        "Ein kopi blir halden til vising til {time}. Han blir sletta når du registrerer kontrollen.",
        "A copy is held for viewing until {time}. It is deleted when you record the check.",
    ),
    (
        "onboarding.requirements",
        "Krav før oppstart",
        "Krav før oppstart",
        "Requirements before the start",
    ),
    (
        "onboarding.requirements_intro",
        "Hver arbeidsgiver bestemmer hva som kreves før sin del. Standard er Helse Nord-Trøndelags krav fra samarbeidsavtalen (000 §6.2.1).",
        "Kvar arbeidsgjevar avgjer kva som blir kravt før sin del. Standard er krava til Helse Nord-Trøndelag frå samarbeidsavtalen (000 §6.2.1).",
        "Each employer decides what is required before its part. The default is Helse Nord-Trøndelag's requirements from the cooperation agreement (000 §6.2.1).",
    ),
    (
        "onboarding.requirements_default",
        "Standardkrav",
        "Standardkrav",
        "Default requirements",
    ),
    (
        "onboarding.requirements_own",
        "Egne krav",
        "Eigne krav",
        "Own requirements",
    ),
    (
        "onboarding.requirements_save",
        "Lagre kravene",
        "Lagre krava",
        "Save the requirements",
    ),
    (
        "onboarding.requirements_saved",
        "Kravene er lagret.",
        "Krava er lagra.",
        "The requirements have been saved.",
    ),
    (
        "onboarding.errors_title",
        "Det er feil i skjemaet",
        "Det er feil i skjemaet",
        "The form has errors",
    ),
    (
        "onboarding.home_title",
        "Før oppstart",
        "Før oppstart",
        "Before the start",
    ),
    (
        "onboarding.home_own",
        "Dette mangler før oppstart:",
        "Dette manglar før oppstart:",
        "This is missing before the start:",
    ),
    (
        "onboarding.home_flagged",
        "Leger som ikke er klare to uker før oppstart, eller har passert fristen:",
        "Legar som ikkje er klare to veker før oppstart, eller har passert fristen:",
        "Doctors not ready two weeks before the start, or past the deadline:",
    ),
    (
        "onboarding.home_cohorts",
        "Kull med leger som ikke er klare:",
        "Kull med legar som ikkje er klare:",
        "Cohorts with doctors not ready:",
    ),
];

fn t(lang: Lang, key: &str) -> String {
    crate::i18n::t(lang, key)
}

fn app_err(lang: Lang) -> impl Fn(lis1_app::Error) -> AppError {
    move |e| AppError::app(e, lang)
}

fn parse_id(s: &str, lang: Lang) -> Result<i64, AppError> {
    s.trim().parse().map_err(|_| AppError::not_found(lang))
}

fn item_color(s: ItemStatus) -> &'static str {
    match s {
        ItemStatus::Done => "success",
        ItemStatus::Missing => "warning",
        ItemStatus::Overdue => "danger",
    }
}

fn part_color(s: PartStatus) -> &'static str {
    match s {
        PartStatus::Ready => "success",
        PartStatus::Missing { .. } => "warning",
        PartStatus::Overdue { .. } => "danger",
    }
}

fn who(c: Completer, lang: Lang) -> String {
    t(
        lang,
        match c {
            Completer::Doctor => "onboarding.who_doctor",
            Completer::Either => "onboarding.who_either",
            Completer::Employer => "onboarding.who_employer",
        },
    )
}

fn details(i: &ItemView, lang: Lang) -> Option<String> {
    let d = |x: Date| fmt_date(x, lang);
    let rec = i.record.as_ref()?;
    let by = i
        .recorded_by
        .as_ref()
        .map(|n| format!(" {} {n}", lang.pick("av", "by")))
        .unwrap_or_default();
    Some(match rec {
        Record::Authorisation {
            hpr_number,
            kind,
            valid_from,
            valid_to,
        } => {
            let to = valid_to
                .map(|x| format!(" {} {}", lang.pick("til", "to"), d(x)))
                .unwrap_or_default();
            format!(
                "HPR {hpr_number} · {} · {} {}{to}",
                kind.label(lang),
                lang.pick("gyldig fra", "valid from"),
                d(*valid_from)
            )
        }
        Record::Signed { signed_on, .. } => {
            let text = i
                .signed_text
                .as_ref()
                .map(|x| {
                    format!(
                        " · «{}» {} {}",
                        x.title,
                        t(lang, "onboarding.version"),
                        x.version
                    )
                })
                .unwrap_or_default();
            format!("{} {}{text}", lang.pick("Signert", "Signed"), d(*signed_on))
        }
        Record::Police(c) => format!(
            "{} {} · {} {}{by} · {}: {}",
            lang.pick("Datert", "Dated"),
            d(c.certificate_date),
            lang.pick("sett", "seen"),
            d(c.checked_on),
            lang.pick("Oppfølging", "Follow-up"),
            if c.follow_up {
                t(lang, "onboarding.yes")
            } else {
                t(lang, "onboarding.no")
            }
        ),
    })
}

fn item_ctx(i: &ItemView, part: Part, lang: Lang) -> Value {
    context! {
        kind => i.kind.as_str(),
        label => i.kind.label(part, lang),
        status => i.status.as_str(),
        status_label => i.status.label(lang),
        color => item_color(i.status),
        problem => i.problem.map(|p| p.message(lang)),
        details => details(i, lang),
        who => who(i.completer, lang),
    }
}

/// A refused form on the checklist: which form, the message per field, what was typed.
#[derive(Debug, Default, Clone)]
struct Refused {
    form: String,
    errors: Vec<(String, String)>,
    values: HashMap<String, String>,
}

impl Refused {
    fn new(
        form: String,
        values: HashMap<String, String>,
        e: &lis1_app::Error,
        lang: Lang,
        default_field: &str,
    ) -> Refused {
        let mut errors = e.field_messages(lang);
        if errors.is_empty() {
            errors.push((default_field.to_string(), e.message(lang)));
        }
        Refused {
            form,
            errors,
            values,
        }
    }
}

fn part_ctx(p: &PartView, lang: Lang, refused: Option<&Refused>, copy: Option<Value>) -> Value {
    let slug = p.part.slug();
    let err_for = |form: &str| -> Value {
        match refused.filter(|r| r.form == form) {
            Some(r) => {
                let map: HashMap<String, String> = r.errors.iter().cloned().collect();
                Value::from_serialize(&map)
            }
            None => Value::from_serialize(HashMap::<String, String>::new()),
        }
    };
    let values_for = |form: &str| -> Value {
        Value::from_serialize(
            refused
                .filter(|r| r.form == form)
                .map(|r| r.values.clone())
                .unwrap_or_default(),
        )
    };
    let error_list: Vec<Value> = refused
        .filter(|r| r.form.ends_with(slug))
        .map(|r| {
            r.errors
                .iter()
                .map(|(f, m)| context! { field => format!("{}-{f}", r.form), message => m.clone() })
                .collect()
        })
        .unwrap_or_default();
    let to_sign: Vec<Value> = p
        .to_sign
        .iter()
        .map(|x| {
            let form = format!("sign-{}-{slug}", x.kind.as_str());
            context! {
                kind => x.kind.as_str(), label => x.kind.label(p.part, lang), text_id => x.id,
                title => x.title.clone(), body => x.body.clone(), version => x.version,
                form => form.clone(), errors => err_for(&form),
            }
        })
        .collect();
    let moved = (p.start != p.planned_start)
        .then(|| t(lang, "onboarding.moved").replace("{date}", &fmt_date(p.planned_start, lang)));
    let hpr_form = format!("hpr-{slug}");
    let police_form = format!("police-{slug}");
    let needs = |k: ItemKind| p.requirements.requires(k);
    context! {
        part => p.part.as_str(), slug => slug, label => p.part.label(lang),
        start => fmt_date(p.start, lang), due => fmt_date(p.due, lang), moved => moved,
        employer => p.employer_name.clone(),
        status => p.status.as_str(), status_label => p.status.label(lang),
        color => part_color(p.status), flagged => p.flagged,
        items => p.items.iter().map(|i| item_ctx(i, p.part, lang)).collect::<Vec<_>>(),
        may_register => p.may_register, may_complete => p.may_complete,
        to_sign => to_sign,
        needs_hpr => needs(ItemKind::Authorisation),
        needs_police => needs(ItemKind::PoliceCertificate),
        max_age => p.requirements.police_max_age_months,
        hpr_form => hpr_form.clone(), hpr_errors => err_for(&hpr_form), hpr_values => values_for(&hpr_form),
        police_form => police_form.clone(), police_errors => err_for(&police_form),
        police_values => values_for(&police_form),
        copy_errors => err_for(&format!("copy-{slug}")),
        error_list => error_list,
        copy => copy,
    }
}

/// Query of the checklist page.
#[derive(Debug, Default, Deserialize)]
pub struct CourseQuery {
    #[serde(default)]
    lagret: Option<String>,
    #[serde(default)]
    kopi: Option<String>,
    #[serde(default)]
    slettet: Option<String>,
}

async fn render_course(
    state: &AppState,
    v: &Visitor,
    s: &SignedIn,
    course_id: i64,
    q: &CourseQuery,
    refused: Option<Refused>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let c: Checklist = uc::checklist(&state.app, &s.caller(), course_id)
        .await
        .map_err(app_err(lang))?;
    // A copy held for this user and course is offered on its part's form.
    let held = q
        .kopi
        .as_deref()
        .and_then(|tok| state.app.copies.peek(tok).map(|i| (tok.to_string(), i)))
        .filter(|(_, i)| i.uploaded_by == s.user.id && i.course_id == course_id);
    let parts: Vec<Value> = c
        .parts
        .iter()
        .map(|p| {
            let copy = held.as_ref().filter(|(_, i)| i.part == p.part).map(|(tok, i)| {
                context! {
                    token => tok.clone(),
                    held => t(lang, "onboarding.copy_held").replace("{time}", &fmt_time(i.expires, lang)),
                }
            });
            part_ctx(p, lang, refused.as_ref(), copy)
        })
        .collect();
    let notice = if q.slettet.is_some() {
        Some(t(lang, "onboarding.copy_deleted"))
    } else {
        q.lagret.as_ref().map(|_| t(lang, "onboarding.saved"))
    };
    let failed = refused.is_some();
    let html = crate::templates::render(
        "onboarding_course.html",
        page(
            state,
            v,
            context! {
                course => context! {
                    id => c.course.id, doctor => c.course.applicant_name.clone(),
                    doctor_id => c.course.applicant_id,
                    site => c.course.hospital_site_name.clone(),
                    municipality => c.course.municipality_name.clone(),
                },
                parts => parts, notice => notice, today => uc_today(state).to_string(),
            },
        ),
    )?;
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, html).into_response())
}

fn uc_today(state: &AppState) -> Date {
    lis1_domain::calendar::to_oslo(state.now()).date()
}

/// `GET /oppstart/lop/{id}`: one doctor's checklist.
pub async fn course(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Query(q): Query<CourseQuery>,
) -> Result<Response, AppError> {
    let s = v.require()?;
    let id = parse_id(&id, v.lang)?;
    render_course(&state, &v, s, id, &q, None).await
}

fn cohort_href(c: &CohortSummary) -> String {
    format!(
        "/oppstart/kull/{}/{}/{}",
        c.site_id,
        c.cohort,
        c.part.slug()
    )
}

fn flag_ctx(f: &Flag, lang: Lang) -> Value {
    context! {
        course => f.course_id, doctor => f.doctor.clone(), own => f.own,
        part => f.part.label(lang), start => fmt_date(f.start, lang), due => fmt_date(f.due, lang),
        status_label => f.status.label(lang), color => part_color(f.status), flagged => f.flagged,
        missing => f.missing.iter().map(|k| k.label(f.part, lang)).collect::<Vec<_>>(),
    }
}

fn summary_ctx(c: &CohortSummary, lang: Lang) -> Value {
    context! {
        href => cohort_href(c), site => c.site_name.clone(), part => c.part.label(lang),
        start => fmt_date(c.start, lang), cohort => fmt_date(c.cohort, lang),
        doctors => c.counts.doctors, ready => c.counts.ready, missing => c.counts.missing,
        overdue => c.counts.overdue, flagged => c.counts.flagged, items => c.items,
    }
}

/// The home page's and the obligations view's block: what needs attention before a start.
/// Empty (`None`) when nothing does. Calls `lis1_app::onboarding::home`.
pub async fn home_block(
    state: &AppState,
    s: &SignedIn,
    lang: Lang,
) -> Result<Option<Value>, AppError> {
    let o = uc::home(&state.app, &s.caller())
        .await
        .map_err(app_err(lang))?;
    if o.not_ready.is_empty() && o.cohorts.is_empty() {
        return Ok(None);
    }
    Ok(Some(context! {
        own => o.not_ready.iter().filter(|f| f.own).map(|f| flag_ctx(f, lang)).collect::<Vec<_>>(),
        flagged => o.not_ready.iter().filter(|f| !f.own).map(|f| flag_ctx(f, lang)).collect::<Vec<_>>(),
        cohorts => o.cohorts.iter().map(|c| summary_ctx(c, lang)).collect::<Vec<_>>(),
    }))
}

/// `GET /oppstart`: the cohorts the user follows and the doctors not ready. A doctor with one
/// course goes straight to the checklist.
pub async fn index(State(state): State<AppState>, v: Visitor) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let o = uc::overview(&state.app, &s.caller())
        .await
        .map_err(app_err(lang))?;
    let doctor = s.principal.has_role(lis1_domain::access::Role::Applicant);
    if doctor && o.own_courses.len() == 1 {
        return Ok(Redirect::to(&format!("/oppstart/lop/{}", o.own_courses[0])).into_response());
    }
    let requirements = !uc::my_requirements(&state.app, &s.caller())
        .await
        .map_err(app_err(lang))?
        .is_empty();
    let html = crate::templates::render(
        "onboarding.html",
        page(
            &state,
            &v,
            context! {
                doctor => doctor,
                own => o.own_courses.clone(),
                cohorts => o.cohorts.iter().map(|c| summary_ctx(c, lang)).collect::<Vec<_>>(),
                not_ready => o.not_ready.iter().map(|f| flag_ctx(f, lang)).collect::<Vec<_>>(),
                requirements => requirements,
            },
        ),
    )?;
    Ok(html.into_response())
}

/// `GET /oppstart/kull/{site}/{cohort}/{part}`: one cohort's part.
pub async fn cohort(
    State(state): State<AppState>,
    v: Visitor,
    Path((site, cohort, part)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let site = parse_id(&site, lang)?;
    let cohort: Date = cohort.parse().map_err(|_| AppError::not_found(lang))?;
    let part = Part::parse(&part).ok_or_else(|| AppError::not_found(lang))?;
    let c = uc::cohort(&state.app, &s.caller(), site, cohort, part)
        .await
        .map_err(app_err(lang))?;
    let kinds: Vec<Value> = c
        .rows
        .first()
        .map(|r| {
            r.view
                .items
                .iter()
                .map(|i| context! { kind => i.kind.as_str(), label => i.kind.label(part, lang) })
                .collect()
        })
        .unwrap_or_default();
    let rows: Vec<Value> = c
        .rows
        .iter()
        .map(|r| {
            context! {
                course => r.course_id, doctor => r.doctor.clone(),
                municipality => r.municipality.clone(),
                start => fmt_date(r.view.start, lang), due => fmt_date(r.view.due, lang),
                status_label => r.view.status.label(lang), color => part_color(r.view.status),
                flagged => r.view.flagged,
                items => r.view.items.iter().map(|i| item_ctx(i, part, lang)).collect::<Vec<_>>(),
            }
        })
        .collect();
    let html = crate::templates::render(
        "onboarding_cohort.html",
        page(
            &state,
            &v,
            context! {
                site => c.site_name.clone(), cohort => fmt_date(c.cohort, lang),
                part => part.label(lang), start => fmt_date(c.start, lang),
                counts => c.counts, counts_only => c.counts_only,
                kinds => kinds, rows => rows,
            },
        ),
    )?;
    Ok(html.into_response())
}

fn parse_date(raw: &str) -> Option<Date> {
    raw.trim().parse().ok()
}

fn date_message() -> lis1_app::Text {
    lis1_app::Text::new(
        "bad_date",
        "Skriv datoen som åååå-mm-dd, for eksempel 2026-08-20. Ingenting ble lagret.",
        "Write the date as yyyy-mm-dd, for example 2026-08-20. Nothing was saved.",
    )
}

/// Form: look an HPR number up.
#[derive(Debug, Deserialize)]
pub struct HprForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    part: String,
    #[serde(default)]
    hpr_number: String,
}

/// `POST /oppstart/lop/{id}/autorisasjon`: the doctor or the employer looks the HPR number up.
pub async fn authorisation(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<HprForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = parse_id(&id, lang)?;
    let part = Part::parse(&f.part).ok_or_else(|| AppError::not_found(lang))?;
    let form = format!("hpr-{}", part.slug());
    let values = HashMap::from([("hpr_number".to_string(), f.hpr_number.clone())]);
    let result = match HprNumber::parse(&f.hpr_number) {
        Ok(n) => uc::record_authorisation(&state.app, &s.caller(), id, part, &n).await,
        Err(e) => Err(lis1_app::Error::field("hpr_number", e)),
    };
    finish(&state, &v, s, id, result, form, values, "hpr_number").await
}

/// After a registration: back to the checklist, or the checklist with the refusal at its field.
#[allow(clippy::too_many_arguments)]
async fn finish(
    state: &AppState,
    v: &Visitor,
    s: &SignedIn,
    id: i64,
    result: Result<(), lis1_app::Error>,
    form: String,
    values: HashMap<String, String>,
    default_field: &str,
) -> Result<Response, AppError> {
    let lang = v.lang;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/oppstart/lop/{id}?lagret=1#{form}")).into_response()),
        Err(e) if e.kind == lis1_app::Kind::Invalid || e.kind == lis1_app::Kind::Conflict => {
            let refused = Refused::new(form, values, &e, lang, default_field);
            let q = CourseQuery {
                kopi: refused.values.get("copy").cloned(),
                ..CourseQuery::default()
            };
            // Someone who may not see this checklist (a declaration posted for another doctor's
            // course) gets the message on a page of its own.
            match render_course(state, v, s, id, &q, Some(refused)).await {
                Ok(page) => Ok(page),
                Err(_) => Err(AppError::app(e, lang)),
            }
        }
        Err(e) => Err(AppError::app(e, lang)),
    }
}

/// Form: sign a form.
#[derive(Debug, Deserialize)]
pub struct SignForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    part: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text_id: String,
    #[serde(default)]
    for_user: String,
    #[serde(default)]
    confirmed_read: Option<String>,
}

/// `POST /oppstart/lop/{id}/signer`: the doctor signs a form.
pub async fn sign(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<SignForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = parse_id(&id, lang)?;
    let part = Part::parse(&f.part).ok_or_else(|| AppError::not_found(lang))?;
    let kind = ItemKind::parse(&f.kind)
        .filter(|k| k.is_form())
        .ok_or_else(|| AppError::not_found(lang))?;
    let text_id = parse_id(&f.text_id, lang)?;
    let for_user = parse_id(&f.for_user, lang)?;
    let form = format!("sign-{}-{}", kind.as_str(), part.slug());
    let result = uc::sign_form(
        &state.app,
        &s.caller(),
        &uc::Signature {
            course_id: id,
            part,
            kind,
            text_id,
            for_user,
            confirmed_read: f.confirmed_read.is_some(),
        },
    )
    .await;
    finish(
        &state,
        &v,
        s,
        id,
        result,
        form,
        HashMap::new(),
        "confirmed_read",
    )
    .await
}

/// Form: a police certificate seen.
#[derive(Debug, Deserialize)]
pub struct PoliceForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    part: String,
    #[serde(default)]
    certificate_date: String,
    #[serde(default)]
    checked_on: String,
    #[serde(default)]
    follow_up: String,
    #[serde(default)]
    copy: String,
}

/// `POST /oppstart/lop/{id}/politiattest`: the employer records the check of the police
/// certificate (and a held copy is deleted).
pub async fn police(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<PoliceForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = parse_id(&id, lang)?;
    let part = Part::parse(&f.part).ok_or_else(|| AppError::not_found(lang))?;
    let form = format!("police-{}", part.slug());
    let values = HashMap::from([
        ("certificate_date".to_string(), f.certificate_date.clone()),
        ("checked_on".to_string(), f.checked_on.clone()),
        ("follow_up".to_string(), f.follow_up.clone()),
        ("copy".to_string(), f.copy.clone()),
    ]);
    let follow_up = match f.follow_up.as_str() {
        "ja" => Some(true),
        "nei" => Some(false),
        _ => None,
    };
    let result = match (
        parse_date(&f.certificate_date),
        parse_date(&f.checked_on),
        follow_up,
    ) {
        (None, _, _) => Err(lis1_app::Error::field("certificate_date", date_message())),
        (_, None, _) => Err(lis1_app::Error::field("checked_on", date_message())),
        (_, _, None) => Err(lis1_app::Error::field_text(
            "follow_up",
            "follow_up_required",
            "Svar ja eller nei på om attesten gir grunn til oppfølging. Ingenting ble lagret.",
            "Answer yes or no to whether the certificate gives cause for follow-up. Nothing was saved.",
        )),
        (Some(certificate_date), Some(checked_on), Some(follow_up)) => {
            let copy = f.copy.trim();
            uc::record_police_check(
                &state.app,
                &s.caller(),
                &uc::PoliceInput {
                    course_id: id,
                    part,
                    check: PoliceCheck {
                        certificate_date,
                        checked_on,
                        follow_up,
                    },
                    copy: (!copy.is_empty()).then(|| copy.to_string()),
                },
            )
            .await
        }
    };
    finish(&state, &v, s, id, result, form, values, "certificate_date").await
}

/// `POST /oppstart/lop/{id}/politiattest/kopi`: the employer uploads a copy to view it; it is
/// held in memory only (see `lis1_app::onboarding::hold_copy`).
pub async fn upload_copy(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let id = parse_id(&id, lang)?;
    let too_big = || {
        AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "document_too_large",
            lang.pick(
                "Filen er større enn 10 MB. Ingenting ble lastet opp.",
                "The file is larger than 10 MB. Nothing was uploaded.",
            ),
        )
        .in_lang(lang)
    };
    let (mut csrf, mut part, mut file) = (String::new(), String::new(), None::<Vec<u8>>);
    while let Some(field) = multipart.next_field().await.map_err(|_| too_big())? {
        match field.name() {
            Some("csrf_token") => csrf = field.text().await.unwrap_or_default(),
            Some("part") => part = field.text().await.unwrap_or_default(),
            Some("file") => file = Some(field.bytes().await.map_err(|_| too_big())?.to_vec()),
            _ => {}
        }
    }
    s.check_csrf(&csrf, lang)?;
    let part = Part::parse(&part).ok_or_else(|| AppError::not_found(lang))?;
    let form = format!("copy-{}", part.slug());
    let refuse = |code, nb: &str, en: &str| lis1_app::Error::field_text("file", code, nb, en);
    let result = match file.filter(|b| !b.is_empty()) {
        None => Err(refuse(
            "file_required",
            "Velg en fil å laste opp.",
            "Choose a file to upload.",
        )),
        Some(b) if b.len() > crate::pages::apply::MAX_DOCUMENT_BYTES => return Err(too_big()),
        Some(b) => match crate::pages::apply::sniff(&b) {
            None => Err(refuse(
                "file_type",
                "Filen er ikke PDF, JPEG eller PNG. Ingenting ble lastet opp.",
                "The file is not a PDF, JPEG or PNG. Nothing was uploaded.",
            )),
            Some(mime) => uc::hold_copy(&state.app, &s.caller(), id, part, mime, b)
                .await
                .map(|ticket| ticket.token),
        },
    };
    match result {
        Ok(token) => Ok(Redirect::to(&format!(
            "/oppstart/lop/{id}?kopi={token}#police-{}",
            part.slug()
        ))
        .into_response()),
        Err(e) => finish(&state, &v, s, id, Err(e), form, HashMap::new(), "file").await,
    }
}

/// `GET /oppstart/kopi/{token}`: the uploader views a held copy. Never cached.
pub async fn view_copy(
    State(state): State<AppState>,
    v: Visitor,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let (bytes, mime, _) = uc::view_copy(&state.app, &s.caller(), &token)
        .await
        .map_err(app_err(lang))?;
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, max-age=0"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline; filename=\"politiattest\""),
    );
    Ok(resp)
}

/// Form: CSRF only.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf_token: String,
}

/// `POST /oppstart/kopi/{token}/slett`: the uploader deletes a held copy.
pub async fn discard_copy(
    State(state): State<AppState>,
    v: Visitor,
    Path(token): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let info = uc::discard_copy(&state.app, &s.caller(), &token)
        .await
        .map_err(app_err(lang))?;
    Ok(Redirect::to(&format!(
        "/oppstart/lop/{}?slettet=1#police-{}",
        info.course_id,
        info.part.slug()
    ))
    .into_response())
}

/// Query of the requirements page.
#[derive(Debug, Deserialize)]
pub struct RequirementsQuery {
    #[serde(default)]
    lagret: Option<String>,
}

async fn render_requirements(
    state: &AppState,
    v: &Visitor,
    s: &SignedIn,
    notice: bool,
    refused: Option<(i64, String, HashMap<String, String>)>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let mine = uc::my_requirements(&state.app, &s.caller())
        .await
        .map_err(app_err(lang))?;
    if mine.is_empty() {
        return Err(AppError::domain(
            StatusCode::FORBIDDEN,
            &lis1_domain::access::Denied::new("configure_onboarding"),
            lang,
        ));
    }
    let failed = refused.is_some();
    let employers: Vec<Value> = mine
        .iter()
        .map(|e| {
            let err = refused
                .as_ref()
                .filter(|(org, _, _)| *org == e.org_id)
                .map(|(_, m, _)| m.clone());
            let typed = refused
                .as_ref()
                .filter(|(org, _, _)| *org == e.org_id)
                .map(|(_, _, v)| v.clone());
            let r = e.requirements;
            let items: Vec<Value> = ItemKind::ALL
                .iter()
                .map(|k| {
                    let checked = match &typed {
                        Some(v) => v.contains_key(k.as_str()),
                        None => r.requires(*k),
                    };
                    context! { kind => k.as_str(), label => k.label(e.part, lang), checked => checked }
                })
                .collect();
            context! {
                org => e.org_id, name => e.org_name.clone(), part => e.part.as_str(),
                part_label => e.part.label(lang), own => e.own, items => items,
                max_age => typed.as_ref().and_then(|v| v.get("police_max_age_months").cloned())
                    .unwrap_or_else(|| r.police_max_age_months.to_string()),
                error => err,
            }
        })
        .collect();
    let html = crate::templates::render(
        "onboarding_requirements.html",
        page(
            state,
            v,
            context! {
                employers => employers,
                notice => notice.then(|| t(lang, "onboarding.requirements_saved")),
            },
        ),
    )?;
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, html).into_response())
}

/// `GET /oppstart/krav`: the employer's requirements for its part.
pub async fn requirements(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<RequirementsQuery>,
) -> Result<Response, AppError> {
    let s = v.require()?;
    render_requirements(&state, &v, s, q.lagret.is_some(), None).await
}

/// `POST /oppstart/krav`: the employer sets its requirements.
pub async fn save_requirements(
    State(state): State<AppState>,
    v: Visitor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    s.check_csrf(&get("csrf_token"), lang)?;
    let org = parse_id(&get("org"), lang)?;
    let part = Part::parse(&get("part")).ok_or_else(|| AppError::not_found(lang))?;
    let typed: HashMap<String, String> = pairs.iter().cloned().collect();
    let has = |k: ItemKind| typed.contains_key(k.as_str());
    let months = get("police_max_age_months")
        .trim()
        .parse::<u8>()
        .unwrap_or(0);
    let req = Requirements {
        authorisation: has(ItemKind::Authorisation),
        confidentiality: has(ItemKind::Confidentiality),
        data_user_contract: has(ItemKind::DataUserContract),
        infection_control: has(ItemKind::InfectionControl),
        police_certificate: has(ItemKind::PoliceCertificate),
        police_max_age_months: months,
    };
    match uc::set_requirements(&state.app, &s.caller(), org, part, &req).await {
        Ok(()) => Ok(Redirect::to("/oppstart/krav?lagret=1").into_response()),
        Err(e) if e.kind == lis1_app::Kind::Invalid => {
            render_requirements(&state, &v, s, false, Some((org, e.message(lang), typed))).await
        }
        Err(e) => Err(AppError::app(e, lang)),
    }
}
