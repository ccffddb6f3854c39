//! What the round report counts (`lis1_domain::statistics::RoundFacts`), frozen reports of past
//! rounds, consent to the follow-up evaluation with its history, and the bound plans of the
//! doctors who consented.

use jiff::Timestamp;
use jiff::civil::Date;
use lis1_domain::profiles::{CareerPreference, education_region};
use lis1_domain::statistics::{AdFact, ApplicationFact, OfferFact, RoundFacts, RoundReport};
use serde_json::json;
use sqlx::{Connection, Row};

use crate::audit::{AuditTx, Event};
use crate::conv::DbTime;
use crate::{Ctx, Result, Tx, conv, on_tx};

/// The purpose a consent is asked for.
pub const FOLLOW_UP_EVALUATION: &str = "follow_up_evaluation";

/// One answer to the consent question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// Whether consent was given.
    pub given: bool,
    /// `application` or `own_page`.
    pub source: String,
    /// The wording answered.
    pub text_version: String,
    /// When.
    pub at: Timestamp,
}

/// A bound plan of a doctor who consents to the follow-up evaluation, as the evaluation counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluatedPlan {
    /// `lis3_psychiatry`, `lis3_bup` or `alis`.
    pub track: String,
    /// `lis1_domain::bound::PlanState` as stored.
    pub state: String,
    /// The LIS1 course's hospital start (the cohort).
    pub hospital_start: Date,
    /// When the later part started, if it has.
    pub later_started_on: Option<Date>,
    /// When the plan is to end.
    pub planned_end: Date,
}

/// The advertisements a report counts: published ones, and any that has applications (an
/// advertisement closed or imported with its hires).
const COUNTED: &str = "(ad.state = 'published' OR EXISTS \
     (SELECT 1 FROM applications x WHERE x.advertisement_id = ad.id))";

crate::store_ops! {
    fn round_facts(&self, round_id: i64) -> Result<RoundFacts>;
    fn frozen_report(&self, round_id: i64) -> Result<Option<(RoundReport, Timestamp)>>;
    fn freeze_report(&self, ctx: &Ctx, round_id: i64, report: &RoundReport) -> Result<bool>;
    fn record_consent(&self, ctx: &Ctx, user_id: i64, given: bool, source: &str, text_version: &str) -> Result<i64>;
    fn consents(&self, user_id: i64) -> Result<Vec<Consent>>;
    fn evaluated_plans(&self) -> Result<Vec<EvaluatedPlan>>;
}

