//! Sign-in through OpenID Connect (issue 15): ID-porten for applicants, HelseID or an
//! organisation's own provider for staff.
//!
//! The protocol is the `openidconnect` crate's: discovery from the issuer's metadata, the
//! authorization code flow with PKCE (S256), `state` and `nonce`, and ID-token validation per
//! OIDC Core 3.1.3.7 (signature against the provider's JWKS, `iss`, `aud`, `exp`, `nonce`); this
//! module adds what the crate leaves to the client: the required level of assurance (`acr`), an
//! `iat` window, JWKS rotation (a key id not in the cached set fetches the metadata and the set
//! again, once), pushed authorization requests where the provider offers them (RFC 9126; the
//! crate has no PAR, so the request the crate built is posted as it is), and what follows from
//! the person the token names, which is `lis1_app::signin`'s.
//!
//! A sign-in under way is stored server-side (`oidc_pending`, keyed by the SHA-256 of `state`)
//! with its nonce and PKCE verifier, and bound to the browser by a cookie; it can be used once.
//! Tokens are never stored or logged; secrets are never printed (`Debug` hides them).

use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::SignedDuration;
use lis1_app::signin::{self, Audience, Candidate, Confirmation, OrgFilter, Outcome, Verified};
use lis1_domain::Lang;
use minijinja::context;
use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod,
    CoreGenderClaim, CoreGrantType, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm, CoreResponseMode, CoreResponseType,
    CoreSubjectIdentifierType,
};
use openidconnect::{
    AdditionalClaims, AdditionalProviderMetadata, AuthenticationContextClass, AuthenticationFlow,
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IdToken,
    IdTokenVerifier, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, ProviderMetadata,
    RedirectUrl, Scope, SignatureVerificationError,
};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

use crate::auth::{self, ClientAddr, Visitor, cookies, sha256_hex};
use crate::error::AppError;
use crate::pages::page;
use crate::state::AppState;

/// The texts of the sign-in buttons, the link page and the invitation page.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    (
        "oidc.sign_in_with",
        "Logg inn med",
        "Logg inn med",
        "Sign in with",
    ),
    (
        "oidc.or_password",
        "Eller logg inn med e-post og passord",
        "Eller logg inn med e-post og passord",
        "Or sign in with e-mail and password",
    ),
    (
        "oidc.break_glass",
        "Passord brukes bare for organisasjonens nødkonto.",
        "Passord blir berre brukt for naudkontoen til organisasjonen.",
        "Passwords are only for the organisation's break-glass account.",
    ),
    (
        "oidc.link_title",
        "Koble innloggingen til kontoen din",
        "Kopl innlogginga til kontoen din",
        "Link the sign-in to your account",
    ),
    (
        "oidc.link_found",
        "Vi fant en konto i portalen for fødselsnummeret ditt:",
        "Vi fann ein konto i portalen for fødselsnummeret ditt:",
        "We found an account in the portal for your national identity number:",
    ),
    (
        "oidc.link_code",
        "Kontoen har et passord. Vi har sendt en kode på seks sifre til kontoens e-postadresse; skriv den inn for å bekrefte at kontoen er din.",
        "Kontoen har eit passord. Vi har sendt ein kode på seks siffer til e-postadressa til kontoen; skriv han inn for å stadfeste at kontoen er din.",
        "The account has a password. We have sent a six-digit code to the account's e-mail address; type it in to confirm the account is yours.",
    ),
    (
        "oidc.code",
        "Kode fra e-posten",
        "Kode frå e-posten",
        "Code from the e-mail",
    ),
    (
        "oidc.link_confirm",
        "Koble og logg inn",
        "Kopl og logg inn",
        "Link and sign in",
    ),
    (
        "oidc.new_account",
        "Du har ingen konto i portalen ennå. Opprett en søkerkonto: skriv navnet ditt og e-postadressen vi skal sende beskjeder til.",
        "Du har ingen konto i portalen enno. Opprett ein søkjarkonto: skriv namnet ditt og e-postadressa vi skal sende meldingar til.",
        "You have no account in the portal yet. Create an applicant account: type your name and the e-mail address we should send messages to.",
    ),
    ("oidc.name", "Navn", "Namn", "Name"),
    ("oidc.email", "E-post", "E-post", "E-mail"),
    (
        "oidc.create",
        "Opprett konto og logg inn",
        "Opprett konto og logg inn",
        "Create account and sign in",
    ),
    ("oidc.cancel", "Avbryt", "Avbryt", "Cancel"),
    (
        "oidc.errors",
        "Rett opp dette",
        "Rett opp dette",
        "Please correct this",
    ),
    (
        "oidc.invitation_title",
        "Invitasjon til LIS1-portalen",
        "Invitasjon til LIS1-portalen",
        "Invitation to the LIS1 portal",
    ),
    (
        "oidc.invitation_text",
        "Du er invitert til portalen med rollen",
        "Du er invitert til portalen med rolla",
        "You are invited to the portal with the role",
    ),
    ("oidc.invitation_in", "i", "i", "at"),
    (
        "oidc.invitation_how",
        "Logg inn med innloggingen organisasjonen din bruker for å ta imot invitasjonen.",
        "Logg inn med innlogginga organisasjonen din bruker, for å ta imot invitasjonen.",
        "Sign in with the provider your organisation uses to accept the invitation.",
    ),
    (
        "oidc.invitation_none",
        "Organisasjonen har ingen innloggingstjeneste satt opp. Kontakt administratoren.",
        "Organisasjonen har ikkje sett opp nokon innloggingsteneste. Kontakt administratoren.",
        "The organisation has no sign-in provider set up. Contact the administrator.",
    ),
];

