//! Bound positions (*bundne / kombinerte stillinger*, 004): one hiring for a 6.5-year education
//! plan — LIS1 in the hospital (12 months), LIS1 in the municipality (6 months), then LIS3 in
//! psychiatry or child and adolescent psychiatry (BUP) at the hospital trust that decided, or
//! ALIS (general practice) in the municipality that decided, salaried or as list holder.
//!
//! **Dates.** The plan runs from the hospital start to a planned end 6.5 years later
//! ([`PLAN_MONTHS`]). The later part starts the day after the LIS1 course ends unless the later
//! employer sets another day. **Leave moves the plan as it moves the course**
//! ([`crate::course`]): the part in which a leave begins grows by its length and everything after
//! it moves; leave in the later part moves only the planned end.
//!
//! **Deadlines** (004 §3): the LIS3/ALIS contract is signed 1.5–2 years before the later part
//! starts — the portal warns from two years before ([`contract_status`]: due soon) and calls it
//! overdue after 1.5 years before. The later part may start only when LIS1 is completed: all
//! learning objectives approved, registered by the HF for the hospital part and by the
//! municipality for the municipal part, and 18 months served (the course's end, as moved by
//! leave). Until then the start moves ([`later_start_status`]), and the later employer is told.
//!
//! **Forward capacity** ([`capacity`]): per year, how many plans have any day in LIS1, LIS3 or
//! ALIS in that year. A doctor who changes stage in a year counts in both stages that year.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

use crate::advertisements::PositionKind;
use crate::calendar::format_date;
use crate::course::{CourseDates, Leave};
use crate::obligations::Status;
use crate::profiles::labelled_enum;
use crate::{Lang, Localized};

/// The whole plan's length in months: 6.5 years (004).
pub const PLAN_MONTHS: i64 = 78;
/// The contract for the later part is signed no earlier than this many months before its start.
pub const CONTRACT_OPENS_MONTHS: i64 = 24;
/// … and no later than this many months before it (004: "1,5–2 år før").
pub const CONTRACT_DUE_MONTHS: i64 = 18;
/// The longest note on a change, in characters.
pub const MAX_NOTE_CHARS: usize = 500;
/// How many years the forward capacity shows.
pub const CAPACITY_YEARS: usize = 7;

labelled_enum! {
    /// The later specialist position a bound LIS1 leads to.
    pub enum Track {
        /// LIS3 in psychiatry at the hospital trust that decided.
        Lis3Psychiatry = "lis3_psychiatry", "LIS3 psykiatri", "LIS3 psykiatri", "LIS3 psychiatry";
        /// LIS3 in child and adolescent psychiatry (BUP) at the hospital trust that decided.
        Lis3Bup = "lis3_bup", "LIS3 barne- og ungdomspsykiatri", "LIS3 barne- og ungdomspsykiatri", "LIS3 child and adolescent psychiatry";
        /// ALIS (general practice) in the municipality that decided.
        Alis = "alis", "ALIS allmennmedisin", "ALIS allmennmedisin", "ALIS general practice";
    }
}

labelled_enum! {
    /// How an ALIS doctor works in the municipality (004: salaried preferred).
    pub enum AlisForm {
        /// *Fastlønn*: employed by the municipality.
        Salaried = "salaried", "Fastlønnet", "Fastløna", "Salaried";
        /// *Fastlegehjemmel i næringsdrift*: self-employed list holder.
        ListHolder = "list_holder", "Fastlegehjemmel (næringsdrift)", "Fastlegeheimel (næringsdrift)", "List holder (self-employed)";
    }
}

labelled_enum! {
    /// Where a bound plan stands.
    pub enum PlanState {
        /// Running.
        Active = "active", "Aktiv", "Aktiv", "Active";
        /// The doctor resigned the LIS1 part (ordinary rules; the bound position is freed).
        ResignedLis1 = "resigned_lis1", "Sagt opp LIS1", "Sagt opp LIS1", "Resigned LIS1";
        /// The doctor resigned the later (LIS3/ALIS) part.
        ResignedLater = "resigned_later", "Sagt opp LIS3/ALIS", "Sagt opp LIS3/ALIS", "Resigned LIS3/ALIS";
        /// The doctor switched specialty (recorded for the follow-up evaluation).
        SwitchedSpecialty = "switched_specialty", "Byttet spesialitet", "Bytt spesialitet", "Switched specialty";
    }
}

impl PlanState {
    /// Whether the plan still holds the bound position.
    pub fn is_active(self) -> bool {
        self == PlanState::Active
    }
}

labelled_enum! {
    /// The stages the forward capacity counts.
    pub enum Stage {
        /// LIS1, hospital or municipality.
        Lis1 = "lis1", "LIS1", "LIS1", "LIS1";
        /// LIS3, psychiatry or BUP.
        Lis3 = "lis3", "LIS3", "LIS3", "LIS3";
        /// ALIS.
        Alis = "alis", "ALIS", "ALIS", "ALIS";
    }
}

