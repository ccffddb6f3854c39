#![no_main]
//! Fuzz target `lottery_inputs`: see `checks::lottery_inputs` for what it checks.

use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::lottery_inputs(data));
