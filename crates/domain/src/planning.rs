//! National planning (issue 12; seeds 000 §5, 001, 004 §4–§7): how many LIS1 positions each level
//! holds per cohort, how a whole is split among the levels below, lending between hospital
//! trusts, and the municipalities' capacity calls.
//!
//! The levels are the organisation tree: the directorate (the national total) → RHF → HF →
//! hospital site. An allocation holds a total and, of it, the bound positions per kind (004);
//! the ordinary positions are the rest. A level below never holds more than the level above
//! gave it, in total and per bound kind.

use serde::{Deserialize, Serialize};

use crate::{Lang, Localized};

/// The numbers one level holds for one cohort: a total, and how many of it are bound per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Numbers {
    /// All positions.
    pub total: i32,
    /// Of them, LIS1 + LIS3 psychiatry.
    pub psychiatry: i32,
    /// Of them, LIS1 + LIS3 child and adolescent psychiatry (BUP).
    pub bup: i32,
    /// Of them, LIS1 + ALIS general practice.
    pub alis: i32,
}

impl Numbers {
    /// Only a total, all ordinary.
    pub fn ordinary(total: i32) -> Numbers {
        Numbers {
            total,
            ..Numbers::default()
        }
    }

    /// The bound positions of every kind.
    pub fn bound(&self) -> i32 {
        self.psychiatry + self.bup + self.alis
    }

    /// The ordinary positions: the total less the bound ones.
    pub fn ordinary_count(&self) -> i32 {
        self.total - self.bound()
    }

    /// Adds `other` field by field.
    pub fn plus(self, other: Numbers) -> Numbers {
        Numbers {
            total: self.total + other.total,
            psychiatry: self.psychiatry + other.psychiatry,
            bup: self.bup + other.bup,
            alis: self.alis + other.alis,
        }
    }

    /// The sum of several.
    pub fn sum<'a>(all: impl IntoIterator<Item = &'a Numbers>) -> Numbers {
        all.into_iter().fold(Numbers::default(), |a, b| a.plus(*b))
    }

    /// Checks that no number is negative and the bound ones fit in the total.
    pub fn validate(&self) -> Result<(), PlanningError> {
        for n in [self.total, self.psychiatry, self.bup, self.alis] {
            if n < 0 {
                return Err(PlanningError::Negative { value: n });
            }
        }
        if self.bound() > self.total {
            return Err(PlanningError::BoundOverTotal {
                bound: self.bound(),
                total: self.total,
            });
        }
        Ok(())
    }

    fn fields(&self) -> [(BoundField, i32); 4] {
        [
            (BoundField::Total, self.total),
            (BoundField::Psychiatry, self.psychiatry),
            (BoundField::Bup, self.bup),
            (BoundField::Alis, self.alis),
        ]
    }
}

/// Which of the numbers a rule concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoundField {
    /// All positions.
    Total,
    /// LIS1 + LIS3 psychiatry.
    Psychiatry,
    /// LIS1 + LIS3 BUP.
    Bup,
    /// LIS1 + ALIS.
    Alis,
}

impl BoundField {
    /// For people.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            BoundField::Total => {
                lang.pick3("stillinger i alt", "stillingar i alt", "positions in all")
            }
            BoundField::Psychiatry => lang.pick3(
                "LIS1 + LIS3 psykiatri",
                "LIS1 + LIS3 psykiatri",
                "LIS1 + LIS3 psychiatry",
            ),
            BoundField::Bup => lang.pick3("LIS1 + LIS3 BUP", "LIS1 + LIS3 BUP", "LIS1 + LIS3 BUP"),
            BoundField::Alis => lang.pick3("LIS1 + ALIS", "LIS1 + ALIS", "LIS1 + ALIS"),
        }
    }
}

/// Why a planning step is refused. Every message names the numbers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanningError {
    /// A number below zero.
    #[error("negative number {value}")]
    Negative {
        /// The number given.
        value: i32,
    },
    /// A number that must be at least one (positions proposed, places ordered).
    #[error("{value} is below one")]
    AtLeastOne {
        /// The number given.
        value: i32,
    },
    /// More bound positions than positions.
    #[error("bound {bound} over total {total}")]
    BoundOverTotal {
        /// Bound positions.
        bound: i32,
        /// Total.
        total: i32,
    },
    /// The levels below would hold more than this level has.
    #[error("children {children} over parent {parent}")]
    OverParent {
        /// Which number.
        field: BoundField,
        /// What the level above gave.
        parent: i32,
        /// What the levels below would hold together.
        children: i32,
    },
    /// A split whose parts do not add up to the whole.
    #[error("split {parts} of {whole}")]
    SplitMismatch {
        /// The whole.
        whole: i32,
        /// The sum of the parts.
        parts: i32,
    },
    /// The national total is set; only a logged decision of the directorate changes it.
    #[error("national total fixed at {current}")]
    NationalFixed {
        /// The total as set.
        current: i32,
        /// The total asked for.
        asked: i32,
    },
    /// A conversion between ordinary and bound must keep the total.
    #[error("conversion changes total {before} to {after}")]
    ConversionChangesTotal {
        /// Before.
        before: i32,
        /// After.
        after: i32,
    },
    /// Weights that are all zero cannot split anything.
    #[error("no weight")]
    NoWeight,
    /// Lending would leave the lender with fewer positions than it has advertised or given on.
    #[error("lending {asked} leaves {left} under {needed}")]
    LendingTooMuch {
        /// Positions asked for.
        asked: i32,
        /// What the lender would keep.
        left: i32,
        /// What it has already advertised or given to its sites.
        needed: i32,
    },
    /// An advertisement would offer more positions than its trust has for the cohort.
    #[error("advertised {advertised} over allocated {allocated}")]
    AdvertisedOverAllocation {
        /// Which number.
        field: BoundField,
        /// What the trust holds.
        allocated: i32,
        /// What it would advertise in all.
        advertised: i32,
    },
    /// A municipality would hold more approved places than the county side of the plan gave it.
    #[error("municipal places {places} over allocated {allocated}")]
    MunicipalPlacesOver {
        /// What the county governor's split gave the municipality for the cohort.
        allocated: i32,
        /// Its approved places for the cohort in all cooperation areas, with this answer.
        places: i32,
    },
    /// LIS1 + ALIS positions for a municipality no ALIS office has proposed with the county
    /// governor's endorsement (004 §3), or more than proposed.
    #[error("alis {asked} over endorsed {endorsed}")]
    AlisNotProposed {
        /// LIS1 + ALIS positions asked for the municipality.
        asked: i32,
        /// What the endorsed proposal names (0 when there is none).
        endorsed: i32,
    },
    /// A §13b area without enough municipal places for the hospital's positions.
    #[error("places {places} under positions {positions}")]
    PlacesShort {
        /// The hospital's positions.
        positions: i32,
        /// The municipal places.
        places: i32,
    },
}

