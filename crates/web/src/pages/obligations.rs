//! Deadlines and obligations (*frister og plikter*) at `/plikter`: the municipality's contract
//! with the doctor (002 §2.1), its employment letter (000 §6.2.4) and the HF's lottery
//! (002 §2.1), each with its deadline and status, for the organisations concerned. The
//! municipality registers a contract or a letter as done at `POST /plikter/oppfylt`.
//!
//! [`remind`] runs in the background job (`crate::spawn_housekeeping`): it mails the responsible
//! organisation's users once when an obligation becomes due soon and once when it becomes
//! overdue; the store records each reminder with its mails, so a restart sends nothing twice.
//!
//! Rules: `lis1_domain::obligations`; storage: `lis1_store::obligations`; access:
//! `lis1_domain::access` (`ViewDeadlines`, `ViewObligation`, `RegisterFulfilment`).

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use lis1_domain::access::{Action, OrgPath, Role, authorize};
use lis1_domain::obligations::{ObligationKind, Reminder, check_fulfilment};
use lis1_domain::{Lang, Localized};
use lis1_store::audit::Event;
use lis1_store::obligations::{NewFulfilment, NewReminder, Obligation, course_starts};
use lis1_store::outbox::NewMail;
use lis1_store::{Actor, Ctx, Store, StoreError};
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

fn store_err(lang: Lang) -> impl Fn(StoreError) -> AppError {
    move |e| AppError::store(e, lang)
}

fn today(state: &AppState) -> Date {
    lis1_domain::calendar::to_oslo(state.now()).date()
}

/// Organisation paths, each read once per request.
#[derive(Default)]
pub(crate) struct Paths(HashMap<i64, OrgPath>);

impl Paths {
    /// The organisation and its ancestors.
    pub(crate) async fn of(&mut self, store: &Store, org: i64) -> Result<OrgPath, StoreError> {
        if let Some(p) = self.0.get(&org) {
            return Ok(p.clone());
        }
        let p = store.org_path(org).await?;
        self.0.insert(org, p.clone());
        Ok(p)
    }

    /// The municipalities of a site's cooperation area, each with its ancestors.
    pub(crate) async fn area(
        &mut self,
        store: &Store,
        site: i64,
    ) -> Result<Vec<OrgPath>, StoreError> {
        let mut out = Vec::new();
        for m in store.area(site).await? {
            out.push(self.of(store, m.municipality_id).await?);
        }
        Ok(out)
    }
}

