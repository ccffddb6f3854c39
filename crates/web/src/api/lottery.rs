//! `/api/v1` for the §13b lottery (issue 10): the lottery's status and result for whoever may
//! see it (the site's hospital, the cohort's doctors, the area's municipalities, the
//! directorate), and the doctor's own ranking of the places, read and replaced with
//! `ETag`/`If-Match`; the hospital's commitment and draw and the directorate's late-draw
//! permission, and the hospital's reminder to the doctors who have not ranked. Each handler calls the same use case as the pages (`lis1_app::lottery`).
//!
//! Paths: committing a site's cohort *creates* the lottery, so it is `POST /api/v1/lotteries`
//! (201 with `Location: /api/v1/lotteries/{id}`), and the draw acts on it,
//! `POST /api/v1/lotteries/{id}/draw`. The late-draw permission is the directorate's for a
//! site's cohort and comes before any commitment (a cohort past its last draw day cannot be
//! committed without it), so no lottery id can name it:
//! `PUT /api/v1/lotteries/cohorts/{site}/{cohort}/late-draw-permission`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
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
        .routes(routes!(commit_lottery))
        .routes(routes!(draw_lottery))
        .routes(routes!(remind_to_rank))
        .routes(routes!(allow_late_draw))
        .routes(routes!(reserve_place))
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
    Ok(Json(lottery_dto(st, &s.principal, s.user.id)))
}

/// The lottery as the API shows it to `principal` (user `me`).
fn lottery_dto(
    st: lis1_app::lottery::Status,
    principal: &lis1_domain::access::Principal,
    me: i64,
) -> LotteryDto {
    let supervises = authorize_audit(principal);
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
                    let named = course.filter(|c| st.runs || supervises || c.applicant_id == me);
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
    LotteryDto {
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
    }
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

/// How the places are assigned.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum LotteryMethod {
    /// The doctors in random order, each the best-ranked place still free.
    PreferenceOrder,
    /// Purely at random; rankings are not used.
    PureRandom,
}

/// A site's cohort to commit.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LotteryCommitRequest {
    /// The hospital site.
    pub hospital_site_id: i64,
    /// The cohort: the municipal start.
    #[schema(value_type = String, example = "2028-09-01")]
    pub cohort: jiff::civil::Date,
    /// How the places are assigned.
    pub method: LotteryMethod,
    /// The last day the doctors may rank (to the end of the day, Norwegian time); absent:
    /// until the draw. From today up to the day before the last draw day.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "2028-04-20")]
    pub ranking_deadline: Option<jiff::civil::Date>,
    /// For a redraw of a drawn cohort: why (required then).
    #[serde(default)]
    pub reason: Option<String>,
}

/// Commits a hospital site's cohort's lottery (scope `lottery:write`; the site's hospital
/// trust), as the page `/trekning` does (`lis1_app::lottery::commit`): the portal makes the
/// secret seed and publishes its SHA-256, and each doctor of the cohort is e-mailed to rank
/// the places. Refused later than four months before the municipal start unless the
/// directorate allowed it, and while the area has too few places. Answers with the lottery.
#[utoipa::path(post, path = "/api/v1/lotteries", tag = "lottery",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the lottery is committed once")),
    request_body = LotteryCommitRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 201, body = LotteryDto, headers(("Location" = String, description = "The lottery"))),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json` (unknown field, wrong type, a bad date or method), `idempotency_key_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden` (not the site's hospital trust), `insufficient_scope`, or no valid `X-CSRF-Token`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such site"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`lottery_already_committed`, `lottery_redraw_needs_reason`, `idempotency_key_in_use`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`draw_too_late`, `lottery_ranking_deadline_invalid` (at `ranking_deadline`), too few places in the area or in the plan, `idempotency_key_reused`")))]
async fn commit_lottery(
    State(state): State<AppState>,
    v: Visitor,
    body: Bytes,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let req: LotteryCommitRequest = parse_json(&body, v.lang)?;
    let c = lis1_app::lottery::Commitment {
        site: req.hospital_site_id,
        cohort: req.cohort,
        method: match req.method {
            LotteryMethod::PreferenceOrder => lis1_domain::lottery::Method::PreferenceOrder,
            LotteryMethod::PureRandom => lis1_domain::lottery::Method::PureRandom,
        },
        reason: req.reason,
        ranking_deadline: req.ranking_deadline,
    };
    let st = lis1_app::lottery::commit(&state.app, &s.caller(), &c)
        .await
        .map_err(app_err(v.lang))?;
    let id = st.draw.id;
    let mut resp = (
        StatusCode::CREATED,
        Json(lottery_dto(st, &s.principal, s.user.id)),
    )
        .into_response();
    if let Ok(loc) = HeaderValue::from_str(&format!("/api/v1/lotteries/{id}")) {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(resp)
}

/// Draws a committed lottery (scope `lottery:write`; the site's hospital trust), as the page
/// `/trekning/{id}` does (`lis1_app::lottery::draw`): the seed is revealed, every doctor is
/// placed, and the doctors (with their lottery-result letter) and the municipalities are
/// e-mailed, all in one transaction. Final: a drawn lottery is not drawn again. No body.
#[utoipa::path(post, path = "/api/v1/lotteries/{id}/draw", tag = "lottery",
    params(("id" = i64, Path, description = "Lottery (draw) id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = LotteryDto),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`, or no valid `X-CSRF-Token`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "`not_found`"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`lottery_already_drawn`, `lottery_ranking_open` (before the ranking deadline), `idempotency_key_in_use`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`draw_too_late` (past the last draw day, not allowed late), the inputs break a rule, `idempotency_key_reused`")))]
