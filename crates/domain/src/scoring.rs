//! The points rubric (*poengsystem*): data an advertisement carries, shown to applicants, and
//! applied to a [`Profile`] the same way every time.
//!
//! 004 §2.7: doctor work counts most, by length; work with on-call duty more than without;
//! authorised work more than as a student with licence; some employers rank hospital work above
//! primary care; other paid work in the health service counts much less; research, other
//! education, courses, humanitarian work, elected roles and military service can give extra
//! points. **Points are guidance, not the decision**: the qualification principle asks for an
//! overall judgement of who is best qualified, and an applicant who scores high may still lose
//! at interview.
//!
//! # How a score is computed
//!
//! Points are integers in hundredths ([`Points`]), so every run, on every machine, gives the same
//! result. Each [`RubricItem`] gives one [`ScoreLine`]; the total is the sum of the lines.
//!
//! * [`Rule::PerMonth`]: the applicant's experiences that match the item's filter are cut off at
//!   `as_of` (an ongoing job counts up to and including `as_of`; work after it does not count).
//!   Every calendar day is then weighted by the **largest** position size among the matching
//!   experiences that cover it, so the same day is never counted twice within one item: two
//!   overlapping full-time jobs count once, and a 50 % and a 40 % job at the same time count as
//!   50 %. The weighted days are converted to months of 30.4375 days (the mean month) and
//!   **rounded to the nearest whole month**, halves up — so whole calendar months come out
//!   exactly (1 January 2025 – 28 February 2026 is 424 days = 13.93 months → **14**), and a stint
//!   of 15 days (0.49) gives nothing while 16 days (0.53) give one month. The line's raw points
//!   are months × points per month.
//! * [`Rule::PerMerit`]: the number of merits of the kind, not dated after `as_of`, × points.
//! * [`Rule::Flag`]: the points when the profile has the property, else nothing.
//!
//! An experience or merit may match several items: the rubric's author keeps filters disjoint
//! (as [`Rubric::hnt_default`] does — with and without on-call duty are separate items). A cap
//! limits a line's points; the line keeps its raw points and says that it was capped.

use std::fmt;
use std::iter::Sum;
use std::ops::Add;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::calendar::day_number;
use crate::profiles::{
    CareLevel, Experience, ExperienceKind, MeritKind, NorwegianLevel, Profile, WorkCapacity,
    labelled_enum,
};
use crate::{Lang, Localized};

/// At most this many items in a rubric.
pub const MAX_ITEMS: usize = 30;
/// The longest item label, in characters.
pub const LABEL_MAX_CHARS: usize = 200;
/// The longest id (slug), in characters.
pub const SLUG_MAX_CHARS: usize = 40;
/// The most points one unit (month, merit, flag) may give: 100.00.
pub const MAX_POINTS_PER_UNIT: Points = Points::whole(100);

/// Days per month, as the fraction 487/16 = 30.4375 (the mean Julian month), so that the
/// conversion is exact in integers.
const MONTH_DAYS_NUM: i64 = 487;
const MONTH_DAYS_DEN: i64 = 16;

/// Points in **hundredths**: `Points(1250)` is 12.50 points. Integer arithmetic keeps every
/// computation exact and repeatable. Serialized as the integer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Points(pub i64);

impl Points {
    /// No points.
    pub const ZERO: Points = Points(0);

    /// `n` whole points.
    pub const fn whole(n: i64) -> Points {
        Points(n.saturating_mul(100))
    }

    /// The value in hundredths.
    pub const fn hundredths(self) -> i64 {
        self.0
    }

    /// Formats with two decimals: `12,50` in bokmål and nynorsk, `12.50` in English.
    pub fn format(self, lang: Lang) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let sep = lang.pick3(',', ',', '.');
        format!("{sign}{}{sep}{:02}", abs / 100, abs % 100)
    }

    /// Like [`Points::format`] but without decimals when the value is whole: `24`, `0,50`.
    pub fn format_short(self, lang: Lang) -> String {
        if self.0 % 100 == 0 {
            (self.0 / 100).to_string()
        } else {
            self.format(lang)
        }
    }

    /// Parses what a person types: `2`, `0,5`, `0.50`, `12,25` (comma or point, at most two
    /// decimals, optional leading `-`, surrounding spaces ignored). `None` for anything else.
    pub fn parse(s: &str) -> Option<Points> {
        let s = s.trim();
        let (negative, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (whole, frac) = match body.split_once([',', '.']) {
            Some((w, f)) => (w, f),
            None => (body, ""),
        };
        let digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty() || whole.len() > 12 || frac.len() > 2 || !digits(whole) || !digits(frac)
        {
            return None;
        }
        let whole: i64 = whole.parse().ok()?;
        let frac: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().ok()? * 10,
            _ => frac.parse().ok()?,
        };
        let value = whole.checked_mul(100)?.checked_add(frac)?;
        Some(Points(if negative { -value } else { value }))
    }

    /// `self × n`, saturating.
    pub fn times(self, n: u32) -> Points {
        Points(self.0.saturating_mul(i64::from(n)))
    }
}

impl fmt::Display for Points {
    /// The bokmål form, `12,50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format(Lang::Nb))
    }
}

impl Add for Points {
    type Output = Points;
    /// Saturating addition.
    fn add(self, rhs: Points) -> Points {
        Points(self.0.saturating_add(rhs.0))
    }
}

impl Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        iter.fold(Points::ZERO, Add::add)
    }
}

/// A points rubric: the items an advertisement states will give points (004 §2.7).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Rubric {
    /// The items, in the order they are shown.
    pub items: Vec<RubricItem>,
}

