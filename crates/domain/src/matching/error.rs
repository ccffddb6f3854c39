//! Why a match's inputs (or a seed, or an export file) were refused (docs/matching.md §3, §12).

use std::fmt;

use crate::{Lang, Localized};

/// Which kind of id a problem concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// A position (*stilling*).
    Position,
    /// An applicant (*søker*).
    Applicant,
    /// A couple (*par*).
    Couple,
}

impl IdKind {
    fn word(self, lang: Lang) -> &'static str {
        match self {
            IdKind::Position => lang.pick3("stilling", "stilling", "position"),
            IdKind::Applicant => lang.pick3("søker", "søkjar", "applicant"),
            IdKind::Couple => lang.pick3("par", "par", "couple"),
        }
    }
}

/// A validation error in the match inputs.
///
/// Every variant names the entry at fault and has a stable [`Localized::code`];
/// `Display` gives the bokmål message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchError {
    /// The `round` label is empty, too long, or contains `"`, `\` or control characters.
    InvalidLabel {
        /// The offending value.
        value: String,
    },
    /// An id is empty, longer than 64 characters or uses a character outside `A–Z a–z 0–9 . _ -`.
    InvalidId {
        /// What kind of id.
        kind: IdKind,
        /// The offending value.
        value: String,
    },
    /// An id is used twice for the same kind.
    DuplicateId {
        /// What kind of id.
        kind: IdKind,
        /// The repeated id.
        id: String,
    },
    /// There are no positions or no applicants.
    Empty {
        /// Which list is empty.
        kind: IdKind,
    },
    /// More entries than this implementation accepts.
    TooLarge {
        /// What is too large, e.g. `applicants`.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// A position's capacity is 0 or above [`super::MAX_CAPACITY`].
    InvalidCapacity {
        /// The position.
        position: String,
        /// The capacity given.
        capacity: u32,
    },
    /// An applicant's applications, ranking or a couple's pair names a position that does not exist.
    UnknownPosition {
        /// Whose list.
        owner: String,
        /// The unknown position id.
        position: String,
    },
    /// An employer's list or a couple names an applicant that does not exist.
    UnknownApplicant {
        /// The position or couple whose list it is.
        owner: String,
        /// The unknown applicant id.
        applicant: String,
    },
    /// An applicant applied to the same position twice.
    DuplicateApplication {
        /// The applicant.
        applicant: String,
        /// The position.
        position: String,
    },
    /// An applicant's rank list names a position they did not apply to.
    RankedWithoutApplying {
        /// The applicant.
        applicant: String,
        /// The position.
        position: String,
    },
    /// An applicant's rank list names the same position twice.
    DuplicateRank {
        /// The applicant.
        applicant: String,
        /// The position.
        position: String,
    },
    /// An employer's list names an applicant who did not apply to the position.
    ListedWithoutApplying {
        /// The position.
        position: String,
        /// The applicant.
        applicant: String,
    },
    /// An employer's list names the same applicant twice.
    DuplicateListEntry {
        /// The position.
        position: String,
        /// The applicant.
        applicant: String,
    },
    /// An employer's list has an empty group of equally ranked applicants.
    EmptyTier {
        /// The position.
        position: String,
        /// 1-based number of the group.
        tier: usize,
    },
    /// An applicant is a member of two couples.
    MemberOfTwoCouples {
        /// The applicant.
        applicant: String,
        /// The first couple.
        first: String,
        /// The second couple.
        second: String,
    },
    /// A couple names the same applicant twice.
    CoupleWithItself {
        /// The couple.
        couple: String,
    },
    /// A couple member also has a rank list of their own; a couple ranks pairs only.
    CoupleMemberRanksAlone {
        /// The couple.
        couple: String,
        /// The member.
        applicant: String,
    },
    /// A couple's pair names a position its member did not apply to.
    PairWithoutApplying {
        /// The couple.
        couple: String,
        /// 1-based number of the pair in the couple's list.
        pair: usize,
        /// The member.
        applicant: String,
        /// The position.
        position: String,
    },
    /// A couple's pair names no position for either member.
    EmptyPair {
        /// The couple.
        couple: String,
        /// 1-based number of the pair.
        pair: usize,
    },
    /// A couple's list names the same pair twice.
    DuplicatePair {
        /// The couple.
        couple: String,
        /// 1-based number of the repeated pair.
        pair: usize,
    },
    /// The inputs document names a format this version does not know.
    UnknownFormat {
        /// The format found.
        found: String,
    },
}

