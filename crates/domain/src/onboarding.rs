//! Before each start (*før oppstart*): what a doctor must have in place before each part of the
//! LIS1 course, per employer, with deadlines and status.
//!
//! Seed 000 §6.2.1 (HNT's formal criteria) makes the start conditional on:
//! - Norwegian **authorisation** (*autorisasjon*) or a **LIS1 licence** (*lisens*) by the start
//!   date — checked in the Health Personnel Register (HPR) and recorded with the HPR number;
//! - the **confidentiality form** (*taushetsskjema*), the **data-user contract**
//!   (*databrukerkontrakt*) and the **infection-control form** (*smittevernskjema*), signed before
//!   employment in the hospital — the doctor reads and signs them in the portal, and the version
//!   of the text signed is kept;
//! - a valid **police certificate** (*politiattest*) before the hospital start, and a **renewed**
//!   one delivered to the municipality before the municipal part starts.
//!
//! Each employer may set its own [`Requirements`] for its part; HNT's are the default
//! ([`Requirements::hnt_default`]). The police certificate has a maximum age at the start that
//! the employer sets (three months by default), which is what makes the municipal one a renewal.
//!
//! **The police certificate itself is never stored** (Politiregisterloven, GDPR Art. 10): the
//! employer records that it was seen, by whom, its date and whether it gave cause for follow-up
//! (yes or no, nothing more) — [`PoliceCheck`].
//!
//! **Deadlines**: every item of a part is due the day before that part starts ([`due_date`]);
//! the start is the course's date after leave (`crate::course`), so leave moves the deadlines
//! with the course. A recorded item counts only if it is valid for the start it is due for: a
//! licence that ends before a moved start, or a police certificate that has grown too old,
//! counts as missing again ([`evaluate`]). Reminders go out four and two weeks before the start
//! ([`reminder_stage`]); a doctor not ready two weeks before is flagged ([`is_flagged`]).

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::identity::HprNumber;
use crate::{Lang, Localized};

/// The two parts of the course, each with its own employer and checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// 12 months in the hospital; the HF is the employer.
    Hospital,
    /// 6 months in the municipality; the municipality is the employer.
    Municipal,
}

impl Part {
    /// Both parts, in the order they are served.
    pub const ALL: [Part; 2] = [Part::Hospital, Part::Municipal];

    /// The stable string stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Hospital => "hospital",
            Part::Municipal => "municipal",
        }
    }

    /// Parses the stable string, or the Norwegian word used in URLs (`sykehus`, `kommune`).
    pub fn parse(s: &str) -> Option<Part> {
        match s.trim() {
            "hospital" | "sykehus" => Some(Part::Hospital),
            "municipal" | "kommune" => Some(Part::Municipal),
            _ => None,
        }
    }

    /// The Norwegian word used in URLs.
    pub fn slug(self) -> &'static str {
        match self {
            Part::Hospital => "sykehus",
            Part::Municipal => "kommune",
        }
    }

    /// The part's name for people.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Part::Hospital => lang.pick3("Sykehusdelen", "Sjukehusdelen", "The hospital part"),
            Part::Municipal => lang.pick3("Kommunedelen", "Kommunedelen", "The municipal part"),
        }
    }
}

/// One thing a doctor must have in place before a part starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// Authorisation or LIS1 licence, valid on the start date, with the HPR number.
    Authorisation,
    /// *Taushetsskjema* (helsepersonelloven §21).
    Confidentiality,
    /// *Databrukerkontrakt*: the rules for using the employer's IT systems and patient records.
    DataUserContract,
    /// *Smittevernskjema*.
    InfectionControl,
    /// *Politiattest*, seen by the employer; not older than the employer's maximum at the start.
    PoliceCertificate,
}

/// Who completes an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Completer {
    /// Only the doctor: the doctor signs a form in the portal.
    Doctor,
    /// The doctor or the employer: the HPR lookup.
    Either,
    /// Only the employer: the police certificate is shown to the employer, who records the check.
    Employer,
}

impl ItemKind {
    /// Every kind, in the order a checklist lists them.
    pub const ALL: [ItemKind; 5] = [
        ItemKind::Authorisation,
        ItemKind::Confidentiality,
        ItemKind::DataUserContract,
        ItemKind::InfectionControl,
        ItemKind::PoliceCertificate,
    ];

    /// The three forms the doctor signs (000 §6.2.1).
    pub const FORMS: [ItemKind; 3] = [
        ItemKind::Confidentiality,
        ItemKind::DataUserContract,
        ItemKind::InfectionControl,
    ];

    /// The stable string stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Authorisation => "authorisation",
            ItemKind::Confidentiality => "confidentiality",
            ItemKind::DataUserContract => "data_user_contract",
            ItemKind::InfectionControl => "infection_control",
            ItemKind::PoliceCertificate => "police_certificate",
        }
    }

    /// Parses the stable string; `None` for anything unknown.
    pub fn parse(s: &str) -> Option<ItemKind> {
        ItemKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    /// Whether the doctor signs it as a form in the portal.
    pub fn is_form(self) -> bool {
        ItemKind::FORMS.contains(&self)
    }

    /// Who completes it.
    pub fn completer(self) -> Completer {
        match self {
            ItemKind::Authorisation => Completer::Either,
            ItemKind::Confidentiality | ItemKind::DataUserContract | ItemKind::InfectionControl => {
                Completer::Doctor
            }
            ItemKind::PoliceCertificate => Completer::Employer,
        }
    }

    /// The item's name for people; the police certificate of the municipal part is the renewed one.
    pub fn label(self, part: Part, lang: Lang) -> &'static str {
        match self {
            ItemKind::Authorisation => lang.pick3(
                "Autorisasjon eller LIS1-lisens",
                "Autorisasjon eller LIS1-lisens",
                "Authorisation or LIS1 licence",
            ),
            ItemKind::Confidentiality => lang.pick3(
                "Taushetserklæring",
                "Erklæring om teieplikt",
                "Confidentiality form",
            ),
            ItemKind::DataUserContract => lang.pick3(
                "Databrukerkontrakt",
                "Databrukarkontrakt",
                "Data-user contract",
            ),
            ItemKind::InfectionControl => lang.pick3(
                "Smittevernskjema",
                "Smittevernskjema",
                "Infection-control form",
            ),
            ItemKind::PoliceCertificate => match part {
                Part::Hospital => lang.pick3("Politiattest", "Politiattest", "Police certificate"),
                Part::Municipal => lang.pick3(
                    "Fornyet politiattest",
                    "Fornya politiattest",
                    "Renewed police certificate",
                ),
            },
        }
    }
}

