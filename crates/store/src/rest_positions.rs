//! Rest positions (*reststillinger*, 002 §2.3, 004 draft §12): a place left vacant after the
//! offer rounds, or vacated later by resignation, advertised continuously by the responsible
//! employer as a standalone, time-limited position without coupling. Each has its own short flow:
//! one application per applicant, one offer at a time, and an acceptance that fills it.
//!
//! As in `offers.rs`, every transition is one conditional update inside a transaction:
//! - a rest position has at most one outstanding (`made`, before its deadline) or accepted offer
//!   (the rest position's row is locked while counting, `FOR UPDATE` on PostgreSQL; SQLite has
//!   one writer);
//! - an offer is answered at most once, before its deadline;
//! - accepting fills the rest position in the same transaction, so it leaves the public list.

use jiff::Timestamp;
use jiff::civil::Date;
use lis1_domain::offers::VacancyReason;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::applications::Submitted;
use crate::audit::{AuditTx, Event};
use crate::conv::DbTime;
use crate::{Ctx, Result, StoreError, Tx, conv, crypto, on_tx};
use sqlx::Connection;

/// A rest position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestPosition {
    /// Id.
    pub id: i64,
    /// The employer that advertises it.
    pub employer_id: i64,
    /// The employer's name.
    pub employer_name: String,
    /// The ordinary position it came from, if any.
    pub source_position_id: Option<i64>,
    /// The resigned offer it came from, if any.
    pub source_offer_id: Option<i64>,
    /// The hospital site a hand-made rest position named (a trust's); `None` otherwise.
    pub hospital_site_id: Option<i64>,
    /// Why it is vacant: a `VacancyReason` string.
    pub reason: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// First day.
    pub period_from: Date,
    /// Last day.
    pub period_to: Date,
    /// `open`, `filled` or `closed`.
    pub state: String,
    /// Created.
    pub created_at: Timestamp,
    /// Why the employer closed it (when `closed`).
    pub closed_reason: Option<String>,
}

/// What a rest-position hire's course is made from ([`Tx::rest_course_facts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestCourseFacts {
    /// The employer is a municipality (else a hospital trust).
    pub employer_is_municipality: bool,
    /// The employer.
    pub employer_id: i64,
    /// The source position's hospital site, if it came from one.
    pub source_site_id: Option<i64>,
    /// The source position's municipality (§13a), if it had one.
    pub source_municipality_id: Option<i64>,
    /// The source position's round start (its cohort's hospital start).
    pub source_round_start: Option<Date>,
    /// The site the rest position named when it was made by hand (a trust's choice).
    pub chosen_site_id: Option<i64>,
    /// The site when there is no source and none was named: the municipality's first
    /// cooperating site, or the trust's first site.
    pub fallback_site_id: Option<i64>,
    /// The rest position's first day.
    pub period_from: Date,
    /// Its last day.
    pub period_to: Date,
}

/// A rest position to create.
#[derive(Debug, Clone)]
pub struct NewRestPosition {
    /// The employer that advertises it.
    pub employer_id: i64,
    /// The ordinary position it came from.
    pub source_position_id: Option<i64>,
    /// The hospital site its course belongs to, when made by hand by a trust (the caller has
    /// checked it is one of the trust's sites).
    pub hospital_site_id: Option<i64>,
    /// Why it is vacant.
    pub reason: VacancyReason,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// First day.
    pub period_from: Date,
    /// Last day (not before the first).
    pub period_to: Date,
}

/// An application for a rest position.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestApplication {
    /// Id.
    pub id: i64,
    /// The rest position.
    pub rest_position_id: i64,
    /// The applicant.
    pub applicant_id: i64,
    /// The applicant's name (from the account).
    pub applicant_name: String,
    /// Motivation.
    pub motivation: String,
    /// Profile snapshot (JSON).
    pub profile: serde_json::Value,
    /// Last submitted.
    pub submitted_at: Timestamp,
    /// `submitted` or `withdrawn`.
    pub state: String,
}

/// An offer of a rest position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestOffer {
    /// Id.
    pub id: i64,
    /// The rest position.
    pub rest_position_id: i64,
    /// The application.
    pub rest_application_id: i64,
    /// The applicant.
    pub applicant_id: i64,
    /// `made`, `accepted`, `declined`, `expired` or `withdrawn`.
    pub state: String,
    /// When made.
    pub made_at: Timestamp,
    /// Reply deadline.
    pub reply_deadline: Timestamp,
    /// When answered (or expired).
    pub answered_at: Option<Timestamp>,
}

const POSITION_SELECT: &str = "SELECT r.id, r.employer_id, o.name AS employer_name, \
     r.source_position_id, r.source_offer_id, r.hospital_site_id, r.reason, r.title, r.description, r.period_from, \
     r.period_to, r.state, r.created_at, r.closed_reason FROM rest_positions r \
     JOIN organisations o ON o.id = r.employer_id";