impl Track {
    /// The track of a bound position kind; `None` for an ordinary position.
    pub fn from_position(kind: PositionKind) -> Option<Track> {
        match kind {
            PositionKind::Ordinary => None,
            PositionKind::BoundLis3Psychiatry => Some(Track::Lis3Psychiatry),
            PositionKind::BoundLis3Bup => Some(Track::Lis3Bup),
            PositionKind::BoundAlis => Some(Track::Alis),
        }
    }

    /// The capacity stage of the later part.
    pub fn stage(self) -> Stage {
        match self {
            Track::Lis3Psychiatry | Track::Lis3Bup => Stage::Lis3,
            Track::Alis => Stage::Alis,
        }
    }

    /// Whether the later part is LIS3 (at a hospital trust) rather than ALIS.
    pub fn is_lis3(self) -> bool {
        self.stage() == Stage::Lis3
    }
}

/// The plan's dates; every end date is the last day of its part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PlanDates {
    /// The LIS1 course: hospital then municipality.
    pub lis1: CourseDates,
    /// First day of LIS3/ALIS.
    pub later_start: Date,
    /// Last day of the plan.
    pub end: Date,
}

impl PlanDates {
    /// The standard plan from a hospital start: LIS1 12 + 6 months, the later part from the next
    /// day, to 6.5 years after the start.
    pub fn standard(hospital_start: Date) -> PlanDates {
        let lis1 = CourseDates::from_hospital_start(hospital_start);
        PlanDates {
            lis1,
            later_start: lis1.municipal_end.saturating_add(1.day()),
            end: standard_end(hospital_start),
        }
    }

    /// A plan over `lis1` (as planned, before leave) with the later part from `later_start` to
    /// `end`; each `None` takes the standard day. Refused when the plan ends before it starts,
    /// or when the later part would start before LIS1 can be complete.
    pub fn new(
        lis1: CourseDates,
        later_start: Option<Date>,
        end: Option<Date>,
    ) -> Result<PlanDates, BoundError> {
        let earliest = lis1.municipal_end.saturating_add(1.day());
        let later_start = later_start.unwrap_or(earliest);
        let end = end.unwrap_or_else(|| standard_end(lis1.hospital_start));
        if end < lis1.hospital_start {
            return Err(BoundError::PlanEndsBeforeStart {
                start: lis1.hospital_start,
                end,
            });
        }
        if later_start < earliest {
            return Err(BoundError::LaterStartBeforeLis1 { earliest });
        }
        if end <= later_start {
            return Err(BoundError::PlanEndsBeforeStart {
                start: later_start,
                end,
            });
        }
        Ok(PlanDates {
            lis1,
            later_start,
            end,
        })
    }

    /// The dates after `leaves`, applied in the order they begin, each on the dates the earlier
    /// ones produced (as [`CourseDates::after_leave`] does for the course): leave beginning in
    /// the hospital part moves everything after it, in the municipal part the municipal end and
    /// the later part, in the later part only the end. Leave outside the plan changes nothing.
    pub fn after_leave(self, leaves: &[Leave]) -> PlanDates {
        let mut sorted: Vec<&Leave> = leaves.iter().collect();
        sorted.sort_by_key(|l| (l.from, l.to));
        let mut d = self;
        for l in sorted {
            let days = l.days().days();
            if l.from < d.lis1.hospital_start || l.from > d.end {
                continue;
            }
            if l.from <= d.lis1.hospital_end {
                d.lis1.hospital_end = d.lis1.hospital_end.saturating_add(days);
                d.lis1.municipal_start = d.lis1.municipal_start.saturating_add(days);
            }
            if l.from <= d.lis1.municipal_end {
                d.lis1.municipal_end = d.lis1.municipal_end.saturating_add(days);
                d.later_start = d.later_start.saturating_add(days);
            } else if l.from < d.later_start {
                // Leave in a gap between LIS1 and the later part moves the later part's start.
                d.later_start = d.later_start.saturating_add(days);
            }
            d.end = d.end.saturating_add(days);
        }
        d
    }

    /// The plan moved as the course moved: `moved_lis1` is the course after its leave. The later
    /// part moves by as many days as the course's end did. The same as [`Self::after_leave`]
    /// when all leave lies in LIS1 — the only leave the portal registers today (on the course).
    pub fn moved_with(self, moved_lis1: CourseDates) -> PlanDates {
        let shift = self
            .lis1
            .municipal_end
            .until(moved_lis1.municipal_end)
            .map(|s| i64::from(s.get_days()))
            .unwrap_or(0)
            .days();
        PlanDates {
            lis1: moved_lis1,
            later_start: self.later_start.saturating_add(shift),
            end: self.end.saturating_add(shift),
        }
    }