/// The largest maximum age of a police certificate an employer may set, in months.
pub const MAX_POLICE_AGE_MONTHS: u8 = 12;

/// The default maximum age of a police certificate at the start, in months.
pub const DEFAULT_POLICE_AGE_MONTHS: u8 = 3;

/// What one employer requires before its part starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirements {
    /// Authorisation or LIS1 licence valid on the start date.
    pub authorisation: bool,
    /// The confidentiality form.
    pub confidentiality: bool,
    /// The data-user contract.
    pub data_user_contract: bool,
    /// The infection-control form.
    pub infection_control: bool,
    /// A police certificate.
    pub police_certificate: bool,
    /// The police certificate's greatest age on the start date, in whole months (1–12).
    pub police_max_age_months: u8,
}

impl Requirements {
    /// HNT's requirements (000 §6.2.1), the default for every employer: before the hospital
    /// part, authorisation or licence, the three forms and a police certificate; before the
    /// municipal part, authorisation or licence still valid and a renewed police certificate.
    /// A police certificate may be at most three months old at the start.
    pub fn hnt_default(part: Part) -> Requirements {
        let hospital = part == Part::Hospital;
        Requirements {
            authorisation: true,
            confidentiality: hospital,
            data_user_contract: hospital,
            infection_control: hospital,
            police_certificate: true,
            police_max_age_months: DEFAULT_POLICE_AGE_MONTHS,
        }
    }

    /// Whether `kind` is required.
    pub fn requires(&self, kind: ItemKind) -> bool {
        match kind {
            ItemKind::Authorisation => self.authorisation,
            ItemKind::Confidentiality => self.confidentiality,
            ItemKind::DataUserContract => self.data_user_contract,
            ItemKind::InfectionControl => self.infection_control,
            ItemKind::PoliceCertificate => self.police_certificate,
        }
    }

    /// The required items, in checklist order.
    pub fn items(&self) -> Vec<ItemKind> {
        ItemKind::ALL
            .into_iter()
            .filter(|k| self.requires(*k))
            .collect()
    }

    /// Checks an employer's settings before they are stored.
    pub fn check(&self) -> Result<(), OnboardingError> {
        if !(1..=MAX_POLICE_AGE_MONTHS).contains(&self.police_max_age_months) {
            return Err(OnboardingError::MaxAgeOutOfRange {
                months: self.police_max_age_months,
            });
        }
        Ok(())
    }

    /// The oldest date a police certificate may carry for a part starting on `start`.
    pub fn oldest_police_certificate(&self, start: Date) -> Date {
        start.saturating_sub(i64::from(self.police_max_age_months).months())
    }
}

/// The last day an item of a part starting on `start` may be completed on: the day before.
pub fn due_date(start: Date) -> Date {
    start.saturating_sub(1.day())
}

/// The kind of right to practise found in the HPR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorisationKind {
    /// *Autorisasjon som lege*: permanent.
    Authorisation,
    /// *Lisens* (LIS1 licence): limited in time.
    Licence,
}

impl AuthorisationKind {
    /// The stable string stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthorisationKind::Authorisation => "authorisation",
            AuthorisationKind::Licence => "licence",
        }
    }

    /// Parses the stable string.
    pub fn parse(s: &str) -> Option<AuthorisationKind> {
        match s {
            "authorisation" => Some(AuthorisationKind::Authorisation),
            "licence" => Some(AuthorisationKind::Licence),
            _ => None,
        }
    }

    /// For people.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            AuthorisationKind::Authorisation => lang.pick3(
                "Autorisasjon som lege",
                "Autorisasjon som lege",
                "Authorised as a doctor",
            ),
            AuthorisationKind::Licence => {
                lang.pick3("Lisens (LIS1)", "Lisens (LIS1)", "Licence (LIS1)")
            }
        }
    }
}

/// One right to practise in the HPR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HprAuthorisation {
    /// The profession, as the register names it (we count only `lege`).
    pub profession: String,
    /// Authorisation or licence.
    pub kind: AuthorisationKind,
    /// First day it is valid.
    pub valid_from: Date,
    /// Last day it is valid; `None` for no end.
    pub valid_to: Option<Date>,
}

impl HprAuthorisation {
    /// Whether it is a doctor's.
    pub fn is_doctor(&self) -> bool {
        self.profession.trim().eq_ignore_ascii_case("lege")
    }

    /// Whether it is in force on `day`.
    pub fn valid_on(&self, day: Date) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|to| day <= to)
    }
}

/// What the HPR says about one number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HprRecord {
    /// The number looked up.
    pub hpr_number: HprNumber,
    /// The person's name in the register.
    pub name: String,
    /// Their rights to practise.
    pub authorisations: Vec<HprAuthorisation>,
}

