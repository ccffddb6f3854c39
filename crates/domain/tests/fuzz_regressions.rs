//! Every input the fuzzer ever found a problem with (`fuzz/regressions/<target>/`), and the seed
//! inputs it starts from (`fuzz/seeds/<target>/`), run through the same checks as the fuzz
//! targets (`fuzz/checks.rs`), so `cargo test` catches a regression without the fuzzer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

#[path = "../../../fuzz/checks.rs"]
mod checks;

fn inputs(kind: &str, target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(kind)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return vec![];
    };
    let mut out: Vec<(String, Vec<u8>)> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn every_saved_fuzz_input_passes_its_check_quickly() {
    let mut ran = 0;
    for (target, check) in checks::TARGETS {
        let saved = [inputs("regressions", target), inputs("seeds", target)].concat();
        assert!(
            !saved.is_empty(),
            "fuzz/seeds/{target}/ should hold at least one input"
        );
        for (name, data) in saved {
            let start = Instant::now();
            check(&data);
            // A hang is a bug too: libFuzzer gives up on an input after -timeout seconds.
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{name} took {:?}",
                start.elapsed()
            );
            ran += 1;
        }
    }
    assert!(ran >= 5);
}