impl Localized for PlanningError {
    fn code(&self) -> &'static str {
        match self {
            PlanningError::Negative { .. } => "planning_negative",
            PlanningError::AtLeastOne { .. } => "planning_at_least_one",
            PlanningError::BoundOverTotal { .. } => "planning_bound_over_total",
            PlanningError::OverParent { .. } => "planning_over_parent",
            PlanningError::SplitMismatch { .. } => "planning_split_mismatch",
            PlanningError::NationalFixed { .. } => "planning_national_fixed",
            PlanningError::ConversionChangesTotal { .. } => "planning_conversion_changes_total",
            PlanningError::NoWeight => "planning_no_weight",
            PlanningError::LendingTooMuch { .. } => "planning_lending_too_much",
            PlanningError::AdvertisedOverAllocation { .. } => "planning_advertised_over_allocation",
            PlanningError::PlacesShort { .. } => "planning_places_short",
            PlanningError::MunicipalPlacesOver { .. } => "planning_municipal_places_over",
            PlanningError::AlisNotProposed { .. } => "planning_alis_not_proposed",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (PlanningError::Negative { value }, Lang::Nb) => {
                format!("Antallet kan ikke være negativt ({value}). Ingenting ble lagret.")
            }
            (PlanningError::Negative { value }, Lang::Nn) => {
                format!("Talet kan ikkje vere negativt ({value}). Ingenting vart lagra.")
            }
            (PlanningError::Negative { value }, Lang::En) => {
                format!("The number cannot be negative ({value}). Nothing was saved.")
            }
            (PlanningError::AtLeastOne { value }, Lang::Nb) => {
                format!("Antallet må være minst 1, ikke {value}. Ingenting ble lagret.")
            }
            (PlanningError::AtLeastOne { value }, Lang::Nn) => {
                format!("Talet må vere minst 1, ikkje {value}. Ingenting vart lagra.")
            }
            (PlanningError::AtLeastOne { value }, Lang::En) => {
                format!("The number must be at least 1, not {value}. Nothing was saved.")
            }
            (PlanningError::BoundOverTotal { bound, total }, Lang::Nb) => format!(
                "{bound} bundne stillinger er flere enn {total} stillinger i alt. Ingenting ble lagret."
            ),
            (PlanningError::BoundOverTotal { bound, total }, Lang::Nn) => format!(
                "{bound} bundne stillingar er fleire enn {total} stillingar i alt. Ingenting vart lagra."
            ),
            (PlanningError::BoundOverTotal { bound, total }, Lang::En) => format!(
                "{bound} bound positions are more than {total} positions in all. Nothing was saved."
            ),
            (
                PlanningError::OverParent {
                    field,
                    parent,
                    children,
                },
                Lang::Nb,
            ) => format!(
                "Nivået under ville fått {children} {}, men nivået over har bare gitt {parent}. Ingenting ble lagret.",
                field.label(lang)
            ),
            (
                PlanningError::OverParent {
                    field,
                    parent,
                    children,
                },
                Lang::Nn,
            ) => format!(
                "Nivået under ville fått {children} {}, men nivået over har berre gitt {parent}. Ingenting vart lagra.",
                field.label(lang)
            ),
            (
                PlanningError::OverParent {
                    field,
                    parent,
                    children,
                },
                Lang::En,
            ) => format!(
                "The level below would hold {children} {}, but the level above gave only {parent}. Nothing was saved.",
                field.label(lang)
            ),
            (PlanningError::SplitMismatch { whole, parts }, Lang::Nb) => format!(
                "Fordelingen summerer til {parts}, men skal summere til {whole}. Ingenting ble lagret."
            ),
            (PlanningError::SplitMismatch { whole, parts }, Lang::Nn) => format!(
                "Fordelinga summerer seg til {parts}, men skal summere seg til {whole}. Ingenting vart lagra."
            ),
            (PlanningError::SplitMismatch { whole, parts }, Lang::En) => format!(
                "The split adds up to {parts}, but must add up to {whole}. Nothing was saved."
            ),
            (PlanningError::NationalFixed { current, asked }, Lang::Nb) => format!(
                "Det nasjonale tallet er fastsatt til {current}. Å endre det til {asked} krever et vedtak fra direktoratet med begrunnelse. Ingenting ble lagret."
            ),
            (PlanningError::NationalFixed { current, asked }, Lang::Nn) => format!(
                "Det nasjonale talet er fastsett til {current}. Å endre det til {asked} krev eit vedtak frå direktoratet med grunngiving. Ingenting vart lagra."
            ),
            (PlanningError::NationalFixed { current, asked }, Lang::En) => format!(
                "The national total is fixed at {current}. Changing it to {asked} needs a decision of the directorate with a reason. Nothing was saved."
            ),
            (PlanningError::ConversionChangesTotal { before, after }, Lang::Nb) => {
                format!(
                    "En omgjøring mellom ordinære og bundne stillinger skal ikke endre totalen ({before} ble {after}). Ingenting ble lagret."
                )
            }
            (PlanningError::ConversionChangesTotal { before, after }, Lang::Nn) => {
                format!(
                    "Ei omgjering mellom ordinære og bundne stillingar skal ikkje endre totalen ({before} vart {after}). Ingenting vart lagra."
                )
            }
            (PlanningError::ConversionChangesTotal { before, after }, Lang::En) => format!(
                "A conversion between ordinary and bound positions must not change the total ({before} became {after}). Nothing was saved."
            ),
            (PlanningError::NoWeight, Lang::Nb) => {
                "Alle vektene er null, så det er ingenting å fordele etter.".into()
            }
            (PlanningError::NoWeight, Lang::Nn) => {
                "Alle vektene er null, så det er ingenting å fordele etter.".into()
            }
            (PlanningError::NoWeight, Lang::En) => {
                "Every weight is zero, so there is nothing to split by.".into()
            }
            (
                PlanningError::LendingTooMuch {
                    asked,
                    left,
                    needed,
                },
                Lang::Nb,
            ) => format!(
                "Å låne ut {asked} ville gi {left} stillinger igjen, men {needed} er allerede utlyst eller fordelt. Ingenting ble lagret."
            ),
            (
                PlanningError::LendingTooMuch {
                    asked,
                    left,
                    needed,
                },
                Lang::Nn,
            ) => format!(
                "Å låne ut {asked} ville gi {left} stillingar igjen, men {needed} er allereie lyste ut eller fordelte. Ingenting vart lagra."
            ),
            (
                PlanningError::LendingTooMuch {
                    asked,
                    left,
                    needed,
                },
                Lang::En,
            ) => format!(
                "Lending {asked} would leave {left} positions, but {needed} are already advertised or given on. Nothing was saved."
            ),
            (
                PlanningError::AdvertisedOverAllocation {
                    field,
                    allocated,
                    advertised,
                },
                Lang::Nb,
            ) => format!(
                "Helseforetaket har {allocated} {} for dette kullet, men utlysningene ville tilby {advertised}.",
                field.label(lang)
            ),
            (
                PlanningError::AdvertisedOverAllocation {
                    field,
                    allocated,
                    advertised,
                },
                Lang::Nn,
            ) => format!(
                "Helseføretaket har {allocated} {} for dette kullet, men utlysingane ville tilby {advertised}.",
                field.label(lang)
            ),
            (
                PlanningError::AdvertisedOverAllocation {
                    field,
                    allocated,
                    advertised,
                },
                Lang::En,
            ) => format!(
                "The hospital trust has {allocated} {} for this cohort, but its advertisements would offer {advertised}.",
                field.label(lang)
            ),
            (PlanningError::MunicipalPlacesOver { allocated, places }, Lang::Nb) => {
                format!(
                    "Kommunen har fått {allocated} plasser for dette kullet i fylkets fordeling, men ville med dette svaret hatt {places} godkjente plasser. Ingenting ble lagret."
                )
            }
            (PlanningError::MunicipalPlacesOver { allocated, places }, Lang::Nn) => {
                format!(
                    "Kommunen har fått {allocated} plassar for dette kullet i fordelinga i fylket, men ville med dette svaret hatt {places} godkjende plassar. Ingenting vart lagra."
                )
            }
            (PlanningError::MunicipalPlacesOver { allocated, places }, Lang::En) => format!(
                "The municipality was given {allocated} places for this cohort in the county's split, but with this answer it would hold {places} approved places. Nothing was saved."
            ),
            (PlanningError::AlisNotProposed { asked, endorsed }, Lang::Nb) => format!(
                "Kommunen skulle få {asked} LIS1 + ALIS-stillinger, men ALIS-kontorets forslag godkjent av statsforvalteren gir {endorsed}. Ingenting ble lagret."
            ),
            (PlanningError::AlisNotProposed { asked, endorsed }, Lang::Nn) => format!(
                "Kommunen skulle få {asked} LIS1 + ALIS-stillingar, men forslaget frå ALIS-kontoret som statsforvaltaren har godkjent, gir {endorsed}. Ingenting vart lagra."
            ),
            (PlanningError::AlisNotProposed { asked, endorsed }, Lang::En) => format!(
                "The municipality would get {asked} LIS1 + ALIS positions, but the ALIS office's proposal endorsed by the county governor gives {endorsed}. Nothing was saved."
            ),
            (PlanningError::PlacesShort { positions, places }, Lang::Nb) => format!(
                "Samarbeidsområdet har {places} kommuneplasser, men sykehuset har {positions} stillinger: det mangler {} plasser før trekningen kan forpliktes.",
                positions - places
            ),
            (PlanningError::PlacesShort { positions, places }, Lang::Nn) => format!(
                "Samarbeidsområdet har {places} kommuneplassar, men sjukehuset har {positions} stillingar: det manglar {} plassar før trekkinga kan gjerast bindande.",
                positions - places
            ),
            (PlanningError::PlacesShort { positions, places }, Lang::En) => format!(
                "The cooperation area has {places} municipal places, but the hospital has {positions} positions: {} places are missing before the lottery can be committed.",
                positions - places
            ),
        }
    }
}

