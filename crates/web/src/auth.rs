//! Sign-in, sessions and CSRF protection.
//!
//! - Local accounts with argon2id; the same work is done for unknown e-mails, so timing does not
//!   reveal who has an account.
//! - Server-side sessions: the cookie carries 32 random bytes; the store keeps only their SHA-256.
//!   A new session (new id) at every sign-in; idle and absolute timeouts; sign-out deletes the row.
//! - CSRF: every form carries the session's token (`csrf_token`), every unsafe API call the
//!   header `X-CSRF-Token`; the sign-in form uses a double-submit cookie. Cookies are
//!   `SameSite=Lax` and `HttpOnly`.
//! - Failed sign-ins are throttled per e-mail and per client address, and written to the audit
//!   log with the e-mail masked (see `log_failed_sign_in`).
//! - After sign-in or a language switch the browser is sent only to a path on this site
//!   ([`same_origin_path`]).
//!
//! Whether a signed-in user may do something is not decided here: see `lis1_domain::access`.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, extract::Query};
use jiff::{SignedDuration, Timestamp};
use lis1_domain::Lang;
use lis1_domain::access::Principal;
use lis1_store::Store;
use lis1_store::users::User;
use minijinja::context;
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::pages::page;
use crate::state::{AppState, PasswordLogin};

/// The session cookie.
pub const SESSION_COOKIE: &str = "lis1_session";
/// The language cookie.
pub const LANG_COOKIE: &str = "lis1_lang";
/// The sign-in form's double-submit cookie.
pub const LOGIN_CSRF_COOKIE: &str = "lis1_login_csrf";

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The account.
    pub user: User,
    /// The account as an access-control principal.
    pub principal: Principal,
    /// The session's CSRF token (empty for an API token, which needs none).
    pub csrf: String,
    token_hash: String,
    /// The API token the request came with (a machine client); `None` for a browser session.
    pub api_token: Option<lis1_store::api_tokens::ApiToken>,
    /// The unsafe API request's idempotency key (set by `api::idempotency`).
    pub idempotency: Option<lis1_app::IdempotencyKey>,
}

impl SignedIn {
    /// The caller of a use case.
    pub fn caller(&self) -> lis1_app::Caller {
        lis1_app::Caller {
            user_id: self.user.id,
            name: self.user.display_name.clone(),
            principal: self.principal.clone(),
            token_id: self.api_token.as_ref().map(|t| t.id),
            idempotency: self.idempotency.clone(),
        }
    }

    /// The SHA-256 of the session's token, as stored.
    pub fn token_hash(&self) -> &str {
        &self.token_hash
    }

    /// Checks a submitted CSRF token in constant time.
    pub fn check_csrf(&self, submitted: &str, lang: Lang) -> Result<(), AppError> {
        if constant_time_eq(self.csrf.as_bytes(), submitted.as_bytes()) {
            Ok(())
        } else {
            Err(AppError::csrf(lang))
        }
    }
}

/// Who is asking, in which language, for which page. Every handler takes one.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// The interface language.
    pub lang: Lang,
    /// The signed-in user, if any.
    pub session: Option<SignedIn>,
    /// The path asked for (for "sign in and come back", and the language switch).
    pub path: String,
    /// The session cookie pointed at a session that had timed out.
    pub expired: bool,
}

impl Visitor {
    /// The signed-in user, or an error that sends a person to the sign-in page.
    pub fn require(&self) -> Result<&SignedIn, AppError> {
        self.session.as_ref().ok_or_else(|| {
            let mut e = AppError::unauthenticated(self.lang);
            e.redirect = Some(format!("/logg-inn?neste={}", urlencode(&self.path)));
            e
        })
    }

    /// The signed-in user for an API call, or 401 problem+json.
    pub fn require_api(&self) -> Result<&SignedIn, AppError> {
        self.session
            .as_ref()
            .ok_or_else(|| AppError::unauthenticated(self.lang).api())
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        // The `resolve_visitor` middleware has usually done the work already.
        if let Some(v) = parts.extensions.get::<Visitor>() {
            return Ok(v.clone());
        }
        Visitor::resolve(parts, state).await
    }
}

