//! `/api/v1` for the §13b lottery (issue 10): the lottery's status and result for whoever may
//! see it (the site's hospital, the cohort's doctors, the area's municipalities, the
//! directorate), and the doctor's own ranking of the places, read and replaced with
//! `ETag`/`If-Match`. Each handler calls the same use case as the pages (`lis1_app::lottery`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::hiring::{if_match, with_etag};
use super::{app_err, id, parse_json};
use crate::auth::Visitor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_lottery))
        .routes(routes!(get_ranking, set_ranking))
}

/// A place of the cooperation area to be drawn.
#[derive(Serialize, ToSchema)]
pub struct LotteryPlaceDto {
    /// The key a ranking names it by: `5037`, or `5060/Rørvik` for a place inside a
    /// municipality.
    #[schema(example = "5037")]
    pub key: String,
    /// As people read it.
    #[schema(example = "Levanger kommune")]
    pub name: String,
    /// The municipality.
    pub municipality_id: i64,
    /// Slots.
    pub count: u32,
}

fn places(p: &[lis1_store::lottery::LotteryPlace]) -> Vec<LotteryPlaceDto> {
    p.iter()
        .map(|p| LotteryPlaceDto {
            key: p.key.clone(),
            name: lis1_app::lottery::place_name(p),
            municipality_id: p.municipality_id,
            count: p.count,
        })
        .collect()
}

/// One doctor's outcome of a draw, as in the published export (docs/lottery.md §10).
#[derive(Serialize, ToSchema)]
pub struct LotteryResultDto {
    /// The participant id of the export (pseudonymous).
    pub participant: String,
    /// The course, for the site's hospital and the directorate, and for the doctor's own.
    pub course_id: Option<i64>,
    /// The place's key.
    pub place: String,
    /// `reserved`, `preference` or `random`.
    #[schema(example = "preference")]
    pub basis: String,
    /// The rank of the place in the doctor's ranking, when `basis` is `preference`.
    pub rank: Option<u32>,
}

/// A lottery: its commitment, and from the draw on its seed and result.
#[derive(Serialize, ToSchema)]
pub struct LotteryDto {
    /// Id.
    pub id: i64,
    /// The hospital site.
    pub hospital_site_id: i64,
    /// Its name.
    pub site_name: String,
    /// The cohort: the municipal start.
    #[schema(value_type = String, example = "2027-09-01")]
    pub cohort: jiff::civil::Date,
    /// `preference_order` or `pure_random`.
    pub method: String,
    /// `committed` or `drawn`.
    #[schema(example = "committed")]
    pub state: String,
    /// SHA-256 of the secret seed, published at the commitment.
    pub seed_sha256: String,
    /// When the doctors' ranking closes; absent: at the draw.
    #[schema(value_type = Option<String>)]
    pub ranking_deadline: Option<Timestamp>,
    /// When committed.
    #[schema(value_type = String)]
    pub committed_at: Timestamp,
    /// When drawn.
    #[schema(value_type = Option<String>)]
    pub drawn_at: Option<Timestamp>,
    /// The revealed seed, from the draw on.
    pub seed: Option<String>,
    /// SHA-256 of the canonical inputs, from the draw on.
    pub inputs_sha256: Option<String>,
    /// The places of the area.
    pub places: Vec<LotteryPlaceDto>,
    /// Every doctor's outcome, from the draw on.
    pub result: Vec<LotteryResultDto>,
}

/// A lottery and, once drawn, its result (scope `lottery:read`): the site's hospital trust,
/// the cohort's doctors, the area's municipalities, the directorate. The result is the published
/// export's, by pseudonymous participant; the course is named for the hospital and the
/// directorate (who run and supervise the lottery) and for the caller's own course.
#[utoipa::path(get, path = "/api/v1/lotteries/{id}", tag = "lottery",
    params(("id" = i64, Path, description = "Lottery (draw) id")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = LotteryDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "`not_found`")))]
