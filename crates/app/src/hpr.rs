//! The Health Personnel Register (*Helsepersonellregisteret*, HPR), behind an interface.
//!
//! Before each start the portal checks that the doctor has Norwegian authorisation or a LIS1
//! licence in force on the start date (000 §6.2.1), by looking the HPR number up. The real
//! register is reached through Norsk helsenett's HPR service, which needs an agreement and a
//! HelseID client; until the portal has those, production has [`NotConnected`] (every lookup
//! answers "unavailable", and nothing is recorded), and the demo and the tests have
//! [`FakeRegistry`]. A real client implements [`Registry`] and is set with `App::with_hpr`.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use jiff::civil::date;
use lis1_domain::identity::HprNumber;
use lis1_domain::onboarding::{AuthorisationKind, HprAuthorisation, HprRecord};

/// The register did not answer. Nothing was recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Helsepersonellregisteret svarer ikke: {0}")]
pub struct Unavailable(pub String);

/// The answer of one lookup: the record, `None` if the number is not in the register.
pub type Lookup<'a> =
    Pin<Box<dyn Future<Output = Result<Option<HprRecord>, Unavailable>> + Send + 'a>>;

/// A way to look numbers up in the HPR.
pub trait Registry: Send + Sync {
    /// Looks `number` up.
    fn lookup<'a>(&'a self, number: &'a HprNumber) -> Lookup<'a>;
}

/// No register connected (production until the portal has an HPR agreement): every lookup
/// answers [`Unavailable`].
#[derive(Debug, Clone, Copy, Default)]
pub struct NotConnected;

impl Registry for NotConnected {
    fn lookup<'a>(&'a self, _number: &'a HprNumber) -> Lookup<'a> {
        Box::pin(async {
            Err(Unavailable(
                "the portal has no connection to the HPR yet".into(),
            ))
        })
    }
}

/// A register in memory, for the demo and the tests. Numbers added with [`FakeRegistry::insert`]
/// answer as added; every other number answers by a rule on its digits, so a demo user can try
/// each case:
/// - starting with 9: not in the register;
/// - ending in 1: a LIS1 licence from 1 August 2026 to 30 June 2027 (it ends before the
///   municipal part of the spring 2026 cohort);
/// - ending in 2: authorised, but as a nurse (*sykepleier*), not a doctor;
/// - anything else: authorised as a doctor from 20 June 2026, with no end.
#[derive(Debug, Clone, Default)]
pub struct FakeRegistry {
    records: HashMap<HprNumber, HprRecord>,
}

impl FakeRegistry {
    /// The demo's register: the rule above, no numbers added.
    pub fn demo() -> FakeRegistry {
        FakeRegistry::default()
    }

    /// Adds (or replaces) one record.
    pub fn insert(&mut self, record: HprRecord) {
        self.records.insert(record.hpr_number.clone(), record);
    }

    fn answer(&self, number: &HprNumber) -> Option<HprRecord> {
        if let Some(r) = self.records.get(number) {
            return Some(r.clone());
        }
        let digits = number.as_str();
        if digits.starts_with('9') {
            return None;
        }
        let (profession, kind, valid_from, valid_to) = match digits.chars().last() {
            Some('1') => (
                "Lege",
                AuthorisationKind::Licence,
                date(2026, 8, 1),
                Some(date(2027, 6, 30)),
            ),
            Some('2') => (
                "Sykepleier",
                AuthorisationKind::Authorisation,
                date(2020, 6, 20),
                None,
            ),
            _ => (
                "Lege",
                AuthorisationKind::Authorisation,
                date(2026, 6, 20),
                None,
            ),
        };
        Some(HprRecord {
            hpr_number: number.clone(),
            name: format!("Helsepersonell {digits}"),
            authorisations: vec![HprAuthorisation {
                profession: profession.into(),
                kind,
                valid_from,
                valid_to,
            }],
        })
    }
}

impl Registry for FakeRegistry {
    fn lookup<'a>(&'a self, number: &'a HprNumber) -> Lookup<'a> {
        let answer = self.answer(number);
        Box::pin(async move { Ok(answer) })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_fake_answers_by_its_rule_and_its_records() {
        let mut fake = FakeRegistry::demo();
        let n = |s: &str| HprNumber::parse(s).unwrap();
        assert_eq!(fake.lookup(&n("9123456")).await.unwrap(), None);
        let licence = fake.lookup(&n("1234561")).await.unwrap().unwrap();
        assert_eq!(licence.authorisations[0].kind, AuthorisationKind::Licence);
        let nurse = fake.lookup(&n("1234562")).await.unwrap().unwrap();
        assert!(!nurse.authorisations[0].is_doctor());
        let doctor = fake.lookup(&n("1234567")).await.unwrap().unwrap();
        assert!(doctor.authorisations[0].is_doctor());
        fake.insert(HprRecord {
            hpr_number: n("9000001"),
            name: "Ny".into(),
            authorisations: vec![],
        });
        assert!(fake.lookup(&n("9000001")).await.unwrap().is_some());
        assert!(NotConnected.lookup(&n("1234567")).await.is_err());
    }
}