/// Middleware: works out who is asking once per request (one session lookup), for the handler
/// and for error pages, which then show the same header and menu as every other page.
pub async fn resolve_visitor(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (mut parts, body) = req.into_parts();
    let visitor = match Visitor::resolve(&mut parts, &state).await {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    parts.extensions.insert(visitor.clone());
    let resp = next
        .run(axum::extract::Request::from_parts(parts, body))
        .await;
    match resp.extensions().get::<crate::error::ErrorPage>() {
        Some(err) if !visitor.path.starts_with("/api/") => {
            crate::templates::full_error_page(&state, &visitor, err)
        }
        _ => resp,
    }
}

impl Visitor {
    async fn resolve(parts: &mut Parts, state: &AppState) -> Result<Visitor, AppError> {
        let cookies = cookies(&parts.headers);
        // The switch's cookie first; else, for a signed-in user, the language they chose
        // (stored with the account, below); else the browser's `Accept-Language`.
        let switched = cookies.get(LANG_COOKIE).and_then(|v| Lang::from_tag(v));
        let lang = switched
            .or_else(|| accept_language(&parts.headers))
            .unwrap_or_default();
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let api = parts.uri.path().starts_with("/api/");
        let mut visitor = Visitor {
            lang,
            session: None,
            path,
            expired: false,
        };
        // A machine client: `Authorization: Bearer lis1_…` on the API. No cookie, no CSRF.
        if api && let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            let secret = auth
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .unwrap_or("");
            let refused = |e: lis1_app::Error| {
                let mut err = AppError::app(e, lang).api();
                err.status = StatusCode::UNAUTHORIZED;
                err
            };
            let (caller, token) = match lis1_app::tokens::authenticate(&state.app, secret).await {
                Ok(Ok(found)) => found,
                Ok(Err(why)) => return Err(refused(why.error())),
                Err(e) => return Err(AppError::app(e, lang).api()),
            };
            let user = state
                .store
                .user(caller.user_id)
                .await
                .map_err(|e| AppError::internal(lang, &e).api())?;
            visitor.session = Some(SignedIn {
                user,
                principal: caller.principal,
                csrf: String::new(),
                token_hash: String::new(),
                api_token: Some(token),
                idempotency: None,
            });
            return Ok(visitor);
        }
        let Some(token) = cookies.get(SESSION_COOKIE) else {
            return Ok(visitor);
        };
        let token_hash = sha256_hex(token);
        let internal = |e: lis1_store::StoreError| {
            let err = AppError::internal(lang, &e);
            if api { err.api() } else { err }
        };
        let Some(session) = state.store.session(&token_hash).await.map_err(internal)? else {
            visitor.expired = true;
            return Ok(visitor);
        };
        let now = state.now();
        let idle =
            SignedDuration::try_from(state.config.session_idle).unwrap_or(SignedDuration::ZERO);
        let absolute =
            SignedDuration::try_from(state.config.session_absolute).unwrap_or(SignedDuration::ZERO);
        let user = state.store.user(session.user_id).await.map_err(internal)?;
        let timed_out = now.duration_since(session.last_seen_at) > idle
            || now.duration_since(session.created_at) > absolute;
        // A demo account is only good in demo mode, even with a session made earlier.
        if timed_out || user.disabled || (user.is_demo && !state.config.demo) {
            state
                .store
                .delete_session(&token_hash, None)
                .await
                .map_err(internal)?;
            visitor.expired = true;
            return Ok(visitor);
        }
        // Write last-seen at most once a minute: it is the only write a page view causes.
        if now.duration_since(session.last_seen_at) > SignedDuration::from_secs(60) {
            state
                .store
                .touch_session(&token_hash, now)
                .await
                .map_err(internal)?;
        }
        let principal = state.store.principal(&user).await.map_err(internal)?;
        if let (None, Some(stored)) = (switched, user.lang) {
            visitor.lang = stored;
        }
        // Unsafe API calls must echo the CSRF token in a header.
        if api && !is_safe(&parts.method) {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !constant_time_eq(sent.as_bytes(), session.csrf_token.as_bytes()) {
                return Err(AppError::csrf(lang).api());
            }
        }
        visitor.session = Some(SignedIn {
            user,
            principal,
            csrf: session.csrf_token,
            token_hash,
            api_token: None,
            idempotency: None,
        });
        Ok(visitor)
    }
}