/// One item of a rubric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RubricItem {
    /// A slug, unique in the rubric: `a-z`, `0-9`, `_`, `-`, at most [`SLUG_MAX_CHARS`].
    pub id: String,
    /// The label in bokmål, as the recruiter writes it.
    pub label_nb: String,
    /// The label in English; when empty, the bokmål label is shown.
    #[serde(default)]
    pub label_en: String,
    /// How the points are earned.
    pub rule: Rule,
    /// The most points the item can give, if limited.
    #[serde(default)]
    pub cap: Option<Points>,
}

impl RubricItem {
    /// The label in `lang`, falling back to bokmål when there is no English label.
    pub fn label(&self, lang: Lang) -> &str {
        label_in(&self.label_nb, &self.label_en, lang)
    }
}

fn label_in<'a>(nb: &'a str, en: &'a str, lang: Lang) -> &'a str {
    match lang {
        Lang::En if !en.trim().is_empty() => en,
        _ => nb,
    }
}

/// How an item's points are earned. Serialized with a `type` tag:
/// `{"type": "per_month", "points": 100, "filter": {…}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Rule {
    /// Per month of matching experience, weighted by position size (see the module docs).
    PerMonth {
        /// Points per full-time month.
        points: Points,
        /// Which experiences count.
        filter: ExperienceFilter,
    },
    /// Per merit of a kind.
    PerMerit {
        /// Points per merit.
        points: Points,
        /// Which merits count.
        kind: MeritKind,
    },
    /// Once, when the profile has a property.
    Flag {
        /// The points.
        points: Points,
        /// The property.
        flag: ProfileFlag,
    },
}

impl Rule {
    /// The points per unit (month, merit or flag).
    pub fn points(&self) -> Points {
        match *self {
            Rule::PerMonth { points, .. }
            | Rule::PerMerit { points, .. }
            | Rule::Flag { points, .. } => points,
        }
    }
}

/// Which experiences a [`Rule::PerMonth`] item counts. `None` matches anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ExperienceFilter {
    /// The kind of work.
    pub kind: ExperienceKind,
    /// With (`Some(true)`) or without (`Some(false)`) on-call duty, or either.
    #[serde(default)]
    pub on_call: Option<bool>,
    /// In what capacity.
    #[serde(default)]
    pub capacity: Option<WorkCapacity>,
    /// Primary or specialist care.
    #[serde(default)]
    pub care_level: Option<CareLevel>,
}

impl ExperienceFilter {
    /// Whether `e` is counted.
    pub fn matches(&self, e: &Experience) -> bool {
        e.kind == self.kind
            && self.on_call.is_none_or(|v| v == e.on_call)
            && self.capacity.is_none_or(|v| v == e.capacity)
            && self.care_level.is_none_or(|v| v == e.care_level)
    }
}

labelled_enum! {
    /// A yes/no property of a profile that a [`Rule::Flag`] item can reward.
    pub enum ProfileFlag {
        /// A class B driving licence (000 §6.2.1: wanted in the municipality part).
        DrivingLicenceB = "driving_licence_b", "Førerkort klasse B", "Førarkort klasse B", "Driving licence class B";
        /// Norwegian at C2 or as a first language.
        NorwegianC2OrNative = "norwegian_c2_or_native", "Norsk på C2-nivå eller morsmål", "Norsk på C2-nivå eller morsmål",
            "Norwegian at C2 level or native";
        /// A document of the Norwegian level is attached.
        NorwegianDocumented = "norwegian_documented", "Dokumenterte norskkunnskaper", "Dokumenterte norskkunnskapar",
            "Documented Norwegian";
    }
}

impl ProfileFlag {
    /// Whether `p` has the property.
    pub fn holds(self, p: &Profile) -> bool {
        match self {
            ProfileFlag::DrivingLicenceB => p.driving_licence_b,
            ProfileFlag::NorwegianC2OrNative => p.norwegian >= NorwegianLevel::C2,
            ProfileFlag::NorwegianDocumented => p.norwegian_documented,
        }
    }
}

/// A profile's score under a rubric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    /// The sum of the lines' points.
    pub total: Points,
    /// One line per rubric item, in the rubric's order.
    pub lines: Vec<ScoreLine>,
}

/// What one rubric item gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreLine {
    /// The item's id.
    pub item_id: String,
    /// The item's bokmål label.
    pub label_nb: String,
    /// The item's English label (may be empty).
    pub label_en: String,
    /// What was counted.
    pub basis: Basis,
    /// Points before the cap.
    pub raw: Points,
    /// Points after the cap: what counts.
    pub points: Points,
    /// Whether the cap lowered the points.
    pub capped: bool,
}

impl ScoreLine {
    /// The label in `lang`, falling back to bokmål.
    pub fn label(&self, lang: Lang) -> &str {
        label_in(&self.label_nb, &self.label_en, lang)
    }
}

/// What a line counted. Serialized as `{"kind": "months", "value": 14}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Basis {
    /// Whole months after weighting by position size (see the module docs).
    Months(u32),
    /// Number of merits.
    Count(u32),
    /// Whether the property holds.
    Flag(bool),
}

impl Basis {
    /// For people: `14 mnd.` / `14 months`, `2 stk.` / `2`, `Ja`/`Nei`.
    pub fn format(self, lang: Lang) -> String {
        match (self, lang) {
            (Basis::Months(n), Lang::Nb) => format!("{n} mnd."),
            (Basis::Months(n), Lang::Nn) => format!("{n} mnd."),
            (Basis::Months(1), Lang::En) => "1 month".to_owned(),
            (Basis::Months(n), Lang::En) => format!("{n} months"),
            (Basis::Count(n), Lang::Nb) => format!("{n} stk."),
            (Basis::Count(n), Lang::Nn) => format!("{n} stk."),
            (Basis::Count(n), Lang::En) => n.to_string(),
            (Basis::Flag(b), _) => if b {
                lang.pick3("Ja", "Ja", "Yes")
            } else {
                lang.pick3("Nei", "Nei", "No")
            }
            .to_owned(),
        }
    }
}

