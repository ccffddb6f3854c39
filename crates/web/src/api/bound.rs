//! `/api/v1/bound`: bound positions (issue 13). Reads only, the same use cases as the pages
//! (`lis1_app::bound`): one bound doctor's education plan with its deadlines (logged as a read
//! of personal data, except the doctor's own), and the forward capacity (counts only).

use axum::Json;
use axum::extract::{Path, State};
use jiff::civil::Date;
use lis1_app::bound as uc;
use serde::Serialize;
use utoipa::ToSchema;

use super::app_err;
use crate::auth::Visitor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// One part of the plan.
#[derive(Serialize, ToSchema)]
pub struct PlanPartDto {
    /// `lis1_hospital`, `lis1_municipality` or `later` (LIS3/ALIS).
    pub part: String,
    /// First day (as moved by leave).
    #[schema(value_type = String, example = "2027-09-01")]
    pub from: Date,
    /// Last day.
    #[schema(value_type = String, example = "2028-08-31")]
    pub to: Date,
}

/// One deadline on the plan.
#[derive(Serialize, ToSchema)]
pub struct PlanDeadlineDto {
    /// `contract` (signed 1.5–2 years before LIS3/ALIS) or `later_start` (only when LIS1 is
    /// completed).
    pub kind: String,
    /// The day it is due.
    #[schema(value_type = String, example = "2027-09-01")]
    pub due: Date,
    /// `fulfilled`, `fulfilled_late`, `upcoming`, `due_soon` or `overdue`.
    pub status: String,
}

/// A bound doctor's education plan.
#[derive(Serialize, ToSchema)]
pub struct PlanDto {
    /// The course.
    pub course_id: i64,
    /// The doctor's name.
    pub doctor: String,
    /// `lis3_psychiatry`, `lis3_bup` or `alis`.
    pub track: String,
    /// For ALIS: `salaried` or `list_holder`.
    pub alis_form: Option<String>,
    /// The later employer's name.
    pub later_employer: String,
    /// Whether the later employer has made the plan (otherwise the standard plan is shown).
    pub made: bool,
    /// `active`, `resigned_lis1`, `resigned_later` or `switched_specialty`.
    pub state: String,
    /// The parts, in order, as moved by leave.
    pub parts: Vec<PlanPartDto>,
    /// The planned first day of LIS3/ALIS, before leave.
    #[schema(value_type = String)]
    pub planned_later_start: Date,
    /// The deadlines.
    pub deadlines: Vec<PlanDeadlineDto>,
    /// The start of LIS3/ALIS: `planned`, `ready`, `postponed` or `started`.
    pub start_status: String,
    /// What is missing before LIS3/ALIS may start, in the request's language.
    pub missing: Vec<String>,
    /// The HF registered the hospital part completed on.
    #[schema(value_type = Option<String>)]
    pub hospital_completed_on: Option<Date>,
    /// The municipality registered the municipal part completed on.
    #[schema(value_type = Option<String>)]
    pub municipal_completed_on: Option<Date>,
    /// The LIS3/ALIS contract signed on.
    #[schema(value_type = Option<String>)]
    pub contract_signed_on: Option<Date>,
}

/// A bound doctor's education plan: the doctor, the later employer and the LIS1 employers see
/// it. Logged (except the doctor's own read).
#[utoipa::path(get, path = "/api/v1/bound/plans/{id}", tag = "bound",
    params(("id" = i64, Path, description = "Course id")),
    responses((status = 200, body = PlanDto), (status = 401, body = Problem),
        (status = 404, body = Problem, description = "No such bound course, or not the caller's to see")))]
