//! `lis1 lottery verify` and `lis1 lottery simulate`: the lottery from the command line.
//!
//! Output is in bokmål for the people who check a draw (HF staff, union
//! representatives, doctors). Results go to stdout, progress to stderr.

use std::path::Path;
use std::process::ExitCode;

use anyhow::anyhow;
use indicatif::{ProgressBar, ProgressStyle};
use lis1_domain::lottery::{
    EXPORT_FORMAT, Export, ExportParseError, FileVerdict, InputsDocument, Method, Seed, VerifyExit,
    VerifyFailure, simulate as run_simulation,
};
use lis1_domain::{Lang, Localized};

const OK: &str = "OK  ";
const FAIL: &str = "FEIL";

fn exit(e: VerifyExit) -> ExitCode {
    ExitCode::from(e.code())
}

/// Reads the file, or says why not and gives the exit status for an unreadable file.
fn read(path: &Path) -> Result<Vec<u8>, ExitCode> {
    std::fs::read(path).map_err(|e| {
        eprintln!("{FAIL} Kunne ikke lese {}: {e}", path.display());
        exit(VerifyExit::Unreadable)
    })
}

fn print_malformed(e: &ExportParseError) {
    println!("{FAIL} [{}] {}", e.code(), e.message(Lang::Nb));
}

/// Checks an export file: the seed against the seed commitment, the inputs against
/// the input commitment, and the recomputed draw against the stated order and result.
///
/// The exit status follows docs/lottery.md §11.2 ([`VerifyExit`]): 0 verified, 1 not verified,
/// 3 malformed file, 4 unreadable file (2, a usage error, is clap's). Every problem is printed
/// with its stable code in brackets.
pub fn verify(path: &Path) -> ExitCode {
    let bytes = match read(path) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let verdict = FileVerdict::of(&bytes);
    let (export, report) = match &verdict {
        FileVerdict::Checked(export, report) => (export, report),
        FileVerdict::Malformed(e) => {
            print_malformed(e);
            println!("Trekningen kan ikke kontrolleres.");
            return exit(verdict.exit());
        }
    };
    let inputs = &export.inputs;
    println!(
        "Trekning: {}, kommunestart {}, {} ({} leger)",
        inputs.site,
        inputs.cohort,
        inputs.method.label(Lang::Nb),
        inputs.participants.len()
    );

    let failed = |pred: fn(&VerifyFailure) -> bool| {
        report
            .failures
            .iter()
            .filter(|f| pred(f))
            .collect::<Vec<_>>()
    };
    let print = |label_ok: String, fails: Vec<&VerifyFailure>| {
        if fails.is_empty() {
            println!("{OK} {label_ok}");
        }
        for f in fails {
            println!("{FAIL} [{}] {}", f.detail_code(), f.message(Lang::Nb));
        }
    };

    print(
        format!(
            "Frøet stemmer med den publiserte kontrollsummen ({}).",
            export.commitment.seed_sha256
        ),
        failed(|f| matches!(f, VerifyFailure::SeedCommitment { .. })),
    );
    let invalid = failed(|f| matches!(f, VerifyFailure::InvalidInputs(_)));
    if !invalid.is_empty() {
        print(String::new(), invalid);
    } else {
        print(
            format!(
                "Inndataene stemmer med den publiserte kontrollsummen ({}).",
                export.commitment.inputs_sha256
            ),
            failed(|f| matches!(f, VerifyFailure::InputCommitment { .. })),
        );
        print(
            format!(
                "Resultatet er beregnet på nytt og stemmer ({} leger).",
                export.result.len()
            ),
            failed(|f| {
                matches!(
                    f,
                    VerifyFailure::DrawOrder { .. }
                        | VerifyFailure::ResultMismatch { .. }
                        | VerifyFailure::ResultMissing { .. }
                        | VerifyFailure::ResultExtra { .. }
                )
            }),
        );
    }

    if verdict.exit() == VerifyExit::Verified {
        println!("Trekningen er kontrollert: alt stemmer.");
    } else {
        println!("Trekningen stemmer IKKE.");
    }
    exit(verdict.exit())
}

