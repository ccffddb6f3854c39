//! Courses (*LIS1-løp*): every doctor who accepted a position gets one — 12 months in the
//! hospital from the position's start (1 March or 1 September), then 6 months in a municipality.
//! Under §13a the advertisement names the municipality; under §13b it stays empty until the
//! lottery (`crate::lottery`) assigns one.
//!
//! A course belongs to an accepted offer, or to an accepted rest offer (a rest-position hire,
//! [`Tx::create_course_for_rest_offer`]). When the doctor later accepts another position the
//! first offer becomes `resigned`, and its course stops being listed anywhere (every query here
//! joins the view `current_courses`: offer or rest offer still `accepted`), so nothing has to be
//! deleted.

use jiff::civil::Date;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use lis1_domain::course::{
    CourseError, Leave, LeaveKind, RotationPart, check_leave, check_rotation, rotation_after_leave,
};

use crate::audit::{AuditTx, Event};
use crate::outbox::{NewMail, OutboxTx};
use crate::{Ctx, Result, StoreError, Tx, conv, on_tx};
use sqlx::Connection;

/// A doctor's course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Course {
    /// Id.
    pub id: i64,
    /// The accepted offer it came from (`None` for a rest-position hire).
    pub offer_id: Option<i64>,
    /// The accepted rest offer it came from (a rest-position hire), if so.
    pub rest_offer_id: Option<i64>,
    /// Only the municipal part (a municipality's rest position): the hospital part is empty.
    pub municipal_only: bool,
    /// The doctor.
    pub applicant_id: i64,
    /// The doctor's name.
    pub applicant_name: String,
    /// The hospital site.
    pub hospital_site_id: i64,
    /// The site's name.
    pub hospital_site_name: String,
    /// `13a` (municipality named in the advertisement) or `13b` (by lottery).
    pub section: String,
    /// The municipality; `None` for §13b until the draw.
    pub municipality_id: Option<i64>,
    /// The municipality's name.
    pub municipality_name: Option<String>,
    /// Its SSB number.
    pub municipality_code: Option<String>,
    /// On (or going on) leave; takes part in the lottery and keeps the place (002 §2.2).
    pub on_leave: bool,
    /// The planned dates: `municipal_start` is the lottery cohort and never moves.
    pub dates: CourseDates,
    /// The dates after registered leave ([`CourseDates::after_leave`]); show these to people.
    pub actual: CourseDates,
    /// The personal supervisor in the hospital part, once named.
    pub supervisor_name: Option<String>,
    /// The supervisor's e-mail.
    pub supervisor_email: Option<String>,
}

impl Course {
    /// The doctor's opaque id in a lottery export (docs/lottery.md §3): never a name.
    pub fn participant_id(&self) -> String {
        participant_id(self.id)
    }
}

/// The opaque lottery participant id of a course.
pub fn participant_id(course_id: i64) -> String {
    format!("d-{course_id}")
}

pub use lis1_domain::course::CourseDates;

/// The course part a rest position covers (issue 11, item 10), decided by
/// `lis1_app::rest_positions`: the site, the municipality when fixed (§13a; `None`: drawn in the
/// lottery of the site and `dates.municipal_start`), and the dates (an empty hospital part,
/// `hospital_end < hospital_start`, for a municipality's rest position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestCoursePart {
    /// The hospital site (of the source position's advertisement, or the employer's).
    pub hospital_site_id: i64,
    /// The municipality, when fixed.
    pub municipality_id: Option<i64>,
    /// The planned dates.
    pub dates: CourseDates,
}

const COURSE_SELECT: &str = "SELECT c.id, c.offer_id, c.rest_offer_id, c.applicant_id, u.display_name, \
     c.hospital_site_id, s.name AS site_name, c.section, c.municipality_id, m.name AS muni_name, \
     m.code AS muni_code, c.on_leave, c.hospital_start, c.hospital_end, c.municipal_start, \
     c.municipal_end, c.actual_hospital_end, c.actual_municipal_start, c.actual_municipal_end, \
     c.supervisor_name, c.supervisor_email FROM courses c \
     JOIN current_courses cur ON cur.id = c.id \
     JOIN users u ON u.id = c.applicant_id \
     JOIN organisations s ON s.id = c.hospital_site_id \
     LEFT JOIN organisations m ON m.id = c.municipality_id ";

