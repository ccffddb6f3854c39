//! `/api/v1` for doctors' courses (*LIS1-løp*), their obligations and the lists (issue 10): the
//! same use cases as the pages (`lis1_app::courses`, `lis1_app::obligations`,
//! `lis1_app::lists`). Reading needs scope `courses:read`, changing `courses:write`; who may
//! do what is decided by `lis1_domain::access` as for the pages: the hospital registers leave,
//! sets the plan and registers a resignation; the municipality registers its contract and
//! employment letter; the lists go to the coordinators, the county governor and the directorate.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::civil::Date;
use lis1_app::courses::{self as uc, Detail};
use lis1_domain::Lang;
use lis1_domain::course::RotationPart;
use lis1_domain::obligations::ObligationKind;
use lis1_store::courses::Course;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::hiring::{if_match, with_etag};
use super::{ApiQuery, Page, PageParams, app_err, id, parse_json};
use crate::auth::Visitor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_courses))
        .routes(routes!(get_course))
        .routes(routes!(add_leave))
        .routes(routes!(set_plan))
        .routes(routes!(resign))
        .routes(routes!(record_fulfilment))
        .routes(routes!(list_obligations))
        .routes(routes!(list_lists))
        .routes(routes!(get_list))
}

/// A doctor's course: the dates after any leave, and as first planned.
#[derive(Serialize, ToSchema)]
pub struct CourseDto {
    /// Id.
    pub id: i64,
    /// The doctor (user id).
    pub applicant_id: i64,
    /// The doctor's name.
    pub applicant_name: String,
    /// The hospital site.
    pub hospital_site_id: i64,
    /// The site's name.
    pub hospital_site_name: String,
    /// `13a` (municipality named in the advertisement) or `13b` (by lottery).
    pub section: String,
    /// The municipality, once placed.
    pub municipality_id: Option<i64>,
    /// The municipality's name.
    pub municipality_name: Option<String>,
    /// Only the municipal part (a municipality's rest position): the hospital part is empty.
    pub municipal_only: bool,
    /// On (or going on) leave; keeps the place.
    pub on_leave: bool,
    /// First day in the hospital.
    #[schema(value_type = String, example = "2027-09-01")]
    pub hospital_start: Date,
    /// Last day in the hospital, after leave.
    #[schema(value_type = String, example = "2028-08-31")]
    pub hospital_end: Date,
    /// First day in the municipality, after leave.
    #[schema(value_type = String, example = "2028-09-01")]
    pub municipal_start: Date,
    /// Last day in the municipality, after leave.
    #[schema(value_type = String, example = "2029-02-28")]
    pub municipal_end: Date,
    /// The planned municipal start: the lottery cohort; never moves.
    #[schema(value_type = String, example = "2028-09-01")]
    pub cohort: Date,
    /// The personal supervisor, once named.
    pub supervisor_name: Option<String>,
    /// The supervisor's e-mail.
    pub supervisor_email: Option<String>,
}

impl From<&Course> for CourseDto {
    fn from(c: &Course) -> Self {
        CourseDto {
            id: c.id,
            applicant_id: c.applicant_id,
            applicant_name: c.applicant_name.clone(),
            hospital_site_id: c.hospital_site_id,
            hospital_site_name: c.hospital_site_name.clone(),
            section: c.section.clone(),
            municipality_id: c.municipality_id,
            municipality_name: c.municipality_name.clone(),
            municipal_only: c.municipal_only,
            on_leave: c.on_leave,
            hospital_start: c.actual.hospital_start,
            hospital_end: c.actual.hospital_end,
            municipal_start: c.actual.municipal_start,
            municipal_end: c.actual.municipal_end,
            cohort: c.dates.municipal_start,
            supervisor_name: c.supervisor_name.clone(),
            supervisor_email: c.supervisor_email.clone(),
        }
    }
}

