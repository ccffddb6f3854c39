//! Advertisements (*utlysninger*) with their coupled positions. The rules of a valid advertisement
//! are `lis1_domain::advertisements`; the store keeps the validated parts, the structured ones as
//! JSON text.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::audit::{AuditTx, Event};
use crate::conv::DbTime;
use crate::{Ctx, Result, StoreError, Tx, conv, on_tx};
use sqlx::Connection;

/// A position to create.
#[derive(Debug, Clone)]
pub struct NewPosition {
    /// `ordinary`, `bound_lis3_psychiatry`, `bound_lis3_bup` or `bound_alis`.
    pub kind: String,
    /// How many identical positions.
    pub count: i32,
    /// The municipality (§13a, or the ALIS municipality).
    pub municipality_id: Option<i64>,
    /// The later employer, who decides on a bound position.
    pub later_employer_id: Option<i64>,
}

/// An advertisement to create (validated by the domain first).
#[derive(Debug, Clone)]
pub struct NewAdvertisement {
    /// The round.
    pub round_id: i64,
    /// The hospital trust.
    pub hf_id: i64,
    /// The hospital site.
    pub hospital_site_id: i64,
    /// `section13a` or `section13b`.
    pub coupling: String,
    /// Title.
    pub title: String,
    /// Text.
    pub description: String,
    /// The coupled municipalities.
    pub municipality_ids: Vec<i64>,
    /// JSON of `FormalCriteria`.
    pub formal_criteria: serde_json::Value,
    /// JSON array of strings.
    pub weighted_criteria: serde_json::Value,
    /// JSON of `Rubric`.
    pub rubric: serde_json::Value,
    /// JSON array of `ScreeningQuestion`.
    pub screening: serde_json::Value,
    /// Offer the next in line automatically.
    pub auto_next_in_line: bool,
    /// The positions, in order.
    pub positions: Vec<NewPosition>,
}

/// A stored position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Position {
    /// Id.
    pub id: i64,
    /// Order within the advertisement, from 1.
    pub seq: i32,
    /// Kind.
    pub kind: String,
    /// Count.
    pub count: i32,
    /// Municipality.
    pub municipality_id: Option<i64>,
    /// Later employer.
    pub later_employer_id: Option<i64>,
}

/// A stored advertisement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Advertisement {
    /// Id.
    pub id: i64,
    /// Round.
    pub round_id: i64,
    /// Hospital trust.
    pub hf_id: i64,
    /// Hospital site.
    pub hospital_site_id: i64,
    /// Coupling.
    pub coupling: String,
    /// Title.
    pub title: String,
    /// Text.
    pub description: String,
    /// Municipalities.
    pub municipality_ids: Vec<i64>,
    /// JSON.
    pub formal_criteria: serde_json::Value,
    /// JSON.
    pub weighted_criteria: serde_json::Value,
    /// JSON.
    pub rubric: serde_json::Value,
    /// JSON.
    pub screening: serde_json::Value,
    /// Auto next in line.
    pub auto_next_in_line: bool,
    /// `draft` or `published`.
    pub state: String,
    /// When published.
    pub published_at: Option<Timestamp>,
    /// Positions.
    pub positions: Vec<Position>,
}

