//! The §13b municipality-place lottery (*trekning*) in storage: the commitment, the doctors'
//! rankings, the draw with the seed revealed, and the immutable result. The algorithm and the
//! export are `lis1_domain::lottery` (docs/lottery.md); this module only gathers the inputs and
//! keeps them.
//!
//! The procedure (docs/lottery.md §2, as the portal runs it):
//! 1. *Commit* ([`Store::commit_lottery`]): the HF publishes `seed_sha256`. The seed itself is
//!    kept sealed in `lottery_draws.sealed_seed`, read only by [`Store::draw_lottery`].
//! 2. *Rank* ([`Store::set_preferences`]): doctors rank the place keys of their site's cohort,
//!    before and after the commitment, until the draw runs.
//! 3. *Draw* ([`Store::draw_lottery`]): in one transaction the inputs are frozen (courses,
//!    places, rankings), `inputs_sha256` computed, the draw run, the seed revealed, the export
//!    stored and each course given its municipality.
//!
//! A drawn row is never changed. A redraw is a new commitment that names the draw it replaces
//! and a reason, which go into the new inputs (§14) and the audit log.

use std::collections::BTreeMap;
use std::fmt;

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use lis1_domain::lottery::{
    Export, KeyUse, LotteryError, LotteryInputs, Method, ParticipantInput, PlaceInput, PlaceKey,
    Ranking, Replaces, Reservation, Seed, Sha256Digest, Timestamps, canonical_bytes, draw,
};
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::audit::{AuditTx, Event};
use crate::conv::DbTime;
use crate::courses::participant_id;
use crate::outbox::{MailAttachment, NewMail, OutboxTx};
use crate::{Ctx, Result, StoreError, Tx, conv, for_each_backend, on_tx};
use sqlx::Connection;

/// Why a lottery operation was refused.
#[derive(Debug)]
pub enum LotteryStoreError {
    /// Storage failed, the object is missing, or the state does not allow it
    /// (`Conflict("lottery_already_committed")`, `lottery_already_drawn`, `lottery_drawn`,
    /// `lottery_redraw_needs_reason`, `not_by_lottery`).
    Store(StoreError),
    /// The inputs break a rule of docs/lottery.md §3; the error names the problem.
    Rule(LotteryError),
}

impl fmt::Display for LotteryStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LotteryStoreError::Store(e) => e.fmt(f),
            LotteryStoreError::Rule(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for LotteryStoreError {}

impl From<StoreError> for LotteryStoreError {
    fn from(e: StoreError) -> Self {
        LotteryStoreError::Store(e)
    }
}

impl From<sqlx::Error> for LotteryStoreError {
    fn from(e: sqlx::Error) -> Self {
        LotteryStoreError::Store(e.into())
    }
}

impl From<LotteryError> for LotteryStoreError {
    fn from(e: LotteryError) -> Self {
        LotteryStoreError::Rule(e)
    }
}

fn conflict(code: &str) -> LotteryStoreError {
    LotteryStoreError::Store(StoreError::Conflict(code.into()))
}

/// One lottery as stored. The sealed seed is never part of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Draw {
    /// Id.
    pub id: i64,
    /// The hospital site.
    pub hospital_site_id: i64,
    /// The cohort: the municipal start date.
    pub cohort: Date,
    /// `preference_order` or `pure_random`.
    pub method: String,
    /// `committed` or `drawn`.
    pub state: String,
    /// The seed commitment, published at commit.
    pub seed_sha256: String,
    /// The input commitment, from the draw on.
    pub inputs_sha256: Option<String>,
    /// The canonical inputs, from the draw on.
    pub inputs: Option<String>,
    /// The revealed seed, from the draw on.
    pub seed: Option<String>,
    /// The export file (docs/lottery.md §10), from the draw on.
    pub result: Option<String>,
    /// The draw this one replaces.
    pub replaces_id: Option<i64>,
    /// Why the replaced draw is redone.
    pub reason: Option<String>,
    /// When committed.
    pub committed_at: Timestamp,
    /// By whom.
    pub committed_by: Option<i64>,
    /// When drawn.
    pub drawn_at: Option<Timestamp>,
    /// Doctors rank until then; `None`: until the draw.
    pub ranking_deadline: Option<Timestamp>,
}

impl Draw {
    /// Whether the draw has run (and the row is final).
    pub fn is_drawn(&self) -> bool {
        self.state == "drawn"
    }