pub(crate) fn course_from_row<R: Row>(r: &R) -> Result<Course>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    bool: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    jiff_sqlx::Date: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    Option<jiff_sqlx::Date>: for<'x> sqlx::Decode<'x, R::Database>,
    Option<String>: for<'x> sqlx::Decode<'x, R::Database>,
    Option<i64>: for<'x> sqlx::Decode<'x, R::Database>,
{
    let date = |col: &str| -> Result<Date> { Ok(r.try_get::<jiff_sqlx::Date, _>(col)?.to_jiff()) };
    let moved = |col: &str, planned: Date| -> Result<Date> {
        Ok(r.try_get::<Option<jiff_sqlx::Date>, _>(col)?
            .map_or(planned, |d| d.to_jiff()))
    };
    let dates = CourseDates {
        hospital_start: date("hospital_start")?,
        hospital_end: date("hospital_end")?,
        municipal_start: date("municipal_start")?,
        municipal_end: date("municipal_end")?,
    };
    let actual = CourseDates {
        hospital_start: dates.hospital_start,
        hospital_end: moved("actual_hospital_end", dates.hospital_end)?,
        municipal_start: moved("actual_municipal_start", dates.municipal_start)?,
        municipal_end: moved("actual_municipal_end", dates.municipal_end)?,
    };
    Ok(Course {
        id: r.try_get("id")?,
        offer_id: r.try_get("offer_id")?,
        rest_offer_id: r.try_get("rest_offer_id")?,
        municipal_only: dates.hospital_end < dates.hospital_start,
        applicant_id: r.try_get("applicant_id")?,
        applicant_name: r.try_get("display_name")?,
        hospital_site_id: r.try_get("hospital_site_id")?,
        hospital_site_name: r.try_get("site_name")?,
        section: r.try_get("section")?,
        municipality_id: r.try_get("municipality_id")?,
        municipality_name: r.try_get("muni_name")?,
        municipality_code: r.try_get("muni_code")?,
        on_leave: r.try_get("on_leave")?,
        dates,
        actual,
        supervisor_name: r.try_get("supervisor_name")?,
        supervisor_email: r.try_get("supervisor_email")?,
    })
}

crate::store_ops! {
    fn create_course_for_offer(&self, ctx: &Ctx, offer_id: i64, hospital_site_id: i64, municipality_id: Option<i64>, hospital_start: Date) -> Result<i64>;
    fn course(&self, id: i64) -> Result<Course>;
    fn courses_for_applicant(&self, applicant_id: i64) -> Result<Vec<Course>>;
    fn courses_for_cohort(&self, hospital_site_id: i64, municipal_start: Date) -> Result<Vec<Course>>;
    fn courses_for_municipality(&self, municipality_id: i64) -> Result<Vec<Course>>;
    fn course_cohorts(&self, hospital_site_id: i64) -> Result<Vec<Date>>;
    fn add_leave(&self, ctx: &Ctx, course_id: i64, leave: &Leave, note: &str, notices: impl FnOnce(&CourseDates) -> Vec<NewMail>, ) -> std::result::Result<Course, CourseStoreError>;
    fn course_leaves(&self, course_id: i64) -> Result<Vec<CourseLeave>>;
    fn set_course_plan(&self, ctx: &Ctx, course_id: i64, plan: &CoursePlan) -> std::result::Result<(), CourseStoreError>;
    fn resign_course(&self, ctx: &Ctx, course_id: i64, reason: &str, mails: &[NewMail]) -> Result<Option<i64>>;
    fn create_course_for_rest_offer(&self, ctx: &Ctx, rest_offer_id: i64, part: &RestCoursePart) -> Result<i64>;
    fn course_rotation(&self, course_id: i64) -> Result<Vec<RotationPart>>;
}