    /// The same plan with the later part given in today's terms (after leave) stored as planned:
    /// the inverse of [`Self::moved_with`] for the later part.
    pub fn unmoved(self, planned_lis1: CourseDates) -> PlanDates {
        let shift = planned_lis1
            .municipal_end
            .until(self.lis1.municipal_end)
            .map(|s| i64::from(s.get_days()))
            .unwrap_or(0)
            .days();
        PlanDates {
            lis1: planned_lis1,
            later_start: self.later_start.saturating_sub(shift),
            end: self.end.saturating_sub(shift),
        }
    }

    /// The stage on `day`, if the plan runs then.
    pub fn stage_on(&self, track: Track, day: Date) -> Option<Stage> {
        if day < self.lis1.hospital_start || day > self.end {
            None
        } else if day <= self.lis1.municipal_end {
            Some(Stage::Lis1)
        } else if day >= self.later_start {
            Some(track.stage())
        } else {
            None
        }
    }

    /// Whether the plan has any day in `stage` in `year`.
    pub fn in_stage_during(&self, track: Track, stage: Stage, year: i16) -> bool {
        let (from, to) = match stage {
            Stage::Lis1 => (self.lis1.hospital_start, self.lis1.municipal_end),
            s if s == track.stage() => (self.later_start, self.end),
            _ => return false,
        };
        from.year() <= year && year <= to.year()
    }
}

/// Six and a half years after `hospital_start`, the last day included.
pub fn standard_end(hospital_start: Date) -> Date {
    hospital_start
        .saturating_add(PLAN_MONTHS.months())
        .saturating_sub(1.day())
}

/// The window for signing the LIS3/ALIS contract: from two years to 1.5 years before the later
/// part starts, both days included.
pub fn contract_window(later_start: Date) -> (Date, Date) {
    (
        later_start.saturating_sub(CONTRACT_OPENS_MONTHS.months()),
        later_start.saturating_sub(CONTRACT_DUE_MONTHS.months()),
    )
}

/// The contract's status on `today`: before the window opens upcoming; in the window due soon
/// (the warning); after it overdue; signed, fulfilled (late if after the window).
pub fn contract_status(later_start: Date, today: Date, signed: Option<Date>) -> Status {
    let (opens, due) = contract_window(later_start);
    match signed {
        Some(on) => Status::Fulfilled { late: on > due },
        None if today > due => Status::Overdue,
        None if today >= opens => Status::DueSoon,
        None => Status::Upcoming,
    }
}

/// The registrations that complete LIS1: the day each employer registered its part as completed
/// with all learning objectives approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Lis1Completion {
    /// Registered by the hospital trust.
    pub hospital: Option<Date>,
    /// Registered by the municipality.
    pub municipal: Option<Date>,
}

/// What is missing before the later part may start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "missing")]
pub enum Missing {
    /// The HF has not registered the hospital part completed.
    HospitalPart,
    /// The municipality has not registered the municipal part completed.
    MunicipalPart,
    /// 18 months are not yet served: the course (moved by leave) ends on `until`.
    Service {
        /// The course's last day.
        until: Date,
    },
}

impl Missing {
    /// For people.
    pub fn label(self, lang: Lang) -> String {
        match self {
            Missing::HospitalPart => lang
                .pick3(
                    "helseforetaket har ikke registrert sykehusdelen som fullført",
                    "helseføretaket har ikkje registrert sjukehusdelen som fullført",
                    "the hospital trust has not registered the hospital part as completed",
                )
                .into(),
            Missing::MunicipalPart => lang
                .pick3(
                    "kommunen har ikke registrert kommunedelen som fullført",
                    "kommunen har ikkje registrert kommunedelen som fullført",
                    "the municipality has not registered the municipal part as completed",
                )
                .into(),
            Missing::Service { until } => match lang {
                Lang::Nb => format!(
                    "18 måneder er ikke tjenestegjort før {}",
                    format_date(until, lang)
                ),
                Lang::Nn => format!(
                    "18 månader er ikkje tenestegjort før {}",
                    format_date(until, lang)
                ),
                Lang::En => format!(
                    "18 months are not served before {}",
                    format_date(until, lang)
                ),
            },
        }
    }
}

/// What stands between the doctor and the later part on `day`; empty when it may start.
pub fn missing_for_start(dates: &PlanDates, completion: Lis1Completion, day: Date) -> Vec<Missing> {
    let mut out = Vec::new();
    if completion.hospital.is_none() {
        out.push(Missing::HospitalPart);
    }
    if completion.municipal.is_none() {
        out.push(Missing::MunicipalPart);
    }
    if day <= dates.lis1.municipal_end {
        out.push(Missing::Service {
            until: dates.lis1.municipal_end,
        });
    }
    out
}

