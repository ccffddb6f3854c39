#![no_main]
//! Fuzz target `upload_type`: see `checks::upload_type` for what it checks.

use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
mod checks;

fuzz_target!(|data: &[u8]| checks::upload_type(data));
