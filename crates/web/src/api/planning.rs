//! `/api/v1/planning`: national planning (issue 12). Reads only, the same use cases as the
//! pages (`lis1_app::planning`): one level of the plan for a cohort with the levels below, its
//! history and lendings; and the capacity calls with the municipalities' answers. Counts and
//! organisations only, no people (scope `planning:read`).

use axum::Json;
use axum::extract::{Path, Query, State};
use jiff::Timestamp;
use jiff::civil::Date;
use lis1_app::planning as uc;
use lis1_domain::Lang;
use lis1_domain::planning::Numbers;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Visitor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

fn app_err(lang: Lang) -> impl Fn(lis1_app::Error) -> AppError {
    move |e| AppError::app(e, lang).api()
}

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
/// what they have advertised, the history of its numbers and its lendings.
#[utoipa::path(get, path = "/api/v1/planning/cohorts/{cohort}", tag = "planning",
    params(("cohort" = String, Path, description = "The cohort's hospital start, e.g. 2027-09-01"), PlanParams),
    responses((status = 200, body = PlanningLevelDto), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn plan(
    State(state): State<AppState>,
    v: Visitor,
    Path(cohort): Path<String>,
    Query(q): Query<PlanParams>,
) -> Result<Json<PlanningLevelDto>, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let cohort: Date = cohort
        .trim()
        .parse()
        .map_err(|_| AppError::not_found(lang).api())?;
    let o = uc::overview(&state.app, &s.caller(), cohort, q.org)
        .await
        .map_err(app_err(lang))?;
    Ok(Json(PlanningLevelDto {
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
    }))
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

/// A capacity call with its answers.
#[derive(Serialize, ToSchema)]
pub struct CapacityCallDto {
    /// Id.
    pub id: i64,
    /// The hospital site whose cooperation area was asked.
    pub hospital_site_id: i64,
    /// Its name.
    pub hospital_site: String,
    /// The cohort (hospital start).
    #[schema(value_type = String)]
    pub cohort: Date,
    /// The reply deadline.
    #[schema(value_type = String)]
    pub deadline: Date,
    /// `open` or `closed`.
    pub state: String,
    /// The municipalities asked.
    pub municipality_ids: Vec<i64>,
    /// The answers.
    pub answers: Vec<CapacityAnswerDto>,
    /// Places approved in all.
    pub approved_total: i32,
    /// The site's positions for the cohort, if set.
    pub positions: Option<i32>,
}

/// The capacity calls to municipalities (seed 001), newest first, with their answers.
#[utoipa::path(get, path = "/api/v1/planning/capacity-calls", tag = "planning",
    responses((status = 200, body = Vec<CapacityCallDto>), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
async fn calls(
    State(state): State<AppState>,
    v: Visitor,
) -> Result<Json<Vec<CapacityCallDto>>, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let caller = s.caller();
    let calls = uc::calls(&state.app, &caller)
        .await
        .map_err(app_err(lang))?;
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
            deadline: c.deadline,
            state: c.state.as_str().into(),
            municipality_ids: view.municipalities.iter().map(|m| m.0).collect(),
            answers: view
                .answers
                .iter()
                .map(|a| CapacityAnswerDto {
                    municipality_id: a.municipality_id,
                    municipality: a.municipality_name.clone(),
                    location: a.location.clone(),
                    places: a.places,
                    justification: a.justification.clone(),
                    state: a.state.as_str().into(),
                    review_reason: a.review_reason.clone(),
                })
                .collect(),
            approved_total: view.approved_total,
            positions: view.positions,
        });
    }
    Ok(Json(out))
}

/// The routes.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(plan))
        .routes(routes!(calls))
}