/// The client's address, when the server knows it (not in in-process tests).
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Throttles failed sign-ins: at most [`LoginLimiter::MAX_PER_EMAIL`] failures per e-mail and
/// [`LoginLimiter::MAX_PER_ADDRESS`] per client address in [`LoginLimiter::WINDOW`]. The counts
/// are in the database (`lis1_store::leases`), so every instance of the portal sees the failures
/// on the others. Keys are SHA-256 hashes of the e-mail and of the client address; a count is
/// deleted once its window has passed (`spawn_housekeeping`).
#[derive(Debug, Default, Clone, Copy)]
pub struct LoginLimiter;

impl LoginLimiter {
    /// Failures allowed per e-mail in a window.
    pub const MAX_PER_EMAIL: u32 = 5;
    /// Failures allowed per client address in a window.
    pub const MAX_PER_ADDRESS: u32 = 30;
    /// The window.
    pub const WINDOW: SignedDuration = SignedDuration::from_mins(15);

    /// The throttle's key of an e-mail address (as typed, trimmed and lower-cased).
    pub fn email_key(email: &str) -> String {
        format!("email:{}", sha256_hex(email))
    }

    /// The throttle's key of a client address.
    pub fn addr_key(addr: Option<std::net::IpAddr>) -> String {
        let addr = addr
            .map(|a| a.to_string())
            .unwrap_or_else(|| "unknown".into());
        format!("addr:{}", sha256_hex(&addr))
    }

    async fn blocked(
        self,
        store: &Store,
        key: &str,
        max: u32,
        now: Timestamp,
    ) -> Result<bool, lis1_store::StoreError> {
        Ok(store.login_failures(key, Self::WINDOW, now).await? >= max)
    }

    async fn fail(
        self,
        store: &Store,
        key: &str,
        now: Timestamp,
    ) -> Result<(), lis1_store::StoreError> {
        store
            .record_login_failure(key, Self::WINDOW, now)
            .await
            .map(drop)
    }

    async fn clear(self, store: &Store, key: &str) -> Result<(), lis1_store::StoreError> {
        store.clear_login_failures(key).await
    }
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    neste: String,
}

/// Query of the sign-in page.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    neste: Option<String>,
    #[serde(default)]
    utlogget: Option<String>,
}

struct LoginView<'a> {
    status: StatusCode,
    email: &'a str,
    next: &'a str,
    error: Option<String>,
    message: Option<(String, &'static str)>,
}

fn login_page(state: &AppState, v: &Visitor, view: LoginView<'_>) -> Result<Response, AppError> {
    let token = random_token();
    let html = crate::templates::render(
        "login.html",
        page(
            state,
            v,
            context! {
                login_csrf => token,
                providers => crate::oidc::buttons(state, view.next),
                passwords => state.config.password_login != PasswordLogin::Off,
                break_glass => state.config.password_login == PasswordLogin::BreakGlass,
                email => view.email,
                next => view.next,
                error => view.error,
                message => view.message.as_ref().map(|m| m.0.clone()),
                message_color => view.message.as_ref().map(|m| m.1),
            },
        ),
    )?;
    let mut resp = (view.status, html).into_response();
    set_cookie(&mut resp, state, LOGIN_CSRF_COOKIE, &token, Some(3600));
    Ok(resp)
}

