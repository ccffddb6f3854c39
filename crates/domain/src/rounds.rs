//! Rounds (*utlysningsrunder*) and their legal deadlines.
//!
//! Positions are advertised twice a year (domain notes §1, §3): the **spring** round is announced
//! in January for a start on 1 September the same year, the **autumn** round in August for a
//! start on 1 March the next year. The directorate sets common dates for every advertiser: the
//! announcement (*kunngjøring*), the application deadline (*søknadsfrist*), the earliest offer
//! time (*tidligste tilbudsdato*) and a timetable of offer rounds (*tilbudsrunder*), each with an
//! offer time, a reply deadline (*svarfrist*) and a marking time (*merkefrist*).
//!
//! A [`RoundDraft`] is what a form submits; [`validate`] checks it against the rules and returns
//! either a [`Round`] (proof that the timetable is lawful) or **every** [`RoundViolation`], each
//! naming its form field, the rule, and the earliest value that would be allowed.
//!
//! All times are Europe/Oslo wall-clock times ([`calendar::oslo`]); the start date is a date.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use jiff::ToSpan;
use jiff::civil::{Date, DateTime, Time, Weekday};
use serde::{Deserialize, Serialize, Serializer};

use crate::calendar;
use crate::{Lang, Localized};

/// The years a round may belong to. A sanity range: it catches typos such as `20227` and keeps
/// every date computation far from the ends of the calendar.
pub const YEARS: RangeInclusive<i16> = 2000..=2100;

/// The longest round name, in characters.
pub const NAME_MAX_CHARS: usize = 200;

/// 004 draft §12: the application deadline is at least two weeks after the announcement.
pub const MIN_APPLICATION_DAYS: i64 = 14;

/// 004 draft §12: offers in the first offer round get at least three working days to reply.
pub const FIRST_ROUND_REPLY_WORKING_DAYS: u32 = 3;

/// Spring (start 1 September) or autumn (start 1 March the next year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Season {
    /// Announced in January, start 1 September the same year.
    Spring,
    /// Announced in August, start 1 March the next year.
    Autumn,
}

impl Season {
    /// Both seasons, in calendar order of announcement.
    pub const ALL: [Season; 2] = [Season::Spring, Season::Autumn];

    /// The stable name: `spring` or `autumn` (the same as the serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            Season::Spring => "spring",
            Season::Autumn => "autumn",
        }
    }

    /// Parses the name written by [`Season::as_str`].
    pub fn parse(s: &str) -> Result<Season, SeasonError> {
        Season::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(SeasonError)
    }

    /// `Vår`/`Høst` or `Spring`/`Autumn`.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Season::Spring => lang.pick3("Vår", "Vår", "Spring"),
            Season::Autumn => lang.pick3("Høst", "Haust", "Autumn"),
        }
    }

    /// The month (1–12) in which the round is normally announced: January or August.
    pub fn announcement_month(self) -> i8 {
        match self {
            Season::Spring => 1,
            Season::Autumn => 8,
        }
    }

    /// The start date of the round of `year`: 1 September `year` (spring) or 1 March `year + 1`
    /// (autumn). `None` only outside the calendar's range.
    pub fn start_date(self, year: i16) -> Option<Date> {
        match self {
            Season::Spring => Date::new(year, 9, 1).ok(),
            Season::Autumn => Date::new(year.checked_add(1)?, 3, 1).ok(),
        }
    }
}

impl fmt::Display for Season {
    /// The bokmål label.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label(Lang::Nb))
    }
}

impl FromStr for Season {
    type Err = SeasonError;
    /// Same as [`Season::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Season::parse(s)
    }
}

/// A season name other than `spring` or `autumn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SeasonError;

impl Localized for SeasonError {
    fn code(&self) -> &'static str {
        "unknown_season"
    }

    fn message(&self, lang: Lang) -> String {
        lang.pick3(
            "Ukjent halvår. Tillatt: spring (vår) eller autumn (høst).",
            "Ukjend halvår. Tillate: spring (vår) eller autumn (haust).",
            "Unknown season. Allowed: spring or autumn.",
        )
        .to_owned()
    }
}

impl fmt::Display for SeasonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Nb))
    }
}

impl std::error::Error for SeasonError {}

/// A round as entered in a form, not yet checked. See [`validate`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RoundDraft {
    /// Spring or autumn.
    pub season: Season,
    /// The year of the announcement (an autumn round starts the year after).
    pub year: i16,
    /// A name for people, e.g. `LIS1 våren 2027`.
    pub name: String,
    /// When the advertisements are published (*kunngjøring*).
    pub announcement: DateTime,
    /// The application deadline (*søknadsfrist*).
    pub application_deadline: DateTime,
    /// The directorate's earliest offer time (*tidligste tilbudsdato*).
    pub earliest_offer: DateTime,
    /// The day the doctors start in hospital: 1 March or 1 September.
    pub start_date: Date,
    /// The national offer rounds, in order.
    pub offer_rounds: Vec<OfferRoundDraft>,
}

/// One offer round (*tilbudsrunde*) as entered in a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OfferRoundDraft {
    /// When offers of this round are made.
    pub offer_at: DateTime,
    /// When applicants must have answered (*svarfrist*).
    pub reply_deadline: DateTime,
    /// When employers must have registered acceptances, visible to other employers (*merkefrist*).
    pub marking_at: DateTime,
}

/// A validated offer round. Only [`validate`] and [`Round::from_trusted_parts`] make one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct OfferRound {
    offer_at: DateTime,
    reply_deadline: DateTime,
    marking_at: DateTime,
}

impl OfferRound {
    /// When offers of this round are made.
    pub fn offer_at(&self) -> DateTime {
        self.offer_at
    }

    /// When applicants must have answered.
    pub fn reply_deadline(&self) -> DateTime {
        self.reply_deadline
    }

    /// When employers must have registered acceptances.
    pub fn marking_at(&self) -> DateTime {
        self.marking_at
    }
}

impl From<OfferRoundDraft> for OfferRound {
    fn from(d: OfferRoundDraft) -> Self {
        OfferRound {
            offer_at: d.offer_at,
            reply_deadline: d.reply_deadline,
            marking_at: d.marking_at,
        }
    }
}

impl From<OfferRound> for OfferRoundDraft {
    fn from(r: OfferRound) -> Self {
        OfferRoundDraft {
            offer_at: r.offer_at,
            reply_deadline: r.reply_deadline,
            marking_at: r.marking_at,
        }
    }
}

/// A round whose timetable satisfies every rule of [`validate`]. The fields are private so that
/// a `Round` cannot be built, or changed, without going through validation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Round {
    season: Season,
    year: i16,
    name: String,
    announcement: DateTime,
    application_deadline: DateTime,
    earliest_offer: DateTime,
    start_date: Date,
    offer_rounds: Vec<OfferRound>,
}

impl Round {
    /// Builds a round **without checking it**: only for loading rows that were validated when
    /// they were stored (the database is trusted, and re-validating old rounds would fail when
    /// the rules change). Everything else must use [`validate`].
    pub fn from_trusted_parts(draft: RoundDraft) -> Round {
        Round {
            season: draft.season,
            year: draft.year,
            name: draft.name,
            announcement: draft.announcement,
            application_deadline: draft.application_deadline,
            earliest_offer: draft.earliest_offer,
            start_date: draft.start_date,
            offer_rounds: draft.offer_rounds.into_iter().map(Into::into).collect(),
        }
    }

    /// The round as a draft, e.g. to prefill an edit form.
    pub fn to_draft(&self) -> RoundDraft {
        RoundDraft {
            season: self.season,
            year: self.year,
            name: self.name.clone(),
            announcement: self.announcement,
            application_deadline: self.application_deadline,
            earliest_offer: self.earliest_offer,
            start_date: self.start_date,
            offer_rounds: self.offer_rounds.iter().map(|&r| r.into()).collect(),
        }
    }

