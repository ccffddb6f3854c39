//! The draw itself (docs/lottery.md §9).

use serde::{Deserialize, Serialize};

use super::crypto::{Seed, stream_key};
use super::inputs::{Method, ParticipantId, PlaceKey, ValidInputs};
use super::stream::RandomStream;

/// Why a participant got their place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Basis {
    /// Pre-assigned before the draw.
    Reserved,
    /// Their ranked choice number `rank` (1 = first choice).
    Preference {
        /// 1-based position in the participant's ranking.
        rank: u32,
    },
    /// A uniformly random free slot (no ranking, all ranked places full, or `pure_random`).
    Random,
}

/// The basis as a word in the export: `reserved`, `preference` or `random`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BasisKind {
    /// See [`Basis::Reserved`].
    Reserved,
    /// See [`Basis::Preference`].
    Preference,
    /// See [`Basis::Random`].
    Random,
}

impl Basis {
    /// The word and the rank as written in the export.
    pub fn split(self) -> (BasisKind, Option<u32>) {
        match self {
            Basis::Reserved => (BasisKind::Reserved, None),
            Basis::Preference { rank } => (BasisKind::Preference, Some(rank)),
            Basis::Random => (BasisKind::Random, None),
        }
    }
}

/// One participant's place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Who.
    pub participant: ParticipantId,
    /// Which place key.
    pub place: PlaceKey,
    /// Carried from the inputs: keeps the place while on leave (002 §2.2).
    pub on_leave: bool,
    /// Why.
    pub basis: Basis,
}

/// The result of a draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The drawn order of the non-reserved participants (turn 1 first).
    pub order: Vec<ParticipantId>,
    /// One assignment per participant, reserved ones included, sorted by participant id.
    pub assignments: Vec<Assignment>,
}

impl Outcome {
    /// The assignment of one participant.
    pub fn assignment_for(&self, id: &ParticipantId) -> Option<&Assignment> {
        self.assignments
            .binary_search_by(|a| a.participant.cmp(id))
            .ok()
            .map(|i| &self.assignments[i])
    }
}

/// Draws the places: deterministic in `inputs` and `seed`, on every platform.
pub fn draw(inputs: &ValidInputs, seed: &Seed) -> Outcome {
    let mut d = Drawer::new(inputs);
    d.run(inputs, &stream_key(seed, &inputs.inputs_sha256()));
    d.outcome(inputs)
}

/// Reusable buffers, so that simulating many draws allocates nothing per draw.
pub(crate) struct Drawer {
    /// Participant indices in drawn order.
    pub(crate) order: Vec<u32>,
    free: Vec<u32>,
    slots: Vec<u32>,
    /// Per participant: place index and basis.
    pub(crate) got: Vec<(u32, Basis)>,
}

impl Drawer {
    pub(crate) fn new(inputs: &ValidInputs) -> Drawer {
        Drawer {
            order: Vec::with_capacity(inputs.pool.len()),
            free: Vec::with_capacity(inputs.base_free.len()),
            slots: Vec::with_capacity(inputs.base_slots.len()),
            got: vec![(0, Basis::Reserved); inputs.participants().len()],
        }
    }

