//! Identity numbers, parsed at the edge: a [`NationalId`] (fødselsnummer or D-nummer) or an
//! [`HprNumber`] is proof that the number was well-formed when it entered the system.
//!
//! # What [`NationalId::parse`] accepts
//!
//! * Eleven ASCII digits, optionally with surrounding whitespace and one space between the sixth
//!   and seventh digit (`010190 12345`, as people write it). Nothing else: no dashes, no other
//!   spaces.
//! * The first six digits are a date `ddmmyy`. A **D-nummer** has 4 added to the first digit (day
//!   41–71). A **synthetic** number (Skatteetaten's test numbers in Tenor) has 80 added to the
//!   month (81–92); it is refused unless the caller passes [`SyntheticPolicy::Allow`], which the
//!   demo and test mode does.
//! * Month + 40 is **refused** always ([`IdError::HelpNumber`]). In the health sector it marks an
//!   *H-nummer* (hjelpenummer), which identifies a patient without a national number, and NAV's
//!   test data uses the same offset. Neither identifies an applicant in the Population Register,
//!   and treating a real patient's H-number as "fake test data" would be the worse mistake. The
//!   demo uses month + 80 only (see [`synthetic`]).
//! * The day must exist in the month. The century is not checked: from 2032 the individual number
//!   no longer tells the century (Skatteetaten: nytt fødselsnummer fra 2032), so 29 February is
//!   accepted when the two-digit year is divisible by 4 (every such year is a leap year in some
//!   century in use) and refused otherwise; 31 February and 31 April are always refused.
//! * Control digits, weights k1 = `[3,7,6,1,8,9,4,5,2]` and k2 = `[5,4,3,2,7,6,5,4,3,2]`:
//!   - **k2** keeps the classic rule in both schemes: k2 = 11 − (sum mod 11), 11 → 0, 10 → invalid;
//!     equivalently the weighted sum of all eleven digits (k1 weight 2, k2 weight 1) is ≡ 0 mod 11.
//!   - **k1**, classic rule: the weighted sum of the first ten digits (k1 with weight 1) is ≡ 0
//!     mod 11. Numbers issued from 1 January 2032 may instead have remainder 1, 2 or 3
//!     (Skatteetaten: nytt fødselsnummer fra 2032 — "ny kontrollberegning vil akseptere 0, 1, 2 og
//!     3"). Systems must read both in parallel, and the new rule applies to every number issued
//!     from 2032 whatever the birth date, so we accept remainders 0–3 for any number. Remainder 0
//!     is exactly the classic rule, so the accepted set is the union of both rules.
//!
//! Because k2 is still a mod-11 check over all eleven digits with non-zero weights, changing any
//! single digit of a valid number always breaks k2: the 2032 rule weakens k1 but still catches
//! every single-digit error.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Lang, Localized};

const K1_WEIGHTS: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const K2_WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/// Whether synthetic test numbers (month + 80) are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SyntheticPolicy {
    /// Accept them: only for the demo and test mode.
    Allow,
    /// Refuse them with [`IdError::SyntheticNotAllowed`]: production.
    #[default]
    Deny,
}

/// The two kinds of national identity number in the Population Register (*Folkeregisteret*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// *Fødselsnummer*, for people who are or have been resident in Norway.
    Fodselsnummer,
    /// *D-nummer*, for people with a temporary connection to Norway (day + 40).
    DNummer,
}

impl IdKind {
    /// The name of the kind in the given language.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            IdKind::Fodselsnummer => {
                lang.pick3("Fødselsnummer", "Fødselsnummer", "National identity number")
            }
            IdKind::DNummer => lang.pick3("D-nummer", "D-nummer", "D number"),
        }
    }
}

/// Which control-digit rule a number satisfies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlRule {
    /// The pre-2032 rule (first remainder 0). Numbers issued from 2032 may satisfy it too.
    Classic,
    /// Only the rule in force from 1 January 2032 (first remainder 1, 2 or 3).
    From2032,
}

/// A valid Norwegian national identity number: fødselsnummer or D-nummer, eleven digits.
///
/// `Display` and `Debug` show only the date part ([`NationalId::masked`]) so that the number
/// cannot leak into logs or error pages by accident; use [`NationalId::as_str`] where the full
/// number is needed. Serde writes the full number and reads it through [`NationalId::parse`]
/// (synthetic numbers refused; see [`allow_synthetic`] for the demo).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NationalId {
    digits: String,
}

impl NationalId {
    /// Parses a number, refusing synthetic test numbers. See the [module documentation](self)
    /// for exactly what is accepted.
    pub fn parse(s: &str) -> Result<NationalId, IdError> {
        NationalId::parse_with(s, SyntheticPolicy::Deny)
    }