impl Tx {
    /// Everything the round report counts, for one round.
    pub async fn round_facts(&mut self, round_id: i64) -> Result<RoundFacts> {
        // Only the two fields counted are read from the snapshot of the profile, in the
        // database: a round's profiles are tens of megabytes, the two fields a few bytes.
        let fields = if self.backend() == crate::Backend::Postgres {
            "a.profile::json->'education'->>'country', a.profile::json->>'career_preference'"
        } else {
            "json_extract(a.profile, '$.education.country'), \
             json_extract(a.profile, '$.career_preference')"
        };
        on_tx!(self, conn => {
            let mut facts = RoundFacts::default();
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT a.applicant_id, a.advertisement_id, {fields} FROM applications a \
                 JOIN advertisements ad ON ad.id = a.advertisement_id \
                 WHERE ad.round_id = $1 AND a.state = 'submitted' ORDER BY a.id"
            )))
            .bind(round_id)
            .fetch_all(&mut *conn)
            .await?;
            for r in &rows {
                let country: Option<String> = r.try_get(2)?;
                let career: Option<String> = r.try_get(3)?;
                facts.applications.push(ApplicationFact {
                    applicant: r.try_get(0)?,
                    ad: r.try_get(1)?,
                    education: education_region(country.as_deref().unwrap_or("")),
                    career: CareerPreference::parse(career.as_deref().unwrap_or("none"))
                        .unwrap_or(CareerPreference::None),
                });
            }
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT ad.id, hf.name, COALESCE(rhf.name, ''), site.name \
                 FROM advertisements ad \
                 JOIN organisations hf ON hf.id = ad.hf_id \
                 LEFT JOIN organisations rhf ON rhf.id = hf.parent_id \
                 JOIN organisations site ON site.id = ad.hospital_site_id \
                 WHERE ad.round_id = $1 AND {COUNTED} ORDER BY ad.id"
            )))
            .bind(round_id)
            .fetch_all(&mut *conn)
            .await?;
            for r in &rows {
                facts.ads.push(AdFact {
                    id: r.try_get(0)?,
                    hf: r.try_get(1)?,
                    region: r.try_get(2)?,
                    site: r.try_get(3)?,
                    positions: Vec::new(),
                });
            }
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT p.advertisement_id, p.kind, p.count FROM positions p \
                 JOIN advertisements ad ON ad.id = p.advertisement_id \
                 WHERE ad.round_id = $1 AND {COUNTED} ORDER BY p.id"
            )))
            .bind(round_id)
            .fetch_all(&mut *conn)
            .await?;
            for r in &rows {
                let ad: i64 = r.try_get(0)?;
                let count: i32 = r.try_get(2)?;
                if let Some(a) = facts.ads.iter_mut().find(|a| a.id == ad) {
                    a.positions.push((r.try_get(1)?, count.max(0) as u64));
                }
            }
            let rows = sqlx::query(
                "SELECT o.applicant_id, p.advertisement_id, o.offer_round, o.state, o.made_at, \
                 o.answered_at FROM offers o \
                 JOIN positions p ON p.id = o.position_id \
                 JOIN advertisements ad ON ad.id = p.advertisement_id \
                 WHERE ad.round_id = $1 ORDER BY o.id",
            )
            .bind(round_id)
            .fetch_all(&mut *conn)
            .await?;
            for r in &rows {
                let round: i32 = r.try_get(2)?;
                facts.offers.push(OfferFact {
                    applicant: r.try_get(0)?,
                    ad: r.try_get(1)?,
                    offer_round: round.clamp(1, 1000) as u32,
                    state: r.try_get(3)?,
                    made_at: r.try_get::<DbTime, _>(4)?.0,
                    answered_at: r.try_get::<Option<DbTime>, _>(5)?.map(|t| t.0),
                });
            }
            let rows = sqlx::query(
                "SELECT rp.state FROM rest_positions rp \
                 JOIN positions p ON p.id = rp.source_position_id \
                 JOIN advertisements ad ON ad.id = p.advertisement_id \
                 WHERE ad.round_id = $1 ORDER BY rp.id",
            )
            .bind(round_id)
            .fetch_all(&mut *conn)
            .await?;
            for r in &rows {
                facts.rest_positions.push(r.try_get::<String, _>(0)? == "filled");
            }
            // The rank the doctor gave the municipality the lottery drew (a place key is the
            // municipality number, or the number and a location: "5060/Rørvik").
            let rows = sqlx::query(
                "SELECT (SELECT MIN(lp.rank) FROM lottery_preferences lp \
                    WHERE lp.course_id = c.id \
                    AND (lp.place_key = m.code OR lp.place_key LIKE m.code || '/%')) \
                 FROM courses c \
                 JOIN offers o ON o.id = c.offer_id \
                 JOIN positions p ON p.id = o.position_id \
                 JOIN advertisements ad ON ad.id = p.advertisement_id \
                 JOIN organisations m ON m.id = c.municipality_id \
                 WHERE ad.round_id = $1 AND c.section = '13b' AND o.state = 'accepted' \
                 ORDER BY c.id",
            )
            .bind(round_id)
            .fetch_all(&mut *conn)
            .await?;
            for r in &rows {
                let rank: Option<i32> = r.try_get(0)?;
                facts.lottery_ranks.push(rank.map(|x| x.clamp(1, 10_000) as u32));
            }
            Ok(facts)
        })
    }

    /// The frozen report of a round, if it has been frozen.
    pub async fn frozen_report(
        &mut self,
        round_id: i64,
    ) -> Result<Option<(RoundReport, Timestamp)>> {
        on_tx!(self, conn => {
            let row = sqlx::query("SELECT report, frozen_at FROM round_reports WHERE round_id = $1")
                .bind(round_id)
                .fetch_optional(&mut *conn)
                .await?;
            match row {
                None => Ok(None),
                Some(r) => {
                    let report: RoundReport = serde_json::from_str(&r.try_get::<String, _>(0)?)
                        .map_err(|e| crate::StoreError::Corrupt(format!("round report {round_id}: {e}")))?;
                    Ok(Some((report, r.try_get::<DbTime, _>(1)?.0)))
                }
            }
        })
    }

    /// Freezes a round's report (once: a second call changes nothing and returns false).
    pub async fn freeze_report(
        &mut self,
        ctx: &Ctx,
        round_id: i64,
        report: &RoundReport,
    ) -> Result<bool> {
        let audit_keys = self.audit_keys();
        let text = serde_json::to_string(report)
            .map_err(|e| crate::StoreError::Corrupt(format!("round report {round_id}: {e}")))?;
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let done = sqlx::query(
                "INSERT INTO round_reports (round_id, report, frozen_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (round_id) DO NOTHING",
            )
            .bind(round_id)
            .bind(&text)
            .bind(conv::ts(ctx.now))
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if done {
                tx.append_audit(audit_keys.as_deref(), ctx, Event {
                    action: "statistics.report_frozen",
                    object_type: "round",
                    object_id: round_id.to_string(),
                    summary: json!({"applicants": report.applicants, "hired": report.hired}),
                })
                .await?;
            }
            tx.commit().await?;
            Ok(done)
        })
    }

    /// Records an answer to the consent question, with its audit entry.
    pub async fn record_consent(
        &mut self,
        ctx: &Ctx,
        user_id: i64,
        given: bool,
        source: &str,
        text_version: &str,
    ) -> Result<i64> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO consents (user_id, purpose, given, source, text_version, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(user_id)
            .bind(FOLLOW_UP_EVALUATION)
            .bind(i32::from(given))
            .bind(source)
            .bind(text_version)
            .bind(conv::ts(ctx.now))
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: if given { "consent.given" } else { "consent.withdrawn" },
                object_type: "user",
                object_id: user_id.to_string(),
                summary: json!({"purpose": FOLLOW_UP_EVALUATION, "source": source,
                                "text_version": text_version}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// A person's answers to the consent question, newest (the one in force) first.
    pub async fn consents(&mut self, user_id: i64) -> Result<Vec<Consent>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT given, source, text_version, created_at FROM consents \
                 WHERE user_id = $1 AND purpose = $2 ORDER BY id DESC",
            )
            .bind(user_id)
            .bind(FOLLOW_UP_EVALUATION)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(Consent {
                        given: r.try_get::<i32, _>(0)? == 1,
                        source: r.try_get(1)?,
                        text_version: r.try_get(2)?,
                        at: r.try_get::<DbTime, _>(3)?.0,
                    })
                })
                .collect()
        })
    }

    /// The bound plans of doctors whose answer in force, now, is consent.
    pub async fn evaluated_plans(&mut self) -> Result<Vec<EvaluatedPlan>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT bp.track, bp.state, c.hospital_start, bp.later_started_on, bp.planned_end \
                 FROM bound_plans bp JOIN courses c ON c.id = bp.course_id \
                 WHERE (SELECT k.given FROM consents k WHERE k.user_id = c.applicant_id \
                        AND k.purpose = $1 ORDER BY k.id DESC LIMIT 1) = 1 \
                 ORDER BY bp.course_id",
            )
            .bind(FOLLOW_UP_EVALUATION)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(EvaluatedPlan {
                        track: r.try_get(0)?,
                        state: r.try_get(1)?,
                        hospital_start: r.try_get::<jiff_sqlx::Date, _>(2)?.to_jiff(),
                        later_started_on: r
                            .try_get::<Option<jiff_sqlx::Date>, _>(3)?
                            .map(|d| d.to_jiff()),
                        planned_end: r.try_get::<jiff_sqlx::Date, _>(4)?.to_jiff(),
                    })
                })
                .collect()
        })
    }
}