/// The cookie binding a sign-in under way to the browser that started it.
pub const FLOW_COOKIE: &str = "lis1_oidc";
/// The cookie naming a link waiting for the person's confirmation.
pub const LINK_COOKIE: &str = "lis1_oidc_link";
/// How long a sign-in under way or a link waiting for confirmation is kept.
pub const PENDING_MINUTES: i64 = 15;
/// How long discovered metadata and keys are used before they are fetched again.
const METADATA_TTL: Duration = Duration::from_secs(3600);

/// A secret from the configuration: never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How the portal authenticates itself to a provider's token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientAuth {
    /// `client_secret_basic`.
    Secret(Secret),
    /// `private_key_jwt` with the RSA key (PEM) in this file.
    PrivateKeyJwt(PathBuf),
}

/// One provider, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    /// The key in URLs and settings (`idporten`, `helseid`, …).
    pub key: String,
    /// The button's text, e.g. "ID-porten".
    pub label: String,
    /// Whom it signs in.
    pub audience: Audience,
    /// The issuer URL (metadata at `/.well-known/openid-configuration`).
    pub issuer: String,
    /// The client id.
    pub client_id: String,
    /// The client authentication.
    pub auth: ClientAuth,
    /// This portal's callback, e.g. `https://lis1.example/logg-inn/oidc/idporten/callback`.
    pub redirect_url: String,
    /// Where the provider sends the browser after RP-initiated logout.
    pub post_logout_url: Option<String>,
    /// Scopes besides `openid`.
    pub scopes: Vec<String>,
    /// The levels of assurance accepted (`acr`); empty accepts any.
    pub acr: Vec<String>,
    /// The organisations that accept this provider for their staff.
    pub orgs: OrgFilter,
}

/// Reads the providers from the environment, or from the file `LIS1_OIDC_CONFIG` names
/// (`KEY=VALUE` lines with the same names; the environment wins). See the README.
pub fn providers_from_env() -> anyhow::Result<Vec<ProviderConfig>> {
    let mut vars: HashMap<String, String> = HashMap::new();
    if let Ok(file) = std::env::var("LIS1_OIDC_CONFIG") {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| anyhow::anyhow!("LIS1_OIDC_CONFIG {file}: {e}"))?;
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some((k, v)) = line.split_once('=') {
                vars.insert(k.trim().to_string(), v.trim().to_string());
            }
        }
    }
    for (k, v) in std::env::vars() {
        if k.starts_with("LIS1_OIDC_") {
            vars.insert(k, v);
        }
    }
    providers_from(&vars)
}

