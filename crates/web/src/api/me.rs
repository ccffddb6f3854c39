//! The applicant's own profile and documents (`lis1_app::profiles`), as on `/profil`, and the
//! directorate's hiding of a merking (`lis1_app::rounds::hide_mark`).
//!
//! Documents are uploaded as JSON with the content in base64 (`content_base64`), at most 10 MB
//! decoded (the body may be up to [`MAX_UPLOAD_BODY`]); the type is detected from the content
//! (PDF, JPEG or PNG), never from the name — the same rules as the page.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use lis1_app::profiles as uc;
use lis1_domain::profiles::Profile;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::middleware::NoReplayBody;
use super::{app_err, check_if_match, etag, id, parse_json};
use crate::auth::Visitor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

/// The path of the document list and upload.
pub const DOCUMENTS_PATH: &str = "/api/v1/me/documents";
/// The largest upload body: 10 MB in base64 and the JSON around it.
pub const MAX_UPLOAD_BODY: usize = lis1_app::profiles::MAX_DOCUMENT_BYTES / 3 * 4 + 64 * 1024;

/// The routes with the general body limit.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_profile, put_profile))
        .routes(routes!(list_documents))
        .routes(routes!(delete_document))
        .routes(routes!(hide_mark))
}

/// The upload, which takes a larger body than the rest (mounted apart, see `lis1_web::app`).
pub fn upload_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(upload_document))
}

/// The applicant's profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileDto {
    /// The profile (`lis1_domain::profiles::Profile` as JSON); `null` before the first save.
    #[schema(value_type = Option<Object>)]
    pub profile: Option<serde_json::Value>,
    /// When it was last saved; `null` before the first save.
    pub updated_at: Option<String>,
}

/// A profile to save.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    /// The whole profile, as `GET` returns it.
    #[schema(value_type = Object)]
    pub profile: Profile,
}

async fn current(
    state: &AppState,
    s: &crate::auth::SignedIn,
    lang: lis1_domain::Lang,
) -> Result<(ProfileDto, Option<jiff::Timestamp>), AppError> {
    let stored = uc::profile(&state.app, &s.caller())
        .await
        .map_err(app_err(lang))?;
    let at = stored.as_ref().map(|p| p.updated_at);
    let dto = ProfileDto {
        profile: stored.map(|p| p.data),
        updated_at: at.map(|t| t.to_string()),
    };
    Ok((dto, at))
}