/// Which courses.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoursesQuery {
    /// Only this hospital site's courses.
    #[serde(default)]
    pub site: Option<i64>,
    /// Only this cohort (the planned municipal start, `yyyy-mm-dd`).
    #[serde(default)]
    #[param(value_type = Option<String>, example = "2028-09-01")]
    pub cohort: Option<Date>,
    /// How many items (1–500; default 100).
    #[serde(default)]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// The current courses the caller may see (scope `courses:read`): the hospital its sites', the
/// municipality those placed with it, the directorate all, a doctor their own; by id. The list
/// names doctors: the read is logged (`courses.list`).
#[utoipa::path(get, path = "/api/v1/courses", tag = "courses",
    params(CoursesQuery),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = Page<CourseDto>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden` (no course of the site is yours to see), `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "`site` is not a hospital site"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_limit`, `invalid_cursor`")))]
async fn list_courses(
    State(state): State<AppState>,
    v: Visitor,
    ApiQuery(q): ApiQuery<CoursesQuery>,
) -> Result<Json<Page<CourseDto>>, AppError> {
    let s = v.require_api()?;
    let courses = uc::list(&state.app, &s.caller(), q.site, q.cohort)
        .await
        .map_err(app_err(v.lang))?;
    let items: Vec<CourseDto> = courses.iter().map(CourseDto::from).collect();
    let paging = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    };
    Ok(Json(paging.page(items, |c| c.id, v.lang)?))
}

/// A period of leave.
#[derive(Serialize, ToSchema)]
pub struct LeaveDto {
    /// `pregnancy`, `parental`, `sickness` or `other`; only to the hospital and the doctor (it
    /// may be health data).
    pub kind: Option<String>,
    /// First day.
    #[schema(value_type = String, example = "2027-11-01")]
    pub from: Date,
    /// Last day.
    #[schema(value_type = String, example = "2028-01-31")]
    pub to: Date,
    /// Days.
    pub days: i64,
    /// The hospital's note; only to the hospital and the doctor.
    pub note: Option<String>,
    /// When it was registered.
    #[schema(value_type = String)]
    pub registered_at: Timestamp,
}

/// One part of the rotation plan.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotationPartDto {
    /// The department.
    pub department: String,
    /// First day.
    #[schema(value_type = String, example = "2027-09-01")]
    pub from: Date,
    /// Last day.
    #[schema(value_type = String, example = "2028-01-31")]
    pub to: Date,
}

/// One course with its leave and plan.
#[derive(Serialize, ToSchema)]
pub struct CourseDetailDto {
    /// The course.
    pub course: CourseDto,
    /// Its leave, by first day.
    pub leaves: Vec<LeaveDto>,
    /// The rotation plan (empty: none yet).
    pub rotation: Vec<RotationPartDto>,
    /// The caller may register leave, set the plan and register a resignation (the hospital).
    pub may_manage: bool,
    /// The plan's version, also sent as `ETag`: send it as `If-Match` when setting the plan.
    pub plan_version: String,
}

fn detail_dto(d: &Detail) -> CourseDetailDto {
    CourseDetailDto {
        course: CourseDto::from(&d.course),
        leaves: d
            .leaves
            .iter()
            .map(|l| LeaveDto {
                kind: d.details.then(|| l.leave.kind.as_str().to_string()),
                from: l.leave.from,
                to: l.leave.to,
                days: l.leave.days(),
                note: d.details.then(|| l.note.clone()),
                registered_at: l.registered_at,
            })
            .collect(),
        rotation: d
            .rotation
            .iter()
            .map(|p| RotationPartDto {
                department: p.department.clone(),
                from: p.from,
                to: p.to,
            })
            .collect(),
        may_manage: d.manage,
        plan_version: d.plan_version.clone(),
    }
}

/// One course (scope `courses:read`): the doctor, the hospital, the municipality the doctor is
/// placed in and the directorate; to anyone else it does not exist (404). A view by anyone but
/// the doctor is logged (`course.view`).
#[utoipa::path(get, path = "/api/v1/courses/{id}", tag = "courses",
    params(("id" = i64, Path, description = "Course id")),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = CourseDetailDto, headers(("ETag" = String, description = "The plan's version: send as `If-Match` when setting it"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "`not_found`")))]
async fn get_course(
    State(state): State<AppState>,
    v: Visitor,
    Path(course): Path<String>,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let course = id(&course, &v)?;
    let d = uc::show(&state.app, &s.caller(), course)
        .await
        .map_err(app_err(v.lang))?;
    let version = d.plan_version.clone();
    Ok(with_etag(Json(detail_dto(&d)).into_response(), &version))
}

/// Leave to register.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaveRequest {
    /// `pregnancy`, `parental`, `sickness` or `other`.
    pub kind: String,
    /// First day (`yyyy-mm-dd`).
    #[schema(example = "2027-11-01")]
    pub from: String,
    /// Last day (`yyyy-mm-dd`).
    #[schema(example = "2028-01-31")]
    pub to: String,
    /// A note (at most 500 characters; never a diagnosis).
    #[serde(default)]
    pub note: String,
}

/// Registers leave on a course (scope `courses:write`; the hospital): the doctor keeps the
/// place, the dates move, and the municipality and the doctor are e-mailed at once — in one
/// transaction. Answers with the course as it is now.
#[utoipa::path(post, path = "/api/v1/courses/{id}/leave", tag = "courses",
    params(("id" = i64, Path, description = "Course id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    request_body = LeaveRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 201, body = CourseDto),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`, `idempotency_key_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden` (not the hospital), `insufficient_scope`, or no valid `X-CSRF-Token`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "`not_found`"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_in_use`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`leave_kind_invalid`, `bad_date`, `note_too_long`, a rule of leave (e.g. `leave_ends_before_start`, overlapping leave), each at its field in `errors`; `idempotency_key_reused`")))]
async fn add_leave(
    State(state): State<AppState>,
    v: Visitor,
    Path(course): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let course = id(&course, &v)?;
    let req: LeaveRequest = parse_json(&body, v.lang)?;
    let input = uc::LeaveInput {
        kind: req.kind,
        from: req.from,
        to: req.to,
        note: req.note,
    };
    let c = uc::add_leave(&state.app, &s.caller(), course, &input)
        .await
        .map_err(app_err(v.lang))?;
    Ok((StatusCode::CREATED, Json(CourseDto::from(&c))).into_response())
}

/// The rotation plan and supervisor to set.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// Two or three parts, back to back, from the first to the last day of the hospital part.
    pub parts: Vec<RotationPartDto>,
    /// The supervisor's name (empty: not yet named; at most 200 characters).
    #[serde(default)]
    pub supervisor_name: String,
    /// The supervisor's e-mail (empty, or an address; at most 200 characters).
    #[serde(default)]
    pub supervisor_email: String,
}

/// The plan as set.
#[derive(Serialize, ToSchema)]
pub struct CoursePlanDto {
    /// The new version, also sent as `ETag`.
    pub plan_version: String,
}

/// Sets a course's rotation plan and supervisor (scope `courses:write`; the hospital). Send the
/// `ETag` of the course as `If-Match`: if the plan changed since, nothing changes (412).
#[utoipa::path(put, path = "/api/v1/courses/{id}/plan", tag = "courses",
    params(("id" = i64, Path, description = "Course id"),
        ("If-Match" = Option<String>, Header, description = "The course's `ETag` as read"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    request_body = PlanRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = CoursePlanDto, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`, `if_match_invalid`, `idempotency_key_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden` (not the hospital), `insufficient_scope`, or no valid `X-CSRF-Token`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "`not_found`"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_in_use`"),
        (status = 412, body = Problem, content_type = "application/problem+json", description = "`precondition_failed`: the plan changed since the `ETag` was read"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`supervisor_too_long`, `supervisor_email_invalid`, a rule of the plan (at `parts`), `idempotency_key_reused`")))]
async fn set_plan(
    State(state): State<AppState>,
    v: Visitor,
    Path(course): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let course = id(&course, &v)?;
    let expected = if_match(&headers, &v)?;
    let req: PlanRequest = parse_json(&body, v.lang)?;
    let input = uc::PlanInput {
        parts: req
            .parts
            .into_iter()
            .map(|p| RotationPart {
                department: p.department.trim().to_string(),
                from: p.from,
                to: p.to,
            })
            .collect(),
        supervisor_name: req.supervisor_name,
        supervisor_email: req.supervisor_email,
    };
    let version = uc::set_plan(&state.app, &s.caller(), course, &input, expected.as_deref())
        .await
        .map_err(app_err(v.lang))?;
    Ok(with_etag(
        Json(CoursePlanDto {
            plan_version: version.clone(),
        })
        .into_response(),
        &version,
    ))
}

/// A resignation to register.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResignationRequest {
    /// A short reason (1–500 characters).
    pub reason: String,
}

/// What a resignation led to.
#[derive(Serialize, ToSchema)]
pub struct ResignedDto {
    /// The course that ended.
    pub course_id: i64,
    /// The rest positions made of the place (empty while an offer round is left: the place then
    /// goes to the next in line).
    pub rest_positions: Vec<i64>,
}

/// Registers that the doctor has resigned (scope `courses:write`; the hospital). Irreversible:
/// the course ends, the municipality and the doctor are e-mailed, and the place becomes a rest
/// position when no offer round is left — in one transaction.
#[utoipa::path(post, path = "/api/v1/courses/{id}/resignation", tag = "courses",
    params(("id" = i64, Path, description = "Course id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    request_body = ResignationRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = ResignedDto),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`, `idempotency_key_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden` (not the hospital), `insufficient_scope`, or no valid `X-CSRF-Token`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "`not_found` (also a course already ended)"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_in_use`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`reason_invalid`, `idempotency_key_reused`")))]
async fn resign(
    State(state): State<AppState>,
    v: Visitor,
    Path(course): Path<String>,
    body: Bytes,
) -> Result<Json<ResignedDto>, AppError> {
    let s = v.require_api()?;
    let course = id(&course, &v)?;
    let req: ResignationRequest = parse_json(&body, v.lang)?;
    let done = uc::resign(&state.app, &s.caller(), course, &req.reason)
        .await
        .map_err(app_err(v.lang))?;
    Ok(Json(ResignedDto {
        course_id: done.course.id,
        rest_positions: done.rest_positions,
    }))
}

/// A fulfilled obligation to register.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FulfilmentRequest {
    /// `contract` or `employment_letter`.
    pub kind: String,
    /// The day it was done (`yyyy-mm-dd`).
    #[schema(example = "2028-05-20")]
    pub date: String,
    /// A note.
    #[serde(default)]
    pub note: String,
}

/// Registers that the municipality's contract with the doctor or its employment letter is in
/// place (scope `courses:write`; the municipality the doctor is placed in). A second
/// registration corrects the first. Whoever may not see the course's obligations gets 404; a
/// course not yet placed in a municipality is no one's to register (403).
#[utoipa::path(post, path = "/api/v1/courses/{id}/fulfilments", tag = "courses",
    params(("id" = i64, Path, description = "Course id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    request_body = FulfilmentRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 204, description = "Registered"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`, `idempotency_key_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`, or no valid `X-CSRF-Token`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "`not_found` (also an unknown `kind`)"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`conflict` (the lottery is fulfilled by the draw), `idempotency_key_in_use`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`bad_date`, a rule of the date or note (at `date`), `idempotency_key_reused`")))]