/// Simulates `draws` draws on the inputs in `path` (an export file, or a file with
/// only the `inputs` object) and prints, per doctor, the share of draws that gave
/// each place, followed by a fairness note.
///
/// `seed` is the master seed in hex; without it the SHA-256 of the canonical inputs
/// (`inputs_sha256`) is used, so the same file always gives the same figures (§13).
/// Exit status as for [`verify`]: 1 when the inputs break a rule of §3, 2 for a bad `--seed`,
/// 3 for a malformed file, 4 for an unreadable one.
pub fn simulate(path: &Path, draws: u64, seed: Option<String>) -> anyhow::Result<ExitCode> {
    let bytes = match read(path) {
        Ok(b) => b,
        Err(code) => return Ok(code),
    };
    let is_export = serde_json::from_slice::<serde_json::Value>(
        bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes),
    )
    .ok()
    .is_some_and(|v| v.get("format").and_then(|f| f.as_str()) == Some(EXPORT_FORMAT));
    let document = if is_export {
        Export::from_slice(&bytes).map(|e| e.inputs)
    } else {
        InputsDocument::from_slice(&bytes)
    };
    let document = match document {
        Ok(d) => d,
        Err(e) => {
            print_malformed(&e);
            return Ok(exit(VerifyExit::Malformed));
        }
    };
    let inputs = match document.validate() {
        Ok(i) => i,
        Err(e) => {
            println!(
                "{FAIL} [{}] Ugyldige inndata: {}",
                e.code(),
                e.message(Lang::Nb)
            );
            return Ok(exit(VerifyExit::Failed));
        }
    };
    let master = match seed.map(|hex| Seed::from_hex(hex.trim())) {
        Some(Ok(s)) => s,
        Some(Err(e)) => {
            eprintln!("{FAIL} [{}] --seed: {}", e.code(), e.message(Lang::Nb));
            return Ok(exit(VerifyExit::Usage));
        }
        None => Seed::from_bytes(*inputs.inputs_sha256().as_bytes()),
    };

    eprintln!(
        "Simulerer {draws} trekninger ({}) …",
        inputs.method().label(Lang::Nb)
    );
    let bar = ProgressBar::new(draws);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} trekninger ({per_sec}, ca. {eta} igjen)",
        )
        .map_err(|e| anyhow!("{e}"))?,
    );
    let probabilities = run_simulation(&inputs, &master, draws, |done| bar.set_position(done));
    bar.finish_and_clear();

    println!("{} – kommunestart {}", inputs.site(), inputs.cohort());
    println!(
        "Andel av {draws} simulerte trekninger (hovedfrø {}):",
        master.to_hex()
    );
    println!();
    let places = probabilities.places();
    let widths: Vec<usize> = places
        .iter()
        .map(|k| k.as_str().chars().count().max(6))
        .collect();
    let id_width = probabilities
        .participants()
        .iter()
        .map(|p| p.as_str().len())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut header = format!("{:<id_width$}", "Lege");
    for (k, w) in places.iter().zip(&widths) {
        header.push_str(&format!("  {:>w$}", k.as_str()));
    }
    if inputs.method() == Method::PreferenceOrder {
        header.push_str("  førstevalg");
    }
    println!("{header}");
    for (p, id) in probabilities.participants().iter().enumerate() {
        let mut row = format!("{:<id_width$}", id.as_str());
        for (j, w) in widths.iter().enumerate() {
            let f = probabilities.fraction(p, j);
            let cell = if f == 0.0 {
                "–".to_owned()
            } else {
                format!("{:.1} %", f * 100.0).replace('.', ",")
            };
            row.push_str(&format!("  {cell:>w$}"));
        }
        if let Some(f) = probabilities.first_choice_fraction(p) {
            row.push_str(&format!(
                "  {:>10}",
                format!("{:.1} %", f * 100.0).replace('.', ",")
            ));
        }
        println!("{row}");
    }
    println!();
    println!("{}", probabilities.fairness_note(Lang::Nb));
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn vector(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../domain/tests/vectors/lottery")
            .join(name)
    }

    #[test]
    fn verify_accepts_a_frozen_vector_and_rejects_a_changed_one() {
        assert_eq!(verify(&vector("levanger-2022-09.json")), ExitCode::SUCCESS);

        let text = std::fs::read_to_string(vector("small.json")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let changed = dir.path().join("changed.json");
        std::fs::write(&changed, text.replacen("\"rank\": 1", "\"rank\": 2", 1)).unwrap();
        assert_eq!(verify(&changed), ExitCode::from(1));
        std::fs::write(
            &changed,
            text.replacen("\"on_leave\": false", "\"on_leave\": 0", 1),
        )
        .unwrap();
        assert_eq!(verify(&changed), ExitCode::from(3));

        assert_eq!(verify(&vector("does-not-exist.json")), ExitCode::from(4));
    }

    #[test]
    fn simulate_reads_an_export_and_refuses_a_bad_seed() {
        assert_eq!(
            simulate(&vector("namsos-2023-03-pure-random.json"), 2000, None).unwrap(),
            ExitCode::SUCCESS
        );
        assert_eq!(
            simulate(&vector("small.json"), 10, Some("xyz".into())).unwrap(),
            ExitCode::from(2)
        );
    }
}