/// Reads the providers from `LIS1_OIDC_*` settings.
pub fn providers_from(vars: &HashMap<String, String>) -> anyhow::Result<Vec<ProviderConfig>> {
    let list = vars.get("LIS1_OIDC_PROVIDERS").cloned().unwrap_or_default();
    let mut out = Vec::new();
    for key in list.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        let up = key.to_uppercase().replace('-', "_");
        let get = |name: &str| vars.get(&format!("LIS1_OIDC_{up}_{name}")).cloned();
        let need = |name: &str| {
            get(name).ok_or_else(|| anyhow::anyhow!("LIS1_OIDC_{up}_{name} is not set"))
        };
        let audience = match get("AUDIENCE").as_deref() {
            Some("applicants") => Audience::Applicants,
            Some("staff") => Audience::Staff,
            None if key == "idporten" => Audience::Applicants,
            None => Audience::Staff,
            Some(other) => anyhow::bail!("LIS1_OIDC_{up}_AUDIENCE: {other:?} (applicants|staff)"),
        };
        let auth = match (
            get("CLIENT_SECRET"),
            get("CLIENT_SECRET_FILE"),
            get("PRIVATE_KEY_FILE"),
        ) {
            (Some(s), _, _) => ClientAuth::Secret(Secret(s)),
            (None, Some(f), _) => ClientAuth::Secret(Secret(
                std::fs::read_to_string(&f)
                    .map_err(|e| anyhow::anyhow!("LIS1_OIDC_{up}_CLIENT_SECRET_FILE {f}: {e}"))?
                    .trim()
                    .to_string(),
            )),
            // The crate signs no client assertions; refusing at start beats a token request
            // without client authentication.
            (None, None, Some(f)) => anyhow::bail!(
                "LIS1_OIDC_{up}_PRIVATE_KEY_FILE ({}): private_key_jwt is not supported yet; use a client secret",
                PathBuf::from(f).display()
            ),
            _ => anyhow::bail!(
                "LIS1_OIDC_{up}_CLIENT_SECRET, _CLIENT_SECRET_FILE or _PRIVATE_KEY_FILE must be set"
            ),
        };
        let default_scopes = match audience {
            Audience::Applicants => "profile",
            Audience::Staff => "profile",
        };
        let default_acr = if key == "idporten" {
            "idporten-loa-substantial,idporten-loa-high"
        } else {
            ""
        };
        out.push(ProviderConfig {
            key: key.to_string(),
            label: get("LABEL").unwrap_or_else(|| match key {
                "idporten" => "ID-porten".into(),
                "helseid" => "HelseID".into(),
                other => other.to_string(),
            }),
            audience,
            issuer: need("ISSUER")?,
            client_id: need("CLIENT_ID")?,
            auth,
            redirect_url: need("REDIRECT_URL")?,
            post_logout_url: get("POST_LOGOUT_URL"),
            scopes: get("SCOPES")
                .unwrap_or_else(|| default_scopes.into())
                .split([' ', ','])
                .filter(|s| !s.is_empty() && *s != "openid")
                .map(String::from)
                .collect(),
            acr: get("ACR")
                .unwrap_or_else(|| default_acr.into())
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            orgs: OrgFilter::parse(&get("ORGS").unwrap_or_else(|| "*".into())),
        });
    }
    Ok(out)
}

/// Metadata fields the crate's core type leaves out.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ExtraMetadata {
    /// RP-initiated logout.
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
    /// Pushed authorization requests (RFC 9126).
    #[serde(default)]
    pub pushed_authorization_request_endpoint: Option<String>,
}
impl AdditionalProviderMetadata for ExtraMetadata {}

type Metadata = ProviderMetadata<
    ExtraMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// The claims beside the standard ones: ID-porten's `pid`, and the provider's session id.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct LisClaims {
    /// The national identity number.
    #[serde(default)]
    pub pid: Option<String>,
    /// The provider's session (front-channel logout).
    #[serde(default)]
    pub sid: Option<String>,
}
impl AdditionalClaims for LisClaims {}

type LisIdToken =
    IdToken<LisClaims, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;

/// The configured providers with their discovered metadata.
#[derive(Default)]
pub struct Oidc {
    providers: Vec<ProviderConfig>,
    metadata: RwLock<HashMap<String, (Metadata, Instant)>>,
    http: Option<openidconnect::reqwest::Client>,
}

impl Oidc {
    /// The runtime over `providers`.
    pub fn new(providers: Vec<ProviderConfig>) -> Oidc {
        let http = openidconnect::reqwest::ClientBuilder::new()
            // OIDC: never follow a redirect from the token endpoint (SSRF).
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .ok();
        Oidc {
            providers,
            metadata: RwLock::new(HashMap::new()),
            http,
        }
    }

    /// The configured providers.
    pub fn providers(&self) -> &[ProviderConfig] {
        &self.providers
    }

    /// The provider with this key.
    pub fn provider(&self, key: &str) -> Option<&ProviderConfig> {
        self.providers.iter().find(|p| p.key == key)
    }

    fn http(&self) -> Result<&openidconnect::reqwest::Client, String> {
        self.http
            .as_ref()
            .ok_or_else(|| "no HTTP client".to_string())
    }

    async fn metadata(&self, p: &ProviderConfig, fresh: bool) -> Result<Metadata, String> {
        if !fresh
            && let Some((m, at)) = self.metadata.read().await.get(&p.key)
            && at.elapsed() < METADATA_TTL
        {
            return Ok(m.clone());
        }
        let issuer = IssuerUrl::new(p.issuer.clone()).map_err(|e| e.to_string())?;
        let m = Metadata::discover_async(issuer, self.http()?)
            .await
            .map_err(|e| format!("discovery: {e}"))?;
        self.metadata
            .write()
            .await
            .insert(p.key.clone(), (m.clone(), Instant::now()));
        Ok(m)
    }

