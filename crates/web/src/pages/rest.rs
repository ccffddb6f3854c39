//! Rest positions (*reststillinger*, 002 §2.3, 004 draft §12): places left vacant after the offer
//! rounds, or vacated later by resignation, advertised continuously by the responsible employer
//! as standalone, time-limited positions without coupling. A public list; a short application
//! (the saved profile and a motivation); one offer at a time with a reply deadline of three
//! working days at 12:00; an acceptance fills the position.
//!
//! Who may manage a rest position is `Action::ManageRestPositions`; the atomic transitions are
//! `lis1_store::rest_positions`.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::Timestamp;
use jiff::civil::{Date, time};
use lis1_domain::Lang;
use lis1_domain::access::{Action, Grant, Role, authorize};
use lis1_domain::calendar;
use lis1_domain::offers::{OfferState, VacancyReason};
use lis1_store::audit::Event;
use lis1_store::rest_positions::{NewRestPosition, RestPosition};
use lis1_store::{Actor, Ctx, StoreError};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::auth::{SignedIn, Visitor};
use crate::error::AppError;
use crate::notify::{self, Letter};
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

fn store_err(lang: Lang) -> impl Fn(StoreError) -> AppError {
    move |e| AppError::store(e, lang)
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

/// The organisations the user may advertise rest positions for (a municipality or a hospital
/// trust where they hold a grant), each with the grant that allows it.
async fn employers(
    state: &AppState,
    s: &SignedIn,
    lang: Lang,
) -> Result<Vec<(i64, String, Grant)>, AppError> {
    let mut out = Vec::new();
    for g in &s.principal.grants {
        if !matches!(g.role, Role::Municipality | Role::HfRecruiter) {
            continue;
        }
        let path = state.store.org_path(g.org).await.map_err(store_err(lang))?;
        if let Ok(grant) = authorize(
            &s.principal,
            &Action::ManageRestPositions { employer: &path },
        ) {
            let org = state.store.org(g.org).await.map_err(store_err(lang))?;
            out.push((org.id, org.name, grant));
        }
    }
    Ok(out)
}

/// The grant that lets the user manage `r`, or 403.
pub(crate) async fn manage(
    state: &AppState,
    s: &SignedIn,
    r: &RestPosition,
    lang: Lang,
) -> Result<Grant, AppError> {
    let path = state
        .store
        .org_path(r.employer_id)
        .await
        .map_err(store_err(lang))?;
    authorize(
        &s.principal,
        &Action::ManageRestPositions { employer: &path },
    )
    .map_err(|d| AppError::domain(StatusCode::FORBIDDEN, &d, lang))
}

fn require_applicant(v: &Visitor) -> Result<(&SignedIn, Grant), AppError> {
    let s = v.require()?;
    let g = authorize(&s.principal, &Action::Apply)
        .map_err(|d| AppError::domain(StatusCode::FORBIDDEN, &d, v.lang))?;
    Ok((s, g))
}

/// The reply deadline of a rest offer made at `now`: three working days later at 12:00 Oslo
/// time (as the first offer round, 004 draft §12).
pub fn reply_deadline(now: Timestamp) -> Timestamp {
    let today = calendar::to_oslo(now).date();
    let day = calendar::add_working_days(today, 3);
    // 12:00 exists every day in Oslo; the fallback is only for the ends of jiff's range.
    calendar::from_oslo(day.to_datetime(time(12, 0, 0, 0))).unwrap_or(now)
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
    let open: Vec<Value> = state
        .store
        .open_rest_positions()
        .await
        .map_err(store_err(lang))?
        .iter()
        .map(|r| card(r, lang))
        .collect();
    let mut ours = Vec::new();
    let mut may_create = false;
    let mut applicant = false;
    if let Some(s) = &v.session {
        applicant = authorize(&s.principal, &Action::Apply).is_ok();
        for (org, _, _) in employers(&state, s, lang).await? {
            may_create = true;
            for r in state
                .store
                .rest_positions_for_employer(org)
                .await
                .map_err(store_err(lang))?
            {
                ours.push(card(&r, lang));
            }
        }
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
    let r = state
        .store
        .rest_position(id)
        .await
        .map_err(store_err(lang))?;
    let mut may_manage = false;
    let mut applicant = false;
    let mut has_profile = false;
    let mut existing: Option<String> = None;
    if let Some(s) = &v.session {
        may_manage = manage(&state, s, &r, lang).await.is_ok();
        if authorize(&s.principal, &Action::Apply).is_ok() {
            applicant = true;
            has_profile = state
                .store
                .profile(s.user.id)
                .await
                .map_err(store_err(lang))?
                .is_some_and(|p| !p.data.is_null());
            existing = state
                .store
                .rest_applications_for_applicant(s.user.id)
                .await
                .map_err(store_err(lang))?
                .into_iter()
                .find(|a| a.rest_position_id == id && a.state == "submitted")
                .map(|a| a.motivation);
        }
    }
    // A filled or closed rest position is no longer advertised; only its employer sees it.
    if r.state != "open" && !may_manage && existing.is_none() {
        return Err(AppError::not_found(lang));
    }
    detail_page(
        &state,
        &v,
        &r,
        DetailView {
            may_manage,
            applicant,
            has_profile,
            applied: existing.is_some(),
            motivation: existing.unwrap_or_default(),
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
    let (s, grant) = require_applicant(&v)?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = parse_id(&id, lang)?;
    let r = state
        .store
        .rest_position(id)
        .await
        .map_err(store_err(lang))?;
    let motivation = f.motivation.trim().to_string();
    if motivation.chars().count() > 5000 {
        let error = lang
            .pick3(
                "Søknadsteksten kan ha høyst 5000 tegn.",
                "Søknadsteksten kan ha høgst 5000 teikn.",
                "The cover letter can have at most 5,000 characters.",
            )
            .to_string();
        return detail_page(
            &state,
            &v,
            &r,
            DetailView {
                may_manage: false,
                applicant: true,
                has_profile: true,
                applied: false,
                motivation,
                error: Some(error),
                receipt: false,
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let Some(profile) = state
        .store
        .profile(s.user.id)
        .await
        .map_err(store_err(lang))?
        .filter(|p| !p.data.is_null())
    else {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "profile_missing",
            crate::i18n::t(lang, "rest.profile_first"),
        )
        .in_lang(lang));
    };
    let ctx = Ctx::new(Actor::user(s.user.id, grant), state.now());
    match state
        .store
        .apply_rest_position(&ctx, id, s.user.id, &motivation, &profile.data)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/reststillinger/{id}?kvittering=1")).into_response()),
        Err(StoreError::Conflict(_)) => Err(not_open(lang)),
        Err(e) => Err(AppError::store(e, lang)),
    }
}

fn not_open(lang: Lang) -> AppError {
    AppError::new(
        StatusCode::CONFLICT,
        "rest_position_not_open",
        lang.pick3(
            "Reststillingen er ikke lenger ledig. Ingenting ble endret.",
            "Reststillinga er ikkje lenger ledig. Ingenting vart endra.",
            "The rest position is no longer open. Nothing was changed.",
        ),
    )
    .in_lang(lang)
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
}

fn form_page(
    state: &AppState,
    v: &Visitor,
    employers: &[(i64, String, Grant)],
    form: &RestForm,
    errors: &[(String, String)],
    status: StatusCode,
) -> Result<Response, AppError> {
    let orgs: Vec<Value> = employers
        .iter()
        .map(|(id, name, _)| context! { id => id.to_string(), name => name.clone() })
        .collect();
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
            context! { employers => orgs, form => Value::from_serialize(form), errors => map, error_list => list },
        ),
    )?;
    Ok((status, html).into_response())
}

async fn require_employer(
    state: &AppState,
    v: &Visitor,
) -> Result<(SignedIn, Vec<(i64, String, Grant)>), AppError> {
    let s = v.require()?;
    let list = employers(state, s, v.lang).await?;
    if list.is_empty() {
        return Err(
            AppError::from(lis1_domain::access::Denied::new("manage_rest_positions"))
                .in_lang(v.lang),
        );
    }
    Ok((s.clone(), list))
}

/// `GET /reststillinger/ny`: the form (an employer, for its own organisation).
pub async fn new_form(State(state): State<AppState>, v: Visitor) -> Result<Response, AppError> {
    let (_, list) = require_employer(&state, &v).await?;
    let form = RestForm {
        employer: list
            .first()
            .map(|(id, _, _)| id.to_string())
            .unwrap_or_default(),
        title: list
            .first()
            .map(|(_, name, _)| format!("LIS1 – {name}"))
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
    let (s, list) = require_employer(&state, &v).await?;
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
    };
    let mut errors: Vec<(String, String)> = Vec::new();
    // With one organisation to choose from, the field may be left out.
    let chosen = match (form.employer.parse::<i64>(), list.as_slice()) {
        (Ok(id), _) => list.iter().find(|(org, _, _)| *org == id),
        (Err(_), [only]) if form.employer.is_empty() => Some(only),
        _ => None,
    };
    if chosen.is_none() {
        errors.push((
            "employer".into(),
            lang.pick3(
                "Velg fra listen.",
                "Vel frå lista.",
                "Choose from the list.",
            )
            .into(),
        ));
    }
    if form.title.is_empty() || form.title.chars().count() > 200 {
        errors.push((
            "title".into(),
            lang.pick3(
                "Skriv en tittel (høyst 200 tegn).",
                "Skriv ein tittel (høgst 200 teikn).",
                "Write a title (at most 200 characters).",
            )
            .into(),
        ));
    }
    if form.description.chars().count() > 5000 {
        errors.push((
            "description".into(),
            lang.pick3(
                "Beskrivelsen kan ha høyst 5000 tegn.",
                "Skildringa kan ha høgst 5000 teikn.",
                "The description can have at most 5,000 characters.",
            )
            .into(),
        ));
    }
    let bad_date = lang.pick3(
        "Skriv en dato som 2027-09-01.",
        "Skriv ein dato som 2027-09-01.",
        "Write a date like 2027-09-01.",
    );
    let from = form.period_from.parse::<Date>().ok();
    let to = form.period_to.parse::<Date>().ok();
    if from.is_none() {
        errors.push(("period_from".into(), bad_date.into()));
    }
    if to.is_none() {
        errors.push(("period_to".into(), bad_date.into()));
    }
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        errors.push((
            "period_to".into(),
            lang.pick3(
                "Perioden kan ikke slutte før den begynner.",
                "Perioden kan ikkje slutte før han byrjar.",
                "The period cannot end before it starts.",
            )
            .into(),
        ));
    }
    let (Some((employer, _, grant)), Some(period_from), Some(period_to), true) =
        (chosen, from, to, errors.is_empty())
    else {
        return form_page(
            &state,
            &v,
            &list,
            &form,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let ctx = Ctx::new(Actor::user(s.user.id, *grant), state.now());
    let id = state
        .store
        .create_rest_position(
            &ctx,
            &NewRestPosition {
                employer_id: *employer,
                source_position_id: None,
                reason: VacancyReason::NotFilledAfterOfferRounds,
                title: form.title.clone(),
                description: form.description.clone(),
                period_from,
                period_to,
            },
        )
        .await
        .map_err(store_err(lang))?;
    Ok(Redirect::to(&format!("/reststillinger/{id}")).into_response())
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
    let r = state
        .store
        .rest_position(id)
        .await
        .map_err(store_err(lang))?;
    let grant = manage(&state, s, &r, lang).await?;
    let now = state.now();
    let apps = state
        .store
        .rest_applications(id)
        .await
        .map_err(store_err(lang))?;
    let offers = state
        .store
        .rest_offers_for_position(id)
        .await
        .map_err(store_err(lang))?;
    let busy = offers
        .iter()
        .any(|o| o.state == "accepted" || (o.state == "made" && o.reply_deadline > now));
    let may_offer = r.state == "open" && !busy;
    let mut rows: Vec<Value> = Vec::new();
    for a in apps.iter().filter(|a| a.state == "submitted") {
        let last = offers.iter().rev().find(|o| o.rest_application_id == a.id);
        // The employer opens the applicant's documents as a hospital does (`/dokumenter/{id}`,
        // each view logged there).
        let docs: Vec<Value> = state
            .store
            .documents(a.applicant_id)
            .await
            .map_err(store_err(lang))?
            .into_iter()
            .map(|d| context! { id => d.id, filename => d.filename, kind => crate::i18n::t(lang, &format!("docs.kind_{}", d.kind)) })
            .collect();
        rows.push(context! {
            id => a.id, name => a.applicant_name.clone(), sent => fmt_time(a.submitted_at, lang),
            docs => docs,
            offer => last.map(|o| context! {
                state => offer_state_label(effective(&o.state, o.reply_deadline, now), lang),
                deadline => fmt_time(o.reply_deadline, lang),
            }),
        });
    }
    // Names of applicants are personal data: the read is logged.
    let ctx = Ctx::new(Actor::user(s.user.id, grant), now);
    state
        .store
        .log(
            &ctx,
            Event {
                action: "rest_applicants.list",
                object_type: "rest_position",
                object_id: id.to_string(),
                summary: serde_json::json!({"shown": rows.len()}),
            },
        )
        .await
        .map_err(store_err(lang))?;
    crate::templates::render(
        "rest_applicants.html",
        page(
            &state,
            v,
            context! {
                r => card(&r, lang), applicants => rows, may_offer => may_offer,
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
    let r = state
        .store
        .rest_position(id)
        .await
        .map_err(store_err(lang))?;
    let grant = manage(&state, s, &r, lang).await?;
    let ctx = Ctx::new(Actor::user(s.user.id, grant), state.now());
    let deadline = reply_deadline(ctx.now);
    match state
        .store
        .make_rest_offer(&ctx, id, f.application, deadline)
        .await
    {
        Ok(offer_id) => {
            notify_offer(&state, &ctx, &r, offer_id, deadline).await;
            Ok(Redirect::to(&format!("/reststillinger/{id}/sokere?tilbud=1")).into_response())
        }
        Err(StoreError::Conflict(what)) => Err(match what.as_str() {
            "offer_outstanding" => AppError::new(
                StatusCode::CONFLICT,
                "rest_offer_outstanding",
                lang.pick3(
                    "Stillingen har allerede et tilbud som ikke er besvart eller er akseptert. Ingenting ble endret.", "Stillinga har alt eit tilbod som ikkje er svart på eller er akseptert. Ingenting vart endra.",
                    "The position already has an offer that is unanswered or accepted. Nothing was changed.",
                ),
            )
            .in_lang(lang),
            "not_an_applicant" => AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "not_an_applicant",
                lang.pick3(
                    "Vedkommende har ikke søkt på stillingen.", "Vedkomande har ikkje søkt på stillinga.",
                    "This person has not applied for the position.",
                ),
            )
            .in_lang(lang),
            _ => not_open(lang),
        }),
        Err(e) => Err(AppError::store(e, lang)),
    }
}

async fn notify_offer(
    state: &AppState,
    ctx: &Ctx,
    r: &RestPosition,
    offer_id: i64,
    deadline: Timestamp,
) {
    let Ok(offer) = state.store.rest_offer(offer_id).await else {
        return;
    };
    let (title, employer) = (&r.title, &r.employer_name);
    let link = lis1_app::notify::link("/reststillinger/mine");
    let letter = |lang: Lang| Letter {
        subject: match lang {
            Lang::Nb => format!("Tilbud om reststilling: {title}"),
            Lang::Nn => format!("Tilbod om reststilling: {title}"),
            Lang::En => format!("Offer of a remaining position: {title}"),
        },
        body: {
            let when = fmt_time(deadline, lang);
            match lang {
                Lang::Nb => format!(
                    "Du har fått tilbud om reststillingen «{title}» ({employer}).\n\nSvarfrist: {when}. Svar under «Mine reststillinger» i LIS1-portalen: {link}"
                ),
                Lang::Nn => format!(
                    "Du har fått tilbod om reststillinga «{title}» ({employer}).\n\nSvarfrist: {when}. Svar under «Mine reststillingar» i LIS1-portalen: {link}"
                ),
                Lang::En => format!(
                    "You have been offered the remaining position “{title}” ({employer}).\n\nReply by: {when}. Reply under “My remaining positions” in the LIS1 portal: {link}"
                ),
            }
        },
        kind: "rest_offer_made",
        object_type: "rest_offer",
        object_id: offer_id.to_string(),
    };
    notify::send_to_user(state, ctx, offer.applicant_id, letter).await;
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
    let r = state
        .store
        .rest_position(id)
        .await
        .map_err(store_err(lang))?;
    let grant = manage(&state, s, &r, lang).await?;
    let reason = f.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        let e = AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason_required",
            lang.pick3(
                "Skriv en begrunnelse (høyst 500 tegn). Ingenting ble endret.",
                "Skriv ei grunngiving (høgst 500 teikn). Ingenting vart endra.",
                "Write a reason (at most 500 characters). Nothing was changed.",
            ),
        )
        .in_lang(lang);
        return Ok(close_refused(&state, &v, id, &f.reason, e).await);
    }
    if r.state != "open" {
        return Ok(close_refused(&state, &v, id, &f.reason, not_open(lang)).await);
    }
    if !crate::pages::confirm::confirmed(&f.bekreft) {
        let title = &r.title;
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
    let ctx = Ctx::new(Actor::user(s.user.id, grant), state.now());
    let withdrawn = match state.store.close_rest_position(&ctx, id, reason).await {
        Ok(w) => w,
        Err(StoreError::Conflict(_)) => {
            return Ok(close_refused(&state, &v, id, &f.reason, not_open(lang)).await);
        }
        Err(e) => return Err(AppError::store(e, lang)),
    };
    for o in withdrawn {
        let (title, employer) = (&r.title, &r.employer_name);
        let letter = |lang: Lang| Letter {
            subject: match lang {
                Lang::Nb => format!("Tilbudet om reststilling er trukket: {title}"),
                Lang::Nn => format!("Tilbodet om reststilling er trekt tilbake: {title}"),
                Lang::En => format!("The offer of a remaining position is withdrawn: {title}"),
            },
            body: match lang {
                Lang::Nb => format!(
                    "{employer} har avsluttet reststillingen «{title}», og tilbudet ditt er trukket.\n\nBegrunnelse: {reason}"
                ),
                Lang::Nn => format!(
                    "{employer} har avslutta reststillinga «{title}», og tilbodet ditt er trekt tilbake.\n\nGrunngiving: {reason}"
                ),
                Lang::En => format!(
                    "{employer} has closed the remaining position “{title}”, and your offer is withdrawn.\n\nReason: {reason}"
                ),
            },
            kind: "rest_offer_withdrawn",
            object_type: "rest_offer",
            object_id: o.id.to_string(),
        };
        notify::send_to_user(&state, &ctx, o.applicant_id, letter).await;
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
    let (s, grant) = require_applicant(&v)?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = parse_id(&id, lang)?;
    let ctx = Ctx::new(Actor::user(s.user.id, grant), state.now());
    match state
        .store
        .withdraw_rest_application(&ctx, id, s.user.id)
        .await
    {
        Ok(withdrawn) => {
            // An unanswered offer went with the application: the employer is told.
            if withdrawn.is_some()
                && let Ok(position) = state.store.rest_position(id).await
            {
                let (name, title) = (&s.user.display_name, &position.title);
                let letter = |lang: Lang| crate::notify::Letter {
                    subject: match lang {
                        Lang::Nb => format!("Tilbud om reststilling trukket: {title}"),
                        Lang::Nn => format!("Tilbod om reststilling trekt: {title}"),
                        Lang::En => format!("Offer of a remaining position withdrawn: {title}"),
                    },
                    body: match lang {
                        Lang::Nb => format!(
                            "{name} har trukket søknaden på reststillingen «{title}». Tilbudet som var sendt, \
                             er dermed trukket, og stillingen kan tilbys en annen søker."
                        ),
                        Lang::Nn => format!(
                            "{name} har trekt søknaden på reststillinga «{title}». Tilbodet som var sendt, \
                             er dermed trekt, og stillinga kan tilbydast ein annan søkjar."
                        ),
                        Lang::En => format!(
                            "{name} has withdrawn the application for the remaining position «{title}». The \
                             offer that was sent is thereby withdrawn, and the position can be offered to \
                             another applicant."
                        ),
                    },
                    kind: "rest_application_withdrawn",
                    object_type: "rest_position",
                    object_id: id.to_string(),
                };
                for role in [Role::Municipality, Role::HfRecruiter] {
                    for r in crate::notify::role_holders(&state, position.employer_id, role).await
                    {
                        crate::notify::send_to(&state, &ctx, &r.email, &r.name, r.lang, letter(r.lang))
                            .await;
                    }
                }
            }
            Ok(Redirect::to("/reststillinger/mine?trukket=1").into_response())
        }
        Err(StoreError::Conflict(_)) => Err(AppError::new(
            StatusCode::CONFLICT,
            "rest_offer_accepted",
            lang.pick3(
                "Du har takket ja til denne stillingen, så søknaden kan ikke trekkes. Ingenting ble endret.", "Du har takka ja til denne stillinga, så søknaden kan ikkje trekkjast. Ingenting vart endra.",
                "You have accepted this position, so the application cannot be withdrawn. Nothing was changed.",
            ),
        )
        .in_lang(lang)),
        Err(StoreError::NotFound) => Err(AppError::not_found(lang)),
        Err(e) => Err(AppError::store(e, lang)),
    }
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
    let (s, _) = require_applicant(&v)?;
    let now = state.now();
    let mut applications = Vec::new();
    for a in state
        .store
        .rest_applications_for_applicant(s.user.id)
        .await
        .map_err(store_err(lang))?
    {
        let r = state
            .store
            .rest_position(a.rest_position_id)
            .await
            .map_err(store_err(lang))?;
        let withdrawn = a.state == "withdrawn";
        applications.push(context! {
            id => r.id, title => r.title, employer => r.employer_name,
            sent => fmt_time(a.submitted_at, lang),
            state => if withdrawn { crate::i18n::t(lang, "rest.withdrawn_state") } else { state_label(&r.state, lang) },
            may_withdraw => !withdrawn && r.state == "open",
        });
    }
    let mut offers = Vec::new();
    for o in state
        .store
        .rest_offers_for_applicant(s.user.id)
        .await
        .map_err(store_err(lang))?
        .iter()
        .rev()
    {
        let r = state
            .store
            .rest_position(o.rest_position_id)
            .await
            .map_err(store_err(lang))?;
        offers.push(context! {
            id => o.id, rest_id => r.id, title => r.title.clone(), employer => r.employer_name.clone(),
            period => format!("{} – {}", fmt_date(r.period_from, lang), fmt_date(r.period_to, lang)),
            deadline => fmt_time(o.reply_deadline, lang),
            state => offer_state_label(effective(&o.state, o.reply_deadline, now), lang),
            open => o.state == "made" && o.reply_deadline > now,
            accepted => o.state == "accepted",
        });
    }
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
    let (s, grant) = require_applicant(&v)?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id = parse_id(&id, lang)?;
    let offer = state.store.rest_offer(id).await.map_err(store_err(lang))?;
    let ctx = Ctx::new(Actor::user(s.user.id, grant), state.now());
    if offer.applicant_id != s.user.id {
        // Someone else's offer: refused like a missing one, and the attempt is logged.
        let _ = state
            .store
            .log(
                &ctx,
                Event {
                    action: "rest_offer.answer_refused",
                    object_type: "rest_offer",
                    object_id: id.to_string(),
                    summary: serde_json::json!({"reason": "not_owner"}),
                },
            )
            .await;
        return Err(AppError::not_found(lang));
    }
    let result = match f.answer.as_str() {
        "ja" => state.store.accept_rest_offer(&ctx, id, s.user.id).await,
        "nei" => state.store.decline_rest_offer(&ctx, id, s.user.id).await,
        _ => {
            return Err(AppError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                lang.pick3("Ukjent svar.", "Ukjend svar.", "Unknown answer."),
            )
            .in_lang(lang));
        }
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/reststillinger/mine?svar={}", f.answer)).into_response())
        }
        Err(StoreError::Conflict(_)) => Err(crate::pages::offers::offer_not_open(
            offer.reply_deadline,
            lang,
        )),
        Err(e) => Err(AppError::store(e, lang)),
    }
}

// ---------------------------------------------------------------------------------------------
// Resignation

/// Hands on the places of acceptances just resigned (see
/// `lis1_app::rest_positions::after_resignations`). Returns the rest positions made.
pub async fn on_resigned(state: &AppState, ctx: &Ctx, resigned_offer_ids: &[i64]) -> Vec<i64> {
    let result = async {
        let mut tx = state.store.begin().await?;
        let made =
            lis1_app::rest_positions::after_resignations(&mut tx, ctx.now, resigned_offer_ids)
                .await?;
        tx.commit().await?;
        Ok::<_, lis1_app::Error>(made)
    }
    .await;
    result.unwrap_or_else(|e| {
        tracing::error!(error = %e, "could not hand on resigned places");
        Vec::new()
    })
}
