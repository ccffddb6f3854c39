//! `/api/v1` for hiring: a hospital trust's HR system lists its advertisements and their
//! applicants, reads and sets the innstilling (with `ETag`/`If-Match`); a doctor, signed in,
//! submits and withdraws applications. Each handler calls the same use case as the pages
//! (`lis1_app::applications`).

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use lis1_app::applications::{self as uc, ApplicationInput, Ranking};
use lis1_domain::advertisements::Answer;
use lis1_store::applications::Submitted;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiQuery, CursorKey, Page, PageParams, app_err, id, parse_json};
use crate::auth::Visitor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_advertisements, create_advertisement))
        .routes(routes!(get_advertisement, replace_advertisement))
        .routes(routes!(publish_advertisement))
        .routes(routes!(list_applicants))
        .routes(routes!(get_recommendation, set_recommendation))
        .routes(routes!(assess_applicant))
        .routes(routes!(adjust_points))
        .routes(routes!(comment_on_applicant))
        .routes(routes!(bulk_action))
        .routes(routes!(participate))
        .routes(routes!(submit_application))
        .routes(routes!(withdraw_application))
        .routes(routes!(get_document))
}

/// A position of an advertisement.
#[derive(Serialize, ToSchema)]
pub struct PositionDto {
    /// Id.
    pub id: i64,
    /// Order within the advertisement, from 1.
    pub seq: i32,
    /// `ordinary`, `bound_psychiatry`, `bound_child_psychiatry` or `bound_alis`.
    #[schema(example = "ordinary")]
    pub kind: String,
    /// How many places.
    pub count: i32,
    /// The municipality of a §13a or ALIS position.
    pub municipality_id: Option<i64>,
    /// The employer of a bound position's later specialist position, who decides on it.
    pub later_employer_id: Option<i64>,
}

/// An advertisement (*utlysning*) as its organisation's systems see it.
#[derive(Serialize, ToSchema)]
pub struct AdvertisementDto {
    /// Id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// `draft` or `published`.
    #[schema(example = "published")]
    pub state: String,
    /// The round.
    pub round_id: i64,
    /// The hospital trust.
    pub hf_id: i64,
    /// The hospital site.
    pub hospital_site_id: i64,
    /// `section13a` (one municipality) or `section13b` (a group, municipality by lottery).
    #[schema(example = "section13b")]
    pub coupling: String,
    /// The municipalities.
    pub municipality_ids: Vec<i64>,
    /// The application deadline (søknadsfrist).
    #[schema(value_type = String, example = "2027-02-02T22:59:00Z")]
    pub application_deadline: Timestamp,
    /// The hospital start.
    #[schema(value_type = String, example = "2027-09-01")]
    pub start_date: jiff::civil::Date,
    /// The positions.
    pub positions: Vec<PositionDto>,
    /// Submitted applications.
    pub applications: i64,
}

