//! `/api/v1` for rest positions (*reststillinger*, 002 §2.3): anyone lists the open ones; an
//! employer's system (a municipality or a hospital trust, session or token with scope
//! `offers:write`) advertises and closes them, reads their applicants and makes offers; a
//! doctor, signed in, applies, withdraws and answers. Each handler calls the same use case as
//! the pages (`lis1_app::rest_positions`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::civil::Date;
use lis1_app::offers::Answer;
use lis1_app::rest_positions::{self as uc, Draft, RestOffer, RestPosition};
use lis1_store::applications::Submitted;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiQuery, Page, PageParams, app_err, id, parse_json};
use crate::auth::Visitor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_open, create))
        .routes(routes!(list_own))
        .routes(routes!(get_one))
        .routes(routes!(applicants))
        .routes(routes!(close))
        .routes(routes!(apply))
        .routes(routes!(withdraw))
        .routes(routes!(make_offer))
        .routes(routes!(answer))
        .routes(routes!(mine))
}

/// A rest position.
#[derive(Serialize, ToSchema)]
pub struct RestPositionDto {
    /// Id.
    pub id: i64,
    /// The employer that advertises it (a municipality or a hospital trust).
    pub employer_id: i64,
    /// The employer's name.
    pub employer_name: String,
    /// The hospital site a trust's hand-made rest position names (its course belongs there).
    pub hospital_site_id: Option<i64>,
    /// Why it is vacant: `not_filled_after_offer_rounds`, `resignation`, …
    #[schema(example = "not_filled_after_offer_rounds")]
    pub reason: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// First day.
    #[schema(value_type = String, example = "2027-09-01")]
    pub period_from: Date,
    /// Last day.
    #[schema(value_type = String, example = "2028-02-29")]
    pub period_to: Date,
    /// `open`, `filled` or `closed`.
    #[schema(example = "open")]
    pub state: String,
    /// When it was advertised.
    #[schema(value_type = String)]
    pub created_at: Timestamp,
    /// Why the employer closed it (when `closed`).
    pub closed_reason: Option<String>,
}

impl From<&RestPosition> for RestPositionDto {
    fn from(r: &RestPosition) -> Self {
        RestPositionDto {
            id: r.id,
            employer_id: r.employer_id,
            employer_name: r.employer_name.clone(),
            hospital_site_id: r.hospital_site_id,
            reason: r.reason.clone(),
            title: r.title.clone(),
            description: r.description.clone(),
            period_from: r.period_from,
            period_to: r.period_to,
            state: r.state.clone(),
            created_at: r.created_at,
            closed_reason: r.closed_reason.clone(),
        }
    }
}

/// An offer of a rest position.
#[derive(Serialize, ToSchema)]
pub struct RestOfferDto {
    /// Id.
    pub id: i64,
    /// The rest position.
    pub rest_position_id: i64,
    /// The application it answers.
    pub rest_application_id: i64,
    /// The applicant.
    pub applicant_id: i64,
    /// `made`, `accepted`, `declined`, `expired` or `withdrawn`.
    #[schema(example = "made")]
    pub state: String,
    /// When it was made.
    #[schema(value_type = String)]
    pub made_at: Timestamp,
    /// The reply deadline: three working days at 12:00 Oslo time.
    #[schema(value_type = String, example = "2026-11-30T11:00:00Z")]
    pub reply_deadline: Timestamp,
    /// When it was answered, expired or withdrawn.
    #[schema(value_type = Option<String>)]
    pub answered_at: Option<Timestamp>,
}

impl From<&RestOffer> for RestOfferDto {
    fn from(o: &RestOffer) -> Self {
        RestOfferDto {
            id: o.id,
            rest_position_id: o.rest_position_id,
            rest_application_id: o.rest_application_id,
            applicant_id: o.applicant_id,
            state: o.state.clone(),
            made_at: o.made_at,
            reply_deadline: o.reply_deadline,
            answered_at: o.answered_at,
        }
    }
}