async fn plan(
    State(state): State<AppState>,
    v: Visitor,
    Path(course): Path<String>,
) -> Result<Json<PlanDto>, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let id: i64 = course
        .trim()
        .parse()
        .map_err(|_| AppError::not_found(lang).api())?;
    let p = uc::plan(&state.app, &s.caller(), id)
        .await
        .map_err(app_err(lang))?;
    let plan = p.plan.as_ref();
    let missing = match &p.start {
        lis1_domain::bound::LaterStartStatus::Planned { missing, .. }
        | lis1_domain::bound::LaterStartStatus::Postponed { missing, .. } => {
            missing.iter().map(|m| m.label(lang)).collect()
        }
        _ => Vec::new(),
    };
    Ok(Json(PlanDto {
        course_id: p.course.id,
        doctor: p.course.applicant_name.clone(),
        track: p.track.as_str().into(),
        alis_form: plan.and_then(|x| x.alis_form).map(|f| f.as_str().into()),
        later_employer: p.later_employer_name.clone(),
        made: plan.is_some(),
        state: plan.map_or("active", |x| x.state.as_str()).into(),
        parts: vec![
            PlanPartDto {
                part: "lis1_hospital".into(),
                from: p.dates.lis1.hospital_start,
                to: p.dates.lis1.hospital_end,
            },
            PlanPartDto {
                part: "lis1_municipality".into(),
                from: p.dates.lis1.municipal_start,
                to: p.dates.lis1.municipal_end,
            },
            PlanPartDto {
                part: "later".into(),
                from: p.dates.later_start,
                to: p.dates.end,
            },
        ],
        planned_later_start: p.planned.later_start,
        deadlines: p
            .deadlines
            .iter()
            .map(|d| PlanDeadlineDto {
                kind: d.kind.into(),
                due: d.due,
                status: d.status.as_str().into(),
            })
            .collect(),
        start_status: p.start.as_str().into(),
        missing,
        hospital_completed_on: plan.and_then(|x| x.hospital_completed_on),
        municipal_completed_on: plan.and_then(|x| x.municipal_completed_on),
        contract_signed_on: plan.and_then(|x| x.contract_signed_on),
    }))
}

/// One year's counts.
#[derive(Serialize, ToSchema)]
pub struct CapacityYearDto {
    /// The calendar year.
    pub year: i16,
    /// Bound doctors in LIS1 some time that year.
    pub lis1: u32,
    /// In LIS3.
    pub lis3: u32,
    /// In ALIS.
    pub alis: u32,
}

/// One organisation's row.
#[derive(Serialize, ToSchema)]
pub struct CapacityGroupDto {
    /// The organisation.
    pub org_id: i64,
    /// Its name.
    pub name: String,
    /// `rhf`, `hf` or `municipality`.
    pub level: String,
    /// Seven years from this year.
    pub years: Vec<CapacityYearDto>,
}

/// The forward capacity of bound positions.
#[derive(Serialize, ToSchema)]
pub struct CapacityDto {
    /// The first year.
    pub first_year: i16,
    /// The sum over what the caller may see.
    pub total: Vec<CapacityYearDto>,
    /// Per RHF (its trusts summed), HF and municipality.
    pub groups: Vec<CapacityGroupDto>,
}

fn years(rows: &[lis1_domain::bound::CapacityYear]) -> Vec<CapacityYearDto> {
    rows.iter()
        .map(|r| CapacityYearDto {
            year: r.year,
            lis1: r.lis1,
            lis3: r.lis3,
            alis: r.alis,
        })
        .collect()
}

/// How many bound doctors will be in LIS1, LIS3 and ALIS in each of the next seven years, per
/// RHF, HF and municipality (counts only): the directorate all, an RHF its trusts, an HF or a
/// municipality its own, a county governor and an ALIS office the municipalities they cover.
#[utoipa::path(get, path = "/api/v1/bound/capacity", tag = "bound",
    responses((status = 200, body = CapacityDto), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
async fn capacity(
    State(state): State<AppState>,
    v: Visitor,
) -> Result<Json<CapacityDto>, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let c = uc::capacity(&state.app, &s.caller())
        .await
        .map_err(app_err(lang))?;
    Ok(Json(CapacityDto {
        first_year: c.first_year,
        total: years(&c.total),
        groups: c
            .groups
            .iter()
            .map(|g| CapacityGroupDto {
                org_id: g.org_id,
                name: g.name.clone(),
                level: g.level.into(),
                years: years(&g.years),
            })
            .collect(),
    }))
}

/// The routes.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(plan))
        .routes(routes!(capacity))
}
