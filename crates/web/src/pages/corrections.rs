//! The directorate's requests for correction (`/personvern/krav`, GDPR Art. 16): the requests
//! waiting for an answer, oldest first with the day the answer is due, and a form to answer each.
//! Answering marks the request handled and mails the answer to the person; it cannot be undone,
//! so it asks for confirmation first. The use cases are `lis1_app::privacy`.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lis1_app::privacy as uc;
use lis1_domain::Lang;
use minijinja::context;
use serde::Deserialize;

use crate::auth::{SignedIn, Visitor};
use crate::error::AppError;
use crate::pages::{fmt_time, page};
use crate::state::AppState;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    (
        "corrections.title",
        "Krav om retting",
        "Krav om retting",
        "Requests for correction",
    ),
    (
        "corrections.intro",
        "Kravene under venter på svar. Svar innen én måned (personvernforordningen art. 12 nr. 3): rett opplysningene der de ligger, og skriv til personen hva som er rettet, eller hvorfor ikke. Svaret sendes på e-post og kan ikke endres etterpå.",
        "Krava under ventar på svar. Svar innan éin månad (personvernforordninga art. 12 nr. 3): rett opplysningane der dei ligg, og skriv til personen kva som er retta, eller kvifor ikkje. Svaret blir sendt på e-post og kan ikkje endrast etterpå.",
        "The requests below wait for an answer. Answer within one month (GDPR Art. 12(3)): correct the data where it is, and write to the person what was corrected, or why not. The answer is sent by e-mail and cannot be changed afterwards.",
    ),
    (
        "corrections.none",
        "Ingen krav venter på svar.",
        "Ingen krav ventar på svar.",
        "No requests are waiting for an answer.",
    ),
    ("corrections.number", "Nr.", "Nr.", "No."),
    ("corrections.from", "Fra", "Frå", "From"),
    ("corrections.received", "Mottatt", "Motteke", "Received"),
    ("corrections.due", "Svarfrist", "Svarfrist", "Answer due"),
    ("corrections.text", "Kravet", "Kravet", "The request"),
    (
        "corrections.answer",
        "Svar til personen",
        "Svar til personen",
        "Answer to the person",
    ),
    (
        "corrections.send",
        "Send svaret",
        "Send svaret",
        "Send the answer",
    ),
    (
        "corrections.answered",
        "Svaret er sendt, og kravet er markert som behandlet.",
        "Svaret er sendt, og kravet er markert som handsama.",
        "The answer has been sent and the request is marked handled.",
    ),
    (
        "corrections.errors_title",
        "Svaret ble ikke sendt",
        "Svaret vart ikkje sendt",
        "The answer was not sent",
    ),
    (
        "tasks.answer_corrections",
        "Svar på krav om retting",
        "Svar på krav om retting",
        "Answer requests for correction",
    ),
    (
        "tasks.answer_corrections.amount",
        "{n} venter",
        "{n} ventar",
        "{n} waiting",
    ),
];

/// Notices on the page.
#[derive(Debug, Deserialize)]
pub struct CorrectionsQuery {
    #[serde(default)]
    besvart: Option<String>,
}

/// A refusal shown in place: the request it concerns, the answer as written, the message.
struct Refusal {
    id: i64,
    answer: String,
    message: String,
}

async fn render(
    state: &AppState,
    v: &Visitor,
    s: &SignedIn,
    answered: bool,
    refusal: Option<Refusal>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let open = uc::open_corrections(&state.app, &s.caller())
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let now = state.now();
    let rows: Vec<_> = open
        .iter()
        .map(|c| {
            let mine = refusal.as_ref().filter(|r| r.id == c.request.id);
            context! {
                id => c.request.id, name => c.name, email => c.email,
                received => fmt_time(c.request.created_at, lang),
                due => fmt_time(c.due, lang), late => c.due < now,
                text => c.request.text,
                answer => mine.map(|r| r.answer.clone()).unwrap_or_default(),
                error => mine.map(|r| r.message.clone()),
            }
        })
        .collect();
    let html = crate::templates::render(
        "corrections.html",
        page(
            state,
            v,
            context! {
                requests => rows, answered => answered,
                max_chars => uc::MAX_REQUEST_CHARS,
                refused => refusal.map(|r| context! { id => r.id, message => r.message }),
            },
        ),
    )?;
    Ok((status, html).into_response())
}

/// `GET /personvern/krav`: the requests waiting for an answer (the directorate; reading them is
/// logged as `privacy.corrections_view`).
pub async fn index(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<CorrectionsQuery>,
) -> Result<Response, AppError> {
    let s = v.require()?;
    render(&state, &v, s, q.besvart.is_some(), None, StatusCode::OK).await
}

/// The answer form.
#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    bekreft: String,
}

/// `POST /personvern/krav/{id}/svar`: answer a request. Without `bekreft=1` it only asks: the
/// answer is mailed and cannot be changed. A refusal shows the list again with the message at
/// the request.
pub async fn answer(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, AppError> {
    let lang: Lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    // Too short or too long is refused before the confirmation is asked for.
    let length = f.answer.trim().chars().count();
    let confirmed = crate::pages::confirm::confirmed(&f.bekreft);
    if !confirmed && (10..=uc::MAX_REQUEST_CHARS).contains(&length) {
        return crate::pages::confirm::page_for(
            &state,
            &v,
            crate::pages::confirm::Confirm {
                title: lang.pick3(
                    format!("Send svaret på krav nr. {id}"),
                    format!("Send svaret på krav nr. {id}"),
                    format!("Send the answer to request no. {id}"),
                ),
                what: lang.pick3(
                    format!("Personen får dette svaret på e-post, og kravet blir markert som behandlet:\n\n{}", f.answer.trim()),
                    format!("Personen får dette svaret på e-post, og kravet blir markert som handsama:\n\n{}", f.answer.trim()),
                    format!("The person gets this answer by e-mail, and the request is marked handled:\n\n{}", f.answer.trim()),
                ),
                irreversible: lang
                    .pick3(
                        "Et sendt svar kan ikke endres eller trekkes tilbake.",
                        "Eit sendt svar kan ikkje endrast eller trekkjast tilbake.",
                        "A sent answer cannot be changed or taken back.",
                    )
                    .into(),
                action: format!("/personvern/krav/{id}/svar"),
                fields: vec![("answer".into(), f.answer.clone())],
                back: "/personvern/krav".into(),
                button: lang.pick3("Send svaret", "Send svaret", "Send the answer").into(),
            },
        );
    }
    match uc::answer_correction(&state.app, &s.caller(), id, &f.answer).await {
        Ok(()) => Ok(Redirect::to(&format!("/personvern/krav?besvart={id}")).into_response()),
        Err(e) if matches!(e.kind, lis1_app::Kind::Invalid | lis1_app::Kind::Conflict) => {
            let message = e
                .field_messages(lang)
                .first()
                .map(|(_, m)| m.clone())
                .unwrap_or_else(|| e.message(lang));
            let status = if e.kind == lis1_app::Kind::Conflict {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let refusal = Refusal {
                id,
                answer: f.answer,
                message,
            };
            render(&state, &v, s, false, Some(refusal), status).await
        }
        Err(e) => Err(AppError::app(e, lang)),
    }
}