    /// Spring or autumn.
    pub fn season(&self) -> Season {
        self.season
    }

    /// The year of the announcement.
    pub fn year(&self) -> i16 {
        self.year
    }

    /// The name, trimmed.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// When the advertisements are published.
    pub fn announcement(&self) -> DateTime {
        self.announcement
    }

    /// The application deadline.
    pub fn application_deadline(&self) -> DateTime {
        self.application_deadline
    }

    /// The earliest time an offer may be made.
    pub fn earliest_offer(&self) -> DateTime {
        self.earliest_offer
    }

    /// The start date (1 March or 1 September).
    pub fn start_date(&self) -> Date {
        self.start_date
    }

    /// The offer rounds, in order (at least one).
    pub fn offer_rounds(&self) -> &[OfferRound] {
        &self.offer_rounds
    }

    /// The day the cohort hired in this round starts in hospital; the same as
    /// [`Round::start_date`], named for callers that think in cohorts.
    pub fn cohort_start(&self) -> Date {
        self.start_date
    }

    /// The last marking time of the round, after which the hiring is complete.
    pub fn last_marking(&self) -> Option<DateTime> {
        self.offer_rounds.iter().map(|r| r.marking_at).max()
    }

    /// The index of the offer round an offer made at `at` belongs to: the last round whose offer
    /// time is at or before `at`, as long as its reply deadline has not passed (`at` is before
    /// it). `None` before the first round, between one round's reply deadline and the next
    /// round's offer time, and after the last reply deadline — there is no offer round then.
    pub fn offer_round_for(&self, at: DateTime) -> Option<usize> {
        let index = self.offer_rounds.iter().rposition(|r| r.offer_at <= at)?;
        let round = self.offer_rounds.get(index)?;
        (at < round.reply_deadline).then_some(index)
    }
}

/// A point in time that a rule refers to: a date and time, or (for the start date) a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum Moment {
    /// An Oslo wall-clock time.
    At(DateTime),
    /// A whole day.
    On(Date),
}

impl Moment {
    /// Formats for people: `29.01.2027 kl. 12.00` / `29 January 2027 12:00`, or just the date.
    pub fn format(self, lang: Lang) -> String {
        match self {
            Moment::At(dt) => calendar::format_datetime(dt, lang),
            Moment::On(d) => calendar::format_date(d, lang),
        }
    }
}

impl From<DateTime> for Moment {
    fn from(dt: DateTime) -> Self {
        Moment::At(dt)
    }
}

impl From<Date> for Moment {
    fn from(d: Date) -> Self {
        Moment::On(d)
    }
}

/// The part of an offer round a violation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OfferRoundPart {
    /// The offer time.
    OfferAt,
    /// The reply deadline.
    ReplyDeadline,
    /// The marking time.
    MarkingAt,
}

impl OfferRoundPart {
    fn as_str(self) -> &'static str {
        match self {
            OfferRoundPart::OfferAt => "offer_at",
            OfferRoundPart::ReplyDeadline => "reply_deadline",
            OfferRoundPart::MarkingAt => "marking_at",
        }
    }
}

/// A field of the round form, so that a message can be shown next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoundField {
    /// [`RoundDraft::name`].
    Name,
    /// [`RoundDraft::year`].
    Year,
    /// [`RoundDraft::announcement`].
    Announcement,
    /// [`RoundDraft::application_deadline`].
    ApplicationDeadline,
    /// [`RoundDraft::earliest_offer`].
    EarliestOffer,
    /// [`RoundDraft::start_date`].
    StartDate,
    /// The list of offer rounds as a whole.
    OfferRounds,
    /// One field of one offer round (`index` from 0).
    OfferRound {
        /// Position in [`RoundDraft::offer_rounds`], from 0.
        index: usize,
        /// Which of its fields.
        part: OfferRoundPart,
    },
}

impl RoundField {
    /// The form field name: `application_deadline`, `offer_rounds[0].reply_deadline`, …
    /// (the serde names of [`RoundDraft`], with the list index in brackets).
    pub fn field_name(&self) -> String {
        match self {
            RoundField::Name => "name".to_owned(),
            RoundField::Year => "year".to_owned(),
            RoundField::Announcement => "announcement".to_owned(),
            RoundField::ApplicationDeadline => "application_deadline".to_owned(),
            RoundField::EarliestOffer => "earliest_offer".to_owned(),
            RoundField::StartDate => "start_date".to_owned(),
            RoundField::OfferRounds => "offer_rounds".to_owned(),
            RoundField::OfferRound { index, part } => {
                format!("offer_rounds[{index}].{}", part.as_str())
            }
        }
    }

    /// The field as the subject of a sentence, e.g. `Svarfristen i tilbudsrunde 2` /
    /// `The reply deadline of offer round 2` (rounds numbered from 1 for people).
    pub fn label(&self, lang: Lang) -> String {
        let fixed = |nb: &str, nn: &str, en: &str| lang.pick3(nb, nn, en).to_owned();
        match self {
            RoundField::Name => fixed("Navnet", "Namnet", "The name"),
            RoundField::Year => fixed("Året", "Året", "The year"),
            RoundField::Announcement => fixed("Kunngjøringen", "Kunngjeringa", "The announcement"),
            RoundField::ApplicationDeadline => fixed(
                "Søknadsfristen",
                "Søknadsfristen",
                "The application deadline",
            ),
            RoundField::EarliestOffer => fixed(
                "Tidligste tilbudsdato",
                "Tidlegaste tilbodsdato",
                "The earliest offer date",
            ),
            RoundField::StartDate => fixed("Oppstartsdatoen", "Oppstartsdatoen", "The start date"),
            RoundField::OfferRounds => {
                fixed("Tilbudsrundene", "Tilbodsrundane", "The offer rounds")
            }
            RoundField::OfferRound { index, part } => {
                let n = index + 1;
                match (part, lang) {
                    (OfferRoundPart::OfferAt, Lang::Nb) => {
                        format!("Tilbudstidspunktet i tilbudsrunde {n}")
                    }
                    (OfferRoundPart::OfferAt, Lang::Nn) => {
                        format!("Tilbodstidspunktet i tilbodsrunde {n}")
                    }
                    (OfferRoundPart::OfferAt, Lang::En) => {
                        format!("The offer time of offer round {n}")
                    }
                    (OfferRoundPart::ReplyDeadline, Lang::Nb) => {
                        format!("Svarfristen i tilbudsrunde {n}")
                    }
                    (OfferRoundPart::ReplyDeadline, Lang::Nn) => {
                        format!("Svarfristen i tilbodsrunde {n}")
                    }
                    (OfferRoundPart::ReplyDeadline, Lang::En) => {
                        format!("The reply deadline of offer round {n}")
                    }
                    (OfferRoundPart::MarkingAt, Lang::Nb) => {
                        format!("Merkefristen i tilbudsrunde {n}")
                    }
                    (OfferRoundPart::MarkingAt, Lang::Nn) => {
                        format!("Merkefristen i tilbodsrunde {n}")
                    }
                    (OfferRoundPart::MarkingAt, Lang::En) => {
                        format!("The marking time of offer round {n}")
                    }
                }
            }
        }
    }

    /// The offer round number counted from 1, if the field belongs to one.
    fn round_number(&self) -> usize {
        match self {
            RoundField::OfferRound { index, .. } => index + 1,
            _ => 0,
        }
    }
}

impl Serialize for RoundField {
    /// As [`RoundField::field_name`].
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.field_name())
    }
}

