//! `/demo/klokke` (issue 11, item 12): in demo mode only, the directorate's demo user moves the
//! portal's clock forward to a chosen moment — e.g. "23.02.2027 09:00" — so a newcomer can walk a
//! whole round (announcement, applications, offer rounds, merking, lottery) in an afternoon.
//! Background jobs (offer expiry, reminders) run on the same clock. Refused outside demo mode
//! (the page does not exist there), and only forward: deadlines that have passed stay passed.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use lis1_domain::Lang;
use lis1_domain::access::{Action, authorize};
use minijinja::context;
use serde::Deserialize;

use crate::auth::{SignedIn, Visitor};
use crate::error::AppError;
use crate::i18n::t;
use crate::pages::{fmt_time, page};
use crate::state::AppState;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    (
        "demo_clock.title",
        "Demoens klokke",
        "Klokka i demoen",
        "The demo's clock",
    ),
    (
        "demo_clock.intro",
        "Still portalens klokke fram til et tidspunkt i en runde, for eksempel kunngjøringen, søknadsfristen eller første tilbudsrunde, og gå gjennom runden som hver rolle. Bakgrunnsjobbene (utløpte tilbud, påminnelser) går på den samme klokken. Klokken kan bare stilles fram, og bare i demoen. Etterpå må alle logge inn igjen: øktene regnes som ubrukt siden forrige gang.",
        "Still klokka i portalen fram til eit tidspunkt i ein runde, til dømes kunngjeringa, søknadsfristen eller første tilbodsrunde, og gå gjennom runden som kvar rolle. Bakgrunnsjobbane (tilbod som har gått ut, påminningar) går på den same klokka. Klokka kan berre stillast fram, og berre i demoen. Etterpå må alle logge inn igjen: øktene blir rekna som ubrukte sidan førre gong.",
        "Move the portal's clock forward to a moment in a round, such as the announcement, the application deadline or the first offer round, and walk through the round as each role. The background jobs (expired offers, reminders) run on the same clock. The clock moves forward only, and only in the demo. Afterwards everyone signs in again: sessions count as idle since the last time.",
    ),
    (
        "demo_clock.now",
        "Klokken i portalen nå",
        "Klokka i portalen no",
        "The portal's time now",
    ),
    (
        "demo_clock.to",
        "Ny tid (norsk tid)",
        "Ny tid (norsk tid)",
        "New time (Norwegian time)",
    ),
    (
        "demo_clock.save",
        "Still klokken",
        "Still klokka",
        "Set the clock",
    ),
    (
        "demo_clock.banner",
        "Demo: portalens klokke er stilt til",
        "Demo: klokka i portalen er stilt til",
        "Demo: the portal's clock is set to",
    ),
    ("demo_clock.change", "Endre", "Endre", "Change"),
    (
        "demo_clock.invalid",
        "Skriv dato og klokkeslett, for eksempel 2027-02-23T09:00. Ingenting ble endret.",
        "Skriv dato og klokkeslett, til dømes 2027-02-23T09:00. Ingenting vart endra.",
        "Give a date and time, e.g. 2027-02-23T09:00. Nothing was changed.",
    ),
    (
        "demo_clock.backwards",
        "Klokken kan bare stilles fram, til etter {now}. Ingenting ble endret.",
        "Klokka kan berre stillast fram, til etter {now}. Ingenting vart endra.",
        "The clock moves forward only, to after {now}. Nothing was changed.",
    ),
    (
        "demo_clock.rounds",
        "Rundenes datoer",
        "Datoane i rundane",
        "The rounds' dates",
    ),
    (
        "demo_clock.card",
        "Still klokken fram og gå gjennom en hel runde (bare i demoen).",
        "Still klokka fram og gå gjennom ein heil runde (berre i demoen).",
        "Move the clock forward and walk through a whole round (demo only).",
    ),
];

fn allowed<'a>(state: &AppState, v: &'a Visitor) -> Result<&'a SignedIn, AppError> {
    if !state.config.demo {
        return Err(AppError::not_found(v.lang));
    }
    let s = v.require()?;
    authorize(&s.principal, &Action::SetDemoClock)
        .map_err(|d| AppError::domain(StatusCode::FORBIDDEN, &d, v.lang))?;
    Ok(s)
}

async fn render(
    state: &AppState,
    v: &Visitor,
    value: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let rounds = state
        .store
        .rounds()
        .await
        .map_err(|e| AppError::store(e, lang))?;
    let rounds: Vec<_> = rounds
        .iter()
        .map(|r| {
            context! {
                name => r.name,
                announcement => fmt_time(r.announcement, lang),
                deadline => fmt_time(r.application_deadline, lang),
                first_offer => fmt_time(r.earliest_offer, lang),
            }
        })
        .collect();
    let html = crate::templates::render(
        "demo_clock.html",
        page(
            state,
            v,
            context! {
                now => fmt_time(state.now(), lang),
                value => value, error => error, rounds => rounds,
            },
        ),
    )?;
    Ok((status, Html(html)).into_response())
}

/// `GET /demo/klokke`.
pub async fn form(State(state): State<AppState>, v: Visitor) -> Result<Response, AppError> {
    allowed(&state, &v)?;
    render(&state, &v, "", None, StatusCode::OK).await
}

/// The form.
#[derive(Debug, Deserialize)]
pub struct ClockForm {
    csrf_token: String,
    #[serde(default)]
    to: String,
}

/// `POST /demo/klokke`: move the clock forward; logged.
pub async fn set(
    State(state): State<AppState>,
    v: Visitor,
    Form(f): Form<ClockForm>,
) -> Result<Response, AppError> {
    let lang: Lang = v.lang;
    let s = allowed(&state, &v)?;
    s.check_csrf(&f.csrf_token, lang)?;
    let Some(to) =
        f.to.trim()
            .parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(lis1_domain::calendar::from_oslo)
    else {
        let e = t(lang, "demo_clock.invalid");
        return render(&state, &v, &f.to, Some(e), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let before = state.now();
    let moved = lis1_app::clock::set_demo_clock(&state.app, &s.caller(), to)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    if !moved {
        let e = t(lang, "demo_clock.backwards").replace("{now}", &fmt_time(before, lang));
        return render(&state, &v, &f.to, Some(e), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    Ok(Redirect::to("/demo/klokke").into_response())
}
