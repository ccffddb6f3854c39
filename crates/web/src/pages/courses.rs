//! The hospital's view of its doctors' courses (*LIS1-løp*): leave, rotation plan and supervisor.
//!
//! `/lis1-lop` lists the courses of the sites the HF's recruiter runs; `/lis1-lop/{id}` shows one
//! course to those with a work need (the doctor, the hospital, the municipality the doctor is
//! placed in, the directorate) and, to the hospital, the forms to register leave (*permisjon*)
//! and to set the rotation plan and the personal supervisor. Registering leave notifies the
//! municipality and the doctor at once by e-mail, and moves the dates as
//! `lis1_domain::course` says. Rules: `lis1_domain::course`; storage: `lis1_store::courses`.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::civil::Date;
use lis1_domain::access::{Action, Grant, Role, authorize};
use lis1_domain::course::{Leave, LeaveKind, RotationPart, suggested_rotation};
use lis1_domain::org::OrgKind;
use lis1_domain::{Lang, Localized};
use lis1_store::audit::Event;
use lis1_store::courses::{Course, CourseDates, CoursePlan, CourseStoreError};
use lis1_store::outbox::NewMail;
use lis1_store::{Actor, Ctx, StoreError};
use minijinja::context;
use minijinja::value::Value;
use serde::Deserialize;

use crate::auth::{SignedIn as Session, Visitor};
use crate::error::AppError;
use crate::notify;
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

fn store_err(lang: Lang) -> impl Fn(StoreError) -> AppError {
    move |e| AppError::store(e, lang)
}

fn label(lang: Lang, key: &str) -> String {
    crate::i18n::t(lang, key)
}

/// Notices on the list.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    oppsagt: Option<String>,
}

