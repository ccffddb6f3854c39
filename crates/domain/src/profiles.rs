//! An applicant's profile (*søkerprofil*): the facts that the formal criteria
//! ([`crate::advertisements::check_formal`]) and the points rubric ([`crate::scoring::score`])
//! read.
//!
//! A profile is written once and reused for every application (applicants apply to about 17
//! advertisements each, domain notes §3). [`Profile::validate`] checks what a form can check and
//! returns **every** problem, each naming its form field. Whether the facts are true (the
//! documents behind them) is for the recruiter: the profile is what the applicant states.
//!
//! The profile is stored as JSON. Every enum is serialized in snake_case, dates as `YYYY-MM-DD`.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::identity::{HprNumber, NationalId, SyntheticPolicy};
use crate::{Lang, Localized};

/// Defines a field-less enum with a stable snake_case name (`as_str`, `parse`, `ALL`, the serde
/// form) and a bokmål/nynorsk/English `label`. `Display` gives the bokmål label. Each variant is
/// written `Variant = "name", "bokmål", "nynorsk", "English";` so the serde name and `as_str`
/// cannot drift apart.
macro_rules! labelled_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $s:literal, $nb:literal, $nn:literal, $en:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $s)] $variant, )+
        }

        impl $name {
            /// Every value, in form order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable names of [`Self::ALL`], in the same order.
            pub const NAMES: &'static [&'static str] = &[$($s),+];

            /// The stable snake_case name, the same as the serde form.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $s,)+
                }
            }

            /// Parses the name written by `as_str`.
            pub fn parse(s: &str) -> Result<$name, $crate::profiles::UnknownValue> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| $crate::profiles::UnknownValue::new(s, $name::NAMES))
            }

            /// The label for people.
            pub fn label(self, lang: $crate::Lang) -> &'static str {
                match self {
                    $($name::$variant => lang.pick3($nb, $nn, $en),)+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            /// The bokmål label.
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.label($crate::Lang::Nb))
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::profiles::UnknownValue;
            /// Same as `parse`.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::parse(s)
            }
        }
    };
}
pub(crate) use labelled_enum;

/// A name that is not one of an enum's stable names (a tampered form value, an old row).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnknownValue {
    /// What was given, cut to 40 characters.
    pub value: String,
    /// The names that are allowed.
    pub allowed: &'static [&'static str],
}

impl UnknownValue {
    /// An error for `value`, listing `allowed`.
    pub fn new(value: &str, allowed: &'static [&'static str]) -> UnknownValue {
        UnknownValue {
            value: value.chars().take(40).collect(),
            allowed,
        }
    }
}

impl Localized for UnknownValue {
    fn code(&self) -> &'static str {
        "unknown_value"
    }

    fn message(&self, lang: Lang) -> String {
        let allowed = self.allowed.join(", ");
        match lang {
            Lang::Nb => format!("Ukjent verdi «{}». Tillatt: {allowed}.", self.value),
            Lang::Nn => format!("Ukjend verdi «{}». Tillate: {allowed}.", self.value),
            Lang::En => format!("Unknown value “{}”. Allowed: {allowed}.", self.value),
        }
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Nb))
    }
}

impl std::error::Error for UnknownValue {}

/// The longest full name, in characters.
pub const NAME_MAX_CHARS: usize = 200;
/// The longest free text (employer, university, titles, reference names …), in characters.
pub const TEXT_MAX_CHARS: usize = 500;
/// The longest e-mail address (RFC 5321's path limit).
pub const EMAIL_MAX_CHARS: usize = 254;
/// At most this many work experiences.
pub const MAX_EXPERIENCES: usize = 50;
/// At most this many merits.
pub const MAX_MERITS: usize = 50;
/// At most this many references.
pub const MAX_REFERENCES: usize = 10;
/// The earliest plausible date in a profile (a degree, a job, a merit): nobody applying for LIS1
/// graduated or worked before it, and a date before it is a typo.
pub const EARLIEST_DATE: Date = Date::constant(1950, 1, 1);
/// A degree or an authorisation may be expected at most this many years ahead (a student applies
/// before graduating; `9999-12-31` is a typo).
pub const DEGREE_YEARS_AHEAD: i16 = 5;
/// A fixed-term job may end at most this many years ahead.
pub const JOB_END_YEARS_AHEAD: i16 = 10;

/// Everything an applicant states about themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The full name, as in the Population Register.
    pub full_name: String,
    /// The e-mail address used for notices.
    pub email: String,
    /// The phone number; optional, free form (digits, spaces, `+`, `-`).
    #[serde(default)]
    pub phone: String,
    /// The national identity number, parsed (and the synthetic-number policy applied) at the
    /// edge. Stored JSON is trusted when loaded, see [`Profile::validate_identity`].
    #[serde(default, deserialize_with = "stored_national_id")]
    pub national_id: Option<NationalId>,
    /// The number in the Health Personnel Register, once the applicant has one.
    #[serde(default)]
    pub hpr_number: Option<HprNumber>,
    /// The medical degree.
    pub education: Education,
    /// Norwegian authorisation or LIS1 licence.
    pub authorisation: Authorisation,
    /// The applicant's own level of Norwegian (CEFR).
    pub norwegian: NorwegianLevel,
    /// A document of the level (Bergenstesten, C1) is attached; the web layer sets this.
    #[serde(default)]
    pub norwegian_documented: bool,
    /// Holds a class B driving licence (000 §6.2.1: wanted in the municipality part).
    #[serde(default)]
    pub driving_licence_b: bool,
    /// Work experience, in any order.
    #[serde(default)]
    pub experiences: Vec<Experience>,
    /// Research, courses, other education and the like (004 §2.7).
    #[serde(default)]
    pub merits: Vec<Merit>,
    /// References (000 §6.2.1: at least two; checked as a formal criterion, not here).
    #[serde(default)]
    pub references: Vec<Reference>,
    /// The career the applicant prefers after LIS1 (004 Table 1), for the follow-up statistics.
    #[serde(default)]
    pub career_preference: CareerPreference,
}

/// Loads a stored national identity number. The number was checked, with the deployment's
/// synthetic-number policy, when it entered the system; re-applying the production policy on
/// load would make every demo profile (which uses synthetic numbers) unreadable.
fn stored_national_id<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<NationalId>, D::Error> {
    let s: Option<String> = Option::deserialize(deserializer)?;
    s.map(|s| NationalId::parse_with(&s, SyntheticPolicy::Allow).map_err(serde::de::Error::custom))
        .transpose()
}

impl Default for Profile {
    /// An empty profile, as a new applicant's form starts.
    fn default() -> Self {
        Profile {
            full_name: String::new(),
            email: String::new(),
            phone: String::new(),
            national_id: None,
            hpr_number: None,
            education: Education::default(),
            authorisation: Authorisation::None,
            norwegian: NorwegianLevel::A1,
            norwegian_documented: false,
            driving_licence_b: false,
            experiences: Vec::new(),
            merits: Vec::new(),
            references: Vec::new(),
            career_preference: CareerPreference::None,
        }
    }
}

