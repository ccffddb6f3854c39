//! Rounds: the public timetable, and the directorate's form that refuses dates breaking the rules
//! (`lis1_domain::rounds::validate`), naming the rule and the earliest allowed date.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::civil::{Date, DateTime};
use lis1_domain::access::{Action, authorize};
use lis1_domain::rounds::{self, OfferRoundDraft, RoundDraft, Season};
use lis1_domain::{Lang, Localized};
use lis1_store::StoreError;
use lis1_store::rounds::{NewRound, StoredRound};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::auth::Visitor;
use crate::error::AppError;
use crate::limits::{self, RowField};
use crate::pages::{fmt_date, fmt_time, page};
use crate::state::AppState;

/// Rounds as table rows, formatted for people.
pub fn round_rows(rounds: &[StoredRound], lang: Lang) -> Vec<Value> {
    rounds
        .iter()
        .map(|r| {
            context! {
                id => r.id, name => r.name.clone(),
                announcement => fmt_time(r.announcement, lang),
                application_deadline => fmt_time(r.application_deadline, lang),
                earliest_offer => fmt_time(r.earliest_offer, lang),
                start_date => fmt_date(r.start_date, lang),
            }
        })
        .collect()
}

/// `GET /runder`.
pub async fn list(State(state): State<AppState>, v: Visitor) -> Result<Html<String>, AppError> {
    let rounds = state
        .store
        .rounds()
        .await
        .map_err(|e| AppError::store(e, v.lang))?;
    let can_manage = v
        .session
        .as_ref()
        .is_some_and(|s| authorize(&s.principal, &Action::ManageRounds).is_ok());
    crate::templates::render(
        "rounds.html",
        page(
            &state,
            &v,
            context! { rounds => round_rows(&rounds, v.lang), can_manage => can_manage },
        ),
    )
}

/// Query after saving.
#[derive(Debug, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    lagret: Option<String>,
}

/// `GET /runder/{id}`.
pub async fn show(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let r = state
        .store
        .round(id)
        .await
        .map_err(|e| AppError::store(e, lang))?;
    let season_label = Season::parse(&r.season)
        .map(|s| s.label(lang))
        .unwrap_or("");
    let offers: Vec<_> = r
        .offer_rounds
        .iter()
        .map(|o| {
            context! {
                number => o.number, offer_at => fmt_time(o.offer_at, lang),
                reply_deadline => fmt_time(o.reply_deadline, lang),
                marking_at => fmt_time(o.marking_at, lang),
            }
        })
        .collect();
    let round = context! {
        id => r.id, name => r.name, season_label => season_label, year => r.year,
        announcement => fmt_time(r.announcement, lang),
        application_deadline => fmt_time(r.application_deadline, lang),
        earliest_offer => fmt_time(r.earliest_offer, lang),
        start_date => fmt_date(r.start_date, lang),
        offer_rounds => offers,
    };
    let notice = q.lagret.map(|_| crate::i18n::t(lang, "rounds.saved"));
    crate::templates::render(
        "round.html",
        page(&state, &v, context! { round => round, notice => notice }),
    )
}

/// The form's fields as strings, exactly as the user typed them (so nothing is lost on an error).
#[derive(Debug, Clone, Default, serde::Serialize)]
struct FormValues {
    name: String,
    season: String,
    year: String,
    announcement: String,
    application_deadline: String,
    earliest_offer: String,
    start_date: String,
    offer_rounds: Vec<OfferValues>,
    /// The form had offer-round rows at or past [`MAX_OFFER_ROUNDS`] (refused at the table).
    #[serde(skip)]
    too_far: bool,
    /// The directorate confirmed registering a round whose announcement has passed.
    past_ok: bool,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
struct OfferValues {
    offer_at: String,
    reply_deadline: String,
    marking_at: String,
}

/// The most offer rounds a round may have (the form and the API refuse more, issue 9).
pub const MAX_OFFER_ROUNDS: usize = 10;

fn dt_value(dt: DateTime) -> String {
    dt.strftime("%Y-%m-%dT%H:%M").to_string()
}

impl FormValues {
    fn from_draft(d: &RoundDraft) -> FormValues {
        FormValues {
            name: d.name.clone(),
            season: d.season.as_str().into(),
            year: d.year.to_string(),
            announcement: dt_value(d.announcement),
            application_deadline: dt_value(d.application_deadline),
            earliest_offer: dt_value(d.earliest_offer),
            start_date: d.start_date.to_string(),
            offer_rounds: d
                .offer_rounds
                .iter()
                .map(|o| OfferValues {
                    offer_at: dt_value(o.offer_at),
                    reply_deadline: dt_value(o.reply_deadline),
                    marking_at: dt_value(o.marking_at),
                })
                .collect(),
            too_far: false,
            past_ok: false,
        }
    }

