//! `/api/v1/onboarding`: before each start (issue 17). The same use cases as the pages
//! (`lis1_app::onboarding`): a doctor's checklist, a cohort's part, the HPR lookup, signing a
//! form, recording a police certificate's check, and an employer's requirements. A copy of a
//! police certificate is handled in the browser only; the API never takes one.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use lis1_app::onboarding::{self as uc, ItemView, PartView};
use lis1_domain::Lang;
use lis1_domain::identity::HprNumber;
use lis1_domain::onboarding::{ItemKind, Part, PoliceCheck, Record, Requirements};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{app_err, parse_json};
use crate::auth::Visitor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

fn id(s: &str, lang: Lang) -> Result<i64, AppError> {
    s.trim()
        .parse()
        .map_err(|_| AppError::not_found(lang).api())
}

fn part(s: &str, lang: Lang) -> Result<Part, AppError> {
    Part::parse(s).ok_or_else(|| AppError::not_found(lang).api())
}

/// What an employer requires before its part.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequirementsDto {
    /// Authorisation or LIS1 licence valid on the start date.
    pub authorisation: bool,
    /// The confidentiality form.
    pub confidentiality: bool,
    /// The data-user contract.
    pub data_user_contract: bool,
    /// The infection-control form.
    pub infection_control: bool,
    /// A police certificate.
    pub police_certificate: bool,
    /// The police certificate's greatest age at the start, in months (1–12).
    pub police_max_age_months: u8,
}

impl From<Requirements> for RequirementsDto {
    fn from(r: Requirements) -> Self {
        RequirementsDto {
            authorisation: r.authorisation,
            confidentiality: r.confidentiality,
            data_user_contract: r.data_user_contract,
            infection_control: r.infection_control,
            police_certificate: r.police_certificate,
            police_max_age_months: r.police_max_age_months,
        }
    }
}

/// One item of a checklist.
#[derive(Serialize, ToSchema)]
pub struct ItemDto {
    /// `authorisation`, `confidentiality`, `data_user_contract`, `infection_control` or
    /// `police_certificate`.
    pub kind: String,
    /// `done`, `missing` or `overdue`.
    pub status: String,
    /// Who completes it: `doctor`, `either` or `employer`.
    pub completer: String,
    /// Why a recorded item no longer counts for the start (e.g. the certificate has grown too
    /// old), in the request's language.
    pub problem: Option<String>,
    /// The day it was done.
    #[schema(value_type = Option<String>, example = "2027-08-10")]
    pub done_on: Option<Date>,
    /// Who recorded it.
    pub recorded_by: Option<String>,
    /// The HPR number, for the authorisation.
    pub hpr_number: Option<String>,
    /// `authorisation` or `licence`.
    pub authorisation_kind: Option<String>,
    /// The authorisation's first valid day.
    #[schema(value_type = Option<String>)]
    pub valid_from: Option<Date>,
    /// Its last valid day, if any.
    #[schema(value_type = Option<String>)]
    pub valid_to: Option<Date>,
    /// For a signed form: the id of the text version signed.
    pub text_id: Option<i64>,
    /// And its version.
    pub text_version: Option<i32>,
    /// For the police certificate: the date on it (the certificate itself is never stored).
    #[schema(value_type = Option<String>)]
    pub certificate_date: Option<Date>,
    /// Whether it gave cause for follow-up.
    pub follow_up: Option<bool>,
}

fn item_dto(i: &ItemView, lang: Lang) -> ItemDto {
    let mut d = ItemDto {
        kind: i.kind.as_str().into(),
        status: i.status.as_str().into(),
        completer: match i.completer {
            lis1_domain::onboarding::Completer::Doctor => "doctor",
            lis1_domain::onboarding::Completer::Either => "either",
            lis1_domain::onboarding::Completer::Employer => "employer",
        }
        .into(),
        problem: i.problem.map(|p| p.message(lang)),
        done_on: i.done_on,
        recorded_by: i.recorded_by.clone(),
        hpr_number: None,
        authorisation_kind: None,
        valid_from: None,
        valid_to: None,
        text_id: None,
        text_version: i.signed_text.as_ref().map(|t| t.version),
        certificate_date: None,
        follow_up: None,
    };
    match &i.record {
        Some(Record::Authorisation {
            hpr_number,
            kind,
            valid_from,
            valid_to,
        }) => {
            d.hpr_number = Some(hpr_number.to_string());
            d.authorisation_kind = Some(kind.as_str().into());
            d.valid_from = Some(*valid_from);
            d.valid_to = *valid_to;
        }
        Some(Record::Signed { text_id, .. }) => d.text_id = Some(*text_id),
        Some(Record::Police(c)) => {
            d.certificate_date = Some(c.certificate_date);
            d.follow_up = Some(c.follow_up);
        }
        None => {}
    }
    d
}

