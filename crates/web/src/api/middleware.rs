//! What every API request goes through, once, after the caller is known:
//! - `Idempotency-Key` on unsafe requests: a retried request gets the first answer instead of
//!   acting twice. The key is claimed in the use case's own transaction (`lis1_app::App::commit`),
//!   and the response is stored after; a key reused with another request is refused. An answer
//!   that holds a secret or personal data (a handler marks it with [`NoReplayBody`]) is not kept:
//!   only its status and SHA-256, and a retry is told `409 idempotency_key_done` (carried out;
//!   read the resource). So is a retry whose first request committed but whose answer was never
//!   stored (the process stopped in between): once the request's time limit has passed, it
//!   cannot still be running. Keys are deleted after a day by the `sessions` job.
//! - Every call made with an API token is audit-logged with the token's id (method, route
//!   template, status), reads included.

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use lis1_app::IdempotencyKey;
use lis1_domain::access::Grant;
use lis1_store::api_tokens::StoredResponse;
use lis1_store::audit::Event;
use sha2::{Digest, Sha256};

use crate::auth::Visitor;
use crate::error::AppError;
use crate::state::AppState;

/// The header.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The longest key.
pub const MAX_KEY_LEN: usize = 255;
/// The largest response kept for a replay.
const MAX_STORED_RESPONSE: usize = 1024 * 1024;

/// A response extension a handler sets on an answer that holds a secret (an API token issued)
/// or personal data (a saved profile, an uploaded document's metadata): with an
/// `Idempotency-Key`, only its status and SHA-256 are kept, never the body, and a retry gets
/// `409 idempotency_key_done` instead of the answer again.
#[derive(Debug, Clone, Copy)]
pub struct NoReplayBody;

impl NoReplayBody {
    /// Marks `resp`.
    pub fn mark(mut resp: Response) -> Response {
        resp.extensions_mut().insert(NoReplayBody);
        resp
    }
}

/// What identifies a request for its `Idempotency-Key`: SHA-256 (hex) of the method, the path
/// with its query, and the body.
pub fn request_hash(method: &Method, path_and_query: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_str().as_bytes());
    h.update(b" ");
    h.update(path_and_query.as_bytes());
    h.update(b"\n");
    h.update(body);
    hex::encode(h.finalize())
}

fn key_done(v: &Visitor) -> Response {
    problem(
        StatusCode::CONFLICT,
        "idempotency_key_done",
        "Forespørselen med denne Idempotency-Key er utført, men svaret er ikke tatt vare på. Les ressursen for å se resultatet. Ingenting mer ble endret.",
        "Førespurnaden med denne Idempotency-Key er utført, men svaret er ikkje teke vare på. Les ressursen for å sjå resultatet. Ingenting meir vart endra.",
        "The request with this Idempotency-Key was carried out, but its answer is not kept. Read the resource to see the result. Nothing more was changed.",
        v,
    )
}

fn problem(
    status: StatusCode,
    code: &'static str,
    nb: &str,
    nn: &str,
    en: &str,
    v: &Visitor,
) -> Response {
    AppError::new(status, code, v.lang.pick3(nb, nn, en))
        .in_lang(v.lang)
        .api()
        .into_response()
}

/// Middleware on `/api/`: idempotency keys and the audit of token calls.
pub async fn api_requests(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let Some(visitor) = req.extensions().get::<Visitor>().cloned() else {
        return next.run(req).await;
    };
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let token = visitor.session.as_ref().and_then(|s| {
        s.api_token
            .as_ref()
            .map(|t| (t.clone(), s.principal.clone()))
    });
    let resp = idempotent(&state, visitor, req, next).await;
    if let Some((token, principal)) = token {
        let grant = principal.grants.first().copied().unwrap_or(Grant {
            role: token.role,
            org: token.org_id,
        });
        let mut actor = lis1_store::Actor::user(token.created_by, grant);
        actor.token_id = Some(token.id);
        let ctx = lis1_store::Ctx::new(actor, state.now());
        let logged = state
            .store
            .log(
                &ctx,
                Event {
                    action: "api.call",
                    object_type: "api_token",
                    object_id: token.id.to_string(),
                    summary: serde_json::json!({
                        "method": method.as_str(), "route": route, "status": resp.status().as_u16(),
                    }),
                },
            )
            .await;
        if let Err(e) = logged {
            tracing::error!(error = %e, "could not log an API call");
        }
    }
    resp
}

