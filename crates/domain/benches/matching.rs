//! Matching speed (docs/benchmarks.md, "Coordinated admission"): an NRMP-size instance
//! (48,000 applicants, 6,000 programmes, 40,000 places, rank lists of 12) without and
//! with 1,000 couples, and the LIS1-size case (1,200 applicants, 600 positions, 17 ranked).
//!
//! Targets (issue 16): deferred acceptance ≤ 3 ms without couples; load + solve + verify
//! ≤ 15 ms; LIS1 size in microseconds. Single core: criterion runs on one thread.
//!
//! `cargo bench -p lis1-domain --bench matching`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use lis1_domain::lottery::{RandomStream, Seed};
use lis1_domain::matching::generate::{GeneratorParams, generate};
use lis1_domain::matching::*;

fn prepared(inst: &Instance, seed: &Seed) -> Prepared {
    let mut rng = RandomStream::new(&stream_key(seed, &inst.inputs_sha256()));
    Prepared::new(inst, &mut rng)
}

fn bench(c: &mut Criterion) {
    let seed = Seed::from_bytes([7; 32]);
    let mut g = c.benchmark_group("matching");
    g.measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(30);

    let inputs = generate(&GeneratorParams::nrmp().without_couples(), 1);
    let nrmp = inputs.clone().validate().unwrap();
    let prep = prepared(&nrmp, &seed);
    let mut solver = Solver::new(&nrmp);
    g.bench_function("nrmp_da_solve", |b| {
        b.iter(|| solver.deferred_acceptance(black_box(&nrmp), black_box(&prep)))
    });
    g.bench_function("nrmp_prepare", |b| {
        b.iter(|| prepared(black_box(&nrmp), &seed))
    });
    let sol = solve(&nrmp, &seed).unwrap();
    g.bench_function("nrmp_verify", |b| {
        b.iter(|| check(black_box(&nrmp), &sol.prepared, &sol.matching))
    });
    g.bench_function("nrmp_prepare_solve_verify", |b| {
        b.iter(|| solve(black_box(&nrmp), &seed).unwrap())
    });
    g.bench_function("nrmp_validate", |b| {
        b.iter_batched(
            || inputs.clone(),
            |i| i.validate().unwrap(),
            BatchSize::LargeInput,
        )
    });
    let text = serde_json::to_string(&nrmp.to_document()).unwrap();
    g.bench_function("nrmp_parse_json", |b| {
        b.iter(|| InputsDocument::from_json(black_box(&text)).unwrap())
    });
    g.bench_function("nrmp_explain", |b| {
        b.iter(|| explain(&nrmp, &sol.prepared, &sol.matching))
    });
    drop(sol);

    let couples = generate(&GeneratorParams::nrmp(), 1).validate().unwrap();
    g.bench_function("nrmp_couples_prepare_solve_verify", |b| {
        b.iter(|| solve(black_box(&couples), &seed).unwrap())
    });

    let lis1 = generate(&GeneratorParams::lis1().without_couples(), 1)
        .validate()
        .unwrap();
    let lprep = prepared(&lis1, &seed);
    let mut lsolver = Solver::new(&lis1);
    g.bench_function("lis1_da_solve", |b| {
        b.iter(|| lsolver.deferred_acceptance(black_box(&lis1), black_box(&lprep)))
    });
    g.bench_function("lis1_prepare_solve_verify", |b| {
        b.iter(|| solve(black_box(&lis1), &seed).unwrap())
    });
    let lis1c = generate(&GeneratorParams::lis1(), 1).validate().unwrap();
    g.bench_function("lis1_couples_prepare_solve_verify", |b| {
        b.iter(|| solve(black_box(&lis1c), &seed).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