/// Picks the doctor's right to practise that counts for a part starting on `start`: one in force
/// on the start date, an authorisation before a licence. Refused, naming the reason, when the
/// register has none that is in force on that day.
pub fn authorisation_for_start(
    record: &HprRecord,
    start: Date,
) -> Result<HprAuthorisation, OnboardingError> {
    let doctor: Vec<&HprAuthorisation> = record
        .authorisations
        .iter()
        .filter(|a| a.is_doctor())
        .collect();
    if doctor.is_empty() {
        return Err(OnboardingError::NoDoctorAuthorisation);
    }
    let mut valid: Vec<&HprAuthorisation> = doctor
        .iter()
        .copied()
        .filter(|a| a.valid_on(start))
        .collect();
    valid.sort_by_key(|a| (a.kind != AuthorisationKind::Authorisation, a.valid_from));
    if let Some(a) = valid.first() {
        return Ok((*a).clone());
    }
    // 000 §6.2.1: "Norsk autorisasjon innen 1. mars/1. september" — say why none counts. One
    // that began by the start but counts no longer has ended before it.
    if let Some(valid_to) = doctor
        .iter()
        .filter(|a| a.valid_from <= start)
        .filter_map(|a| a.valid_to)
        .max()
    {
        return Err(OnboardingError::AuthorisationExpiresBeforeStart { valid_to, start });
    }
    let valid_from = doctor.iter().map(|a| a.valid_from).min().unwrap_or(start);
    Err(OnboardingError::AuthorisationNotValidFromStart { valid_from, start })
}

/// The record that an employer saw a police certificate. The certificate itself is not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoliceCheck {
    /// The date printed on the certificate.
    pub certificate_date: Date,
    /// The day the employer saw it.
    pub checked_on: Date,
    /// Whether it gave cause for follow-up. No details are recorded in the portal.
    pub follow_up: bool,
}

/// Checks a police certificate check before it is recorded for a part starting on `start`:
/// seen no later than `today`, dated no later than the day it was seen, and not older than the
/// employer's maximum on the start date.
pub fn check_police_certificate(
    check: &PoliceCheck,
    today: Date,
    start: Date,
    requirements: &Requirements,
) -> Result<(), OnboardingError> {
    if check.checked_on > today {
        return Err(OnboardingError::CheckInFuture { today });
    }
    if check.certificate_date > check.checked_on {
        return Err(OnboardingError::CertificateAfterCheck {
            checked_on: check.checked_on,
        });
    }
    let oldest = requirements.oldest_police_certificate(start);
    if check.certificate_date < oldest {
        return Err(OnboardingError::CertificateTooOld {
            oldest,
            start,
            months: requirements.police_max_age_months,
        });
    }
    Ok(())
}

/// A recorded item, as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// The HPR lookup's result.
    Authorisation {
        /// The HPR number.
        hpr_number: HprNumber,
        /// Authorisation or licence.
        kind: AuthorisationKind,
        /// First valid day.
        valid_from: Date,
        /// Last valid day, if any.
        valid_to: Option<Date>,
    },
    /// A form signed in the portal.
    Signed {
        /// The text version signed.
        text_id: i64,
        /// The day it was signed.
        signed_on: Date,
    },
    /// A police certificate seen by the employer.
    Police(PoliceCheck),
}

/// Why a recorded item no longer counts for the start it is due for (the start moved, or the
/// employer's requirements changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    /// The authorisation or licence ends before the start.
    ExpiresBeforeStart {
        /// Its last valid day.
        valid_to: Date,
    },
    /// The authorisation or licence begins after the start.
    NotValidFromStart {
        /// Its first valid day.
        valid_from: Date,
    },
    /// The police certificate will be too old at the start.
    CertificateTooOld {
        /// The oldest date accepted.
        oldest: Date,
    },
}

impl Problem {
    /// For people.
    pub fn message(self, lang: Lang) -> String {
        let d = |x: Date| crate::calendar::format_date(x, lang);
        match (self, lang) {
            (Problem::ExpiresBeforeStart { valid_to }, Lang::Nb) => {
                format!("Utløper {} – før oppstart. Må fornyes.", d(valid_to))
            }
            (Problem::ExpiresBeforeStart { valid_to }, Lang::Nn) => {
                format!("Går ut {} – før oppstart. Må fornyast.", d(valid_to))
            }
            (Problem::ExpiresBeforeStart { valid_to }, Lang::En) => {
                format!(
                    "Expires on {} – before the start. Must be renewed.",
                    d(valid_to)
                )
            }
            (Problem::NotValidFromStart { valid_from }, Lang::Nb) => {
                format!("Gjelder først fra {} – etter oppstart.", d(valid_from))
            }
            (Problem::NotValidFromStart { valid_from }, Lang::Nn) => {
                format!("Gjeld først frå {} – etter oppstart.", d(valid_from))
            }
            (Problem::NotValidFromStart { valid_from }, Lang::En) => {
                format!("Valid only from {} – after the start.", d(valid_from))
            }
            (Problem::CertificateTooOld { oldest }, Lang::Nb) => format!(
                "For gammel ved oppstart: må være datert {} eller senere.",
                d(oldest)
            ),
            (Problem::CertificateTooOld { oldest }, Lang::Nn) => format!(
                "For gammal ved oppstart: må vere datert {} eller seinare.",
                d(oldest)
            ),
            (Problem::CertificateTooOld { oldest }, Lang::En) => format!(
                "Too old at the start: it must be dated {} or later.",
                d(oldest)
            ),
        }
    }
}

/// Where one item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Recorded and valid for the start.
    Done,
    /// Not (validly) recorded; the deadline has not passed.
    Missing,
    /// Not (validly) recorded, and the deadline has passed.
    Overdue,
}

impl ItemStatus {
    /// A stable string for templates and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Done => "done",
            ItemStatus::Missing => "missing",
            ItemStatus::Overdue => "overdue",
        }
    }

    /// For people.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            ItemStatus::Done => lang.pick3("Levert", "Levert", "Done"),
            ItemStatus::Missing => lang.pick3("Mangler", "Manglar", "Missing"),
            ItemStatus::Overdue => lang.pick3("Frist passert", "Frist passert", "Overdue"),
        }
    }
}

