//! ALIS in hospital (seed 003) at `/alis-sykehus`: the municipality asks a hospital trust for
//! hospital service for its GP trainee and confirms the offer; the trust's coordinator keeps its
//! departments and offers periods from each department's queue. The workflows are
//! `lis1_app::alis`; a refused form comes back with the message at its field.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use lis1_app::alis::{self as uc, OfferInput, RequestInput, RequestView};
use lis1_domain::Lang;
use lis1_domain::alis_hospital::{OfferStatus, Period, RequestDraft};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::auth::{SignedIn, Visitor};
use crate::error::AppError;
use crate::pages::{fmt_date, page};
use crate::state::AppState;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    (
        "nav.alis",
        "ALIS i sykehus",
        "ALIS i sjukehus",
        "ALIS in hospital",
    ),
    (
        "alis.title",
        "ALIS-tjeneste i sykehus",
        "ALIS-teneste i sjukehus",
        "ALIS service in hospital",
    ),
    (
        "alis.intro",
        "En ALIS-lege (allmennmedisin) skal ha 6 måneder i sykehus (3 + 3, helst sammenhengende og i samme avdeling). Kommunen spør sykehusets LIS3-koordinator så tidlig den vil, og bekrefter tilbudet senest 6 måneder før start. Tilbudt tid kan avvike inntil 6 måneder, og avdeling eller sted kan være et annet. Den som takker nei, venter på neste ledige periode (003).",
        "Ein ALIS-lege (allmennmedisin) skal ha 6 månader i sjukehus (3 + 3, helst samanhengande og i same avdeling). Kommunen spør LIS3-koordinatoren på sjukehuset så tidleg han vil, og stadfestar tilbodet seinast 6 månader før start. Tilboden tid kan avvike med inntil 6 månader, og avdeling eller stad kan vere ein annan. Den som takkar nei, ventar på neste ledige periode (003).",
        "An ALIS doctor (general practice) needs 6 months in hospital (3 + 3, preferably continuous and in the same department). The municipality asks the hospital's LIS3 coordinator as early as it likes, and confirms the offer no later than 6 months before the start. The offered time may differ by up to 6 months, and the department or site may differ. One who declines waits for the next vacancy (003).",
    ),
    (
        "alis.own",
        "Kommunens forespørsler",
        "Førespurnadene frå kommunen",
        "The municipality's requests",
    ),
    (
        "alis.queues",
        "Køer per avdeling",
        "Køar per avdeling",
        "Queues per department",
    ),
    ("alis.doctor", "ALIS-lege", "ALIS-lege", "ALIS doctor"),
    ("alis.hospital", "Sykehus", "Sjukehus", "Hospital"),
    ("alis.department", "Avdeling", "Avdeling", "Department"),
    (
        "alis.wanted",
        "Ønsket periode",
        "Ønskt periode",
        "Period asked for",
    ),
    (
        "alis.offered",
        "Tilbudt periode",
        "Tilboden periode",
        "Period offered",
    ),
    ("alis.status", "Status", "Status", "Status"),
    (
        "alis.place",
        "Plass i køen",
        "Plass i køen",
        "Place in the queue",
    ),
    (
        "alis.confirm_by",
        "Bekreft senest",
        "Stadfest seinast",
        "Confirm by",
    ),
    (
        "alis.lapsed",
        "Tilbudet falt bort",
        "Tilbodet fall bort",
        "The offer lapsed",
    ),
    (
        "alis.due_soon",
        "Fristen nærmer seg",
        "Fristen nærmar seg",
        "The deadline is near",
    ),
    ("alis.employment", "Ansettelse", "Tilsetjing", "Employment"),
    ("alis.confirm", "Bekreft", "Stadfest", "Confirm"),
    ("alis.decline", "Takk nei", "Takk nei", "Decline"),
    (
        "alis.request_title",
        "Be om ALIS-tjeneste",
        "Be om ALIS-teneste",
        "Ask for ALIS service",
    ),
    ("alis.municipality", "Kommune", "Kommune", "Municipality"),
    (
        "alis.doctor_name",
        "ALIS-legens navn",
        "Namnet på ALIS-legen",
        "The ALIS doctor's name",
    ),
    (
        "alis.municipal_since",
        "I kommunen siden",
        "I kommunen sidan",
        "In the municipality since",
    ),
    ("alis.start", "Start", "Start", "Start"),
    ("alis.months", "Måneder", "Månader", "Months"),
    (
        "alis.agreement",
        "Avtale (bare for kortere enn 3 måneder)",
        "Avtale (berre for kortare enn 3 månader)",
        "Agreement (only for shorter than 3 months)",
    ),
    (
        "alis.send",
        "Send forespørselen",
        "Send førespurnaden",
        "Send the request",
    ),
    (
        "alis.offer_title",
        "Tilby periode",
        "Tilby periode",
        "Offer a period",
    ),
    (
        "alis.reason",
        "Begrunnelse (når den ikke er først i køen)",
        "Grunngiving (når han ikkje er først i køen)",
        "Reason (when it is not first in the queue)",
    ),
    (
        "alis.offer",
        "Send tilbudet",
        "Send tilbodet",
        "Send the offer",
    ),
    (
        "alis.departments",
        "Avdelinger for ALIS-tjeneste",
        "Avdelingar for ALIS-teneste",
        "Departments for ALIS service",
    ),
    (
        "alis.departments_hint",
        "Én avdeling per linje.",
        "Éi avdeling per linje.",
        "One department a line.",
    ),
    (
        "alis.save_departments",
        "Lagre avdelingene",
        "Lagre avdelingane",
        "Save the departments",
    ),
    (
        "alis.none",
        "Ingen forespørsler.",
        "Ingen førespurnader.",
        "No requests.",
    ),
    ("alis.saved", "Lagret.", "Lagra.", "Saved."),
    (
        "alis.errors_title",
        "Noe må rettes",
        "Noko må rettast",
        "Something needs fixing",
    ),
];