/// The medical degree and where it was taken.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Education {
    /// ISO 3166-1 alpha-2 code of the country, e.g. `NO`, `PL`.
    pub country: String,
    /// The university, free text.
    pub university: String,
    /// The degree.
    pub degree: DegreeKind,
    /// When the degree was (or is expected to be) awarded; may be in the future, since most
    /// applicants apply in their last semester.
    #[serde(default)]
    pub degree_date: Option<Date>,
}

impl Education {
    /// Where the degree was taken, see [`education_region`].
    pub fn region(&self) -> EducationRegion {
        education_region(&self.country)
    }
}

labelled_enum! {
    /// The kind of degree. The default, [`DegreeKind::Other`], claims nothing.
    #[derive(Default)]
    pub enum DegreeKind {
        /// Candidata/candidatus medicinae or an equivalent medical degree.
        CandMed = "cand_med", "Cand.med. (medisinsk embetsstudium)", "Cand.med. (medisinsk embetsstudium)", "Cand.med. (medical degree)";
        /// Anything else.
        #[default]
        Other = "other", "Annen grad", "Annan grad", "Other degree";
    }
}

/// Norwegian authorisation (*autorisasjon*) or LIS1 licence (*lisens*), 000 §6.2.1.
///
/// Serialized with a `status` tag: `{"status": "authorised", "date": "2027-06-20"}`,
/// `{"status": "none"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Authorisation {
    /// Authorised as a doctor in Norway from `date`.
    Authorised {
        /// The day the authorisation takes effect.
        date: Date,
    },
    /// Holds a licence for LIS1 from `date`.
    Lis1Licence {
        /// The day the licence takes effect.
        date: Date,
    },
    /// Has applied; the applicant's expected date, if they know one.
    Applied {
        /// When the applicant expects it.
        expected: Option<Date>,
    },
    /// Neither held nor applied for.
    None,
}

impl Authorisation {
    /// The stable name of the status: `authorised`, `lis1_licence`, `applied` or `none`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Authorisation::Authorised { .. } => "authorised",
            Authorisation::Lis1Licence { .. } => "lis1_licence",
            Authorisation::Applied { .. } => "applied",
            Authorisation::None => "none",
        }
    }

    /// The status for people, without the date.
    pub fn label(&self, lang: Lang) -> &'static str {
        match self {
            Authorisation::Authorised { .. } => {
                lang.pick3("Autorisert som lege", "Autorisert som lege", "Authorised")
            }
            Authorisation::Lis1Licence { .. } => {
                lang.pick3("LIS1-lisens", "LIS1-lisens", "LIS1 licence")
            }
            Authorisation::Applied { .. } => lang.pick3("Søkt", "Søkt", "Applied for"),
            Authorisation::None => lang.pick3("Ingen", "Ingen", "None"),
        }
    }

    /// The day a held authorisation or licence takes effect; `None` when it is not held.
    pub fn granted_on(&self) -> Option<Date> {
        match *self {
            Authorisation::Authorised { date } | Authorisation::Lis1Licence { date } => Some(date),
            Authorisation::Applied { .. } | Authorisation::None => None,
        }
    }
}

labelled_enum! {
    /// A level of Norwegian on the Common European Framework (CEFR), ordered from A1 to native.
    pub enum NorwegianLevel {
        /// A1.
        A1 = "a1", "A1", "A1", "A1";
        /// A2.
        A2 = "a2", "A2", "A2", "A2";
        /// B1.
        B1 = "b1", "B1", "B1", "B1";
        /// B2.
        B2 = "b2", "B2", "B2", "B2";
        /// C1: the level HNT requires, 000 §6.2.1 (Bergenstesten).
        C1 = "c1", "C1", "C1", "C1";
        /// C2.
        C2 = "c2", "C2", "C2", "C2";
        /// Norwegian is the applicant's first language.
        Native = "native", "Morsmål", "Morsmål", "Native";
    }
}

labelled_enum! {
    /// The kind of work.
    pub enum ExperienceKind {
        /// Work as a doctor (authorised, or as a student with licence).
        DoctorWork = "doctor_work", "Legearbeid", "Legearbeid", "Work as a doctor";
        /// Other paid work in the health service (nurse assistant, …); 004 §2.7: counts much less.
        OtherHealthWork = "other_health_work", "Annet arbeid i helsetjenesten", "Anna arbeid i helsetenesta",
            "Other work in the health service";
        /// Anything else.
        Other = "other", "Annet arbeid", "Anna arbeid", "Other work";
    }
}

labelled_enum! {
    /// In what capacity doctor work was done (004 §2.7: authorised counts more than as a student).
    pub enum WorkCapacity {
        /// As an authorised doctor.
        AuthorisedDoctor = "authorised_doctor", "Som autorisert lege", "Som autorisert lege", "As an authorised doctor";
        /// As a medical student with a licence (*studentlisens*).
        StudentWithLicence = "student_with_licence", "Som student med lisens", "Som student med lisens",
            "As a student with licence";
        /// Not doctor work.
        NotApplicable = "not_applicable", "Ikke aktuelt", "Ikkje aktuelt", "Not applicable";
    }
}

labelled_enum! {
    /// Where the work was done (004 §2.7: some employers rank hospital work above primary care).
    pub enum CareLevel {
        /// Primary care (*primærhelsetjenesten*): GP office, emergency room, nursing home, …
        Primary = "primary", "Primærhelsetjenesten", "Primærhelsetenesta", "Primary care";
        /// Specialist care (*spesialisthelsetjenesten*): hospitals.
        Specialist = "specialist", "Spesialisthelsetjenesten", "Spesialisthelsetenesta", "Specialist care";
        /// Neither, or outside the health service.
        Other = "other", "Annet", "Anna", "Other";
    }
}

/// One period of work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Experience {
    /// The employer, free text.
    pub employer: String,
    /// The first day of work.
    pub from: Date,
    /// The last day of work (inclusive); `None` while it goes on.
    #[serde(default)]
    pub to: Option<Date>,
    /// The kind of work.
    pub kind: ExperienceKind,
    /// Whether the work included on-call duty (*vakt*).
    #[serde(default)]
    pub on_call: bool,
    /// In what capacity, for doctor work.
    pub capacity: WorkCapacity,
    /// Where.
    pub care_level: CareLevel,
    /// The position size in percent, 1–100.
    pub percent: u8,
}

labelled_enum! {
    /// The kinds of merit that can give extra points (004 §2.7).
    pub enum MeritKind {
        /// Research: articles, a PhD, a research programme (*forskerlinjen*).
        Research = "research", "Forskning", "Forsking", "Research";
        /// A relevant course.
        Course = "course", "Kurs", "Kurs", "Course";
        /// Education besides medicine.
        OtherEducation = "other_education", "Annen utdanning", "Anna utdanning", "Other education";
        /// Humanitarian work.
        Humanitarian = "humanitarian", "Humanitært arbeid", "Humanitært arbeid", "Humanitarian work";
        /// An elected role (*tillitsverv*).
        ElectedRole = "elected_role", "Tillitsverv", "Tillitsverv", "Elected role";
        /// Military service (*førstegangstjeneste*).
        MilitaryService = "military_service", "Førstegangstjeneste", "Førstegongsteneste", "Military service";
        /// Anything else.
        Other = "other", "Annet", "Anna", "Other";
    }
}

