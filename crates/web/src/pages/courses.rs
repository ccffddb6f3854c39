//! The hospital's view of its doctors' courses (*LIS1-løp*): leave, rotation plan and supervisor.
//!
//! `/lis1-lop` lists the courses of the sites the HF's recruiter runs; `/lis1-lop/{id}` shows one
//! course to those with a work need (the doctor, the hospital, the municipality the doctor is
//! placed in, the directorate) and, to the hospital, the forms to register leave (*permisjon*)
//! and to set the rotation plan and the personal supervisor. Registering leave notifies the
//! municipality and the doctor at once by e-mail, and moves the dates as
//! `lis1_domain::course` says. Rules: `lis1_domain::course`; storage: `lis1_store::courses`.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::civil::Date;
use lis1_app::Kind;
use lis1_app::courses::{self as uc, Detail};
use lis1_domain::Lang;
use lis1_domain::course::{LeaveKind, RotationPart, suggested_rotation};
use lis1_store::courses::Course;
use minijinja::context;
use minijinja::value::Value;
use serde::Deserialize;

use crate::auth::{SignedIn as Session, Visitor};
use crate::error::AppError;
use crate::pages::{fmt_date, fmt_time, page};
use crate::state::AppState;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    ("courses.title", "LIS1-løp", "LIS1-løp", "LIS1 courses"),
    (
        "courses.intro",
        "Legene som har takket ja til LIS1-stilling ved sykehusene deres, med datoene etter eventuell permisjon. Velg en lege for å registrere permisjon, rotasjonsplan og veileder.",
        "Legane som har takka ja til LIS1-stilling ved sjukehusa dykkar, med datoane etter eventuell permisjon. Vel ein lege for å registrere permisjon, rotasjonsplan og rettleiar.",
        "The doctors who accepted a LIS1 position at your hospitals, with the dates after any leave. Choose a doctor to register leave, the rotation plan and the supervisor.",
    ),
    (
        "courses.vacated",
        "Kommuneplasser som står ledige på grunn av permisjon",
        "Kommuneplassar som står ledige på grunn av permisjon",
        "Municipal places left empty by leave",
    ),
    (
        "courses.vacated_hint",
        "Legen beholder plassen, men begynner senere. Kan plassen gis til en annen LIS1 i perioden, gjøres det i den ordinære tildelingen: legg den til plassene for kullet (Organisasjoner → sykehuset), eller reserver den for en lege før trekningen.",
        "Legen held på plassen, men byrjar seinare. Kan plassen givast til ein annan LIS1 i perioden, blir det gjort i den ordinære tildelinga: legg han til plassane for kullet (Organisasjonar → sjukehuset), eller reserver han for ein lege før trekkinga.",
        "The doctor keeps the place but starts later. If the place can go to another LIS1 for the period, that is done in the ordinary assignment: add it to the cohort's places (Organisations → the hospital), or reserve it for a doctor before the draw.",
    ),
    (
        "courses.none",
        "Ingen LIS1-løp ennå.",
        "Ingen LIS1-løp enno.",
        "No LIS1 courses yet.",
    ),
    ("courses.doctor", "Lege", "Lege", "Doctor"),
    (
        "courses.cohort",
        "Kull (sykehusstart)",
        "Kull (sjukehusstart)",
        "Cohort (hospital start)",
    ),
    ("courses.section", "Kobling", "Kopling", "Coupling"),
    (
        "courses.hospital",
        "Sykehusdel",
        "Sjukehusdel",
        "Hospital part",
    ),
    (
        "courses.municipal",
        "Kommunedel",
        "Kommunedel",
        "Municipal part",
    ),
    ("courses.municipality", "Kommune", "Kommune", "Municipality"),
    ("courses.not_drawn", "Trekkes", "Blir trekt", "To be drawn"),
    ("courses.on_leave", "Permisjon", "Permisjon", "Leave"),
    (
        "courses.planned",
        "Opprinnelig plan",
        "Opphavleg plan",
        "As first planned",
    ),
    (
        "courses.moved",
        "Datoene er flyttet på grunn av permisjon. Legen beholder plassen; kommunedelen begynner {date}.",
        "Datoane er flytte på grunn av permisjon. Legen held på plassen; kommunedelen byrjar {date}.",
        "The dates have moved because of leave. The doctor keeps the place; the municipal part begins on {date}.",
    ),
    ("courses.leaves", "Permisjoner", "Permisjonar", "Leave"),
    ("courses.leave", "Permisjon", "Permisjon", "Leave"),
    (
        "courses.no_leave",
        "Ingen permisjon registrert.",
        "Ingen permisjon registrert.",
        "No leave registered.",
    ),
    ("courses.leave_kind", "Type", "Type", "Kind"),
    (
        "courses.leave_from",
        "Første dag",
        "Første dag",
        "First day",
    ),
    ("courses.leave_to", "Siste dag", "Siste dag", "Last day"),
    (
        "courses.leave_note",
        "Merknad (ikke diagnose)",
        "Merknad (ikkje diagnose)",
        "Note (no diagnosis)",
    ),
    (
        "courses.leave_add",
        "Registrer permisjon",
        "Registrer permisjon",
        "Register leave",
    ),
    (
        "courses.leave_hint",
        "Den delen av løpet permisjonen begynner i, forlenges med like mange dager, og alt etter flyttes. Kommunen og legen varsles med en gang på e-post.",
        "Den delen av løpet permisjonen byrjar i, blir forlengd med like mange dagar, og alt etter blir flytt. Kommunen og legen blir varsla med ein gong på e-post.",
        "The part of the course in which the leave begins is extended by as many days, and everything after it moves. The municipality and the doctor are notified at once by e-mail.",
    ),
    (
        "courses.leave_saved",
        "Permisjonen er registrert. Kommunen og legen er varslet.",
        "Permisjonen er registrert. Kommunen og legen er varsla.",
        "The leave has been registered. The municipality and the doctor have been notified.",
    ),
    (
        "courses.plan",
        "Rotasjonsplan og veileder",
        "Rotasjonsplan og rettleiar",
        "Rotation plan and supervisor",
    ),
    (
        "courses.plan_hint",
        "Sykehusdelen tas i to eller tre deler som følger hverandre uten opphold, fra første til siste dag i sykehusdelen. La den tredje delen stå tom for todelt plan.",
        "Sjukehusdelen blir teken i to eller tre delar som følgjer kvarandre utan opphald, frå første til siste dag i sjukehusdelen. La den tredje delen stå tom for todelt plan.",
        "The hospital part is served in two or three parts back to back, from its first to its last day. Leave the third part empty for a two-part plan.",
    ),
    ("courses.part", "Del", "Del", "Part"),
    ("courses.department", "Avdeling", "Avdeling", "Department"),
    ("courses.supervisor", "Veileder", "Rettleiar", "Supervisor"),
    (
        "courses.supervisor_email",
        "Veileders e-post",
        "E-posten til rettleiaren",
        "Supervisor's e-mail",
    ),
    ("courses.plan_save", "Lagre plan", "Lagre plan", "Save plan"),
    (
        "courses.plan_saved",
        "Planen er lagret.",
        "Planen er lagra.",
        "The plan has been saved.",
    ),
    (
        "courses.no_plan",
        "Ingen rotasjonsplan ennå.",
        "Ingen rotasjonsplan enno.",
        "No rotation plan yet.",
    ),
    (
        "courses.errors_title",
        "Det er feil i skjemaet",
        "Det er feil i skjemaet",
        "The form has errors",
    ),
    ("courses.resign", "Oppsigelse", "Oppseiing", "Resignation"),
    (
        "courses.resign_hint",
        "Har legen sagt opp stillingen, registrerer sykehuset det her. LIS1-løpet avsluttes, kommunen og legen varsles, og plassen lyses ut som reststilling når tilbudsrundene er over.",
        "Har legen sagt opp stillinga, registrerer sjukehuset det her. LIS1-løpet blir avslutta, kommunen og legen blir varsla, og plassen blir lyst ut som reststilling når tilbodsrundane er over.",
        "If the doctor has resigned the position, the hospital registers it here. The course ends, the municipality and the doctor are told, and the place is advertised as a rest position once the offer rounds are over.",
    ),
    (
        "courses.resign_reason",
        "Begrunnelse",
        "Grunngiving",
        "Reason",
    ),
    (
        "courses.resign_confirm",
        "Legen har sagt opp stillingen",
        "Legen har sagt opp stillinga",
        "The doctor has resigned the position",
    ),
    (
        "courses.resign_button",
        "Registrer oppsigelse",
        "Registrer oppseiing",
        "Register resignation",
    ),
    (
        "courses.resigned",
        "Oppsigelsen er registrert.",
        "Oppseiinga er registrert.",
        "The resignation has been registered.",
    ),
];

