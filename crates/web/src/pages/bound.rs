//! Bound positions (*bundne stillinger*, issue 13) at `/bundet`: the education plan of a doctor
//! hired in a bound LIS1 + LIS3/ALIS position, the later employer's list, and the forward
//! capacity.
//!
//! - `/bundet`: the later employer's bound doctors, with start and start condition (the
//!   directorate sees all); a doctor sees their own plans; the RHF, the county governor and the
//!   ALIS office go to the capacity.
//! - `/bundet/{course}`: one plan with its deadlines; the forms of whoever may act on it (the
//!   later employer makes it, records the contract and the start; the HF and the municipality
//!   register their LIS1 part completed; either employer records a resignation or switch).
//! - `/bundet/kapasitet`: per RHF, HF and municipality, bound doctors in LIS1, LIS3 and ALIS in
//!   each of the next seven years, as a table and a chart with its data table.
//!
//! The workflows are `lis1_app::bound`; these handlers parse, call and render. A refused form
//! comes back on the plan page with what was typed and the message at the field.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use lis1_app::bound::{
    self as uc, BoundHome, BoundRow, Capacity, ChangeInput, PlanInput, PlanView,
};
use lis1_domain::Lang;
use lis1_domain::access::{Action, Role, authorize};
use lis1_domain::bound::{AlisForm, CapacityYear, LaterStartStatus, PlanState, Stage};
use lis1_domain::obligations::Status;
use lis1_domain::onboarding::Part;
use minijinja::{Value, context};
use serde::Deserialize;