/// `GET /logg-inn`.
pub async fn login_form(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<LoginQuery>,
) -> Result<Response, AppError> {
    if v.session.is_some() {
        return Ok(Redirect::to("/oversikt").into_response());
    }
    let message = if q.utlogget.is_some() {
        Some((crate::i18n::t(v.lang, "login.logged_out"), "success"))
    } else if v.expired {
        Some((crate::i18n::t(v.lang, "login.expired"), "warning"))
    } else {
        None
    };
    let next = q
        .neste
        .as_deref()
        .and_then(same_origin_path)
        .unwrap_or("/oversikt");
    let mut resp = login_page(
        &state,
        &v,
        LoginView {
            status: StatusCode::OK,
            email: "",
            next,
            error: None,
            message,
        },
    )?;
    if v.expired {
        clear_cookie(&mut resp, &state, SESSION_COOKIE);
    }
    Ok(resp)
}

/// `POST /logg-inn`.
pub async fn login(
    State(state): State<AppState>,
    v: Visitor,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let cookie = cookies(&headers)
        .get(LOGIN_CSRF_COOKIE)
        .cloned()
        .unwrap_or_default();
    if cookie.is_empty() || !constant_time_eq(cookie.as_bytes(), form.csrf_token.as_bytes()) {
        return Err(AppError::csrf(lang));
    }
    let email = form.email.trim().to_lowercase();
    let next = same_origin_path(&form.neste)
        .unwrap_or("/oversikt")
        .to_string();
    let again = |status, error: String| {
        login_page(
            &state,
            &v,
            LoginView {
                status,
                email: &email,
                next: &next,
                error: Some(error),
                message: None,
            },
        )
    };
    if email.is_empty() || form.password.is_empty() {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            crate::i18n::t(lang, "login.required"),
        );
    }
    let now = state.now();
    let email_key = LoginLimiter::email_key(&email);
    let addr_key = LoginLimiter::addr_key(addr);
    let limiter = *state.limiter;
    let store_err = |e| AppError::store(e, lang);
    if limiter
        .blocked(&state.store, &email_key, LoginLimiter::MAX_PER_EMAIL, now)
        .await
        .map_err(store_err)?
        || limiter
            .blocked(&state.store, &addr_key, LoginLimiter::MAX_PER_ADDRESS, now)
            .await
            .map_err(store_err)?
    {
        tracing::warn!("sign-in throttled");
        return again(
            StatusCode::TOO_MANY_REQUESTS,
            crate::i18n::t(lang, "login.throttled"),
        );
    }
    let creds = state
        .store
        .credentials(&email)
        .await
        .map_err(|e| AppError::store(e, lang))?;
    let hash = creds
        .as_ref()
        .and_then(|c| c.password_hash.clone())
        .unwrap_or_else(|| lis1_store::password::DUMMY_HASH.to_string());
    let password = form.password.clone();
    let ok = tokio::task::spawn_blocking(move || lis1_store::password::verify(&password, &hash))
        .await
        .map_err(|e| AppError::internal(lang, &e))?;
    let user = match creds {
        Some(c) if ok => c.user,
        other => {
            limiter
                .fail(&state.store, &email_key, now)
                .await
                .map_err(store_err)?;
            limiter
                .fail(&state.store, &addr_key, now)
                .await
                .map_err(store_err)?;
            tracing::info!("sign-in failed");
            let reason = if other.is_some() {
                "wrong_password"
            } else {
                "unknown_account"
            };
            log_failed_sign_in(&state, other.map(|c| c.user.id), &email, reason, lang).await?;
            return again(
                StatusCode::UNAUTHORIZED,
                crate::i18n::t(lang, "login.failed"),
            );
        }
    };
    if user.disabled {
        log_failed_sign_in(&state, Some(user.id), &email, "disabled", lang).await?;
        return again(
            StatusCode::FORBIDDEN,
            crate::i18n::t(lang, "login.disabled"),
        );
    }
    // LIS1_PASSWORD_LOGIN: off, or only the break-glass accounts (and demo accounts in demo
    // mode) — everyone else signs in through a provider.
    let allowed = match state.config.password_login {
        PasswordLogin::On => true,
        PasswordLogin::Off => false,
        PasswordLogin::BreakGlass => {
            (user.is_demo && state.config.demo)
                || state
                    .store
                    .is_break_glass(user.id)
                    .await
                    .map_err(|e| AppError::store(e, lang))?
        }
    };
    if !allowed {
        log_failed_sign_in(&state, Some(user.id), &email, "password_login_off", lang).await?;
        return again(
            StatusCode::FORBIDDEN,
            crate::i18n::t(lang, "login.password_off"),
        );
    }
    if user.is_demo && !state.config.demo {
        log_failed_sign_in(&state, Some(user.id), &email, "demo_only", lang).await?;
        return again(
            StatusCode::FORBIDDEN,
            crate::i18n::t(lang, "login.demo_only"),
        );
    }
    limiter
        .clear(&state.store, &email_key)
        .await
        .map_err(store_err)?;
    // A fresh session id at every sign-in (no fixation); the old one, if any, ends.
    if let Some(old) = &v.session {
        state
            .store
            .delete_session(&old.token_hash, None)
            .await
            .map_err(|e| AppError::store(e, lang))?;
    }
    let token = random_token();
    state
        .store
        .create_session(now, &sha256_hex(&token), user.id, &random_token())
        .await
        .map_err(|e| AppError::store(e, lang))?;
    let mut resp = Redirect::to(&next).into_response();
    let max_age = i64::try_from(state.config.session_absolute.as_secs()).unwrap_or(i64::MAX);
    set_cookie(&mut resp, &state, SESSION_COOKIE, &token, Some(max_age));
    clear_cookie(&mut resp, &state, LOGIN_CSRF_COOKIE);
    Ok(resp)
}