/// The municipalities an obligation concerns: the course's municipality, or for the lottery the
/// site's cooperation area.
async fn concerned(
    store: &Store,
    paths: &mut Paths,
    areas: &mut HashMap<i64, Vec<OrgPath>>,
    o: &Obligation,
) -> Result<Vec<OrgPath>, StoreError> {
    if o.kind == ObligationKind::Lottery {
        if let Some(a) = areas.get(&o.hospital_site_id) {
            return Ok(a.clone());
        }
        let a = paths.area(store, o.hospital_site_id).await?;
        areas.insert(o.hospital_site_id, a.clone());
        return Ok(a);
    }
    match o.municipality_id() {
        Some(m) => Ok(vec![paths.of(store, m).await?]),
        None => Ok(Vec::new()),
    }
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
    let grant = authorize(&s.principal, &Action::ViewDeadlines)
        .map_err(|d| AppError::domain(StatusCode::FORBIDDEN, &d, lang))?;
    let day = today(state);
    let all = state
        .store
        .obligations(day)
        .await
        .map_err(store_err(lang))?;
    let mut paths = Paths::default();
    let mut areas = HashMap::new();
    let (mut open, mut done, mut seen) = (Vec::new(), Vec::new(), Vec::new());
    for o in &all {
        let site = paths
            .of(&state.store, o.hospital_site_id)
            .await
            .map_err(store_err(lang))?;
        let munis = concerned(&state.store, &mut paths, &mut areas, o)
            .await
            .map_err(store_err(lang))?;
        let see = Action::ViewObligation {
            site: &site,
            municipalities: &munis,
        };
        if authorize(&s.principal, &see).is_err() {
            continue;
        }
        let may_register = o.kind.is_registered()
            && o.status.is_open()
            && munis.first().is_some_and(|m| {
                authorize(
                    &s.principal,
                    &Action::RegisterFulfilment { municipality: m },
                )
                .is_ok()
            });
        if let Some(c) = &o.course {
            seen.push(c.id);
        }
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
    // The doctors' names are personal data: the read is logged.
    let ctx = Ctx::new(Actor::user(s.user.id, grant), state.now());
    state
        .store
        .log(
            &ctx,
            Event {
                action: "obligations.view",
                object_type: "courses",
                object_id: String::new(),
                summary: serde_json::json!({"courses": seen}),
            },
        )
        .await
        .map_err(store_err(lang))?;
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
    let course = state
        .store
        .course(course_id)
        .await
        .map_err(store_err(lang))?;
    // Whoever may not even see this course's obligations learns nothing about it — not whether
    // it exists or is placed: the same 404 as for a course that does not exist.
    let site_path = state
        .store
        .org_path(course.hospital_site_id)
        .await
        .map_err(store_err(lang))?;
    let muni_path = match course.municipality_id {
        Some(m) => Some(state.store.org_path(m).await.map_err(store_err(lang))?),
        None => None,
    };
    let may_view = authorize(
        &s.principal,
        &Action::ViewObligation {
            site: &site_path,
            municipalities: muni_path.as_slice(),
        },
    )
    .is_ok();
    let Some(muni_path) = muni_path else {
        if !may_view {
            return Err(AppError::not_found(lang));
        }
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "obligation_not_placed",
            crate::i18n::t(lang, "obligations.not_placed"),
        )
        .in_lang(lang));
    };
    let grant = authorize(
        &s.principal,
        &Action::RegisterFulfilment {
            municipality: &muni_path,
        },
    )
    .map_err(|d| {
        if may_view {
            AppError::domain(StatusCode::FORBIDDEN, &d, lang)
        } else {
            AppError::not_found(lang)
        }
    })?;
    let key = lis1_store::obligations::course_obligation_key(course_id, kind);
    let refuse = |message: String| FormError {
        key: key.clone(),
        message,
    };
    let on: Date = match f.date.trim().parse() {
        Ok(d) => d,
        Err(_) => {
            let message = lang
                .pick(
                    "Skriv datoen som åååå-mm-dd, for eksempel 2028-05-20.",
                    "Write the date as yyyy-mm-dd, for example 2028-05-20.",
                )
                .to_string();
            return render_page(&state, &v, s, Some(refuse(message)), false).await;
        }
    };
    let note = f.note.trim();
    if let Err(e) = check_fulfilment(kind, on, today(&state), course_starts(&course), note) {
        return render_page(&state, &v, s, Some(refuse(e.message(lang))), false).await;
    }
    let ctx = Ctx::new(Actor::user(s.user.id, grant), state.now());
    state
        .store
        .record_fulfilment(
            &ctx,
            &NewFulfilment {
                course_id,
                kind,
                fulfilled_on: on,
                note,
            },
        )
        .await
        .map_err(store_err(lang))?;
    Ok(Redirect::to("/plikter?lagret=1").into_response())
}