fn t(lang: Lang, key: &str) -> String {
    crate::i18n::t(lang, key)
}

fn period_text(p: Period, lang: Lang) -> String {
    format!(
        "{} – {} ({} {})",
        fmt_date(p.start, lang),
        fmt_date(p.end(), lang),
        p.months,
        lang.pick("mnd.", "months")
    )
}

fn view_ctx(v: &RequestView, lang: Lang) -> Value {
    let r = &v.request;
    let offer_note = match v.offer_status {
        Some(OfferStatus::Lapsed) => Some(t(lang, "alis.lapsed")),
        Some(OfferStatus::DueSoon) if v.may_answer => Some(t(lang, "alis.due_soon")),
        _ => None,
    };
    context! {
        id => r.id, doctor => r.doctor_name.clone(), hospital => r.hf_name.clone(),
        municipality => r.municipality_name.clone(), department => r.department.clone(),
        wanted => period_text(r.requested, lang),
        offered => r.offered.map(|p| period_text(p, lang)),
        offered_department => r.offered_department.clone(),
        state => r.state.label(lang), place => v.place,
        confirm_by => v.confirm_by.map(|d| fmt_date(d, lang)), offer_note => offer_note,
        employment => v.employment.label(lang),
        warnings => v.warnings.iter().map(|w| w.message(lang)).collect::<Vec<_>>(),
        may_offer => v.may_offer, may_answer => v.may_answer,
        reason => (!r.offer_reason.is_empty()).then(|| r.offer_reason.clone()),
    }
}

#[derive(Debug, Default)]
struct Refused {
    form: String,
    errors: HashMap<String, String>,
    values: HashMap<String, String>,
}

