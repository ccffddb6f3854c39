//! API tokens of organisations and idempotency keys of API requests (issue 10).
//!
//! A token is issued by an organisation's administrator, acts as that organisation in its one
//! role, within its scopes, until it expires or is revoked. Only the token's SHA-256 is stored.
//! Idempotency keys are claimed inside the use case's transaction ([`Tx::claim_idempotency_key`])
//! so a request that committed is never run twice; its response is stored after — the whole
//! answer ([`Tx::store_idempotent_response`]), or for an answer that holds a secret or personal
//! data only its status and SHA-256 ([`Tx::store_idempotent_digest`]: `content_type` is then
//! [`DIGEST_ONLY`] and `body` the digest in hex). Keys are forgotten after a day
//! ([`Tx::purge_idempotency_keys`], `lis1_domain::retention::IDEMPOTENCY_KEY_HOURS`).

use jiff::Timestamp;
use lis1_domain::access::{Role, Scope};
use serde_json::json;
use sqlx::{Connection, Row};

use crate::audit::{AuditTx, Event};
use crate::conv::DbTime;
use crate::{Ctx, Result, StoreError, Tx, conv, on_tx};

/// A stored token (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Id.
    pub id: i64,
    /// The organisation it acts for.
    pub org_id: i64,
    /// A name the administrator gave it, e.g. "Lønnssystem".
    pub name: String,
    /// The role it acts in.
    pub role: Role,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// Its first characters, shown to tell tokens apart.
    pub prefix: String,
    /// Who issued it.
    pub created_by: i64,
    /// When.
    pub created_at: Timestamp,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// When it was revoked.
    pub revoked_at: Option<Timestamp>,
    /// When it was last used (updated at most once a minute).
    pub last_used_at: Option<Timestamp>,
}

impl ApiToken {
    /// Whether it may be used at `now`.
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// A token to store.
#[derive(Debug, Clone)]
pub struct NewApiToken<'a> {
    /// The organisation.
    pub org_id: i64,
    /// Its name.
    pub name: &'a str,
    /// The role.
    pub role: Role,
    /// The scopes.
    pub scopes: &'a [Scope],
    /// SHA-256 (hex) of the token.
    pub token_sha256: &'a str,
    /// The first characters of the token.
    pub prefix: &'a str,
    /// Expiry.
    pub expires_at: Timestamp,
}

/// An idempotency key's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// SHA-256 of the request it was first used with.
    pub request_hash: String,
    /// When the key was claimed: when the request's change committed.
    pub created_at: Timestamp,
    /// The stored response, once there is one.
    pub response: Option<StoredResponse>,
}

/// What is kept of the response to the request that claimed a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredResponse {
    /// The whole answer, to give again to a retry.
    Body {
        /// Its status.
        status: u16,
        /// Its content type.
        content_type: String,
        /// Its body.
        body: String,
    },
    /// Only the status and the SHA-256 (hex) of the body: the answer held a secret or personal
    /// data, which is not kept.
    Digest {
        /// Its status.
        status: u16,
        /// SHA-256 of the body, hex.
        sha256: String,
    },
}

/// The `content_type` of a row that keeps only the digest of its answer (no media type is
/// written without a `/`, so it never clashes with a kept answer's).
pub const DIGEST_ONLY: &str = "sha256";

const COLUMNS: &str = "id, org_id, name, role, scopes, prefix, created_by, created_at, expires_at, \
     revoked_at, last_used_at";

fn token_from_row<R: Row>(r: &R) -> Result<ApiToken>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    DbTime: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    let role: String = r.try_get("role")?;
    let scopes: String = r.try_get("scopes")?;
    Ok(ApiToken {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        name: r.try_get("name")?,
        role: Role::parse(&role)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown role {role:?}")))?,
        scopes: scopes
            .split_whitespace()
            .map(|s| {
                Scope::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown scope {s:?}")))
            })
            .collect::<Result<_>>()?,
        prefix: r.try_get("prefix")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get::<DbTime, _>("created_at")?.0,
        expires_at: r.try_get::<DbTime, _>("expires_at")?.0,
        revoked_at: r.try_get::<Option<DbTime>, _>("revoked_at")?.map(|t| t.0),
        last_used_at: r.try_get::<Option<DbTime>, _>("last_used_at")?.map(|t| t.0),
    })
}

