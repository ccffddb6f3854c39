//! Offers (*tilbud*), next in line, marking (*merking*) and rest positions (*reststillinger*).
//!
//! From the ranked recommendation (*innstilling*) the recruiter — for a bound position the later
//! employer (004 draft §13) — makes offers in the round's national offer rounds, never before the
//! directorate's earliest offer date (004 draft §12). Each offer carries the reply deadline
//! (*svarfrist*) of its offer round. The applicant accepts or declines before the deadline; an
//! unanswered offer expires at it; the recruiter may withdraw an unanswered offer, giving a
//! reason. An accepted position can later be resigned.
//!
//! An offer is a small state machine, and [`transition`] is its only door:
//!
//! ```text
//!            ┌── accept (before the deadline) ──▶ Accepted ── resign ──▶ Resigned
//!   Made ────┼── decline (before the deadline) ─▶ Declined
//!            ├── withdraw (before the deadline, with a reason) ─▶ Withdrawn
//!            └── expire (at or after the deadline) ─▶ Expired
//! ```
//!
//! Declined, Expired, Withdrawn and Resigned are final. A position that such an offer releases
//! goes to the next candidate on the innstilling in the next offer round ([`next_in_line`],
//! [`release`]); once the offer rounds are over it becomes a rest position, advertised by the
//! responsible employer as a standalone, time-limited position without coupling (002 §2.3,
//! 004 draft §12).
//!
//! An acceptance is registered and shown to every employer in the round until one week before
//! the accepted position's start date ([`mark_visible_until`]); the directorate hides it earlier
//! on application when the position was resigned because of reduced functional ability of the
//! doctor or someone close ([`HideReason`], 004 draft §12).
//!
//! Every deadline here is an instant: a reply deadline of 12.00 closes at 12:00:00.000000, and an
//! answer at that instant is late.

use std::fmt;

use jiff::civil::{Date, Time};
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use crate::calendar::{self, format_datetime, to_oslo};
use crate::profiles::labelled_enum;
use crate::rounds::FIRST_ROUND_REPLY_WORKING_DAYS;
use crate::{Lang, Localized};

/// The longest reason for withdrawing an offer, in characters.
pub const WITHDRAW_REASON_MAX_CHARS: usize = 500;

/// 004 draft §12: the mark is hidden this many days before the accepted position's start date.
pub const MARK_HIDDEN_DAYS_BEFORE_START: i32 = 7;

/// How long before the reply deadline the applicant is reminded of an unanswered offer.
pub const REMINDER_HOURS_BEFORE_DEADLINE: i64 = 24;

// ---------------------------------------------------------------------------------------------
// The state machine

labelled_enum! {
    /// Where an offer stands.
    pub enum OfferState {
        /// Made and not yet answered.
        Made = "made", "Venter på svar", "Ventar på svar", "Awaiting reply";
        /// Accepted by the applicant.
        Accepted = "accepted", "Akseptert", "Akseptert", "Accepted";
        /// Declined by the applicant.
        Declined = "declined", "Avslått", "Avslått", "Declined";
        /// Not answered by the reply deadline.
        Expired = "expired", "Utløpt", "Gått ut", "Expired";
        /// Withdrawn by the recruiter before it was answered.
        Withdrawn = "withdrawn", "Trukket tilbake", "Trekt tilbake", "Withdrawn";
        /// Accepted, and later resigned by the doctor.
        Resigned = "resigned", "Sagt opp", "Sagt opp", "Resigned";
    }
}

impl OfferState {
    /// Whether no further transition is possible: declined, expired, withdrawn or resigned.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OfferState::Declined
                | OfferState::Expired
                | OfferState::Withdrawn
                | OfferState::Resigned
        )
    }

    /// Whether the offer occupies one of the position's places: made (waiting for an answer)
    /// or accepted.
    pub fn holds_slot(self) -> bool {
        matches!(self, OfferState::Made | OfferState::Accepted)
    }

    /// The bokmål phrase after "Tilbudet er …" and the English one after "The offer …".
    fn phrase(self, lang: Lang) -> &'static str {
        match self {
            OfferState::Made => {
                lang.pick3("ikke besvart", "ikkje svart på", "has not been answered")
            }
            OfferState::Accepted => lang.pick3("akseptert", "akseptert", "has been accepted"),
            OfferState::Declined => lang.pick3("avslått", "avslått", "has been declined"),
            OfferState::Expired => lang.pick3("utløpt", "gått ut", "has expired"),
            OfferState::Withdrawn => {
                lang.pick3("trukket tilbake", "trekt tilbake", "has been withdrawn")
            }
            OfferState::Resigned => lang.pick3("sagt opp", "sagt opp", "has been resigned"),
        }
    }
}

labelled_enum! {
    /// The kind of an [`OfferEvent`], without its data.
    pub enum OfferEventKind {
        /// The applicant accepts.
        Accept = "accept", "Aksept", "Aksept", "Acceptance";
        /// The applicant declines.
        Decline = "decline", "Avslag", "Avslag", "Refusal";
        /// The reply deadline passes without an answer.
        Expire = "expire", "Utløp", "Utløp", "Expiry";
        /// The recruiter withdraws the offer.
        Withdraw = "withdraw", "Tilbaketrekking", "Tilbaketrekking", "Withdrawal";
        /// The doctor resigns the accepted position.
        Resign = "resign", "Oppsigelse", "Oppseiing", "Resignation";
    }
}

impl OfferEventKind {
    /// The state the event leads to when it is allowed.
    pub fn target(self) -> OfferState {
        match self {
            OfferEventKind::Accept => OfferState::Accepted,
            OfferEventKind::Decline => OfferState::Declined,
            OfferEventKind::Expire => OfferState::Expired,
            OfferEventKind::Withdraw => OfferState::Withdrawn,
            OfferEventKind::Resign => OfferState::Resigned,
        }
    }

    /// The bokmål verb after "kan ikke lenger …", the English one after "can no longer …".
    fn verb(self, lang: Lang) -> &'static str {
        match self {
            OfferEventKind::Accept => lang.pick3("aksepteres", "aksepterast", "be accepted"),
            OfferEventKind::Decline => lang.pick3("avslås", "avslåast", "be declined"),
            OfferEventKind::Expire => lang.pick3("utløpe", "gå ut", "expire"),
            OfferEventKind::Withdraw => {
                lang.pick3("trekkes tilbake", "trekkjast tilbake", "be withdrawn")
            }
            OfferEventKind::Resign => lang.pick3("sies opp", "seiast opp", "be resigned"),
        }
    }
}

/// Something that happens to an offer, and when.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum OfferEvent {
    /// The applicant accepts.
    Accept {
        /// When.
        at: Timestamp,
    },
    /// The applicant declines.
    Decline {
        /// When.
        at: Timestamp,
    },
    /// The reply deadline has passed without an answer (recorded by a job or lazily on read).
    Expire {
        /// When the expiry is recorded; at or after the reply deadline.
        at: Timestamp,
    },
    /// The recruiter withdraws an unanswered offer.
    Withdraw {
        /// When.
        at: Timestamp,
        /// Why, for the applicant: 1 to [`WITHDRAW_REASON_MAX_CHARS`] characters after trimming.
        reason: String,
    },
    /// The doctor resigns the accepted position.
    Resign {
        /// When.
        at: Timestamp,
    },
}

impl OfferEvent {
    /// The kind of event.
    pub fn kind(&self) -> OfferEventKind {
        match self {
            OfferEvent::Accept { .. } => OfferEventKind::Accept,
            OfferEvent::Decline { .. } => OfferEventKind::Decline,
            OfferEvent::Expire { .. } => OfferEventKind::Expire,
            OfferEvent::Withdraw { .. } => OfferEventKind::Withdraw,
            OfferEvent::Resign { .. } => OfferEventKind::Resign,
        }
    }

    /// When it happens.
    pub fn at(&self) -> Timestamp {
        match self {
            OfferEvent::Accept { at }
            | OfferEvent::Decline { at }
            | OfferEvent::Expire { at }
            | OfferEvent::Withdraw { at, .. }
            | OfferEvent::Resign { at } => *at,
        }
    }
}

/// What [`transition`] needs to know about an offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OfferFacts {
    /// The current state.
    pub state: OfferState,
    /// When the offer was made.
    pub made_at: Timestamp,
    /// The reply deadline of the offer round it was made in.
    pub reply_deadline: Timestamp,
}

