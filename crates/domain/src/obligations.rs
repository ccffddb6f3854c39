//! Obligations and deadlines (*frister og plikter*) that follow from a doctor's course.
//!
//! Three deadlines hang on a course's dates:
//! - the municipality signs the **contract** with the doctor at least three months before the
//!   municipal start (002 §2.1);
//! - the municipality sends the **employment letter** no later than eight months after the
//!   doctor started in the hospital (000 §6.2.4);
//! - the HF holds the **lottery** for the site's cohort at least four months before the
//!   municipal start (002 §2.1; [`crate::lottery::latest_draw_date`]).
//!
//! Months are calendar months, as everywhere else in the scheme (1 September − 3 months =
//! 1 June). A deadline is the last day the obligation may be fulfilled on; the day after, it is
//! overdue. The dates come in as [`CourseStarts`], so a course whose municipal start has moved
//! (leave, 002 §2.2) gets its deadlines moved with it.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::{Lang, Localized};

/// How many days before a deadline an obligation counts as due soon, and its reminder is sent.
pub const DUE_SOON_DAYS: i32 = 30;

/// The longest note a fulfilment may carry, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// What must be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObligationKind {
    /// The municipality's contract with the doctor (002 §2.1).
    Contract,
    /// The municipality's employment letter (000 §6.2.4).
    EmploymentLetter,
    /// The HF's lottery for the site's cohort (002 §2.1).
    Lottery,
}

impl ObligationKind {
    /// All kinds, in the order of their deadlines for a course starting 1 March or 1 September.
    pub const ALL: [ObligationKind; 3] = [
        ObligationKind::Lottery,
        ObligationKind::EmploymentLetter,
        ObligationKind::Contract,
    ];

    /// The kinds a municipality registers as fulfilled; the lottery is fulfilled by the draw.
    pub const REGISTERED: [ObligationKind; 2] =
        [ObligationKind::Contract, ObligationKind::EmploymentLetter];

    /// The stable string stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ObligationKind::Contract => "contract",
            ObligationKind::EmploymentLetter => "employment_letter",
            ObligationKind::Lottery => "lottery",
        }
    }

    /// Parses the stable string; `None` for anything unknown.
    pub fn parse(s: &str) -> Option<ObligationKind> {
        ObligationKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the municipality registers it (rather than the system seeing it done).
    pub fn is_registered(self) -> bool {
        ObligationKind::REGISTERED.contains(&self)
    }

    /// The obligation's name for people.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ObligationKind::Contract => lang.pick3(
                "Kontrakt med legen (kommunen)",
                "Kontrakt med legen (kommunen)",
                "Contract with the doctor (municipality)",
            ),
            ObligationKind::EmploymentLetter => lang.pick3(
                "Tilsettingsbrev fra kommunen",
                "Tilsetjingsbrev frå kommunen",
                "Employment letter from the municipality",
            ),
            ObligationKind::Lottery => lang.pick3(
                "Trekning av kommuneplass (helseforetaket)",
                "Trekking av kommuneplass (helseføretaket)",
                "Municipality place lottery (hospital trust)",
            ),
        }
    }

    /// The rule, for people: what must be done by when, and where it is written.
    pub fn rule(self, lang: Lang) -> &'static str {
        match self {
            ObligationKind::Contract => lang.pick3(
                "Senest 3 måneder før kommunestart (002 §2.1).",
                "Seinast 3 månader før kommunestart (002 §2.1).",
                "No later than 3 months before the municipal start (002 §2.1).",
            ),
            ObligationKind::EmploymentLetter => lang.pick3(
                "Senest 8 måneder etter start i sykehus (000 §6.2.4).",
                "Seinast 8 månader etter start i sjukehus (000 §6.2.4).",
                "No later than 8 months after the hospital start (000 §6.2.4).",
            ),
            ObligationKind::Lottery => lang.pick3(
                "Senest 4 måneder før kommunestart (002 §2.1).",
                "Seinast 4 månader før kommunestart (002 §2.1).",
                "No later than 4 months before the municipal start (002 §2.1).",
            ),
        }
    }
}

/// The two start dates of a course that deadlines count from: as planned, or as moved by leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseStarts {
    /// First day in the hospital.
    pub hospital_start: Date,
    /// First day in the municipality.
    pub municipal_start: Date,
}

