//! Bound positions (issue 13, seed 004) in storage: the education plan of each doctor hired in a
//! bound LIS1 + LIS3/ALIS position. The rules are `lis1_domain::bound`; the LIS1 dates are the
//! course's (`crate::courses`), the later part's as planned here.
//!
//! A course is bound when the position of its accepted offer is a bound kind; its later employer
//! is the position's. Every change writes its audit entry (and the mails the caller gives) in
//! the same transaction.

use jiff::civil::Date;
use lis1_domain::advertisements::PositionKind;
use lis1_domain::bound::{AlisForm, PlanState, Track};
use serde::Serialize;
use serde_json::json;
use sqlx::{Connection, Row};

use crate::audit::{AuditTx, Event};
use crate::outbox::{NewMail, OutboxTx};
use crate::{Ctx, Result, StoreError, Tx, conv, on_tx};

/// A course in a bound position, with its plan once made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoundCourse {
    /// The course.
    pub course_id: i64,
    /// The doctor.
    pub applicant_id: i64,
    /// The position's kind.
    pub kind: PositionKind,
    /// The later employer (from the position).
    pub later_employer_id: i64,
    /// Its name.
    pub later_employer_name: String,
    /// The plan, once the later employer made it.
    pub plan: Option<StoredPlan>,
}

/// A stored plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredPlan {
    /// The course.
    pub course_id: i64,
    /// LIS3 psychiatry, LIS3 BUP or ALIS.
    pub track: Track,
    /// For ALIS: salaried or list holder.
    pub alis_form: Option<AlisForm>,
    /// The later employer.
    pub later_employer_id: i64,
    /// The later part's first day, as planned (before leave).
    pub later_start: Date,
    /// The plan's last day, as planned.
    pub planned_end: Date,
    /// The LIS3/ALIS contract signed on.
    pub contract_signed_on: Option<Date>,
    /// The HF registered the hospital part completed on.
    pub hospital_completed_on: Option<Date>,
    /// The municipality registered the municipal part completed on.
    pub municipal_completed_on: Option<Date>,
    /// The later part started on.
    pub later_started_on: Option<Date>,
    /// Active, or how it ended.
    pub state: PlanState,
    /// When it ended.
    pub ended_on: Option<Date>,
    /// The note on the change that ended it.
    pub change_note: String,
    /// The specialty switched to.
    pub switched_to: Option<String>,
}

/// A new plan.
#[derive(Debug, Clone)]
pub struct NewPlan {
    /// The course.
    pub course_id: i64,
    /// The track (from the position).
    pub track: Track,
    /// For ALIS.
    pub alis_form: Option<AlisForm>,
    /// The later employer (from the position).
    pub later_employer_id: i64,
    /// The later part's first day, as planned.
    pub later_start: Date,
    /// The plan's last day, as planned.
    pub planned_end: Date,
}

/// A date registered on a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanDate {
    /// The LIS3/ALIS contract signed.
    ContractSigned,
    /// The hospital part completed, all learning objectives approved (the HF).
    HospitalCompleted,
    /// The municipal part completed (the municipality).
    MunicipalCompleted,
    /// The later part started.
    LaterStarted,
}

impl PlanDate {
    fn column(self) -> &'static str {
        match self {
            PlanDate::ContractSigned => "contract_signed_on",
            PlanDate::HospitalCompleted => "hospital_completed_on",
            PlanDate::MunicipalCompleted => "municipal_completed_on",
            PlanDate::LaterStarted => "later_started_on",
        }
    }

    /// The stable name (audit log, API).
    pub fn as_str(self) -> &'static str {
        match self {
            PlanDate::ContractSigned => "contract_signed",
            PlanDate::HospitalCompleted => "hospital_completed",
            PlanDate::MunicipalCompleted => "municipal_completed",
            PlanDate::LaterStarted => "later_started",
        }
    }
}

/// The end of a plan: a resignation or a switch of specialty.
#[derive(Debug, Clone)]
pub struct PlanEnd<'a> {
    /// How it ends (never [`PlanState::Active`]).
    pub state: PlanState,
    /// On which day.
    pub on: Date,
    /// A note.
    pub note: &'a str,
    /// The specialty switched to.
    pub switched_to: Option<&'a str>,
}

/// Which bound courses to list.
#[derive(Debug, Clone, Copy)]
pub enum BoundFilter {
    /// One course.
    Course(i64),
    /// A later employer's.
    LaterEmployer(i64),
    /// A doctor's.
    Applicant(i64),
    /// All (the directorate, the capacity read model).
    All,
}

