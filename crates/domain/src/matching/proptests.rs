//! Worked examples and property tests: stability, applicant-optimality against a
//! brute-force search over all matchings, determinism, capacities, couples.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::lottery::Seed;

fn pos(id: &str, capacity: u32, tiers: &[&[&str]]) -> PositionInput {
    PositionInput {
        id: id.into(),
        capacity,
        ranking: tiers
            .iter()
            .map(|t| t.iter().map(|s| (*s).to_owned()).collect())
            .collect(),
    }
}

fn app(id: &str, applied: &[&str], ranking: &[&str]) -> ApplicantInput {
    ApplicantInput {
        id: id.into(),
        applied: applied.iter().map(|s| (*s).to_owned()).collect(),
        ranking: ranking.iter().map(|s| (*s).to_owned()).collect(),
    }
}

#[test]
fn textbook_example_gives_the_applicant_optimal_matching() {
    // Three applicants, two positions; a-1 and a-2 both want p-1 first.
    let inst = MatchInputs {
        round: "Test".into(),
        positions: vec![
            pos("p-1", 1, &[&["a-2"], &["a-1"], &["a-3"]]),
            pos("p-2", 1, &[&["a-1"], &["a-3"]]),
        ],
        applicants: vec![
            app("a-1", &["p-1", "p-2"], &["p-1", "p-2"]),
            app("a-2", &["p-1"], &["p-1"]),
            app("a-3", &["p-1", "p-2"], &["p-2", "p-1"]),
        ],
        couples: vec![],
    }
    .validate()
    .unwrap();
    let sol = solve(&inst, &Seed::from_bytes([0; 32])).unwrap();
    let got: Vec<Option<u32>> = (0..3).map(|a| sol.matching.position_of(a)).collect();
    assert_eq!(got, [Some(1), Some(0), None]);
    assert!(sol.report.is_stable());
    let ex = explain(&inst, &sol.prepared, &sol.matching);
    assert_eq!(ex[0].higher.len(), 1);
    assert_eq!(
        ex[0].higher[0].refusal,
        Some(Refusal::Full {
            capacity: 1,
            cutoff_rank: 1,
            own_rank: 2,
            lottery_decided: false
        })
    );
    assert_eq!(ex[2].higher.len(), 2);
}

#[test]
fn lis1_size_instance_solves_verifies_and_simulates() {
    let inst = generate::generate(&generate::GeneratorParams::lis1(), 7)
        .validate()
        .unwrap();
    assert_eq!(inst.applicant_count(), 1200);
    assert_eq!(inst.couple_count(), 10);
    assert!(inst.has_ties());
    let sol = solve(&inst, &Seed::from_bytes([1; 32])).unwrap();
    assert!(sol.report.is_stable());
    let e = Export::new(&inst, &Seed::from_bytes([1; 32]), &sol, Timestamps::default());
    assert!(e.verify().is_ok());
    let r = mechanisms::simulate(
        &inst,
        &Seed::from_bytes([2; 32]),
        2,
        &mechanisms::OfferModel::default(),
        20,
        |_| {},
    );
    for m in &r.mechanisms {
        eprintln!("{:?}", m);
    }
    let da = &r.mechanisms[3];
    assert_eq!(da.blocking_pairs.max, 0.0);
    assert_eq!(da.manipulation.unwrap().could_gain, 0);
}
