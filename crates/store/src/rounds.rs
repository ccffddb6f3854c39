//! Rounds (*utlysningsrunder*) and their offer-round timetables. The rules that make a round
//! valid live in `lis1_domain::rounds`; the store keeps what was validated, as UTC instants.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::audit::{AuditTx, Event};
use crate::conv::DbTime;
use crate::{Ctx, Result, StoreError, Tx, conv, on_tx};
use sqlx::Connection;

/// One offer round (*tilbudsrunde*).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfferRoundTimes {
    /// 1, 2, 3, …
    pub number: i32,
    /// When offers may be made.
    pub offer_at: Timestamp,
    /// Reply deadline (*svarfrist*).
    pub reply_deadline: Timestamp,
    /// Marking deadline (*merkefrist*).
    pub marking_at: Timestamp,
}

/// A round to save (already validated by `lis1_domain::rounds::validate`).
#[derive(Debug, Clone)]
pub struct NewRound {
    /// Name, e.g. "Våren 2027".
    pub name: String,
    /// `spring` or `autumn`.
    pub season: &'static str,
    /// Year of announcement.
    pub year: i32,
    /// Announcement (*kunngjøring*).
    pub announcement: Timestamp,
    /// Application deadline (*søknadsfrist*).
    pub application_deadline: Timestamp,
    /// Earliest offer time.
    pub earliest_offer: Timestamp,
    /// Start date of the hospital part.
    pub start_date: Date,
    /// The offer rounds, in order.
    pub offer_rounds: Vec<OfferRoundTimes>,
}

/// A stored round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRound {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// `spring` or `autumn`.
    pub season: String,
    /// Year of announcement.
    pub year: i32,
    /// Announcement.
    pub announcement: Timestamp,
    /// Application deadline.
    pub application_deadline: Timestamp,
    /// Earliest offer time.
    pub earliest_offer: Timestamp,
    /// Start date.
    pub start_date: Date,
    /// Offer rounds.
    pub offer_rounds: Vec<OfferRoundTimes>,
}

crate::store_ops! {
    fn create_round(&self, ctx: &Ctx, r: &NewRound) -> Result<i64>;
    fn rounds(&self) -> Result<Vec<StoredRound>>;
    fn round(&self, id: i64) -> Result<StoredRound>;
}

impl Tx {
    /// Saves a round and its timetable. A second round for the same season and year is a
    /// [`StoreError::Conflict`].
    pub async fn create_round(&mut self, ctx: &Ctx, r: &NewRound) -> Result<i64> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO rounds (name, season, year, announcement_at, application_deadline_at, \
                 earliest_offer_at, start_date, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(&r.name)
            .bind(r.season)
            .bind(r.year)
            .bind(conv::ts(r.announcement))
            .bind(conv::ts(r.application_deadline))
            .bind(conv::ts(r.earliest_offer))
            .bind(conv::date(r.start_date))
            .bind(ctx.actor.user_id)
            .bind(conv::ts(ctx.now))
            .fetch_one(&mut *tx)
            .await?;
            for o in &r.offer_rounds {
                sqlx::query(
                    "INSERT INTO offer_rounds (round_id, number, offer_at, reply_deadline_at, \
                     marking_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(o.number)
                .bind(conv::ts(o.offer_at))
                .bind(conv::ts(o.reply_deadline))
                .bind(conv::ts(o.marking_at))
                .execute(&mut *tx)
                .await?;
            }
            let offers: Vec<_> = r.offer_rounds.iter().map(|o| json!({
                "number": o.number, "offer_at": o.offer_at.to_string(),
                "reply_deadline": o.reply_deadline.to_string(), "marking_at": o.marking_at.to_string(),
            })).collect();
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "round.create",
                object_type: "round",
                object_id: id.to_string(),
                summary: json!({"after": {
                    "name": r.name, "season": r.season, "year": r.year,
                    "announcement": r.announcement.to_string(),
                    "application_deadline": r.application_deadline.to_string(),
                    "earliest_offer": r.earliest_offer.to_string(),
                    "start_date": r.start_date.to_string(), "offer_rounds": offers,
                }}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// All rounds, newest start first.
    pub async fn rounds(&mut self) -> Result<Vec<StoredRound>> {
        let ids: Vec<i64> = on_tx!(self, conn => {
            sqlx::query_scalar("SELECT id FROM rounds ORDER BY start_date DESC, id DESC")
                .fetch_all(&mut *conn)
                .await?
        });
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.round(id).await?);
        }
        Ok(out)
    }

    /// One round with its timetable.
    pub async fn round(&mut self, id: i64) -> Result<StoredRound> {
        on_tx!(self, conn => {
            let r = sqlx::query(
                "SELECT id, name, season, year, announcement_at, application_deadline_at, \
                 earliest_offer_at, start_date FROM rounds WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
            let offers = sqlx::query(
                "SELECT number, offer_at, reply_deadline_at, marking_at FROM offer_rounds \
                 WHERE round_id = $1 ORDER BY number",
            )
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
            let offer_rounds = offers
                .iter()
                .map(|o| {
                    Ok(OfferRoundTimes {
                        number: o.try_get("number")?,
                        offer_at: o.try_get::<DbTime, _>("offer_at")?.0,
                        reply_deadline: o.try_get::<DbTime, _>("reply_deadline_at")?.0,
                        marking_at: o.try_get::<DbTime, _>("marking_at")?.0,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(StoredRound {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                season: r.try_get("season")?,
                year: r.try_get("year")?,
                announcement: r.try_get::<DbTime, _>("announcement_at")?.0,
                application_deadline: r.try_get::<DbTime, _>("application_deadline_at")?.0,
                earliest_offer: r.try_get::<DbTime, _>("earliest_offer_at")?.0,
                start_date: r.try_get::<jiff_sqlx::Date, _>("start_date")?.to_jiff(),
                offer_rounds,
            })
        })
    }
}
