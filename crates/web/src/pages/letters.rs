//! Letters as PDF downloads (issue 15, item 9), linked from where the person sees the thing:
//! the receipt from `/soknader`, the offer letter and the acceptance confirmation from
//! `/tilbud` (and, for the employer, from the innstilling), the lottery result from
//! `/min-lis1`. The use cases (`lis1_app::letters`) authorize and log; these handlers parse,
//! call, render the PDF (`lis1_letters::render`) and send it.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use lis1_app::letters as uc;
use lis1_letters::Letter;

use crate::auth::Visitor;
use crate::error::AppError;
use crate::state::AppState;

/// This module's interface texts (the link labels; the letters' own texts are in
/// `lis1_letters::content::TEXTS`).
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    (
        "letters.receipt",
        "Kvittering (PDF)",
        "Kvittering (PDF)",
        "Receipt (PDF)",
    ),
    (
        "letters.offer",
        "Tilbudsbrev (PDF)",
        "Tilbodsbrev (PDF)",
        "Offer letter (PDF)",
    ),
    (
        "letters.acceptance",
        "Bekreftelse på at du takket ja (PDF)",
        "Stadfesting på at du takka ja (PDF)",
        "Confirmation of your acceptance (PDF)",
    ),
    (
        "letters.acceptance_employer",
        "Bekreftelse på aksept (PDF)",
        "Stadfesting på aksept (PDF)",
        "Acceptance confirmation (PDF)",
    ),
    (
        "letters.lottery",
        "Trekningsresultat (PDF)",
        "Trekkingsresultat (PDF)",
        "Lottery result (PDF)",
    ),
];

fn parse_id(id: &str, v: &Visitor) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::not_found(v.lang))
}

/// The letter as a PDF download.
fn pdf(letter: &Letter, v: &Visitor) -> Result<Response, AppError> {
    let bytes = lis1_letters::render(letter).map_err(|e| AppError::internal(v.lang, &e))?;
    // The file name is ASCII by construction (kind and reference).
    let disposition =
        HeaderValue::from_str(&format!("attachment; filename=\"{}\"", letter.filename()))
            .map_err(|e| AppError::internal(v.lang, &e))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /tilbud/{id}/tilbudsbrev.pdf`: the offer letter (the doctor; the offering employer,
/// logged).
pub async fn offer(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let s = v.require()?;
    let id = parse_id(&id, &v)?;
    let letter = uc::offer(&state.app, &s.caller(), id, v.lang)
        .await
        .map_err(|e| AppError::app(e, v.lang))?;
    pdf(&letter, &v)
}

/// `GET /tilbud/{id}/bekreftelse.pdf`: the confirmation of an accepted offer (the doctor; the
/// offering employer, logged).
pub async fn acceptance(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let s = v.require()?;
    let id = parse_id(&id, &v)?;
    let letter = uc::acceptance(&state.app, &s.caller(), id, v.lang)
        .await
        .map_err(|e| AppError::app(e, v.lang))?;
    pdf(&letter, &v)
}

/// `GET /soknader/{id}/kvittering.pdf`: the receipt of one's own application.
pub async fn receipt(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let s = v.require()?;
    let id = parse_id(&id, &v)?;
    let letter = uc::receipt(&state.app, &s.caller(), id, v.lang)
        .await
        .map_err(|e| AppError::app(e, v.lang))?;
    pdf(&letter, &v)
}

/// `GET /min-lis1/{id}/trekningsresultat.pdf`: a doctor's own lottery result (`id` is the
/// course).
pub async fn lottery_result(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let s = v.require()?;
    let id = parse_id(&id, &v)?;
    let letter = uc::lottery_result(&state.app, &s.caller(), id, v.lang)
        .await
        .map_err(|e| AppError::app(e, v.lang))?;
    pdf(&letter, &v)
}