use crate::auth::{SignedIn, Visitor};
use crate::error::AppError;
use crate::pages::{fmt_date, page};
use crate::state::AppState;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    (
        "nav.bound",
        "Bundne stillinger",
        "Bundne stillingar",
        "Bound positions",
    ),
    (
        "bound.title",
        "Bundne stillinger",
        "Bundne stillingar",
        "Bound positions",
    ),
    (
        "bound.intro",
        "En bundet stilling er LIS1 og en senere spesialiststilling i én ansettelse: LIS3 i psykiatri eller barne- og ungdomspsykiatri i helseforetaket, eller ALIS (allmennmedisin) i kommunen. Legen får én utdanningsplan for 6,5 år. Kontrakten for LIS3/ALIS signeres 1,5–2 år før den starter, og LIS3/ALIS kan først starte når LIS1 er fullført (004).",
        "Ei bunden stilling er LIS1 og ei seinare spesialiststilling i éi tilsetjing: LIS3 i psykiatri eller barne- og ungdomspsykiatri i helseføretaket, eller ALIS (allmennmedisin) i kommunen. Legen får éin utdanningsplan for 6,5 år. Kontrakten for LIS3/ALIS blir signert 1,5–2 år før han startar, og LIS3/ALIS kan først starte når LIS1 er fullført (004).",
        "A bound position is LIS1 and a later specialist position in one hiring: LIS3 in psychiatry or child and adolescent psychiatry at the hospital trust, or ALIS (general practice) in the municipality. The doctor gets one education plan for 6.5 years. The LIS3/ALIS contract is signed 1.5–2 years before it starts, and LIS3/ALIS may start only when LIS1 is completed (004).",
    ),
    (
        "bound.doctors",
        "Bundne leger",
        "Bundne legar",
        "Bound doctors",
    ),
    ("bound.doctor", "Lege", "Lege", "Doctor"),
    (
        "bound.track",
        "Senere stilling",
        "Seinare stilling",
        "Later position",
    ),
    (
        "bound.later_employer",
        "Senere arbeidsgiver",
        "Seinare arbeidsgjevar",
        "Later employer",
    ),
    ("bound.lis1", "LIS1", "LIS1", "LIS1"),
    (
        "bound.later_start",
        "Start LIS3/ALIS",
        "Start LIS3/ALIS",
        "LIS3/ALIS start",
    ),
    (
        "bound.end",
        "Planlagt slutt",
        "Planlagd slutt",
        "Planned end",
    ),
    ("bound.contract", "Kontrakt", "Kontrakt", "Contract"),
    (
        "bound.condition",
        "Startvilkår",
        "Startvilkår",
        "Start condition",
    ),
    ("bound.state", "Status", "Status", "Status"),
    ("bound.open", "Åpne plan", "Opne plan", "Open plan"),
    (
        "bound.no_plan",
        "Plan ikke laget",
        "Plan ikkje laga",
        "No plan yet",
    ),
    (
        "bound.none",
        "Ingen bundne leger å vise.",
        "Ingen bundne legar å vise.",
        "No bound doctors to show.",
    ),
    (
        "bound.capacity",
        "Fremtidig kapasitet",
        "Framtidig kapasitet",
        "Forward capacity",
    ),
    (
        "bound.capacity_intro",
        "Antall bundne leger som er i LIS1, LIS3 og ALIS en eller flere dager i hvert av de neste sju årene, etter senere arbeidsgiver. En lege som bytter del i løpet av et år, telles i begge det året. Leger som har sagt opp eller byttet spesialitet, er ikke med: stillingen er frigjort.",
        "Tal på bundne legar som er i LIS1, LIS3 og ALIS éin eller fleire dagar i kvart av dei neste sju åra, etter seinare arbeidsgjevar. Ein lege som byter del i løpet av eit år, blir talt med i begge det året. Legar som har sagt opp eller bytt spesialitet, er ikkje med: stillinga er frigjord.",
        "The number of bound doctors in LIS1, LIS3 and ALIS on one or more days in each of the next seven years, by later employer. A doctor who changes part during a year counts in both that year. Doctors who resigned or switched specialty are not counted: the position is freed.",
    ),
    ("bound.total", "Alle", "Alle", "All"),
    ("bound.year", "År", "År", "Year"),
    ("bound.org", "Organisasjon", "Organisasjon", "Organisation"),
    ("bound.level_rhf", "RHF", "RHF", "RHF"),
    ("bound.level_hf", "HF", "HF", "HF"),
    (
        "bound.level_municipality",
        "Kommune",
        "Kommune",
        "Municipality",
    ),
    (
        "bound.chart_title",
        "Bundne leger per år",
        "Bundne legar per år",
        "Bound doctors per year",
    ),
    (
        "bound.chart_data",
        "Tallene i diagrammet",
        "Tala i diagrammet",
        "The chart's figures",
    ),
    (
        "bound.plan_title",
        "Utdanningsplan",
        "Utdanningsplan",
        "Education plan",
    ),
    ("bound.part", "Del", "Del", "Part"),
    ("bound.from", "Fra", "Frå", "From"),
    ("bound.to", "Til", "Til", "To"),
    (
        "bound.hospital_part",
        "LIS1 sykehus",
        "LIS1 sjukehus",
        "LIS1 hospital",
    ),
    (
        "bound.municipal_part",
        "LIS1 kommune",
        "LIS1 kommune",
        "LIS1 municipality",
    ),
    ("bound.deadlines", "Frister", "Fristar", "Deadlines"),
    ("bound.deadline", "Frist", "Frist", "Deadline"),
    ("bound.rule", "Regel", "Regel", "Rule"),
    (
        "bound.moved",
        "Planen er flyttet med registrert permisjon. Opprinnelig start i LIS3/ALIS: {date}.",
        "Planen er flytt med registrert permisjon. Opphavleg start i LIS3/ALIS: {date}.",
        "The plan has moved with registered leave. Original LIS3/ALIS start: {date}.",
    ),
    (
        "bound.standard_note",
        "Den senere arbeidsgiveren har ikke laget planen ennå. Datoene er standardplanen: LIS1 i 18 måneder, deretter LIS3/ALIS til 6,5 år etter start.",
        "Den seinare arbeidsgjevaren har ikkje laga planen enno. Datoane er standardplanen: LIS1 i 18 månader, deretter LIS3/ALIS til 6,5 år etter start.",
        "The later employer has not made the plan yet. The dates are the standard plan: LIS1 for 18 months, then LIS3/ALIS to 6.5 years after the start.",
    ),
    (
        "bound.completion",
        "LIS1 fullført",
        "LIS1 fullført",
        "LIS1 completed",
    ),
    (
        "bound.hospital_done",
        "Sykehusdelen registrert fullført",
        "Sjukehusdelen registrert fullført",
        "Hospital part registered completed",
    ),
    (
        "bound.municipal_done",
        "Kommunedelen registrert fullført",
        "Kommunedelen registrert fullført",
        "Municipal part registered completed",
    ),
    (
        "bound.not_registered",
        "Ikke registrert",
        "Ikkje registrert",
        "Not registered",
    ),
    ("bound.missing", "Mangler", "Manglar", "Missing"),
    (
        "bound.create_title",
        "Lag utdanningsplanen",
        "Lag utdanningsplanen",
        "Make the education plan",
    ),
    (
        "bound.create_hint",
        "La feltene stå tomme for standardplanen. Datoene gjelder slik løpet står nå, med permisjon.",
        "La felta stå tomme for standardplanen. Datoane gjeld slik løpet står no, med permisjon.",
        "Leave the fields empty for the standard plan. The dates apply to the course as it stands now, with leave.",
    ),
    (
        "bound.alis_form",
        "ALIS-stilling",
        "ALIS-stilling",
        "ALIS position",
    ),
    (
        "bound.create",
        "Lagre planen",
        "Lagre planen",
        "Save the plan",
    ),
    (
        "bound.contract_title",
        "Kontrakt for LIS3/ALIS",
        "Kontrakt for LIS3/ALIS",
        "LIS3/ALIS contract",
    ),
    (
        "bound.signed_on",
        "Signert dato",
        "Signert dato",
        "Signed on",
    ),
    (
        "bound.save_contract",
        "Registrer kontrakten",
        "Registrer kontrakten",
        "Register the contract",
    ),
    (
        "bound.completion_title",
        "Registrer LIS1-del fullført",
        "Registrer LIS1-del fullført",
        "Register a LIS1 part completed",
    ),
    (
        "bound.completion_hint",
        "Alle læringsmål i delen er godkjent.",
        "Alle læringsmåla i delen er godkjende.",
        "All learning objectives of the part are approved.",
    ),
    (
        "bound.completed_on",
        "Fullført dato",
        "Fullført dato",
        "Completed on",
    ),
    (
        "bound.save_completion",
        "Registrer fullført",
        "Registrer fullført",
        "Register completed",
    ),
    (
        "bound.start_title",
        "Start i LIS3/ALIS",
        "Start i LIS3/ALIS",
        "Start in LIS3/ALIS",
    ),
    ("bound.started_on", "Startdato", "Startdato", "Start date"),
    (
        "bound.save_start",
        "Registrer start",
        "Registrer start",
        "Register the start",
    ),
    (
        "bound.change_title",
        "Oppsigelse eller bytte av spesialitet",
        "Oppseiing eller byte av spesialitet",
        "Resignation or switch of specialty",
    ),
    (
        "bound.change_hint",
        "Legen kan si opp begge delene etter vanlige regler; det er ingen bindingstid. Den andre arbeidsgiveren og legen får beskjed, og stillingen frigjøres til neste runde.",
        "Legen kan seie opp begge delane etter vanlege reglar; det er inga bindingstid. Den andre arbeidsgjevaren og legen får melding, og stillinga blir frigjord til neste runde.",
        "The doctor may resign either part under ordinary rules; there is no binding period. The other employer and the doctor are told, and the position is freed for the next round.",
    ),
    (
        "bound.change_kind",
        "Hva har skjedd",
        "Kva har skjedd",
        "What happened",
    ),
    ("bound.change_on", "Fra dato", "Frå dato", "From"),
    (
        "bound.switched_to",
        "Ny spesialitet",
        "Ny spesialitet",
        "New specialty",
    ),
    ("bound.note", "Merknad", "Merknad", "Note"),
    (
        "bound.save_change",
        "Registrer endringen",
        "Registrer endringa",
        "Register the change",
    ),
    ("bound.saved", "Lagret.", "Lagra.", "Saved."),
    (
        "bound.errors_title",
        "Noe må rettes",
        "Noko må rettast",
        "Something needs fixing",
    ),
    (
        "bound.home_title",
        "Bundne stillinger: frister",
        "Bundne stillingar: fristar",
        "Bound positions: deadlines",
    ),
    (
        "bound.home_own",
        "Din utdanningsplan (LIS1 + LIS3/ALIS):",
        "Utdanningsplanen din (LIS1 + LIS3/ALIS):",
        "Your education plan (LIS1 + LIS3/ALIS):",
    ),
    (
        "bound.home_attention",
        "Bundne leger med frister som nærmer seg eller har passert:",
        "Bundne legar med fristar som nærmar seg eller har passert:",
        "Bound doctors with deadlines near or passed:",
    ),
    ("bound.ended", "Avsluttet", "Avslutta", "Ended"),
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

