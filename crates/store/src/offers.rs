//! Offers and merking. The rules of when an offer may be made, answered or expire are
//! `lis1_domain::offers`; here every transition is one conditional update inside a transaction,
//! so under any concurrency:
//! - an offer is answered at most once (`UPDATE … WHERE state = 'made' AND reply_deadline > now`);
//! - a position never has more outstanding offers than slots (the position row is locked while
//!   counting, `FOR UPDATE` on PostgreSQL; SQLite has one writer);
//! - an applicant holds at most one acceptance (the applicant's row is locked while accepting,
//!   and an earlier acceptance is resigned in the same transaction).

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::audit::{AuditTx, Event};
use crate::conv::DbTime;
use crate::{Ctx, Result, StoreError, Tx, conv, on_tx};
use sqlx::Connection;

/// An offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offer {
    /// Id.
    pub id: i64,
    /// The position.
    pub position_id: i64,
    /// The application.
    pub application_id: i64,
    /// The applicant.
    pub applicant_id: i64,
    /// The national offer round it was made in.
    pub offer_round: i32,
    /// `made`, `accepted`, `declined`, `expired`, `withdrawn` or `resigned`.
    pub state: String,
    /// When made.
    pub made_at: Timestamp,
    /// Reply deadline (*svarfrist*).
    pub reply_deadline: Timestamp,
    /// When answered (or expired, withdrawn, resigned).
    pub answered_at: Option<Timestamp>,
    /// Why it was withdrawn.
    pub withdrawn_reason: Option<String>,
}

/// An offer to make.
#[derive(Debug, Clone)]
pub struct NewOffer {
    /// Position.
    pub position_id: i64,
    /// Application (must apply for the position and be submitted).
    pub application_id: i64,
    /// Offer round number.
    pub offer_round: i32,
    /// Reply deadline of that offer round.
    pub reply_deadline: Timestamp,
}

/// What accepting did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The accepted offer.
    pub offer_id: i64,
    /// Earlier acceptances resigned in the same step (their positions go to the next in line).
    pub resigned: Vec<i64>,
}

/// A visible acceptance (*merking*).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mark {
    /// The accepted offer.
    pub offer_id: i64,
    /// Who accepted.
    pub applicant_id: i64,
    /// Where (the hospital trust of the accepted position).
    pub employer_id: i64,
    /// The employer's name.
    pub employer_name: String,
    /// Visible until (one week before the start).
    pub visible_until: Timestamp,
}

/// A visible acceptance with what another employer needs to tell the doctor apart and see where
/// they are going: site, start, when accepted, and the birth date and HPR number of the profile
/// the doctor applied with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkDetail {
    /// The mark.
    pub mark: Mark,
    /// The doctor's name.
    pub doctor: String,
    /// The hospital site of the accepted position.
    pub site_name: String,
    /// The start date (the round's common start).
    pub start_date: jiff::civil::Date,
    /// When the offer was accepted.
    pub accepted_at: Option<Timestamp>,
    /// The birth date, from the identity number in the submitted profile.
    pub birth_date: Option<jiff::civil::Date>,
    /// The HPR number in the submitted profile.
    pub hpr_number: Option<String>,
}

const OFFER_COLUMNS: &str = "id, position_id, application_id, applicant_id, offer_round, state, \
     made_at, reply_deadline, answered_at, withdrawn_reason";

fn offer_from_row<R: Row>(r: &R) -> Result<Offer>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    i32: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    DbTime: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Offer {
        id: r.try_get("id")?,
        position_id: r.try_get("position_id")?,
        application_id: r.try_get("application_id")?,
        applicant_id: r.try_get("applicant_id")?,
        offer_round: r.try_get("offer_round")?,
        state: r.try_get("state")?,
        made_at: r.try_get::<DbTime, _>("made_at")?.0,
        reply_deadline: r.try_get::<DbTime, _>("reply_deadline")?.0,
        answered_at: r.try_get::<Option<DbTime>, _>("answered_at")?.map(|t| t.0),
        withdrawn_reason: r.try_get("withdrawn_reason")?,
    })
}

