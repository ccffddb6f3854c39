//! A doctor's LIS1 course (*LIS1-løp*): 12 months in the hospital from 1 March or 1 September,
//! then 6 months in a municipality (000 §6.2), with the rules for leave (*permisjon*) and the
//! hospital's rotation plan.
//!
//! **Leave keeps the place and moves the dates** (002 §2.2; 000 §6.2.3). The portal's rule, which
//! the HF sees before it registers leave: the part of the course in which the leave *begins* is
//! extended by the leave's length in days, and everything after it moves by as much. Leave that
//! begins in the hospital part therefore moves the municipal start; leave in the municipal part
//! moves only its end. Leaves are applied in the order they begin, each on the dates the earlier
//! ones produced. The planned dates never change; the lottery cohort is the *planned* municipal
//! start, because the doctor takes part in the lottery with the cohort and keeps the place.
//!
//! **Rotation plan**: the hospital part is served in two or three parts (*todelt* or *tredelt*,
//! e.g. internal medicine, surgery, psychiatry), back to back, covering the hospital part exactly.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

use crate::{Lang, Localized};

/// A course's two periods; the end dates are the last day of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CourseDates {
    /// First day in the hospital.
    pub hospital_start: Date,
    /// Last day in the hospital.
    pub hospital_end: Date,
    /// First day in the municipality.
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

    /// The dates after `leaves` (see the module documentation). Leaves that begin after the
    /// course has ended change nothing; [`check_leave`] refuses them before they are stored.
    pub fn after_leave(self, leaves: &[Leave]) -> CourseDates {
        let mut sorted: Vec<&Leave> = leaves.iter().collect();
        sorted.sort_by_key(|l| (l.from, l.to));
        let mut d = self;
        for l in sorted {
            let days = l.days();
            if l.from <= d.hospital_end {
                d.hospital_end = d.hospital_end.saturating_add(days.days());
                d.municipal_start = d.municipal_start.saturating_add(days.days());
                d.municipal_end = d.municipal_end.saturating_add(days.days());
            } else if l.from <= d.municipal_end {
                d.municipal_end = d.municipal_end.saturating_add(days.days());
            }
        }
        d
    }

    /// Whether `day` falls in the course (hospital start to municipal end).
    pub fn contains(&self, day: Date) -> bool {
        self.hospital_start <= day && day <= self.municipal_end
    }
}

/// The course a rest-position hire gets (issue 11, item 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestCourse {
    /// The municipality, when fixed; `None`: drawn in the lottery of the site and cohort.
    pub municipality_id: Option<i64>,
    /// The planned dates; an empty hospital part (`hospital_end < hospital_start`) for a
    /// municipality's rest position.
    pub dates: CourseDates,
}

/// The course part a rest position covers: a municipality's gives the municipal part only,
/// there and never drawn, from `period_from` for six months (or to `period_to`, if sooner); a
/// hospital trust's gives both parts, with the municipality fixed to the source position's
/// (`source_municipality`) when it had one, else drawn. The trust's dates are those of the
/// source position's cohort (`source_start`, its round's start) when there is one, else they
/// start on `period_from`.
pub fn rest_course(
    employer_is_municipality: bool,
    employer_id: i64,
    source_municipality: Option<i64>,
    source_start: Option<Date>,
    period_from: Date,
    period_to: Date,
) -> RestCourse {
    if employer_is_municipality {
        let six = period_from
            .saturating_add(6.months())
            .saturating_sub(1.day());
        return RestCourse {
            municipality_id: Some(employer_id),
            dates: CourseDates {
                hospital_start: period_from,
                hospital_end: period_from.saturating_sub(1.day()),
                municipal_start: period_from,
                municipal_end: six.min(period_to.max(period_from)),
            },
        };
    }
    RestCourse {
        municipality_id: source_municipality,
        dates: CourseDates::from_hospital_start(source_start.unwrap_or(period_from)),
    }
}

/// Kinds of leave the HF registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveKind {
    /// *Svangerskapspermisjon*.
    Pregnancy,
    /// *Foreldrepermisjon*.
    Parental,
    /// *Sykmelding*.
    Sickness,
    /// Anything else (*annen permisjon*).
    Other,
}

