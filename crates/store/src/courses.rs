//! Courses (*LIS1-løp*): every doctor who accepted a position gets one — 12 months in the
//! hospital from the position's start (1 March or 1 September), then 6 months in a municipality.
//! Under §13a the advertisement names the municipality; under §13b it stays empty until the
//! lottery (`crate::lottery`) assigns one.
//!
//! A course belongs to an accepted offer. When the doctor later accepts another position the
//! first offer becomes `resigned`, and its course stops being listed anywhere (every query here
//! joins the offer and keeps `state = 'accepted'`), so nothing has to be deleted.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use crate::audit::{AuditTx, Event};
use crate::{Ctx, Result, Store, StoreError, conv, on_db};

/// A doctor's course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Course {
    /// Id.
    pub id: i64,
    /// The accepted offer it came from.
    pub offer_id: i64,
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
    /// The dates.
    pub dates: CourseDates,
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

/// A course's two periods; the end dates are the last day of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CourseDates {
    /// First day in the hospital.
    pub hospital_start: Date,
    /// Last day in the hospital.
    pub hospital_end: Date,
    /// First day in the municipality: the lottery cohort.
    pub municipal_start: Date,
    /// Last day in the municipality.
    pub municipal_end: Date,
}

impl CourseDates {
    /// 12 months in the hospital from `hospital_start`, then 6 months in the municipality.
    pub fn from_hospital_start(hospital_start: Date) -> CourseDates {
        let municipal_start = hospital_start.saturating_add(12.months());
        let after = municipal_start.saturating_add(6.months());
        CourseDates {
            hospital_start,
            hospital_end: municipal_start.saturating_sub(1.day()),
            municipal_start,
            municipal_end: after.saturating_sub(1.day()),
        }
    }
}

const COURSE_SELECT: &str = "SELECT c.id, c.offer_id, c.applicant_id, u.display_name, \
     c.hospital_site_id, s.name AS site_name, c.section, c.municipality_id, m.name AS muni_name, \
     m.code AS muni_code, c.on_leave, c.hospital_start, c.hospital_end, c.municipal_start, \
     c.municipal_end FROM courses c \
     JOIN offers o ON o.id = c.offer_id AND o.state = 'accepted' \
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
{
    let date = |col: &str| -> Result<Date> { Ok(r.try_get::<jiff_sqlx::Date, _>(col)?.to_jiff()) };
    Ok(Course {
        id: r.try_get("id")?,
        offer_id: r.try_get("offer_id")?,
        applicant_id: r.try_get("applicant_id")?,
        applicant_name: r.try_get("display_name")?,
        hospital_site_id: r.try_get("hospital_site_id")?,
        hospital_site_name: r.try_get("site_name")?,
        section: r.try_get("section")?,
        municipality_id: r.try_get("municipality_id")?,
        municipality_name: r.try_get("muni_name")?,
        municipality_code: r.try_get("muni_code")?,
        on_leave: r.try_get("on_leave")?,
        dates: CourseDates {
            hospital_start: date("hospital_start")?,
            hospital_end: date("hospital_end")?,
            municipal_start: date("municipal_start")?,
            municipal_end: date("municipal_end")?,
        },
    })
}

impl Store {
    /// Creates the course of an accepted offer: §13a when `municipality_id` is given, §13b (the
    /// lottery decides) when it is `None`. Call it right after a successful acceptance.
    /// Idempotent: a second call for the same offer returns the existing course.
    /// `Conflict("offer_not_accepted")` unless the offer is accepted.
    pub async fn create_course_for_offer(
        &self,
        ctx: &Ctx,
        offer_id: i64,
        hospital_site_id: i64,
        municipality_id: Option<i64>,
        hospital_start: Date,
    ) -> Result<i64> {
        let dates = CourseDates::from_hospital_start(hospital_start);
        let section = if municipality_id.is_some() {
            "13a"
        } else {
            "13b"
        };
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
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
            tx.append_audit(ctx, Event {
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

    /// Marks a course as on leave, or back (002 §2.2: the doctor still takes part in the lottery
    /// and keeps the place). Refused with `Conflict("lottery_drawn")` after the draw.
    pub async fn set_course_leave(&self, ctx: &Ctx, course_id: i64, on_leave: bool) -> Result<()> {
        let course = self.course(course_id).await?;
        let drawn = self
            .cohort_is_drawn(course.hospital_site_id, course.dates.municipal_start)
            .await?;
        if drawn {
            return Err(StoreError::Conflict("lottery_drawn".into()));
        }
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE courses SET on_leave = $1 WHERE id = $2")
                .bind(on_leave)
                .bind(course_id)
                .execute(&mut *tx)
                .await?;
            tx.append_audit(ctx, Event {
                action: "course.leave",
                object_type: "course",
                object_id: course_id.to_string(),
                summary: json!({"before": {"on_leave": course.on_leave}, "after": {"on_leave": on_leave}}),
            })
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// One current course.
    pub async fn course(&self, id: i64) -> Result<Course> {
        self.load_courses(CourseFilter::Id(id))
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    /// A doctor's current courses, oldest first.
    pub async fn courses_for_applicant(&self, applicant_id: i64) -> Result<Vec<Course>> {
        self.load_courses(CourseFilter::Applicant(applicant_id))
            .await
    }

    /// The current courses of a hospital site's cohort (by municipal start), by id.
    pub async fn courses_for_cohort(
        &self,
        hospital_site_id: i64,
        municipal_start: Date,
    ) -> Result<Vec<Course>> {
        self.load_courses(CourseFilter::Cohort(hospital_site_id, municipal_start))
            .await
    }

    /// The current courses placed in a municipality (by §13a or by the lottery).
    pub async fn courses_for_municipality(&self, municipality_id: i64) -> Result<Vec<Course>> {
        self.load_courses(CourseFilter::Municipality(municipality_id))
            .await
    }

    /// The municipal start dates (lottery cohorts) with current courses at a site, newest first.
    pub async fn course_cohorts(&self, hospital_site_id: i64) -> Result<Vec<Date>> {
        on_db!(self, pool => {
            let rows: Vec<jiff_sqlx::Date> = sqlx::query_scalar(
                "SELECT DISTINCT c.municipal_start FROM courses c \
                 JOIN offers o ON o.id = c.offer_id AND o.state = 'accepted' \
                 WHERE c.hospital_site_id = $1 ORDER BY c.municipal_start DESC",
            )
            .bind(hospital_site_id)
            .fetch_all(pool)
            .await?;
            Ok(rows.into_iter().map(|d| d.to_jiff()).collect())
        })
    }

    async fn load_courses(&self, filter: CourseFilter) -> Result<Vec<Course>> {
        on_db!(self, pool => {
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
            let rows = q.fetch_all(pool).await?;
            rows.iter().map(course_from_row).collect()
        })
    }
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
