//! ALIS in hospital (seed 003) in storage: a hospital trust's departments for ALIS service and
//! the municipalities' requests. The rules are `lis1_domain::alis_hospital`. Each change is
//! conditional on the state it expects, so two coordinators (or a coordinator and the
//! municipality) acting at once cannot both succeed; the loser gets `Conflict`.

use jiff::Timestamp;
use jiff::civil::Date;
use lis1_domain::alis_hospital::{Period, RequestState};
use serde::Serialize;
use serde_json::json;
use sqlx::{Connection, Row};

use crate::audit::{AuditTx, Event};
use crate::conv::DbTime;
use crate::outbox::{NewMail, OutboxTx};
use crate::{Ctx, Result, StoreError, Tx, conv, on_tx};

/// A request for ALIS service in hospital.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlisRequest {
    /// Id.
    pub id: i64,
    /// The municipality asking.
    pub municipality_id: i64,
    /// Its name.
    pub municipality_name: String,
    /// The hospital trust asked.
    pub hf_id: i64,
    /// Its name.
    pub hf_name: String,
    /// The site asked for, if any.
    pub site_id: Option<i64>,
    /// The department asked for.
    pub department: String,
    /// The ALIS doctor.
    pub doctor_name: String,
    /// In the municipality since.
    pub municipal_since: Date,
    /// The period asked for.
    pub requested: Period,
    /// For a period shorter than three months: the agreement.
    pub agreement: String,
    /// Where it stands (an offer past its deadline is still `offered` here; see
    /// `lis1_domain::alis_hospital::offer_status`).
    pub state: RequestState,
    /// When it was made (the queue's order).
    pub requested_at: Timestamp,
    /// The period offered.
    pub offered: Option<Period>,
    /// The department offered.
    pub offered_department: Option<String>,
    /// The site offered.
    pub offered_site_id: Option<i64>,
    /// Its name.
    pub offered_site_name: Option<String>,
    /// Why it was offered before the first in the queue.
    pub offer_reason: String,
    /// How many offers the municipality declined.
    pub declines: i32,
}

/// A new request.
#[derive(Debug, Clone)]
pub struct NewAlisRequest<'a> {
    /// The municipality.
    pub municipality_id: i64,
    /// The hospital trust.
    pub hf_id: i64,
    /// The site, if any.
    pub site_id: Option<i64>,
    /// The department.
    pub department: &'a str,
    /// The doctor.
    pub doctor_name: &'a str,
    /// In the municipality since.
    pub municipal_since: Date,
    /// The period asked for.
    pub period: Period,
    /// The agreement, for a short period.
    pub agreement: &'a str,
}

/// An offer.
#[derive(Debug, Clone)]
pub struct AlisOffer<'a> {
    /// The period.
    pub period: Period,
    /// The department.
    pub department: &'a str,
    /// The site, if any.
    pub site_id: Option<i64>,
    /// Why another than the first in the queue (empty if first).
    pub reason: &'a str,
}

/// Which requests.
#[derive(Debug, Clone, Copy)]
pub enum AlisFilter {
    /// One.
    Id(i64),
    /// To a hospital trust.
    Hospital(i64),
    /// From a municipality.
    Municipality(i64),
    /// All.
    All,
}

const SELECT: &str = "SELECT r.id, r.municipality_id, m.name AS muni_name, r.hf_id, h.name AS hf_name, \
     r.site_id, r.department, r.doctor_name, r.municipal_since, r.requested_start, r.months, \
     r.agreement, r.state, r.requested_at, r.offered_start, r.offered_months, \
     r.offered_department, r.offered_site_id, s.name AS site_name, r.offer_reason, r.declines \
     FROM alis_requests r JOIN organisations m ON m.id = r.municipality_id \
     JOIN organisations h ON h.id = r.hf_id \
     LEFT JOIN organisations s ON s.id = r.offered_site_id ";