crate::store_ops! {
    fn make_offer(&self, ctx: &Ctx, o: &NewOffer) -> Result<i64>;
    fn accept_offer(&self, ctx: &Ctx, offer_id: i64, applicant_id: i64, round_id: i64, employer_id: i64, visible_until: Timestamp) -> Result<Accepted>;
    fn decline_offer(&self, ctx: &Ctx, offer_id: i64, applicant_id: i64) -> Result<()>;
    fn withdraw_offer(&self, ctx: &Ctx, offer_id: i64, reason: &str) -> Result<()>;
    fn expire_offers(&self, ctx: &Ctx) -> Result<Vec<Offer>>;
    fn offers_due(&self, now: Timestamp) -> Result<Vec<Offer>>;
    fn expire_offer(&self, ctx: &Ctx, offer_id: i64) -> Result<bool>;
    fn offer(&self, id: i64) -> Result<Offer>;
    fn offers_for_position(&self, position_id: i64) -> Result<Vec<Offer>>;
    fn offers_for_applicant(&self, applicant_id: i64) -> Result<Vec<Offer>>;
    fn open_offers(&self, now: Timestamp) -> Result<Vec<Offer>>;
    fn marks(&self, round_id: i64, now: Timestamp) -> Result<Vec<Mark>>;
    fn mark_details(&self, round_id: i64, now: Timestamp) -> Result<Vec<MarkDetail>>;
    fn accepted_in_offer_round(&self, round_id: i64, offer_round: i32) -> Result<Vec<Offer>>;
    fn hide_mark(&self, ctx: &Ctx, offer_id: i64, reason: &str) -> Result<()>;
}