fn label(lang: Lang, key: &str) -> String {
    crate::i18n::t(lang, key)
}

/// Notices on the list.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    oppsagt: Option<String>,
}

/// `GET /lis1-lop`: the courses at the sites the recruiter runs, by site and cohort
/// (`lis1_app::courses::overview`).
pub async fn list(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let overview = uc::overview(&state.app, &s.caller())
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let sites: Vec<Value> = overview
        .iter()
        .map(|site| {
            let vacated: Vec<Value> = site
                .courses
                .iter()
                .filter_map(|c| vacancy(c, lang))
                .collect();
            let cohorts: Vec<Value> = uc::by_cohort(&site.courses)
                .into_iter()
                .map(|(start, courses)| {
                    let rows: Vec<Value> = courses.into_iter().map(|c| row(c, lang)).collect();
                    context! { label => fmt_date(start, lang), rows => rows }
                })
                .collect();
            context! { name => site.name.clone(), cohorts => cohorts, vacated => vacated }
        })
        .collect();
    crate::templates::render(
        "courses.html",
        page(
            &state,
            &v,
            context! { sites => sites, notice => q.oppsagt.map(|_| label(lang, "courses.resigned")) },
        ),
    )
}

fn row(c: &Course, lang: Lang) -> Value {
    context! {
        id => c.id, name => c.applicant_name.clone(), section => c.section.clone(),
        hospital => period(c.actual.hospital_start, c.actual.hospital_end, lang),
        municipal => period(c.actual.municipal_start, c.actual.municipal_end, lang),
        municipality => c.municipality_name.clone(),
        on_leave => c.on_leave, moved => c.actual != c.dates,
    }
}

