//! `/api/v1/planning`: national planning (issue 12), the same use cases as the pages
//! (`lis1_app::planning`). Reads (scope `planning:read`): one level of the plan for a cohort
//! with the levels below, its history and lendings, with an `ETag`; and the capacity calls with
//! the municipalities' answers. Writes (scope `planning:write`, `Idempotency-Key` honoured):
//! a level's split among the levels below (`If-Match` with the level's `ETag`, since the
//! directorate, an RHF or a county governor may edit the same numbers at once), and a
//! municipality's answer to a capacity call. Counts and organisations only, no people.

use std::cmp::Reverse;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::civil::Date;
use lis1_app::planning as uc;
use lis1_domain::Lang;
use lis1_domain::planning::Numbers;
use serde::{Deserialize, Serialize};

use super::hiring::{if_match, with_etag};
use super::{ApiQuery, Page, PageParams, app_err, parse_json};
use utoipa::ToSchema;

use crate::auth::Visitor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// A level's numbers for a cohort.
#[derive(Serialize, ToSchema)]
pub struct PlanningNumbersDto {
    /// All positions.
    pub total: i32,
    /// Ordinary positions (the total less the bound ones).
    pub ordinary: i32,
    /// Bound LIS1 + LIS3 psychiatry.
    pub psychiatry: i32,
    /// Bound LIS1 + LIS3 child and adolescent psychiatry.
    pub bup: i32,
    /// Bound LIS1 + ALIS.
    pub alis: i32,
}

impl From<Numbers> for PlanningNumbersDto {
    fn from(n: Numbers) -> Self {
        PlanningNumbersDto {
            total: n.total,
            ordinary: n.ordinary_count(),
            psychiatry: n.psychiatry,
            bup: n.bup,
            alis: n.alis,
        }
    }
}

/// A level below the one asked for.
#[derive(Serialize, ToSchema)]
pub struct PlanningRowDto {
    /// The organisation.
    pub org_id: i64,
    /// Its name.
    pub name: String,
    /// `rhf`, `hf` or `hospital_site`.
    pub kind: String,
    /// Its numbers (zero if not set).
    pub numbers: PlanningNumbersDto,
    /// The current version, if set.
    pub version: Option<i32>,
    /// Its remark, e.g. "Helse Nord ba om 6.".
    pub remark: String,
    /// Positions in its published advertisements for the cohort.
    pub advertised: i32,
    /// Doctors hired (accepted offers) for the cohort.
    pub hired: i32,
}

/// One version of the level's numbers.
#[derive(Serialize, ToSchema)]
pub struct PlanningVersionDto {
    /// 1, 2, …
    pub version: i32,
    /// The numbers.
    pub numbers: PlanningNumbersDto,
    /// Why.
    pub reason: String,
    /// A remark.
    pub remark: String,
    /// A decision of the directorate changing a fixed national total.
    pub decision: bool,
    /// The organisation that decided.
    pub decided_by: Option<String>,
    /// When.
    #[schema(value_type = String)]
    pub decided_at: Timestamp,
    /// The lending that made this version, if one did.
    pub lending_id: Option<i64>,
}

/// A municipality's places in a hospital site's cooperation area.
#[derive(Serialize, ToSchema)]
pub struct PlanningPlacesDto {
    /// The municipality (empty: not yet placed).
    pub municipality: String,
    /// A location inside it.
    pub location: String,
    /// Places.
    pub places: i32,
}

/// A lending between two trusts.
#[derive(Serialize, ToSchema)]
pub struct PlanningLendingDto {
    /// Id.
    pub id: i64,
    /// The trust lending.
    pub lender_id: i64,
    /// The trust borrowing.
    pub borrower_id: i64,
    /// How many.
    pub positions: i32,
    /// Until, or absent when permanent.
    #[schema(value_type = Option<String>)]
    pub until: Option<Date>,
    /// `requested`, `accepted` or `declined`.
    pub state: String,
    /// Why.
    pub reason: String,
}