async fn idempotent(state: &AppState, mut visitor: Visitor, req: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let key = req
        .headers()
        .get(IDEMPOTENCY_KEY)
        .map(|v| v.to_str().map(str::to_string));
    let (Some(key), true) = (key, unsafe_method) else {
        return next.run(req).await;
    };
    let key = match key {
        Ok(k)
            if !k.is_empty()
                && k.len() <= MAX_KEY_LEN
                && k.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            k
        }
        _ => {
            return problem(
                StatusCode::BAD_REQUEST,
                "idempotency_key_invalid",
                "Idempotency-Key må være 1–255 synlige ASCII-tegn.",
                "Idempotency-Key må vere 1–255 synlege ASCII-teikn.",
                "Idempotency-Key must be 1–255 visible ASCII characters.",
                &visitor,
            );
        }
    };
    let Some(session) = visitor.session.as_mut() else {
        // Not signed in: the handler answers 401 itself.
        return next.run(req).await;
    };
    let owner = match &session.api_token {
        Some(t) => format!("token:{}", t.id),
        None => format!("user:{}", session.user.id),
    };
    let (mut parts, body) = req.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, state.config.max_body_bytes).await {
        Ok(b) => b,
        Err(_) => {
            return problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request_too_large",
                "Forespørselen er for stor. Ingenting ble lagret.",
                "Førespurnaden er for stor. Ingenting vart lagra.",
                "The request is too large. Nothing was saved.",
                &visitor,
            );
        }
    };
    let request_hash = request_hash(
        &parts.method,
        parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or(""),
        &bytes,
    );
    match state.store.idempotency_key(&owner, &key).await {
        Ok(None) => {}
        Ok(Some(rec)) if rec.request_hash != request_hash => {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "Denne Idempotency-Key ble brukt til en annen forespørsel. Bruk en ny nøkkel for en ny forespørsel. Ingenting ble endret.",
                "Denne Idempotency-Key vart brukt til ein annan førespurnad. Bruk ein ny nøkkel for ein ny førespurnad. Ingenting vart endra.",
                "This Idempotency-Key was used for another request. Use a new key for a new request. Nothing was changed.",
                &visitor,
            );
        }
        Ok(Some(rec)) => {
            return match rec.response {
                Some(StoredResponse::Body {
                    status,
                    content_type,
                    body,
                }) => {
                    let mut resp = (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body)
                        .into_response();
                    if let Ok(ct) = HeaderValue::from_str(&content_type) {
                        resp.headers_mut().insert(header::CONTENT_TYPE, ct);
                    }
                    resp.headers_mut()
                        .insert("idempotent-replayed", HeaderValue::from_static("true"));
                    resp
                }
                Some(StoredResponse::Digest { .. }) => key_done(&visitor),
                // Committed, and no answer kept within the request's time limit: the request
                // stopped after its commit (the process died, or the time limit struck), so it
                // is not running any more.
                None if rec.created_at + running_at_most(state, parts.uri.path()) < state.now() => {
                    key_done(&visitor)
                }
                None => problem(
                    StatusCode::CONFLICT,
                    "idempotency_key_in_progress",
                    "En forespørsel med denne Idempotency-Key er under behandling. Prøv igjen om litt.",
                    "Ein førespurnad med denne Idempotency-Key er under behandling. Prøv igjen om litt.",
                    "A request with this Idempotency-Key is being processed. Try again shortly.",
                    &visitor,
                ),
            };
        }
        Err(e) => return AppError::internal(visitor.lang, &e).api().into_response(),
    }
    session.idempotency = Some(IdempotencyKey {
        owner: owner.clone(),
        key: key.clone(),
        request_hash,
    });
    parts.extensions.insert(visitor);
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if !resp.status().is_success() {
        return resp;
    }
    // Keep the answer for a retry. The key row exists only if the use case committed.
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_STORED_RESPONSE).await else {
        return AppError::internal(lis1_domain::Lang::Nb, &"response too large to keep")
            .api()
            .into_response();
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_string();
    let kept = if parts.extensions.get::<NoReplayBody>().is_some() {
        state
            .store
            .store_idempotent_digest(
                &owner,
                &key,
                parts.status.as_u16(),
                &hex::encode(Sha256::digest(&bytes)),
            )
            .await
    } else {
        state
            .store
            .store_idempotent_response(
                &owner,
                &key,
                parts.status.as_u16(),
                &content_type,
                &String::from_utf8_lossy(&bytes),
            )
            .await
    };
    if let Err(e) = kept {
        tracing::error!(error = %e, "could not keep an idempotent response");
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The longest a request to `path` can still be running after its commit: its time limit
/// (`LIS1_REQUEST_TIMEOUT_SECONDS`, or the upload's), counted from the commit, which came after
/// the request began.
fn running_at_most(state: &AppState, path: &str) -> jiff::SignedDuration {
    let limit = crate::limits::limit_for(path, state.config.request_timeout);
    jiff::SignedDuration::try_from(limit).unwrap_or(jiff::SignedDuration::from_mins(5))
}