/// A form text the doctor may sign now.
#[derive(Serialize, ToSchema)]
pub struct FormTextDto {
    /// Id: send it when signing.
    pub id: i64,
    /// Which form.
    pub kind: String,
    /// Version.
    pub version: i32,
    /// Title.
    pub title: String,
    /// The text.
    pub body: String,
}

/// One part of a doctor's checklist.
#[derive(Serialize, ToSchema)]
pub struct PartDto {
    /// `hospital` or `municipal`.
    pub part: String,
    /// First day of the part, after leave.
    #[schema(value_type = String, example = "2027-09-01")]
    pub start: Date,
    /// The deadline: the day before the start.
    #[schema(value_type = String, example = "2027-08-31")]
    pub due: Date,
    /// The employer's name, once known.
    pub employer: Option<String>,
    /// `ready`, `missing` or `overdue`.
    pub status: String,
    /// How many items are missing.
    pub missing: usize,
    /// Not ready two weeks before the start, or later.
    pub flagged: bool,
    /// The employer's requirements.
    pub requirements: RequirementsDto,
    /// The items.
    pub items: Vec<ItemDto>,
    /// For the doctor: the texts of the forms still to sign.
    pub to_sign: Vec<FormTextDto>,
}

fn part_dto(p: &PartView, lang: Lang) -> PartDto {
    PartDto {
        part: p.part.as_str().into(),
        start: p.start,
        due: p.due,
        employer: p.employer_name.clone(),
        status: p.status.as_str().into(),
        missing: p.status.missing(),
        flagged: p.flagged,
        requirements: p.requirements.into(),
        items: p.items.iter().map(|i| item_dto(i, lang)).collect(),
        to_sign: p
            .to_sign
            .iter()
            .map(|t| FormTextDto {
                id: t.id,
                kind: t.kind.as_str().into(),
                version: t.version,
                title: t.title.clone(),
                body: t.body.clone(),
            })
            .collect(),
    }
}

/// A doctor's checklist: the parts the caller may see.
#[derive(Serialize, ToSchema)]
pub struct ChecklistDto {
    /// The course.
    pub course_id: i64,
    /// The doctor.
    pub doctor_id: i64,
    /// The doctor's name.
    pub doctor: String,
    /// The parts the caller may see.
    pub parts: Vec<PartDto>,
}

/// A doctor's checklist before each start: the doctor sees both parts, the hospital its part,
/// the municipality its part. Logged.
#[utoipa::path(get, path = "/api/v1/onboarding/courses/{id}", tag = "onboarding",
    params(("id" = i64, Path, description = "Course id")),
    responses((status = 200, body = ChecklistDto), (status = 401, body = Problem),
        (status = 404, body = Problem, description = "No such course, or not the caller's to see")))]
async fn checklist(
    State(state): State<AppState>,
    v: Visitor,
    Path(course): Path<String>,
) -> Result<Json<ChecklistDto>, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let c = uc::checklist(&state.app, &s.caller(), id(&course, lang)?)
        .await
        .map_err(app_err(lang))?;
    Ok(Json(ChecklistDto {
        course_id: c.course.id,
        doctor_id: c.course.applicant_id,
        doctor: c.course.applicant_name.clone(),
        parts: c.parts.iter().map(|p| part_dto(p, lang)).collect(),
    }))
}

/// Counts of a cohort's part.
#[derive(Serialize, ToSchema)]
pub struct CountsDto {
    /// Doctors.
    pub doctors: usize,
    /// Ready.
    pub ready: usize,
    /// Missing items, deadline not passed.
    pub missing: usize,
    /// Missing items past the deadline.
    pub overdue: usize,
    /// Flagged (not ready two weeks before, or later).
    pub flagged: usize,
}

/// One doctor of a cohort.
#[derive(Serialize, ToSchema)]
pub struct CohortRowDto {
    /// The course.
    pub course_id: i64,
    /// The doctor.
    pub doctor: String,
    /// The municipality, once placed.
    pub municipality: Option<String>,
    /// The part's checklist.
    pub checklist: PartDto,
}

/// A cohort's part.
#[derive(Serialize, ToSchema)]
pub struct CohortDto {
    /// The hospital site.
    pub site_id: i64,
    /// The cohort: the planned municipal start.
    #[schema(value_type = String, example = "2027-09-01")]
    pub cohort: Date,
    /// `hospital` or `municipal`.
    pub part: String,
    /// Counts.
    pub counts: CountsDto,
    /// Whether the caller sees counts only (coordinators, county governor, directorate).
    pub counts_only: bool,
    /// The doctors whose items the caller may see.
    pub rows: Vec<CohortRowDto>,
}