impl LeaveKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [LeaveKind; 4] = [
        LeaveKind::Pregnancy,
        LeaveKind::Parental,
        LeaveKind::Sickness,
        LeaveKind::Other,
    ];

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            LeaveKind::Pregnancy => "pregnancy",
            LeaveKind::Parental => "parental",
            LeaveKind::Sickness => "sickness",
            LeaveKind::Other => "other",
        }
    }

    /// Parses the stored word.
    pub fn parse(s: &str) -> Option<LeaveKind> {
        LeaveKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// For people.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            LeaveKind::Pregnancy => lang.pick3(
                "Svangerskapspermisjon",
                "Svangerskapspermisjon",
                "Pregnancy leave",
            ),
            LeaveKind::Parental => {
                lang.pick3("Foreldrepermisjon", "Foreldrepermisjon", "Parental leave")
            }
            LeaveKind::Sickness => lang.pick3("Sykmelding", "Sjukmelding", "Sick leave"),
            LeaveKind::Other => lang.pick3("Annen permisjon", "Annan permisjon", "Other leave"),
        }
    }
}

/// One period of leave, both days included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Leave {
    /// The kind.
    pub kind: LeaveKind,
    /// First day away.
    pub from: Date,
    /// Last day away.
    pub to: Date,
}

impl Leave {
    /// The number of days, both ends included.
    pub fn days(&self) -> i64 {
        (self.from.until(self.to).map(|s| s.get_days()).unwrap_or(0) as i64) + 1
    }
}

/// The longest single leave the portal accepts in one registration (two years); longer leave is
/// registered in parts, so a typing error in the year cannot move a course by decades.
pub const MAX_LEAVE_DAYS: i64 = 731;

/// A leave or rotation plan that cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CourseError {
    /// The leave ends before it begins.
    #[error("permisjonen slutter før den begynner")]
    LeaveEndsBeforeStart,
    /// Longer than [`MAX_LEAVE_DAYS`].
    #[error("permisjonen er for lang")]
    LeaveTooLong {
        /// Its length.
        days: i64,
    },
    /// The leave begins outside the course (as moved by earlier leave).
    #[error("permisjonen begynner utenfor løpet")]
    LeaveOutsideCourse {
        /// The course's first day.
        start: Date,
        /// The course's last day.
        end: Date,
    },
    /// It overlaps a leave already registered.
    #[error("permisjonen overlapper en annen")]
    LeaveOverlaps {
        /// The other leave's first day.
        from: Date,
        /// The other leave's last day.
        to: Date,
    },
    /// A rotation plan needs two or three parts.
    #[error("rotasjonsplanen må ha to eller tre deler")]
    RotationPartCount {
        /// How many were given.
        parts: usize,
    },
    /// A part without a name.
    #[error("en del mangler avdeling")]
    RotationPartUnnamed {
        /// Which part (1-based).
        part: usize,
    },
    /// The parts do not follow each other from the hospital start to its end.
    #[error("delene dekker ikke sykehusdelen")]
    RotationNotContiguous {
        /// Which part (1-based) starts on the wrong day.
        part: usize,
        /// The day it should start.
        expected: Date,
    },
    /// The last part does not end on the hospital part's last day.
    #[error("siste del slutter feil dag")]
    RotationWrongEnd {
        /// The hospital part's last day.
        expected: Date,
    },
}