const BOUND_SELECT: &str = "SELECT c.id AS course_id, c.applicant_id, p.kind, \
     p.later_employer_id, le.name AS later_employer_name, \
     b.course_id AS plan_course, b.track, b.alis_form, b.later_start, b.planned_end, \
     b.contract_signed_on, b.hospital_completed_on, b.municipal_completed_on, \
     b.later_started_on, b.state, b.ended_on, b.change_note, b.switched_to \
     FROM courses c \
     JOIN offers o ON o.id = c.offer_id AND o.state = 'accepted' \
     JOIN positions p ON p.id = o.position_id AND p.kind <> 'ordinary' \
     JOIN organisations le ON le.id = p.later_employer_id \
     LEFT JOIN bound_plans b ON b.course_id = c.id ";

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {value:?}"))
}

fn bound_from_row<R: Row>(r: &R) -> Result<BoundCourse>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'x> sqlx::Decode<'x, R::Database>,
    Option<String>: for<'x> sqlx::Decode<'x, R::Database>,
    jiff_sqlx::Date: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<jiff_sqlx::Date>: for<'x> sqlx::Decode<'x, R::Database>,
{
    let kind: String = r.try_get("kind")?;
    let kind = PositionKind::parse(&kind).map_err(|_| corrupt("position kind", &kind))?;
    let course_id: i64 = r.try_get("course_id")?;
    let later_employer_id: i64 = r.try_get("later_employer_id")?;
    let date = |col: &str| -> Result<Option<Date>> {
        Ok(r.try_get::<Option<jiff_sqlx::Date>, _>(col)?
            .map(|d| d.to_jiff()))
    };
    let plan = if r.try_get::<Option<i64>, _>("plan_course")?.is_some() {
        let track: Option<String> = r.try_get("track")?;
        let track = track.unwrap_or_default();
        let state: Option<String> = r.try_get("state")?;
        let state = state.unwrap_or_default();
        let form: Option<String> = r.try_get("alis_form")?;
        Some(StoredPlan {
            course_id,
            track: Track::parse(&track).map_err(|_| corrupt("track", &track))?,
            alis_form: form
                .map(|f| AlisForm::parse(&f).map_err(|_| corrupt("alis form", &f)))
                .transpose()?,
            later_employer_id,
            later_start: date("later_start")?.ok_or_else(|| corrupt("later_start", ""))?,
            planned_end: date("planned_end")?.ok_or_else(|| corrupt("planned_end", ""))?,
            contract_signed_on: date("contract_signed_on")?,
            hospital_completed_on: date("hospital_completed_on")?,
            municipal_completed_on: date("municipal_completed_on")?,
            later_started_on: date("later_started_on")?,
            state: PlanState::parse(&state).map_err(|_| corrupt("plan state", &state))?,
            ended_on: date("ended_on")?,
            change_note: r
                .try_get::<Option<String>, _>("change_note")?
                .unwrap_or_default(),
            switched_to: r.try_get("switched_to")?,
        })
    } else {
        None
    };
    Ok(BoundCourse {
        course_id,
        applicant_id: r.try_get("applicant_id")?,
        kind,
        later_employer_id,
        later_employer_name: r.try_get("later_employer_name")?,
        plan,
    })
}

