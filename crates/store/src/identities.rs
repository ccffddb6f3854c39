//! Sign-in through OpenID Connect (issue 15): an account's identities at providers (ID-porten's
//! pairwise `sub` and the `pid` it vouched for; HelseID's or an organisation's own provider's
//! `sub`), staff invitations, sign-ins under way, and sessions that came from a provider.
//! Never a token: only what the validated ID token said about the person.

use jiff::Timestamp;
use lis1_domain::access::{Grant, Role};
use serde_json::json;
use sqlx::{Connection, Row};

use crate::audit::{AuditTx, Event};
use crate::conv::DbTime;
use crate::{Actor, Ctx, Result, StoreError, Tx, conv, crypto, on_tx};

/// An identity at a provider, linked to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalIdentity {
    /// The provider's issuer URL.
    pub issuer: String,
    /// The subject (pairwise for ID-porten).
    pub subject: String,
    /// The account.
    pub user_id: i64,
    /// The national identity number, when the provider vouched for one.
    pub pid: Option<String>,
}

/// A staff invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Id.
    pub id: i64,
    /// The organisation.
    pub org_id: i64,
    /// The role to be held there.
    pub role: Role,
    /// Where the invitation was sent (lower-cased).
    pub email: String,
    /// The invited person's name.
    pub name: String,
    /// When it stops being valid.
    pub expires_at: Timestamp,
    /// When it was accepted.
    pub accepted_at: Option<Timestamp>,
}

/// A new staff invitation.
#[derive(Debug, Clone)]
pub struct NewInvitation<'a> {
    /// The organisation.
    pub org_id: i64,
    /// The role.
    pub role: Role,
    /// The address (lower-cased on save).
    pub email: &'a str,
    /// The name.
    pub name: &'a str,
    /// SHA-256 of the invitation's secret.
    pub token_hash: &'a str,
    /// Valid until.
    pub expires_at: Timestamp,
}

crate::store_ops! {
    fn external_identity(&self, issuer: &str, subject: &str) -> Result<Option<ExternalIdentity>>;
    fn identities_of(&self, user_id: i64) -> Result<Vec<ExternalIdentity>>;
    fn user_with_pid(&self, pid: &str) -> Result<Option<i64>>;
    fn put_pending(&self, key_hash: &str, kind: &str, data: &serde_json::Value, now: Timestamp) -> Result<()>;
    fn take_pending(&self, key_hash: &str, kind: &str, not_before: Timestamp) -> Result<Option<serde_json::Value>>;
    fn peek_pending(&self, key_hash: &str, kind: &str, not_before: Timestamp) -> Result<Option<serde_json::Value>>;
    fn create_external_session(&self, ctx: &Ctx, token_hash: &str, csrf_token: &str, provider: &str, sid: Option<&str>) -> Result<()>;
    fn session_provider(&self, token_hash: &str) -> Result<Option<String>>;
    fn session_sid(&self, token_hash: &str) -> Result<Option<String>>;
    fn end_sessions_with_sid(&self, now: Timestamp, provider: &str, sid: &str) -> Result<u64>;
    fn invitation_by_hash(&self, token_hash: &str) -> Result<Option<Invitation>>;
    fn invitations(&self, org_id: i64) -> Result<Vec<Invitation>>;
    fn is_break_glass(&self, user_id: i64) -> Result<bool>;
    fn set_break_glass(&self, ctx: &Ctx, user_id: i64, on: bool) -> Result<()>;
}

impl Tx {
    /// The identity with this issuer and subject, if linked.
    pub async fn external_identity(
        &mut self,
        issuer: &str,
        subject: &str,
    ) -> Result<Option<ExternalIdentity>> {
        let keys = self.keys.clone();
        on_tx!(self, conn => {
            let row = sqlx::query(
                "SELECT issuer, subject, user_id, pid, pid_enc FROM external_identities \
                 WHERE issuer = $1 AND subject = $2",
            )
            .bind(issuer)
            .bind(subject)
            .fetch_optional(&mut *conn)
            .await?;
            row.map(|r| identity(&r, keys.as_deref())).transpose()
        })
    }

