//! Cooperation areas (which municipalities a hospital site works with, §13b) and the places per
//! municipality for each cohort, as the county governor reports them (002 §2.4).

use jiff::civil::Date;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::audit::{AuditTx, Event};
use crate::{Ctx, Result, Tx, conv, on_tx};
use sqlx::Connection;

/// A municipality in a hospital site's cooperation area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaMember {
    /// The municipality's id.
    pub municipality_id: i64,
    /// Its name.
    pub municipality_name: String,
    /// Its SSB number.
    pub municipality_code: Option<String>,
    /// The coordinator region it belongs to, if any.
    pub coordinator_region_id: Option<i64>,
    /// A special agreement, e.g. the Hdir/Innlandet agreement for Lesja and Dovre.
    pub special_agreement: Option<String>,
}

/// Places in one municipality (or not yet placed) for one site and cohort.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Places {
    /// The hospital site.
    pub hospital_site_id: i64,
    /// The municipality; `None` while an extra position has no municipality yet.
    pub municipality_id: Option<i64>,
    /// The municipality's name.
    pub municipality_name: Option<String>,
    /// The municipality's SSB number.
    pub municipality_code: Option<String>,
    /// The cohort, by its hospital start date (1 March or 1 September).
    pub cohort_start: Date,
    /// A place inside the municipality, e.g. Rørvik or Kolvereid in Nærøysund; empty if none.
    pub location: String,
    /// How many places.
    pub places: i32,
    /// A note, e.g. "Ekstra stilling p.g.a. korona".
    pub note: Option<String>,
}

/// Places to register.
#[derive(Debug, Clone)]
pub struct SetPlaces<'a> {
    /// Site.
    pub hospital_site_id: i64,
    /// Municipality, or `None` for a place not yet placed.
    pub municipality_id: Option<i64>,
    /// Cohort (hospital start).
    pub cohort_start: Date,
    /// Location inside the municipality.
    pub location: &'a str,
    /// How many.
    pub places: i32,
    /// Note.
    pub note: Option<&'a str>,
}