/// One merit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merit {
    /// The kind.
    pub kind: MeritKind,
    /// What it is, e.g. the article's title or the course's name.
    pub title: String,
    /// When it was completed, if the applicant gives a date.
    #[serde(default)]
    pub date: Option<Date>,
}

/// A reference (*referanse*).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Reference {
    /// The name.
    pub name: String,
    /// Their role, e.g. `Overlege, medisinsk avdeling`.
    #[serde(default)]
    pub role: String,
    /// Phone number; a phone number or an e-mail address is required.
    #[serde(default)]
    pub phone: String,
    /// E-mail address.
    #[serde(default)]
    pub email: String,
}

labelled_enum! {
    /// The career the applicant prefers after LIS1 (004 Table 1). The default is
    /// [`CareerPreference::None`].
    #[derive(Default)]
    pub enum CareerPreference {
        /// No preference (yet).
        #[default]
        None = "none", "Ingen preferanse", "Ingen preferanse", "No preference";
        /// Primary care: general practice and other municipal work.
        PrimaryCare = "primary_care", "Primærhelsetjenesten", "Primærhelsetenesta", "Primary care";
        /// Specialist care: hospitals.
        SpecialistCare = "specialist_care", "Spesialisthelsetjenesten", "Spesialisthelsetenesta", "Specialist care";
    }
}

labelled_enum! {
    /// Where a medical degree was taken, which decides the route to Norwegian authorisation.
    pub enum EducationRegion {
        /// Norway.
        Norway = "norway", "Norge", "Noreg", "Norway";
        /// The EEA or Switzerland: automatic recognition of the medical degree.
        Eea = "eea", "EØS/Sveits", "EØS/Sveits", "EEA/Switzerland";
        /// Anywhere else (including the United Kingdom since 2021), or unknown.
        Outside = "outside", "Utenfor EØS", "Utanfor EØS", "Outside the EEA";
    }
}

/// EU 27 (with Greece both as `GR`, the ISO code, and `EL`, the EU's own code), Iceland,
/// Liechtenstein and Switzerland. Norway is its own region.
const EEA_AND_SWITZERLAND: [&str; 31] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "EL", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "CH",
];

/// Where a degree from `country` (ISO 3166-1 alpha-2, any case, surrounding spaces ignored) was
/// taken.
///
/// EEA = the 27 EU member states, Iceland and Liechtenstein; `NO` is [`EducationRegion::Norway`].
/// **Switzerland counts as EEA**: the EU–Swiss agreement on the free movement of persons applies
/// the professional-qualifications directive (2005/36/EC) to Swiss doctors, and Norway recognises
/// Swiss medical degrees on the same terms as EEA ones through the EFTA Convention. The United
/// Kingdom left with Brexit and is outside. An empty or unknown code is
/// [`EducationRegion::Outside`]: the region only informs people, it never grants anything.
pub fn education_region(country: &str) -> EducationRegion {
    let code = country.trim().to_ascii_uppercase();
    if code == "NO" {
        EducationRegion::Norway
    } else if EEA_AND_SWITZERLAND.contains(&code.as_str()) {
        EducationRegion::Eea
    } else {
        EducationRegion::Outside
    }
}

// ---------------------------------------------------------------------------------------------
// Validation

/// A part of one work experience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExperiencePart {
    /// [`Experience::employer`].
    Employer,
    /// [`Experience::from`].
    From,
    /// [`Experience::to`].
    To,
    /// [`Experience::capacity`].
    Capacity,
    /// [`Experience::percent`].
    Percent,
}

/// A part of one merit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeritPart {
    /// [`Merit::title`].
    Title,
    /// [`Merit::date`].
    Date,
}

/// A part of one reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferencePart {
    /// [`Reference::name`].
    Name,
    /// [`Reference::role`].
    Role,
    /// [`Reference::phone`].
    Phone,
    /// [`Reference::email`].
    Email,
}

/// A field of the profile form, so that a message can be shown next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProfileField {
    /// [`Profile::full_name`].
    FullName,
    /// [`Profile::email`].
    Email,
    /// [`Profile::phone`].
    Phone,
    /// [`Education::country`].
    EducationCountry,
    /// [`Education::university`].
    EducationUniversity,
    /// [`Education::degree_date`].
    DegreeDate,
    /// The date of [`Profile::authorisation`] (valid from, or expected).
    AuthorisationDate,
    /// The list of experiences as a whole.
    Experiences,
    /// One field of one experience (`index` from 0).
    Experience {
        /// Position in [`Profile::experiences`], from 0.
        index: usize,
        /// Which field.
        part: ExperiencePart,
    },
    /// The list of merits as a whole.
    Merits,
    /// One field of one merit.
    Merit {
        /// Position in [`Profile::merits`], from 0.
        index: usize,
        /// Which field.
        part: MeritPart,
    },
    /// The list of references as a whole.
    References,
    /// One field of one reference.
    Reference {
        /// Position in [`Profile::references`], from 0.
        index: usize,
        /// Which field.
        part: ReferencePart,
    },
}

impl ProfileField {
    /// The form field name: the serde path, with list indexes in brackets — `full_name`,
    /// `education.country`, `experiences[2].to`, `references`.
    pub fn field_name(&self) -> String {
        match *self {
            ProfileField::FullName => "full_name".to_owned(),
            ProfileField::Email => "email".to_owned(),
            ProfileField::Phone => "phone".to_owned(),
            ProfileField::EducationCountry => "education.country".to_owned(),
            ProfileField::EducationUniversity => "education.university".to_owned(),
            ProfileField::DegreeDate => "education.degree_date".to_owned(),
            ProfileField::AuthorisationDate => "authorisation_date".to_owned(),
            ProfileField::Experiences => "experiences".to_owned(),
            ProfileField::Experience { index, part } => {
                let part = match part {
                    ExperiencePart::Employer => "employer",
                    ExperiencePart::From => "from",
                    ExperiencePart::To => "to",
                    ExperiencePart::Capacity => "capacity",
                    ExperiencePart::Percent => "percent",
                };
                format!("experiences[{index}].{part}")
            }
            ProfileField::Merits => "merits".to_owned(),
            ProfileField::Merit { index, part } => {
                let part = match part {
                    MeritPart::Title => "title",
                    MeritPart::Date => "date",
                };
                format!("merits[{index}].{part}")
            }
            ProfileField::References => "references".to_owned(),
            ProfileField::Reference { index, part } => {
                let part = match part {
                    ReferencePart::Name => "name",
                    ReferencePart::Role => "role",
                    ReferencePart::Phone => "phone",
                    ReferencePart::Email => "email",
                };
                format!("references[{index}].{part}")
            }
        }
    }