/// The municipal place a placed doctor's leave leaves empty: from the planned municipal start to
/// the day before the moved one (002 §2.2: the hospital gives it to another LIS1 if it can).
pub fn vacancy(c: &Course, lang: Lang) -> Option<Value> {
    let municipality = c.municipality_name.clone()?;
    if c.actual.municipal_start <= c.dates.municipal_start {
        return None;
    }
    let last = c
        .actual
        .municipal_start
        .checked_sub(jiff::ToSpan::day(1))
        .ok()?;
    Some(context! {
        municipality => municipality, name => c.applicant_name.clone(),
        period => period(c.dates.municipal_start, last, lang),
        course => c.id,
    })
}

fn period(from: Date, to: Date, lang: Lang) -> String {
    // A municipality's rest position covers the municipal part only: its hospital part is empty.
    if to < from {
        return lang
            .pick3(
                "Ingen (bare kommunedelen)",
                "Ingen (berre kommunedelen)",
                "None (the municipal part only)",
            )
            .to_string();
    }
    format!("{} – {}", fmt_date(from, lang), fmt_date(to, lang))
}

/// The course as the visitor may see it (`lis1_app::courses::show`; a view by anyone but the
/// doctor is logged there).
async fn see(state: &AppState, s: &Session, id: &str, lang: Lang) -> Result<Detail, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    uc::show(&state.app, &s.caller(), id)
        .await
        .map_err(|e| AppError::app(e, lang))
}

/// Notices on the course page.
#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    lagret: Option<String>,
}

/// `GET /lis1-lop/{id}`: one course. A view by anyone but the doctor is logged.
pub async fn show(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let seen = see(&state, s, &id, lang).await?;
    let notice = match q.lagret.as_deref() {
        Some("permisjon") => Some(label(lang, "courses.leave_saved")),
        Some("plan") => Some(label(lang, "courses.plan_saved")),
        _ => None,
    };
    render(&state, &v, s, &seen, Forms::default(), notice)
}