/// A hard rule for rounds. The [`RoundRule::code`] is stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoundRule {
    /// The name is empty (after trimming).
    NameEmpty,
    /// The name is longer than [`NAME_MAX_CHARS`].
    NameTooLong,
    /// The year is outside [`YEARS`].
    YearOutOfRange,
    /// 004 draft §12: application deadline < announcement + 14 days.
    ApplicationDeadlineTooEarly,
    /// The earliest offer time is before the application deadline.
    EarliestOfferBeforeApplicationDeadline,
    /// The start date is not the season's (1 September, or 1 March the next year).
    StartDateMismatch,
    /// There is no offer round.
    NoOfferRounds,
    /// 004 draft §12: the first offer round is before the directorate's earliest offer time.
    OfferBeforeEarliestOffer,
    /// An offer round's offer time is not after the previous round's.
    OfferRoundsNotInOrder,
    /// An offer round starts before the previous round's reply deadline.
    OfferBeforePreviousReplyDeadline,
    /// 004 draft §12: the first round's reply deadline is less than three working days after
    /// the offer.
    FirstReplyDeadlineTooShort,
    /// A later round's reply deadline is not after its offer time.
    ReplyDeadlineNotAfterOffer,
    /// A marking time is before the reply deadline of its round.
    MarkingBeforeReplyDeadline,
    /// A marking time is on or after the start date.
    MarkingNotBeforeStart,
}

impl RoundRule {
    /// The stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            RoundRule::NameEmpty => "round_name_empty",
            RoundRule::NameTooLong => "round_name_too_long",
            RoundRule::YearOutOfRange => "round_year_out_of_range",
            RoundRule::ApplicationDeadlineTooEarly => "application_deadline_too_early",
            RoundRule::EarliestOfferBeforeApplicationDeadline => {
                "earliest_offer_before_application_deadline"
            }
            RoundRule::StartDateMismatch => "start_date_mismatch",
            RoundRule::NoOfferRounds => "no_offer_rounds",
            RoundRule::OfferBeforeEarliestOffer => "offer_before_earliest_offer",
            RoundRule::OfferRoundsNotInOrder => "offer_rounds_not_in_order",
            RoundRule::OfferBeforePreviousReplyDeadline => "offer_before_previous_reply_deadline",
            RoundRule::FirstReplyDeadlineTooShort => "first_reply_deadline_too_short",
            RoundRule::ReplyDeadlineNotAfterOffer => "reply_deadline_not_after_offer",
            RoundRule::MarkingBeforeReplyDeadline => "marking_before_reply_deadline",
            RoundRule::MarkingNotBeforeStart => "marking_not_before_start",
        }
    }
}

impl Serialize for RoundRule {
    /// As [`RoundRule::code`].
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// One broken rule: which field, which rule, and what would be allowed.
///
/// Serialized as `{"field": "offer_rounds[0].reply_deadline", "rule":
/// "first_reply_deadline_too_short", "earliest_allowed": "2027-04-01T09:00:00", "reference":
/// "2027-03-25T09:00:00"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct RoundViolation {
    /// The form field to show the message next to.
    pub field: RoundField,
    /// The rule that is broken.
    pub rule: RoundRule,
    /// The earliest value the field may take (inclusive), when the rule gives one; for
    /// [`RoundRule::StartDateMismatch`] the one allowed start date. A form can offer it as a fix.
    pub earliest_allowed: Option<Moment>,
    /// The other value the rule compares with, when there is one: the offer time a reply
    /// deadline must follow, the start date a marking time must precede, …
    pub reference: Option<Moment>,
}