/// The counties (SSB county numbers, 2024 division) whose people each regional health authority
/// serves, for population weights of the plan (issue 12, item 2). An RHF's population is the
/// sum of its counties'. The regions' borders do not follow the counties exactly (e.g. Bindal in
/// Nordland belongs to Helse Nord-Trøndelag's area, and parts of Innlandet go to other trusts);
/// for weighting a national split by people, counties are close enough, and the user adjusts
/// the proposal before saving.
pub const REGION_COUNTIES: [(&str, &[&str]); 4] = [
    ("Helse Nord RHF", &["18", "55", "56"]),
    ("Helse Midt-Norge RHF", &["15", "50"]),
    ("Helse Vest RHF", &["11", "46"]),
    (
        "Helse Sør-Øst RHF",
        &["03", "31", "32", "33", "34", "39", "40", "42"],
    ),
];

/// The counties of an RHF, by its name (empty for a name not in [`REGION_COUNTIES`]).
pub fn region_counties(rhf_name: &str) -> &'static [&'static str] {
    REGION_COUNTIES
        .iter()
        .find(|(n, _)| *n == rhf_name)
        .map(|(_, c)| *c)
        .unwrap_or(&[])
}

/// Checks that `children` together hold no more than `parent`, in total and per bound kind.
pub fn check_within(parent: &Numbers, children: &[Numbers]) -> Result<(), PlanningError> {
    let sum = Numbers::sum(children);
    for ((field, p), (_, c)) in parent.fields().into_iter().zip(sum.fields()) {
        if c > p {
            return Err(PlanningError::OverParent {
                field,
                parent: p,
                children: c,
            });
        }
    }
    Ok(())
}