/// One level of the plan for a cohort.
#[derive(Serialize, ToSchema)]
pub struct PlanningLevelDto {
    /// The cohort (hospital start).
    #[schema(value_type = String, example = "2027-09-01")]
    pub cohort: Date,
    /// The level (the directorate's organisation for the national level).
    pub org_id: i64,
    /// Its name.
    pub name: String,
    /// Its numbers (zero if not set).
    pub numbers: PlanningNumbersDto,
    /// Every version, oldest first.
    pub history: Vec<PlanningVersionDto>,
    /// The levels below.
    pub rows: Vec<PlanningRowDto>,
    /// At the national level: the counties (the municipal side, split on by the county
    /// governors to the municipalities).
    pub counties: Vec<PlanningRowDto>,
    /// For a hospital site: its cooperation area's places for the cohort.
    pub places: Vec<PlanningPlacesDto>,
    /// Lendings touching this level (all, nationally).
    pub lendings: Vec<PlanningLendingDto>,
}

/// Which level.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanParams {
    /// The organisation (RHF, HF or hospital site); the national level if absent.
    #[serde(default)]
    pub org: Option<i64>,
}

/// One level of the national plan for a cohort, with the levels below (drill down with `org`),
/// what they have advertised, the history of its numbers and its lendings. The `ETag` changes
/// whenever the level's or a level below's numbers change: send it as `If-Match` when setting
/// the level's split.
#[utoipa::path(get, path = "/api/v1/planning/cohorts/{cohort}", tag = "planning",
    params(("cohort" = String, Path, description = "The cohort's hospital start, e.g. 2027-09-01"), PlanParams),
    responses((status = 200, body = PlanningLevelDto, headers(("ETag" = String, description = "Send as `If-Match` when setting this level's split"))),
        (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn plan(
    State(state): State<AppState>,
    v: Visitor,
    Path(cohort): Path<String>,
    ApiQuery(q): ApiQuery<PlanParams>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let cohort: Date = cohort
        .trim()
        .parse()
        .map_err(|_| AppError::not_found(lang).api())?;
    let o = uc::overview(&state.app, &s.caller(), cohort, q.org)
        .await
        .map_err(app_err(lang))?;
    let dto = PlanningLevelDto {
        cohort,
        org_id: o.org.id,
        name: o.org.name.clone(),
        numbers: o.numbers.into(),
        history: o
            .history
            .iter()
            .map(|a| PlanningVersionDto {
                version: a.version,
                numbers: a.numbers.into(),
                reason: a.reason.clone(),
                remark: a.remark.clone(),
                decision: a.decision,
                decided_by: a.decided_org_name.clone(),
                decided_at: a.decided_at,
                lending_id: a.lending_id,
            })
            .collect(),
        counties: o.county_rows.iter().map(row_dto).collect(),
        rows: o
            .rows
            .iter()
            .map(|r| PlanningRowDto {
                org_id: r.org_id,
                name: r.name.clone(),
                kind: r.kind.as_str().into(),
                numbers: r.numbers.into(),
                version: r.version,
                remark: r.remark.clone(),
                advertised: r.advertised,
                hired: r.hired,
            })
            .collect(),
        places: o
            .places
            .iter()
            .map(|p| PlanningPlacesDto {
                municipality: p.name.clone(),
                location: p.location.clone(),
                places: p.places,
            })
            .collect(),
        lendings: o
            .lendings
            .iter()
            .map(|l| PlanningLendingDto {
                id: l.id,
                lender_id: l.lender_id,
                borrower_id: l.borrower_id,
                positions: l.positions,
                until: l.until,
                state: l.state.as_str().into(),
                reason: l.reason.clone(),
            })
            .collect(),
    };
    Ok(with_etag(Json(dto).into_response(), &o.split_tag))
}

fn row_dto(r: &uc::OverviewRow) -> PlanningRowDto {
    PlanningRowDto {
        org_id: r.org_id,
        name: r.name.clone(),
        kind: r.kind.as_str().into(),
        numbers: r.numbers.into(),
        version: r.version,
        remark: r.remark.clone(),
        advertised: r.advertised,
        hired: r.hired,
    }
}

/// A municipality's answer to a capacity call.
#[derive(Serialize, ToSchema)]
pub struct CapacityAnswerDto {
    /// The municipality.
    pub municipality_id: i64,
    /// Its name.
    pub municipality: String,
    /// The cohort answered for (one of the call's).
    #[schema(value_type = String)]
    pub cohort: Date,
    /// A location inside it, e.g. Rørvik.
    pub location: String,
    /// Places.
    pub places: i32,
    /// Why.
    pub justification: String,
    /// `submitted`, `approved` or `returned`.
    pub state: String,
    /// The county governor's reason for returning it.
    pub review_reason: String,
}

/// One cohort of a capacity call: places answered and approved against the site's positions.
#[derive(Serialize, ToSchema)]
pub struct CapacityCohortDto {
    /// The cohort (hospital start).
    #[schema(value_type = String)]
    pub cohort: Date,
    /// Places answered in all.
    pub answered: i32,
    /// Places approved in all (the cooperation area's places for the cohort from this call).
    pub approved: i32,
    /// The site's positions for the cohort, if set.
    pub positions: Option<i32>,
}

/// A capacity call with its answers.
#[derive(Serialize, ToSchema)]
pub struct CapacityCallDto {
    /// Id.
    pub id: i64,
    /// The hospital site whose cooperation area was asked.
    pub hospital_site_id: i64,
    /// Its name.
    pub hospital_site: String,
    /// The call's first cohort (hospital start); every cohort is in `cohorts`.
    #[schema(value_type = String)]
    pub cohort: Date,
    /// Every cohort the call covers, in order, with its totals.
    pub cohorts: Vec<CapacityCohortDto>,
    /// The reply deadline.
    #[schema(value_type = String)]
    pub deadline: Date,
    /// `open` or `closed`.
    pub state: String,
    /// The municipalities asked.
    pub municipality_ids: Vec<i64>,
    /// The answers.
    pub answers: Vec<CapacityAnswerDto>,
    /// Places approved in all, over every cohort of the call.
    pub approved_total: i32,
    /// The site's positions over every cohort of the call that has them set, if any has.
    pub positions: Option<i32>,
}

/// The capacity calls to municipalities (seed 001), newest first (by first cohort, then id),
/// with their answers, a page at a time.
#[utoipa::path(get, path = "/api/v1/planning/capacity-calls", tag = "planning",
    params(PageParams),
    responses((status = 200, body = Page<CapacityCallDto>), (status = 401, body = Problem),
        (status = 403, body = Problem),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_limit`, `invalid_cursor`")))]
async fn calls(
    State(state): State<AppState>,
    v: Visitor,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<Page<CapacityCallDto>>, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let caller = s.caller();
    let calls = uc::calls(&state.app, &caller)
        .await
        .map_err(app_err(lang))?;
    // Paged before each call's answers are read: only this page's are.
    let (calls, next_cursor) =
        params.window(calls, |c| Reverse((c.cohort_start.to_string(), c.id)), lang)?;
    let mut out = Vec::new();
    for c in calls {
        let view = uc::call_view(&state.app, &caller, c.id)
            .await
            .map_err(app_err(lang))?;
        out.push(CapacityCallDto {
            id: c.id,
            hospital_site_id: c.hospital_site_id,
            hospital_site: c.hospital_site_name.clone(),
            cohort: c.cohort_start,
            cohorts: view
                .totals
                .iter()
                .map(|x| CapacityCohortDto {
                    cohort: x.cohort,
                    answered: x.answered,
                    approved: x.approved,
                    positions: x.positions,
                })
                .collect(),
            deadline: c.deadline,
            state: c.state.as_str().into(),
            municipality_ids: view.municipalities.iter().map(|m| m.id).collect(),
            answers: view
                .answers
                .iter()
                .map(|a| CapacityAnswerDto {
                    municipality_id: a.municipality_id,
                    municipality: a.municipality_name.clone(),
                    cohort: a.cohort_start,
                    location: a.location.clone(),
                    places: a.places,
                    justification: a.justification.clone(),
                    state: a.state.as_str().into(),
                    review_reason: a.review_reason.clone(),
                })
                .collect(),
            approved_total: view.totals.iter().map(|x| x.approved).sum(),
            positions: view
                .totals
                .iter()
                .filter_map(|x| x.positions)
                .reduce(|a, b| a + b),
        });
    }
    Ok(Json(Page {
        items: out,
        next_cursor,
    }))
}

/// One level below in a split.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitPartRequest {
    /// The organisation (a level directly below the one splitting).
    pub org_id: i64,
    /// All its positions (places, on the municipal side).
    pub total: i32,
    /// Of them, bound LIS1 + LIS3 psychiatry.
    #[serde(default)]
    pub psychiatry: i32,
    /// Of them, bound LIS1 + LIS3 child and adolescent psychiatry.
    #[serde(default)]
    pub bup: i32,
    /// Of them, bound LIS1 + ALIS.
    #[serde(default)]
    pub alis: i32,
    /// A remark, e.g. "Helse Nord ba om 6.".
    #[serde(default)]
    pub remark: String,
}

/// A level's split of its numbers among the levels below.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitRequest {
    /// Why (the decision's text), required.
    pub reason: String,
    /// At the national level: `hospitals` (the RHFs, the default) or `municipalities` (the
    /// counties).
    #[serde(default)]
    pub side: Option<String>,
    /// The levels below whose numbers change (the others keep theirs); each once. Together
    /// the levels below must add up exactly to the level's total.
    pub parts: Vec<SplitPartRequest>,
}

/// The new versions a split wrote.
#[derive(Serialize, ToSchema)]
pub struct SplitDto {
    /// The allocation versions written (none when nothing changed).
    pub version_ids: Vec<i64>,
}

/// Sets the split of a level's numbers for a cohort among the levels below (scope
/// `planning:write`): the directorate nationally (to the RHFs, or to the counties with
/// `side: municipalities`), an RHF to its trusts, a trust to its hospital sites, the county
/// governor a county's places to its municipalities. Each changed part becomes a new version
/// with the reason; nothing is overwritten. Send the level's `ETag` (from
/// `GET /api/v1/planning/cohorts/{cohort}?org=`) as `If-Match`: if the numbers changed since,
/// nothing is saved and the answer is 412. Answers with the new `ETag`.
#[utoipa::path(put, path = "/api/v1/planning/cohorts/{cohort}/splits/{org}", tag = "planning",
    params(("cohort" = String, Path, description = "The cohort's hospital start, e.g. 2027-09-01"),
        ("org" = i64, Path, description = "The level splitting (the directorate's organisation for the national level)"),
        ("If-Match" = Option<String>, Header, description = "The level's `ETag` as read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    request_body = SplitRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = SplitDto, headers(("ETag" = String, description = "The level's new `ETag`"))),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json` (unknown field, wrong type), `if_match_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden` (not the level's distributor), `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such organisation, or a part that is not a level below"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_in_use`"),
        (status = 412, body = Problem, content_type = "application/problem+json", description = "`precondition_failed`: the numbers changed since the `ETag` was read"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`planning_split_mismatch` (names the sum and the whole), `planning_over_parent`, `planning_negative`, `planning_bound_over_total`, `planning_parent_missing`, `planning_part_twice`, `planning_reason_missing`, `idempotency_key_reused`")))]
async fn set_split(
    State(state): State<AppState>,
    v: Visitor,
    Path((cohort, org)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let cohort: Date = cohort
        .trim()
        .parse()
        .map_err(|_| AppError::not_found(lang).api())?;
    let org: i64 = org
        .trim()
        .parse()
        .map_err(|_| AppError::not_found(lang).api())?;
    let expected = if_match(&headers, &v)?;
    let req: SplitRequest = parse_json(&body, lang)?;
    let side = match req.side.as_deref() {
        Some("municipalities") => uc::Side::Municipalities,
        _ => uc::Side::Hospitals,
    };
    let caller = s.caller();
    let ids = uc::distribute(
        &state.app,
        &caller,
        &uc::SplitInput {
            cohort,
            from: org,
            parts: req
                .parts
                .into_iter()
                .map(|p| uc::Part {
                    org_id: p.org_id,
                    numbers: Numbers {
                        total: p.total,
                        psychiatry: p.psychiatry,
                        bup: p.bup,
                        alis: p.alis,
                    },
                    remark: p.remark,
                })
                .collect(),
            reason: req.reason,
            side,
            expected,
        },
    )
    .await
    .map_err(app_err(lang))?;
    let o = uc::overview(&state.app, &caller, cohort, Some(org))
        .await
        .map_err(app_err(lang))?;
    Ok(with_etag(
        Json(SplitDto { version_ids: ids }).into_response(),
        &o.split_tag,
    ))
}

/// A municipality's answer to a capacity call.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapacityAnswerRequest {
    /// The municipality answering (one the call was sent to).
    pub municipality_id: i64,
    /// The cohort answered for (hospital start, e.g. 2028-09-01): one of the call's. May be
    /// left out when the call covers one cohort only.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub cohort: Option<Date>,
    /// Places it takes for the cohort.
    pub places: i32,
    /// Where inside the municipality, e.g. Rørvik; empty if not relevant. An answer for the
    /// same location replaces the earlier one (which goes back to the county governor).
    #[serde(default)]
    pub location: String,
    /// Why, required.
    pub justification: String,
}

/// The answer recorded.
#[derive(Serialize, ToSchema)]
pub struct CapacityAnsweredDto {
    /// The answer's id.
    pub answer_id: i64,
}

/// Answers a capacity call for a municipality (scope `planning:write`; the municipality's own
/// users and tokens): places for one of the call's cohorts, where, and why; a call about
/// several cohorts is answered once per cohort. Refused after the reply deadline
/// unless the coordinator reopened the call. The county governor reviews it in the portal.
#[utoipa::path(post, path = "/api/v1/planning/capacity-calls/{id}/answers", tag = "planning",
    params(("id" = i64, Path, description = "Capacity call id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the answer is recorded once")),
    request_body = CapacityAnswerRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 201, body = CapacityAnsweredDto),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden` (not the municipality), `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such call, or the municipality was not asked"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_in_use`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`capacity_call_deadline_passed`, `capacity_call_closed`, `capacity_answer_cohort_needed` (the call covers several cohorts), `capacity_answer_cohort_not_in_call`, `planning_negative`, `planning_reason_missing`, `planning_text_too_long`, `idempotency_key_reused`")))]