fn position_from_row<R: Row>(r: &R) -> Result<RestPosition>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    DbTime: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    jiff_sqlx::Date: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    Ok(RestPosition {
        id: r.try_get("id")?,
        employer_id: r.try_get("employer_id")?,
        employer_name: r.try_get("employer_name")?,
        source_position_id: r.try_get("source_position_id")?,
        source_offer_id: r.try_get("source_offer_id")?,
        hospital_site_id: r.try_get("hospital_site_id")?,
        reason: r.try_get("reason")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        period_from: r.try_get::<jiff_sqlx::Date, _>("period_from")?.to_jiff(),
        period_to: r.try_get::<jiff_sqlx::Date, _>("period_to")?.to_jiff(),
        state: r.try_get("state")?,
        created_at: r.try_get::<DbTime, _>("created_at")?.0,
        closed_reason: r.try_get("closed_reason")?,
    })
}

fn application_from_row<R: Row>(r: &R, keys: Option<&crypto::Keyring>) -> Result<RestApplication>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    DbTime: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    let profile: String = r.try_get("profile")?;
    let id: i64 = r.try_get("id")?;
    let mut profile: serde_json::Value = serde_json::from_str(&profile)
        .map_err(|e| StoreError::Corrupt(format!("stored JSON: {e}")))?;
    let sealed: Option<String> = r.try_get("national_id_enc")?;
    if sealed.is_some() {
        let keys = keys.ok_or(StoreError::Crypto(crypto::CryptoError::NoKey))?;
        crypto::put_national_id(
            &mut profile,
            crypto::open_national_id(
                keys,
                &crypto::context::rest_application(id),
                sealed.as_deref(),
            )?,
        );
    }
    Ok(RestApplication {
        id,
        rest_position_id: r.try_get("rest_position_id")?,
        applicant_id: r.try_get("applicant_id")?,
        applicant_name: r.try_get("display_name")?,
        motivation: r.try_get("motivation")?,
        profile,
        submitted_at: r.try_get::<DbTime, _>("submitted_at")?.0,
        state: r.try_get("state")?,
    })
}

fn offer_from_row<R: Row>(r: &R) -> Result<RestOffer>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    DbTime: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    Ok(RestOffer {
        id: r.try_get("id")?,
        rest_position_id: r.try_get("rest_position_id")?,
        rest_application_id: r.try_get("rest_application_id")?,
        applicant_id: r.try_get("applicant_id")?,
        state: r.try_get("state")?,
        made_at: r.try_get::<DbTime, _>("made_at")?.0,
        reply_deadline: r.try_get::<DbTime, _>("reply_deadline")?.0,
        answered_at: r.try_get::<Option<DbTime>, _>("answered_at")?.map(|t| t.0),
    })
}

/// The last day of a LIS1 period of 18 months (12 in hospital, 6 in a municipality) that starts
/// on `from`.
fn lis1_period_end(from: Date) -> Result<Date> {
    from.checked_add(jiff::Span::new().months(18))
        .and_then(|d| d.checked_sub(jiff::Span::new().days(1)))
        .map_err(|e| StoreError::Corrupt(format!("period: {e}")))
}

crate::store_ops! {
    fn rest_course_facts(&self, rest_position_id: i64) -> Result<RestCourseFacts>;
    fn create_rest_position(&self, ctx: &Ctx, p: &NewRestPosition) -> Result<i64>;
    fn create_rest_position_for_resignation(&self, ctx: &Ctx, offer_id: i64) -> Result<i64>;
    fn resigned_without_rest_position(&self, since: jiff::Timestamp) -> Result<Vec<(i64, jiff::Timestamp)>>;
    fn rest_position_for_offer(&self, offer_id: i64) -> Result<Option<i64>>;
    fn open_rest_positions(&self) -> Result<Vec<RestPosition>>;
    fn rest_positions_for_employer(&self, employer_id: i64) -> Result<Vec<RestPosition>>;
    fn rest_position(&self, id: i64) -> Result<RestPosition>;
    fn apply_rest_position(&self, ctx: &Ctx, rest_position_id: i64, applicant_id: i64, motivation: &str, profile: &serde_json::Value) -> Result<Submitted>;
    fn rest_applications(&self, rest_position_id: i64) -> Result<Vec<RestApplication>>;
    fn rest_applications_for_applicant(&self, applicant_id: i64) -> Result<Vec<RestApplication>>;
    fn make_rest_offer(&self, ctx: &Ctx, rest_position_id: i64, rest_application_id: i64, reply_deadline: Timestamp) -> Result<i64>;
    fn accept_rest_offer(&self, ctx: &Ctx, offer_id: i64, applicant_id: i64) -> Result<()>;
    fn decline_rest_offer(&self, ctx: &Ctx, offer_id: i64, applicant_id: i64) -> Result<()>;
    fn close_rest_position(&self, ctx: &Ctx, rest_position_id: i64, reason: &str) -> Result<Vec<RestOffer>>;
    fn withdraw_rest_application(&self, ctx: &Ctx, rest_position_id: i64, applicant_id: i64) -> Result<Option<RestOffer>>;
    fn expire_rest_offers(&self, ctx: &Ctx) -> Result<Vec<RestOffer>>;
    fn open_rest_offers(&self, now: Timestamp) -> Result<Vec<RestOffer>>;
    fn all_rest_positions(&self) -> Result<Vec<RestPosition>>;
    fn rest_offer(&self, id: i64) -> Result<RestOffer>;
    fn rest_offers_for_position(&self, rest_position_id: i64) -> Result<Vec<RestOffer>>;
    fn rest_offers_for_applicant(&self, applicant_id: i64) -> Result<Vec<RestOffer>>;
}

