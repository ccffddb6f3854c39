//! Obligations and deadlines (*frister og plikter*) of courses and lotteries in storage: the
//! municipality's registrations that a contract or an employment letter is in place, the
//! reminders sent about each deadline, and [`Store::obligations`], which puts every current
//! obligation together with its deadline and status. The rules are
//! `lis1_domain::obligations`.
//!
//! The lottery needs no registration: it is fulfilled when the site's cohort has been drawn.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use jiff::civil::Date;
use lis1_domain::obligations::{
    CourseStarts, ObligationKind, Reminder, Status, course_obligations, due_date, status,
};
use lis1_domain::org::OrgKind;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::audit::{AuditTx, Event};
use crate::conv::DbTime;
use crate::courses::Course;
use crate::outbox::{NewMail, OutboxTx};
use crate::{Ctx, Result, StoreError, Tx, conv, on_tx};
use sqlx::Connection;

/// The dates a course's deadlines count from: the dates after leave, so a moved municipal start
/// moves the contract deadline. Every deadline of a course is computed through this function.
pub fn course_starts(course: &Course) -> CourseStarts {
    CourseStarts {
        hospital_start: course.actual.hospital_start,
        municipal_start: course.actual.municipal_start,
    }
}

/// The stable name of a course's obligation, as reminders and the audit log name it.
pub fn course_obligation_key(course_id: i64, kind: ObligationKind) -> String {
    format!("course:{course_id}:{}", kind.as_str())
}

/// The stable name of a site's lottery obligation for a cohort.
pub fn lottery_obligation_key(site: i64, cohort: Date) -> String {
    format!("lottery:{site}:{cohort}")
}

/// A registration that an obligation of a course is fulfilled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fulfilment {
    /// The course.
    pub course_id: i64,
    /// Contract or employment letter.
    pub kind: ObligationKind,
    /// When it was done.
    pub fulfilled_on: Date,
    /// A note, e.g. where the signed contract is filed.
    pub note: Option<String>,
    /// Who registered it.
    pub recorded_by: Option<i64>,
    /// For which organisation.
    pub recorded_org: Option<i64>,
    /// When.
    pub recorded_at: Timestamp,
}

/// A fulfilment to register.
#[derive(Debug, Clone)]
pub struct NewFulfilment<'a> {
    /// The course.
    pub course_id: i64,
    /// Contract or employment letter (checked with `lis1_domain::obligations::check_fulfilment`).
    pub kind: ObligationKind,
    /// When it was done.
    pub fulfilled_on: Date,
    /// A note; empty for none.
    pub note: &'a str,
}

/// One obligation with its deadline and status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Obligation {
    /// What must be done.
    pub kind: ObligationKind,
    /// Its stable name ([`course_obligation_key`], [`lottery_obligation_key`]).
    pub key: String,
    /// The hospital site.
    pub hospital_site_id: i64,
    /// The site's name.
    pub hospital_site_name: String,
    /// The lottery cohort: the planned municipal start.
    pub cohort: Date,
    /// The course, for a contract or a letter; `None` for the lottery.
    pub course: Option<Course>,
    /// For the lottery: how many doctors take part.
    pub participants: usize,
    /// The last day to fulfil it.
    pub due: Date,
    /// When it was fulfilled.
    pub fulfilled_on: Option<Date>,
    /// The registration, for a contract or a letter.
    pub fulfilment: Option<Fulfilment>,
    /// Where it stands today.
    pub status: Status,
}

impl Obligation {
    /// The municipality the obligation lies with (the course's), if placed.
    pub fn municipality_id(&self) -> Option<i64> {
        self.course.as_ref().and_then(|c| c.municipality_id)
    }
}

/// A reminder to record, with the mails it sends.
#[derive(Debug, Clone)]
pub struct NewReminder<'a> {
    /// The obligation's stable name.
    pub obligation: &'a str,
    /// Due soon or overdue.
    pub stage: Reminder,
    /// The deadline it is about.
    pub due_on: Date,
}

fn fulfilment_from_row<R: Row>(r: &R) -> Result<Fulfilment>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    DbTime: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    jiff_sqlx::Date: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    let kind: String = r.try_get("kind")?;
    Ok(Fulfilment {
        course_id: r.try_get("course_id")?,
        kind: ObligationKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown obligation kind {kind:?}")))?,
        fulfilled_on: r.try_get::<jiff_sqlx::Date, _>("fulfilled_on")?.to_jiff(),
        note: r.try_get("note")?,
        recorded_by: r.try_get("recorded_by")?,
        recorded_org: r.try_get("recorded_org")?,
        recorded_at: r.try_get::<DbTime, _>("recorded_at")?.0,
    })
}