    /// Where to send the browser to end the provider's session too (RP-initiated logout), if the
    /// provider offers it.
    pub async fn logout_url(&self, key: &str) -> Option<String> {
        let p = self.provider(key)?;
        let m = self.metadata(p, false).await.ok()?;
        let end = m.additional_metadata().end_session_endpoint.clone()?;
        let mut url = url_parse(&end)?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", &p.client_id);
            if let Some(back) = &p.post_logout_url {
                q.append_pair("post_logout_redirect_uri", back);
            }
        }
        Some(url.to_string())
    }
}

fn url_parse(s: &str) -> Option<openidconnect::url::Url> {
    openidconnect::url::Url::parse(s).ok()
}

fn client_secret(p: &ProviderConfig) -> Option<ClientSecret> {
    match &p.auth {
        ClientAuth::Secret(s) => Some(ClientSecret::new(s.0.clone())),
        ClientAuth::PrivateKeyJwt(_) => None,
    }
}

/// What is kept of a sign-in under way (never a token).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Flow {
    provider: String,
    nonce: String,
    pkce_verifier: String,
    browser: String,
    next: String,
    invitation: Option<String>,
}

/// What is kept of a link waiting for confirmation.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PendingLink {
    verified: Verified,
    candidate: Option<Candidate>,
    code_hash: Option<String>,
    next: String,
    browser: String,
}

/// Query of `GET /logg-inn/oidc/{provider}`.
#[derive(Debug, Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    neste: Option<String>,
    #[serde(default)]
    invitasjon: Option<String>,
}

fn refusal(code: &'static str, nb: &str, en: &str) -> lis1_app::Error {
    lis1_app::Error::text(lis1_app::Kind::Forbidden, code, nb, en)
}

fn unavailable() -> lis1_app::Error {
    refusal(
        "provider_unavailable",
        "Innloggingstjenesten svarer ikke akkurat nå. Prøv igjen om litt.",
        "The sign-in service is not answering right now. Try again in a moment.",
    )
}

/// `GET /logg-inn/oidc/{provider}`: sends the browser to the provider (through a pushed
/// authorization request when the provider offers one).
pub async fn start(
    State(state): State<AppState>,
    v: Visitor,
    Path(key): Path<String>,
    Query(q): Query<StartQuery>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let oidc = state.oidc.clone();
    let Some(p) = oidc.provider(&key) else {
        return Err(AppError::not_found(lang));
    };
    let meta = match oidc.metadata(p, false).await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(provider = %p.key, error = %e, "OIDC discovery failed");
            return Err(AppError::app(unavailable(), lang));
        }
    };
    let redirect =
        RedirectUrl::new(p.redirect_url.clone()).map_err(|e| AppError::internal(lang, &e))?;
    let client = CoreClient::from_provider_metadata(
        meta.clone(),
        ClientId::new(p.client_id.clone()),
        client_secret(p),
    )
    .set_redirect_uri(redirect);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut req = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    for s in &p.scopes {
        req = req.add_scope(Scope::new(s.clone()));
    }
    for a in &p.acr {
        req = req.add_auth_context_value(AuthenticationContextClass::new(a.clone()));
    }
    let (url, csrf_state, nonce) = req.url();
    let browser = auth::random_token_pub();
    let flow = Flow {
        provider: p.key.clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        browser: sha256_hex(&browser),
        next: q
            .neste
            .as_deref()
            .and_then(auth::same_origin_path)
            .unwrap_or("/oversikt")
            .to_string(),
        invitation: q.invitasjon.filter(|s| !s.is_empty() && s.len() <= 128),
    };
    let data = serde_json::to_value(&flow).map_err(|e| AppError::internal(lang, &e))?;
    state
        .store
        .put_pending(
            &sha256_hex(csrf_state.secret()),
            "authorize",
            &data,
            state.now(),
        )
        .await
        .map_err(|e| AppError::store(e, lang))?;
    let target = match &meta
        .additional_metadata()
        .pushed_authorization_request_endpoint
    {
        Some(par) => match push(&oidc, p, par, &url, &meta).await {
            Ok(u) => u,
            Err(e) => {
                tracing::warn!(provider = %p.key, error = %e, "pushed authorization request failed");
                return Err(AppError::app(unavailable(), lang));
            }
        },
        None => url.to_string(),
    };
    let mut resp = Redirect::to(&target).into_response();
    auth::set_cookie_pub(
        &mut resp,
        &state,
        FLOW_COOKIE,
        &browser,
        Some(PENDING_MINUTES * 60),
    );
    Ok(resp)
}

