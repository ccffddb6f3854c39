//! Why a lottery's inputs (or a seed, or an export file) were refused.

use std::fmt;

use crate::{Lang, Localized};

/// Which list a misplaced place key was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUse {
    /// A participant's ranking (*rangering*).
    Preference,
    /// A pre-assigned place (*reservert plass*).
    Reservation,
}

/// A validation error in the lottery inputs, or a malformed seed or digest.
///
/// Every variant has a stable [`Localized::code`]; `Display` gives the bokmål message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LotteryError {
    /// The participant list is empty.
    NoParticipants,
    /// More participants than place slots.
    TooFewPlaces {
        /// Number of participants.
        participants: usize,
        /// Number of place slots (sum of counts).
        places: usize,
    },
    /// A participant id is used twice.
    DuplicateParticipant {
        /// The repeated id.
        id: String,
    },
    /// A participant id is empty, too long or uses a character outside `A-Z a-z 0-9 . _ -`.
    InvalidParticipantId {
        /// The offending value.
        value: String,
    },
    /// A place key is not `NNNN` or `NNNN/Sub-location` with allowed characters.
    InvalidPlaceKey {
        /// The offending value.
        value: String,
    },
    /// A place key is listed twice.
    DuplicatePlace {
        /// The repeated key.
        key: String,
    },
    /// A municipality is listed both as a whole (`5060`) and with sub-locations (`5060/Rørvik`).
    MixedPlaceLevels {
        /// The municipality number.
        municipality: String,
    },
    /// A place count is 0 or above [`super::MAX_PLACE_COUNT`].
    InvalidPlaceCount {
        /// The place key.
        key: String,
        /// The count given.
        count: u32,
    },
    /// A ranking or reservation names a place that is not in the place list.
    UnknownPlace {
        /// Whose ranking or reservation.
        participant: String,
        /// The unknown key.
        key: String,
        /// Where the key was used.
        used_in: KeyUse,
    },
    /// A reservation or ranking names a participant who is not in the participant list.
    UnknownParticipant {
        /// The unknown id.
        participant: String,
        /// Where the id was used.
        used_in: KeyUse,
    },
    /// One participant has two reservations.
    DuplicateReservation {
        /// The participant.
        participant: String,
    },
    /// More reservations for a place than it has slots.
    PlaceOverbooked {
        /// The place key.
        key: String,
        /// Its count.
        count: u32,
        /// Number of reservations for it.
        reserved: u32,
    },
    /// One participant has two ranking lists.
    DuplicateRanking {
        /// The participant.
        participant: String,
    },
    /// A place appears twice in one ranking list.
    DuplicatePreference {
        /// The participant.
        participant: String,
        /// The repeated key.
        key: String,
    },
    /// Rankings were given for a `pure_random` lottery, where they would be ignored.
    PreferencesWithPureRandom {
        /// The first participant with a non-empty ranking.
        participant: String,
    },
    /// A free-text label (site name, redraw reason) is empty, too long or contains `"`, `\` or control characters.
    InvalidLabel {
        /// Which field: `site` or `reason`.
        field: &'static str,
        /// The offending value.
        value: String,
    },
    /// The cohort is not a valid `YYYY-MM-DD` date.
    InvalidCohort {
        /// The offending value.
        value: String,
    },
    /// The inputs document names a format this version does not know.
    UnknownFormat {
        /// The format found.
        found: String,
    },
    /// More participants or places than this implementation accepts.
    TooLarge {
        /// What is too large: `participants` or `places`.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// A seed or digest is not 64 lowercase hexadecimal digits.
    InvalidHex {
        /// What was being parsed: `seed` or `sha256`.
        what: &'static str,
    },
    /// 002 §2.1: the draw is later than four months before the municipal start.
    DrawTooLate {
        /// The municipal start date (the cohort).
        cohort: String,
        /// The last allowed draw date.
        latest: String,
        /// The planned draw date.
        planned: String,
    },
}