    /// The field as the subject of a sentence, e.g. `Til-datoen for arbeidsforhold 3` /
    /// `The end date of job 3` (entries numbered from 1 for people).
    pub fn label(&self, lang: Lang) -> String {
        let fixed = |nb: &str, nn: &str, en: &str| lang.pick3(nb, nn, en).to_owned();
        match *self {
            ProfileField::FullName => fixed("Navnet", "Namnet", "The name"),
            ProfileField::Email => fixed("E-postadressen", "E-postadressa", "The e-mail address"),
            ProfileField::Phone => fixed("Telefonnummeret", "Telefonnummeret", "The phone number"),
            ProfileField::EducationCountry => fixed(
                "Landet for utdanningen",
                "Landet for utdanninga",
                "The country of education",
            ),
            ProfileField::EducationUniversity => {
                fixed("Lærestedet", "Lærestaden", "The university")
            }
            ProfileField::DegreeDate => {
                fixed("Datoen for graden", "Datoen for graden", "The degree date")
            }
            ProfileField::AuthorisationDate => fixed(
                "Datoen for autorisasjonen eller lisensen",
                "Datoen for autorisasjonen eller lisensen",
                "The date of the authorisation or licence",
            ),
            ProfileField::Experiences => fixed(
                "Arbeidserfaringen",
                "Arbeidserfaringa",
                "The work experience",
            ),
            ProfileField::Merits => fixed("Merittlisten", "Merittlista", "The list of merits"),
            ProfileField::References => fixed(
                "Referanselisten",
                "Referanselista",
                "The list of references",
            ),
            ProfileField::Experience { index, part } => {
                let n = index + 1;
                let (nb, nn, en) = match part {
                    ExperiencePart::Employer => {
                        ("Arbeidsgiveren", "Arbeidsgjevaren", "The employer")
                    }
                    ExperiencePart::From => ("Fra-datoen", "Frå-datoen", "The start date"),
                    ExperiencePart::To => ("Til-datoen", "Til-datoen", "The end date"),
                    ExperiencePart::Capacity => ("Rollen", "Rolla", "The capacity"),
                    ExperiencePart::Percent => (
                        "Stillingsprosenten",
                        "Stillingsprosenten",
                        "The position size",
                    ),
                };
                match lang {
                    Lang::Nb => format!("{nb} for arbeidsforhold {n}"),
                    Lang::Nn => format!("{nn} for arbeidsforhold {n}"),
                    Lang::En => format!("{en} of job {n}"),
                }
            }
            ProfileField::Merit { index, part } => {
                let n = index + 1;
                let (nb, nn, en) = match part {
                    MeritPart::Title => ("Tittelen", "Tittelen", "The title"),
                    MeritPart::Date => ("Datoen", "Datoen", "The date"),
                };
                match lang {
                    Lang::Nb => format!("{nb} for meritt {n}"),
                    Lang::Nn => format!("{nn} for meritt {n}"),
                    Lang::En => format!("{en} of merit {n}"),
                }
            }
            ProfileField::Reference { index, part } => {
                let n = index + 1;
                let (nb, nn, en) = match part {
                    ReferencePart::Name => ("Navnet", "Namnet", "The name"),
                    ReferencePart::Role => ("Rollen", "Rolla", "The role"),
                    ReferencePart::Phone => {
                        ("Telefonnummeret", "Telefonnummeret", "The phone number")
                    }
                    ReferencePart::Email => {
                        ("E-postadressen", "E-postadressa", "The e-mail address")
                    }
                };
                match lang {
                    Lang::Nb => format!("{nb} for referanse {n}"),
                    Lang::Nn => format!("{nn} for referanse {n}"),
                    Lang::En => format!("{en} of reference {n}"),
                }
            }
        }
    }
}

/// What is wrong with a profile field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProfileRule {
    /// Empty (after trimming) but required.
    Required,
    /// Longer than `max` characters.
    TooLong {
        /// The limit.
        max: usize,
    },
    /// More than `max` entries in a list.
    TooMany {
        /// The limit.
        max: usize,
    },
    /// Not a plausible e-mail address.
    InvalidEmail,
    /// Not a plausible phone number.
    InvalidPhone,
    /// Not a two-letter ISO 3166-1 country code.
    InvalidCountry,
    /// An end date before its start date.
    EndBeforeStart,
    /// A date after `today`: work not yet begun, a merit not yet earned.
    InFuture,
    /// A date outside the plausible range (e.g. `9999-12-31` or `1900-01-01`).
    DateOutOfRange {
        /// The earliest accepted date.
        earliest: Date,
        /// The latest accepted date.
        latest: Date,
    },
    /// A position size outside 1–100 %.
    PercentOutOfRange,
    /// Doctor work without saying whether as authorised doctor or student with licence (the
    /// rubric weighs them differently, 004 §2.7).
    CapacityRequired,
    /// A reference with neither phone number nor e-mail address.
    ReferenceWithoutContact,
}

/// One problem with a profile: which field and which rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProfileError {
    /// The field to show the message next to.
    pub field: ProfileField,
    /// The rule that is broken.
    pub rule: ProfileRule,
}

impl ProfileError {
    /// The form field name, e.g. `experiences[2].to`; see [`ProfileField::field_name`].
    pub fn field(&self) -> String {
        self.field.field_name()
    }
}