/// A cohort's part: rows for the hospital (its part) and the municipality (its doctors), counts
/// only for the coordinators, the county governor and the directorate. Logged.
#[utoipa::path(get, path = "/api/v1/onboarding/cohorts/{site}/{cohort}/{part}", tag = "onboarding",
    params(("site" = i64, Path, description = "Hospital site id"),
        ("cohort" = String, Path, description = "Planned municipal start, e.g. 2027-09-01"),
        ("part" = String, Path, description = "`hospital` or `municipal`")),
    responses((status = 200, body = CohortDto), (status = 401, body = Problem),
        (status = 404, body = Problem, description = "No such cohort, or nothing of it the caller may see")))]
async fn cohort(
    State(state): State<AppState>,
    v: Visitor,
    Path((site, cohort, p)): Path<(String, String, String)>,
) -> Result<Json<CohortDto>, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let cohort: Date = cohort
        .parse()
        .map_err(|_| AppError::not_found(lang).api())?;
    let c = uc::cohort(
        &state.app,
        &s.caller(),
        id(&site, lang)?,
        cohort,
        part(&p, lang)?,
    )
    .await
    .map_err(app_err(lang))?;
    Ok(Json(CohortDto {
        site_id: c.site_id,
        cohort: c.cohort,
        part: c.part.as_str().into(),
        counts: CountsDto {
            doctors: c.counts.doctors,
            ready: c.counts.ready,
            missing: c.counts.missing,
            overdue: c.counts.overdue,
            flagged: c.counts.flagged,
        },
        counts_only: c.counts_only,
        rows: c
            .rows
            .iter()
            .map(|r| CohortRowDto {
                course_id: r.course_id,
                doctor: r.doctor.clone(),
                municipality: r.municipality.clone(),
                checklist: part_dto(&r.view, lang),
            })
            .collect(),
    }))
}

/// An HPR number to look up for a part.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorisationDto {
    /// `hospital` or `municipal`.
    pub part: String,
    /// The HPR number.
    pub hpr_number: String,
}

/// Looks the doctor's HPR number up and records the authorisation or licence in force on the
/// part's start date (the doctor, or the part's employer).
#[utoipa::path(post, path = "/api/v1/onboarding/courses/{id}/authorisation", tag = "onboarding",
    params(("id" = i64, Path, description = "Course id")), request_body = AuthorisationDto,
    responses((status = 204, description = "Recorded"),
        (status = 400, body = Problem, description = "`invalid_json`: not valid JSON for the operation (an unknown field, a wrong type), the field named in `errors`"),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "`hpr_unavailable`: the register does not answer"),
        (status = 422, body = Problem, description = "`hpr_number_not_found`, `authorisation_not_doctor`, `authorisation_expires_before_start`, `authorisation_not_valid_from_start`, `onboarding_item_not_required`, `hpr_number_*`")))]
async fn authorisation(
    State(state): State<AppState>,
    v: Visitor,
    Path(course): Path<String>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let dto: AuthorisationDto = parse_json(&bytes, lang)?;
    let p = part(&dto.part, lang)?;
    let number = HprNumber::parse(&dto.hpr_number)
        .map_err(|e| AppError::app(lis1_app::Error::field("hpr_number", e), lang).api())?;
    uc::record_authorisation(&state.app, &s.caller(), id(&course, lang)?, p, &number)
        .await
        .map_err(app_err(lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A form signed by the doctor.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignatureDto {
    /// `hospital` or `municipal`.
    pub part: String,
    /// `confidentiality`, `data_user_contract` or `infection_control`.
    pub kind: String,
    /// The id of the text version read (from the checklist's `to_sign`).
    pub text_id: i64,
    /// The doctor the declaration is for: must be the caller.
    pub for_user: i64,
    /// The doctor confirms having read the text.
    pub confirmed_read: bool,
}

/// The doctor signs a form; the version of the text signed is kept.
#[utoipa::path(post, path = "/api/v1/onboarding/courses/{id}/signatures", tag = "onboarding",
    params(("id" = i64, Path, description = "Course id")), request_body = SignatureDto,
    responses((status = 204, description = "Signed"),
        (status = 400, body = Problem, description = "`invalid_json`: not valid JSON for the operation (an unknown field, a wrong type), the field named in `errors`"),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "`declaration_text_changed`: read the new version"),
        (status = 422, body = Problem, description = "`declaration_for_another_doctor`, `declaration_not_read`, `onboarding_item_not_required`")))]
