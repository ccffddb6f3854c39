//! ALIS in hospital (seed 003): a GP trainee (ALIS) needs six months in a hospital (3 + 3,
//! preferably continuous, in the same department) for learning goals ALM 55 and ALM 85.
//!
//! The municipality asks the hospital's LIS3 coordinator, as early as it likes, for a period,
//! a department and a place. The coordinator sees the requests per department in a queue —
//! first requested, first served, unless the coordinator records why another goes first — and
//! offers a period, which may start up to six months before or after the one asked for, in the
//! same or another department or place. The municipality **confirms no later than six months
//! before the start**; a reminder goes before that day, and the offer lapses after it. A
//! municipality that declines (or lets the offer lapse) keeps its place in the queue for the
//! next suitable vacancy. The trainee should have served at least two years in the
//! municipality first (a warning, not a refusal). Periods of three months or more: the hospital
//! employs and pays; shorter: an individual agreement, recorded with the request.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

use crate::calendar::format_date;
use crate::profiles::labelled_enum;
use crate::{Lang, Localized};

/// The longest period asked for or offered, in months (3 + 3).
pub const MAX_MONTHS: u8 = 6;
/// How far an offered start may lie from the one asked for, in months (003).
pub const MAX_DEVIATION_MONTHS: i64 = 6;
/// The municipality confirms no later than this many months before the start (003).
pub const CONFIRM_MONTHS: i64 = 6;
/// The reminder goes this many days before the confirmation deadline.
pub const REMIND_DAYS: i64 = 30;
/// The service in the municipality the trainee should have before the hospital period (003).
pub const MUNICIPAL_SERVICE_YEARS: i64 = 2;
/// The longest text (doctor's name, department, agreement, reason), in characters.
pub const MAX_TEXT_CHARS: usize = 500;

labelled_enum! {
    /// Where a request stands.
    pub enum RequestState {
        /// In the department's queue, waiting for an offer.
        Queued = "queued", "I kø", "I kø", "Queued";
        /// The hospital offered a period; the municipality must confirm.
        Offered = "offered", "Tilbudt – venter på bekreftelse", "Tilbode – ventar på stadfesting", "Offered – awaiting confirmation";
        /// The municipality confirmed the offered period.
        Confirmed = "confirmed", "Bekreftet", "Stadfesta", "Confirmed";
        /// The municipality withdrew the request.
        Withdrawn = "withdrawn", "Trukket", "Trekt", "Withdrawn";
    }
}

/// Who employs and pays during the hospital period (003).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Employment {
    /// Three months or more: the hospital employs and pays.
    Hospital,
    /// Shorter: an individual agreement.
    Agreement,
}

impl Employment {
    /// For a period of `months`.
    pub fn for_months(months: u8) -> Employment {
        if months >= 3 {
            Employment::Hospital
        } else {
            Employment::Agreement
        }
    }

    /// For people.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Employment::Hospital => lang.pick3(
                "Sykehuset ansetter og lønner (3 måneder eller mer)",
                "Sjukehuset tilset og betaler løn (3 månader eller meir)",
                "The hospital employs and pays (3 months or more)",
            ),
            Employment::Agreement => lang.pick3(
                "Individuell avtale (kortere enn 3 måneder)",
                "Individuell avtale (kortare enn 3 månader)",
                "Individual agreement (shorter than 3 months)",
            ),
        }
    }
}

/// A period: first day and length in whole months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    /// First day.
    pub start: Date,
    /// Months, 1–[`MAX_MONTHS`].
    pub months: u8,
}

impl Period {
    /// The last day.
    pub fn end(&self) -> Date {
        self.start
            .saturating_add(i64::from(self.months).months())
            .saturating_sub(1.day())
    }
}

/// A request as the municipality enters it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestDraft {
    /// The trainee's name.
    pub doctor_name: String,
    /// When the trainee started in the municipality.
    pub municipal_since: Date,
    /// The period asked for.
    pub period: Period,
    /// The department asked for.
    pub department: String,
    /// For a period shorter than three months: the agreement on employment and pay.
    pub agreement: String,
}

/// A warning on a request (it is saved anyway).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "warning")]
pub enum Warning {
    /// Less than two years in the municipality at the start (003: "bør ha minst 2 år").
    ShortMunicipalService {
        /// The day two years are served.
        two_years_on: Date,
    },
}