/// Appends a failed sign-in to the audit log (issue 9). Never the password. The e-mail as typed
/// is recorded only masked ([`mask_email`]): the audit log cannot be edited or pruned, and a full
/// address someone mistyped, or someone else's, has no business there for good. When the account
/// exists its id is the object, so the directorate can see attempts against an account; client
/// addresses are not recorded (the throttle keeps only a hash of them, for its window). Throttled
/// attempts are not written, so one client cannot fill the log faster than the throttle allows.
async fn log_failed_sign_in(
    state: &AppState,
    user: Option<i64>,
    email: &str,
    reason: &str,
    lang: Lang,
) -> Result<(), AppError> {
    let ctx = lis1_store::Ctx::new(lis1_store::Actor::system(), state.now());
    state
        .store
        .log(
            &ctx,
            lis1_store::audit::Event {
                action: "session.login_failed",
                object_type: "user",
                object_id: user.map(|u| u.to_string()).unwrap_or_default(),
                summary: serde_json::json!({"email": mask_email(email), "reason": reason}),
            },
        )
        .await
        .map(|_| ())
        .map_err(|e| AppError::store(e, lang))
}

/// An e-mail address with the local part hidden but its first character: `h***@demo.lis1.no`.
/// The domain stays (it tells which organisation an attempt was aimed at).
pub fn mask_email(email: &str) -> String {
    let (local, domain) = match email.rsplit_once('@') {
        Some((l, d)) => (l, Some(d)),
        None => (email, None),
    };
    let first: String = local.chars().take(1).collect();
    // Cut a long domain: the input is whatever was typed.
    let domain: Option<String> = domain.map(|d| d.chars().take(100).collect());
    match domain {
        Some(d) => format!("{first}***@{d}"),
        None => format!("{first}***"),
    }
}

/// The sign-out form.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    /// The session's CSRF token.
    #[serde(default)]
    pub csrf_token: String,
}

