#![no_main]
//! Fuzz target `lottery_export`: see `checks::lottery_export` for what it checks.

use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::lottery_export(data));