/// Scores `profile` under `rubric` as of the day `as_of` (see the module docs for the rules).
/// Deterministic: the same inputs always give the same score.
pub fn score(rubric: &Rubric, profile: &Profile, as_of: Date) -> Score {
    let lines: Vec<ScoreLine> = rubric
        .items
        .iter()
        .map(|item| {
            let (basis, raw) = match item.rule {
                Rule::PerMonth { points, filter } => {
                    let months = weighted_months(
                        profile.experiences.iter().filter(|e| filter.matches(e)),
                        as_of,
                    );
                    (Basis::Months(months), points.times(months))
                }
                Rule::PerMerit { points, kind } => {
                    let count = profile
                        .merits
                        .iter()
                        .filter(|m| m.kind == kind && m.date.is_none_or(|d| d <= as_of))
                        .count();
                    let count = u32::try_from(count).unwrap_or(u32::MAX);
                    (Basis::Count(count), points.times(count))
                }
                Rule::Flag { points, flag } => {
                    let holds = flag.holds(profile);
                    (
                        Basis::Flag(holds),
                        if holds { points } else { Points::ZERO },
                    )
                }
            };
            let points = item.cap.map_or(raw, |cap| raw.min(cap));
            ScoreLine {
                item_id: item.id.clone(),
                label_nb: item.label_nb.clone(),
                label_en: item.label_en.clone(),
                basis,
                raw,
                points,
                capped: points < raw,
            }
        })
        .collect();
    Score {
        total: lines.iter().map(|l| l.points).sum(),
        lines,
    }
}

/// Whole months of the experiences up to and including `as_of`: each day weighted by the
/// largest position size covering it, 30.4375 days a month, rounded to the nearest month.
fn weighted_months<'a>(experiences: impl Iterator<Item = &'a Experience>, as_of: Date) -> u32 {
    // Half-open day ranges [start, end) with their position size.
    let periods: Vec<(i64, i64, i64)> = experiences
        .filter_map(|e| {
            let last = e.to.map_or(as_of, |to| to.min(as_of));
            let (start, end) = (day_number(e.from), day_number(last) + 1);
            (start < end).then_some((start, end, i64::from(e.percent.min(100))))
        })
        .collect();
    let mut bounds: Vec<i64> = periods.iter().flat_map(|&(s, e, _)| [s, e]).collect();
    bounds.sort_unstable();
    bounds.dedup();
    // Percent-days: Σ days × the largest percent that day.
    let percent_days: i64 = bounds
        .windows(2)
        .map(|w| match *w {
            [a, b] => {
                let top = periods
                    .iter()
                    .filter(|&&(s, e, _)| s <= a && a < e)
                    .map(|&(_, _, p)| p)
                    .max()
                    .unwrap_or(0);
                (b - a) * top
            }
            _ => 0,
        })
        .sum();
    // months = percent_days / 100 / (487/16), rounded half up.
    let denominator = 100 * MONTH_DAYS_NUM;
    let months = (percent_days * MONTH_DAYS_DEN + denominator / 2) / denominator;
    u32::try_from(months).unwrap_or(u32::MAX)
}

impl Rubric {
    /// A rubric after 004 §2.7 for the demo and as a starting point for recruiters. Doctor work
    /// in primary and specialist care counts the same here (004 §2.7 notes that some employers
    /// rank hospital work higher; they can split the items by [`ExperienceFilter::care_level`]).
    pub fn hnt_default() -> Rubric {
        let per_month = |id: &str, nb: &str, en: &str, hundredths, filter, cap| RubricItem {
            id: id.to_owned(),
            label_nb: nb.to_owned(),
            label_en: en.to_owned(),
            rule: Rule::PerMonth {
                points: Points(hundredths),
                filter,
            },
            cap: Some(Points::whole(cap)),
        };
        let per_merit = |id: &str, nb: &str, en: &str, hundredths, kind, cap| RubricItem {
            id: id.to_owned(),
            label_nb: nb.to_owned(),
            label_en: en.to_owned(),
            rule: Rule::PerMerit {
                points: Points(hundredths),
                kind,
            },
            cap: Some(Points::whole(cap)),
        };
        let doctor = |on_call, capacity| ExperienceFilter {
            kind: ExperienceKind::DoctorWork,
            on_call,
            capacity: Some(capacity),
            care_level: None,
        };
        Rubric {
            items: vec![
                per_month(
                    "doctor_on_call",
                    "Legearbeid med vakt som autorisert lege",
                    "Doctor work with on-call duty as an authorised doctor",
                    100,
                    doctor(Some(true), WorkCapacity::AuthorisedDoctor),
                    24,
                ),
                per_month(
                    "doctor_no_on_call",
                    "Legearbeid uten vakt som autorisert lege",
                    "Doctor work without on-call duty as an authorised doctor",
                    70,
                    doctor(Some(false), WorkCapacity::AuthorisedDoctor),
                    24,
                ),
                per_month(
                    "student_licence",
                    "Legearbeid som medisinstudent med lisens",
                    "Doctor work as a medical student with licence",
                    40,
                    doctor(None, WorkCapacity::StudentWithLicence),
                    12,
                ),
                per_month(
                    "other_health_work",
                    "Annet lønnet arbeid i helsetjenesten",
                    "Other paid work in the health service",
                    10,
                    ExperienceFilter {
                        kind: ExperienceKind::OtherHealthWork,
                        on_call: None,
                        capacity: None,
                        care_level: None,
                    },
                    6,
                ),
                per_merit(
                    "research",
                    "Forskning (publisert artikkel, forskerlinjen, ph.d.)",
                    "Research (published article, research programme, PhD)",
                    200,
                    MeritKind::Research,
                    6,
                ),
                per_merit(
                    "other_education",
                    "Annen relevant utdanning",
                    "Other relevant education",
                    100,
                    MeritKind::OtherEducation,
                    2,
                ),
                per_merit(
                    "courses",
                    "Relevante kurs",
                    "Relevant courses",
                    50,
                    MeritKind::Course,
                    2,
                ),
                per_merit(
                    "humanitarian",
                    "Humanitært arbeid",
                    "Humanitarian work",
                    100,
                    MeritKind::Humanitarian,
                    3,
                ),
                per_merit(
                    "elected_roles",
                    "Tillitsverv",
                    "Elected roles",
                    50,
                    MeritKind::ElectedRole,
                    2,
                ),
                per_merit(
                    "military_service",
                    "Fullført førstegangstjeneste",
                    "Completed military service",
                    100,
                    MeritKind::MilitaryService,
                    1,
                ),
            ],
        }
    }