const FULFILMENT_SELECT: &str = "SELECT f.course_id, f.kind, f.fulfilled_on, f.note, \
     f.recorded_by, f.recorded_org, f.recorded_at FROM obligation_fulfilments f \
     JOIN courses c ON c.id = f.course_id \
     JOIN current_courses cur ON cur.id = c.id ";

crate::store_ops! {
    fn record_fulfilment(&self, ctx: &Ctx, f: &NewFulfilment<'_>) -> Result<()>;
    fn fulfilments(&self, course_id: i64) -> Result<Vec<Fulfilment>>;
    fn record_reminder(&self, ctx: &Ctx, r: &NewReminder<'_>, mails: &[NewMail]) -> Result<bool>;
    fn reminder_sent(&self, obligation: &str, stage: Reminder, due_on: Date) -> Result<bool>;
    fn sent_reminders(&self) -> Result<HashSet<(String, Reminder, Date)>>;
    fn obligations(&self, today: Date) -> Result<Vec<Obligation>>;
}

impl Tx {
    /// Registers that an obligation of a current course is fulfilled, or corrects an earlier
    /// registration (the audit entry keeps the one it replaces). `NotFound` for a course that is
    /// not current; `Conflict("obligation_not_registered")` for the lottery, which the draw
    /// fulfils. The date rules are the caller's (`check_fulfilment`).
    pub async fn record_fulfilment(&mut self, ctx: &Ctx, f: &NewFulfilment<'_>) -> Result<()> {
        let audit_keys = self.audit_keys();
        if !f.kind.is_registered() {
            return Err(StoreError::Conflict("obligation_not_registered".into()));
        }
        let note = f.note.trim();
        let note = (!note.is_empty()).then_some(note);
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let current: Option<i64> = sqlx::query_scalar(
                "SELECT c.id FROM courses c JOIN current_courses cur ON cur.id = c.id \
                 WHERE c.id = $1",
            )
            .bind(f.course_id)
            .fetch_optional(&mut *tx)
            .await?;
            if current.is_none() {
                return Err(StoreError::NotFound);
            }
            let before = sqlx::query(sqlx::AssertSqlSafe(format!(
                "{FULFILMENT_SELECT} WHERE f.course_id = $1 AND f.kind = $2"
            )))
            .bind(f.course_id)
            .bind(f.kind.as_str())
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| fulfilment_from_row(&r))
            .transpose()?;
            sqlx::query(
                "INSERT INTO obligation_fulfilments (course_id, kind, fulfilled_on, note, \
                 recorded_by, recorded_org, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (course_id, kind) DO UPDATE SET fulfilled_on = excluded.fulfilled_on, \
                 note = excluded.note, recorded_by = excluded.recorded_by, \
                 recorded_org = excluded.recorded_org, recorded_at = excluded.recorded_at",
            )
            .bind(f.course_id)
            .bind(f.kind.as_str())
            .bind(conv::date(f.fulfilled_on))
            .bind(note)
            .bind(ctx.actor.user_id)
            .bind(ctx.actor.org_id)
            .bind(conv::ts(ctx.now))
            .execute(&mut *tx)
            .await?;
            let before = before.map(|b| json!({"fulfilled_on": b.fulfilled_on.to_string(), "note": b.note}));
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "obligation.fulfil",
                object_type: "course",
                object_id: f.course_id.to_string(),
                summary: json!({
                    "kind": f.kind.as_str(),
                    "before": before,
                    "after": {"fulfilled_on": f.fulfilled_on.to_string(), "note": note},
                }),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The registrations of a current course.
    pub async fn fulfilments(&mut self, course_id: i64) -> Result<Vec<Fulfilment>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "{FULFILMENT_SELECT} WHERE f.course_id = $1 ORDER BY f.kind"
            )))
            .bind(course_id)
            .fetch_all(&mut *conn)
            .await?;
            rows.iter().map(fulfilment_from_row).collect()
        })
    }

    async fn all_fulfilments(&mut self) -> Result<Vec<Fulfilment>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(FULFILMENT_SELECT).fetch_all(&mut *conn).await?;
            rows.iter().map(fulfilment_from_row).collect()
        })
    }

    /// Records that a reminder about an obligation's deadline at a stage went out, and queues its
    /// mails, in one transaction. Returns `false`, and queues nothing, when that reminder was
    /// recorded before: each goes out once, however often the job runs or the server restarts.
    pub async fn record_reminder(
        &mut self,
        ctx: &Ctx,
        r: &NewReminder<'_>,
        mails: &[NewMail],
    ) -> Result<bool> {
        let audit_keys = self.audit_keys();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO obligation_reminders (obligation, stage, due_on, recipients, sent_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(r.obligation)
            .bind(r.stage.as_str())
            .bind(conv::date(r.due_on))
            .bind(i32::try_from(mails.len()).unwrap_or(i32::MAX))
            .bind(conv::ts(ctx.now))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                return Ok(false);
            }
            for mail in mails {
                tx.enqueue_mail(ctx, mail).await?;
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "obligation.remind",
                object_type: "obligation",
                object_id: r.obligation.to_string(),
                summary: json!({"stage": r.stage.as_str(), "due_on": r.due_on.to_string(),
                    "recipients": mails.len()}),
            })
            .await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Whether the reminder about this deadline at this stage has gone out.
    pub async fn reminder_sent(
        &mut self,
        obligation: &str,
        stage: Reminder,
        due_on: Date,
    ) -> Result<bool> {
        on_tx!(self, conn => {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM obligation_reminders \
                 WHERE obligation = $1 AND stage = $2 AND due_on = $3",
            )
            .bind(obligation)
            .bind(stage.as_str())
            .bind(conv::date(due_on))
            .fetch_one(&mut *conn)
            .await?;
            Ok(n > 0)
        })
    }

    /// Every reminder sent, as `(obligation, stage, deadline)`: the background job reads them once
    /// per run instead of asking about each obligation.
    pub async fn sent_reminders(&mut self) -> Result<HashSet<(String, Reminder, Date)>> {
        on_tx!(self, conn => {
            let rows: Vec<(String, String, jiff_sqlx::Date)> =
                sqlx::query_as("SELECT obligation, stage, due_on FROM obligation_reminders")
                    .fetch_all(&mut *conn)
                    .await?;
            rows.into_iter()
                .map(|(o, stage, due)| {
                    let stage = match stage.as_str() {
                        "due_soon" => Reminder::DueSoon,
                        "overdue" => Reminder::Overdue,
                        other => {
                            return Err(StoreError::Corrupt(format!("unknown reminder stage {other:?}")));
                        }
                    };
                    Ok((o, stage, due.to_jiff()))
                })
                .collect()
        })
    }

    /// Every obligation of the current courses that have not ended by `today`, and the lottery
    /// of each cohort with §13b doctors among them, by deadline. The caller decides, with
    /// `lis1_domain::access`, which of them a user may see.
    pub async fn obligations(&mut self, today: Date) -> Result<Vec<Obligation>> {
        let fulfilled: HashMap<(i64, ObligationKind), Fulfilment> = self
            .all_fulfilments()
            .await?
            .into_iter()
            .map(|f| ((f.course_id, f.kind), f))
            .collect();
        let mut out = Vec::new();
        for site in self.orgs().await? {
            if site.kind != OrgKind::HospitalSite {
                continue;
            }
            for cohort in self.course_cohorts(site.id).await? {
                let courses: Vec<Course> = self
                    .courses_for_cohort(site.id, cohort)
                    .await?
                    .into_iter()
                    .filter(|c| c.actual.municipal_end >= today)
                    .collect();
                let by_lottery = courses.iter().filter(|c| c.section == "13b").count();
                if by_lottery > 0 {
                    let draws = self.lottery_draws(site.id, cohort).await?;
                    // The first draw fulfils the obligation; a redraw does not undo that.
                    let drawn_on = draws
                        .iter()
                        .find(|d| d.is_drawn())
                        .and_then(|d| d.drawn_at)
                        .map(|t| lis1_domain::calendar::to_oslo(t).date());
                    let due = lis1_domain::lottery::latest_draw_date(cohort);
                    out.push(Obligation {
                        kind: ObligationKind::Lottery,
                        key: lottery_obligation_key(site.id, cohort),
                        hospital_site_id: site.id,
                        hospital_site_name: site.name.clone(),
                        cohort,
                        course: None,
                        participants: by_lottery,
                        due,
                        fulfilled_on: drawn_on,
                        fulfilment: None,
                        status: status(due, today, drawn_on),
                    });
                }
                for course in courses {
                    // A municipality's rest hire has no hospital part, so no employment letter.
                    for &kind in course_obligations(!course.municipal_only) {
                        let due = due_date(kind, course_starts(&course));
                        let fulfilment = fulfilled.get(&(course.id, kind)).cloned();
                        let on = fulfilment.as_ref().map(|f| f.fulfilled_on);
                        out.push(Obligation {
                            kind,
                            key: course_obligation_key(course.id, kind),
                            hospital_site_id: site.id,
                            hospital_site_name: site.name.clone(),
                            cohort,
                            participants: 1,
                            due,
                            fulfilled_on: on,
                            fulfilment,
                            status: status(due, today, on),
                            course: Some(course.clone()),
                        });
                    }
                }
            }
        }
        out.sort_by(|a, b| {
            (a.due, a.hospital_site_name.as_str(), a.kind, &a.key).cmp(&(
                b.due,
                b.hospital_site_name.as_str(),
                b.kind,
                &b.key,
            ))
        });
        Ok(out)
    }
}