/// One item of a part's checklist, evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluated {
    /// The item.
    pub kind: ItemKind,
    /// Its status.
    pub status: ItemStatus,
    /// Why a recorded item does not count, if it does not.
    pub problem: Option<Problem>,
}

/// Whether `record` counts for a part starting on `start` under `req`, and if not, why.
pub fn validity(record: &Record, start: Date, req: &Requirements) -> Option<Problem> {
    match record {
        Record::Authorisation {
            valid_from,
            valid_to,
            ..
        } => {
            if *valid_from > start {
                Some(Problem::NotValidFromStart {
                    valid_from: *valid_from,
                })
            } else {
                valid_to
                    .filter(|to| *to < start)
                    .map(|valid_to| Problem::ExpiresBeforeStart { valid_to })
            }
        }
        Record::Signed { .. } => None,
        Record::Police(check) => {
            let oldest = req.oldest_police_certificate(start);
            (check.certificate_date < oldest).then_some(Problem::CertificateTooOld { oldest })
        }
    }
}

/// Evaluates one required item for a part starting on `start`, on `today`.
pub fn evaluate(
    kind: ItemKind,
    record: Option<&Record>,
    req: &Requirements,
    start: Date,
    today: Date,
) -> Evaluated {
    let problem = record.and_then(|r| validity(r, start, req));
    let status = if record.is_some() && problem.is_none() {
        ItemStatus::Done
    } else if today > due_date(start) {
        ItemStatus::Overdue
    } else {
        ItemStatus::Missing
    };
    Evaluated {
        kind,
        status,
        problem,
    }
}

/// Where a doctor stands for one part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PartStatus {
    /// Everything required is in place.
    Ready,
    /// `missing` items are not in place; the deadline has not passed.
    Missing {
        /// How many.
        missing: usize,
    },
    /// `missing` items are not in place, and the deadline has passed.
    Overdue {
        /// How many.
        missing: usize,
    },
}

impl PartStatus {
    /// The status of a part from its evaluated items.
    pub fn of(items: &[Evaluated]) -> PartStatus {
        let missing = items
            .iter()
            .filter(|i| i.status != ItemStatus::Done)
            .count();
        if missing == 0 {
            PartStatus::Ready
        } else if items.iter().any(|i| i.status == ItemStatus::Overdue) {
            PartStatus::Overdue { missing }
        } else {
            PartStatus::Missing { missing }
        }
    }

    /// A stable string for templates and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            PartStatus::Ready => "ready",
            PartStatus::Missing { .. } => "missing",
            PartStatus::Overdue { .. } => "overdue",
        }
    }

    /// How many items are missing.
    pub fn missing(self) -> usize {
        match self {
            PartStatus::Ready => 0,
            PartStatus::Missing { missing } | PartStatus::Overdue { missing } => missing,
        }
    }

    /// For people: "Klar", "Mangler 2", "Frist passert – mangler 1".
    pub fn label(self, lang: Lang) -> String {
        match (self, lang) {
            (PartStatus::Ready, _) => lang.pick3("Klar", "Klar", "Ready").into(),
            (PartStatus::Missing { missing }, Lang::Nb) => format!("Mangler {missing}"),
            (PartStatus::Missing { missing }, Lang::Nn) => format!("Manglar {missing}"),
            (PartStatus::Missing { missing }, Lang::En) => format!("Missing {missing}"),
            (PartStatus::Overdue { missing }, Lang::Nb) => {
                format!("Frist passert – mangler {missing}")
            }
            (PartStatus::Overdue { missing }, Lang::Nn) => {
                format!("Frist passert – manglar {missing}")
            }
            (PartStatus::Overdue { missing }, Lang::En) => {
                format!("Overdue – missing {missing}")
            }
        }
    }
}

/// How many days before the start a doctor who is not ready is flagged to the doctor and the
/// employer (the issue: "not ready two weeks before the start").
pub const FLAG_DAYS: i32 = 14;

/// Whether a part starting on `start` with `status` is flagged on `today`: not ready, and the
/// start is at most [`FLAG_DAYS`] away (or past).
pub fn is_flagged(status: PartStatus, start: Date, today: Date) -> bool {
    status != PartStatus::Ready && today >= start.saturating_sub(FLAG_DAYS.days())
}

/// A reminder before a part starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderStage {
    /// Four weeks before the start.
    FourWeeks,
    /// Two weeks before the start.
    TwoWeeks,
}

impl ReminderStage {
    /// The stable string used in mail keys.
    pub fn as_str(self) -> &'static str {
        match self {
            ReminderStage::FourWeeks => "4w",
            ReminderStage::TwoWeeks => "2w",
        }
    }
}

/// The reminder due on `today` for a part starting on `start`: from 28 days before the start the
/// four-week one, from 14 days before the two-week one, none once it has started. A job that was
/// down for the four-week moment sends only the two-week one.
pub fn reminder_stage(start: Date, today: Date) -> Option<ReminderStage> {
    if today >= start {
        None
    } else if today >= start.saturating_sub(14.days()) {
        Some(ReminderStage::TwoWeeks)
    } else if today >= start.saturating_sub(28.days()) {
        Some(ReminderStage::FourWeeks)
    } else {
        None
    }
}

/// Checks that a form is signed by the doctor it is for: the person signing, the course's doctor
/// and the doctor the declaration names must be one and the same, and the doctor must confirm
/// having read the text.
pub fn check_signature(
    signer: i64,
    course_doctor: i64,
    named_doctor: i64,
    confirmed_read: bool,
) -> Result<(), OnboardingError> {
    if signer != course_doctor || named_doctor != signer {
        return Err(OnboardingError::SignedForAnotherDoctor);
    }
    if !confirmed_read {
        return Err(OnboardingError::ReadNotConfirmed);
    }
    Ok(())
}