    /// Parses a number; `policy` decides whether synthetic test numbers (month + 80) pass.
    pub fn parse_with(s: &str, policy: SyntheticPolicy) -> Result<NationalId, IdError> {
        let d = digits_of(s)?;
        let [d0, d1, m0, m1, y0, y1, ..] = d;
        let (day_field, month_field, year) = (d0 * 10 + d1, m0 * 10 + m1, y0 * 10 + y1);
        let day = if day_field > 40 {
            day_field - 40
        } else {
            day_field
        };
        let (month, synthetic) = match month_field {
            1..=12 => (month_field, false),
            81..=92 => (month_field - 80, true),
            41..=52 if control_rule(&d).is_some() => return Err(IdError::HelpNumber),
            _ => return Err(IdError::InvalidDate),
        };
        if !(1..=days_in_month(month, year % 4 == 0)).contains(&day) {
            return Err(IdError::InvalidDate);
        }
        if control_rule(&d).is_none() {
            return Err(IdError::ControlDigit);
        }
        if synthetic && policy == SyntheticPolicy::Deny {
            return Err(IdError::SyntheticNotAllowed);
        }
        Ok(NationalId {
            digits: d.iter().map(|&x| char::from(b'0' + x)).collect(),
        })
    }

    /// The eleven digits. Personal data: show it only to those who need it, and log the view.
    pub fn as_str(&self) -> &str {
        &self.digits
    }

    /// The date part followed by five stars, e.g. `010190*****`, for lists and logs.
    pub fn masked(&self) -> String {
        let date_part = self.digits.get(..6).unwrap_or("");
        format!("{date_part}*****")
    }

    /// Fødselsnummer or D-nummer.
    pub fn kind(&self) -> IdKind {
        if self.digit(0) >= 4 {
            IdKind::DNummer
        } else {
            IdKind::Fodselsnummer
        }
    }

    /// Whether this is one of Skatteetaten's synthetic test numbers (month + 80).
    pub fn is_synthetic(&self) -> bool {
        self.digit(2) >= 8
    }

    /// Which control-digit rule the number satisfies.
    pub fn control_rule(&self) -> ControlRule {
        control_rule(&self.all_digits()).unwrap_or(ControlRule::Classic)
    }

    /// The birth date encoded in the number, with the century taken from the individual number
    /// (digits 7–9) by the pre-2032 ranges: 000–499 → 1900s; 500–749 with year ≥ 54 → 1800s;
    /// 500–999 with year ≤ 39 → 2000s; 900–999 with year ≥ 40 → 1900s.
    ///
    /// `None` when the ranges give no century (e.g. 750–899 with year ≥ 40), when the number
    /// satisfies only the 2032 control rule (from 2032 "individnummeret vil ikke lenger angi
    /// århundre", Skatteetaten), or for 29 February in a century that had none. Numbers issued
    /// from 2032 that happen to satisfy the classic rule cannot be told apart, so treat this as
    /// the date *as encoded*; the Population Register is the authority.
    pub fn birth_date(&self) -> Option<Date> {
        if self.control_rule() == ControlRule::From2032 {
            return None;
        }
        let d = self.all_digits();
        // Undo the D-nummer (+4 on the first digit) and synthetic (+8 on the third) offsets.
        let day = if d[0] >= 4 { d[0] - 4 } else { d[0] } * 10 + d[1];
        let month = if d[2] >= 8 { d[2] - 8 } else { d[2] } * 10 + d[3];
        let yy = u16::from(d[4] * 10 + d[5]);
        let individual = u16::from(d[6]) * 100 + u16::from(d[7]) * 10 + u16::from(d[8]);
        let century = century(yy, individual)?;
        let year = i16::try_from(century + yy).ok()?;
        Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
    }

    fn all_digits(&self) -> [u8; 11] {
        let mut out = [0u8; 11];
        for (slot, b) in out.iter_mut().zip(self.digits.bytes()) {
            *slot = b.wrapping_sub(b'0');
        }
        out
    }

    fn digit(&self, i: usize) -> u8 {
        self.digits
            .as_bytes()
            .get(i)
            .map_or(0, |b| b.wrapping_sub(b'0'))
    }
}

impl fmt::Display for NationalId {
    /// The masked form; see [`NationalId::masked`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NationalId({})", self.masked())
    }
}

impl FromStr for NationalId {
    type Err = IdError;
    /// Same as [`NationalId::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NationalId::parse(s)
    }
}

impl Serialize for NationalId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.digits)
    }
}

impl<'de> Deserialize<'de> for NationalId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        NationalId::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Deserializes a [`NationalId`] accepting synthetic test numbers, for the demo and test mode:
/// `#[serde(deserialize_with = "lis1_domain::identity::allow_synthetic::deserialize")]`.
pub mod allow_synthetic {
    use super::{NationalId, SyntheticPolicy};
    use serde::{Deserialize, Deserializer};