    /// The parsed export, once drawn.
    pub fn export(&self) -> Option<Export> {
        self.result
            .as_deref()
            .and_then(|text| Export::from_json(text).ok())
    }
}

/// A commitment to make.
#[derive(Debug, Clone)]
pub struct NewCommitment<'a> {
    /// The hospital site.
    pub hospital_site_id: i64,
    /// The cohort: the municipal start date.
    pub cohort: Date,
    /// How places are assigned.
    pub method: Method,
    /// The secret seed (from the OS RNG); only its SHA-256 is published now.
    pub seed: &'a Seed,
    /// For a redraw: why the published draw is redone. Required when the cohort was drawn.
    pub reason: Option<&'a str>,
    /// When the doctors' ranking closes; `None`: at the draw. The draw cannot run before it.
    pub ranking_deadline: Option<Timestamp>,
}

/// A place key of a cohort, with the municipality it stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LotteryPlace {
    /// `5037`, or `5060/Rørvik` for a place inside a municipality.
    pub key: String,
    /// Slots.
    pub count: u32,
    /// The municipality.
    pub municipality_id: i64,
    /// Its name.
    pub municipality_name: String,
}

/// Everything the inputs of one cohort are made of, read in one transaction.
#[derive(Debug, Clone, Default)]
struct Gathered {
    site_name: String,
    /// §13b courses: (course id, on leave).
    participants: Vec<(i64, bool)>,
    places: Vec<LotteryPlace>,
    /// Rankings by course id, best first.
    preferences: BTreeMap<i64, Vec<String>>,
    /// Reserved place keys by course id.
    reservations: BTreeMap<i64, String>,
}

impl Gathered {
    fn inputs(&self, cohort: Date, method: Method, replaces: Option<Replaces>) -> LotteryInputs {
        LotteryInputs {
            site: self.site_name.clone(),
            cohort: cohort.to_string(),
            method,
            participants: self
                .participants
                .iter()
                .map(|&(id, on_leave)| ParticipantInput {
                    id: participant_id(id),
                    on_leave,
                })
                .collect(),
            places: self
                .places
                .iter()
                .map(|p| PlaceInput {
                    key: p.key.clone(),
                    count: p.count,
                })
                .collect(),
            reservations: self
                .reservations
                .iter()
                .filter(|(id, _)| self.participants.iter().any(|(p, _)| p == *id))
                .map(|(id, place)| Reservation {
                    participant: participant_id(*id),
                    place: place.clone(),
                })
                .collect(),
            // Under pure_random rankings are not used and must not be in the inputs (§3 rule 5).
            preferences: match method {
                Method::PureRandom => Vec::new(),
                Method::PreferenceOrder => self
                    .preferences
                    .iter()
                    .filter(|(id, _)| self.participants.iter().any(|(p, _)| p == *id))
                    .map(|(id, places)| Ranking {
                        participant: participant_id(*id),
                        places: places.clone(),
                    })
                    .collect(),
            },
            replaces,
        }
    }
}

/// The place key of a row of `municipal_places`.
fn place_key(code: &str, location: &str) -> String {
    if location.is_empty() {
        code.to_string()
    } else {
        format!("{code}/{location}")
    }
}

/// Reads the inputs of a cohort on a connection inside the caller's transaction.
trait LotteryTx {
    async fn gather(&mut self, site: i64, cohort: Date) -> Result<Gathered>;
}