async fn record_fulfilment(
    State(state): State<AppState>,
    v: Visitor,
    Path(course): Path<String>,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    let s = v.require_api()?;
    let course = id(&course, &v)?;
    let req: FulfilmentRequest = parse_json(&body, v.lang)?;
    let kind =
        ObligationKind::parse(req.kind.trim()).ok_or_else(|| AppError::not_found(v.lang).api())?;
    lis1_app::obligations::record_fulfilment(
        &state.app,
        &s.caller(),
        course,
        kind,
        &req.date,
        &req.note,
    )
    .await
    .map_err(app_err(v.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// One obligation with its deadline and status.
#[derive(Serialize, ToSchema)]
pub struct ObligationDto {
    /// Its stable name, e.g. `course:12:contract` or `lottery:3:2028-09-01`.
    pub key: String,
    /// `contract`, `employment_letter` or `lottery`.
    pub kind: String,
    /// The hospital site.
    pub hospital_site_id: i64,
    /// The site's name.
    pub hospital_site_name: String,
    /// The cohort: the planned municipal start.
    #[schema(value_type = String, example = "2028-09-01")]
    pub cohort: Date,
    /// The course, for a contract or a letter.
    pub course_id: Option<i64>,
    /// The doctor's name, for a contract or a letter.
    pub doctor: Option<String>,
    /// The municipality, once placed.
    pub municipality_name: Option<String>,
    /// For the lottery: how many doctors take part.
    pub participants: usize,
    /// The last day.
    #[schema(value_type = String, example = "2028-06-01")]
    pub due: Date,
    /// `upcoming`, `due_soon`, `overdue`, `fulfilled` or `fulfilled_late`.
    pub status: String,
    /// When it was fulfilled.
    #[schema(value_type = Option<String>)]
    pub fulfilled_on: Option<Date>,
    /// The registration's note.
    pub note: Option<String>,
    /// The caller may register it as fulfilled now.
    pub may_register: bool,
}

/// The deadlines and obligations the caller's organisations have or follow up (scope
/// `courses:read`), by deadline, a page at a time: the municipality's contract and employment
/// letter per course, the HF's lottery per cohort. The doctors' names are personal data: the
/// read is logged (`obligations.view`).
#[utoipa::path(get, path = "/api/v1/obligations", tag = "courses",
    params(PageParams),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = Page<ObligationDto>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_limit`, `invalid_cursor`")))]
async fn list_obligations(
    State(state): State<AppState>,
    v: Visitor,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<Page<ObligationDto>>, AppError> {
    let s = v.require_api()?;
    // Checked before the read is made (and logged).
    params.check::<(String, String)>(v.lang)?;
    let today = lis1_app::obligations::today(&state.app);
    let all = lis1_app::obligations::overview(&state.app, &s.caller(), today)
        .await
        .map_err(app_err(v.lang))?;
    let items: Vec<ObligationDto> = all
        .into_iter()
        .map(|seen| {
            let o = seen.obligation;
            ObligationDto {
                key: o.key.clone(),
                kind: o.kind.as_str().into(),
                hospital_site_id: o.hospital_site_id,
                hospital_site_name: o.hospital_site_name.clone(),
                cohort: o.cohort,
                course_id: o.course.as_ref().map(|c| c.id),
                doctor: o.course.as_ref().map(|c| c.applicant_name.clone()),
                municipality_name: o.course.as_ref().and_then(|c| c.municipality_name.clone()),
                participants: o.participants,
                due: o.due,
                status: o.status.as_str().into(),
                fulfilled_on: o.fulfilled_on,
                note: o.fulfilment.as_ref().and_then(|f| f.note.clone()),
                may_register: seen.may_register,
            }
        })
        .collect();
    Ok(Json(params.page(
        items,
        |o: &ObligationDto| (o.due.to_string(), o.key.clone()),
        v.lang,
    )?))
}

/// One site whose lists the caller may see.
#[derive(Serialize, ToSchema)]
pub struct SiteListsDto {
    /// The hospital site.
    pub site_id: i64,
    /// Its name.
    pub name: String,
    /// Its cohorts, newest first.
    pub cohorts: Vec<CohortCountDto>,
}

/// A cohort and how many doctors the caller's list of it holds.
#[derive(Serialize, ToSchema)]
pub struct CohortCountDto {
    /// The cohort: the planned municipal start.
    #[schema(value_type = String, example = "2028-09-01")]
    pub cohort: Date,
    /// Doctors on the caller's list.
    pub doctors: usize,
}

/// The caller's lists.
#[derive(Serialize, ToSchema)]
pub struct ListsDto {
    /// The sites, each with its cohorts.
    pub items: Vec<SiteListsDto>,
}

/// The sites and cohorts whose lists of hired doctors the caller may see (scope
/// `courses:read`): the site's HF, the coordinators and county governor of its area, the
/// directorate.
#[utoipa::path(get, path = "/api/v1/lists", tag = "courses",
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = ListsDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`")))]
async fn list_lists(State(state): State<AppState>, v: Visitor) -> Result<Json<ListsDto>, AppError> {
    let s = v.require_api()?;
    let sites = lis1_app::lists::index(&state.app, &s.caller())
        .await
        .map_err(app_err(v.lang))?;
    Ok(Json(ListsDto {
        items: sites
            .into_iter()
            .map(|site| SiteListsDto {
                site_id: site.site_id,
                name: site.name,
                cohorts: site
                    .cohorts
                    .into_iter()
                    .map(|(cohort, doctors)| CohortCountDto { cohort, doctors })
                    .collect(),
            })
            .collect(),
    }))
}

/// One doctor on a list: the columns of the list's file, in the list's language.
#[derive(Serialize, ToSchema)]
pub struct ListEntryDto {
    /// The course.
    pub course: CourseDto,
    /// Name, e-mail, phone, national identity number, HPR number, site, hospital part from/to,
    /// municipal part from/to, municipality, its number, legal basis, on leave — as in the file.
    pub columns: Vec<String>,
}

/// One site's list for a cohort, a page of its doctors at a time.
#[derive(Serialize, ToSchema)]
pub struct CohortListDto {
    /// The site.
    pub site_id: i64,
    /// Its name.
    pub site_name: String,
    /// The cohort.
    #[schema(value_type = String, example = "2028-09-01")]
    pub cohort: Date,
    /// The column headers (in the request's language).
    pub columns: Vec<String>,
    /// The doctors on this page, by course id, and the cursor of the next page.
    #[serde(flatten)]
    pub page: Page<ListEntryDto>,
    /// Doctors placed outside the caller's area, not on the list: a sentence per county.
    pub elsewhere: Vec<String>,
}

/// One site's list of hired doctors for a cohort, with their contact and personal data and
/// their places (scope `courses:read`). Every read is logged (`lists.view`).
#[utoipa::path(get, path = "/api/v1/lists/{site}/{cohort}", tag = "courses",
    params(("site" = i64, Path, description = "Hospital site id"),
        ("cohort" = String, Path, description = "The cohort: the planned municipal start, `yyyy-mm-dd`"),
        PageParams),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = CohortListDto),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`, `insufficient_scope`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "`not_found`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_limit`, `invalid_cursor`")))]
async fn get_list(
    State(state): State<AppState>,
    v: Visitor,
    Path((site, cohort)): Path<(String, String)>,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<CohortListDto>, AppError> {
    let s = v.require_api()?;
    let site = id(&site, &v)?;
    let cohort: Date = cohort
        .parse()
        .map_err(|_| AppError::not_found(v.lang).api())?;
    // Checked before the read is made (and logged).
    params.check::<i64>(v.lang)?;
    let list = lis1_app::lists::show(&state.app, &s.caller(), site, cohort, "json")
        .await
        .map_err(app_err(v.lang))?;
    let lang: Lang = v.lang;
    Ok(Json(CohortListDto {
        site_id: list.site_id,
        site_name: list.site_name,
        cohort: list.cohort,
        columns: crate::pages::lists::columns(lang),
        page: params.page(
            list.entries
                .iter()
                .map(|e| ListEntryDto {
                    course: CourseDto::from(&e.course),
                    columns: crate::pages::lists::row(&e.course, e.profile.as_ref(), &e.email),
                })
                .collect(),
            |e| e.course.id,
            lang,
        )?,
        elsewhere: list
            .elsewhere
            .iter()
            .map(|(county, n)| crate::pages::lists::elsewhere(lang, county, *n))
            .collect(),
    }))
}
