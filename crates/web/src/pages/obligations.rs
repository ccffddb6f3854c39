//! Deadlines and obligations (*frister og plikter*) at `/plikter`: the municipality's contract
//! with the doctor (002 §2.1), its employment letter (000 §6.2.4) and the HF's lottery
//! (002 §2.1), each with its deadline and status, for the organisations concerned. The
//! municipality registers a contract or a letter as done at `POST /plikter/oppfylt`.
//!
//! `lis1_app::obligations::remind` runs in the background job (`crate::spawn_housekeeping`): it mails the responsible
//! organisation's users once when an obligation becomes due soon and once when it becomes
//! overdue; the store records each reminder with its mails, so a restart sends nothing twice.
//!
//! Rules: `lis1_domain::obligations`; storage: `lis1_store::obligations`; access:
//! `lis1_domain::access` (`ViewDeadlines`, `ViewObligation`, `RegisterFulfilment`).

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use lis1_app::obligations as uc;
use lis1_domain::obligations::ObligationKind;
use minijinja::context;
use serde::Deserialize;

use crate::auth::{SignedIn, Visitor};
use crate::error::AppError;
use crate::pages::{fmt_date, page};
use crate::state::AppState;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    (
        "nav.obligations",
        "Frister og plikter",
        "Fristar og plikter",
        "Deadlines",
    ),
    (
        "obligations.title",
        "Frister og plikter",
        "Fristar og plikter",
        "Deadlines and obligations",
    ),
    (
        "obligations.intro",
        "Kommunen skal ha kontrakt med legen senest tre måneder før kommunestart, og sende tilsettingsbrev senest åtte måneder etter at legen startet i sykehuset. Helseforetaket skal trekke kommuneplassene senest fire måneder før kommunestart. Fristene flyttes når permisjon flytter kommunestarten.",
        "Kommunen skal ha kontrakt med legen seinast tre månader før kommunestart, og sende tilsetjingsbrev seinast åtte månader etter at legen byrja i sjukehuset. Helseføretaket skal trekkje kommuneplassane seinast fire månader før kommunestart. Fristane blir flytte når permisjon flyttar kommunestarten.",
        "The municipality must have a contract with the doctor no later than three months before the municipal start, and send the employment letter no later than eight months after the doctor started in the hospital. The hospital trust must draw the municipality places no later than four months before the municipal start. The deadlines move when leave moves the municipal start.",
    ),
    (
        "obligations.open",
        "Åpne frister",
        "Opne fristar",
        "Open deadlines",
    ),
    ("obligations.done", "Oppfylt", "Oppfylt", "Fulfilled"),
    (
        "obligations.none_open",
        "Ingen åpne frister.",
        "Ingen opne fristar.",
        "No open deadlines.",
    ),
    (
        "obligations.none_done",
        "Ingen plikter er registrert som oppfylt.",
        "Ingen plikter er registrerte som oppfylte.",
        "No obligations have been registered as fulfilled.",
    ),
    ("obligations.due", "Frist", "Frist", "Deadline"),
    ("obligations.kind", "Plikt", "Plikt", "Obligation"),
    ("obligations.site", "Sykehus", "Sjukehus", "Hospital"),
    ("obligations.doctor", "Lege", "Lege", "Doctor"),
    (
        "obligations.doctors",
        "Leger i trekningen",
        "Legar i trekkinga",
        "Doctors in the draw",
    ),
    (
        "obligations.municipality",
        "Kommune",
        "Kommune",
        "Municipality",
    ),
    (
        "obligations.not_drawn",
        "Ikke trukket",
        "Ikkje trekt",
        "Not drawn",
    ),
    (
        "obligations.cohort",
        "Kommunestart",
        "Kommunestart",
        "Municipal start",
    ),
    ("obligations.status", "Status", "Status", "Status"),
    (
        "obligations.fulfilled_on",
        "Oppfylt dato",
        "Oppfylt dato",
        "Fulfilled on",
    ),
    ("obligations.note", "Merknad", "Merknad", "Note"),
    (
        "obligations.register",
        "Registrer som oppfylt",
        "Registrer som oppfylt",
        "Register as fulfilled",
    ),
    (
        "obligations.saved",
        "Registreringen er lagret.",
        "Registreringa er lagra.",
        "The registration has been saved.",
    ),
    (
        "obligations.not_placed",
        "Legen er ikke plassert i en kommune ennå; kommunen kan registrere når trekningen er gjort.",
        "Legen er ikkje plassert i ein kommune enno; kommunen kan registrere når trekkinga er gjord.",
        "The doctor has not been placed in a municipality yet; the municipality can register once the draw has been made.",
    ),
];