fn json_col(s: &str, what: &str) -> Result<serde_json::Value> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// An advertisement's content as the audit log shows it, one key per part.
fn audit_view(ad: &NewAdvertisement) -> serde_json::Map<String, serde_json::Value> {
    let positions: Vec<_> = ad
        .positions
        .iter()
        .map(|p| {
            json!({"kind": p.kind, "count": p.count, "municipality_id": p.municipality_id,
                "later_employer_id": p.later_employer_id})
        })
        .collect();
    let view = json!({
        "round_id": ad.round_id, "hf_id": ad.hf_id, "hospital_site_id": ad.hospital_site_id,
        "coupling": ad.coupling, "title": ad.title, "description": ad.description,
        "municipality_ids": ad.municipality_ids, "formal_criteria": ad.formal_criteria,
        "weighted_criteria": ad.weighted_criteria, "rubric": ad.rubric,
        "screening": ad.screening, "auto_next_in_line": ad.auto_next_in_line,
        "positions": positions,
    });
    match view {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

type Parts = serde_json::Map<String, serde_json::Value>;

/// The parts that differ, as they were and as they are.
fn changes(before: &Parts, after: &Parts) -> (Parts, Parts) {
    let mut was = Parts::new();
    let mut is = Parts::new();
    for (k, v) in after {
        if before.get(k) != Some(v) {
            was.insert(k.clone(), before.get(k).cloned().unwrap_or_default());
            is.insert(k.clone(), v.clone());
        }
    }
    (was, is)
}

crate::store_ops! {
    fn create_advertisement(&self, ctx: &Ctx, ad: &NewAdvertisement) -> Result<i64>;
    fn update_draft_advertisement(&self, ctx: &Ctx, id: i64, ad: &NewAdvertisement) -> Result<()>;
    fn publish_advertisement(&self, ctx: &Ctx, id: i64) -> Result<()>;
    fn set_auto_next_in_line(&self, ctx: &Ctx, id: i64, auto: bool) -> Result<()>;
    fn advertisement(&self, id: i64) -> Result<Advertisement>;
    fn advertisements(&self, round_id: Option<i64>) -> Result<Vec<Advertisement>>;
}

impl Tx {
    /// Creates an advertisement as a draft.
    pub async fn create_advertisement(&mut self, ctx: &Ctx, ad: &NewAdvertisement) -> Result<i64> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO advertisements (round_id, hf_id, hospital_site_id, coupling, title, \
                 description, municipality_ids, formal_criteria, weighted_criteria, rubric, \
                 screening, auto_next_in_line, state, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'draft', $13, $14) \
                 RETURNING id",
            )
            .bind(ad.round_id)
            .bind(ad.hf_id)
            .bind(ad.hospital_site_id)
            .bind(&ad.coupling)
            .bind(&ad.title)
            .bind(&ad.description)
            .bind(json!(ad.municipality_ids).to_string())
            .bind(ad.formal_criteria.to_string())
            .bind(ad.weighted_criteria.to_string())
            .bind(ad.rubric.to_string())
            .bind(ad.screening.to_string())
            .bind(ad.auto_next_in_line)
            .bind(ctx.actor.user_id)
            .bind(conv::ts(ctx.now))
            .fetch_one(&mut *tx)
            .await?;
            for (i, p) in ad.positions.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO positions (advertisement_id, seq, kind, count, municipality_id, \
                     later_employer_id) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(i32::try_from(i + 1).unwrap_or(i32::MAX))
                .bind(&p.kind)
                .bind(p.count)
                .bind(p.municipality_id)
                .bind(p.later_employer_id)
                .execute(&mut *tx)
                .await?;
            }
            let positions: Vec<_> = ad.positions.iter().map(|p| json!({"kind": p.kind, "count": p.count,
                "municipality_id": p.municipality_id, "later_employer_id": p.later_employer_id})).collect();
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "advertisement.create",
                object_type: "advertisement",
                object_id: id.to_string(),
                summary: json!({"after": {"title": ad.title, "round_id": ad.round_id,
                    "hospital_site_id": ad.hospital_site_id, "coupling": ad.coupling,
                    "municipality_ids": ad.municipality_ids, "positions": positions,
                    "rubric": ad.rubric, "screening": ad.screening}}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Replaces a draft's content with `ad` (validated by the domain first): its round, site,
    /// coupling, texts, criteria, rubric, screening and positions, which are deleted and created
    /// again (no application can point at a draft's positions). Refused with
    /// `Conflict("advertisement is not a draft")` once published: applicants applied to what was
    /// published. The audit entry holds, before and after, the parts that changed; a save that
    /// changes nothing writes nothing.
    pub async fn update_draft_advertisement(
        &mut self,
        ctx: &Ctx,
        id: i64,
        ad: &NewAdvertisement,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        let backend = self.backend();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            // Under the row lock, so a publish at the same moment waits for this edit or refuses
            // it (SQLite has one writer).
            let lock = if backend == crate::Backend::Postgres {
                "SELECT round_id, hf_id, hospital_site_id, coupling, title, description, \
                 municipality_ids, formal_criteria, weighted_criteria, rubric, screening, \
                 auto_next_in_line, state FROM advertisements WHERE id = $1 FOR UPDATE"
            } else {
                "SELECT round_id, hf_id, hospital_site_id, coupling, title, description, \
                 municipality_ids, formal_criteria, weighted_criteria, rubric, screening, \
                 auto_next_in_line, state FROM advertisements WHERE id = $1"
            };
            let row = sqlx::query(lock)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
            let state: String = row.try_get("state")?;
            if state != "draft" {
                return Err(StoreError::Conflict("advertisement is not a draft".into()));
            }
            let prow = sqlx::query(
                "SELECT kind, count, municipality_id, later_employer_id FROM positions \
                 WHERE advertisement_id = $1 ORDER BY seq",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let mut positions = Vec::with_capacity(prow.len());
            for p in &prow {
                positions.push(NewPosition {
                    kind: p.try_get("kind")?,
                    count: p.try_get("count")?,
                    municipality_id: p.try_get("municipality_id")?,
                    later_employer_id: p.try_get("later_employer_id")?,
                });
            }
            let before = NewAdvertisement {
                round_id: row.try_get("round_id")?,
                hf_id: row.try_get("hf_id")?,
                hospital_site_id: row.try_get("hospital_site_id")?,
                coupling: row.try_get("coupling")?,
                title: row.try_get("title")?,
                description: row.try_get("description")?,
                municipality_ids: serde_json::from_str(&row.try_get::<String, _>("municipality_ids")?)
                    .map_err(|e| StoreError::Corrupt(format!("municipality_ids: {e}")))?,
                formal_criteria: json_col(&row.try_get::<String, _>("formal_criteria")?, "formal_criteria")?,
                weighted_criteria: json_col(&row.try_get::<String, _>("weighted_criteria")?, "weighted_criteria")?,
                rubric: json_col(&row.try_get::<String, _>("rubric")?, "rubric")?,
                screening: json_col(&row.try_get::<String, _>("screening")?, "screening")?,
                auto_next_in_line: row.try_get("auto_next_in_line")?,
                positions,
            };
            let (changed_before, changed_after) = changes(&audit_view(&before), &audit_view(ad));
            if changed_after.is_empty() {
                return Ok(());
            }
            sqlx::query(
                "UPDATE advertisements SET round_id = $1, hf_id = $2, hospital_site_id = $3, \
                 coupling = $4, title = $5, description = $6, municipality_ids = $7, \
                 formal_criteria = $8, weighted_criteria = $9, rubric = $10, screening = $11, \
                 auto_next_in_line = $12 WHERE id = $13",
            )
            .bind(ad.round_id)
            .bind(ad.hf_id)
            .bind(ad.hospital_site_id)
            .bind(&ad.coupling)
            .bind(&ad.title)
            .bind(&ad.description)
            .bind(json!(ad.municipality_ids).to_string())
            .bind(ad.formal_criteria.to_string())
            .bind(ad.weighted_criteria.to_string())
            .bind(ad.rubric.to_string())
            .bind(ad.screening.to_string())
            .bind(ad.auto_next_in_line)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if changed_after.contains_key("positions") {
                sqlx::query("DELETE FROM positions WHERE advertisement_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                for (i, p) in ad.positions.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO positions (advertisement_id, seq, kind, count, municipality_id, \
                         later_employer_id) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(id)
                    .bind(i32::try_from(i + 1).unwrap_or(i32::MAX))
                    .bind(&p.kind)
                    .bind(p.count)
                    .bind(p.municipality_id)
                    .bind(p.later_employer_id)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "advertisement.update",
                object_type: "advertisement",
                object_id: id.to_string(),
                summary: json!({"before": changed_before, "after": changed_after}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Publishes a draft. Refused (`Conflict`) if it is already published.
    pub async fn publish_advertisement(&mut self, ctx: &Ctx, id: i64) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let n = sqlx::query(
                "UPDATE advertisements SET state = 'published', published_at = $1 \
                 WHERE id = $2 AND state = 'draft'",
            )
            .bind(conv::ts(ctx.now))
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict("advertisement is not a draft".into()));
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "advertisement.publish",
                object_type: "advertisement",
                object_id: id.to_string(),
                summary: json!({"before": {"state": "draft"}, "after": {"state": "published"}}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Sets what happens when an offer is declined, expires or is withdrawn: `true` offers the
    /// freed place to the next on the innstilling automatically in the next offer round, `false`
    /// waits for the recruiter to confirm. Audited with the value before and after; setting the
    /// value it already has changes nothing and logs nothing.
    pub async fn set_auto_next_in_line(&mut self, ctx: &Ctx, id: i64, auto: bool) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let before: Option<bool> =
                sqlx::query_scalar("SELECT auto_next_in_line FROM advertisements WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some(before) = before else {
                return Err(StoreError::NotFound);
            };
            if before == auto {
                return Ok(());
            }
            sqlx::query("UPDATE advertisements SET auto_next_in_line = $1 WHERE id = $2")
                .bind(auto)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let mode = |a: bool| if a { "automatic" } else { "confirm" };
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "advertisement.next_in_line_mode",
                object_type: "advertisement",
                object_id: id.to_string(),
                summary: json!({"before": {"next_in_line": mode(before)}, "after": {"next_in_line": mode(auto)}}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// One advertisement with its positions.
    pub async fn advertisement(&mut self, id: i64) -> Result<Advertisement> {
        let mut ads = self.load_advertisements(Some(id), None).await?;
        ads.pop().ok_or(StoreError::NotFound)
    }

    /// All advertisements, optionally of one round, newest first.
    pub async fn advertisements(&mut self, round_id: Option<i64>) -> Result<Vec<Advertisement>> {
        self.load_advertisements(None, round_id).await
    }

    async fn load_advertisements(
        &mut self,
        id: Option<i64>,
        round_id: Option<i64>,
    ) -> Result<Vec<Advertisement>> {
        let (rows, positions) = on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT id, round_id, hf_id, hospital_site_id, coupling, title, description, \
                 municipality_ids, formal_criteria, weighted_criteria, rubric, screening, \
                 auto_next_in_line, state, published_at FROM advertisements \
                 WHERE ($1 IS NULL OR id = $1) AND ($2 IS NULL OR round_id = $2) ORDER BY id DESC",
            )
            .bind(id)
            .bind(round_id)
            .fetch_all(&mut *conn)
            .await?;
            let mut ads = Vec::with_capacity(rows.len());
            for r in &rows {
                let municipality_ids: String = r.try_get("municipality_ids")?;
                let published: Option<DbTime> = r.try_get("published_at")?;
                ads.push(Advertisement {
                    id: r.try_get("id")?,
                    round_id: r.try_get("round_id")?,
                    hf_id: r.try_get("hf_id")?,
                    hospital_site_id: r.try_get("hospital_site_id")?,
                    coupling: r.try_get("coupling")?,
                    title: r.try_get("title")?,
                    description: r.try_get("description")?,
                    municipality_ids: serde_json::from_str(&municipality_ids)
                        .map_err(|e| StoreError::Corrupt(format!("municipality_ids: {e}")))?,
                    formal_criteria: json_col(&r.try_get::<String, _>("formal_criteria")?, "formal_criteria")?,
                    weighted_criteria: json_col(&r.try_get::<String, _>("weighted_criteria")?, "weighted_criteria")?,
                    rubric: json_col(&r.try_get::<String, _>("rubric")?, "rubric")?,
                    screening: json_col(&r.try_get::<String, _>("screening")?, "screening")?,
                    auto_next_in_line: r.try_get("auto_next_in_line")?,
                    state: r.try_get("state")?,
                    published_at: published.map(|t| t.0),
                    positions: Vec::new(),
                });
            }
            let prow = sqlx::query(
                "SELECT p.id, p.advertisement_id, p.seq, p.kind, p.count, p.municipality_id, \
                 p.later_employer_id FROM positions p JOIN advertisements a ON a.id = p.advertisement_id \
                 WHERE ($1 IS NULL OR a.id = $1) AND ($2 IS NULL OR a.round_id = $2) ORDER BY p.seq",
            )
            .bind(id)
            .bind(round_id)
            .fetch_all(&mut *conn)
            .await?;
            let mut positions = Vec::with_capacity(prow.len());
            for p in &prow {
                positions.push((p.try_get::<i64, _>("advertisement_id")?, Position {
                    id: p.try_get("id")?,
                    seq: p.try_get("seq")?,
                    kind: p.try_get("kind")?,
                    count: p.try_get("count")?,
                    municipality_id: p.try_get("municipality_id")?,
                    later_employer_id: p.try_get("later_employer_id")?,
                }));
            }
            (ads, positions)
        });
        let mut ads = rows;
        for (ad_id, p) in positions {
            if let Some(ad) = ads.iter_mut().find(|a| a.id == ad_id) {
                ad.positions.push(p);
            }
        }
        Ok(ads)
    }
}