    /// One line per item for the advertisement, e.g. `Legearbeid med vakt som autorisert lege:
    /// 1,00 poeng per måned, maks 24 poeng`.
    pub fn describe(&self, lang: Lang) -> Vec<String> {
        self.items
            .iter()
            .map(|item| {
                let points = item.rule.points().format(lang);
                let rate = match (item.rule, lang) {
                    (Rule::PerMonth { .. }, Lang::Nb) => {
                        format!("{points} poeng per måned")
                    }
                    (Rule::PerMonth { .. }, Lang::Nn) => {
                        format!("{points} poeng per månad")
                    }
                    (Rule::PerMonth { .. }, Lang::En) => format!("{points} points per month"),
                    (Rule::PerMerit { .. }, Lang::Nb) => {
                        format!("{points} poeng for hver")
                    }
                    (Rule::PerMerit { .. }, Lang::Nn) => {
                        format!("{points} poeng for kvar")
                    }
                    (Rule::PerMerit { .. }, Lang::En) => format!("{points} points each"),
                    (Rule::Flag { .. }, Lang::Nb) => format!("{points} poeng"),
                    (Rule::Flag { .. }, Lang::Nn) => format!("{points} poeng"),
                    (Rule::Flag { .. }, Lang::En) => format!("{points} points"),
                };
                let cap = match (item.cap, lang) {
                    (None, _) => String::new(),
                    (Some(c), Lang::Nb) => {
                        format!(", maks {} poeng", c.format_short(lang))
                    }
                    (Some(c), Lang::Nn) => {
                        format!(", maks {} poeng", c.format_short(lang))
                    }
                    (Some(c), Lang::En) => format!(", max {} points", c.format_short(lang)),
                };
                format!("{}: {rate}{cap}", item.label(lang))
            })
            .collect()
    }