impl Tx {
    /// Creates an open rest position. `Conflict("bad_period")` if it ends before it starts.
    pub async fn create_rest_position(&mut self, ctx: &Ctx, p: &NewRestPosition) -> Result<i64> {
        self.insert_rest_position(ctx, p, None).await
    }

    async fn insert_rest_position(
        &mut self,
        ctx: &Ctx,
        p: &NewRestPosition,
        source_offer_id: Option<i64>,
    ) -> Result<i64> {
        let audit_keys = self.audit_keys();
        if p.period_to < p.period_from {
            return Err(StoreError::Conflict("bad_period".into()));
        }
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO rest_positions (employer_id, source_position_id, source_offer_id, reason, \
                 title, description, period_from, period_to, state, created_at, created_by, \
                 hospital_site_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10, $11) RETURNING id",
            )
            .bind(p.employer_id)
            .bind(p.source_position_id)
            .bind(source_offer_id)
            .bind(p.reason.as_str())
            .bind(&p.title)
            .bind(&p.description)
            .bind(conv::date(p.period_from))
            .bind(conv::date(p.period_to))
            .bind(conv::ts(ctx.now))
            .bind(ctx.actor.user_id)
            .bind(p.hospital_site_id)
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "rest_position.create",
                object_type: "rest_position",
                object_id: id.to_string(),
                summary: json!({"after": {"employer_id": p.employer_id, "reason": p.reason.as_str(),
                    "source_position_id": p.source_position_id, "source_offer_id": source_offer_id,
                    "hospital_site_id": p.hospital_site_id,
                    "title": p.title, "period_from": p.period_from.to_string(),
                    "period_to": p.period_to.to_string()}}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Creates the rest position a resigned acceptance leaves (002 §2.3), once per offer: calling
    /// it again returns the same rest position. `Conflict("not_resigned")` if the offer was not
    /// resigned.
    ///
    /// The responsible employer is the position's municipality when it has one (§13a, and bound
    /// positions), which advertises the municipal part (002 §2.3). A §13b position has no single
    /// municipality: its municipal place is decided by lottery later, so until then the vacancy
    /// is the hospital trust's, which advertises it.
    ///
    /// The period is the LIS1 period of the round (18 months from its start date), or from
    /// `ctx.now`'s date if the start has passed.
    pub async fn create_rest_position_for_resignation(
        &mut self,
        ctx: &Ctx,
        offer_id: i64,
    ) -> Result<i64> {
        if let Some(existing) = self.rest_position_for_offer(offer_id).await? {
            return Ok(existing);
        }
        let offer = self.offer(offer_id).await?;
        if offer.state != "resigned" {
            return Err(StoreError::Conflict("not_resigned".into()));
        }
        let app = self.application(offer.application_id).await?;
        let ad = self.advertisement(app.advertisement_id).await?;
        let position = ad
            .positions
            .iter()
            .find(|p| p.id == offer.position_id)
            .ok_or(StoreError::NotFound)?;
        let round = self.round(ad.round_id).await?;
        let employer_id = position.municipality_id.unwrap_or(ad.hf_id);
        let today = lis1_domain::calendar::to_oslo(ctx.now).date();
        let period_from = round.start_date.max(today);
        let period_to = lis1_period_end(round.start_date)?.max(period_from);
        let new = NewRestPosition {
            hospital_site_id: None,
            employer_id,
            source_position_id: Some(position.id),
            reason: VacancyReason::Resignation,
            title: format!("Reststilling: {}", ad.title),
            description: format!(
                "Ledig etter oppsigelse. Frittstående, tidsbegrenset LIS1-stilling uten kobling, \
                 fra «{}».",
                ad.title
            ),
            period_from,
            period_to,
        };
        match self.insert_rest_position(ctx, &new, Some(offer_id)).await {
            // Two callers at once: the unique source offer keeps one; return it.
            Err(StoreError::Conflict(_)) => self
                .rest_position_for_offer(offer_id)
                .await?
                .ok_or(StoreError::NotFound),
            other => other,
        }
    }

    /// Creates the rest positions a place left unfilled by the coordinated match becomes (issue
    /// 16): `places` of them for the position, in the caller's transaction (the match's). The
    /// responsible employer and the period are chosen as for a resignation
    /// ([`Tx::create_rest_position_for_resignation`]). Returns their ids.
    pub async fn create_rest_positions_after_match(
        &mut self,
        ctx: &Ctx,
        position_id: i64,
        places: u32,
    ) -> Result<Vec<i64>> {
        let ad_id: i64 = on_tx!(self, conn => {
            Ok::<i64, StoreError>(sqlx::query_scalar(
                "SELECT advertisement_id FROM positions WHERE id = $1",
            )
            .bind(position_id)
            .fetch_one(&mut *conn)
            .await?)
        })?;
        let ad = self.advertisement(ad_id).await?;
        let position = ad
            .positions
            .iter()
            .find(|p| p.id == position_id)
            .ok_or(StoreError::NotFound)?;
        let round = self.round(ad.round_id).await?;
        let today = lis1_domain::calendar::to_oslo(ctx.now).date();
        let period_from = round.start_date.max(today);
        let period_to = lis1_period_end(round.start_date)?.max(period_from);
        let new = NewRestPosition {
            hospital_site_id: None,
            employer_id: position.municipality_id.unwrap_or(ad.hf_id),
            source_position_id: Some(position.id),
            reason: VacancyReason::NotFilledAfterMatch,
            title: format!("Reststilling: {}", ad.title),
            description: format!(
                "Ikke besatt i samordnet opptak. Frittstående, tidsbegrenset LIS1-stilling uten \
                 kobling, fra «{}».",
                ad.title
            ),
            period_from,
            period_to,
        };
        let mut ids = Vec::new();
        for _ in 0..places {
            ids.push(self.insert_rest_position(ctx, &new, None).await?);
        }
        Ok(ids)
    }

    /// What a rest-position hire's course is made from (issue 11, item 10): the employer's kind,
    /// the source position's site, municipality and round start when it came from one, and the
    /// site to use otherwise (a municipality's first cooperating site, or a trust's first site).
    pub async fn rest_course_facts(&mut self, rest_position_id: i64) -> Result<RestCourseFacts> {
        let r = self.rest_position(rest_position_id).await?;
        let employer = self.org(r.employer_id).await?;
        on_tx!(self, conn => {
            let source: Option<(i64, Option<i64>, jiff_sqlx::Date)> = sqlx::query_as(
                "SELECT ad.hospital_site_id, p.municipality_id, r.start_date \
                 FROM rest_positions rp JOIN positions p ON p.id = rp.source_position_id \
                 JOIN advertisements ad ON ad.id = p.advertisement_id \
                 JOIN rounds r ON r.id = ad.round_id WHERE rp.id = $1",
            )
            .bind(rest_position_id)
            .fetch_optional(&mut *conn)
            .await?;
            let fallback_site: Option<i64> = sqlx::query_scalar(
                "SELECT MIN(site) FROM ( \
                     SELECT hospital_site_id AS site FROM cooperation_areas WHERE municipality_id = $1 \
                     UNION ALL \
                     SELECT id AS site FROM organisations WHERE parent_id = $1 AND kind = 'hospital_site' \
                     UNION ALL \
                     SELECT id AS site FROM organisations WHERE id = $1 AND kind = 'hospital_site') s",
            )
            .bind(r.employer_id)
            .fetch_one(&mut *conn)
            .await?;
            Ok(RestCourseFacts {
                employer_is_municipality: employer.kind == lis1_domain::org::OrgKind::Municipality,
                employer_id: r.employer_id,
                source_site_id: source.as_ref().map(|s| s.0),
                source_municipality_id: source.as_ref().and_then(|s| s.1),
                source_round_start: source.map(|s| s.2.to_jiff()),
                chosen_site_id: r.hospital_site_id,
                fallback_site_id: fallback_site,
                period_from: r.period_from,
                period_to: r.period_to,
            })
        })
    }

    /// Acceptances resigned since `since` that have no rest position: (offer id, when resigned).
    /// The background job passes each to the rule that decides whether it becomes one, so a
    /// crash between a resignation and its rest position is caught up.
    pub async fn resigned_without_rest_position(
        &mut self,
        since: jiff::Timestamp,
    ) -> Result<Vec<(i64, jiff::Timestamp)>> {
        on_tx!(self, conn => {
            let rows: Vec<(i64, Option<DbTime>)> = sqlx::query_as(
                "SELECT o.id, o.answered_at FROM offers o \
                 WHERE o.state = 'resigned' AND o.answered_at >= $1 \
                 AND NOT EXISTS (SELECT 1 FROM rest_positions r WHERE r.source_offer_id = o.id) \
                 ORDER BY o.id",
            )
            .bind(conv::ts(since))
            .fetch_all(&mut *conn)
            .await?;
            Ok(rows
                .into_iter()
                .filter_map(|(id, at)| at.map(|t| (id, t.0)))
                .collect())
        })
    }

    /// The rest position a given-back place became, if any (`source_offer_id`).
    pub async fn rest_position_for_offer(&mut self, offer_id: i64) -> Result<Option<i64>> {
        on_tx!(self, conn => {
            Ok(sqlx::query_scalar("SELECT id FROM rest_positions WHERE source_offer_id = $1")
                .bind(offer_id)
                .fetch_optional(&mut *conn)
                .await?)
        })
    }

    /// Open rest positions (the public list), earliest start first.
    pub async fn open_rest_positions(&mut self) -> Result<Vec<RestPosition>> {
        on_tx!(self, conn => {
            let sql = format!("{POSITION_SELECT} WHERE r.state = 'open' ORDER BY r.period_from, r.id");
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *conn).await?;
            rows.iter().map(position_from_row).collect()
        })
    }

