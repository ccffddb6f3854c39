//! `lis1 lottery verify` and `lis1 lottery simulate`: the lottery from the command line.
//!
//! Output is in bokmål for the people who check a draw (HF staff, union
//! representatives, doctors). Results go to stdout, progress to stderr.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use indicatif::{ProgressBar, ProgressStyle};
use lis1_domain::lottery::{
    EXPORT_FORMAT, Export, InputsDocument, Method, Seed, VerifyFailure, simulate as run_simulation,
};
use lis1_domain::{Lang, Localized};

const OK: &str = "OK  ";
const FAIL: &str = "FEIL";

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("Kunne ikke lese {}", path.display()))
}

/// Checks an export file: the seed against the seed commitment, the inputs against
/// the input commitment, and the recomputed draw against the stated order and result.
///
/// Exit code 0 when everything matches, 1 otherwise (also for a malformed file);
/// `Err` only when the file cannot be read.
pub fn verify(path: &Path) -> anyhow::Result<ExitCode> {
    let text = read(path)?;
    let export = match Export::from_json(&text) {
        Ok(e) => e,
        Err(e) => {
            println!("{FAIL} {}", e.message(Lang::Nb));
            println!("Trekningen kan ikke kontrolleres.");
            return Ok(ExitCode::from(1));
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

    let report = export.verify();
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
            println!("{FAIL} {}", f.message(Lang::Nb));
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

    if report.is_ok() {
        println!("Trekningen er kontrollert: alt stemmer.");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("Trekningen stemmer IKKE.");
        Ok(ExitCode::from(1))
    }
}

/// Simulates `draws` draws on the inputs in `path` (an export file, or a file with
/// only the `inputs` object) and prints, per doctor, the share of draws that gave
/// each place, followed by a fairness note.
///
/// `seed` is the master seed in hex; without it the SHA-256 of the inputs is used,
/// so the same file always gives the same figures.
pub fn simulate(path: &Path, draws: u64, seed: Option<String>) -> anyhow::Result<()> {
    let text = read(path)?;
    let is_export = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .is_some_and(|v| v.get("format").and_then(|f| f.as_str()) == Some(EXPORT_FORMAT));
    let document = if is_export {
        Export::from_json(&text).map(|e| e.inputs)
    } else {
        InputsDocument::from_json(&text)
    }
    .map_err(|e| anyhow!("{}: {}", path.display(), e.message(Lang::Nb)))?;
    let inputs = document
        .validate()
        .map_err(|e| anyhow!("Ugyldige inndata: {}", e.message(Lang::Nb)))?;
    let master = match seed {
        Some(hex) => Seed::from_hex(hex.trim()).map_err(|e| anyhow!("{}", e.message(Lang::Nb)))?,
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
    Ok(())
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
        assert_eq!(
            verify(&vector("levanger-2022-09.json")).unwrap(),
            ExitCode::SUCCESS
        );

        let text = std::fs::read_to_string(vector("small.json")).unwrap();
        let dir = std::env::temp_dir().join(format!("lis1-lottery-cmd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let changed = dir.join("changed.json");
        std::fs::write(&changed, text.replacen("\"rank\": 1", "\"rank\": 2", 1)).unwrap();
        assert_eq!(verify(&changed).unwrap(), ExitCode::from(1));
        std::fs::write(
            &changed,
            text.replacen("\"on_leave\": false", "\"on_leave\": 0", 1),
        )
        .unwrap();
        assert_eq!(verify(&changed).unwrap(), ExitCode::from(1));
        std::fs::remove_dir_all(&dir).ok();

        assert!(verify(&vector("does-not-exist.json")).is_err());
    }

    #[test]
    fn simulate_reads_an_export_and_refuses_a_bad_seed() {
        simulate(&vector("namsos-2023-03-pure-random.json"), 2000, None).unwrap();
        assert!(simulate(&vector("small.json"), 10, Some("xyz".into())).is_err());
    }
}