/// The state after `event`, or why `event` is not allowed now.
///
/// * accept and decline: only an unanswered offer, and only before the reply deadline (an
///   answer at the deadline itself is late: [`OfferError::ReplyTooLate`]);
/// * expire: only an unanswered offer, at or after the deadline;
/// * withdraw: only an unanswered offer, before the deadline (after it the offer has expired),
///   with a reason of 1 to [`WITHDRAW_REASON_MAX_CHARS`] characters;
/// * resign: only an accepted offer;
/// * no event may be dated before the offer was made.
///
/// Everything else is [`OfferError::NotAllowed`]; in particular an expired offer can never be
/// accepted, and a final state never changes.
pub fn transition(facts: &OfferFacts, event: &OfferEvent) -> Result<OfferState, OfferError> {
    let kind = event.kind();
    let from = facts.state;
    let allowed_from = match kind {
        OfferEventKind::Resign => OfferState::Accepted,
        _ => OfferState::Made,
    };
    if from != allowed_from {
        return Err(OfferError::NotAllowed { from, event: kind });
    }
    let at = event.at();
    if at < facts.made_at {
        return Err(OfferError::BeforeOffer {
            made_at: facts.made_at,
        });
    }
    let deadline = facts.reply_deadline;
    match event {
        // 004 draft §12: the applicant answers by the reply deadline.
        OfferEvent::Accept { .. } | OfferEvent::Decline { .. } if at >= deadline => {
            Err(OfferError::ReplyTooLate { deadline })
        }
        OfferEvent::Expire { .. } if at < deadline => Err(OfferError::NotYetExpired { deadline }),
        OfferEvent::Withdraw { .. } if at >= deadline => {
            Err(OfferError::WithdrawTooLate { deadline })
        }
        OfferEvent::Withdraw { reason, .. } => {
            let chars = reason.trim().chars().count();
            if chars == 0 {
                Err(OfferError::ReasonRequired)
            } else if chars > WITHDRAW_REASON_MAX_CHARS {
                Err(OfferError::ReasonTooLong {
                    max: WITHDRAW_REASON_MAX_CHARS,
                })
            } else {
                Ok(OfferState::Withdrawn)
            }
        }
        _ => Ok(kind.target()),
    }
}

/// The state to show at `now`: an unanswered offer whose deadline has passed is expired, even
/// before the expiry has been recorded with [`OfferEvent::Expire`].
pub fn effective_state(facts: &OfferFacts, now: Timestamp) -> OfferState {
    if facts.state == OfferState::Made && now >= facts.reply_deadline {
        OfferState::Expired
    } else {
        facts.state
    }
}

/// Whether a reminder of an unanswered offer should be sent now: from
/// [`REMINDER_HOURS_BEFORE_DEADLINE`] hours before the reply deadline (inclusive) until the
/// deadline (exclusive), once.
pub fn reminder_due(reply_deadline: Timestamp, now: Timestamp, already_sent: bool) -> bool {
    let from = reply_deadline
        .checked_sub(SignedDuration::from_hours(REMINDER_HOURS_BEFORE_DEADLINE))
        .unwrap_or(Timestamp::MIN);
    !already_sent && from <= now && now < reply_deadline
}

// ---------------------------------------------------------------------------------------------
// Offer rounds

/// One national offer round (*tilbudsrunde*), as instants (as the store keeps them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OfferRoundTimes {
    /// 1, 2, 3, …
    pub number: i32,
    /// When offers of this round may be made.
    pub offer_at: Timestamp,
    /// The reply deadline (*svarfrist*) every offer of this round carries.
    pub reply_deadline: Timestamp,
    /// When acceptances must be registered (*merkefrist*).
    pub marking_at: Timestamp,
}

/// The offer round open for making offers at `now`: the latest round whose offer time is at or
/// before `now` and whose reply deadline is after it.
///
/// Errors:
/// * before `earliest_offer` or before the first round's offer time: [`OfferError::TooEarly`],
///   naming the later of the two (004 draft §12: no offer before the directorate's earliest
///   offer date);
/// * between one round's reply deadline and the next round's offer time:
///   [`OfferError::BetweenOfferRounds`], naming the next round;
/// * after the last round's reply deadline (or with no rounds at all):
///   [`OfferError::NoOpenOfferRound`] — the position is then a rest position.
///
/// The rounds need not be sorted.
pub fn current_offer_round(
    rounds: &[OfferRoundTimes],
    earliest_offer: Timestamp,
    now: Timestamp,
) -> Result<&OfferRoundTimes, OfferError> {
    let first = rounds.iter().map(|r| r.offer_at).min();
    if now < earliest_offer {
        return Err(OfferError::TooEarly {
            earliest: first.map_or(earliest_offer, |f| f.max(earliest_offer)),
        });
    }
    if let Some(first) = first
        && now < first
    {
        return Err(OfferError::TooEarly { earliest: first });
    }
    let open = rounds
        .iter()
        .filter(|r| r.offer_at <= now && now < r.reply_deadline)
        .max_by_key(|r| r.offer_at);
    if let Some(round) = open {
        return Ok(round);
    }
    match next_offer_round(rounds, now) {
        Some(next) => Err(OfferError::BetweenOfferRounds {
            next_number: next.number,
            next_offer_at: next.offer_at,
        }),
        None => Err(OfferError::NoOpenOfferRound),
    }
}

/// The first offer round whose offer time is after `at`, if any.
pub fn next_offer_round(rounds: &[OfferRoundTimes], at: Timestamp) -> Option<&OfferRoundTimes> {
    rounds
        .iter()
        .filter(|r| r.offer_at > at)
        .min_by_key(|r| r.offer_at)
}

/// An offer ready to be stored: its offer round and its facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct NewOffer {
    /// The number of the offer round it belongs to.
    pub round_number: i32,
    /// State [`OfferState::Made`], made at `now`, with the round's reply deadline.
    pub facts: OfferFacts,
}

/// Makes an offer at `now`: finds the open offer round ([`current_offer_round`]) and gives the
/// offer that round's reply deadline.
///
/// 004 draft §12: an offer in the **first** offer round must leave at least
/// [`FIRST_ROUND_REPLY_WORKING_DAYS`] whole working days to reply, counted as
/// [`crate::rounds::validate`] counts them (the deadline not before the third working day after
/// the offer, at the offer's time of day, Oslo time). The directorate's timetable guarantees
/// this for offers made at the round's offer time; an offer made later in the first round may
/// not, and is refused with [`OfferError::FirstRoundReplyTooShort`] — it can be made in the next
/// round.
pub fn make_offer(
    rounds: &[OfferRoundTimes],
    earliest_offer: Timestamp,
    now: Timestamp,
) -> Result<NewOffer, OfferError> {
    let round = current_offer_round(rounds, earliest_offer, now)?;
    let is_first = rounds.iter().all(|r| r.offer_at >= round.offer_at);
    if is_first {
        let local = to_oslo(now);
        let earliest_deadline =
            calendar::add_working_days(local.date(), FIRST_ROUND_REPLY_WORKING_DAYS)
                .to_datetime(local.time());
        // Unreachable fallback at the end of the calendar: refuse rather than allow.
        let earliest_deadline = calendar::from_oslo(earliest_deadline).unwrap_or(Timestamp::MAX);
        if round.reply_deadline < earliest_deadline {
            return Err(OfferError::FirstRoundReplyTooShort {
                deadline: round.reply_deadline,
            });
        }
    }
    Ok(NewOffer {
        round_number: round.number,
        facts: OfferFacts {
            state: OfferState::Made,
            made_at: now,
            reply_deadline: round.reply_deadline,
        },
    })
}

// ---------------------------------------------------------------------------------------------
// Next in line

labelled_enum! {
    /// What happens when an offer is declined, expires or is withdrawn (a per-advertisement
    /// setting).
    pub enum NextInLineMode {
        /// The next candidate gets an offer in the next offer round without further ado.
        Automatic = "automatic", "Automatisk til neste på innstillingen", "Automatisk til neste på innstillinga",
            "Automatically to the next on the recommendation";
        /// The recruiter confirms each offer to the next candidate.
        Confirm = "confirm", "Etter bekreftelse fra arbeidsgiver", "Etter stadfesting frå arbeidsgjevaren",
            "After the employer confirms";
    }
}

/// A candidate to offer a released place to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NextCandidate {
    /// The candidate's application.
    pub application_id: i64,
    /// Whether the candidate has accepted a position elsewhere in the round (their mark is
    /// visible). Flagged, not skipped: the employer decides (domain notes §7).
    pub accepted_elsewhere: bool,
}

/// The next candidates on the innstilling for one position: up to `free_slots` applications
/// from `ranked` (best first), in order, skipping everyone who already has an offer for this
/// position — an open or accepted one (they hold a place) and a declined, expired, withdrawn
/// or resigned one alike (a candidate is not offered the same position twice). A candidate
/// listed twice in `ranked` counts once.
pub fn next_in_line(
    ranked: &[i64],
    offered: &[(i64, OfferState)],
    accepted_elsewhere: &[i64],
    free_slots: u32,
) -> Vec<NextCandidate> {
    let limit = usize::try_from(free_slots).unwrap_or(usize::MAX);
    let mut out: Vec<NextCandidate> = Vec::new();
    for &id in ranked {
        if out.len() >= limit {
            break;
        }
        let already_offered = offered.iter().any(|&(a, _)| a == id);
        let listed = out.iter().any(|c| c.application_id == id);
        if already_offered || listed {
            continue;
        }
        out.push(NextCandidate {
            application_id: id,
            accepted_elsewhere: accepted_elsewhere.contains(&id),
        });
    }
    out
}