/// Checks that the parts of a split add up exactly to the whole.
pub fn check_split(whole: i32, parts: &[i32]) -> Result<(), PlanningError> {
    if let Some(&n) = parts.iter().find(|n| **n < 0) {
        return Err(PlanningError::Negative { value: n });
    }
    let sum: i32 = parts.iter().sum();
    if sum != whole {
        return Err(PlanningError::SplitMismatch { whole, parts: sum });
    }
    Ok(())
}

/// Checks a new national total against the one set: once set, it changes only by a decision of
/// the directorate (`decision` true, with its reason logged by the caller).
pub fn check_national(
    current: Option<i32>,
    asked: i32,
    decision: bool,
) -> Result<(), PlanningError> {
    match current {
        Some(c) if c != asked && !decision => {
            Err(PlanningError::NationalFixed { current: c, asked })
        }
        _ => Ok(()),
    }
}

/// Checks a conversion between ordinary and bound positions: the total stays as it was.
pub fn check_conversion(before: &Numbers, after: &Numbers) -> Result<(), PlanningError> {
    after.validate()?;
    if before.total != after.total {
        return Err(PlanningError::ConversionChangesTotal {
            before: before.total,
            after: after.total,
        });
    }
    Ok(())
}

/// Splits `whole` by `weights` with the largest-remainder (Hamilton) method: each part gets the
/// whole number of its exact quota `whole × weight / Σweights`, and the positions left go one
/// each to the parts with the largest remainders (ties: the larger weight, then the earlier
/// part). The parts add up exactly to `whole`, and no part is more than one from its quota.
pub fn apportion(whole: u32, weights: &[u64]) -> Result<Vec<u32>, PlanningError> {
    let sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if sum == 0 {
        return Err(PlanningError::NoWeight);
    }
    let whole128 = u128::from(whole);
    let mut parts: Vec<u32> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(u128, u64, usize)> = Vec::with_capacity(weights.len());
    for (i, &w) in weights.iter().enumerate() {
        let exact = whole128 * u128::from(w);
        // The floor of the quota is at most `whole`, so it fits.
        parts.push(u32::try_from(exact / sum).unwrap_or(whole));
        remainders.push((exact % sum, w, i));
    }
    let given: u32 = parts.iter().sum();
    let left = whole.saturating_sub(given) as usize;
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    for &(_, _, i) in remainders.iter().take(left) {
        parts[i] += 1;
    }
    Ok(parts)
}

/// Checks a lending: the lender keeps at least what it has advertised or given to its sites.
pub fn check_lending(lender_total: i32, committed: i32, asked: i32) -> Result<(), PlanningError> {
    if asked <= 0 {
        return Err(PlanningError::Negative { value: asked });
    }
    let left = lender_total - asked;
    if left < committed || left < 0 {
        return Err(PlanningError::LendingTooMuch {
            asked,
            left,
            needed: committed.max(0),
        });
    }
    Ok(())
}

/// Checks an advertisement against its trust's allocation: in all, and per bound kind, the
/// trust's advertisements for the cohort (this one included) offer no more than it holds.
pub fn check_advertised(allocated: &Numbers, advertised: &Numbers) -> Result<(), PlanningError> {
    for ((field, a), (_, d)) in allocated.fields().into_iter().zip(advertised.fields()) {
        if d > a {
            return Err(PlanningError::AdvertisedOverAllocation {
                field,
                allocated: a,
                advertised: d,
            });
        }
    }
    Ok(())
}

/// 004 §3: a municipality gets LIS1 + ALIS positions only as an ALIS office proposed them and
/// the county governor endorsed the proposal (`endorsed`: the endorsed number, 0 if none).
pub fn check_alis_proposed(asked: i32, endorsed: i32) -> Result<(), PlanningError> {
    if asked > endorsed {
        return Err(PlanningError::AlisNotProposed { asked, endorsed });
    }
    Ok(())
}

/// An ALIS office's proposal of a municipality for LIS1 + ALIS positions (004 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
    /// Waiting for the county governor.
    Proposed,
    /// Endorsed by the county governor: the directorate's split may give these positions.
    Endorsed,
    /// Returned by the county governor, with a reason.
    Returned,
}