/// The advertisements of the caller's organisation, drafts included, by id, a page at a time
/// (scope `advertisements:read`): a hospital trust's own, its RHF's trusts', a later
/// employer's bound positions', all for the directorate.
#[utoipa::path(get, path = "/api/v1/advertisements", tag = "hiring",
    params(PageParams),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = Page<AdvertisementDto>),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "`unauthenticated`, `token_invalid`, `token_revoked`, `token_expired`"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`insufficient_scope`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_limit`, `invalid_cursor`")))]
async fn list_advertisements(
    State(state): State<AppState>,
    v: Visitor,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<Page<AdvertisementDto>>, AppError> {
    let s = v.require_api()?;
    let ads = uc::own_advertisements(&state.app, &s.caller())
        .await
        .map_err(app_err(v.lang))?;
    let items: Vec<AdvertisementDto> = ads.into_iter().map(advertisement_dto).collect();
    Ok(Json(params.page(items, |a| a.id, v.lang)?))
}

fn advertisement_dto(a: lis1_app::applications::OwnAdvertisement) -> AdvertisementDto {
    let c = a.ad;
    AdvertisementDto {
        id: c.ad.id,
        title: c.ad.title,
        state: c.ad.state,
        round_id: c.ad.round_id,
        hf_id: c.ad.hf_id,
        hospital_site_id: c.ad.hospital_site_id,
        coupling: c.ad.coupling,
        municipality_ids: c.ad.municipality_ids,
        application_deadline: c.round.application_deadline,
        start_date: c.round.start_date,
        positions: c
            .ad
            .positions
            .iter()
            .map(|p| PositionDto {
                id: p.id,
                seq: p.seq,
                kind: p.kind.clone(),
                count: p.count,
                municipality_id: p.municipality_id,
                later_employer_id: p.later_employer_id,
            })
            .collect(),
        applications: a.applications,
    }
}

/// One advertisement of the caller's organisation, drafts included (scope
/// `advertisements:read`; who may list it among their own), with its `ETag`: send it as
/// `If-Match` when replacing or publishing the draft.
#[utoipa::path(get, path = "/api/v1/advertisements/{id}", tag = "hiring",
    params(("id" = i64, Path, description = "Advertisement id")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = AdvertisementDto, headers(("ETag" = String, description = "The advertisement's version"))),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "`unauthenticated`, `token_invalid`, `token_revoked`, `token_expired`"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "`not_found`")))]
async fn get_advertisement(
    State(state): State<AppState>,
    v: Visitor,
    Path(ad): Path<String>,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let ad = id(&ad, &v)?;
    let own = lis1_app::ads::own(&state.app, &s.caller(), ad)
        .await
        .map_err(app_err(v.lang))?;
    let version = lis1_app::ads::version(&own.ad.ad);
    Ok(with_etag(
        Json(advertisement_dto(own)).into_response(),
        &version,
    ))
}

/// A position as a recruiter writes it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionRequest {
    /// `ordinary`, `bound_lis3_psychiatry`, `bound_lis3_bup` or `bound_alis`.
    #[schema(example = "ordinary")]
    pub kind: String,
    /// How many identical positions (1–200).
    #[schema(example = 3, minimum = 1, maximum = 200)]
    pub count: u16,
    /// The municipality: required for `bound_alis`, optional otherwise; in the site's
    /// cooperation area.
    #[serde(default)]
    pub municipality_id: Option<i64>,
    /// The organisation that employs in the later position: required for bound positions,
    /// absent for ordinary ones.
    #[serde(default)]
    pub later_employer_id: Option<i64>,
}

/// A screening question of the recruiter's own (yes/no).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionRequest {
    /// The question in bokmål.
    pub text_nb: String,
    /// The question in English; empty or absent: the bokmål text.
    #[serde(default)]
    pub text_en: String,
}

/// An advertisement as a hospital trust's HR system writes it: to create a draft, or to
/// replace one. The same rules as the portal's form; every broken rule is listed in `errors`
/// with its field.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvertisementRequest {
    /// The round; its application deadline must not have passed.
    pub round_id: i64,
    /// The hospital site, of the caller's trust.
    pub hospital_site_id: i64,
    /// `section13a` (one municipality) or `section13b` (a group; municipality by lottery).
    #[schema(example = "section13b")]
    pub coupling: String,
    /// Title, 1–200 characters.
    pub title: String,
    /// The text.
    #[serde(default)]
    pub description: String,
    /// The coupled municipalities, from the site's cooperation area.
    #[serde(default)]
    pub municipality_ids: Vec<i64>,
    /// The positions, in order, at least one.
    pub positions: Vec<PositionRequest>,
    /// The weighted criteria (skjønnsmessige kriterier), as shown to applicants.
    #[serde(default)]
    pub weighted_criteria: Vec<String>,
    /// The points rubric, as in the portal's stored form (`{"items": [...]}`); absent: the
    /// standard rubric.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub rubric: Option<lis1_domain::scoring::Rubric>,
    /// Screening questions of the recruiter's own; a bound position adds the standard question
    /// before them.
    #[serde(default)]
    pub screening_questions: Vec<QuestionRequest>,
    /// Offer a freed place to the next in line automatically (default `true`).
    #[serde(default = "yes")]
    pub auto_next_in_line: bool,
}

fn yes() -> bool {
    true
}

/// What a request names that is no value of its list: refused with 422 at the field.
fn not_a_choice(field: String, v: &Visitor) -> AppError {
    let mut e = AppError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "choice_invalid",
        v.lang.pick3(
            "Ukjent verdi. Ingenting ble lagret.",
            "Ukjend verdi. Ingenting vart lagra.",
            "Unknown value. Nothing was saved.",
        ),
    )
    .in_lang(v.lang)
    .api();
    e.fields.push((field, e.message.clone()));
    e
}

impl AdvertisementRequest {
    fn input(self, v: &Visitor) -> Result<lis1_app::ads::AdInput, AppError> {
        use lis1_domain::advertisements::{Coupling, PositionDraft, PositionKind};
        let coupling =
            Coupling::parse(&self.coupling).map_err(|_| not_a_choice("coupling".into(), v))?;
        let mut positions = Vec::with_capacity(self.positions.len());
        for (i, p) in self.positions.into_iter().enumerate() {
            let kind = PositionKind::parse(&p.kind)
                .map_err(|_| not_a_choice(format!("positions[{i}].kind"), v))?;
            positions.push(PositionDraft {
                kind,
                count: p.count,
                municipality_id: p.municipality_id,
                later_employer_id: p.later_employer_id,
            });
        }
        Ok(lis1_app::ads::AdInput {
            round_id: self.round_id,
            site_id: self.hospital_site_id,
            coupling,
            title: self.title,
            description: self.description,
            municipality_ids: self.municipality_ids,
            positions,
            weighted_criteria: self.weighted_criteria,
            rubric: self
                .rubric
                .unwrap_or_else(lis1_domain::scoring::Rubric::hnt_default),
            questions: self
                .screening_questions
                .into_iter()
                .map(|q| lis1_app::ads::QuestionInput {
                    text_nb: q.text_nb,
                    text_en: q.text_en,
                })
                .collect(),
            auto_next_in_line: self.auto_next_in_line,
        })
    }
}

/// Creates an advertisement as a draft (scope `advertisements:write`; the recruiters of the
/// site's hospital trust), checked as the portal's form is (`lis1_app::ads::create`). Answers
/// with the draft and its `ETag`.
#[utoipa::path(post, path = "/api/v1/advertisements", tag = "hiring",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the draft is made once")),
    request_body = AdvertisementRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 201, body = AdvertisementDto, headers(("ETag" = String, description = "The draft's version"), ("Location" = String, description = "The draft"))),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json` (unknown field, wrong type), `idempotency_key_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden` (not a recruiter of the site's trust), `insufficient_scope`, or no valid `X-CSRF-Token`"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_in_use`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`advertisement_invalid` (see `errors`: `site_id`, `round_id` closed, `title`, `municipality_ids`, `positions[0].count`, `screening[0].text_nb`, …), `choice_invalid` (an unknown `coupling` or position `kind`), `idempotency_key_reused`")))]
async fn create_advertisement(
    State(state): State<AppState>,
    v: Visitor,
    body: Bytes,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let req: AdvertisementRequest = parse_json(&body, v.lang)?;
    let input = req.input(&v)?;
    let caller = s.caller();
    let id = lis1_app::ads::create(&state.app, &caller, &input)
        .await
        .map_err(app_err(v.lang))?;
    let own = lis1_app::ads::own(&state.app, &caller, id)
        .await
        .map_err(app_err(v.lang))?;
    let version = lis1_app::ads::version(&own.ad.ad);
    let mut resp = (StatusCode::CREATED, Json(advertisement_dto(own))).into_response();
    if let Ok(loc) = HeaderValue::from_str(&format!("/api/v1/advertisements/{id}")) {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(with_etag(resp, &version))
}

/// Replaces a draft advertisement (scope `advertisements:write`; its trust's recruiters),
/// checked as creation is; the formal criteria stay. Send the `ETag` you read as `If-Match`: if
/// someone changed the draft since, nothing changes and the answer is 412. A published
/// advertisement is refused (409): applicants applied to what was published.
#[utoipa::path(put, path = "/api/v1/advertisements/{id}", tag = "hiring",
    params(("id" = i64, Path, description = "Advertisement id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` of the advertisement as read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    request_body = AdvertisementRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = AdvertisementDto, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json` (unknown field, wrong type), `if_match_invalid`, `idempotency_key_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`, or no valid `X-CSRF-Token`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "`not_found`"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`advertisement_published`, `idempotency_key_in_use`"),
        (status = 412, body = Problem, content_type = "application/problem+json", description = "`precondition_failed`: changed since the `ETag` was read"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`advertisement_invalid` (see `errors`), `choice_invalid`, `idempotency_key_reused`")))]
async fn replace_advertisement(
    State(state): State<AppState>,
    v: Visitor,
    Path(ad): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let ad = id(&ad, &v)?;
    let expected = if_match(&headers, &v)?;
    let req: AdvertisementRequest = parse_json(&body, v.lang)?;
    let input = req.input(&v)?;
    let caller = s.caller();
    let version = lis1_app::ads::update(&state.app, &caller, ad, &input, expected.as_deref())
        .await
        .map_err(app_err(v.lang))?;
    let own = lis1_app::ads::own(&state.app, &caller, ad)
        .await
        .map_err(app_err(v.lang))?;
    Ok(with_etag(
        Json(advertisement_dto(own)).into_response(),
        &version,
    ))
}

/// Publishes a draft advertisement (scope `advertisements:write`; its trust's recruiters). It
/// cannot be taken back: the advertisement becomes public when the round is announced, and its
/// positions count against the trust's numbers for the cohort (issue 12: more than the trust
/// holds is refused). With `If-Match`, a draft changed since it was read is refused (412).
#[utoipa::path(post, path = "/api/v1/advertisements/{id}/publication", tag = "hiring",
    params(("id" = i64, Path, description = "Advertisement id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` of the draft as read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = AdvertisementDto, headers(("ETag" = String, description = "The published version"))),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`if_match_invalid`, `idempotency_key_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`, or no valid `X-CSRF-Token`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "`not_found`"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`advertisement_published` (already published), `idempotency_key_in_use`"),
        (status = 412, body = Problem, content_type = "application/problem+json", description = "`precondition_failed`: changed since the `ETag` was read"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "More positions than the trust's numbers for the cohort (issue 12), `idempotency_key_reused`")))]
async fn publish_advertisement(
    State(state): State<AppState>,
    v: Visitor,
    Path(ad): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let ad = id(&ad, &v)?;
    let expected = if_match(&headers, &v)?;
    let caller = s.caller();
    lis1_app::ads::publish(&state.app, &caller, ad, expected.as_deref())
        .await
        .map_err(app_err(v.lang))?;
    let own = lis1_app::ads::own(&state.app, &caller, ad)
        .await
        .map_err(app_err(v.lang))?;
    let version = lis1_app::ads::version(&own.ad.ad);
    Ok(with_etag(
        Json(advertisement_dto(own)).into_response(),
        &version,
    ))
}

/// One applicant of an advertisement, scored by its rubric as of the application deadline.
#[derive(Serialize, ToSchema)]
pub struct ApplicantDto {
    /// The application.
    pub application_id: i64,
    /// The applicant (user id).
    pub applicant_id: i64,
    /// Name as in the application.
    pub name: String,
    /// E-mail as in the application.
    pub email: String,
    /// The positions applied for.
    pub position_ids: Vec<i64>,
    /// Points by the rubric plus the recruiters' adjustments, two decimals.
    #[schema(example = 12.5)]
    pub points: f64,
    /// The recruiters' adjustments alone.
    #[schema(example = 1.5)]
    pub adjustment: f64,
    /// Whether every formal criterion is met.
    pub formal_criteria_met: bool,
    /// Whether a bound position is applied for.
    pub bound: bool,
    /// Where the degree is from: `norway`, `eea` or `outside`.
    #[schema(example = "norway")]
    pub education_region: String,
    /// Shortlisted for interview.
    pub shortlisted: bool,
    /// Screening answers: question id → `yes` / `no`.
    #[schema(value_type = Object, example = json!({"bound": "no"}))]
    pub answers: BTreeMap<String, String>,
    /// First submitted.
    #[schema(value_type = String)]
    pub submitted_at: Timestamp,
    /// Last changed.
    #[schema(value_type = String)]
    pub updated_at: Timestamp,
}

fn points(hundredths: i64) -> f64 {
    // Hundredths of a point are exact in an f64 far beyond any score.
    #[allow(clippy::cast_precision_loss)]
    let p = hundredths as f64;
    p / 100.0
}

/// The submitted applications to an advertisement the caller may see, by application id, a
/// page at a time (scope `applications:read`): the hospital trust, registered participants,
/// a bound position's later employer (that position's applicants only), the directorate. The
/// read is written to the audit log (`applicants.list`), like the page's.
#[utoipa::path(get, path = "/api/v1/advertisements/{id}/applicants", tag = "hiring",
    params(("id" = i64, Path, description = "Advertisement id"), PageParams),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = Page<ApplicantDto>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "`not_found`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_limit`, `invalid_cursor`")))]