impl Localized for LotteryError {
    fn code(&self) -> &'static str {
        match self {
            LotteryError::NoParticipants => "lottery_no_participants",
            LotteryError::TooFewPlaces { .. } => "lottery_too_few_places",
            LotteryError::DuplicateParticipant { .. } => "lottery_duplicate_participant",
            LotteryError::InvalidParticipantId { .. } => "lottery_invalid_participant_id",
            LotteryError::InvalidPlaceKey { .. } => "lottery_invalid_place_key",
            LotteryError::DuplicatePlace { .. } => "lottery_duplicate_place",
            LotteryError::MixedPlaceLevels { .. } => "lottery_mixed_place_levels",
            LotteryError::InvalidPlaceCount { .. } => "lottery_invalid_place_count",
            LotteryError::UnknownPlace { .. } => "lottery_unknown_place",
            LotteryError::UnknownParticipant { .. } => "lottery_unknown_participant",
            LotteryError::DuplicateReservation { .. } => "lottery_duplicate_reservation",
            LotteryError::PlaceOverbooked { .. } => "lottery_place_overbooked",
            LotteryError::DuplicateRanking { .. } => "lottery_duplicate_ranking",
            LotteryError::DuplicatePreference { .. } => "lottery_duplicate_preference",
            LotteryError::PreferencesWithPureRandom { .. } => {
                "lottery_preferences_with_pure_random"
            }
            LotteryError::InvalidLabel { .. } => "lottery_invalid_label",
            LotteryError::InvalidCohort { .. } => "lottery_invalid_cohort",
            LotteryError::UnknownFormat { .. } => "lottery_unknown_format",
            LotteryError::TooLarge { .. } => "lottery_too_large",
            LotteryError::InvalidHex { .. } => "lottery_invalid_hex",
            LotteryError::DrawTooLate { .. } => "lottery_draw_too_late",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            LotteryError::NoParticipants => lang
                .pick3(
                    "Trekningen har ingen deltakere.",
                    "Trekkinga har ingen deltakarar.",
                    "The lottery has no participants.",
                )
                .to_owned(),
            LotteryError::TooFewPlaces {
                participants,
                places,
            } => match lang {
                Lang::Nb => {
                    format!("Det er {participants} leger men bare {places} plasser.")
                }
                Lang::Nn => {
                    format!("Det er {participants} legar, men berre {places} plassar.")
                }
                Lang::En => format!("There are {participants} doctors but only {places} places."),
            },
            LotteryError::DuplicateParticipant { id } => match lang {
                Lang::Nb => {
                    format!("Deltakeren «{id}» står to ganger på deltakerlisten.")
                }
                Lang::Nn => {
                    format!("Deltakaren «{id}» står to gonger på deltakarlista.")
                }
                Lang::En => format!("Participant \"{id}\" is listed twice."),
            },
            LotteryError::InvalidParticipantId { value } => match lang {
                Lang::Nb => format!(
                    "Deltaker-id «{value}» er ugyldig: bruk 1–64 tegn blant A–Z, a–z, 0–9, punktum, understrek og bindestrek."
                ),
                Lang::Nn => format!(
                    "Deltakar-id «{value}» er ugyldig: bruk 1–64 teikn blant A–Z, a–z, 0–9, punktum, understrek og bindestrek."
                ),
                Lang::En => format!(
                    "Participant id \"{value}\" is invalid: use 1–64 characters from A–Z, a–z, 0–9, full stop, underscore and hyphen."
                ),
            },
            LotteryError::InvalidPlaceKey { value } => match lang {
                Lang::Nb => format!(
                    "Stedsnøkkelen «{value}» er ugyldig: bruk firesifret kommunenummer, eventuelt med «/» og stedsnavn (f.eks. «5060/Rørvik»)."
                ),
                Lang::Nn => format!(
                    "Stadnøkkelen «{value}» er ugyldig: bruk firesifra kommunenummer, eventuelt med «/» og stadnamn (t.d. «5060/Rørvik»)."
                ),
                Lang::En => format!(
                    "Place key \"{value}\" is invalid: use a four-digit municipality number, optionally followed by \"/\" and a location (e.g. \"5060/Rørvik\")."
                ),
            },
            LotteryError::DuplicatePlace { key } => match lang {
                Lang::Nb => format!(
                    "Stedet «{key}» står to ganger på plasslisten; slå dem sammen med antall."
                ),
                Lang::Nn => format!(
                    "Staden «{key}» står to gonger på plasslista; slå dei saman og oppgi talet på plassar."
                ),
                Lang::En => {
                    format!("Place \"{key}\" is listed twice; merge them and give the count.")
                }
            },
            LotteryError::MixedPlaceLevels { municipality } => match lang {
                Lang::Nb => format!(
                    "Kommune {municipality} står både som hel kommune og med egne steder; bruk bare én av delene."
                ),
                Lang::Nn => format!(
                    "Kommune {municipality} står både som heil kommune og med eigne stader; bruk berre éin av delane."
                ),
                Lang::En => format!(
                    "Municipality {municipality} is listed both as a whole and with sub-locations; use one or the other."
                ),
            },
            LotteryError::InvalidPlaceCount { key, count } => match lang {
                Lang::Nb => format!(
                    "Stedet «{key}» har {count} plasser; antallet må være mellom 1 og {}.",
                    super::MAX_PLACE_COUNT
                ),
                Lang::Nn => format!(
                    "Staden «{key}» har {count} plassar; talet må vere mellom 1 og {}.",
                    super::MAX_PLACE_COUNT
                ),
                Lang::En => format!(
                    "Place \"{key}\" has {count} places; the count must be between 1 and {}.",
                    super::MAX_PLACE_COUNT
                ),
            },
            LotteryError::UnknownPlace {
                participant,
                key,
                used_in,
            } => match (lang, used_in) {
                (Lang::Nb, KeyUse::Preference) => format!(
                    "Rangeringen til «{participant}» nevner «{key}», som ikke er blant plassene i trekningen."
                ),
                (Lang::Nn, KeyUse::Preference) => format!(
                    "Rangeringa til «{participant}» nemner «{key}», som ikkje er blant plassane i trekkinga."
                ),
                (Lang::Nb, KeyUse::Reservation) => format!(
                    "Reservasjonen for «{participant}» gjelder «{key}», som ikke er blant plassene i trekningen."
                ),
                (Lang::Nn, KeyUse::Reservation) => format!(
                    "Reservasjonen for «{participant}» gjeld «{key}», som ikkje er blant plassane i trekkinga."
                ),
                (Lang::En, KeyUse::Preference) => format!(
                    "The ranking of \"{participant}\" names \"{key}\", which is not among the lottery's places."
                ),
                (Lang::En, KeyUse::Reservation) => format!(
                    "The reservation for \"{participant}\" is for \"{key}\", which is not among the lottery's places."
                ),
            },
            LotteryError::UnknownParticipant {
                participant,
                used_in,
            } => match (lang, used_in) {
                (Lang::Nb, KeyUse::Preference) => {
                    format!(
                        "Det finnes en rangering for «{participant}», som ikke er deltaker i trekningen."
                    )
                }
                (Lang::Nn, KeyUse::Preference) => {
                    format!(
                        "Det finst ei rangering for «{participant}», som ikkje er deltakar i trekkinga."
                    )
                }
                (Lang::Nb, KeyUse::Reservation) => {
                    format!(
                        "Det finnes en reservasjon for «{participant}», som ikke er deltaker i trekningen."
                    )
                }
                (Lang::Nn, KeyUse::Reservation) => {
                    format!(
                        "Det finst ein reservasjon for «{participant}», som ikkje er deltakar i trekkinga."
                    )
                }
                (Lang::En, KeyUse::Preference) => {
                    format!(
                        "There is a ranking for \"{participant}\", who is not a participant in the lottery."
                    )
                }
                (Lang::En, KeyUse::Reservation) => {
                    format!(
                        "There is a reservation for \"{participant}\", who is not a participant in the lottery."
                    )
                }
            },
            LotteryError::DuplicateReservation { participant } => match lang {
                Lang::Nb => format!("«{participant}» har mer enn én reservert plass."),
                Lang::Nn => format!("«{participant}» har meir enn éin reservert plass."),
                Lang::En => format!("\"{participant}\" has more than one reserved place."),
            },
            LotteryError::PlaceOverbooked {
                key,
                count,
                reserved,
            } => match lang {
                Lang::Nb => {
                    format!("Stedet «{key}» har {count} plass(er) men {reserved} reservasjoner.")
                }
                Lang::Nn => {
                    format!("Staden «{key}» har {count} plass(ar), men {reserved} reservasjonar.")
                }
                Lang::En => {
                    format!("Place \"{key}\" has {count} place(s) but {reserved} reservations.")
                }
            },
            LotteryError::DuplicateRanking { participant } => match lang {
                Lang::Nb => format!("«{participant}» har mer enn én rangeringsliste."),
                Lang::Nn => format!("«{participant}» har meir enn éi rangeringsliste."),
                Lang::En => format!("\"{participant}\" has more than one ranking list."),
            },
            LotteryError::DuplicatePreference { participant, key } => match lang {
                Lang::Nb => {
                    format!("«{key}» står mer enn én gang i rangeringen til «{participant}».")
                }
                Lang::Nn => {
                    format!("«{key}» står meir enn éin gong i rangeringa til «{participant}».")
                }
                Lang::En => {
                    format!("\"{key}\" appears more than once in the ranking of \"{participant}\".")
                }
            },
            LotteryError::PreferencesWithPureRandom { participant } => match lang {
                Lang::Nb => format!(
                    "Trekningen er ren loddtrekning, men «{participant}» har en rangering; rangeringer brukes ikke og må fjernes."
                ),
                Lang::Nn => format!(
                    "Trekkinga er rein loddtrekking, men «{participant}» har ei rangering; rangeringar blir ikkje brukte og må fjernast."
                ),
                Lang::En => format!(
                    "The lottery is purely random, but \"{participant}\" has a ranking; rankings are not used and must be removed."
                ),
            },
            LotteryError::InvalidLabel { field, value } => match lang {
                Lang::Nb => format!(
                    "Feltet «{field}» («{value}») må ha 1–200 tegn, uten mellomrom først eller sist, og uten anførselstegn, omvendt skråstrek eller kontrolltegn."
                ),
                Lang::Nn => format!(
                    "Feltet «{field}» («{value}») må ha 1–200 teikn, utan mellomrom først eller sist, og utan hermeteikn, omvend skråstrek eller kontrollteikn."
                ),
                Lang::En => format!(
                    "Field \"{field}\" (\"{value}\") must have 1–200 characters, no leading or trailing space, and no quotation mark, backslash or control character."
                ),
            },
            LotteryError::InvalidCohort { value } => match lang {
                Lang::Nb => {
                    format!("Kullet «{value}» er ikke en gyldig dato på formen ÅÅÅÅ-MM-DD.")
                }
                Lang::Nn => {
                    format!("Kullet «{value}» er ikkje ein gyldig dato på forma ÅÅÅÅ-MM-DD.")
                }
                Lang::En => {
                    format!("The cohort \"{value}\" is not a valid date of the form YYYY-MM-DD.")
                }
            },
            LotteryError::UnknownFormat { found } => match lang {
                Lang::Nb => format!(
                    "Ukjent filformat «{found}»; denne versjonen leser «{}».",
                    super::INPUTS_FORMAT
                ),
                Lang::Nn => format!(
                    "Ukjend filformat «{found}»; denne versjonen les «{}».",
                    super::INPUTS_FORMAT
                ),
                Lang::En => format!(
                    "Unknown format \"{found}\"; this version reads \"{}\".",
                    super::INPUTS_FORMAT
                ),
            },
            LotteryError::TooLarge { what, limit } => match (lang, *what) {
                (Lang::Nb, "participants") => {
                    format!("Trekningen kan ha høyst {limit} deltakere.")
                }
                (Lang::Nn, "participants") => {
                    format!("Trekkinga kan ha høgst {limit} deltakarar.")
                }
                (Lang::Nb, _) => format!("Trekningen kan ha høyst {limit} steder."),
                (Lang::Nn, _) => format!("Trekkinga kan ha høgst {limit} stader."),
                (Lang::En, "participants") => {
                    format!("A lottery can have at most {limit} participants.")
                }
                (Lang::En, _) => format!("A lottery can have at most {limit} places."),
            },
            LotteryError::InvalidHex { what } => match (lang, *what) {
                (Lang::Nb, "seed") => "Frøet må være 64 heksadesimale sifre (0–9, a–f).".to_owned(),
                (Lang::Nn, "seed") => {
                    "Frøet må vere 64 heksadesimale siffer (0–9, a–f).".to_owned()
                }
                (Lang::Nb, _) => {
                    "Kontrollsummen må være 64 heksadesimale sifre (0–9, a–f).".to_owned()
                }
                (Lang::Nn, _) => {
                    "Kontrollsummen må vere 64 heksadesimale siffer (0–9, a–f).".to_owned()
                }
                (Lang::En, "seed") => {
                    "The seed must be 64 hexadecimal digits (0–9, a–f).".to_owned()
                }
                (Lang::En, _) => {
                    "The checksum must be 64 hexadecimal digits (0–9, a–f).".to_owned()
                }
            },
            LotteryError::DrawTooLate {
                cohort,
                latest,
                planned,
            } => match lang {
                Lang::Nb => format!(
                    "Trekningen må holdes minst fire måneder før kommunestart {cohort}, altså senest {latest}; {planned} er for sent (002 §2.1)."
                ),
                Lang::Nn => format!(
                    "Trekkinga må haldast minst fire månader før kommunestart {cohort}, altså seinast {latest}; {planned} er for seint (002 §2.1)."
                ),
                Lang::En => format!(
                    "The draw must be held at least four months before the municipal start {cohort}, i.e. by {latest}; {planned} is too late (002 §2.1)."
                ),
            },
        }
    }
}

impl fmt::Display for LotteryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Nb))
    }
}

impl std::error::Error for LotteryError {}