    /// Reads a string and parses it with [`SyntheticPolicy::Allow`].
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NationalId, D::Error> {
        let s = String::deserialize(deserializer)?;
        NationalId::parse_with(&s, SyntheticPolicy::Allow).map_err(serde::de::Error::custom)
    }
}

/// Builds a synthetic fødselsnummer (month + 80, Skatteetaten's convention for test numbers)
/// for `birth` with individual number `individual` (0–999), under the classic control rule.
///
/// `None` when `individual` is above 999, when it does not belong to the birth year's century by
/// the pre-2032 ranges (so [`NationalId::birth_date`] gives `birth` back), or when a control digit
/// would be 10 (about one individual number in six has no valid number on a given date).
pub fn synthetic(birth: Date, individual: u16) -> Option<NationalId> {
    if individual > 999 {
        return None;
    }
    let year = u16::try_from(birth.year()).ok()?;
    let yy = year % 100;
    if century(yy, individual)? + yy != year {
        return None;
    }
    let two = |n: u16| [(n / 10) as u8, (n % 10) as u8];
    let [d0, d1] = two(u16::try_from(birth.day()).ok()?);
    let [m0, m1] = two(u16::try_from(birth.month()).ok()? + 80);
    let [y0, y1] = two(yy);
    let i = [
        (individual / 100) as u8,
        (individual / 10 % 10) as u8,
        (individual % 10) as u8,
    ];
    let mut d = [d0, d1, m0, m1, y0, y1, i[0], i[1], i[2], 0, 0];
    d[9] = classic_control(&d[..9], &K1_WEIGHTS)?;
    d[10] = classic_control(&d[..10], &K2_WEIGHTS)?;
    Some(NationalId {
        digits: d.iter().map(|&x| char::from(b'0' + x)).collect(),
    })
}

/// Why a national identity number was refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IdError {
    /// Nothing was entered.
    Empty,
    /// Only digits (and the one allowed space), but not eleven of them.
    WrongLength {
        /// How many digits were entered.
        found: usize,
    },
    /// A character other than a digit, or a space in the wrong place.
    NotDigits,
    /// The first six digits are not a date (also for a D-nummer or synthetic number).
    InvalidDate,
    /// Month + 40: an H-nummer (health-sector help number) or NAV test number.
    HelpNumber,
    /// The control digits do not match under either the classic or the 2032 rule.
    ControlDigit,
    /// A synthetic test number (month + 80) where only real numbers are allowed.
    SyntheticNotAllowed,
}

impl Localized for IdError {
    fn code(&self) -> &'static str {
        match self {
            IdError::Empty => "national_id_required",
            IdError::WrongLength { .. } => "national_id_wrong_length",
            IdError::NotDigits => "national_id_not_digits",
            IdError::InvalidDate => "national_id_invalid_date",
            IdError::HelpNumber => "national_id_help_number",
            IdError::ControlDigit => "national_id_control_digit",
            IdError::SyntheticNotAllowed => "national_id_synthetic_not_allowed",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            IdError::Empty => lang
                .pick3(
                    "Fødselsnummer eller D-nummer må fylles ut.",
                    "Fødselsnummer eller D-nummer må fyllast ut.",
                    "The national identity number or D number is required.",
                )
                .to_owned(),
            IdError::WrongLength { found } => match lang {
                Lang::Nb => format!("Fødselsnummeret må ha 11 sifre, ikke {found}."),
                Lang::Nn => format!("Fødselsnummeret må ha 11 siffer, ikkje {found}."),
                Lang::En => {
                    format!("The national identity number must have 11 digits, not {found}.")
                }
            },
            IdError::NotDigits => lang
                .pick3(
                    "Fødselsnummeret kan bare inneholde sifre. Ett mellomrom mellom fødselsdatoen \
                     og de fem siste sifrene er tillatt.",
                    "Fødselsnummeret kan berre innehalde siffer. Eitt mellomrom mellom \
                     fødselsdatoen og dei fem siste sifra er tillate.",
                    "The national identity number may contain only digits. One space between the \
                     birth date and the last five digits is allowed.",
                )
                .to_owned(),
            IdError::InvalidDate => lang
                .pick3(
                    "De seks første sifrene i fødselsnummeret må være en gyldig dato (ddmmåå). \
                     I et D-nummer er 4 lagt til det første sifferet.",
                    "Dei seks første sifra i fødselsnummeret må vere ein gyldig dato (ddmmåå). I \
                     eit D-nummer er 4 lagt til det første sifferet.",
                    "The first six digits of the national identity number must be a valid date \
                     (ddmmyy). In a D number, 4 is added to the first digit.",
                )
                .to_owned(),
            IdError::HelpNumber => lang
                .pick3(
                    "Dette er et hjelpenummer (H-nummer) eller et testnummer fra NAV, ikke et \
                     fødselsnummer. Oppgi fødselsnummer eller D-nummer fra Folkeregisteret.",
                    "Dette er eit hjelpenummer (H-nummer) eller eit testnummer frå NAV, ikkje eit \
                     fødselsnummer. Oppgi fødselsnummer eller D-nummer frå Folkeregisteret.",
                    "This is a health-sector help number (H number) or a NAV test number, not a \
                     national identity number. Enter a national identity number or D number from \
                     the Population Register.",
                )
                .to_owned(),
            IdError::ControlDigit => lang
                .pick3(
                    "Kontrollsifrene i fødselsnummeret stemmer ikke. Sjekk at alle 11 sifrene er \
                     riktige.",
                    "Kontrollsifra i fødselsnummeret stemmer ikkje. Sjekk at alle dei 11 sifra er \
                     rette.",
                    "The check digits of the national identity number do not match. Check that \
                     all 11 digits are correct.",
                )
                .to_owned(),
            IdError::SyntheticNotAllowed => lang
                .pick3(
                    "Syntetiske testnumre (måned + 80) er bare tillatt i demo- og testmiljøet. \
                     Oppgi et ekte fødselsnummer eller D-nummer.",
                    "Syntetiske testnummer (månad + 80) er berre tillatne i demo- og testmiljøet. \
                     Oppgi eit ekte fødselsnummer eller D-nummer.",
                    "Synthetic test numbers (month + 80) are allowed only in the demo and test \
                     environment. Enter a real national identity number or D number.",
                )
                .to_owned(),
        }
    }
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Nb))
    }
}