    fn from_pairs(pairs: &[(String, String)]) -> FormValues {
        let mut f = FormValues::default();
        let mut offers: BTreeMap<usize, OfferValues> = BTreeMap::new();
        for (k, v) in pairs {
            let v = v.trim().to_string();
            match k.as_str() {
                "name" => f.name = v,
                "season" => f.season = v,
                "year" => f.year = v,
                "announcement" => f.announcement = v,
                "application_deadline" => f.application_deadline = v,
                "earliest_offer" => f.earliest_offer = v,
                "start_date" => f.start_date = v,
                "past_ok" => f.past_ok = true,
                other => match limits::row_field(other, "offer_rounds", MAX_OFFER_ROUNDS) {
                    RowField::Row(n, part) => {
                        let o = offers.entry(n).or_default();
                        match part {
                            "offer_at" => o.offer_at = v,
                            "reply_deadline" => o.reply_deadline = v,
                            "marking_at" => o.marking_at = v,
                            _ => {}
                        }
                    }
                    RowField::TooFar => f.too_far = true,
                    RowField::Other => {}
                },
            }
        }
        f.offer_rounds = offers.into_values().collect();
        f
    }

    /// Parses into a draft; unparseable fields are errors next to the field.
    fn parse(&self, lang: Lang) -> Result<RoundDraft, Vec<(String, String)>> {
        let mut errors = Vec::new();
        if self.too_far {
            errors.push((
                "offer_rounds".to_string(),
                limits::too_many_rows(lang, MAX_OFFER_ROUNDS),
            ));
        }
        let bad_dt = lang.pick3(
            "Skriv dato og klokkeslett, f.eks. 2027-01-18T09:00.",
            "Skriv dato og klokkeslett, t.d. 2027-01-18T09:00.",
            "Enter a date and time, e.g. 2027-01-18T09:00.",
        );
        let mut dt = |name: &str, v: &str| -> DateTime {
            match v.parse::<DateTime>() {
                Ok(d) => d,
                Err(_) => {
                    errors.push((name.to_string(), bad_dt.to_string()));
                    DateTime::default()
                }
            }
        };
        let announcement = dt("announcement", &self.announcement);
        let application_deadline = dt("application_deadline", &self.application_deadline);
        let earliest_offer = dt("earliest_offer", &self.earliest_offer);
        let offer_rounds: Vec<OfferRoundDraft> = self
            .offer_rounds
            .iter()
            .enumerate()
            .map(|(i, o)| OfferRoundDraft {
                offer_at: dt(&format!("offer_rounds[{i}].offer_at"), &o.offer_at),
                reply_deadline: dt(
                    &format!("offer_rounds[{i}].reply_deadline"),
                    &o.reply_deadline,
                ),
                marking_at: dt(&format!("offer_rounds[{i}].marking_at"), &o.marking_at),
            })
            .collect();
        let start_date = match self.start_date.parse::<Date>() {
            Ok(d) => d,
            Err(_) => {
                errors.push((
                    "start_date".into(),
                    lang.pick3(
                        "Skriv en dato, f.eks. 2027-09-01.",
                        "Skriv ein dato, t.d. 2027-09-01.",
                        "Enter a date, e.g. 2027-09-01.",
                    )
                    .into(),
                ));
                Date::default()
            }
        };
        let season = match Season::parse(&self.season) {
            Ok(s) => s,
            Err(e) => {
                errors.push(("season".into(), e.message(lang)));
                Season::Spring
            }
        };
        let year = match self.year.parse::<i16>() {
            Ok(y) => y,
            Err(_) => {
                errors.push((
                    "year".into(),
                    lang.pick3(
                        "Skriv et årstall, f.eks. 2027.",
                        "Skriv eit årstal, t.d. 2027.",
                        "Enter a year, e.g. 2027.",
                    )
                    .into(),
                ));
                0
            }
        };
        if errors.is_empty() {
            Ok(RoundDraft {
                season,
                year,
                name: self.name.clone(),
                announcement,
                application_deadline,
                earliest_offer,
                start_date,
                offer_rounds,
            })
        } else {
            Err(errors)
        }
    }
}

fn form_page(
    state: &AppState,
    v: &Visitor,
    form: &FormValues,
    errors: &[(String, String)],
    status: StatusCode,
) -> Result<Response, AppError> {
    form_page_warned(state, v, form, errors, None, status)
}

fn form_page_warned(
    state: &AppState,
    v: &Visitor,
    form: &FormValues,
    errors: &[(String, String)],
    warning: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let map: BTreeMap<&str, &str> = errors
        .iter()
        .map(|(f, m)| (f.as_str(), m.as_str()))
        .collect();
    let list: Vec<_> = errors
        .iter()
        .map(|(f, m)| context! { field => f, message => m })
        .collect();
    let html = crate::templates::render(
        "round_form.html",
        page(
            state,
            v,
            context! { form => form, errors => map, error_list => list, warning => warning },
        ),
    )?;
    Ok((status, html).into_response())
}

/// The next round that does not exist yet, as a valid suggestion.
async fn next_suggestion(state: &AppState) -> Result<RoundDraft, StoreError> {
    let existing = state.store.rounds().await?;
    let now = lis1_domain::calendar::to_oslo(state.now());
    let year = now.year();
    for y in year..year + 3 {
        for season in [Season::Spring, Season::Autumn] {
            let taken = existing
                .iter()
                .any(|r| r.season == season.as_str() && r.year == i32::from(y));
            let draft = rounds::suggested_draft(season, y);
            if !taken && draft.announcement > now {
                return Ok(draft);
            }
        }
    }
    Ok(rounds::suggested_draft(Season::Spring, year + 3))
}

fn require_manager(
    v: &Visitor,
) -> Result<(&crate::auth::SignedIn, lis1_domain::access::Grant), AppError> {
    let s = v.require()?;
    let grant = authorize(&s.principal, &Action::ManageRounds)
        .map_err(|d| AppError::domain(StatusCode::FORBIDDEN, &d, v.lang))?;
    Ok((s, grant))
}

/// `GET /runder/ny`.
pub async fn new_form(State(state): State<AppState>, v: Visitor) -> Result<Response, AppError> {
    require_manager(&v)?;
    let draft = next_suggestion(&state)
        .await
        .map_err(|e| AppError::store(e, v.lang))?;
    form_page(
        &state,
        &v,
        &FormValues::from_draft(&draft),
        &[],
        StatusCode::OK,
    )
}

/// Converts a validated round to what the store keeps (UTC instants); the messages in `lang`.
pub fn to_new_round(r: &rounds::Round, lang: Lang) -> Result<NewRound, Vec<(String, String)>> {
    lis1_app::rounds::to_new_round(r).map_err(|e| e.field_messages(lang))
}

/// The warning for a round whose announcement is already past (issue 9): it may be registered
/// late, but applicants will have had less time than the timetable says. `None` for a round
/// announced in the future.
pub fn past_announcement(state: &AppState, draft: &RoundDraft, lang: Lang) -> Option<String> {
    let now = lis1_domain::calendar::to_oslo(state.now());
    (draft.announcement < now).then(|| {
        let when = lis1_domain::calendar::format_datetime(draft.announcement, lang);
        match lang {
            Lang::Nb => format!(
                "Kunngjøringen ({when}) er allerede passert. Runden kan registreres i ettertid, \
                 men søkerne har da hatt kortere tid enn tidsplanen viser. Bekreft for å \
                 registrere den likevel."
            ),
            Lang::Nn => format!(
                "Kunngjeringa ({when}) er alt passert. Runden kan registrerast i etterkant, \
                 men søkjarane har då hatt kortare tid enn tidsplanen viser. Stadfest for å \
                 registrere han likevel."
            ),
            Lang::En => format!(
                "The announcement ({when}) has already passed. The round can be registered \
                 late, but applicants will then have had less time than the timetable shows. \
                 Confirm to register it anyway."
            ),
        }
    })
}

/// Why saving a round failed, in one place for the page and the API.
pub enum CreateError {
    /// Fields to correct.
    Invalid(Vec<(String, String)>),
    /// Something else.
    Other(AppError),
}

/// Validates and saves a draft on behalf of `v` (`lis1_app::rounds::create`). Nothing is saved
/// unless everything is valid.
pub async fn create(
    state: &AppState,
    v: &Visitor,
    s: &crate::auth::SignedIn,
    draft: RoundDraft,
) -> Result<i64, CreateError> {
    lis1_app::rounds::create(&state.app, &s.caller(), draft)
        .await
        .map_err(|e| match e.kind {
            lis1_app::Kind::Invalid => CreateError::Invalid(e.field_messages(v.lang)),
            _ => CreateError::Other(AppError::app(e, v.lang)),
        })
}

/// `POST /runder/ny`.
pub async fn create_from_form(
    State(state): State<AppState>,
    v: Visitor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (s, _) = require_manager(&v)?;
    let token = pairs
        .iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    s.check_csrf(token, v.lang)?;
    let form = FormValues::from_pairs(&pairs);
    let draft = match form.parse(v.lang) {
        Ok(d) => d,
        Err(errors) => {
            return form_page(&state, &v, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    // A round may be registered late (the directorate decides), but not by mistake: a round
    // whose announcement has passed is saved only once the warning is confirmed.
    if let Some(warning) = past_announcement(&state, &draft, v.lang)
        && !form.past_ok
    {
        return form_page_warned(&state, &v, &form, &[], Some(warning), StatusCode::OK);
    }
    match create(&state, &v, s, draft).await {
        Ok(id) => Ok(Redirect::to(&format!("/runder/{id}?lagret=1")).into_response()),
        Err(CreateError::Invalid(errors)) => {
            form_page(&state, &v, &form, &errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(CreateError::Other(e)) => Err(e),
    }
}
