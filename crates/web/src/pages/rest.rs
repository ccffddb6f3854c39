//! Rest positions (*reststillinger*, 002 §2.3, 004 draft §12): places left vacant after the offer
//! rounds, or vacated later by resignation, advertised continuously by the responsible employer
//! as standalone, time-limited positions without coupling. A public list; a short application
//! (the saved profile and a motivation); one offer at a time with a reply deadline of three
//! working days at 12:00; an acceptance fills the position.
//!
//! Every step is a use case of `lis1_app::rest_positions` (access through
//! `Action::ManageRestPositions` and `Action::Apply`, change, audit and mails in one
//! transaction); these handlers parse, call and render.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::Timestamp;
use lis1_app::offers::Answer;
use lis1_app::rest_positions::{self as uc, Draft, Employer, RestPosition};
use lis1_domain::Lang;
use lis1_domain::offers::{OfferState, VacancyReason};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::auth::Visitor;
use crate::error::AppError;
use crate::pages::{fmt_date, fmt_time, page};
use crate::state::AppState;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    (
        "nav.rest",
        "Reststillinger",
        "Reststillingar",
        "Rest positions",
    ),
    (
        "rest.title",
        "Reststillinger",
        "Reststillingar",
        "Rest positions",
    ),
    (
        "rest.intro",
        "Reststillinger er LIS1-stillinger som ble stående ledige etter tilbudsrundene, eller som ble ledige senere ved oppsigelse. De lyses ut fortløpende av arbeidsgiveren som frittstående, tidsbegrensede stillinger uten kobling.",
        "Reststillingar er LIS1-stillingar som vart ståande ledige etter tilbodsrundane, eller som vart ledige seinare ved oppseiing. Dei blir lyste ut fortløpande av arbeidsgjevaren som frittståande, mellombelse stillingar utan kopling.",
        "Rest positions are LIS1 positions left vacant after the offer rounds, or vacated later by resignation. The employer advertises them continuously as standalone, time-limited positions without coupling.",
    ),
    (
        "rest.none",
        "Det er ingen ledige reststillinger nå.",
        "Det er ingen ledige reststillingar no.",
        "There are no open rest positions now.",
    ),
    ("rest.employer", "Arbeidsgiver", "Arbeidsgjevar", "Employer"),
    ("rest.period", "Periode", "Periode", "Period"),
    ("rest.reason", "Hvorfor ledig", "Kvifor ledig", "Why vacant"),
    ("rest.state", "Status", "Status", "Status"),
    ("rest.state_open", "Ledig", "Ledig", "Open"),
    ("rest.state_filled", "Besatt", "Besett", "Filled"),
    ("rest.state_closed", "Avsluttet", "Avslutta", "Closed"),
    (
        "rest.new",
        "Ny reststilling",
        "Ny reststilling",
        "New rest position",
    ),
    (
        "rest.ours",
        "Våre reststillinger",
        "Reststillingane våre",
        "Our rest positions",
    ),
    (
        "rest.mine",
        "Mine reststillinger",
        "Reststillingane mine",
        "My rest positions",
    ),
    (
        "rest.field_employer",
        "Arbeidsgiver",
        "Arbeidsgjevar",
        "Employer",
    ),
    ("rest.field_title", "Tittel", "Tittel", "Title"),
    (
        "rest.field_site",
        "Sykehus (for helseforetak)",
        "Sjukehus (for helseføretak)",
        "Hospital (for a hospital trust)",
    ),
    (
        "rest.choose_site",
        "Velg sykehus",
        "Vel sjukehus",
        "Choose a hospital",
    ),
    (
        "rest.field_description",
        "Beskrivelse",
        "Skildring",
        "Description",
    ),
    ("rest.field_from", "Fra og med", "Frå og med", "From"),
    ("rest.field_to", "Til og med", "Til og med", "To"),
    (
        "rest.create",
        "Lys ut reststillingen",
        "Lys ut reststillinga",
        "Advertise the rest position",
    ),
    (
        "rest.errors_title",
        "Reststillingen ble ikke lagret. Rett opp dette:",
        "Reststillinga vart ikkje lagra. Rett opp dette:",
        "The rest position was not saved. Please correct the following:",
    ),
    (
        "rest.apply",
        "Søk på stillingen",
        "Søk på stillinga",
        "Apply for the position",
    ),
    (
        "rest.apply_update",
        "Lagre endringene",
        "Lagre endringane",
        "Save the changes",
    ),
    (
        "rest.motivation",
        "Søknadstekst",
        "Søknadstekst",
        "Cover letter",
    ),
    (
        "rest.profile_first",
        "Fyll ut og lagre profilen din før du søker.",
        "Fyll ut og lagre profilen din før du søkjer.",
        "Fill in and save your profile before you apply.",
    ),
    (
        "rest.applied",
        "Du har søkt på denne stillingen. Du kan endre søknadsteksten så lenge stillingen er ledig.",
        "Du har søkt på denne stillinga. Du kan endre søknadsteksten så lenge stillinga er ledig.",
        "You have applied for this position. You can change the cover letter while the position is open.",
    ),
    (
        "rest.receipt",
        "Søknaden er sendt.",
        "Søknaden er send.",
        "The application has been sent.",
    ),
    ("rest.applicants", "Søkere", "Søkjarar", "Applicants"),
    ("rest.applicant", "Søker", "Søkjar", "Applicant"),
    ("rest.submitted_at", "Sendt", "Sendt", "Sent"),
    ("rest.documents", "Dokumenter", "Dokument", "Documents"),
    (
        "rest.no_applicants",
        "Ingen har søkt ennå.",
        "Ingen har søkt enno.",
        "Nobody has applied yet.",
    ),
    ("rest.offer", "Gi tilbud", "Gje tilbod", "Make an offer"),
    (
        "rest.offer_made",
        "Tilbudet er gitt. Svarfristen er tre virkedager, kl. 12.00.",
        "Tilbodet er gjeve. Svarfristen er tre vyrkedagar, kl. 12.00.",
        "The offer has been made. The reply deadline is three working days, at 12:00.",
    ),
    ("rest.offers", "Tilbud", "Tilbod", "Offers"),
    ("rest.deadline", "Svarfrist", "Svarfrist", "Reply deadline"),
    (
        "rest.no_offers",
        "Du har ingen tilbud om reststilling.",
        "Du har ingen tilbod om reststilling.",
        "You have no rest position offers.",
    ),
    (
        "rest.no_applications",
        "Du har ikke søkt på noen reststilling.",
        "Du har ikkje søkt på nokon reststilling.",
        "You have not applied for any rest position.",
    ),
    ("rest.accept", "Takk ja", "Takk ja", "Accept"),
    ("rest.decline", "Takk nei", "Takk nei", "Decline"),
    (
        "rest.accepted",
        "Du har takket ja. Stillingen er din.",
        "Du har takka ja. Stillinga er di.",
        "You have accepted. The position is yours.",
    ),
    (
        "rest.declined",
        "Du har takket nei.",
        "Du har takka nei.",
        "You have declined.",
    ),
    (
        "rest.see_all",
        "Se alle reststillinger",
        "Sjå alle reststillingar",
        "See all rest positions",
    ),
    (
        "rest.close",
        "Avslutt reststillingen",
        "Avslutt reststillinga",
        "Close the rest position",
    ),
    (
        "rest.close_hint",
        "Stillingen fjernes fra listen over ledige reststillinger, og tilbud som ikke er besvart, trekkes.",
        "Stillinga blir fjerna frå lista over ledige reststillingar, og tilbod som ikkje er svara på, blir trekte.",
        "The position is removed from the list of open rest positions, and unanswered offers are withdrawn.",
    ),
    ("rest.close_reason", "Begrunnelse", "Grunngiving", "Reason"),
    (
        "rest.closed",
        "Reststillingen er avsluttet.",
        "Reststillinga er avslutta.",
        "The rest position has been closed.",
    ),
    (
        "rest.closed_reason",
        "Avsluttet fordi",
        "Avslutta fordi",
        "Closed because",
    ),
    (
        "rest.withdraw",
        "Trekk søknaden",
        "Trekk søknaden",
        "Withdraw the application",
    ),
    (
        "rest.withdrawn",
        "Søknaden er trukket.",
        "Søknaden er trekt.",
        "The application has been withdrawn.",
    ),
    ("rest.withdrawn_state", "Trukket", "Trekt", "Withdrawn"),
];