impl Localized for RoundViolation {
    fn code(&self) -> &'static str {
        self.rule.code()
    }

    fn message(&self, lang: Lang) -> String {
        let n = self.field.round_number();
        let prev = n.saturating_sub(1);
        let reference = self.reference.map(|m| m.format(lang)).unwrap_or_default();
        // "Tidligst tillatte søknadsfrist er 29.01.2027 kl. 12.00." when there is a bound.
        // `no_what` is the field in the Norwegian of `lang` (bokmål or nynorsk), `en_what` in English.
        let earliest = |no_what: &str, en_what: &str| match self.earliest_allowed {
            Some(m) => match lang {
                Lang::Nb => {
                    format!(" Tidligst tillatte {no_what} er {}.", m.format(lang))
                }
                Lang::Nn => {
                    format!(" Tidlegaste tillatne {no_what} er {}.", m.format(lang))
                }
                Lang::En => format!(" The earliest allowed {en_what} is {}.", m.format(lang)),
            },
            None => String::new(),
        };
        match (self.rule, lang) {
            (RoundRule::NameEmpty, _) => lang
                .pick3(
                    "Runden må ha et navn.",
                    "Runden må ha eit namn.",
                    "The round must have a name.",
                )
                .to_owned(),
            (RoundRule::NameTooLong, Lang::Nb) => {
                format!("Navnet på runden kan ha høyst {NAME_MAX_CHARS} tegn.")
            }
            (RoundRule::NameTooLong, Lang::Nn) => {
                format!("Namnet på runden kan ha høgst {NAME_MAX_CHARS} teikn.")
            }
            (RoundRule::NameTooLong, Lang::En) => {
                format!("The round's name may have at most {NAME_MAX_CHARS} characters.")
            }
            (RoundRule::YearOutOfRange, Lang::Nb) => {
                format!("Året må være mellom {} og {}.", YEARS.start(), YEARS.end())
            }
            (RoundRule::YearOutOfRange, Lang::Nn) => {
                format!("Året må vere mellom {} og {}.", YEARS.start(), YEARS.end())
            }
            (RoundRule::YearOutOfRange, Lang::En) => format!(
                "The year must be between {} and {}.",
                YEARS.start(),
                YEARS.end()
            ),
            (RoundRule::ApplicationDeadlineTooEarly, Lang::Nb) => format!(
                "Søknadsfristen må være minst to uker etter kunngjøringen (forskriften § 12).{}",
                earliest("søknadsfrist", "")
            ),
            (RoundRule::ApplicationDeadlineTooEarly, Lang::Nn) => format!(
                "Søknadsfristen må vere minst to veker etter kunngjeringa (forskrifta § 12).{}",
                earliest("søknadsfrist", "")
            ),
            (RoundRule::ApplicationDeadlineTooEarly, Lang::En) => format!(
                "The application deadline must be at least two weeks after the announcement \
                 (regulation § 12).{}",
                earliest("", "application deadline")
            ),
            (RoundRule::EarliestOfferBeforeApplicationDeadline, Lang::Nb) => format!(
                "Tidligste tilbudsdato kan ikke være før søknadsfristen.{}",
                earliest("tilbudsdato", "")
            ),
            (RoundRule::EarliestOfferBeforeApplicationDeadline, Lang::Nn) => format!(
                "Tidlegaste tilbodsdato kan ikkje vere før søknadsfristen.{}",
                earliest("tilbodsdato", "")
            ),
            (RoundRule::EarliestOfferBeforeApplicationDeadline, Lang::En) => format!(
                "The earliest offer date cannot be before the application deadline.{}",
                earliest("", "earliest offer date")
            ),
            (RoundRule::StartDateMismatch, Lang::Nb) => format!(
                "Oppstartsdatoen må være {}: vårrunder starter 1. september samme år og \
                 høstrunder 1. mars året etter.",
                self.earliest_allowed
                    .map(|m| m.format(lang))
                    .unwrap_or_default()
            ),
            (RoundRule::StartDateMismatch, Lang::Nn) => format!(
                "Oppstartsdatoen må vere {}: vårrundar startar 1. september same år og haustrundar 1. mars året etter.",
                self.earliest_allowed
                    .map(|m| m.format(lang))
                    .unwrap_or_default()
            ),
            (RoundRule::StartDateMismatch, Lang::En) => format!(
                "The start date must be {}: spring rounds start on 1 September the same year and \
                 autumn rounds on 1 March the following year.",
                self.earliest_allowed
                    .map(|m| m.format(lang))
                    .unwrap_or_default()
            ),
            (RoundRule::NoOfferRounds, _) => lang
                .pick3(
                    "Runden må ha minst én tilbudsrunde.",
                    "Runden må ha minst éin tilbodsrunde.",
                    "The round must have at least one offer round.",
                )
                .to_owned(),
            (RoundRule::OfferBeforeEarliestOffer, Lang::Nb) => format!(
                "Ingen tilbud kan gis før tidligste tilbudsdato (forskriften § 12).{}",
                earliest("tilbudstidspunkt for tilbudsrunde 1", "")
            ),
            (RoundRule::OfferBeforeEarliestOffer, Lang::Nn) => format!(
                "Ingen tilbod kan bli gitt før tidlegaste tilbodsdato (forskrifta § 12).{}",
                earliest("tilbodstidspunkt for tilbodsrunde 1", "")
            ),
            (RoundRule::OfferBeforeEarliestOffer, Lang::En) => format!(
                "No offer may be made before the earliest offer date (regulation § 12).{}",
                earliest("", "offer time for offer round 1")
            ),
            (RoundRule::OfferRoundsNotInOrder, Lang::Nb) => format!(
                "Tilbudsrundene må komme i rekkefølge: tilbudstidspunktet i tilbudsrunde {n} må \
                 være etter tilbudstidspunktet i tilbudsrunde {prev} ({reference}).{}",
                earliest("tilbudstidspunkt", "")
            ),
            (RoundRule::OfferRoundsNotInOrder, Lang::Nn) => format!(
                "Tilbodsrundane må kome i rekkjefølgje: tilbodstidspunktet i tilbodsrunde {n} må vere etter tilbodstidspunktet i tilbodsrunde {prev} ({reference}).{}",
                earliest("tilbodstidspunkt", "")
            ),
            (RoundRule::OfferRoundsNotInOrder, Lang::En) => format!(
                "The offer rounds must be in order: the offer time of offer round {n} must be \
                 after the offer time of offer round {prev} ({reference}).{}",
                earliest("", "offer time")
            ),
            (RoundRule::OfferBeforePreviousReplyDeadline, Lang::Nb) => format!(
                "Tilbudsrunde {n} kan ikke begynne før svarfristen i tilbudsrunde {prev} har gått \
                 ut.{}",
                earliest("tilbudstidspunkt", "")
            ),
            (RoundRule::OfferBeforePreviousReplyDeadline, Lang::Nn) => format!(
                "Tilbodsrunde {n} kan ikkje byrje før svarfristen i tilbodsrunde {prev} har gått ut.{}",
                earliest("tilbodstidspunkt", "")
            ),
            (RoundRule::OfferBeforePreviousReplyDeadline, Lang::En) => format!(
                "Offer round {n} cannot begin before the reply deadline of offer round {prev} \
                 has passed.{}",
                earliest("", "offer time")
            ),
            (RoundRule::FirstReplyDeadlineTooShort, Lang::Nb) => format!(
                "Svarfristen i første tilbudsrunde må være minst tre virkedager etter tilbudet \
                 (forskriften § 12); lørdager, søndager og helligdager teller ikke.{}",
                earliest("svarfrist", "")
            ),
            (RoundRule::FirstReplyDeadlineTooShort, Lang::Nn) => format!(
                "Svarfristen i første tilbodsrunde må vere minst tre yrkedagar etter tilbodet (forskrifta § 12); laurdagar, søndagar og heilagdagar tel ikkje.{}",
                earliest("svarfrist", "")
            ),
            (RoundRule::FirstReplyDeadlineTooShort, Lang::En) => format!(
                "The reply deadline in the first offer round must be at least three working days \
                 after the offer (regulation § 12); Saturdays, Sundays and public holidays do not \
                 count.{}",
                earliest("", "reply deadline")
            ),
            (RoundRule::ReplyDeadlineNotAfterOffer, Lang::Nb) => format!(
                "Svarfristen i tilbudsrunde {n} må være etter tilbudstidspunktet ({reference})."
            ),
            (RoundRule::ReplyDeadlineNotAfterOffer, Lang::Nn) => format!(
                "Svarfristen i tilbodsrunde {n} må vere etter tilbodstidspunktet ({reference})."
            ),
            (RoundRule::ReplyDeadlineNotAfterOffer, Lang::En) => format!(
                "The reply deadline of offer round {n} must be after its offer time \
                 ({reference})."
            ),
            (RoundRule::MarkingBeforeReplyDeadline, Lang::Nb) => format!(
                "Merkefristen i tilbudsrunde {n} kan ikke være før svarfristen.{}",
                earliest("merkefrist", "")
            ),
            (RoundRule::MarkingBeforeReplyDeadline, Lang::Nn) => format!(
                "Merkefristen i tilbodsrunde {n} kan ikkje vere før svarfristen.{}",
                earliest("merkefrist", "")
            ),
            (RoundRule::MarkingBeforeReplyDeadline, Lang::En) => format!(
                "The marking time of offer round {n} cannot be before its reply deadline.{}",
                earliest("", "marking time")
            ),
            (RoundRule::MarkingNotBeforeStart, Lang::Nb) => format!(
                "Merkefristen i tilbudsrunde {n} må være før oppstartsdatoen ({reference})."
            ),
            (RoundRule::MarkingNotBeforeStart, Lang::Nn) => format!(
                "Merkefristen i tilbodsrunde {n} må vere før oppstartsdatoen ({reference})."
            ),
            (RoundRule::MarkingNotBeforeStart, Lang::En) => format!(
                "The marking time of offer round {n} must be before the start date \
                 ({reference})."
            ),
        }
    }
}

impl fmt::Display for RoundViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Nb))
    }
}

impl std::error::Error for RoundViolation {}

