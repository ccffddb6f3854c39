//! The §13b municipality-place lottery (*trekning*), verifiable by anyone.
//!
//! Each hospital site runs one draw per cohort (municipal start date). Before the
//! draw the HF publishes a [`Commitment`]: SHA-256 of the [`canonical_bytes`] of the
//! inputs and SHA-256 of a secret [`Seed`]. After the draw it reveals the seed in an
//! [`Export`]; [`Export::verify`] (and `tools/lottery_reference.py`, written
//! independently) recompute everything from that file alone.
//!
//! The full, language-independent specification is `docs/lottery.md`; section
//! numbers below refer to it.
//!
//! ```text
//! LotteryInputs --validate--> ValidInputs --canonical_bytes--> SHA-256 = inputs_sha256
//! Seed --SHA-256--> seed_sha256
//! key = SHA-256("lis1-lottery-v1" ‖ seed ‖ inputs_sha256) --ChaCha20--> u32 stream
//! draw(ValidInputs, Seed) -> Outcome { order, assignments }
//! ```

mod crypto;
mod draw;
mod error;
mod export;
mod inputs;
mod simulate;
mod stream;

#[cfg(test)]
mod proptests;

pub use crypto::{Commitment, KEY_DOMAIN, Seed, Sha256Digest, stream_key};
pub use draw::{Assignment, Basis, BasisKind, Outcome, draw};
pub use error::{KeyUse, LotteryError};
pub use export::{
    EXPORT_FORMAT, Export, ExportParseError, FileVerdict, ParseErrorKind, ResultEntry, Timestamps,
    VerifyExit, VerifyFailure, VerifyReport,
};
pub use inputs::{
    DocumentParticipant, INPUTS_FORMAT, InputsDocument, LotteryInputs, MAX_PARTICIPANTS,
    MAX_PLACE_COUNT, MAX_PLACES, Method, Participant, ParticipantId, ParticipantInput, Place,
    PlaceInput, PlaceKey, Ranking, Replaces, Reservation, SUBLOCATION_EXTRA_LETTERS, ValidInputs,
    WHITE_SPACE, canonical_bytes, commitment,
};
pub use simulate::{PROGRESS_EVERY, Probabilities, simulate, simulation_seed};
pub use stream::{RandomStream, uniform_from};

use jiff::ToSpan;
use jiff::civil::Date;

/// The last day the draw may be held for a cohort: four months before the municipal start.
pub fn latest_draw_date(cohort: Date) -> Date {
    // 002 §2.1: drawn at least four months before the municipal start.
    cohort.saturating_sub(4.months())
}

/// Refuses a planned draw date later than [`latest_draw_date`] (002 §2.1).
pub fn check_draw_date(cohort: Date, planned: Date) -> Result<(), LotteryError> {
    let latest = latest_draw_date(cohort);
    if planned <= latest {
        Ok(())
    } else {
        Err(LotteryError::DrawTooLate {
            cohort: cohort.to_string(),
            latest: latest.to_string(),
            planned: planned.to_string(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::Localized;
    use jiff::civil::date;

    #[test]
    fn draw_must_be_four_months_before_municipal_start() {
        let cohort = date(2022, 9, 1);
        assert_eq!(latest_draw_date(cohort), date(2022, 5, 1));
        assert!(check_draw_date(cohort, date(2022, 5, 1)).is_ok());
        let e = check_draw_date(cohort, date(2022, 5, 2)).unwrap_err();
        assert_eq!(e.code(), "lottery_draw_too_late");
        assert!(e.to_string().contains("senest 2022-05-01"));
    }
}