// ---------------------------------------------------------------------------------------------
// Helpers

fn app_err(lang: Lang) -> impl Fn(lis1_app::Error) -> AppError {
    move |e| AppError::app(e, lang)
}

fn parse_id(id: &str, lang: Lang) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::not_found(lang))
}

fn state_label(s: &str, lang: Lang) -> String {
    crate::i18n::t(
        lang,
        match s {
            "open" => "rest.state_open",
            "filled" => "rest.state_filled",
            _ => "rest.state_closed",
        },
    )
}

fn offer_state_label(s: &str, lang: Lang) -> String {
    OfferState::parse(s)
        .map(|x| x.label(lang).to_string())
        .unwrap_or_else(|_| s.to_string())
}

fn card(r: &RestPosition, lang: Lang) -> Value {
    context! {
        id => r.id, title => r.title.clone(), description => r.description.clone(),
        employer => r.employer_name.clone(),
        period => format!("{} – {}", fmt_date(r.period_from, lang), fmt_date(r.period_to, lang)),
        reason => VacancyReason::parse(&r.reason).map(|x| x.label(lang)).unwrap_or(""),
        state => r.state.clone(), state_label => state_label(&r.state, lang),
        closed_reason => r.closed_reason.clone(),
    }
}

/// The reply deadline of a rest offer made at `now` (see
/// `lis1_app::rest_positions::reply_deadline`).
pub fn reply_deadline(now: Timestamp) -> Timestamp {
    uc::reply_deadline(now)
}