impl Tx {
    /// Makes an offer. Refused with [`StoreError::Conflict`] when the position has no free slot,
    /// the candidate was offered this position before, or the application does not apply for it.
    pub async fn make_offer(&mut self, ctx: &Ctx, o: &NewOffer) -> Result<i64> {
        let audit_keys = self.audit_keys();
        let backend = self.backend();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            // Serialise offers on one position: count and insert under the position's row lock.
            let lock = if backend == crate::Backend::Postgres {
                "SELECT count FROM positions WHERE id = $1 FOR UPDATE"
            } else {
                "SELECT count FROM positions WHERE id = $1"
            };
            let count: i32 = sqlx::query_scalar(lock)
                .bind(o.position_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
            let outstanding: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM offers WHERE position_id = $1 AND state IN ('made', 'accepted')",
            )
            .bind(o.position_id)
            .fetch_one(&mut *tx)
            .await?;
            if outstanding >= i64::from(count) {
                return Err(StoreError::Conflict("no_free_slot".into()));
            }
            // Never the same candidate twice for one position (the next in line skips everyone
            // offered before, in any state). Checked here, under the lock, because a caller's
            // queue may be stale: a place freed between its read and this write would otherwise
            // let a second process offer the position again to the one it just went to.
            let offered_before: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM offers WHERE position_id = $1 AND application_id = $2",
            )
            .bind(o.position_id)
            .bind(o.application_id)
            .fetch_optional(&mut *tx)
            .await?;
            if offered_before.is_some() {
                return Err(StoreError::Conflict("already_offered".into()));
            }
            let applicant: Option<i64> = sqlx::query_scalar(
                "SELECT a.applicant_id FROM applications a JOIN application_positions p \
                 ON p.application_id = a.id WHERE a.id = $1 AND p.position_id = $2 AND a.state = 'submitted'",
            )
            .bind(o.application_id)
            .bind(o.position_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(applicant) = applicant else {
                return Err(StoreError::Conflict("not_an_applicant_for_position".into()));
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO offers (position_id, application_id, applicant_id, offer_round, state, \
                 made_at, reply_deadline, made_by) VALUES ($1, $2, $3, $4, 'made', $5, $6, $7) RETURNING id",
            )
            .bind(o.position_id)
            .bind(o.application_id)
            .bind(applicant)
            .bind(o.offer_round)
            .bind(conv::ts(ctx.now))
            .bind(conv::ts(o.reply_deadline))
            .bind(ctx.actor.user_id)
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "offer.make",
                object_type: "offer",
                object_id: id.to_string(),
                summary: json!({"after": {"position_id": o.position_id, "application_id": o.application_id,
                    "offer_round": o.offer_round, "reply_deadline": o.reply_deadline.to_string()}}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Accepts the applicant's own offer before its deadline; earlier acceptances of the same
    /// applicant are resigned in the same step. `NotFound` if the offer is not theirs;
    /// `Conflict("not_open")` if it is no longer open (answered, expired, withdrawn, late).
    pub async fn accept_offer(
        &mut self,
        ctx: &Ctx,
        offer_id: i64,
        applicant_id: i64,
        round_id: i64,
        employer_id: i64,
        visible_until: Timestamp,
    ) -> Result<Accepted> {
        let audit_keys = self.audit_keys();
        let backend = self.backend();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            // One acceptance at a time per applicant.
            let lock = if backend == crate::Backend::Postgres {
                "SELECT id FROM users WHERE id = $1 FOR UPDATE"
            } else {
                "SELECT id FROM users WHERE id = $1"
            };
            sqlx::query(lock).bind(applicant_id).execute(&mut *tx).await?;
            let owner: Option<i64> = sqlx::query_scalar("SELECT applicant_id FROM offers WHERE id = $1")
                .bind(offer_id)
                .fetch_optional(&mut *tx)
                .await?;
            if owner != Some(applicant_id) {
                return Err(StoreError::NotFound);
            }
            let n = sqlx::query(
                "UPDATE offers SET state = 'accepted', answered_at = $1 \
                 WHERE id = $2 AND state = 'made' AND reply_deadline > $1",
            )
            .bind(conv::ts(ctx.now))
            .bind(offer_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(StoreError::Conflict("not_open".into()));
            }
            let resigned: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM offers WHERE applicant_id = $1 AND state = 'accepted' AND id <> $2 ORDER BY id",
            )
            .bind(applicant_id)
            .bind(offer_id)
            .fetch_all(&mut *tx)
            .await?;
            for earlier in &resigned {
                sqlx::query("UPDATE offers SET state = 'resigned', answered_at = $1 WHERE id = $2 AND state = 'accepted'")
                    .bind(conv::ts(ctx.now))
                    .bind(earlier)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE marks SET hidden_at = $1, hidden_reason = 'resigned' WHERE offer_id = $2 AND hidden_at IS NULL")
                    .bind(conv::ts(ctx.now))
                    .bind(earlier)
                    .execute(&mut *tx)
                    .await?;
                tx.append_audit(audit_keys.as_deref(), ctx, Event {
                    action: "offer.resign",
                    object_type: "offer",
                    object_id: earlier.to_string(),
                    summary: json!({"before": {"state": "accepted"}, "after": {"state": "resigned"}, "because_accepted": offer_id}),
                })
                .await?;
            }
            sqlx::query(
                "INSERT INTO marks (offer_id, applicant_id, round_id, employer_id, visible_until) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(offer_id)
            .bind(applicant_id)
            .bind(round_id)
            .bind(employer_id)
            .bind(conv::ts(visible_until))
            .execute(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "offer.accept",
                object_type: "offer",
                object_id: offer_id.to_string(),
                summary: json!({"before": {"state": "made"}, "after": {"state": "accepted"}, "resigned": resigned}),
            })
            .await?;
            tx.commit().await?;
            Ok(Accepted { offer_id, resigned })
        })
    }

    /// Declines the applicant's own open offer.
    pub async fn decline_offer(
        &mut self,
        ctx: &Ctx,
        offer_id: i64,
        applicant_id: i64,
    ) -> Result<()> {
        self.close_offer(
            ctx,
            offer_id,
            Some(applicant_id),
            "declined",
            "offer.decline",
            None,
        )
        .await
    }

    /// Withdraws an unanswered offer with a reason (the employer).
    pub async fn withdraw_offer(&mut self, ctx: &Ctx, offer_id: i64, reason: &str) -> Result<()> {
        self.close_offer(
            ctx,
            offer_id,
            None,
            "withdrawn",
            "offer.withdraw",
            Some(reason),
        )
        .await
    }

    async fn close_offer(
        &mut self,
        ctx: &Ctx,
        offer_id: i64,
        applicant: Option<i64>,
        to: &'static str,
        action: &'static str,
        reason: Option<&str>,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let n = sqlx::query(
                "UPDATE offers SET state = $1, answered_at = $2, withdrawn_reason = $3 \
                 WHERE id = $4 AND state = 'made' AND reply_deadline > $2 \
                 AND ($5 IS NULL OR applicant_id = $5)",
            )
            .bind(to)
            .bind(conv::ts(ctx.now))
            .bind(reason)
            .bind(offer_id)
            .bind(applicant)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(StoreError::Conflict("not_open".into()));
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action,
                object_type: "offer",
                object_id: offer_id.to_string(),
                summary: json!({"before": {"state": "made"}, "after": {"state": to}, "reason": reason}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Expires every open offer whose deadline has passed; returns them. Safe to run from several
    /// processes and after downtime: each offer expires once.
    pub async fn expire_offers(&mut self, ctx: &Ctx) -> Result<Vec<Offer>> {
        let mut expired = Vec::new();
        for o in self.offers_due(ctx.now).await? {
            if self.expire_offer(ctx, o.id).await? {
                expired.push(Offer {
                    state: "expired".into(),
                    answered_at: Some(ctx.now),
                    ..o
                });
            }
        }
        Ok(expired)
    }

    /// Open offers whose reply deadline is at or before `now` (to be expired).
    pub async fn offers_due(&mut self, now: Timestamp) -> Result<Vec<Offer>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT id, position_id, application_id, applicant_id, offer_round, state, made_at, \
                 reply_deadline, answered_at, withdrawn_reason FROM offers \
                 WHERE state = 'made' AND reply_deadline <= $1 ORDER BY id",
            )
            .bind(conv::ts(now))
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(offer_from_row).collect::<Result<Vec<_>>>()
        })
    }

    /// Expires one open offer whose deadline has passed. Returns whether it expired now
    /// (`false`: already answered, expired by someone else, or not yet due).
    pub async fn expire_offer(&mut self, ctx: &Ctx, offer_id: i64) -> Result<bool> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let deadline: Option<DbTime> = sqlx::query_scalar(
                "UPDATE offers SET state = 'expired', answered_at = $1 \
                 WHERE id = $2 AND state = 'made' AND reply_deadline <= $1 RETURNING reply_deadline",
            )
            .bind(conv::ts(ctx.now))
            .bind(offer_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(deadline) = deadline else {
                return Ok(false);
            };
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "offer.expire",
                object_type: "offer",
                object_id: offer_id.to_string(),
                summary: json!({"before": {"state": "made"}, "after": {"state": "expired"},
                    "reply_deadline": deadline.0.to_string()}),
            })
            .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// One offer.
    pub async fn offer(&mut self, id: i64) -> Result<Offer> {
        self.load_offers("id", id)
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    /// A position's offers, oldest first.
    pub async fn offers_for_position(&mut self, position_id: i64) -> Result<Vec<Offer>> {
        self.load_offers("position_id", position_id).await
    }

    /// An applicant's offers, oldest first.
    pub async fn offers_for_applicant(&mut self, applicant_id: i64) -> Result<Vec<Offer>> {
        self.load_offers("applicant_id", applicant_id).await
    }

    async fn load_offers(&mut self, by: &'static str, value: i64) -> Result<Vec<Offer>> {
        let _ = OFFER_COLUMNS;
        on_tx!(self, conn => {
            let sql = match by {
                "id" => "SELECT id, position_id, application_id, applicant_id, offer_round, state, made_at, reply_deadline, answered_at, withdrawn_reason FROM offers WHERE id = $1 ORDER BY id",
                "position_id" => "SELECT id, position_id, application_id, applicant_id, offer_round, state, made_at, reply_deadline, answered_at, withdrawn_reason FROM offers WHERE position_id = $1 ORDER BY id",
                _ => "SELECT id, position_id, application_id, applicant_id, offer_round, state, made_at, reply_deadline, answered_at, withdrawn_reason FROM offers WHERE applicant_id = $1 ORDER BY id",
            };
            let rows = sqlx::query(sql).bind(value).fetch_all(&mut *conn).await?;
            rows.iter().map(offer_from_row).collect()
        })
    }

    /// Open offers (unanswered, before their deadline), for reminders.
    pub async fn open_offers(&mut self, now: Timestamp) -> Result<Vec<Offer>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT id, position_id, application_id, applicant_id, offer_round, state, made_at, \
                 reply_deadline, answered_at, withdrawn_reason FROM offers \
                 WHERE state = 'made' AND reply_deadline > $1 ORDER BY id",
            )
            .bind(conv::ts(now))
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(offer_from_row).collect()
        })
    }

    /// Visible acceptances of a round at `now` (merking), for every employer in the round.
    pub async fn marks(&mut self, round_id: i64, now: Timestamp) -> Result<Vec<Mark>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT m.offer_id, m.applicant_id, m.employer_id, o.name, m.visible_until FROM marks m \
                 JOIN organisations o ON o.id = m.employer_id \
                 WHERE m.round_id = $1 AND m.hidden_at IS NULL AND m.visible_until > $2 ORDER BY m.offer_id",
            )
            .bind(round_id)
            .bind(conv::ts(now))
            .fetch_all(&mut *conn)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(Mark {
                        offer_id: r.try_get("offer_id")?,
                        applicant_id: r.try_get("applicant_id")?,
                        employer_id: r.try_get("employer_id")?,
                        employer_name: r.try_get("name")?,
                        visible_until: r.try_get::<DbTime, _>("visible_until")?.0,
                    })
                })
                .collect()
        })
    }

    /// The visible acceptances of a round with site, start, acceptance time and the doctor's
    /// birth date and HPR number (see [`MarkDetail`]), ordered by offer.
    pub async fn mark_details(&mut self, round_id: i64, now: Timestamp) -> Result<Vec<MarkDetail>> {
        let keys = self.keys.clone();
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT m.offer_id, m.applicant_id, m.employer_id, o.name, m.visible_until, \
                        u.display_name, s.name AS site_name, r.start_date, f.answered_at, ap.profile, \
                        ap.id AS application_id, ap.national_id_enc \
                 FROM marks m \
                 JOIN organisations o ON o.id = m.employer_id \
                 JOIN offers f ON f.id = m.offer_id \
                 JOIN positions p ON p.id = f.position_id \
                 JOIN advertisements a ON a.id = p.advertisement_id \
                 JOIN organisations s ON s.id = a.hospital_site_id \
                 JOIN rounds r ON r.id = m.round_id \
                 JOIN users u ON u.id = m.applicant_id \
                 JOIN applications ap ON ap.id = f.application_id \
                 WHERE m.round_id = $1 AND m.hidden_at IS NULL AND m.visible_until > $2 ORDER BY m.offer_id",
            )
            .bind(round_id)
            .bind(conv::ts(now))
            .fetch_all(&mut *conn)
            .await?;
            rows.iter()
                .map(|r| {
                    let profile: String = r.try_get("profile")?;
                    // Only two fields are wanted: read them without the whole profile type, so an
                    // old snapshot still gives what it has.
                    let mut json: serde_json::Value = serde_json::from_str(&profile).unwrap_or_default();
                    let sealed: Option<String> = r.try_get("national_id_enc")?;
                    if sealed.is_some() {
                        let keys = keys.as_deref().ok_or(StoreError::Crypto(crate::crypto::CryptoError::NoKey))?;
                        crate::crypto::put_national_id(&mut json, crate::crypto::open_national_id(
                            keys,
                            &crate::crypto::context::application(r.try_get("application_id")?),
                            sealed.as_deref(),
                        )?);
                    }
                    let national_id = json.get("national_id").and_then(|v| v.as_str()).unwrap_or("");
                    let birth_date = lis1_domain::identity::NationalId::parse_with(
                        national_id,
                        lis1_domain::identity::SyntheticPolicy::Allow,
                    )
                    .ok()
                    .and_then(|n| n.birth_date());
                    let hpr_number = json
                        .get("hpr_number")
                        .and_then(|v| v.as_str())
                        .filter(|s| !s.is_empty())
                        .map(str::to_string);
                    Ok(MarkDetail {
                        mark: Mark {
                            offer_id: r.try_get("offer_id")?,
                            applicant_id: r.try_get("applicant_id")?,
                            employer_id: r.try_get("employer_id")?,
                            employer_name: r.try_get("name")?,
                            visible_until: r.try_get::<DbTime, _>("visible_until")?.0,
                        },
                        doctor: r.try_get("display_name")?,
                        site_name: r.try_get("site_name")?,
                        start_date: r.try_get::<jiff_sqlx::Date, _>("start_date")?.to_jiff(),
                        accepted_at: r.try_get::<Option<DbTime>, _>("answered_at")?.map(|t| t.0),
                        birth_date,
                        hpr_number,
                    })
                })
                .collect()
        })
    }

    /// The offers of a round's offer round `offer_round` that are accepted now.
    pub async fn accepted_in_offer_round(
        &mut self,
        round_id: i64,
        offer_round: i32,
    ) -> Result<Vec<Offer>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {} FROM offers o JOIN positions p ON p.id = o.position_id \
                 JOIN advertisements a ON a.id = p.advertisement_id \
                 WHERE a.round_id = $1 AND o.offer_round = $2 AND o.state = 'accepted' ORDER BY o.id",
                OFFER_COLUMNS
                    .split(", ")
                    .map(|c| format!("o.{}", c.trim()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
            .bind(round_id)
            .bind(offer_round)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(offer_from_row).collect()
        })
    }

    /// Hides a mark on application (the directorate; 004 draft §12).
    pub async fn hide_mark(&mut self, ctx: &Ctx, offer_id: i64, reason: &str) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let n = sqlx::query("UPDATE marks SET hidden_at = $1, hidden_reason = $2 WHERE offer_id = $3 AND hidden_at IS NULL")
                .bind(conv::ts(ctx.now))
                .bind(reason)
                .bind(offer_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n != 1 {
                return Err(StoreError::NotFound);
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "mark.hide",
                object_type: "offer",
                object_id: offer_id.to_string(),
                summary: json!({"reason": reason}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }
}