/// The open rest positions, by id, a page at a time. Public: no sign-in needed.
#[utoipa::path(get, path = "/api/v1/rest-positions", tag = "rest_positions",
    params(PageParams),
    responses((status = 200, body = Page<RestPositionDto>),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_limit`, `invalid_cursor`")))]
async fn list_open(
    State(state): State<AppState>,
    v: Visitor,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<Page<RestPositionDto>>, AppError> {
    let mut items: Vec<RestPositionDto> = uc::open(&state.app)
        .await
        .map_err(app_err(v.lang))?
        .iter()
        .map(RestPositionDto::from)
        .collect();
    items.sort_by_key(|r| r.id);
    Ok(Json(params.page(items, |r| r.id, v.lang)?))
}

/// A rest position to advertise.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    /// The employer; may be left out when the caller advertises for one organisation only.
    #[serde(default)]
    pub employer_id: Option<i64>,
    /// Title (1–200 characters).
    pub title: String,
    /// Description (at most 5,000 characters).
    #[serde(default)]
    pub description: String,
    /// First day, `YYYY-MM-DD`.
    #[schema(example = "2027-09-01")]
    pub period_from: String,
    /// Last day, `YYYY-MM-DD`, not before the first.
    #[schema(example = "2028-02-29")]
    pub period_to: String,
    /// The hospital site the course belongs to: required for a hospital trust (one of its
    /// sites); ignored for a municipality.
    #[serde(default)]
    pub hospital_site_id: Option<i64>,
}

/// Advertises a rest position for the caller's organisation (scope `offers:write`).
#[utoipa::path(post, path = "/api/v1/rest-positions", tag = "rest_positions",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    request_body = CreateRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 201, body = RestPositionDto),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not a municipality or hospital trust, `insufficient_scope`"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_in_use`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`employer_required`, `hospital_site_required`, `title_required`, `description_too_long`, `bad_date`, `bad_period` (each at its field in `errors`), `idempotency_key_reused`")))]
async fn create(
    State(state): State<AppState>,
    v: Visitor,
    body: Bytes,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let req: CreateRequest = parse_json(&body, v.lang)?;
    let draft = Draft {
        employer_id: req.employer_id,
        title: req.title,
        description: req.description,
        period_from: req.period_from,
        period_to: req.period_to,
        hospital_site_id: req.hospital_site_id,
    };
    let made = uc::create(&state.app, &s.caller(), &draft)
        .await
        .map_err(app_err(v.lang))?;
    Ok((StatusCode::CREATED, Json(RestPositionDto::from(&made))).into_response())
}

/// The rest positions of the caller's organisations in every state, by id, a page at a time
/// (a municipality or hospital trust; scope `offers:write`).
#[utoipa::path(get, path = "/api/v1/rest-positions/own", tag = "rest_positions",
    params(PageParams),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = Page<RestPositionDto>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not a municipality or hospital trust, `insufficient_scope`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_limit`, `invalid_cursor`")))]
async fn list_own(
    State(state): State<AppState>,
    v: Visitor,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<Page<RestPositionDto>>, AppError> {
    let s = v.require_api()?;
    let caller = s.caller();
    if uc::employers(&state.app, &caller)
        .await
        .map_err(app_err(v.lang))?
        .is_empty()
    {
        return Err(app_err(v.lang)(lis1_app::Error::forbidden(
            lis1_domain::access::Denied::new("manage_rest_positions"),
        )));
    }
    let mut items: Vec<RestPositionDto> = uc::ours(&state.app, &caller)
        .await
        .map_err(app_err(v.lang))?
        .iter()
        .map(RestPositionDto::from)
        .collect();
    items.sort_by_key(|r| r.id);
    Ok(Json(params.page(items, |r| r.id, v.lang)?))
}

/// One rest position: for everyone while it is open; once filled or closed only for its
/// employer and those who applied.
#[utoipa::path(get, path = "/api/v1/rest-positions/{id}", tag = "rest_positions",
    params(("id" = i64, Path, description = "Rest position id")),
    responses((status = 200, body = RestPositionDto),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such rest position, or no longer advertised")))]
async fn get_one(
    State(state): State<AppState>,
    v: Visitor,
    Path(rest): Path<String>,
) -> Result<Json<RestPositionDto>, AppError> {
    let rest = id(&rest, &v)?;
    let caller = v.session.as_ref().map(|s| s.caller());
    let d = uc::show(&state.app, caller.as_ref(), rest)
        .await
        .map_err(app_err(v.lang))?;
    Ok(Json(RestPositionDto::from(&d.position)))
}

/// One applicant of a rest position.
#[derive(Serialize, ToSchema)]
pub struct RestApplicantDto {
    /// The application.
    pub application_id: i64,
    /// The applicant (user id).
    pub applicant_id: i64,
    /// The applicant's name.
    pub name: String,
    /// The cover letter.
    pub motivation: String,
    /// The profile as submitted.
    #[schema(value_type = Object)]
    pub profile: serde_json::Value,
    /// Last submitted.
    #[schema(value_type = String)]
    pub submitted_at: Timestamp,
    /// The applicant's document ids (`/dokumenter/{id}`).
    pub document_ids: Vec<i64>,
    /// The latest offer to this applicant.
    pub offer: Option<RestOfferDto>,
}

/// The submitted applications to a rest position, by application id, a page at a time (its
/// employer; scope `offers:write`). The read is written to the audit log
/// (`rest_applicants.list`), like the page's.
#[utoipa::path(get, path = "/api/v1/rest-positions/{id}/applicants", tag = "rest_positions",
    params(("id" = i64, Path, description = "Rest position id"), PageParams),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = Page<RestApplicantDto>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_limit`, `invalid_cursor`")))]
async fn applicants(
    State(state): State<AppState>,
    v: Visitor,
    Path(rest): Path<String>,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<Page<RestApplicantDto>>, AppError> {
    let s = v.require_api()?;
    let rest = id(&rest, &v)?;
    let list = uc::applicants(&state.app, &s.caller(), rest)
        .await
        .map_err(app_err(v.lang))?;
    let items: Vec<RestApplicantDto> = list
        .applicants
        .into_iter()
        .map(|a| RestApplicantDto {
            application_id: a.application.id,
            applicant_id: a.application.applicant_id,
            name: a.application.applicant_name,
            motivation: a.application.motivation,
            profile: a.application.profile,
            submitted_at: a.application.submitted_at,
            document_ids: a.documents.iter().map(|d| d.id).collect(),
            offer: a.offer.as_ref().map(RestOfferDto::from),
        })
        .collect();
    Ok(Json(params.page(items, |a| a.application_id, v.lang)?))
}

/// Why a rest position is closed.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    /// Why (1–500 characters); applicants with an unanswered offer are told.
    pub reason: String,
}

/// What closing did.
#[derive(Serialize, ToSchema)]
pub struct ClosedDto {
    /// The unanswered offers withdrawn with it.
    pub withdrawn_offer_ids: Vec<i64>,
}

/// Closes an open rest position with a reason (its employer; scope `offers:write`): it leaves
/// the public list and its unanswered offers are withdrawn.
#[utoipa::path(post, path = "/api/v1/rest-positions/{id}/closure", tag = "rest_positions",
    params(("id" = i64, Path, description = "Rest position id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    request_body = CloseRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = ClosedDto),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`rest_position_not_open`, `idempotency_key_in_use`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`reason_required`, `idempotency_key_reused`")))]