crate::store_ops! {
    fn bound_courses(&self, filter: BoundFilter) -> Result<Vec<BoundCourse>>;
    fn bound_course(&self, course_id: i64) -> Result<Option<BoundCourse>>;
    fn create_bound_plan(&self, ctx: &Ctx, plan: &NewPlan) -> Result<()>;
    fn set_bound_plan_date(&self, ctx: &Ctx, course_id: i64, which: PlanDate, on: Date, mails: &[NewMail]) -> Result<()>;
    fn end_bound_plan(&self, ctx: &Ctx, course_id: i64, end: &PlanEnd<'_>, mails: &[NewMail]) -> Result<()>;
}

impl Tx {
    /// The current courses in bound positions, with their plans, by course id.
    pub async fn bound_courses(&mut self, filter: BoundFilter) -> Result<Vec<BoundCourse>> {
        let (cond, id) = match filter {
            BoundFilter::Course(id) => ("WHERE c.id = $1", Some(id)),
            BoundFilter::LaterEmployer(id) => ("WHERE p.later_employer_id = $1", Some(id)),
            BoundFilter::Applicant(id) => ("WHERE c.applicant_id = $1", Some(id)),
            BoundFilter::All => ("", None),
        };
        let sql = format!("{BOUND_SELECT}{cond} ORDER BY c.id");
        on_tx!(self, conn => {
            // Built from constants only: the filter's condition is one of four fixed strings.
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            if let Some(id) = id {
                q = q.bind(id);
            }
            let rows = q.fetch_all(&mut *conn).await?;
            rows.iter().map(bound_from_row).collect()
        })
    }

    /// One current course in a bound position; `None` when the course is not bound (or not
    /// current).
    pub async fn bound_course(&mut self, course_id: i64) -> Result<Option<BoundCourse>> {
        Ok(self
            .bound_courses(BoundFilter::Course(course_id))
            .await?
            .pop())
    }

    /// Stores a new plan. `Conflict("bound_plans_pkey")` (or the SQLite equivalent) if the
    /// course has one.
    pub async fn create_bound_plan(&mut self, ctx: &Ctx, plan: &NewPlan) -> Result<()> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT course_id FROM bound_plans WHERE course_id = $1")
                    .bind(plan.course_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if exists.is_some() {
                return Err(StoreError::Conflict("bound_plan_exists".into()));
            }
            sqlx::query(
                "INSERT INTO bound_plans (course_id, track, alis_form, later_employer_id, \
                 later_start, planned_end, created_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(plan.course_id)
            .bind(plan.track.as_str())
            .bind(plan.alis_form.map(AlisForm::as_str))
            .bind(plan.later_employer_id)
            .bind(conv::date(plan.later_start))
            .bind(conv::date(plan.planned_end))
            .bind(conv::ts(ctx.now))
            .bind(ctx.actor.user_id)
            .execute(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "bound_plan.create",
                object_type: "course",
                object_id: plan.course_id.to_string(),
                summary: json!({"after": {"track": plan.track.as_str(),
                    "alis_form": plan.alis_form.map(AlisForm::as_str),
                    "later_employer_id": plan.later_employer_id,
                    "later_start": plan.later_start.to_string(),
                    "planned_end": plan.planned_end.to_string()}}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Registers a date on an active plan (a correction replaces it; the audit entry keeps the
    /// before), and queues `mails`. `NotFound` without an active plan.
    pub async fn set_bound_plan_date(
        &mut self,
        ctx: &Ctx,
        course_id: i64,
        which: PlanDate,
        on: Date,
        mails: &[NewMail],
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        // The column comes from a fixed list (`PlanDate::column`), never from input.
        let col = which.column();
        let select =
            format!("SELECT {col} FROM bound_plans WHERE course_id = $1 AND state = 'active'");
        let update = format!("UPDATE bound_plans SET {col} = $1 WHERE course_id = $2");
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let before: Option<Option<jiff_sqlx::Date>> = sqlx::query_scalar(sqlx::AssertSqlSafe(select.clone()))
                .bind(course_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(before) = before else {
                return Err(StoreError::NotFound);
            };
            sqlx::query(sqlx::AssertSqlSafe(update.clone()))
                .bind(conv::date(on))
                .bind(course_id)
                .execute(&mut *tx)
                .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "bound_plan.date",
                object_type: "course",
                object_id: course_id.to_string(),
                summary: json!({"which": which.as_str(),
                    "before": before.map(|d| d.to_jiff().to_string()),
                    "after": on.to_string()}),
            })
            .await?;
            for m in mails {
                tx.enqueue_mail(ctx, m).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Ends an active plan (a resignation or a switch of specialty), and queues `mails` (the
    /// other employer is told). `NotFound` without an active plan.
    pub async fn end_bound_plan(
        &mut self,
        ctx: &Ctx,
        course_id: i64,
        end: &PlanEnd<'_>,
        mails: &[NewMail],
    ) -> Result<()> {
        let audit_keys = self.audit_keys();
        if end.state.is_active() {
            return Err(StoreError::Conflict("plan_end_state".into()));
        }
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let n = sqlx::query(
                "UPDATE bound_plans SET state = $1, ended_on = $2, change_note = $3, \
                 switched_to = $4 WHERE course_id = $5 AND state = 'active'",
            )
            .bind(end.state.as_str())
            .bind(conv::date(end.on))
            .bind(end.note.trim())
            .bind(end.switched_to.map(str::trim))
            .bind(course_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "bound_plan.end",
                object_type: "course",
                object_id: course_id.to_string(),
                summary: json!({"before": {"state": "active"},
                    "after": {"state": end.state.as_str(), "on": end.on.to_string(),
                        "switched_to": end.switched_to}}),
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
