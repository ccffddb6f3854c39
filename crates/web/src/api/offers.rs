//! `/api/v1` for offers: the employer previews and makes offers to the next on the innstilling,
//! reads the offers and acceptances of its advertisements, withdraws an offer and sets the
//! next-in-line mode, and in confirm mode reads what awaits its confirmation and confirms the
//! offer to the next; the applicant reads and answers their own offers. Each handler calls the
//! same use case as the page (`lis1_app::offers`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use lis1_app::offers::{self as uc, Answer};
use lis1_domain::offers::NextInLineMode;
use lis1_store::offers::Offer;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use std::cmp::Reverse;

use super::{ApiQuery, Page, PageParams, app_err, id, parse_json};
use crate::auth::Visitor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(advertisement_offers))
        .routes(routes!(preview_next))
        .routes(routes!(make_offers))
        .routes(routes!(awaiting_confirmation))
        .routes(routes!(confirm_next))
        .routes(routes!(withdraw_offer))
        .routes(routes!(set_mode))
        .routes(routes!(my_offers))
        .routes(routes!(answer_offer))
}

/// An offer.
#[derive(Serialize, ToSchema)]
pub struct OfferDto {
    /// Id.
    pub id: i64,
    /// The position offered.
    pub position_id: i64,
    /// The application it answers.
    pub application_id: i64,
    /// The applicant.
    pub applicant_id: i64,
    /// The national offer round it was made in.
    pub offer_round: i32,
    /// `made`, `accepted`, `declined`, `expired`, `withdrawn` or `resigned`.
    #[schema(example = "accepted")]
    pub state: String,
    /// When it was made.
    #[schema(value_type = String, example = "2027-02-22T08:00:00Z")]
    pub made_at: Timestamp,
    /// The reply deadline (svarfrist).
    #[schema(value_type = String, example = "2027-02-25T11:00:00Z")]
    pub reply_deadline: Timestamp,
    /// When it was answered, expired, withdrawn or resigned.
    #[schema(value_type = Option<String>)]
    pub answered_at: Option<Timestamp>,
}

impl From<&Offer> for OfferDto {
    fn from(o: &Offer) -> Self {
        OfferDto {
            id: o.id,
            position_id: o.position_id,
            application_id: o.application_id,
            applicant_id: o.applicant_id,
            offer_round: o.offer_round,
            state: o.state.clone(),
            made_at: o.made_at,
            reply_deadline: o.reply_deadline,
            answered_at: o.answered_at,
        }
    }
}