/// Why a registration was refused. Nothing was saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OnboardingError {
    /// The police certificate is dated after the day it was seen.
    #[error("politiattesten er datert etter kontrollen")]
    CertificateAfterCheck {
        /// The day of the check.
        checked_on: Date,
    },
    /// The check is dated in the future.
    #[error("kontrolldatoen er etter i dag")]
    CheckInFuture {
        /// Today.
        today: Date,
    },
    /// The police certificate will be older than the employer's maximum at the start.
    #[error("politiattesten er for gammel ved oppstart")]
    CertificateTooOld {
        /// The oldest date accepted.
        oldest: Date,
        /// The start.
        start: Date,
        /// The maximum age in months.
        months: u8,
    },
    /// The authorisation or licence ends before the start.
    #[error("autorisasjonen utløper før oppstart")]
    AuthorisationExpiresBeforeStart {
        /// Its last valid day.
        valid_to: Date,
        /// The start.
        start: Date,
    },
    /// The authorisation or licence is not in force on the start date.
    #[error("autorisasjonen gjelder ikke fra oppstart")]
    AuthorisationNotValidFromStart {
        /// Its first valid day.
        valid_from: Date,
        /// The start.
        start: Date,
    },
    /// The HPR number has no doctor's authorisation or licence.
    #[error("HPR-nummeret har ingen autorisasjon eller lisens som lege")]
    NoDoctorAuthorisation,
    /// The HPR number is not in the register.
    #[error("HPR-nummeret finnes ikke i Helsepersonellregisteret")]
    NotInRegister,
    /// A declaration signed for someone else.
    #[error("erklæringen gjelder en annen lege")]
    SignedForAnotherDoctor,
    /// The doctor did not confirm having read the text.
    #[error("bekreft at du har lest teksten")]
    ReadNotConfirmed,
    /// The text signed is not the current version.
    #[error("teksten er endret")]
    TextChanged,
    /// The employer does not require this item for this part.
    #[error("ikke et krav for denne delen")]
    NotRequired,
    /// The maximum age is out of range.
    #[error("ugyldig maksimal alder")]
    MaxAgeOutOfRange {
        /// What was asked for.
        months: u8,
    },
}