// ---------------------------------------------------------------------------------------------
// Public list and detail

/// Notices on the list.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    ny: Option<String>,
}

/// `GET /reststillinger`: open rest positions, for everyone (no sign-in). An employer also sees
/// its own rest positions in every state.
pub async fn public_list(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<ListQuery>,
) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    let open: Vec<Value> = uc::open(&state.app)
        .await
        .map_err(app_err(lang))?
        .iter()
        .map(|r| card(r, lang))
        .collect();
    let mut ours = Vec::new();
    let mut may_create = false;
    let mut applicant = false;
    if let Some(s) = &v.session {
        let caller = s.caller();
        applicant =
            lis1_domain::access::authorize(&s.principal, &lis1_domain::access::Action::Apply)
                .is_ok();
        may_create = !uc::employers(&state.app, &caller)
            .await
            .map_err(app_err(lang))?
            .is_empty();
        ours = uc::ours(&state.app, &caller)
            .await
            .map_err(app_err(lang))?
            .iter()
            .map(|r| card(r, lang))
            .collect();
    }
    crate::templates::render(
        "rest_public.html",
        page(
            &state,
            &v,
            context! {
                positions => open, ours => ours, may_create => may_create, applicant => applicant,
                created => q.ny.is_some(),
            },
        ),
    )
}

/// Notices on the detail page.
#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    kvittering: Option<String>,
}

/// `GET /reststillinger/{id}`: one rest position, for everyone; an applicant can apply here.
pub async fn show(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let id = parse_id(&id, lang)?;
    let caller = v.session.as_ref().map(|s| s.caller());
    let d = uc::show(&state.app, caller.as_ref(), id)
        .await
        .map_err(app_err(lang))?;
    detail_page(
        &state,
        &v,
        &d.position,
        DetailView {
            may_manage: d.may_manage,
            applicant: d.applicant,
            has_profile: d.has_profile,
            applied: d.mine.is_some(),
            motivation: d.mine.map(|a| a.motivation).unwrap_or_default(),
            error: None,
            receipt: q.kvittering.is_some(),
        },
        StatusCode::OK,
    )
}

