//! Lottery speed at LIS1 size: 14 participants, 13 place keys, 5-item rankings.
//! Target: at least 100,000 simulated draws per second on one core.
//!
//! `cargo bench -p lis1-domain --bench lottery`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lis1_domain::lottery::*;

const KEYS: [&str; 13] = [
    "5035", "5034", "5037", "5038", "5053", "5006", "5041", "3432", "5020", "5047", "5046", "5045",
    "5007",
];

fn inputs(method: Method) -> ValidInputs {
    let ids: Vec<String> = (1..=14).map(|i| format!("d-{i:02}")).collect();
    LotteryInputs {
        site: "Benk".into(),
        cohort: "2022-09-01".into(),
        method,
        participants: ids
            .iter()
            .map(|id| ParticipantInput {
                id: id.clone(),
                on_leave: false,
            })
            .collect(),
        // 12 keys with one slot and one with two: 14 slots.
        places: KEYS
            .iter()
            .enumerate()
            .map(|(i, k)| PlaceInput {
                key: (*k).into(),
                count: 1 + u32::from(i == 0),
            })
            .collect(),
        reservations: vec![],
        preferences: match method {
            Method::PureRandom => vec![],
            // Overlapping tastes, so many fall through to lower ranks and some to a random slot.
            Method::PreferenceOrder => ids
                .iter()
                .enumerate()
                .map(|(i, id)| Ranking {
                    participant: id.clone(),
                    places: (0..5)
                        .map(|r| KEYS[(i * 3 + r * 2) % 7].to_owned())
                        .collect(),
                })
                .collect(),
        },
        replaces: None,
    }
    .validate()
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("lottery");
    g.measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(20);
    let seed = Seed::from_bytes([7; 32]);

    let pref = inputs(Method::PreferenceOrder);
    g.throughput(Throughput::Elements(1));
    g.bench_function("draw_one_with_outcome", |b| {
        b.iter(|| draw(black_box(&pref), black_box(&seed)))
    });

    const N: u64 = 10_000;
    g.throughput(Throughput::Elements(N));
    g.bench_function("simulate_preference_order_14x13", |b| {
        b.iter(|| simulate(black_box(&pref), black_box(&seed), N, |_| {}))
    });
    let pure = inputs(Method::PureRandom);
    g.bench_function("simulate_pure_random_14x13", |b| {
        b.iter(|| simulate(black_box(&pure), black_box(&seed), N, |_| {}))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
