//! The portal's side of a coordinated round (issue 16): when the mode may be set, the rules of
//! its timetable, and an applicant's ranking and a couple's pairs checked as they are saved, so
//! that the inputs the match freezes are valid by construction (docs/matching.md §3, §17).

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::calendar::{format_date, format_datetime, to_oslo};
use crate::{Lang, Localized};

/// The most positions an applicant may rank, and the most pairs a couple may rank, in the
/// portal (the engine allows more; a LIS1 applicant applies to about 17 advertisements).
pub const MAX_PORTAL_RANKED: usize = 100;

/// A coordinated-round rule that was broken. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoordinatedError {
    /// The mode is chosen before the round is announced.
    AfterAnnouncement {
        /// The round's announcement.
        announcement: Timestamp,
    },
    /// The ranking deadline must be at or after the application deadline.
    RankingBeforeApplicationDeadline {
        /// The round's application deadline.
        application_deadline: Timestamp,
    },
    /// The match runs at or after the ranking deadline.
    MatchBeforeRankingDeadline {
        /// The ranking deadline given.
        ranking_deadline: Timestamp,
    },
    /// The match runs before the hospital start.
    MatchAfterStart {
        /// The round's start date.
        start: Date,
    },
    /// The round is not in coordinated mode.
    NotCoordinated,
    /// Rankings and couples are closed (the deadline passed, or the match ran).
    RankingClosed {
        /// The ranking deadline.
        deadline: Timestamp,
    },
    /// A rank that is not a whole number from 1.
    InvalidRank {
        /// The position as the applicant sees it.
        position: String,
        /// What was typed.
        value: String,
    },
    /// Two positions were given the same rank.
    DuplicateRank {
        /// The rank.
        rank: u32,
        /// The first position with it.
        first: String,
        /// The second.
        second: String,
    },
    /// A ranked position the applicant has not applied to (or not in this round).
    RankedWithoutApplying {
        /// The position as named in the request.
        position: String,
    },
    /// A position ranked twice.
    RankedTwice {
        /// The position.
        position: String,
    },
    /// More than [`MAX_PORTAL_RANKED`] positions or pairs.
    TooMany,
    /// A pair names a position in another round.
    PairInOtherRound {
        /// 1-based number of the pair.
        pair: usize,
    },
    /// A pair names, for one member, a position that member has not applied to.
    PairWithoutApplying {
        /// 1-based number of the pair.
        pair: usize,
        /// Whether it is the partner's side (else the caller's own).
        partner: bool,
    },
    /// A pair with no position on either side.
    EmptyPair {
        /// 1-based number of the pair.
        pair: usize,
    },
    /// The same pair twice.
    DuplicatePair {
        /// 1-based number of the pair.
        pair: usize,
    },
    /// An applicant cannot form a couple with themselves.
    CoupleWithSelf,
    /// The applicant is already in a couple (or has asked someone) in this round.
    AlreadyInCouple,
    /// Pairs are ranked once both have confirmed the couple.
    CoupleNotConfirmed,
    /// A new match time is set only after a match was refused (or failed).
    NotRefused,
    /// The new match time has already passed.
    MatchInPast {
        /// The time given.
        match_at: Timestamp,
    },
}