/// The forms as typed, and their errors, so nothing is lost on a refusal.
#[derive(Debug, Default)]
struct Forms {
    leave: Option<LeaveForm>,
    plan: Option<PlanForm>,
    leave_error: Option<(String, String)>,
    plan_error: Option<String>,
    resign_error: Option<String>,
    resign_reason: Option<String>,
}

fn render(
    state: &AppState,
    v: &Visitor,
    _s: &Session,
    seen: &Detail,
    forms: Forms,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let c = &seen.course;
    let (leaves, rotation) = (&seen.leaves, &seen.rotation);
    let status = if forms.leave_error.is_some()
        || forms.plan_error.is_some()
        || forms.resign_error.is_some()
    {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    // The plan form: as typed, else the stored plan, else a suggested three-part plan.
    let plan_rows: Vec<Value> = match &forms.plan {
        Some(f) => (0..3)
            .map(|i| context! { n => i + 1, department => f.department(i), from => f.from(i), to => f.to(i) })
            .collect(),
        None => {
            let parts: Vec<(String, String, String)> = if rotation.is_empty() {
                suggested_rotation(c.actual, 3)
                    .into_iter()
                    .map(|(f, t)| (String::new(), f.to_string(), t.to_string()))
                    .collect()
            } else {
                rotation
                    .iter()
                    .map(|p| (p.department.clone(), p.from.to_string(), p.to.to_string()))
                    .collect()
            };
            (0..3)
                .map(|i| {
                    let p = parts.get(i).cloned().unwrap_or_default();
                    context! { n => i + 1, department => p.0, from => p.1, to => p.2 }
                })
                .collect()
        }
    };
    let leave_form = forms.leave.unwrap_or_default();
    let details = seen.details;
    let supervisor = forms
        .plan
        .as_ref()
        .map(|f| (f.supervisor_name.clone(), f.supervisor_email.clone()))
        .unwrap_or_else(|| {
            (
                c.supervisor_name.clone().unwrap_or_default(),
                c.supervisor_email.clone().unwrap_or_default(),
            )
        });
    let body = crate::templates::render(
        "course.html",
        page(
            state,
            v,
            context! {
                c => context! {
                    id => c.id, name => c.applicant_name.clone(), site => c.hospital_site_name.clone(),
                    section => c.section.clone(), municipality => c.municipality_name.clone(),
                    hospital => period(c.actual.hospital_start, c.actual.hospital_end, lang),
                    municipal => period(c.actual.municipal_start, c.actual.municipal_end, lang),
                    planned_hospital => period(c.dates.hospital_start, c.dates.hospital_end, lang),
                    planned_municipal => period(c.dates.municipal_start, c.dates.municipal_end, lang),
                    moved => (c.actual != c.dates).then(|| label(lang, "courses.moved").replace("{date}", &fmt_date(c.actual.municipal_start, lang))),
                    supervisor => c.supervisor_name.clone(), supervisor_email => c.supervisor_email.clone(),
                },
                // The kind and the note may be health data: only the hospital and the doctor.
                leaves => leaves.iter().map(|l| context! {
                    kind => details.then(|| l.leave.kind.label(lang)), from => fmt_date(l.leave.from, lang),
                    to => fmt_date(l.leave.to, lang), days => l.leave.days(), note => details.then(|| l.note.clone()),
                    registered => fmt_time(l.registered_at, lang),
                }).collect::<Vec<_>>(),
                rotation => rotation.iter().enumerate().map(|(i, p)| context! {
                    n => i + 1, department => p.department.clone(), period => period(p.from, p.to, lang),
                }).collect::<Vec<_>>(),
                manage => seen.manage,
                kinds => LeaveKind::ALL.iter().map(|k| context! { value => k.as_str(), label => k.label(lang) }).collect::<Vec<_>>(),
                leave_form => context! { kind => leave_form.kind, from => leave_form.from, to => leave_form.to, note => leave_form.note },
                leave_error => forms.leave_error.as_ref().map(|(field, message)| context! { field => field, message => message }),
                plan_rows => plan_rows,
                plan_error => forms.plan_error,
                resign_error => forms.resign_error,
                resign_reason => forms.resign_reason.unwrap_or_default(),
                supervisor_name => supervisor.0, supervisor_email => supervisor.1,
                notice => notice,
            },
        ),
    )?;
    Ok((status, body).into_response())
}

/// Form: register leave.
#[derive(Debug, Default, Deserialize)]
pub struct LeaveForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    note: String,
}