/// The offers of an advertisement's positions the caller may see, by offer id, a page at a
/// time — acceptances are the offers in state `accepted` (scope `offers:read`). Each names its
/// position.
#[utoipa::path(get, path = "/api/v1/advertisements/{id}/offers", tag = "offers",
    params(("id" = i64, Path, description = "Advertisement id"), PageParams),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = Page<OfferDto>), (status = 401, body = Problem),
        (status = 403, body = Problem, description = "`forbidden` or `insufficient_scope`"),
        (status = 404, body = Problem),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_limit`, `invalid_cursor`")))]
async fn advertisement_offers(
    State(state): State<AppState>,
    v: Visitor,
    Path(ad): Path<String>,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<Page<OfferDto>>, AppError> {
    let s = v.require_api()?;
    let ad = id(&ad, &v)?;
    params.check::<i64>(v.lang)?;
    let by_position = uc::for_advertisement(&state.app, &s.caller(), ad)
        .await
        .map_err(app_err(v.lang))?;
    let items: Vec<OfferDto> = by_position
        .iter()
        .flat_map(|(_, offers)| offers.iter().map(OfferDto::from))
        .collect();
    Ok(Json(params.page(items, |o| o.id, v.lang)?))
}

/// A candidate an offer would go to.
#[derive(Serialize, ToSchema)]
pub struct CandidateDto {
    /// The application.
    pub application_id: i64,
    /// The applicant's name.
    pub name: String,
    /// Whether they have accepted a position elsewhere in the round (merking).
    pub accepted_elsewhere: bool,
}

/// What "offer to the next" would do now.
#[derive(Serialize, ToSchema)]
pub struct PreviewDto {
    /// Free places.
    pub free: u32,
    /// Who would get an offer, in order.
    pub candidates: Vec<CandidateDto>,
    /// The offer round offers would be made in now; `null` when none is open.
    pub offer_round: Option<i32>,
    /// Its reply deadline.
    #[schema(value_type = Option<String>)]
    pub reply_deadline: Option<Timestamp>,
    /// Why no offer can be made now (e.g. before the earliest offer date, which it names).
    pub not_now: Option<String>,
    /// The round's earliest offer time.
    #[schema(value_type = String)]
    pub earliest_offer: Timestamp,
}

/// Who an offer to the next on the innstilling would reach now, and whether offers can be made
/// now (scope `offers:write`). Names applicants: the read is logged.
#[utoipa::path(get, path = "/api/v1/advertisements/{id}/positions/{position}/next", tag = "offers",
    params(("id" = i64, Path, description = "Advertisement id"), ("position" = i64, Path, description = "Position id")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = PreviewDto), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
async fn preview_next(
    State(state): State<AppState>,
    v: Visitor,
    Path((ad, position)): Path<(String, String)>,
) -> Result<Json<PreviewDto>, AppError> {
    let s = v.require_api()?;
    let (ad, position) = (id(&ad, &v)?, id(&position, &v)?);
    let p = uc::preview_next(&state.app, &s.caller(), ad, position)
        .await
        .map_err(app_err(v.lang))?;
    Ok(Json(PreviewDto {
        free: p.free,
        candidates: p
            .candidates
            .into_iter()
            .map(|c| CandidateDto {
                application_id: c.application_id,
                name: c.name,
                accepted_elsewhere: c.accepted_elsewhere,
            })
            .collect(),
        offer_round: p.offer_round.map(|(n, _)| n),
        reply_deadline: p.offer_round.map(|(_, d)| d),
        not_now: p
            .not_now
            .map(|t| lis1_domain::Localized::message(&t, v.lang)),
        earliest_offer: p.earliest_offer,
    }))
}

/// A request to offer a position to the next on its innstilling.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MakeOffersRequest {
    /// The applications the employer confirmed from the preview, in order. When given, offers
    /// are made only if exactly these are still next; otherwise 409 `next_in_line_changed`.
    #[serde(default)]
    pub expected_applications: Option<Vec<i64>>,
}

/// Offers made.
#[derive(Serialize, ToSchema)]
pub struct MadeDto {
    /// The offers made, in order (empty when no place was free).
    pub offer_ids: Vec<i64>,
}

/// Offers a position to the next on its innstilling, one offer per free place, in the offer
/// round open now with its reply deadline; each applicant is e-mailed (scope `offers:write`).
/// Send `Idempotency-Key` so a retry never makes offers twice.
#[utoipa::path(post, path = "/api/v1/advertisements/{id}/positions/{position}/offers", tag = "offers",
    params(("id" = i64, Path, description = "Advertisement id"), ("position" = i64, Path, description = "Position id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    request_body = MakeOffersRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 201, body = MadeDto), (status = 400, body = Problem, description = "`invalid_json`"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "`next_in_line_changed`, `idempotency_key_in_use`"),
        (status = 422, body = Problem, description = "`offer_too_early`, `idempotency_key_reused`")))]
async fn make_offers(
    State(state): State<AppState>,
    v: Visitor,
    Path((ad, position)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let (ad, position) = (id(&ad, &v)?, id(&position, &v)?);
    let req: MakeOffersRequest = if body.is_empty() {
        MakeOffersRequest {
            expected_applications: None,
        }
    } else {
        parse_json(&body, v.lang)?
    };
    let made = uc::offer_next(
        &state.app,
        &s.caller(),
        ad,
        position,
        req.expected_applications.as_deref(),
    )
    .await
    .map_err(app_err(v.lang))?;
    Ok((
        StatusCode::CREATED,
        Json(MadeDto {
            offer_ids: made.offer_ids,
        }),
    )
        .into_response())
}

/// The suggested next candidate for a freed place.
#[derive(Serialize, ToSchema)]
pub struct NextCandidateDto {
    /// The application.
    pub application_id: i64,
    /// Whether they have accepted a position elsewhere in the round (merking): flagged, not
    /// skipped; the employer decides.
    pub accepted_elsewhere: bool,
}

/// A position whose freed place waits for the employer's confirmation.
#[derive(Serialize, ToSchema)]
pub struct AwaitingDto {
    /// The position.
    pub position_id: i64,
    /// Its free places.
    pub free: u32,
    /// Who would get the offer; `null` when no one is left on the innstilling.
    pub next: Option<NextCandidateDto>,
}

/// What awaits the caller's confirmation on an advertisement in confirm mode (next-in-line
/// mode `confirm`): each position the caller decides on where an offer was declined, expired,
/// was withdrawn or resigned and a place is free, with the suggested next candidate. Empty in
/// automatic mode. Naming candidates is logged (scope `offers:read`).
#[utoipa::path(get, path = "/api/v1/advertisements/{id}/awaiting-confirmation", tag = "offers",
    params(("id" = i64, Path, description = "Advertisement id")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = Vec<AwaitingDto>), (status = 401, body = Problem),
        (status = 403, body = Problem, description = "`forbidden` (decides on none of its positions) or `insufficient_scope`"),
        (status = 404, body = Problem)))]
async fn awaiting_confirmation(
    State(state): State<AppState>,
    v: Visitor,
    Path(ad): Path<String>,
) -> Result<Json<Vec<AwaitingDto>>, AppError> {
    let s = v.require_api()?;
    let ad = id(&ad, &v)?;
    let waiting = uc::awaiting(&state.app, &s.caller(), ad)
        .await
        .map_err(app_err(v.lang))?;
    Ok(Json(
        waiting
            .into_iter()
            .map(|w| AwaitingDto {
                position_id: w.position_id,
                free: w.free,
                next: w.next.map(|n| NextCandidateDto {
                    application_id: n.application_id,
                    accepted_elsewhere: n.accepted_elsewhere,
                }),
            })
            .collect(),
    ))
}

/// The employer's confirmation of the suggested next candidate.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    /// The suggested next candidate's application, as read from `awaiting-confirmation`.
    pub application_id: i64,
}

/// Confirms the offer of a freed place to the suggested next candidate (confirm mode), in the
/// offer round open now with its reply deadline; the applicant is e-mailed (scope
/// `offers:write`). Refused with 409 `next_in_line_changed`, nothing made, when the candidate is
/// no longer next. Send `Idempotency-Key` so a retry never offers twice.
#[utoipa::path(post, path = "/api/v1/advertisements/{id}/positions/{position}/confirmations", tag = "offers",
    params(("id" = i64, Path, description = "Advertisement id"), ("position" = i64, Path, description = "Position id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    request_body = ConfirmRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 201, body = MadeDto),
        (status = 400, body = Problem, description = "`invalid_json` (naming the field), `idempotency_key_invalid`"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "`next_in_line_changed`, `idempotency_key_in_progress`"),
        (status = 422, body = Problem, description = "`offer_too_early` and the other offer-round rules, `idempotency_key_reused`")))]
async fn confirm_next(
    State(state): State<AppState>,
    v: Visitor,
    Path((ad, position)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let (ad, position) = (id(&ad, &v)?, id(&position, &v)?);
    let req: ConfirmRequest = parse_json(&body, v.lang)?;
    let made = uc::confirm_next(&state.app, &s.caller(), ad, position, req.application_id)
        .await
        .map_err(app_err(v.lang))?;
    Ok((
        StatusCode::CREATED,
        Json(MadeDto {
            offer_ids: made.offer_ids,
        }),
    )
        .into_response())
}

/// A withdrawal.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawRequest {
    /// Why (1–500 characters); the applicant is told.
    pub reason: String,
}

/// Withdraws an unanswered offer with a reason (scope `offers:write`).
#[utoipa::path(post, path = "/api/v1/offers/{id}/withdrawal", tag = "offers",
    params(("id" = i64, Path, description = "Offer id")),
    request_body = WithdrawRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 204), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "`offer_not_open`"),
        (status = 422, body = Problem, description = "`reason_required`")))]
async fn withdraw_offer(
    State(state): State<AppState>,
    v: Visitor,
    Path(offer): Path<String>,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    let s = v.require_api()?;
    let offer = id(&offer, &v)?;
    let req: WithdrawRequest = parse_json(&body, v.lang)?;
    uc::withdraw(&state.app, &s.caller(), offer, &req.reason)
        .await
        .map_err(app_err(v.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// What happens when an offer is declined, expires or is withdrawn.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModeRequest {
    /// `automatic` (the next on the innstilling gets it in the next offer round) or `confirm`
    /// (the recruiter confirms each).
    #[schema(example = "confirm")]
    pub mode: String,
}

/// Sets the advertisement's next-in-line mode (scope `advertisements:write`).
#[utoipa::path(put, path = "/api/v1/advertisements/{id}/next-in-line", tag = "offers",
    params(("id" = i64, Path, description = "Advertisement id")),
    request_body = ModeRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 204), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "`bad_mode`")))]
async fn set_mode(
    State(state): State<AppState>,
    v: Visitor,
    Path(ad): Path<String>,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    let s = v.require_api()?;
    let ad = id(&ad, &v)?;
    let req: ModeRequest = parse_json(&body, v.lang)?;
    let mode = NextInLineMode::parse(&req.mode).map_err(|_| {
        app_err(v.lang)(lis1_app::Error::field_text(
            "mode",
            "bad_mode",
            "Velg «automatic» eller «confirm». Ingenting ble endret.",
            "Vel «automatic» eller «confirm». Ingenting vart endra.",
            "Choose «automatic» or «confirm». Nothing was changed.",
        ))
    })?;
    uc::set_next_in_line_mode(&state.app, &s.caller(), ad, mode)
        .await
        .map_err(app_err(v.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// One of the applicant's offers.
#[derive(Serialize, ToSchema)]
pub struct MyOfferDto {
    /// The offer.
    pub offer: OfferDto,
    /// The advertisement.
    pub advertisement_id: i64,
    /// Its title.
    pub title: String,
    /// The hospital trust.
    pub employer: String,
    /// The start date.
    #[schema(value_type = String, example = "2027-09-01")]
    pub start_date: jiff::civil::Date,
    /// Whether it can still be answered.
    pub open: bool,
}

/// The signed-in applicant's offers, newest first (by id), a page at a time.
#[utoipa::path(get, path = "/api/v1/me/offers", tag = "offers",
    params(PageParams),
    security(("session" = [])),
    responses((status = 200, body = Page<MyOfferDto>), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_limit`, `invalid_cursor`")))]