/// The places of a position of `count` places not held by an open or accepted offer; never
/// negative (more holding offers than places gives 0).
pub fn free_slots(count: u32, offers: &[OfferState]) -> u32 {
    let held = offers.iter().filter(|s| s.holds_slot()).count();
    count.saturating_sub(u32::try_from(held).unwrap_or(u32::MAX))
}

/// Where a place released by an offer goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Release {
    /// To the next candidate on the innstilling, in this offer round.
    NextInLine {
        /// The offer round's number.
        round_number: i32,
        /// When its offers may be made.
        offer_at: Timestamp,
    },
    /// There is no later offer round: the place becomes a rest position (002 §2.3).
    RestPosition {
        /// Why it is vacant.
        reason: VacancyReason,
    },
}

/// Where the place goes when an offer reaches `state` at `at`: to the next in line in the next
/// offer round (the first whose offer time is after `at`), or, when there is none, to a rest
/// position. `None` when `state` still holds the place (made or accepted).
pub fn release(rounds: &[OfferRoundTimes], state: OfferState, at: Timestamp) -> Option<Release> {
    if state.holds_slot() {
        return None;
    }
    Some(match next_offer_round(rounds, at) {
        Some(next) => Release::NextInLine {
            round_number: next.number,
            offer_at: next.offer_at,
        },
        None => Release::RestPosition {
            reason: if state == OfferState::Resigned {
                VacancyReason::Resignation
            } else {
                VacancyReason::NotFilledAfterOfferRounds
            },
        },
    })
}

// ---------------------------------------------------------------------------------------------
// Accepting while holding an earlier acceptance

/// One resignation made in the same step as an acceptance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Switch {
    /// The earlier accepted offer, to be resigned.
    pub resign: i64,
    /// The offer being accepted.
    pub accept: i64,
}

/// How to accept an offer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "plan", content = "resign", rename_all = "snake_case")]
pub enum AcceptPlan {
    /// The applicant holds no other acceptance: accept.
    Accept,
    /// The applicant holds these earlier acceptances (offer ids, ascending): resign them in the
    /// same step, which releases each place to its employer's next in line.
    SwitchFrom(Vec<i64>),
}

impl AcceptPlan {
    /// The resignations to make together with accepting `accept`.
    pub fn switches(&self, accept: i64) -> Vec<Switch> {
        match self {
            AcceptPlan::Accept => Vec::new(),
            AcceptPlan::SwitchFrom(ids) => ids
                .iter()
                .map(|&resign| Switch { resign, accept })
                .collect(),
        }
    }
}

/// How the applicant accepts `offer_id`, given the ids of their currently accepted offers in the
/// round (`my_accepted`). An applicant holds one acceptance at a time: accepting a later offer
/// resigns the earlier acceptance in the same step. `offer_id` itself in `my_accepted` is
/// ignored, and duplicates count once.
pub fn plan_accept(offer_id: i64, my_accepted: &[i64]) -> AcceptPlan {
    let mut earlier: Vec<i64> = my_accepted
        .iter()
        .copied()
        .filter(|&id| id != offer_id)
        .collect();
    earlier.sort_unstable();
    earlier.dedup();
    if earlier.is_empty() {
        AcceptPlan::Accept
    } else {
        AcceptPlan::SwitchFrom(earlier)
    }
}

// ---------------------------------------------------------------------------------------------
// Marking (merking)

labelled_enum! {
    /// Why the directorate hides a mark early, on application (004 draft §12).
    pub enum HideReason {
        /// The accepted position was resigned because of reduced functional ability of the
        /// doctor or of a person close to them ("nedsatt funksjonsevne hos legen eller en person
        /// som legen har tilknytning til").
        ReducedFunctionalAbility = "reduced_functional_ability",
            "Oppsagt på grunn av redusert funksjonsevne hos legen eller en nærstående", "Sagt opp på grunn av redusert funksjonsevne hos legen eller ein nærståande",
            "Resigned because of reduced functional ability of the doctor or a close person";
    }
}

/// 004 draft §12: the instant a mark is hidden: seven calendar days before the accepted
/// position's start date, at 00:00 Europe/Oslo (so across a daylight-saving change the week is
/// not 168 hours).
pub fn mark_visible_until(start_date: Date) -> Timestamp {
    let day = start_date
        .checked_sub(MARK_HIDDEN_DAYS_BEFORE_START.days())
        .unwrap_or(Date::MIN);
    // Only at the very start of the calendar: hidden then, which is the safe side.
    calendar::from_oslo(day.to_datetime(Time::midnight())).unwrap_or(Timestamp::MIN)
}

/// Whether a mark for a position starting on `start_date` is visible at `now`: before
/// [`mark_visible_until`], and not hidden by the directorate (`hidden_at` at or before `now`).
pub fn mark_visible(start_date: Date, hidden_at: Option<Timestamp>, now: Timestamp) -> bool {
    now < mark_visible_until(start_date) && hidden_at.is_none_or(|h| now < h)
}

/// Whether the mark of an offer in `state` is shown to other employers at `now`.
///
/// The acceptance stays registered after the doctor resigns: 004 draft §12 lets the directorate
/// hide it, on application, *because* the accepted position was resigned for reduced functional
/// ability, so a resigned acceptance is otherwise still shown (the view can say "sagt opp").
pub fn mark_shown(
    state: OfferState,
    start_date: Date,
    hidden_at: Option<Timestamp>,
    now: Timestamp,
) -> bool {
    matches!(state, OfferState::Accepted | OfferState::Resigned)
        && mark_visible(start_date, hidden_at, now)
}

/// Checks an application to hide a mark early (004 draft §12): only for an acceptance that was
/// resigned. That the reason is [`HideReason::ReducedFunctionalAbility`] is for the directorate
/// to judge; the type records it.
pub fn check_hide_mark(state: OfferState, reason: HideReason) -> Result<(), OfferError> {
    match (state, reason) {
        (OfferState::Resigned, HideReason::ReducedFunctionalAbility) => Ok(()),
        _ => Err(OfferError::HideNotResigned { state }),
    }
}

