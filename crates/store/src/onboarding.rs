//! Before each start (*før oppstart*) in storage: each employer's requirements, the texts of the
//! forms with every version kept, and the items recorded per course and part (the HPR lookup,
//! the forms signed, the police certificate seen). The rules are `lis1_domain::onboarding`.
//!
//! **No police certificate is ever written here.** Only the record of the check is: its date,
//! the day it was seen, by whom, and whether it gave cause for follow-up. The audit entry of a
//! check leaves even the follow-up answer out (the directorate reads the audit log; the answer
//! is for the employer of that part).

use jiff::Timestamp;
use jiff::civil::Date;
use lis1_domain::identity::HprNumber;
use lis1_domain::onboarding::{
    AuthorisationKind, ItemKind, Part, PoliceCheck, Record, Requirements,
};
use serde::Serialize;
use serde_json::json;
use sqlx::{Connection, Row};

use crate::audit::{AuditTx, Event};
use crate::conv::DbTime;
use crate::{Ctx, Result, StoreError, Tx, conv, on_tx};

/// An employer's stored requirements for its part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRequirements {
    /// The employer.
    pub org_id: i64,
    /// Which part.
    pub part: Part,
    /// What it requires.
    pub requirements: Requirements,
    /// Who set them.
    pub updated_by: Option<i64>,
    /// When.
    pub updated_at: Timestamp,
}

/// One version of a form's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormText {
    /// Id (what a signature names).
    pub id: i64,
    /// The employer whose text it is; `None` for the portal's default.
    pub org_id: Option<i64>,
    /// Which form.
    pub kind: ItemKind,
    /// Version, from 1.
    pub version: i32,
    /// Title.
    pub title: String,
    /// The text.
    pub body: String,
    /// When it was published.
    pub published_at: Timestamp,
}

/// A recorded item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// The course.
    pub course_id: i64,
    /// Which part.
    pub part: Part,
    /// Which item.
    pub kind: ItemKind,
    /// The day of the lookup, the signature or the check.
    pub done_on: Date,
    /// What was recorded.
    pub record: Record,
    /// For a form: the SHA-256 of the text signed.
    pub form_sha256: Option<String>,
    /// Who recorded it (the doctor for a signature; the employer's officer for a check).
    pub recorded_by: Option<i64>,
    /// Their name.
    pub recorded_by_name: Option<String>,
    /// For which organisation (none for the doctor).
    pub recorded_org: Option<i64>,
    /// When.
    pub recorded_at: Timestamp,
}

/// An item to record.
#[derive(Debug, Clone)]
pub struct NewItem<'a> {
    /// The course.
    pub course_id: i64,
    /// Which part.
    pub part: Part,
    /// Which item (must match the record's type).
    pub kind: ItemKind,
    /// The day of the lookup, signature or check.
    pub done_on: Date,
    /// What to record.
    pub record: &'a Record,
    /// For a form: the SHA-256 of the text signed.
    pub form_sha256: Option<&'a str>,
}

const TEXT_SELECT: &str = "SELECT id, org_id, kind, version, title, body, published_at \
     FROM onboarding_form_texts ";

const ITEM_SELECT: &str = "SELECT i.course_id, i.part, i.kind, i.done_on, i.hpr_number, \
     i.authorisation_kind, i.valid_from, i.valid_to, i.form_text_id, i.form_sha256, \
     i.certificate_date, i.follow_up, i.recorded_by, u.display_name AS recorded_by_name, \
     i.recorded_org, i.recorded_at FROM onboarding_items i \
     JOIN courses c ON c.id = i.course_id \
     JOIN current_courses cur ON cur.id = c.id \
     LEFT JOIN users u ON u.id = i.recorded_by ";

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unknown {what} {value:?}"))
}

fn text_from_row<R: Row>(r: &R) -> Result<FormText>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    i32: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'x> sqlx::Decode<'x, R::Database>,
    DbTime: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    let kind: String = r.try_get("kind")?;
    Ok(FormText {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        kind: ItemKind::parse(&kind).ok_or_else(|| corrupt("form kind", &kind))?,
        version: r.try_get("version")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        published_at: r.try_get::<DbTime, _>("published_at")?.0,
    })
}