fn from_row<R: Row>(r: &R) -> Result<AlisRequest>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    i32: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'x> sqlx::Decode<'x, R::Database>,
    Option<i32>: for<'x> sqlx::Decode<'x, R::Database>,
    Option<String>: for<'x> sqlx::Decode<'x, R::Database>,
    jiff_sqlx::Date: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<jiff_sqlx::Date>: for<'x> sqlx::Decode<'x, R::Database>,
    DbTime: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    let date = |c: &str| -> Result<Date> { Ok(r.try_get::<jiff_sqlx::Date, _>(c)?.to_jiff()) };
    let months = |m: i32| u8::try_from(m).map_err(|_| StoreError::Corrupt(format!("months {m}")));
    let state: String = r.try_get("state")?;
    let offered_start: Option<jiff_sqlx::Date> = r.try_get("offered_start")?;
    let offered_months: Option<i32> = r.try_get("offered_months")?;
    let offered = match (offered_start, offered_months) {
        (Some(s), Some(m)) => Some(Period {
            start: s.to_jiff(),
            months: months(m)?,
        }),
        _ => None,
    };
    Ok(AlisRequest {
        id: r.try_get("id")?,
        municipality_id: r.try_get("municipality_id")?,
        municipality_name: r.try_get("muni_name")?,
        hf_id: r.try_get("hf_id")?,
        hf_name: r.try_get("hf_name")?,
        site_id: r.try_get("site_id")?,
        department: r.try_get("department")?,
        doctor_name: r.try_get("doctor_name")?,
        municipal_since: date("municipal_since")?,
        requested: Period {
            start: date("requested_start")?,
            months: months(r.try_get("months")?)?,
        },
        agreement: r.try_get("agreement")?,
        state: RequestState::parse(&state)
            .map_err(|_| StoreError::Corrupt(format!("alis state {state:?}")))?,
        requested_at: r.try_get::<DbTime, _>("requested_at")?.0,
        offered,
        offered_department: r.try_get("offered_department")?,
        offered_site_id: r.try_get("offered_site_id")?,
        offered_site_name: r.try_get("site_name")?,
        offer_reason: r.try_get("offer_reason")?,
        declines: r.try_get("declines")?,
    })
}