async fn answer_call(
    State(state): State<AppState>,
    v: Visitor,
    Path(call): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let call: i64 = call
        .trim()
        .parse()
        .map_err(|_| AppError::not_found(lang).api())?;
    let req: CapacityAnswerRequest = parse_json(&body, lang)?;
    let answer_id = uc::answer_call(
        &state.app,
        &s.caller(),
        &uc::AnswerInput {
            call_id: call,
            municipality_id: req.municipality_id,
            cohort: req.cohort,
            location: req.location,
            places: req.places,
            justification: req.justification,
        },
    )
    .await
    .map_err(app_err(lang))?;
    Ok((StatusCode::CREATED, Json(CapacityAnsweredDto { answer_id })).into_response())
}

/// An ALIS office's proposal of a municipality for LIS1 + ALIS positions (004 §3).
#[derive(Serialize, ToSchema)]
pub struct AlisProposalDto {
    /// Id.
    pub id: i64,
    /// The cohort (hospital start).
    #[schema(value_type = String)]
    pub cohort: Date,
    /// The municipality proposed.
    pub municipality_id: i64,
    /// Its name.
    pub municipality: String,
    /// The ALIS office proposing.
    pub alis_office_id: i64,
    /// LIS1 + ALIS positions proposed.
    pub positions: i32,
    /// Why.
    pub justification: String,
    /// `proposed`, `endorsed` or `returned`.
    pub state: String,
    /// The county governor's reason for returning it.
    pub review_reason: String,
}