impl Warning {
    /// For people.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Warning::ShortMunicipalService { two_years_on } => match lang {
                Lang::Nb => format!(
                    "Legen har mindre enn 2 år i kommunen ved oppstart (2 år {}). ALIS-legen bør ha minst 2 år i kommunen før sykehustjenesten (003).",
                    format_date(*two_years_on, lang)
                ),
                Lang::Nn => format!(
                    "Legen har mindre enn 2 år i kommunen ved oppstart (2 år {}). ALIS-legen bør ha minst 2 år i kommunen før sjukehustenesta (003).",
                    format_date(*two_years_on, lang)
                ),
                Lang::En => format!(
                    "The doctor has less than 2 years in the municipality at the start (2 years on {}). The ALIS doctor should have at least 2 years in the municipality before the hospital service (003).",
                    format_date(*two_years_on, lang)
                ),
            },
        }
    }
}

/// Checks a request against the hospital's departments; returns its warnings.
pub fn check_request(
    draft: &RequestDraft,
    departments: &[String],
) -> Result<Vec<Warning>, AlisError> {
    if draft.doctor_name.trim().is_empty() {
        return Err(AlisError::DoctorMissing);
    }
    for s in [&draft.doctor_name, &draft.department, &draft.agreement] {
        if s.chars().count() > MAX_TEXT_CHARS {
            return Err(AlisError::TooLong);
        }
    }
    check_months(draft.period.months)?;
    check_department(&draft.department, departments)?;
    if Employment::for_months(draft.period.months) == Employment::Agreement
        && draft.agreement.trim().is_empty()
    {
        return Err(AlisError::AgreementMissing);
    }
    if draft.municipal_since > draft.period.start {
        return Err(AlisError::ServiceAfterStart);
    }
    Ok(warnings(draft.municipal_since, draft.period.start))
}

/// The warnings for a trainee in the municipality since `since`, starting in hospital on `start`.
pub fn warnings(since: Date, start: Date) -> Vec<Warning> {
    let two_years_on = since.saturating_add(MUNICIPAL_SERVICE_YEARS.years());
    if start < two_years_on {
        vec![Warning::ShortMunicipalService { two_years_on }]
    } else {
        Vec::new()
    }
}

fn check_months(months: u8) -> Result<(), AlisError> {
    if !(1..=MAX_MONTHS).contains(&months) {
        return Err(AlisError::Months { months });
    }
    Ok(())
}

fn check_department(department: &str, departments: &[String]) -> Result<(), AlisError> {
    if !departments.iter().any(|d| d == department.trim()) {
        return Err(AlisError::UnknownDepartment {
            department: department.trim().to_string(),
            known: departments.to_vec(),
        });
    }
    Ok(())
}

/// Checks an offer against the request: the start at most six months from the one asked for,
/// a department the hospital has, and a confirmation deadline not already passed on `today`.
pub fn check_offer(
    requested: Period,
    offered: Period,
    department: &str,
    departments: &[String],
    today: Date,
) -> Result<(), AlisError> {
    check_months(offered.months)?;
    check_department(department, departments)?;
    let earliest = requested
        .start
        .saturating_sub(MAX_DEVIATION_MONTHS.months());
    let latest = requested
        .start
        .saturating_add(MAX_DEVIATION_MONTHS.months());
    if offered.start < earliest || offered.start > latest {
        return Err(AlisError::OfferTooFar { earliest, latest });
    }
    let deadline = confirm_deadline(offered.start);
    if today > deadline {
        return Err(AlisError::TooLateToOffer { deadline });
    }
    Ok(())
}

/// The last day the municipality may confirm an offer starting on `start`.
pub fn confirm_deadline(start: Date) -> Date {
    start.saturating_sub(CONFIRM_MONTHS.months())
}

/// Checks a confirmation on `today` of an offer starting on `start`.
pub fn check_confirmation(start: Date, today: Date) -> Result<(), AlisError> {
    let deadline = confirm_deadline(start);
    if today > deadline {
        return Err(AlisError::LateConfirmation { deadline });
    }
    Ok(())
}

/// Where an offer stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferStatus {
    /// More than [`REMIND_DAYS`] days to the deadline.
    Open,
    /// The deadline is near: the reminder goes.
    DueSoon,
    /// The deadline passed without a confirmation: the offer lapsed, the request is back in
    /// the queue.
    Lapsed,
}

/// The offer's status on `today`.
pub fn offer_status(start: Date, today: Date) -> OfferStatus {
    let deadline = confirm_deadline(start);
    if today > deadline {
        OfferStatus::Lapsed
    } else if today >= deadline.saturating_sub(REMIND_DAYS.days()) {
        OfferStatus::DueSoon
    } else {
        OfferStatus::Open
    }
}