impl ProposalState {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalState::Proposed => "proposed",
            ProposalState::Endorsed => "endorsed",
            ProposalState::Returned => "returned",
        }
    }

    /// From the stored form.
    pub fn parse(s: &str) -> Option<ProposalState> {
        [
            ProposalState::Proposed,
            ProposalState::Endorsed,
            ProposalState::Returned,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A municipality's approved places for a cohort (in every cooperation area) may not exceed
/// what the county side of the plan gave it, when it was given a number.
pub fn check_municipal_places(allocated: Option<i32>, places: i32) -> Result<(), PlanningError> {
    match allocated {
        Some(allocated) if places > allocated => {
            Err(PlanningError::MunicipalPlacesOver { allocated, places })
        }
        _ => Ok(()),
    }
}

/// Checks a §13b area before its lottery is committed: at least as many municipal places as the
/// hospital's positions (000 §5: every doctor needs a municipal place).
pub fn check_area_places(positions: i32, places: i32) -> Result<(), PlanningError> {
    if places < positions {
        return Err(PlanningError::PlacesShort { positions, places });
    }
    Ok(())
}

/// A lending of positions between hospital trusts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LendingState {
    /// Asked for; waiting for the other side (and the RHFs when across regions).
    Requested,
    /// Everyone needed accepted; the numbers changed.
    Accepted,
    /// Someone declined.
    Declined,
}

impl LendingState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            LendingState::Requested => "requested",
            LendingState::Accepted => "accepted",
            LendingState::Declined => "declined",
        }
    }

    /// Parses [`Self::as_str`].
    pub fn parse(s: &str) -> Option<LendingState> {
        [
            LendingState::Requested,
            LendingState::Accepted,
            LendingState::Declined,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Who has to accept a lending, and who has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LendingApprovals {
    /// The trust that did not ask has accepted.
    pub counterpart: bool,
    /// Across regions: the lender's RHF has accepted (`None` when not needed).
    pub lender_rhf: Option<bool>,
    /// Across regions: the borrower's RHF has accepted (`None` when not needed).
    pub borrower_rhf: Option<bool>,
}

/// Who accepts a lending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LendingParty {
    /// The trust that did not ask.
    Counterpart,
    /// The lender's RHF.
    LenderRhf,
    /// The borrower's RHF.
    BorrowerRhf,
}

impl LendingApprovals {
    /// The approvals a new lending needs: both RHFs when it crosses regions.
    pub fn new(across_regions: bool) -> LendingApprovals {
        LendingApprovals {
            counterpart: false,
            lender_rhf: across_regions.then_some(false),
            borrower_rhf: across_regions.then_some(false),
        }
    }

    /// Records one party's acceptance; `None` if that party has no say in this lending.
    pub fn accept(self, party: LendingParty) -> Option<LendingApprovals> {
        let mut a = self;
        match party {
            LendingParty::Counterpart => a.counterpart = true,
            LendingParty::LenderRhf => a.lender_rhf = Some(a.lender_rhf.map(|_| true)?),
            LendingParty::BorrowerRhf => a.borrower_rhf = Some(a.borrower_rhf.map(|_| true)?),
        }
        Some(a)
    }

    /// Whether everyone needed has accepted, so the numbers change now.
    pub fn complete(&self) -> bool {
        self.counterpart && self.lender_rhf.unwrap_or(true) && self.borrower_rhf.unwrap_or(true)
    }
}

/// A capacity call's state (seed 001).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    /// Sent; the municipalities answer until the deadline.
    Open,
    /// Closed by the coordinator; the answers stand.
    Closed,
}

impl CallState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CallState::Open => "open",
            CallState::Closed => "closed",
        }
    }

    /// Parses [`Self::as_str`].
    pub fn parse(s: &str) -> Option<CallState> {
        match s {
            "open" => Some(CallState::Open),
            "closed" => Some(CallState::Closed),
            _ => None,
        }
    }
}

/// Why a municipality may not answer a call now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The deadline has passed; the coordinator can reopen the call.
    #[error("deadline passed")]
    DeadlinePassed {
        /// The deadline.
        deadline: jiff::civil::Date,
    },
    /// The call is closed.
    #[error("closed")]
    Closed,
    /// The deadline is not a working day after today.
    #[error("bad deadline")]
    BadDeadline {
        /// The deadline asked for.
        deadline: jiff::civil::Date,
    },
    /// The answer is not waiting for the county governor.
    #[error("not waiting")]
    NotSubmitted,
    /// Returning needs a reason.
    #[error("reason needed")]
    ReasonNeeded,
    /// A call must name at least one cohort.
    #[error("no cohort")]
    NoCohort,
    /// A call names more cohorts than [`MAX_CALL_COHORTS`].
    #[error("too many cohorts")]
    TooManyCohorts {
        /// How many were named.
        count: usize,
    },
    /// The call asks about several cohorts; the answer must say which.
    #[error("cohort needed")]
    CohortNeeded,
    /// The answer names a cohort the call does not ask about.
    #[error("cohort not in the call")]
    CohortNotInCall {
        /// The cohort named.
        cohort: jiff::civil::Date,
    },
}