struct DetailView {
    may_manage: bool,
    applicant: bool,
    has_profile: bool,
    applied: bool,
    motivation: String,
    error: Option<String>,
    receipt: bool,
}

fn detail_page(
    state: &AppState,
    v: &Visitor,
    r: &RestPosition,
    d: DetailView,
    status: StatusCode,
) -> Result<Response, AppError> {
    let html = crate::templates::render(
        "rest.html",
        page(
            state,
            v,
            context! {
                r => card(r, v.lang), may_manage => d.may_manage, applicant => d.applicant,
                has_profile => d.has_profile, applied => d.applied, motivation => d.motivation,
                motivation_error => d.error, receipt => d.receipt,
            },
        ),
    )?;
    Ok((status, html).into_response())
}

/// Form: the application.
#[derive(Debug, Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    motivation: String,
}

/// `POST /reststillinger/{id}/sok`: applies with the saved profile and a motivation; a second
/// submit changes the same application.
pub async fn apply(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<ApplyForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = parse_id(&id, lang)?;
    let caller = s.caller();
    match uc::apply(&state.app, &caller, id, &f.motivation).await {
        Ok(_) => Ok(Redirect::to(&format!("/reststillinger/{id}?kvittering=1")).into_response()),
        // A bad cover letter: the form again, with what was typed and the message at the field.
        Err(e) if e.fields.iter().any(|(f, _)| f == "motivation") => {
            let d = uc::show(&state.app, Some(&caller), id)
                .await
                .map_err(app_err(lang))?;
            let error = e
                .field_messages(lang)
                .into_iter()
                .find(|(f, _)| f == "motivation")
                .map(|(_, m)| m);
            detail_page(
                &state,
                &v,
                &d.position,
                DetailView {
                    may_manage: false,
                    applicant: true,
                    has_profile: true,
                    applied: false,
                    motivation: f.motivation.trim().to_string(),
                    error,
                    receipt: false,
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => Err(AppError::app(e, lang)),
    }
}

// ---------------------------------------------------------------------------------------------
// The employer: create, applicants, offer

#[derive(Debug, Default, Deserialize, serde::Serialize)]
struct RestForm {
    #[serde(default)]
    employer: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    period_from: String,
    #[serde(default)]
    period_to: String,
    #[serde(default)]
    hospital_site_id: String,
}

fn form_page(
    state: &AppState,
    v: &Visitor,
    employers: &[Employer],
    form: &RestForm,
    errors: &[(String, String)],
    status: StatusCode,
) -> Result<Response, AppError> {
    let orgs: Vec<Value> = employers
        .iter()
        .map(|e| {
            let sites: Vec<Value> = e
                .sites
                .iter()
                .map(|s| context! { id => s.id.to_string(), name => s.name.clone() })
                .collect();
            context! { id => e.id.to_string(), name => e.name.clone(), sites => sites }
        })
        .collect();
    let any_sites = employers.iter().any(|e| !e.sites.is_empty());
    let map: std::collections::BTreeMap<&str, &str> = errors
        .iter()
        .map(|(k, m)| (k.as_str(), m.as_str()))
        .collect();
    let list: Vec<Value> = errors
        .iter()
        .map(|(k, m)| context! { field => k.clone(), message => m.clone() })
        .collect();
    let html = crate::templates::render(
        "rest_form.html",
        page(
            state,
            v,
            context! { employers => orgs, any_sites => any_sites, form => Value::from_serialize(form), errors => map, error_list => list },
        ),
    )?;
    Ok((status, html).into_response())
}

/// The organisations the signed-in user may advertise for, or 403.
async fn require_employer(state: &AppState, v: &Visitor) -> Result<Vec<Employer>, AppError> {
    let s = v.require()?;
    let list = uc::employers(&state.app, &s.caller())
        .await
        .map_err(app_err(v.lang))?;
    if list.is_empty() {
        return Err(
            AppError::from(lis1_domain::access::Denied::new("manage_rest_positions"))
                .in_lang(v.lang),
        );
    }
    Ok(list)
}

/// `GET /reststillinger/ny`: the form (an employer, for its own organisation).
pub async fn new_form(State(state): State<AppState>, v: Visitor) -> Result<Response, AppError> {
    let list = require_employer(&state, &v).await?;
    let form = RestForm {
        employer: list.first().map(|e| e.id.to_string()).unwrap_or_default(),
        title: list
            .first()
            .map(|e| format!("LIS1 – {}", e.name))
            .unwrap_or_default(),
        ..RestForm::default()
    };
    form_page(&state, &v, &list, &form, &[], StatusCode::OK)
}

/// `POST /reststillinger/ny`: advertise a rest position.
pub async fn create(
    State(state): State<AppState>,
    v: Visitor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let list = require_employer(&state, &v).await?;
    let s = v.require()?;
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    s.check_csrf(&field("csrf_token"), lang)?;
    let form = RestForm {
        employer: field("employer"),
        title: field("title"),
        description: field("description"),
        period_from: field("period_from"),
        period_to: field("period_to"),
        hospital_site_id: field("hospital_site_id"),
    };
    // With one organisation to choose from, the field may be left out; anything else that is
    // not a number is no organisation of the user's.
    let employer_id = if form.employer.is_empty() {
        None
    } else {
        Some(form.employer.parse::<i64>().unwrap_or(-1))
    };
    let draft = Draft {
        employer_id,
        title: form.title.clone(),
        description: form.description.clone(),
        period_from: form.period_from.clone(),
        period_to: form.period_to.clone(),
        // Not a number: no site of the trust's (refused at the field).
        hospital_site_id: (!form.hospital_site_id.is_empty())
            .then(|| form.hospital_site_id.parse::<i64>().unwrap_or(-1)),
    };
    match uc::create(&state.app, &s.caller(), &draft).await {
        Ok(r) => Ok(Redirect::to(&format!("/reststillinger/{}", r.id)).into_response()),
        Err(e) if !e.fields.is_empty() => form_page(
            &state,
            &v,
            &list,
            &form,
            &e.field_messages(lang),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => Err(AppError::app(e, lang)),
    }
}

/// Notices on the applicants page.
#[derive(Debug, Default, Deserialize)]
pub struct ApplicantsQuery {
    #[serde(default)]
    tilbud: Option<String>,
    #[serde(default)]
    avsluttet: Option<String>,
}

/// `GET /reststillinger/{id}/sokere`: the applicants and offers (the employer only).
pub async fn applicants(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Query(q): Query<ApplicantsQuery>,
) -> Result<Html<String>, AppError> {
    let id = parse_id(&id, v.lang)?;
    applicants_page(&state, &v, id, q, None).await
}

/// A refused close: the applicants page again with the message at the reason field and what was
/// typed kept (issue 11, item 6: never the generic error page), with the refusal's status.
async fn close_refused(
    state: &AppState,
    v: &Visitor,
    id: i64,
    reason: &str,
    e: AppError,
) -> Response {
    if e.redirect.is_some()
        || e.status == StatusCode::NOT_FOUND
        || e.status == StatusCode::FORBIDDEN
    {
        return e.into_response();
    }
    let status = e.status;
    match applicants_page(
        state,
        v,
        id,
        ApplicantsQuery::default(),
        Some((reason.to_string(), e.message)),
    )
    .await
    {
        Ok(html) => (status, html).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn applicants_page(
    state: &AppState,
    v: &Visitor,
    id: i64,
    q: ApplicantsQuery,
    close_error: Option<(String, String)>,
) -> Result<Html<String>, AppError> {
    let state = state.clone();
    let lang = v.lang;
    let s = v.require()?;
    let now = state.now();
    let list = uc::applicants(&state.app, &s.caller(), id)
        .await
        .map_err(app_err(lang))?;
    let rows: Vec<Value> = list
        .applicants
        .iter()
        .map(|a| {
            // The employer opens the applicant's documents as a hospital does
            // (`/dokumenter/{id}`, each view logged there).
            let docs: Vec<Value> = a
                .documents
                .iter()
                .map(|d| context! { id => d.id, filename => d.filename.clone(), kind => crate::i18n::t(lang, &format!("docs.kind_{}", d.kind)) })
                .collect();
            context! {
                id => a.application.id, name => a.application.applicant_name.clone(),
                sent => fmt_time(a.application.submitted_at, lang),
                docs => docs,
                offer => a.offer.as_ref().map(|o| context! {
                    state => offer_state_label(effective(&o.state, o.reply_deadline, now), lang),
                    deadline => fmt_time(o.reply_deadline, lang),
                }),
            }
        })
        .collect();
    let r = &list.position;
    crate::templates::render(
        "rest_applicants.html",
        page(
            &state,
            v,
            context! {
                r => card(r, lang), applicants => rows, may_offer => list.may_offer,
                offered => q.tilbud.is_some(), closed => q.avsluttet.is_some(),
                may_close => r.state == "open",
                close_reason => close_error.as_ref().map(|(r, _)| r.clone()),
                close_error => close_error.map(|(_, m)| m),
            },
        ),
    )
}

/// An offer left `made` after its deadline has in effect expired.
fn effective(state: &str, deadline: Timestamp, now: Timestamp) -> &str {
    if state == "made" && deadline <= now {
        "expired"
    } else {
        state
    }
}

/// Form: whom to offer.
#[derive(Debug, Deserialize)]
pub struct OfferForm {
    #[serde(default)]
    csrf_token: String,
    application: i64,
}

/// `POST /reststillinger/{id}/tilbud`: offer to one applicant, with a reply deadline of three
/// working days at 12:00. Refused while another offer is outstanding or after it is filled.
pub async fn offer(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<OfferForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = parse_id(&id, lang)?;
    uc::make_offer(&state.app, &s.caller(), id, f.application)
        .await
        .map_err(app_err(lang))?;
    Ok(Redirect::to(&format!("/reststillinger/{id}/sokere?tilbud=1")).into_response())
}

/// Form: close with a reason.
#[derive(Debug, Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    bekreft: String,
}

/// `POST /reststillinger/{id}/avslutt`: the employer closes an open rest position with a reason.
/// It leaves the public list; unanswered offers of it are withdrawn and their applicants told.
pub async fn close(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<CloseForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = parse_id(&id, lang)?;
    let caller = s.caller();
    if !crate::pages::confirm::confirmed(&f.bekreft) {
        // Check first (nothing is written), then ask: closing cannot be undone.
        let r = match uc::check_close(&state.app, &caller, id, &f.reason).await {
            Ok(r) => r,
            Err(e) => {
                return Ok(close_refused(&state, &v, id, &f.reason, AppError::app(e, lang)).await);
            }
        };
        let title = &r.title;
        let reason = f.reason.trim();
        return crate::pages::confirm::page_for(
            &state,
            &v,
            crate::pages::confirm::Confirm {
                title: lang.pick3(
                    format!("Avslutt reststillingen «{title}»"),
                    format!("Avslutt reststillinga «{title}»"),
                    format!("Close the remaining position «{title}»"),
                ),
                what: lang.pick3(
                    format!("Stillingen forsvinner fra den offentlige listen. Tilbud som ikke er besvart, trekkes, og søkerne får beskjed med begrunnelsen: «{reason}»."),
                    format!("Stillinga forsvinn frå den offentlege lista. Tilbod som ikkje er svarte på, blir trekte, og søkjarane får melding med grunngivinga: «{reason}»."),
                    format!("The position leaves the public list. Unanswered offers are withdrawn, and the applicants are told the reason: «{reason}»."),
                ),
                irreversible: lang
                    .pick3(
                        "En avsluttet reststilling kan ikke åpnes igjen; trukne tilbud kommer ikke tilbake.",
                        "Ei avslutta reststilling kan ikkje opnast att; trekte tilbod kjem ikkje tilbake.",
                        "A closed remaining position cannot be reopened; withdrawn offers do not come back.",
                    )
                    .into(),
                action: format!("/reststillinger/{id}/avslutt"),
                fields: vec![("reason".into(), f.reason.clone())],
                back: format!("/reststillinger/{id}/sokere"),
                button: lang.pick3("Avslutt stillingen", "Avslutt stillinga", "Close the position").into(),
            },
        );
    }
    if let Err(e) = uc::close(&state.app, &caller, id, &f.reason).await {
        return Ok(close_refused(&state, &v, id, &f.reason, AppError::app(e, lang)).await);
    }
    Ok(Redirect::to(&format!("/reststillinger/{id}/sokere?avsluttet=1")).into_response())
}

/// Form: withdraw (only the token).
#[derive(Debug, Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    csrf_token: String,
}

/// `POST /reststillinger/{id}/trekk`: the applicant withdraws their application, before
/// accepting an offer of it; an unanswered offer of it is withdrawn with it.
pub async fn withdraw(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<WithdrawForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = parse_id(&id, lang)?;
    uc::withdraw(&state.app, &s.caller(), id)
        .await
        .map_err(app_err(lang))?;
    Ok(Redirect::to("/reststillinger/mine?trukket=1").into_response())
}

// ---------------------------------------------------------------------------------------------
// The applicant: own applications and offers, answers

/// Notices on the applicant's page.
#[derive(Debug, Deserialize)]
pub struct MineQuery {
    #[serde(default)]
    svar: Option<String>,
    #[serde(default)]
    trukket: Option<String>,
}

/// `GET /reststillinger/mine`: the applicant's rest applications and offers.
pub async fn mine(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<MineQuery>,
) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let now = state.now();
    let m = uc::mine(&state.app, &s.caller())
        .await
        .map_err(app_err(lang))?;
    let applications: Vec<Value> = m
        .applications
        .iter()
        .map(|(a, r)| {
            let withdrawn = a.state == "withdrawn";
            context! {
                id => r.id, title => r.title.clone(), employer => r.employer_name.clone(),
                sent => fmt_time(a.submitted_at, lang),
                state => if withdrawn { crate::i18n::t(lang, "rest.withdrawn_state") } else { state_label(&r.state, lang) },
                may_withdraw => !withdrawn && r.state == "open",
            }
        })
        .collect();
    let offers: Vec<Value> = m
        .offers
        .iter()
        .map(|(o, r)| {
            context! {
                id => o.id, rest_id => r.id, title => r.title.clone(), employer => r.employer_name.clone(),
                period => format!("{} – {}", fmt_date(r.period_from, lang), fmt_date(r.period_to, lang)),
                deadline => fmt_time(o.reply_deadline, lang),
                state => offer_state_label(effective(&o.state, o.reply_deadline, now), lang),
                open => o.state == "made" && o.reply_deadline > now,
                accepted => o.state == "accepted",
            }
        })
        .collect();
    let notice = match q.svar.as_deref() {
        Some("ja") => Some(crate::i18n::t(lang, "rest.accepted")),
        Some("nei") => Some(crate::i18n::t(lang, "rest.declined")),
        _ if q.trukket.is_some() => Some(crate::i18n::t(lang, "rest.withdrawn")),
        _ => None,
    };
    crate::templates::render(
        "rest_mine.html",
        page(
            &state,
            &v,
            context! { applications => applications, offers => offers, notice => notice },
        ),
    )
}

/// Form: the answer.
#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    csrf_token: String,
    answer: String,
}

/// `POST /reststillinger/tilbud/{offer}/svar`: accept or decline one's own rest offer before its
/// deadline; accepting fills the rest position.
pub async fn answer(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = parse_id(&id, lang)?;
    let answer = match f.answer.as_str() {
        "ja" => Answer::Accept,
        "nei" => Answer::Decline,
        _ => {
            return Err(AppError::app(
                lis1_app::Error::field_text(
                    "answer",
                    "bad_request",
                    "Ukjent svar.",
                    "Ukjend svar.",
                    "Unknown answer.",
                ),
                lang,
            ));
        }
    };
    uc::answer(&state.app, &s.caller(), id, answer)
        .await
        .map_err(app_err(lang))?;
    Ok(Redirect::to(&format!("/reststillinger/mine?svar={}", f.answer)).into_response())
}