/// `POST /logg-ut`: ends the session on the server, not just the cookie.
pub async fn logout(
    State(state): State<AppState>,
    v: Visitor,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    let Some(s) = &v.session else {
        return Ok(Redirect::to("/logg-inn").into_response());
    };
    s.check_csrf(&form.csrf_token, v.lang)?;
    let provider = state
        .store
        .session_provider(&s.token_hash)
        .await
        .map_err(|e| AppError::store(e, v.lang))?;
    state
        .store
        .delete_session(&s.token_hash, Some((s.user.id, state.now())))
        .await
        .map_err(|e| AppError::store(e, v.lang))?;
    // Signed in through a provider: end its session too, where it offers RP-initiated logout.
    let to = match provider {
        Some(p) => state.oidc.logout_url(&p).await,
        None => None,
    };
    let mut resp = Redirect::to(to.as_deref().unwrap_or("/logg-inn?utlogget=1")).into_response();
    clear_cookie(&mut resp, &state, SESSION_COOKIE);
    Ok(resp)
}

/// Query of the language switch.
#[derive(Debug, Deserialize)]
pub struct LangQuery {
    til: String,
    #[serde(default)]
    neste: Option<String>,
}

/// `GET /sprak?til=en&neste=/path`: remembers the language in a cookie and goes back; for a
/// signed-in user it is also stored with the account, so that it follows them to another
/// browser and their mails are written in it.
pub async fn switch_language(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = Lang::from_tag(&q.til).unwrap_or_default();
    if let Some(s) = v.session.as_ref().filter(|s| s.api_token.is_none())
        && s.user.lang != Some(lang)
        && let Err(e) = state.store.set_user_lang(s.user.id, lang).await
    {
        // The cookie still switches this browser; the stored choice waits for the next switch.
        tracing::error!(error = %e, "could not store the user's language");
    }
    let next = q.neste.as_deref().and_then(same_origin_path).unwrap_or("/");
    let mut resp = Redirect::to(next).into_response();
    set_cookie(
        &mut resp,
        &state,
        LANG_COOKIE,
        lang.tag(),
        Some(365 * 24 * 3600),
    );
    resp
}

/// A redirect target taken from input (`neste` after sign-in or a language switch): `Some` only
/// for a path on this site, `None` for anything a browser could take elsewhere.
///
/// Accepted: a single `/` followed by a character that is neither `/` nor `\`, and nowhere a
/// backslash or a control character (C0, DEL or C1). Browsers drop tabs and newlines from URLs
/// and read `\` as `/`, so `/\t/evil.example` or `/\\evil.example` would become the
/// protocol-relative `//evil.example` (issue 9). The sign-in and sign-out pages are refused too,
/// so that signing in never lands on them.
pub fn same_origin_path(next: &str) -> Option<&str> {
    let mut chars = next.chars();
    let ok = chars.next() == Some('/')
        && chars.next().is_some_and(|c| c != '/' && c != '\\')
        && !next.chars().any(|c| c == '\\' || c.is_control())
        && !next.starts_with("/logg-");
    ok.then_some(next)
}

/// A random token (hex, 32 bytes), for cookies and secrets.
pub fn random_token_pub() -> String {
    random_token()
}

/// Sets a cookie the way every cookie of the portal is set.
pub fn set_cookie_pub(
    resp: &mut Response,
    state: &AppState,
    name: &str,
    value: &str,
    max_age: Option<i64>,
) {
    set_cookie(resp, state, name, value, max_age)
}

/// Clears a cookie.
pub fn clear_cookie_pub(resp: &mut Response, state: &AppState, name: &str) {
    clear_cookie(resp, state, name)
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// SHA-256 of a token, hex.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The request's cookies by name.
pub fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            Some((k.to_string(), v.to_string()))
        })
        .collect()
}

/// The language a request asks for: the `lis1_lang` cookie (set by the switch), else the
/// browser's `Accept-Language`, else bokmål.
pub fn request_lang(headers: &HeaderMap) -> Lang {
    cookies(headers)
        .get(LANG_COOKIE)
        .and_then(|v| Lang::from_tag(v))
        .or_else(|| accept_language(headers))
        .unwrap_or_default()
}