/// The mark as other employers read it: `Har akseptert stilling ved X` / `Accepted a position at
/// X`, or for a resigned acceptance `Har sagt opp stilling ved X` / `Resigned a position at X`.
pub fn mark_text(state: OfferState, employer: &str, lang: Lang) -> String {
    match (state, lang) {
        (OfferState::Resigned, Lang::Nb) => {
            format!("Har sagt opp stilling ved {employer}")
        }
        (OfferState::Resigned, Lang::Nn) => {
            format!("Har sagt opp stilling ved {employer}")
        }
        (OfferState::Resigned, Lang::En) => format!("Resigned a position at {employer}"),
        (_, Lang::Nb) => format!("Har akseptert stilling ved {employer}"),
        (_, Lang::Nn) => format!("Har akseptert stilling ved {employer}"),
        (_, Lang::En) => format!("Accepted a position at {employer}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Rest positions (reststillinger)

labelled_enum! {
    /// Why a place becomes a rest position (002 §2.3, 004 draft §12).
    pub enum VacancyReason {
        /// Still vacant when the offer rounds were over.
        NotFilledAfterOfferRounds = "not_filled_after_offer_rounds",
            "Ikke besatt etter tilbudsrundene", "Ikkje besett etter tilbodsrundane", "Not filled after the offer rounds";
        /// Vacated later because the doctor resigned.
        Resignation = "resignation", "Ledig etter oppsigelse", "Ledig etter oppseiing", "Vacant after resignation";
        /// Still vacant after the coordinated match (issue 16): no applicant it listed ranked it
        /// high enough, or too few listed.
        NotFilledAfterMatch = "not_filled_after_match",
            "Ikke besatt etter samordnet opptak", "Ikkje fylt etter samordna opptak",
            "Not filled after the coordinated match";
    }
}

/// The number of rest positions a position of `count` places leaves once the offer rounds are
/// over (at or after `last_reply_deadline`): the places without an accepted offer. An offer
/// still unanswered then has expired (every offer of the round carries a deadline no later
/// than the last one), so it does not hold a place. `None` while the rounds are running, and
/// when every place is filled.
///
/// A rest position is advertised continuously by the responsible employer (the municipality for
/// the municipal part) as a standalone, time-limited position without coupling (002 §2.3).
pub fn vacancy_after_offer_rounds(
    count: u32,
    offers: &[OfferState],
    last_reply_deadline: Timestamp,
    now: Timestamp,
) -> Option<u32> {
    if now < last_reply_deadline {
        return None;
    }
    let accepted = offers
        .iter()
        .filter(|&&s| s == OfferState::Accepted)
        .count();
    let vacant = count.saturating_sub(u32::try_from(accepted).unwrap_or(u32::MAX));
    (vacant > 0).then_some(vacant)
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Why an offer cannot be made, or an event cannot happen to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OfferError {
    /// The event is not possible from this state (e.g. accepting an expired offer).
    NotAllowed {
        /// The offer's state.
        from: OfferState,
        /// What was attempted.
        event: OfferEventKind,
    },
    /// An answer at or after the reply deadline.
    ReplyTooLate {
        /// The deadline.
        deadline: Timestamp,
    },
    /// An expiry before the reply deadline.
    NotYetExpired {
        /// The deadline.
        deadline: Timestamp,
    },
    /// A withdrawal at or after the reply deadline, when the offer has already expired.
    WithdrawTooLate {
        /// The deadline.
        deadline: Timestamp,
    },
    /// A withdrawal without a reason.
    ReasonRequired,
    /// A withdrawal reason longer than allowed.
    ReasonTooLong {
        /// The most characters allowed.
        max: usize,
    },
    /// An event dated before the offer was made.
    BeforeOffer {
        /// When the offer was made.
        made_at: Timestamp,
    },
    /// 004 draft §12: before the directorate's earliest offer date (or the first offer round).
    TooEarly {
        /// The first instant an offer may be made.
        earliest: Timestamp,
    },
    /// Between two offer rounds: the previous round's reply deadline has passed.
    BetweenOfferRounds {
        /// The next round's number.
        next_number: i32,
        /// When its offers may be made.
        next_offer_at: Timestamp,
    },
    /// The last offer round's reply deadline has passed.
    NoOpenOfferRound,
    /// 004 draft §12: an offer made now in the first offer round would have less than three
    /// working days to reply.
    FirstRoundReplyTooShort {
        /// The first round's reply deadline.
        deadline: Timestamp,
    },
    /// 004 draft §12: a mark is hidden early only when the accepted position was resigned.
    HideNotResigned {
        /// The offer's state.
        state: OfferState,
    },
}

impl Localized for OfferError {
    fn code(&self) -> &'static str {
        match self {
            OfferError::NotAllowed { .. } => "offer_transition_not_allowed",
            OfferError::ReplyTooLate { .. } => "offer_reply_too_late",
            OfferError::NotYetExpired { .. } => "offer_not_yet_expired",
            OfferError::WithdrawTooLate { .. } => "offer_withdraw_too_late",
            OfferError::ReasonRequired => "withdraw_reason_required",
            OfferError::ReasonTooLong { .. } => "withdraw_reason_too_long",
            OfferError::BeforeOffer { .. } => "offer_event_before_offer",
            OfferError::TooEarly { .. } => "offer_too_early",
            OfferError::BetweenOfferRounds { .. } => "offer_round_not_open",
            OfferError::NoOpenOfferRound => "no_open_offer_round",
            OfferError::FirstRoundReplyTooShort { .. } => "first_round_reply_too_short",
            OfferError::HideNotResigned { .. } => "mark_hide_not_resigned",
        }
    }

    fn message(&self, lang: Lang) -> String {
        let at = |t: &Timestamp| format_datetime(to_oslo(*t), lang);
        match (self, lang) {
            (OfferError::NotAllowed { from, event }, _) => not_allowed_message(*from, *event, lang),
            (OfferError::ReplyTooLate { deadline }, Lang::Nb) => {
                format!("Svarfristen var {}.", at(deadline))
            }
            (OfferError::ReplyTooLate { deadline }, Lang::Nn) => {
                format!("Svarfristen var {}.", at(deadline))
            }
            (OfferError::ReplyTooLate { deadline }, Lang::En) => {
                format!("The reply deadline was {}.", at(deadline))
            }
            (OfferError::NotYetExpired { deadline }, Lang::Nb) => {
                format!("Tilbudet utløper ikke før svarfristen {}.", at(deadline))
            }
            (OfferError::NotYetExpired { deadline }, Lang::Nn) => {
                format!("Tilbodet går ikkje ut før svarfristen {}.", at(deadline))
            }
            (OfferError::NotYetExpired { deadline }, Lang::En) => format!(
                "The offer does not expire before the reply deadline {}.",
                at(deadline)
            ),
            (OfferError::WithdrawTooLate { deadline }, Lang::Nb) => format!(
                "Svarfristen var {}; tilbudet er utløpt og kan ikke trekkes tilbake.",
                at(deadline)
            ),
            (OfferError::WithdrawTooLate { deadline }, Lang::Nn) => format!(
                "Svarfristen var {}; tilbodet har gått ut og kan ikkje trekkjast tilbake.",
                at(deadline)
            ),
            (OfferError::WithdrawTooLate { deadline }, Lang::En) => format!(
                "The reply deadline was {}; the offer has expired and cannot be withdrawn.",
                at(deadline)
            ),
            (OfferError::ReasonRequired, _) => lang
                .pick3(
                    "Oppgi en begrunnelse for å trekke tilbake tilbudet.",
                    "Oppgi ei grunngiving for å trekkje tilbake tilbodet.",
                    "Give a reason for withdrawing the offer.",
                )
                .to_owned(),
            (OfferError::ReasonTooLong { max }, Lang::Nb) => {
                format!("Begrunnelsen kan ha høyst {max} tegn.")
            }
            (OfferError::ReasonTooLong { max }, Lang::Nn) => {
                format!("Grunngivinga kan ha høgst {max} teikn.")
            }
            (OfferError::ReasonTooLong { max }, Lang::En) => {
                format!("The reason may have at most {max} characters.")
            }
            (OfferError::BeforeOffer { made_at }, Lang::Nb) => format!(
                "Tilbudet ble gitt {}; ingenting kan skje med det før det.",
                at(made_at)
            ),
            (OfferError::BeforeOffer { made_at }, Lang::Nn) => format!(
                "Tilbodet vart gitt {}; ingenting kan skje med det før då.",
                at(made_at)
            ),
            (OfferError::BeforeOffer { made_at }, Lang::En) => format!(
                "The offer was made {}; nothing can happen to it before then.",
                at(made_at)
            ),
            (OfferError::TooEarly { earliest }, Lang::Nb) => format!(
                "Tilbud kan tidligst gis {} (Helsedirektoratets tidligste tilbudsdato).",
                at(earliest)
            ),
            (OfferError::TooEarly { earliest }, Lang::Nn) => format!(
                "Tilbod kan tidlegast bli gitt {} (den tidlegaste tilbodsdatoen til Helsedirektoratet).",
                at(earliest)
            ),
            (OfferError::TooEarly { earliest }, Lang::En) => format!(
                "Offers can be made from {} at the earliest (the Norwegian Directorate of \
                 Health's earliest offer date).",
                at(earliest)
            ),
            (
                OfferError::BetweenOfferRounds {
                    next_number,
                    next_offer_at,
                },
                Lang::Nb,
            ) => format!(
                "Ingen tilbudsrunde er åpen nå. Tilbudsrunde {next_number} åpner {}.",
                at(next_offer_at)
            ),
            (
                OfferError::BetweenOfferRounds {
                    next_number,
                    next_offer_at,
                },
                Lang::Nn,
            ) => format!(
                "Ingen tilbodsrunde er open no. Tilbodsrunde {next_number} opnar {}.",
                at(next_offer_at)
            ),
            (
                OfferError::BetweenOfferRounds {
                    next_number,
                    next_offer_at,
                },
                Lang::En,
            ) => format!(
                "No offer round is open now. Offer round {next_number} opens {}.",
                at(next_offer_at)
            ),
            (OfferError::NoOpenOfferRound, _) => lang
                .pick3(
                    "Tilbudsrundene er over. En ledig stilling lyses nå ut som reststilling.",
                    "Tilbodsrundane er over. Ei ledig stilling blir no lyst ut som reststilling.",
                    "The offer rounds are over. A vacant position is now advertised as a rest \
                     position.",
                )
                .to_owned(),
            (OfferError::FirstRoundReplyTooShort { deadline }, Lang::Nb) => format!(
                "Tilbud i første tilbudsrunde skal ha minst tre virkedagers svarfrist \
                 (forskriften § 12); svarfristen {} er for kort for et tilbud som gis nå. \
                 Gi tilbudet i neste tilbudsrunde.",
                at(deadline)
            ),
            (OfferError::FirstRoundReplyTooShort { deadline }, Lang::Nn) => format!(
                "Tilbod i første tilbodsrunde skal ha minst tre yrkedagars svarfrist (forskrifta § 12); svarfristen {} er for kort for eit tilbod som blir gitt no. Gi tilbodet i neste tilbodsrunde.",
                at(deadline)
            ),
            (OfferError::FirstRoundReplyTooShort { deadline }, Lang::En) => format!(
                "Offers in the first offer round must have at least three working days to reply \
                 (regulation § 12); the reply deadline {} is too short for an offer made now. \
                 Make the offer in the next offer round.",
                at(deadline)
            ),
            (OfferError::HideNotResigned { state }, Lang::Nb) => format!(
                "Merkingen kan bare skjules etter søknad når den aksepterte stillingen er sagt \
                 opp (forskriften § 12). Tilbudet er {}.",
                state.phrase(lang)
            ),
            (OfferError::HideNotResigned { state }, Lang::Nn) => format!(
                "Merkinga kan berre gøymast etter søknad når den aksepterte stillinga er sagd opp (forskrifta § 12). Tilbodet er {}.",
                state.phrase(lang)
            ),
            (OfferError::HideNotResigned { state }, Lang::En) => format!(
                "A mark can be hidden on application only when the accepted position has been \
                 resigned (regulation § 12). The offer {}.",
                state.phrase(lang)
            ),
        }
    }
}

/// "Tilbudet er utløpt og kan ikke lenger aksepteres." and its kin.
fn not_allowed_message(from: OfferState, event: OfferEventKind, lang: Lang) -> String {
    if event.target() == from {
        return match lang {
            Lang::Nb => format!("Tilbudet er allerede {}.", from.phrase(lang)),
            Lang::Nn => format!("Tilbodet er allereie {}.", from.phrase(lang)),
            Lang::En => {
                let phrase = from.phrase(lang);
                // "has been accepted" → "has already been accepted"
                let rest = phrase.strip_prefix("has ").unwrap_or(phrase);
                format!("The offer has already {rest}.")
            }
        };
    }
    if event == OfferEventKind::Resign {
        return match lang {
            Lang::Nb => format!(
                "Bare en akseptert stilling kan sies opp; tilbudet er {}.",
                from.phrase(lang)
            ),
            Lang::Nn => format!(
                "Berre ei akseptert stilling kan seiast opp; tilbodet er {}.",
                from.phrase(lang)
            ),
            Lang::En => format!(
                "Only an accepted position can be resigned; the offer {}.",
                from.phrase(lang)
            ),
        };
    }
    let hint = if from == OfferState::Accepted && event == OfferEventKind::Decline {
        lang.pick3(
            " Vil du ut av stillingen, må du si den opp.",
            " Vil du ut av stillinga, må du seie ho opp.",
            " To leave the position, resign it.",
        )
    } else {
        ""
    };
    match lang {
        Lang::Nb => format!(
            "Tilbudet er {} og kan ikke lenger {}.{hint}",
            from.phrase(lang),
            event.verb(lang)
        ),
        Lang::Nn => format!(
            "Tilbodet er {} og kan ikkje lenger {}.{hint}",
            from.phrase(lang),
            event.verb(lang)
        ),
        Lang::En => format!(
            "The offer {} and can no longer {}.{hint}",
            from.phrase(lang),
            event.verb(lang)
        ),
    }
}

impl fmt::Display for OfferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Nb))
    }
}

