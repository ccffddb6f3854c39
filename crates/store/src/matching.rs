//! Coordinated admission (issue 16) in storage: a round's coordinated mode with its timetable
//! and sealed seed, the applicants' rankings, couples and their pairs, and the match, recorded
//! once with its inputs' hash and export. The rules are `lis1_domain::matching` (the engine)
//! and `lis1_domain::matching::portal` (what the portal accepts); the use cases
//! `lis1_app::matching`. Every change appends its audit entry in the same transaction.

use jiff::Timestamp;
use lis1_domain::lottery::Seed;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::audit::{AuditTx, Event};
use crate::conv::DbTime;
use crate::{Ctx, Result, StoreError, Tx, conv, on_tx};
use sqlx::Connection;

/// A round in coordinated mode. The sealed seed is never part of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoordinatedRound {
    /// The round.
    pub round_id: i64,
    /// Rankings and couples may change until then.
    pub ranking_deadline: Timestamp,
    /// When the background job runs the match.
    pub match_at: Timestamp,
    /// The seed commitment, published when the mode was set.
    pub seed_sha256: String,
    /// `waiting`, `matched` or `failed`.
    pub state: String,
    /// When the mode was set.
    pub set_at: Timestamp,
    /// SHA-256 of the canonical inputs, once matched.
    pub inputs_sha256: Option<String>,
    /// Attempts the match needed.
    pub attempts: Option<i32>,
    /// Why the match was refused (stable code), if it was.
    pub failure_code: Option<String>,
    /// The refusal in bokmål, naming the entry.
    pub failure: Option<String>,
    /// When the match ran.
    pub matched_at: Option<Timestamp>,
}

/// A couple in a coordinated round: asked by `first_id`, confirmed by `second_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Couple {
    /// Id.
    pub id: i64,
    /// The round.
    pub round_id: i64,
    /// Who asked.
    pub first_id: i64,
    /// The address asked (lower-cased).
    pub second_email: String,
    /// Who confirmed.
    pub second_id: Option<i64>,
    /// When confirmed.
    pub confirmed_at: Option<Timestamp>,
    /// The ranked pairs, best first: (first's position, second's position).
    pub pairs: Vec<(Option<i64>, Option<i64>)>,
}

/// A finished match to record.
#[derive(Debug, Clone)]
pub struct MatchRecord<'a> {
    /// SHA-256 of the canonical inputs (hex).
    pub inputs_sha256: &'a str,
    /// Attempts made.
    pub attempts: i32,
    /// The export file.
    pub export: &'a str,
    /// Applicants placed.
    pub placed: usize,
}

fn round_from_row<R: Row>(r: &R) -> Result<CoordinatedRound>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    i32: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    DbTime: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    Ok(CoordinatedRound {
        round_id: r.try_get("round_id")?,
        ranking_deadline: r.try_get::<DbTime, _>("ranking_deadline")?.0,
        match_at: r.try_get::<DbTime, _>("match_at")?.0,
        seed_sha256: r.try_get("seed_sha256")?,
        state: r.try_get("state")?,
        set_at: r.try_get::<DbTime, _>("set_at")?.0,
        inputs_sha256: r.try_get("inputs_sha256")?,
        attempts: r.try_get("attempts")?,
        failure_code: r.try_get("failure_code")?,
        failure: r.try_get("failure")?,
        matched_at: r.try_get::<Option<DbTime>, _>("matched_at")?.map(|t| t.0),
    })
}

crate::store_ops! {
    fn coordinated(&self, round_id: i64) -> Result<Option<CoordinatedRound>>;
    fn coordinated_rounds(&self) -> Result<Vec<CoordinatedRound>>;
    fn coordinated_due(&self, now: Timestamp) -> Result<Vec<i64>>;
    fn coordinated_export(&self, round_id: i64) -> Result<Option<String>>;
    fn coordinated_ranking(&self, round_id: i64, applicant_id: i64) -> Result<Vec<i64>>;
    fn coordinated_rankings(&self, round_id: i64) -> Result<Vec<(i64, Vec<i64>)>>;
    fn couples(&self, round_id: i64) -> Result<Vec<Couple>>;
    fn fail_match(&self, ctx: &Ctx, round_id: i64, code: &str, message: &str) -> Result<bool>;
    fn expired_coordinated_rounds(&self, cutoff: jiff::civil::Date) -> Result<Vec<i64>>;
    fn delete_coordinated_inputs(&self, ctx: &Ctx, round_id: i64, cutoff: jiff::civil::Date) -> Result<bool>;
}