/// Checks a draft against every hard rule and returns the validated [`Round`], or **all**
/// violations in form order (never just the first).
///
/// The rules (004 draft §12 unless noted):
/// * the name is non-empty and at most [`NAME_MAX_CHARS`] characters (it is stored trimmed);
///   the year is in [`YEARS`];
/// * the application deadline is at least 14 calendar days after the announcement;
/// * the earliest offer time is not before the application deadline;
/// * the start date is 1 September of `year` (spring) or 1 March of `year + 1` (autumn)
///   (domain notes §1);
/// * there is at least one offer round; the first is not before the earliest offer time; each
///   later one starts after the previous one's offer time and not before its reply deadline;
/// * first round: the reply deadline is at least three **whole** working days after the offer,
///   i.e. not before [`calendar::add_working_days`]`(offer date, 3)` at the offer's time of day
///   (so an offer on Maundy Thursday 2027 at 09:00 may not close before Thursday 1 April 09:00);
///   later rounds: the reply deadline is after the offer time;
/// * each marking time is not before its reply deadline, and before the start date.
pub fn validate(draft: RoundDraft) -> Result<Round, Vec<RoundViolation>> {
    let mut out = Vec::new();
    let mut push = |field, rule, earliest_allowed: Option<Moment>, reference: Option<Moment>| {
        out.push(RoundViolation {
            field,
            rule,
            earliest_allowed,
            reference,
        });
    };
    let name = draft.name.trim().to_owned();
    if name.is_empty() {
        push(RoundField::Name, RoundRule::NameEmpty, None, None);
    } else if name.chars().count() > NAME_MAX_CHARS {
        push(RoundField::Name, RoundRule::NameTooLong, None, None);
    }
    let required_start = if YEARS.contains(&draft.year) {
        draft.season.start_date(draft.year)
    } else {
        None
    };
    if required_start.is_none() {
        push(RoundField::Year, RoundRule::YearOutOfRange, None, None);
    }

    // 004 draft §12: at least two weeks to apply.
    let earliest_deadline = draft
        .announcement
        .checked_add(MIN_APPLICATION_DAYS.days())
        .ok();
    if earliest_deadline.is_none_or(|e| draft.application_deadline < e) {
        push(
            RoundField::ApplicationDeadline,
            RoundRule::ApplicationDeadlineTooEarly,
            earliest_deadline.map(Moment::At),
            Some(Moment::At(draft.announcement)),
        );
    }
    if draft.earliest_offer < draft.application_deadline {
        push(
            RoundField::EarliestOffer,
            RoundRule::EarliestOfferBeforeApplicationDeadline,
            Some(Moment::At(draft.application_deadline)),
            Some(Moment::At(draft.application_deadline)),
        );
    }
    if let Some(required) = required_start
        && draft.start_date != required
    {
        push(
            RoundField::StartDate,
            RoundRule::StartDateMismatch,
            Some(Moment::On(required)),
            None,
        );
    }

    if draft.offer_rounds.is_empty() {
        push(
            RoundField::OfferRounds,
            RoundRule::NoOfferRounds,
            None,
            None,
        );
    }
    let mut previous: Option<&OfferRoundDraft> = None;
    for (index, round) in draft.offer_rounds.iter().enumerate() {
        let field = |part| RoundField::OfferRound { index, part };
        match previous {
            // 004 draft §12: no offer before the directorate's earliest offer date.
            None if round.offer_at < draft.earliest_offer => push(
                field(OfferRoundPart::OfferAt),
                RoundRule::OfferBeforeEarliestOffer,
                Some(Moment::At(draft.earliest_offer)),
                Some(Moment::At(draft.earliest_offer)),
            ),
            Some(prev) if round.offer_at <= prev.offer_at => push(
                field(OfferRoundPart::OfferAt),
                RoundRule::OfferRoundsNotInOrder,
                (prev.reply_deadline > prev.offer_at).then_some(Moment::At(prev.reply_deadline)),
                Some(Moment::At(prev.offer_at)),
            ),
            // A new round only once applicants have answered the previous one.
            Some(prev) if round.offer_at < prev.reply_deadline => push(
                field(OfferRoundPart::OfferAt),
                RoundRule::OfferBeforePreviousReplyDeadline,
                Some(Moment::At(prev.reply_deadline)),
                Some(Moment::At(prev.reply_deadline)),
            ),
            _ => {}
        }
        if previous.is_none() {
            // 004 draft §12: at least three working days to reply in the first offer round.
            let earliest_reply = first_round_earliest_reply(round.offer_at);
            if earliest_reply.is_none_or(|e| round.reply_deadline < e) {
                push(
                    field(OfferRoundPart::ReplyDeadline),
                    RoundRule::FirstReplyDeadlineTooShort,
                    earliest_reply.map(Moment::At),
                    Some(Moment::At(round.offer_at)),
                );
            }
        } else if round.reply_deadline <= round.offer_at {
            push(
                field(OfferRoundPart::ReplyDeadline),
                RoundRule::ReplyDeadlineNotAfterOffer,
                None,
                Some(Moment::At(round.offer_at)),
            );
        }
        if round.marking_at < round.reply_deadline {
            push(
                field(OfferRoundPart::MarkingAt),
                RoundRule::MarkingBeforeReplyDeadline,
                Some(Moment::At(round.reply_deadline)),
                Some(Moment::At(round.reply_deadline)),
            );
        }
        // Hiring is finished before the doctors start.
        if round.marking_at.date() >= draft.start_date {
            push(
                field(OfferRoundPart::MarkingAt),
                RoundRule::MarkingNotBeforeStart,
                None,
                Some(Moment::On(draft.start_date)),
            );
        }
        previous = Some(round);
    }

    if !out.is_empty() {
        return Err(out);
    }
    Ok(Round::from_trusted_parts(RoundDraft { name, ..draft }))
}

/// The earliest lawful reply deadline for an offer made at `offer_at` in the first offer round:
/// three working days later, at the same time of day (004 draft §12). `None` only at the end of
/// the calendar.
pub fn first_round_earliest_reply(offer_at: DateTime) -> Option<DateTime> {
    calendar::checked_add_working_days(offer_at.date(), FIRST_ROUND_REPLY_WORKING_DAYS)
        .map(|d| d.to_datetime(offer_at.time()))
}

/// Something unusual in a valid round: shown to the directorate, but not refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoundWarning {
    /// Domain notes §1: spring rounds are announced in January, autumn rounds in August (of the
    /// round's year).
    UnusualAnnouncementMonth {
        /// The round's season.
        season: Season,
        /// The round's year.
        year: i16,
        /// The announcement date as entered.
        announcement: Date,
    },
    /// An offer, reply deadline or marking time falls on a Saturday, Sunday or public holiday,
    /// when employers and applicants may not be at work.
    NotAWorkingDay {
        /// The field.
        field: RoundField,
        /// The date.
        date: Date,
    },
}

impl RoundWarning {
    /// The form field to show the warning next to.
    pub fn field(&self) -> RoundField {
        match self {
            RoundWarning::UnusualAnnouncementMonth { .. } => RoundField::Announcement,
            RoundWarning::NotAWorkingDay { field, .. } => *field,
        }
    }
}

impl Localized for RoundWarning {
    fn code(&self) -> &'static str {
        match self {
            RoundWarning::UnusualAnnouncementMonth { .. } => "announcement_unusual_month",
            RoundWarning::NotAWorkingDay { .. } => "not_a_working_day",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match *self {
            RoundWarning::UnusualAnnouncementMonth {
                season,
                year,
                announcement,
            } => {
                let date = calendar::format_date(announcement, lang);
                match (season, lang) {
                    (Season::Spring, Lang::Nb) => format!(
                        "Vårrunder kunngjøres vanligvis i januar ({year}); denne kunngjøres \
                         {date}."
                    ),
                    (Season::Spring, Lang::Nn) => format!(
                        "Vårrundar blir vanlegvis kunngjorde i januar ({year}); denne blir \
                         kunngjord {date}."
                    ),
                    (Season::Autumn, Lang::Nb) => format!(
                        "Høstrunder kunngjøres vanligvis i august ({year}); denne kunngjøres \
                         {date}."
                    ),
                    (Season::Autumn, Lang::Nn) => format!(
                        "Haustrundar blir vanlegvis kunngjorde i august ({year}); denne blir \
                         kunngjord {date}."
                    ),
                    (Season::Spring, Lang::En) => format!(
                        "Spring rounds are usually announced in January ({year}); this one is \
                         announced on {date}."
                    ),
                    (Season::Autumn, Lang::En) => format!(
                        "Autumn rounds are usually announced in August ({year}); this one is \
                         announced on {date}."
                    ),
                }
            }
            RoundWarning::NotAWorkingDay { field, date } => {
                let reason = match calendar::holiday(date) {
                    Some(h) => h.name(lang),
                    None => match date.weekday() {
                        Weekday::Saturday => lang.pick3("lørdag", "laurdag", "Saturday"),
                        _ => lang.pick3("søndag", "søndag", "Sunday"),
                    },
                };
                let label = field.label(lang);
                let date = calendar::format_date(date, lang);
                match lang {
                    Lang::Nb => {
                        format!("{label} er {date}, som ikke er en virkedag ({reason}).")
                    }
                    Lang::Nn => {
                        format!("{label} er {date}, som ikkje er ein yrkedag ({reason}).")
                    }
                    Lang::En => {
                        format!("{label} is on {date}, which is not a working day ({reason}).")
                    }
                }
            }
        }
    }
}

impl fmt::Display for RoundWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Nb))
    }
}