    /// An account's identities.
    pub async fn identities_of(&mut self, user_id: i64) -> Result<Vec<ExternalIdentity>> {
        let keys = self.keys.clone();
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT issuer, subject, user_id, pid, pid_enc FROM external_identities \
                 WHERE user_id = $1 ORDER BY issuer, subject",
            )
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(|r| identity(r, keys.as_deref())).collect()
        })
    }

    /// The account this national identity number is known for: linked through a provider, or
    /// else written in an applicant's profile.
    pub async fn user_with_pid(&mut self, pid: &str) -> Result<Option<i64>> {
        // The pid is 11 digits (parsed by the caller); the pattern cannot match anything else.
        if !(pid.len() == 11 && pid.bytes().all(|b| b.is_ascii_digit())) {
            return Ok(None);
        }
        // Through the keyed hash (lis1_store::crypto): the number is stored only encrypted.
        let hash = self.keyring()?.lookup_hash(pid);
        on_tx!(self, conn => {
            let linked: Option<i64> = sqlx::query_scalar(
                "SELECT user_id FROM external_identities WHERE pid_hash = $1 ORDER BY created_at LIMIT 1",
            )
            .bind(&hash)
            .fetch_optional(&mut *conn)
            .await?;
            if linked.is_some() {
                return Ok(linked);
            }
            let in_profile: Option<i64> = sqlx::query_scalar(
                "SELECT user_id FROM profiles WHERE national_id_hash = $1 ORDER BY user_id LIMIT 1",
            )
            .bind(&hash)
            .fetch_optional(&mut *conn)
            .await?;
            Ok(in_profile)
        })
    }

    /// Links an identity to an account; audited as `identity.link` (the pid masked).
    pub async fn link_identity(&mut self, ctx: &Ctx, id: &ExternalIdentity) -> Result<()> {
        let audit_keys = self.audit_keys();
        let keys = self.keys.clone();
        let (enc, hash) = crypto::seal_national_id(
            keys.as_deref(),
            &crypto::context::pid(&id.issuer, &id.subject),
            id.pid.as_deref(),
        )?;
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query(
                "INSERT INTO external_identities (issuer, subject, user_id, pid, pid_enc, pid_hash, \
                 created_at, last_used_at) VALUES ($1, $2, $3, NULL, $4, $5, $6, $6)",
            )
            .bind(&id.issuer)
            .bind(&id.subject)
            .bind(id.user_id)
            .bind(enc)
            .bind(hash)
            .bind(conv::ts(ctx.now))
            .execute(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "identity.link",
                object_type: "user",
                object_id: id.user_id.to_string(),
                summary: json!({"issuer": id.issuer,
                    "pid": id.pid.as_deref().map(mask_pid)}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Records a pending step (a sign-in under way, a link waiting for confirmation).
    pub async fn put_pending(
        &mut self,
        key_hash: &str,
        kind: &str,
        data: &serde_json::Value,
        now: Timestamp,
    ) -> Result<()> {
        on_tx!(self, conn => {
            sqlx::query(
                "INSERT INTO oidc_pending (key_hash, kind, data, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(key_hash)
            .bind(kind)
            .bind(data.to_string())
            .bind(conv::ts(now))
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// Takes (reads and deletes) a pending step made at or after `not_before`: each can be used
    /// once. Older ones are removed on the way.
    pub async fn take_pending(
        &mut self,
        key_hash: &str,
        kind: &str,
        not_before: Timestamp,
    ) -> Result<Option<serde_json::Value>> {
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query("DELETE FROM oidc_pending WHERE created_at < $1")
                .bind(conv::ts(not_before))
                .execute(&mut *tx)
                .await?;
            let data: Option<String> = sqlx::query_scalar(
                "DELETE FROM oidc_pending WHERE key_hash = $1 AND kind = $2 RETURNING data",
            )
            .bind(key_hash)
            .bind(kind)
            .fetch_optional(&mut *tx)
            .await?;
            tx.commit().await?;
            data.map(|d| serde_json::from_str(&d).map_err(|e| StoreError::Corrupt(e.to_string())))
                .transpose()
        })
    }

    /// Reads a pending step without using it up.
    pub async fn peek_pending(
        &mut self,
        key_hash: &str,
        kind: &str,
        not_before: Timestamp,
    ) -> Result<Option<serde_json::Value>> {
        on_tx!(self, conn => {
            let data: Option<String> = sqlx::query_scalar(
                "SELECT data FROM oidc_pending WHERE key_hash = $1 AND kind = $2 AND created_at >= $3",
            )
            .bind(key_hash)
            .bind(kind)
            .bind(conv::ts(not_before))
            .fetch_optional(&mut *conn)
            .await?;
            data.map(|d| serde_json::from_str(&d).map_err(|e| StoreError::Corrupt(e.to_string())))
                .transpose()
        })
    }

    /// Starts a session after a sign-in through a provider; audited as `session.login` with the
    /// provider (never the token).
    pub async fn create_external_session(
        &mut self,
        ctx: &Ctx,
        token_hash: &str,
        csrf_token: &str,
        provider: &str,
        sid: Option<&str>,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        let user_id = ctx.actor.user_id.unwrap_or_default();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, \
                 oidc_provider, oidc_sid) VALUES ($1, $2, $3, $4, $4, $5, $6)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(csrf_token)
            .bind(conv::ts(ctx.now))
            .bind(provider)
            .bind(sid)
            .execute(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "session.login",
                object_type: "user",
                object_id: user_id.to_string(),
                summary: json!({"method": "oidc", "provider": provider}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The provider a session came from, if any.
    pub async fn session_provider(&mut self, token_hash: &str) -> Result<Option<String>> {
        on_tx!(self, conn => {
            let p: Option<Option<String>> =
                sqlx::query_scalar("SELECT oidc_provider FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&mut *conn)
                    .await?;
            Ok(p.flatten())
        })
    }

    /// The provider's session id (`sid`) a session came with, if any.
    pub async fn session_sid(&mut self, token_hash: &str) -> Result<Option<String>> {
        on_tx!(self, conn => {
            let p: Option<Option<String>> =
                sqlx::query_scalar("SELECT oidc_sid FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .fetch_optional(&mut *conn)
                    .await?;
            Ok(p.flatten())
        })
    }

    /// Front-channel logout: ends the sessions the provider's session `sid` started; audited as
    /// `session.logout` with `{"by": "provider"}` per session.
    pub async fn end_sessions_with_sid(
        &mut self,
        now: Timestamp,
        provider: &str,
        sid: &str,
    ) -> Result<u64> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let users: Vec<i64> = sqlx::query_scalar(
                "DELETE FROM sessions WHERE oidc_provider = $1 AND oidc_sid = $2 RETURNING user_id",
            )
            .bind(provider)
            .bind(sid)
            .fetch_all(&mut *tx)
            .await?;
            for u in &users {
                let ctx = Ctx::new(Actor::system(), now);
                tx.append_audit(audit_keys.as_deref(), &ctx, Event {
                    action: "session.logout",
                    object_type: "user",
                    object_id: u.to_string(),
                    summary: json!({"by": "provider", "provider": provider}),
                })
                .await?;
            }
            tx.commit().await?;
            Ok(users.len() as u64)
        })
    }

    /// Stores an invitation; audited as `invitation.create`.
    pub async fn create_invitation(&mut self, ctx: &Ctx, new: &NewInvitation<'_>) -> Result<i64> {
        let audit_keys = self.audit_keys();
        let email = new.email.trim().to_lowercase();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO staff_invitations (org_id, role, email, name, token_hash, invited_by, \
                 created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(new.org_id)
            .bind(new.role.as_str())
            .bind(&email)
            .bind(new.name)
            .bind(new.token_hash)
            .bind(ctx.actor.user_id.unwrap_or_default())
            .bind(conv::ts(ctx.now))
            .bind(conv::ts(new.expires_at))
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "invitation.create",
                object_type: "invitation",
                object_id: id.to_string(),
                summary: json!({"org": new.org_id, "role": new.role.as_str(), "email": email}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The invitation with this token hash.
    pub async fn invitation_by_hash(&mut self, token_hash: &str) -> Result<Option<Invitation>> {
        on_tx!(self, conn => {
            let row = sqlx::query(
                "SELECT id, org_id, role, email, name, expires_at, accepted_at \
                 FROM staff_invitations WHERE token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(&mut *conn)
            .await?;
            row.map(|r| invitation(&r)).transpose()
        })
    }

    /// An organisation's invitations, newest first.
    pub async fn invitations(&mut self, org_id: i64) -> Result<Vec<Invitation>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT id, org_id, role, email, name, expires_at, accepted_at \
                 FROM staff_invitations WHERE org_id = $1 ORDER BY id DESC",
            )
            .bind(org_id)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(invitation).collect()
        })
    }

    /// Accepts an invitation: grants its role to `user_id`; audited as `invitation.accept`.
    /// `Conflict` when it was accepted meanwhile.
    pub async fn accept_invitation(
        &mut self,
        ctx: &Ctx,
        inv: &Invitation,
        user_id: i64,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let n = sqlx::query(
                "UPDATE staff_invitations SET accepted_at = $1, accepted_by = $2 \
                 WHERE id = $3 AND accepted_at IS NULL",
            )
            .bind(conv::ts(ctx.now))
            .bind(user_id)
            .bind(inv.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(StoreError::Conflict("invitation already accepted".into()));
            }
            let held: Option<i64> = sqlx::query_scalar(
                "SELECT user_id FROM user_roles WHERE user_id = $1 AND role = $2 AND org_id = $3",
            )
            .bind(user_id)
            .bind(inv.role.as_str())
            .bind(inv.org_id)
            .fetch_optional(&mut *tx)
            .await?;
            if held.is_none() {
                sqlx::query("INSERT INTO user_roles (user_id, role, org_id) VALUES ($1, $2, $3)")
                    .bind(user_id)
                    .bind(inv.role.as_str())
                    .bind(inv.org_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let grant = Grant { role: inv.role, org: inv.org_id };
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "invitation.accept",
                object_type: "invitation",
                object_id: inv.id.to_string(),
                summary: json!({"user": user_id, "role": grant.role.as_str(), "org": grant.org}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Whether the account is its organisation's break-glass account.
    pub async fn is_break_glass(&mut self, user_id: i64) -> Result<bool> {
        on_tx!(self, conn => {
            let b: Option<bool> = sqlx::query_scalar("SELECT break_glass FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&mut *conn)
                .await?;
            Ok(b.unwrap_or(false))
        })
    }

    /// Marks (or unmarks) the break-glass account; audited.
    pub async fn set_break_glass(&mut self, ctx: &Ctx, user_id: i64, on: bool) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query("UPDATE users SET break_glass = $1 WHERE id = $2")
                .bind(on)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "user.break_glass",
                object_type: "user",
                object_id: user_id.to_string(),
                summary: json!({"after": on}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }
}

/// A national identity number as the audit log keeps it: the birth date, the rest hidden.
pub fn mask_pid(pid: &str) -> String {
    let head: String = pid.chars().take(6).collect();
    format!("{head}*****")
}

fn identity<R: Row>(r: &R, keys: Option<&crypto::Keyring>) -> Result<ExternalIdentity>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let issuer: String = r.try_get("issuer")?;
    let subject: String = r.try_get("subject")?;
    let sealed: Option<String> = r.try_get("pid_enc")?;
    // A pid not yet moved by `lis1 keys migrate` is still in `pid`.
    let pid = match sealed {
        None => r.try_get("pid")?,
        Some(_) => crypto::open_national_id(
            keys.ok_or(StoreError::Crypto(crypto::CryptoError::NoKey))?,
            &crypto::context::pid(&issuer, &subject),
            sealed.as_deref(),
        )?,
    };
    Ok(ExternalIdentity {
        issuer,
        subject,
        user_id: r.try_get("user_id")?,
        pid,
    })
}

fn invitation<R: Row>(r: &R) -> Result<Invitation>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> DbTime: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<DbTime>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let role: String = r.try_get("role")?;
    let expires: DbTime = r.try_get("expires_at")?;
    let accepted: Option<DbTime> = r.try_get("accepted_at")?;
    Ok(Invitation {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        expires_at: expires.0,
        accepted_at: accepted.map(|t| t.0),
    })
}