/// `GET /lis1-lop`: the courses at the sites the recruiter runs, by site and cohort.
pub async fn list(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let mut sites = Vec::new();
    let mut denied = None;
    let mut grant = None;
    let mut shown: Vec<i64> = Vec::new();
    let orgs = state.store.orgs().await.map_err(store_err(lang))?;
    for site in orgs.iter().filter(|o| o.kind == OrgKind::HospitalSite) {
        let path = state
            .store
            .org_path(site.id)
            .await
            .map_err(store_err(lang))?;
        match authorize(&s.principal, &Action::ManageCourse { site: &path }) {
            Ok(g) => {
                grant.get_or_insert(g);
            }
            Err(d) => {
                denied = Some(d);
                continue;
            }
        }
        let mut by_cohort: BTreeMap<Date, Vec<Value>> = BTreeMap::new();
        let mut vacated = Vec::new();
        for cohort in state
            .store
            .course_cohorts(site.id)
            .await
            .map_err(store_err(lang))?
        {
            for c in state
                .store
                .courses_for_cohort(site.id, cohort)
                .await
                .map_err(store_err(lang))?
            {
                shown.push(c.id);
                by_cohort
                    .entry(c.dates.hospital_start)
                    .or_default()
                    .push(row(&c, lang));
                if let Some(v) = vacancy(&c, lang) {
                    vacated.push(v);
                }
            }
        }
        let cohorts: Vec<Value> = by_cohort
            .into_iter()
            .rev()
            .map(|(start, rows)| context! { label => fmt_date(start, lang), rows => rows })
            .collect();
        sites.push(context! { name => site.name.clone(), cohorts => cohorts, vacated => vacated });
    }
    if sites.is_empty()
        && let Some(d) = denied
    {
        return Err(AppError::domain(StatusCode::FORBIDDEN, &d, lang));
    }
    // The list names the doctors: the read is logged, with the courses shown.
    if let Some(grant) = grant {
        let ctx = Ctx::new(Actor::user(s.user.id, grant), state.now());
        state
            .store
            .log(
                &ctx,
                Event {
                    action: "courses.list",
                    object_type: "courses",
                    object_id: String::new(),
                    summary: serde_json::json!({"courses": shown}),
                },
            )
            .await
            .map_err(store_err(lang))?;
    }
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

/// A course and the visitor's right to see it (and, maybe, to change it).
struct Seen {
    course: Course,
    view: Grant,
    manage: Option<Grant>,
}

async fn see(state: &AppState, s: &Session, id: &str, lang: Lang) -> Result<Seen, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let course = state.store.course(id).await.map_err(store_err(lang))?;
    let site = state
        .store
        .org_path(course.hospital_site_id)
        .await
        .map_err(store_err(lang))?;
    let muni = match course.municipality_id {
        Some(m) => Some(state.store.org_path(m).await.map_err(store_err(lang))?),
        None => None,
    };
    let view = authorize(
        &s.principal,
        &Action::ViewCourse {
            doctor: course.applicant_id,
            site: &site,
            municipality: muni.as_ref(),
        },
    )
    // Someone without a work need learns nothing, not even that the course exists.
    .map_err(|_| AppError::not_found(lang))?;
    let manage = authorize(&s.principal, &Action::ManageCourse { site: &site }).ok();
    Ok(Seen {
        course,
        view,
        manage,
    })
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
    render(&state, &v, s, &seen, Forms::default(), notice).await
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

async fn render(
    state: &AppState,
    v: &Visitor,
    s: &Session,
    seen: &Seen,
    forms: Forms,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let c = &seen.course;
    if c.applicant_id != s.user.id {
        let ctx = Ctx::new(Actor::user(s.user.id, seen.view), state.now());
        state
            .store
            .log(
                &ctx,
                Event {
                    action: "course.view",
                    object_type: "course",
                    object_id: c.id.to_string(),
                    summary: serde_json::json!({"applicant_id": c.applicant_id}),
                },
            )
            .await
            .map_err(store_err(lang))?;
    }
    let leaves = state
        .store
        .course_leaves(c.id)
        .await
        .map_err(store_err(lang))?;
    let rotation = state
        .store
        .course_rotation(c.id)
        .await
        .map_err(store_err(lang))?;
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
    let details = seen.manage.is_some() || c.applicant_id == s.user.id;
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
                manage => seen.manage.is_some(),
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
/// and the doctor.
pub async fn add_leave(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<LeaveForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let seen = see(&state, s, &id, lang).await?;
    let Some(grant) = seen.manage else {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            lang.pick3(
                "Bare sykehuset kan registrere permisjon.",
                "Berre sjukehuset kan registrere permisjon.",
                "Only the hospital can register leave.",
            ),
        )
        .in_lang(lang));
    };
    let field_error = |field: &str, nb: &str, nn: &str, en: &str| {
        (field.to_string(), lang.pick3(nb, nn, en).to_string())
    };
    let parsed = (|| {
        let Some(kind) = LeaveKind::parse(&f.kind) else {
            return Err(field_error(
                "leave-kind",
                "Velg type permisjon.",
                "Vel type permisjon.",
                "Choose the kind of leave.",
            ));
        };
        let Ok(from) = f.from.trim().parse::<Date>() else {
            return Err(field_error(
                "leave-from",
                "Skriv første dag som en dato (åååå-mm-dd).",
                "Skriv første dag som ein dato (åååå-mm-dd).",
                "Give the first day as a date (yyyy-mm-dd).",
            ));
        };
        let Ok(to) = f.to.trim().parse::<Date>() else {
            return Err(field_error(
                "leave-to",
                "Skriv siste dag som en dato (åååå-mm-dd).",
                "Skriv siste dag som ein dato (åååå-mm-dd).",
                "Give the last day as a date (yyyy-mm-dd).",
            ));
        };
        if f.note.chars().count() > 500 {
            return Err(field_error(
                "leave-note",
                "Merknaden kan være høyst 500 tegn.",
                "Merknaden kan vere høgst 500 teikn.",
                "The note can be at most 500 characters.",
            ));
        }
        Ok(Leave { kind, from, to })
    })();
    let leave = match parsed {
        Ok(l) => l,
        Err(error) => {
            let forms = Forms {
                leave_error: Some(error),
                leave: Some(f),
                ..Forms::default()
            };
            return render(&state, &v, s, &seen, forms, None).await;
        }
    };
    let ctx = Ctx::new(Actor::user(s.user.id, grant), state.now());
    // Who is told is known now; what they are told (the moved dates) only inside the store's
    // transaction, which queues the mails with the leave.
    let municipality = match seen.course.municipality_id {
        Some(m) => notify::role_holders(&state, m, Role::Municipality).await,
        None => Vec::new(),
    };
    let doctor = state
        .store
        .user(seen.course.applicant_id)
        .await
        .map_err(store_err(lang))?;
    let doctor = notify::Recipient::from(doctor);
    let notices =
        |actual: &CourseDates| leave_mails(&seen.course, &leave, actual, &municipality, &doctor);
    let course = match state
        .store
        .add_leave(&ctx, seen.course.id, &leave, &f.note, notices)
        .await
    {
        Ok(c) => c,
        Err(CourseStoreError::Rule(rule)) => {
            let forms = Forms {
                leave_error: Some(("leave-from".into(), rule.message(lang))),
                leave: Some(f),
                ..Forms::default()
            };
            return render(&state, &v, s, &seen, forms, None).await;
        }
        Err(CourseStoreError::Store(e)) => return Err(AppError::store(e, lang)),
    };
    Ok(Redirect::to(&format!("/lis1-lop/{}?lagret=permisjon", course.id)).into_response())
}

