#![no_main]
//! Fuzz target `identity`: see `checks::identity` for what it checks.

use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::identity(data));