/// RFC 9126: posts the authorization request's parameters to the PAR endpoint (with the client's
/// authentication) and returns the short authorization URL with the `request_uri` it got.
async fn push(
    oidc: &Oidc,
    p: &ProviderConfig,
    par: &str,
    url: &openidconnect::url::Url,
    meta: &Metadata,
) -> Result<String, String> {
    let ClientAuth::Secret(secret) = &p.auth else {
        return Err("pushed authorization requests need a client secret here".into());
    };
    let params: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let resp = oidc
        .http()?
        .post(par)
        .basic_auth(&p.client_id, Some(&secret.0))
        .form(&params)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("PAR answered {}", resp.status()));
    }
    #[derive(Deserialize)]
    struct Pushed {
        request_uri: String,
    }
    let body = resp.bytes().await.map_err(|e| e.to_string())?;
    let pushed: Pushed = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
    let mut auth_url = meta.authorization_endpoint().url().clone();
    auth_url
        .query_pairs_mut()
        .append_pair("client_id", &p.client_id)
        .append_pair("request_uri", &pushed.request_uri);
    Ok(auth_url.to_string())
}

/// Query of the callback.
#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// Why a callback was refused (the audit log's reason and the person's message).
struct Refused {
    reason: &'static str,
    error: lis1_app::Error,
    pid: Option<String>,
}

impl Refused {
    fn new(reason: &'static str, error: lis1_app::Error) -> Refused {
        Refused {
            reason,
            error,
            pid: None,
        }
    }
}

fn sign_in_failed() -> lis1_app::Error {
    refusal(
        "oidc_sign_in_failed",
        "Innloggingen kunne ikke fullføres, og du er ikke logget inn. Start på nytt fra innloggingssiden. Ingenting ble endret.",
        "The sign-in could not be completed, and you are not signed in. Start again from the sign-in page. Nothing was changed.",
    )
}

/// `GET /logg-inn/oidc/{provider}/callback`: checks `state` (once, this browser), exchanges the
/// code with the PKCE verifier, validates the ID token, and signs the person in — or asks them to
/// confirm a link. Every refusal is audit-logged and shown on a clear page; nothing changes.
pub async fn callback(
    State(state): State<AppState>,
    v: Visitor,
    headers: HeaderMap,
    Path(key): Path<String>,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    match handle_callback(&state, &v, &headers, &key, &q).await {
        Ok(resp) => Ok(resp),
        Err(r) => {
            tracing::info!(provider = %key, reason = r.reason, "OIDC sign-in refused");
            signin::log_refusal(&state.app, &key, r.reason, None, r.pid.as_deref())
                .await
                .map_err(|e| AppError::app(e, lang))?;
            let code = r.error.code();
            let mut e = AppError::app(r.error, lang);
            // A broken or forged callback is a bad request; a person refused by the rules
            // (level of assurance, linking, invitations) is forbidden.
            if e.status == StatusCode::FORBIDDEN && code == "oidc_sign_in_failed" {
                e.status = StatusCode::BAD_REQUEST;
            }
            Err(e)
        }
    }
}