/// The people to remind of an obligation: the municipality's users for a contract or a letter
/// (none before the doctor is placed), the site's HF recruiters for the lottery.
async fn recipients(
    store: &Store,
    paths: &mut Paths,
    o: &Obligation,
) -> Result<Vec<(String, String)>, StoreError> {
    let (orgs, role) = if o.kind == ObligationKind::Lottery {
        (
            paths.of(store, o.hospital_site_id).await?.0,
            Role::HfRecruiter,
        )
    } else {
        match o.municipality_id() {
            Some(m) => (vec![m], Role::Municipality),
            None => return Ok(Vec::new()),
        }
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for org in &orgs {
        for u in store.users(Some(*org)).await? {
            let holds = u
                .grants
                .iter()
                .any(|g| g.role == role && orgs.contains(&g.org));
            if holds && !u.disabled && !out.iter().any(|(e, _)| *e == u.email) {
                out.push((u.email, u.display_name));
            }
        }
    }
    Ok(out)
}

fn reminder_text(o: &Obligation, stage: Reminder) -> (String, String) {
    let lang = Lang::Nb;
    let due = fmt_date(o.due, lang);
    let what = match (&o.course, o.kind) {
        (Some(c), _) => format!(
            "{} for LIS1-legen {} ({}, kommunestart {})",
            o.kind.label(lang).to_lowercase(),
            c.applicant_name,
            o.hospital_site_name,
            fmt_date(c.actual.municipal_start, lang)
        ),
        (None, _) => format!(
            "trekning av kommuneplass for {} ({} leger med kommunestart {})",
            o.hospital_site_name,
            o.participants,
            fmt_date(o.cohort, lang)
        ),
    };
    let (subject, lead) = match stage {
        Reminder::DueSoon => (
            format!("Frist {due}: {}", o.kind.label(lang)),
            format!("Fristen for {what} er {due}."),
        ),
        Reminder::Overdue => (
            format!("Frist passert {due}: {}", o.kind.label(lang)),
            format!("Fristen for {what} var {due}, og plikten er ikke registrert som oppfylt."),
        ),
    };
    let how = if o.kind.is_registered() {
        format!(
            "Når den er oppfylt, registrerer kommunen det under «Frister og plikter» i LIS1-portalen: {}",
            lis1_app::notify::link("/plikter")
        )
    } else {
        format!(
            "Trekningen gjøres under «Trekning» i LIS1-portalen: {}",
            lis1_app::notify::link("/trekning")
        )
    };
    let body = format!("{lead}\n{}\n\n{how}", o.kind.rule(lang));
    (subject, body)
}

/// Sends the reminders that are due: once when an obligation becomes due soon, once when it
/// becomes overdue (per deadline, so a deadline moved by leave is reminded of again). Returns
/// how many reminders went out.
pub async fn remind(state: &AppState) -> Result<usize, AppError> {
    let lang = Lang::Nb;
    let ctx = Ctx::new(Actor::system(), state.now());
    let all = state
        .store
        .obligations(today(state))
        .await
        .map_err(store_err(lang))?;
    let done = state
        .store
        .sent_reminders()
        .await
        .map_err(store_err(lang))?;
    let mut paths = Paths::default();
    let mut sent = 0;
    for o in &all {
        let Some(stage) = o.status.reminder() else {
            continue;
        };
        if done.contains(&(o.key.clone(), stage, o.due)) {
            continue;
        }
        let to = recipients(&state.store, &mut paths, o)
            .await
            .map_err(store_err(lang))?;
        if to.is_empty() {
            // Nobody to tell yet (not placed, or no account): try again on a later run.
            continue;
        }
        let (subject, body) = reminder_text(o, stage);
        let mails: Vec<NewMail> = to
            .into_iter()
            .map(|(address, name)| NewMail {
                to_address: address,
                body_text: crate::notify::text(&name, &body),
                to_name: Some(name),
                subject: subject.clone(),
                kind: format!("obligation_{}", stage.as_str()),
                object_type: "obligation".into(),
                object_id: o.key.clone(),
            })
            .collect();
        let reminder = NewReminder {
            obligation: &o.key,
            stage,
            due_on: o.due,
        };
        if state
            .store
            .record_reminder(&ctx, &reminder, &mails)
            .await
            .map_err(store_err(lang))?
        {
            sent += 1;
        }
    }
    Ok(sent)
}
