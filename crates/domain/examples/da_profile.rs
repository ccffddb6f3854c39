//! Deferred acceptance alone at NRMP size without couples, for profiling:
//! `cargo run --release -p lis1-domain --example da_profile -- [runs]`, or under
//! `valgrind --tool=callgrind --toggle-collect='*deferred_acceptance*'` with `1` run to count
//! the instructions of one solve. Prints the proposals, a hash of the result, and min/median;
//! then min/median of preparing (lottery numbers, strict lists, the solver's layout) and of
//! the whole `solve` (prepare + DA + verify), a tenth as many runs each.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use lis1_domain::lottery::{RandomStream, Seed};
use lis1_domain::matching::generate::{GeneratorParams, generate};
use lis1_domain::matching::*;

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let inst = generate(&GeneratorParams::nrmp().without_couples(), 1)
        .validate()
        .unwrap();
    let seed = Seed::from_bytes([7; 32]);
    let mut rng = RandomStream::new(&stream_key(&seed, &inst.inputs_sha256()));
    let prep = Prepared::new(&inst, &mut rng);
    let mut solver = Solver::new(&inst);
    let mut times = Vec::with_capacity(runs);
    let mut proposals = 0;
    let cpu0 = cpu_ticks();
    for _ in 0..runs {
        let t = Instant::now();
        proposals = black_box(solver.deferred_acceptance(black_box(&inst), black_box(&prep)));
        times.push(t.elapsed());
    }
    let cpu = cpu_ticks()
        .zip(cpu0)
        .map(|(b, a)| (b - a) as f64 * 10.0 / runs as f64);
    times.sort();
    let sol = solve(&inst, &seed).unwrap();
    let placed: Vec<Option<u32>> = (0..inst.applicant_count())
        .map(|a| sol.matching.position_of(a))
        .collect();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::hash::Hash::hash(&placed, &mut h);
    println!(
        "proposals {proposals}, evictions {}, placed {}, result hash {:016x}, runs {runs}, min {:?}, median {:?}, CPU per run {:.2} ms",
        solver.evictions(),
        sol.matching.placed(),
        std::hash::Hasher::finish(&h),
        times[0],
        times[runs / 2],
        cpu.unwrap_or(f64::NAN)
    );
    let timed = |f: &mut dyn FnMut()| {
        let mut t: Vec<_> = (0..runs.div_ceil(10))
            .map(|_| {
                let s = Instant::now();
                f();
                s.elapsed()
            })
            .collect();
        t.sort();
        (t[0], t[t.len() / 2])
    };
    let prepare = timed(&mut || {
        let mut rng = RandomStream::new(&stream_key(&seed, &inst.inputs_sha256()));
        black_box(Prepared::new(black_box(&inst), &mut rng));
    });
    let full = timed(&mut || {
        black_box(solve(black_box(&inst), &seed).unwrap());
    });
    println!(
        "prepare min {:?}, median {:?}; solve (prepare + DA + verify) min {:?}, median {:?}",
        prepare.0, prepare.1, full.0, full.1
    );
}

/// User + system CPU time of the process in clock ticks (1/100 s), from /proc.
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}