/// The last day `kind` may be fulfilled on for a course starting at `starts`.
pub fn due_date(kind: ObligationKind, starts: CourseStarts) -> Date {
    match kind {
        // 002 §2.1: the contract is in place at least three months before the start.
        ObligationKind::Contract => starts.municipal_start.saturating_sub(3.months()),
        // 000 §6.2.4: the letter no later than eight months after the hospital start.
        ObligationKind::EmploymentLetter => starts.hospital_start.saturating_add(8.months()),
        ObligationKind::Lottery => crate::lottery::latest_draw_date(starts.municipal_start),
    }
}

/// The registered obligations of a course: the contract always; the employment letter only for
/// a course with a hospital part, as its deadline counts from the hospital start (000 §6.2.4).
/// A municipality's rest-position hire (`has_hospital_part` false) has the contract alone.
pub fn course_obligations(has_hospital_part: bool) -> &'static [ObligationKind] {
    if has_hospital_part {
        &ObligationKind::REGISTERED
    } else {
        &[ObligationKind::Contract]
    }
}

/// Where an obligation stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Status {
    /// Done (on or before the deadline, or `late`).
    Fulfilled {
        /// Done after the deadline.
        late: bool,
    },
    /// Not done; the deadline is more than [`DUE_SOON_DAYS`] days away.
    Upcoming,
    /// Not done; the deadline is at most [`DUE_SOON_DAYS`] days away (or today).
    DueSoon,
    /// Not done, and the deadline has passed.
    Overdue,
}

impl Status {
    /// A stable string for templates and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fulfilled { late: false } => "fulfilled",
            Status::Fulfilled { late: true } => "fulfilled_late",
            Status::Upcoming => "upcoming",
            Status::DueSoon => "due_soon",
            Status::Overdue => "overdue",
        }
    }

    /// The status for people.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Status::Fulfilled { late: false } => lang.pick3("Oppfylt", "Oppfylt", "Fulfilled"),
            Status::Fulfilled { late: true } => lang.pick3(
                "Oppfylt etter fristen",
                "Oppfylt etter fristen",
                "Fulfilled after the deadline",
            ),
            Status::Upcoming => lang.pick3("Kommende", "Kommande", "Upcoming"),
            Status::DueSoon => lang.pick3("Frist snart", "Frist snart", "Due soon"),
            Status::Overdue => lang.pick3("Frist passert", "Frist passert", "Overdue"),
        }
    }

    /// Whether something remains to be done.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Fulfilled { .. })
    }

    /// The reminder this status calls for, if any: one when the obligation becomes due soon and
    /// one when it becomes overdue.
    pub fn reminder(self) -> Option<Reminder> {
        match self {
            Status::DueSoon => Some(Reminder::DueSoon),
            Status::Overdue => Some(Reminder::Overdue),
            Status::Fulfilled { .. } | Status::Upcoming => None,
        }
    }
}

/// The status on `today` of an obligation with deadline `due`, fulfilled on `fulfilled` if at all.
pub fn status(due: Date, today: Date, fulfilled: Option<Date>) -> Status {
    if let Some(on) = fulfilled {
        return Status::Fulfilled { late: on > due };
    }
    if today > due {
        Status::Overdue
    } else if today >= due.saturating_sub(DUE_SOON_DAYS.days()) {
        Status::DueSoon
    } else {
        Status::Upcoming
    }
}

/// A reminder e-mail, sent once per obligation, deadline and stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reminder {
    /// The deadline is near.
    DueSoon,
    /// The deadline has passed.
    Overdue,
}

impl Reminder {
    /// The stable string stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Reminder::DueSoon => "due_soon",
            Reminder::Overdue => "overdue",
        }
    }
}

/// Why a registered fulfilment was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FulfilmentError {
    /// The lottery is fulfilled by the draw, not by a registration.
    #[error("Trekningen registreres ikke her; den er oppfylt når trekningen er gjort.")]
    NotRegistered,
    /// The date lies after today.
    #[error("Datoen kan ikke være etter i dag ({today}).")]
    InFuture {
        /// Today, ISO 8601.
        today: String,
    },
    /// The date lies before the course's hospital start minus a year: surely a typing error.
    #[error("Datoen er urimelig tidlig; den må være etter {earliest}.")]
    TooEarly {
        /// The earliest accepted date, ISO 8601.
        earliest: String,
    },
    /// The note is too long.
    #[error("Merknaden kan ha høyst {MAX_NOTE_CHARS} tegn.")]
    NoteTooLong,
}