for_each_backend! {
    impl LotteryTx for Conn {
        async fn gather(&mut self, site: i64, cohort: Date) -> Result<Gathered> {
            let site_name: String = sqlx::query_scalar("SELECT name FROM organisations WHERE id = $1")
                .bind(site)
                .fetch_optional(&mut *self)
                .await?
                .ok_or(StoreError::NotFound)?;
            let participants: Vec<(i64, bool)> = sqlx::query_as(
                "SELECT c.id, c.on_leave FROM courses c \
                 JOIN current_courses cur ON cur.id = c.id \
                 WHERE c.hospital_site_id = $1 AND c.municipal_start = $2 AND c.section = '13b' \
                 ORDER BY c.id",
            )
            .bind(site)
            .bind(conv::date(cohort))
            .fetch_all(&mut *self)
            .await?;
            // municipal_places counts by hospital start, 12 months before the municipal start.
            let rows = sqlx::query(
                "SELECT p.municipality_id, o.name, o.code, p.location, p.places FROM municipal_places p \
                 JOIN organisations o ON o.id = p.municipality_id \
                 WHERE p.hospital_site_id = $1 AND p.cohort_start = $2 AND p.places > 0 \
                 AND o.code IS NOT NULL ORDER BY o.code, p.location",
            )
            .bind(site)
            .bind(conv::date(cohort.saturating_sub(12.months())))
            .fetch_all(&mut *self)
            .await?;
            let mut places = Vec::new();
            for r in &rows {
                let code: String = r.try_get("code")?;
                let location: String = r.try_get("location")?;
                let count: i32 = r.try_get("places")?;
                places.push(LotteryPlace {
                    key: place_key(&code, &location),
                    count: u32::try_from(count).unwrap_or(0),
                    municipality_id: r.try_get("municipality_id")?,
                    municipality_name: r.try_get("name")?,
                });
            }
            let ranked: Vec<(i64, String)> = sqlx::query_as(
                "SELECT p.course_id, p.place_key FROM lottery_preferences p \
                 JOIN courses c ON c.id = p.course_id \
                 WHERE c.hospital_site_id = $1 AND c.municipal_start = $2 ORDER BY p.course_id, p.rank",
            )
            .bind(site)
            .bind(conv::date(cohort))
            .fetch_all(&mut *self)
            .await?;
            let mut preferences: BTreeMap<i64, Vec<String>> = BTreeMap::new();
            for (course, key) in ranked {
                preferences.entry(course).or_default().push(key);
            }
            let reserved: Vec<(i64, String)> = sqlx::query_as(
                "SELECT r.course_id, r.place_key FROM lottery_reservations r \
                 JOIN courses c ON c.id = r.course_id \
                 JOIN current_courses cur ON cur.id = c.id \
                 WHERE c.hospital_site_id = $1 AND c.municipal_start = $2 ORDER BY r.course_id",
            )
            .bind(site)
            .bind(conv::date(cohort))
            .fetch_all(&mut *self)
            .await?;
            let reservations = reserved.into_iter().collect();
            Ok(Gathered { site_name, participants, places, preferences, reservations })
        }
    }
}

const DRAW_COLUMNS: &str = "id, hospital_site_id, cohort, method, state, seed_sha256, \
     inputs_sha256, inputs, seed, result, replaces_id, reason, committed_at, committed_by, drawn_at, \
     ranking_deadline";

fn draw_from_row<R: Row>(r: &R) -> Result<Draw>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    DbTime: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    jiff_sqlx::Date: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Draw {
        id: r.try_get("id")?,
        hospital_site_id: r.try_get("hospital_site_id")?,
        cohort: r.try_get::<jiff_sqlx::Date, _>("cohort")?.to_jiff(),
        method: r.try_get("method")?,
        state: r.try_get("state")?,
        seed_sha256: r.try_get("seed_sha256")?,
        inputs_sha256: r.try_get("inputs_sha256")?,
        inputs: r.try_get("inputs")?,
        seed: r.try_get("seed")?,
        result: r.try_get("result")?,
        replaces_id: r.try_get("replaces_id")?,
        reason: r.try_get("reason")?,
        committed_at: r.try_get::<DbTime, _>("committed_at")?.0,
        committed_by: r.try_get("committed_by")?,
        drawn_at: r.try_get::<Option<DbTime>, _>("drawn_at")?.map(|t| t.0),
        ranking_deadline: r
            .try_get::<Option<DbTime>, _>("ranking_deadline")?
            .map(|t| t.0),
    })
}

/// On PostgreSQL, takes a transaction-scoped lock on one site's cohort, so commitment, draw,
/// reservations and rankings of that cohort take turns (SQLite has one connection). The key is
/// the site id and the cohort's day number.
macro_rules! lock_cohort {
    ($backend:expr, $conn:expr, $site:expr, $cohort:expr) => {
        if crate::Backend::Postgres == $backend {
            let day = i32::try_from(
                jiff::civil::date(1970, 1, 1)
                    .until($cohort)
                    .map(|s| s.get_days())
                    .unwrap_or(0),
            )
            .unwrap_or(0);
            sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
                .bind(i32::try_from($site).unwrap_or(i32::MAX))
                .bind(day)
                .execute($conn)
                .await?;
        }
    };
}