/// Where the later part's start stands on `today` (dates as moved by leave).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum LaterStartStatus {
    /// The start date has not come; `missing` is what must still happen before it.
    Planned {
        /// The planned first day.
        on: Date,
        /// What is still missing (served time counts as missing until the course ends).
        missing: Vec<Missing>,
    },
    /// The start date has come and LIS1 is complete: the doctor may start.
    Ready {
        /// The planned first day.
        on: Date,
    },
    /// The start date has come but LIS1 is not complete: the start moves until it is, and the
    /// later employer is told.
    Postponed {
        /// The planned first day.
        planned: Date,
        /// What is missing.
        missing: Vec<Missing>,
    },
    /// The later part has started.
    Started {
        /// The first day.
        on: Date,
    },
}

impl LaterStartStatus {
    /// A stable string for templates and the API.
    pub fn as_str(&self) -> &'static str {
        match self {
            LaterStartStatus::Planned { .. } => "planned",
            LaterStartStatus::Ready { .. } => "ready",
            LaterStartStatus::Postponed { .. } => "postponed",
            LaterStartStatus::Started { .. } => "started",
        }
    }

    /// For people.
    pub fn label(&self, lang: Lang) -> &'static str {
        match self {
            LaterStartStatus::Planned { missing, .. } if missing.is_empty() => lang.pick3(
                "Planlagt – vilkåret er oppfylt",
                "Planlagt – vilkåret er oppfylt",
                "Planned – condition met",
            ),
            LaterStartStatus::Planned { .. } => lang.pick3(
                "Planlagt – LIS1 ikke fullført ennå",
                "Planlagt – LIS1 ikkje fullført enno",
                "Planned – LIS1 not completed yet",
            ),
            LaterStartStatus::Ready { .. } => {
                lang.pick3("Klar til start", "Klar til start", "Ready to start")
            }
            LaterStartStatus::Postponed { .. } => lang.pick3(
                "Utsatt – LIS1 ikke fullført",
                "Utsett – LIS1 ikkje fullført",
                "Postponed – LIS1 not completed",
            ),
            LaterStartStatus::Started { .. } => lang.pick3("Startet", "Starta", "Started"),
        }
    }
}

/// The later part's start status on `today`, for dates as moved by leave.
pub fn later_start_status(
    dates: &PlanDates,
    completion: Lis1Completion,
    started: Option<Date>,
    today: Date,
) -> LaterStartStatus {
    if let Some(on) = started {
        return LaterStartStatus::Started { on };
    }
    let on = dates.later_start;
    if today < on {
        return LaterStartStatus::Planned {
            on,
            missing: missing_for_start(dates, completion, on),
        };
    }
    let missing = missing_for_start(dates, completion, today);
    if missing.is_empty() {
        LaterStartStatus::Ready { on }
    } else {
        LaterStartStatus::Postponed {
            planned: on,
            missing,
        }
    }
}

/// Checks that the later part may start on `day` (the later employer registers the start):
/// not before the planned LIS1 end, and only with LIS1 registered complete and served.
pub fn check_later_start(
    dates: &PlanDates,
    completion: Lis1Completion,
    day: Date,
) -> Result<(), BoundError> {
    if day <= dates.lis1.municipal_end {
        return Err(BoundError::LaterStartBeforeLis1 {
            earliest: dates.lis1.municipal_end.saturating_add(1.day()),
        });
    }
    let missing = missing_for_start(dates, completion, day);
    if !missing.is_empty() {
        return Err(BoundError::Lis1NotComplete { missing });
    }
    Ok(())
}

/// Checks a date registered for something that has happened (a contract signed, a part
/// completed): not in the future.
pub fn check_past(day: Date, today: Date) -> Result<(), BoundError> {
    if day > today {
        return Err(BoundError::DateInFuture { today });
    }
    Ok(())
}

/// Checks the ALIS form against the track: required for ALIS, absent for LIS3.
pub fn check_alis_form(track: Track, form: Option<AlisForm>) -> Result<(), BoundError> {
    match (track, form) {
        (Track::Alis, None) => Err(BoundError::AlisFormRequired),
        (Track::Lis3Psychiatry | Track::Lis3Bup, Some(_)) => Err(BoundError::AlisFormNotForLis3),
        _ => Ok(()),
    }
}

/// One year of forward capacity: how many plans have days in each stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct CapacityYear {
    /// The calendar year.
    pub year: i16,
    /// Plans in LIS1 some time that year.
    pub lis1: u32,
    /// Plans in LIS3.
    pub lis3: u32,
    /// Plans in ALIS.
    pub alis: u32,
}