impl Tx {
    /// Creates the course of an accepted offer: §13a when `municipality_id` is given, §13b (the
    /// lottery decides) when it is `None`. Call it right after a successful acceptance.
    /// Idempotent: a second call for the same offer returns the existing course.
    /// `Conflict("offer_not_accepted")` unless the offer is accepted.
    pub async fn create_course_for_offer(
        &mut self,
        ctx: &Ctx,
        offer_id: i64,
        hospital_site_id: i64,
        municipality_id: Option<i64>,
        hospital_start: Date,
    ) -> Result<i64> {
        let audit_keys = self.audit_keys();
        let dates = CourseDates::from_hospital_start(hospital_start);
        let section = if municipality_id.is_some() {
            "13a"
        } else {
            "13b"
        };
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let offer: Option<(i64, String)> =
                sqlx::query_as("SELECT applicant_id, state FROM offers WHERE id = $1")
                    .bind(offer_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((applicant_id, state)) = offer else {
                return Err(StoreError::NotFound);
            };
            if state != "accepted" {
                return Err(StoreError::Conflict("offer_not_accepted".into()));
            }
            let existing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM courses WHERE offer_id = $1")
                    .bind(offer_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(id) = existing {
                return Ok(id);
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO courses (offer_id, applicant_id, hospital_site_id, section, \
                 municipality_id, hospital_start, hospital_end, municipal_start, municipal_end, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(offer_id)
            .bind(applicant_id)
            .bind(hospital_site_id)
            .bind(section)
            .bind(municipality_id)
            .bind(conv::date(dates.hospital_start))
            .bind(conv::date(dates.hospital_end))
            .bind(conv::date(dates.municipal_start))
            .bind(conv::date(dates.municipal_end))
            .bind(conv::ts(ctx.now))
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "course.create",
                object_type: "course",
                object_id: id.to_string(),
                summary: json!({"after": {"offer_id": offer_id, "hospital_site_id": hospital_site_id,
                    "section": section, "municipality_id": municipality_id,
                    "hospital_start": dates.hospital_start.to_string(),
                    "municipal_start": dates.municipal_start.to_string()}}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Creates the course of an accepted rest offer (a rest-position hire) with the part the
    /// rest position covers (`part`). Call it in the acceptance's transaction. Idempotent: a
    /// second call for the same rest offer returns the existing course.
    /// `Conflict("offer_not_accepted")` unless the rest offer is accepted.
    pub async fn create_course_for_rest_offer(
        &mut self,
        ctx: &Ctx,
        rest_offer_id: i64,
        part: &RestCoursePart,
    ) -> Result<i64> {
        let audit_keys = self.audit_keys();
        let dates = part.dates;
        let section = if part.municipality_id.is_some() {
            "13a"
        } else {
            "13b"
        };
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let offer: Option<(i64, String)> =
                sqlx::query_as("SELECT applicant_id, state FROM rest_offers WHERE id = $1")
                    .bind(rest_offer_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((applicant_id, state)) = offer else {
                return Err(StoreError::NotFound);
            };
            if state != "accepted" {
                return Err(StoreError::Conflict("offer_not_accepted".into()));
            }
            let existing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM courses WHERE rest_offer_id = $1")
                    .bind(rest_offer_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(id) = existing {
                return Ok(id);
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO courses (rest_offer_id, applicant_id, hospital_site_id, section, \
                 municipality_id, hospital_start, hospital_end, municipal_start, municipal_end, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(rest_offer_id)
            .bind(applicant_id)
            .bind(part.hospital_site_id)
            .bind(section)
            .bind(part.municipality_id)
            .bind(conv::date(dates.hospital_start))
            .bind(conv::date(dates.hospital_end))
            .bind(conv::date(dates.municipal_start))
            .bind(conv::date(dates.municipal_end))
            .bind(conv::ts(ctx.now))
            .fetch_one(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "course.create",
                object_type: "course",
                object_id: id.to_string(),
                summary: json!({"after": {"rest_offer_id": rest_offer_id,
                    "hospital_site_id": part.hospital_site_id, "section": section,
                    "municipality_id": part.municipality_id,
                    "municipal_only": dates.hospital_end < dates.hospital_start,
                    "hospital_start": dates.hospital_start.to_string(),
                    "municipal_start": dates.municipal_start.to_string()}}),
            })
            .await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// One current course.
    pub async fn course(&mut self, id: i64) -> Result<Course> {
        self.load_courses(CourseFilter::Id(id))
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    /// A doctor's current courses, oldest first.
    pub async fn courses_for_applicant(&mut self, applicant_id: i64) -> Result<Vec<Course>> {
        self.load_courses(CourseFilter::Applicant(applicant_id))
            .await
    }

    /// The current courses of a hospital site's cohort (by municipal start), by id.
    pub async fn courses_for_cohort(
        &mut self,
        hospital_site_id: i64,
        municipal_start: Date,
    ) -> Result<Vec<Course>> {
        self.load_courses(CourseFilter::Cohort(hospital_site_id, municipal_start))
            .await
    }

    /// The current courses placed in a municipality (by §13a or by the lottery).
    pub async fn courses_for_municipality(&mut self, municipality_id: i64) -> Result<Vec<Course>> {
        self.load_courses(CourseFilter::Municipality(municipality_id))
            .await
    }

    /// The municipal start dates (lottery cohorts) with current courses at a site, newest first.
    pub async fn course_cohorts(&mut self, hospital_site_id: i64) -> Result<Vec<Date>> {
        on_tx!(self, conn => {
            let rows: Vec<jiff_sqlx::Date> = sqlx::query_scalar(
                "SELECT DISTINCT c.municipal_start FROM courses c \
                 JOIN current_courses cur ON cur.id = c.id \
                 WHERE c.hospital_site_id = $1 ORDER BY c.municipal_start DESC",
            )
            .bind(hospital_site_id)
            .fetch_all(&mut *conn)
            .await?;
            Ok(rows.into_iter().map(|d| d.to_jiff()).collect())
        })
    }

    /// Registers leave on a current course (002 §2.2; 000 §6.2.3): the doctor keeps the place,
    /// the course is flagged for the lottery, and the dates — and the rotation plan, if any —
    /// move by [`CourseDates::after_leave`]. Returns the course as it is now.
    /// [`CourseStoreError::Rule`] names what is wrong with the leave; nothing is stored then.
    ///
    /// `notices` writes the mails that tell of it (the municipality must be told at once, 002
    /// §2.2), given the dates after the leave; they are queued in the same transaction, so the
    /// leave is never registered without them.
    pub async fn add_leave(
        &mut self,
        ctx: &Ctx,
        course_id: i64,
        leave: &Leave,
        note: &str,
        notices: impl FnOnce(&CourseDates) -> Vec<NewMail>,
    ) -> std::result::Result<Course, CourseStoreError> {
        let audit_keys = self.audit_keys();
        let backend = self.backend();
        let course = self.course(course_id).await?;
        let note = note.trim();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            // Concurrent registrations on one course take turns, so two overlapping leaves
            // cannot both pass the check. (SQLite has one connection.)
            if backend == crate::Backend::Postgres {
                sqlx::query("SELECT id FROM courses WHERE id = $1 FOR UPDATE")
                    .bind(course_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let rows = sqlx::query(LEAVE_SELECT)
                .bind(course_id)
                .fetch_all(&mut *tx)
                .await?;
            let existing: Vec<Leave> = rows
                .iter()
                .map(leave_from_row)
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .map(|l| l.leave)
                .collect();
            check_leave(course.dates, &existing, leave).map_err(CourseStoreError::Rule)?;
            // The dates as they stand under the lock (not as read before it).
            let before = course.dates.after_leave(&existing);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO course_leaves (course_id, kind, period_from, period_to, note, \
                 registered_at, registered_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(course_id)
            .bind(leave.kind.as_str())
            .bind(conv::date(leave.from))
            .bind(conv::date(leave.to))
            .bind(note)
            .bind(conv::ts(ctx.now))
            .bind(ctx.actor.user_id)
            .fetch_one(&mut *tx)
            .await?;
            let mut all = existing;
            all.push(*leave);
            let actual = course.dates.after_leave(&all);
            sqlx::query(
                "UPDATE courses SET on_leave = $1, actual_hospital_end = $2, \
                 actual_municipal_start = $3, actual_municipal_end = $4 WHERE id = $5",
            )
            .bind(true)
            .bind(conv::date(actual.hospital_end))
            .bind(conv::date(actual.municipal_start))
            .bind(conv::date(actual.municipal_end))
            .bind(course_id)
            .execute(&mut *tx)
            .await?;
            let plan: Vec<RotationPart> = sqlx::query(ROTATION_SELECT)
                .bind(course_id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(rotation_from_row)
                .collect::<Result<_>>()?;
            let grown = before
                .hospital_end
                .until(actual.hospital_end)
                .map(|s| i64::from(s.get_days()))
                .unwrap_or(0);
            for (i, p) in rotation_after_leave(&plan, leave.from, grown).iter().enumerate() {
                sqlx::query(
                    "UPDATE course_rotations SET period_from = $1, period_to = $2 \
                     WHERE course_id = $3 AND part = $4",
                )
                .bind(conv::date(p.from))
                .bind(conv::date(p.to))
                .bind(course_id)
                .bind(i as i32 + 1)
                .execute(&mut *tx)
                .await?;
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "course.leave_add",
                object_type: "course",
                object_id: course_id.to_string(),
                summary: json!({"leave_id": id, "kind": leave.kind.as_str(),
                    "from": leave.from.to_string(), "to": leave.to.to_string(),
                    "before": {"municipal_start": before.municipal_start.to_string(),
                        "municipal_end": before.municipal_end.to_string()},
                    "after": {"municipal_start": actual.municipal_start.to_string(),
                        "municipal_end": actual.municipal_end.to_string()}}),
            })
            .await?;
            for mail in notices(&actual) {
                tx.enqueue_mail(ctx, &mail).await?;
            }
            tx.commit().await?;
            Ok::<(), CourseStoreError>(())
        })?;
        Ok(self.course(course_id).await?)
    }

    /// The leave registered on a course, in date order.
    pub async fn course_leaves(&mut self, course_id: i64) -> Result<Vec<CourseLeave>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(LEAVE_SELECT).bind(course_id).fetch_all(&mut *conn).await?;
            rows.iter().map(leave_from_row).collect()
        })
    }

    /// Sets the hospital's rotation plan and the personal supervisor (000 §6.2.2). The plan must
    /// cover the hospital part as it is now (after leave) in two or three parts.
    pub async fn set_course_plan(
        &mut self,
        ctx: &Ctx,
        course_id: i64,
        plan: &CoursePlan,
    ) -> std::result::Result<(), CourseStoreError> {
        let audit_keys = self.audit_keys();
        let backend = self.backend();
        let course = self.course(course_id).await?;
        let name = plan.supervisor_name.trim();
        let email = plan.supervisor_email.trim();
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            // Checked against the dates under the same lock that leave registration takes, so a
            // leave registered at the same moment cannot leave the plan short.
            if backend == crate::Backend::Postgres {
                sqlx::query("SELECT id FROM courses WHERE id = $1 FOR UPDATE")
                    .bind(course_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let leaves: Vec<Leave> = sqlx::query(LEAVE_SELECT)
                .bind(course_id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(leave_from_row)
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .map(|l| l.leave)
                .collect();
            check_rotation(course.dates.after_leave(&leaves), &plan.parts)
                .map_err(CourseStoreError::Rule)?;
            sqlx::query("DELETE FROM course_rotations WHERE course_id = $1")
                .bind(course_id)
                .execute(&mut *tx)
                .await?;
            for (i, p) in plan.parts.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO course_rotations (course_id, part, department, period_from, \
                     period_to) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(course_id)
                .bind(i as i32 + 1)
                .bind(p.department.trim())
                .bind(conv::date(p.from))
                .bind(conv::date(p.to))
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(
                "UPDATE courses SET supervisor_name = $1, supervisor_email = $2 WHERE id = $3",
            )
            .bind(opt(name))
            .bind(opt(email))
            .bind(course_id)
            .execute(&mut *tx)
            .await?;
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "course.plan",
                object_type: "course",
                object_id: course_id.to_string(),
                summary: json!({"parts": plan.parts.iter().map(|p| json!({
                    "department": p.department.trim(), "from": p.from.to_string(),
                    "to": p.to.to_string()})).collect::<Vec<_>>(),
                    "supervisor": opt(name)}),
            })
            .await?;
            tx.commit().await?;
            Ok::<(), CourseStoreError>(())
        })
    }

    /// Registers that the doctor has resigned the position (*oppsigelse*): the accepted offer
    /// (or rest offer) becomes `resigned`, an offer's acceptance mark is hidden, and the course
    /// stops being current (it disappears from every list and lottery not yet drawn). Returns the
    /// ordinary offer's id, which the caller passes on so the place becomes a rest position (002
    /// §2.3, 004 §12); `None` for a rest-position hire (a rest position is not advertised again
    /// by itself). `NotFound` if the course is not current.
    /// `mails` (to the doctor and the municipality) are queued in the same transaction.
    pub async fn resign_course(
        &mut self,
        ctx: &Ctx,
        course_id: i64,
        reason: &str,
        mails: &[NewMail],
    ) -> Result<Option<i64>> {
        let audit_keys = self.audit_keys();
        let course = self.course(course_id).await?;
        let reason = reason.trim();
        on_tx!(self, conn => {
            let mut tx = conn.begin().await?;
            let (table, id) = match (course.offer_id, course.rest_offer_id) {
                (Some(id), _) => ("offers", id),
                (None, Some(id)) => ("rest_offers", id),
                (None, None) => return Err(StoreError::NotFound),
            };
            let n = sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE {table} SET state = 'resigned', answered_at = $1 \
                 WHERE id = $2 AND state = 'accepted'"
            )))
            .bind(conv::ts(ctx.now))
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                return Err(StoreError::NotFound);
            }
            if let Some(offer_id) = course.offer_id {
                sqlx::query(
                    "UPDATE marks SET hidden_at = $1, hidden_reason = 'resigned' \
                     WHERE offer_id = $2 AND hidden_at IS NULL",
                )
                .bind(conv::ts(ctx.now))
                .bind(offer_id)
                .execute(&mut *tx)
                .await?;
            }
            tx.append_audit(audit_keys.as_deref(), ctx, Event {
                action: "course.resign",
                object_type: "course",
                object_id: course_id.to_string(),
                summary: json!({"offer_id": course.offer_id, "rest_offer_id": course.rest_offer_id,
                    "applicant_id": course.applicant_id,
                    "reason": reason, "before": {"state": "accepted"}, "after": {"state": "resigned"}}),
            })
            .await?;
            for mail in mails {
                tx.enqueue_mail(ctx, mail).await?;
            }
            tx.commit().await?;
            Ok(course.offer_id)
        })
    }

    /// A course's rotation plan (empty until the HF sets it).
    pub async fn course_rotation(&mut self, course_id: i64) -> Result<Vec<RotationPart>> {
        on_tx!(self, conn => {
            let rows = sqlx::query(ROTATION_SELECT).bind(course_id).fetch_all(&mut *conn).await?;
            rows.iter().map(rotation_from_row).collect()
        })
    }

    async fn load_courses(&mut self, filter: CourseFilter) -> Result<Vec<Course>> {
        on_tx!(self, conn => {
            let q = match filter {
                CourseFilter::Id(id) => {
                    sqlx::query(sqlx::AssertSqlSafe(format!("{COURSE_SELECT} WHERE c.id = $1")))
                        .bind(id)
                }
                CourseFilter::Applicant(a) => sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{COURSE_SELECT} WHERE c.applicant_id = $1 ORDER BY c.hospital_start, c.id"
                )))
                .bind(a),
                CourseFilter::Municipality(m) => sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{COURSE_SELECT} WHERE c.municipality_id = $1 ORDER BY c.municipal_start DESC, u.display_name, c.id"
                )))
                .bind(m),
                CourseFilter::Cohort(site, start) => sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{COURSE_SELECT} WHERE c.hospital_site_id = $1 AND c.municipal_start = $2 ORDER BY c.id"
                )))
                .bind(site)
                .bind(conv::date(start)),
            };
            let rows = q.fetch_all(&mut *conn).await?;
            rows.iter().map(course_from_row).collect()
        })
    }
}