/// The most preferred language of `Accept-Language` that the portal has: `nn`, `nn-NO` give
/// nynorsk; `nb`, `no`, `nb-NO` give bokmål; `en-*` English. Quality values (`;q=0.5`) are
/// respected (a stable sort, so equal weights keep the browser's order), `q=0` means "not this",
/// and a malformed weight counts as 1 as RFC 9110 readers commonly do.
pub fn accept_language(headers: &HeaderMap) -> Option<Lang> {
    let v = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let mut wanted: Vec<(f32, Lang)> = v
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let lang = Lang::from_tag(pieces.next()?.trim())?;
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q="))
                .map(|q| q.trim().parse::<f32>().unwrap_or(1.0))
                .next()
                .unwrap_or(1.0);
            (q > 0.0).then_some((q, lang))
        })
        .collect();
    wanted.sort_by(|a, b| b.0.total_cmp(&a.0));
    wanted.first().map(|&(_, lang)| lang)
}

fn set_cookie(
    resp: &mut Response,
    state: &AppState,
    name: &str,
    value: &str,
    max_age: Option<i64>,
) {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if state.config.secure_cookies {
        c.push_str("; Secure");
    }
    if let Ok(v) = HeaderValue::from_str(&c) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn clear_cookie(resp: &mut Response, state: &AppState, name: &str) {
    set_cookie(resp, state, name, "", Some(0));
}

/// Percent-encodes a path for a query parameter.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_are_followed() {
        for good in [
            "/runder/3",
            "/oversikt",
            "/utlysninger/4/sokere?region=nord&fra=1#topp",
            "/%2F%2Fevil.example",
            "/kalender/2027",
            "/a//b",
        ] {
            assert_eq!(same_origin_path(good), Some(good), "{good:?}");
        }
        for bad in [
            "//evil.example",
            "///evil.example",
            "https://evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "\t//evil.example",
            "/x\\y",
            "/x\u{7f}",
            "/x\u{85}",
            "/x\u{9b}",
            "/\u{0}",
            "",
            "/",
            "/logg-ut",
            "/logg-inn?neste=/x",
            "x",
            "evil.example",
            "javascript:alert(1)",
        ] {
            assert_eq!(same_origin_path(bad), None, "{bad:?}");
        }
    }

    proptest::proptest! {
        /// Whatever is accepted, a browser reads as a path on this site: after removing what
        /// browsers remove (tabs and newlines) and reading `\` as `/`, it still starts with one
        /// `/` and then something else.
        #[test]
        fn nothing_accepted_leaves_the_site(s in "[/\\\\\t\n\r a-z.:%\u{7f}\u{85}]{0,12}") {
            if let Some(p) = same_origin_path(&s) {
                let seen: String = p
                    .chars()
                    .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                    .map(|c| if c == '\\' { '/' } else { c })
                    .collect();
                proptest::prop_assert!(seen.starts_with('/') && !seen.starts_with("//"), "{:?}", p);
                proptest::prop_assert!(!p.chars().any(char::is_control));
            }
        }
    }

    #[test]
    fn e_mails_are_masked_for_the_audit_log() {
        assert_eq!(mask_email("hanne@demo.lis1.no"), "h***@demo.lis1.no");
        assert_eq!(mask_email("x@y"), "x***@y");
        assert_eq!(mask_email("noat"), "n***");
        assert_eq!(mask_email(""), "***");
        assert_eq!(mask_email("ø@a@b.no"), "ø***@b.no");
    }

    #[test]
    fn cookies_and_languages_are_parsed() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; lis1_lang=en"),
        );
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("de-DE, en;q=0.8"),
        );
        let c = cookies(&h);
        assert_eq!(c.get("lis1_lang").map(String::as_str), Some("en"));
        assert_eq!(accept_language(&h), Some(Lang::En));
    }
}