async fn render(
    state: &AppState,
    v: &Visitor,
    s: &SignedIn,
    saved: bool,
    refused: Option<Refused>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let o = uc::overview(&state.app, &s.caller())
        .await
        .map_err(|e| AppError::app(e, lang))?;
    if o.municipalities.is_empty() && o.coordinated.is_empty() && o.queues.is_empty() {
        return Err(AppError::app(
            lis1_app::Error::forbidden(lis1_domain::access::Denied::new("view_alis_request")),
            lang,
        ));
    }
    let failed = refused.is_some();
    let r = refused.unwrap_or_default();
    let html = crate::templates::render(
        "alis.html",
        page(
            state,
            v,
            context! {
                own => o.own.iter().map(|x| view_ctx(x, lang)).collect::<Vec<_>>(),
                queues => o.queues.iter().map(|q| context! {
                    hospital => q.hf_name.clone(), department => q.department.clone(),
                    requests => q.requests.iter().map(|x| view_ctx(x, lang)).collect::<Vec<_>>(),
                }).collect::<Vec<_>>(),
                hospitals => o.hospitals.iter().map(|(id, name, deps)| context! { id => id, name => name, departments => deps }).collect::<Vec<_>>(),
                municipalities => o.municipalities.iter().map(|(id, name)| context! { id => id, name => name }).collect::<Vec<_>>(),
                coordinated => o.coordinated.iter().map(|(id, name, deps)| context! { id => id, name => name, departments => deps.join("\n") }).collect::<Vec<_>>(),
                form => r.form, errors => r.errors, values => r.values,
                notice => saved.then(|| t(lang, "alis.saved")),
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

/// Query of the page.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    lagret: Option<String>,
}

/// `GET /alis-sykehus`.
pub async fn index(
    State(state): State<AppState>,
    v: Visitor,
    axum::extract::Query(q): axum::extract::Query<PageQuery>,
) -> Result<Response, AppError> {
    let s = v.require()?;
    render(&state, &v, s, q.lagret.is_some(), None).await
}

async fn finish(
    state: &AppState,
    v: &Visitor,
    s: &SignedIn,
    result: Result<(), lis1_app::Error>,
    form: String,
    values: HashMap<String, String>,
    default_field: &str,
) -> Result<Response, AppError> {
    let lang = v.lang;
    match result {
        Ok(()) => Ok(Redirect::to("/alis-sykehus?lagret=1").into_response()),
        Err(e) if e.kind == lis1_app::Kind::Invalid || e.kind == lis1_app::Kind::Conflict => {
            let mut errors: HashMap<String, String> = e.field_messages(lang).into_iter().collect();
            if errors.is_empty() {
                errors.insert(default_field.to_string(), e.message(lang));
            }
            render(
                state,
                v,
                s,
                false,
                Some(Refused {
                    form,
                    errors,
                    values,
                }),
            )
            .await
        }
        Err(e) => Err(AppError::app(e, lang)),
    }
}

fn date_field(raw: &str, field: &str) -> Result<Date, lis1_app::Error> {
    raw.trim().parse().map_err(|_| {
        lis1_app::Error::field_text(
            field,
            "bad_date",
            "Skriv datoen som åååå-mm-dd, for eksempel 2027-09-01. Ingenting ble lagret.",
            "Write the date as yyyy-mm-dd, for example 2027-09-01. Nothing was saved.",
        )
    })
}

fn months_field(raw: &str) -> Result<u8, lis1_app::Error> {
    raw.trim().parse().map_err(|_| {
        lis1_app::Error::field_text(
            "months",
            "alis_months",
            "Skriv antall måneder, 1–6.",
            "Write the number of months, 1–6.",
        )
    })
}

fn id_field(raw: &str, lang: Lang) -> Result<i64, AppError> {
    raw.trim().parse().map_err(|_| AppError::not_found(lang))
}

/// Form: a request.
#[derive(Debug, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    municipality: String,
    #[serde(default)]
    hospital: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    doctor_name: String,
    #[serde(default)]
    municipal_since: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    months: String,
    #[serde(default)]
    agreement: String,
}

/// `POST /alis-sykehus`: the municipality asks.
pub async fn request(
    State(state): State<AppState>,
    v: Visitor,
    Form(f): Form<RequestForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let municipality_id = id_field(&f.municipality, lang)?;
    let hf_id = id_field(&f.hospital, lang)?;
    let values = HashMap::from([
        ("department".to_string(), f.department.clone()),
        ("doctor_name".to_string(), f.doctor_name.clone()),
        ("municipal_since".to_string(), f.municipal_since.clone()),
        ("start".to_string(), f.start.clone()),
        ("months".to_string(), f.months.clone()),
        ("agreement".to_string(), f.agreement.clone()),
    ]);
    let result = async {
        let input = RequestInput {
            municipality_id,
            hf_id,
            draft: RequestDraft {
                doctor_name: f.doctor_name.clone(),
                municipal_since: date_field(&f.municipal_since, "municipal_since")?,
                period: Period {
                    start: date_field(&f.start, "start")?,
                    months: months_field(&f.months)?,
                },
                department: f.department.clone(),
                agreement: f.agreement.clone(),
            },
        };
        uc::request(&state.app, &s.caller(), &input)
            .await
            .map(|_| ())
    }
    .await;
    finish(
        &state,
        &v,
        s,
        result,
        "request".into(),
        values,
        "doctor_name",
    )
    .await
}

/// Form: an offer.
#[derive(Debug, Deserialize)]
pub struct OfferForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    months: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    reason: String,
}

/// `POST /alis-sykehus/{id}/tilbud`: the coordinator offers a period.
pub async fn offer(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<OfferForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = id_field(&id, lang)?;
    let values = HashMap::from([
        ("start".to_string(), f.start.clone()),
        ("months".to_string(), f.months.clone()),
        ("department".to_string(), f.department.clone()),
        ("reason".to_string(), f.reason.clone()),
    ]);
    let result = async {
        let input = OfferInput {
            period: Period {
                start: date_field(&f.start, "start")?,
                months: months_field(&f.months)?,
            },
            department: f.department.clone(),
            reason: f.reason.clone(),
        };
        uc::offer(&state.app, &s.caller(), id, &input).await
    }
    .await;
    finish(
        &state,
        &v,
        s,
        result,
        format!("offer-{id}"),
        values,
        "start",
    )
    .await
}

/// Form: an answer.
#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    answer: String,
}