    /// How months are counted and what the points mean, to show under [`Rubric::describe`].
    pub fn method_note(lang: Lang) -> &'static str {
        lang.pick3(
            "Arbeid teller etter stillingsprosent, og samme periode teller bare én gang per punkt. \
             En måned regnes som 30,4375 dager, og summen rundes til nærmeste hele måned. \
             Poengene er veiledende: den best kvalifiserte søkeren velges etter en helhetsvurdering \
             som også omfatter intervju og referanser.",
            "Arbeid tel etter stillingsprosent, og same periode tel berre éin gong per punkt. Ein \
             månad blir rekna som 30,4375 dagar, og summen blir runda av til næraste heile månad. \
             Poenga er rettleiande: den best kvalifiserte søkjaren blir vald etter ei \
             heilskapsvurdering som òg omfattar intervju og referansar.",
            "Work counts by position size, and the same period counts only once per item. A \
             month is 30.4375 days, and the total is rounded to the nearest whole month. The \
             points are guidance: the best qualified applicant is chosen by an overall \
             assessment that includes interviews and references.",
        )
    }

    /// Checks the rubric and returns **all** problems: at most [`MAX_ITEMS`] items; ids are
    /// unique slugs; a bokmål label of 1–[`LABEL_MAX_CHARS`] characters (English ≤ the same);
    /// points per unit within 0–[`MAX_POINTS_PER_UNIT`]; caps, when given, above zero.
    pub fn validate(&self) -> Result<(), Vec<RubricError>> {
        let mut errors = Vec::new();
        let mut push = |index, part, rule| errors.push(RubricError { index, part, rule });
        if self.items.len() > MAX_ITEMS {
            push(None, RubricPart::Items, RubricRule::TooManyItems);
        }
        for (i, item) in self.items.iter().enumerate() {
            let at = Some(i);
            if !valid_slug(&item.id) {
                push(at, RubricPart::Id, RubricRule::IdInvalid);
            } else if self
                .items
                .iter()
                .take(i)
                .any(|earlier| earlier.id == item.id)
            {
                push(at, RubricPart::Id, RubricRule::IdDuplicate);
            }
            if item.label_nb.trim().is_empty() {
                push(at, RubricPart::LabelNb, RubricRule::LabelEmpty);
            } else if item.label_nb.chars().count() > LABEL_MAX_CHARS {
                push(at, RubricPart::LabelNb, RubricRule::LabelTooLong);
            }
            if item.label_en.chars().count() > LABEL_MAX_CHARS {
                push(at, RubricPart::LabelEn, RubricRule::LabelTooLong);
            }
            let points = item.rule.points();
            if points < Points::ZERO || points > MAX_POINTS_PER_UNIT {
                push(at, RubricPart::Points, RubricRule::PointsOutOfRange);
            }
            if item.cap.is_some_and(|c| c <= Points::ZERO) {
                push(at, RubricPart::Cap, RubricRule::CapNotPositive);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Whether `s` is a slug: 1–[`SLUG_MAX_CHARS`] characters of `a-z`, `0-9`, `_` and `-`.
pub fn valid_slug(s: &str) -> bool {
    (1..=SLUG_MAX_CHARS).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// The part of a rubric a [`RubricError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RubricPart {
    /// The list of items as a whole.
    Items,
    /// [`RubricItem::id`].
    Id,
    /// [`RubricItem::label_nb`].
    LabelNb,
    /// [`RubricItem::label_en`].
    LabelEn,
    /// The points of [`RubricItem::rule`].
    Points,
    /// [`RubricItem::cap`].
    Cap,
}

/// A broken rubric rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RubricRule {
    /// More than [`MAX_ITEMS`] items.
    TooManyItems,
    /// The id is not a slug.
    IdInvalid,
    /// The id is used by an earlier item.
    IdDuplicate,
    /// The bokmål label is empty.
    LabelEmpty,
    /// A label is longer than [`LABEL_MAX_CHARS`].
    LabelTooLong,
    /// The points per unit are below 0 or above [`MAX_POINTS_PER_UNIT`].
    PointsOutOfRange,
    /// The cap is zero or negative.
    CapNotPositive,
}

/// One problem with a rubric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RubricError {
    /// The item (from 0), or `None` for the list as a whole.
    pub index: Option<usize>,
    /// Which part.
    pub part: RubricPart,
    /// The rule that is broken.
    pub rule: RubricRule,
}

impl RubricError {
    /// The form field name relative to the rubric: `items`, `items[2].id`, `items[0].points`.
    pub fn field(&self) -> String {
        let part = match self.part {
            RubricPart::Items => "",
            RubricPart::Id => "id",
            RubricPart::LabelNb => "label_nb",
            RubricPart::LabelEn => "label_en",
            RubricPart::Points => "points",
            RubricPart::Cap => "cap",
        };
        match self.index {
            Some(i) if !part.is_empty() => format!("items[{i}].{part}"),
            Some(i) => format!("items[{i}]"),
            None => "items".to_owned(),
        }
    }
}

impl Localized for RubricError {
    fn code(&self) -> &'static str {
        match self.rule {
            RubricRule::TooManyItems => "rubric_too_many_items",
            RubricRule::IdInvalid => "rubric_id_invalid",
            RubricRule::IdDuplicate => "rubric_id_duplicate",
            RubricRule::LabelEmpty => "rubric_label_empty",
            RubricRule::LabelTooLong => "rubric_label_too_long",
            RubricRule::PointsOutOfRange => "rubric_points_out_of_range",
            RubricRule::CapNotPositive => "rubric_cap_not_positive",
        }
    }

    fn message(&self, lang: Lang) -> String {
        let n = self.index.map_or(0, |i| i + 1);
        let max = MAX_POINTS_PER_UNIT.format(lang);
        match (self.rule, lang) {
            (RubricRule::TooManyItems, Lang::Nb) => {
                format!("Poengsystemet kan ha høyst {MAX_ITEMS} punkter.")
            }
            (RubricRule::TooManyItems, Lang::Nn) => {
                format!("Poengsystemet kan ha høgst {MAX_ITEMS} punkt.")
            }
            (RubricRule::TooManyItems, Lang::En) => {
                format!("The points system may have at most {MAX_ITEMS} items.")
            }
            (RubricRule::IdInvalid, Lang::Nb) => format!(
                "ID-en til punkt {n} kan bare ha små bokstaver a–z, sifre, _ og -, og høyst \
                 {SLUG_MAX_CHARS} tegn."
            ),
            (RubricRule::IdInvalid, Lang::Nn) => format!(
                "ID-en til punkt {n} kan berre ha små bokstavar a–z, siffer, _ og -, og høgst \
                 {SLUG_MAX_CHARS} teikn."
            ),
            (RubricRule::IdInvalid, Lang::En) => format!(
                "The id of item {n} may contain only lowercase a–z, digits, _ and -, at most \
                 {SLUG_MAX_CHARS} characters."
            ),
            (RubricRule::IdDuplicate, Lang::Nb) => {
                format!("ID-en til punkt {n} er allerede brukt av et annet punkt.")
            }
            (RubricRule::IdDuplicate, Lang::Nn) => {
                format!("ID-en til punkt {n} er allereie brukt av eit anna punkt.")
            }
            (RubricRule::IdDuplicate, Lang::En) => {
                format!("The id of item {n} is already used by another item.")
            }
            (RubricRule::LabelEmpty, Lang::Nb) => {
                format!("Punkt {n} må ha en tekst på bokmål.")
            }
            (RubricRule::LabelEmpty, Lang::Nn) => {
                format!("Punkt {n} må ha ein tekst på bokmål.")
            }
            (RubricRule::LabelEmpty, Lang::En) => {
                format!("Item {n} needs a label in Norwegian (bokmål).")
            }
            (RubricRule::LabelTooLong, Lang::Nb) => {
                format!("Teksten til punkt {n} kan ha høyst {LABEL_MAX_CHARS} tegn.")
            }
            (RubricRule::LabelTooLong, Lang::Nn) => {
                format!("Teksten til punkt {n} kan ha høgst {LABEL_MAX_CHARS} teikn.")
            }
            (RubricRule::LabelTooLong, Lang::En) => {
                format!("The label of item {n} may have at most {LABEL_MAX_CHARS} characters.")
            }
            (RubricRule::PointsOutOfRange, Lang::Nb) => {
                format!("Poengene for punkt {n} må være mellom 0 og {max} per enhet.")
            }
            (RubricRule::PointsOutOfRange, Lang::Nn) => {
                format!("Poenga for punkt {n} må vere mellom 0 og {max} per eining.")
            }
            (RubricRule::PointsOutOfRange, Lang::En) => {
                format!("The points of item {n} must be between 0 and {max} per unit.")
            }
            (RubricRule::CapNotPositive, Lang::Nb) => {
                format!("Maksimum for punkt {n} må være større enn 0, eller stå tomt.")
            }
            (RubricRule::CapNotPositive, Lang::Nn) => {
                format!("Maksimum for punkt {n} må vere større enn 0, eller stå tomt.")
            }
            (RubricRule::CapNotPositive, Lang::En) => {
                format!("The maximum of item {n} must be above 0, or left empty.")
            }
        }
    }
}