fn item_from_row<R: Row>(r: &R) -> Result<Item>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'x> sqlx::Decode<'x, R::Database>,
    Option<String>: for<'x> sqlx::Decode<'x, R::Database>,
    bool: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<bool>: for<'x> sqlx::Decode<'x, R::Database>,
    jiff_sqlx::Date: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<jiff_sqlx::Date>: for<'x> sqlx::Decode<'x, R::Database>,
    DbTime: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    let part: String = r.try_get("part")?;
    let kind: String = r.try_get("kind")?;
    let part = Part::parse(&part).ok_or_else(|| corrupt("part", &part))?;
    let kind = ItemKind::parse(&kind).ok_or_else(|| corrupt("item kind", &kind))?;
    let done_on = r.try_get::<jiff_sqlx::Date, _>("done_on")?.to_jiff();
    let opt_date = |col: &str| -> Result<Option<Date>> {
        Ok(r.try_get::<Option<jiff_sqlx::Date>, _>(col)?
            .map(|d| d.to_jiff()))
    };
    let missing = |col: &str| StoreError::Corrupt(format!("{} without {col}", kind.as_str()));
    let record = match kind {
        ItemKind::Authorisation => {
            let hpr: Option<String> = r.try_get("hpr_number")?;
            let hpr = hpr.ok_or_else(|| missing("hpr_number"))?;
            let auth: Option<String> = r.try_get("authorisation_kind")?;
            let auth = auth.ok_or_else(|| missing("authorisation_kind"))?;
            Record::Authorisation {
                hpr_number: HprNumber::parse(&hpr).map_err(|_| corrupt("HPR number", &hpr))?,
                kind: AuthorisationKind::parse(&auth)
                    .ok_or_else(|| corrupt("authorisation kind", &auth))?,
                valid_from: opt_date("valid_from")?.ok_or_else(|| missing("valid_from"))?,
                valid_to: opt_date("valid_to")?,
            }
        }
        ItemKind::PoliceCertificate => Record::Police(PoliceCheck {
            certificate_date: opt_date("certificate_date")?
                .ok_or_else(|| missing("certificate_date"))?,
            checked_on: done_on,
            follow_up: r
                .try_get::<Option<bool>, _>("follow_up")?
                .ok_or_else(|| missing("follow_up"))?,
        }),
        ItemKind::Confidentiality | ItemKind::DataUserContract | ItemKind::InfectionControl => {
            Record::Signed {
                text_id: r
                    .try_get::<Option<i64>, _>("form_text_id")?
                    .ok_or_else(|| missing("form_text_id"))?,
                signed_on: done_on,
            }
        }
    };
    Ok(Item {
        course_id: r.try_get("course_id")?,
        part,
        kind,
        done_on,
        record,
        form_sha256: r.try_get("form_sha256")?,
        recorded_by: r.try_get("recorded_by")?,
        recorded_by_name: r.try_get("recorded_by_name")?,
        recorded_org: r.try_get("recorded_org")?,
        recorded_at: r.try_get::<DbTime, _>("recorded_at")?.0,
    })
}

/// What the audit log says about a record: never the follow-up answer of a police check.
fn audit_summary(item: &Item) -> serde_json::Value {
    match &item.record {
        Record::Authorisation {
            hpr_number,
            kind,
            valid_from,
            valid_to,
        } => json!({"done_on": item.done_on.to_string(), "hpr_number": hpr_number.as_str(),
            "authorisation_kind": kind.as_str(), "valid_from": valid_from.to_string(),
            "valid_to": valid_to.map(|d| d.to_string())}),
        Record::Signed { text_id, signed_on } => json!({"signed_on": signed_on.to_string(),
            "text_id": text_id, "sha256": item.form_sha256}),
        Record::Police(c) => json!({"checked_on": c.checked_on.to_string(),
            "certificate_date": c.certificate_date.to_string()}),
    }
}

fn record_matches(kind: ItemKind, record: &Record) -> bool {
    match record {
        Record::Authorisation { .. } => kind == ItemKind::Authorisation,
        Record::Signed { .. } => kind.is_form(),
        Record::Police(_) => kind == ItemKind::PoliceCertificate,
    }
}