fn parse_cohort(raw: &str, lang: Lang) -> Result<Date, AppError> {
    raw.trim()
        .parse()
        .map_err(|_| AppError::not_found(lang).api())
}

/// A cohort's proposals of municipalities for LIS1 + ALIS positions, by municipality (scope
/// `planning:read`).
#[utoipa::path(get, path = "/api/v1/planning/cohorts/{cohort}/alis-proposals", tag = "planning",
    params(("cohort" = String, Path, description = "The cohort's hospital start, e.g. 2027-09-01")),
    responses((status = 200, body = Vec<AlisProposalDto>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn alis_proposals(
    State(state): State<AppState>,
    v: Visitor,
    Path(cohort): Path<String>,
) -> Result<Json<Vec<AlisProposalDto>>, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let cohort = parse_cohort(&cohort, lang)?;
    let list = uc::alis_proposals(&state.app, &s.caller(), cohort)
        .await
        .map_err(app_err(lang))?;
    Ok(Json(
        list.into_iter()
            .map(|p| AlisProposalDto {
                id: p.id,
                cohort: p.cohort_start,
                municipality_id: p.municipality_id,
                municipality: p.municipality_name,
                alis_office_id: p.alis_office_id,
                positions: p.positions,
                justification: p.justification,
                state: p.state.as_str().into(),
                review_reason: p.review_reason,
            })
            .collect(),
    ))
}

/// An ALIS office's proposal.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlisProposalRequest {
    /// The municipality proposed (in a county the office advises).
    pub municipality_id: i64,
    /// LIS1 + ALIS positions proposed (at least 1).
    pub positions: i32,
    /// Why, required: e.g. recruitment-weak, salaried GP post, supervisors in place.
    pub justification: String,
}

