//! Frozen lottery test vectors (tests/vectors/lottery/*.json), tamper detection,
//! and agreement with the independent Python reference (tools/lottery_reference.py).
//!
//! The vectors are checked as stored: `Export::verify` recomputes the draw and
//! compares it with the result in the file. They are written only by the ignored
//! `write_vectors` test, run by hand with `LIS1_WRITE_VECTORS=1`; once committed
//! they must never change, or every verifier in the wild disagrees with us.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use lis1_domain::lottery::*;
use lis1_domain::{Lang, Localized};
use serde_json::{Value, json};

fn vector_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/lottery")
}

fn vectors() -> Vec<(PathBuf, String)> {
    let mut v: Vec<(PathBuf, String)> = std::fs::read_dir(vector_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect();
    v.sort();
    assert!(
        v.len() >= 4,
        "expected at least 4 vectors, found {}",
        v.len()
    );
    v
}

fn reparse(v: &Value) -> Result<Export, ExportParseError> {
    Export::from_json(&v.to_string())
}

#[test]
fn every_frozen_vector_verifies() {
    for (path, text) in vectors() {
        let export = Export::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let report = export.verify();
        assert!(report.is_ok(), "{}: {:?}", path.display(), report.failures);
        // Writing the parsed file back gives the same text: one spelling per value.
        assert_eq!(
            export.to_json_pretty(),
            text,
            "{} is not in canonical pretty form",
            path.display()
        );
    }
}

#[test]
fn the_vectors_cover_what_they_should() {
    let all: Vec<Export> = vectors()
        .iter()
        .map(|(_, t)| Export::from_json(t).unwrap())
        .collect();
    let inputs: Vec<ValidInputs> = all
        .iter()
        .map(|e| e.inputs.clone().validate().unwrap())
        .collect();
    assert!(inputs.iter().any(|i| i.participants().len() == 3));
    let levanger = inputs
        .iter()
        .find(|i| i.site() == "Sykehuset Levanger")
        .unwrap();
    assert_eq!(levanger.slot_count(), 12);
    assert!(levanger.participants().iter().any(|p| p.on_leave));
    assert!(levanger.participants().iter().any(|p| p.reserved.is_some()));
    let namsos = inputs
        .iter()
        .find(|i| i.method() == Method::PureRandom)
        .unwrap();
    assert!(
        namsos
            .places()
            .iter()
            .any(|p| p.key.as_str() == "5060/Rørvik")
    );
    assert!(
        namsos
            .places()
            .iter()
            .any(|p| p.key.as_str() == "5060/Kolvereid")
    );
    assert!(inputs.iter().any(|i| i.replaces().is_some()));
    // Every basis occurs somewhere.
    let bases: Vec<Basis> = inputs
        .iter()
        .zip(&all)
        .flat_map(|(i, e)| draw(i, &e.seed).assignments)
        .map(|a| a.basis)
        .collect();
    assert!(bases.contains(&Basis::Reserved));
    assert!(bases.contains(&Basis::Random));
    assert!(
        bases
            .iter()
            .any(|b| matches!(b, Basis::Preference { rank } if *rank > 1))
    );
}

/// The intermediate values printed in docs/lottery.md §12. If this fails, fix the
/// code, not the numbers: they are what third parties implement against.
#[test]
fn small_vector_matches_the_worked_example_in_the_specification() {
    let text = std::fs::read_to_string(vector_dir().join("small.json")).unwrap();
    let export = Export::from_json(&text).unwrap();
    let inputs = export.inputs.clone().validate().unwrap();
    assert_eq!(
        String::from_utf8(canonical_bytes(&inputs)).unwrap(),
        r#"{"cohort":"2022-09-01","format":"lis1-lottery-v1","method":"preference_order","participants":[{"id":"d-1","on_leave":false,"preferences":["5037","5035"],"reserved":null},{"id":"d-2","on_leave":false,"preferences":["5037"],"reserved":null},{"id":"d-3","on_leave":false,"preferences":[],"reserved":null}],"places":[{"count":1,"key":"5035"},{"count":1,"key":"5037"},{"count":2,"key":"5041"}],"replaces":null,"site":"Testsykehuset"}"#
    );
    assert_eq!(
        export.seed.to_hex(),
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    );
    assert_eq!(inputs.inputs_sha256().to_hex(), WORKED_INPUTS_SHA256);
    assert_eq!(export.seed.sha256().to_hex(), WORKED_SEED_SHA256);
    let key = stream_key(&export.seed, &inputs.inputs_sha256());
    assert_eq!(hex::encode(key), WORKED_KEY);
    let mut rng = RandomStream::new(&key);
    let words: Vec<u32> = (0..8).map(|_| rng.next_u32()).collect();
    assert_eq!(words, WORKED_WORDS);
    assert_eq!(export.draw_order, WORKED_ORDER);
    assert_eq!(canonical_bytes(&inputs).len(), 428);

    // The specification shows the same numbers.
    let spec = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/lottery.md"),
    )
    .unwrap();
    let words = WORKED_WORDS.map(|w| w.to_string()).join(", ");
    for shown in [
        WORKED_INPUTS_SHA256,
        WORKED_SEED_SHA256,
        WORKED_KEY,
        &words,
        "428 bytes",
    ] {
        assert!(
            spec.contains(shown),
            "docs/lottery.md does not show {shown}"
        );
    }
    assert!(spec.contains(&String::from_utf8(canonical_bytes(&inputs)).unwrap()));
}