    pub(crate) fn run(&mut self, inputs: &ValidInputs, key: &[u8; 32]) {
        let mut rng = RandomStream::new(key);
        for (p, r) in inputs.reserved_idx.iter().enumerate() {
            if let Some(r) = r {
                self.got[p] = (*r, Basis::Reserved);
            }
        }
        // Step 1 (both methods): shuffle the non-reserved participants, taken in id order.
        self.order.clear();
        self.order.extend_from_slice(&inputs.pool);
        rng.shuffle(&mut self.order);
        match inputs.method() {
            Method::PreferenceOrder => {
                self.free.clear();
                self.free.extend_from_slice(&inputs.base_free);
                let mut total = inputs.base_slots.len() as u32;
                for &p in &self.order {
                    let p = p as usize;
                    let ranked = inputs.pref_idx[p]
                        .iter()
                        .enumerate()
                        .find(|&(_, &k)| self.free[k as usize] > 0);
                    let (place, basis) = match ranked {
                        Some((rank, &k)) => (
                            k,
                            Basis::Preference {
                                rank: rank as u32 + 1,
                            },
                        ),
                        None => (
                            pick_free_slot(&self.free, rng.uniform(total)),
                            Basis::Random,
                        ),
                    };
                    self.free[place as usize] -= 1;
                    total -= 1;
                    self.got[p] = (place, basis);
                }
            }
            Method::PureRandom => {
                // Step 2: shuffle the free slots and deal them in drawn order.
                self.slots.clear();
                self.slots.extend_from_slice(&inputs.base_slots);
                rng.shuffle(&mut self.slots);
                for (&p, &place) in self.order.iter().zip(&self.slots) {
                    self.got[p as usize] = (place, Basis::Random);
                }
            }
        }
    }

    pub(crate) fn outcome(&self, inputs: &ValidInputs) -> Outcome {
        let people = inputs.participants();
        let places = inputs.places();
        Outcome {
            order: self
                .order
                .iter()
                .map(|&p| people[p as usize].id.clone())
                .collect(),
            assignments: people
                .iter()
                .zip(&self.got)
                .map(|(p, &(place, basis))| Assignment {
                    participant: p.id.clone(),
                    place: places[place as usize].key.clone(),
                    on_leave: p.on_leave,
                    basis,
                })
                .collect(),
        }
    }
}

/// The `k`-th free slot, counting place by place in key order, each place as
/// many times as it has free slots.
fn pick_free_slot(free: &[u32], mut k: u32) -> u32 {
    for (i, &n) in free.iter().enumerate() {
        if k < n {
            return i as u32;
        }
        k -= n;
    }
    // Unreachable: k < total free, checked by validation (participants ≤ slots).
    0
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::lottery::inputs::{
        LotteryInputs, ParticipantInput, PlaceInput, Ranking, Reservation,
    };

    #[test]
    fn pick_free_slot_counts_through_places() {
        let free = [2, 0, 1, 3];
        let picks: Vec<u32> = (0..6).map(|k| pick_free_slot(&free, k)).collect();
        assert_eq!(picks, [0, 0, 2, 3, 3, 3]);
    }

    #[test]
    fn reserved_and_ranked_participants_get_what_rules_say() {
        let i = LotteryInputs {
            site: "Test".into(),
            cohort: "2023-03-01".into(),
            method: Method::PreferenceOrder,
            participants: ["a", "b", "c"]
                .iter()
                .map(|id| ParticipantInput {
                    id: (*id).into(),
                    on_leave: *id == "c",
                })
                .collect(),
            places: vec![
                PlaceInput {
                    key: "5035".into(),
                    count: 1,
                },
                PlaceInput {
                    key: "5034".into(),
                    count: 2,
                },
            ],
            reservations: vec![Reservation {
                participant: "c".into(),
                place: "5035".into(),
            }],
            preferences: vec![
                Ranking {
                    participant: "a".into(),
                    places: vec!["5035".into(), "5034".into()],
                },
                Ranking {
                    participant: "b".into(),
                    places: vec!["5034".into()],
                },
            ],
            replaces: None,
        }
        .validate()
        .unwrap();
        let o = draw(&i, &Seed::from_bytes([9; 32]));
        let c = o
            .assignment_for(&ParticipantId::parse("c").unwrap())
            .unwrap();
        assert_eq!(
            (c.place.as_str(), c.on_leave, c.basis),
            ("5035", true, Basis::Reserved)
        );
        // 5035 is reserved, so a gets its second choice and b its first, whatever the order.
        let a = o
            .assignment_for(&ParticipantId::parse("a").unwrap())
            .unwrap();
        assert_eq!(
            (a.place.as_str(), a.basis),
            ("5034", Basis::Preference { rank: 2 })
        );
        assert_eq!(o.order.len(), 2);
    }
}
