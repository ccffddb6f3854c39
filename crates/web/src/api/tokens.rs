//! `/api/v1` for an organisation's API tokens (its administrator, signed in): list, issue and
//! revoke. The same use cases as the page `/api-nokler` (`lis1_app::tokens`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use lis1_app::tokens::{self as uc, IssueToken};
use lis1_store::api_tokens::ApiToken;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use std::cmp::Reverse;

use super::middleware::NoReplayBody;
use super::{ApiQuery, Page, PageParams, app_err, parse_json};
use crate::auth::Visitor;
use crate::error::{AppError, Problem};
use crate::state::AppState;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, issue_token))
        .routes(routes!(revoke_token))
}

/// A token as listed (never the secret).
#[derive(Serialize, ToSchema)]
pub struct TokenDto {
    /// Id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The role it acts in.
    #[schema(example = "hf_recruiter")]
    pub role: String,
    /// Its scopes.
    #[schema(example = json!(["applications:read", "offers:write"]))]
    pub scopes: Vec<String>,
    /// Its first characters.
    pub prefix: String,
    /// When it was issued.
    #[schema(value_type = String)]
    pub created_at: Timestamp,
    /// When it expires.
    #[schema(value_type = String)]
    pub expires_at: Timestamp,
    /// When it was revoked.
    #[schema(value_type = Option<String>)]
    pub revoked_at: Option<Timestamp>,
    /// When it was last used.
    #[schema(value_type = Option<String>)]
    pub last_used_at: Option<Timestamp>,
}

impl From<&ApiToken> for TokenDto {
    fn from(t: &ApiToken) -> Self {
        TokenDto {
            id: t.id,
            name: t.name.clone(),
            role: t.role.as_str().into(),
            scopes: t.scopes.iter().map(|s| s.as_str().into()).collect(),
            prefix: t.prefix.clone(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
            last_used_at: t.last_used_at,
        }
    }
}

fn org_id(s: &str, v: &Visitor) -> Result<i64, AppError> {
    s.parse().map_err(|_| AppError::not_found(v.lang).api())
}

/// The organisation's tokens, newest first (by id), a page at a time.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/tokens", tag = "tokens",
    params(("id" = i64, Path, description = "Organisation id"), PageParams),
    security(("session" = [])),
    responses((status = 200, body = Page<TokenDto>), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_limit`, `invalid_cursor`")))]
async fn list_tokens(
    State(state): State<AppState>,
    v: Visitor,
    Path(org): Path<String>,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<Page<TokenDto>>, AppError> {
    let s = v.require_api()?;
    let org = org_id(&org, &v)?;
    params.check::<Reverse<i64>>(v.lang)?;
    let tokens = uc::list(&state.app, &s.caller(), org)
        .await
        .map_err(app_err(v.lang))?;
    let items: Vec<TokenDto> = tokens.iter().map(TokenDto::from).collect();
    Ok(Json(params.page(items, |t| Reverse(t.id), v.lang)?))
}

/// A token to issue.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    /// A name (1–100 characters), e.g. the system that will use it.
    pub name: String,
    /// Scopes, e.g. `["applications:read", "offers:write"]`.
    pub scopes: Vec<String>,
    /// Days until it expires (1–365).
    #[schema(minimum = 1, maximum = 365)]
    pub days: i64,
}

/// A token just issued: the only answer that holds the secret.
#[derive(Serialize, ToSchema)]
pub struct IssuedDto {
    /// The token.
    pub token: TokenDto,
    /// The secret, for `Authorization: Bearer …`. Shown this once.
    pub secret: String,
}

/// Issues a token for the organisation (its administrator).
#[utoipa::path(post, path = "/api/v1/organisations/{id}/tokens", tag = "tokens",
    params(("id" = i64, Path, description = "Organisation id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the token is issued once. Its secret is shown once and never kept: a retry gets 409 `idempotency_key_done`; list the tokens, and revoke one whose secret was lost")),
    request_body = IssueRequest,
    security(("session" = [])),
    responses((status = 201, body = IssuedDto), (status = 400, body = Problem, description = "`invalid_json` (an unknown field, a wrong type)"), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "`idempotency_key_done` (a retry: the token was issued; its secret is not shown again)"),
        (status = 422, body = Problem, description = "`token_name_invalid`, `token_scope_unknown`, `token_scopes_missing`, `token_days_invalid`")))]
async fn issue_token(
    State(state): State<AppState>,
    v: Visitor,
    Path(org): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let s = v.require_api()?;
    let org = org_id(&org, &v)?;
    let req: IssueRequest = parse_json(&body, v.lang)?;
    let issued = uc::issue(
        &state.app,
        &s.caller(),
        IssueToken {
            org_id: org,
            name: req.name,
            scopes: req.scopes,
            days: req.days,
        },
    )
    .await
    .map_err(app_err(v.lang))?;
    // The secret is shown once: a retry with the Idempotency-Key is not given it again.
    Ok(NoReplayBody::mark(
        (
            StatusCode::CREATED,
            Json(IssuedDto {
                token: TokenDto::from(&issued.token),
                secret: issued.secret,
            }),
        )
            .into_response(),
    ))
}

/// Revokes a token; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/organisations/{id}/tokens/{token}", tag = "tokens",
    params(("id" = i64, Path, description = "Organisation id"), ("token" = i64, Path, description = "Token id")),
    security(("session" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn revoke_token(
    State(state): State<AppState>,
    v: Visitor,
    Path((org, token)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let s = v.require_api()?;
    let org = org_id(&org, &v)?;
    let token = org_id(&token, &v)?;
    uc::revoke(&state.app, &s.caller(), org, token)
        .await
        .map_err(app_err(v.lang))?;
    Ok(StatusCode::NO_CONTENT)
}