fn with_etag(status: StatusCode, dto: &ProfileDto) -> Response {
    let tag = etag(dto);
    let mut resp = (status, Json(dto)).into_response();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

/// The caller's profile (applicants), with its `ETag` for `If-Match`.
#[utoipa::path(get, path = "/api/v1/me/profile", tag = "account",
    security(("session" = [])),
    responses((status = 200, body = ProfileDto, headers(("ETag" = String, description = "For `If-Match` on PUT"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an applicant")))]
async fn get_profile(State(state): State<AppState>, v: Visitor) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let (dto, _) = current(&state, s, v.lang).await?;
    Ok(with_etag(StatusCode::OK, &dto))
}

/// Saves the caller's profile (the whole of it), with the page's rules: each broken rule is in
/// `errors` at its field, and nothing is saved. `If-Match` with the `ETag` of `GET` refuses
/// the save (412) if the profile was saved meanwhile. The draft autosaved by the page is
/// dropped.
#[utoipa::path(put, path = "/api/v1/me/profile", tag = "account",
    params(("If-Match" = Option<String>, Header, description = "The ETag of GET: refused with 412 if the profile changed since"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the profile is saved once. The answer holds the identity number and is not kept: a retry gets 409 `idempotency_key_done`; read the profile")),
    request_body = ProfileInput,
    security(("session" = [])),
    responses((status = 200, body = ProfileDto),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`, `idempotency_key_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an applicant, or no valid `X-CSRF-Token`"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_done` (a retry: the profile was saved), `idempotency_key_in_use`, `idempotency_key_in_progress`"),
        (status = 412, body = Problem, content_type = "application/problem+json", description = "`precondition_failed`: `If-Match` names an older profile"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`profile_invalid` (each broken rule at its field in `errors`), `idempotency_key_reused`")))]
async fn put_profile(
    State(state): State<AppState>,
    v: Visitor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let input: ProfileInput = parse_json(&body, lang)?;
    let (dto, at) = current(&state, s, lang).await?;
    check_if_match(&headers, &etag(&dto), lang)?;
    // Checked again in the use case's transaction: a save in between is refused too.
    let if_at = headers.get(header::IF_MATCH).and(at);
    let saved = uc::save(&state.app, &s.caller(), &input.profile, if_at)
        .await
        .map_err(app_err(lang))?;
    let dto = ProfileDto {
        profile: Some(saved.data),
        updated_at: Some(saved.updated_at.to_string()),
    };
    // The profile holds the identity number, stored only encrypted: not kept for a retry.
    Ok(NoReplayBody::mark(with_etag(StatusCode::OK, &dto)))
}

/// A document of the applicant's.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentDto {
    /// Id.
    pub id: i64,
    /// `norwegian_test`, `diploma`, `authorisation`, `cv` or `other`.
    pub kind: String,
    /// The name as uploaded.
    pub filename: String,
    /// Detected from the content: `application/pdf`, `image/jpeg` or `image/png`.
    pub mime: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// When uploaded.
    pub created_at: String,
}

impl From<lis1_store::applications::DocumentMeta> for DocumentDto {
    fn from(d: lis1_store::applications::DocumentMeta) -> Self {
        DocumentDto {
            id: d.id,
            kind: d.kind,
            filename: d.filename,
            mime: d.mime,
            size: d.size,
            sha256: d.sha256,
            created_at: d.created_at.to_string(),
        }
    }
}

/// The caller's documents (applicants), oldest first.
#[utoipa::path(get, path = "/api/v1/me/documents", tag = "account",
    security(("session" = [])),
    responses((status = 200, body = Vec<DocumentDto>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an applicant")))]
async fn list_documents(
    State(state): State<AppState>,
    v: Visitor,
) -> Result<Json<Vec<DocumentDto>>, AppError> {
    let s = v.require_api()?;
    let docs = uc::documents(&state.app, &s.caller())
        .await
        .map_err(app_err(v.lang))?;
    Ok(Json(docs.into_iter().map(DocumentDto::from).collect()))
}

/// A document to upload.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadInput {
    /// `norwegian_test`, `diploma`, `authorisation`, `cv` or `other`.
    pub kind: String,
    /// The file's name (shown to the applicant and the employers).
    pub filename: String,
    /// The content, base64 (standard alphabet, with padding); at most 10 MB decoded.
    pub content_base64: String,
}

/// Uploads a document (applicants): JSON with the content in base64, at most 10 MB decoded,
/// a PDF, JPEG or PNG by its content.
#[utoipa::path(post, path = "/api/v1/me/documents", tag = "account",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the document is stored once. The answer is personal data and is not kept: a retry gets 409 `idempotency_key_done`; read the list of documents")),
    request_body = UploadInput,
    security(("session" = [])),
    responses((status = 201, body = DocumentDto),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`invalid_json`, `invalid_base64`, `idempotency_key_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an applicant, or no valid `X-CSRF-Token`"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_done` (a retry: the document was stored), `idempotency_key_in_use`, `idempotency_key_in_progress`"),
        (status = 413, body = Problem, content_type = "application/problem+json", description = "The body is larger than 10 MB in base64"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`document_kind_missing`, `document_missing`, `document_too_large`, `document_type_refused` (at `kind` or `file` in `errors`), `idempotency_key_reused`")))]
async fn upload_document(
    State(state): State<AppState>,
    v: Visitor,
    body: Bytes,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require_api()?;
    let input: UploadInput = parse_json(&body, lang)?;
    let content = base64::engine::general_purpose::STANDARD
        .decode(input.content_base64.trim())
        .map_err(|_| {
            let mut e = AppError::new(
                StatusCode::BAD_REQUEST,
                "invalid_base64",
                lang.pick3(
                    "content_base64 er ikke gyldig base64. Ingenting ble lagret.",
                    "content_base64 er ikkje gyldig base64. Ingenting vart lagra.",
                    "content_base64 is not valid base64. Nothing was saved.",
                ),
            )
            .in_lang(lang)
            .api();
            e.fields.push(("content_base64".into(), e.message.clone()));
            e
        })?;
    let made = uc::upload(
        &state.app,
        &s.caller(),
        uc::Upload {
            kind: &input.kind,
            filename: &input.filename,
            content: &content,
        },
    )
    .await
    .map_err(app_err(lang))?;
    // The document's name and hash are the applicant's: not kept for a retry.
    Ok(NoReplayBody::mark(
        (StatusCode::CREATED, Json(DocumentDto::from(made))).into_response(),
    ))
}

/// Deletes one of the caller's documents (applicants). Another's document, or one already
/// deleted, is 404.
#[utoipa::path(delete, path = "/api/v1/me/documents/{id}", tag = "account",
    params(("id" = i64, Path, description = "Document id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    security(("session" = [])),
    responses((status = 204, description = "Deleted"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not an applicant, or no valid `X-CSRF-Token`"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_in_use`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_reused`")))]
async fn delete_document(
    State(state): State<AppState>,
    v: Visitor,
    Path(doc): Path<String>,
) -> Result<StatusCode, AppError> {
    let s = v.require_api()?;
    let doc = id(&doc, &v)?;
    uc::delete_document(&state.app, &s.caller(), doc)
        .await
        .map_err(app_err(v.lang))?;
    Ok(StatusCode::NO_CONTENT)
}

/// Hides the merking of an offer in the round (the directorate), on application when the doctor
/// resigned because of reduced functional ability of the doctor or someone close (004 draft
/// §12). A merking not shown in the round is 404.
#[utoipa::path(post, path = "/api/v1/rounds/{id}/marks/{offer}/hidden", tag = "offers",
    params(("id" = i64, Path, description = "Round id"), ("offer" = i64, Path, description = "The offer the merking is of"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first answer is returned again")),
    security(("token" = []), ("session" = [])),
    responses((status = 204, description = "Hidden"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_invalid`"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json", description = "Not the directorate, or no valid `X-CSRF-Token`"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "No such merking shown in the round"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_in_use`"),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`idempotency_key_reused`")))]
async fn hide_mark(
    State(state): State<AppState>,
    v: Visitor,
    Path((round, offer)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let s = v.require_api()?;
    let (round, offer) = (id(&round, &v)?, id(&offer, &v)?);
    lis1_app::rounds::hide_mark(&state.app, &s.caller(), round, offer)
        .await
        .map_err(app_err(v.lang))?;
    Ok(StatusCode::NO_CONTENT)
}