/// The proposal recorded.
#[derive(Serialize, ToSchema)]
pub struct AlisProposedDto {
    /// The proposal's id.
    pub proposal_id: i64,
}

/// Proposes a municipality for LIS1 + ALIS positions for a cohort (scope `planning:write`; an
/// ALIS office, for the municipalities of the counties it advises). Proposing the same
/// municipality and cohort again replaces the earlier proposal, which goes back to the county
/// governor.
#[utoipa::path(post, path = "/api/v1/planning/cohorts/{cohort}/alis-proposals", tag = "planning",
    params(("cohort" = String, Path, description = "The cohort's hospital start, e.g. 2027-09-01"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the proposal is recorded once")),
    request_body = AlisProposalRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 201, body = AlisProposedDto),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden` (not an ALIS office advising the municipality's county), `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such municipality"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_in_use`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`planning_at_least_one` (positions below 1), `planning_reason_missing`, `idempotency_key_reused`")))]
async fn propose_alis(
    State(state): State<AppState>,
    v: Visitor,
    Path(cohort): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let cohort = parse_cohort(&cohort, lang)?;
    let req: AlisProposalRequest = parse_json(&body, lang)?;
    let proposal_id = uc::propose_alis(
        &state.app,
        &s.caller(),
        &uc::AlisProposalInput {
            cohort,
            municipality_id: req.municipality_id,
            positions: req.positions,
            justification: req.justification,
        },
    )
    .await
    .map_err(app_err(lang))?;
    Ok((StatusCode::CREATED, Json(AlisProposedDto { proposal_id })).into_response())
}