impl Localized for CourseError {
    fn code(&self) -> &'static str {
        match self {
            CourseError::LeaveEndsBeforeStart => "leave_ends_before_start",
            CourseError::LeaveTooLong { .. } => "leave_too_long",
            CourseError::LeaveOutsideCourse { .. } => "leave_outside_course",
            CourseError::LeaveOverlaps { .. } => "leave_overlaps",
            CourseError::RotationPartCount { .. } => "rotation_part_count",
            CourseError::RotationPartUnnamed { .. } => "rotation_part_unnamed",
            CourseError::RotationNotContiguous { .. } => "rotation_not_contiguous",
            CourseError::RotationWrongEnd { .. } => "rotation_wrong_end",
        }
    }

    fn message(&self, lang: Lang) -> String {
        let d = |x: &Date| crate::calendar::format_date(*x, lang);
        match (self, lang) {
            (CourseError::LeaveEndsBeforeStart, Lang::Nb) => {
                "Permisjonens siste dag er før den første. Sjekk datoene.".into()
            }
            (CourseError::LeaveEndsBeforeStart, Lang::Nn) => {
                "Den siste dagen i permisjonen er før den første. Sjekk datoane.".into()
            }
            (CourseError::LeaveEndsBeforeStart, Lang::En) => {
                "The leave's last day is before its first. Check the dates.".into()
            }
            (CourseError::LeaveTooLong { days }, Lang::Nb) => format!(
                "Permisjonen er {days} dager. Registrer høyst {MAX_LEAVE_DAYS} dager om gangen; lengre permisjon registreres i flere deler."
            ),
            (CourseError::LeaveTooLong { days }, Lang::Nn) => format!(
                "Permisjonen er {days} dagar. Registrer høgst {MAX_LEAVE_DAYS} dagar om gongen; lengre permisjon blir registrert i fleire delar."
            ),
            (CourseError::LeaveTooLong { days }, Lang::En) => format!(
                "The leave is {days} days. Register at most {MAX_LEAVE_DAYS} days at a time; longer leave is registered in parts."
            ),
            (CourseError::LeaveOutsideCourse { start, end }, Lang::Nb) => format!(
                "Permisjonen må begynne i LIS1-løpet, som varer fra {} til {}.",
                d(start),
                d(end)
            ),
            (CourseError::LeaveOutsideCourse { start, end }, Lang::Nn) => format!(
                "Permisjonen må byrje i LIS1-løpet, som varer frå {} til {}.",
                d(start),
                d(end)
            ),
            (CourseError::LeaveOutsideCourse { start, end }, Lang::En) => format!(
                "The leave must begin within the LIS1 course, which runs from {} to {}.",
                d(start),
                d(end)
            ),
            (CourseError::LeaveOverlaps { from, to }, Lang::Nb) => format!(
                "Permisjonen overlapper en registrert permisjon ({} – {}).",
                d(from),
                d(to)
            ),
            (CourseError::LeaveOverlaps { from, to }, Lang::Nn) => format!(
                "Permisjonen overlappar ein registrert permisjon ({} – {}).",
                d(from),
                d(to)
            ),
            (CourseError::LeaveOverlaps { from, to }, Lang::En) => format!(
                "The leave overlaps a registered leave ({} – {}).",
                d(from),
                d(to)
            ),
            (CourseError::RotationPartCount { parts }, Lang::Nb) => format!(
                "Rotasjonsplanen må ha to eller tre deler (todelt eller tredelt); den har {parts}."
            ),
            (CourseError::RotationPartCount { parts }, Lang::Nn) => format!(
                "Rotasjonsplanen må ha to eller tre delar (todelt eller tredelt); planen har {parts}."
            ),
            (CourseError::RotationPartCount { parts }, Lang::En) => {
                format!("The rotation plan must have two or three parts; it has {parts}.")
            }
            (CourseError::RotationPartUnnamed { part }, Lang::Nb) => {
                format!("Del {part} av rotasjonsplanen mangler avdeling.")
            }
            (CourseError::RotationPartUnnamed { part }, Lang::Nn) => {
                format!("Del {part} av rotasjonsplanen manglar avdeling.")
            }
            (CourseError::RotationPartUnnamed { part }, Lang::En) => {
                format!("Part {part} of the rotation plan has no department.")
            }
            (CourseError::RotationNotContiguous { part, expected }, Lang::Nb) => {
                format!(
                    "Del {part} må begynne {}, så delene følger hverandre uten opphold.",
                    d(expected)
                )
            }
            (CourseError::RotationNotContiguous { part, expected }, Lang::Nn) => {
                format!(
                    "Del {part} må byrje {}, så delane følgjer kvarandre utan opphald.",
                    d(expected)
                )
            }
            (CourseError::RotationNotContiguous { part, expected }, Lang::En) => format!(
                "Part {part} must begin on {}, so the parts follow each other without a gap.",
                d(expected)
            ),
            (CourseError::RotationWrongEnd { expected }, Lang::Nb) => format!(
                "Siste del må slutte {}, sykehusdelens siste dag.",
                d(expected)
            ),
            (CourseError::RotationWrongEnd { expected }, Lang::Nn) => format!(
                "Siste del må slutte {}, den siste dagen i sjukehusdelen.",
                d(expected)
            ),
            (CourseError::RotationWrongEnd { expected }, Lang::En) => format!(
                "The last part must end on {}, the hospital part's last day.",
                d(expected)
            ),
        }
    }
}

/// Checks a new leave against the course's planned dates and the leaves already registered.
pub fn check_leave(
    planned: CourseDates,
    existing: &[Leave],
    new: &Leave,
) -> Result<(), CourseError> {
    if new.to < new.from {
        return Err(CourseError::LeaveEndsBeforeStart);
    }
    if new.days() > MAX_LEAVE_DAYS {
        return Err(CourseError::LeaveTooLong { days: new.days() });
    }
    if let Some(o) = existing
        .iter()
        .find(|o| o.from <= new.to && new.from <= o.to)
    {
        return Err(CourseError::LeaveOverlaps {
            from: o.from,
            to: o.to,
        });
    }
    let now = planned.after_leave(existing);
    if !now.contains(new.from) {
        return Err(CourseError::LeaveOutsideCourse {
            start: now.hospital_start,
            end: now.municipal_end,
        });
    }
    Ok(())
}