/// A queued request as the queue sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queued {
    /// The request's id.
    pub id: i64,
    /// When it was first made (the queue's order).
    pub requested_at: jiff::Timestamp,
}

/// Checks that offering `chosen` from a department's `queue` keeps first requested first
/// served, or that the coordinator gave a reason for going past the first.
pub fn check_queue_order(queue: &[Queued], chosen: i64, reason: &str) -> Result<(), AlisError> {
    let first = queue.iter().min_by_key(|q| (q.requested_at, q.id));
    match first {
        Some(f) if f.id != chosen && reason.trim().is_empty() => {
            Err(AlisError::QueueReasonMissing { first: f.id })
        }
        _ => Ok(()),
    }
}

/// A request, offer or confirmation that cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlisError {
    /// No doctor named.
    #[error("legens navn mangler")]
    DoctorMissing,
    /// A text past [`MAX_TEXT_CHARS`].
    #[error("teksten er for lang")]
    TooLong,
    /// Months outside 1–6.
    #[error("ugyldig antall måneder")]
    Months {
        /// Given.
        months: u8,
    },
    /// A department the hospital does not have.
    #[error("ukjent avdeling")]
    UnknownDepartment {
        /// Given.
        department: String,
        /// The hospital's departments.
        known: Vec<String>,
    },
    /// A period shorter than three months without the agreement.
    #[error("avtale mangler")]
    AgreementMissing,
    /// The trainee started in the municipality after the hospital start.
    #[error("kommunestart etter sykehusstart")]
    ServiceAfterStart,
    /// The offered start lies more than six months from the one asked for.
    #[error("tilbudt start for langt unna")]
    OfferTooFar {
        /// The earliest allowed start.
        earliest: Date,
        /// The latest allowed start.
        latest: Date,
    },
    /// The confirmation deadline of the offered start has passed already.
    #[error("for sent å tilby")]
    TooLateToOffer {
        /// The deadline.
        deadline: Date,
    },
    /// The municipality confirms after the deadline.
    #[error("bekreftelsen er for sen")]
    LateConfirmation {
        /// The last day it could have confirmed.
        deadline: Date,
    },
    /// Someone later in the queue is offered without a reason.
    #[error("begrunnelse mangler")]
    QueueReasonMissing {
        /// The first in the queue.
        first: i64,
    },
    /// The request is not in a state that allows this.
    #[error("ikke mulig nå")]
    WrongState {
        /// Its state.
        state: RequestState,
    },
}

