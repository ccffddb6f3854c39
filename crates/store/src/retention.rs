//! Deleting what the portal may no longer keep (GDPR Art. 5(1)(e); the periods and the reasons
//! are in `lis1_domain::retention`), and the person's rights: everything held about someone
//! (Art. 15) and their requests for correction (Art. 16).
//!
//! Each deletion is one transaction: an application goes with everything that hangs on it, or
//! not at all, so a run stopped halfway leaves nothing half-deleted, and the next run picks up
//! where it stopped. Each is audit-logged by id (the log names no one).

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::json;
use sqlx::{Connection, Row};

use crate::audit::{AuditTx, Event};
use crate::conv::DbTime;
use crate::{Ctx, Result, Tx, conv, on_tx};

/// A request for correction (Art. 16), as the person wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectionRequest {
    /// Id.
    pub id: i64,
    /// Who asks.
    pub user_id: i64,
    /// What is wrong and what it should be.
    pub text: String,
    /// When.
    pub created_at: Timestamp,
    /// `received`, or `handled` once the directorate has answered.
    pub state: String,
    /// The directorate's answer, once handled.
    pub answer: Option<String>,
    /// When it was answered.
    pub handled_at: Option<Timestamp>,
    /// Who answered.
    pub handled_by: Option<i64>,
}

const CORRECTION_COLS: &str =
    "id, user_id, text, created_at, state, answer, handled_at, handled_by";

fn correction_from<R: Row>(r: &R) -> Result<CorrectionRequest>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'q> sqlx::Decode<'q, R::Database> + sqlx::Type<R::Database>,
    String: for<'q> sqlx::Decode<'q, R::Database> + sqlx::Type<R::Database>,
    DbTime: for<'q> sqlx::Decode<'q, R::Database> + sqlx::Type<R::Database>,
{
    Ok(CorrectionRequest {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        text: r.try_get("text")?,
        created_at: r.try_get::<DbTime, _>("created_at")?.0,
        state: r.try_get("state")?,
        answer: r.try_get("answer")?,
        handled_at: r.try_get::<Option<DbTime>, _>("handled_at")?.map(|t| t.0),
        handled_by: r.try_get("handled_by")?,
    })
}