async fn get_lottery(
    State(state): State<AppState>,
    v: Visitor,
    Path(draw): Path<String>,
) -> Result<Json<LotteryDto>, AppError> {
    let s = v.require_api()?;
    let draw = id(&draw, &v)?;
    let st = lis1_app::lottery::status(&state.app, &s.caller(), draw)
        .await
        .map_err(app_err(v.lang))?;
    let supervises = authorize_audit(&s.principal);
    let result = st
        .draw
        .export()
        .map(|e| {
            e.result
                .into_iter()
                .map(|r| {
                    let course = st
                        .courses
                        .iter()
                        .find(|c| c.participant_id() == r.participant);
                    let named =
                        course.filter(|c| st.runs || supervises || c.applicant_id == s.user.id);
                    LotteryResultDto {
                        participant: r.participant,
                        course_id: named.map(|c| c.id),
                        place: r.place,
                        basis: serde_json::to_value(r.basis)
                            .ok()
                            .and_then(|b| b.as_str().map(str::to_string))
                            .unwrap_or_default(),
                        rank: r.rank,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let d = st.draw;
    Ok(Json(LotteryDto {
        id: d.id,
        hospital_site_id: d.hospital_site_id,
        site_name: st.site_name,
        cohort: d.cohort,
        method: d.method,
        state: d.state,
        seed_sha256: d.seed_sha256,
        ranking_deadline: d.ranking_deadline,
        committed_at: d.committed_at,
        drawn_at: d.drawn_at,
        seed: d.seed,
        inputs_sha256: d.inputs_sha256,
        places: places(&st.places),
        result,
    }))
}

fn authorize_audit(p: &lis1_domain::access::Principal) -> bool {
    lis1_domain::access::authorize(p, &lis1_domain::access::Action::ViewAuditLog).is_ok()
}

/// A doctor's ranking for the lottery of their course.
#[derive(Serialize, ToSchema)]
pub struct RankingDto {
    /// The course.
    pub course_id: i64,
    /// The places to rank.
    pub places: Vec<LotteryPlaceDto>,
    /// The ranking, best first: place keys.
    pub choices: Vec<String>,
    /// The cohort's latest lottery, if committed.
    pub lottery_id: Option<i64>,
    /// Its state: `committed` or `drawn`; absent before the commitment.
    pub lottery_state: Option<String>,
    /// When the ranking closes; absent: at the draw.
    #[schema(value_type = Option<String>)]
    pub ranking_deadline: Option<Timestamp>,
    /// The place drawn for the doctor, once drawn.
    pub drawn_place: Option<String>,
}

/// The caller's ranking of the places for their course's lottery, with its `ETag` (the doctor,
/// signed in; tokens never act as doctors), and the place drawn once the lottery has run.
#[utoipa::path(get, path = "/api/v1/courses/{id}/lottery-ranking", tag = "lottery",
    params(("id" = i64, Path, description = "Course id")),
    security(("session" = [])),
    responses((status = 200, body = RankingDto, headers(("ETag" = String, description = "Send as `If-Match` when replacing the ranking"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such course of yours")))]
async fn get_ranking(
    State(state): State<AppState>,
    v: Visitor,
    Path(course): Path<String>,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let course = id(&course, &v)?;
    let mine = lis1_app::lottery::my_ranking(&state.app, &s.caller(), course)
        .await
        .map_err(app_err(v.lang))?;
    let me = mine.course.participant_id();
    let drawn_place = mine
        .draw
        .as_ref()
        .and_then(|d| d.export())
        .and_then(|e| e.result.into_iter().find(|r| r.participant == me))
        .map(|r| r.place);
    let dto = RankingDto {
        course_id: mine.course.id,
        places: places(&mine.places),
        choices: mine.ranking,
        lottery_id: mine.draw.as_ref().map(|d| d.id),
        lottery_state: mine.draw.as_ref().map(|d| d.state.clone()),
        ranking_deadline: mine.draw.as_ref().and_then(|d| d.ranking_deadline),
        drawn_place,
    };
    Ok(with_etag(Json(dto).into_response(), &mine.version))
}

/// A new ranking.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LotteryRankingRequest {
    /// Place keys, best first, each once (at most 100); empty clears the ranking.
    #[schema(max_items = 100)]
    pub choices: Vec<String>,
}

/// Replaces the caller's ranking for their course's lottery (the doctor, signed in), until the
/// ranking deadline or the draw, as the page `/min-lis1` does. Send the `ETag` you read as
/// `If-Match`: a ranking changed since is refused with 412. Answers with the new `ETag`.
#[utoipa::path(put, path = "/api/v1/courses/{id}/lottery-ranking", tag = "lottery",
    params(("id" = i64, Path, description = "Course id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` of the ranking as read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    request_body = LotteryRankingRequest,
    security(("session" = [])),
    responses((status = 204, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`, `if_match_invalid`, `idempotency_key_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, or no valid `X-CSRF-Token`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such course of yours"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`lottery_drawn`, `lottery_ranking_closed`, `not_by_lottery` (§13a), `idempotency_key_in_use`"),
        (status = 412, body = Problem, content_type = "application/problem+json", description = "`precondition_failed`: changed since the `ETag` was read"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`ranking_invalid` (see `errors`: `choices[0]` … a place twice or not of the area), `too_many_choices`, `idempotency_key_reused`")))]
async fn set_ranking(
    State(state): State<AppState>,
    v: Visitor,
    Path(course): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let course = id(&course, &v)?;
    let expected = if_match(&headers, &v)?;
    let req: LotteryRankingRequest = parse_json(&body, v.lang)?;
    let version = lis1_app::lottery::rank(
        &state.app,
        &s.caller(),
        course,
        &req.choices,
        expected.as_deref(),
    )
    .await
    .map_err(app_err(v.lang))?;
    Ok(with_etag(StatusCode::NO_CONTENT.into_response(), &version))
}