/// The mails about registered leave: to the municipality's accounts (if the doctor is placed)
/// the moved dates only — the kind of leave may be health data — and to the doctor the kind too.
fn leave_mails(
    c: &Course,
    leave: &Leave,
    actual: &CourseDates,
    municipality: &[notify::Recipient],
    doctor: &notify::Recipient,
) -> Vec<NewMail> {
    let dates = |lang: Lang| {
        let (start, end, planned) = (
            fmt_date(actual.municipal_start, lang),
            fmt_date(actual.municipal_end, lang),
            fmt_date(c.dates.municipal_start, lang),
        );
        match lang {
            Lang::Nb => format!(
                "Legen beholder plassen. Kommunedelen begynner nå {start} og varer til {end} \
                 (opprinnelig {planned})."
            ),
            Lang::Nn => format!(
                "Legen held på plassen. Kommunedelen byrjar no {start} og varer til {end} \
                 (opphavleg {planned})."
            ),
            Lang::En => format!(
                "The doctor keeps the place. The municipal part now starts {start} and lasts until \
                 {end} (originally {planned})."
            ),
        }
    };
    let name = &c.applicant_name;
    let mail = |r: &notify::Recipient, body: &str| NewMail {
        to_address: r.email.clone(),
        to_name: Some(r.name.clone()),
        subject: match r.lang {
            Lang::Nb => format!("Permisjon i LIS1-løpet: {name}"),
            Lang::Nn => format!("Permisjon i LIS1-løpet: {name}"),
            Lang::En => format!("Leave in the LIS1 training: {name}"),
        },
        body_text: notify::text(&r.name, body, r.lang),
        kind: "course_leave".into(),
        object_type: "course".into(),
        object_id: c.id.to_string(),
    };
    let to_municipality = |lang: Lang| {
        let (from, to, dates) = (
            fmt_date(leave.from, lang),
            fmt_date(leave.to, lang),
            dates(lang),
        );
        match lang {
            Lang::Nb => format!(
                "Sykehuset har registrert permisjon for {name} fra {from} til {to}.\n\n{dates}"
            ),
            Lang::Nn => format!(
                "Sjukehuset har registrert permisjon for {name} frå {from} til {to}.\n\n{dates}"
            ),
            Lang::En => format!(
                "The hospital has registered leave for {name} from {from} to {to}.\n\n{dates}"
            ),
        }
    };
    let mut out: Vec<NewMail> = municipality
        .iter()
        .map(|r| mail(r, &to_municipality(r.lang)))
        .collect();
    let to_doctor = {
        let lang = doctor.lang;
        let kind = leave.kind.label(lang).to_lowercase();
        let (from, to, dates) = (
            fmt_date(leave.from, lang),
            fmt_date(leave.to, lang),
            dates(lang),
        );
        match lang {
            Lang::Nb => {
                format!("Sykehuset har registrert {kind} for deg fra {from} til {to}.\n\n{dates}")
            }
            Lang::Nn => {
                format!("Sjukehuset har registrert {kind} for deg frå {from} til {to}.\n\n{dates}")
            }
            Lang::En => format!(
                "The hospital has registered {kind} for you from {from} to {to}.\n\n{dates}"
            ),
        }
    };
    out.push(mail(doctor, &to_doctor));
    out
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

/// `POST /lis1-lop/{id}/plan`: sets the rotation plan and the supervisor.
pub async fn set_plan(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<PlanForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let seen = see(&state, s, &id, lang).await?;
    let Some(grant) = seen.manage else {
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
    };
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
    let email = f.supervisor_email.trim();
    if error.is_none() && !email.is_empty() && !email.contains('@') {
        error = Some(
            lang.pick3(
                "Veileders e-post må være en e-postadresse.",
                "E-posten til rettleiaren må vere ei e-postadresse.",
                "The supervisor's e-mail must be an e-mail address.",
            )
            .to_string(),
        );
    }
    if f.supervisor_name.chars().count() > 200 || email.chars().count() > 200 {
        error = Some(
            lang.pick3(
                "Navn og e-post kan være høyst 200 tegn.",
                "Namn og e-post kan vere høgst 200 teikn.",
                "Name and e-mail can be at most 200 characters.",
            )
            .to_string(),
        );
    }
    if error.is_none() {
        let plan = CoursePlan {
            parts,
            supervisor_name: f.supervisor_name.clone(),
            supervisor_email: email.to_string(),
        };
        let ctx = Ctx::new(Actor::user(s.user.id, grant), state.now());
        match state
            .store
            .set_course_plan(&ctx, seen.course.id, &plan)
            .await
        {
            Ok(()) => {
                return Ok(
                    Redirect::to(&format!("/lis1-lop/{}?lagret=plan", seen.course.id))
                        .into_response(),
                );
            }
            Err(CourseStoreError::Rule(rule)) => error = Some(rule.message(lang)),
            Err(CourseStoreError::Store(e)) => return Err(AppError::store(e, lang)),
        }
    }
    let forms = Forms {
        plan_error: error,
        plan: Some(f),
        ..Forms::default()
    };
    render(&state, &v, s, &seen, forms, None).await
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

/// `POST /lis1-lop/{id}/oppsigelse`: the doctor has resigned. The course ends; the place becomes
/// a rest position for its employer when the offer rounds are over (`pages::rest::on_resigned`);
/// the municipality and the doctor are told.
pub async fn resign(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<ResignForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let seen = see(&state, s, &id, lang).await?;
    let Some(grant) = seen.manage else {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            lang.pick3(
                "Bare sykehuset kan registrere oppsigelse.",
                "Berre sjukehuset kan registrere oppseiing.",
                "Only the hospital can register a resignation.",
            ),
        )
        .in_lang(lang));
    };
    if f.confirm != "ja" || f.reason.trim().is_empty() || f.reason.chars().count() > 500 {
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
        return render(&state, &v, s, &seen, forms, None).await;
    }
    if !crate::pages::confirm::confirmed(&f.bekreft) {
        let (name, site) = (&seen.course.applicant_name, &seen.course.hospital_site_name);
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
                action: format!("/lis1-lop/{}/oppsigelse", seen.course.id),
                fields: vec![
                    ("reason".into(), f.reason.clone()),
                    ("confirm".into(), f.confirm.clone()),
                ],
                back: format!("/lis1-lop/{}", seen.course.id),
                button: lang
                    .pick3("Registrer oppsigelse", "Registrer oppseiing", "Register resignation")
                    .into(),
            },
        );
    }
    let ctx = Ctx::new(Actor::user(s.user.id, grant), state.now());
    let c = &seen.course;
    // The doctor and the municipality are told in the resignation's own transaction; the rest
    // position follows (and is caught up by the background job if the process stops here).
    let (name, site) = (&c.applicant_name, &c.hospital_site_name);
    let body = |lang: Lang| match lang {
        Lang::Nb => format!(
            "Sykehuset har registrert at {name} har sagt opp LIS1-stillingen ved {site}. Plassen går \
             til neste på innstillingen, eller lyses ut som reststilling når tilbudsrundene er over."
        ),
        Lang::Nn => format!(
            "Sjukehuset har registrert at {name} har sagt opp LIS1-stillinga ved {site}. Plassen går \
             til den neste på innstillinga, eller blir lyst ut som reststilling når tilbodsrundane er over."
        ),
        Lang::En => format!(
            "The hospital has registered that {name} has resigned the LIS1 position at {site}. The \
             place goes to the next on the recommendation, or is advertised as a remaining position \
             when the offer rounds are over."
        ),
    };
    let mut recipients = match c.municipality_id {
        Some(muni) => notify::role_holders(&state, muni, Role::Municipality).await,
        None => Vec::new(),
    };
    let doctor = state
        .store
        .user(c.applicant_id)
        .await
        .map_err(store_err(lang))?;
    recipients.push(doctor.into());
    let mails: Vec<NewMail> = recipients
        .iter()
        .map(|r| NewMail {
            to_address: r.email.clone(),
            to_name: Some(r.name.clone()),
            subject: match r.lang {
                Lang::Nb => format!("Oppsigelse av LIS1-stilling: {name}"),
                Lang::Nn => format!("Oppseiing av LIS1-stilling: {name}"),
                Lang::En => format!("Resignation of a LIS1 position: {name}"),
            },
            body_text: notify::text(&r.name, &body(r.lang), r.lang),
            kind: "course_resigned".into(),
            object_type: "course".into(),
            object_id: c.id.to_string(),
        })
        .collect();
    let offer = state
        .store
        .resign_course(&ctx, c.id, &f.reason, &mails)
        .await
        .map_err(store_err(lang))?;
    let offers: Vec<i64> = offer.into_iter().collect();
    let rest = crate::pages::rest::on_resigned(&state, &ctx, &offers).await;
    let to = match rest.first() {
        Some(r) => format!("/reststillinger/{r}"),
        None => "/lis1-lop?oppsagt=1".to_string(),
    };
    Ok(Redirect::to(&to).into_response())
}