impl Localized for CallError {
    fn code(&self) -> &'static str {
        match self {
            CallError::DeadlinePassed { .. } => "capacity_call_deadline_passed",
            CallError::Closed => "capacity_call_closed",
            CallError::BadDeadline { .. } => "capacity_call_bad_deadline",
            CallError::NotSubmitted => "capacity_answer_not_submitted",
            CallError::ReasonNeeded => "capacity_answer_reason_needed",
            CallError::NoCohort => "capacity_call_no_cohort",
            CallError::TooManyCohorts { .. } => "capacity_call_too_many_cohorts",
            CallError::CohortNeeded => "capacity_answer_cohort_needed",
            CallError::CohortNotInCall { .. } => "capacity_answer_cohort_not_in_call",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (CallError::DeadlinePassed { deadline }, Lang::Nb) => format!(
                "Svarfristen gikk ut {}. Koordinatoren må åpne forespørselen igjen før du kan svare. Ingenting ble lagret.",
                crate::calendar::format_date(*deadline, lang)
            ),
            (CallError::DeadlinePassed { deadline }, Lang::Nn) => format!(
                "Svarfristen gjekk ut {}. Koordinatoren må opne førespurnaden igjen før du kan svare. Ingenting vart lagra.",
                crate::calendar::format_date(*deadline, lang)
            ),
            (CallError::DeadlinePassed { deadline }, Lang::En) => format!(
                "The reply deadline passed on {}. The coordinator must reopen the call before you can answer. Nothing was saved.",
                crate::calendar::format_date(*deadline, lang)
            ),
            (CallError::Closed, Lang::Nb) => {
                "Forespørselen er avsluttet. Ingenting ble lagret.".into()
            }
            (CallError::Closed, Lang::Nn) => {
                "Førespurnaden er avslutta. Ingenting vart lagra.".into()
            }
            (CallError::Closed, Lang::En) => "The call is closed. Nothing was saved.".into(),
            (CallError::BadDeadline { deadline }, Lang::Nb) => format!(
                "Svarfristen {} må være en virkedag etter i dag.",
                crate::calendar::format_date(*deadline, lang)
            ),
            (CallError::BadDeadline { deadline }, Lang::Nn) => format!(
                "Svarfristen {} må vere ein yrkedag etter i dag.",
                crate::calendar::format_date(*deadline, lang)
            ),
            (CallError::BadDeadline { deadline }, Lang::En) => format!(
                "The reply deadline {} must be a working day after today.",
                crate::calendar::format_date(*deadline, lang)
            ),
            (CallError::NotSubmitted, Lang::Nb) => "Svaret venter ikke på statsforvalteren.".into(),
            (CallError::NotSubmitted, Lang::Nn) => {
                "Svaret ventar ikkje på statsforvaltaren.".into()
            }
            (CallError::NotSubmitted, Lang::En) => {
                "The answer is not waiting for the county governor.".into()
            }
            (CallError::ReasonNeeded, Lang::Nb) => {
                "Skriv en begrunnelse når svaret sendes tilbake.".into()
            }
            (CallError::ReasonNeeded, Lang::Nn) => {
                "Skriv ei grunngiving når svaret blir sendt tilbake.".into()
            }
            (CallError::ReasonNeeded, Lang::En) => {
                "Write a reason when returning the answer.".into()
            }
            (CallError::NoCohort, Lang::Nb) => {
                "Velg minst ett kull forespørselen gjelder. Ingenting ble lagret.".into()
            }
            (CallError::NoCohort, Lang::Nn) => {
                "Vel minst eitt kull førespurnaden gjeld. Ingenting vart lagra.".into()
            }
            (CallError::NoCohort, Lang::En) => {
                "Choose at least one cohort for the call. Nothing was saved.".into()
            }
            (CallError::TooManyCohorts { count }, Lang::Nb) => format!(
                "En forespørsel kan gjelde høyst {MAX_CALL_COHORTS} kull, ikke {count}. Ingenting ble lagret."
            ),
            (CallError::TooManyCohorts { count }, Lang::Nn) => format!(
                "Ein førespurnad kan gjelde høgst {MAX_CALL_COHORTS} kull, ikkje {count}. Ingenting vart lagra."
            ),
            (CallError::TooManyCohorts { count }, Lang::En) => format!(
                "A call can cover at most {MAX_CALL_COHORTS} cohorts, not {count}. Nothing was saved."
            ),
            (CallError::CohortNeeded, Lang::Nb) => {
                "Forespørselen gjelder flere kull: velg kullet svaret gjelder. Ingenting ble lagret."
                    .into()
            }
            (CallError::CohortNeeded, Lang::Nn) => {
                "Førespurnaden gjeld fleire kull: vel kullet svaret gjeld. Ingenting vart lagra."
                    .into()
            }
            (CallError::CohortNeeded, Lang::En) => {
                "The call covers several cohorts: choose the cohort the answer is for. Nothing was saved."
                    .into()
            }
            (CallError::CohortNotInCall { cohort }, Lang::Nb) => format!(
                "Forespørselen gjelder ikke kullet som starter {}. Ingenting ble lagret.",
                crate::calendar::format_date(*cohort, lang)
            ),
            (CallError::CohortNotInCall { cohort }, Lang::Nn) => format!(
                "Førespurnaden gjeld ikkje kullet som startar {}. Ingenting vart lagra.",
                crate::calendar::format_date(*cohort, lang)
            ),
            (CallError::CohortNotInCall { cohort }, Lang::En) => format!(
                "The call does not cover the cohort starting {}. Nothing was saved.",
                crate::calendar::format_date(*cohort, lang)
            ),
        }
    }
}

/// Checks a new call's reply deadline: a working day after `today` (seed 001's calls give the
/// municipalities a few weeks; the calendar skips weekends and public holidays).
pub fn check_deadline(
    today: jiff::civil::Date,
    deadline: jiff::civil::Date,
) -> Result<(), CallError> {
    if deadline <= today || !crate::calendar::is_working_day(deadline) {
        return Err(CallError::BadDeadline { deadline });
    }
    Ok(())
}

/// The most cohorts one capacity call may ask about (two years of spring and autumn cohorts).
pub const MAX_CALL_COHORTS: usize = 4;

/// Checks the cohorts a new call asks about: at least one, at most [`MAX_CALL_COHORTS`]
/// different ones. Returns them in order, each once.
pub fn call_cohorts(named: &[jiff::civil::Date]) -> Result<Vec<jiff::civil::Date>, CallError> {
    let mut cohorts = named.to_vec();
    cohorts.sort();
    cohorts.dedup();
    match cohorts.len() {
        0 => Err(CallError::NoCohort),
        n if n > MAX_CALL_COHORTS => Err(CallError::TooManyCohorts { count: n }),
        _ => Ok(cohorts),
    }
}

/// The cohort an answer is for: the one named, if the call asks about it; with none named, the
/// call's only cohort (a call about several cohorts needs the answer to say which).
pub fn answer_cohort(
    call_cohorts: &[jiff::civil::Date],
    named: Option<jiff::civil::Date>,
) -> Result<jiff::civil::Date, CallError> {
    match (named, call_cohorts) {
        (Some(c), _) if call_cohorts.contains(&c) => Ok(c),
        (Some(c), _) => Err(CallError::CohortNotInCall { cohort: c }),
        (None, [only]) => Ok(*only),
        (None, _) => Err(CallError::CohortNeeded),
    }
}