impl CapacityYear {
    /// The count for `stage`.
    pub fn get(&self, stage: Stage) -> u32 {
        match stage {
            Stage::Lis1 => self.lis1,
            Stage::Lis3 => self.lis3,
            Stage::Alis => self.alis,
        }
    }
}

/// Counts `plans` (track and dates as moved by leave) per year from `first_year`, for
/// `years` years.
pub fn capacity<'a>(
    plans: impl IntoIterator<Item = &'a (Track, PlanDates)>,
    first_year: i16,
    years: usize,
) -> Vec<CapacityYear> {
    let mut out: Vec<CapacityYear> = (0..years)
        .map(|i| CapacityYear {
            year: first_year.saturating_add(i as i16),
            ..CapacityYear::default()
        })
        .collect();
    for (track, dates) in plans {
        for row in &mut out {
            for stage in Stage::ALL {
                if dates.in_stage_during(*track, *stage, row.year) {
                    match stage {
                        Stage::Lis1 => row.lis1 += 1,
                        Stage::Lis3 => row.lis3 += 1,
                        Stage::Alis => row.alis += 1,
                    }
                }
            }
        }
    }
    out
}

/// A bound plan or a change to it that cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BoundError {
    /// The plan (or its later part) ends before it starts.
    #[error("planen slutter før den begynner")]
    PlanEndsBeforeStart {
        /// The start it ends before.
        start: Date,
        /// The end given.
        end: Date,
    },
    /// The later part would start before LIS1 can be complete.
    #[error("LIS3/ALIS kan ikke starte før LIS1 er fullført")]
    LaterStartBeforeLis1 {
        /// The earliest day it may start.
        earliest: Date,
    },
    /// The later part cannot start: LIS1 is not complete.
    #[error("LIS1 er ikke fullført")]
    Lis1NotComplete {
        /// What is missing.
        missing: Vec<Missing>,
    },
    /// A date of something done lies in the future.
    #[error("datoen er fram i tid")]
    DateInFuture {
        /// Today.
        today: Date,
    },
    /// An ALIS plan needs the form of the GP position.
    #[error("velg fastlønn eller fastlegehjemmel")]
    AlisFormRequired,
    /// A LIS3 plan has no ALIS form.
    #[error("LIS3 har ikke ALIS-form")]
    AlisFormNotForLis3,
    /// The course is not in a bound position.
    #[error("stillingen er ikke bundet")]
    NotBound,
    /// The plan no longer runs.
    #[error("planen er avsluttet")]
    PlanEnded {
        /// Its state.
        state: PlanState,
    },
    /// A note that is too long.
    #[error("merknaden er for lang")]
    NoteTooLong,
    /// A specialty switch without the new specialty.
    #[error("ny spesialitet mangler")]
    SpecialtyMissing,
}

