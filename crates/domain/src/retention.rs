//! How long the portal keeps personal data (GDPR Art. 5(1)(e), storage limitation), and what is
//! due for deletion on a given day. Pure: the store finds the candidates, these rules decide.
//!
//! The periods are configurable ([`Retention`]); the defaults, and why:
//!
//! | data | kept until | why |
//! | --- | --- | --- |
//! | an application that did not lead to a hire (with its points, notes, comments, place on the innstilling, offers declined, expired or withdrawn); likewise an application for a rest position, once the position is filled or closed | 6 months after the round's start date (the rest position's start) | long enough for complaints about the hiring (forvaltningsloven § 29: three weeks; a claim under likestillings- og diskrimineringsloven must be raised within a reasonable time — six months is the norm used by Norwegian public employers), and then nothing needs it |
//! | an application that led to a hire | while the course runs, then by the employer's archive rules (not deleted here) | it documents the employment |
//! | a document (CV, diploma, authorisation, language test) | 6 months after the last use: upload, or the start of the last round the owner applied in, whichever is later; never while the owner has an application within its retention period | its purpose is the applications it supports |
//! | a sent e-mail (address, body) | 90 days after it was sent | shows a person what they were told if they ask soon after; the event itself is in the audit log |
//! | a session | until it ends (`LIS1_SESSION_IDLE_MINUTES`, `LIS1_SESSION_MAX_HOURS`), then deleted at once | nothing needs it after |
//! | a police certificate | never stored; a copy held for viewing is deleted with the check | politiregisterloven § 40, GDPR Art. 10 |
//! | an API request's `Idempotency-Key` (who sent it, a hash of the request, and its answer — or, for an answer holding a secret or personal data, e.g. an API token issued, a saved profile, an uploaded document, only the answer's status and SHA-256) | [`IDEMPOTENCY_KEY_HOURS`] (24 hours) after the request, then deleted by the `sessions` job | a client retries within minutes; after a day the key protects nothing |
//!
//! | who an audit entry names (the actor, the user it is about, names and addresses in its summary) | 24 months after the entry, then pseudonymised: the entry stays, with a pseudonym per person and month | complaints, supervision (Datatilsynet, Statens helsetilsyn) and a person's question "who read my application" come within two years in practice; after that the log's purpose (integrity, statistics of use) needs no names |
//!
//! The audit log itself is kept: it is the record of who did what. Entries written since
//! migration 0038 are hashed with pseudonyms instead of the people's ids (see
//! `lis1_domain::audit::Pseudonyms`), so the ids can be removed without breaking the chain.
//! Entries written before 0038 keep the user ids they were hashed with: removing those would
//! break the chain, and re-hashing is not allowed (see docs/operations.md).

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::Serialize;

/// Hours an API request's idempotency key (and what is kept of its answer) is kept before the
/// `sessions` job deletes it. Not configurable: a retry comes within minutes.
pub const IDEMPOTENCY_KEY_HOURS: i64 = 24;

/// The retention periods in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Retention {
    /// Months after the round's start that an application without a hire is kept.
    pub unsuccessful_application_months: i32,
    /// Months after its last use that a document is kept.
    pub document_months: i32,
    /// Days after sending that a mail is kept.
    pub sent_mail_days: i32,
    /// Months after an audit entry that the people it names are pseudonymised.
    pub audit_person_months: i32,
}

impl Default for Retention {
    fn default() -> Retention {
        Retention {
            unsuccessful_application_months: 6,
            document_months: 6,
            sent_mail_days: 90,
            audit_person_months: 24,
        }
    }
}

/// A period that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} må være mellom {min} og {max} (fikk {got})")]
pub struct BadPeriod {
    /// The setting.
    pub what: &'static str,
    /// Its smallest allowed value.
    pub min: i32,
    /// Its largest allowed value.
    pub max: i32,
    /// What was given.
    pub got: i64,
}

impl Retention {
    /// Checks the periods: at least the shortest that still serves the purpose (complaints take
    /// weeks; a document must outlive the round it was sent with), at most ten years.
    pub fn new(
        unsuccessful_application_months: i64,
        document_months: i64,
        sent_mail_days: i64,
        audit_person_months: i64,
    ) -> Result<Retention, BadPeriod> {
        fn within(what: &'static str, got: i64, min: i32, max: i32) -> Result<i32, BadPeriod> {
            i32::try_from(got)
                .ok()
                .filter(|v| (min..=max).contains(v))
                .ok_or(BadPeriod {
                    what,
                    min,
                    max,
                    got,
                })
        }
        Ok(Retention {
            unsuccessful_application_months: within(
                "LIS1_RETAIN_APPLICATIONS_MONTHS",
                unsuccessful_application_months,
                1,
                120,
            )?,
            document_months: within("LIS1_RETAIN_DOCUMENTS_MONTHS", document_months, 1, 120)?,
            sent_mail_days: within("LIS1_RETAIN_MAIL_DAYS", sent_mail_days, 7, 3650)?,
            audit_person_months: within(
                "LIS1_RETAIN_AUDIT_PERSON_MONTHS",
                audit_person_months,
                6,
                120,
            )?,
        })
    }