impl Localized for FulfilmentError {
    fn code(&self) -> &'static str {
        match self {
            FulfilmentError::NotRegistered => "obligation_not_registered",
            FulfilmentError::InFuture { .. } => "obligation_date_in_future",
            FulfilmentError::TooEarly { .. } => "obligation_date_too_early",
            FulfilmentError::NoteTooLong => "obligation_note_too_long",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::Nb) => self.to_string(),
            (FulfilmentError::NotRegistered, Lang::Nn) => {
                "Trekkinga blir ikkje registrert her; ho er oppfylt når trekkinga er gjord.".into()
            }
            (FulfilmentError::InFuture { today }, Lang::Nn) => {
                format!("Datoen kan ikkje vere etter i dag ({today}).")
            }
            (FulfilmentError::TooEarly { earliest }, Lang::Nn) => {
                format!("Datoen er urimeleg tidleg; han må vere etter {earliest}.")
            }
            (FulfilmentError::NoteTooLong, Lang::Nn) => {
                format!("Merknaden kan ha høgst {MAX_NOTE_CHARS} teikn.")
            }
            (FulfilmentError::NotRegistered, Lang::En) => {
                "The lottery is not registered here; it is fulfilled when the draw has been made."
                    .into()
            }
            (FulfilmentError::InFuture { today }, Lang::En) => {
                format!("The date cannot be after today ({today}).")
            }
            (FulfilmentError::TooEarly { earliest }, Lang::En) => {
                format!("The date is implausibly early; it must be after {earliest}.")
            }
            (FulfilmentError::NoteTooLong, Lang::En) => {
                format!("The note can have at most {MAX_NOTE_CHARS} characters.")
            }
        }
    }
}