impl std::error::Error for IdError {}

/// The eleven digits of `s`, or the format error.
fn digits_of(s: &str) -> Result<[u8; 11], IdError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(IdError::Empty);
    }
    let mut chars: Vec<char> = t.chars().collect();
    // One space between the date and the personal number, as on many printed forms.
    if chars.len() == 12 && chars[6] == ' ' {
        chars.remove(6);
    }
    if !chars.iter().all(char::is_ascii_digit) {
        return Err(IdError::NotDigits);
    }
    if chars.len() != 11 {
        return Err(IdError::WrongLength { found: chars.len() });
    }
    let mut out = [0u8; 11];
    for (slot, c) in out.iter_mut().zip(&chars) {
        *slot = c
            .to_digit(10)
            .and_then(|v| u8::try_from(v).ok())
            .unwrap_or(0);
    }
    Ok(out)
}

/// Which control rule the eleven digits satisfy, `None` if neither.
fn control_rule(d: &[u8; 11]) -> Option<ControlRule> {
    let weighted = |weights: &[u32]| -> u32 {
        weights
            .iter()
            .zip(d.iter())
            .map(|(w, &x)| w * u32::from(x))
            .sum()
    };
    let r1 = (weighted(&K1_WEIGHTS) + u32::from(d[9])) % 11;
    let r2 = (weighted(&K2_WEIGHTS) + u32::from(d[10])) % 11;
    match (r1, r2) {
        (0, 0) => Some(ControlRule::Classic),
        (1..=3, 0) => Some(ControlRule::From2032),
        _ => None,
    }
}

/// The classic control digit for `digits` with `weights`: 11 − (sum mod 11), 11 → 0, 10 → none.
fn classic_control(digits: &[u8], weights: &[u32]) -> Option<u8> {
    let sum: u32 = weights
        .iter()
        .zip(digits)
        .map(|(w, &x)| w * u32::from(x))
        .sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        k => u8::try_from(k).ok(),
    }
}

/// The century (1800, 1900, 2000) for a two-digit year and individual number, by the ranges in
/// use before 2032.
fn century(yy: u16, individual: u16) -> Option<u16> {
    match individual {
        0..=499 => Some(1900),
        500..=749 if yy >= 54 => Some(1800),
        500..=999 if yy <= 39 => Some(2000),
        900..=999 if yy >= 40 => Some(1900),
        _ => None,
    }
}

fn days_in_month(month: u8, leap: bool) -> u8 {
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A number in the Health Personnel Register (*Helsepersonellregisteret*, HPR): 1–9 digits.
///
/// Leading zeros are refused, so that one person has one spelling of their number (the register
/// assigns plain integers). HPR numbers are public, so they are shown in full.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HprNumber(String);

impl HprNumber {
    /// The longest HPR number accepted.
    pub const MAX_DIGITS: usize = 9;

    /// Parses an HPR number; surrounding whitespace is ignored.
    pub fn parse(s: &str) -> Result<HprNumber, HprError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(HprError::Empty);
        }
        if !t.chars().all(|c| c.is_ascii_digit()) {
            return Err(HprError::NotDigits);
        }
        if t.len() > Self::MAX_DIGITS {
            return Err(HprError::TooLong);
        }
        if t.starts_with('0') {
            return Err(HprError::LeadingZero);
        }
        Ok(HprNumber(t.to_owned()))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for HprNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for HprNumber {
    type Err = HprError;
    /// Same as [`HprNumber::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HprNumber::parse(s)
    }
}