    /// Whether an application to a round starting `round_start` that led to no hire is due for
    /// deletion on `today`.
    /// Defined by [`Retention::application_cutoff`], which the store's query uses, so the two
    /// never disagree (month arithmetic is not invertible at month ends).
    pub fn application_expired(&self, round_start: Date, hired: bool, today: Date) -> bool {
        !hired && round_start < self.application_cutoff(today)
    }

    /// Rounds that started before this date have had their unsuccessful applications expire by
    /// `today`: `today` less the period.
    pub fn application_cutoff(&self, today: Date) -> Date {
        today
            .checked_sub(self.unsuccessful_application_months.months())
            .unwrap_or(Date::MIN)
    }

    /// Whether a document is due for deletion on `today`: uploaded on `uploaded`, its owner's
    /// last round starting `last_round_start` (if any), and whether the owner still has an
    /// application or a course that needs it.
    pub fn document_expired(
        &self,
        uploaded: Date,
        last_round_start: Option<Date>,
        still_needed: bool,
        today: Date,
    ) -> bool {
        if still_needed {
            return false;
        }
        let last_use = last_round_start.map_or(uploaded, |r| r.max(uploaded));
        last_use < self.document_cutoff(today)
    }

    /// The cut-off for documents: used last before this date.
    pub fn document_cutoff(&self, today: Date) -> Date {
        today
            .checked_sub(self.document_months.months())
            .unwrap_or(Date::MIN)
    }

    /// Audit entries written before this moment have the people they name pseudonymised at
    /// `now` (calendar months back, in UTC).
    pub fn audit_person_cutoff(&self, now: Timestamp) -> Timestamp {
        now.to_zoned(jiff::tz::TimeZone::UTC)
            .checked_sub(self.audit_person_months.months())
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::MIN)
    }

    /// Mails sent before this moment are deleted at `now`.
    pub fn mail_cutoff(&self, now: Timestamp) -> Timestamp {
        now.checked_sub(SignedDuration::from_hours(
            24 * i64::from(self.sent_mail_days),
        ))
        .unwrap_or(Timestamp::MIN)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn an_unsuccessful_application_goes_six_months_after_the_round_started() {
        let r = Retention::default();
        let start = date(2027, 3, 1);
        assert!(!r.application_expired(start, false, date(2027, 9, 1)));
        assert!(r.application_expired(start, false, date(2027, 9, 2)));
        assert_eq!(r.application_cutoff(date(2027, 9, 2)), date(2027, 3, 2));
        assert!(
            !r.application_expired(start, true, date(2035, 1, 1)),
            "a hire is never deleted here"
        );
    }

    #[test]
    fn a_document_lives_six_months_past_its_last_use_and_while_needed() {
        let r = Retention::default();
        let up = date(2026, 1, 10);
        assert!(r.document_expired(up, None, false, date(2026, 7, 11)));
        assert!(!r.document_expired(up, None, false, date(2026, 7, 10)));
        // Used for a round starting later: counted from that start.
        assert!(!r.document_expired(up, Some(date(2027, 3, 1)), false, date(2027, 9, 1)));
        assert!(r.document_expired(up, Some(date(2027, 3, 1)), false, date(2027, 9, 2)));
        assert!(!r.document_expired(up, None, true, date(2040, 1, 1)));
    }

    #[test]
    fn periods_outside_their_bounds_are_refused_with_the_setting() {
        assert_eq!(Retention::new(6, 6, 90, 24), Ok(Retention::default()));
        let e = Retention::new(0, 6, 90, 24).unwrap_err();
        assert_eq!(e.what, "LIS1_RETAIN_APPLICATIONS_MONTHS");
        assert!(e.to_string().contains("mellom 1 og 120"), "{e}");
        assert!(Retention::new(6, 6, 3, 24).is_err());
        assert_eq!(
            Retention::new(6, 6, 90, 5).unwrap_err().what,
            "LIS1_RETAIN_AUDIT_PERSON_MONTHS"
        );
        let now: Timestamp = "2027-03-31T10:00:00Z".parse().unwrap();
        assert_eq!(
            Retention::default().audit_person_cutoff(now),
            "2025-03-31T10:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert!(Retention::new(6, i64::MAX, 90, 24).is_err());
        assert!(
            Retention::new(6, 6, 90, 24)
                .map(|_| ())
                .and(Retention::new(-1, 6, 90, 24))
                .is_err()
        );
    }

    proptest! {
        /// Expired means the whole period has passed, and not expired means it has not passed
        /// by more than the few days a month end can shift it.
        #[test]
        fn expiry_follows_the_period(months in 1i64..=120, start_days in 0i64..20_000, today_days in 0i64..20_000) {
            let r = Retention::new(months, months, 90, 24).unwrap();
            let base = date(2000, 1, 1);
            let start = base.checked_add(start_days.days()).unwrap();
            let today = base.checked_add(today_days.days()).unwrap();
            let end = start.checked_add(months.months()).unwrap();
            if r.application_expired(start, false, today) {
                prop_assert!(end <= today, "{start} + {months} months = {end} > {today}");
            } else {
                prop_assert!(end.checked_add(3.days()).unwrap() > today, "{start} {today}");
            }
            prop_assert_eq!(
                r.document_expired(start, None, false, today),
                r.application_expired(start, false, today)
            );
        }
    }
}
