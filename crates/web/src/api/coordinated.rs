//! `/api/v1/coordinated` — coordinated admission (issue 16; docs/matching.md §17) as JSON, over
//! the same use cases as the pages (`lis1_app::matching`):
//!
//! - the applicant (session): reads their round (positions applied to, ranking, couple, the
//!   ranking deadline, and after the match the result with its explanation), sets the ranking
//!   (`If-Match` on its `ETag`), asks a partner, confirms or ends a couple, sets the pairs;
//! - the directorate (session or token with `rounds:write`): sets and unsets the round's mode,
//!   sets a new time after a refused match, reads the overview and downloads the export;
//! - an employer (session or token): its rank order lists (`applications:read`; they are the
//!   innstilling) and, after the match, whom each position got and the cut-off (`offers:read`).
//!
//! Refusals are problem+json with the use case's stable code and the field; nothing changes.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::civil::DateTime;
use lis1_app::matching as m;
use lis1_domain::Lang;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::hiring::{if_match, with_etag};
use super::{app_err, id, parse_json, strict};
use crate::auth::Visitor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(overview))
        .routes(routes!(my_round))
        .routes(routes!(set_ranking))
        .routes(routes!(ask_partner))
        .routes(routes!(confirm_couple))
        .routes(routes!(end_couple))
        .routes(routes!(set_pairs))
        .routes(routes!(set_mode, unset_mode))
        .routes(routes!(reschedule))
        .routes(routes!(export))
        .routes(routes!(rank_order_lists))
}

fn pick(t: &lis1_app::Text, lang: Lang) -> String {
    lang.pick3(&t.nb, &t.nn, &t.en).clone()
}