crate::store_ops! {
    fn expired_applications(&self, cutoff: Date, limit: i64) -> Result<Vec<i64>>;
    fn delete_expired_application(&self, ctx: &Ctx, id: i64, cutoff: Date) -> Result<bool>;
    fn expired_rest_applications(&self, cutoff: Date, limit: i64) -> Result<Vec<i64>>;
    fn delete_expired_rest_application(&self, ctx: &Ctx, id: i64, cutoff: Date) -> Result<bool>;
    fn expired_documents(&self, cutoff: Date, today: Date, limit: i64) -> Result<Vec<i64>>;
    fn delete_expired_document(&self, ctx: &Ctx, id: i64) -> Result<bool>;
    fn delete_sent_mail_before(&self, before: Timestamp) -> Result<u64>;
    fn create_correction_request(&self, ctx: &Ctx, user_id: i64, text: &str) -> Result<i64>;
    fn correction_requests(&self, user_id: i64) -> Result<Vec<CorrectionRequest>>;
    fn open_correction_requests(&self) -> Result<Vec<CorrectionRequest>>;
    fn correction_request(&self, id: i64) -> Result<CorrectionRequest>;
    fn answer_correction_request(&self, ctx: &Ctx, id: i64, answer: &str) -> Result<bool>;
    fn audit_about(&self, user_id: i64, objects: &[(&'static str, i64)], limit: i64) -> Result<Vec<crate::audit::Entry>>;
}

/// Applications that led to no hire, to rounds that started before the cut-off. An application
/// is kept if any of its offers was accepted (or resigned later), or has a course or a rest
/// position hanging on it.
const EXPIRED_APPLICATION: &str = "FROM applications a \
     JOIN advertisements ad ON ad.id = a.advertisement_id \
     JOIN rounds r ON r.id = ad.round_id \
     WHERE r.start_date < $1 \
     AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.application_id = a.id \
         AND (o.state IN ('accepted', 'resigned') \
              OR EXISTS (SELECT 1 FROM courses c WHERE c.offer_id = o.id) \
              OR EXISTS (SELECT 1 FROM rest_positions rp WHERE rp.source_offer_id = o.id)))";

/// Applications for rest positions that are no longer open and began before the cut-off, with
/// no accepted offer.
const EXPIRED_REST_APPLICATION: &str = "FROM rest_applications ra \
     JOIN rest_positions rp ON rp.id = ra.rest_position_id \
     WHERE rp.state <> 'open' AND rp.period_from < $1 \
     AND NOT EXISTS (SELECT 1 FROM rest_offers ro WHERE ro.rest_application_id = ra.id \
         AND (ro.state IN ('accepted', 'resigned') \
              OR EXISTS (SELECT 1 FROM courses c WHERE c.rest_offer_id = ro.id)))";

impl Tx {
    /// Up to `limit` applications due for deletion (see [`EXPIRED_APPLICATION`]), oldest first.
    pub async fn expired_applications(&mut self, cutoff: Date, limit: i64) -> Result<Vec<i64>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT a.id {EXPIRED_APPLICATION} ORDER BY a.id LIMIT $2"
            )))
            .bind(conv::date(cutoff))
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(|r| Ok(r.try_get::<i64, _>(0)?)).collect()
        })
    }

    /// Deletes one expired application with its points, adjustments, notes, comments, place on
    /// the innstilling, positions applied for, and its offers (none accepted) with their merking,
    /// in one transaction, checking again that it is still due. `false` if it no longer is (or is
    /// gone already).
    pub async fn delete_expired_application(
        &mut self,
        ctx: &Ctx,
        id: i64,
        cutoff: Date,
    ) -> Result<bool> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let due: Option<(i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT a.advertisement_id, a.applicant_id {EXPIRED_APPLICATION} AND a.id = $2"
            )))
            .bind(conv::date(cutoff))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((ad, applicant)) = due else {
                return Ok(false);
            };
            let mut removed = serde_json::Map::new();
            for (table, sql) in [
                ("marks", "DELETE FROM marks WHERE offer_id IN (SELECT id FROM offers WHERE application_id = $1)"),
                ("offers", "DELETE FROM offers WHERE application_id = $1"),
                ("recommendation_entries", "DELETE FROM recommendation_entries WHERE application_id = $1"),
                ("comments", "DELETE FROM comments WHERE application_id = $1"),
                ("point_adjustments", "DELETE FROM point_adjustments WHERE application_id = $1"),
                ("assessments", "DELETE FROM assessments WHERE application_id = $1"),
                ("application_positions", "DELETE FROM application_positions WHERE application_id = $1"),
                ("applications", "DELETE FROM applications WHERE id = $1"),
            ] {
                let n = sqlx::query(sql).bind(id).execute(&mut *tx).await?.rows_affected();
                if n > 0 {
                    removed.insert(table.into(), n.into());
                }
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "retention.application_deleted",
                object_type: "application",
                object_id: id.to_string(),
                summary: json!({"advertisement_id": ad, "applicant_id": applicant,
                    "rule": "unsuccessful_application", "rows": removed}),
            })
            .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Up to `limit` rest-position applications due for deletion (see
    /// [`EXPIRED_REST_APPLICATION`]), oldest first.
    pub async fn expired_rest_applications(
        &mut self,
        cutoff: Date,
        limit: i64,
    ) -> Result<Vec<i64>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT ra.id {EXPIRED_REST_APPLICATION} ORDER BY ra.id LIMIT $2"
            )))
            .bind(conv::date(cutoff))
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(|r| Ok(r.try_get::<i64, _>(0)?)).collect()
        })
    }

    /// Deletes one expired rest-position application and its offers (none accepted), in one
    /// transaction, checking again that it is due. `false` if it no longer is.
    pub async fn delete_expired_rest_application(
        &mut self,
        ctx: &Ctx,
        id: i64,
        cutoff: Date,
    ) -> Result<bool> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let due: Option<(i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT ra.rest_position_id, ra.applicant_id {EXPIRED_REST_APPLICATION} AND ra.id = $2"
            )))
            .bind(conv::date(cutoff))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((position, applicant)) = due else {
                return Ok(false);
            };
            let offers = sqlx::query("DELETE FROM rest_offers WHERE rest_application_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("DELETE FROM rest_applications WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "retention.rest_application_deleted",
                object_type: "rest_application",
                object_id: id.to_string(),
                summary: json!({"rest_position_id": position, "applicant_id": applicant,
                    "rule": "unsuccessful_application", "rest_offers": offers}),
            })
            .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Up to `limit` documents due for deletion: uploaded before the cut-off, their owner with
    /// no application to a round starting on or after it, no rest application sent on or after
    /// it, and no course that has not ended by `today`.
    pub async fn expired_documents(
        &mut self,
        cutoff: Date,
        today: Date,
        limit: i64,
    ) -> Result<Vec<i64>> {
        let cutoff_ts = cutoff
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::MIN);
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT d.id FROM documents d WHERE d.deleted_at IS NULL AND d.created_at < $1 \
                 AND NOT EXISTS (SELECT 1 FROM applications a \
                     JOIN advertisements ad ON ad.id = a.advertisement_id \
                     JOIN rounds r ON r.id = ad.round_id \
                     WHERE a.applicant_id = d.owner_id AND r.start_date >= $2) \
                 AND NOT EXISTS (SELECT 1 FROM rest_applications ra \
                     WHERE ra.applicant_id = d.owner_id AND ra.submitted_at >= $1) \
                 AND NOT EXISTS (SELECT 1 FROM courses c \
                     WHERE c.applicant_id = d.owner_id AND c.municipal_end >= $3) \
                 ORDER BY d.id LIMIT $4",
            )
            .bind(conv::ts(cutoff_ts))
            .bind(conv::date(cutoff))
            .bind(conv::date(today))
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(|r| Ok(r.try_get::<i64, _>(0)?)).collect()
        })
    }

    /// Deletes an expired document's content and name (the row stays, marked deleted, for the
    /// audit trail). `false` if it was deleted already.
    pub async fn delete_expired_document(&mut self, ctx: &Ctx, id: i64) -> Result<bool> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let owner: Option<i64> = sqlx::query_scalar(
                "UPDATE documents SET deleted_at = $1, content = $2, content_key = NULL, filename = '' \
                 WHERE id = $3 AND deleted_at IS NULL RETURNING owner_id",
            )
            .bind(conv::ts(ctx.now))
            .bind(Vec::<u8>::new())
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(owner) = owner else {
                return Ok(false);
            };
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "retention.document_deleted",
                object_type: "document",
                object_id: id.to_string(),
                summary: json!({"owner_id": owner, "rule": "document"}),
            })
            .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Deletes mail sent before `before` (addresses and bodies); unsent mail is kept whatever
    /// its age, so nothing undelivered disappears. Returns how many.
    pub async fn delete_sent_mail_before(&mut self, before: Timestamp) -> Result<u64> {
        on_tx!(self, conn => {
            Ok(sqlx::query("DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < $1")
                .bind(conv::ts(before))
                .execute(&mut *conn)
                .await?
                .rows_affected())
        })
    }

    /// Records a request for correction (audited without its text, which may hold personal
    /// data; the text is in the request's row).
    pub async fn create_correction_request(
        &mut self,
        ctx: &Ctx,
        user_id: i64,
        text: &str,
    ) -> Result<i64> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO correction_requests (user_id, text, created_at) VALUES ($1, $2, $3) \
                 RETURNING id",
            )
            .bind(user_id)
            .bind(text)
            .bind(conv::ts(ctx.now))
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "privacy.correction_requested",
                object_type: "correction_request",
                object_id: id.to_string(),
                summary: json!({"user_id": user_id, "chars": text.chars().count()}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// A person's requests for correction, newest first.
    pub async fn correction_requests(&mut self, user_id: i64) -> Result<Vec<CorrectionRequest>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {CORRECTION_COLS} FROM correction_requests WHERE user_id = $1 \
                 ORDER BY id DESC"
            )))
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(correction_from).collect::<Result<_>>()
        })
    }

    /// The requests for correction not yet answered, oldest first.
    pub async fn open_correction_requests(&mut self) -> Result<Vec<CorrectionRequest>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {CORRECTION_COLS} FROM correction_requests WHERE state = 'received' \
                 ORDER BY created_at, id"
            )))
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(correction_from).collect::<Result<_>>()
        })
    }

    /// One request for correction.
    pub async fn correction_request(&mut self, id: i64) -> Result<CorrectionRequest> {
        on_tx!(self, conn => {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {CORRECTION_COLS} FROM correction_requests WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(crate::StoreError::NotFound)?;
            correction_from(&row)
        })
    }

    /// Marks a received request handled with the directorate's answer, audit-logged
    /// (`privacy.correction_handled`; the answer itself is in the request's row). `false` if it
    /// was handled already.
    pub async fn answer_correction_request(
        &mut self,
        ctx: &Ctx,
        id: i64,
        answer: &str,
    ) -> Result<bool> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let user: Option<i64> = sqlx::query_scalar(
                "UPDATE correction_requests SET state = 'handled', answer = $1, handled_at = $2, \
                 handled_by = $3 WHERE id = $4 AND state = 'received' RETURNING user_id",
            )
            .bind(answer)
            .bind(conv::ts(ctx.now))
            .bind(ctx.actor.user_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(user) = user else {
                return Ok(false);
            };
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "privacy.correction_handled",
                object_type: "correction_request",
                object_id: id.to_string(),
                summary: json!({"user_id": user, "chars": answer.chars().count()}),
            })
            .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// The audit entries about a person, newest first, at most `limit`: what they did, and
    /// what was done to or read about them and their `objects` (e.g. `("application", 7)`).
    pub async fn audit_about(
        &mut self,
        user_id: i64,
        objects: &[(&'static str, i64)],
        limit: i64,
    ) -> Result<Vec<crate::audit::Entry>> {
        // Object kinds are the code's own names and ids are numbers: safe to write into the SQL.
        let mut conditions = vec![
            "actor_user_id = $1".to_string(),
            "(object_type = 'user' AND object_id = $2)".to_string(),
        ];
        let mut kinds: Vec<&str> = objects.iter().map(|(k, _)| *k).collect();
        kinds.sort_unstable();
        kinds.dedup();
        for kind in kinds {
            if !kind.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                continue;
            }
            let ids: Vec<String> = objects
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, id)| format!("'{id}'"))
                .collect();
            conditions.push(format!(
                "(object_type = '{kind}' AND object_id IN ({}))",
                ids.join(", ")
            ));
        }
        let sql = format!(
            "SELECT {} FROM audit_log WHERE {} ORDER BY seq DESC LIMIT $3",
            crate::audit::SHOWN,
            conditions.join(" OR ")
        );
        on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(user_id)
                .bind(user_id.to_string())
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?;
            rows.iter()
                .map(crate::audit::shown)
                .collect::<Result<_>>()
        })
    }
}