    /// An employer's rest positions in every state, newest first.
    pub async fn rest_positions_for_employer(
        &mut self,
        employer_id: i64,
    ) -> Result<Vec<RestPosition>> {
        on_tx!(self, conn => {
            let sql = format!("{POSITION_SELECT} WHERE r.employer_id = $1 ORDER BY r.id DESC");
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(employer_id)
                .fetch_all(&mut *conn)
                .await?;
            rows.iter().map(position_from_row).collect()
        })
    }

    /// One rest position.
    pub async fn rest_position(&mut self, id: i64) -> Result<RestPosition> {
        on_tx!(self, conn => {
            let sql = format!("{POSITION_SELECT} WHERE r.id = $1");
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or(StoreError::NotFound)?;
            position_from_row(&row)
        })
    }

    /// Applies for an open rest position, or changes the application: one row per applicant
    /// however often it is submitted. `Conflict("not_open")` once it is filled or closed.
    pub async fn apply_rest_position(
        &mut self,
        ctx: &Ctx,
        rest_position_id: i64,
        applicant_id: i64,
        motivation: &str,
        profile: &serde_json::Value,
    ) -> Result<Submitted> {
        let audit_keys = self.audit_keys();
        let keys = self.keys.clone();
        let (profile, nid) = crypto::take_national_id(profile);
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let state: Option<String> = sqlx::query_scalar("SELECT state FROM rest_positions WHERE id = $1")
                .bind(rest_position_id)
                .fetch_optional(&mut *tx)
                .await?;
            match state.as_deref() {
                None => return Err(StoreError::NotFound),
                Some("open") => {}
                Some(_) => return Err(StoreError::Conflict("not_open".into())),
            }
            let existing: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM rest_applications WHERE rest_position_id = $1 AND applicant_id = $2",
            )
            .bind(rest_position_id)
            .bind(applicant_id)
            .fetch_optional(&mut *tx)
            .await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO rest_applications (rest_position_id, applicant_id, motivation, profile, \
                 submitted_at, state) VALUES ($1, $2, $3, $4, $5, 'submitted') \
                 ON CONFLICT (rest_position_id, applicant_id) DO UPDATE SET state = 'submitted', \
                 motivation = excluded.motivation, profile = excluded.profile, \
                 submitted_at = excluded.submitted_at RETURNING id",
            )
            .bind(rest_position_id)
            .bind(applicant_id)
            .bind(motivation)
            .bind(profile.to_string())
            .bind(conv::ts(ctx.now))
            .fetch_one(&mut *tx)
            .await?;
            let (enc, _) = crypto::seal_national_id(keys.as_deref(), &crypto::context::rest_application(id), nid.as_deref())?;
            sqlx::query("UPDATE rest_applications SET national_id_enc = $1 WHERE id = $2")
                .bind(enc)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: if existing.is_some() { "rest_application.update" } else { "rest_application.submit" },
                object_type: "rest_application",
                object_id: id.to_string(),
                summary: json!({"after": {"rest_position_id": rest_position_id}}),
            })
            .await?;
            tx.commit().await?;
            Ok(if existing.is_some() { Submitted::Updated(id) } else { Submitted::Created(id) })
        })
    }

    /// A rest position's applications, oldest first, with the applicants' names.
    pub async fn rest_applications(
        &mut self,
        rest_position_id: i64,
    ) -> Result<Vec<RestApplication>> {
        self.load_rest_applications("a.rest_position_id", rest_position_id)
            .await
    }

    /// An applicant's rest applications, oldest first.
    pub async fn rest_applications_for_applicant(
        &mut self,
        applicant_id: i64,
    ) -> Result<Vec<RestApplication>> {
        self.load_rest_applications("a.applicant_id", applicant_id)
            .await
    }

    async fn load_rest_applications(
        &mut self,
        by: &'static str,
        value: i64,
    ) -> Result<Vec<RestApplication>> {
        let keys = self.keys.clone();
        on_tx!(self, conn => {
            let sql = format!(
                "SELECT a.id, a.rest_position_id, a.applicant_id, u.display_name, a.motivation, \
                 a.profile, a.national_id_enc, a.submitted_at, a.state FROM rest_applications a \
                 JOIN users u ON u.id = a.applicant_id WHERE {by} = $1 ORDER BY a.id"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(value).fetch_all(&mut *conn).await?;
            rows.iter().map(|r| application_from_row(r, keys.as_deref())).collect()
        })
    }

    /// Offers the rest position to one of its applicants (the employer). Refused with
    /// `Conflict("not_open")` when it is filled or closed, `Conflict("offer_outstanding")` while
    /// another offer is unanswered before its deadline or accepted, and
    /// `Conflict("not_an_applicant")` when the application is not a submitted one for it. Offers
    /// whose deadline has passed are expired here first, so they never block the next offer.
    pub async fn make_rest_offer(
        &mut self,
        ctx: &Ctx,
        rest_position_id: i64,
        rest_application_id: i64,
        reply_deadline: Timestamp,
    ) -> Result<i64> {
        let audit_keys = self.audit_keys();
        let backend = self.backend();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            // Serialise offers on one rest position: check and insert under its row lock.
            let lock = if backend == crate::Backend::Postgres {
                "SELECT state FROM rest_positions WHERE id = $1 FOR UPDATE"
            } else {
                "SELECT state FROM rest_positions WHERE id = $1"
            };
            let state: String = sqlx::query_scalar(lock)
                .bind(rest_position_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
            if state != "open" {
                return Err(StoreError::Conflict("not_open".into()));
            }
            let stale: Vec<i64> = sqlx::query_scalar(
                "UPDATE rest_offers SET state = 'expired', answered_at = $1 \
                 WHERE rest_position_id = $2 AND state = 'made' AND reply_deadline <= $1 RETURNING id",
            )
            .bind(conv::ts(ctx.now))
            .bind(rest_position_id)
            .fetch_all(&mut *tx)
            .await?;
            for id in &stale {
                tx.append_audit(audit_keys.as_deref(), ctx, Event {
                    action: "rest_offer.expire",
                    object_type: "rest_offer",
                    object_id: id.to_string(),
                    summary: json!({"before": {"state": "made"}, "after": {"state": "expired"}}),
                })
                .await?;
            }
            let outstanding: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM rest_offers WHERE rest_position_id = $1 AND state IN ('made', 'accepted')",
            )
            .bind(rest_position_id)
            .fetch_one(&mut *tx)
            .await?;
            if outstanding > 0 {
                return Err(StoreError::Conflict("offer_outstanding".into()));
            }
            let applicant: Option<i64> = sqlx::query_scalar(
                "SELECT applicant_id FROM rest_applications \
                 WHERE id = $1 AND rest_position_id = $2 AND state = 'submitted'",
            )
            .bind(rest_application_id)
            .bind(rest_position_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(applicant) = applicant else {
                return Err(StoreError::Conflict("not_an_applicant".into()));
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO rest_offers (rest_position_id, rest_application_id, applicant_id, state, \
                 made_at, reply_deadline, made_by) VALUES ($1, $2, $3, 'made', $4, $5, $6) RETURNING id",
            )
            .bind(rest_position_id)
            .bind(rest_application_id)
            .bind(applicant)
            .bind(conv::ts(ctx.now))
            .bind(conv::ts(reply_deadline))
            .bind(ctx.actor.user_id)
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "rest_offer.make",
                object_type: "rest_offer",
                object_id: id.to_string(),
                summary: json!({"after": {"rest_position_id": rest_position_id,
                    "rest_application_id": rest_application_id,
                    "reply_deadline": reply_deadline.to_string()}}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Accepts the applicant's own rest offer before its deadline, and fills the rest position.
    /// `NotFound` if the offer is not theirs; `Conflict("not_open")` if it is no longer open.
    pub async fn accept_rest_offer(
        &mut self,
        ctx: &Ctx,
        offer_id: i64,
        applicant_id: i64,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        let backend = self.backend();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let row: Option<(i64, i64)> = sqlx::query_as(
                "SELECT applicant_id, rest_position_id FROM rest_offers WHERE id = $1",
            )
            .bind(offer_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((owner, rest_position_id)) = row else {
                return Err(StoreError::NotFound);
            };
            if owner != applicant_id {
                return Err(StoreError::NotFound);
            }
            // Every change to a rest position and its offers locks the position row first, so
            // accept, close and withdraw take turns and always lock in the same order.
            if backend == crate::Backend::Postgres {
                sqlx::query("SELECT id FROM rest_positions WHERE id = $1 FOR UPDATE")
                    .bind(rest_position_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let n = sqlx::query(
                "UPDATE rest_offers SET state = 'accepted', answered_at = $1 \
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
            let filled = sqlx::query("UPDATE rest_positions SET state = 'filled' WHERE id = $1 AND state = 'open'")
                .bind(rest_position_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if filled != 1 {
                // Closed by the employer meanwhile: nothing changes.
                return Err(StoreError::Conflict("not_open".into()));
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "rest_offer.accept",
                object_type: "rest_offer",
                object_id: offer_id.to_string(),
                summary: json!({"before": {"state": "made"}, "after": {"state": "accepted"},
                    "rest_position": {"id": rest_position_id, "state": "filled"}}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Declines the applicant's own open rest offer; the employer may then offer it to another.
    pub async fn decline_rest_offer(
        &mut self,
        ctx: &Ctx,
        offer_id: i64,
        applicant_id: i64,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let n = sqlx::query(
                "UPDATE rest_offers SET state = 'declined', answered_at = $1 \
                 WHERE id = $2 AND applicant_id = $3 AND state = 'made' AND reply_deadline > $1",
            )
            .bind(conv::ts(ctx.now))
            .bind(offer_id)
            .bind(applicant_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(StoreError::Conflict("not_open".into()));
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "rest_offer.decline",
                object_type: "rest_offer",
                object_id: offer_id.to_string(),
                summary: json!({"before": {"state": "made"}, "after": {"state": "declined"}}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Closes an open rest position (the employer, with a reason): it leaves the public list, and
    /// its unanswered offers are withdrawn in the same transaction. Returns the withdrawn offers
    /// (their applicants are told). `Conflict("not_open")` once it is filled or closed.
    pub async fn close_rest_position(
        &mut self,
        ctx: &Ctx,
        rest_position_id: i64,
        reason: &str,
    ) -> Result<Vec<RestOffer>> {
        let audit_keys = self.audit_keys();
        let backend = self.backend();
        let withdrawn: Vec<i64> = on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            // Every change to a rest position and its offers locks the position row first, so
            // accept, close and withdraw take turns and always lock in the same order.
            if backend == crate::Backend::Postgres {
                sqlx::query("SELECT id FROM rest_positions WHERE id = $1 FOR UPDATE")
                    .bind(rest_position_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let n = sqlx::query(
                "UPDATE rest_positions SET state = 'closed', closed_at = $1, closed_reason = $2 \
                 WHERE id = $3 AND state = 'open'",
            )
            .bind(conv::ts(ctx.now))
            .bind(reason)
            .bind(rest_position_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM rest_positions WHERE id = $1")
                    .bind(rest_position_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                return Err(match exists {
                    Some(_) => StoreError::Conflict("not_open".into()),
                    None => StoreError::NotFound,
                });
            }
            // Every unanswered offer goes, also one past its deadline that nobody expired yet:
            // the position is gone, so is the offer.
            let ids: Vec<i64> = sqlx::query_scalar(
                "UPDATE rest_offers SET state = 'withdrawn', answered_at = $1, withdrawn_reason = $2 \
                 WHERE rest_position_id = $3 AND state = 'made' RETURNING id",
            )
            .bind(conv::ts(ctx.now))
            .bind(reason)
            .bind(rest_position_id)
            .fetch_all(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "rest_position.close",
                object_type: "rest_position",
                object_id: rest_position_id.to_string(),
                summary: json!({"before": {"state": "open"}, "after": {"state": "closed"},
                    "reason": reason, "withdrawn_offers": ids}),
            })
            .await?;
            for id in &ids {
                tx.append_audit(audit_keys.as_deref(), ctx, Event {
                    action: "rest_offer.withdraw",
                    object_type: "rest_offer",
                    object_id: id.to_string(),
                    summary: json!({"before": {"state": "made"}, "after": {"state": "withdrawn"},
                        "reason": reason}),
                })
                .await?;
            }
            tx.commit().await?;
            ids
        });
        let mut out = Vec::new();
        for id in withdrawn {
            out.push(self.rest_offer(id).await?);
        }
        Ok(out)
    }

    /// The applicant withdraws their application for a rest position, before accepting an offer
    /// of it; an unanswered offer of it to them is withdrawn in the same step (returned, so the
    /// employer can be told). `NotFound` without a submitted application; `Conflict("accepted")`
    /// once they have accepted it.
    pub async fn withdraw_rest_application(
        &mut self,
        ctx: &Ctx,
        rest_position_id: i64,
        applicant_id: i64,
    ) -> Result<Option<RestOffer>> {
        let audit_keys = self.audit_keys();
        let backend = self.backend();
        let withdrawn: Option<i64> = on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            // Every change to a rest position and its offers locks the position row first, so
            // accept, close and withdraw take turns and always lock in the same order.
            if backend == crate::Backend::Postgres {
                sqlx::query("SELECT id FROM rest_positions WHERE id = $1 FOR UPDATE")
                    .bind(rest_position_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let app: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM rest_applications \
                 WHERE rest_position_id = $1 AND applicant_id = $2 AND state = 'submitted'",
            )
            .bind(rest_position_id)
            .bind(applicant_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(app) = app else {
                return Err(StoreError::NotFound);
            };
            let accepted: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM rest_offers WHERE rest_application_id = $1 AND state = 'accepted'",
            )
            .bind(app)
            .fetch_one(&mut *tx)
            .await?;
            if accepted > 0 {
                return Err(StoreError::Conflict("accepted".into()));
            }
            // Under the position's lock a concurrent accept has either committed (and is counted
            // above) or waits until this withdrawal is done and then finds the offer withdrawn.
            let n = sqlx::query(
                "UPDATE rest_applications SET state = 'withdrawn' WHERE id = $1 AND state = 'submitted'",
            )
            .bind(app)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(StoreError::NotFound);
            }
            let offer: Option<i64> = sqlx::query_scalar(
                "UPDATE rest_offers SET state = 'withdrawn', answered_at = $1, \
                 withdrawn_reason = 'application_withdrawn' \
                 WHERE rest_application_id = $2 AND state = 'made' RETURNING id",
            )
            .bind(conv::ts(ctx.now))
            .bind(app)
            .fetch_optional(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "rest_application.withdraw",
                object_type: "rest_application",
                object_id: app.to_string(),
                summary: json!({"before": {"state": "submitted"}, "after": {"state": "withdrawn"},
                    "rest_position_id": rest_position_id, "withdrawn_offer": offer}),
            })
            .await?;
            if let Some(id) = offer {
                tx.append_audit(audit_keys.as_deref(), ctx, Event {
                    action: "rest_offer.withdraw",
                    object_type: "rest_offer",
                    object_id: id.to_string(),
                    summary: json!({"before": {"state": "made"}, "after": {"state": "withdrawn"},
                        "reason": "application_withdrawn"}),
                })
                .await?;
            }
            tx.commit().await?;
            offer
        });
        match withdrawn {
            Some(id) => Ok(Some(self.rest_offer(id).await?)),
            None => Ok(None),
        }
    }

    /// Expires every unanswered rest offer whose deadline has passed; returns them. Safe to run
    /// from several processes and after downtime: each offer expires once.
    pub async fn expire_rest_offers(&mut self, ctx: &Ctx) -> Result<Vec<RestOffer>> {
        let audit_keys = self.audit_keys();
        let due: Vec<i64> = on_tx!(self, conn => {
            sqlx::query_scalar(
                "SELECT id FROM rest_offers WHERE state = 'made' AND reply_deadline <= $1 ORDER BY id",
            )
            .bind(conv::ts(ctx.now))
            .fetch_all(&mut *conn)
            .await?
        });
        let mut expired = Vec::new();
        for id in due {
            let done = on_tx!(self, conn => {
                let mut tx = conn.begin().await?;
                let n = sqlx::query(
                    "UPDATE rest_offers SET state = 'expired', answered_at = $1 \
                     WHERE id = $2 AND state = 'made' AND reply_deadline <= $1",
                )
                .bind(conv::ts(ctx.now))
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 1 {
                    tx.append_audit(audit_keys.as_deref(), ctx, Event {
                        action: "rest_offer.expire",
                        object_type: "rest_offer",
                        object_id: id.to_string(),
                        summary: json!({"before": {"state": "made"}, "after": {"state": "expired"}}),
                    })
                    .await?;
                }
                tx.commit().await?;
                n == 1
            });
            if done {
                expired.push(self.rest_offer(id).await?);
            }
        }
        Ok(expired)
    }

    /// Unanswered rest offers before their deadline, for reminders.
    pub async fn open_rest_offers(&mut self, now: Timestamp) -> Result<Vec<RestOffer>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT id, rest_position_id, rest_application_id, applicant_id, state, made_at, \
                 reply_deadline, answered_at FROM rest_offers \
                 WHERE state = 'made' AND reply_deadline > $1 ORDER BY id",
            )
            .bind(conv::ts(now))
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(offer_from_row).collect()
        })
    }

    /// Every rest position in every state, oldest first (for the round status).
    pub async fn all_rest_positions(&mut self) -> Result<Vec<RestPosition>> {
        on_tx!(self, conn => {
            let sql = format!("{POSITION_SELECT} ORDER BY r.id");
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *conn).await?;
            rows.iter().map(position_from_row).collect()
        })
    }

    /// One rest offer.
    pub async fn rest_offer(&mut self, id: i64) -> Result<RestOffer> {
        self.load_rest_offers("id", id)
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    /// A rest position's offers, oldest first.
    pub async fn rest_offers_for_position(
        &mut self,
        rest_position_id: i64,
    ) -> Result<Vec<RestOffer>> {
        self.load_rest_offers("rest_position_id", rest_position_id)
            .await
    }

    /// An applicant's rest offers, oldest first.
    pub async fn rest_offers_for_applicant(&mut self, applicant_id: i64) -> Result<Vec<RestOffer>> {
        self.load_rest_offers("applicant_id", applicant_id).await
    }

    async fn load_rest_offers(&mut self, by: &'static str, value: i64) -> Result<Vec<RestOffer>> {
        on_tx!(self, conn => {
            let sql = format!(
                "SELECT id, rest_position_id, rest_application_id, applicant_id, state, made_at, \
                 reply_deadline, answered_at FROM rest_offers WHERE {by} = $1 ORDER BY id"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(value).fetch_all(&mut *conn).await?;
            rows.iter().map(offer_from_row).collect()
        })
    }
}
