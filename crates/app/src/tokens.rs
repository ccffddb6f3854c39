//! API tokens for machine clients (issue 10): an organisation's administrator issues a token for
//! its HR or payroll system with scopes and an expiry; the token is shown once and stored as its
//! SHA-256; it can be revoked and is listed with its last use. A token acts as its organisation
//! only, in the one role the organisation has (`lis1_domain::access::token_role`), and every
//! call made with it is audit-logged with its id.

use jiff::{SignedDuration, Timestamp};
use lis1_domain::access::{Action, Grant, Scope, authorize, token_role};
use lis1_store::api_tokens::{ApiToken, NewApiToken};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{App, Caller, Error, Kind, Result};

/// Every token starts with this, so a leaked one is easy to recognise (and to scan for).
pub const TOKEN_PREFIX: &str = "lis1_";
/// The longest a token may live.
pub const MAX_DAYS: i64 = 365;
/// The longest token name.
pub const MAX_NAME_CHARS: usize = 100;

/// What the administrator asks for.
#[derive(Debug, Clone)]
pub struct IssueToken {
    /// The organisation the token acts for.
    pub org_id: i64,
    /// A name, e.g. "Lønnssystem (Visma)".
    pub name: String,
    /// The scopes, written as `offers:read` etc.
    pub scopes: Vec<String>,
    /// Days until it expires (1–365).
    pub days: i64,
}

/// A token just issued: the only time the token itself is shown.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The stored token.
    pub token: ApiToken,
    /// The secret to give the machine client (`Authorization: Bearer …`).
    pub secret: String,
}

/// SHA-256 (hex) of a token, as stored.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Issues a token for an organisation (its administrator). Bad input is refused at its field,
/// with nothing stored.
pub async fn issue(app: &App, caller: &Caller, input: IssueToken) -> Result<Issued> {
    let now = app.now();
    // Access first: whoever may not issue tokens here learns nothing from how the input is wrong.
    let mut tx = app.begin().await?;
    let org = tx.org(input.org_id).await?;
    let path = tx.org_path(input.org_id).await?;
    let grant = authorize(&caller.principal, &Action::ManageApiTokens { org: &path })?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::field_text(
            "name",
            "token_name_invalid",
            format!(
                "Gi nøkkelen et navn (høyst {MAX_NAME_CHARS} tegn), f.eks. systemet som skal bruke den."
            ),
            format!(
                "Gi nøkkelen eit namn (høgst {MAX_NAME_CHARS} teikn), t.d. systemet som skal bruke han."
            ),
            format!(
                "Give the token a name (at most {MAX_NAME_CHARS} characters), e.g. the system that will use it."
            ),
        ));
    }
    let mut scopes = Vec::new();
    for s in &input.scopes {
        match Scope::parse(s.trim()) {
            Some(scope) if !scopes.contains(&scope) => scopes.push(scope),
            Some(_) => {}
            None => {
                return Err(Error::field_text(
                    "scopes",
                    "token_scope_unknown",
                    format!("Ukjent tilgang «{s}». Velg blant tilgangene i listen."),
                    format!("Ukjend tilgang «{s}». Vel blant tilgangane i lista."),
                    format!("Unknown scope «{s}». Choose among the scopes listed."),
                ));
            }
        }
    }
    if scopes.is_empty() {
        return Err(Error::field_text(
            "scopes",
            "token_scopes_missing",
            "Velg minst én tilgang for nøkkelen.",
            "Vel minst éin tilgang for nøkkelen.",
            "Choose at least one scope for the token.",
        ));
    }
    scopes.sort();
    if !(1..=MAX_DAYS).contains(&input.days) {
        return Err(Error::field_text(
            "days",
            "token_days_invalid",
            format!("Nøkkelen må gjelde fra 1 til {MAX_DAYS} dager."),
            format!("Nøkkelen må gjelde frå 1 til {MAX_DAYS} dagar."),
            format!("The token must be valid for 1 to {MAX_DAYS} days."),
        ));
    }
    let Some(role) = token_role(org.kind) else {
        return Err(Error::text(
            Kind::Invalid,
            "token_org_kind",
            "Denne typen organisasjon bruker ikke API-et.",
            "Denne typen organisasjon brukar ikkje API-et.",
            "This kind of organisation does not use the API.",
        ));
    };
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = format!("{TOKEN_PREFIX}{}", hex::encode(bytes));
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let ctx = caller.ctx(grant, now);
    let expires_at = now + SignedDuration::from_hours(24 * input.days);
    let id = tx
        .create_api_token(
            &ctx,
            &NewApiToken {
                org_id: input.org_id,
                name,
                role,
                scopes: &scopes,
                token_sha256: &hash(&secret),
                prefix: &prefix,
                expires_at,
            },
        )
        .await?;
    let token = tx
        .api_tokens(input.org_id)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| Error::internal("the token just stored is missing"))?;
    app.commit(tx, caller).await?;
    Ok(Issued { token, secret })
}