/// Why a change to a course was refused.
#[derive(Debug)]
pub enum CourseStoreError {
    /// Storage failed or the course is not current (`NotFound`).
    Store(StoreError),
    /// The leave or plan breaks a rule; the error names it.
    Rule(CourseError),
}

impl std::fmt::Display for CourseStoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CourseStoreError::Store(e) => e.fmt(f),
            CourseStoreError::Rule(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CourseStoreError {}

impl From<StoreError> for CourseStoreError {
    fn from(e: StoreError) -> Self {
        CourseStoreError::Store(e)
    }
}

impl From<sqlx::Error> for CourseStoreError {
    fn from(e: sqlx::Error) -> Self {
        CourseStoreError::Store(e.into())
    }
}

/// A registered leave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CourseLeave {
    /// Id.
    pub id: i64,
    /// The kind and period.
    pub leave: Leave,
    /// A note from the HF (never a diagnosis).
    pub note: String,
    /// When it was registered.
    pub registered_at: jiff::Timestamp,
}

/// The HF's plan for a course's hospital part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoursePlan {
    /// Two or three parts, back to back.
    pub parts: Vec<RotationPart>,
    /// The personal supervisor's name (empty: not yet named).
    pub supervisor_name: String,
    /// The supervisor's e-mail.
    pub supervisor_email: String,
}