async fn handle_callback(
    state: &AppState,
    v: &Visitor,
    headers: &HeaderMap,
    key: &str,
    q: &CallbackQuery,
) -> Result<Response, Refused> {
    let oidc = state.oidc.clone();
    let Some(p) = oidc.provider(key) else {
        return Err(Refused::new(
            "unknown_provider",
            lis1_app::Error::not_found(),
        ));
    };
    let not_before = state.now() - SignedDuration::from_mins(PENDING_MINUTES);
    let store_err = |e: lis1_store::StoreError| Refused::new("store", lis1_app::Error::from(e));
    let flow = match &q.state {
        Some(s) if !s.is_empty() => state
            .store
            .take_pending(&sha256_hex(s), "authorize", not_before)
            .await
            .map_err(store_err)?,
        _ => None,
    };
    let Some(flow) = flow.and_then(|f| serde_json::from_value::<Flow>(f).ok()) else {
        return Err(Refused::new("state_unknown", sign_in_failed()));
    };
    let browser = cookies(headers)
        .get(FLOW_COOKIE)
        .cloned()
        .unwrap_or_default();
    if flow.provider != p.key || sha256_hex(&browser) != flow.browser {
        return Err(Refused::new("state_other_browser", sign_in_failed()));
    }
    if let Some(err) = &q.error {
        let reason = if err == "access_denied" {
            "provider_access_denied"
        } else {
            "provider_error"
        };
        return Err(Refused::new(reason, sign_in_failed()));
    }
    let Some(code) = q.code.clone().filter(|c| !c.is_empty()) else {
        return Err(Refused::new("code_missing", sign_in_failed()));
    };
    let meta = oidc
        .metadata(p, false)
        .await
        .map_err(|_| Refused::new("provider_unavailable", unavailable()))?;
    let redirect = RedirectUrl::new(p.redirect_url.clone())
        .map_err(|_| Refused::new("config", unavailable()))?;
    let client = CoreClient::from_provider_metadata(
        meta.clone(),
        ClientId::new(p.client_id.clone()),
        client_secret(p),
    )
    .set_redirect_uri(redirect);
    let http = oidc
        .http()
        .map_err(|_| Refused::new("config", unavailable()))?;
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|_| Refused::new("config", unavailable()))?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
        .request_async(http)
        .await
        .map_err(|e| {
            tracing::info!(provider = %p.key, error = %e, "code exchange refused");
            Refused::new("code_refused", sign_in_failed())
        })?;
    use openidconnect::TokenResponse;
    let Some(raw) = token.id_token() else {
        return Err(Refused::new("id_token_missing", sign_in_failed()));
    };
    let id_token = LisIdToken::from_str(&raw.to_string())
        .map_err(|_| Refused::new("id_token_malformed", sign_in_failed()))?;
    let nonce = Nonce::new(flow.nonce.clone());
    let claims = match verify(p, &meta, &id_token, &nonce) {
        Err(ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        )) => {
            // The provider may have rotated its keys: fetch them again, once.
            let fresh = oidc
                .metadata(p, true)
                .await
                .map_err(|_| Refused::new("provider_unavailable", unavailable()))?;
            verify(p, &fresh, &id_token, &nonce)
        }
        other => other,
    }
    .map_err(|e| {
        let reason = match &e {
            ClaimsVerificationError::Expired(_) => "id_token_expired",
            ClaimsVerificationError::InvalidAudience(_) => "id_token_audience",
            ClaimsVerificationError::InvalidIssuer(_) => "id_token_issuer",
            ClaimsVerificationError::InvalidNonce(_) => "id_token_nonce",
            ClaimsVerificationError::SignatureVerification(_) => "id_token_signature",
            ClaimsVerificationError::InvalidAuthTime(_) => "id_token_iat",
            _ => "id_token_invalid",
        };
        tracing::info!(provider = %p.key, error = %e, "ID token refused");
        Refused::new(reason, sign_in_failed())
    })?;
    let acr = claims.auth_context_ref().map(|a| a.to_string());
    if !p.acr.is_empty() && !acr.as_ref().is_some_and(|a| p.acr.contains(a)) {
        return Err(Refused {
            reason: "acr_too_low",
            error: refusal(
                "acr_too_low",
                "Innloggingen hadde for lavt sikkerhetsnivå. Logg inn på nytt med MinID, BankID, Buypass eller Commfides (nivå «betydelig» eller «høyt»).",
                "The sign-in had too low a level of assurance. Sign in again with a method of level «substantial» or «high».",
            ),
            pid: claims.additional_claims().pid.clone(),
        });
    }
    let verified = Verified {
        provider: p.key.clone(),
        issuer: claims.issuer().to_string(),
        subject: claims.subject().to_string(),
        pid: claims.additional_claims().pid.clone(),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string()),
        sid: claims.additional_claims().sid.clone(),
        audience: p.audience,
    };
    let current = v.session.as_ref().map(|s| s.user.id);
    let outcome = signin::sign_in(
        &state.app,
        &verified,
        current,
        flow.invitation.as_deref(),
        &p.orgs,
    )
    .await
    .map_err(|e| Refused {
        reason: e.code(),
        pid: verified.pid.clone(),
        error: e,
    })?;
    let lang = v.lang;
    match outcome {
        Outcome::SignedIn { user_id } => {
            let resp = start_session(state, v, user_id, p, verified.sid.as_deref(), &flow.next)
                .await
                .map_err(|_| Refused::new("session", sign_in_failed()))?;
            Ok(resp)
        }
        Outcome::Confirm { candidate } => {
            let code_hash = match &candidate {
                Some(c) if c.needs_code => Some(
                    signin::send_link_code(&state.app, c.user_id)
                        .await
                        .map_err(|e| Refused::new("link_code", e))?,
                ),
                _ => None,
            };
            let secret = auth::random_token_pub();
            let link = PendingLink {
                verified,
                candidate,
                code_hash,
                next: flow.next,
                browser: sha256_hex(&secret),
            };
            let data = serde_json::to_value(&link)
                .map_err(|_| Refused::new("internal", sign_in_failed()))?;
            state
                .store
                .put_pending(&sha256_hex(&secret), "link", &data, state.now())
                .await
                .map_err(store_err)?;
            let _ = lang;
            let mut resp = Redirect::to("/logg-inn/koble").into_response();
            auth::set_cookie_pub(
                &mut resp,
                state,
                LINK_COOKIE,
                &secret,
                Some(PENDING_MINUTES * 60),
            );
            auth::clear_cookie_pub(&mut resp, state, FLOW_COOKIE);
            Ok(resp)
        }
    }
}