crate::store_ops! {
    fn add_to_area(&self, ctx: &Ctx, hospital_site_id: i64, municipality_id: i64, coordinator_region_id: Option<i64>, special_agreement: Option<&str>) -> Result<()>;
    fn area(&self, hospital_site_id: i64) -> Result<Vec<AreaMember>>;
    fn set_places(&self, ctx: &Ctx, p: &SetPlaces<'_>) -> Result<()>;
    fn places(&self, hospital_site_id: i64, cohort_start: Date) -> Result<Vec<Places>>;
    fn cohorts(&self, hospital_site_id: i64) -> Result<Vec<Date>>;
}

impl Tx {
    /// Adds a municipality to a hospital site's cooperation area.
    pub async fn add_to_area(
        &mut self,
        ctx: &Ctx,
        hospital_site_id: i64,
        municipality_id: i64,
        coordinator_region_id: Option<i64>,
        special_agreement: Option<&str>,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query(
                "INSERT INTO cooperation_areas (hospital_site_id, municipality_id, \
                 coordinator_region_id, special_agreement) VALUES ($1, $2, $3, $4)",
            )
            .bind(hospital_site_id)
            .bind(municipality_id)
            .bind(coordinator_region_id)
            .bind(special_agreement)
            .execute(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "cooperation_area.add",
                object_type: "organisation",
                object_id: hospital_site_id.to_string(),
                summary: json!({"after": {"municipality_id": municipality_id,
                    "coordinator_region_id": coordinator_region_id,
                    "special_agreement": special_agreement}}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The municipalities a hospital site cooperates with, by name.
    pub async fn area(&mut self, hospital_site_id: i64) -> Result<Vec<AreaMember>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT a.municipality_id, o.name, o.code, a.coordinator_region_id, \
                 a.special_agreement FROM cooperation_areas a \
                 JOIN organisations o ON o.id = a.municipality_id \
                 WHERE a.hospital_site_id = $1 ORDER BY o.name",
            )
            .bind(hospital_site_id)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(AreaMember {
                        municipality_id: r.try_get("municipality_id")?,
                        municipality_name: r.try_get("name")?,
                        municipality_code: r.try_get("code")?,
                        coordinator_region_id: r.try_get("coordinator_region_id")?,
                        special_agreement: r.try_get("special_agreement")?,
                    })
                })
                .collect()
        })
    }

    /// Registers (or changes) the number of places; logs before and after.
    pub async fn set_places(&mut self, ctx: &Ctx, p: &SetPlaces<'_>) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            // `IS NOT DISTINCT FROM` is PostgreSQL; `IS` is SQLite; both agree on this form.
            let before: Option<i32> = sqlx::query_scalar(
                "SELECT places FROM municipal_places WHERE hospital_site_id = $1 \
                 AND ((municipality_id IS NULL AND $2 IS NULL) OR municipality_id = $2) \
                 AND cohort_start = $3 AND location = $4",
            )
            .bind(p.hospital_site_id)
            .bind(p.municipality_id)
            .bind(conv::date(p.cohort_start))
            .bind(p.location)
            .fetch_optional(&mut *tx)
            .await?;
            if before.is_some() {
                sqlx::query(
                    "UPDATE municipal_places SET places = $5, note = $6 WHERE hospital_site_id = $1 \
                     AND ((municipality_id IS NULL AND $2 IS NULL) OR municipality_id = $2) \
                     AND cohort_start = $3 AND location = $4",
                )
                .bind(p.hospital_site_id)
                .bind(p.municipality_id)
                .bind(conv::date(p.cohort_start))
                .bind(p.location)
                .bind(p.places)
                .bind(p.note)
                .execute(&mut *tx)
                .await?;
            } else {
                sqlx::query(
                    "INSERT INTO municipal_places (hospital_site_id, municipality_id, cohort_start, \
                     location, places, note) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(p.hospital_site_id)
                .bind(p.municipality_id)
                .bind(conv::date(p.cohort_start))
                .bind(p.location)
                .bind(p.places)
                .bind(p.note)
                .execute(&mut *tx)
                .await?;
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "places.set",
                object_type: "organisation",
                object_id: p.hospital_site_id.to_string(),
                summary: json!({"municipality_id": p.municipality_id,
                    "cohort_start": p.cohort_start.to_string(), "location": p.location,
                    "before": before, "after": p.places, "note": p.note}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The places for a site and cohort.
    pub async fn places(
        &mut self,
        hospital_site_id: i64,
        cohort_start: Date,
    ) -> Result<Vec<Places>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(
                "SELECT p.hospital_site_id, p.municipality_id, o.name, o.code, p.cohort_start, \
                 p.location, p.places, p.note FROM municipal_places p \
                 LEFT JOIN organisations o ON o.id = p.municipality_id \
                 WHERE p.hospital_site_id = $1 AND p.cohort_start = $2 \
                 ORDER BY o.name IS NULL, o.name, p.location",
            )
            .bind(hospital_site_id)
            .bind(conv::date(cohort_start))
            .fetch_all(&mut *conn)
            .await?;
            rows.iter()
                .map(|r| {
                    let cohort: jiff_sqlx::Date = r.try_get("cohort_start")?;
                    Ok(Places {
                        hospital_site_id: r.try_get("hospital_site_id")?,
                        municipality_id: r.try_get("municipality_id")?,
                        municipality_name: r.try_get("name")?,
                        municipality_code: r.try_get("code")?,
                        cohort_start: cohort.to_jiff(),
                        location: r.try_get("location")?,
                        places: r.try_get("places")?,
                        note: r.try_get("note")?,
                    })
                })
                .collect()
        })
    }

    /// The cohorts with places registered for a site, newest first.
    pub async fn cohorts(&mut self, hospital_site_id: i64) -> Result<Vec<Date>> {
        on_tx!(self, conn => {
            let rows: Vec<jiff_sqlx::Date> = sqlx::query_scalar(
                "SELECT DISTINCT cohort_start FROM municipal_places WHERE hospital_site_id = $1 \
                 ORDER BY cohort_start DESC",
            )
            .bind(hospital_site_id)
            .fetch_all(&mut *conn)
            .await?;
            Ok(rows.into_iter().map(|d| d.to_jiff()).collect())
        })
    }
}