/// Whether a municipality may answer now: the call is open and the deadline has not passed
/// (the deadline day itself counts), or the coordinator reopened it.
pub fn may_answer(
    state: CallState,
    deadline: jiff::civil::Date,
    today: jiff::civil::Date,
    reopened: bool,
) -> Result<(), CallError> {
    match state {
        CallState::Closed => Err(CallError::Closed),
        CallState::Open if today > deadline && !reopened => {
            Err(CallError::DeadlinePassed { deadline })
        }
        CallState::Open => Ok(()),
    }
}

/// Which reminder is due to a municipality that has not answered: in the last two working days
/// before the deadline, and once the deadline has passed (the caller sends each once).
pub fn reminder_due(deadline: jiff::civil::Date, today: jiff::civil::Date) -> Option<Reminder> {
    if today < deadline && crate::calendar::working_days_between(today, deadline) <= 2 {
        Some(Reminder::BeforeDeadline)
    } else if today > deadline {
        Some(Reminder::Passed)
    } else {
        None
    }
}

/// Which reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reminder {
    /// The deadline is the next working day.
    BeforeDeadline,
    /// The deadline has passed without an answer.
    Passed,
}

/// A municipality's answer as the county governor sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerState {
    /// Given; waiting for the county governor.
    Submitted,
    /// Approved: the places are the area's.
    Approved,
    /// Returned with a reason; the municipality answers again.
    Returned,
}