fn status_color(s: Status) -> &'static str {
    match s {
        Status::Fulfilled { late: false } => "success",
        Status::Fulfilled { late: true } => "info",
        Status::Upcoming => "neutral",
        Status::DueSoon => "warning",
        Status::Overdue => "danger",
    }
}

fn start_color(s: &LaterStartStatus) -> &'static str {
    match s {
        LaterStartStatus::Started { .. } | LaterStartStatus::Ready { .. } => "success",
        LaterStartStatus::Planned { missing, .. } if missing.is_empty() => "success",
        LaterStartStatus::Planned { .. } => "neutral",
        LaterStartStatus::Postponed { .. } => "danger",
    }
}

fn missing_of(s: &LaterStartStatus, lang: Lang) -> Vec<String> {
    match s {
        LaterStartStatus::Planned { missing, .. } | LaterStartStatus::Postponed { missing, .. } => {
            missing.iter().map(|m| m.label(lang)).collect()
        }
        _ => Vec::new(),
    }
}

fn row_ctx(r: &BoundRow, lang: Lang) -> Value {
    context! {
        course => r.course_id, doctor => r.doctor_name.clone(), track => r.track.label(lang),
        later_employer => r.later_employer_name.clone(), site => r.site_name.clone(),
        municipality => r.municipality_name.clone(),
        lis1_start => fmt_date(r.dates.lis1.hospital_start, lang),
        later_start => fmt_date(r.dates.later_start, lang), end => fmt_date(r.dates.end, lang),
        has_plan => r.has_plan, active => r.state.is_active(), state_label => r.state.label(lang),
        contract_label => r.contract_status.label(lang), contract_color => status_color(r.contract_status),
        start_label => r.start.label(lang), start_color => start_color(&r.start),
        missing => missing_of(&r.start, lang),
    }
}