/// The soft rules: things that are lawful but unusual, in form order.
pub fn warnings(round: &Round) -> Vec<RoundWarning> {
    let mut out = Vec::new();
    let announced = round.announcement.date();
    if announced.year() != round.year || announced.month() != round.season.announcement_month() {
        out.push(RoundWarning::UnusualAnnouncementMonth {
            season: round.season,
            year: round.year,
            announcement: announced,
        });
    }
    for (index, r) in round.offer_rounds.iter().enumerate() {
        for (part, at) in [
            (OfferRoundPart::OfferAt, r.offer_at),
            (OfferRoundPart::ReplyDeadline, r.reply_deadline),
            (OfferRoundPart::MarkingAt, r.marking_at),
        ] {
            if !calendar::is_working_day(at.date()) {
                out.push(RoundWarning::NotAWorkingDay {
                    field: RoundField::OfferRound { index, part },
                    date: at.date(),
                });
            }
        }
    }
    out
}

const OFFER_TIME: Time = Time::constant(9, 0, 0, 0);
const NOON: Time = Time::constant(12, 0, 0, 0);
const END_OF_DAY: Time = Time::constant(23, 59, 0, 0);
/// How many offer rounds the directorate typically publishes per half-year (domain notes §3).
const SUGGESTED_OFFER_ROUNDS: usize = 5;

/// A sensible, valid default timetable for the round of `season` and `year`, for the
/// directorate to adjust:
///
/// * announcement: the third Monday of January (spring) or August (autumn), 09:00;
/// * application deadline: 15 days later (two weeks and a day), 23:59;
/// * earliest offer: the first working day at least three weeks after the deadline, 09:00;
/// * five offer rounds, offers at 09:00. The first round's reply deadline is three working days
///   later at 12:00, the others' one working day later at 12:00; marking is 12:00 the next
///   working day, and the next round's offers come the working day after that, so employers
///   see who accepted before offering again. Easter and other holidays are skipped.
///
/// A year outside [`YEARS`] is clamped to it (such a round could not be validated anyway).
pub fn suggested_draft(season: Season, year: i16) -> RoundDraft {
    let year = year.clamp(*YEARS.start(), *YEARS.end());
    // Inside YEARS every date below exists; the fallbacks are unreachable.
    let month_start = Date::new(year, season.announcement_month(), 1).unwrap_or(Date::MIN);
    let announced = month_start
        .nth_weekday_of_month(3, Weekday::Monday)
        .unwrap_or(month_start);
    let deadline = plus_days(announced, MIN_APPLICATION_DAYS + 1);
    let mut offer_day = on_or_after_working_day(plus_days(deadline, 21));
    let earliest_offer = offer_day.to_datetime(OFFER_TIME);

    let mut offer_rounds = Vec::with_capacity(SUGGESTED_OFFER_ROUNDS);
    for i in 0..SUGGESTED_OFFER_ROUNDS {
        let reply_days = if i == 0 {
            FIRST_ROUND_REPLY_WORKING_DAYS
        } else {
            1
        };
        let reply_day = calendar::add_working_days(offer_day, reply_days);
        let marking_day = calendar::add_working_days(reply_day, 1);
        offer_rounds.push(OfferRoundDraft {
            offer_at: offer_day.to_datetime(OFFER_TIME),
            reply_deadline: reply_day.to_datetime(NOON),
            marking_at: marking_day.to_datetime(NOON),
        });
        offer_day = calendar::add_working_days(marking_day, 1);
    }

    let name = match season {
        Season::Spring => format!("LIS1 våren {year}"),
        Season::Autumn => format!("LIS1 høsten {year}"),
    };
    RoundDraft {
        season,
        year,
        name,
        announcement: announced.to_datetime(OFFER_TIME),
        application_deadline: deadline.to_datetime(END_OF_DAY),
        earliest_offer,
        start_date: season.start_date(year).unwrap_or(Date::MAX),
        offer_rounds,
    }
}

fn plus_days(date: Date, days: i64) -> Date {
    calendar::date_from_day_number(calendar::day_number(date) + days).unwrap_or(Date::MAX)
}