crate::store_ops! {
    fn alis_departments(&self, hf_id: i64) -> Result<Vec<String>>;
    fn set_alis_departments(&self, ctx: &Ctx, hf_id: i64, names: &[String]) -> Result<()>;
    fn create_alis_request(&self, ctx: &Ctx, new: &NewAlisRequest<'_>, mails: &[NewMail]) -> Result<i64>;
    fn alis_requests(&self, filter: AlisFilter) -> Result<Vec<AlisRequest>>;
    fn offer_alis(&self, ctx: &Ctx, id: i64, from: RequestState, offer: &AlisOffer<'_>, mails: &[NewMail]) -> Result<()>;
    fn answer_alis(&self, ctx: &Ctx, id: i64, confirm: bool, mails: &[NewMail]) -> Result<()>;
}

impl Tx {
    /// A hospital trust's departments for ALIS service, by name.
    pub async fn alis_departments(&mut self, hf_id: i64) -> Result<Vec<String>> {
        on_tx!(self, conn => {
            Ok(sqlx::query_scalar(
                "SELECT name FROM alis_departments WHERE hf_id = $1 ORDER BY name",
            )
            .bind(hf_id)
            .fetch_all(&mut *conn)
            .await?)
        })
    }

    /// Replaces a hospital trust's departments.
    pub async fn set_alis_departments(
        &mut self,
        ctx: &Ctx,
        hf_id: i64,
        names: &[String],
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        let before = self.alis_departments(hf_id).await?;
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            sqlx::query("DELETE FROM alis_departments WHERE hf_id = $1")
                .bind(hf_id)
                .execute(&mut *tx)
                .await?;
            for n in names {
                sqlx::query(
                    "INSERT INTO alis_departments (hf_id, name) VALUES ($1, $2) \
                     ON CONFLICT (hf_id, name) DO NOTHING",
                )
                .bind(hf_id)
                .bind(n.trim())
                .execute(&mut *tx)
                .await?;
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "alis_departments.set",
                object_type: "organisation",
                object_id: hf_id.to_string(),
                summary: json!({"before": before, "after": names}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Stores a request (queued), and queues `mails`.
    pub async fn create_alis_request(
        &mut self,
        ctx: &Ctx,
        new: &NewAlisRequest<'_>,
        mails: &[NewMail],
    ) -> Result<i64> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO alis_requests (municipality_id, hf_id, site_id, department, \
                 doctor_name, municipal_since, requested_start, months, agreement, \
                 requested_at, requested_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 RETURNING id",
            )
            .bind(new.municipality_id)
            .bind(new.hf_id)
            .bind(new.site_id)
            .bind(new.department.trim())
            .bind(new.doctor_name.trim())
            .bind(conv::date(new.municipal_since))
            .bind(conv::date(new.period.start))
            .bind(i32::from(new.period.months))
            .bind(new.agreement.trim())
            .bind(conv::ts(ctx.now))
            .bind(ctx.actor.user_id)
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "alis_request.create",
                object_type: "alis_request",
                object_id: id.to_string(),
                summary: json!({"after": {"hf_id": new.hf_id, "department": new.department.trim(),
                    "start": new.period.start.to_string(), "months": new.period.months}}),
            })
            .await?;
            for m in mails {
                tx.enqueue_mail(ctx, m).await?;
            }
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Requests, oldest first.
    pub async fn alis_requests(&mut self, filter: AlisFilter) -> Result<Vec<AlisRequest>> {
        let (cond, id) = match filter {
            AlisFilter::Id(id) => ("WHERE r.id = $1", Some(id)),
            AlisFilter::Hospital(id) => ("WHERE r.hf_id = $1", Some(id)),
            AlisFilter::Municipality(id) => ("WHERE r.municipality_id = $1", Some(id)),
            AlisFilter::All => ("", None),
        };
        // Built from constants only.
        let sql = format!("{SELECT}{cond} ORDER BY r.requested_at, r.id");
        on_tx!(self, conn => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            if let Some(id) = id {
                q = q.bind(id);
            }
            let rows = q.fetch_all(&mut *conn).await?;
            rows.iter().map(from_row).collect()
        })
    }

    /// Offers a period on a request in state `from` (queued, or offered when the earlier offer
    /// lapsed). `Conflict("alis_request_changed")` if the state changed meanwhile.
    pub async fn offer_alis(
        &mut self,
        ctx: &Ctx,
        id: i64,
        from: RequestState,
        offer: &AlisOffer<'_>,
        mails: &[NewMail],
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let n = sqlx::query(
                "UPDATE alis_requests SET state = 'offered', offered_start = $1, \
                 offered_months = $2, offered_department = $3, offered_site_id = $4, \
                 offer_reason = $5, offered_at = $6, offered_by = $7, answered_at = NULL \
                 WHERE id = $8 AND state = $9",
            )
            .bind(conv::date(offer.period.start))
            .bind(i32::from(offer.period.months))
            .bind(offer.department.trim())
            .bind(offer.site_id)
            .bind(offer.reason.trim())
            .bind(conv::ts(ctx.now))
            .bind(ctx.actor.user_id)
            .bind(id)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict("alis_request_changed".into()));
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "alis_request.offer",
                object_type: "alis_request",
                object_id: id.to_string(),
                summary: json!({"before": {"state": from.as_str()},
                    "after": {"state": "offered", "start": offer.period.start.to_string(),
                        "months": offer.period.months, "department": offer.department.trim(),
                        "site_id": offer.site_id, "reason": offer.reason.trim()}}),
            })
            .await?;
            for m in mails {
                tx.enqueue_mail(ctx, m).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// The municipality confirms an offer, or declines it (the request goes back to the queue,
    /// keeping its place). `Conflict("alis_request_changed")` unless it is offered.
    pub async fn answer_alis(
        &mut self,
        ctx: &Ctx,
        id: i64,
        confirm: bool,
        mails: &[NewMail],
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        let sql = if confirm {
            "UPDATE alis_requests SET state = 'confirmed', answered_at = $1 \
             WHERE id = $2 AND state = 'offered'"
        } else {
            "UPDATE alis_requests SET state = 'queued', answered_at = $1, offered_start = NULL, \
             offered_months = NULL, offered_department = NULL, offered_site_id = NULL, \
             declines = declines + 1 WHERE id = $2 AND state = 'offered'"
        };
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let n = sqlx::query(sql)
                .bind(conv::ts(ctx.now))
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict("alis_request_changed".into()));
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: if confirm { "alis_request.confirm" } else { "alis_request.decline" },
                object_type: "alis_request",
                object_id: id.to_string(),
                summary: json!({"before": {"state": "offered"},
                    "after": {"state": if confirm { "confirmed" } else { "queued" }}}),
            })
            .await?;
            for m in mails {
                tx.enqueue_mail(ctx, m).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }
}