async fn close(
    State(state): State<AppState>,
    v: Visitor,
    Path(rest): Path<String>,
    body: Bytes,
) -> Result<Json<ClosedDto>, AppError> {
    let s = v.require_api()?;
    let rest = id(&rest, &v)?;
    let req: CloseRequest = parse_json(&body, v.lang)?;
    let withdrawn = uc::close(&state.app, &s.caller(), rest, &req.reason)
        .await
        .map_err(app_err(v.lang))?;
    Ok(Json(ClosedDto {
        withdrawn_offer_ids: withdrawn.iter().map(|o| o.id).collect(),
    }))
}

/// An application for a rest position.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyRequest {
    /// The cover letter (at most 5,000 characters).
    #[serde(default)]
    pub motivation: String,
}

/// The application made or changed.
#[derive(Serialize, ToSchema)]
pub struct AppliedDto {
    /// The application.
    pub application_id: i64,
    /// `created` or `updated`.
    #[schema(example = "created")]
    pub result: String,
}

/// Applies for an open rest position with the saved profile, or changes the application (the
/// doctor, signed in).
#[utoipa::path(post, path = "/api/v1/rest-positions/{id}/applications", tag = "rest_positions",
    params(("id" = i64, Path, description = "Rest position id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    request_body = ApplyRequest,
    security(("session" = [])),
    responses((status = 201, body = AppliedDto),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an applicant, or no valid `X-CSRF-Token`"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`rest_position_not_open`, `profile_missing`, `idempotency_key_in_use`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`motivation_too_long`, `idempotency_key_reused`")))]
async fn apply(
    State(state): State<AppState>,
    v: Visitor,
    Path(rest): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let rest = id(&rest, &v)?;
    let req: ApplyRequest = parse_json(&body, v.lang)?;
    let done = uc::apply(&state.app, &s.caller(), rest, &req.motivation)
        .await
        .map_err(app_err(v.lang))?;
    let result = match done {
        Submitted::Created(_) => "created",
        Submitted::Updated(_) => "updated",
    };
    Ok((
        StatusCode::CREATED,
        Json(AppliedDto {
            application_id: done.id(),
            result: result.into(),
        }),
    )
        .into_response())
}

/// What a withdrawal did.
#[derive(Serialize, ToSchema)]
pub struct WithdrawnDto {
    /// The unanswered offer withdrawn with the application, if any (its employer is told).
    pub withdrawn_offer_id: Option<i64>,
}

