//! Coordinated admission (*samordnet opptak*): applicant-proposing deferred
//! acceptance with capacities and couples, verifiable by anyone.
//!
//! Applicants rank the positions they applied to, employers rank the applicants
//! who applied (their *innstilling*, ties allowed), couples rank pairs of positions.
//! [`solve`] computes a stable matching: the applicant-optimal one when there are no
//! couples, and for couples the Roth–Peranson procedure with a bounded number of
//! restarts. Every result is checked by [`check`] before it is returned. Ties and
//! restarts draw from the lottery's ChaCha20 stream ([`crate::lottery::RandomStream`]),
//! keyed by a committed seed and the SHA-256 of the canonical inputs, so an
//! [`Export`] can be recomputed by anyone ([`Export::verify`]).
//!
//! The language-independent specification is `docs/matching.md`; section numbers
//! below refer to it.
//!
//! ```text
//! MatchInputs --validate--> Instance --canonical_bytes--> SHA-256 = inputs_sha256
//! key = SHA-256("lis1-match-v1" ‖ seed ‖ inputs_sha256) --ChaCha20--> u32 stream
//! solve(Instance, Seed) -> Solution { matching, prepared, attempts, report }
//! explain(Instance, Solution) -> per applicant and per position: what and why
//! ```
//!
//! [`mechanisms`] holds the other allocation rules the simulator compares with
//! (random serial dictatorship, Boston, today's decentralised offer rounds), and
//! [`generate`] reproducible instances of NRMP and LIS1 size.

// Loops over parallel CSR arrays index several arrays at once; indices read better there.
#![allow(clippy::needless_range_loop)]

mod bits;
mod error;
mod explain;
mod export;
pub mod generate;
mod instance;
pub mod mechanisms;
pub mod portal;
pub mod report;
mod solve;
mod verify;

#[cfg(test)]
mod proptests;

pub use error::{IdKind, MatchError};
pub use explain::{
    ApplicantExplanation, HigherChoice, PositionSummary, Refusal, explain, explain_applicant,
    position_summaries,
};
pub use export::{
    EXPORT_FORMAT, Export, ExportParseError, PositionLine, ResultLine, Timestamps, VerifyFailure,
    VerifyReport, position_lines, result_lines,
};
pub use instance::{
    ApplicantInput, CoupleInput, INPUTS_FORMAT, InputsDocument, Instance, MAX_APPLICANTS,
    MAX_CAPACITY, MAX_COUPLES, MAX_POSITIONS, MAX_RANKED, MatchId, MatchInputs, PositionInput,
    canonical_bytes,
};
pub use solve::{
    AttemptEnd, AttemptReport, KEY_DOMAIN, MAX_ATTEMPTS, MAX_ROUNDS, Matching, NoStableMatching,
    PROPOSAL_SLACK, PROPOSALS_PER_ENTRY, Prepared, Solution, Solver, solve, stream_key,
};
pub use verify::{BlockingCouple, BlockingSingle, StabilityReport, Violation, check};
