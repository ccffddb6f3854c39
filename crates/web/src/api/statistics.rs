//! `/api/v1/statistics`: the round report, the trend across rounds and the follow-up evaluation
//! (issue 14), from the same use cases as `/statistikk` (`lis1_app::statistics`). Without a
//! token, or with one that is not the directorate's with `statistics:read`, every table is the
//! published one (small cells suppressed, `null`); the directorate's gets every figure.

use axum::Json;
use axum::extract::{Path, State};
use jiff::Timestamp;
use jiff::civil::Date;
use lis1_app::statistics::{self as uc, Detail};
use lis1_domain::statistics::{Cell, Published};
use serde::Serialize;
use utoipa::ToSchema;

use super::app_err;
use crate::auth::Visitor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// One table of the report. A suppressed figure is `null`.
#[derive(Serialize, ToSchema)]
pub struct TableDto {
    /// `education`, `career`, `region`, `trust`, `site`, `offer_rounds`, `per_applicant` or
    /// `lottery`.
    pub name: String,
    /// Row keys (`norway`, `eea`, `outside`; `none`, `primary_care`, `specialist_care`; names of
    /// regions, trusts and sites; offer round numbers; buckets; lottery ranks and `unranked`).
    pub rows: Vec<String>,
    /// Column keys (`hired`/`not_hired`, `filled`/`unfilled`, offer outcomes, …).
    pub cols: Vec<String>,
    /// `cells[row][col]`.
    pub cells: Vec<Vec<Option<u64>>>,
    /// Row totals.
    pub row_totals: Vec<Option<u64>>,
    /// Column totals.
    pub col_totals: Vec<Option<u64>>,
    /// Grand total.
    pub total: Option<u64>,
    /// How many figures are suppressed.
    pub suppressed: usize,
}

impl From<(&str, &Published)> for TableDto {
    fn from((name, p): (&str, &Published)) -> TableDto {
        let v = |c: &Cell| c.value();
        TableDto {
            name: name.into(),
            rows: p.rows.clone(),
            cols: p.cols.clone(),
            cells: p.cells.iter().map(|r| r.iter().map(v).collect()).collect(),
            row_totals: p.row_totals.iter().map(v).collect(),
            col_totals: p.col_totals.iter().map(v).collect(),
            total: p.total.value(),
            suppressed: p.suppressed,
        }
    }
}

/// Positions of one kind.
#[derive(Serialize, ToSchema)]
pub struct PositionCountDto {
    /// `ordinary`, `bound_lis3_psychiatry`, `bound_lis3_bup` or `bound_alis`.
    pub kind: String,
    /// How many.
    pub count: u64,
}

/// The headline figures. A suppressed figure is `null`.
#[derive(Serialize, ToSchema)]
pub struct HeadlineDto {
    /// Distinct applicants.
    pub applicants: Option<u64>,
    /// Applications.
    pub applications: Option<u64>,
    /// Applications per applicant, in tenths.
    pub per_applicant_tenths: Option<u64>,
    /// Advertisements.
    pub advertisements: u64,
    /// Hospital trusts advertising.
    pub hospital_trusts: u64,
    /// Positions by kind.
    pub positions: Vec<PositionCountDto>,
    /// All positions.
    pub positions_total: u64,
    /// Hired.
    pub hired: Option<u64>,
    /// Share hired, percent.
    pub share_hired: Option<u64>,
    /// Positions unfilled.
    pub unfilled: u64,
    /// Rest positions from the round.
    pub rest_advertised: u64,
    /// Of them filled.
    pub rest_filled: Option<u64>,
    /// Median days from first offer to filled.
    pub median_days_to_filled: Option<u64>,
}

/// A round's report.
#[derive(Serialize, ToSchema)]
pub struct ReportDto {
    /// The round.
    pub round_id: i64,
    /// Its name.
    pub name: String,
    /// Its start.
    #[schema(value_type = String, example = "2027-09-01")]
    pub start_date: Date,
    /// `published` (small cells suppressed) or `full` (the directorate).
    pub detail: String,
    /// When the report was frozen (before retention deleted what it counts); `null`: live.
    #[schema(value_type = Option<String>)]
    pub frozen_at: Option<Timestamp>,
    /// Headline figures.
    pub headline: HeadlineDto,
    /// The tables.
    pub tables: Vec<TableDto>,
}

fn detail_name(d: Detail) -> String {
    match d {
        Detail::Published => "published",
        Detail::Full => "full",
    }
    .into()
}

/// A round's report: applicants, positions, hired, offers, rest positions, the lottery, by
/// education background, career preference, region, trust and site. Public; the directorate's
/// token (`statistics:read`) sees every figure.
#[utoipa::path(get, path = "/api/v1/statistics/rounds/{id}", tag = "statistics",
    params(("id" = i64, Path, description = "The round")),
    responses((status = 200, body = ReportDto), (status = 404, body = Problem)))]