impl Localized for ProfileError {
    fn code(&self) -> &'static str {
        match self.rule {
            ProfileRule::Required => "profile_field_required",
            ProfileRule::TooLong { .. } => "profile_field_too_long",
            ProfileRule::TooMany { .. } => "profile_too_many_entries",
            ProfileRule::InvalidEmail => "profile_invalid_email",
            ProfileRule::InvalidPhone => "profile_invalid_phone",
            ProfileRule::InvalidCountry => "profile_invalid_country",
            ProfileRule::EndBeforeStart => "profile_end_before_start",
            ProfileRule::InFuture => "profile_date_in_future",
            ProfileRule::DateOutOfRange { .. } => "profile_date_out_of_range",
            ProfileRule::PercentOutOfRange => "profile_percent_out_of_range",
            ProfileRule::CapacityRequired => "profile_capacity_required",
            ProfileRule::ReferenceWithoutContact => "profile_reference_without_contact",
        }
    }

    fn message(&self, lang: Lang) -> String {
        let what = self.field.label(lang);
        match (self.rule, lang) {
            (ProfileRule::Required, Lang::Nb) => format!("{what} må fylles ut."),
            (ProfileRule::Required, Lang::Nn) => format!("{what} må fyllast ut."),
            (ProfileRule::Required, Lang::En) => format!("{what} is required."),
            (ProfileRule::TooLong { max }, Lang::Nb) => {
                format!("{what} kan ha høyst {max} tegn.")
            }
            (ProfileRule::TooLong { max }, Lang::Nn) => {
                format!("{what} kan ha høgst {max} teikn.")
            }
            (ProfileRule::TooLong { max }, Lang::En) => {
                format!("{what} may have at most {max} characters.")
            }
            (ProfileRule::TooMany { max }, Lang::Nb) => {
                format!("{what} kan ha høyst {max} oppføringer.")
            }
            (ProfileRule::TooMany { max }, Lang::Nn) => {
                format!("{what} kan ha høgst {max} oppføringar.")
            }
            (ProfileRule::TooMany { max }, Lang::En) => {
                format!("{what} may have at most {max} entries.")
            }
            (ProfileRule::InvalidEmail, Lang::Nb) => {
                format!("{what} ser ikke ut som en e-postadresse (navn@eksempel.no).")
            }
            (ProfileRule::InvalidEmail, Lang::Nn) => {
                format!("{what} ser ikkje ut som ei e-postadresse (namn@eksempel.no).")
            }
            (ProfileRule::InvalidEmail, Lang::En) => {
                format!("{what} does not look like an e-mail address (name@example.com).")
            }
            (ProfileRule::InvalidPhone, Lang::Nb) => format!(
                "{what} kan bare ha sifre, mellomrom, bindestrek, parenteser og + først, og må ha \
                 5–15 sifre."
            ),
            (ProfileRule::InvalidPhone, Lang::Nn) => format!(
                "{what} kan berre ha siffer, mellomrom, bindestrek, parentesar og + først, og må \
                 ha 5–15 siffer."
            ),
            (ProfileRule::InvalidPhone, Lang::En) => format!(
                "{what} may contain only digits, spaces, hyphens, brackets and a leading +, and \
                 must have 5–15 digits."
            ),
            (ProfileRule::InvalidCountry, Lang::Nb) => {
                format!("{what} må være et land fra listen (ISO 3166-1).")
            }
            (ProfileRule::InvalidCountry, Lang::Nn) => {
                format!("{what} må vere eit land frå lista (ISO 3166-1).")
            }
            (ProfileRule::InvalidCountry, Lang::En) => {
                format!("{what} must be a country from the list (ISO 3166-1).")
            }
            (ProfileRule::EndBeforeStart, Lang::Nb) => {
                format!("{what} kan ikke være før fra-datoen.")
            }
            (ProfileRule::EndBeforeStart, Lang::Nn) => {
                format!("{what} kan ikkje vere før frå-datoen.")
            }
            (ProfileRule::EndBeforeStart, Lang::En) => {
                format!("{what} cannot be before the start date.")
            }
            (ProfileRule::InFuture, Lang::Nb) => {
                format!("{what} kan ikke være frem i tid.")
            }
            (ProfileRule::InFuture, Lang::Nn) => {
                format!("{what} kan ikkje vere fram i tid.")
            }
            (ProfileRule::InFuture, Lang::En) => format!("{what} cannot be in the future."),
            (ProfileRule::DateOutOfRange { earliest, latest }, lang) => {
                let (from, to) = (
                    crate::calendar::format_date(earliest, lang),
                    crate::calendar::format_date(latest, lang),
                );
                match lang {
                    Lang::Nb => format!("{what} må være mellom {from} og {to}."),
                    Lang::Nn => format!("{what} må vere mellom {from} og {to}."),
                    Lang::En => format!("{what} must be between {from} and {to}."),
                }
            }
            (ProfileRule::PercentOutOfRange, Lang::Nb) => {
                format!("{what} må være mellom 1 og 100.")
            }
            (ProfileRule::PercentOutOfRange, Lang::Nn) => {
                format!("{what} må vere mellom 1 og 100.")
            }
            (ProfileRule::PercentOutOfRange, Lang::En) => {
                format!("{what} must be between 1 and 100.")
            }
            (ProfileRule::CapacityRequired, Lang::Nb) => format!(
                "{what} må oppgis for legearbeid: som autorisert lege eller som student med \
                 lisens."
            ),
            (ProfileRule::CapacityRequired, Lang::Nn) => format!(
                "{what} må oppgivast for legearbeid: som autorisert lege eller som student med \
                 lisens."
            ),
            (ProfileRule::CapacityRequired, Lang::En) => format!(
                "{what} is required for doctor work: as an authorised doctor or as a student \
                 with licence."
            ),
            (ProfileRule::ReferenceWithoutContact, _) => {
                let n = match self.field {
                    ProfileField::Reference { index, .. } => index + 1,
                    _ => 0,
                };
                match lang {
                    Lang::Nb => {
                        format!("Referanse {n} må ha telefonnummer eller e-postadresse.")
                    }
                    Lang::Nn => {
                        format!("Referanse {n} må ha telefonnummer eller e-postadresse.")
                    }
                    Lang::En => format!("Reference {n} needs a phone number or an e-mail address."),
                }
            }
        }
    }
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Nb))
    }
}

impl std::error::Error for ProfileError {}

/// A national identity number refused by the deployment's policy (see
/// [`Profile::validate_identity`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SyntheticIdNotAllowed;

impl SyntheticIdNotAllowed {
    /// The form field: `national_id`.
    pub fn field(&self) -> &'static str {
        "national_id"
    }
}

impl Localized for SyntheticIdNotAllowed {
    fn code(&self) -> &'static str {
        "synthetic_national_id_not_allowed"
    }

    fn message(&self, lang: Lang) -> String {
        lang.pick3(
            "Fødselsnummeret er et syntetisk testnummer, som bare kan brukes i demo- og testmodus.",
            "Fødselsnummeret er eit syntetisk testnummer, som berre kan brukast i demo- og testmodus.",
            "The national identity number is a synthetic test number, allowed only in demo and \
             test mode.",
        )
        .to_owned()
    }
}

impl fmt::Display for SyntheticIdNotAllowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Nb))
    }
}

impl std::error::Error for SyntheticIdNotAllowed {}