/// An organisation's tokens, newest first (its administrator).
pub async fn list(app: &App, caller: &Caller, org_id: i64) -> Result<Vec<ApiToken>> {
    let mut tx = app.begin().await?;
    let path = tx.org_path(org_id).await?;
    authorize(&caller.principal, &Action::ManageApiTokens { org: &path })?;
    Ok(tx.api_tokens(org_id).await?)
}

/// Revokes a token of the organisation (its administrator); it stops working at once.
pub async fn revoke(app: &App, caller: &Caller, org_id: i64, token_id: i64) -> Result<()> {
    let now = app.now();
    let mut tx = app.begin().await?;
    let path = tx.org_path(org_id).await?;
    let grant = authorize(&caller.principal, &Action::ManageApiTokens { org: &path })?;
    tx.revoke_api_token(&caller.ctx(grant, now), org_id, token_id)
        .await?;
    app.commit(tx, caller).await?;
    Ok(())
}

fn unauthenticated(code: &'static str, nb: &str, nn: &str, en: &str) -> Error {
    Error::text(Kind::Forbidden, code, nb, nn, en)
}

/// Why a bearer token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No such token.
    Unknown,
    /// It has expired.
    Expired,
    /// It was revoked.
    Revoked,
}

impl Refusal {
    /// The error to answer with (401).
    pub fn error(self) -> Error {
        match self {
            Refusal::Unknown => unauthenticated(
                "token_invalid",
                "API-nøkkelen er ukjent.",
                "API-nøkkelen er ukjend.",
                "The API token is not known.",
            ),
            Refusal::Expired => unauthenticated(
                "token_expired",
                "API-nøkkelen er utløpt. Be organisasjonens administrator om en ny.",
                "API-nøkkelen har gått ut. Be administratoren i organisasjonen om ein ny.",
                "The API token has expired. Ask your organisation's administrator for a new one.",
            ),
            Refusal::Revoked => unauthenticated(
                "token_revoked",
                "API-nøkkelen er trukket tilbake.",
                "API-nøkkelen er trekt tilbake.",
                "The API token has been revoked.",
            ),
        }
    }
}

/// The caller a bearer token stands for, or why it is refused. Records the use.
pub async fn authenticate(
    app: &App,
    secret: &str,
) -> Result<std::result::Result<(Caller, ApiToken), Refusal>> {
    let now: Timestamp = app.now();
    if !secret.starts_with(TOKEN_PREFIX) {
        return Ok(Err(Refusal::Unknown));
    }
    let mut tx = app.begin().await?;
    let Some(token) = tx.api_token_by_hash(&hash(secret)).await? else {
        return Ok(Err(Refusal::Unknown));
    };
    if token.revoked_at.is_some() {
        return Ok(Err(Refusal::Revoked));
    }
    if now >= token.expires_at {
        return Ok(Err(Refusal::Expired));
    }
    let grant = Grant {
        role: token.role,
        org: token.org_id,
    };
    let mut principal = tx.principal_for(token.created_by, &[grant]).await?;
    principal.scopes = Some(token.scopes.clone());
    tx.touch_api_token(token.id, now).await?;
    tx.commit().await?;
    Ok(Ok((
        Caller {
            user_id: token.created_by,
            name: token.name.clone(),
            principal,
            token_id: Some(token.id),
            idempotency: None,
        },
        token,
    )))
}