impl Localized for CoordinatedError {
    fn code(&self) -> &'static str {
        match self {
            CoordinatedError::AfterAnnouncement { .. } => "coordinated_after_announcement",
            CoordinatedError::RankingBeforeApplicationDeadline { .. } => {
                "coordinated_ranking_before_application_deadline"
            }
            CoordinatedError::MatchBeforeRankingDeadline { .. } => {
                "coordinated_match_before_ranking_deadline"
            }
            CoordinatedError::MatchAfterStart { .. } => "coordinated_match_after_start",
            CoordinatedError::NotCoordinated => "coordinated_not_coordinated",
            CoordinatedError::RankingClosed { .. } => "coordinated_ranking_closed",
            CoordinatedError::InvalidRank { .. } => "coordinated_invalid_rank",
            CoordinatedError::DuplicateRank { .. } => "match_duplicate_rank",
            CoordinatedError::RankedWithoutApplying { .. } => "match_ranked_without_applying",
            CoordinatedError::RankedTwice { .. } => "match_duplicate_rank",
            CoordinatedError::TooMany => "match_too_large",
            CoordinatedError::PairInOtherRound { .. } => "coordinated_pair_in_other_round",
            CoordinatedError::PairWithoutApplying { .. } => "match_pair_without_applying",
            CoordinatedError::EmptyPair { .. } => "match_empty_pair",
            CoordinatedError::DuplicatePair { .. } => "match_duplicate_pair",
            CoordinatedError::CoupleWithSelf => "match_couple_with_itself",
            CoordinatedError::AlreadyInCouple => "match_member_of_two_couples",
            CoordinatedError::CoupleNotConfirmed => "coordinated_couple_not_confirmed",
            CoordinatedError::NotRefused => "coordinated_not_refused",
            CoordinatedError::MatchInPast { .. } => "coordinated_match_in_past",
        }
    }

    fn message(&self, lang: Lang) -> String {
        let when = |t: Timestamp| format_datetime(to_oslo(t), lang);
        let nb = lang == Lang::Nb;
        let nn = lang == Lang::Nn;
        match self {
            CoordinatedError::AfterAnnouncement { announcement } => {
                if nb {
                    format!(
                        "Samordnet opptak velges før runden kunngjøres ({}). Runden er kunngjort, så valget kan ikke endres. Ingenting ble endret.",
                        when(*announcement)
                    )
                } else if nn {
                    format!(
                        "Samordna opptak blir valt før runden blir kunngjord ({}). Runden er kunngjord, så valet kan ikkje endrast. Ingenting vart endra.",
                        when(*announcement)
                    )
                } else {
                    format!(
                        "Coordinated admission is chosen before the round is announced ({}). The round has been announced, so the choice cannot change. Nothing was changed.",
                        when(*announcement)
                    )
                }
            }
            CoordinatedError::RankingBeforeApplicationDeadline {
                application_deadline,
            } => {
                if nb {
                    format!(
                        "Rangeringsfristen kan ikke være før søknadsfristen ({}). Ingenting ble endret.",
                        when(*application_deadline)
                    )
                } else if nn {
                    format!(
                        "Rangeringsfristen kan ikkje vere før søknadsfristen ({}). Ingenting vart endra.",
                        when(*application_deadline)
                    )
                } else {
                    format!(
                        "The ranking deadline cannot be before the application deadline ({}). Nothing was changed.",
                        when(*application_deadline)
                    )
                }
            }
            CoordinatedError::MatchBeforeRankingDeadline { ranking_deadline } => {
                if nb {
                    format!(
                        "Matchingen kjøres tidligst ved rangeringsfristen ({}). Ingenting ble endret.",
                        when(*ranking_deadline)
                    )
                } else if nn {
                    format!(
                        "Matchinga blir køyrd tidlegast ved rangeringsfristen ({}). Ingenting vart endra.",
                        when(*ranking_deadline)
                    )
                } else {
                    format!(
                        "The match runs at the ranking deadline ({}) at the earliest. Nothing was changed.",
                        when(*ranking_deadline)
                    )
                }
            }
            CoordinatedError::MatchAfterStart { start } => {
                if nb {
                    format!(
                        "Matchingen må kjøres før oppstarten {}. Ingenting ble endret.",
                        format_date(*start, lang)
                    )
                } else if nn {
                    format!(
                        "Matchinga må køyrast før oppstarten {}. Ingenting vart endra.",
                        format_date(*start, lang)
                    )
                } else {
                    format!(
                        "The match must run before the start on {}. Nothing was changed.",
                        format_date(*start, lang)
                    )
                }
            }
            CoordinatedError::NotCoordinated => {
                if nb {
                    "Runden er ikke i samordnet opptak.".into()
                } else if nn {
                    "Runden er ikkje i samordna opptak.".into()
                } else {
                    "The round is not in coordinated admission.".into()
                }
            }
            CoordinatedError::RankingClosed { deadline } => {
                if nb {
                    format!(
                        "Rangeringsfristen gikk ut {}. Ingenting ble endret.",
                        when(*deadline)
                    )
                } else if nn {
                    format!(
                        "Rangeringsfristen gjekk ut {}. Ingenting vart endra.",
                        when(*deadline)
                    )
                } else {
                    format!(
                        "The ranking deadline passed on {}. Nothing was changed.",
                        when(*deadline)
                    )
                }
            }
            CoordinatedError::InvalidRank { position, value } => {
                if nb {
                    format!(
                        "«{value}» ved {position} er ikke et gyldig nummer: skriv et helt tall fra 1, eller la feltet stå tomt. Ingenting ble lagret."
                    )
                } else if nn {
                    format!(
                        "«{value}» ved {position} er ikkje eit gyldig nummer: skriv eit heilt tal frå 1, eller la feltet stå tomt. Ingenting vart lagra."
                    )
                } else {
                    format!(
                        "\"{value}\" at {position} is not a valid number: give a whole number from 1, or leave the field empty. Nothing was saved."
                    )
                }
            }
            CoordinatedError::DuplicateRank {
                rank,
                first,
                second,
            } => {
                if nb {
                    format!(
                        "Du har gitt nr. {rank} til både {first} og {second}. Gi hver stilling sitt eget nummer. Ingenting ble lagret."
                    )
                } else if nn {
                    format!(
                        "Du har gitt nr. {rank} til både {first} og {second}. Gi kvar stilling sitt eige nummer. Ingenting vart lagra."
                    )
                } else {
                    format!(
                        "You gave no. {rank} to both {first} and {second}. Give each position its own number. Nothing was saved."
                    )
                }
            }
            CoordinatedError::RankedWithoutApplying { position } => {
                if nb {
                    format!(
                        "Du kan bare rangere stillinger du har søkt på i denne runden, og ikke {position}. Ingenting ble lagret."
                    )
                } else if nn {
                    format!(
                        "Du kan berre rangere stillingar du har søkt på i denne runden, og ikkje {position}. Ingenting vart lagra."
                    )
                } else {
                    format!(
                        "You can rank only positions you applied to in this round, not {position}. Nothing was saved."
                    )
                }
            }
            CoordinatedError::RankedTwice { position } => {
                if nb {
                    format!("{position} er rangert to ganger. Ingenting ble lagret.")
                } else if nn {
                    format!("{position} er rangert to gonger. Ingenting vart lagra.")
                } else {
                    format!("{position} is ranked twice. Nothing was saved.")
                }
            }
            CoordinatedError::TooMany => {
                if nb {
                    format!("Høyst {MAX_PORTAL_RANKED} valg. Ingenting ble lagret.")
                } else if nn {
                    format!("Høgst {MAX_PORTAL_RANKED} val. Ingenting vart lagra.")
                } else {
                    format!("At most {MAX_PORTAL_RANKED} choices. Nothing was saved.")
                }
            }
            CoordinatedError::PairInOtherRound { pair } => {
                if nb {
                    format!(
                        "Par nr. {pair} nevner en stilling i en annen runde. Et par rangeres bare med stillinger i denne runden. Ingenting ble lagret."
                    )
                } else if nn {
                    format!(
                        "Par nr. {pair} nemner ei stilling i ein annan runde. Eit par blir berre rangert med stillingar i denne runden. Ingenting vart lagra."
                    )
                } else {
                    format!(
                        "Pair no. {pair} names a position in another round. Pairs rank positions of this round only. Nothing was saved."
                    )
                }
            }
            CoordinatedError::PairWithoutApplying { pair, partner } => match (lang, partner) {
                (Lang::Nb, false) => format!(
                    "Par nr. {pair}: du har ikke søkt på stillingen som er valgt for deg. Ingenting ble lagret."
                ),
                (Lang::Nb, true) => format!(
                    "Par nr. {pair}: partneren din har ikke søkt på stillingen som er valgt for partneren. Ingenting ble lagret."
                ),
                (Lang::Nn, false) => format!(
                    "Par nr. {pair}: du har ikkje søkt på stillinga som er vald for deg. Ingenting vart lagra."
                ),
                (Lang::Nn, true) => format!(
                    "Par nr. {pair}: partnaren din har ikkje søkt på stillinga som er vald for partnaren. Ingenting vart lagra."
                ),
                (Lang::En, false) => format!(
                    "Pair no. {pair}: you have not applied to the position chosen for you. Nothing was saved."
                ),
                (Lang::En, true) => format!(
                    "Pair no. {pair}: your partner has not applied to the position chosen for them. Nothing was saved."
                ),
            },
            CoordinatedError::EmptyPair { pair } => {
                if nb {
                    format!(
                        "Par nr. {pair} har ingen stilling for noen av dere. Ingenting ble lagret."
                    )
                } else if nn {
                    format!(
                        "Par nr. {pair} har inga stilling for nokon av dykk. Ingenting vart lagra."
                    )
                } else {
                    format!("Pair no. {pair} has no position for either of you. Nothing was saved.")
                }
            }
            CoordinatedError::DuplicatePair { pair } => {
                if nb {
                    format!(
                        "Par nr. {pair} er det samme som et par over det. Ingenting ble lagret."
                    )
                } else if nn {
                    format!(
                        "Par nr. {pair} er det same som eit par over det. Ingenting vart lagra."
                    )
                } else {
                    format!("Pair no. {pair} is the same as a pair above it. Nothing was saved.")
                }
            }
            CoordinatedError::CoupleWithSelf => {
                if nb {
                    "Du kan ikke søke som par med deg selv. Ingenting ble endret.".into()
                } else if nn {
                    "Du kan ikkje søkje som par med deg sjølv. Ingenting vart endra.".into()
                } else {
                    "You cannot apply as a couple with yourself. Nothing was changed.".into()
                }
            }
            CoordinatedError::AlreadyInCouple => {
                if nb {
                    "Du er allerede i et par (eller har spurt noen) i denne runden. Trekk deg fra det først. Ingenting ble endret.".into()
                } else if nn {
                    "Du er allereie i eit par (eller har spurt nokon) i denne runden. Trekk deg frå det først. Ingenting vart endra.".into()
                } else {
                    "You are already in a couple (or have asked someone) in this round. Leave it first. Nothing was changed.".into()
                }
            }
            CoordinatedError::CoupleNotConfirmed => {
                if nb {
                    "Paret er ikke bekreftet av begge ennå. Ingenting ble lagret.".into()
                } else if nn {
                    "Paret er ikkje stadfesta av begge enno. Ingenting vart lagra.".into()
                } else {
                    "The couple has not been confirmed by both yet. Nothing was saved.".into()
                }
            }
            CoordinatedError::NotRefused => lang
                .pick3(
                    "En ny tid for matchingen settes bare etter at en matching ble avvist. Ingenting ble endret.",
                    "Ei ny tid for matchinga blir berre sett etter at ei matching vart avvist. Ingenting vart endra.",
                    "A new match time is set only after a match was refused. Nothing was changed.",
                )
                .into(),
            CoordinatedError::MatchInPast { match_at } => match lang {
                Lang::Nb => format!(
                    "Den nye tiden for matchingen ({}) har allerede vært. Velg en tid fram i tid. Ingenting ble endret.",
                    when(*match_at)
                ),
                Lang::Nn => format!(
                    "Den nye tida for matchinga ({}) har alt vore. Vel ei tid fram i tid. Ingenting vart endra.",
                    when(*match_at)
                ),
                Lang::En => format!(
                    "The new match time ({}) has already passed. Choose a time in the future. Nothing was changed.",
                    when(*match_at)
                ),
            },
        }
    }
}