/// The home page's and the obligations view's block (`None` when there is nothing to show).
pub async fn home_block(
    state: &AppState,
    s: &SignedIn,
    lang: Lang,
) -> Result<Option<Value>, AppError> {
    let h: BoundHome = uc::home(&state.app, &s.caller())
        .await
        .map_err(app_err(lang))?;
    if h.is_empty() {
        return Ok(None);
    }
    let own: Vec<Value> = h
        .own
        .iter()
        .map(|v| {
            context! {
                course => v.course.id, track => v.track.label(lang),
                later_start => fmt_date(v.dates.later_start, lang),
                deadlines => v.deadlines.iter().map(|d| context! {
                    label => d.label, due => fmt_date(d.due, lang),
                    status_label => d.status.label(lang),
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    Ok(Some(context! {
        own => own,
        attention => h.attention.iter().map(|r| row_ctx(r, lang)).collect::<Vec<_>>(),
    }))
}

/// `GET /bundet`: the bound doctors the user may see.
pub async fn list(State(state): State<AppState>, v: Visitor) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let p = &s.principal;
    let employer = p.grants.iter().any(|g| {
        matches!(
            g.role,
            Role::Directorate | Role::HfRecruiter | Role::Municipality
        )
    });
    if !employer && !p.has_role(Role::Applicant) {
        if authorize(p, &Action::ViewBoundCapacity { org: None }).is_ok() {
            return Ok(Redirect::to("/bundet/kapasitet").into_response());
        }
        return Err(AppError::app(
            lis1_app::Error::forbidden(lis1_domain::access::Denied::new("view_bound_doctors")),
            lang,
        ));
    }
    let rows: Vec<BoundRow> = if employer {
        uc::bound_doctors(&state.app, &s.caller())
            .await
            .map_err(app_err(lang))?
    } else {
        // A doctor: their own plans.
        let own = uc::my_plans(&state.app, &s.caller())
            .await
            .map_err(app_err(lang))?;
        if own.len() == 1 {
            return Ok(Redirect::to(&format!("/bundet/{}", own[0].course.id)).into_response());
        }
        own.iter().map(own_row).collect()
    };
    let capacity = authorize(p, &Action::ViewBoundCapacity { org: None }).is_ok();
    let html = crate::templates::render(
        "bound_list.html",
        page(
            &state,
            &v,
            context! {
                rows => rows.iter().map(|r| row_ctx(r, lang)).collect::<Vec<_>>(),
                capacity => capacity,
            },
        ),
    )?;
    Ok(html.into_response())
}

fn own_row(v: &PlanView) -> BoundRow {
    BoundRow {
        course_id: v.course.id,
        doctor_name: v.course.applicant_name.clone(),
        track: v.track,
        later_employer_name: v.later_employer_name.clone(),
        site_name: v.course.hospital_site_name.clone(),
        municipality_name: v.course.municipality_name.clone(),
        dates: v.dates,
        has_plan: v.plan.is_some(),
        state: v.plan.as_ref().map_or(PlanState::Active, |p| p.state),
        contract_status: v.contract_status,
        start: v.start.clone(),
    }
}

/// A refused form on the plan page: which form, the message per field, what was typed.
#[derive(Debug, Default, Clone)]
struct Refused {
    form: String,
    errors: HashMap<String, String>,
    values: HashMap<String, String>,
}

/// Query of the plan page.
#[derive(Debug, Default, Deserialize)]
pub struct PlanQuery {
    #[serde(default)]
    lagret: Option<String>,
}

async fn render_plan(
    state: &AppState,
    v: &Visitor,
    s: &SignedIn,
    course_id: i64,
    saved: bool,
    refused: Option<Refused>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let p: PlanView = uc::plan(&state.app, &s.caller(), course_id)
        .await
        .map_err(app_err(lang))?;
    let d = |x: Date| fmt_date(x, lang);
    let parts = vec![
        context! { label => t(lang, "bound.hospital_part"), from => d(p.dates.lis1.hospital_start), to => d(p.dates.lis1.hospital_end) },
        context! { label => t(lang, "bound.municipal_part"), from => d(p.dates.lis1.municipal_start), to => d(p.dates.lis1.municipal_end) },
        context! { label => p.track.label(lang), from => d(p.dates.later_start), to => d(p.dates.end) },
    ];
    let deadlines: Vec<Value> = p
        .deadlines
        .iter()
        .map(|x| {
            context! {
                kind => x.kind,
                label => match lang { Lang::Nb => x.label, Lang::Nn => deadline_nn(x.kind).0, Lang::En => deadline_en(x.kind).0 },
                rule => match lang { Lang::Nb => x.rule, Lang::Nn => deadline_nn(x.kind).1, Lang::En => deadline_en(x.kind).1 },
                due => d(x.due), status_label => x.status.label(lang), color => status_color(x.status),
            }
        })
        .collect();
    let plan = p.plan.as_ref();
    let moved = (p.dates.later_start != p.planned.later_start && plan.is_some())
        .then(|| t(lang, "bound.moved").replace("{date}", &d(p.planned.later_start)));
    let done = |x: Option<Date>| x.map(d);
    let error_list: Vec<Value> = refused
        .as_ref()
        .map(|r| {
            r.errors
                .iter()
                .map(|(f, m)| context! { field => format!("{}-{f}", r.form), message => m.clone() })
                .collect()
        })
        .unwrap_or_default();
    let err_for = |form: &str| -> Value {
        Value::from_serialize(
            refused
                .as_ref()
                .filter(|r| r.form == form)
                .map(|r| r.errors.clone())
                .unwrap_or_default(),
        )
    };
    let values_for = |form: &str| -> Value {
        Value::from_serialize(
            refused
                .as_ref()
                .filter(|r| r.form == form)
                .map(|r| r.values.clone())
                .unwrap_or_default(),
        )
    };
    let mut complete_parts = Vec::new();
    if p.may_complete_hospital {
        complete_parts
            .push(context! { part => "hospital", label => t(lang, "bound.hospital_part") });
    }
    if p.may_complete_municipal {
        complete_parts
            .push(context! { part => "municipal", label => t(lang, "bound.municipal_part") });
    }
    let changes: Vec<Value> = [
        PlanState::ResignedLis1,
        PlanState::ResignedLater,
        PlanState::SwitchedSpecialty,
    ]
    .iter()
    .map(|s| context! { value => s.as_str(), label => s.label(lang) })
    .collect();
    let failed = refused.is_some();
    let html = crate::templates::render(
        "bound_plan.html",
        page(
            state,
            v,
            context! {
                course => context! {
                    id => p.course.id, doctor => p.course.applicant_name.clone(),
                    site => p.course.hospital_site_name.clone(),
                    municipality => p.course.municipality_name.clone(),
                },
                track => p.track.label(lang), is_alis => !p.track.is_lis3(),
                later_employer => p.later_employer_name.clone(),
                has_plan => plan.is_some(),
                active => plan.is_none_or(|x| x.state.is_active()),
                state_label => plan.map(|x| x.state.label(lang)),
                ended_on => plan.and_then(|x| x.ended_on).map(d),
                switched_to => plan.and_then(|x| x.switched_to.clone()),
                alis_form => plan.and_then(|x| x.alis_form).map(|f| f.label(lang)),
                parts => parts, deadlines => deadlines, moved => moved,
                hospital_done => done(plan.and_then(|x| x.hospital_completed_on)),
                municipal_done => done(plan.and_then(|x| x.municipal_completed_on)),
                contract_signed => done(plan.and_then(|x| x.contract_signed_on)),
                started => done(plan.and_then(|x| x.later_started_on)),
                start_label => p.start.label(lang), start_color => start_color(&p.start),
                missing => missing_of(&p.start, lang),
                may_manage => p.may_manage, may_change => p.may_change,
                complete_parts => complete_parts,
                alis_forms => AlisForm::ALL.iter().map(|f| context! { value => f.as_str(), label => f.label(lang) }).collect::<Vec<_>>(),
                changes => changes,
                errors => context! {
                    create => err_for("create"), contract => err_for("contract"),
                    completion => err_for("completion"), start => err_for("start"),
                    change => err_for("change"),
                },
                values => context! {
                    create => values_for("create"), contract => values_for("contract"),
                    completion => values_for("completion"), start => values_for("start"),
                    change => values_for("change"),
                },
                error_list => error_list,
                notice => saved.then(|| t(lang, "bound.saved")),
                today => today(state).to_string(),
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

fn deadline_nn(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "contract" => (
            "Avtale om LIS3/ALIS underskriven",
            "1,5–2 år før LIS3/ALIS tek til (004).",
        ),
        _ => (
            "Start i LIS3/ALIS",
            "Berre når LIS1 er fullført: alle læringsmåla godkjende og 18 månader gjennomførte, registrert av helseføretaket og kommunen (004).",
        ),
    }
}

fn deadline_en(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "contract" => (
            "LIS3/ALIS contract signed",
            "1.5–2 years before LIS3/ALIS starts (004).",
        ),
        _ => (
            "Start in LIS3/ALIS",
            "Only when LIS1 is completed: all learning objectives approved and 18 months served, registered by the hospital trust and the municipality (004).",
        ),
    }
}

fn today(state: &AppState) -> Date {
    lis1_domain::calendar::to_oslo(state.now()).date()
}

/// `GET /bundet/{id}`: one bound doctor's plan.
pub async fn show(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Query(q): Query<PlanQuery>,
) -> Result<Response, AppError> {
    let s = v.require()?;
    let id = parse_id(&id, v.lang)?;
    render_plan(&state, &v, s, id, q.lagret.is_some(), None).await
}

/// After a change: back to the plan, or the plan with the refusal at its field.
#[allow(clippy::too_many_arguments)]
async fn finish(
    state: &AppState,
    v: &Visitor,
    s: &SignedIn,
    id: i64,
    result: Result<(), lis1_app::Error>,
    form: &str,
    values: HashMap<String, String>,
    default_field: &str,
) -> Result<Response, AppError> {
    let lang = v.lang;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/bundet/{id}?lagret=1")).into_response()),
        Err(e) if e.kind == lis1_app::Kind::Invalid || e.kind == lis1_app::Kind::Conflict => {
            let mut errors: HashMap<String, String> = e.field_messages(lang).into_iter().collect();
            if errors.is_empty() {
                errors.insert(default_field.to_string(), e.message(lang));
            }
            let refused = Refused {
                form: form.to_string(),
                errors,
                values,
            };
            render_plan(state, v, s, id, false, Some(refused)).await
        }
        Err(e) => Err(AppError::app(e, lang)),
    }
}

fn bad_date(field: &str) -> lis1_app::Error {
    lis1_app::Error::field_text(
        field,
        "bad_date",
        "Skriv datoen som åååå-mm-dd, for eksempel 2027-09-01. Ingenting ble lagret.",
        "Skriv datoen som åååå-mm-dd, til dømes 2027-09-01. Ingenting vart lagra.",
        "Write the date as yyyy-mm-dd, for example 2027-09-01. Nothing was saved.",
    )
}

/// An optional date field: empty is `None`, anything else must be a date.
fn opt_date(raw: &str, field: &str) -> Result<Option<Date>, lis1_app::Error> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse().map(Some).map_err(|_| bad_date(field))
}

fn req_date(raw: &str, field: &str) -> Result<Date, lis1_app::Error> {
    opt_date(raw, field)?.ok_or_else(|| bad_date(field))
}

/// Form: make the plan.
#[derive(Debug, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    later_start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    alis_form: String,
}

/// `POST /bundet/{id}/plan`: the later employer makes the plan.
pub async fn create(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<CreateForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = parse_id(&id, lang)?;
    let values = HashMap::from([
        ("later_start".to_string(), f.later_start.clone()),
        ("end".to_string(), f.end.clone()),
        ("alis_form".to_string(), f.alis_form.clone()),
    ]);
    let result = async {
        let input = PlanInput {
            course_id: id,
            later_start: opt_date(&f.later_start, "later_start")?,
            end: opt_date(&f.end, "end")?,
            alis_form: AlisForm::parse(f.alis_form.trim()).ok(),
        };
        uc::create_plan(&state.app, &s.caller(), &input)
            .await
            .map(|_| ())
    }
    .await;
    finish(&state, &v, s, id, result, "create", values, "later_start").await
}

/// Form: one date.
#[derive(Debug, Deserialize)]
pub struct DateForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    part: String,
}

/// `POST /bundet/{id}/kontrakt`: the later employer records the contract signed.
pub async fn contract(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<DateForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = parse_id(&id, lang)?;
    let values = HashMap::from([("on".to_string(), f.on.clone())]);
    let result = match req_date(&f.on, "on") {
        Ok(on) => uc::record_contract(&state.app, &s.caller(), id, on).await,
        Err(e) => Err(e),
    };
    finish(&state, &v, s, id, result, "contract", values, "on").await
}

/// `POST /bundet/{id}/fullfort`: the HF or the municipality registers its LIS1 part completed.
pub async fn completion(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<DateForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = parse_id(&id, lang)?;
    let part = Part::parse(&f.part).ok_or_else(|| AppError::not_found(lang))?;
    let values = HashMap::from([("on".to_string(), f.on.clone())]);
    let result = match req_date(&f.on, "on") {
        Ok(on) => uc::register_completion(&state.app, &s.caller(), id, part, on).await,
        Err(e) => Err(e),
    };
    finish(&state, &v, s, id, result, "completion", values, "on").await
}

/// `POST /bundet/{id}/start`: the later employer registers the start of LIS3/ALIS.
pub async fn start(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<DateForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = parse_id(&id, lang)?;
    let values = HashMap::from([("on".to_string(), f.on.clone())]);
    let result = match req_date(&f.on, "on") {
        Ok(on) => uc::register_later_start(&state.app, &s.caller(), id, on).await,
        Err(e) => Err(e),
    };
    finish(&state, &v, s, id, result, "start", values, "on").await
}

/// Form: a resignation or switch.
#[derive(Debug, Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    switched_to: String,
}

/// `POST /bundet/{id}/endring`: a resignation or a switch of specialty.
pub async fn change(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<ChangeForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = parse_id(&id, lang)?;
    let values = HashMap::from([
        ("state".to_string(), f.state.clone()),
        ("on".to_string(), f.on.clone()),
        ("note".to_string(), f.note.clone()),
        ("switched_to".to_string(), f.switched_to.clone()),
    ]);
    let result = async {
        let on = req_date(&f.on, "on")?;
        let st = PlanState::parse(f.state.trim())
            .ok()
            .filter(|x| !x.is_active())
            .ok_or_else(|| {
                lis1_app::Error::field_text(
                    "state",
                    "change_state",
                    "Velg hva som har skjedd. Ingenting ble lagret.",
                    "Vel kva som har skjedd. Ingenting vart lagra.",
                    "Choose what happened. Nothing was saved.",
                )
            })?;
        uc::record_change(
            &state.app,
            &s.caller(),
            &ChangeInput {
                course_id: id,
                state: st,
                on,
                note: f.note.clone(),
                switched_to: Some(f.switched_to.clone()),
            },
        )
        .await
    }
    .await;
    finish(&state, &v, s, id, result, "change", values, "state").await
}

// ---------------------------------------------------------------------------------------------
// Forward capacity

const CHART_W: i64 = 640;
const CHART_H: i64 = 240;
const CHART_LEFT: i64 = 40;
const CHART_BOTTOM: i64 = 30;

/// The bars of a grouped bar chart of `rows` (three bars a year), as SVG coordinates.
fn chart(rows: &[CapacityYear], lang: Lang) -> Value {
    let max = rows
        .iter()
        .flat_map(|r| Stage::ALL.iter().map(|s| r.get(*s)))
        .max()
        .unwrap_or(0)
        .max(1) as i64;
    let plot_h = CHART_H - CHART_BOTTOM - 10;
    let slot = (CHART_W - CHART_LEFT) / rows.len().max(1) as i64;
    let bar = (slot - 12) / 3;
    let mut bars = Vec::new();
    let mut labels = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let x0 = CHART_LEFT + i as i64 * slot + 6;
        for (j, s) in Stage::ALL.iter().enumerate() {
            let n = r.get(*s) as i64;
            let h = n * plot_h / max;
            bars.push(context! {
                x => x0 + j as i64 * bar, y => CHART_H - CHART_BOTTOM - h, w => bar - 2, h => h,
                stage => s.as_str(), n => n, year => r.year, label => s.label(lang),
            });
        }
        labels.push(context! { x => x0 + (3 * bar) / 2, year => r.year });
    }
    let ticks: Vec<Value> = [0, max / 2, max]
        .iter()
        .map(|&n| context! { y => CHART_H - CHART_BOTTOM - n * plot_h / max, n => n })
        .collect();
    context! {
        w => CHART_W, h => CHART_H, left => CHART_LEFT, base => CHART_H - CHART_BOTTOM,
        label_y => CHART_H - 10,
        bars => bars, labels => labels, ticks => ticks,
        legend => Stage::ALL.iter().enumerate().map(|(j, s)| context! {
            stage => s.as_str(), label => s.label(lang), x => CHART_LEFT + j as i64 * 110,
        }).collect::<Vec<_>>(),
    }
}

/// `GET /bundet/kapasitet`: the forward capacity (counts only).
pub async fn capacity(State(state): State<AppState>, v: Visitor) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let c: Capacity = uc::capacity(&state.app, &s.caller())
        .await
        .map_err(app_err(lang))?;
    let years: Vec<i16> = c.total.iter().map(|r| r.year).collect();
    let groups: Vec<Value> = c
        .groups
        .iter()
        .map(|g| {
            context! {
                name => g.name.clone(),
                level => t(lang, &format!("bound.level_{}", g.level)),
                years => g.years.clone(),
            }
        })
        .collect();
    let html = crate::templates::render(
        "bound_capacity.html",
        page(
            &state,
            &v,
            context! {
                years => years, groups => groups, total => c.total.clone(),
                chart => chart(&c.total, lang),
                stages => Stage::ALL.iter().map(|s| context! { stage => s.as_str(), label => s.label(lang) }).collect::<Vec<_>>(),
            },
        ),
    )?;
    Ok(html.into_response())
}