async fn round_report(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Json<ReportDto>, AppError> {
    let lang = v.lang;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang).api())?;
    let caller = v.session.as_ref().map(|s| s.caller());
    let r = uc::round_report(&state.app, caller.as_ref(), id)
        .await
        .map_err(app_err(lang))?;
    let h = &r.headline;
    Ok(Json(ReportDto {
        round_id: r.round.id,
        name: r.round.name.clone(),
        start_date: r.round.start_date,
        detail: detail_name(r.detail),
        frozen_at: r.frozen_at,
        headline: HeadlineDto {
            applicants: h.applicants.value(),
            applications: h.applications.value(),
            per_applicant_tenths: h.per_applicant_tenths,
            advertisements: h.advertisements,
            hospital_trusts: h.hospital_trusts,
            positions: h
                .positions
                .iter()
                .map(|(k, n)| PositionCountDto {
                    kind: k.clone(),
                    count: *n,
                })
                .collect(),
            positions_total: h.positions_total,
            hired: h.hired.value(),
            share_hired: h.share_hired,
            unfilled: h.unfilled,
            rest_advertised: h.rest_advertised,
            rest_filled: h.rest_filled.value(),
            median_days_to_filled: h.median_days_to_filled,
        },
        tables: r
            .tables
            .iter()
            .map(|t| TableDto::from((t.name, &t.table)))
            .collect(),
    }))
}

/// One round of the trend.
#[derive(Serialize, ToSchema)]
pub struct TrendPointDto {
    /// E.g. "LIS1 våren 2027", or "Vår 2021" for a round before the portal.
    pub label: String,
    /// `spring` or `autumn`.
    pub season: String,
    /// Year of the round.
    pub year: i32,
    /// Start date.
    #[schema(value_type = String, example = "2027-09-01")]
    pub start: Date,
    /// The portal's round; `null` for the directorate's published figures before the portal.
    pub round_id: Option<i64>,
    /// Applicants.
    pub applicants: Option<u64>,
    /// Positions.
    pub positions: Option<u64>,
    /// Hired.
    pub hired: Option<u64>,
    /// Share hired, percent.
    pub share_hired: Option<u64>,
    /// A remark.
    pub note: String,
}

/// Applicants, positions and hired across rounds: the directorate's published figures for the
/// rounds before the portal (`round_id` null), then the portal's rounds. Public.
#[utoipa::path(get, path = "/api/v1/statistics/trend", tag = "statistics",
    responses((status = 200, body = Vec<TrendPointDto>)))]
async fn trend(
    State(state): State<AppState>,
    v: Visitor,
) -> Result<Json<Vec<TrendPointDto>>, AppError> {
    let lang = v.lang;
    let caller = v.session.as_ref().map(|s| s.caller());
    let points = uc::trend(&state.app, caller.as_ref())
        .await
        .map_err(app_err(lang))?;
    Ok(Json(
        points
            .into_iter()
            .map(|p| TrendPointDto {
                label: p.label,
                season: p.season,
                year: p.year,
                start: p.start,
                round_id: p.round_id,
                applicants: p.applicants,
                positions: p.positions,
                hired: p.hired,
                share_hired: p.share_hired,
                note: p.note,
            })
            .collect(),
    ))
}

/// One cohort of the follow-up evaluation.
#[derive(Serialize, ToSchema)]
pub struct CohortDto {
    /// The year of the LIS1 start.
    pub year: i16,
    /// Rows: tracks; columns: `InLis1`, `Continued`, `Completed`, `Switched`, `Left`.
    pub table: TableDto,
}

/// The follow-up evaluation.
#[derive(Serialize, ToSchema)]
pub struct EvaluationDto {
    /// Doctors counted: those whose answer in force is consent.
    pub counted: u64,
    /// Per cohort.
    pub cohorts: Vec<CohortDto>,
}

/// The follow-up evaluation of bound positions: the directorate only; only doctors who consent
/// at the time of the request are counted. The read is logged.
#[utoipa::path(get, path = "/api/v1/statistics/evaluation", tag = "statistics",
    responses((status = 200, body = EvaluationDto), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
async fn evaluation(
    State(state): State<AppState>,
    v: Visitor,
) -> Result<Json<EvaluationDto>, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let e = uc::evaluation(&state.app, &s.caller())
        .await
        .map_err(app_err(lang))?;
    Ok(Json(EvaluationDto {
        counted: e.counted,
        cohorts: e
            .cohorts
            .iter()
            .map(|(year, p)| CohortDto {
                year: *year,
                table: TableDto::from(("evaluation", p)),
            })
            .collect(),
    }))
}

/// The routes.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(round_report))
        .routes(routes!(trend))
        .routes(routes!(evaluation))
}