impl fmt::Display for CoordinatedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Nb))
    }
}

impl std::error::Error for CoordinatedError {}

/// The round's dates a coordinated timetable is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundDates {
    /// Announcement (*kunngjøring*).
    pub announcement: Timestamp,
    /// Application deadline.
    pub application_deadline: Timestamp,
    /// Start of the hospital part.
    pub start: Date,
}

/// Checks a coordinated timetable set at `now`: before the announcement; the ranking deadline
/// at or after the application deadline; the match at or after the ranking deadline and before
/// the start (docs/matching.md §17).
pub fn check_schedule(
    round: &RoundDates,
    ranking_deadline: Timestamp,
    match_at: Timestamp,
    now: Timestamp,
) -> Result<(), CoordinatedError> {
    if now >= round.announcement {
        return Err(CoordinatedError::AfterAnnouncement {
            announcement: round.announcement,
        });
    }
    if ranking_deadline < round.application_deadline {
        return Err(CoordinatedError::RankingBeforeApplicationDeadline {
            application_deadline: round.application_deadline,
        });
    }
    if match_at < ranking_deadline {
        return Err(CoordinatedError::MatchBeforeRankingDeadline { ranking_deadline });
    }
    let start = crate::calendar::from_oslo(round.start.at(0, 0, 0, 0));
    if start.is_some_and(|s| match_at >= s) {
        return Err(CoordinatedError::MatchAfterStart { start: round.start });
    }
    Ok(())
}