/// `POST /lis1-lop/{id}/permisjon`: registers leave, moves the dates, notifies the municipality
/// and the doctor (`lis1_app::courses::add_leave`).
pub async fn add_leave(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<LeaveForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let course: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let input = uc::LeaveInput {
        kind: f.kind.clone(),
        from: f.from.clone(),
        to: f.to.clone(),
        note: f.note.clone(),
    };
    match uc::add_leave(&state.app, &s.caller(), course, &input).await {
        Ok(c) => Ok(Redirect::to(&format!("/lis1-lop/{}?lagret=permisjon", c.id)).into_response()),
        Err(e) if e.kind == Kind::Invalid => {
            let seen = see(&state, s, &id, lang).await?;
            let field = e
                .fields
                .first()
                .map(|(f, _)| format!("leave-{f}"))
                .unwrap_or_else(|| "leave-from".into());
            let forms = Forms {
                leave_error: Some((field, e.message(lang))),
                leave: Some(f),
                ..Forms::default()
            };
            render(&state, &v, s, &seen, forms, None)
        }
        Err(e) => Err(AppError::app(e, lang)),
    }
}

/// Form: the rotation plan (three rows; an empty third row means a two-part plan) and the
/// supervisor.
#[derive(Debug, Default, Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    department1: String,
    #[serde(default)]
    from1: String,
    #[serde(default)]
    to1: String,
    #[serde(default)]
    department2: String,
    #[serde(default)]
    from2: String,
    #[serde(default)]
    to2: String,
    #[serde(default)]
    department3: String,
    #[serde(default)]
    from3: String,
    #[serde(default)]
    to3: String,
    #[serde(default)]
    supervisor_name: String,
    #[serde(default)]
    supervisor_email: String,
}

impl PlanForm {
    fn department(&self, i: usize) -> &str {
        [&self.department1, &self.department2, &self.department3][i]
    }
    fn from(&self, i: usize) -> &str {
        [&self.from1, &self.from2, &self.from3][i]
    }
    fn to(&self, i: usize) -> &str {
        [&self.to1, &self.to2, &self.to3][i]
    }
}

/// `POST /lis1-lop/{id}/plan`: sets the rotation plan and the supervisor
/// (`lis1_app::courses::set_plan`).
pub async fn set_plan(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<PlanForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let course: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let mut parts = Vec::new();
    let mut error = None;
    for i in 0..3 {
        let (d, from, to) = (f.department(i).trim(), f.from(i).trim(), f.to(i).trim());
        if d.is_empty() && from.is_empty() && to.is_empty() {
            continue;
        }
        match (from.parse::<Date>(), to.parse::<Date>()) {
            (Ok(from), Ok(to)) => parts.push(RotationPart {
                department: d.to_string(),
                from,
                to,
            }),
            _ => {
                error = Some(match lang {
                    Lang::Nb => format!("Del {}: skriv datoene som åååå-mm-dd.", i + 1),
                    Lang::Nn => format!("Del {}: skriv datoane som åååå-mm-dd.", i + 1),
                    Lang::En => format!("Part {}: give the dates as yyyy-mm-dd.", i + 1),
                });
                break;
            }
        }
    }
    if error.is_some() {
        let seen = see(&state, s, &id, lang).await?;
        if !seen.manage {
            return Err(AppError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                lang.pick3(
                    "Bare sykehuset kan sette rotasjonsplanen.",
                    "Berre sjukehuset kan setje rotasjonsplanen.",
                    "Only the hospital can set the rotation plan.",
                ),
            )
            .in_lang(lang));
        }
        // A name or e-mail too long is said rather than the dates.
        if let Some(e) = uc::check_supervisor(&f.supervisor_name, &f.supervisor_email)
            && e.code() == "supervisor_too_long"
        {
            error = Some(e.message(lang));
        }
        let forms = Forms {
            plan_error: error,
            plan: Some(f),
            ..Forms::default()
        };
        return render(&state, &v, s, &seen, forms, None);
    }
    let input = uc::PlanInput {
        parts,
        supervisor_name: f.supervisor_name.clone(),
        supervisor_email: f.supervisor_email.clone(),
    };
    let error = match uc::set_plan(&state.app, &s.caller(), course, &input, None).await {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/lis1-lop/{course}?lagret=plan")).into_response());
        }
        Err(e) if e.kind == Kind::Invalid => e.message(lang),
        Err(e) => return Err(AppError::app(e, lang)),
    };
    let seen = see(&state, s, &id, lang).await?;
    let forms = Forms {
        plan_error: Some(error),
        plan: Some(f),
        ..Forms::default()
    };
    render(&state, &v, s, &seen, forms, None)
}