/// `POST /alis-sykehus/{id}/svar`: the municipality confirms or declines.
pub async fn answer(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = id_field(&id, lang)?;
    let confirm = match f.answer.as_str() {
        "bekreft" => true,
        "avslå" | "avsla" => false,
        _ => return Err(AppError::not_found(lang)),
    };
    let result = uc::answer(&state.app, &s.caller(), id, confirm).await;
    finish(
        &state,
        &v,
        s,
        result,
        format!("answer-{id}"),
        HashMap::new(),
        "answer",
    )
    .await
}

/// Form: departments.
#[derive(Debug, Deserialize)]
pub struct DepartmentsForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    hospital: String,
    #[serde(default)]
    departments: String,
}

/// `POST /alis-sykehus/avdelinger`: the coordinator sets the departments.
pub async fn departments(
    State(state): State<AppState>,
    v: Visitor,
    Form(f): Form<DepartmentsForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let hf_id = id_field(&f.hospital, lang)?;
    let names: Vec<String> = f.departments.lines().map(str::to_string).collect();
    let result = uc::set_departments(&state.app, &s.caller(), hf_id, &names).await;
    let values = HashMap::from([("departments".to_string(), f.departments.clone())]);
    finish(
        &state,
        &v,
        s,
        result,
        "departments".into(),
        values,
        "departments",
    )
    .await
}