/// Checks a fulfilment a municipality registers: a kind it registers, a date not after `today`
/// and not more than a year before the hospital start, and a short note.
pub fn check_fulfilment(
    kind: ObligationKind,
    on: Date,
    today: Date,
    starts: CourseStarts,
    note: &str,
) -> Result<(), FulfilmentError> {
    if !kind.is_registered() {
        return Err(FulfilmentError::NotRegistered);
    }
    if on > today {
        return Err(FulfilmentError::InFuture {
            today: today.to_string(),
        });
    }
    let earliest = starts.hospital_start.saturating_sub(1.year());
    if on < earliest {
        return Err(FulfilmentError::TooEarly {
            earliest: earliest.to_string(),
        });
    }
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(FulfilmentError::NoteTooLong);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_course_without_a_hospital_part_has_no_employment_letter() {
        assert_eq!(course_obligations(true), &ObligationKind::REGISTERED);
        assert_eq!(course_obligations(false), &[ObligationKind::Contract]);
    }
    use jiff::civil::date;
    use proptest::prelude::*;

    fn sep_2027() -> CourseStarts {
        CourseStarts {
            hospital_start: date(2027, 9, 1),
            municipal_start: date(2028, 9, 1),
        }
    }

    #[test]
    fn the_three_deadlines_of_a_september_course() {
        let s = sep_2027();
        assert_eq!(due_date(ObligationKind::Contract, s), date(2028, 6, 1));
        assert_eq!(
            due_date(ObligationKind::EmploymentLetter, s),
            date(2028, 5, 1)
        );
        assert_eq!(due_date(ObligationKind::Lottery, s), date(2028, 5, 1));
    }

    #[test]
    fn calendar_months_clamp_at_the_end_of_a_month() {
        // A municipal start moved by leave to 31 May: three months earlier is the last day of
        // February (a leap year here).
        let s = CourseStarts {
            hospital_start: date(2027, 6, 30),
            municipal_start: date(2028, 5, 31),
        };
        assert_eq!(due_date(ObligationKind::Contract, s), date(2028, 2, 29));
        assert_eq!(
            due_date(ObligationKind::EmploymentLetter, s),
            date(2028, 2, 29)
        );
    }

    #[test]
    fn a_moved_municipal_start_moves_the_contract_deadline() {
        let planned = sep_2027();
        let moved = CourseStarts {
            municipal_start: date(2029, 3, 1),
            ..planned
        };
        assert_eq!(due_date(ObligationKind::Contract, moved), date(2028, 12, 1));
        assert_eq!(
            due_date(ObligationKind::EmploymentLetter, moved),
            due_date(ObligationKind::EmploymentLetter, planned),
            "the letter counts from the hospital start"
        );
    }

    #[test]
    fn status_around_the_deadline() {
        let due = date(2028, 6, 1);
        assert_eq!(status(due, date(2028, 4, 1), None), Status::Upcoming);
        assert_eq!(status(due, date(2028, 5, 1), None), Status::Upcoming);
        assert_eq!(status(due, date(2028, 5, 2), None), Status::DueSoon);
        assert_eq!(status(due, due, None), Status::DueSoon);
        assert_eq!(status(due, date(2028, 6, 2), None), Status::Overdue);
        assert_eq!(
            status(due, date(2028, 7, 1), Some(due)),
            Status::Fulfilled { late: false }
        );
        assert_eq!(
            status(due, date(2028, 7, 1), Some(date(2028, 6, 2))),
            Status::Fulfilled { late: true }
        );
        assert_eq!(Status::DueSoon.reminder(), Some(Reminder::DueSoon));
        assert_eq!(Status::Overdue.reminder(), Some(Reminder::Overdue));
        assert_eq!(Status::Upcoming.reminder(), None);
        assert_eq!(Status::Fulfilled { late: true }.reminder(), None);
    }

    #[test]
    fn registered_fulfilments_are_checked() {
        let s = sep_2027();
        let today = date(2028, 3, 1);
        assert!(check_fulfilment(ObligationKind::Contract, today, today, s, "").is_ok());
        let e =
            check_fulfilment(ObligationKind::Contract, date(2028, 3, 2), today, s, "").unwrap_err();
        assert_eq!(e.code(), "obligation_date_in_future");
        assert!(e.to_string().contains("2028-03-01"));
        let e = check_fulfilment(ObligationKind::Lottery, today, today, s, "").unwrap_err();
        assert_eq!(e.code(), "obligation_not_registered");
        let e = check_fulfilment(
            ObligationKind::EmploymentLetter,
            date(2020, 1, 1),
            today,
            s,
            "",
        )
        .unwrap_err();
        assert_eq!(e.code(), "obligation_date_too_early");
        let long = "x".repeat(MAX_NOTE_CHARS + 1);
        let e = check_fulfilment(ObligationKind::Contract, today, today, s, &long).unwrap_err();
        assert_eq!(e.code(), "obligation_note_too_long");
        assert!(e.message(Lang::En).contains("500"));
    }

    #[test]
    fn kind_strings_round_trip() {
        for k in ObligationKind::ALL {
            assert_eq!(ObligationKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(ObligationKind::parse("permisjon"), None);
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (2000i16..2100, 1i8..=12, 1i8..=31).prop_map(|(y, m, d)| {
            let last = date(y, m, 1).days_in_month();
            date(y, m, d.min(last))
        })
    }

    fn any_starts() -> impl Strategy<Value = CourseStarts> {
        (any_date(), 0i32..900).prop_map(|(h, gap)| CourseStarts {
            hospital_start: h,
            municipal_start: h.saturating_add(gap.days()),
        })
    }

    proptest! {
        #[test]
        fn deadlines_keep_their_distance_from_the_starts(s in any_starts()) {
            let contract = due_date(ObligationKind::Contract, s);
            let lottery = due_date(ObligationKind::Lottery, s);
            let letter = due_date(ObligationKind::EmploymentLetter, s);
            // Three calendar months are 89 to 92 days; four 120 to 123; eight 242 to 245.
            let before = |d: Date| (s.municipal_start - d).get_days();
            prop_assert!((89..=92).contains(&before(contract)), "{contract}");
            prop_assert!((120..=123).contains(&before(lottery)), "{lottery}");
            let after = (letter - s.hospital_start).get_days();
            prop_assert!((242..=245).contains(&after), "{letter}");
            prop_assert!(lottery < contract, "the draw comes before the contract");
        }

        #[test]
        fn status_only_moves_forward_in_time(
            due in any_date(), today in any_date(), step in 0i32..400,
        ) {
            let rank = |s: Status| match s {
                Status::Upcoming => 0,
                Status::DueSoon => 1,
                Status::Overdue => 2,
                Status::Fulfilled { .. } => 3,
            };
            let later = today.saturating_add(step.days());
            prop_assert!(rank(status(due, today, None)) <= rank(status(due, later, None)));
        }

        #[test]
        fn due_soon_is_exactly_the_last_thirty_days(due in any_date(), offset in -100i32..100) {
            let today = due.saturating_sub(offset.days());
            let expected = if offset < 0 {
                Status::Overdue
            } else if offset <= DUE_SOON_DAYS {
                Status::DueSoon
            } else {
                Status::Upcoming
            };
            prop_assert_eq!(status(due, today, None), expected);
        }

        #[test]
        fn a_fulfilled_obligation_stays_fulfilled(
            due in any_date(), today in any_date(), on in any_date(),
        ) {
            let s = status(due, today, Some(on));
            prop_assert_eq!(s, Status::Fulfilled { late: on > due });
            prop_assert!(!s.is_open());
            prop_assert_eq!(s.reminder(), None);
        }
    }
}