impl Serialize for HprNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for HprNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        HprNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Why an HPR number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HprError {
    /// Nothing was entered.
    Empty,
    /// A character other than a digit.
    NotDigits,
    /// More than nine digits.
    TooLong,
    /// Starts with 0.
    LeadingZero,
}

impl Localized for HprError {
    fn code(&self) -> &'static str {
        match self {
            HprError::Empty => "hpr_number_required",
            HprError::NotDigits => "hpr_number_not_digits",
            HprError::TooLong => "hpr_number_too_long",
            HprError::LeadingZero => "hpr_number_leading_zero",
        }
    }

    fn message(&self, lang: Lang) -> String {
        let text = match self {
            HprError::Empty => lang.pick3(
                "HPR-nummer må fylles ut.",
                "HPR-nummer må fyllast ut.",
                "The HPR number is required.",
            ),
            HprError::NotDigits => lang.pick3(
                "HPR-nummeret kan bare inneholde sifre.",
                "HPR-nummeret kan berre innehalde siffer.",
                "The HPR number may contain only digits.",
            ),
            HprError::TooLong => lang.pick3(
                "HPR-nummeret kan ha høyst 9 sifre.",
                "HPR-nummeret kan ha høgst 9 siffer.",
                "The HPR number may have at most 9 digits.",
            ),
            HprError::LeadingZero => lang.pick3(
                "HPR-nummeret kan ikke begynne med 0. Skriv det slik det står i \
                 Helsepersonellregisteret.",
                "HPR-nummeret kan ikkje byrje med 0. Skriv det slik det står i \
                 Helsepersonellregisteret.",
                "The HPR number cannot start with 0. Write it as it appears in the Health \
                 Personnel Register.",
            ),
        };
        text.to_owned()
    }
}

impl fmt::Display for HprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Nb))
    }
}