/// A new timetable after a refused match (state `failed`): the new match time must lie ahead
/// and before the start; the ranking deadline (kept, or moved later to let applicants correct
/// their lists) at or after the application deadline and no later than the match.
pub fn check_reschedule(
    round: &RoundDates,
    state: &str,
    ranking_deadline: Timestamp,
    match_at: Timestamp,
    now: Timestamp,
) -> Result<(), CoordinatedError> {
    if state != "failed" {
        return Err(CoordinatedError::NotRefused);
    }
    if ranking_deadline < round.application_deadline {
        return Err(CoordinatedError::RankingBeforeApplicationDeadline {
            application_deadline: round.application_deadline,
        });
    }
    if match_at < ranking_deadline {
        return Err(CoordinatedError::MatchBeforeRankingDeadline { ranking_deadline });
    }
    if match_at <= now {
        return Err(CoordinatedError::MatchInPast { match_at });
    }
    let start = crate::calendar::from_oslo(round.start.at(0, 0, 0, 0));
    if start.is_some_and(|s| match_at >= s) {
        return Err(CoordinatedError::MatchAfterStart { start: round.start });
    }
    Ok(())
}

/// Turns the numbered inputs of the ranking page — per position its label and what was typed
/// (empty: not ranked) — into the ranking, best first. Numbers need not be consecutive; two
/// positions with one number, or anything but a whole number from 1, are refused naming them.
pub fn ranking_from_numbers<K: Copy>(
    entries: &[(K, String, String)],
) -> Result<Vec<K>, CoordinatedError> {
    let mut numbered: Vec<(u32, usize)> = Vec::new();
    for (i, (_, label, raw)) in entries.iter().enumerate() {
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let n = raw.parse::<u32>().ok().filter(|&n| n >= 1).ok_or_else(|| {
            CoordinatedError::InvalidRank {
                position: label.clone(),
                value: raw.chars().take(20).collect(),
            }
        })?;
        if let Some(&(_, j)) = numbered.iter().find(|(m, _)| *m == n) {
            return Err(CoordinatedError::DuplicateRank {
                rank: n,
                first: entries[j].1.clone(),
                second: label.clone(),
            });
        }
        numbered.push((n, i));
    }
    if numbered.len() > MAX_PORTAL_RANKED {
        return Err(CoordinatedError::TooMany);
    }
    numbered.sort_unstable();
    Ok(numbered.into_iter().map(|(_, i)| entries[i].0).collect())
}