async fn my_offers(
    State(state): State<AppState>,
    v: Visitor,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<Page<MyOfferDto>>, AppError> {
    let s = v.require_api()?;
    params.check::<Reverse<i64>>(v.lang)?;
    let offers = uc::mine(&state.app, &s.caller())
        .await
        .map_err(app_err(v.lang))?;
    let items: Vec<MyOfferDto> = offers
        .iter()
        .map(|o| MyOfferDto {
            offer: OfferDto::from(&o.offer),
            advertisement_id: o.ad.ad.id,
            title: o.ad.ad.title.clone(),
            employer: o.ad.hf.name.clone(),
            start_date: o.ad.round.start_date,
            open: o.open,
        })
        .collect();
    Ok(Json(params.page(items, |o| Reverse(o.offer.id), v.lang)?))
}

/// An answer.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// `accept` or `decline`.
    #[schema(value_type = String, example = "accept")]
    pub answer: Answer,
}

/// What the answer did.
#[derive(Serialize, ToSchema)]
pub struct AnsweredDto {
    /// The doctor's course, created with the acceptance.
    pub course_id: Option<i64>,
    /// Earlier acceptances resigned in the same step.
    pub resigned: Vec<i64>,
    /// Rest positions made of resigned places.
    pub rest_positions: Vec<i64>,
}

/// Accepts or declines one's own offer before its reply deadline. Accepting creates the course
/// and resigns an earlier acceptance in the same transaction.
#[utoipa::path(post, path = "/api/v1/offers/{id}/answer", tag = "offers",
    params(("id" = i64, Path, description = "Offer id")),
    request_body = AnswerRequest,
    security(("session" = [])),
    responses((status = 200, body = AnsweredDto), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "`offer_not_open` (the deadline is named)")))]
async fn answer_offer(
    State(state): State<AppState>,
    v: Visitor,
    Path(offer): Path<String>,
    body: Bytes,
) -> Result<Json<AnsweredDto>, AppError> {
    let s = v.require_api()?;
    let offer = id(&offer, &v)?;
    let req: AnswerRequest = parse_json(&body, v.lang)?;
    let done = uc::answer(&state.app, &s.caller(), offer, req.answer)
        .await
        .map_err(app_err(v.lang))?;
    Ok(Json(AnsweredDto {
        course_id: done.course_id,
        resigned: done.resigned,
        rest_positions: done.rest_positions,
    }))
}
