//! Server-side sessions. The browser holds a random token; the database holds only its SHA-256,
//! so a leaked database does not leak live sessions. Deleting the row ends the session at once.

use jiff::Timestamp;
use serde_json::json;
use sqlx::Row;

use crate::audit::{AuditTx, Event};
use crate::{Actor, Ctx, Result, Tx, conv, on_tx};
use sqlx::Connection;

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Whose.
    pub user_id: i64,
    /// The token forms and API calls must echo (CSRF protection).
    pub csrf_token: String,
    /// When the user signed in (for the absolute timeout).
    pub created_at: Timestamp,
    /// Last request (for the idle timeout).
    pub last_seen_at: Timestamp,
}

crate::store_ops! {
    fn create_session(&self, now: Timestamp, token_hash: &str, user_id: i64, csrf_token: &str) -> Result<()>;
    fn session(&self, token_hash: &str) -> Result<Option<Session>>;
    fn touch_session(&self, token_hash: &str, now: Timestamp) -> Result<()>;
    fn delete_session(&self, token_hash: &str, logout_by: Option<(i64, Timestamp)>) -> Result<()>;
    fn purge_sessions(&self, idle_before: Timestamp, started_before: Timestamp) -> Result<u64>;
}

impl Tx {
    /// Starts a session after a successful login; logs the login.
    pub async fn create_session(
        &mut self,
        now: Timestamp,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        let ctx = Ctx::new(Actor::user_only(user_id), now);
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at) \
                 VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(csrf_token)
            .bind(conv::ts(ctx.now))
            .execute(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), &ctx, Event {
                action: "session.login",
                object_type: "user",
                object_id: user_id.to_string(),
                summary: json!({}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The session with this token hash, if it exists.
    pub async fn session(&mut self, token_hash: &str) -> Result<Option<Session>> {
        on_tx!(self, conn => {
            let row = sqlx::query(
                "SELECT user_id, csrf_token, created_at, last_seen_at FROM sessions \
                 WHERE token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(&mut *conn)
            .await?;
            match row {
                None => Ok(None),
                Some(r) => {
                    let created: crate::conv::DbTime = r.try_get("created_at")?;
                    let seen: crate::conv::DbTime = r.try_get("last_seen_at")?;
                    Ok(Some(Session {
                        user_id: r.try_get("user_id")?,
                        csrf_token: r.try_get("csrf_token")?,
                        created_at: created.0,
                        last_seen_at: seen.0,
                    }))
                }
            }
        })
    }

    /// Records activity, pushing the idle timeout forward. Not audited: it is not a decision.
    pub async fn touch_session(&mut self, token_hash: &str, now: Timestamp) -> Result<()> {
        on_tx!(self, conn => {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(conv::ts(lis1_domain::audit::to_micros(now)))
                .bind(token_hash)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    /// Ends a session (logout or timeout). Logged when `user_id` is given (an explicit logout).
    pub async fn delete_session(
        &mut self,
        token_hash: &str,
        logout_by: Option<(i64, Timestamp)>,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(&mut *tx)
                .await?;
            if let Some((user_id, now)) = logout_by {
                let ctx = Ctx::new(Actor::user_only(user_id), now);
                tx.append_audit(audit_keys.as_deref(), &ctx, Event {
                    action: "session.logout",
                    object_type: "user",
                    object_id: user_id.to_string(),
                    summary: json!({}),
                })
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Removes sessions idle since before `idle_before` or started before `started_before`.
    pub async fn purge_sessions(
        &mut self,
        idle_before: Timestamp,
        started_before: Timestamp,
    ) -> Result<u64> {
        on_tx!(self, conn => {
            let n = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
                .bind(conv::ts(idle_before))
                .bind(conv::ts(started_before))
                .execute(&mut *conn)
                .await?
                .rows_affected();
            Ok(n)
        })
    }
}