/// One part of the hospital's rotation plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RotationPart {
    /// The department, e.g. "Indremedisin".
    pub department: String,
    /// First day.
    pub from: Date,
    /// Last day.
    pub to: Date,
}

/// Checks a rotation plan: two or three named parts, back to back, from the hospital start to
/// the hospital part's last day (`dates` as moved by leave).
pub fn check_rotation(dates: CourseDates, parts: &[RotationPart]) -> Result<(), CourseError> {
    if !(2..=3).contains(&parts.len()) {
        return Err(CourseError::RotationPartCount { parts: parts.len() });
    }
    let mut expected = dates.hospital_start;
    for (i, p) in parts.iter().enumerate() {
        if p.department.trim().is_empty() {
            return Err(CourseError::RotationPartUnnamed { part: i + 1 });
        }
        if p.from != expected || p.to < p.from {
            return Err(CourseError::RotationNotContiguous {
                part: i + 1,
                expected,
            });
        }
        expected = p.to.saturating_add(1.day());
    }
    if expected.saturating_sub(1.day()) != dates.hospital_end {
        return Err(CourseError::RotationWrongEnd {
            expected: dates.hospital_end,
        });
    }
    Ok(())
}

/// The plan after a leave beginning on `leave_from` moved the hospital part's end by `days`
/// (what [`CourseDates::after_leave`] gives, before and after the leave is added): the part in
/// which the leave begins — the last part if it begins after the plan — grows by `days`, and
/// the parts after it move. The plan therefore always ends on the new hospital end, however the
/// leaves interleave (a leave that began in the municipal part counts as hospital leave once an
/// earlier leave has moved the hospital end past it).
pub fn rotation_after_leave(
    parts: &[RotationPart],
    leave_from: Date,
    days: i64,
) -> Vec<RotationPart> {
    if days <= 0 || parts.is_empty() {
        return parts.to_vec();
    }
    let grows = parts
        .iter()
        .position(|p| p.from <= leave_from && leave_from <= p.to)
        .unwrap_or(if leave_from < parts[0].from {
            0
        } else {
            parts.len() - 1
        });
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut p = p.clone();
            if i > grows {
                p.from = p.from.saturating_add(days.days());
            }
            if i >= grows {
                p.to = p.to.saturating_add(days.days());
            }
            p
        })
        .collect()
}