type LisClaimsOf = openidconnect::IdTokenClaims<LisClaims, CoreGenderClaim>;

/// OIDC Core 3.1.3.7: signature against the provider's keys, `iss`, `aud` (this client, and no
/// audience it does not trust), `exp`, `nonce`, and `iat` within ten minutes.
fn verify(
    p: &ProviderConfig,
    meta: &Metadata,
    id_token: &LisIdToken,
    nonce: &Nonce,
) -> Result<LisClaimsOf, ClaimsVerificationError> {
    let id = ClientId::new(p.client_id.clone());
    let verifier = match client_secret(p) {
        Some(secret) => IdTokenVerifier::new_confidential_client(
            id,
            secret,
            meta.issuer().clone(),
            meta.jwks().clone(),
        ),
        None => IdTokenVerifier::new_public_client(id, meta.issuer().clone(), meta.jwks().clone()),
    };
    let now = chrono::Utc::now();
    let verifier = verifier.set_issue_time_verifier_fn(move |iat| {
        let age = now.signed_duration_since(iat);
        if age > chrono::TimeDelta::minutes(10) || age < chrono::TimeDelta::minutes(-2) {
            Err(format!("issued at {iat}, outside the accepted window"))
        } else {
            Ok(())
        }
    });
    id_token.claims(&verifier, nonce).cloned()
}

async fn start_session(
    state: &AppState,
    v: &Visitor,
    user_id: i64,
    p: &ProviderConfig,
    sid: Option<&str>,
    next: &str,
) -> Result<Response, AppError> {
    let lang = v.lang;
    // A fresh session id at every sign-in; the old one, if any, ends.
    if let Some(old) = &v.session {
        state
            .store
            .delete_session(old.token_hash(), None)
            .await
            .map_err(|e| AppError::store(e, lang))?;
    }
    let token = auth::random_token_pub();
    let ctx = lis1_store::Ctx::new(lis1_store::Actor::user_only(user_id), state.now());
    state
        .store
        .create_external_session(
            &ctx,
            &sha256_hex(&token),
            &auth::random_token_pub(),
            &p.key,
            sid,
        )
        .await
        .map_err(|e| AppError::store(e, lang))?;
    let mut resp = Redirect::to(next).into_response();
    let max_age = i64::try_from(state.config.session_absolute.as_secs()).unwrap_or(i64::MAX);
    auth::set_cookie_pub(
        &mut resp,
        state,
        auth::SESSION_COOKIE,
        &token,
        Some(max_age),
    );
    auth::clear_cookie_pub(&mut resp, state, FLOW_COOKIE);
    auth::clear_cookie_pub(&mut resp, state, LINK_COOKIE);
    Ok(resp)
}

async fn pending_link(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(String, PendingLink)>, AppError> {
    let Some(secret) = cookies(headers).get(LINK_COOKIE).cloned() else {
        return Ok(None);
    };
    let not_before = state.now() - SignedDuration::from_mins(PENDING_MINUTES);
    let data = state
        .store
        .peek_pending(&sha256_hex(&secret), "link", not_before)
        .await
        .map_err(|e| AppError::store(e, Lang::Nb))?;
    Ok(data
        .and_then(|d| serde_json::from_value::<PendingLink>(d).ok())
        .map(|l| (secret, l)))
}

fn link_page(
    state: &AppState,
    v: &Visitor,
    link: &PendingLink,
    secret: &str,
    input: &Confirmation,
    errors: Vec<(String, String)>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let provider = state
        .oidc
        .provider(&link.verified.provider)
        .map(|p| p.label.clone())
        .unwrap_or_default();
    let html = crate::templates::render(
        "oidc_link.html",
        page(
            state,
            v,
            context! {
                provider => provider,
                candidate => link.candidate.as_ref().map(|c| context! {
                    email => c.masked_email.clone(),
                    needs_code => c.needs_code,
                }),
                link_token => secret,
                name => input.name.clone(),
                email => input.email.clone(),
                errors => errors.iter().map(|(f, m)| context! { field => f, message => m }).collect::<Vec<_>>(),
            },
        ),
    )?;
    Ok((status, html).into_response())
}

/// `GET /logg-inn/koble`: asks the person to confirm linking the sign-in to their account (or to
/// make a new applicant account).
pub async fn link_form(
    State(state): State<AppState>,
    v: Visitor,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let Some((secret, link)) = pending_link(&state, &headers).await? else {
        return Ok(Redirect::to("/logg-inn").into_response());
    };
    link_page(
        &state,
        &v,
        &link,
        &secret,
        &Confirmation::default(),
        Vec::new(),
        StatusCode::OK,
    )
}

/// The link form.
#[derive(Debug, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    link_token: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
}