crate::store_ops! {
    fn onboarding_requirements(&self, org_id: i64, part: Part) -> Result<Option<StoredRequirements>>;
    fn set_onboarding_requirements(&self, ctx: &Ctx, org_id: i64, part: Part, req: &Requirements) -> Result<()>;
    fn current_form_text(&self, org_id: Option<i64>, kind: ItemKind) -> Result<FormText>;
    fn form_text(&self, id: i64) -> Result<FormText>;
    fn form_text_versions(&self, org_id: Option<i64>, kind: ItemKind) -> Result<Vec<FormText>>;
    fn publish_form_text(&self, ctx: &Ctx, org_id: Option<i64>, kind: ItemKind, title: &str, body: &str) -> Result<FormText>;
    fn record_onboarding_item(&self, ctx: &Ctx, item: &NewItem<'_>) -> Result<()>;
    fn onboarding_items(&self, course_id: i64) -> Result<Vec<Item>>;
    fn onboarding_items_for_cohort(&self, hospital_site_id: i64, cohort: Date) -> Result<Vec<Item>>;
    fn all_onboarding_items(&self) -> Result<Vec<Item>>;
}

impl Tx {
    /// An employer's requirements for its part, if it has set any (otherwise HNT's default
    /// applies: `Requirements::hnt_default`).
    pub async fn onboarding_requirements(
        &mut self,
        org_id: i64,
        part: Part,
    ) -> Result<Option<StoredRequirements>> {
        on_tx!(self, conn => {
            let row = sqlx::query(
                "SELECT authorisation, confidentiality, data_user_contract, infection_control, \
                 police_certificate, police_max_age_months, updated_by, updated_at \
                 FROM onboarding_requirements WHERE org_id = $1 AND part = $2",
            )
            .bind(org_id)
            .bind(part.as_str())
            .fetch_optional(&mut *conn)
            .await?;
            let Some(r) = row else { return Ok(None) };
            let months: i32 = r.try_get("police_max_age_months")?;
            Ok(Some(StoredRequirements {
                org_id,
                part,
                requirements: Requirements {
                    authorisation: r.try_get("authorisation")?,
                    confidentiality: r.try_get("confidentiality")?,
                    data_user_contract: r.try_get("data_user_contract")?,
                    infection_control: r.try_get("infection_control")?,
                    police_certificate: r.try_get("police_certificate")?,
                    police_max_age_months: u8::try_from(months)
                        .map_err(|_| StoreError::Corrupt(format!("police max age {months}")))?,
                },
                updated_by: r.try_get("updated_by")?,
                updated_at: r.try_get::<DbTime, _>("updated_at")?.0,
            }))
        })
    }

    /// Sets an employer's requirements for its part (checked by the caller with
    /// `Requirements::check`; the database refuses a maximum age outside 1–12). Audited with
    /// the requirements it replaces.
    pub async fn set_onboarding_requirements(
        &mut self,
        ctx: &Ctx,
        org_id: i64,
        part: Part,
        req: &Requirements,
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        let before = self.onboarding_requirements(org_id, part).await?;
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query(
                "INSERT INTO onboarding_requirements (org_id, part, authorisation, confidentiality, \
                 data_user_contract, infection_control, police_certificate, police_max_age_months, \
                 updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (org_id, part) DO UPDATE SET authorisation = excluded.authorisation, \
                 confidentiality = excluded.confidentiality, \
                 data_user_contract = excluded.data_user_contract, \
                 infection_control = excluded.infection_control, \
                 police_certificate = excluded.police_certificate, \
                 police_max_age_months = excluded.police_max_age_months, \
                 updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            )
            .bind(org_id)
            .bind(part.as_str())
            .bind(req.authorisation)
            .bind(req.confidentiality)
            .bind(req.data_user_contract)
            .bind(req.infection_control)
            .bind(req.police_certificate)
            .bind(i32::from(req.police_max_age_months))
            .bind(ctx.actor.user_id)
            .bind(conv::ts(ctx.now))
            .execute(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "onboarding.requirements",
                object_type: "organisation",
                object_id: org_id.to_string(),
                summary: json!({"part": part.as_str(),
                    "before": before.map(|b| b.requirements), "after": req}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The text a doctor signs now: the employer's newest version of the form, or the portal's
    /// default if the employer has none.
    pub async fn current_form_text(
        &mut self,
        org_id: Option<i64>,
        kind: ItemKind,
    ) -> Result<FormText> {
        on_tx!(self, conn => {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "{TEXT_SELECT} WHERE kind = $1 AND (org_id = $2 OR org_id IS NULL) \
                 ORDER BY CASE WHEN org_id IS NULL THEN 1 ELSE 0 END, version DESC LIMIT 1"
            )))
            .bind(kind.as_str())
            .bind(org_id)
            .fetch_optional(&mut *conn)
            .await?;
            row.map(|r| text_from_row(&r)).transpose()?.ok_or(StoreError::NotFound)
        })
    }

    /// One version of a form's text (what a signature names).
    pub async fn form_text(&mut self, id: i64) -> Result<FormText> {
        on_tx!(self, conn => {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!("{TEXT_SELECT} WHERE id = $1")))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
            row.map(|r| text_from_row(&r)).transpose()?.ok_or(StoreError::NotFound)
        })
    }

    /// Every version of an employer's text of a form (or the default's, for `None`), oldest first.
    pub async fn form_text_versions(
        &mut self,
        org_id: Option<i64>,
        kind: ItemKind,
    ) -> Result<Vec<FormText>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "{TEXT_SELECT} WHERE kind = $1 AND COALESCE(org_id, 0) = COALESCE($2, 0) \
                 ORDER BY version"
            )))
            .bind(kind.as_str())
            .bind(org_id)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(text_from_row).collect()
        })
    }

    /// Publishes a new version of a form's text for an employer (`None`: the default). Earlier
    /// versions stay, and signatures keep naming the version they signed.
    pub async fn publish_form_text(
        &mut self,
        ctx: &Ctx,
        org_id: Option<i64>,
        kind: ItemKind,
        title: &str,
        body: &str,
    ) -> Result<FormText> {
        let audit_keys = self.audit_keys();
        if !kind.is_form() {
            return Err(StoreError::Conflict("not_a_form".into()));
        }
        let id = on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let last: Option<i32> = sqlx::query_scalar(
                "SELECT MAX(version) FROM onboarding_form_texts \
                 WHERE kind = $1 AND COALESCE(org_id, 0) = COALESCE($2, 0)",
            )
            .bind(kind.as_str())
            .bind(org_id)
            .fetch_one(&mut *tx)
            .await?;
            let version = last.unwrap_or(0) + 1;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO onboarding_form_texts (org_id, kind, version, title, body, \
                 published_at, published_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(org_id)
            .bind(kind.as_str())
            .bind(version)
            .bind(title)
            .bind(body)
            .bind(conv::ts(ctx.now))
            .bind(ctx.actor.user_id)
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "onboarding.form_text_publish",
                object_type: "onboarding_form_text",
                object_id: id.to_string(),
                summary: json!({"org_id": org_id, "kind": kind.as_str(), "version": version}),
            })
            .await?;
            tx.commit().await?;
            Ok::<i64, StoreError>(id)
        })?;
        self.form_text(id).await
    }

    /// Records an item of a current course's part, or replaces the earlier record (the audit entry
    /// keeps the one it replaces). `NotFound` for a course that is not current;
    /// `Conflict("record_kind")` if the record does not fit the item. The rules are the caller's.
    pub async fn record_onboarding_item(&mut self, ctx: &Ctx, item: &NewItem<'_>) -> Result<()> {
        let audit_keys = self.audit_keys();
        if !record_matches(item.kind, item.record) {
            return Err(StoreError::Conflict("record_kind".into()));
        }
        let before = self
            .onboarding_items(item.course_id)
            .await?
            .into_iter()
            .find(|i| i.part == item.part && i.kind == item.kind);
        let (mut hpr, mut auth, mut from, mut to) = (None, None, None, None);
        let (mut text, mut cert, mut follow_up) = (None, None, None);
        match item.record {
            Record::Authorisation {
                hpr_number,
                kind,
                valid_from,
                valid_to,
            } => {
                hpr = Some(hpr_number.as_str().to_string());
                auth = Some(kind.as_str());
                from = Some(conv::date(*valid_from));
                to = valid_to.map(conv::date);
            }
            Record::Signed { text_id, .. } => text = Some(*text_id),
            Record::Police(c) => {
                cert = Some(conv::date(c.certificate_date));
                follow_up = Some(c.follow_up);
            }
        }
        let after = Item {
            course_id: item.course_id,
            part: item.part,
            kind: item.kind,
            done_on: item.done_on,
            record: item.record.clone(),
            form_sha256: item.form_sha256.map(str::to_string),
            recorded_by: ctx.actor.user_id,
            recorded_by_name: None,
            recorded_org: ctx.actor.org_id,
            recorded_at: ctx.now,
        };
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let current: Option<i64> = sqlx::query_scalar(
                "SELECT c.id FROM courses c JOIN current_courses cur ON cur.id = c.id \
                 WHERE c.id = $1",
            )
            .bind(item.course_id)
            .fetch_optional(&mut *tx)
            .await?;
            if current.is_none() {
                return Err(StoreError::NotFound);
            }
            sqlx::query(
                "INSERT INTO onboarding_items (course_id, part, kind, done_on, hpr_number, \
                 authorisation_kind, valid_from, valid_to, form_text_id, form_sha256, \
                 certificate_date, follow_up, recorded_by, recorded_org, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
                 ON CONFLICT (course_id, part, kind) DO UPDATE SET done_on = excluded.done_on, \
                 hpr_number = excluded.hpr_number, authorisation_kind = excluded.authorisation_kind, \
                 valid_from = excluded.valid_from, valid_to = excluded.valid_to, \
                 form_text_id = excluded.form_text_id, form_sha256 = excluded.form_sha256, \
                 certificate_date = excluded.certificate_date, follow_up = excluded.follow_up, \
                 recorded_by = excluded.recorded_by, recorded_org = excluded.recorded_org, \
                 recorded_at = excluded.recorded_at",
            )
            .bind(item.course_id)
            .bind(item.part.as_str())
            .bind(item.kind.as_str())
            .bind(conv::date(item.done_on))
            .bind(hpr)
            .bind(auth)
            .bind(from)
            .bind(to)
            .bind(text)
            .bind(item.form_sha256)
            .bind(cert)
            .bind(follow_up)
            .bind(ctx.actor.user_id)
            .bind(ctx.actor.org_id)
            .bind(conv::ts(ctx.now))
            .execute(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "onboarding.record",
                object_type: "course",
                object_id: item.course_id.to_string(),
                summary: json!({"part": item.part.as_str(), "kind": item.kind.as_str(),
                    "before": before.as_ref().map(audit_summary),
                    "after": audit_summary(&after)}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The items recorded for a current course, both parts.
    pub async fn onboarding_items(&mut self, course_id: i64) -> Result<Vec<Item>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "{ITEM_SELECT} WHERE i.course_id = $1 ORDER BY i.part, i.kind"
            )))
            .bind(course_id)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(item_from_row).collect()
        })
    }

    /// The items recorded for the current courses of a site's cohort (by planned municipal start).
    pub async fn onboarding_items_for_cohort(
        &mut self,
        hospital_site_id: i64,
        cohort: Date,
    ) -> Result<Vec<Item>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "{ITEM_SELECT} WHERE c.hospital_site_id = $1 AND c.municipal_start = $2 \
                 ORDER BY i.course_id, i.part, i.kind"
            )))
            .bind(hospital_site_id)
            .bind(conv::date(cohort))
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(item_from_row).collect()
        })
    }

    /// Every item of every current course (the background job reads them once per run).
    pub async fn all_onboarding_items(&mut self) -> Result<Vec<Item>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "{ITEM_SELECT} ORDER BY i.course_id, i.part, i.kind"
            )))
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(item_from_row).collect()
        })
    }
}