fn today(state: &AppState) -> Date {
    lis1_domain::calendar::to_oslo(state.now()).date()
}

/// A refused registration, shown above the list.
struct FormError {
    key: String,
    message: String,
}

fn status_color(s: lis1_domain::obligations::Status) -> &'static str {
    use lis1_domain::obligations::Status;
    match s {
        Status::Overdue => "danger",
        Status::DueSoon => "warning",
        Status::Upcoming => "neutral",
        Status::Fulfilled { late: false } => "success",
        Status::Fulfilled { late: true } => "info",
    }
}

async fn render_page(
    state: &AppState,
    v: &Visitor,
    s: &SignedIn,
    error: Option<FormError>,
    notice: bool,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let day = today(state);
    let all = uc::overview(&state.app, &s.caller(), day)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let (mut open, mut done) = (Vec::new(), Vec::new());
    for seen in &all {
        let (o, may_register) = (&seen.obligation, seen.may_register);
        let err = error
            .as_ref()
            .filter(|e| e.key == o.key)
            .map(|e| e.message.clone());
        let row = context! {
            key => o.key.clone(),
            kind => o.kind.as_str(), kind_label => o.kind.label(lang), rule => o.kind.rule(lang),
            due => fmt_date(o.due, lang), due_iso => o.due.to_string(),
            site => o.hospital_site_name.clone(),
            cohort => fmt_date(o.cohort, lang),
            course => o.course.as_ref().map(|c| c.id),
            doctor => o.course.as_ref().map(|c| c.applicant_name.clone()),
            participants => o.participants,
            municipality => o.course.as_ref().and_then(|c| c.municipality_name.clone()),
            status => o.status.as_str(), status_label => o.status.label(lang),
            color => status_color(o.status),
            fulfilled_on => o.fulfilled_on.map(|d| fmt_date(d, lang)),
            note => o.fulfilment.as_ref().and_then(|f| f.note.clone()),
            may_register => may_register,
            placed => o.municipality_id().is_some(),
            error => err,
        };
        if o.status.is_open() {
            open.push(row);
        } else {
            done.push(row);
        }
    }
    // Issue 17: doctors not ready before a start are flagged here too.
    let onboarding = crate::pages::onboarding::home_block(state, s, lang).await?;
    // Issue 13: bound positions' deadlines (the LIS3/ALIS contract, the start condition).
    let bound = crate::pages::bound::home_block(state, s, lang).await?;
    let failed = error.is_some();
    let message = error.map(|e| e.message);
    let html = crate::templates::render(
        "obligations.html",
        page(
            state,
            v,
            context! {
                open => open, done => done, today => day.to_string(),
                notice => notice.then(|| crate::i18n::t(lang, "obligations.saved")),
                message => message, onboarding => onboarding, bound => bound,
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

/// Notices on `/plikter`.
#[derive(Debug, Deserialize)]
pub struct OverviewQuery {
    #[serde(default)]
    lagret: Option<String>,
}

/// `GET /plikter`: the deadlines and obligations the user's organisations have or follow up.
pub async fn overview(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<OverviewQuery>,
) -> Result<Response, AppError> {
    let s = v.require()?;
    render_page(&state, &v, s, None, q.lagret.is_some()).await
}

/// Form: register a contract or a letter as done.
#[derive(Debug, Deserialize)]
pub struct FulfilForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    course: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    note: String,
}

/// `POST /plikter/oppfylt`: the municipality registers that a contract or an employment letter
/// is in place. A bad date or note is refused on the page, naming the rule; nothing is saved.
pub async fn register(
    State(state): State<AppState>,
    v: Visitor,
    Form(f): Form<FulfilForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let course_id: i64 = f
        .course
        .trim()
        .parse()
        .map_err(|_| AppError::not_found(lang))?;
    let kind = ObligationKind::parse(f.kind.trim()).ok_or_else(|| AppError::not_found(lang))?;
    match uc::record_fulfilment(&state.app, &s.caller(), course_id, kind, &f.date, &f.note).await {
        Ok(()) => {}
        Err(e) if e.kind == lis1_app::Kind::Invalid => {
            let error = FormError {
                key: lis1_store::obligations::course_obligation_key(course_id, kind),
                message: e.message(lang),
            };
            return render_page(&state, &v, s, Some(error), false).await;
        }
        Err(e) => return Err(AppError::app(e, lang)),
    }
    Ok(Redirect::to("/plikter?lagret=1").into_response())
}

/// Sends the reminders that are due (`lis1_app::obligations::remind`). Returns how many went out.
pub async fn remind(state: &AppState) -> Result<usize, AppError> {
    lis1_app::obligations::remind(&state.app)
        .await
        .map_err(|e| AppError::app(e, lis1_domain::Lang::Nb))
}