impl AnswerState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AnswerState::Submitted => "submitted",
            AnswerState::Approved => "approved",
            AnswerState::Returned => "returned",
        }
    }

    /// Parses [`Self::as_str`].
    pub fn parse(s: &str) -> Option<AnswerState> {
        [
            AnswerState::Submitted,
            AnswerState::Approved,
            AnswerState::Returned,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// The county governor's decision: approve, or return with a reason.
    pub fn review(self, approve: bool, reason: &str) -> Result<AnswerState, CallError> {
        if self != AnswerState::Submitted {
            return Err(CallError::NotSubmitted);
        }
        if approve {
            Ok(AnswerState::Approved)
        } else if reason.trim().is_empty() {
            Err(CallError::ReasonNeeded)
        } else {
            Ok(AnswerState::Returned)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn largest_remainder_gives_the_leftovers_to_the_largest_remainders() {
        // 10 by 1:1:1 → 3.33 each; one left, the first by the tie rule.
        assert_eq!(apportion(10, &[1, 1, 1]).unwrap(), vec![4, 3, 3]);
        // 1,185 by 2026-like regional weights adds up exactly.
        let parts = apportion(1185, &[130, 190, 230, 635]).unwrap();
        assert_eq!(parts.iter().sum::<u32>(), 1185);
        assert_eq!(apportion(5, &[0, 0]), Err(PlanningError::NoWeight));
        assert_eq!(apportion(0, &[3, 4]).unwrap(), vec![0, 0]);
    }

    #[test]
    fn a_call_names_one_to_four_cohorts_and_an_answer_one_of_them() {
        let (spring, autumn) = (date(2028, 3, 1), date(2028, 9, 1));
        assert_eq!(
            call_cohorts(&[autumn, spring, autumn]).unwrap(),
            vec![spring, autumn]
        );
        assert_eq!(call_cohorts(&[]), Err(CallError::NoCohort));
        let five: Vec<_> = (0..5).map(|y| date(2028 + y, 3, 1)).collect();
        let e = call_cohorts(&five).unwrap_err();
        assert_eq!(e, CallError::TooManyCohorts { count: 5 });
        assert!(e.message(Lang::Nb).contains("høyst 4 kull, ikke 5"));
        assert!(e.message(Lang::Nn).contains("ikkje 5"));
        let both = [spring, autumn];
        assert_eq!(answer_cohort(&both, Some(autumn)), Ok(autumn));
        assert_eq!(answer_cohort(&both, None), Err(CallError::CohortNeeded));
        assert_eq!(answer_cohort(&[spring], None), Ok(spring));
        let e = answer_cohort(&both, Some(date(2029, 3, 1))).unwrap_err();
        assert_eq!(
            e,
            CallError::CohortNotInCall {
                cohort: date(2029, 3, 1)
            }
        );
        assert!(
            e.message(Lang::Nb).contains("2029"),
            "{}",
            e.message(Lang::Nb)
        );
    }

    #[test]
    fn every_county_belongs_to_one_region() {
        let all: Vec<&str> = REGION_COUNTIES
            .iter()
            .flat_map(|(_, c)| c.iter().copied())
            .collect();
        assert_eq!(all.len(), 15);
        for c in &all {
            assert_eq!(all.iter().filter(|d| *d == c).count(), 1, "{c}");
        }
        assert_eq!(region_counties("Helse Midt-Norge RHF"), &["15", "50"]);
        assert!(region_counties("Nowhere").is_empty());
    }

    #[test]
    fn children_never_hold_more_than_the_parent() {
        let parent = Numbers {
            total: 10,
            psychiatry: 2,
            ..Numbers::default()
        };
        assert!(check_within(&parent, &[Numbers::ordinary(6), Numbers::ordinary(4)]).is_ok());
        let e = check_within(&parent, &[Numbers::ordinary(6), Numbers::ordinary(5)]).unwrap_err();
        assert_eq!(
            e,
            PlanningError::OverParent {
                field: BoundField::Total,
                parent: 10,
                children: 11
            }
        );
        assert!(e.message(Lang::Nb).contains("11"));
        let bound = Numbers {
            total: 3,
            psychiatry: 3,
            ..Numbers::default()
        };
        assert!(matches!(
            check_within(&parent, &[bound]),
            Err(PlanningError::OverParent {
                field: BoundField::Psychiatry,
                ..
            })
        ));
    }

    #[test]
    fn the_national_total_is_fixed_once_set() {
        assert!(check_national(None, 1185, false).is_ok());
        assert!(check_national(Some(1185), 1185, false).is_ok());
        assert_eq!(
            check_national(Some(1185), 1190, false),
            Err(PlanningError::NationalFixed {
                current: 1185,
                asked: 1190
            })
        );
        assert!(check_national(Some(1185), 1190, true).is_ok());
    }

    #[test]
    fn conversion_keeps_the_total() {
        let before = Numbers::ordinary(593);
        let after = Numbers {
            total: 593,
            psychiatry: 4,
            ..Numbers::default()
        };
        assert!(check_conversion(&before, &after).is_ok());
        assert_eq!(after.ordinary_count(), 589);
        let wrong = Numbers {
            total: 597,
            ..after
        };
        assert!(check_conversion(&before, &wrong).is_err());
        let over = Numbers {
            total: 3,
            psychiatry: 4,
            ..Numbers::default()
        };
        assert!(over.validate().is_err());
    }

    #[test]
    fn split_lending_advertising_and_places() {
        assert!(check_split(10, &[5, 5]).is_ok());
        assert_eq!(
            check_split(10, &[5, 4]),
            Err(PlanningError::SplitMismatch {
                whole: 10,
                parts: 9
            })
        );
        assert!(check_split(0, &[1, -1]).is_err());
        assert!(check_lending(26, 20, 1).is_ok());
        assert_eq!(
            check_lending(26, 26, 1),
            Err(PlanningError::LendingTooMuch {
                asked: 1,
                left: 25,
                needed: 26
            })
        );
        assert!(check_advertised(&Numbers::ordinary(12), &Numbers::ordinary(12)).is_ok());
        assert!(check_advertised(&Numbers::ordinary(12), &Numbers::ordinary(13)).is_err());
        assert!(check_alis_proposed(0, 0).is_ok());
        assert!(check_alis_proposed(2, 2).is_ok());
        let e = check_alis_proposed(1, 0).unwrap_err();
        assert!(
            e.message(Lang::Nb).contains("gir 0"),
            "{}",
            e.message(Lang::Nb)
        );
        assert_eq!(
            ProposalState::parse("endorsed"),
            Some(ProposalState::Endorsed)
        );
        assert!(check_municipal_places(None, 9).is_ok());
        assert!(check_municipal_places(Some(2), 2).is_ok());
        let e = check_municipal_places(Some(2), 3).unwrap_err();
        assert!(e.message(Lang::Nb).contains("fått 2 plasser"));
        assert!(e.message(Lang::Nb).contains("hatt 3 godkjente"));
        let e = check_area_places(12, 10).unwrap_err();
        assert!(e.message(Lang::Nb).contains("mangler 2 plasser"));
    }

    #[test]
    fn lending_across_regions_needs_both_rhfs() {
        let a = LendingApprovals::new(true);
        let a = a.accept(LendingParty::Counterpart).unwrap();
        assert!(!a.complete());
        let a = a.accept(LendingParty::LenderRhf).unwrap();
        assert!(!a.complete());
        let a = a.accept(LendingParty::BorrowerRhf).unwrap();
        assert!(a.complete());
        let within = LendingApprovals::new(false);
        assert!(within.accept(LendingParty::LenderRhf).is_none());
        assert!(within.accept(LendingParty::Counterpart).unwrap().complete());
    }

    #[test]
    fn answers_follow_the_deadline_and_the_governor() {
        let deadline = date(2027, 10, 15);
        assert!(may_answer(CallState::Open, deadline, date(2027, 10, 15), false).is_ok());
        assert_eq!(
            may_answer(CallState::Open, deadline, date(2027, 10, 16), false),
            Err(CallError::DeadlinePassed { deadline })
        );
        assert!(may_answer(CallState::Open, deadline, date(2027, 10, 16), true).is_ok());
        assert!(may_answer(CallState::Closed, deadline, date(2027, 10, 1), false).is_err());
        // 2027-10-16 is a Saturday.
        assert!(check_deadline(date(2027, 10, 1), date(2027, 10, 16)).is_err());
        assert!(check_deadline(date(2027, 10, 1), deadline).is_ok());
        assert_eq!(
            AnswerState::Submitted.review(false, " "),
            Err(CallError::ReasonNeeded)
        );
        assert_eq!(
            AnswerState::Submitted.review(true, ""),
            Ok(AnswerState::Approved)
        );
        assert!(AnswerState::Approved.review(true, "").is_err());
        // Thursday 14 October: the deadline is the next working day.
        assert_eq!(
            reminder_due(deadline, date(2027, 10, 14)),
            Some(Reminder::BeforeDeadline)
        );
        assert_eq!(
            reminder_due(deadline, date(2027, 10, 18)),
            Some(Reminder::Passed)
        );
        assert_eq!(reminder_due(deadline, date(2027, 10, 4)), None);
    }

    proptest! {
        #[test]
        fn apportioned_parts_sum_to_the_whole_and_stay_within_one_of_the_quota(
            whole in 0u32..5000,
            weights in proptest::collection::vec(0u64..10_000, 1..12),
        ) {
            prop_assume!(weights.iter().any(|&w| w > 0));
            let parts = apportion(whole, &weights).unwrap();
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(parts.iter().map(|&p| u64::from(p)).sum::<u64>(), u64::from(whole));
            let sum: u64 = weights.iter().sum();
            for (p, w) in parts.iter().zip(&weights) {
                // |part − quota| < 1  ⇔  |part·Σw − whole·w| < Σw.
                let scaled = i128::from(*p) * i128::from(sum);
                let exact = i128::from(whole) * i128::from(*w);
                prop_assert!((scaled - exact).abs() < i128::from(sum));
            }
        }

        #[test]
        fn a_split_that_adds_up_is_within_its_parent(
            whole in 0i32..2000,
            weights in proptest::collection::vec(1u64..500, 1..8),
        ) {
            let parts = apportion(whole as u32, &weights).unwrap();
            let parts: Vec<i32> = parts.into_iter().map(|p| p as i32).collect();
            prop_assert!(check_split(whole, &parts).is_ok());
            let children: Vec<Numbers> = parts.iter().map(|&p| Numbers::ordinary(p)).collect();
            prop_assert!(check_within(&Numbers::ordinary(whole), &children).is_ok());
        }
    }
}