fn on_or_after_working_day(date: Date) -> Date {
    if calendar::is_working_day(date) {
        date
    } else {
        calendar::add_working_days(date, 1)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use jiff::civil::{date, datetime};
    use proptest::prelude::*;

    fn dt(y: i16, m: i8, d: i8, h: i8, min: i8) -> DateTime {
        datetime(y, m, d, h, min, 0, 0)
    }

    fn codes(violations: &[RoundViolation]) -> Vec<&'static str> {
        violations.iter().map(|v| v.code()).collect()
    }

    /// A valid spring 2027 draft with one offer round on Maundy Thursday 2027.
    fn easter_2027(reply_deadline: DateTime) -> RoundDraft {
        RoundDraft {
            season: Season::Spring,
            year: 2027,
            name: "LIS1 våren 2027".to_owned(),
            announcement: dt(2027, 1, 18, 9, 0),
            application_deadline: dt(2027, 2, 2, 23, 59),
            earliest_offer: dt(2027, 3, 25, 9, 0),
            start_date: date(2027, 9, 1),
            offer_rounds: vec![OfferRoundDraft {
                offer_at: dt(2027, 3, 25, 9, 0),
                reply_deadline,
                marking_at: dt(2027, 4, 6, 12, 0),
            }],
        }
    }

    #[test]
    fn suggested_drafts_are_valid_without_warnings_for_every_year() {
        for year in YEARS {
            for season in Season::ALL {
                let draft = suggested_draft(season, year);
                let round = validate(draft.clone())
                    .unwrap_or_else(|v| panic!("{season:?} {year}: {:?}", codes(&v)));
                assert_eq!(warnings(&round), vec![], "{season:?} {year}");
                assert_eq!(round.to_draft(), draft);
                assert_eq!(round.offer_rounds().len(), 5);
            }
        }
    }

    #[test]
    fn suggested_spring_2027_timetable() {
        let d = suggested_draft(Season::Spring, 2027);
        assert_eq!(d.name, "LIS1 våren 2027");
        assert_eq!(d.announcement, dt(2027, 1, 18, 9, 0)); // third Monday of January
        assert_eq!(d.application_deadline, dt(2027, 2, 2, 23, 59));
        assert_eq!(d.earliest_offer, dt(2027, 2, 23, 9, 0));
        assert_eq!(d.start_date, date(2027, 9, 1));
        let first = d.offer_rounds[0];
        assert_eq!(first.offer_at, dt(2027, 2, 23, 9, 0));
        assert_eq!(first.reply_deadline, dt(2027, 2, 26, 12, 0));
        assert_eq!(first.marking_at, dt(2027, 3, 1, 12, 0));
        assert_eq!(d.offer_rounds[1].offer_at, dt(2027, 3, 2, 9, 0));
        let autumn = suggested_draft(Season::Autumn, 2027);
        assert_eq!(autumn.start_date, date(2028, 3, 1));
        assert_eq!(autumn.announcement.date().month(), 8);
    }

    #[test]
    fn suggested_timetable_skips_easter() {
        // Spring 2024: Easter Sunday is 31 March, so Maundy Thursday 28 March to Easter Monday
        // 1 April are holidays; no suggested time may fall on them.
        let d = suggested_draft(Season::Spring, 2024);
        for r in &d.offer_rounds {
            for at in [r.offer_at, r.reply_deadline, r.marking_at] {
                assert!(calendar::is_working_day(at.date()), "{at}");
            }
        }
    }

    #[test]
    fn ten_day_application_deadline_is_refused() {
        let mut draft = suggested_draft(Season::Spring, 2027);
        draft.announcement = dt(2027, 1, 15, 12, 0);
        draft.application_deadline = dt(2027, 1, 25, 12, 0);
        let violations = validate(draft).unwrap_err();
        assert_eq!(codes(&violations), vec!["application_deadline_too_early"]);
        let v = violations[0];
        assert_eq!(v.field, RoundField::ApplicationDeadline);
        assert_eq!(v.field.field_name(), "application_deadline");
        assert_eq!(v.earliest_allowed, Some(Moment::At(dt(2027, 1, 29, 12, 0))));
        assert_eq!(
            v.message(Lang::Nb),
            "Søknadsfristen må være minst to uker etter kunngjøringen (forskriften § 12). \
             Tidligst tillatte søknadsfrist er 29.01.2027 kl. 12.00."
        );
        assert!(v.to_string().contains("to uker"));
        assert_eq!(
            v.message(Lang::En),
            "The application deadline must be at least two weeks after the announcement \
             (regulation § 12). The earliest allowed application deadline is 29 January 2027 \
             12:00."
        );
    }

    #[test]
    fn exactly_fourteen_days_is_enough() {
        let mut draft = suggested_draft(Season::Spring, 2027);
        draft.application_deadline = draft.announcement.checked_add(14.days()).unwrap();
        assert!(validate(draft.clone()).is_ok());
        draft.application_deadline = draft.application_deadline.checked_sub(1.minute()).unwrap();
        assert_eq!(
            codes(&validate(draft).unwrap_err()),
            vec!["application_deadline_too_early"]
        );
    }

    #[test]
    fn first_offer_round_on_maundy_thursday_2027() {
        // Offer Thu 25 March 09:00. Fri 26 (Good Friday), Sat, Sun and Mon 29 (Easter Monday) do
        // not count; the working days are Tue 30, Wed 31 and Thu 1 April.
        let three_calendar_days = easter_2027(dt(2027, 3, 28, 12, 0));
        let violations = validate(three_calendar_days).unwrap_err();
        assert_eq!(codes(&violations), vec!["first_reply_deadline_too_short"]);
        let v = violations[0];
        assert_eq!(v.field.field_name(), "offer_rounds[0].reply_deadline");
        assert_eq!(v.earliest_allowed, Some(Moment::At(dt(2027, 4, 1, 9, 0))));
        assert_eq!(v.reference, Some(Moment::At(dt(2027, 3, 25, 9, 0))));
        assert!(v.message(Lang::Nb).contains("tre virkedager"));
        assert!(
            v.message(Lang::Nb)
                .ends_with("Tidligst tillatte svarfrist er 01.04.2027 kl. 09.00.")
        );
        // Wednesday 31 March is only two working days.
        assert!(validate(easter_2027(dt(2027, 3, 31, 12, 0))).is_err());
        // A minute before the offer's time of day on the third working day is too early.
        assert!(validate(easter_2027(dt(2027, 4, 1, 8, 59))).is_err());
        assert!(validate(easter_2027(dt(2027, 4, 1, 9, 0))).is_ok());
        assert!(validate(easter_2027(dt(2027, 4, 1, 12, 0))).is_ok());
    }

    #[test]
    fn all_violations_are_reported() {
        let draft = RoundDraft {
            season: Season::Autumn,
            year: 2027,
            name: "   ".to_owned(),
            announcement: dt(2027, 8, 16, 9, 0),
            application_deadline: dt(2027, 8, 26, 23, 59),
            earliest_offer: dt(2027, 8, 20, 9, 0),
            start_date: date(2027, 9, 1),
            offer_rounds: vec![],
        };
        let violations = validate(draft).unwrap_err();
        assert_eq!(
            codes(&violations),
            vec![
                "round_name_empty",
                "application_deadline_too_early",
                "earliest_offer_before_application_deadline",
                "start_date_mismatch",
                "no_offer_rounds",
            ]
        );
        let start = violations[3];
        assert_eq!(start.earliest_allowed, Some(Moment::On(date(2028, 3, 1))));
        assert_eq!(
            start.message(Lang::Nb),
            "Oppstartsdatoen må være 01.03.2028: vårrunder starter 1. september samme år og \
             høstrunder 1. mars året etter."
        );
        assert_eq!(violations[4].field.field_name(), "offer_rounds");
    }

    #[test]
    fn offer_round_rules() {
        let mut draft = suggested_draft(Season::Spring, 2027);
        let r = draft.offer_rounds.clone();
        // Round 1 before the earliest offer time.
        draft.offer_rounds[0].offer_at = dt(2027, 2, 22, 9, 0);
        // Round 2 before round 1's reply deadline.
        draft.offer_rounds[1].offer_at = r[0].reply_deadline.checked_sub(1.hour()).unwrap();
        // Round 3 before round 2's offer time (out of order).
        draft.offer_rounds[2].offer_at = r[0].offer_at;
        // Round 4: reply deadline at its offer time, marking before the reply deadline.
        draft.offer_rounds[3].reply_deadline = r[3].offer_at;
        draft.offer_rounds[3].marking_at = r[3].offer_at.checked_sub(1.hour()).unwrap();
        // Round 5: marking on the start date.
        draft.offer_rounds[4].marking_at = dt(2027, 9, 1, 8, 0);
        let violations = validate(draft).unwrap_err();
        let got: Vec<(String, &str)> = violations
            .iter()
            .map(|v| (v.field.field_name(), v.code()))
            .collect();
        let expected = [
            ("offer_rounds[0].offer_at", "offer_before_earliest_offer"),
            (
                "offer_rounds[1].offer_at",
                "offer_before_previous_reply_deadline",
            ),
            ("offer_rounds[2].offer_at", "offer_rounds_not_in_order"),
            (
                "offer_rounds[3].reply_deadline",
                "reply_deadline_not_after_offer",
            ),
            (
                "offer_rounds[3].marking_at",
                "marking_before_reply_deadline",
            ),
            ("offer_rounds[4].marking_at", "marking_not_before_start"),
        ];
        let expected: Vec<(String, &str)> = expected
            .iter()
            .map(|(f, c)| ((*f).to_owned(), *c))
            .collect();
        assert_eq!(got, expected);
        assert_eq!(
            violations[1].earliest_allowed,
            Some(Moment::At(r[0].reply_deadline))
        );
        assert_eq!(
            violations[5].message(Lang::Nb),
            "Merkefristen i tilbudsrunde 5 må være før oppstartsdatoen (01.09.2027)."
        );
        assert_eq!(
            violations[2].message(Lang::En),
            format!(
                "The offer rounds must be in order: the offer time of offer round 3 must be \
                 after the offer time of offer round 2 (26 February 2027 11:00). The earliest \
                 allowed offer time is {}.",
                calendar::format_datetime(r[1].reply_deadline, Lang::En)
            )
        );
        for v in &violations {
            assert!(!v.message(Lang::Nb).is_empty());
            assert_ne!(v.message(Lang::Nb), v.message(Lang::En));
        }
    }

    #[test]
    fn name_and_year_rules() {
        let mut draft = suggested_draft(Season::Spring, 2027);
        draft.name = "x".repeat(201);
        assert_eq!(
            codes(&validate(draft.clone()).unwrap_err()),
            vec!["round_name_too_long"]
        );
        draft.name = format!("  {}  ", "ø".repeat(200));
        assert_eq!(validate(draft.clone()).unwrap().name(), "ø".repeat(200));
        draft.year = 20227;
        assert_eq!(
            codes(&validate(draft).unwrap_err()),
            vec!["round_year_out_of_range"]
        );
    }

    #[test]
    fn violation_json_shape() {
        let v = validate(easter_2027(dt(2027, 3, 28, 12, 0))).unwrap_err()[0];
        assert_eq!(
            serde_json::to_value(v).unwrap(),
            serde_json::json!({
                "field": "offer_rounds[0].reply_deadline",
                "rule": "first_reply_deadline_too_short",
                "earliest_allowed": "2027-04-01T09:00:00",
                "reference": "2027-03-25T09:00:00",
            })
        );
    }

    #[test]
    fn round_getters_and_offer_round_for() {
        let round = validate(suggested_draft(Season::Spring, 2027)).unwrap();
        assert_eq!(round.season(), Season::Spring);
        assert_eq!(round.year(), 2027);
        assert_eq!(round.cohort_start(), date(2027, 9, 1));
        let rs = round.offer_rounds();
        assert_eq!(
            round.offer_round_for(rs[0].offer_at().checked_sub(1.minute()).unwrap()),
            None
        );
        assert_eq!(round.offer_round_for(rs[0].offer_at()), Some(0));
        assert_eq!(
            round.offer_round_for(rs[0].reply_deadline().checked_sub(1.minute()).unwrap()),
            Some(0)
        );
        // Between the reply deadline and the next round there is no round.
        assert_eq!(round.offer_round_for(rs[0].reply_deadline()), None);
        assert_eq!(round.offer_round_for(rs[1].offer_at()), Some(1));
        assert_eq!(round.offer_round_for(rs[4].offer_at()), Some(4));
        assert_eq!(round.offer_round_for(rs[4].reply_deadline()), None);
        assert_eq!(round.last_marking(), Some(rs[4].marking_at()));
    }

    #[test]
    fn warnings_for_unusual_rounds() {
        let mut draft = easter_2027(dt(2027, 4, 1, 12, 0));
        draft.announcement = dt(2027, 2, 1, 9, 0);
        draft.application_deadline = dt(2027, 2, 16, 23, 59);
        let round = validate(draft).unwrap();
        let w = warnings(&round);
        assert_eq!(
            w.iter().map(|w| w.code()).collect::<Vec<_>>(),
            vec!["announcement_unusual_month", "not_a_working_day"]
        );
        assert_eq!(
            w[0].message(Lang::Nb),
            "Vårrunder kunngjøres vanligvis i januar (2027); denne kunngjøres 01.02.2027."
        );
        assert_eq!(w[1].field().field_name(), "offer_rounds[0].offer_at");
        assert_eq!(
            w[1].message(Lang::Nb),
            "Tilbudstidspunktet i tilbudsrunde 1 er 25.03.2027, som ikke er en virkedag \
             (Skjærtorsdag)."
        );
        assert_eq!(
            w[1].message(Lang::En),
            "The offer time of offer round 1 is on 25 March 2027, which is not a working day \
             (Maundy Thursday)."
        );
    }

    #[test]
    fn season_strings() {
        for s in Season::ALL {
            assert_eq!(Season::parse(s.as_str()), Ok(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        assert_eq!(Season::Spring.label(Lang::Nb), "Vår");
        assert_eq!(Season::Autumn.to_string(), "Høst");
        assert_eq!("winter".parse::<Season>(), Err(SeasonError));
        assert_eq!(SeasonError.code(), "unknown_season");
        assert_eq!(Season::Autumn.start_date(i16::MAX), None);
    }

    #[test]
    fn trusted_parts_round_trip() {
        let draft = easter_2027(dt(2027, 3, 26, 12, 0)); // invalid, but trusted
        let round = Round::from_trusted_parts(draft.clone());
        assert_eq!(round.to_draft(), draft);
    }

    fn any_datetime() -> impl Strategy<Value = DateTime> {
        (2024i16..=2040, 1i8..=12, 1i8..=28, 0i8..24, 0i8..60)
            .prop_map(|(y, m, d, h, min)| dt(y, m, d, h, min))
    }

    fn any_draft() -> impl Strategy<Value = RoundDraft> {
        let rounds = proptest::collection::vec(
            (any_datetime(), any_datetime(), any_datetime()).prop_map(|(o, r, m)| {
                OfferRoundDraft {
                    offer_at: o,
                    reply_deadline: r,
                    marking_at: m,
                }
            }),
            0..4,
        );
        (
            any::<bool>(),
            2020i16..=2045,
            "\\PC{0,3}",
            any_datetime(),
            any_datetime(),
            any_datetime(),
            any_datetime(),
            rounds,
        )
            .prop_map(
                |(spring, year, name, a, d, e, s, offer_rounds)| RoundDraft {
                    season: if spring {
                        Season::Spring
                    } else {
                        Season::Autumn
                    },
                    year,
                    name,
                    announcement: a,
                    application_deadline: d,
                    earliest_offer: e,
                    start_date: s.date(),
                    offer_rounds,
                },
            )
    }

    proptest! {
        /// `earliest_allowed` for the first reply deadline really is the boundary: at it the
        /// round is valid, a minute before it is refused with the same bound.
        #[test]
        fn first_reply_bound_is_exact(offer_at in any_datetime()) {
            let earliest = first_round_earliest_reply(offer_at).unwrap();
            let announcement = offer_at.checked_sub(60.days()).unwrap();
            let draft = |reply_deadline: DateTime| RoundDraft {
                season: Season::Autumn,
                year: offer_at.year(),
                name: "prop".to_owned(),
                announcement,
                application_deadline: announcement.checked_add(14.days()).unwrap(),
                earliest_offer: offer_at,
                start_date: date(offer_at.year() + 1, 3, 1),
                offer_rounds: vec![OfferRoundDraft {
                    offer_at,
                    reply_deadline,
                    marking_at: reply_deadline,
                }],
            };
            prop_assert!(validate(draft(earliest)).is_ok());
            let early = validate(draft(earliest.checked_sub(1.minute()).unwrap())).unwrap_err();
            prop_assert_eq!(early.len(), 1);
            prop_assert_eq!(early[0].rule, RoundRule::FirstReplyDeadlineTooShort);
            prop_assert_eq!(early[0].earliest_allowed, Some(Moment::At(earliest)));
            prop_assert_eq!(
                calendar::working_days_between(offer_at.date(), earliest.date()),
                3
            );
        }

        /// Whatever is entered, validation never panics, always explains a refusal, and every
        /// accepted round satisfies the rules (checked here independently).
        #[test]
        fn validate_is_total_and_sound(draft in any_draft()) {
            match validate(draft.clone()) {
                Err(violations) => {
                    prop_assert!(!violations.is_empty());
                    for v in &violations {
                        prop_assert!(!v.message(Lang::Nb).is_empty());
                        prop_assert!(!v.message(Lang::En).is_empty());
                    }
                }
                Ok(round) => {
                    prop_assert!(!round.name().is_empty());
                    prop_assert!(
                        round.application_deadline()
                            >= round.announcement().checked_add(14.days()).unwrap()
                    );
                    prop_assert!(round.earliest_offer() >= round.application_deadline());
                    prop_assert_eq!(Some(round.start_date()), round.season().start_date(round.year()));
                    let rs = round.offer_rounds();
                    prop_assert!(!rs.is_empty());
                    prop_assert!(rs[0].offer_at() >= round.earliest_offer());
                    prop_assert!(
                        calendar::working_days_between(rs[0].offer_at().date(), rs[0].reply_deadline().date()) >= 3
                    );
                    for w in rs.windows(2) {
                        prop_assert!(w[1].offer_at() > w[0].offer_at());
                        prop_assert!(w[1].offer_at() >= w[0].reply_deadline());
                    }
                    for r in rs {
                        prop_assert!(r.reply_deadline() > r.offer_at());
                        prop_assert!(r.marking_at() >= r.reply_deadline());
                        prop_assert!(r.marking_at().date() < round.start_date());
                    }
                }
            }
        }

        #[test]
        fn suggested_drafts_validate(year in YEARS, spring in any::<bool>()) {
            let season = if spring { Season::Spring } else { Season::Autumn };
            prop_assert!(validate(suggested_draft(season, year)).is_ok());
        }
    }
}