impl std::error::Error for HprError {}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    /// Completes nine digits with classic control digits, if both exist.
    fn complete(nine: &str) -> Option<String> {
        let d: Vec<u8> = nine.bytes().map(|b| b - b'0').collect();
        let k1 = classic_control(&d, &K1_WEIGHTS)?;
        let mut ten = d.clone();
        ten.push(k1);
        let k2 = classic_control(&ten, &K2_WEIGHTS)?;
        Some(format!("{nine}{k1}{k2}"))
    }

    /// The first valid classic number for a six-digit date part with an individual number in
    /// 100..=499 (so a 1900s birth date).
    fn valid(six: &str) -> String {
        (100..=499)
            .find_map(|i| complete(&format!("{six}{i}")))
            .unwrap()
    }

    /// The first synthetic number for `birth`.
    fn some_synthetic(birth: Date) -> NationalId {
        (0..=999).find_map(|i| synthetic(birth, i)).unwrap()
    }

    fn weighted_r1(d: &[u8; 11]) -> u32 {
        (K1_WEIGHTS
            .iter()
            .zip(d)
            .map(|(w, &x)| w * u32::from(x))
            .sum::<u32>()
            + u32::from(d[9]))
            % 11
    }

    #[test]
    fn skatteetaten_2032_examples() {
        // The worked examples in Skatteetaten's "Nytt fødselsnummer fra 2032".
        let born_2032 = NationalId::parse("02013299997").unwrap();
        assert_eq!(born_2032.control_rule(), ControlRule::Classic);
        assert_eq!(born_2032.birth_date(), Some(date(2032, 1, 2)));
        let first = NationalId::parse("30108299920").unwrap();
        assert_eq!(first.control_rule(), ControlRule::Classic);
        assert_eq!(first.birth_date(), Some(date(1982, 10, 30)));
        // The second person born that day gets remainder 1: valid only under the 2032 rule, and
        // the individual number no longer tells the century.
        let second = NationalId::parse("30108299939").unwrap();
        assert_eq!(second.control_rule(), ControlRule::From2032);
        assert_eq!(second.birth_date(), None);
        // Every k1 whose first remainder is 0–3 passes (with its classic k2); 4–10 do not.
        let nine = digits_of("30108299939").unwrap();
        for k1 in 0..10u8 {
            let mut d = nine;
            d[9] = k1;
            // Choose k2 by the classic rule over the first ten digits.
            let Some(k2) = classic_control(&d[..10], &K2_WEIGHTS) else {
                continue;
            };
            d[10] = k2;
            let s: String = d.iter().map(|&x| char::from(b'0' + x)).collect();
            let r1 = weighted_r1(&d);
            assert_eq!(NationalId::parse(&s).is_ok(), r1 <= 3, "{s}: r1 = {r1}");
        }
    }

    #[test]
    fn fnr_computed_by_the_algorithm() {
        // Worked example from fnrinfo.no: 311299567 → control digits 1 and 5.
        assert_eq!(complete("311299567").unwrap(), "31129956715");
        let id = NationalId::parse("31129956715").unwrap();
        assert_eq!(id.kind(), IdKind::Fodselsnummer);
        assert!(!id.is_synthetic());
        assert_eq!(id.control_rule(), ControlRule::Classic);
        // 567 with year 99: 500–749 and ≥ 54 → 1800s.
        assert_eq!(id.birth_date(), Some(date(1899, 12, 31)));

        let n = valid("010190");
        let id = NationalId::parse(&n).unwrap();
        assert_eq!(id.birth_date(), Some(date(1990, 1, 1)));
        assert_eq!(id.masked(), "010190*****");
        assert_eq!(id.to_string(), "010190*****");
        assert_eq!(format!("{id:?}"), "NationalId(010190*****)");
        assert_eq!(id.as_str(), n);
        assert_eq!(n.parse::<NationalId>().unwrap(), id);
    }

    #[test]
    fn accepted_spellings() {
        let n = valid("010190");
        let spaced = format!("  {} {}\n", &n[..6], &n[6..]);
        assert_eq!(NationalId::parse(&spaced).unwrap().as_str(), n);
        for bad in [
            format!("{}-{}", &n[..6], &n[6..]),
            format!("{} {}", &n[..5], &n[5..]),
            format!("{}  {}", &n[..6], &n[6..]),
            format!("{} {} {}", &n[..3], &n[3..6], &n[6..]),
            format!("{}\u{a0}{}", &n[..6], &n[6..]),
            "٠١٠١٩٠١٢٣٤٥".to_owned(),
        ] {
            assert_eq!(NationalId::parse(&bad), Err(IdError::NotDigits), "{bad:?}");
        }
        assert_eq!(NationalId::parse("   "), Err(IdError::Empty));
        assert_eq!(
            NationalId::parse("0101901234"),
            Err(IdError::WrongLength { found: 10 })
        );
        assert_eq!(
            NationalId::parse("010190123456"),
            Err(IdError::WrongLength { found: 12 })
        );
    }

    #[test]
    fn wrong_control_digit() {
        let n = valid("010190");
        for (pos, bump) in [(9, 1), (10, 1), (10, 5)] {
            let mut b = n.clone().into_bytes();
            b[pos] = b'0' + (b[pos] - b'0' + bump) % 10;
            let wrong = String::from_utf8(b).unwrap();
            assert_eq!(
                NationalId::parse(&wrong),
                Err(IdError::ControlDigit),
                "{wrong}"
            );
        }
    }

    #[test]
    fn d_nummer() {
        // 15 March 1985 → day 55.
        let id = NationalId::parse(&valid("550385")).unwrap();
        assert_eq!(id.kind(), IdKind::DNummer);
        assert_eq!(id.birth_date(), Some(date(1985, 3, 15)));
        assert_eq!(id.masked(), "550385*****");
        // Day 72 − 40 = 32 does not exist.
        assert_eq!(NationalId::parse("72038512300"), Err(IdError::InvalidDate));
        // A synthetic D-nummer (day + 40 and month + 80).
        let id = NationalId::parse_with(&valid("558385"), SyntheticPolicy::Allow).unwrap();
        assert_eq!(id.kind(), IdKind::DNummer);
        assert!(id.is_synthetic());
        assert_eq!(id.birth_date(), Some(date(1985, 3, 15)));
    }

    #[test]
    fn date_validity() {
        // The date is checked before the control digits, so "00" will do for them.
        for six in [
            "310290", "300290", "310490", "000190", "011390", "010090", "320190", "019390",
        ] {
            assert_eq!(
                NationalId::parse(&format!("{six}12300")),
                Err(IdError::InvalidDate),
                "{six}"
            );
        }
        // 29 February: the two-digit year must be divisible by 4.
        let leap = NationalId::parse(&valid("290288")).unwrap();
        assert_eq!(leap.birth_date(), Some(date(1988, 2, 29)));
        assert_eq!(NationalId::parse("29028912300"), Err(IdError::InvalidDate));
        // 29.02.00 passes (2000 was a leap year), but with a 1900s individual number the
        // encoded date does not exist, so there is no birth date.
        let odd = NationalId::parse(&valid("290200")).unwrap();
        assert_eq!(odd.birth_date(), None);
    }

    #[test]
    fn help_numbers_are_refused() {
        // 1 January 1990 with month + 40.
        let n = valid("014190");
        assert_eq!(NationalId::parse(&n), Err(IdError::HelpNumber));
        assert_eq!(
            NationalId::parse_with(&n, SyntheticPolicy::Allow),
            Err(IdError::HelpNumber)
        );
        // With wrong control digits it is just an impossible date.
        assert_eq!(NationalId::parse("01419012300").ok(), None);
        assert_eq!(IdError::HelpNumber.code(), "national_id_help_number");
    }

    #[test]
    fn synthetic_numbers() {
        let id = some_synthetic(date(1990, 1, 1));
        assert!(id.as_str().starts_with("018190"));
        assert!(id.is_synthetic());
        assert_eq!(
            NationalId::parse(id.as_str()),
            Err(IdError::SyntheticNotAllowed)
        );
        let parsed = NationalId::parse_with(id.as_str(), SyntheticPolicy::Allow).unwrap();
        assert_eq!(parsed.birth_date(), Some(date(1990, 1, 1)));
        assert_eq!(id.masked(), "018190*****");
        // An individual number of the wrong century, out of range, or a year without numbers.
        for i in 500..=899 {
            assert_eq!(synthetic(date(1990, 1, 1), i), None);
        }
        for i in 0..=499 {
            assert_eq!(synthetic(date(2001, 1, 1), i), None);
        }
        assert_eq!(synthetic(date(1990, 1, 1), 1000), None);
        assert_eq!(synthetic(date(1853, 1, 1), 600), None);
        assert_eq!(synthetic(date(2040, 1, 1), 600), None);
    }

    #[test]
    fn every_day_has_synthetic_numbers() {
        for day in [
            date(1960, 2, 29),
            date(1999, 12, 31),
            date(2000, 1, 1),
            date(2039, 6, 15),
        ] {
            let count = (0..=999).filter(|&i| synthetic(day, i).is_some()).count();
            assert!(count > 100, "{day}: {count}");
        }
    }

    #[test]
    fn the_2032_rule_weakens_k1_but_k2_still_catches_single_digit_errors() {
        let n = valid("010190");
        let mut k1_alone_accepts = 0;
        for pos in 0..11 {
            for v in 0..10u8 {
                let mut d = digits_of(&n).unwrap();
                if d[pos] == v {
                    continue;
                }
                d[pos] = v;
                if (1..=3).contains(&weighted_r1(&d)) {
                    k1_alone_accepts += 1;
                }
                assert_eq!(control_rule(&d), None, "position {pos} → {v}");
            }
        }
        // Some single-digit changes would slip through a k1-only check under the 2032 rule;
        // k2 is what catches them.
        assert!(k1_alone_accepts > 0);
    }

    #[test]
    fn serde_round_trip_goes_through_parse() {
        let n = valid("010190");
        let id = NationalId::parse(&n).unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{n}\""));
        let back: NationalId = serde_json::from_str(&json).unwrap();
        assert_eq!(back, id);
        assert!(serde_json::from_str::<NationalId>("\"0101901230\"").is_err());
        let fake = some_synthetic(date(1990, 1, 1));
        let json = serde_json::to_string(&fake).unwrap();
        assert!(serde_json::from_str::<NationalId>(&json).is_err());

        #[derive(Deserialize)]
        struct Demo {
            #[serde(deserialize_with = "allow_synthetic::deserialize")]
            id: NationalId,
        }
        let demo: Demo = serde_json::from_str(&format!("{{\"id\":{json}}}")).unwrap();
        assert_eq!(demo.id, fake);
    }

    #[test]
    fn error_messages() {
        let e = IdError::WrongLength { found: 10 };
        assert_eq!(e.to_string(), "Fødselsnummeret må ha 11 sifre, ikke 10.");
        assert_eq!(
            e.message(Lang::En),
            "The national identity number must have 11 digits, not 10."
        );
        let all = [
            IdError::Empty,
            e,
            IdError::NotDigits,
            IdError::InvalidDate,
            IdError::HelpNumber,
            IdError::ControlDigit,
            IdError::SyntheticNotAllowed,
        ];
        let codes: std::collections::HashSet<_> = all.iter().map(|e| e.code()).collect();
        assert_eq!(codes.len(), all.len());
        for e in &all {
            assert_ne!(e.message(Lang::Nb), e.message(Lang::En));
        }
    }

    #[test]
    fn hpr_numbers() {
        assert_eq!(HprNumber::parse(" 1234567 ").unwrap().as_str(), "1234567");
        assert_eq!(HprNumber::parse("9").unwrap().to_string(), "9");
        assert_eq!(HprNumber::parse("123456789").unwrap().as_str(), "123456789");
        assert_eq!(HprNumber::parse("1234567890"), Err(HprError::TooLong));
        assert_eq!(HprNumber::parse(""), Err(HprError::Empty));
        assert_eq!(HprNumber::parse("12 34"), Err(HprError::NotDigits));
        assert_eq!(HprNumber::parse("-1"), Err(HprError::NotDigits));
        assert_eq!(HprNumber::parse("١٢٣"), Err(HprError::NotDigits));
        assert_eq!(HprNumber::parse("0123"), Err(HprError::LeadingZero));
        assert_eq!(HprNumber::parse("0"), Err(HprError::LeadingZero));
        assert_eq!(
            HprError::TooLong.to_string(),
            "HPR-nummeret kan ha høyst 9 sifre."
        );
        let h: HprNumber = serde_json::from_str("\"1234567\"").unwrap();
        assert_eq!(serde_json::to_string(&h).unwrap(), "\"1234567\"");
        assert!(serde_json::from_str::<HprNumber>("\"12a\"").is_err());
    }

    /// A birth date 1854–2039 with an individual number of the right century.
    fn birth_and_individual() -> impl Strategy<Value = (Date, u16)> {
        (1854i16..=2039, 1i8..=12, 1i8..=31, 0u16..1000).prop_map(|(y, m, d, r)| {
            let d = d.min(date(y, m, 1).days_in_month());
            let i = match y {
                ..=1899 => 500 + r % 250,
                1940..=1999 if r >= 900 => r,
                1900..=1999 => r % 500,
                _ => 500 + r % 500,
            };
            (date(y, m, d), i)
        })
    }

    /// A valid classic (non-synthetic) number, fødselsnummer or D-nummer.
    fn classic_number() -> impl Strategy<Value = String> {
        (birth_and_individual(), any::<bool>()).prop_filter_map(
            "no control digit for this individual number",
            |((birth, i), d_number)| {
                let day = birth.day() + if d_number { 40 } else { 0 };
                let nine = format!(
                    "{:02}{:02}{:02}{:03}",
                    day,
                    birth.month(),
                    birth.year() % 100,
                    i
                );
                complete(&nine)
            },
        )
    }

    proptest! {
        #[test]
        fn synthetic_numbers_parse_only_when_allowed((birth, i) in birth_and_individual()) {
            if let Some(id) = synthetic(birth, i) {
                let allowed = NationalId::parse_with(id.as_str(), SyntheticPolicy::Allow);
                prop_assert_eq!(allowed.as_ref(), Ok(&id));
                prop_assert_eq!(
                    NationalId::parse_with(id.as_str(), SyntheticPolicy::Deny),
                    Err(IdError::SyntheticNotAllowed)
                );
                prop_assert!(id.is_synthetic());
                prop_assert_eq!(id.kind(), IdKind::Fodselsnummer);
                prop_assert_eq!(id.control_rule(), ControlRule::Classic);
                prop_assert_eq!(id.birth_date(), Some(birth));
            } else {
                // Only a control digit of 10 prevents a number here.
                let nine = format!("{:02}{:02}{:02}{:03}", birth.day(), birth.month() + 80, birth.year() % 100, i);
                prop_assert_eq!(complete(&nine), None);
            }
        }

        #[test]
        fn classic_numbers_parse(n in classic_number()) {
            let id = NationalId::parse(&n).unwrap();
            prop_assert_eq!(id.as_str(), n.as_str());
            prop_assert!(!id.is_synthetic());
            prop_assert_eq!(id.control_rule(), ControlRule::Classic);
            let birth = id.birth_date().unwrap();
            let day_field: i8 = n[..2].parse().unwrap();
            let month_field: i8 = n[2..4].parse().unwrap();
            prop_assert_eq!(birth.day(), day_field % 40);
            prop_assert_eq!(birth.month(), month_field);
            prop_assert_eq!(id.kind() == IdKind::DNummer, day_field > 40);
        }

        /// Changing any one digit of a valid number makes it invalid under both rules: the 2032
        /// rule only relaxes k1, and k2 is a mod-11 check over all eleven digits whose weights
        /// (5,4,3,2,7,6,5,4,3,2,1) are all non-zero mod 11; 11 is prime, so the change δ·w is
        /// never ≡ 0 (mod 11) for δ ∈ ±1..=9.
        #[test]
        fn every_single_digit_change_is_caught(n in classic_number(), pos in 0usize..11, delta in 1u8..10) {
            let mut bytes = n.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(NationalId::parse_with(&changed, SyntheticPolicy::Allow).is_err());
        }

        #[test]
        fn parse_never_panics(s in "\\PC*") {
            let _ = NationalId::parse_with(&s, SyntheticPolicy::Allow);
            let _ = HprNumber::parse(&s);
        }

        #[test]
        fn parse_never_panics_on_digit_soup(s in "[0-9 ]{0,14}") {
            if let Ok(id) = NationalId::parse_with(&s, SyntheticPolicy::Allow) {
                prop_assert_eq!(id.as_str().len(), 11);
                let _ = id.birth_date();
                prop_assert_eq!(id.masked().len(), 11);
            }
        }
    }
}
