//! Frozen matching test vectors (tests/vectors/matching/*.json), tamper detection, and
//! the specification's copy of them (docs/matching.md §15) kept in sync.
//!
//! The vectors are written only by the ignored `write_vectors` test, run by hand with
//! `LIS1_WRITE_VECTORS=1`; once committed they must never change, or every verifier in
//! the wild disagrees with us.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use lis1_domain::Localized;
use lis1_domain::lottery::{RandomStream, Seed};
use lis1_domain::matching::*;

fn vector_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/matching")
}

fn spec() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/matching.md"))
        .unwrap()
}

fn vectors() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(vector_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    assert_eq!(v.len(), 2, "expected the two vectors");
    v
}

#[test]
fn every_frozen_vector_verifies_and_is_in_canonical_pretty_form() {
    for (name, text) in vectors() {
        let export = Export::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let report = export.verify();
        assert!(report.is_ok(), "{name}: {:?}", report.failures);
        assert_eq!(export.to_json_pretty(), text, "{name}");
    }
}

/// docs/matching.md §15 prints every vector in full; the printed text must be the file.
#[test]
fn the_specification_prints_every_vector_exactly() {
    let spec = spec();
    for (name, text) in vectors() {
        let marker = format!("<!-- vector: {name} -->\n```json\n");
        let start = spec
            .find(&marker)
            .unwrap_or_else(|| panic!("docs/matching.md does not print {name}"))
            + marker.len();
        let end = start + spec[start..].find("```\n").unwrap();
        assert_eq!(
            &spec[start..end],
            text,
            "docs/matching.md's copy of {name} differs"
        );
    }
}

/// The intermediate values of the worked example (§15.1). If this fails, fix the code,
/// not the numbers: they are what third parties implement against.
#[test]
fn small_vector_matches_the_worked_example() {
    let text = std::fs::read_to_string(vector_dir().join("small.json")).unwrap();
    let export = Export::from_json(&text).unwrap();
    let inst = export.inputs.clone().validate().unwrap();
    let canonical = String::from_utf8(canonical_bytes(&inst)).unwrap();
    let key = stream_key(&export.seed, &inst.inputs_sha256());
    let mut rng = RandomStream::new(&key);
    let words: Vec<String> = (0..4).map(|_| rng.next_u32().to_string()).collect();
    let spec = spec();
    for shown in [
        canonical.as_str(),
        &inst.inputs_sha256().to_hex(),
        &export.seed.sha256().to_hex(),
        &hex::encode(key),
        &words.join(", "),
        &format!("{} bytes", canonical.len()),
    ] {
        assert!(
            spec.contains(shown),
            "docs/matching.md does not show {shown}"
        );
    }
    // The tie at p-1 is broken by the lottery numbers shown in the result lines.
    assert!(inst.has_ties());
}

#[test]
fn any_changed_character_is_detected() {
    for (name, text) in vectors() {
        let compact = serde_json::to_string(&Export::from_json(&text).unwrap()).unwrap();
        let skip_from = compact.find("\"timestamps\"").unwrap();
        let bytes = compact.as_bytes();
        let mut tried = 0;
        for i in 0..skip_from {
            let c = bytes[i];
            let replacement = match c {
                b'0'..=b'8' | b'a'..=b'y' | b'A'..=b'Y' => c + 1,
                b'9' => b'0',
                b'z' => b'a',
                b'Z' => b'A',
                _ => continue,
            };
            let mut changed = bytes.to_vec();
            changed[i] = replacement;
            let changed = String::from_utf8(changed).unwrap();
            if let Ok(e) = Export::from_json(&changed) {
                assert!(
                    !e.verify().is_ok(),
                    "{name}: change at byte {i} ({}) went unnoticed",
                    &compact[i.saturating_sub(30)..i + 5]
                );
            }
            tried += 1;
        }
        assert!(tried > 400, "{name}: {tried}");
    }
}

#[test]
fn a_changed_result_names_the_applicant() {
    let text = std::fs::read_to_string(vector_dir().join("couple.json")).unwrap();
    let mut e = Export::from_json(&text).unwrap();
    let line = e.result.iter_mut().find(|l| l.applicant == "a-2").unwrap();
    line.position = Some("p-2".into());
    let r = e.verify();
    assert_eq!(r.failures[0].code(), "match_verify_result_mismatch");
    assert!(
        r.failures[0]
            .to_string()
            .starts_with("Resultatet for a-2 stemmer ikke")
    );
}