/// Checks a ranking (position ids, best first) against the positions the applicant applied to
/// in the round; `name` names a position in a message.
pub fn check_ranking(
    ranking: &[i64],
    applied: &[i64],
    name: impl Fn(i64) -> String,
) -> Result<(), CoordinatedError> {
    if ranking.len() > MAX_PORTAL_RANKED {
        return Err(CoordinatedError::TooMany);
    }
    for (i, p) in ranking.iter().enumerate() {
        if !applied.contains(p) {
            return Err(CoordinatedError::RankedWithoutApplying { position: name(*p) });
        }
        if ranking[..i].contains(p) {
            return Err(CoordinatedError::RankedTwice { position: name(*p) });
        }
    }
    Ok(())
}

/// Checks a couple's pairs, best first, as `(own position, partner's position)` from the
/// caller's side: every position in the round, applied to by the member it is for, no empty
/// pair, none twice.
pub fn check_pairs(
    pairs: &[(Option<i64>, Option<i64>)],
    round_positions: &[i64],
    own_applied: &[i64],
    partner_applied: &[i64],
) -> Result<(), CoordinatedError> {
    if pairs.len() > MAX_PORTAL_RANKED {
        return Err(CoordinatedError::TooMany);
    }
    for (i, &(own, partner)) in pairs.iter().enumerate() {
        let pair = i + 1;
        if own.is_none() && partner.is_none() {
            return Err(CoordinatedError::EmptyPair { pair });
        }
        for p in [own, partner].into_iter().flatten() {
            if !round_positions.contains(&p) {
                return Err(CoordinatedError::PairInOtherRound { pair });
            }
        }
        if own.is_some_and(|p| !own_applied.contains(&p)) {
            return Err(CoordinatedError::PairWithoutApplying {
                pair,
                partner: false,
            });
        }
        if partner.is_some_and(|p| !partner_applied.contains(&p)) {
            return Err(CoordinatedError::PairWithoutApplying {
                pair,
                partner: true,
            });
        }
        if pairs[..i].contains(&(own, partner)) {
            return Err(CoordinatedError::DuplicatePair { pair });
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn round() -> RoundDates {
        RoundDates {
            announcement: t("2027-01-18T08:00:00Z"),
            application_deadline: t("2027-02-08T11:00:00Z"),
            start: jiff::civil::date(2027, 9, 1),
        }
    }

    #[test]
    fn the_mode_is_set_before_the_announcement_with_an_ordered_timetable() {
        let r = round();
        let before = t("2027-01-10T08:00:00Z");
        let rank = t("2027-02-22T11:00:00Z");
        let run = t("2027-02-23T09:00:00Z");
        assert_eq!(check_schedule(&r, rank, run, before), Ok(()));
        assert!(matches!(
            check_schedule(&r, rank, run, r.announcement),
            Err(CoordinatedError::AfterAnnouncement { .. })
        ));
        assert!(matches!(
            check_schedule(&r, t("2027-02-01T11:00:00Z"), run, before),
            Err(CoordinatedError::RankingBeforeApplicationDeadline { .. })
        ));
        assert!(matches!(
            check_schedule(&r, rank, t("2027-02-22T10:00:00Z"), before),
            Err(CoordinatedError::MatchBeforeRankingDeadline { .. })
        ));
        assert!(matches!(
            check_schedule(&r, rank, t("2027-09-01T08:00:00Z"), before),
            Err(CoordinatedError::MatchAfterStart { .. })
        ));
        let msg = check_schedule(&r, rank, run, r.announcement)
            .unwrap_err()
            .message(Lang::Nb);
        assert!(msg.contains("før runden kunngjøres"), "{msg}");
    }

    #[test]
    fn a_new_match_time_only_after_a_refused_match_and_ahead() {
        let r = round();
        let now = t("2027-02-24T09:00:00Z");
        let rank = t("2027-02-22T11:00:00Z");
        let run = t("2027-02-25T09:00:00Z");
        assert_eq!(check_reschedule(&r, "failed", rank, run, now), Ok(()));
        for state in ["waiting", "running", "matched"] {
            assert_eq!(
                check_reschedule(&r, state, rank, run, now),
                Err(CoordinatedError::NotRefused)
            );
        }
        assert!(matches!(
            check_reschedule(&r, "failed", rank, t("2027-02-24T08:00:00Z"), now),
            Err(CoordinatedError::MatchInPast { .. })
        ));
        assert!(matches!(
            check_reschedule(&r, "failed", t("2027-02-26T09:00:00Z"), run, now),
            Err(CoordinatedError::MatchBeforeRankingDeadline { .. })
        ));
        assert!(matches!(
            check_reschedule(&r, "failed", rank, t("2027-09-02T08:00:00Z"), now),
            Err(CoordinatedError::MatchAfterStart { .. })
        ));
        let msg = CoordinatedError::MatchInPast { match_at: now }.message(Lang::Nn);
        assert!(msg.contains("Ingenting vart endra"), "{msg}");
    }

    #[test]
    fn numbered_inputs_give_the_order_and_name_a_clash() {
        let e = |k: i64, l: &str, v: &str| (k, l.to_string(), v.to_string());
        let entries = vec![
            e(1, "Levanger", "2"),
            e(2, "Namsos", ""),
            e(3, "Gjøvik", "1"),
        ];
        assert_eq!(ranking_from_numbers(&entries), Ok(vec![3, 1]));
        let gaps = vec![e(1, "Levanger", "7"), e(3, "Gjøvik", " 3 ")];
        assert_eq!(ranking_from_numbers(&gaps), Ok(vec![3, 1]));
        let clash = vec![e(1, "Levanger", "1"), e(2, "Namsos", "1")];
        let err = ranking_from_numbers(&clash).unwrap_err();
        assert_eq!(err.code(), "match_duplicate_rank");
        let msg = err.message(Lang::Nb);
        assert!(msg.contains("nr. 1") && msg.contains("Levanger") && msg.contains("Namsos"));
        for bad in ["0", "-1", "x", "1.5"] {
            let err = ranking_from_numbers(&[e(1, "Levanger", bad)]).unwrap_err();
            assert!(matches!(err, CoordinatedError::InvalidRank { .. }), "{bad}");
        }
    }

    #[test]
    fn a_ranking_names_only_positions_applied_to_and_each_once() {
        let name = |p: i64| format!("stilling {p}");
        assert_eq!(check_ranking(&[2, 1], &[1, 2, 3], name), Ok(()));
        let err = check_ranking(&[1, 9], &[1, 2], name).unwrap_err();
        assert_eq!(
            err,
            CoordinatedError::RankedWithoutApplying {
                position: "stilling 9".into()
            }
        );
        assert!(err.message(Lang::Nb).contains("stilling 9"));
        assert!(matches!(
            check_ranking(&[1, 1], &[1], name),
            Err(CoordinatedError::RankedTwice { .. })
        ));
    }

    #[test]
    fn pairs_are_checked_side_by_side() {
        let round = [1, 2, 3];
        assert_eq!(
            check_pairs(&[(Some(1), Some(2)), (Some(1), None)], &round, &[1], &[2]),
            Ok(())
        );
        assert_eq!(
            check_pairs(&[(Some(1), Some(99))], &round, &[1], &[2, 99]),
            Err(CoordinatedError::PairInOtherRound { pair: 1 })
        );
        assert_eq!(
            check_pairs(&[(Some(1), None), (Some(2), None)], &round, &[1], &[2]),
            Err(CoordinatedError::PairWithoutApplying {
                pair: 2,
                partner: false
            })
        );
        assert_eq!(
            check_pairs(&[(None, Some(1))], &round, &[1], &[2]),
            Err(CoordinatedError::PairWithoutApplying {
                pair: 1,
                partner: true
            })
        );
        assert_eq!(
            check_pairs(&[(None, None)], &round, &[1], &[2]),
            Err(CoordinatedError::EmptyPair { pair: 1 })
        );
        assert_eq!(
            check_pairs(&[(Some(1), None), (Some(1), None)], &round, &[1], &[2]),
            Err(CoordinatedError::DuplicatePair { pair: 2 })
        );
    }
}