const WORKED_INPUTS_SHA256: &str =
    "9d8a0d0a0fe016679a1507b6e4461b5a5a754d879b78933168d4b3a07557229d";
const WORKED_SEED_SHA256: &str = "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd";
const WORKED_KEY: &str = "3cb49d3cb20550011b5223a1c70a57555256a7d4f6cc348c94651542ac4578cd";
const WORKED_WORDS: [u32; 8] = [
    1769466423, 1033966647, 1516333444, 97054809, 2375319551, 3812918036, 445488090, 376431535,
];
const WORKED_ORDER: [&str; 3] = ["d-3", "d-2", "d-1"];

#[test]
fn tampering_with_seed_result_or_preferences_is_detected() {
    for (path, text) in vectors() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let original: Value = serde_json::from_str(&text).unwrap();

        // A digit of the seed.
        let mut v = original.clone();
        let seed = v["seed"].as_str().unwrap().to_owned();
        let (first, rest) = seed.split_at(1);
        let flipped = format!("{}{rest}", if first == "0" { "1" } else { "0" });
        v["seed"] = json!(flipped);
        let r = reparse(&v).unwrap().verify();
        assert!(!r.is_ok(), "{name}: seed");
        assert_eq!(
            r.failures[0].code(),
            "lottery_verify_seed_commitment",
            "{name}"
        );

        // The place in one result line: give the first participant another participant's place,
        // or, where all share one, an existing key they did not get.
        let mut v = original.clone();
        let places: Vec<String> = v["inputs"]["places"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["key"].as_str().unwrap().to_owned())
            .collect();
        let got = v["result"][0]["place"].as_str().unwrap().to_owned();
        let other = places.iter().find(|k| **k != got).unwrap();
        v["result"][0]["place"] = json!(other);
        let r = reparse(&v).unwrap().verify();
        assert!(!r.is_ok(), "{name}: result");
        assert_eq!(
            r.failures[0].code(),
            "lottery_verify_result_mismatch",
            "{name}"
        );

        // A preference (or, for pure_random, the leave flag): the input commitment breaks.
        let mut v = original.clone();
        let people = v["inputs"]["participants"].as_array_mut().unwrap();
        match people
            .iter_mut()
            .find(|p| p["preferences"].as_array().unwrap().len() >= 2)
        {
            Some(p) => p["preferences"].as_array_mut().unwrap().swap(0, 1),
            None => {
                let leave = people[0]["on_leave"].as_bool().unwrap();
                people[0]["on_leave"] = json!(!leave);
            }
        }
        let r = reparse(&v).unwrap().verify();
        assert!(!r.is_ok(), "{name}: preference");
        assert!(
            r.failures
                .iter()
                .any(|f| f.code() == "lottery_verify_input_commitment"),
            "{name}"
        );

        // The draw order.
        let mut v = original.clone();
        v["draw_order"].as_array_mut().unwrap().reverse();
        if v["draw_order"] != original["draw_order"] {
            assert!(!reparse(&v).unwrap().verify().is_ok(), "{name}: order");
        }
    }
}