// ---------------------------------------------------------------------------
// The generator. Run once by hand; the outputs are then frozen.

fn position(id: &str, capacity: u32, tiers: &[&[&str]]) -> PositionInput {
    PositionInput {
        id: id.into(),
        capacity,
        ranking: tiers
            .iter()
            .map(|t| t.iter().map(|s| (*s).to_owned()).collect())
            .collect(),
    }
}

fn applicant(id: &str, applied: &[&str], ranking: &[&str]) -> ApplicantInput {
    ApplicantInput {
        id: id.into(),
        applied: applied.iter().map(|s| (*s).to_owned()).collect(),
        ranking: ranking.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn definitions() -> Vec<(&'static str, MatchInputs, Seed, Timestamps)> {
    let seed = Seed::from_bytes(std::array::from_fn(|i| i as u8));
    let stamps = Timestamps {
        seed_committed_at: Some("2027-01-15T09:00:00+01:00".into()),
        inputs_committed_at: Some("2027-03-01T12:00:00+01:00".into()),
        matched_at: Some("2027-03-02T10:00:00+01:00".into()),
    };
    let small = MatchInputs {
        round: "Testrunde".into(),
        positions: vec![
            position("p-1", 1, &[&["a-2", "a-3"], &["a-1"]]),
            position("p-2", 2, &[&["a-1"], &["a-3"]]),
        ],
        applicants: vec![
            applicant("a-1", &["p-1", "p-2"], &["p-1", "p-2"]),
            applicant("a-2", &["p-1"], &["p-1"]),
            applicant("a-3", &["p-2", "p-1"], &["p-1", "p-2"]),
            applicant("a-4", &["p-2"], &["p-2"]),
        ],
        couples: vec![],
    };
    let couple = MatchInputs {
        round: "Testrunde med par".into(),
        positions: vec![
            position("p-1", 2, &[&["a-1"], &["a-2"], &["a-3"]]),
            position("p-2", 1, &[&["a-3"]]),
            position("p-3", 1, &[&["a-4"], &["a-2"]]),
        ],
        applicants: vec![
            applicant("a-1", &["p-1"], &["p-1"]),
            applicant("a-2", &["p-1", "p-3"], &["p-3", "p-1"]),
            applicant("a-3", &["p-1", "p-2"], &[]),
            applicant("a-4", &["p-3"], &[]),
        ],
        couples: vec![CoupleInput {
            id: "c-1".into(),
            members: ["a-3".into(), "a-4".into()],
            pairs: vec![
                [Some("p-1".into()), Some("p-3".into())],
                [Some("p-2".into()), Some("p-3".into())],
                [Some("p-2".into()), None],
            ],
        }],
    };
    vec![
        ("small", small, seed.clone(), stamps.clone()),
        ("couple", couple, seed, stamps),
    ]
}

#[test]
#[ignore = "writes the frozen vectors; run by hand with LIS1_WRITE_VECTORS=1"]
fn write_vectors() {
    if std::env::var("LIS1_WRITE_VECTORS").as_deref() != Ok("1") {
        println!("set LIS1_WRITE_VECTORS=1 to (re)write the vectors");
        return;
    }
    for (name, inputs, seed, stamps) in definitions() {
        let inst = inputs.validate().unwrap();
        let sol = solve(&inst, &seed).unwrap();
        let export = Export::new(&inst, &seed, &sol, stamps);
        std::fs::write(
            vector_dir().join(format!("{name}.json")),
            export.to_json_pretty(),
        )
        .unwrap();
        let key = stream_key(&seed, &inst.inputs_sha256());
        let mut rng = RandomStream::new(&key);
        let words: Vec<u32> = (0..8).map(|_| rng.next_u32()).collect();
        println!(
            "{name}: {} bytes\n{}\ninputs {}\nseed {}\nkey {}\nwords {:?}\nattempts {:?}",
            canonical_bytes(&inst).len(),
            String::from_utf8(canonical_bytes(&inst)).unwrap(),
            inst.inputs_sha256(),
            seed.sha256(),
            hex::encode(key),
            words,
            sol.attempts
        );
    }
}

#[test]
fn vector_definitions_are_valid() {
    for (name, inputs, _, _) in definitions() {
        inputs.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