crate::store_ops! {
    fn create_api_token(&self, ctx: &Ctx, t: &NewApiToken<'_>) -> Result<i64>;
    fn api_tokens(&self, org_id: i64) -> Result<Vec<ApiToken>>;
    fn api_token_by_hash(&self, token_sha256: &str) -> Result<Option<ApiToken>>;
    fn revoke_api_token(&self, ctx: &Ctx, org_id: i64, id: i64) -> Result<()>;
    fn touch_api_token(&self, id: i64, now: Timestamp) -> Result<()>;
    fn idempotency_key(&self, owner: &str, key: &str) -> Result<Option<IdempotencyRecord>>;
    fn claim_idempotency_key(&self, owner: &str, key: &str, request_hash: &str, now: Timestamp) -> Result<()>;
    fn store_idempotent_response(&self, owner: &str, key: &str, status: u16, content_type: &str, body: &str) -> Result<()>;
    fn store_idempotent_digest(&self, owner: &str, key: &str, status: u16, sha256: &str) -> Result<()>;
    fn purge_idempotency_keys(&self, before: Timestamp) -> Result<u64>;
}

impl Tx {
    /// Stores a new token (audited: who issued it, for which organisation, with which scopes).
    pub async fn create_api_token(&mut self, ctx: &Ctx, t: &NewApiToken<'_>) -> Result<i64> {
        let audit_keys = self.audit_keys();
        let scopes: Vec<&str> = t.scopes.iter().map(|s| s.as_str()).collect();
        let scopes = scopes.join(" ");
        let created_by = ctx
            .actor
            .user_id
            .ok_or_else(|| StoreError::Corrupt("a token is issued by a user".into()))?;
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO api_tokens (org_id, name, role, scopes, token_sha256, prefix, created_by, \
                 created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(t.org_id)
            .bind(t.name)
            .bind(t.role.as_str())
            .bind(&scopes)
            .bind(t.token_sha256)
            .bind(t.prefix)
            .bind(created_by)
            .bind(conv::ts(ctx.now))
            .bind(conv::ts(t.expires_at))
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "api_token.create",
                object_type: "api_token",
                object_id: id.to_string(),
                summary: json!({"after": {"org_id": t.org_id, "name": t.name, "role": t.role.as_str(),
                    "scopes": scopes, "prefix": t.prefix, "expires_at": t.expires_at.to_string()}}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// An organisation's tokens, newest first (revoked and expired ones too).
    pub async fn api_tokens(&mut self, org_id: i64) -> Result<Vec<ApiToken>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM api_tokens WHERE org_id = $1 ORDER BY id DESC"
            )))
            .bind(org_id)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(token_from_row).collect()
        })
    }

    /// The token with this SHA-256, whatever its state (the caller checks [`ApiToken::is_active`]).
    pub async fn api_token_by_hash(&mut self, token_sha256: &str) -> Result<Option<ApiToken>> {
        on_tx!(self, conn => {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM api_tokens WHERE token_sha256 = $1"
            )))
            .bind(token_sha256)
            .fetch_optional(&mut *conn)
            .await?;
            row.as_ref().map(token_from_row).transpose()
        })
    }

    /// Revokes one of the organisation's tokens; it stops working at once. `NotFound` if it is
    /// not the organisation's or already revoked.
    pub async fn revoke_api_token(&mut self, ctx: &Ctx, org_id: i64, id: i64) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let n = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1, revoked_by = $2 \
                 WHERE id = $3 AND org_id = $4 AND revoked_at IS NULL",
            )
            .bind(conv::ts(ctx.now))
            .bind(ctx.actor.user_id)
            .bind(id)
            .bind(org_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(StoreError::NotFound);
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "api_token.revoke",
                object_type: "api_token",
                object_id: id.to_string(),
                summary: json!({"org_id": org_id}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Records that a token was used (at most once a minute; the calls themselves are audited).
    pub async fn touch_api_token(&mut self, id: i64, now: Timestamp) -> Result<()> {
        let minute_ago = now - jiff::SignedDuration::from_secs(60);
        on_tx!(self, conn => {
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 \
                 AND (last_used_at IS NULL OR last_used_at < $3)",
            )
            .bind(conv::ts(now))
            .bind(id)
            .bind(conv::ts(minute_ago))
            .execute(&mut *conn)
            .await?;
            Ok(())
        })
    }

    /// The record of an idempotency key, if it was used.
    pub async fn idempotency_key(
        &mut self,
        owner: &str,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>> {
        on_tx!(self, conn => {
            let row = sqlx::query(
                "SELECT request_hash, created_at, status, content_type, body FROM idempotency_keys \
                 WHERE owner = $1 AND key = $2",
            )
            .bind(owner)
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?;
            let Some(r) = row else { return Ok(None) };
            let status: Option<i32> = r.try_get("status")?;
            let response = match status {
                Some(s) => {
                    let status =
                        u16::try_from(s).map_err(|_| StoreError::Corrupt("bad status".into()))?;
                    let content_type =
                        r.try_get::<Option<String>, _>("content_type")?.unwrap_or_default();
                    let body = r.try_get::<Option<String>, _>("body")?.unwrap_or_default();
                    Some(if content_type == DIGEST_ONLY {
                        StoredResponse::Digest { status, sha256: body }
                    } else {
                        StoredResponse::Body { status, content_type, body }
                    })
                }
                None => None,
            };
            Ok(Some(IdempotencyRecord {
                request_hash: r.try_get("request_hash")?,
                created_at: r.try_get::<DbTime, _>("created_at")?.0,
                response,
            }))
        })
    }

    /// Claims an idempotency key in the caller's transaction: it commits with the change it
    /// guards. `Conflict` when the key is already claimed (a retry racing the first request).
    pub async fn claim_idempotency_key(
        &mut self,
        owner: &str,
        key: &str,
        request_hash: &str,
        now: Timestamp,
    ) -> Result<()> {
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query(
                "INSERT INTO idempotency_keys (owner, key, request_hash, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(owner)
            .bind(key)
            .bind(request_hash)
            .bind(conv::ts(now))
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Stores the response of the request that claimed the key.
    pub async fn store_idempotent_response(
        &mut self,
        owner: &str,
        key: &str,
        status: u16,
        content_type: &str,
        body: &str,
    ) -> Result<()> {
        on_tx!(self, conn => {
            sqlx::query(
                "UPDATE idempotency_keys SET status = $1, content_type = $2, body = $3 \
                 WHERE owner = $4 AND key = $5 AND status IS NULL",
            )
            .bind(i32::from(status))
            .bind(content_type)
            .bind(body)
            .bind(owner)
            .bind(key)
            .execute(&mut *conn)
            .await?;
            Ok(())
        })
    }

    /// Stores only the status and the SHA-256 (hex) of the response of the request that claimed
    /// the key: for an answer holding a secret or personal data, which must not be kept.
    pub async fn store_idempotent_digest(
        &mut self,
        owner: &str,
        key: &str,
        status: u16,
        sha256: &str,
    ) -> Result<()> {
        self.store_idempotent_response(owner, key, status, DIGEST_ONLY, sha256)
            .await
    }

    /// Forgets keys older than `before` (a retry comes within minutes, not days).
    pub async fn purge_idempotency_keys(&mut self, before: Timestamp) -> Result<u64> {
        on_tx!(self, conn => {
            Ok(sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                .bind(conv::ts(before))
                .execute(&mut *conn)
                .await?
                .rows_affected())
        })
    }
}