/// Changes every letter and digit of the compact export, one at a time, outside the
/// informational timestamps: each change must break either the parse or the verification.
#[test]
fn every_single_character_change_is_detected() {
    let text = std::fs::read_to_string(vector_dir().join("small.json")).unwrap();
    let compact = Export::from_json(&text)
        .map(|e| serde_json::to_string(&e).unwrap())
        .unwrap();
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
                "change at byte {i} ({}) went unnoticed",
                &compact[i.saturating_sub(20)..i + 5]
            );
        }
        tried += 1;
    }
    assert!(tried > 500, "{tried}");
}

#[test]
fn python_reference_reproduces_every_vector() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/lottery_reference.py");
    if Command::new("python3").arg("--version").output().is_err() {
        println!("note: python3 not on PATH; skipping the independent reference check");
        return;
    }
    for (path, text) in vectors() {
        let out = Command::new("python3")
            .arg(&script)
            .arg("--json")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: reference exited {:?}: {}",
            path.display(),
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Value = serde_json::from_slice(&out.stdout).unwrap();
        let export: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            got["seed_sha256"],
            export["commitment"]["seed_sha256"],
            "{}",
            path.display()
        );
        assert_eq!(
            got["inputs_sha256"],
            export["commitment"]["inputs_sha256"],
            "{}",
            path.display()
        );
        assert_eq!(
            got["draw_order"],
            export["draw_order"],
            "{}",
            path.display()
        );
        assert_eq!(got["result"], export["result"], "{}", path.display());
    }
    // And it is not a rubber stamp: a changed result makes it exit 1.
    let (_, text) = &vectors()[0];
    let mut v: Value = serde_json::from_str(text).unwrap();
    let leave = v["result"][0]["on_leave"].as_bool().unwrap();
    v["result"][0]["on_leave"] = json!(!leave);
    let dir = std::env::temp_dir().join(format!("lis1-lottery-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tampered = dir.join("tampered.json");
    std::fs::write(&tampered, v.to_string()).unwrap();
    let status = Command::new("python3")
        .arg(&script)
        .arg(&tampered)
        .output()
        .unwrap()
        .status;
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(status.code(), Some(1));
}

// ---------------------------------------------------------------------------
// The generator. Run once by hand; the outputs are then frozen.

fn derived_seed(label: &str) -> Seed {
    Seed::from_bytes(Sha256Digest::of(label.as_bytes()).as_bytes().to_owned())
}

fn people(ids: &[&str], on_leave: &[&str]) -> Vec<ParticipantInput> {
    ids.iter()
        .map(|id| ParticipantInput {
            id: (*id).into(),
            on_leave: on_leave.contains(id),
        })
        .collect()
}

fn places(list: &[(&str, u32)]) -> Vec<PlaceInput> {
    list.iter()
        .map(|(k, c)| PlaceInput {
            key: (*k).into(),
            count: *c,
        })
        .collect()
}

fn ranking(participant: &str, keys: &[&str]) -> Ranking {
    Ranking {
        participant: participant.into(),
        places: keys.iter().map(|k| (*k).into()).collect(),
    }
}

fn stamps(seed: &str, inputs: &str, drawn: &str) -> Timestamps {
    Timestamps {
        seed_committed_at: Some(seed.into()),
        inputs_committed_at: Some(inputs.into()),
        drawn_at: Some(drawn.into()),
    }
}

fn small_inputs() -> LotteryInputs {
    LotteryInputs {
        site: "Testsykehuset".into(),
        cohort: "2022-09-01".into(),
        method: Method::PreferenceOrder,
        participants: people(&["d-1", "d-2", "d-3"], &[]),
        places: places(&[("5035", 1), ("5037", 1), ("5041", 2)]),
        reservations: vec![],
        preferences: vec![ranking("d-1", &["5037", "5035"]), ranking("d-2", &["5037"])],
        replaces: None,
    }
}

fn vector_definitions() -> Vec<(&'static str, LotteryInputs, Seed, Timestamps)> {
    let small_seed = Seed::from_bytes(std::array::from_fn(|i| i as u8));
    let small_commitment = small_seed.sha256();

    let levanger = LotteryInputs {
        site: "Sykehuset Levanger".into(),
        cohort: "2022-09-01".into(),
        method: Method::PreferenceOrder,
        participants: people(
            &[
                "d-01", "d-02", "d-03", "d-04", "d-05", "d-06", "d-07", "d-08", "d-09", "d-10",
                "d-11", "d-12",
            ],
            &["d-05"],
        ),
        // 000 Vedlegg 1 / 001: the Levanger area's places in 2021.
        places: places(&[
            ("5035", 2), // Stjørdal
            ("5034", 1), // Meråker
            ("5037", 2), // Levanger
            ("5038", 2), // Verdal
            ("5053", 1), // Inderøy
            ("5006", 2), // Steinkjer
            ("5041", 1), // Snåsa
            ("3432", 1), // Lesja (agreement with Innlandet)
        ]),
        // A returning doctor keeps Lesja under a special agreement.
        reservations: vec![Reservation {
            participant: "d-09".into(),
            place: "3432".into(),
        }],
        preferences: vec![
            ranking("d-01", &["5037", "5035", "5038", "5006", "5053"]),
            ranking("d-02", &["5035", "5037", "5034", "5038", "5006"]),
            ranking("d-03", &["5037", "5038", "5035", "5053", "5006"]),
            ranking("d-04", &["5006", "5041", "5053", "5038", "5037"]),
            ranking("d-05", &["5035", "5037", "5038", "5034", "5053"]),
            ranking("d-06", &["5037", "5035", "5006", "5038", "5041"]),
            ranking("d-07", &["5038", "5037", "5053", "5006", "5035"]),
            ranking("d-08", &["5053", "5006", "5037", "5038", "5035"]),
            ranking("d-10", &["5035", "5034", "5037", "5038", "5006"]),
            ranking("d-11", &["5037", "5035"]),
            // d-12 gave no ranking: a random free place.
        ],
        replaces: None,
    };

    let namsos = LotteryInputs {
        site: "Sykehuset Namsos".into(),
        cohort: "2023-03-01".into(),
        method: Method::PureRandom,
        participants: people(&["n-1", "n-2", "n-3", "n-4", "n-5", "n-6", "n-7"], &["n-4"]),
        places: places(&[
            ("5020", 1),           // Osen
            ("5047", 1),           // Overhalla
            ("5046", 1),           // Høylandet
            ("5045", 1),           // Grong
            ("5007", 1),           // Namsos
            ("5060/Rørvik", 1),    // Nærøysund
            ("5060/Kolvereid", 1), // Nærøysund
            ("3431", 1),           // Dovre
        ]),
        reservations: vec![],
        preferences: vec![],
        replaces: None,
    };

    let mut redraw = small_inputs();
    redraw.places = places(&[("5035", 1), ("5037", 1), ("5041", 1), ("5006", 1)]);
    redraw.replaces = Some(Replaces {
        reason: "Første trekning hadde to plasser i Snåsa; riktig er én i Snåsa og én i Steinkjer."
            .into(),
        seed_sha256: small_commitment,
    });

    vec![
        (
            "small",
            small_inputs(),
            small_seed,
            stamps(
                "2022-03-01T09:00:00+01:00",
                "2022-04-20T12:00:00+02:00",
                "2022-04-22T10:00:00+02:00",
            ),
        ),
        (
            "small-redraw",
            redraw,
            derived_seed("lis1 test vector: small-redraw"),
            stamps(
                "2022-04-25T09:00:00+02:00",
                "2022-04-25T09:00:00+02:00",
                "2022-04-27T10:00:00+02:00",
            ),
        ),
        (
            "levanger-2022-09",
            levanger,
            derived_seed("lis1 test vector: levanger-2022-09"),
            stamps(
                "2022-03-01T09:00:00+01:00",
                "2022-04-20T12:00:00+02:00",
                "2022-04-22T10:00:00+02:00",
            ),
        ),
        (
            "namsos-2023-03-pure-random",
            namsos,
            derived_seed("lis1 test vector: namsos-2023-03-pure-random"),
            stamps(
                "2022-09-01T09:00:00+02:00",
                "2022-10-14T12:00:00+02:00",
                "2022-10-17T10:00:00+02:00",
            ),
        ),
    ]
}

#[test]
#[ignore = "writes the frozen vectors; run by hand with LIS1_WRITE_VECTORS=1"]
fn write_vectors() {
    if std::env::var("LIS1_WRITE_VECTORS").as_deref() != Ok("1") {
        println!("set LIS1_WRITE_VECTORS=1 to (re)write the vectors");
        return;
    }
    for (name, inputs, seed, timestamps) in vector_definitions() {
        let inputs = inputs.validate().unwrap();
        let export = Export::new(&inputs, &seed, &draw(&inputs, &seed), timestamps);
        std::fs::write(
            vector_dir().join(format!("{name}.json")),
            export.to_json_pretty(),
        )
        .unwrap();
    }
}

#[test]
fn vector_definitions_are_valid() {
    // Keeps the generator compiling and its inputs valid, without touching the files.
    for (name, inputs, _, _) in vector_definitions() {
        inputs.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

// ---------------------------------------------------------------------------
// docs/lottery.md 1.1: the appendices are part of the specification, and these tests keep them
// equal to the files and to both implementations.

fn spec() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/lottery.md"))
        .unwrap()
}

/// Rows `| {prefix}N | change | codes | exit |` of an appendix table.
fn spec_rows(prefix: char) -> Vec<(String, String, Vec<String>, u8)> {
    spec()
        .lines()
        .filter(|l| {
            l.strip_prefix("| ")
                .and_then(|r| r.strip_prefix(prefix))
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        })
        .map(|l| {
            let cells: Vec<&str> = l
                .trim_start_matches("| ")
                .trim_end_matches(" |")
                .split(" | ")
                .collect();
            assert_eq!(cells.len(), 4, "{l}");
            let codes = if cells[2] == "—" {
                vec![]
            } else {
                cells[2]
                    .split(", ")
                    .map(|c| c.trim_matches('`').to_owned())
                    .collect()
            };
            (
                cells[0].to_owned(),
                cells[1].trim_matches('`').to_owned(),
                codes,
                cells[3].parse().unwrap(),
            )
        })
        .collect()
}

/// The reference's verdict on a file: exit status and codes; `None` without python3.
fn python_verdict(path: &Path) -> Option<(i32, Vec<String>)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/lottery_reference.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg("--json")
        .arg(path)
        .output()
        .ok()?;
    let code = out.status.code().unwrap();
    let codes = serde_json::from_slice::<Value>(&out.stdout)
        .ok()
        .and_then(|v| v["codes"].as_array().cloned())
        .map(|a| a.iter().map(|c| c.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default();
    Some((code, codes))
}

fn rust_verdict(bytes: &[u8]) -> (i32, Vec<String>) {
    let v = FileVerdict::of(bytes);
    (
        i32::from(v.exit().code()),
        v.codes().into_iter().map(str::to_owned).collect(),
    )
}

fn apply(doc: &mut Value, ops: &Value) {
    for op in ops.as_array().unwrap() {
        let op = op.as_array().unwrap();
        let pointer = op[0].as_str().unwrap();
        let (parent, last) = pointer.rsplit_once('/').unwrap();
        let parent = doc.pointer_mut(parent).unwrap();
        match (parent, op.get(1)) {
            (Value::Array(a), value) => {
                let i: usize = last.parse().unwrap();
                match value {
                    None => {
                        a.remove(i);
                    }
                    Some(v) if i == a.len() => a.push(v.clone()),
                    Some(v) => a[i] = v.clone(),
                }
            }
            (Value::Object(o), None) => {
                o.remove(last).unwrap();
            }
            (Value::Object(o), Some(v)) => {
                o.insert(last.to_owned(), v.clone());
            }
            (other, _) => panic!("{pointer}: cannot change inside {other}"),
        }
    }
}

#[test]
fn the_specification_holds_every_vector_in_full() {
    let spec = spec();
    for (path, text) in vectors() {
        assert!(
            spec.contains(&format!("```json\n{text}```")),
            "docs/lottery.md Appendix A does not hold {} exactly",
            path.display()
        );
    }
}

#[test]
fn every_refusal_in_the_specification_gives_its_code() {
    let rows = spec_rows('B');
    assert!(rows.len() >= 60, "{}", rows.len());
    let small: Value =
        serde_json::from_str(&std::fs::read_to_string(vector_dir().join("small.json")).unwrap())
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut python_ran = false;
    for (case, change, codes, exit) in &rows {
        let mut doc = small.clone();
        apply(&mut doc, &serde_json::from_str(change).unwrap());
        let text = serde_json::to_string_pretty(&doc).unwrap();
        assert_eq!(
            rust_verdict(text.as_bytes()),
            (i32::from(*exit), codes.clone()),
            "{case}: {change}"
        );
        let path = dir.path().join(format!("{case}.json"));
        std::fs::write(&path, &text).unwrap();
        if let Some(py) = python_verdict(&path) {
            python_ran = true;
            assert_eq!(py, (i32::from(*exit), codes.clone()), "{case} (reference)");
        }
    }
    if !python_ran {
        println!("note: python3 not on PATH; the reference was not run");
    }
    // Every code a file can produce occurs in the table (or, for too_large, in the next test).
    let all: Vec<&str> = rows
        .iter()
        .flat_map(|r| r.2.iter().map(String::as_str))
        .collect();
    for code in [
        "lottery_invalid_label",
        "lottery_invalid_cohort",
        "lottery_no_participants",
        "lottery_invalid_participant_id",
        "lottery_duplicate_participant",
        "lottery_invalid_place_key",
        "lottery_invalid_place_count",
        "lottery_duplicate_place",
        "lottery_mixed_place_levels",
        "lottery_unknown_place",
        "lottery_place_overbooked",
        "lottery_duplicate_preference",
        "lottery_preferences_with_pure_random",
        "lottery_too_few_places",
        "lottery_verify_seed_commitment",
        "lottery_verify_input_commitment",
        "lottery_verify_draw_order",
        "lottery_verify_result_mismatch",
        "lottery_verify_result_missing",
        "lottery_verify_result_extra",
        "lottery_export_malformed",
        "lottery_unknown_format",
        "lottery_unknown_method",
    ] {
        assert!(all.contains(&code), "Appendix B has no case for {code}");
    }
}

#[test]
fn too_many_participants_is_refused_with_its_code_by_both() {
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(vector_dir().join("small.json")).unwrap())
            .unwrap();
    let many: Vec<Value> = (0..=MAX_PARTICIPANTS)
        .map(|i| json!({"id": format!("d-{i:05}"), "on_leave": false, "preferences": [], "reserved": null}))
        .collect();
    doc["inputs"]["participants"] = Value::Array(many);
    let text = serde_json::to_string(&doc).unwrap();
    let expected = (1, vec!["lottery_too_large".to_owned()]);
    assert_eq!(rust_verdict(text.as_bytes()), expected);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.json");
    std::fs::write(&path, &text).unwrap();
    if let Some(py) = python_verdict(&path) {
        assert_eq!(py, expected);
    }
}

/// Reverses the key order of every object, writing JSON by hand (serde_json sorts its maps).
fn reversed_keys(v: &Value) -> String {
    match v {
        Value::Object(o) => {
            let fields: Vec<String> = o
                .iter()
                .rev()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), reversed_keys(v)))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(reversed_keys).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

#[test]
fn every_byte_change_in_the_specification_gives_its_code() {
    let rows = spec_rows('C');
    assert_eq!(rows.len(), 17);
    let original = std::fs::read(vector_dir().join("small.json")).unwrap();
    let text = String::from_utf8(original.clone()).unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (case, change, codes, exit) in &rows {
        let bom = [&[0xef, 0xbb, 0xbf][..], &original].concat();
        let bytes: Option<Vec<u8>> = match case.as_str() {
            "C1" => Some(bom),
            "C2" => Some(serde_json::to_vec(&value).unwrap()),
            "C3" => Some(reversed_keys(&value).into_bytes()),
            "C4" => Some(text.replace('\n', "\r\n").into_bytes()),
            "C5" => Some(text.replacen("\"d-1\"", "\"d\\u002d1\"", 1).into_bytes()),
            "C6" => Some(
                text.replace("\"Testsykehuset\"", "\"Testsykehus\\u0065t\"")
                    .into_bytes(),
            ),
            "C7" => Some([&[0xef, 0xbb, 0xbf][..], &bom].concat()),
            "C8" => {
                let at = text.find("Testsykehuset").unwrap() + "Testsykehus".len();
                let mut b = original.clone();
                b[at] = 0xe9;
                Some(b)
            }
            "C9" => Some(
                text.replacen(
                    "\"seed\":",
                    &format!("\"seed\": \"{}\",\n  \"seed\":", "0".repeat(64)),
                    1,
                )
                .into_bytes(),
            ),
            "C10" => Some([&original[..], b"x"].concat()),
            "C11" => Some(
                text.replacen("\"count\": 1", "\"count\": NaN", 1)
                    .into_bytes(),
            ),
            "C12" => Some(
                text.replace("\"Testsykehuset\"", "\"Testsykehuset\\ud800\"")
                    .into_bytes(),
            ),
            "C13" => Some(vec![]),
            "C14" => Some([&b"// comment\n"[..], &original].concat()),
            "C15" => Some(
                text.replacen("\"count\": 1", "\"count\": 1e0", 1)
                    .into_bytes(),
            ),
            "C16" | "C17" => None,
            other => panic!("Appendix C case {other} ({change}) has no test"),
        };
        let path = match (&bytes, case.as_str()) {
            (Some(b), _) => {
                assert_ne!(b, &original, "{case}");
                assert_eq!(
                    rust_verdict(b),
                    (i32::from(*exit), codes.clone()),
                    "{case}: {change}"
                );
                let p = dir.path().join(format!("{case}.json"));
                std::fs::write(&p, b).unwrap();
                p
            }
            (None, "C16") => dir.path().join("does-not-exist.json"),
            (None, _) => dir.path().to_owned(),
        };
        if let Some((status, found)) = python_verdict(&path) {
            assert_eq!(status, i32::from(*exit), "{case} (reference)");
            if bytes.is_some() {
                assert_eq!(&found, codes, "{case} (reference)");
            }
        }
    }
}

#[test]
fn a_result_line_that_differs_only_in_rank_names_the_field() {
    let text = std::fs::read_to_string(vector_dir().join("small.json")).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    // d-1 got a random place: its rank is null; stating 1 must say "rank".
    v["result"][0]["rank"] = json!(1);
    let report = reparse(&v).unwrap().verify();
    let message = report.failures[0].message(Lang::En);
    assert!(
        message.contains("\"rank\" is 1 in the file but null on recomputation"),
        "{message}"
    );
    assert!(
        report.failures[0]
            .to_string()
            .contains("«rank» er 1 i filen")
    );
}