impl Tx {
    /// Puts a round in coordinated mode, or changes its timetable (the seed committed first is
    /// kept). Audited with the seed commitment.
    pub async fn set_coordinated(
        &mut self,
        ctx: &Ctx,
        round_id: i64,
        ranking_deadline: Timestamp,
        match_at: Timestamp,
        seed: &Seed,
    ) -> Result<String> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let existing: Option<String> = sqlx::query_scalar(
                "SELECT seed_sha256 FROM coordinated_rounds WHERE round_id = $1",
            )
            .bind(round_id)
            .fetch_optional(&mut *tx)
            .await?;
            let seed_sha256 = match existing {
                Some(s) => {
                    sqlx::query(
                        "UPDATE coordinated_rounds SET ranking_deadline = $1, match_at = $2 \
                         WHERE round_id = $3 AND state = 'waiting'",
                    )
                    .bind(conv::ts(ranking_deadline))
                    .bind(conv::ts(match_at))
                    .bind(round_id)
                    .execute(&mut *tx)
                    .await?;
                    s
                }
                None => {
                    let s = seed.sha256().to_hex();
                    sqlx::query(
                        "INSERT INTO coordinated_rounds (round_id, ranking_deadline, match_at, \
                         seed_sha256, sealed_seed, state, set_by, set_at) \
                         VALUES ($1, $2, $3, $4, $5, 'waiting', $6, $7)",
                    )
                    .bind(round_id)
                    .bind(conv::ts(ranking_deadline))
                    .bind(conv::ts(match_at))
                    .bind(&s)
                    .bind(seed.to_hex())
                    .bind(ctx.actor.user_id)
                    .bind(conv::ts(ctx.now))
                    .execute(&mut *tx)
                    .await?;
                    s
                }
            };
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "coordinated.set",
                object_type: "round",
                object_id: round_id.to_string(),
                summary: json!({"after": {"coordinated": true,
                    "ranking_deadline": ranking_deadline.to_string(),
                    "match_at": match_at.to_string(), "seed_sha256": seed_sha256}}),
            })
            .await?;
            tx.commit().await?;
            Ok(seed_sha256)
        })
    }

    /// Takes a round out of coordinated mode (before its announcement: nobody has ranked).
    pub async fn unset_coordinated(&mut self, ctx: &Ctx, round_id: i64) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let n = sqlx::query("DELETE FROM coordinated_rounds WHERE round_id = $1 AND state = 'waiting'")
                .bind(round_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "coordinated.unset",
                object_type: "round",
                object_id: round_id.to_string(),
                summary: json!({"after": {"coordinated": false}}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// A round's coordinated mode, if it is in it.
    pub async fn coordinated(&mut self, round_id: i64) -> Result<Option<CoordinatedRound>> {
        on_tx!(self, conn => {
            let row = sqlx::query(
                "SELECT round_id, ranking_deadline, match_at, seed_sha256, state, set_at, \
                 inputs_sha256, attempts, failure_code, failure, matched_at \
                 FROM coordinated_rounds WHERE round_id = $1",
            )
            .bind(round_id)
            .fetch_optional(&mut *conn)
            .await?;
            row.as_ref().map(round_from_row).transpose()
        })
    }

    /// Every coordinated round.
    pub async fn coordinated_rounds(&mut self) -> Result<Vec<CoordinatedRound>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT round_id, ranking_deadline, match_at, seed_sha256, state, set_at, \
                 inputs_sha256, attempts, failure_code, failure, matched_at \
                 FROM coordinated_rounds ORDER BY round_id",
            )
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(round_from_row).collect()
        })
    }

    /// The rounds whose match is due at `now` and has not run.
    pub async fn coordinated_due(&mut self, now: Timestamp) -> Result<Vec<i64>> {
        on_tx!(self, conn => {
            Ok(sqlx::query_scalar(
                "SELECT round_id FROM coordinated_rounds WHERE state = 'waiting' AND match_at <= $1 \
                 ORDER BY round_id",
            )
            .bind(conv::ts(now))
            .fetch_all(&mut *conn)
            .await?)
        })
    }

    /// Claims a due match for this transaction: `Some(seed)` if it was waiting (and is now
    /// `running` until this transaction commits or rolls back), `None` if another run has it or
    /// it already ran. The sealed seed is read only here.
    pub async fn claim_match(&mut self, round_id: i64) -> Result<Option<Seed>> {
        on_tx!(self, conn => {
            let n = sqlx::query(
                "UPDATE coordinated_rounds SET state = 'running' WHERE round_id = $1 AND state = 'waiting'",
            )
            .bind(round_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if n != 1 {
                return Ok(None);
            }
            let sealed: String = sqlx::query_scalar(
                "SELECT sealed_seed FROM coordinated_rounds WHERE round_id = $1",
            )
            .bind(round_id)
            .fetch_one(&mut *conn)
            .await?;
            let seed = Seed::from_hex(&sealed)
                .map_err(|_| StoreError::Conflict("corrupt_sealed_seed".into()))?;
            Ok(Some(seed))
        })
    }

    /// Records the match the caller claimed: its inputs' hash, attempts and export.
    pub async fn finish_match(
        &mut self,
        ctx: &Ctx,
        round_id: i64,
        m: &MatchRecord<'_>,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let n = sqlx::query(
                "UPDATE coordinated_rounds SET state = 'matched', inputs_sha256 = $1, attempts = $2, \
                 export = $3, matched_at = $4 WHERE round_id = $5 AND state = 'running'",
            )
            .bind(m.inputs_sha256)
            .bind(m.attempts)
            .bind(m.export)
            .bind(conv::ts(ctx.now))
            .bind(round_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(StoreError::Conflict("match_not_claimed".into()));
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "coordinated.match",
                object_type: "round",
                object_id: round_id.to_string(),
                summary: json!({"after": {"state": "matched", "inputs_sha256": m.inputs_sha256,
                    "attempts": m.attempts, "placed": m.placed}}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Records that a due match was refused (invalid inputs, no stable matching): nothing was
    /// published. Only from `waiting`; returns whether it changed.
    pub async fn fail_match(
        &mut self,
        ctx: &Ctx,
        round_id: i64,
        code: &str,
        message: &str,
    ) -> Result<bool> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let n = sqlx::query(
                "UPDATE coordinated_rounds SET state = 'failed', failure_code = $1, failure = $2, \
                 matched_at = $3 WHERE round_id = $4 AND state = 'waiting'",
            )
            .bind(code)
            .bind(message)
            .bind(conv::ts(ctx.now))
            .bind(round_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                tx.append_audit(audit_keys.as_deref(), ctx, Event {
                    action: "coordinated.match_refused",
                    object_type: "round",
                    object_id: round_id.to_string(),
                    summary: json!({"after": {"state": "failed", "code": code}}),
                })
                .await?;
            }
            tx.commit().await?;
            Ok(n == 1)
        })
    }

    /// Sets a new timetable after a refused match: back to `waiting` with the new ranking
    /// deadline and match time. The refusal stays recorded (the round page tells what happened)
    /// until the match publishes. Only from `failed`; returns whether it changed.
    pub async fn reschedule_match(
        &mut self,
        ctx: &Ctx,
        round_id: i64,
        ranking_deadline: Timestamp,
        match_at: Timestamp,
    ) -> Result<bool> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let before: Option<Option<String>> = sqlx::query_scalar(
                "SELECT failure_code FROM coordinated_rounds \
                 WHERE round_id = $1 AND state = 'failed'",
            )
            .bind(round_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(code) = before else {
                return Ok(false);
            };
            sqlx::query(
                "UPDATE coordinated_rounds SET state = 'waiting', ranking_deadline = $1, \
                 match_at = $2, matched_at = NULL WHERE round_id = $3 AND state = 'failed'",
            )
            .bind(conv::ts(ranking_deadline))
            .bind(conv::ts(match_at))
            .bind(round_id)
            .execute(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "coordinated.rescheduled",
                object_type: "round",
                object_id: round_id.to_string(),
                summary: json!({"before": {"state": "failed", "code": code},
                    "after": {"state": "waiting", "ranking_deadline": ranking_deadline.to_string(),
                        "match_at": match_at.to_string()}}),
            })
            .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Rounds that started before `cutoff` (the applications' retention cut-off, when their
    /// unsuccessful applications are deleted) and still have coordinated rankings or couples.
    pub async fn expired_coordinated_rounds(
        &mut self,
        cutoff: jiff::civil::Date,
    ) -> Result<Vec<i64>> {
        on_tx!(self, conn => {
            Ok(sqlx::query_scalar(
                "SELECT r.id FROM rounds r WHERE r.start_date < $1 AND (\
                 EXISTS (SELECT 1 FROM coordinated_rankings k WHERE k.round_id = r.id) OR \
                 EXISTS (SELECT 1 FROM coordinated_couples c WHERE c.round_id = r.id)) \
                 ORDER BY r.id",
            )
            .bind(conv::date(cutoff))
            .fetch_all(&mut *conn)
            .await?)
        })
    }

    /// Deletes a round's coordinated rankings, couples and pairs once the round is past the
    /// retention cut-off (checked again here), in one transaction with its audit entry. The
    /// published export stays: it names applicants only by opaque ids and is the record that
    /// lets anyone verify the match. `false` if nothing was due.
    pub async fn delete_coordinated_inputs(
        &mut self,
        ctx: &Ctx,
        round_id: i64,
        cutoff: jiff::civil::Date,
    ) -> Result<bool> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let due: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM rounds WHERE id = $1 AND start_date < $2",
            )
            .bind(round_id)
            .bind(conv::date(cutoff))
            .fetch_optional(&mut *tx)
            .await?;
            if due.is_none() {
                return Ok(false);
            }
            let mut removed = serde_json::Map::new();
            for (table, sql) in [
                ("coordinated_rankings", "DELETE FROM coordinated_rankings WHERE round_id = $1"),
                ("coordinated_pairs", "DELETE FROM coordinated_pairs WHERE couple_id IN \
                    (SELECT id FROM coordinated_couples WHERE round_id = $1)"),
                ("coordinated_couples", "DELETE FROM coordinated_couples WHERE round_id = $1"),
            ] {
                let n = sqlx::query(sql).bind(round_id).execute(&mut *tx).await?.rows_affected();
                if n > 0 {
                    removed.insert(table.into(), n.into());
                }
            }
            if removed.is_empty() {
                return Ok(false);
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "retention.coordinated_deleted",
                object_type: "round",
                object_id: round_id.to_string(),
                summary: json!({"rule": "round_past_retention", "rows": removed}),
            })
            .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// The published export of a matched round.
    pub async fn coordinated_export(&mut self, round_id: i64) -> Result<Option<String>> {
        on_tx!(self, conn => {
            let v: Option<Option<String>> = sqlx::query_scalar(
                "SELECT export FROM coordinated_rounds WHERE round_id = $1 AND state = 'matched'",
            )
            .bind(round_id)
            .fetch_optional(&mut *conn)
            .await?;
            Ok(v.flatten())
        })
    }

    /// Replaces an applicant's ranking in a round (position ids, best first; empty clears it).
    pub async fn set_coordinated_ranking(
        &mut self,
        ctx: &Ctx,
        round_id: i64,
        applicant_id: i64,
        positions: &[i64],
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query("DELETE FROM coordinated_rankings WHERE round_id = $1 AND applicant_id = $2")
                .bind(round_id)
                .bind(applicant_id)
                .execute(&mut *tx)
                .await?;
            for (i, p) in positions.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO coordinated_rankings (round_id, applicant_id, rank, position_id) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(round_id)
                .bind(applicant_id)
                .bind(i as i32 + 1)
                .bind(p)
                .execute(&mut *tx)
                .await?;
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "coordinated.ranking",
                object_type: "round",
                object_id: round_id.to_string(),
                summary: json!({"applicant_id": applicant_id, "after": {"positions": positions}}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// An applicant's ranking in a round, best first.
    pub async fn coordinated_ranking(
        &mut self,
        round_id: i64,
        applicant_id: i64,
    ) -> Result<Vec<i64>> {
        on_tx!(self, conn => {
            Ok(sqlx::query_scalar(
                "SELECT position_id FROM coordinated_rankings WHERE round_id = $1 AND applicant_id = $2 \
                 ORDER BY rank",
            )
            .bind(round_id)
            .bind(applicant_id)
            .fetch_all(&mut *conn)
            .await?)
        })
    }

    /// Every applicant's ranking in a round, by applicant.
    pub async fn coordinated_rankings(&mut self, round_id: i64) -> Result<Vec<(i64, Vec<i64>)>> {
        let rows: Vec<(i64, i64)> = on_tx!(self, conn => {
            sqlx::query_as(
                "SELECT applicant_id, position_id FROM coordinated_rankings WHERE round_id = $1 \
                 ORDER BY applicant_id, rank",
            )
            .bind(round_id)
            .fetch_all(&mut *conn)
            .await?
        });
        let mut out: Vec<(i64, Vec<i64>)> = Vec::new();
        for (a, p) in rows {
            match out.last_mut() {
                Some((last, ps)) if *last == a => ps.push(p),
                _ => out.push((a, vec![p])),
            }
        }
        Ok(out)
    }

    /// `first_id` asks the holder of `second_email` to apply as a couple.
    pub async fn ask_couple(
        &mut self,
        ctx: &Ctx,
        round_id: i64,
        first_id: i64,
        second_email: &str,
    ) -> Result<i64> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO coordinated_couples (round_id, first_id, second_email, created_at) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(round_id)
            .bind(first_id)
            .bind(second_email)
            .bind(conv::ts(ctx.now))
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "coordinated.couple_ask",
                object_type: "coordinated_couple",
                object_id: id.to_string(),
                summary: json!({"after": {"round_id": round_id, "first_id": first_id}}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The asked applicant confirms the couple. `Conflict` if it is no longer open to them.
    pub async fn confirm_couple(
        &mut self,
        ctx: &Ctx,
        couple_id: i64,
        second_id: i64,
        email: &str,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let n = sqlx::query(
                "UPDATE coordinated_couples SET second_id = $1, confirmed_at = $2 \
                 WHERE id = $3 AND second_email = $4 AND second_id IS NULL AND first_id <> $1",
            )
            .bind(second_id)
            .bind(conv::ts(ctx.now))
            .bind(couple_id)
            .bind(email)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(StoreError::Conflict("couple_not_open".into()));
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "coordinated.couple_confirm",
                object_type: "coordinated_couple",
                object_id: couple_id.to_string(),
                summary: json!({"after": {"second_id": second_id}}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Ends a couple (either member, or the asked one declining): its pairs go with it.
    pub async fn end_couple(&mut self, ctx: &Ctx, couple_id: i64) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query("DELETE FROM coordinated_pairs WHERE couple_id = $1")
                .bind(couple_id)
                .execute(&mut *tx)
                .await?;
            let n = sqlx::query("DELETE FROM coordinated_couples WHERE id = $1")
                .bind(couple_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n != 1 {
                return Err(StoreError::NotFound);
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "coordinated.couple_end",
                object_type: "coordinated_couple",
                object_id: couple_id.to_string(),
                summary: json!({}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Replaces a confirmed couple's pairs, best first, as (first's, second's) positions.
    pub async fn set_pairs(
        &mut self,
        ctx: &Ctx,
        couple_id: i64,
        pairs: &[(Option<i64>, Option<i64>)],
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query("DELETE FROM coordinated_pairs WHERE couple_id = $1")
                .bind(couple_id)
                .execute(&mut *tx)
                .await?;
            for (i, (a, b)) in pairs.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO coordinated_pairs (couple_id, rank, first_position_id, second_position_id) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(couple_id)
                .bind(i as i32 + 1)
                .bind(a)
                .bind(b)
                .execute(&mut *tx)
                .await?;
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "coordinated.pairs",
                object_type: "coordinated_couple",
                object_id: couple_id.to_string(),
                summary: json!({"after": {"pairs": pairs}}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// A round's couples (asked and confirmed) with their pairs.
    pub async fn couples(&mut self, round_id: i64) -> Result<Vec<Couple>> {
        let rows = on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT id, round_id, first_id, second_email, second_id, confirmed_at \
                 FROM coordinated_couples WHERE round_id = $1 ORDER BY id",
            )
            .bind(round_id)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(Couple {
                        id: r.try_get("id")?,
                        round_id: r.try_get("round_id")?,
                        first_id: r.try_get("first_id")?,
                        second_email: r.try_get("second_email")?,
                        second_id: r.try_get("second_id")?,
                        confirmed_at: r.try_get::<Option<DbTime>, _>("confirmed_at")?.map(|t| t.0),
                        pairs: Vec::new(),
                    })
                })
                .collect::<Result<Vec<_>>>()?
        });
        let mut out = rows;
        for c in &mut out {
            let id = c.id;
            c.pairs = on_tx!(self, conn => {
                sqlx::query_as::<_, (Option<i64>, Option<i64>)>(
                    "SELECT first_position_id, second_position_id FROM coordinated_pairs \
                     WHERE couple_id = $1 ORDER BY rank",
                )
                .bind(id)
                .fetch_all(&mut *conn)
                .await?
            });
        }
        Ok(out)
    }
}

/// A run of the mechanism simulator, as stored (it outlives the process that ran it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimulationRun {
    /// Id.
    pub id: i64,
    /// Who started it.
    pub user_id: i64,
    /// The instance's name.
    pub label: String,
    /// `generated:SEED` or `round:ID`.
    pub source: String,
    /// Draws asked for.
    pub draws: i64,
    /// Draws done.
    pub done: i64,
    /// `running`, `finished` or `interrupted`.
    pub state: String,
    /// The process that runs (or ran) it.
    pub instance: String,
    /// When it started.
    pub started_at: Timestamp,
    /// Its last sign of life.
    pub heartbeat_at: Timestamp,
    /// When it finished.
    pub finished_at: Option<Timestamp>,
    /// The report (JSON), once finished.
    pub report: Option<String>,
}

/// A simulation run to record.
#[derive(Debug, Clone)]
pub struct NewSimulationRun<'a> {
    /// Who starts it.
    pub user_id: i64,
    /// The instance's name.
    pub label: &'a str,
    /// `generated:SEED` or `round:ID`.
    pub source: &'a str,
    /// Draws asked for.
    pub draws: i64,
    /// The process that runs it.
    pub instance: &'a str,
}

fn sim_from_row<R: Row>(r: &R) -> Result<SimulationRun>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    DbTime: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    Ok(SimulationRun {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        label: r.try_get("label")?,
        source: r.try_get("source")?,
        draws: r.try_get("draws")?,
        done: r.try_get("done")?,
        state: r.try_get("state")?,
        instance: r.try_get("instance")?,
        started_at: r.try_get::<DbTime, _>("started_at")?.0,
        heartbeat_at: r.try_get::<DbTime, _>("heartbeat_at")?.0,
        finished_at: r.try_get::<Option<DbTime>, _>("finished_at")?.map(|t| t.0),
        report: r.try_get("report")?,
    })
}

crate::store_ops! {
    fn start_simulation_run(&self, run: &NewSimulationRun<'_>, now: Timestamp) -> Result<i64>;
    fn simulation_progress(&self, id: i64, done: i64, now: Timestamp) -> Result<()>;
    fn finish_simulation_run(&self, id: i64, report: &str, now: Timestamp) -> Result<()>;
    fn interrupt_simulation_runs(&self, instance: &str, live: &[i64], stale_before: Timestamp) -> Result<u64>;
    fn simulation_run(&self, id: i64) -> Result<Option<SimulationRun>>;
    fn simulation_runs(&self, limit: i64) -> Result<Vec<SimulationRun>>;
}

impl Tx {
    /// Records a simulation run as running; returns its id.
    pub async fn start_simulation_run(
        &mut self,
        run: &NewSimulationRun<'_>,
        now: Timestamp,
    ) -> Result<i64> {
        on_tx!(self, conn => {
            Ok(sqlx::query_scalar(
                "INSERT INTO simulation_runs (user_id, label, source, draws, done, state, instance, \
                 started_at, heartbeat_at) VALUES ($1, $2, $3, $4, 0, 'running', $5, $6, $6) \
                 RETURNING id",
            )
            .bind(run.user_id)
            .bind(run.label)
            .bind(run.source)
            .bind(run.draws)
            .bind(run.instance)
            .bind(conv::ts(now))
            .fetch_one(&mut *conn)
            .await?)
        })
    }

    /// A running simulation's progress, and its sign of life.
    pub async fn simulation_progress(&mut self, id: i64, done: i64, now: Timestamp) -> Result<()> {
        on_tx!(self, conn => {
            sqlx::query(
                "UPDATE simulation_runs SET done = $1, heartbeat_at = $2 \
                 WHERE id = $3 AND state = 'running'",
            )
            .bind(done)
            .bind(conv::ts(now))
            .bind(id)
            .execute(&mut *conn)
            .await?;
            Ok(())
        })
    }

    /// A simulation finished with its report (JSON).
    pub async fn finish_simulation_run(
        &mut self,
        id: i64,
        report: &str,
        now: Timestamp,
    ) -> Result<()> {
        on_tx!(self, conn => {
            sqlx::query(
                "UPDATE simulation_runs SET state = 'finished', done = draws, report = $1, \
                 heartbeat_at = $2, finished_at = $2 WHERE id = $3",
            )
            .bind(report)
            .bind(conv::ts(now))
            .bind(id)
            .execute(&mut *conn)
            .await?;
            Ok(())
        })
    }

    /// Marks as interrupted the runs that no process runs any more: this process's (`instance`)
    /// that are not among `live`, and another process's whose last sign of life is before
    /// `stale_before`. Returns how many.
    pub async fn interrupt_simulation_runs(
        &mut self,
        instance: &str,
        live: &[i64],
        stale_before: Timestamp,
    ) -> Result<u64> {
        let running: Vec<(i64, String, DbTime)> = on_tx!(self, conn => {
            sqlx::query_as(
                "SELECT id, instance, heartbeat_at FROM simulation_runs WHERE state = 'running'",
            )
            .fetch_all(&mut *conn)
            .await?
        });
        let mut n = 0;
        for (id, owner, heartbeat) in running {
            let gone = if owner == instance {
                !live.contains(&id)
            } else {
                heartbeat.0 < stale_before
            };
            if !gone {
                continue;
            }
            n += on_tx!(self, conn => {
                sqlx::query(
                    "UPDATE simulation_runs SET state = 'interrupted' WHERE id = $1 AND state = 'running'",
                )
                .bind(id)
                .execute(&mut *conn)
                .await?
                .rows_affected()
            });
        }
        Ok(n)
    }

    /// One simulation run.
    pub async fn simulation_run(&mut self, id: i64) -> Result<Option<SimulationRun>> {
        on_tx!(self, conn => {
            let row = sqlx::query(
                "SELECT id, user_id, label, source, draws, done, state, instance, started_at, \
                 heartbeat_at, finished_at, report FROM simulation_runs WHERE id = $1",
            )
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
            row.as_ref().map(sim_from_row).transpose()
        })
    }

    /// The latest simulation runs, newest first.
    pub async fn simulation_runs(&mut self, limit: i64) -> Result<Vec<SimulationRun>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT id, user_id, label, source, draws, done, state, instance, started_at, \
                 heartbeat_at, finished_at, report FROM simulation_runs ORDER BY id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(sim_from_row).collect()
        })
    }
}