/// The county governor's decision on a proposal.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlisReviewRequest {
    /// `true` to endorse, `false` to return.
    pub endorse: bool,
    /// Why it is returned; required when returning.
    #[serde(default)]
    pub reason: String,
}

/// The county governor endorses an ALIS office's proposal (then the county's split may give the
/// municipality up to that many LIS1 + ALIS positions) or returns it with a reason (scope
/// `planning:write`; the governor of the municipality's county). Answers with the proposal.
#[utoipa::path(post, path = "/api/v1/planning/alis-proposals/{id}/review", tag = "planning",
    params(("id" = i64, Path, description = "Proposal id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the decision is recorded once")),
    request_body = AlisReviewRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = AlisProposalDto),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden` (not the county governor of the municipality), `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such proposal"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`alis_proposal_decided` (already endorsed or returned), `idempotency_key_in_use`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`capacity_answer_reason_needed` (returning without a reason), `idempotency_key_reused`")))]
async fn review_alis(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<AlisProposalDto>, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let id: i64 = id
        .trim()
        .parse()
        .map_err(|_| AppError::not_found(lang).api())?;
    let req: AlisReviewRequest = parse_json(&body, lang)?;
    let caller = s.caller();
    uc::review_alis_proposal(&state.app, &caller, id, req.endorse, &req.reason)
        .await
        .map_err(app_err(lang))?;
    let p = state
        .store
        .alis_proposal(id)
        .await
        .map_err(|e| AppError::store(e, lang).api())?;
    Ok(Json(AlisProposalDto {
        id: p.id,
        cohort: p.cohort_start,
        municipality_id: p.municipality_id,
        municipality: p.municipality_name,
        alis_office_id: p.alis_office_id,
        positions: p.positions,
        justification: p.justification,
        state: p.state.as_str().into(),
        review_reason: p.review_reason,
    }))
}

/// The routes.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(plan))
        .routes(routes!(set_split))
        .routes(routes!(calls))
        .routes(routes!(answer_call))
        .routes(routes!(alis_proposals, propose_alis))
        .routes(routes!(review_alis))
}
