//! The properties each fuzz target checks, shared with the ordinary test
//! `crates/domain/tests/fuzz_regressions.rs`, which runs every saved input in
//! `fuzz/regressions/<target>/` through the same function, so `cargo test` catches a
//! regression without the fuzzer. Each function must return (not panic, not hang) for
//! every input; a broken property is an `assert!`.
#![allow(dead_code)]

use lis1_domain::identity::{HprNumber, NationalId, SyntheticPolicy};
use lis1_domain::lottery::{
    Export, FileVerdict, InputsDocument, Seed, Timestamps, VerifyExit, draw,
};
use lis1_domain::profiles::Profile;
use lis1_domain::{Lang, Localized};

/// A check: returns for every input, panics only on a broken property.
pub type Check = fn(&[u8]);

/// The targets, by name: the file name in `fuzz_targets/` and the folder in `regressions/`.
pub const TARGETS: [(&str, Check); 5] = [
    ("identity", identity),
    ("lottery_inputs", lottery_inputs),
    ("lottery_export", lottery_export),
    ("upload_type", upload_type),
    ("profile", profile),
];

/// `NationalId::parse_with` (both policies) and `HprNumber::parse` on any text.
pub fn identity(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let deny = NationalId::parse_with(s, SyntheticPolicy::Deny);
    let allow = NationalId::parse_with(s, SyntheticPolicy::Allow);
    if deny.is_ok() {
        assert_eq!(
            deny, allow,
            "a number the strict policy takes, the lax one takes too"
        );
    }
    match allow {
        Ok(n) => {
            let digits = n.as_str();
            assert!(digits.len() == 11 && digits.bytes().all(|b| b.is_ascii_digit()));
            assert_eq!(
                NationalId::parse_with(digits, SyntheticPolicy::Allow).as_ref(),
                Ok(&n)
            );
            let masked = n.masked();
            assert!(masked.ends_with("*****") && masked.starts_with(&digits[..6]));
            let _ = (n.kind(), n.is_synthetic(), n.control_rule());
            if let Some(born) = n.birth_date() {
                assert!(born.year() >= 1854 && born.year() <= 2039, "{born}");
            }
        }
        Err(e) => {
            assert!(!e.message(Lang::Nb).is_empty() && !e.message(Lang::En).is_empty());
            let _ = e.code();
        }
    }
    match HprNumber::parse(s) {
        Ok(h) => {
            let t = h.as_str();
            assert!(!t.is_empty() && t.len() <= HprNumber::MAX_DIGITS && !t.starts_with('0'));
            assert_eq!(HprNumber::parse(t).as_ref(), Ok(&h));
        }
        Err(e) => {
            let _ = (e.code(), e.message(Lang::Nb));
        }
    }
}

/// An inputs file (docs/lottery.md §10.1–10.2, §13) through parsing and validation. Valid inputs
/// must have canonical bytes that parse back to the same commitment, and a draw of them, exported,
/// must verify.
pub fn lottery_inputs(data: &[u8]) {
    let doc = match InputsDocument::from_slice(data) {
        Ok(d) => d,
        Err(e) => {
            let _ = (e.code(), e.message(Lang::Nb));
            return;
        }
    };
    let inputs = match doc.validate() {
        Ok(i) => i,
        Err(e) => {
            let _ = (e.code(), e.message(Lang::En));
            return;
        }
    };
    let canonical = lis1_domain::lottery::canonical_bytes(&inputs);
    let again = InputsDocument::from_slice(&canonical)
        .map_err(|e| e.to_string())
        .and_then(|d| d.validate().map_err(|e| e.to_string()));
    match again {
        Ok(again) => assert_eq!(again.inputs_sha256(), inputs.inputs_sha256()),
        Err(e) => panic!("canonical bytes do not read back: {e}"),
    }
    let seed = Seed::from_bytes([7; 32]);
    let outcome = draw(&inputs, &seed);
    assert_eq!(outcome.assignments.len(), inputs.participants().len());
    for place in inputs.places() {
        let given = outcome
            .assignments
            .iter()
            .filter(|a| a.place == place.key)
            .count();
        assert!(given <= place.count as usize, "{} overfilled", place.key);
    }
    let export = Export::new(&inputs, &seed, &outcome, Timestamps::default());
    let verdict = FileVerdict::of(export.to_json_pretty().as_bytes());
    assert_eq!(
        verdict.exit(),
        VerifyExit::Verified,
        "{:?}",
        verdict.codes()
    );
}

/// An export file through `FileVerdict::of`, as `lis1 lottery verify` reads it.
pub fn lottery_export(data: &[u8]) {
    let verdict = FileVerdict::of(data);
    let codes = verdict.codes();
    assert_eq!(codes.is_empty(), verdict.exit() == VerifyExit::Verified);
    match &verdict {
        FileVerdict::Checked(export, report) => {
            for f in &report.failures {
                let _ = (f.message(Lang::Nb), f.message(Lang::En));
            }
            if report.is_ok() {
                // What verifies once verifies again after being written out.
                let again = FileVerdict::of(export.to_json_pretty().as_bytes());
                assert_eq!(again.exit(), VerifyExit::Verified);
            }
        }
        FileVerdict::Malformed(e) => {
            let _ = e.message(Lang::Nb);
        }
    }
}

/// The upload type detection: one of three types, decided by a prefix.
pub fn upload_type(data: &[u8]) {
    let found = lis1_domain::uploads::sniff(data);
    assert!(matches!(
        found,
        None | Some("application/pdf" | "image/png" | "image/jpeg")
    ));
    if found.is_some() {
        let longer = [data, b"\0 trailing bytes"].concat();
        assert_eq!(lis1_domain::uploads::sniff(&longer), found);
    }
}

/// A stored profile (JSON, as the store and the profile page read it back) and the profile
/// rules. The HTML form decoder itself (`parse_profile` in crates/web/src/pages/apply.rs) is not
/// fuzzed here: it is web code under change; see fuzz/README.md.
pub fn profile(data: &[u8]) {
    let Ok(p) = serde_json::from_slice::<Profile>(data) else {
        return;
    };
    let today = jiff::civil::date(2026, 6, 1);
    if let Err(problems) = p.validate(today) {
        for e in problems {
            let _ = (e.field(), e.message(Lang::Nb), e.message(Lang::En));
        }
    }
    let _ = p.validate_identity(SyntheticPolicy::Deny);
    let _ = p.validate_identity(SyntheticPolicy::Allow);
    let text = serde_json::to_string(&p).unwrap_or_default();
    let back = serde_json::from_str::<Profile>(&text).map_err(|e| e.to_string());
    assert_eq!(back.as_ref(), Ok(&p), "a profile reads back as written");
}