/// Form: register a resignation.
#[derive(Debug, Default, Deserialize)]
pub struct ResignForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    bekreft: String,
}

/// `POST /lis1-lop/{id}/oppsigelse`: the doctor has resigned (`lis1_app::courses::resign`). The
/// course ends; the place becomes a rest position for its employer when the offer rounds are
/// over; the municipality and the doctor are told.
pub async fn resign(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<ResignForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let course: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let c = uc::to_resign(&state.app, &s.caller(), course)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let refused = |seen: &Detail| {
        let forms = Forms {
            resign_error: Some(
                lang.pick3(
                    "Skriv en kort begrunnelse (høyst 500 tegn) og kryss av for at legen har sagt opp.", "Skriv ei kort grunngiving (høgst 500 teikn) og kryss av for at legen har sagt opp.",
                    "Give a short reason (at most 500 characters) and tick that the doctor has resigned.",
                )
                .to_string(),
            ),
            resign_reason: Some(f.reason.clone()),
            ..Forms::default()
        };
        render(&state, &v, s, seen, forms, None)
    };
    if f.confirm != "ja" || f.reason.trim().is_empty() || f.reason.chars().count() > 500 {
        let seen = see(&state, s, &id, lang).await?;
        return refused(&seen);
    }
    if !crate::pages::confirm::confirmed(&f.bekreft) {
        let (name, site) = (&c.applicant_name, &c.hospital_site_name);
        return crate::pages::confirm::page_for(
            &state,
            &v,
            crate::pages::confirm::Confirm {
                title: lang.pick3(
                    format!("Registrer at {name} har sagt opp"),
                    format!("Registrer at {name} har sagt opp"),
                    format!("Register that {name} has resigned"),
                ),
                what: lang.pick3(
                    format!("LIS1-løpet ved {site} avsluttes i dag. Legen og kommunen får e-post, og plassen går til neste på innstillingen eller lyses ut som reststilling."),
                    format!("LIS1-løpet ved {site} blir avslutta i dag. Legen og kommunen får e-post, og plassen går til den neste på innstillinga eller blir lyst ut som reststilling."),
                    format!("The LIS1 course at {site} ends today. The doctor and the municipality are e-mailed, and the place goes to the next on the recommendation or is advertised as a remaining position."),
                ),
                irreversible: lang
                    .pick3(
                        "Et avsluttet LIS1-løp kan ikke åpnes igjen, og e-postene kan ikke kalles tilbake.",
                        "Eit avslutta LIS1-løp kan ikkje opnast att, og e-postane kan ikkje kallast tilbake.",
                        "An ended LIS1 course cannot be reopened, and the e-mails cannot be recalled.",
                    )
                    .into(),
                action: format!("/lis1-lop/{}/oppsigelse", c.id),
                fields: vec![
                    ("reason".into(), f.reason.clone()),
                    ("confirm".into(), f.confirm.clone()),
                ],
                back: format!("/lis1-lop/{}", c.id),
                button: lang
                    .pick3("Registrer oppsigelse", "Registrer oppseiing", "Register resignation")
                    .into(),
            },
        );
    }
    let done = match uc::resign(&state.app, &s.caller(), c.id, &f.reason).await {
        Ok(done) => done,
        Err(e) if e.kind == Kind::Invalid => {
            let seen = see(&state, s, &id, lang).await?;
            return refused(&seen);
        }
        Err(e) => return Err(AppError::app(e, lang)),
    };
    let to = match done.rest_positions.first() {
        Some(r) => format!("/reststillinger/{r}"),
        None => "/lis1-lop?oppsagt=1".to_string(),
    };
    Ok(Redirect::to(&to).into_response())
}