impl fmt::Display for RubricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Nb))
    }
}

impl std::error::Error for RubricError {}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::profiles::Merit;
    use crate::profiles::tests::sample;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn job(from: Date, to: Option<Date>, on_call: bool, percent: u8) -> Experience {
        Experience {
            employer: "Sykehuset Levanger".to_owned(),
            from,
            to,
            kind: ExperienceKind::DoctorWork,
            on_call,
            capacity: WorkCapacity::AuthorisedDoctor,
            care_level: CareLevel::Specialist,
            percent,
        }
    }

    fn with(experiences: Vec<Experience>, merits: Vec<Merit>) -> Profile {
        Profile {
            experiences,
            merits,
            ..sample()
        }
    }

    fn line<'a>(s: &'a Score, id: &str) -> &'a ScoreLine {
        s.lines.iter().find(|l| l.item_id == id).unwrap()
    }

    const AS_OF: Date = date(2027, 2, 2);

    #[test]
    fn fourteen_months_on_call_is_fourteen_points() {
        let p = with(
            vec![job(date(2025, 1, 1), Some(date(2026, 2, 28)), true, 100)],
            vec![],
        );
        let s = score(&Rubric::hnt_default(), &p, AS_OF);
        let l = line(&s, "doctor_on_call");
        assert_eq!(l.basis, Basis::Months(14));
        assert_eq!(l.points, Points(14_00));
        assert!(!l.capped);
        assert_eq!(s.total, Points(14_00));
        assert_eq!(line(&s, "doctor_no_on_call").basis, Basis::Months(0));
    }

    #[test]
    fn half_a_month_rounds_to_the_nearest() {
        let rubric = Rubric::hnt_default();
        let months = |to| {
            let p = with(vec![job(date(2025, 1, 1), Some(to), false, 100)], vec![]);
            line(&score(&rubric, &p, AS_OF), "doctor_no_on_call").basis
        };
        assert_eq!(months(date(2025, 1, 15)), Basis::Months(0)); // 15 days = 0.49
        assert_eq!(months(date(2025, 1, 16)), Basis::Months(1)); // 16 days = 0.53
        assert_eq!(months(date(2025, 2, 28)), Basis::Months(2)); // 59 days = 1.94
        assert_eq!(months(date(2025, 12, 31)), Basis::Months(12));
    }

    #[test]
    fn overlapping_jobs_are_not_counted_twice() {
        // Two full-time jobs, January–June and April–September: nine months, not twelve.
        let p = with(
            vec![
                job(date(2025, 1, 1), Some(date(2025, 6, 30)), true, 100),
                job(date(2025, 4, 1), Some(date(2025, 9, 30)), true, 100),
            ],
            vec![],
        );
        let s = score(&Rubric::hnt_default(), &p, AS_OF);
        assert_eq!(line(&s, "doctor_on_call").basis, Basis::Months(9));
        assert_eq!(s.total, Points(9_00));
    }

    #[test]
    fn overlaps_take_the_larger_position_size() {
        // 12 months at 50 %, with a 100 % job in its last 6 months: 6 × 0.5 + 6 × 1 = 9 months.
        let p = with(
            vec![
                job(date(2025, 1, 1), Some(date(2025, 12, 31)), true, 50),
                job(date(2025, 7, 1), Some(date(2025, 12, 31)), true, 100),
            ],
            vec![],
        );
        let s = score(&Rubric::hnt_default(), &p, AS_OF);
        assert_eq!(line(&s, "doctor_on_call").basis, Basis::Months(9));
    }

    #[test]
    fn half_time_halves() {
        let p = with(
            vec![job(date(2025, 1, 1), Some(date(2025, 12, 31)), false, 50)],
            vec![],
        );
        let s = score(&Rubric::hnt_default(), &p, AS_OF);
        let l = line(&s, "doctor_no_on_call");
        assert_eq!(l.basis, Basis::Months(6));
        assert_eq!(l.points, Points(4_20)); // 6 × 0.70
    }

    #[test]
    fn an_ongoing_job_is_clipped_at_as_of_and_future_work_does_not_count() {
        let p = with(
            vec![
                job(date(2026, 3, 1), None, true, 100),
                job(date(2027, 3, 1), Some(date(2027, 12, 31)), true, 100),
            ],
            vec![],
        );
        // 1 March 2026 – 28 February 2027 inclusive is 12 months.
        let s = score(&Rubric::hnt_default(), &p, date(2027, 2, 28));
        assert_eq!(line(&s, "doctor_on_call").basis, Basis::Months(12));
        let earlier = score(&Rubric::hnt_default(), &p, date(2026, 8, 31));
        assert_eq!(line(&earlier, "doctor_on_call").basis, Basis::Months(6));
        let before = score(&Rubric::hnt_default(), &p, date(2026, 2, 1));
        assert_eq!(before.total, Points::ZERO);
    }

    #[test]
    fn caps_apply_and_say_so() {
        // 30 months on call (cap 24) and 4 research merits at 2.00 (cap 6).
        let research = Merit {
            kind: MeritKind::Research,
            title: "Artikkel".to_owned(),
            date: Some(date(2025, 1, 1)),
        };
        let p = with(
            vec![job(date(2024, 1, 1), Some(date(2026, 6, 30)), true, 100)],
            vec![research.clone(); 4],
        );
        let s = score(&Rubric::hnt_default(), &p, AS_OF);
        let on_call = line(&s, "doctor_on_call");
        assert_eq!(
            (on_call.basis, on_call.raw, on_call.points, on_call.capped),
            (Basis::Months(30), Points(30_00), Points(24_00), true)
        );
        let r = line(&s, "research");
        assert_eq!(
            (r.basis, r.raw, r.points, r.capped),
            (Basis::Count(4), Points(8_00), Points(6_00), true)
        );
        assert_eq!(s.total, Points(30_00));
    }

    #[test]
    fn merits_dated_after_as_of_do_not_count() {
        let course = |d| Merit {
            kind: MeritKind::Course,
            title: "ALS".to_owned(),
            date: d,
        };
        let p = with(
            vec![],
            vec![
                course(Some(date(2026, 1, 1))),
                course(None),
                course(Some(date(2027, 6, 1))),
            ],
        );
        let s = score(&Rubric::hnt_default(), &p, AS_OF);
        assert_eq!(line(&s, "courses").basis, Basis::Count(2));
        assert_eq!(line(&s, "courses").points, Points(1_00));
    }

    #[test]
    fn student_work_and_other_health_work_count_less() {
        let mut student = job(date(2024, 6, 1), Some(date(2024, 8, 31)), true, 100);
        student.capacity = WorkCapacity::StudentWithLicence;
        let mut assistant = job(date(2023, 1, 1), Some(date(2023, 12, 31)), false, 20);
        assistant.kind = ExperienceKind::OtherHealthWork;
        assistant.capacity = WorkCapacity::NotApplicable;
        let s = score(
            &Rubric::hnt_default(),
            &with(vec![student, assistant], vec![]),
            AS_OF,
        );
        assert_eq!(line(&s, "student_licence").points, Points(1_20)); // 3 × 0.40
        let other = line(&s, "other_health_work");
        assert_eq!(other.basis, Basis::Months(2)); // 12 × 20 % = 2.4 → 2
        assert_eq!(other.points, Points(20));
        assert_eq!(line(&s, "doctor_on_call").points, Points::ZERO);
    }

    #[test]
    fn flags() {
        let rubric = Rubric {
            items: vec![RubricItem {
                id: "driving".to_owned(),
                label_nb: "Førerkort klasse B".to_owned(),
                label_en: String::new(),
                rule: Rule::Flag {
                    points: Points(50),
                    flag: ProfileFlag::DrivingLicenceB,
                },
                cap: None,
            }],
        };
        let mut p = sample();
        assert_eq!(score(&rubric, &p, AS_OF).total, Points(50));
        p.driving_licence_b = false;
        let s = score(&rubric, &p, AS_OF);
        assert_eq!(
            (s.total, s.lines[0].basis),
            (Points::ZERO, Basis::Flag(false))
        );
        assert_eq!(s.lines[0].label(Lang::En), "Førerkort klasse B");
        assert!(ProfileFlag::NorwegianC2OrNative.holds(&p));
    }

    #[test]
    fn points_format_and_parse() {
        assert_eq!(Points(1250).to_string(), "12,50");
        assert_eq!(Points(1250).format(Lang::En), "12.50");
        assert_eq!(Points(5).format(Lang::Nb), "0,05");
        assert_eq!(Points(-70).format(Lang::Nb), "-0,70");
        assert_eq!(Points(2400).format_short(Lang::Nb), "24");
        assert_eq!(Points(250).format_short(Lang::Nb), "2,50");
        assert_eq!(Points::parse("12,5"), Some(Points(1250)));
        assert_eq!(Points::parse(" 0.05 "), Some(Points(5)));
        assert_eq!(Points::parse("2"), Some(Points(200)));
        assert_eq!(Points::parse("-1,00"), Some(Points(-100)));
        for bad in ["", ",5", "1,234", "1.2.3", "a", "1 000", "99999999999999"] {
            assert_eq!(Points::parse(bad), None, "{bad}");
        }
        assert_eq!(serde_json::to_string(&Points(125)).unwrap(), "125");
    }

    #[test]
    fn describe_for_applicants() {
        let nb = Rubric::hnt_default().describe(Lang::Nb);
        assert_eq!(
            nb[0],
            "Legearbeid med vakt som autorisert lege: 1,00 poeng per måned, maks 24 poeng"
        );
        assert_eq!(
            nb[4],
            "Forskning (publisert artikkel, forskerlinjen, ph.d.): 2,00 poeng for hver, maks 6 poeng"
        );
        let en = Rubric::hnt_default().describe(Lang::En);
        assert_eq!(en[6], "Relevant courses: 0.50 points each, max 2 points");
    }

    #[test]
    fn the_default_rubric_is_valid_and_round_trips() {
        let r = Rubric::hnt_default();
        assert_eq!(r.validate(), Ok(()));
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains(r#""rule":{"type":"per_month","points":100,"filter":{"kind":"doctor_work","on_call":true,"capacity":"authorised_doctor","care_level":null}}"#), "{json}");
        assert_eq!(serde_json::from_str::<Rubric>(&json).unwrap(), r);
        let s = score(&r, &sample(), AS_OF);
        let back: Score = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        assert!(
            serde_json::to_string(&s)
                .unwrap()
                .contains(r#""basis":{"kind":"months","value":14}"#)
        );
    }

    #[test]
    fn validate_reports_every_problem() {
        let mut r = Rubric::hnt_default();
        r.items[1].id = r.items[0].id.clone();
        r.items[2].id = "Med Mellomrom".to_owned();
        r.items[3].label_nb = " ".to_owned();
        r.items[4].rule = Rule::PerMerit {
            points: Points(10_001),
            kind: MeritKind::Research,
        };
        r.items[5].cap = Some(Points::ZERO);
        let errors = r.validate().unwrap_err();
        let got: Vec<(String, &str)> = errors.iter().map(|e| (e.field(), e.code())).collect();
        assert_eq!(
            got,
            vec![
                ("items[1].id".to_owned(), "rubric_id_duplicate"),
                ("items[2].id".to_owned(), "rubric_id_invalid"),
                ("items[3].label_nb".to_owned(), "rubric_label_empty"),
                ("items[4].points".to_owned(), "rubric_points_out_of_range"),
                ("items[5].cap".to_owned(), "rubric_cap_not_positive"),
            ]
        );
        assert_eq!(
            errors[3].to_string(),
            "Poengene for punkt 5 må være mellom 0 og 100,00 per enhet."
        );

        let mut many = Rubric::hnt_default();
        while many.items.len() <= MAX_ITEMS {
            let mut item = many.items[0].clone();
            item.id = format!("item{}", many.items.len());
            many.items.push(item);
        }
        let errors = many.validate().unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field(), "items");
        assert!(!valid_slug(&"a".repeat(SLUG_MAX_CHARS + 1)));
        assert!(valid_slug("doctor_on-call2"));
    }

    fn arb_date() -> impl Strategy<Value = Date> {
        (0i64..4000).prop_map(|d| {
            date(2016, 1, 1)
                .checked_add(jiff::Span::new().days(d))
                .unwrap()
        })
    }

    fn arb_experience() -> impl Strategy<Value = Experience> {
        (
            arb_date(),
            proptest::option::of(0i64..900),
            0usize..3,
            any::<bool>(),
            0usize..3,
            0usize..3,
            1u8..=100,
        )
            .prop_map(
                |(from, len, kind, on_call, cap, care, percent)| Experience {
                    employer: "X".to_owned(),
                    from,
                    to: len.map(|l| from.checked_add(jiff::Span::new().days(l)).unwrap()),
                    kind: ExperienceKind::ALL[kind],
                    on_call,
                    capacity: WorkCapacity::ALL[cap],
                    care_level: CareLevel::ALL[care],
                    percent,
                },
            )
    }

    fn arb_merit() -> impl Strategy<Value = Merit> {
        (0usize..7, proptest::option::of(arb_date())).prop_map(|(k, date)| Merit {
            kind: MeritKind::ALL[k],
            title: "M".to_owned(),
            date,
        })
    }

    /// The default rubric plus catch-all items whose filters overlap, to exercise merging.
    fn wide_rubric() -> Rubric {
        let mut r = Rubric::hnt_default();
        for (i, kind) in ExperienceKind::ALL.iter().enumerate() {
            r.items.push(RubricItem {
                id: format!("any{i}"),
                label_nb: "Alt".to_owned(),
                label_en: String::new(),
                rule: Rule::PerMonth {
                    points: Points(33),
                    filter: ExperienceFilter {
                        kind: *kind,
                        on_call: None,
                        capacity: None,
                        care_level: None,
                    },
                },
                cap: None,
            });
        }
        r
    }

    proptest! {
        #[test]
        fn total_is_the_sum_and_caps_hold(
            experiences in proptest::collection::vec(arb_experience(), 0..8),
            merits in proptest::collection::vec(arb_merit(), 0..8),
            as_of in arb_date(),
        ) {
            let rubric = wide_rubric();
            let p = with(experiences, merits);
            let s = score(&rubric, &p, as_of);
            prop_assert_eq!(s.total, s.lines.iter().map(|l| l.points).sum::<Points>());
            prop_assert_eq!(s.lines.len(), rubric.items.len());
            for (l, item) in s.lines.iter().zip(&rubric.items) {
                prop_assert!(l.points <= l.raw && l.points >= Points::ZERO);
                prop_assert_eq!(l.capped, l.points < l.raw);
                if let Some(cap) = item.cap {
                    prop_assert!(l.points <= cap);
                }
            }
            // Deterministic.
            prop_assert_eq!(&score(&rubric, &p, as_of), &s);
        }

        #[test]
        fn more_experience_never_lowers_a_line(
            experiences in proptest::collection::vec(arb_experience(), 0..8),
            extra in arb_experience(),
            as_of in arb_date(),
        ) {
            let rubric = wide_rubric();
            let before = score(&rubric, &with(experiences.clone(), vec![]), as_of);
            let mut more = experiences;
            more.push(extra);
            let after = score(&rubric, &with(more, vec![]), as_of);
            for (b, a) in before.lines.iter().zip(&after.lines) {
                prop_assert!(a.raw >= b.raw, "{} fell from {} to {}", b.item_id, b.raw, a.raw);
                prop_assert!(a.points >= b.points);
            }
        }

        #[test]
        fn months_never_exceed_the_calendar(
            experiences in proptest::collection::vec(arb_experience(), 0..8),
            as_of in arb_date(),
        ) {
            // Merged, the months of one item are at most the span from the first start to as_of.
            let p = with(experiences, vec![]);
            let first = p.experiences.iter().map(|e| e.from).min();
            let s = score(&wide_rubric(), &p, as_of);
            let span_days = first.map_or(0, |f| (day_number(as_of) - day_number(f) + 1).max(0));
            let span_months = (span_days * 100 * 16 + 24_350) / 48_700;
            for l in &s.lines {
                if let Basis::Months(m) = l.basis {
                    prop_assert!(i64::from(m) <= span_months);
                }
            }
        }
    }
}