impl std::error::Error for OfferError {}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use jiff::civil::{date, datetime};
    use proptest::prelude::*;

    fn oslo(y: i16, mo: i8, d: i8, h: i8, mi: i8) -> Timestamp {
        calendar::from_oslo(datetime(y, mo, d, h, mi, 0, 0)).unwrap()
    }

    fn micros(n: i64) -> SignedDuration {
        SignedDuration::from_micros(n)
    }

    /// Made on Monday 22 February 2027 09:00, reply by Thursday 25 February 12:00.
    fn facts(state: OfferState) -> OfferFacts {
        OfferFacts {
            state,
            made_at: oslo(2027, 2, 22, 9, 0),
            reply_deadline: oslo(2027, 2, 25, 12, 0),
        }
    }

    fn event(kind: OfferEventKind, at: Timestamp) -> OfferEvent {
        match kind {
            OfferEventKind::Accept => OfferEvent::Accept { at },
            OfferEventKind::Decline => OfferEvent::Decline { at },
            OfferEventKind::Expire => OfferEvent::Expire { at },
            OfferEventKind::Withdraw => OfferEvent::Withdraw {
                at,
                reason: "Stillingen er inndratt.".to_owned(),
            },
            OfferEventKind::Resign => OfferEvent::Resign { at },
        }
    }

    /// A realistic spring 2027 timetable: five national offer rounds, the first with three
    /// working days to reply, the later ones one; marking 12.00 the next working day.
    fn timetable() -> Vec<OfferRoundTimes> {
        let r = |number, offer: (i8, i8), reply: (i8, i8), marking: (i8, i8)| OfferRoundTimes {
            number,
            offer_at: oslo(2027, offer.0, offer.1, 9, 0),
            reply_deadline: oslo(2027, reply.0, reply.1, 12, 0),
            marking_at: oslo(2027, marking.0, marking.1, 12, 0),
        };
        vec![
            r(1, (2, 22), (2, 25), (2, 26)),
            r(2, (3, 1), (3, 2), (3, 3)),
            r(3, (3, 4), (3, 5), (3, 8)),
            r(4, (3, 9), (3, 10), (3, 11)),
            r(5, (3, 12), (3, 15), (3, 16)),
        ]
    }

    fn earliest() -> Timestamp {
        oslo(2027, 2, 22, 9, 0)
    }

    /// The expected outcome of one event: `None` = refused because of the state (`NotAllowed`),
    /// `Some(Err(code))` = refused for another reason, `Some(Ok(state))` = allowed.
    type Expect = Option<Result<OfferState, &'static str>>;

    #[test]
    fn every_state_and_event() {
        use OfferEventKind as E;
        use OfferState as S;
        let f0 = facts(S::Made);
        let before = f0.reply_deadline - micros(1);
        let at_deadline = f0.reply_deadline;
        // (from, event, result before the deadline, result at the deadline)
        let not = None;
        let ok = |s| Some(Ok(s));
        let err = |c: &'static str| Some(Err(c));
        let table: [(S, E, Expect, Expect); 30] = [
            (
                S::Made,
                E::Accept,
                ok(S::Accepted),
                err("offer_reply_too_late"),
            ),
            (
                S::Made,
                E::Decline,
                ok(S::Declined),
                err("offer_reply_too_late"),
            ),
            (
                S::Made,
                E::Expire,
                err("offer_not_yet_expired"),
                ok(S::Expired),
            ),
            (
                S::Made,
                E::Withdraw,
                ok(S::Withdrawn),
                err("offer_withdraw_too_late"),
            ),
            (S::Made, E::Resign, not, not),
            (S::Accepted, E::Accept, not, not),
            (S::Accepted, E::Decline, not, not),
            (S::Accepted, E::Expire, not, not),
            (S::Accepted, E::Withdraw, not, not),
            (S::Accepted, E::Resign, ok(S::Resigned), ok(S::Resigned)),
            (S::Declined, E::Accept, not, not),
            (S::Declined, E::Decline, not, not),
            (S::Declined, E::Expire, not, not),
            (S::Declined, E::Withdraw, not, not),
            (S::Declined, E::Resign, not, not),
            (S::Expired, E::Accept, not, not),
            (S::Expired, E::Decline, not, not),
            (S::Expired, E::Expire, not, not),
            (S::Expired, E::Withdraw, not, not),
            (S::Expired, E::Resign, not, not),
            (S::Withdrawn, E::Accept, not, not),
            (S::Withdrawn, E::Decline, not, not),
            (S::Withdrawn, E::Expire, not, not),
            (S::Withdrawn, E::Withdraw, not, not),
            (S::Withdrawn, E::Resign, not, not),
            (S::Resigned, E::Accept, not, not),
            (S::Resigned, E::Decline, not, not),
            (S::Resigned, E::Expire, not, not),
            (S::Resigned, E::Withdraw, not, not),
            (S::Resigned, E::Resign, not, not),
        ];
        // The table covers every pair exactly once.
        for &s in S::ALL {
            for &e in E::ALL {
                assert_eq!(
                    table.iter().filter(|r| r.0 == s && r.1 == e).count(),
                    1,
                    "{s:?} {e:?}"
                );
            }
        }
        for (from, kind, early, late) in table {
            let f = facts(from);
            for (at, expected) in [(before, early), (at_deadline, late)] {
                let got = transition(&f, &event(kind, at));
                match expected {
                    Some(Ok(s)) => assert_eq!(got, Ok(s), "{from:?} {kind:?} at {at}"),
                    Some(Err(code)) => {
                        assert_eq!(got.map_err(|e| e.code()), Err(code), "{from:?} {kind:?}")
                    }
                    None => assert_eq!(
                        got,
                        Err(OfferError::NotAllowed { from, event: kind }),
                        "{from:?} {kind:?} at {at}"
                    ),
                }
            }
        }
    }

    #[test]
    fn the_deadline_is_an_instant() {
        let f = facts(OfferState::Made);
        let d = f.reply_deadline;
        let accept = |at| transition(&f, &OfferEvent::Accept { at });
        assert_eq!(accept(d - micros(1)), Ok(OfferState::Accepted));
        assert_eq!(
            accept(d),
            Err(OfferError::ReplyTooLate { deadline: d }),
            "an answer at the deadline is late"
        );
        assert_eq!(
            accept(d).unwrap_err().to_string(),
            "Svarfristen var 25.02.2027 kl. 12.00."
        );
        assert_eq!(
            accept(d).unwrap_err().message(Lang::En),
            "The reply deadline was 25 February 2027 12:00."
        );
        let expire = |at| transition(&f, &OfferEvent::Expire { at });
        assert_eq!(expire(d), Ok(OfferState::Expired));
        assert_eq!(
            expire(d - micros(1)),
            Err(OfferError::NotYetExpired { deadline: d })
        );
        // Accepting at the very instant the offer is made is fine; before it is not.
        assert_eq!(accept(f.made_at), Ok(OfferState::Accepted));
        let err = accept(f.made_at - micros(1)).unwrap_err();
        assert_eq!(err.code(), "offer_event_before_offer");
        assert_eq!(
            err.to_string(),
            "Tilbudet ble gitt 22.02.2027 kl. 09.00; ingenting kan skje med det før det."
        );
    }

    #[test]
    fn an_expired_offer_cannot_be_accepted() {
        let f = facts(OfferState::Expired);
        let err = transition(&f, &OfferEvent::Accept { at: f.made_at }).unwrap_err();
        assert_eq!(err.code(), "offer_transition_not_allowed");
        assert_eq!(
            err.to_string(),
            "Tilbudet er utløpt og kan ikke lenger aksepteres."
        );
        assert_eq!(
            err.message(Lang::En),
            "The offer has expired and can no longer be accepted."
        );
    }

    #[test]
    fn not_allowed_messages_read_well() {
        let msg = |from, event, lang| OfferError::NotAllowed { from, event }.message(lang);
        use OfferEventKind as E;
        use OfferState as S;
        assert_eq!(
            msg(S::Accepted, E::Accept, Lang::Nb),
            "Tilbudet er allerede akseptert."
        );
        assert_eq!(
            msg(S::Accepted, E::Accept, Lang::En),
            "The offer has already been accepted."
        );
        assert_eq!(
            msg(S::Expired, E::Expire, Lang::En),
            "The offer has already expired."
        );
        assert_eq!(
            msg(S::Made, E::Resign, Lang::Nb),
            "Bare en akseptert stilling kan sies opp; tilbudet er ikke besvart."
        );
        assert_eq!(
            msg(S::Declined, E::Resign, Lang::En),
            "Only an accepted position can be resigned; the offer has been declined."
        );
        assert_eq!(
            msg(S::Accepted, E::Decline, Lang::Nb),
            "Tilbudet er akseptert og kan ikke lenger avslås. Vil du ut av stillingen, må du si \
             den opp."
        );
        assert_eq!(
            msg(S::Withdrawn, E::Accept, Lang::Nb),
            "Tilbudet er trukket tilbake og kan ikke lenger aksepteres."
        );
        assert_eq!(
            msg(S::Resigned, E::Withdraw, Lang::En),
            "The offer has been resigned and can no longer be withdrawn."
        );
    }

    #[test]
    fn withdrawing_needs_a_reason_and_an_open_offer() {
        let f = facts(OfferState::Made);
        let w = |reason: &str| {
            transition(
                &f,
                &OfferEvent::Withdraw {
                    at: f.made_at,
                    reason: reason.to_owned(),
                },
            )
        };
        assert_eq!(w("  \n"), Err(OfferError::ReasonRequired));
        assert_eq!(
            w("").unwrap_err().to_string(),
            "Oppgi en begrunnelse for å trekke tilbake tilbudet."
        );
        assert_eq!(w("x"), Ok(OfferState::Withdrawn));
        // Characters, not bytes: 500 × "ø" is 1000 bytes and allowed.
        assert_eq!(
            w(&"ø".repeat(WITHDRAW_REASON_MAX_CHARS)),
            Ok(OfferState::Withdrawn)
        );
        let err = w(&"ø".repeat(WITHDRAW_REASON_MAX_CHARS + 1)).unwrap_err();
        assert_eq!(err, OfferError::ReasonTooLong { max: 500 });
        assert_eq!(err.to_string(), "Begrunnelsen kan ha høyst 500 tegn.");
        let late = transition(
            &f,
            &OfferEvent::Withdraw {
                at: f.reply_deadline,
                reason: "For sent".to_owned(),
            },
        )
        .unwrap_err();
        assert_eq!(
            late.to_string(),
            "Svarfristen var 25.02.2027 kl. 12.00; tilbudet er utløpt og kan ikke trekkes \
             tilbake."
        );
    }

    #[test]
    fn effective_state_and_reminders() {
        let f = facts(OfferState::Made);
        let d = f.reply_deadline;
        assert_eq!(effective_state(&f, d - micros(1)), OfferState::Made);
        assert_eq!(effective_state(&f, d), OfferState::Expired);
        let accepted = facts(OfferState::Accepted);
        assert_eq!(effective_state(&accepted, d), OfferState::Accepted);

        let day = SignedDuration::from_hours(24);
        assert!(!reminder_due(d, d - day - micros(1), false));
        assert!(reminder_due(d, d - day, false));
        assert!(reminder_due(d, d - micros(1), false));
        assert!(!reminder_due(d, d - micros(1), true), "only once");
        assert!(!reminder_due(d, d, false), "not after the deadline");
        // 24 hours, not one calendar day: the clocks go forward at 02:00 on Sunday 28 March
        // 2027, so for a deadline that Sunday at 12:00 the reminder is due Saturday 11:00.
        let dst = oslo(2027, 3, 28, 12, 0);
        assert!(!reminder_due(dst, oslo(2027, 3, 27, 10, 59), false));
        assert!(reminder_due(dst, oslo(2027, 3, 27, 11, 0), false));
    }

    #[test]
    fn current_offer_round_in_a_five_round_timetable() {
        let rounds = timetable();
        let now_in = |mo, d, h, mi| {
            current_offer_round(&rounds, earliest(), oslo(2027, mo, d, h, mi)).map(|r| r.number)
        };
        // Before the earliest offer date: refused, naming the date.
        let err = current_offer_round(&rounds, earliest(), oslo(2027, 2, 22, 8, 59)).unwrap_err();
        assert_eq!(
            err,
            OfferError::TooEarly {
                earliest: earliest()
            }
        );
        assert_eq!(err.code(), "offer_too_early");
        assert_eq!(
            err.to_string(),
            "Tilbud kan tidligst gis 22.02.2027 kl. 09.00 (Helsedirektoratets tidligste \
             tilbudsdato)."
        );
        assert_eq!(
            err.message(Lang::En),
            "Offers can be made from 22 February 2027 09:00 at the earliest (the Norwegian \
             Directorate of Health's earliest offer date)."
        );
        assert_eq!(
            now_in(2, 1, 12, 0).unwrap_err().code(),
            "offer_too_early",
            "weeks before"
        );
        assert_eq!(now_in(2, 22, 9, 0), Ok(1));
        assert_eq!(now_in(2, 25, 11, 59), Ok(1));
        // Between round 1's reply deadline and round 2's offers (marking time).
        let gap = now_in(2, 25, 12, 0).unwrap_err();
        assert_eq!(
            gap,
            OfferError::BetweenOfferRounds {
                next_number: 2,
                next_offer_at: oslo(2027, 3, 1, 9, 0)
            }
        );
        assert_eq!(
            gap.to_string(),
            "Ingen tilbudsrunde er åpen nå. Tilbudsrunde 2 åpner 01.03.2027 kl. 09.00."
        );
        assert_eq!(now_in(3, 1, 9, 0), Ok(2));
        assert_eq!(now_in(3, 4, 10, 0), Ok(3));
        assert_eq!(now_in(3, 10, 11, 0), Ok(4));
        assert_eq!(now_in(3, 15, 11, 59), Ok(5));
        assert_eq!(now_in(3, 15, 12, 0), Err(OfferError::NoOpenOfferRound));
        assert_eq!(now_in(6, 1, 12, 0), Err(OfferError::NoOpenOfferRound));
        // Unsorted input gives the same answers.
        let mut reversed = rounds.clone();
        reversed.reverse();
        assert_eq!(
            current_offer_round(&reversed, earliest(), oslo(2027, 3, 4, 10, 0)).map(|r| r.number),
            Ok(3)
        );
        // A first round set later than the earliest offer date: too early until it opens.
        let late_start =
            current_offer_round(&rounds, oslo(2027, 2, 1, 9, 0), oslo(2027, 2, 15, 9, 0));
        assert_eq!(
            late_start,
            Err(OfferError::TooEarly {
                earliest: earliest()
            })
        );
        // No rounds at all.
        assert_eq!(
            current_offer_round(&[], earliest(), oslo(2027, 2, 23, 9, 0)),
            Err(OfferError::NoOpenOfferRound)
        );
        assert_eq!(
            current_offer_round(&[], earliest(), oslo(2027, 2, 1, 9, 0)),
            Err(OfferError::TooEarly {
                earliest: earliest()
            })
        );
    }

    #[test]
    fn make_offer_carries_the_rounds_deadline() {
        let rounds = timetable();
        let offer = make_offer(&rounds, earliest(), oslo(2027, 2, 22, 9, 0)).unwrap();
        assert_eq!(offer.round_number, 1);
        assert_eq!(offer.facts.state, OfferState::Made);
        assert_eq!(offer.facts.made_at, oslo(2027, 2, 22, 9, 0));
        assert_eq!(offer.facts.reply_deadline, oslo(2027, 2, 25, 12, 0));
        // Three working days from Monday 12:00 is Thursday 12:00: still allowed.
        assert!(make_offer(&rounds, earliest(), oslo(2027, 2, 22, 12, 0)).is_ok());
        // From 12:01 the first round's deadline is less than three working days away.
        let err = make_offer(&rounds, earliest(), oslo(2027, 2, 22, 12, 1)).unwrap_err();
        assert_eq!(
            err,
            OfferError::FirstRoundReplyTooShort {
                deadline: oslo(2027, 2, 25, 12, 0)
            }
        );
        assert!(err.to_string().contains("minst tre virkedagers svarfrist"));
        // Later rounds follow the directorate's timetable, however short.
        let later = make_offer(&rounds, earliest(), oslo(2027, 3, 15, 11, 0)).unwrap();
        assert_eq!(later.round_number, 5);
        assert_eq!(later.facts.reply_deadline, oslo(2027, 3, 15, 12, 0));
        assert_eq!(
            make_offer(&rounds, earliest(), oslo(2027, 2, 20, 9, 0))
                .unwrap_err()
                .code(),
            "offer_too_early"
        );
    }

    #[test]
    fn next_in_line_skips_offered_and_flags_accepted_elsewhere() {
        use OfferState as S;
        let ranked = [10, 11, 12, 13, 14, 15, 16];
        // 10 accepted, 11 declined, 12 has an open offer, 13 expired; 14 accepted elsewhere.
        let offered = [
            (10, S::Accepted),
            (11, S::Declined),
            (12, S::Made),
            (13, S::Expired),
        ];
        let got = next_in_line(&ranked, &offered, &[14, 99], 2);
        assert_eq!(
            got,
            vec![
                NextCandidate {
                    application_id: 14,
                    accepted_elsewhere: true
                },
                NextCandidate {
                    application_id: 15,
                    accepted_elsewhere: false
                },
            ]
        );
        // Withdrawn and resigned candidates are not offered again either.
        let offered = [(10, S::Withdrawn), (11, S::Resigned)];
        let ids = |v: Vec<NextCandidate>| v.iter().map(|c| c.application_id).collect::<Vec<_>>();
        assert_eq!(ids(next_in_line(&ranked, &offered, &[], 1)), vec![12]);
        // No free place, or the list is exhausted.
        assert_eq!(next_in_line(&ranked, &offered, &[], 0), vec![]);
        assert_eq!(
            ids(next_in_line(&ranked, &offered, &[], 100)),
            vec![12, 13, 14, 15, 16]
        );
        // A duplicate on the list counts once.
        assert_eq!(ids(next_in_line(&[1, 1, 2], &[], &[], 5)), vec![1, 2]);
    }

    #[test]
    fn free_slots_never_negative() {
        use OfferState as S;
        assert_eq!(free_slots(3, &[]), 3);
        assert_eq!(
            free_slots(
                3,
                &[
                    S::Made,
                    S::Accepted,
                    S::Declined,
                    S::Expired,
                    S::Withdrawn,
                    S::Resigned
                ]
            ),
            1
        );
        assert_eq!(free_slots(1, &[S::Accepted, S::Accepted, S::Made]), 0);
        assert_eq!(free_slots(0, &[S::Made]), 0);
    }

    #[test]
    fn release_goes_to_the_next_round_or_a_rest_position() {
        use OfferState as S;
        let rounds = timetable();
        // Declined in round 1: the next candidate is offered in round 2.
        assert_eq!(
            release(&rounds, S::Declined, oslo(2027, 2, 23, 10, 0)),
            Some(Release::NextInLine {
                round_number: 2,
                offer_at: oslo(2027, 3, 1, 9, 0)
            })
        );
        // Expired at round 4's deadline: round 5.
        assert_eq!(
            release(&rounds, S::Expired, oslo(2027, 3, 10, 12, 0)),
            Some(Release::NextInLine {
                round_number: 5,
                offer_at: oslo(2027, 3, 12, 9, 0)
            })
        );
        // Declined in the last round: no next round.
        assert_eq!(
            release(&rounds, S::Declined, oslo(2027, 3, 12, 10, 0)),
            Some(Release::RestPosition {
                reason: VacancyReason::NotFilledAfterOfferRounds
            })
        );
        // Resigned in the summer: a rest position because of resignation.
        assert_eq!(
            release(&rounds, S::Resigned, oslo(2027, 6, 1, 10, 0)),
            Some(Release::RestPosition {
                reason: VacancyReason::Resignation
            })
        );
        // Resigned in round 2 when switching: next in line in round 3.
        assert_eq!(
            release(&rounds, S::Resigned, oslo(2027, 3, 1, 10, 0)),
            Some(Release::NextInLine {
                round_number: 3,
                offer_at: oslo(2027, 3, 4, 9, 0)
            })
        );
        assert_eq!(release(&rounds, S::Made, oslo(2027, 3, 1, 10, 0)), None);
        assert_eq!(release(&rounds, S::Accepted, oslo(2027, 3, 1, 10, 0)), None);
    }

    #[test]
    fn vacancies_once_the_offer_rounds_are_over() {
        use OfferState as S;
        let last = oslo(2027, 3, 15, 12, 0);
        let offers = [S::Accepted, S::Made, S::Declined];
        assert_eq!(
            vacancy_after_offer_rounds(3, &offers, last, last - micros(1)),
            None,
            "still running"
        );
        // The open offer expired with the last deadline: two places are vacant.
        assert_eq!(vacancy_after_offer_rounds(3, &offers, last, last), Some(2));
        assert_eq!(
            vacancy_after_offer_rounds(1, &[S::Accepted, S::Accepted], last, last),
            None
        );
        assert_eq!(vacancy_after_offer_rounds(2, &[], last, last), Some(2));
        assert_eq!(
            VacancyReason::NotFilledAfterOfferRounds.as_str(),
            "not_filled_after_offer_rounds"
        );
        assert_eq!(
            VacancyReason::parse("resignation"),
            Ok(VacancyReason::Resignation)
        );
    }

    #[test]
    fn plan_accept_switches_from_earlier_acceptances() {
        assert_eq!(plan_accept(7, &[]), AcceptPlan::Accept);
        assert_eq!(plan_accept(7, &[7]), AcceptPlan::Accept);
        let plan = plan_accept(7, &[5, 3, 5]);
        assert_eq!(plan, AcceptPlan::SwitchFrom(vec![3, 5]));
        assert_eq!(
            plan.switches(7),
            vec![
                Switch {
                    resign: 3,
                    accept: 7
                },
                Switch {
                    resign: 5,
                    accept: 7
                }
            ]
        );
        assert_eq!(AcceptPlan::Accept.switches(7), vec![]);
        // The resignation is a legal transition of the earlier, accepted offer.
        let earlier = facts(OfferState::Accepted);
        assert_eq!(
            transition(
                &earlier,
                &OfferEvent::Resign {
                    at: oslo(2027, 3, 2, 10, 0)
                }
            ),
            Ok(OfferState::Resigned)
        );
    }

    #[test]
    fn mark_hidden_one_week_before_start_in_oslo_time() {
        // Start 1 March 2027: hidden from Monday 22 February 00:00 Oslo (winter time, UTC+1).
        let until = mark_visible_until(date(2027, 3, 1));
        assert_eq!(until, oslo(2027, 2, 22, 0, 0));
        assert_eq!(until.to_string(), "2027-02-21T23:00:00Z");
        // Start 1 September 2027: 25 August 00:00 in summer time (UTC+2).
        assert_eq!(
            mark_visible_until(date(2027, 9, 1)).to_string(),
            "2027-08-24T22:00:00Z"
        );
        // A week across the spring DST change (28 March 2027): 7 calendar days, not 168 hours.
        let start = date(2027, 4, 2);
        let until = mark_visible_until(start);
        assert_eq!(until.to_string(), "2027-03-25T23:00:00Z");
        let start_midnight = oslo(2027, 4, 2, 0, 0);
        assert_eq!(
            until.duration_until(start_midnight),
            SignedDuration::from_hours(7 * 24 - 1)
        );
        // And across the autumn change (31 October 2027): 169 hours.
        let until = mark_visible_until(date(2027, 11, 3));
        assert_eq!(until.to_string(), "2027-10-26T22:00:00Z");
        assert_eq!(
            until.duration_until(oslo(2027, 11, 3, 0, 0)),
            SignedDuration::from_hours(7 * 24 + 1)
        );
    }

    #[test]
    fn mark_visibility_and_hiding() {
        use OfferState as S;
        let start = date(2027, 9, 1);
        let until = mark_visible_until(start);
        let now = oslo(2027, 3, 5, 12, 0);
        assert!(mark_visible(start, None, now));
        assert!(mark_visible(start, None, until - micros(1)));
        assert!(!mark_visible(start, None, until));
        let hidden = oslo(2027, 4, 1, 10, 0);
        assert!(mark_visible(start, Some(hidden), hidden - micros(1)));
        assert!(!mark_visible(start, Some(hidden), hidden));

        assert!(mark_shown(S::Accepted, start, None, now));
        assert!(mark_shown(S::Resigned, start, None, now));
        for s in [S::Made, S::Declined, S::Expired, S::Withdrawn] {
            assert!(!mark_shown(s, start, None, now), "{s:?}");
        }
        assert_eq!(
            mark_text(S::Accepted, "Helse Nord-Trøndelag HF", Lang::Nb),
            "Har akseptert stilling ved Helse Nord-Trøndelag HF"
        );
        assert_eq!(
            mark_text(S::Accepted, "Helse Nord-Trøndelag HF", Lang::En),
            "Accepted a position at Helse Nord-Trøndelag HF"
        );
        assert_eq!(
            mark_text(S::Resigned, "Namsos kommune", Lang::Nb),
            "Har sagt opp stilling ved Namsos kommune"
        );

        let reason = HideReason::ReducedFunctionalAbility;
        assert_eq!(check_hide_mark(S::Resigned, reason), Ok(()));
        let err = check_hide_mark(S::Accepted, reason).unwrap_err();
        assert_eq!(err.code(), "mark_hide_not_resigned");
        assert_eq!(
            err.to_string(),
            "Merkingen kan bare skjules etter søknad når den aksepterte stillingen er sagt opp \
             (forskriften § 12). Tilbudet er akseptert."
        );
        assert_eq!(reason.as_str(), "reduced_functional_ability");
        assert_eq!(HideReason::parse("reduced_functional_ability"), Ok(reason));
        assert!(reason.label(Lang::Nb).contains("redusert funksjonsevne"));
    }

    #[test]
    fn names_and_serde_are_stable() {
        for &s in OfferState::ALL {
            assert_eq!(OfferState::parse(s.as_str()), Ok(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        assert_eq!(
            OfferState::NAMES,
            &[
                "made",
                "accepted",
                "declined",
                "expired",
                "withdrawn",
                "resigned"
            ]
        );
        assert!(OfferState::parse("pending").is_err());
        assert_eq!(OfferState::Expired.to_string(), "Utløpt");
        assert_eq!(OfferState::Made.label(Lang::En), "Awaiting reply");
        assert_eq!(
            NextInLineMode::parse("confirm"),
            Ok(NextInLineMode::Confirm)
        );
        let e = OfferEvent::Withdraw {
            at: oslo(2027, 2, 23, 10, 0),
            reason: "Feil kandidat".to_owned(),
        };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"event":"withdraw","at":"2027-02-23T09:00:00Z","reason":"Feil kandidat"}"#
        );
        assert_eq!(
            serde_json::to_string(&OfferError::NotAllowed {
                from: OfferState::Expired,
                event: OfferEventKind::Accept
            })
            .unwrap(),
            r#"{"kind":"not_allowed","from":"expired","event":"accept"}"#
        );
    }

    fn arb_kind() -> impl Strategy<Value = OfferEventKind> {
        proptest::sample::select(OfferEventKind::ALL.to_vec())
    }

    /// Offsets from the deadline that hit both sides of it and of the offer time.
    fn arb_offset() -> impl Strategy<Value = i64> {
        prop_oneof![
            Just(0i64),
            Just(-1),
            Just(1),
            -5 * 86_400_000_000i64..5 * 86_400_000_000,
        ]
    }

    proptest! {
        #[test]
        fn no_acceptance_after_expiry_and_one_final_transition(
            events in proptest::collection::vec((arb_kind(), arb_offset(), ".{0,3}"), 0..12)
        ) {
            let mut f = facts(OfferState::Made);
            let mut seen_expired = false;
            let mut final_transitions = 0;
            let mut transitions = 0;
            for (kind, offset, reason) in events {
                let at = f.reply_deadline + micros(offset);
                let e = match kind {
                    OfferEventKind::Withdraw => OfferEvent::Withdraw { at, reason },
                    k => event(k, at),
                };
                if let Ok(next) = transition(&f, &e) {
                    prop_assert_ne!(next, f.state, "a transition changes the state");
                    prop_assert!(!f.state.is_final(), "left final state {:?}", f.state);
                    if next == OfferState::Accepted {
                        prop_assert!(!seen_expired, "accepted after expiry");
                        prop_assert!(at < f.reply_deadline);
                    }
                    seen_expired |= next == OfferState::Expired;
                    if next.is_final() {
                        final_transitions += 1;
                    }
                    transitions += 1;
                    f.state = next;
                }
            }
            prop_assert!(final_transitions <= 1);
            prop_assert!(transitions <= 2, "made → accepted → resigned at most");
        }

        #[test]
        fn next_in_line_is_an_ordered_unoffered_subset(
            ranked in proptest::collection::vec(0i64..30, 0..30),
            offered in proptest::collection::vec(
                (0i64..30, proptest::sample::select(OfferState::ALL.to_vec())), 0..15),
            elsewhere in proptest::collection::vec(0i64..30, 0..10),
            slots in 0u32..8,
        ) {
            let got = next_in_line(&ranked, &offered, &elsewhere, slots);
            prop_assert!(got.len() <= slots as usize);
            let mut last_pos = None;
            for c in &got {
                prop_assert!(!offered.iter().any(|&(a, _)| a == c.application_id));
                prop_assert_eq!(c.accepted_elsewhere, elsewhere.contains(&c.application_id));
                let pos = ranked.iter().position(|&r| r == c.application_id);
                prop_assert!(pos.is_some());
                prop_assert!(pos > last_pos, "order kept, no duplicates");
                last_pos = pos;
            }
            // Nobody eligible was passed over while there was room.
            let eligible: Vec<i64> = {
                let mut v = Vec::new();
                for &r in &ranked {
                    if !offered.iter().any(|&(a, _)| a == r) && !v.contains(&r) {
                        v.push(r);
                    }
                }
                v
            };
            let ids: Vec<i64> = got.iter().map(|c| c.application_id).collect();
            prop_assert_eq!(&ids[..], &eligible[..ids.len()]);
            prop_assert_eq!(ids.len(), eligible.len().min(slots as usize));
        }

        #[test]
        fn free_slots_is_count_minus_holding_offers_floored_at_zero(
            count in 0u32..10,
            offers in proptest::collection::vec(
                proptest::sample::select(OfferState::ALL.to_vec()), 0..20),
        ) {
            let free = free_slots(count, &offers);
            let held = offers.iter().filter(|s| matches!(s, OfferState::Made | OfferState::Accepted)).count() as i64;
            prop_assert_eq!(i64::from(free), (i64::from(count) - held).max(0));
        }

        #[test]
        fn marks_hide_at_oslo_midnight_a_week_before_start(
            day in 0i64..3650,
        ) {
            let start = date(2025, 1, 1).checked_add(day.days()).unwrap();
            let until = mark_visible_until(start);
            let local = to_oslo(until);
            prop_assert_eq!(local.time(), Time::midnight());
            prop_assert_eq!(local.date().checked_add(7.days()).unwrap(), start);
        }

        #[test]
        fn the_open_round_contains_now(minutes in 0i64..(40 * 24 * 60)) {
            let rounds = timetable();
            let now = oslo(2027, 2, 15, 0, 0) + SignedDuration::from_mins(minutes);
            match current_offer_round(&rounds, earliest(), now) {
                Ok(r) => prop_assert!(r.offer_at <= now && now < r.reply_deadline),
                Err(OfferError::TooEarly { earliest: e }) => prop_assert!(now < e),
                Err(OfferError::BetweenOfferRounds { next_offer_at, .. }) => {
                    prop_assert!(now < next_offer_at);
                    prop_assert!(rounds.iter().all(|r| !(r.offer_at <= now && now < r.reply_deadline)));
                }
                Err(OfferError::NoOpenOfferRound) => {
                    prop_assert!(rounds.iter().all(|r| r.reply_deadline <= now));
                }
                Err(other) => prop_assert!(false, "unexpected {:?}", other),
            }
        }
    }
}
