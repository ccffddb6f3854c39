//! The rules of the LIS1 scheme, free of I/O: no async, no SQL, no HTTP.
//!
//! Everything here is deterministic given its inputs (and, for the lottery, an
//! explicit seed), so it can be tested exhaustively and re-run by anyone.
//!
//! Errors follow one convention: every error type has a stable snake_case
//! [`Localized::code`] for API clients and a [`Localized::message`] in bokmål,
//! nynorsk or English for people. `Display` gives the bokmål message.

pub mod access;
pub mod advertisements;
pub mod alis_hospital;
pub mod audit;
pub mod audit_anchor;
pub mod audit_words;
pub mod bound;
pub mod calendar;
pub mod countries;
pub mod course;
pub mod identity;
pub mod lottery;
pub mod matching;
pub mod obligations;
pub mod offers;
pub mod onboarding;
pub mod org;
pub mod planning;
pub mod profiles;
pub mod retention;
pub mod rounds;
pub mod scoring;
pub mod statistics;
pub mod uploads;

use serde::{Deserialize, Serialize};

/// The user-interface language. Bokmål is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Norsk bokmål.
    #[default]
    Nb,
    /// Norsk nynorsk.
    Nn,
    /// English.
    En,
}

impl Lang {
    /// Parses a language tag such as `nb`, `no`, `nb-NO` or `en-GB`; anything else is `None`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "nb" | "no" => Some(Lang::Nb),
            "nn" => Some(Lang::Nn),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The tag used in URLs, cookies and `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Nb => "nb",
            Lang::Nn => "nn",
            Lang::En => "en",
        }
    }

    /// Picks the bokmål, the nynorsk or the English text.
    pub fn pick3<T>(self, nb: T, nn: T, en: T) -> T {
        match self {
            Lang::Nb => nb,
            Lang::Nn => nn,
            Lang::En => en,
        }
    }
}

/// An error (or any outcome) that a person must be able to read.
pub trait Localized {
    /// A stable snake_case code, e.g. `application_deadline_too_early`. Clients may rely on it.
    fn code(&self) -> &'static str;
    /// The message in the given language, naming the rule and what would be allowed.
    fn message(&self, lang: Lang) -> String;
}