/// The latest draw of a cohort on the caller's connection: (id, state, seed_sha256).
macro_rules! latest_draw {
    ($conn:expr, $site:expr, $cohort:expr) => {
        sqlx::query_as::<_, (i64, String, String)>(
            "SELECT id, state, seed_sha256 FROM lottery_draws \
             WHERE hospital_site_id = $1 AND cohort = $2 ORDER BY id DESC LIMIT 1",
        )
        .bind($site)
        .bind(conv::date($cohort))
        .fetch_optional($conn)
    };
}

crate::store_ops! {
    fn commit_lottery(&self, ctx: &Ctx, c: &NewCommitment<'_>) -> std::result::Result<i64, LotteryStoreError>;
    fn draw_lottery(&self, ctx: &Ctx, draw_id: i64) -> std::result::Result<Draw, LotteryStoreError>;
    fn draw_lottery_with(&self, ctx: &Ctx, draw_id: i64, notices: impl FnOnce(&[(i64, i64)]) -> Vec<(NewMail, Option<MailAttachment>)>, ) -> std::result::Result<Draw, LotteryStoreError>;
    fn set_reservation(&self, ctx: &Ctx, course_id: i64, place_key: Option<&str>, reason: &str) -> std::result::Result<(), LotteryStoreError>;
    fn reservations(&self, site: i64, cohort: Date) -> Result<Vec<(i64, String, String)>>;
    fn allow_late_lottery(&self, ctx: &Ctx, hospital_site_id: i64, cohort: Date, reason: &str) -> Result<()>;
    fn late_lottery_permission(&self, hospital_site_id: i64, cohort: Date) -> Result<Option<(String, Timestamp)>>;
    fn set_preferences(&self, ctx: &Ctx, course_id: i64, applicant_id: i64, keys: &[String]) -> std::result::Result<(), LotteryStoreError>;
    fn preferences(&self, course_id: i64) -> Result<Vec<String>>;
    fn lottery_places(&self, site: i64, cohort: Date) -> Result<Vec<LotteryPlace>>;
    fn lottery_draw(&self, id: i64) -> Result<Draw>;
    fn lottery_draws(&self, site: i64, cohort: Date) -> Result<Vec<Draw>>;
    fn committed_draws(&self) -> Result<Vec<Draw>>;
    fn cohort_is_drawn(&self, site: i64, cohort: Date) -> Result<bool>;
}

impl Tx {
    /// Publishes the seed commitment of a cohort's lottery. The inputs as they stand are checked
    /// now, so a cohort with more doctors than places is refused before anything is published
    /// ([`LotteryStoreError::Rule`] names the problem). A cohort already drawn needs a `reason`
    /// (a redraw, §14); one with an open commitment is refused.
    pub async fn commit_lottery(
        &mut self,
        ctx: &Ctx,
        c: &NewCommitment<'_>,
    ) -> std::result::Result<i64, LotteryStoreError> {
        let audit_keys = self.audit_keys();
        let backend = self.backend();
        let seed_sha256 = c.seed.sha256().to_hex();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            lock_cohort!(backend, &mut *tx, c.hospital_site_id, c.cohort);
            let latest = latest_draw!(&mut *tx, c.hospital_site_id, c.cohort).await?;
            let reason = c.reason.map(str::trim).filter(|r| !r.is_empty());
            let replaces = match latest {
                Some((_, state, _)) if state == "committed" => {
                    return Err(conflict("lottery_already_committed"));
                }
                Some((id, _, old_seed)) => {
                    let Some(reason) = reason else {
                        return Err(conflict("lottery_redraw_needs_reason"));
                    };
                    Some((id, Replaces {
                        reason: reason.to_string(),
                        seed_sha256: Sha256Digest::from_hex(&old_seed)
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    }))
                }
                None => None,
            };
            let gathered = tx.gather(c.hospital_site_id, c.cohort).await?;
            gathered
                .inputs(c.cohort, c.method, replaces.as_ref().map(|(_, r)| r.clone()))
                .validate()?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO lottery_draws (hospital_site_id, cohort, method, state, seed_sha256, \
                 sealed_seed, replaces_id, reason, committed_at, committed_by, ranking_deadline) \
                 VALUES ($1, $2, $3, 'committed', $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(c.hospital_site_id)
            .bind(conv::date(c.cohort))
            .bind(c.method.as_str())
            .bind(&seed_sha256)
            .bind(c.seed.to_hex())
            .bind(replaces.as_ref().map(|(id, _)| *id))
            .bind(replaces.as_ref().map(|(_, r)| r.reason.clone()))
            .bind(conv::ts(ctx.now))
            .bind(ctx.actor.user_id)
            .bind(c.ranking_deadline.map(conv::ts))
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: if replaces.is_some() { "lottery.redraw_commit" } else { "lottery.commit" },
                object_type: "lottery_draw",
                object_id: id.to_string(),
                summary: json!({"hospital_site_id": c.hospital_site_id,
                    "cohort": c.cohort.to_string(), "method": c.method.as_str(),
                    "seed_sha256": seed_sha256,
                    "replaces_id": replaces.as_ref().map(|(id, _)| *id),
                    "reason": replaces.as_ref().map(|(_, r)| r.reason.clone()),
                    "ranking_deadline": c.ranking_deadline.map(|t| t.to_string())}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Runs a committed draw: freezes the inputs, draws, reveals the seed, stores the export and
    /// gives each §13b course its municipality — all in one transaction. Afterwards the row never
    /// changes. `Conflict("lottery_already_drawn")` for a second attempt.
    pub async fn draw_lottery(
        &mut self,
        ctx: &Ctx,
        draw_id: i64,
    ) -> std::result::Result<Draw, LotteryStoreError> {
        self.draw_lottery_with(ctx, draw_id, |_| Vec::new()).await
    }

    /// [`Store::draw_lottery`], queueing in the same transaction the mails `notices` writes from
    /// the result — (course id, municipality id) per doctor — each with the file it may carry
    /// (the doctor's lottery-result letter), so a draw is never stored without telling the
    /// doctors and the municipalities.
    pub async fn draw_lottery_with(
        &mut self,
        ctx: &Ctx,
        draw_id: i64,
        notices: impl FnOnce(&[(i64, i64)]) -> Vec<(NewMail, Option<MailAttachment>)>,
    ) -> std::result::Result<Draw, LotteryStoreError> {
        let audit_keys = self.audit_keys();
        let backend = self.backend();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let lock = if backend == crate::Backend::Postgres {
                "SELECT hospital_site_id, cohort, method, state, seed_sha256, sealed_seed, reason, \
                 replaces_id, committed_at, ranking_deadline FROM lottery_draws WHERE id = $1 \
                 FOR UPDATE"
            } else {
                "SELECT hospital_site_id, cohort, method, state, seed_sha256, sealed_seed, reason, \
                 replaces_id, committed_at, ranking_deadline FROM lottery_draws WHERE id = $1"
            };
            let row = sqlx::query(lock)
                .bind(draw_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
            let state: String = row.try_get("state")?;
            if state != "committed" {
                return Err(conflict("lottery_already_drawn"));
            }
            if let Some(deadline) = row.try_get::<Option<DbTime>, _>("ranking_deadline")?
                && ctx.now < deadline.0
            {
                return Err(conflict("lottery_ranking_open"));
            }
            let site: i64 = row.try_get("hospital_site_id")?;
            let cohort = row.try_get::<jiff_sqlx::Date, _>("cohort")?.to_jiff();
            lock_cohort!(backend, &mut *tx, site, cohort);
            let method = match row.try_get::<String, _>("method")?.as_str() {
                "pure_random" => Method::PureRandom,
                _ => Method::PreferenceOrder,
            };
            let seed_sha256: String = row.try_get("seed_sha256")?;
            let sealed: Option<String> = row.try_get("sealed_seed")?;
            let committed_at = row.try_get::<DbTime, _>("committed_at")?.0;
            let corrupt = |what: &str| StoreError::Corrupt(format!("lottery draw {draw_id}: {what}"));
            let seed = sealed
                .as_deref()
                .and_then(|s| Seed::from_hex(s).ok())
                .ok_or_else(|| corrupt("no sealed seed"))?;
            if seed.sha256().to_hex() != seed_sha256 {
                return Err(corrupt("the sealed seed does not match its commitment").into());
            }
            let replaces = match row.try_get::<Option<i64>, _>("replaces_id")? {
                Some(old) => {
                    let old_seed: String =
                        sqlx::query_scalar("SELECT seed_sha256 FROM lottery_draws WHERE id = $1")
                            .bind(old)
                            .fetch_one(&mut *tx)
                            .await?;
                    Some(Replaces {
                        reason: row.try_get::<Option<String>, _>("reason")?.unwrap_or_default(),
                        seed_sha256: Sha256Digest::from_hex(&old_seed)
                            .map_err(|e| corrupt(&e.to_string()))?,
                    })
                }
                None => None,
            };
            let gathered = tx.gather(site, cohort).await?;
            let inputs = gathered.inputs(cohort, method, replaces).validate()?;
            let outcome = draw(&inputs, &seed);
            let export = Export::new(&inputs, &seed, &outcome, Timestamps {
                seed_committed_at: Some(committed_at.to_string()),
                inputs_committed_at: Some(ctx.now.to_string()),
                drawn_at: Some(ctx.now.to_string()),
            });
            let canonical = String::from_utf8(canonical_bytes(&inputs))
                .map_err(|_| corrupt("canonical inputs are not UTF-8"))?;
            let n = sqlx::query(
                "UPDATE lottery_draws SET state = 'drawn', sealed_seed = NULL, inputs = $1, \
                 inputs_sha256 = $2, seed = $3, result = $4, drawn_at = $5 \
                 WHERE id = $6 AND state = 'committed'",
            )
            .bind(canonical)
            .bind(inputs.inputs_sha256().to_hex())
            .bind(seed.to_hex())
            .bind(export.to_json_pretty())
            .bind(conv::ts(ctx.now))
            .bind(draw_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(conflict("lottery_already_drawn"));
            }
            let by_key: BTreeMap<&str, i64> = gathered
                .places
                .iter()
                .map(|p| (p.key.as_str(), p.municipality_id))
                .collect();
            let mut placed = Vec::with_capacity(outcome.assignments.len());
            for a in &outcome.assignments {
                let course: i64 = a
                    .participant
                    .as_str()
                    .strip_prefix("d-")
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| corrupt("participant id"))?;
                let muni = by_key
                    .get(a.place.as_str())
                    .copied()
                    .ok_or_else(|| corrupt("place key"))?;
                sqlx::query("UPDATE courses SET municipality_id = $1 WHERE id = $2")
                    .bind(muni)
                    .bind(course)
                    .execute(&mut *tx)
                    .await?;
                placed.push((course, muni));
            }
            for (mail, file) in notices(&placed) {
                let id = tx.enqueue_mail(ctx, &mail).await?;
                if let Some(file) = file {
                    sqlx::query(
                        "INSERT INTO outbox_attachments (mail_id, filename, content_type, content) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(id)
                    .bind(&file.filename)
                    .bind(&file.content_type)
                    .bind(&file.content)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "lottery.draw",
                object_type: "lottery_draw",
                object_id: draw_id.to_string(),
                summary: json!({"hospital_site_id": site, "cohort": cohort.to_string(),
                    "seed_sha256": seed_sha256, "inputs_sha256": inputs.inputs_sha256().to_hex(),
                    "participants": inputs.participants().len()}),
            })
            .await?;
            tx.commit().await?;
            Ok::<(), LotteryStoreError>(())
        })?;
        Ok(self.lottery_draw(draw_id).await?)
    }

    /// Reserves a place for a doctor before the draw (`Some(place_key)`), or removes the
    /// reservation (`None`). Only for a §13b course, only a place of its cohort, never more
    /// reservations on a place than its count, and only while no commitment is open
    /// (`Conflict("lottery_committed")`): the inputs must not change under a published seed
    /// commitment. The reason is required for a reservation and logged.
    pub async fn set_reservation(
        &mut self,
        ctx: &Ctx,
        course_id: i64,
        place_key: Option<&str>,
        reason: &str,
    ) -> std::result::Result<(), LotteryStoreError> {
        let audit_keys = self.audit_keys();
        let backend = self.backend();
        let course = self.course(course_id).await?;
        if course.section != "13b" {
            return Err(conflict("not_by_lottery"));
        }
        let reason = reason.trim();
        if place_key.is_some() && reason.is_empty() {
            return Err(conflict("lottery_reservation_needs_reason"));
        }
        let (site, cohort) = (course.hospital_site_id, course.dates.municipal_start);
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            lock_cohort!(backend, &mut *tx, site, cohort);
            if let Some((_, state, _)) = latest_draw!(&mut *tx, site, cohort).await?
                && state == "committed"
            {
                return Err(conflict("lottery_committed"));
            }
            let before: Option<String> =
                sqlx::query_scalar("SELECT place_key FROM lottery_reservations WHERE course_id = $1")
                    .bind(course_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            sqlx::query("DELETE FROM lottery_reservations WHERE course_id = $1")
                .bind(course_id)
                .execute(&mut *tx)
                .await?;
            if let Some(key) = place_key {
                sqlx::query(
                    "INSERT INTO lottery_reservations (course_id, place_key, reason, reserved_at, \
                     reserved_by) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(course_id)
                .bind(key)
                .bind(reason)
                .bind(conv::ts(ctx.now))
                .bind(ctx.actor.user_id)
                .execute(&mut *tx)
                .await?;
                // The draw's rules for reservations: a known place, not overbooked (§3 rule 4).
                let gathered = tx.gather(site, cohort).await?;
                let Some(place) = gathered.places.iter().find(|p| p.key == key) else {
                    return Err(LotteryError::UnknownPlace {
                        participant: course.participant_id(),
                        key: key.to_string(),
                        used_in: KeyUse::Reservation,
                    }
                    .into());
                };
                let taken = gathered.reservations.values().filter(|k| *k == key).count();
                if taken > place.count as usize {
                    return Err(LotteryError::PlaceOverbooked {
                        key: key.to_string(),
                        count: place.count,
                        reserved: u32::try_from(taken).unwrap_or(u32::MAX),
                    }
                    .into());
                }
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "lottery.reserve",
                object_type: "course",
                object_id: course_id.to_string(),
                summary: json!({"before": before, "after": place_key, "reason": reason}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The reservations of a cohort: (course id, place key, reason).
    pub async fn reservations(
        &mut self,
        site: i64,
        cohort: Date,
    ) -> Result<Vec<(i64, String, String)>> {
        on_tx!(self, conn => {
            Ok(sqlx::query_as(
                "SELECT r.course_id, r.place_key, r.reason FROM lottery_reservations r \
                 JOIN courses c ON c.id = r.course_id \
                 JOIN current_courses cur ON cur.id = c.id \
                 WHERE c.hospital_site_id = $1 AND c.municipal_start = $2 ORDER BY r.course_id",
            )
            .bind(site)
            .bind(conv::date(cohort))
            .fetch_all(&mut *conn)
            .await?)
        })
    }

    /// Allows a site's cohort to be drawn later than four months before the municipal start
    /// (issue 5: "later only if the directorate overrides with a logged reason"). The reason is
    /// required; a second permission for the same cohort replaces the first, and both are logged.
    pub async fn allow_late_lottery(
        &mut self,
        ctx: &Ctx,
        hospital_site_id: i64,
        cohort: Date,
        reason: &str,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::Conflict("lottery_late_needs_reason".into()));
        }
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query(
                "INSERT INTO lottery_late_permissions (hospital_site_id, cohort, reason, \
                 granted_at, granted_by) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (hospital_site_id, cohort) DO UPDATE SET reason = EXCLUDED.reason, \
                 granted_at = EXCLUDED.granted_at, granted_by = EXCLUDED.granted_by",
            )
            .bind(hospital_site_id)
            .bind(conv::date(cohort))
            .bind(reason)
            .bind(conv::ts(ctx.now))
            .bind(ctx.actor.user_id)
            .execute(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "lottery.allow_late",
                object_type: "organisation",
                object_id: hospital_site_id.to_string(),
                summary: json!({"cohort": cohort.to_string(), "reason": reason}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The directorate's permission to draw a cohort late, if any: (reason, when).
    pub async fn late_lottery_permission(
        &mut self,
        hospital_site_id: i64,
        cohort: Date,
    ) -> Result<Option<(String, Timestamp)>> {
        on_tx!(self, conn => {
            let row: Option<(String, DbTime)> = sqlx::query_as(
                "SELECT reason, granted_at FROM lottery_late_permissions \
                 WHERE hospital_site_id = $1 AND cohort = $2",
            )
            .bind(hospital_site_id)
            .bind(conv::date(cohort))
            .fetch_optional(&mut *conn)
            .await?;
            Ok(row.map(|(r, t)| (r, t.0)))
        })
    }

    /// Replaces a doctor's ranking of place keys (best first; empty clears it). Only the doctor's
    /// own §13b course, only keys of the cohort's places, no key twice, and only until the draw
    /// has run (`Conflict("lottery_drawn")`).
    pub async fn set_preferences(
        &mut self,
        ctx: &Ctx,
        course_id: i64,
        applicant_id: i64,
        keys: &[String],
    ) -> std::result::Result<(), LotteryStoreError> {
        let audit_keys = self.audit_keys();
        let backend = self.backend();
        let course = self.course(course_id).await?;
        if course.applicant_id != applicant_id {
            return Err(StoreError::NotFound.into());
        }
        if course.section != "13b" {
            return Err(conflict("not_by_lottery"));
        }
        let me = course.participant_id();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            lock_cohort!(backend, &mut *tx, course.hospital_site_id, course.dates.municipal_start);
            if let Some((id, state, _)) =
                latest_draw!(&mut *tx, course.hospital_site_id, course.dates.municipal_start).await?
            {
                if state == "drawn" {
                    return Err(conflict("lottery_drawn"));
                }
                let deadline: Option<DbTime> =
                    sqlx::query_scalar("SELECT ranking_deadline FROM lottery_draws WHERE id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                if deadline.is_some_and(|d| ctx.now >= d.0) {
                    return Err(conflict("lottery_ranking_closed"));
                }
            }
            let gathered = tx
                .gather(course.hospital_site_id, course.dates.municipal_start)
                .await?;
            let mut seen = Vec::new();
            for key in keys {
                let known = PlaceKey::parse(key).is_ok()
                    && gathered.places.iter().any(|p| &p.key == key);
                if !known {
                    return Err(LotteryError::UnknownPlace {
                        participant: me.clone(),
                        key: key.clone(),
                        used_in: KeyUse::Preference,
                    }
                    .into());
                }
                if seen.contains(&key) {
                    return Err(LotteryError::DuplicatePreference {
                        participant: me.clone(),
                        key: key.clone(),
                    }
                    .into());
                }
                seen.push(key);
            }
            let before = gathered.preferences.get(&course_id).cloned().unwrap_or_default();
            sqlx::query("DELETE FROM lottery_preferences WHERE course_id = $1")
                .bind(course_id)
                .execute(&mut *tx)
                .await?;
            for (i, key) in keys.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO lottery_preferences (course_id, rank, place_key) VALUES ($1, $2, $3)",
                )
                .bind(course_id)
                .bind(i32::try_from(i + 1).unwrap_or(i32::MAX))
                .bind(key)
                .execute(&mut *tx)
                .await?;
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "lottery.rank",
                object_type: "course",
                object_id: course_id.to_string(),
                summary: json!({"before": before, "after": keys}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// A course's ranking, best first.
    pub async fn preferences(&mut self, course_id: i64) -> Result<Vec<String>> {
        on_tx!(self, conn => {
            Ok(sqlx::query_scalar(
                "SELECT place_key FROM lottery_preferences WHERE course_id = $1 ORDER BY rank",
            )
            .bind(course_id)
            .fetch_all(&mut *conn)
            .await?)
        })
    }

    /// The place keys of a cohort (municipal start), from the places registered for the site's
    /// hospital start 12 months earlier. Places not yet placed in a municipality are left out.
    pub async fn lottery_places(&mut self, site: i64, cohort: Date) -> Result<Vec<LotteryPlace>> {
        on_tx!(self, conn => {
            Ok(conn.gather(site, cohort).await?.places)
        })
    }

    /// One lottery.
    pub async fn lottery_draw(&mut self, id: i64) -> Result<Draw> {
        on_tx!(self, conn => {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {DRAW_COLUMNS} FROM lottery_draws WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
            draw_from_row(&row)
        })
    }

    /// A cohort's lotteries, oldest first (a redraw comes after the draw it replaces).
    pub async fn lottery_draws(&mut self, site: i64, cohort: Date) -> Result<Vec<Draw>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {DRAW_COLUMNS} FROM lottery_draws WHERE hospital_site_id = $1 AND cohort = $2 ORDER BY id"
            )))
            .bind(site)
            .bind(conv::date(cohort))
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(draw_from_row).collect()
        })
    }

    /// Every lottery committed and not yet drawn, oldest first (the doctors are ranking).
    pub async fn committed_draws(&mut self) -> Result<Vec<Draw>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {DRAW_COLUMNS} FROM lottery_draws WHERE state = 'committed' ORDER BY id"
            )))
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(draw_from_row).collect()
        })
    }

    /// Whether the cohort's latest lottery has been drawn (rankings and leave are then frozen).
    pub async fn cohort_is_drawn(&mut self, site: i64, cohort: Date) -> Result<bool> {
        on_tx!(self, conn => {
            Ok(latest_draw!(&mut *conn, site, cohort)
                .await?
                .is_some_and(|(_, state, _)| state == "drawn"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_keys_name_the_municipality_and_the_location() {
        assert_eq!(place_key("5037", ""), "5037");
        assert_eq!(place_key("5060", "Rørvik"), "5060/Rørvik");
    }
}