/// A suggested plan in `n` (2 or 3) parts of whole months (6 + 6, or 4 + 4 + 4), for the form.
pub fn suggested_rotation(dates: CourseDates, n: usize) -> Vec<(Date, Date)> {
    let n = n.clamp(2, 3);
    let months = 12 / n as i64;
    let mut out = Vec::with_capacity(n);
    let mut from = dates.hospital_start;
    for i in 0..n {
        let to = if i + 1 == n {
            dates.hospital_end
        } else {
            from.saturating_add(months.months()).saturating_sub(1.day())
        };
        out.push((from, to));
        from = to.saturating_add(1.day());
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn a_rest_position_gives_the_part_it_covers() {
        // A municipality's: the municipal part only, there, six months or to the period's end.
        let m = rest_course(true, 7, None, None, date(2027, 3, 1), date(2028, 8, 31));
        assert_eq!(m.municipality_id, Some(7));
        assert!(m.dates.hospital_end < m.dates.hospital_start);
        assert_eq!(
            (m.dates.municipal_start, m.dates.municipal_end),
            (date(2027, 3, 1), date(2027, 8, 31))
        );
        let short = rest_course(true, 7, None, None, date(2027, 3, 1), date(2027, 5, 31));
        assert_eq!(short.dates.municipal_end, date(2027, 5, 31));
        // A trust's: both parts; the source position's municipality and cohort when it had them.
        let fixed = rest_course(
            false,
            3,
            Some(9),
            Some(date(2026, 9, 1)),
            date(2027, 1, 4),
            date(2028, 2, 29),
        );
        assert_eq!(fixed.municipality_id, Some(9));
        assert_eq!(
            fixed.dates,
            CourseDates::from_hospital_start(date(2026, 9, 1))
        );
        let drawn = rest_course(false, 3, None, None, date(2027, 3, 1), date(2028, 8, 31));
        assert_eq!(drawn.municipality_id, None);
        assert_eq!(
            drawn.dates,
            CourseDates::from_hospital_start(date(2027, 3, 1))
        );
    }

    fn sep26() -> CourseDates {
        CourseDates::from_hospital_start(date(2026, 9, 1))
    }

    fn leave(from: Date, to: Date) -> Leave {
        Leave {
            kind: LeaveKind::Parental,
            from,
            to,
        }
    }

    #[test]
    fn planned_dates_are_twelve_then_six_months() {
        let d = sep26();
        assert_eq!(d.hospital_end, date(2027, 8, 31));
        assert_eq!(d.municipal_start, date(2027, 9, 1));
        assert_eq!(d.municipal_end, date(2028, 2, 29)); // leap year
    }

    #[test]
    fn leave_in_the_hospital_part_moves_the_municipal_start() {
        // 10 weeks of parental leave from 1 Feb 2027: 70 days.
        let l = leave(date(2027, 2, 1), date(2027, 4, 11));
        assert_eq!(l.days(), 70);
        let d = sep26().after_leave(&[l]);
        assert_eq!(d.hospital_start, date(2026, 9, 1));
        assert_eq!(d.hospital_end, date(2027, 11, 9));
        assert_eq!(d.municipal_start, date(2027, 11, 10));
        assert_eq!(d.municipal_end, date(2028, 5, 9));
    }

    #[test]
    fn leave_in_the_municipal_part_moves_only_its_end() {
        let l = leave(date(2027, 10, 1), date(2027, 10, 10));
        let d = sep26().after_leave(&[l]);
        assert_eq!(d.municipal_start, date(2027, 9, 1));
        assert_eq!(d.municipal_end, date(2028, 3, 10));
    }

    #[test]
    fn leaves_apply_in_date_order_whatever_order_they_come_in() {
        let a = leave(date(2027, 8, 1), date(2027, 8, 31)); // moves the municipal start to 2 Oct
        let b = leave(date(2027, 9, 15), date(2027, 9, 20)); // now still in the hospital part
        let one = sep26().after_leave(&[a, b]);
        let two = sep26().after_leave(&[b, a]);
        assert_eq!(one, two);
        assert_eq!(one.municipal_start, date(2027, 10, 8)); // 1 Sep + 31 + 6 days
    }

    #[test]
    fn bad_leave_is_refused_with_the_reason() {
        let d = sep26();
        let e = check_leave(d, &[], &leave(date(2027, 2, 2), date(2027, 2, 1))).unwrap_err();
        assert_eq!(e.code(), "leave_ends_before_start");
        let e = check_leave(d, &[], &leave(date(2026, 8, 1), date(2026, 9, 10))).unwrap_err();
        assert_eq!(e.code(), "leave_outside_course");
        assert!(
            e.message(Lang::Nb).contains("01.09.2026"),
            "{}",
            e.message(Lang::Nb)
        );
        let e = check_leave(d, &[], &leave(date(2027, 1, 1), date(2030, 1, 1))).unwrap_err();
        assert_eq!(e.code(), "leave_too_long");
        let first = leave(date(2027, 1, 1), date(2027, 1, 31));
        let e = check_leave(d, &[first], &leave(date(2027, 1, 31), date(2027, 2, 5))).unwrap_err();
        assert_eq!(e.code(), "leave_overlaps");
        // After a long leave the course ends later, so a leave then is inside it.
        let long = leave(date(2027, 1, 1), date(2027, 6, 30));
        assert!(check_leave(d, &[], &leave(date(2028, 4, 1), date(2028, 4, 2))).is_err());
        assert!(check_leave(d, &[long], &leave(date(2028, 4, 1), date(2028, 4, 2))).is_ok());
    }

    #[test]
    fn rotation_plans_cover_the_hospital_part_in_two_or_three_parts() {
        let d = sep26();
        let parts = |n| {
            suggested_rotation(d, n)
                .into_iter()
                .enumerate()
                .map(|(i, (from, to))| RotationPart {
                    department: format!("Avdeling {i}"),
                    from,
                    to,
                })
                .collect::<Vec<_>>()
        };
        assert!(check_rotation(d, &parts(2)).is_ok());
        assert!(check_rotation(d, &parts(3)).is_ok());
        assert_eq!(parts(3)[1].from, date(2027, 1, 1));
        assert_eq!(
            check_rotation(d, &parts(2)[..1]).unwrap_err().code(),
            "rotation_part_count"
        );
        let mut gap = parts(2);
        gap[1].from = gap[1].from.saturating_add(1.day());
        assert_eq!(
            check_rotation(d, &gap).unwrap_err().code(),
            "rotation_not_contiguous"
        );
        let mut short = parts(2);
        short[1].to = date(2027, 7, 31);
        assert_eq!(
            check_rotation(d, &short).unwrap_err().code(),
            "rotation_wrong_end"
        );
        let mut unnamed = parts(3);
        unnamed[2].department = "  ".into();
        assert_eq!(
            check_rotation(d, &unnamed).unwrap_err().code(),
            "rotation_part_unnamed"
        );
        // After leave the plan must cover the moved hospital part.
        let moved = d.after_leave(&[leave(date(2027, 2, 1), date(2027, 2, 28))]);
        assert!(check_rotation(moved, &parts(2)).is_err());
        assert!(
            check_rotation(moved, &{
                let mut p = parts(2);
                p[1].to = moved.hospital_end;
                p
            })
            .is_ok()
        );
    }

    #[test]
    fn a_plan_moves_with_the_leave_and_still_covers_the_hospital_part() {
        let d = sep26();
        let plan: Vec<RotationPart> = suggested_rotation(d, 3)
            .into_iter()
            .map(|(from, to)| RotationPart {
                department: "X".into(),
                from,
                to,
            })
            .collect();
        let grow = |plan: &[RotationPart], before: &[Leave], l: Leave| {
            let old_end = d.after_leave(before).hospital_end;
            let mut all = before.to_vec();
            all.push(l);
            let days = old_end
                .until(d.after_leave(&all).hospital_end)
                .unwrap()
                .get_days() as i64;
            rotation_after_leave(plan, l.from, days)
        };
        for l in [
            leave(date(2026, 9, 1), date(2026, 9, 30)),
            leave(date(2027, 2, 10), date(2027, 5, 1)),
            leave(date(2027, 8, 31), date(2027, 9, 1)),
        ] {
            let moved = d.after_leave(&[l]);
            assert!(check_rotation(moved, &grow(&plan, &[], l)).is_ok(), "{l:?}");
        }
        // Leave in the municipal part leaves the plan alone.
        let l = leave(date(2027, 10, 1), date(2027, 10, 5));
        assert_eq!(grow(&plan, &[], l), plan);
        // A municipal-part leave first, then an earlier one that pulls it into the hospital part
        // (the review's case): the plan still ends on the hospital part's new last day.
        let late = leave(date(2027, 9, 10), date(2027, 9, 30));
        let early = leave(date(2027, 3, 1), date(2027, 4, 29));
        let after_late = grow(&plan, &[], late);
        let after_both = grow(&after_late, &[late], early);
        let moved = d.after_leave(&[late, early]);
        assert_eq!(moved.hospital_end, date(2027, 11, 20));
        assert!(check_rotation(moved, &after_both).is_ok(), "{after_both:?}");
    }

    proptest! {
        /// Leave never shortens anything, always keeps 12 + 6 months plus the leave, and the
        /// municipal part still follows the hospital part directly.
        #[test]
        fn leave_only_moves_dates_later(
            start_year in 2020i16..2040,
            autumn in any::<bool>(),
            raw in proptest::collection::vec((0i64..560, 0i64..200), 0..4),
        ) {
            let planned = CourseDates::from_hospital_start(date(start_year, if autumn { 9 } else { 3 }, 1));
            let mut leaves: Vec<Leave> = Vec::new();
            for (offset, len) in raw {
                let from = planned.hospital_start.saturating_add(offset.days());
                let l = leave(from, from.saturating_add(len.days()));
                if check_leave(planned, &leaves, &l).is_ok() {
                    leaves.push(l);
                }
            }
            let d = planned.after_leave(&leaves);
            let total: i64 = leaves.iter().map(Leave::days).sum();
            prop_assert_eq!(d.hospital_start, planned.hospital_start);
            prop_assert!(d.municipal_start >= planned.municipal_start);
            prop_assert_eq!(d.municipal_start, d.hospital_end.saturating_add(1.day()));
            let planned_len = planned.hospital_start.until(planned.municipal_end).unwrap().get_days() as i64;
            let len = d.hospital_start.until(d.municipal_end).unwrap().get_days() as i64;
            prop_assert_eq!(len, planned_len + total);
        }
    }
}
