//! Invariants of the draw over random inputs and seeds, and fairness smoke tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::*;
use crate::Lang;

const KEYS: [&str; 10] = [
    "3432",
    "5006",
    "5034",
    "5035",
    "5037",
    "5038",
    "5041",
    "5053",
    "5060/Kolvereid",
    "5060/Rørvik",
];

/// Deterministic pseudo-random numbers for building an input shape (not the lottery's RNG).
struct Shape(u64);
impl Shape {
    fn next(&mut self, n: usize) -> usize {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

fn build(places: usize, counts: &[u32], shape: u64, pure: bool) -> ValidInputs {
    let mut s = Shape(shape);
    let places: Vec<PlaceInput> = KEYS
        .iter()
        .take(places)
        .zip(counts)
        .map(|(k, &c)| PlaceInput {
            key: (*k).into(),
            count: c,
        })
        .collect();
    let slots: u32 = places.iter().map(|p| p.count).sum();
    let n = 1 + s.next(slots as usize);
    let participants: Vec<ParticipantInput> = (0..n)
        .map(|i| ParticipantInput {
            id: format!("p-{i:02}"),
            on_leave: s.next(5) == 0,
        })
        .collect();
    let mut left: Vec<u32> = places.iter().map(|p| p.count).collect();
    let mut reservations = Vec::new();
    let mut preferences = Vec::new();
    for p in &participants {
        if s.next(5) == 0 {
            let j = s.next(places.len());
            if left[j] > 0 {
                left[j] -= 1;
                reservations.push(Reservation {
                    participant: p.id.clone(),
                    place: places[j].key.clone(),
                });
            }
        }
        if !pure && s.next(4) != 0 {
            let mut keys: Vec<String> = places.iter().map(|p| p.key.clone()).collect();
            for i in (1..keys.len()).rev() {
                keys.swap(i, s.next(i + 1));
            }
            keys.truncate(s.next(keys.len() + 1));
            preferences.push(Ranking {
                participant: p.id.clone(),
                places: keys,
            });
        }
    }
    LotteryInputs {
        site: "Prop".into(),
        cohort: "2024-09-01".into(),
        method: if pure {
            Method::PureRandom
        } else {
            Method::PreferenceOrder
        },
        participants,
        places,
        reservations,
        preferences,
        replaces: None,
    }
    .validate()
    .unwrap()
}

fn check_invariants(inputs: &ValidInputs, outcome: &Outcome) {
    let people = inputs.participants();
    // Everyone exactly once, in id order.
    let ids: Vec<&ParticipantId> = outcome.assignments.iter().map(|a| &a.participant).collect();
    assert_eq!(ids, people.iter().map(|p| &p.id).collect::<Vec<_>>());
    // No place over its count.
    let mut used: BTreeMap<&PlaceKey, u32> = BTreeMap::new();
    for a in &outcome.assignments {
        *used.entry(&a.place).or_default() += 1;
    }
    for p in inputs.places() {
        assert!(
            used.get(&p.key).copied().unwrap_or(0) <= p.count,
            "{} over its count",
            p.key
        );
    }
    // Reservations honoured, leave carried, order = exactly the non-reserved.
    for (p, a) in people.iter().zip(&outcome.assignments) {
        assert_eq!(a.on_leave, p.on_leave);
        match &p.reserved {
            Some(k) => assert_eq!((&a.place, a.basis), (k, Basis::Reserved)),
            None => assert_ne!(a.basis, Basis::Reserved),
        }
    }
    let order: BTreeSet<&ParticipantId> = outcome.order.iter().collect();
    let pool: BTreeSet<&ParticipantId> = people
        .iter()
        .filter(|p| p.reserved.is_none())
        .map(|p| &p.id)
        .collect();
    assert_eq!(order, pool);
    assert_eq!(outcome.order.len(), pool.len());

    // Replay the stated order: nobody gets a place ranked below one that was free at their turn.
    let mut free: BTreeMap<&PlaceKey, u32> =
        inputs.places().iter().map(|p| (&p.key, p.count)).collect();
    for p in people {
        if let Some(k) = &p.reserved {
            *free.get_mut(k).unwrap() -= 1;
        }
    }
    for id in &outcome.order {
        let p = people.iter().find(|p| &p.id == id).unwrap();
        let a = outcome.assignment_for(id).unwrap();
        assert!(free[&a.place] > 0, "{id} got a full place");
        match (inputs.method(), a.basis) {
            (Method::PureRandom, b) => assert_eq!(b, Basis::Random),
            (Method::PreferenceOrder, Basis::Preference { rank }) => {
                let r = rank as usize;
                assert_eq!(p.preferences[r - 1], a.place);
                for better in &p.preferences[..r - 1] {
                    assert_eq!(
                        free[better], 0,
                        "{id} got rank {rank} while {better} was free"
                    );
                }
            }
            (Method::PreferenceOrder, Basis::Random) => {
                for k in &p.preferences {
                    assert_eq!(
                        free[k], 0,
                        "{id} got a random place while ranked {k} was free"
                    );
                }
            }
            (_, Basis::Reserved) => unreachable!(),
        }
        *free.get_mut(&a.place).unwrap() -= 1;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn draws_obey_every_rule(
        places in 1usize..=10,
        counts in prop::collection::vec(1u32..=3, 10),
        shape in any::<u64>(),
        seed in any::<[u8; 32]>(),
        pure in any::<bool>(),
    ) {
        let inputs = build(places, &counts, shape, pure);
        let seed = Seed::from_bytes(seed);
        let outcome = draw(&inputs, &seed);
        check_invariants(&inputs, &outcome);
        // Deterministic.
        prop_assert_eq!(&draw(&inputs, &seed), &outcome);
        // The export of any draw verifies, also after a trip through JSON.
        let export = Export::new(&inputs, &seed, &outcome, Timestamps::default());
        let back = Export::from_json(&export.to_json_pretty()).unwrap();
        prop_assert!(back.verify().is_ok());
    }
}

fn levanger_like(method: Method) -> ValidInputs {
    let places = [
        ("5035", 2),
        ("5034", 1),
        ("5037", 2),
        ("5038", 2),
        ("5053", 1),
        ("5006", 2),
        ("5041", 1),
        ("3432", 1),
    ];
    LotteryInputs {
        site: "Sykehuset Levanger".into(),
        cohort: "2022-09-01".into(),
        method,
        participants: (1..=12)
            .map(|i| ParticipantInput {
                id: format!("d-{i:02}"),
                on_leave: false,
            })
            .collect(),
        places: places
            .iter()
            .map(|(k, c)| PlaceInput {
                key: (*k).into(),
                count: *c,
            })
            .collect(),
        reservations: vec![],
        preferences: if method == Method::PureRandom {
            vec![]
        } else {
            (1..=12)
                .map(|i| Ranking {
                    participant: format!("d-{i:02}"),
                    places: vec!["5037".into(), "5038".into(), "5035".into()],
                })
                .collect()
        },
        replaces: None,
    }
    .validate()
    .unwrap()
}

#[test]
fn different_seeds_give_different_outcomes() {
    let inputs = levanger_like(Method::PreferenceOrder);
    let orders: BTreeSet<Vec<ParticipantId>> = (0..50u8)
        .map(|b| draw(&inputs, &Seed::from_bytes([b; 32])).order)
        .collect();
    // 12! ≈ 4.8e8 orders: a repeat among 50 has probability below 3e-6.
    assert_eq!(orders.len(), 50);
}

#[test]
fn the_same_seed_on_other_inputs_gives_an_unrelated_stream() {
    let seed = Seed::from_bytes([7; 32]);
    let a = levanger_like(Method::PreferenceOrder);
    let b = levanger_like(Method::PureRandom);
    assert_ne!(
        stream_key(&seed, &a.inputs_sha256()),
        stream_key(&seed, &b.inputs_sha256())
    );
}

#[test]
fn pure_random_gives_every_place_its_fair_share() {
    // 12 doctors, 13 slots. For one (doctor, place) cell the simulated share is a mean
    // of 20,000 independent 0/1 draws; by Hoeffding P(|share − p| ≥ 0.03) ≤
    // 2·exp(−2·20000·0.03²) = 2·e^−36 ≈ 4.6e−16, and over all 96 cells ≤ 4.5e−14.
    // The master seed is fixed, so the test is deterministic anyway.
    let inputs = levanger_like(Method::PureRandom);
    let pr = simulate(&inputs, &Seed::from_bytes([42; 32]), 20_000, |_| {});
    let total = f64::from(inputs.slot_count());
    for p in 0..pr.participants().len() {
        for (j, place) in inputs.places().iter().enumerate() {
            let expected = f64::from(place.count) / total;
            let got = pr.fraction(p, j);
            assert!(
                (got - expected).abs() < 0.03,
                "{} at {}: {got} vs {expected}",
                pr.participants()[p],
                place.key
            );
        }
    }
    assert!(pr.max_place_deviation() < 0.03);
}

#[test]
fn preference_order_gives_everyone_every_turn_equally_often() {
    // Same Hoeffding bound as above, over 12×12 cells.
    let inputs = levanger_like(Method::PreferenceOrder);
    let pr = simulate(&inputs, &Seed::from_bytes([43; 32]), 20_000, |_| {});
    assert!(
        pr.max_turn_deviation() < 0.03,
        "{}",
        pr.max_turn_deviation()
    );
    // Identical rankings and 5037 has 2 slots: the first choice goes to whoever has turn 1 or 2.
    for p in 0..12 {
        let f = pr.first_choice_fraction(p).unwrap();
        assert!((f - 2.0 / 12.0).abs() < 0.03, "{f}");
    }
    assert!(pr.fairness_note(Lang::Nb).contains("Førstevalg"));
}