const LEAVE_SELECT: &str = "SELECT id, kind, period_from, period_to, note, registered_at \
     FROM course_leaves WHERE course_id = $1 ORDER BY period_from, id";

fn leave_from_row<R: Row>(r: &R) -> Result<CourseLeave>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    i64: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    jiff_sqlx::Date: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    crate::conv::DbTime: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    let kind: String = r.try_get("kind")?;
    Ok(CourseLeave {
        id: r.try_get("id")?,
        leave: Leave {
            kind: LeaveKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("leave kind {kind}")))?,
            from: r.try_get::<jiff_sqlx::Date, _>("period_from")?.to_jiff(),
            to: r.try_get::<jiff_sqlx::Date, _>("period_to")?.to_jiff(),
        },
        note: r.try_get("note")?,
        registered_at: r.try_get::<crate::conv::DbTime, _>("registered_at")?.0,
    })
}

const ROTATION_SELECT: &str = "SELECT department, period_from, period_to FROM course_rotations \
     WHERE course_id = $1 ORDER BY part";

fn rotation_from_row<R: Row>(r: &R) -> Result<RotationPart>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    String: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
    jiff_sqlx::Date: for<'x> sqlx::Decode<'x, R::Database> + sqlx::Type<R::Database>,
{
    Ok(RotationPart {
        department: r.try_get("department")?,
        from: r.try_get::<jiff_sqlx::Date, _>("period_from")?.to_jiff(),
        to: r.try_get::<jiff_sqlx::Date, _>("period_to")?.to_jiff(),
    })
}

#[derive(Debug, Clone, Copy)]
enum CourseFilter {
    Id(i64),
    Applicant(i64),
    Municipality(i64),
    Cohort(i64, Date),
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn twelve_months_in_hospital_then_six_in_the_municipality() {
        let d = CourseDates::from_hospital_start(date(2027, 9, 1));
        assert_eq!(d.hospital_end, date(2028, 8, 31));
        assert_eq!(d.municipal_start, date(2028, 9, 1));
        assert_eq!(d.municipal_end, date(2029, 2, 28));
        let d = CourseDates::from_hospital_start(date(2027, 3, 1));
        assert_eq!(d.municipal_start, date(2028, 3, 1));
        assert_eq!(d.municipal_end, date(2028, 8, 31));
    }
}