/// Withdraws the caller's application for a rest position, before accepting an offer of it
/// (the doctor, signed in).
#[utoipa::path(post, path = "/api/v1/rest-positions/{id}/withdrawal", tag = "rest_positions",
    params(("id" = i64, Path, description = "Rest position id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    security(("session" = [])),
    responses((status = 200, body = WithdrawnDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an applicant, or no valid `X-CSRF-Token`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No submitted application of the caller's to it"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`rest_offer_accepted`, `idempotency_key_in_use`"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "An `Idempotency-Key` that is not 1–255 visible ASCII characters"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_reused`: the key was used with another body")))]
async fn withdraw(
    State(state): State<AppState>,
    v: Visitor,
    Path(rest): Path<String>,
) -> Result<Json<WithdrawnDto>, AppError> {
    let s = v.require_api()?;
    let rest = id(&rest, &v)?;
    let withdrawn = uc::withdraw(&state.app, &s.caller(), rest)
        .await
        .map_err(app_err(v.lang))?;
    Ok(Json(WithdrawnDto {
        withdrawn_offer_id: withdrawn.map(|o| o.id),
    }))
}

/// Whom to offer a rest position.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferRequest {
    /// A submitted application to the rest position.
    pub application_id: i64,
}

/// Offers the rest position to one of its applicants, with a reply deadline of three working
/// days at 12:00 (its employer; scope `offers:write`). The applicant gets a mail with the offer
/// letter as a PDF.
#[utoipa::path(post, path = "/api/v1/rest-positions/{id}/offers", tag = "rest_positions",
    params(("id" = i64, Path, description = "Rest position id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    request_body = OfferRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 201, body = RestOfferDto),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`rest_position_not_open`, `rest_offer_outstanding`, `idempotency_key_in_use`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`not_an_applicant`, `idempotency_key_reused`")))]
async fn make_offer(
    State(state): State<AppState>,
    v: Visitor,
    Path(rest): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let rest = id(&rest, &v)?;
    let req: OfferRequest = parse_json(&body, v.lang)?;
    let offer = uc::make_offer(&state.app, &s.caller(), rest, req.application_id)
        .await
        .map_err(app_err(v.lang))?;
    Ok((StatusCode::CREATED, Json(RestOfferDto::from(&offer))).into_response())
}

/// The answer to a rest offer.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// `accept` or `decline`.
    #[schema(value_type = String, example = "accept")]
    pub answer: Answer,
}

/// What an answer did.
#[derive(Serialize, ToSchema)]
pub struct AnsweredDto {
    /// `accept` or `decline`.
    #[schema(value_type = String, example = "accept")]
    pub answer: Answer,
    /// The rest position (filled by an acceptance).
    pub rest_position_id: i64,
}

/// Accepts or declines the caller's own rest offer before its deadline (the doctor, signed
/// in); accepting fills the rest position.
#[utoipa::path(post, path = "/api/v1/rest-offers/{id}/answer", tag = "rest_positions",
    params(("id" = i64, Path, description = "Rest offer id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    request_body = AnswerRequest,
    security(("session" = [])),
    responses((status = 200, body = AnsweredDto),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an applicant, or no valid `X-CSRF-Token`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such offer of the caller's"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_in_use`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`offer_not_open` (the deadline is named), `idempotency_key_reused`")))]
async fn answer(
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
        answer: done.answer,
        rest_position_id: done.rest_position_id,
    }))
}

/// One of the doctor's rest applications.
#[derive(Serialize, ToSchema)]
pub struct MyRestApplicationDto {
    /// The application.
    pub application_id: i64,
    /// `submitted` or `withdrawn`.
    #[schema(example = "submitted")]
    pub state: String,
    /// Last submitted.
    #[schema(value_type = String)]
    pub submitted_at: Timestamp,
    /// The rest position.
    pub rest_position: RestPositionDto,
}

/// The doctor's rest applications and offers.
#[derive(Serialize, ToSchema)]
pub struct MyRestDto {
    /// Applications, oldest first.
    pub applications: Vec<MyRestApplicationDto>,
    /// Offers, newest first.
    pub offers: Vec<RestOfferDto>,
}

/// The caller's own rest applications and offers (the doctor, signed in).
#[utoipa::path(get, path = "/api/v1/me/rest-positions", tag = "rest_positions",
    security(("session" = [])),
    responses((status = 200, body = MyRestDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an applicant")))]
async fn mine(State(state): State<AppState>, v: Visitor) -> Result<Json<MyRestDto>, AppError> {
    let s = v.require_api()?;
    let m = uc::mine(&state.app, &s.caller())
        .await
        .map_err(app_err(v.lang))?;
    Ok(Json(MyRestDto {
        applications: m
            .applications
            .iter()
            .map(|(a, r)| MyRestApplicationDto {
                application_id: a.id,
                state: a.state.clone(),
                submitted_at: a.submitted_at,
                rest_position: RestPositionDto::from(r),
            })
            .collect(),
        offers: m
            .offers
            .iter()
            .map(|(o, _)| RestOfferDto::from(o))
            .collect(),
    }))
}