async fn list_applicants(
    State(state): State<AppState>,
    v: Visitor,
    Path(ad): Path<String>,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<Page<ApplicantDto>>, AppError> {
    let s = v.require_api()?;
    let ad = id(&ad, &v)?;
    // Paging parameters are checked before the read is made (and logged); the store reads
    // only the page.
    let limit = params.limit(v.lang)?;
    let after = params.after::<i64>(v.lang)?;
    let (list, more) = uc::applicants_page(
        &state.app,
        &s.caller(),
        ad,
        after,
        u32::try_from(limit).unwrap_or(500),
    )
    .await
    .map_err(app_err(v.lang))?;
    let items: Vec<ApplicantDto> = list
        .scored
        .into_iter()
        .map(|x| {
            let answers = serde_json::from_value::<Vec<(String, Answer)>>(x.app.answers.clone())
                .unwrap_or_default()
                .into_iter()
                .map(|(q, a)| (q, a.as_str().to_string()))
                .collect();
            ApplicantDto {
                application_id: x.app.id,
                applicant_id: x.app.applicant_id,
                name: x.profile.full_name.clone(),
                email: x.profile.email.clone(),
                position_ids: x.app.position_ids.clone(),
                points: points(x.total.0),
                adjustment: points(x.app.adjustment),
                formal_criteria_met: x.formal_evidenced(),
                bound: x.bound,
                education_region: x.region.as_str().to_string(),
                shortlisted: x.app.shortlisted,
                answers,
                submitted_at: x.app.submitted_at,
                updated_at: x.app.updated_at,
            }
        })
        .collect();
    let next_cursor = if more {
        items.last().map(|a| a.application_id.encode())
    } else {
        None
    };
    Ok(Json(Page { items, next_cursor }))
}

/// One ranked applicant.
#[derive(Serialize, ToSchema)]
pub struct RankedDto {
    /// 1 for the best.
    pub rank: u32,
    /// The application.
    pub application_id: i64,
    /// The applicant's name.
    pub name: String,
}

/// One position's innstilling.
#[derive(Serialize, ToSchema)]
pub struct PositionRecommendationDto {
    /// The position.
    pub position_id: i64,
    /// Its kind.
    #[schema(example = "ordinary")]
    pub kind: String,
    /// Places.
    pub count: i32,
    /// Whether the caller decides on it (may set its innstilling).
    pub may_rank: bool,
    /// Ranked applicants, best first.
    pub ranked: Vec<RankedDto>,
    /// Applications for the position not ranked.
    pub unranked: Vec<i64>,
}

/// An advertisement's innstilling (ranked recommendation per position).
#[derive(Serialize, ToSchema)]
pub struct RecommendationDto {
    /// The advertisement.
    pub advertisement_id: i64,
    /// The positions the caller sees.
    pub positions: Vec<PositionRecommendationDto>,
}

fn tag_of(version: &str) -> String {
    format!("\"{version}\"")
}

pub(crate) fn with_etag(mut resp: Response, version: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(&tag_of(version)) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

/// The innstilling of an advertisement's positions the caller may see (scope
/// `applications:read`), with its `ETag`. It names applicants: the read is logged
/// (`recommendation.view`).
#[utoipa::path(get, path = "/api/v1/advertisements/{id}/recommendation", tag = "hiring",
    params(("id" = i64, Path, description = "Advertisement id")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = RecommendationDto, headers(("ETag" = String, description = "Send as `If-Match` when setting the innstilling"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_recommendation(
    State(state): State<AppState>,
    v: Visitor,
    Path(ad): Path<String>,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let ad = id(&ad, &v)?;
    let rec = uc::recommendation(&state.app, &s.caller(), ad)
        .await
        .map_err(app_err(v.lang))?;
    let dto = RecommendationDto {
        advertisement_id: rec.advertisement_id,
        positions: rec
            .positions
            .into_iter()
            .map(|p| PositionRecommendationDto {
                position_id: p.position_id,
                kind: p.kind,
                count: p.count,
                may_rank: p.may_rank,
                ranked: p
                    .ranked
                    .into_iter()
                    .map(|r| RankedDto {
                        rank: r.rank,
                        application_id: r.application_id,
                        name: r.name,
                    })
                    .collect(),
                unranked: p.unranked,
            })
            .collect(),
    };
    Ok(with_etag(Json(dto).into_response(), &rec.version))
}

/// One position's new ranking.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionRankingRequest {
    /// The position.
    pub position_id: i64,
    /// Its applications, best first; each a submitted application for the position, once. An
    /// empty list clears the position's innstilling.
    pub ranked: Vec<i64>,
}

/// A new innstilling for some of an advertisement's positions (the others are left as they are).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationRequest {
    /// The positions, each once.
    #[schema(min_items = 1)]
    pub positions: Vec<PositionRankingRequest>,
}

/// The version an `If-Match` names: `None` for absent or `*` (no check).
pub(crate) fn if_match(headers: &HeaderMap, v: &Visitor) -> Result<Option<String>, AppError> {
    let Some(sent) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let sent = sent.to_str().unwrap_or("").trim();
    if sent == "*" {
        return Ok(None);
    }
    match sent.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(tag) if !tag.contains('"') => Ok(Some(tag.to_string())),
        _ => {
            let mut e = AppError::new(
                StatusCode::BAD_REQUEST,
                "if_match_invalid",
                v.lang.pick3(
                    "If-Match må være en ETag i anførselstegn, slik den ble hentet. Ingenting ble endret.", "If-Match må vere ein ETag i hermeteikn, slik han vart henta. Ingenting vart endra.",
                    "If-Match must be an ETag in quotes, as fetched. Nothing was changed.",
                ),
            )
            .in_lang(v.lang)
            .api();
            e.fields.push(("If-Match".into(), e.message.clone()));
            Err(e)
        }
    }
}

/// Sets the innstilling of the positions given, all or nothing (scope `applications:write`):
/// the hospital trust for ordinary positions, the later employer for a bound one (004). Send the
/// `ETag` of the innstilling you read as `If-Match`: if someone changed it since, nothing
/// changes and the answer is 412. Answers with the new `ETag`.
#[utoipa::path(put, path = "/api/v1/advertisements/{id}/recommendation", tag = "hiring",
    params(("id" = i64, Path, description = "Advertisement id"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` of the innstilling as read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    request_body = RecommendationRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 204, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json` (unknown field, wrong type), `if_match_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden` (does not decide on a position), `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such advertisement or position"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_in_use`"),
        (status = 412, body = Problem, content_type = "application/problem+json", description = "`precondition_failed`: changed since the `ETag` was read"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`rank_invalid` (not an applicant of the position), `rank_duplicate`, `position_duplicate`, `rankings_missing`, `idempotency_key_reused`")))]
async fn set_recommendation(
    State(state): State<AppState>,
    v: Visitor,
    Path(ad): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let ad = id(&ad, &v)?;
    let expected = if_match(&headers, &v)?;
    let req: RecommendationRequest = parse_json(&body, v.lang)?;
    let rankings: Vec<Ranking> = req
        .positions
        .into_iter()
        .map(|p| Ranking {
            position_id: p.position_id,
            ranks: p
                .ranked
                .into_iter()
                .enumerate()
                .map(|(i, a)| (u32::try_from(i + 1).unwrap_or(u32::MAX), a))
                .collect(),
        })
        .collect();
    let version =
        uc::set_recommendation(&state.app, &s.caller(), ad, &rankings, expected.as_deref())
            .await
            .map_err(app_err(v.lang))?;
    Ok(with_etag(StatusCode::NO_CONTENT.into_response(), &version))
}

/// The recruiters' assessment of an applicant.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentRequest {
    /// Shortlisted for interview.
    pub shortlisted: bool,
    /// Interview notes (kept up to 10,000 characters); replaces the earlier notes.
    #[serde(default)]
    pub notes: String,
}

/// Shortlists an applicant for interview (or not) and sets the interview notes (scope
/// `applications:write`; the hospital trust's recruiters).
#[utoipa::path(put, path = "/api/v1/advertisements/{id}/applicants/{application}/assessment", tag = "hiring",
    params(("id" = i64, Path, description = "Advertisement id"), ("application" = i64, Path, description = "Application id")),
    request_body = AssessmentRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 204),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such advertisement, or no such application to it")))]
async fn assess_applicant(
    State(state): State<AppState>,
    v: Visitor,
    Path((ad, application)): Path<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    let s = v.require_api()?;
    let (ad, application) = (id(&ad, &v)?, id(&application, &v)?);
    let req: AssessmentRequest = parse_json(&body, v.lang)?;
    uc::assess(
        &state.app,
        &s.caller(),
        ad,
        application,
        req.shortlisted,
        &req.notes,
    )
    .await
    .map_err(app_err(v.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A change of an applicant's points.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentRequest {
    /// Points to add (negative to subtract), -100 to 100 and not 0, at most two decimals.
    #[schema(example = 1.5, minimum = -100, maximum = 100)]
    pub delta: f64,
    /// Why (1–500 characters); logged with the change.
    pub reason: String,
}

/// The hundredths of `points`, if it has at most two decimals.
fn hundredths(points: f64) -> Option<i64> {
    let h = (points * 100.0).round();
    // Far beyond the allowed range is refused by the use case; here only the shape matters.
    if (points * 100.0 - h).abs() > 1e-6 || h.abs() > 1e12 {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    Some(h as i64)
}

/// Adjusts an applicant's points with a reason (scope `applications:write`; the hospital
/// trust's recruiters). Points are guidance (004 §2.7); each change is logged with its reason.
#[utoipa::path(post, path = "/api/v1/advertisements/{id}/applicants/{application}/adjustments", tag = "hiring",
    params(("id" = i64, Path, description = "Advertisement id"), ("application" = i64, Path, description = "Application id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the change is made once")),
    request_body = AdjustmentRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 204),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`adjustment_invalid`: 0, outside -100 to 100, more than two decimals, or no reason; `idempotency_key_reused`")))]
async fn adjust_points(
    State(state): State<AppState>,
    v: Visitor,
    Path((ad, application)): Path<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    let s = v.require_api()?;
    let (ad, application) = (id(&ad, &v)?, id(&application, &v)?);
    let req: AdjustmentRequest = parse_json(&body, v.lang)?;
    // Too many decimals is refused by the use case like any bad change (0 is never allowed).
    let delta = hundredths(req.delta).unwrap_or(0);
    uc::adjust_points(&state.app, &s.caller(), ad, application, delta, &req.reason)
        .await
        .map_err(app_err(v.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A comment.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentRequest {
    /// The comment, 1–5,000 characters.
    pub text: String,
}

/// A comment made.
#[derive(Serialize, ToSchema)]
pub struct CommentedDto {
    /// The comment's id.
    pub comment_id: i64,
}

/// Comments on an applicant (scope `applications:write`): those who take part in the hiring —
/// the hospital trust, registered coordinators and union representatives, a bound position's
/// later employer on its applicants. Not the directorate (it supervises the hiring).
#[utoipa::path(post, path = "/api/v1/advertisements/{id}/applicants/{application}/comments", tag = "hiring",
    params(("id" = i64, Path, description = "Advertisement id"), ("application" = i64, Path, description = "Application id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the comment is made once")),
    request_body = CommentRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 201, body = CommentedDto),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`comment_invalid`, `idempotency_key_reused`")))]
async fn comment_on_applicant(
    State(state): State<AppState>,
    v: Visitor,
    Path((ad, application)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let (ad, application) = (id(&ad, &v)?, id(&application, &v)?);
    let req: CommentRequest = parse_json(&body, v.lang)?;
    let comment_id = uc::comment(&state.app, &s.caller(), ad, application, &req.text)
        .await
        .map_err(app_err(v.lang))?;
    Ok((StatusCode::CREATED, Json(CommentedDto { comment_id })).into_response())
}

/// What a bulk action does.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum BulkKind {
    /// Mark the applicants for interview.
    Shortlist,
    /// Add them, in the order given, to the end of a position's innstilling (those on it keep
    /// their place).
    Recommend,
}

/// One action on many applications of an advertisement.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    /// `shortlist` or `recommend`.
    pub action: BulkKind,
    /// The position whose innstilling they join (`recommend` only).
    #[serde(default)]
    pub position_id: Option<i64>,
    /// The applications, 1–1000.
    #[schema(min_items = 1, max_items = 1000)]
    pub application_ids: Vec<i64>,
    /// Check and count only; nothing is changed (the page's confirmation step).
    #[serde(default)]
    pub dry_run: bool,
}

/// What a bulk action changed (or, with `dry_run`, would change).
#[derive(Serialize, ToSchema)]
pub struct BulkDoneDto {
    /// Applications changed.
    pub changed: usize,
    /// Applications that were so already (shortlisted, or on the innstilling).
    pub unchanged: usize,
    /// Whether this was a dry run.
    pub dry_run: bool,
}

/// Applies one action to many applications of an advertisement, all or nothing, as the
/// applicant list's bulk form does (`lis1_app::applications::bulk`): shortlist them (scope
/// `applications:write`; the hospital trust), or add them to a position's innstilling (whoever
/// ranks the position). If one application cannot take it, none is changed and the 422 names it
/// (field `application_ids`). Each change is logged as the single action is.
#[utoipa::path(post, path = "/api/v1/advertisements/{id}/bulk-actions", tag = "hiring",
    params(("id" = i64, Path, description = "Advertisement id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    request_body = BulkRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = BulkDoneDto),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json` (naming the field), `idempotency_key_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such advertisement or position"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_in_progress`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`position_required`, `bulk_none_chosen`, `bulk_too_many`, `bulk_unknown_application`, `bulk_application_not_open`, `bulk_not_applied_for_position` (see `errors`), `idempotency_key_reused`")))]
async fn bulk_action(
    State(state): State<AppState>,
    v: Visitor,
    Path(ad): Path<String>,
    body: Bytes,
) -> Result<Json<BulkDoneDto>, AppError> {
    let s = v.require_api()?;
    let ad = id(&ad, &v)?;
    let req: BulkRequest = parse_json(&body, v.lang)?;
    let action = match (req.action, req.position_id) {
        (BulkKind::Shortlist, _) => uc::BulkAction::Shortlist,
        (BulkKind::Recommend, Some(position_id)) => uc::BulkAction::Recommend { position_id },
        (BulkKind::Recommend, None) => {
            return Err(app_err(v.lang)(lis1_app::Error::field_text(
                "position_id",
                "position_required",
                "Si hvilken stilling de skal føres opp på (position_id). Ingenting ble endret.",
                "Sei kva stilling dei skal førast opp på (position_id). Ingenting vart endra.",
                "Say which position they join (position_id). Nothing was changed.",
            )));
        }
    };
    let done = uc::bulk(
        &state.app,
        &s.caller(),
        ad,
        action,
        &req.application_ids,
        req.dry_run,
    )
    .await
    .map_err(|mut e| {
        // The use case names the page's form field.
        for (field, _) in &mut e.fields {
            if field == "valgt" {
                *field = "application_ids".into();
            }
        }
        app_err(v.lang)(e)
    })?;
    Ok(Json(BulkDoneDto {
        changed: done.changed,
        unchanged: done.unchanged,
        dry_run: req.dry_run,
    }))
}

/// Registers the caller's participation in an advertisement's hiring (002 §2.1; scope
/// `applications:write`): a municipal coordinator for the region's municipalities, or the
/// hospital trust's union representative, no later than the application deadline, as the
/// button on the advertisement's page does (`lis1_app::ads::participate`). Registering again
/// changes nothing. No body.
#[utoipa::path(put, path = "/api/v1/advertisements/{id}/participation", tag = "hiring",
    params(("id" = i64, Path, description = "Advertisement id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    security(("token" = []), ("session" = [])),
    responses((status = 204, description = "Registered (or already so)"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden` (neither the region's coordinator nor the trust's representative), `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_in_progress`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`participation_deadline_passed` (names the deadline), `idempotency_key_reused`")))]
async fn participate(
    State(state): State<AppState>,
    v: Visitor,
    Path(ad): Path<String>,
) -> Result<StatusCode, AppError> {
    let s = v.require_api()?;
    let ad = id(&ad, &v)?;
    lis1_app::ads::participate(&state.app, &s.caller(), ad)
        .await
        .map_err(app_err(v.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// An application as a doctor sends it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationRequest {
    /// The positions applied for, at least one, in order of preference.
    #[schema(min_items = 1)]
    pub position_ids: Vec<i64>,
    /// Answers to the advertisement's screening questions: question id → `yes` / `no`.
    #[serde(default)]
    #[schema(value_type = Object, example = json!({"bound": "no"}))]
    pub answers: BTreeMap<String, Answer>,
    /// The cover letter, at most 5,000 characters.
    #[serde(default)]
    pub motivation: String,
}

/// What submitting did.
#[derive(Serialize, ToSchema)]
pub struct SubmittedDto {
    /// The application.
    pub application_id: i64,
    /// `created`, or `updated` when an earlier application to the advertisement was changed.
    #[schema(example = "created")]
    pub result: String,
}

/// Submits an application to a published advertisement, or changes one's earlier one, until the
/// application deadline (the doctor, signed in; tokens never act as applicants). The profile as
/// it is now goes with it and a receipt is mailed.
#[utoipa::path(post, path = "/api/v1/advertisements/{id}/applications", tag = "hiring",
    params(("id" = i64, Path, description = "Advertisement id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    request_body = ApplicationRequest,
    security(("session" = [])),
    responses((status = 201, body = SubmittedDto),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an applicant, or no valid `X-CSRF-Token`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such published advertisement"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`profile_missing`, `idempotency_key_in_use`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`application_deadline_passed` (names the deadline), `application_invalid` (see `errors`), `idempotency_key_reused`")))]
async fn submit_application(
    State(state): State<AppState>,
    v: Visitor,
    Path(ad): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let ad = id(&ad, &v)?;
    let req: ApplicationRequest = parse_json(&body, v.lang)?;
    let input = ApplicationInput {
        positions: req.position_ids,
        answers: req.answers.into_iter().collect(),
        motivation: req.motivation,
        // Consent is the person's own answer, never a client's.
        consent: None,
    };
    let done = uc::submit(&state.app, &s.caller(), ad, input)
        .await
        .map_err(app_err(v.lang))?;
    let result = match done {
        Submitted::Created(_) => "created",
        Submitted::Updated(_) => "updated",
    };
    Ok((
        StatusCode::CREATED,
        Json(SubmittedDto {
            application_id: done.id(),
            result: result.into(),
        }),
    )
        .into_response())
}

/// Withdraws one's own application until the application deadline (the doctor, signed in).
/// Withdrawing it again changes nothing.
#[utoipa::path(post, path = "/api/v1/applications/{id}/withdrawal", tag = "hiring",
    params(("id" = i64, Path, description = "Application id")),
    security(("session" = [])),
    responses((status = 204),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an applicant, or no valid `X-CSRF-Token`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such application of yours"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`application_deadline_passed`")))]
async fn withdraw_application(
    State(state): State<AppState>,
    v: Visitor,
    Path(application): Path<String>,
) -> Result<StatusCode, AppError> {
    let s = v.require_api()?;
    let application = id(&application, &v)?;
    uc::withdraw(&state.app, &s.caller(), application)
        .await
        .map_err(app_err(v.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::hundredths;

    #[test]
    fn points_are_taken_with_at_most_two_decimals() {
        assert_eq!(hundredths(1.5), Some(150));
        assert_eq!(hundredths(-0.25), Some(-25));
        assert_eq!(hundredths(0.1 + 0.2), Some(30));
        assert_eq!(hundredths(1.005), None);
        assert_eq!(hundredths(1e300), None);
    }
}

/// An applicant's uploaded document (scope `applications:read`), as on the page
/// `/dokumenter/{id}` (`lis1_app::profiles::document`): for whoever may see an application or a
/// rest application of the document's owner — the hospital trust, registered participants, a
/// bound position's later employer, the directorate, a rest position's employer. To anyone else
/// it does not exist. Every view is audit-logged (`document.view`). The body is the document as
/// uploaded, with its content type, as an attachment. A rest application lists its
/// `document_ids`.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "hiring",
    params(("id" = i64, Path, description = "Document id")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "The document as uploaded",
            content(("application/pdf"), ("image/jpeg"), ("image/png")),
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"…\"`"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "`not_found`: no such document, or not the caller's to see")))]
async fn get_document(
    State(state): State<AppState>,
    v: Visitor,
    Path(doc): Path<String>,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let doc = id(&doc, &v)?;
    let (meta, bytes) = lis1_app::profiles::document(&state.app, &s.caller(), doc)
        .await
        .map_err(app_err(v.lang))?;
    Ok(crate::pages::apply::document_response(&meta, bytes))
}