fn civil(t: Timestamp) -> String {
    lis1_domain::calendar::to_oslo(t)
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

/// A position the applicant can rank.
#[derive(Serialize, ToSchema)]
pub struct ChoiceDto {
    /// The position.
    pub position_id: i64,
    /// Its advertisement.
    pub ad_id: i64,
    /// The hospital site and the kind.
    #[schema(example = "Sykehuset Levanger, Ordinær LIS1")]
    pub label: String,
    /// Places.
    pub places: i32,
}

impl From<&m::Choice> for ChoiceDto {
    fn from(c: &m::Choice) -> Self {
        ChoiceDto {
            position_id: c.position_id,
            ad_id: c.ad_id,
            label: c.label.clone(),
            places: c.places,
        }
    }
}

/// A ranked pair of a couple, from the caller's side; `null` is "no position".
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairDto {
    /// The caller's position.
    pub own: Option<i64>,
    /// The partner's position.
    pub partner: Option<i64>,
}

/// The caller's couple.
#[derive(Serialize, ToSchema)]
pub struct CoupleDto {
    /// The couple.
    pub id: i64,
    /// Whether the caller asked (else they were asked and confirmed).
    pub asked_by_me: bool,
    /// The partner's name, once both confirmed.
    pub partner_name: Option<String>,
    /// The address asked (to the one who asked).
    pub partner_email: String,
    /// Whether both confirmed.
    pub confirmed: bool,
    /// The partner's positions in the round (once confirmed).
    pub partner_choices: Vec<ChoiceDto>,
    /// The pairs, best first.
    pub pairs: Vec<PairDto>,
}

/// A request to form a couple, to the caller.
#[derive(Serialize, ToSchema)]
pub struct InvitationDto {
    /// The couple to confirm or decline.
    pub couple_id: i64,
    /// Who asked.
    pub name: String,
}

/// A choice ranked above what the applicant got, and why it did not take them.
#[derive(Serialize, ToSchema)]
pub struct WhyNotDto {
    /// Its place in the applicant's (or couple's) list.
    pub rank: u32,
    /// The position (for a couple, the caller's side).
    pub label: String,
    /// Why, e.g. the employer's cut-off and the caller's rank on its list; `null` when the
    /// caller's side alone would have been taken.
    pub reason: Option<String>,
    /// For a couple: the partner's side.
    pub partner_label: Option<String>,
    /// For a couple: why the partner's side was refused.
    pub partner_reason: Option<String>,
}

/// What the match gave the applicant, and why not better.
#[derive(Serialize, ToSchema)]
pub struct ResultDto {
    /// Whether they took part (had a submitted application).
    pub took_part: bool,
    /// The position they got (an accepted offer), or `null`.
    pub position: Option<ChoiceDto>,
    /// Its place in their list.
    pub rank: Option<u32>,
    /// Their lottery number.
    pub lottery_number: u32,
    /// Every choice above what they got, with the reason.
    pub higher: Vec<WhyNotDto>,
}

/// The applicant's coordinated round.
#[derive(Serialize, ToSchema)]
pub struct MyRoundDto {
    /// The round.
    pub round_id: i64,
    /// Its name.
    pub round_name: String,
    /// `waiting`, `running`, `matched` or `failed`.
    pub state: String,
    /// Rankings and couples may change until then (Norwegian time).
    #[schema(example = "2027-02-09T23:59")]
    pub ranking_deadline: String,
    /// When the match runs (Norwegian time).
    pub match_at: String,
    /// The seed commitment published when the mode was set.
    pub seed_sha256: String,
    /// Whether the ranking and couple may still change.
    pub open: bool,
    /// The positions applied to.
    pub choices: Vec<ChoiceDto>,
    /// The ranking, best first (position ids).
    pub ranking: Vec<i64>,
    /// The ranking's version, also sent as `ETag`: send it as `If-Match` when setting it.
    pub ranking_version: String,
    /// The couple, if any.
    pub couple: Option<CoupleDto>,
    /// Requests to form a couple.
    pub invitations: Vec<InvitationDto>,
    /// After the match: the result and its explanation.
    pub result: Option<ResultDto>,
}

/// The caller's coordinated round (an applicant): positions applied to, ranking, couple,
/// deadline, and after the match the result with the explanation, in the caller's language.
#[utoipa::path(get, path = "/api/v1/coordinated/{id}/me", tag = "coordinated",
    params(("id" = i64, Path, description = "Round id")),
    security(("session" = [])),
    responses((status = 200, body = MyRoundDto, headers(("ETag" = String, description = "The ranking's version: send as `If-Match` when setting it"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an applicant"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such round"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`coordinated_not_coordinated`")))]
async fn my_round(
    State(state): State<AppState>,
    v: Visitor,
    Path(round): Path<String>,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let lang = v.lang;
    let round = id(&round, &v)?;
    let r = m::my_round(&state.app, &s.caller(), round, lang)
        .await
        .map_err(app_err(lang))?;
    let dto = MyRoundDto {
        round_id: r.round.id,
        round_name: r.round.name.clone(),
        state: r.mode.state.clone(),
        ranking_deadline: civil(r.mode.ranking_deadline),
        match_at: civil(r.mode.match_at),
        seed_sha256: r.mode.seed_sha256.clone(),
        open: r.open,
        choices: r.choices.iter().map(ChoiceDto::from).collect(),
        ranking: r.ranking.clone(),
        ranking_version: r.ranking_version.clone(),
        couple: r.couple.as_ref().map(|c| CoupleDto {
            id: c.id,
            asked_by_me: c.asked_by_me,
            partner_name: c.partner_name.clone(),
            partner_email: c.partner_email.clone(),
            confirmed: c.confirmed,
            partner_choices: c.partner_choices.iter().map(ChoiceDto::from).collect(),
            pairs: c
                .pairs
                .iter()
                .map(|&(own, partner)| PairDto { own, partner })
                .collect(),
        }),
        invitations: r
            .invitations
            .iter()
            .map(|i| InvitationDto {
                couple_id: i.id,
                name: i.name.clone(),
            })
            .collect(),
        result: r.result.as_ref().map(|x| ResultDto {
            took_part: x.took_part,
            position: x.position.as_ref().map(ChoiceDto::from),
            rank: x.rank,
            lottery_number: x.lottery_number,
            higher: x
                .higher
                .iter()
                .map(|h| WhyNotDto {
                    rank: h.rank,
                    label: h.label.clone(),
                    reason: h.reason.as_ref().map(|t| pick(t, lang)),
                    partner_label: h.partner.as_ref().map(|(l, _)| l.clone()),
                    partner_reason: h
                        .partner
                        .as_ref()
                        .and_then(|(_, t)| t.as_ref().map(|t| pick(t, lang))),
                })
                .collect(),
        }),
    };
    Ok(with_etag(Json(dto).into_response(), &r.ranking_version))
}

/// A new ranking.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RankingRequest {
    /// Position ids, best first: positions the caller applied to in the round, each once. An
    /// empty list clears the ranking.
    pub positions: Vec<i64>,
}

/// Sets the caller's ranking until the ranking deadline. Send the `ETag` of `GET …/me` as
/// `If-Match`: if the ranking changed since, nothing changes (412). Answers with the new `ETag`.
#[utoipa::path(put, path = "/api/v1/coordinated/{id}/ranking", tag = "coordinated",
    params(("id" = i64, Path, description = "Round id"),
        ("If-Match" = Option<String>, Header, description = "The ranking's `ETag` as read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = RankingRequest,
    security(("session" = [])),
    responses((status = 204, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`, `if_match_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an applicant"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json", description = "`precondition_failed`: changed since the `ETag` was read"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`match_ranked_without_applying` (names the position), `match_duplicate_rank`, `match_too_large`, `coordinated_ranking_closed`, `coordinated_not_coordinated`; field `ranking`")))]
async fn set_ranking(
    State(state): State<AppState>,
    v: Visitor,
    Path(round): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let round = id(&round, &v)?;
    let expected = if_match(&headers, &v)?;
    let req: RankingRequest = parse_json(&body, v.lang)?;
    let version = m::set_ranking_if(
        &state.app,
        &s.caller(),
        round,
        &req.positions,
        expected.as_deref(),
    )
    .await
    .map_err(app_err(v.lang))?;
    Ok(with_etag(StatusCode::NO_CONTENT.into_response(), &version))
}

/// A request to apply as a couple.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerRequest {
    /// The partner's e-mail address as registered in the portal. The answer is the same
    /// whether or not anyone with it applied.
    pub partner_email: String,
}

/// Asks someone to apply as a couple with the caller (they confirm on their side).
#[utoipa::path(post, path = "/api/v1/coordinated/{id}/couple", tag = "coordinated",
    params(("id" = i64, Path, description = "Round id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = PartnerRequest,
    security(("session" = [])),
    responses((status = 204), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_email`, `match_couple_with_itself`, `match_member_of_two_couples`, `coordinated_ranking_closed`; field `partner_email`")))]
async fn ask_partner(
    State(state): State<AppState>,
    v: Visitor,
    Path(round): Path<String>,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    let s = v.require_api()?;
    let round = id(&round, &v)?;
    let req: PartnerRequest = parse_json(&body, v.lang)?;
    m::ask_partner(&state.app, &s.caller(), round, &req.partner_email)
        .await
        .map_err(app_err(v.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The asked applicant confirms the couple.
#[utoipa::path(post, path = "/api/v1/coordinated/{id}/couple/{couple}/confirmation", tag = "coordinated",
    params(("id" = i64, Path, description = "Round id"), ("couple" = i64, Path, description = "Couple id (from `invitations`)")),
    security(("session" = [])),
    responses((status = 204), (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such couple asking the caller"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`match_member_of_two_couples`, `coordinated_ranking_closed`")))]
async fn confirm_couple(
    State(state): State<AppState>,
    v: Visitor,
    Path((round, couple)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let s = v.require_api()?;
    let (round, couple) = (id(&round, &v)?, id(&couple, &v)?);
    m::confirm_couple(&state.app, &s.caller(), round, couple)
        .await
        .map_err(app_err(v.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Either member ends the couple (or the asked one declines); both rank alone again.
#[utoipa::path(delete, path = "/api/v1/coordinated/{id}/couple/{couple}", tag = "coordinated",
    params(("id" = i64, Path, description = "Round id"), ("couple" = i64, Path, description = "Couple id")),
    security(("session" = [])),
    responses((status = 204), (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "Not the caller's couple"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`coordinated_ranking_closed`")))]
async fn end_couple(
    State(state): State<AppState>,
    v: Visitor,
    Path((round, couple)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let s = v.require_api()?;
    let (round, couple) = (id(&round, &v)?, id(&couple, &v)?);
    m::end_couple(&state.app, &s.caller(), round, couple)
        .await
        .map_err(app_err(v.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A couple's pairs.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairsRequest {
    /// Best first, from the caller's side.
    pub pairs: Vec<PairDto>,
}

/// A member of a confirmed couple sets its pairs, best first (docs/matching.md §3 rule 8).
#[utoipa::path(put, path = "/api/v1/coordinated/{id}/pairs", tag = "coordinated",
    params(("id" = i64, Path, description = "Round id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = PairsRequest,
    security(("session" = [])),
    responses((status = 204), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "The caller is in no couple"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`match_pair_without_applying`, `match_empty_pair`, `match_duplicate_pair`, `coordinated_pair_in_other_round`, `coordinated_couple_not_confirmed`, `coordinated_ranking_closed`; field `pairs`")))]
async fn set_pairs(
    State(state): State<AppState>,
    v: Visitor,
    Path(round): Path<String>,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    let s = v.require_api()?;
    let round = id(&round, &v)?;
    let req: PairsRequest = parse_json(&body, v.lang)?;
    let pairs: Vec<(Option<i64>, Option<i64>)> =
        req.pairs.iter().map(|p| (p.own, p.partner)).collect();
    m::set_pairs(&state.app, &s.caller(), round, &pairs)
        .await
        .map_err(app_err(v.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The coordinated mode's timetable.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModeRequest {
    /// Rankings and couples may change until then, Norwegian time.
    #[schema(value_type = String, format = "YYYY-MM-DDTHH:MM", example = "2027-02-09T23:59")]
    #[serde(deserialize_with = "strict::datetime")]
    pub ranking_deadline: DateTime,
    /// When the match runs, Norwegian time.
    #[schema(value_type = String, format = "YYYY-MM-DDTHH:MM", example = "2027-02-10T22:00")]
    #[serde(deserialize_with = "strict::datetime")]
    pub match_at: DateTime,
}

/// The mode as set.
#[derive(Serialize, ToSchema)]
pub struct ModeDto {
    /// The seed commitment (SHA-256 of the sealed seed), published now.
    pub seed_sha256: String,
}

fn times(req: &ModeRequest, v: &Visitor) -> Result<(Timestamp, Timestamp), AppError> {
    let conv = |t: DateTime, field: &str| {
        lis1_domain::calendar::from_oslo(t).ok_or_else(|| {
            let mut e = AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "time_invalid",
                v.lang.pick3(
                    "Tidspunktet finnes ikke i norsk tid (sommertid). Ingenting ble endret.",
                    "Tidspunktet finst ikkje i norsk tid (sommartid). Ingenting vart endra.",
                    "The time does not exist in Norwegian time (daylight saving). Nothing was changed.",
                ),
            )
            .in_lang(v.lang)
            .api();
            e.fields.push((field.into(), e.message.clone()));
            e
        })
    };
    Ok((
        conv(req.ranking_deadline, "ranking_deadline")?,
        conv(req.match_at, "match_at")?,
    ))
}

/// Puts the round in coordinated mode (or changes its timetable) before it is announced (the
/// directorate; scope `rounds:write`). The seed is drawn and its commitment published.
#[utoipa::path(put, path = "/api/v1/coordinated/{id}/mode", tag = "coordinated",
    params(("id" = i64, Path, description = "Round id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = ModeRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = ModeDto), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`coordinated_after_announcement`, `coordinated_match_after_start`, the timetable's other rules")))]
async fn set_mode(
    State(state): State<AppState>,
    v: Visitor,
    Path(round): Path<String>,
    body: Bytes,
) -> Result<Json<ModeDto>, AppError> {
    let s = v.require_api()?;
    let round = id(&round, &v)?;
    let req: ModeRequest = parse_json(&body, v.lang)?;
    let (rank, run) = times(&req, &v)?;
    let seed_sha256 = m::set_mode(&state.app, &s.caller(), round, rank, run)
        .await
        .map_err(app_err(v.lang))?;
    Ok(Json(ModeDto { seed_sha256 }))
}

/// Takes the round back to ordinary offer rounds, before it is announced (the directorate).
#[utoipa::path(delete, path = "/api/v1/coordinated/{id}/mode", tag = "coordinated",
    params(("id" = i64, Path, description = "Round id")),
    security(("token" = []), ("session" = [])),
    responses((status = 204), (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such round, or not coordinated"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`coordinated_after_announcement`")))]
async fn unset_mode(
    State(state): State<AppState>,
    v: Visitor,
    Path(round): Path<String>,
) -> Result<StatusCode, AppError> {
    let s = v.require_api()?;
    let round = id(&round, &v)?;
    m::unset_mode(&state.app, &s.caller(), round)
        .await
        .map_err(app_err(v.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// After a refused match, sets a new ranking deadline and match time (the directorate).
#[utoipa::path(post, path = "/api/v1/coordinated/{id}/reschedule", tag = "coordinated",
    params(("id" = i64, Path, description = "Round id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    request_body = ModeRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 204), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`coordinated_not_refused`, `coordinated_match_in_past`, `coordinated_not_coordinated`")))]
async fn reschedule(
    State(state): State<AppState>,
    v: Visitor,
    Path(round): Path<String>,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    let s = v.require_api()?;
    let round = id(&round, &v)?;
    let req: ModeRequest = parse_json(&body, v.lang)?;
    let (rank, run) = times(&req, &v)?;
    m::reschedule_match(&state.app, &s.caller(), round, rank, run)
        .await
        .map_err(app_err(v.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whom a position got.
#[derive(Serialize, ToSchema)]
pub struct MatchedDto {
    /// The applicant's name.
    pub name: String,
    /// Their rank on the employer's list.
    pub rank: u32,
}

/// One position's result.
#[derive(Serialize, ToSchema)]
pub struct PositionResultDto {
    /// The position.
    pub position_id: i64,
    /// As applicants see it.
    pub label: String,
    /// Places.
    pub capacity: u32,
    /// Whom it got, best first.
    pub matched: Vec<MatchedDto>,
    /// The list rank of the last one admitted (the cut-off).
    pub cutoff_rank: Option<u32>,
}

/// A coordinated round as the directorate or an employer sees it.
#[derive(Serialize, ToSchema)]
pub struct OverviewDto {
    /// The round.
    pub round_id: i64,
    /// Whether it is in coordinated mode.
    pub coordinated: bool,
    /// `waiting`, `running`, `matched` or `failed`; `null` when not coordinated.
    pub state: Option<String>,
    /// Norwegian time.
    pub ranking_deadline: Option<String>,
    /// Norwegian time.
    pub match_at: Option<String>,
    /// The seed commitment.
    pub seed_sha256: Option<String>,
    /// SHA-256 of the match's inputs, once matched.
    pub inputs_sha256: Option<String>,
    /// Why the match was refused, if it was.
    pub failure: Option<String>,
    /// Applicants who ranked.
    pub ranked: usize,
    /// Confirmed couples.
    pub couples: usize,
    /// After the match: the positions the caller may see, whom each got and the cut-off.
    pub positions: Vec<PositionResultDto>,
}

/// The round's coordinated state: to the directorate everything, to an employer (scope
/// `offers:read`) the results of its positions: whom each got, by name, and the cut-off. The
/// read is logged.
#[utoipa::path(get, path = "/api/v1/coordinated/{id}", tag = "coordinated",
    params(("id" = i64, Path, description = "Round id")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = OverviewDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn overview(
    State(state): State<AppState>,
    v: Visitor,
    Path(round): Path<String>,
) -> Result<Json<OverviewDto>, AppError> {
    let s = v.require_api()?;
    let round = id(&round, &v)?;
    let o = m::overview(&state.app, &s.caller(), round, v.lang)
        .await
        .map_err(app_err(v.lang))?;
    let mode = o.mode.as_ref();
    Ok(Json(OverviewDto {
        round_id: o.round.id,
        coordinated: mode.is_some(),
        state: mode.map(|m| m.state.clone()),
        ranking_deadline: mode.map(|m| civil(m.ranking_deadline)),
        match_at: mode.map(|m| civil(m.match_at)),
        seed_sha256: mode.map(|m| m.seed_sha256.clone()),
        inputs_sha256: mode.and_then(|m| m.inputs_sha256.clone()),
        failure: mode.and_then(|m| m.failure.clone()),
        ranked: o.ranked,
        couples: o.couples,
        positions: o
            .positions
            .iter()
            .map(|p| PositionResultDto {
                position_id: p.position_id,
                label: p.label.clone(),
                capacity: p.capacity,
                matched: p
                    .matched
                    .iter()
                    .map(|(name, rank)| MatchedDto {
                        name: name.clone(),
                        rank: *rank,
                    })
                    .collect(),
                cutoff_rank: p.cutoff_rank,
            })
            .collect(),
    }))
}

/// The published export (docs/matching.md §11) that `lis1 match verify` checks: for the
/// directorate and everyone in the match (scope `offers:read`). Every download is logged.
#[utoipa::path(get, path = "/api/v1/coordinated/{id}/export", tag = "coordinated",
    params(("id" = i64, Path, description = "Round id")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, content_type = "application/json", body = Object, description = "The export file"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such round, or not matched")))]
async fn export(
    State(state): State<AppState>,
    v: Visitor,
    Path(round): Path<String>,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let round = id(&round, &v)?;
    let text = m::export(&state.app, &s.caller(), round)
        .await
        .map_err(app_err(v.lang))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], text).into_response())
}

/// An application on a rank order list.
#[derive(Serialize, ToSchema)]
pub struct ListedDto {
    /// Its rank, from 1.
    pub rank: u32,
    /// The application.
    pub application_id: i64,
    /// The applicant's name.
    pub name: String,
}

/// A position's rank order list.
#[derive(Serialize, ToSchema)]
pub struct RankOrderListDto {
    /// The position.
    pub position_id: i64,
    /// Its advertisement (set the list with `PUT /api/v1/advertisements/{id}/recommendation`).
    pub ad_id: i64,
    /// As applicants see it.
    pub label: String,
    /// Places.
    pub capacity: i32,
    /// Whether the caller sets it.
    pub may_rank: bool,
    /// Best first.
    pub ranked: Vec<ListedDto>,
}

/// The employer's rank order lists in the round (scope `applications:read`): each position's
/// innstilling, as the match will read it. Names applicants: the read is logged.
#[utoipa::path(get, path = "/api/v1/coordinated/{id}/rank-order-lists", tag = "coordinated",
    params(("id" = i64, Path, description = "Round id")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = Vec<RankOrderListDto>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn rank_order_lists(
    State(state): State<AppState>,
    v: Visitor,
    Path(round): Path<String>,
) -> Result<Json<Vec<RankOrderListDto>>, AppError> {
    let s = v.require_api()?;
    let round = id(&round, &v)?;
    let lists = m::rank_order_lists(&state.app, &s.caller(), round, v.lang)
        .await
        .map_err(app_err(v.lang))?;
    Ok(Json(
        lists
            .into_iter()
            .map(|l| RankOrderListDto {
                position_id: l.position_id,
                ad_id: l.ad_id,
                label: l.label,
                capacity: l.capacity,
                may_rank: l.may_rank,
                ranked: l
                    .ranked
                    .into_iter()
                    .enumerate()
                    .map(|(i, (application_id, name))| ListedDto {
                        rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
                        application_id,
                        name,
                    })
                    .collect(),
            })
            .collect(),
    ))
}