impl Profile {
    /// Checks what a form can check and returns **all** problems in form order.
    ///
    /// * the full name is required, ≤ [`NAME_MAX_CHARS`] characters; the e-mail address is
    ///   required and plausible; a phone number, when given, is plausible;
    /// * the education country, when given, is a two-letter code;
    /// * at most [`MAX_EXPERIENCES`] experiences, [`MAX_MERITS`] merits and [`MAX_REFERENCES`]
    ///   references; every free text ≤ [`TEXT_MAX_CHARS`] characters;
    /// * an experience names its employer, starts no later than `today`, does not end before it
    ///   starts, has a position size of 1–100 %, and doctor work says in what capacity. An end
    ///   date after `today` is accepted: a fixed-term job with a known end (scoring counts only
    ///   up to its own date, see [`crate::scoring::score`]);
    /// * a merit has a title and is not dated after `today`;
    /// * a reference has a name and a phone number or an e-mail address (both plausible).
    ///
    /// Having at least two references is a formal criterion of the advertisement
    /// ([`crate::advertisements::FormalCriteria::min_references`]), not a profile error.
    pub fn validate(&self, today: Date) -> Result<(), Vec<ProfileError>> {
        let mut errors = Vec::new();
        let mut push = |field, rule| errors.push(ProfileError { field, rule });

        text(
            &mut push,
            ProfileField::FullName,
            &self.full_name,
            true,
            NAME_MAX_CHARS,
        );
        if self.email.trim().is_empty() {
            push(ProfileField::Email, ProfileRule::Required);
        } else if !plausible_email(&self.email) {
            push(ProfileField::Email, ProfileRule::InvalidEmail);
        }
        if !self.phone.trim().is_empty() && !plausible_phone(&self.phone) {
            push(ProfileField::Phone, ProfileRule::InvalidPhone);
        }

        // Chosen from the ISO 3166-1 list (issue 11, item 8): any other code is refused.
        let country = self.education.country.trim().to_ascii_uppercase();
        if !country.is_empty() && !crate::countries::is_country(&country) {
            push(ProfileField::EducationCountry, ProfileRule::InvalidCountry);
        }
        text(
            &mut push,
            ProfileField::EducationUniversity,
            &self.education.university,
            false,
            TEXT_MAX_CHARS,
        );
        let ahead = |years: i16| {
            today
                .checked_add(jiff::Span::new().years(years))
                .unwrap_or(Date::MAX)
        };
        if let Some(d) = self.education.degree_date {
            plausible(
                &mut push,
                ProfileField::DegreeDate,
                d,
                ahead(DEGREE_YEARS_AHEAD),
            );
        }
        let authorised = match self.authorisation {
            Authorisation::Authorised { date } | Authorisation::Lis1Licence { date } => Some(date),
            Authorisation::Applied { expected } => expected,
            Authorisation::None => None,
        };
        if let Some(d) = authorised {
            plausible(
                &mut push,
                ProfileField::AuthorisationDate,
                d,
                ahead(DEGREE_YEARS_AHEAD),
            );
        }

        if self.experiences.len() > MAX_EXPERIENCES {
            push(
                ProfileField::Experiences,
                ProfileRule::TooMany {
                    max: MAX_EXPERIENCES,
                },
            );
        }
        for (index, e) in self.experiences.iter().enumerate() {
            let field = |part| ProfileField::Experience { index, part };
            text(
                &mut push,
                field(ExperiencePart::Employer),
                &e.employer,
                true,
                TEXT_MAX_CHARS,
            );
            if e.from > today {
                push(field(ExperiencePart::From), ProfileRule::InFuture);
            } else {
                plausible(&mut push, field(ExperiencePart::From), e.from, today);
            }
            if e.to.is_some_and(|to| to < e.from) {
                push(field(ExperiencePart::To), ProfileRule::EndBeforeStart);
            } else if let Some(to) = e.to {
                plausible(
                    &mut push,
                    field(ExperiencePart::To),
                    to,
                    ahead(JOB_END_YEARS_AHEAD),
                );
            }
            if e.kind == ExperienceKind::DoctorWork && e.capacity == WorkCapacity::NotApplicable {
                push(
                    field(ExperiencePart::Capacity),
                    ProfileRule::CapacityRequired,
                );
            }
            if !(1..=100).contains(&e.percent) {
                push(
                    field(ExperiencePart::Percent),
                    ProfileRule::PercentOutOfRange,
                );
            }
        }

        if self.merits.len() > MAX_MERITS {
            push(
                ProfileField::Merits,
                ProfileRule::TooMany { max: MAX_MERITS },
            );
        }
        for (index, m) in self.merits.iter().enumerate() {
            let field = |part| ProfileField::Merit { index, part };
            text(
                &mut push,
                field(MeritPart::Title),
                &m.title,
                true,
                TEXT_MAX_CHARS,
            );
            match m.date {
                Some(d) if d > today => push(field(MeritPart::Date), ProfileRule::InFuture),
                Some(d) => plausible(&mut push, field(MeritPart::Date), d, today),
                None => {}
            }
        }

        if self.references.len() > MAX_REFERENCES {
            push(
                ProfileField::References,
                ProfileRule::TooMany {
                    max: MAX_REFERENCES,
                },
            );
        }
        for (index, r) in self.references.iter().enumerate() {
            let field = |part| ProfileField::Reference { index, part };
            text(
                &mut push,
                field(ReferencePart::Name),
                &r.name,
                true,
                TEXT_MAX_CHARS,
            );
            text(
                &mut push,
                field(ReferencePart::Role),
                &r.role,
                false,
                TEXT_MAX_CHARS,
            );
            let (phone, email) = (r.phone.trim(), r.email.trim());
            if phone.is_empty() && email.is_empty() {
                push(
                    field(ReferencePart::Phone),
                    ProfileRule::ReferenceWithoutContact,
                );
            }
            if !phone.is_empty() && !plausible_phone(phone) {
                push(field(ReferencePart::Phone), ProfileRule::InvalidPhone);
            }
            if !email.is_empty() && !plausible_email(email) {
                push(field(ReferencePart::Email), ProfileRule::InvalidEmail);
            }
        }

        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Applies the deployment's synthetic-number policy to the national identity number.
    ///
    /// Loading a stored profile accepts synthetic numbers (they were checked when entered, and
    /// the demo uses them); a handler that takes a profile from a request must call this with
    /// the deployment's policy, or parse the number with [`NationalId::parse_with`].
    pub fn validate_identity(&self, policy: SyntheticPolicy) -> Result<(), SyntheticIdNotAllowed> {
        match (&self.national_id, policy) {
            (Some(id), SyntheticPolicy::Deny) if id.is_synthetic() => Err(SyntheticIdNotAllowed),
            _ => Ok(()),
        }
    }
}

/// Checks a free-text field: required (non-blank) and at most `max` characters.
/// A date between [`EARLIEST_DATE`] and `latest`, or [`ProfileRule::DateOutOfRange`] naming both.
fn plausible(
    push: &mut impl FnMut(ProfileField, ProfileRule),
    field: ProfileField,
    date: Date,
    latest: Date,
) {
    if !(EARLIEST_DATE..=latest).contains(&date) {
        push(
            field,
            ProfileRule::DateOutOfRange {
                earliest: EARLIEST_DATE,
                latest,
            },
        );
    }
}

fn text(
    push: &mut impl FnMut(ProfileField, ProfileRule),
    field: ProfileField,
    value: &str,
    required: bool,
    max: usize,
) {
    if required && value.trim().is_empty() {
        push(field, ProfileRule::Required);
    } else if value.chars().count() > max {
        push(field, ProfileRule::TooLong { max });
    }
}

/// A plausibility check, not RFC 5322: `local@domain.tld` with one `@`, no whitespace, a dot in
/// the domain, no empty labels, and a top-level domain of at least two letters. Real validation
/// is a confirmation e-mail.
pub fn plausible_email(s: &str) -> bool {
    let s = s.trim();
    if s.chars().count() > EMAIL_MAX_CHARS || s.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return false;
    }
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    if local.is_empty() || local.len() > 64 || domain.contains('@') {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let tld = labels.last().copied().unwrap_or("");
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'))
        && tld.chars().count() >= 2
        && tld.chars().all(char::is_alphabetic)
}

/// A plausibility check for phone numbers: digits, spaces, `-`, `.`, `(`, `)` and one leading
/// `+`, with 5–15 digits (E.164 allows at most 15). Norwegian numbers have 8 digits.
pub fn plausible_phone(s: &str) -> bool {
    let s = s.trim();
    let body = s.strip_prefix('+').unwrap_or(s);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    body.chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'))
        && (5..=15).contains(&digits)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub(crate) mod tests {
    use super::*;
    use jiff::civil::date;

    /// A valid profile: a Norwegian cand.med. with 14 months of on-call hospital work.
    pub(crate) fn sample() -> Profile {
        Profile {
            full_name: "Kari Nordmann".to_owned(),
            email: "kari@example.no".to_owned(),
            phone: "+47 912 34 567".to_owned(),
            national_id: None,
            hpr_number: Some(HprNumber::parse("1234567").unwrap()),
            education: Education {
                country: "NO".to_owned(),
                university: "NTNU".to_owned(),
                degree: DegreeKind::CandMed,
                degree_date: Some(date(2026, 6, 15)),
            },
            authorisation: Authorisation::Authorised {
                date: date(2026, 6, 20),
            },
            norwegian: NorwegianLevel::Native,
            norwegian_documented: false,
            driving_licence_b: true,
            experiences: vec![Experience {
                employer: "St. Olavs hospital".to_owned(),
                from: date(2025, 1, 1),
                to: Some(date(2026, 2, 28)),
                kind: ExperienceKind::DoctorWork,
                on_call: true,
                capacity: WorkCapacity::AuthorisedDoctor,
                care_level: CareLevel::Specialist,
                percent: 100,
            }],
            merits: vec![Merit {
                kind: MeritKind::Research,
                title: "Forskerlinjen".to_owned(),
                date: Some(date(2025, 6, 1)),
            }],
            references: vec![
                Reference {
                    name: "Ola Overlege".to_owned(),
                    role: "Overlege".to_owned(),
                    phone: "73 86 80 00".to_owned(),
                    email: String::new(),
                },
                Reference {
                    name: "Per Professor".to_owned(),
                    role: String::new(),
                    phone: String::new(),
                    email: "per@ntnu.no".to_owned(),
                },
            ],
            career_preference: CareerPreference::PrimaryCare,
        }
    }

    fn fields(p: &Profile, today: Date) -> Vec<(String, &'static str)> {
        p.validate(today)
            .err()
            .unwrap_or_default()
            .iter()
            .map(|e| (e.field(), e.code()))
            .collect()
    }

    #[test]
    fn the_sample_is_valid() {
        assert_eq!(sample().validate(date(2027, 1, 15)), Ok(()));
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let mut p = sample();
        p.full_name = "  ".to_owned();
        p.email = "kari@".to_owned();
        p.education.country = "NOR".to_owned();
        p.experiences[0].to = Some(date(2024, 12, 31));
        p.experiences[0].percent = 0;
        p.experiences[0].capacity = WorkCapacity::NotApplicable;
        p.merits[0].date = Some(date(2027, 2, 1));
        p.references[1].email = String::new();
        let got = fields(&p, date(2027, 1, 15));
        assert_eq!(
            got,
            vec![
                ("full_name".to_owned(), "profile_field_required"),
                ("email".to_owned(), "profile_invalid_email"),
                ("education.country".to_owned(), "profile_invalid_country"),
                ("experiences[0].to".to_owned(), "profile_end_before_start"),
                (
                    "experiences[0].capacity".to_owned(),
                    "profile_capacity_required"
                ),
                (
                    "experiences[0].percent".to_owned(),
                    "profile_percent_out_of_range"
                ),
                ("merits[0].date".to_owned(), "profile_date_in_future"),
                (
                    "references[1].phone".to_owned(),
                    "profile_reference_without_contact"
                ),
            ]
        );
    }

    #[test]
    fn limits_on_lengths_and_counts() {
        let mut p = sample();
        p.full_name = "x".repeat(NAME_MAX_CHARS);
        assert_eq!(p.validate(date(2027, 1, 15)), Ok(()));
        p.full_name = "æ".repeat(NAME_MAX_CHARS + 1);
        p.experiences = vec![p.experiences[0].clone(); MAX_EXPERIENCES + 1];
        p.merits = vec![p.merits[0].clone(); MAX_MERITS];
        p.references = vec![p.references[0].clone(); MAX_REFERENCES + 1];
        p.references[0].role = "r".repeat(TEXT_MAX_CHARS + 1);
        let got = fields(&p, date(2027, 1, 15));
        assert_eq!(
            got,
            vec![
                ("full_name".to_owned(), "profile_field_too_long"),
                ("experiences".to_owned(), "profile_too_many_entries"),
                ("references".to_owned(), "profile_too_many_entries"),
                ("references[0].role".to_owned(), "profile_field_too_long"),
            ]
        );
    }

    #[test]
    fn work_may_end_in_the_future_but_not_start_there() {
        let today = date(2027, 1, 15);
        let mut p = sample();
        p.experiences[0].to = Some(date(2027, 6, 30));
        assert_eq!(p.validate(today), Ok(()));
        p.experiences[0].from = date(2027, 1, 16);
        assert_eq!(
            fields(&p, today),
            vec![("experiences[0].from".to_owned(), "profile_date_in_future")]
        );
        p.experiences[0].from = today;
        assert_eq!(p.validate(today), Ok(()));
    }

    #[test]
    fn dates_outside_the_plausible_range_are_refused_naming_the_field_and_range() {
        let today = date(2027, 1, 15);
        let mut p = sample();
        p.education.degree_date = Some(date(9999, 12, 31));
        p.authorisation = Authorisation::Applied {
            expected: Some(date(1900, 1, 1)),
        };
        p.experiences[0].from = date(1949, 12, 31);
        p.experiences[0].to = Some(date(2037, 1, 16));
        p.merits[0].date = Some(date(1, 1, 1));
        assert_eq!(
            fields(&p, today),
            vec![
                (
                    "education.degree_date".to_owned(),
                    "profile_date_out_of_range"
                ),
                ("authorisation_date".to_owned(), "profile_date_out_of_range"),
                (
                    "experiences[0].from".to_owned(),
                    "profile_date_out_of_range"
                ),
                ("experiences[0].to".to_owned(), "profile_date_out_of_range"),
                ("merits[0].date".to_owned(), "profile_date_out_of_range"),
            ]
        );
        let message = p.validate(today).unwrap_err()[0].message(Lang::Nb);
        assert_eq!(
            message,
            "Datoen for graden må være mellom 01.01.1950 og 15.01.2032."
        );
        // The edges are accepted: a degree expected five years ahead, a job ending in ten.
        p.education.degree_date = Some(date(2032, 1, 15));
        p.authorisation = Authorisation::Applied {
            expected: Some(EARLIEST_DATE),
        };
        p.experiences[0].from = EARLIEST_DATE;
        p.experiences[0].to = Some(date(2037, 1, 15));
        p.merits[0].date = Some(EARLIEST_DATE);
        assert_eq!(p.validate(today), Ok(()));
    }

    #[test]
    fn messages_name_the_entry_counted_from_one() {
        let mut p = sample();
        p.experiences.push(p.experiences[0].clone());
        p.experiences[1].to = Some(date(2020, 1, 1));
        let errors = p.validate(date(2027, 1, 15)).unwrap_err();
        assert_eq!(errors[0].field(), "experiences[1].to");
        assert_eq!(
            errors[0].to_string(),
            "Til-datoen for arbeidsforhold 2 kan ikke være før fra-datoen."
        );
        assert_eq!(
            errors[0].message(Lang::En),
            "The end date of job 2 cannot be before the start date."
        );
    }

    #[test]
    fn email_plausibility() {
        for ok in ["a@b.no", "kari.nordmann+lis1@helse-midt.no", "Å@øst.no"] {
            assert!(plausible_email(ok), "{ok}");
        }
        for bad in [
            "", "a", "a@b", "@b.no", "a@b.", "a@.no", "a b@c.no", "a@b@c.no", "a@b.n", "a@-b.no",
            "a@b.n0",
        ] {
            assert!(!plausible_email(bad), "{bad}");
        }
    }

    #[test]
    fn phone_plausibility() {
        for ok in [
            "91234567",
            "+47 912 34 567",
            "73-86-80-00",
            "(0047) 912.34.567",
        ] {
            assert!(plausible_phone(ok), "{ok}");
        }
        for bad in ["1234", "abc12345", "+", "1234567890123456", "++4791234567"] {
            assert!(!plausible_phone(bad), "{bad}");
        }
    }

    #[test]
    fn education_regions() {
        assert_eq!(education_region("NO"), EducationRegion::Norway);
        assert_eq!(education_region(" no "), EducationRegion::Norway);
        for eea in [
            "SE", "dk", "PL", "HU", "SK", "CZ", "DE", "IS", "LI", "GR", "EL", "CH",
        ] {
            assert_eq!(education_region(eea), EducationRegion::Eea, "{eea}");
        }
        for outside in ["GB", "US", "UA", "RS", "", "XX"] {
            assert_eq!(
                education_region(outside),
                EducationRegion::Outside,
                "{outside}"
            );
        }
        let eu_codes = EEA_AND_SWITZERLAND
            .iter()
            .filter(|c| !["IS", "LI", "CH", "EL"].contains(c))
            .collect::<std::collections::BTreeSet<_>>();
        assert_eq!(eu_codes.len(), 27, "the EU has 27 members");
        assert_eq!(EducationRegion::Eea.label(Lang::Nb), "EØS/Sveits");
    }

    #[test]
    fn norwegian_levels_are_ordered() {
        assert!(NorwegianLevel::B2 < NorwegianLevel::C1);
        assert!(NorwegianLevel::C2 < NorwegianLevel::Native);
        assert!(NorwegianLevel::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn enum_names_match_serde_and_parse_back() {
        fn check<T: Serialize + Copy + PartialEq + fmt::Debug>(
            all: &[T],
            name: fn(T) -> &'static str,
            parse: fn(&str) -> Result<T, UnknownValue>,
        ) {
            for &v in all {
                assert_eq!(
                    serde_json::to_string(&v).unwrap(),
                    format!("\"{}\"", name(v))
                );
                assert_eq!(parse(name(v)), Ok(v));
            }
        }
        check(DegreeKind::ALL, DegreeKind::as_str, DegreeKind::parse);
        check(
            NorwegianLevel::ALL,
            NorwegianLevel::as_str,
            NorwegianLevel::parse,
        );
        check(
            ExperienceKind::ALL,
            ExperienceKind::as_str,
            ExperienceKind::parse,
        );
        check(WorkCapacity::ALL, WorkCapacity::as_str, WorkCapacity::parse);
        check(CareLevel::ALL, CareLevel::as_str, CareLevel::parse);
        check(MeritKind::ALL, MeritKind::as_str, MeritKind::parse);
        check(
            CareerPreference::ALL,
            CareerPreference::as_str,
            CareerPreference::parse,
        );
        check(
            EducationRegion::ALL,
            EducationRegion::as_str,
            EducationRegion::parse,
        );
        let err = MeritKind::parse("Research").unwrap_err();
        assert_eq!(err.code(), "unknown_value");
        assert_eq!(
            err.to_string(),
            "Ukjent verdi «Research». Tillatt: research, course, other_education, humanitarian, \
             elected_role, military_service, other."
        );
        assert_eq!("c1".parse::<NorwegianLevel>(), Ok(NorwegianLevel::C1));
        assert_eq!(
            WorkCapacity::StudentWithLicence.to_string(),
            "Som student med lisens"
        );
    }

    #[test]
    fn json_round_trip_and_defaults() {
        let mut p = sample();
        p.national_id = crate::identity::synthetic(date(1998, 5, 17), 123);
        assert!(p.national_id.is_some());
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains(r#""authorisation":{"status":"authorised","date":"2026-06-20"}"#));
        assert!(json.contains(r#""capacity":"authorised_doctor""#));
        let back: Profile = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);

        // Older rows without the optional fields still load.
        let minimal = r#"{"full_name":"A","email":"a@b.no",
            "education":{"country":"NO","university":"UiO","degree":"cand_med"},
            "authorisation":{"status":"applied","expected":null},"norwegian":"c1"}"#;
        let p: Profile = serde_json::from_str(minimal).unwrap();
        assert_eq!(p.authorisation, Authorisation::Applied { expected: None });
        assert!(p.experiences.is_empty() && p.national_id.is_none());
        assert_eq!(p.career_preference, CareerPreference::None);

        // A malformed number is still refused on load.
        let bad = minimal.replace(
            r#""norwegian":"c1""#,
            r#""norwegian":"c1","national_id":"123""#,
        );
        assert!(serde_json::from_str::<Profile>(&bad).is_err());
    }

    #[test]
    fn synthetic_numbers_follow_the_deployment_policy() {
        let mut p = sample();
        assert_eq!(p.validate_identity(SyntheticPolicy::Deny), Ok(()));
        p.national_id = crate::identity::synthetic(date(1998, 5, 17), 123);
        assert_eq!(p.validate_identity(SyntheticPolicy::Allow), Ok(()));
        let err = p.validate_identity(SyntheticPolicy::Deny).unwrap_err();
        assert_eq!(err.field(), "national_id");
        assert_eq!(err.code(), "synthetic_national_id_not_allowed");
    }

    #[test]
    fn authorisation_helpers() {
        let a = Authorisation::Lis1Licence {
            date: date(2027, 8, 1),
        };
        assert_eq!(a.granted_on(), Some(date(2027, 8, 1)));
        assert_eq!(a.as_str(), "lis1_licence");
        assert_eq!(Authorisation::None.granted_on(), None);
        assert_eq!(
            Authorisation::Applied { expected: None }.label(Lang::En),
            "Applied for"
        );
    }
}