impl Localized for BoundError {
    fn code(&self) -> &'static str {
        match self {
            BoundError::PlanEndsBeforeStart { .. } => "plan_ends_before_start",
            BoundError::LaterStartBeforeLis1 { .. } => "later_start_before_lis1",
            BoundError::Lis1NotComplete { .. } => "lis1_not_complete",
            BoundError::DateInFuture { .. } => "date_in_future",
            BoundError::AlisFormRequired => "alis_form_required",
            BoundError::AlisFormNotForLis3 => "alis_form_not_for_lis3",
            BoundError::NotBound => "not_bound",
            BoundError::PlanEnded { .. } => "plan_ended",
            BoundError::NoteTooLong => "note_too_long",
            BoundError::SpecialtyMissing => "specialty_missing",
        }
    }

    fn message(&self, lang: Lang) -> String {
        let d = |x: &Date| format_date(*x, lang);
        let nb = lang == Lang::Nb;
        let nn = lang == Lang::Nn;
        match self {
            BoundError::PlanEndsBeforeStart { start, end } if nb => format!(
                "Planen kan ikke slutte {} når den begynner {}. Sluttdatoen må være etter startdatoen.",
                d(end),
                d(start)
            ),
            BoundError::PlanEndsBeforeStart { start, end } if nn => format!(
                "Planen kan ikkje slutte {} når han byrjar {}. Sluttdatoen må vere etter startdatoen.",
                d(end),
                d(start)
            ),
            BoundError::PlanEndsBeforeStart { start, end } => format!(
                "The plan cannot end on {} when it begins on {}. The end must be after the start.",
                d(end),
                d(start)
            ),
            BoundError::LaterStartBeforeLis1 { earliest } if nb => format!(
                "LIS3/ALIS kan tidligst starte {}, dagen etter at LIS1 (18 måneder) er fullført (004).",
                d(earliest)
            ),
            BoundError::LaterStartBeforeLis1 { earliest } if nn => format!(
                "LIS3/ALIS kan tidlegast starte {}, dagen etter at LIS1 (18 månader) er fullført (004).",
                d(earliest)
            ),
            BoundError::LaterStartBeforeLis1 { earliest } => format!(
                "LIS3/ALIS can start on {} at the earliest, the day after LIS1 (18 months) is completed (004).",
                d(earliest)
            ),
            BoundError::Lis1NotComplete { missing } => {
                let list: Vec<String> = missing.iter().map(|m| m.label(lang)).collect();
                if nb {
                    format!(
                        "LIS3/ALIS kan først starte når LIS1 er fullført, med alle læringsmål godkjent og 18 måneder tjenestegjort (004). Mangler: {}.",
                        list.join("; ")
                    )
                } else if nn {
                    format!(
                        "LIS3/ALIS kan først starte når LIS1 er fullført, med alle læringsmåla godkjende og 18 månader tenestegjort (004). Manglar: {}.",
                        list.join("; ")
                    )
                } else {
                    format!(
                        "LIS3/ALIS may start only when LIS1 is completed, all learning objectives approved and 18 months served (004). Missing: {}.",
                        list.join("; ")
                    )
                }
            }
            BoundError::DateInFuture { today } if nb => format!(
                "Datoen kan ikke være etter i dag ({}). Registrer det når det har skjedd.",
                d(today)
            ),
            BoundError::DateInFuture { today } if nn => format!(
                "Datoen kan ikkje vere etter i dag ({}). Registrer det når det har skjedd.",
                d(today)
            ),
            BoundError::DateInFuture { today } => format!(
                "The date cannot be after today ({}). Register it when it has happened.",
                d(today)
            ),
            BoundError::AlisFormRequired if nb => {
                "Velg om ALIS-stillingen er fastlønnet eller en fastlegehjemmel i næringsdrift."
                    .into()
            }
            BoundError::AlisFormRequired if nn => {
                "Vel om ALIS-stillinga er fastløna eller ein fastlegeheimel i næringsdrift.".into()
            }
            BoundError::AlisFormRequired => {
                "Choose whether the ALIS position is salaried or a self-employed list holder."
                    .into()
            }
            BoundError::AlisFormNotForLis3 if nb => {
                "Fastlønn eller fastlegehjemmel gjelder bare ALIS, ikke LIS3.".into()
            }
            BoundError::AlisFormNotForLis3 if nn => {
                "Fastløn eller fastlegeheimel gjeld berre ALIS, ikkje LIS3.".into()
            }
            BoundError::AlisFormNotForLis3 => {
                "Salaried or list holder applies to ALIS only, not to LIS3.".into()
            }
            BoundError::NotBound if nb => {
                "LIS1-løpet er ikke i en bundet stilling (LIS1 + LIS3/ALIS).".into()
            }
            BoundError::NotBound if nn => {
                "LIS1-løpet er ikkje i ei bunden stilling (LIS1 + LIS3/ALIS).".into()
            }
            BoundError::NotBound => {
                "The course is not in a bound position (LIS1 + LIS3/ALIS).".into()
            }
            BoundError::PlanEnded { state } if nb => format!(
                "Utdanningsplanen er avsluttet ({}). Ingenting ble endret.",
                state.label(lang).to_lowercase()
            ),
            BoundError::PlanEnded { state } if nn => format!(
                "Utdanningsplanen er avslutta ({}). Ingenting vart endra.",
                state.label(lang).to_lowercase()
            ),
            BoundError::PlanEnded { state } => format!(
                "The education plan has ended ({}). Nothing was changed.",
                state.label(lang).to_lowercase()
            ),
            BoundError::NoteTooLong if nb => {
                format!("Merknaden kan ha høyst {MAX_NOTE_CHARS} tegn.")
            }
            BoundError::NoteTooLong if nn => {
                format!("Merknaden kan ha høgst {MAX_NOTE_CHARS} teikn.")
            }
            BoundError::NoteTooLong => {
                format!("The note may have at most {MAX_NOTE_CHARS} characters.")
            }
            BoundError::SpecialtyMissing if nb => {
                "Skriv hvilken spesialitet legen bytter til.".into()
            }
            BoundError::SpecialtyMissing if nn => "Skriv kva spesialitet legen byter til.".into(),
            BoundError::SpecialtyMissing => "Write which specialty the doctor switches to.".into(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::course::LeaveKind;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn leave(from: Date, to: Date) -> Leave {
        Leave {
            kind: LeaveKind::Parental,
            from,
            to,
        }
    }

    fn spring26() -> PlanDates {
        PlanDates::standard(date(2026, 3, 1))
    }

    #[test]
    fn the_standard_plan_runs_six_and_a_half_years() {
        let p = spring26();
        assert_eq!(p.lis1.hospital_end, date(2027, 2, 28));
        assert_eq!(p.lis1.municipal_start, date(2027, 3, 1));
        assert_eq!(p.lis1.municipal_end, date(2027, 8, 31));
        assert_eq!(p.later_start, date(2027, 9, 1));
        assert_eq!(p.end, date(2032, 8, 31));
        assert_eq!(
            PlanDates::new(p.lis1, None, None).unwrap(),
            p,
            "defaults give the standard plan"
        );
    }

    #[test]
    fn leave_moves_the_plan_like_the_course() {
        let p = spring26();
        // 70 days of parental leave in the hospital part.
        let l = leave(date(2026, 10, 1), date(2026, 12, 9));
        let moved = p.after_leave(&[l]);
        assert_eq!(moved.lis1, p.lis1.after_leave(&[l]));
        assert_eq!(moved.later_start, date(2027, 11, 10));
        assert_eq!(moved.end, date(2032, 11, 9));
        // Leave in the later part moves only the end.
        let late = leave(date(2029, 1, 1), date(2029, 1, 10));
        let moved = p.after_leave(&[late]);
        assert_eq!(moved.later_start, p.later_start);
        assert_eq!(moved.end, date(2032, 9, 10));
        // Leave after the plan changes nothing.
        assert_eq!(
            p.after_leave(&[leave(date(2033, 1, 1), date(2033, 2, 1))]),
            p
        );
    }

    #[test]
    fn bad_plans_are_refused_with_the_date() {
        let lis1 = spring26().lis1;
        let e = PlanDates::new(lis1, None, Some(date(2025, 1, 1))).unwrap_err();
        assert_eq!(e.code(), "plan_ends_before_start");
        assert!(e.message(Lang::Nb).contains("01.03.2026"), "{e}");
        let e = PlanDates::new(lis1, Some(date(2027, 6, 1)), None).unwrap_err();
        assert_eq!(e.code(), "later_start_before_lis1");
        assert!(
            e.message(Lang::Nb).contains("01.09.2027"),
            "{}",
            e.message(Lang::Nb)
        );
        let e = PlanDates::new(lis1, Some(date(2030, 1, 1)), Some(date(2029, 1, 1))).unwrap_err();
        assert_eq!(e.code(), "plan_ends_before_start");
        assert!(PlanDates::new(lis1, Some(date(2028, 3, 1)), None).is_ok());
    }

    #[test]
    fn the_contract_warns_two_years_before_and_is_overdue_after_one_and_a_half() {
        let start = date(2027, 9, 1);
        let (opens, due) = contract_window(start);
        assert_eq!((opens, due), (date(2025, 9, 1), date(2026, 3, 1)));
        assert_eq!(
            contract_status(start, date(2025, 8, 31), None),
            Status::Upcoming
        );
        assert_eq!(
            contract_status(start, date(2025, 9, 1), None),
            Status::DueSoon
        );
        assert_eq!(
            contract_status(start, date(2026, 3, 1), None),
            Status::DueSoon
        );
        assert_eq!(
            contract_status(start, date(2026, 3, 2), None),
            Status::Overdue
        );
        assert_eq!(
            contract_status(start, date(2026, 6, 1), Some(date(2026, 2, 1))),
            Status::Fulfilled { late: false }
        );
        assert_eq!(
            contract_status(start, date(2026, 6, 1), Some(date(2026, 4, 1))),
            Status::Fulfilled { late: true }
        );
    }

    #[test]
    fn the_later_part_waits_for_lis1_to_be_registered_complete() {
        let p = spring26();
        let none = Lis1Completion::default();
        let e = check_later_start(&p, none, p.later_start).unwrap_err();
        assert_eq!(e.code(), "lis1_not_complete");
        assert!(e.message(Lang::Nb).contains("kommunen"), "{e}");
        let half = Lis1Completion {
            hospital: Some(date(2027, 2, 20)),
            municipal: None,
        };
        assert_eq!(
            missing_for_start(&p, half, p.later_start),
            vec![Missing::MunicipalPart]
        );
        let both = Lis1Completion {
            hospital: Some(date(2027, 2, 20)),
            municipal: Some(date(2027, 8, 25)),
        };
        assert!(check_later_start(&p, both, p.later_start).is_ok());
        assert_eq!(
            check_later_start(&p, both, date(2027, 8, 31))
                .unwrap_err()
                .code(),
            "later_start_before_lis1"
        );
        // After leave the 18 months are served later.
        let moved = p.after_leave(&[leave(date(2026, 10, 1), date(2026, 10, 31))]);
        assert_eq!(
            check_later_start(&moved, both, date(2027, 9, 1))
                .unwrap_err()
                .code(),
            "later_start_before_lis1"
        );
        assert!(check_later_start(&moved, both, moved.later_start).is_ok());
    }

    #[test]
    fn the_start_is_postponed_while_lis1_is_not_complete() {
        let p = spring26();
        let today = date(2027, 9, 5);
        let s = later_start_status(&p, Lis1Completion::default(), None, today);
        assert_eq!(s.as_str(), "postponed");
        let done = Lis1Completion {
            hospital: Some(date(2027, 2, 20)),
            municipal: Some(date(2027, 8, 25)),
        };
        assert_eq!(later_start_status(&p, done, None, today).as_str(), "ready");
        assert_eq!(
            later_start_status(&p, done, Some(date(2027, 9, 1)), today).as_str(),
            "started"
        );
        let s = later_start_status(&p, done, None, date(2027, 1, 1));
        assert_eq!(
            s,
            LaterStartStatus::Planned {
                on: p.later_start,
                missing: vec![]
            }
        );
    }

    #[test]
    fn the_alis_form_belongs_to_alis() {
        assert!(check_alis_form(Track::Alis, Some(AlisForm::Salaried)).is_ok());
        assert_eq!(
            check_alis_form(Track::Alis, None).unwrap_err().code(),
            "alis_form_required"
        );
        assert_eq!(
            check_alis_form(Track::Lis3Bup, Some(AlisForm::ListHolder))
                .unwrap_err()
                .code(),
            "alis_form_not_for_lis3"
        );
        assert_eq!(
            Track::from_position(PositionKind::BoundAlis),
            Some(Track::Alis)
        );
        assert_eq!(Track::from_position(PositionKind::Ordinary), None);
    }

    #[test]
    fn capacity_counts_each_stage_per_year() {
        let a = (Track::Lis3Psychiatry, spring26());
        let b = (Track::Alis, PlanDates::standard(date(2026, 9, 1)));
        let rows = capacity(&[a, b], 2026, CAPACITY_YEARS);
        assert_eq!(rows.len(), 7);
        assert_eq!(
            rows[0],
            CapacityYear {
                year: 2026,
                lis1: 2,
                lis3: 0,
                alis: 0
            }
        );
        // 2027: a moves LIS1 → LIS3 in September; b is in LIS1 all year.
        assert_eq!((rows[1].lis1, rows[1].lis3, rows[1].alis), (2, 1, 0));
        // 2028: b from LIS1 to ALIS in March.
        assert_eq!((rows[2].lis1, rows[2].lis3, rows[2].alis), (1, 1, 1));
        // 2032: a ends 31 Aug 2032, b ends 28 Feb 2033.
        assert_eq!((rows[6].lis1, rows[6].lis3, rows[6].alis), (0, 1, 1));
        assert_eq!(rows[6].get(Stage::Alis), 1);
    }

    proptest! {
        /// The plan's LIS1 part moves exactly as the course does, the later part never starts
        /// before LIS1 ends, and the plan grows by the leave that falls inside it.
        #[test]
        fn the_plan_moves_with_leave_as_the_course_does(
            start_year in 2020i16..2040,
            autumn in any::<bool>(),
            raw in proptest::collection::vec((0i64..540, 0i64..200), 0..4),
        ) {
            let start = date(start_year, if autumn { 9 } else { 3 }, 1);
            let planned = PlanDates::standard(start);
            let mut leaves: Vec<Leave> = Vec::new();
            for (offset, len) in raw {
                let from = start.saturating_add(offset.days());
                let l = leave(from, from.saturating_add(len.days()));
                if crate::course::check_leave(planned.lis1, &leaves, &l).is_ok() {
                    leaves.push(l);
                }
            }
            let d = planned.after_leave(&leaves);
            prop_assert_eq!(d.lis1, planned.lis1.after_leave(&leaves));
            prop_assert_eq!(planned.moved_with(d.lis1), d);
            prop_assert_eq!(d.unmoved(planned.lis1), planned);
            prop_assert_eq!(d.later_start, d.lis1.municipal_end.saturating_add(1.day()));
            let total: i64 = leaves.iter().map(Leave::days).sum();
            let len = |p: &PlanDates| p.lis1.hospital_start.until(p.end).unwrap().get_days() as i64;
            prop_assert_eq!(len(&d), len(&planned) + total);
        }

        /// The later part never may start while anything is missing, and always may once LIS1
        /// is registered and served.
        #[test]
        fn the_start_condition_is_exactly_registration_and_service(
            offset in 0i64..1200,
            hospital in any::<bool>(),
            municipal in any::<bool>(),
        ) {
            let p = spring26();
            let day = p.lis1.hospital_start.saturating_add(offset.days());
            let c = Lis1Completion {
                hospital: hospital.then_some(date(2027, 2, 1)),
                municipal: municipal.then_some(date(2027, 8, 1)),
            };
            let ok = check_later_start(&p, c, day).is_ok();
            prop_assert_eq!(ok, hospital && municipal && day > p.lis1.municipal_end);
        }
    }
}