async fn draw_lottery(
    State(state): State<AppState>,
    v: Visitor,
    Path(draw): Path<String>,
) -> Result<Json<LotteryDto>, AppError> {
    let s = v.require_api()?;
    let draw = id(&draw, &v)?;
    let st = lis1_app::lottery::draw(&state.app, &s.caller(), draw)
        .await
        .map_err(app_err(v.lang))?;
    Ok(Json(lottery_dto(st, &s.principal, s.user.id)))
}

/// What a reminder to rank did.
#[derive(Serialize, ToSchema)]
pub struct RemindedDto {
    /// Doctors reminded now (by e-mail).
    pub sent: usize,
    /// Doctors who have not ranked but were reminded by hand earlier today already (at most one
    /// such mail a day each).
    pub already_today: usize,
    /// Doctors who have ranked.
    pub ranked: usize,
}

/// Reminds every doctor of a committed lottery who has not ranked the places yet, by e-mail,
/// at most once a day each however often it is asked (scope `lottery:write`; the site's
/// hospital trust), as the button on `/trekning` does (`lis1_app::lottery::remind_to_rank`).
/// Logged as `lottery.remind`. No body.
#[utoipa::path(post, path = "/api/v1/lotteries/{id}/reminders", tag = "lottery",
    params(("id" = i64, Path, description = "Lottery (draw) id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = RemindedDto),
        (status = 400, body = Problem, description = "`idempotency_key_invalid`"),
        (status = 401, body = Problem),
        (status = 403, body = Problem, description = "`forbidden`, `insufficient_scope`, or no valid `X-CSRF-Token`"),
        (status = 404, body = Problem, description = "`not_found`"),
        (status = 409, body = Problem, description = "`lottery_not_open` (drawn already), `lottery_ranking_closed`, `idempotency_key_in_progress`"),
        (status = 422, body = Problem, description = "`idempotency_key_reused`")))]
async fn remind_to_rank(
    State(state): State<AppState>,
    v: Visitor,
    Path(draw): Path<String>,
) -> Result<Json<RemindedDto>, AppError> {
    let s = v.require_api()?;
    let draw = id(&draw, &v)?;
    let done = lis1_app::lottery::remind_to_rank(&state.app, &s.caller(), draw)
        .await
        .map_err(app_err(v.lang))?;
    Ok(Json(RemindedDto {
        sent: done.sent,
        already_today: done.already_today,
        ranked: done.ranked,
    }))
}

/// The reason for a late draw.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LateDrawRequest {
    /// Why the cohort may be drawn late (at most 500 characters); logged.
    pub reason: String,
}

/// Allows a hospital site's cohort to be committed and drawn later than four months before
/// the municipal start (scope `lottery:write`; the directorate), with a reason that is logged,
/// as the page `/trekning` does (`lis1_app::lottery::allow_late`). Given again, the new reason
/// replaces the old.
#[utoipa::path(put, path = "/api/v1/lotteries/cohorts/{site}/{cohort}/late-draw-permission", tag = "lottery",
    params(("site" = i64, Path, description = "Hospital site id"),
        ("cohort" = String, Path, description = "The cohort's municipal start, e.g. 2028-09-01"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    request_body = LateDrawRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 204),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`, `idempotency_key_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden` (not the directorate), `insufficient_scope`, or no valid `X-CSRF-Token`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such hospital site, or not a date"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`lottery_late_needs_reason`, `idempotency_key_in_use`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`reason_too_long` (at `reason`), `idempotency_key_reused`")))]
async fn allow_late_draw(
    State(state): State<AppState>,
    v: Visitor,
    Path((site, cohort)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let site = id(&site, &v)?;
    let cohort: jiff::civil::Date = cohort
        .parse()
        .map_err(|_| AppError::not_found(v.lang).api())?;
    let req: LateDrawRequest = parse_json(&body, v.lang)?;
    lis1_app::lottery::allow_late(&state.app, &s.caller(), site, cohort, &req.reason)
        .await
        .map_err(app_err(v.lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A reservation of a place for a doctor before the commitment.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReservationRequest {
    /// The place's key as the lottery names it (`5037`, or `5060/Rørvik` for a place inside a
    /// municipality); `null` removes the reservation.
    #[schema(example = "5037")]
    pub place: Option<String>,
    /// Why (for example a special agreement), at most 500 characters; required with a place,
    /// logged.
    #[schema(example = "Særavtale med kommunen")]
    pub reason: String,
}

/// Reserves a place of the cooperation area for the doctor of a §13b course before the
/// cohort's commitment (docs/lottery.md §3), or removes the reservation (scope `lottery:write`;
/// the site's hospital trust), as the page `/trekning` does (`lis1_app::lottery::reserve`). The
/// reason is logged (`lottery.reserve`). A course of another hospital is answered as if it did
/// not exist. Given again, the new reservation replaces the old.
#[utoipa::path(put, path = "/api/v1/courses/{id}/lottery-reservation", tag = "lottery",
    params(("id" = i64, Path, description = "Course id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    request_body = ReservationRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 204),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`, `idempotency_key_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`insufficient_scope`, or no valid `X-CSRF-Token`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such course, or not the caller's hospital's"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`not_by_lottery` (a §13a course), `lottery_committed` (the cohort's commitment is published), `lottery_reservation_needs_reason`, `idempotency_key_in_use`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`reason_too_long` (at `reason`), an unknown or overbooked place, `idempotency_key_reused`")))]
async fn reserve_place(
    State(state): State<AppState>,
    v: Visitor,
    Path(course): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let course = id(&course, &v)?;
    let req: ReservationRequest = parse_json(&body, v.lang)?;
    lis1_app::lottery::reserve(
        &state.app,
        &s.caller(),
        course,
        req.place.as_deref(),
        &req.reason,
    )
    .await
    .map_err(app_err(v.lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