impl Localized for OnboardingError {
    fn code(&self) -> &'static str {
        match self {
            OnboardingError::CertificateAfterCheck { .. } => "police_certificate_after_check",
            OnboardingError::CheckInFuture { .. } => "police_check_in_future",
            OnboardingError::CertificateTooOld { .. } => "police_certificate_too_old",
            OnboardingError::AuthorisationExpiresBeforeStart { .. } => {
                "authorisation_expires_before_start"
            }
            OnboardingError::AuthorisationNotValidFromStart { .. } => {
                "authorisation_not_valid_from_start"
            }
            OnboardingError::NoDoctorAuthorisation => "authorisation_not_doctor",
            OnboardingError::NotInRegister => "hpr_number_not_found",
            OnboardingError::SignedForAnotherDoctor => "declaration_for_another_doctor",
            OnboardingError::ReadNotConfirmed => "declaration_not_read",
            OnboardingError::TextChanged => "declaration_text_changed",
            OnboardingError::NotRequired => "onboarding_item_not_required",
            OnboardingError::MaxAgeOutOfRange { .. } => "police_max_age_out_of_range",
        }
    }

    fn message(&self, lang: Lang) -> String {
        let d = |x: &Date| crate::calendar::format_date(*x, lang);
        match (self, lang) {
            (OnboardingError::CertificateAfterCheck { checked_on }, Lang::Nb) => format!(
                "Politiattesten kan ikke være datert etter at den ble kontrollert ({}). Sjekk datoene. Ingenting ble lagret.",
                d(checked_on)
            ),
            (OnboardingError::CertificateAfterCheck { checked_on }, Lang::Nn) => format!(
                "Politiattesten kan ikkje vere datert etter at han vart kontrollert ({}). Sjekk datoane. Ingenting vart lagra.",
                d(checked_on)
            ),
            (OnboardingError::CertificateAfterCheck { checked_on }, Lang::En) => format!(
                "The police certificate cannot be dated after it was checked ({}). Check the dates. Nothing was saved.",
                d(checked_on)
            ),
            (OnboardingError::CheckInFuture { today }, Lang::Nb) => format!(
                "Kontrolldatoen kan ikke være etter i dag ({}). Ingenting ble lagret.",
                d(today)
            ),
            (OnboardingError::CheckInFuture { today }, Lang::Nn) => format!(
                "Kontrolldatoen kan ikkje vere etter i dag ({}). Ingenting vart lagra.",
                d(today)
            ),
            (OnboardingError::CheckInFuture { today }, Lang::En) => format!(
                "The date of the check cannot be after today ({}). Nothing was saved.",
                d(today)
            ),
            (OnboardingError::CertificateTooOld { oldest, start, months }, Lang::Nb) => format!(
                "Politiattesten vil være eldre enn {months} måneder ved oppstart {} (000 §6.2.1 og arbeidsgiverens krav). Den må være datert {} eller senere; be legen om en fornyet attest. Ingenting ble lagret.",
                d(start),
                d(oldest)
            ),
            (OnboardingError::CertificateTooOld { oldest, start, months }, Lang::Nn) => format!(
                "Politiattesten vil vere eldre enn {months} månader ved oppstart {} (000 §6.2.1 og kravet frå arbeidsgjevaren). Attesten må vere datert {} eller seinare; be legen om ein fornya attest. Ingenting vart lagra.",
                d(start),
                d(oldest)
            ),
            (OnboardingError::CertificateTooOld { oldest, start, months }, Lang::En) => format!(
                "The police certificate will be older than {months} months at the start on {} (000 §6.2.1 and the employer's requirement). It must be dated {} or later; ask the doctor for a renewed certificate. Nothing was saved.",
                d(start),
                d(oldest)
            ),
            (OnboardingError::AuthorisationExpiresBeforeStart { valid_to, start }, Lang::Nb) => {
                format!(
                    "Autorisasjonen eller lisensen i Helsepersonellregisteret utløper {}, før oppstart {}. Den må gjelde fra oppstartsdagen (000 §6.2.1). Ingenting ble lagret.",
                    d(valid_to),
                    d(start)
                )
            },
            (OnboardingError::AuthorisationExpiresBeforeStart { valid_to, start }, Lang::Nn) => {
                format!(
                    "Autorisasjonen eller lisensen i Helsepersonellregisteret går ut {}, før oppstart {}. Autorisasjonen eller lisensen må gjelde frå oppstartsdagen (000 §6.2.1). Ingenting vart lagra.",
                    d(valid_to),
                    d(start)
                )
            },
            (OnboardingError::AuthorisationExpiresBeforeStart { valid_to, start }, Lang::En) => {
                format!(
                    "The authorisation or licence in the Health Personnel Register expires on {}, before the start on {}. It must be valid from the start date (000 §6.2.1). Nothing was saved.",
                    d(valid_to),
                    d(start)
                )
            }
            (OnboardingError::AuthorisationNotValidFromStart { valid_from, start }, Lang::Nb) => {
                format!(
                    "Autorisasjonen eller lisensen gjelder først fra {}, etter oppstart {}. Den må gjelde fra oppstartsdagen (000 §6.2.1). Ingenting ble lagret.",
                    d(valid_from),
                    d(start)
                )
            },
            (OnboardingError::AuthorisationNotValidFromStart { valid_from, start }, Lang::Nn) => {
                format!(
                    "Autorisasjonen eller lisensen gjeld først frå {}, etter oppstart {}. Autorisasjonen eller lisensen må gjelde frå oppstartsdagen (000 §6.2.1). Ingenting vart lagra.",
                    d(valid_from),
                    d(start)
                )
            },
            (OnboardingError::AuthorisationNotValidFromStart { valid_from, start }, Lang::En) => {
                format!(
                    "The authorisation or licence is valid only from {}, after the start on {}. It must be valid from the start date (000 §6.2.1). Nothing was saved.",
                    d(valid_from),
                    d(start)
                )
            }
            (OnboardingError::NoDoctorAuthorisation, Lang::Nb) => "Helsepersonellregisteret har ingen autorisasjon eller lisens som lege for dette HPR-nummeret. Ingenting ble lagret.".into(),
            (OnboardingError::NoDoctorAuthorisation, Lang::Nn) => "Helsepersonellregisteret har ingen autorisasjon eller lisens som lege for dette HPR-nummeret. Ingenting vart lagra.".into(),
            (OnboardingError::NoDoctorAuthorisation, Lang::En) => "The Health Personnel Register has no authorisation or licence as a doctor for this HPR number. Nothing was saved.".into(),
            (OnboardingError::NotInRegister, Lang::Nb) => "HPR-nummeret finnes ikke i Helsepersonellregisteret. Sjekk nummeret. Ingenting ble lagret.".into(),
            (OnboardingError::NotInRegister, Lang::Nn) => "HPR-nummeret finst ikkje i Helsepersonellregisteret. Sjekk nummeret. Ingenting vart lagra.".into(),
            (OnboardingError::NotInRegister, Lang::En) => "The HPR number is not in the Health Personnel Register. Check the number. Nothing was saved.".into(),
            (OnboardingError::SignedForAnotherDoctor, Lang::Nb) => "Erklæringen gjelder en annen lege. Du kan bare signere dine egne erklæringer. Ingenting ble lagret.".into(),
            (OnboardingError::SignedForAnotherDoctor, Lang::Nn) => "Erklæringa gjeld ein annan lege. Du kan berre signere dine eigne erklæringar. Ingenting vart lagra.".into(),
            (OnboardingError::SignedForAnotherDoctor, Lang::En) => "The declaration is for another doctor. You can sign only your own declarations. Nothing was saved.".into(),
            (OnboardingError::ReadNotConfirmed, Lang::Nb) => "Bekreft at du har lest teksten før du signerer. Ingenting ble lagret.".into(),
            (OnboardingError::ReadNotConfirmed, Lang::Nn) => "Stadfest at du har lese teksten før du signerer. Ingenting vart lagra.".into(),
            (OnboardingError::ReadNotConfirmed, Lang::En) => "Confirm that you have read the text before you sign. Nothing was saved.".into(),
            (OnboardingError::TextChanged, Lang::Nb) => "Teksten er endret siden du åpnet siden. Les den nye versjonen og signer på nytt. Ingenting ble lagret.".into(),
            (OnboardingError::TextChanged, Lang::Nn) => "Teksten er endra sidan du opna sida. Les den nye versjonen og signer på nytt. Ingenting vart lagra.".into(),
            (OnboardingError::TextChanged, Lang::En) => "The text has changed since you opened the page. Read the new version and sign again. Nothing was saved.".into(),
            (OnboardingError::NotRequired, Lang::Nb) => "Arbeidsgiveren krever ikke dette for denne delen av LIS1-løpet. Ingenting ble lagret.".into(),
            (OnboardingError::NotRequired, Lang::Nn) => "Arbeidsgjevaren krev ikkje dette for denne delen av LIS1-løpet. Ingenting vart lagra.".into(),
            (OnboardingError::NotRequired, Lang::En) => "The employer does not require this for this part of the course. Nothing was saved.".into(),
            (OnboardingError::MaxAgeOutOfRange { months }, Lang::Nb) => format!(
                "Største alder på politiattesten må være mellom 1 og {MAX_POLICE_AGE_MONTHS} måneder, ikke {months}. Ingenting ble lagret."
            ),
            (OnboardingError::MaxAgeOutOfRange { months }, Lang::Nn) => format!(
                "Største alder på politiattesten må vere mellom 1 og {MAX_POLICE_AGE_MONTHS} månader, ikkje {months}. Ingenting vart lagra."
            ),
            (OnboardingError::MaxAgeOutOfRange { months }, Lang::En) => format!(
                "The police certificate's maximum age must be between 1 and {MAX_POLICE_AGE_MONTHS} months, not {months}. Nothing was saved."
            ),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::course::{CourseDates, Leave, LeaveKind};
    use jiff::civil::date;
    use proptest::prelude::*;

    fn police(certificate_date: Date, checked_on: Date) -> Record {
        Record::Police(PoliceCheck {
            certificate_date,
            checked_on,
            follow_up: false,
        })
    }

    fn hpr(auths: Vec<HprAuthorisation>) -> HprRecord {
        HprRecord {
            hpr_number: HprNumber::parse("1234567").unwrap(),
            name: "Ingrid Aune".into(),
            authorisations: auths,
        }
    }

    fn auth(kind: AuthorisationKind, from: Date, to: Option<Date>) -> HprAuthorisation {
        HprAuthorisation {
            profession: "Lege".into(),
            kind,
            valid_from: from,
            valid_to: to,
        }
    }

    #[test]
    fn hnt_requires_forms_only_before_the_hospital_part() {
        let h = Requirements::hnt_default(Part::Hospital);
        let m = Requirements::hnt_default(Part::Municipal);
        assert_eq!(h.items(), ItemKind::ALL.to_vec());
        assert_eq!(
            m.items(),
            vec![ItemKind::Authorisation, ItemKind::PoliceCertificate]
        );
        assert_eq!(h.police_max_age_months, 3);
        assert!(h.check().is_ok());
        let bad = Requirements {
            police_max_age_months: 0,
            ..h
        };
        assert_eq!(
            bad.check().unwrap_err().code(),
            "police_max_age_out_of_range"
        );
    }

    #[test]
    fn the_hospital_certificate_is_too_old_for_the_municipal_part() {
        // Shown in August 2026 for the hospital start 1 September 2026: fine there, but more than
        // three months old at the municipal start 1 September 2027, so it must be renewed.
        let req = Requirements::hnt_default(Part::Municipal);
        let seen = police(date(2026, 8, 10), date(2026, 8, 20));
        assert_eq!(validity(&seen, date(2026, 9, 1), &req), None);
        assert_eq!(
            validity(&seen, date(2027, 9, 1), &req),
            Some(Problem::CertificateTooOld {
                oldest: date(2027, 6, 1)
            })
        );
    }

    #[test]
    fn a_missing_renewed_certificate_is_overdue_after_the_municipal_deadline_only() {
        let course = CourseDates::from_hospital_start(date(2026, 9, 1));
        let today = date(2027, 9, 2);
        let hreq = Requirements::hnt_default(Part::Hospital);
        let mreq = Requirements::hnt_default(Part::Municipal);
        let seen = police(date(2026, 8, 10), date(2026, 8, 20));
        let hospital = evaluate(
            ItemKind::PoliceCertificate,
            Some(&seen),
            &hreq,
            course.hospital_start,
            today,
        );
        assert_eq!(hospital.status, ItemStatus::Done);
        let municipal = evaluate(
            ItemKind::PoliceCertificate,
            None,
            &mreq,
            course.municipal_start,
            today,
        );
        assert_eq!(municipal.status, ItemStatus::Overdue);
        // The day before the start is the deadline itself: still only missing.
        let on_deadline = evaluate(
            ItemKind::PoliceCertificate,
            None,
            &mreq,
            course.municipal_start,
            date(2027, 8, 31),
        );
        assert_eq!(on_deadline.status, ItemStatus::Missing);
        assert_eq!(
            PartStatus::of(std::slice::from_ref(&hospital)),
            PartStatus::Ready
        );
        assert_eq!(
            PartStatus::of(&[municipal, hospital]),
            PartStatus::Overdue { missing: 1 }
        );
    }

    #[test]
    fn leave_moves_the_deadline_and_can_make_a_certificate_too_old() {
        let planned = CourseDates::from_hospital_start(date(2026, 9, 1));
        let leave = Leave {
            kind: LeaveKind::Parental,
            from: date(2027, 3, 1),
            to: date(2027, 4, 29),
        };
        let moved = planned.after_leave(&[leave]);
        assert_eq!(due_date(planned.municipal_start), date(2027, 8, 31));
        assert_eq!(due_date(moved.municipal_start), date(2027, 10, 30));
        let req = Requirements::hnt_default(Part::Municipal);
        // Renewed in June for 1 September; after the leave the start is 31 October.
        let renewed = police(date(2027, 6, 15), date(2027, 6, 20));
        let before = evaluate(
            ItemKind::PoliceCertificate,
            Some(&renewed),
            &req,
            planned.municipal_start,
            date(2027, 9, 15),
        );
        assert_eq!(before.status, ItemStatus::Done);
        let after = evaluate(
            ItemKind::PoliceCertificate,
            Some(&renewed),
            &req,
            moved.municipal_start,
            date(2027, 9, 15),
        );
        assert_eq!(
            after.status,
            ItemStatus::Missing,
            "not overdue: the deadline moved"
        );
        assert!(matches!(
            after.problem,
            Some(Problem::CertificateTooOld { .. })
        ));
    }

    #[test]
    fn bad_police_checks_are_refused_with_the_rule() {
        let req = Requirements::hnt_default(Part::Hospital);
        let start = date(2026, 9, 1);
        let today = date(2026, 8, 20);
        let check = |cert, seen| PoliceCheck {
            certificate_date: cert,
            checked_on: seen,
            follow_up: false,
        };
        let e = check_police_certificate(
            &check(date(2026, 8, 21), date(2026, 8, 20)),
            today,
            start,
            &req,
        )
        .unwrap_err();
        assert_eq!(e.code(), "police_certificate_after_check");
        assert!(
            e.message(Lang::Nb).contains("20.08.2026"),
            "{}",
            e.message(Lang::Nb)
        );
        let e = check_police_certificate(
            &check(date(2026, 8, 1), date(2026, 8, 21)),
            today,
            start,
            &req,
        )
        .unwrap_err();
        assert_eq!(e.code(), "police_check_in_future");
        let e = check_police_certificate(
            &check(date(2026, 5, 31), date(2026, 8, 1)),
            today,
            start,
            &req,
        )
        .unwrap_err();
        assert_eq!(e.code(), "police_certificate_too_old");
        assert!(
            e.message(Lang::Nb).contains("01.06.2026"),
            "{}",
            e.message(Lang::Nb)
        );
        assert!(
            check_police_certificate(
                &check(date(2026, 6, 1), date(2026, 8, 1)),
                today,
                start,
                &req
            )
            .is_ok()
        );
    }

    #[test]
    fn the_authorisation_that_counts_is_the_one_in_force_at_the_start() {
        let start = date(2027, 9, 1);
        let licence = auth(
            AuthorisationKind::Licence,
            date(2026, 8, 1),
            Some(date(2027, 6, 30)),
        );
        let e = authorisation_for_start(&hpr(vec![licence.clone()]), start).unwrap_err();
        assert_eq!(e.code(), "authorisation_expires_before_start");
        assert!(
            e.message(Lang::Nb).contains("30.06.2027"),
            "{}",
            e.message(Lang::Nb)
        );
        let later = auth(AuthorisationKind::Authorisation, date(2027, 10, 1), None);
        let e = authorisation_for_start(&hpr(vec![later.clone()]), start).unwrap_err();
        assert_eq!(e.code(), "authorisation_not_valid_from_start");
        let full = auth(AuthorisationKind::Authorisation, date(2026, 6, 20), None);
        let got = authorisation_for_start(&hpr(vec![licence, full.clone(), later]), start).unwrap();
        assert_eq!(got, full);
        let nurse = HprAuthorisation {
            profession: "Sykepleier".into(),
            ..full
        };
        assert_eq!(
            authorisation_for_start(&hpr(vec![nurse]), start)
                .unwrap_err()
                .code(),
            "authorisation_not_doctor"
        );
    }

    #[test]
    fn only_the_doctor_signs_and_only_after_reading() {
        assert!(check_signature(5, 5, 5, true).is_ok());
        assert_eq!(
            check_signature(5, 6, 6, true).unwrap_err().code(),
            "declaration_for_another_doctor"
        );
        assert_eq!(
            check_signature(5, 5, 6, true).unwrap_err().code(),
            "declaration_for_another_doctor"
        );
        assert_eq!(
            check_signature(5, 5, 5, false).unwrap_err().code(),
            "declaration_not_read"
        );
    }

    #[test]
    fn reminders_four_and_two_weeks_before_and_the_flag_at_two() {
        let start = date(2027, 9, 1);
        assert_eq!(reminder_stage(start, date(2027, 8, 3)), None);
        assert_eq!(
            reminder_stage(start, date(2027, 8, 4)),
            Some(ReminderStage::FourWeeks)
        );
        assert_eq!(
            reminder_stage(start, date(2027, 8, 17)),
            Some(ReminderStage::FourWeeks)
        );
        assert_eq!(
            reminder_stage(start, date(2027, 8, 18)),
            Some(ReminderStage::TwoWeeks)
        );
        assert_eq!(reminder_stage(start, date(2027, 9, 1)), None);
        let missing = PartStatus::Missing { missing: 1 };
        assert!(!is_flagged(missing, start, date(2027, 8, 17)));
        assert!(is_flagged(missing, start, date(2027, 8, 18)));
        assert!(!is_flagged(PartStatus::Ready, start, date(2027, 8, 30)));
        assert!(is_flagged(
            PartStatus::Overdue { missing: 1 },
            start,
            date(2027, 10, 1)
        ));
    }

    #[test]
    fn strings_round_trip() {
        for p in Part::ALL {
            assert_eq!(Part::parse(p.as_str()), Some(p));
            assert_eq!(Part::parse(p.slug()), Some(p));
        }
        for k in ItemKind::ALL {
            assert_eq!(ItemKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(ItemKind::parse("politiattest"), None);
    }

    proptest! {
        /// Whatever the dates, a police check accepted for a start still counts for that start,
        /// and any certificate older than the maximum is refused.
        #[test]
        fn an_accepted_check_counts_for_its_start(
            start_off in 0i64..800,
            cert_back in 0i64..400,
            seen_after in 0i64..60,
            months in 1u8..=12,
        ) {
            let start = date(2026, 3, 1).saturating_add(start_off.days());
            let req = Requirements { police_max_age_months: months, ..Requirements::hnt_default(Part::Hospital) };
            let cert = start.saturating_sub(cert_back.days());
            let seen = cert.saturating_add(seen_after.days());
            let check = PoliceCheck { certificate_date: cert, checked_on: seen, follow_up: false };
            let accepted = check_police_certificate(&check, seen, start, &req).is_ok();
            prop_assert_eq!(accepted, cert >= req.oldest_police_certificate(start));
            if accepted {
                prop_assert_eq!(validity(&Record::Police(check), start, &req), None);
                let e = evaluate(ItemKind::PoliceCertificate, Some(&Record::Police(check)), &req, start, start);
                prop_assert_eq!(e.status, ItemStatus::Done);
            }
        }

        /// Missing items are overdue exactly after the day before the start.
        #[test]
        fn overdue_exactly_after_the_deadline(start_off in 0i64..800, today_off in -60i64..60) {
            let start = date(2026, 3, 1).saturating_add(start_off.days());
            let today = start.saturating_add(today_off.days());
            let req = Requirements::hnt_default(Part::Hospital);
            let e = evaluate(ItemKind::Confidentiality, None, &req, start, today);
            prop_assert_eq!(e.status == ItemStatus::Overdue, today >= start);
        }
    }
}