impl Localized for MatchError {
    fn code(&self) -> &'static str {
        match self {
            MatchError::InvalidLabel { .. } => "match_invalid_label",
            MatchError::InvalidId { .. } => "match_invalid_id",
            MatchError::DuplicateId { .. } => "match_duplicate_id",
            MatchError::Empty { .. } => "match_empty",
            MatchError::TooLarge { .. } => "match_too_large",
            MatchError::InvalidCapacity { .. } => "match_invalid_capacity",
            MatchError::UnknownPosition { .. } => "match_unknown_position",
            MatchError::UnknownApplicant { .. } => "match_unknown_applicant",
            MatchError::DuplicateApplication { .. } => "match_duplicate_application",
            MatchError::RankedWithoutApplying { .. } => "match_ranked_without_applying",
            MatchError::DuplicateRank { .. } => "match_duplicate_rank",
            MatchError::ListedWithoutApplying { .. } => "match_listed_without_applying",
            MatchError::DuplicateListEntry { .. } => "match_duplicate_list_entry",
            MatchError::EmptyTier { .. } => "match_empty_tier",
            MatchError::MemberOfTwoCouples { .. } => "match_member_of_two_couples",
            MatchError::CoupleWithItself { .. } => "match_couple_with_itself",
            MatchError::CoupleMemberRanksAlone { .. } => "match_couple_member_ranks_alone",
            MatchError::PairWithoutApplying { .. } => "match_pair_without_applying",
            MatchError::EmptyPair { .. } => "match_empty_pair",
            MatchError::DuplicatePair { .. } => "match_duplicate_pair",
            MatchError::UnknownFormat { .. } => "match_unknown_format",
        }
    }

    fn message(&self, lang: Lang) -> String {
        use MatchError as E;
        let nb = lang == Lang::Nb;
        let nn = lang == Lang::Nn;
        match self {
            E::InvalidLabel { value } => {
                if nb {
                    format!(
                        "Rundenavnet «{value}» må ha 1–200 tegn, uten mellomrom først eller sist, og uten anførselstegn, omvendt skråstrek eller kontrolltegn."
                    )
                } else if nn {
                    format!(
                        "Rundenamnet «{value}» må ha 1–200 teikn, utan mellomrom først eller sist, og utan hermeteikn, omvend skråstrek eller kontrollteikn."
                    )
                } else {
                    format!(
                        "The round label \"{value}\" must have 1–200 characters, no leading or trailing space, and no quotation mark, backslash or control character."
                    )
                }
            }
            E::InvalidId { kind, value } => {
                if nb {
                    format!(
                        "Id-en «{value}» for {} er ugyldig: bruk 1–64 tegn blant A–Z, a–z, 0–9, punktum, understrek og bindestrek.",
                        kind.word(lang)
                    )
                } else if nn {
                    format!(
                        "Id-en «{value}» for {} er ugyldig: bruk 1–64 teikn blant A–Z, a–z, 0–9, punktum, understrek og bindestrek.",
                        kind.word(lang)
                    )
                } else {
                    format!(
                        "The {} id \"{value}\" is invalid: use 1–64 characters from A–Z, a–z, 0–9, full stop, underscore and hyphen.",
                        kind.word(lang)
                    )
                }
            }
            E::DuplicateId { kind, id } => {
                if nb {
                    format!("Id-en «{id}» står to ganger blant {}ene.", kind.word(lang))
                } else if nn {
                    format!("Id-en «{id}» for {} står to gonger.", kind.word(lang))
                } else {
                    format!("The {} id \"{id}\" is listed twice.", kind.word(lang))
                }
            }
            E::Empty { kind } => {
                if nb {
                    format!(
                        "Matchingen har ingen {}.",
                        match kind {
                            IdKind::Position => "stillinger",
                            IdKind::Applicant => "søkere",
                            IdKind::Couple => "par",
                        }
                    )
                } else if nn {
                    format!(
                        "Matchinga har ingen {}.",
                        match kind {
                            IdKind::Position => "stillingar",
                            IdKind::Applicant => "søkjarar",
                            IdKind::Couple => "par",
                        }
                    )
                } else {
                    format!("The match has no {}s.", kind.word(lang))
                }
            }
            E::TooLarge { what, limit } => {
                // `what` is an English word from the parser; say it in Norwegian too.
                let (what_nb, what_nn) = match *what {
                    "positions" => ("stillinger", "stillingar"),
                    "applicants" => ("søkere", "søkjarar"),
                    "couples" => ("par", "par"),
                    "ranked positions" => ("rangerte stillinger", "rangerte stillingar"),
                    "ranked pairs" => ("rangerte par", "rangerte par"),
                    other => (other, other),
                };
                if nb {
                    format!("For mange {what_nb}: høyst {limit} er tillatt.")
                } else if nn {
                    format!("For mange {what_nn}: høgst {limit} er tillatne.")
                } else {
                    format!("Too many {what}: at most {limit} are allowed.")
                }
            }
            E::InvalidCapacity { position, capacity } => {
                if nb {
                    format!(
                        "Stillingen «{position}» har {capacity} plasser; antallet må være mellom 1 og {}.",
                        super::MAX_CAPACITY
                    )
                } else if nn {
                    format!(
                        "Stillinga «{position}» har {capacity} plassar; talet må vere mellom 1 og {}.",
                        super::MAX_CAPACITY
                    )
                } else {
                    format!(
                        "Position \"{position}\" has {capacity} places; the number must be between 1 and {}.",
                        super::MAX_CAPACITY
                    )
                }
            }
            E::UnknownPosition { owner, position } => {
                if nb {
                    format!(
                        "«{owner}» nevner stillingen «{position}», som ikke finnes i matchingen."
                    )
                } else if nn {
                    format!("«{owner}» nemner stillinga «{position}», som ikkje finst i matchinga.")
                } else {
                    format!("\"{owner}\" names position \"{position}\", which is not in the match.")
                }
            }
            E::UnknownApplicant { owner, applicant } => {
                if nb {
                    format!("«{owner}» nevner søkeren «{applicant}», som ikke finnes i matchingen.")
                } else if nn {
                    format!("«{owner}» nemner søkjaren «{applicant}», som ikkje finst i matchinga.")
                } else {
                    format!("\"{owner}\" names applicant \"{applicant}\", who is not in the match.")
                }
            }
            E::DuplicateApplication {
                applicant,
                position,
            } => {
                if nb {
                    format!("Søkeren «{applicant}» har søkt stillingen «{position}» to ganger.")
                } else if nn {
                    format!("Søkjaren «{applicant}» har søkt på stillinga «{position}» to gonger.")
                } else {
                    format!("Applicant \"{applicant}\" applied to position \"{position}\" twice.")
                }
            }
            E::RankedWithoutApplying {
                applicant,
                position,
            } => {
                if nb {
                    format!(
                        "Søkeren «{applicant}» har rangert stillingen «{position}» uten å ha søkt den."
                    )
                } else if nn {
                    format!(
                        "Søkjaren «{applicant}» har rangert stillinga «{position}» utan å ha søkt på stillinga."
                    )
                } else {
                    format!(
                        "Applicant \"{applicant}\" ranked position \"{position}\" without applying to it."
                    )
                }
            }
            E::DuplicateRank {
                applicant,
                position,
            } => {
                if nb {
                    format!(
                        "Søkeren «{applicant}» har rangert stillingen «{position}» mer enn én gang."
                    )
                } else if nn {
                    format!(
                        "Søkjaren «{applicant}» har rangert stillinga «{position}» meir enn éin gong."
                    )
                } else {
                    format!(
                        "Applicant \"{applicant}\" ranked position \"{position}\" more than once."
                    )
                }
            }
            E::ListedWithoutApplying {
                position,
                applicant,
            } => {
                if nb {
                    format!(
                        "Innstillingen for «{position}» nevner «{applicant}», som ikke har søkt stillingen."
                    )
                } else if nn {
                    format!(
                        "Innstillinga for «{position}» nemner «{applicant}», som ikkje har søkt på stillinga."
                    )
                } else {
                    format!(
                        "The list for \"{position}\" names \"{applicant}\", who did not apply to the position."
                    )
                }
            }
            E::DuplicateListEntry {
                position,
                applicant,
            } => {
                if nb {
                    format!("Innstillingen for «{position}» nevner «{applicant}» mer enn én gang.")
                } else if nn {
                    format!("Innstillinga for «{position}» nemner «{applicant}» meir enn éin gong.")
                } else {
                    format!("The list for \"{position}\" names \"{applicant}\" more than once.")
                }
            }
            E::EmptyTier { position, tier } => {
                if nb {
                    format!("Innstillingen for «{position}» har en tom plass nr. {tier}.")
                } else if nn {
                    format!("Innstillinga for «{position}» har ein tom plass nr. {tier}.")
                } else {
                    format!("The list for \"{position}\" has an empty rank no. {tier}.")
                }
            }
            E::MemberOfTwoCouples {
                applicant,
                first,
                second,
            } => {
                if nb {
                    format!("Søkeren «{applicant}» står i to par: «{first}» og «{second}».")
                } else if nn {
                    format!("Søkjaren «{applicant}» står i to par: «{first}» og «{second}».")
                } else {
                    format!(
                        "Applicant \"{applicant}\" is in two couples: \"{first}\" and \"{second}\"."
                    )
                }
            }
            E::CoupleWithItself { couple } => {
                if nb {
                    format!("Paret «{couple}» nevner samme søker to ganger.")
                } else if nn {
                    format!("Paret «{couple}» nemner same søkjar to gonger.")
                } else {
                    format!("Couple \"{couple}\" names the same applicant twice.")
                }
            }
            E::CoupleMemberRanksAlone { couple, applicant } => {
                if nb {
                    format!(
                        "«{applicant}» søker som par («{couple}») og kan ikke også ha en egen rangering; paret rangerer stillingspar."
                    )
                } else if nn {
                    format!(
                        "«{applicant}» søkjer som par («{couple}») og kan ikkje òg ha ei eiga rangering; paret rangerer stillingspar."
                    )
                } else {
                    format!(
                        "\"{applicant}\" applies as a couple (\"{couple}\") and cannot also have a ranking of their own; the couple ranks pairs of positions."
                    )
                }
            }
            E::PairWithoutApplying {
                couple,
                pair,
                applicant,
                position,
            } => {
                if nb {
                    format!(
                        "Par nr. {pair} i rangeringen til «{couple}» gir «{applicant}» stillingen «{position}», som hen ikke har søkt."
                    )
                } else if nn {
                    format!(
                        "Par nr. {pair} i rangeringa til «{couple}» gir «{applicant}» stillinga «{position}», som hen ikkje har søkt på."
                    )
                } else {
                    format!(
                        "Pair no. {pair} in the ranking of \"{couple}\" gives \"{applicant}\" position \"{position}\", which they did not apply to."
                    )
                }
            }
            E::EmptyPair { couple, pair } => {
                if nb {
                    format!(
                        "Par nr. {pair} i rangeringen til «{couple}» har ingen stilling for noen av dem."
                    )
                } else if nn {
                    format!(
                        "Par nr. {pair} i rangeringa til «{couple}» har inga stilling for nokon av dei."
                    )
                } else {
                    format!(
                        "Pair no. {pair} in the ranking of \"{couple}\" names no position for either member."
                    )
                }
            }
            E::DuplicatePair { couple, pair } => {
                if nb {
                    format!("Par nr. {pair} i rangeringen til «{couple}» står der allerede.")
                } else if nn {
                    format!("Par nr. {pair} i rangeringa til «{couple}» står der allereie.")
                } else {
                    format!(
                        "Pair no. {pair} in the ranking of \"{couple}\" is already on the list."
                    )
                }
            }
            E::UnknownFormat { found } => {
                if nb {
                    format!(
                        "Ukjent format «{found}»; denne versjonen leser «{}».",
                        super::INPUTS_FORMAT
                    )
                } else if nn {
                    format!(
                        "Ukjend format «{found}»; denne versjonen les «{}».",
                        super::INPUTS_FORMAT
                    )
                } else {
                    format!(
                        "Unknown format \"{found}\"; this version reads \"{}\".",
                        super::INPUTS_FORMAT
                    )
                }
            }
        }
    }
}

impl fmt::Display for MatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Nb))
    }
}

impl std::error::Error for MatchError {}