async fn sign(
    State(state): State<AppState>,
    v: Visitor,
    Path(course): Path<String>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let dto: SignatureDto = parse_json(&bytes, lang)?;
    let kind = ItemKind::parse(&dto.kind)
        .filter(|k| k.is_form())
        .ok_or_else(|| AppError::not_found(lang).api())?;
    uc::sign_form(
        &state.app,
        &s.caller(),
        &uc::Signature {
            course_id: id(&course, lang)?,
            part: part(&dto.part, lang)?,
            kind,
            text_id: dto.text_id,
            for_user: dto.for_user,
            confirmed_read: dto.confirmed_read,
        },
    )
    .await
    .map_err(app_err(lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A police certificate seen by the part's employer. The certificate itself is never sent.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoliceCheckDto {
    /// `hospital` or `municipal`.
    pub part: String,
    /// The date on the certificate.
    #[schema(value_type = String, example = "2027-08-01")]
    pub certificate_date: Date,
    /// The day it was seen.
    #[schema(value_type = String, example = "2027-08-10")]
    pub checked_on: Date,
    /// Whether it gives cause for follow-up (no details).
    pub follow_up: bool,
}

/// The part's employer records that it has seen the police certificate.
#[utoipa::path(post, path = "/api/v1/onboarding/courses/{id}/police-checks", tag = "onboarding",
    params(("id" = i64, Path, description = "Course id")), request_body = PoliceCheckDto,
    responses((status = 204, description = "Recorded"),
        (status = 400, body = Problem, description = "`invalid_json`: not valid JSON for the operation (an unknown field, a wrong type), the field named in `errors`"),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 422, body = Problem, description = "`police_certificate_after_check`, `police_check_in_future`, `police_certificate_too_old`, `onboarding_item_not_required`")))]
async fn police_check(
    State(state): State<AppState>,
    v: Visitor,
    Path(course): Path<String>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let dto: PoliceCheckDto = parse_json(&bytes, lang)?;
    uc::record_police_check(
        &state.app,
        &s.caller(),
        &uc::PoliceInput {
            course_id: id(&course, lang)?,
            part: part(&dto.part, lang)?,
            check: PoliceCheck {
                certificate_date: dto.certificate_date,
                checked_on: dto.checked_on,
                follow_up: dto.follow_up,
            },
            copy: None,
        },
    )
    .await
    .map_err(app_err(lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// An employer's requirements for its part.
#[derive(Serialize, ToSchema)]
pub struct EmployerRequirementsDto {
    /// The employer.
    pub org_id: i64,
    /// Its name.
    pub org_name: String,
    /// `hospital` or `municipal`.
    pub part: String,
    /// Whether it set them itself (otherwise HNT's default applies).
    pub own: bool,
    /// The requirements.
    pub requirements: RequirementsDto,
}

/// The requirements of each employer the caller may configure.
#[utoipa::path(get, path = "/api/v1/onboarding/requirements", tag = "onboarding",
    responses((status = 200, body = Vec<EmployerRequirementsDto>), (status = 401, body = Problem)))]
async fn my_requirements(
    State(state): State<AppState>,
    v: Visitor,
) -> Result<Json<Vec<EmployerRequirementsDto>>, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let mine = uc::my_requirements(&state.app, &s.caller())
        .await
        .map_err(app_err(lang))?;
    Ok(Json(
        mine.into_iter()
            .map(|e| EmployerRequirementsDto {
                org_id: e.org_id,
                org_name: e.org_name,
                part: e.part.as_str().into(),
                own: e.own,
                requirements: e.requirements.into(),
            })
            .collect(),
    ))
}

/// Sets an employer's requirements for its part (the HF for the hospital part, a municipality for
/// the municipal part).
#[utoipa::path(put, path = "/api/v1/onboarding/requirements/{org}/{part}", tag = "onboarding",
    params(("org" = i64, Path, description = "The employer's organisation id"),
        ("part" = String, Path, description = "`hospital` or `municipal`")),
    request_body = RequirementsDto,
    responses((status = 204, description = "Saved"),
        (status = 400, body = Problem, description = "`invalid_json`: not valid JSON for the operation (an unknown field, a wrong type), the field named in `errors`"),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 422, body = Problem, description = "`police_max_age_out_of_range`")))]
async fn set_requirements(
    State(state): State<AppState>,
    v: Visitor,
    Path((org, p)): Path<(String, String)>,
    bytes: Bytes,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let dto: RequirementsDto = parse_json(&bytes, lang)?;
    let req = Requirements {
        authorisation: dto.authorisation,
        confidentiality: dto.confidentiality,
        data_user_contract: dto.data_user_contract,
        infection_control: dto.infection_control,
        police_certificate: dto.police_certificate,
        police_max_age_months: dto.police_max_age_months,
    };
    uc::set_requirements(
        &state.app,
        &s.caller(),
        id(&org, lang)?,
        part(&p, lang)?,
        &req,
    )
    .await
    .map_err(app_err(lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The routes, for `api::router`.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(checklist))
        .routes(routes!(cohort))
        .routes(routes!(authorisation))
        .routes(routes!(sign))
        .routes(routes!(police_check))
        .routes(routes!(my_requirements))
        .routes(routes!(set_requirements))
}