impl Localized for AlisError {
    fn code(&self) -> &'static str {
        match self {
            AlisError::DoctorMissing => "doctor_missing",
            AlisError::TooLong => "text_too_long",
            AlisError::Months { .. } => "alis_months",
            AlisError::UnknownDepartment { .. } => "unknown_department",
            AlisError::AgreementMissing => "agreement_missing",
            AlisError::ServiceAfterStart => "municipal_service_after_start",
            AlisError::OfferTooFar { .. } => "offer_too_far_from_request",
            AlisError::TooLateToOffer { .. } => "too_late_to_offer",
            AlisError::LateConfirmation { .. } => "late_confirmation",
            AlisError::QueueReasonMissing { .. } => "queue_reason_missing",
            AlisError::WrongState { .. } => "alis_request_state",
        }
    }

    fn message(&self, lang: Lang) -> String {
        let d = |x: &Date| format_date(*x, lang);
        let nb = lang == Lang::Nb;
        let nn = lang == Lang::Nn;
        match self {
            AlisError::DoctorMissing => lang
                .pick3("Skriv navnet på ALIS-legen.", "Skriv namnet på ALIS-legen.", "Write the ALIS doctor's name.")
                .into(),
            AlisError::TooLong => format!(
                "{} {MAX_TEXT_CHARS}.",
                lang.pick3("Teksten er for lang; høyst", "Teksten er for lang; høgst", "The text is too long; at most")
            ),
            AlisError::Months { months } if nb => format!(
                "Perioden må være 1–{MAX_MONTHS} måneder (3 + 3 måneder er vanlig); den er {months}."
            ),
            AlisError::Months { months } if nn => format!(
                "Perioden må vere 1–{MAX_MONTHS} månader (3 + 3 månader er vanleg); perioden er {months}."
            ),
            AlisError::Months { months } => format!(
                "The period must be 1–{MAX_MONTHS} months (3 + 3 months is usual); it is {months}."
            ),
            AlisError::UnknownDepartment { department, known } if nb => format!(
                "Sykehuset har ingen avdeling «{department}». Velg en av: {}.",
                known.join(", ")
            ),
            AlisError::UnknownDepartment { department, known } if nn => format!(
                "Sjukehuset har inga avdeling «{department}». Vel ei av: {}.",
                known.join(", ")
            ),
            AlisError::UnknownDepartment { department, known } => format!(
                "The hospital has no department «{department}». Choose one of: {}.",
                known.join(", ")
            ),
            AlisError::AgreementMissing if nb => "En periode kortere enn 3 måneder krever en individuell avtale om ansettelse og lønn (003). Beskriv avtalen.".into(),
            AlisError::AgreementMissing if nn => "Ein periode kortare enn 3 månader krev ein individuell avtale om tilsetjing og løn (003). Beskriv avtalen.".into(),
            AlisError::AgreementMissing => "A period shorter than 3 months needs an individual agreement on employment and pay (003). Describe the agreement.".into(),
            AlisError::ServiceAfterStart if nb => "Legen må ha startet i kommunen før sykehusperioden.".into(),
            AlisError::ServiceAfterStart if nn => "Legen må ha starta i kommunen før sjukehusperioden.".into(),
            AlisError::ServiceAfterStart => "The doctor must have started in the municipality before the hospital period.".into(),
            AlisError::OfferTooFar { earliest, latest } if nb => format!(
                "Tilbudt start kan avvike høyst 6 måneder fra ønsket start: mellom {} og {} (003).",
                d(earliest),
                d(latest)
            ),
            AlisError::OfferTooFar { earliest, latest } if nn => format!(
                "Tilbode start kan avvike høgst 6 månader frå ønskt start: mellom {} og {} (003).",
                d(earliest),
                d(latest)
            ),
            AlisError::OfferTooFar { earliest, latest } => format!(
                "The offered start may differ by at most 6 months from the start asked for: between {} and {} (003).",
                d(earliest),
                d(latest)
            ),
            AlisError::TooLateToOffer { deadline } if nb => format!(
                "Kommunen må kunne bekrefte senest 6 måneder før start; for denne starten var fristen {}. Tilby en senere start.",
                d(deadline)
            ),
            AlisError::TooLateToOffer { deadline } if nn => format!(
                "Kommunen må kunne stadfeste seinast 6 månader før start; for denne starten var fristen {}. Tilby ein seinare start.",
                d(deadline)
            ),
            AlisError::TooLateToOffer { deadline } => format!(
                "The municipality must be able to confirm no later than 6 months before the start; for this start the deadline was {}. Offer a later start.",
                d(deadline)
            ),
            AlisError::LateConfirmation { deadline } if nb => format!(
                "Fristen for å bekrefte var {} (senest 6 måneder før start, 003). Tilbudet er falt bort, og forespørselen står i køen igjen. Ingenting ble bekreftet.",
                d(deadline)
            ),
            AlisError::LateConfirmation { deadline } if nn => format!(
                "Fristen for å stadfeste var {} (seinast 6 månader før start, 003). Tilbodet har falle bort, og førespurnaden står i køen igjen. Ingenting vart stadfesta.",
                d(deadline)
            ),
            AlisError::LateConfirmation { deadline } => format!(
                "The deadline to confirm was {} (no later than 6 months before the start, 003). The offer has lapsed and the request is back in the queue. Nothing was confirmed.",
                d(deadline)
            ),
            AlisError::QueueReasonMissing { .. } if nb => "Forespørselen er ikke først i køen for avdelingen. Skriv hvorfor den skal gå foran (først forespurt, først tilbudt).".into(),
            AlisError::QueueReasonMissing { .. } if nn => "Førespurnaden er ikkje først i køen for avdelinga. Skriv kvifor han skal gå føre (først spurd, først tilbode).".into(),
            AlisError::QueueReasonMissing { .. } => "The request is not first in the department's queue. Write why it goes first (first requested, first offered).".into(),
            AlisError::WrongState { state } if nb => format!(
                "Forespørselen er {}. Ingenting ble endret.",
                state.label(lang).to_lowercase()
            ),
            AlisError::WrongState { state } if nn => format!(
                "Førespurnaden er {}. Ingenting vart endra.",
                state.label(lang).to_lowercase()
            ),
            AlisError::WrongState { state } => format!(
                "The request is {}. Nothing was changed.",
                state.label(lang).to_lowercase()
            ),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn deps() -> Vec<String> {
        vec!["Indremedisin".into(), "Psykiatri".into()]
    }

    fn draft() -> RequestDraft {
        RequestDraft {
            doctor_name: "Åse ALIS".into(),
            municipal_since: date(2025, 1, 1),
            period: Period {
                start: date(2027, 9, 1),
                months: 6,
            },
            department: "Indremedisin".into(),
            agreement: String::new(),
        }
    }

    #[test]
    fn a_request_is_checked_and_warns_about_short_municipal_service() {
        assert_eq!(check_request(&draft(), &deps()).unwrap(), vec![]);
        let mut d = draft();
        d.municipal_since = date(2026, 1, 1);
        let w = check_request(&d, &deps()).unwrap();
        assert_eq!(
            w,
            vec![Warning::ShortMunicipalService {
                two_years_on: date(2028, 1, 1)
            }]
        );
        assert!(w[0].message(Lang::Nb).contains("01.01.2028"));
        let mut d = draft();
        d.department = "Kirurgi".into();
        let e = check_request(&d, &deps()).unwrap_err();
        assert_eq!(e.code(), "unknown_department");
        assert!(e.message(Lang::Nb).contains("Indremedisin, Psykiatri"));
        let mut d = draft();
        d.period.months = 2;
        assert_eq!(
            check_request(&d, &deps()).unwrap_err().code(),
            "agreement_missing"
        );
        d.agreement = "Kommunen lønner, sykehuset veileder.".into();
        assert!(check_request(&d, &deps()).is_ok());
        assert_eq!(Employment::for_months(2), Employment::Agreement);
        assert_eq!(Employment::for_months(3), Employment::Hospital);
        d.period.months = 7;
        assert_eq!(
            check_request(&d, &deps()).unwrap_err().code(),
            "alis_months"
        );
    }

    #[test]
    fn an_offer_may_differ_by_six_months_and_needs_time_to_confirm() {
        let asked = draft().period;
        let offer = |start| Period { start, months: 6 };
        let today = date(2026, 11, 25);
        assert!(check_offer(asked, offer(date(2028, 3, 1)), "Psykiatri", &deps(), today).is_ok());
        let e =
            check_offer(asked, offer(date(2028, 3, 2)), "Psykiatri", &deps(), today).unwrap_err();
        assert_eq!(e.code(), "offer_too_far_from_request");
        assert!(e.message(Lang::Nb).contains("01.03.2028"), "{e}");
        let e =
            check_offer(asked, offer(date(2027, 5, 1)), "Psykiatri", &deps(), today).unwrap_err();
        assert_eq!(e.code(), "too_late_to_offer");
        assert!(e.message(Lang::Nb).contains("01.11.2026"));
    }

    #[test]
    fn confirmation_is_refused_after_six_months_before_with_the_date() {
        let start = date(2027, 9, 1);
        assert_eq!(confirm_deadline(start), date(2027, 3, 1));
        assert!(check_confirmation(start, date(2027, 3, 1)).is_ok());
        let e = check_confirmation(start, date(2027, 3, 2)).unwrap_err();
        assert_eq!(e.code(), "late_confirmation");
        assert!(e.message(Lang::Nb).contains("01.03.2027"), "{e}");
        assert_eq!(offer_status(start, date(2027, 1, 1)), OfferStatus::Open);
        assert_eq!(offer_status(start, date(2027, 2, 1)), OfferStatus::DueSoon);
        assert_eq!(offer_status(start, date(2027, 3, 2)), OfferStatus::Lapsed);
        assert_eq!(Period { start, months: 6 }.end(), date(2028, 2, 29));
    }

    #[test]
    fn the_queue_is_first_requested_first_served_unless_a_reason_is_given() {
        let t = |s: &str| -> jiff::Timestamp { s.parse().unwrap() };
        let q = [
            Queued {
                id: 2,
                requested_at: t("2026-02-01T10:00:00Z"),
            },
            Queued {
                id: 1,
                requested_at: t("2026-03-01T10:00:00Z"),
            },
        ];
        assert!(check_queue_order(&q, 2, "").is_ok());
        assert_eq!(
            check_queue_order(&q, 1, " ").unwrap_err().code(),
            "queue_reason_missing"
        );
        assert!(check_queue_order(&q, 1, "Ønsket periode passer bare nr. 2").is_ok());
        assert!(check_queue_order(&[], 1, "").is_ok());
    }

    proptest! {
        /// A confirmation is allowed exactly up to six months before the start.
        #[test]
        fn confirmation_deadline_is_six_months(offset in -400i64..400) {
            let start = date(2028, 3, 1);
            let today = confirm_deadline(start).saturating_add(offset.days());
            prop_assert_eq!(check_confirmation(start, today).is_ok(), offset <= 0);
            prop_assert_eq!(offer_status(start, today) == OfferStatus::Lapsed, offset > 0);
        }
    }
}