/// `POST /logg-inn/koble`: links (after the code, when the account has a password) and signs in.
pub async fn link(
    State(state): State<AppState>,
    v: Visitor,
    headers: HeaderMap,
    _addr: ClientAddr,
    Form(form): Form<LinkForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let Some((secret, link)) = pending_link(&state, &headers).await? else {
        return Ok(Redirect::to("/logg-inn").into_response());
    };
    // The form echoes the cookie (double submit): another site cannot post it.
    if form.link_token != secret {
        return Err(AppError::csrf(lang));
    }
    let input = Confirmation {
        code: form.code,
        name: form.name,
        email: form.email,
    };
    match signin::confirm_link(
        &state.app,
        &link.verified,
        link.candidate.as_ref(),
        link.code_hash.as_deref(),
        &input,
    )
    .await
    {
        Ok(user_id) => {
            let not_before = state.now() - SignedDuration::from_mins(PENDING_MINUTES);
            state
                .store
                .take_pending(&sha256_hex(&secret), "link", not_before)
                .await
                .map_err(|e| AppError::store(e, lang))?;
            let Some(p) = state.oidc.provider(&link.verified.provider) else {
                return Err(AppError::not_found(lang));
            };
            start_session(
                &state,
                &v,
                user_id,
                p,
                link.verified.sid.as_deref(),
                &link.next,
            )
            .await
        }
        Err(e) if !e.field_messages(lang).is_empty() => {
            let errors = e.field_messages(lang);
            link_page(
                &state,
                &v,
                &link,
                &secret,
                &input,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => {
            signin::log_refusal(
                &state.app,
                &link.verified.provider,
                e.code(),
                link.candidate.as_ref().map(|c| c.user_id),
                link.verified.pid.as_deref(),
            )
            .await
            .map_err(|e| AppError::app(e, lang))?;
            Err(AppError::app(e, lang))
        }
    }
}

/// Query of the front-channel logout.
#[derive(Debug, Deserialize)]
pub struct FrontChannelQuery {
    #[serde(default)]
    iss: String,
    #[serde(default)]
    sid: String,
}

/// `GET /logg-ut/oidc/frontkanal?iss=…&sid=…` (OpenID Connect Front-Channel Logout 1.0): the
/// provider's page loads this when the person signs out there; the portal sessions that
/// provider session started end.
pub async fn front_channel(
    State(state): State<AppState>,
    Query(q): Query<FrontChannelQuery>,
) -> Response {
    let mut ended = 0;
    // One issuer may serve several of the configured clients.
    for p in state
        .oidc
        .providers()
        .iter()
        .filter(|p| p.issuer.trim_end_matches('/') == q.iss.trim_end_matches('/'))
    {
        if q.sid.is_empty() {
            break;
        }
        match state
            .store
            .end_sessions_with_sid(state.now(), &p.key, &q.sid)
            .await
        {
            Ok(n) => ended += n,
            Err(e) => tracing::error!(error = %e, "front-channel logout failed"),
        }
    }
    tracing::info!(ended, "front-channel logout");
    ([(axum::http::header::CACHE_CONTROL, "no-store")], "").into_response()
}

/// `GET /invitasjon/{secret}`: the invitation's page, with the sign-in buttons of the staff
/// providers.
pub async fn invitation(
    State(state): State<AppState>,
    v: Visitor,
    Path(secret): Path<String>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let inv = signin::open_invitation(&state.app, &secret)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let org = state
        .store
        .org(inv.org_id)
        .await
        .map_err(|e| AppError::store(e, lang))?;
    let buttons: Vec<_> = state
        .oidc
        .providers()
        .iter()
        .filter(|p| p.audience == Audience::Staff && p.orgs.accepts(&org))
        .map(|p| {
            context! {
                label => p.label.clone(),
                href => format!("/logg-inn/oidc/{}?invitasjon={}", p.key, secret),
            }
        })
        .collect();
    let html = crate::templates::render(
        "invitation.html",
        page(
            &state,
            &v,
            context! {
                org => org.name,
                role => inv.role.label(lang),
                name => inv.name,
                buttons => buttons,
            },
        ),
    )?;
    Ok(html.into_response())
}

/// The sign-in buttons for the login page.
pub fn buttons(state: &AppState, next: &str) -> Vec<minijinja::Value> {
    state
        .oidc
        .providers()
        .iter()
        .map(|p| {
            context! {
                label => p.label.clone(),
                href => format!("/logg-inn/oidc/{}?neste={}", p.key, auth::urlencode(next)),
            }
        })
        .collect()
}

/// Shared runtime for [`AppState`].
pub fn runtime(providers: Vec<ProviderConfig>) -> Arc<Oidc> {
    Arc::new(Oidc::new(providers))
}
