//! `lis1 match …`: coordinated admission from the command line (docs/matching.md).
//!
//! * `verify FILE`: recompute a published match offline. Exit 0 when it checks out,
//!   1 when it does not (or the file is not a match export), 2 when the file cannot be read.
//! * `simulate`: the four mechanisms side by side on an instance file or a generated one;
//!   a Markdown or JSON report plus SVG charts.
//! * `bench`: timings and memory at NRMP and LIS1 size (docs/benchmarks.md).
//! * `generate` and `run`: write a generated instance, and match an instance file into an export.
//!
//! Output is in bokmål. Results go to stdout, progress to stderr.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use indicatif::{ProgressBar, ProgressStyle};
use lis1_domain::lottery::{RandomStream, Seed};
use lis1_domain::matching::generate::{GeneratorParams, generate};
use lis1_domain::matching::mechanisms::{OfferModel, simulate as run_simulation};
use lis1_domain::matching::report::{charts, json_report, markdown, nb};
use lis1_domain::matching::{
    EXPORT_FORMAT, Export, InputsDocument, Instance, Prepared, Solver, Timestamps, check, explain,
    solve, stream_key,
};
use lis1_domain::{Lang, Localized};

/// Exit code when the file is missing or unreadable (documented in docs/matching.md §12).
pub const EXIT_UNREADABLE: u8 = 2;

/// Which generated instance.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// 1,200 applicants, 31 advertisements, 600 positions, 17 ranked each, 10 couples.
    Lis1,
    /// 48,000 applicants, 6,000 programmes, 40,000 places, 12 ranked each, 1,000 couples.
    Nrmp,
}

impl Size {
    fn params(self) -> GeneratorParams {
        match self {
            Size::Lis1 => GeneratorParams::lis1(),
            Size::Nrmp => GeneratorParams::nrmp(),
        }
    }
}

/// `lis1 match` subcommands.
#[derive(clap::Subcommand)]
pub enum MatchCommand {
    /// Recompute a published match from its export file, offline. Exit 0: it checks out;
    /// 1: it does not (the first difference is named); 2: the file cannot be read.
    Verify {
        /// The export file (JSON).
        file: PathBuf,
    },
    /// Compare today's offer rounds, random serial dictatorship, Boston and deferred
    /// acceptance on one instance over many draws; write a report and SVG charts.
    Simulate {
        /// An inputs file (the `inputs` object of docs/matching.md §4) or a match export.
        #[arg(long, conflicts_with = "generate")]
        instance: Option<PathBuf>,
        /// Generate the instance instead.
        #[arg(long, value_enum)]
        generate: Option<Size>,
        /// The generator's seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Leave the generated instance without couples.
        #[arg(long)]
        no_couples: bool,
        /// How many draws (lottery numbers, orders, reply days).
        #[arg(long, default_value_t = 100)]
        draws: u64,
        /// The report: `.md` for Markdown, `.json` for JSON. SVG charts are written next to it.
        #[arg(long)]
        out: PathBuf,
        /// Singles tried for gains from misreporting (first draw, Boston and deferred acceptance).
        #[arg(long, default_value_t = 200)]
        manipulation_sample: usize,
    },
    /// Time loading, solving and verifying at NRMP and LIS1 size, and report memory.
    Bench {
        /// The generator's seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Least time spent per measured step.
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
    },
    /// Write a generated instance as an inputs file.
    Generate {
        /// Which size.
        #[arg(long, value_enum)]
        size: Size,
        /// The generator's seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Leave it without couples.
        #[arg(long)]
        no_couples: bool,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
    /// Match an inputs file with a seed and write the export (as the portal publishes it).
    Run {
        /// The inputs file.
        file: PathBuf,
        /// The seed (64 hex digits).
        #[arg(long)]
        seed: String,
        /// Where to write the export.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Runs a `lis1 match` subcommand.
pub fn run(command: MatchCommand) -> anyhow::Result<ExitCode> {
    match command {
        MatchCommand::Verify { file } => Ok(verify(&file)),
        MatchCommand::Simulate {
            instance,
            generate,
            seed,
            no_couples,
            draws,
            out,
            manipulation_sample,
        } => {
            let inst = load_instance(instance.as_deref(), generate, seed, no_couples)?;
            simulate(&inst, draws, &out, manipulation_sample)?;
            Ok(ExitCode::SUCCESS)
        }
        MatchCommand::Bench { seed, seconds } => {
            bench(seed, seconds)?;
            Ok(ExitCode::SUCCESS)
        }
        MatchCommand::Generate {
            size,
            seed,
            no_couples,
            out,
        } => {
            let inst = load_instance(None, Some(size), seed, no_couples)?;
            write(&out, &to_json(&inst.to_document())?)?;
            eprintln!(
                "Skrev {} ({} søkere, {} stillinger, {} par).",
                out.display(),
                inst.applicant_count(),
                inst.position_count(),
                inst.couple_count()
            );
            Ok(ExitCode::SUCCESS)
        }
        MatchCommand::Run { file, seed, out } => {
            let inst = load_instance(Some(&file), None, 0, false)?;
            let seed =
                Seed::from_hex(seed.trim()).map_err(|e| anyhow!("{}", e.message(Lang::Nb)))?;
            let sol = solve(&inst, &seed).map_err(|e| anyhow!("{}", e.message(Lang::Nb)))?;
            let export = Export::new(&inst, &seed, &sol, Timestamps::default());
            write(&out, &export.to_json_pretty())?;
            eprintln!(
                "Skrev {}: {} av {} søkere fikk stilling.",
                out.display(),
                sol.matching.placed(),
                inst.applicant_count()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> anyhow::Result<String> {
    let mut s = serde_json::to_string_pretty(v)?;
    s.push('\n');
    Ok(s)
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("Kunne ikke skrive {}", path.display()))
}

fn load_instance(
    file: Option<&Path>,
    size: Option<Size>,
    seed: u64,
    no_couples: bool,
) -> anyhow::Result<Instance> {
    match (file, size) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("Kunne ikke lese {}", path.display()))?;
            let is_export = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .is_some_and(|v| v.get("format").and_then(|f| f.as_str()) == Some(EXPORT_FORMAT));
            let doc = if is_export {
                Export::from_json(&text).map(|e| e.inputs)
            } else {
                InputsDocument::from_json(&text)
            }
            .map_err(|e| anyhow!("{}: {}", path.display(), e.message(Lang::Nb)))?;
            doc.validate()
                .map_err(|e| anyhow!("Ugyldige inndata: {} ({})", e.message(Lang::Nb), e.code()))
        }
        (None, Some(size)) => {
            let mut params = size.params();
            if no_couples {
                params = params.without_couples();
            }
            generate(&params, seed)
                .validate()
                .map_err(|e| anyhow!("Generatoren laget ugyldige inndata: {e}"))
        }
        (None, None) => bail!("Oppgi --instance FIL eller --generate lis1|nrmp."),
    }
}

/// Checks an export file and prints what was checked; the first difference is named.
pub fn verify(path: &Path) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            println!("FEIL Kunne ikke lese {}: {e}", path.display());
            return ExitCode::from(EXIT_UNREADABLE);
        }
    };
    let export = match Export::from_json(&text) {
        Ok(e) => e,
        Err(e) => {
            println!("FEIL {}", e.message(Lang::Nb));
            println!("Matchingen kan ikke kontrolleres.");
            return ExitCode::from(1);
        }
    };
    println!(
        "Matching: {} ({} søkere, {} stillinger, {} par)",
        export.inputs.round,
        export.inputs.applicants.len(),
        export.inputs.positions.len(),
        export.inputs.couples.len()
    );
    let report = export.verify();
    if report.is_ok() {
        println!(
            "OK   Frøet stemmer med den publiserte kontrollsummen ({}).",
            export.commitment.seed_sha256
        );
        println!(
            "OK   Inndataene stemmer med den publiserte kontrollsummen ({}).",
            export.commitment.inputs_sha256
        );
        println!(
            "OK   Matchingen er beregnet på nytt og stemmer ({} søkere, {} stillinger, {} forsøk), og den er stabil.",
            export.result.len(),
            export.positions.len(),
            export.attempts
        );
        println!("Matchingen er kontrollert: alt stemmer.");
        return ExitCode::SUCCESS;
    }
    if let Some(first) = report.failures.first() {
        println!("FEIL {} ({})", first.message(Lang::Nb), first.code());
    }
    if report.failures.len() > 1 {
        println!("     … og {} avvik til.", report.failures.len() - 1);
    }
    println!("Matchingen stemmer IKKE.");
    ExitCode::from(1)
}

// ---------------------------------------------------------------------------
// Simulation report

/// Runs the simulation and writes the report and charts.
pub fn simulate(
    inst: &Instance,
    draws: u64,
    out: &Path,
    manipulation_sample: usize,
) -> anyhow::Result<()> {
    let json = match out.extension().and_then(|e| e.to_str()) {
        Some("json") => true,
        Some("md") => false,
        _ => bail!("--out må slutte på .md eller .json"),
    };
    eprintln!(
        "Simulerer {draws} trekninger: {} søkere, {} stillinger, {} par …",
        inst.applicant_count(),
        inst.position_count(),
        inst.couple_count()
    );
    let bar = ProgressBar::new(draws);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} trekninger ({per_sec}, ca. {eta} igjen)",
        )
        .map_err(|e| anyhow!("{e}"))?,
    );
    // The master seed is the inputs' hash: the same instance always gives the same figures.
    let master = Seed::from_bytes(*inst.inputs_sha256().as_bytes());
    let report = run_simulation(
        inst,
        &master,
        draws,
        &OfferModel::default(),
        manipulation_sample,
        |done| bar.set_position(done),
    );
    bar.finish_and_clear();
    let stem = out
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("rapport")
        .to_owned();
    let dir = out.parent().unwrap_or(Path::new("."));
    let charts = charts(&report, &stem);
    for c in &charts {
        write(&dir.join(&c.file), &c.svg(c.file.trim_end_matches(".svg")))?;
    }
    let text = if json {
        to_json(&json_report(&report, inst.round()))?
    } else {
        markdown(&report, &charts, inst.round())
    };
    write(out, &text)?;
    println!(
        "Rapport: {} (og {} SVG-diagrammer ved siden av).",
        out.display(),
        charts.len()
    );
    for m in &report.mechanisms {
        println!(
            "  {:<32} plassert {:>8}  blokkerende par {:>8}  tilbud {:>8}",
            m.mechanism.label(Lang::Nb),
            nb(m.placed.mean, 1),
            nb(m.blocking_pairs.mean, 1),
            nb(m.offers.mean, 0)
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Benchmark

/// CPU time of this thread so far (user + system), from /proc (Linux); None elsewhere.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux platform lis1 runs on.
    Some(Duration::from_millis(ticks * 10))
}

/// Peak resident memory of the process so far (VmHWM), from /proc.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

struct Timing {
    min: Duration,
    median: Duration,
    cpu: Option<Duration>,
    runs: u32,
}

fn time<T>(seconds: f64, mut f: impl FnMut() -> T) -> Timing {
    let budget = Duration::from_secs_f64(seconds);
    let mut samples = Vec::new();
    std::hint::black_box(f()); // warm-up
    let cpu0 = cpu_time();
    let start = Instant::now();
    while samples.len() < 3 || (start.elapsed() < budget && samples.len() < 10_000) {
        let t = Instant::now();
        std::hint::black_box(f());
        samples.push(t.elapsed());
    }
    let cpu = match (cpu0, cpu_time()) {
        (Some(a), Some(b)) => Some((b - a) / samples.len() as u32),
        _ => None,
    };
    samples.sort();
    Timing {
        min: samples[0],
        median: samples[samples.len() / 2],
        cpu,
        runs: samples.len() as u32,
    }
}

fn show(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{} µs", nb(us, 0))
    } else {
        format!("{} ms", nb(us / 1000.0, 2))
    }
}

fn mib(bytes: u64) -> String {
    format!("{} MiB", nb(bytes as f64 / 1_048_576.0, 1))
}

fn bench_one(label: &str, params: &GeneratorParams, seed: u64, seconds: f64) -> anyhow::Result<()> {
    let inputs = generate(params, seed);
    let text = serde_json::to_string(&inputs)?;
    let inst = inputs.clone().validate().map_err(|e| anyhow!("{e}"))?;
    let key_seed = Seed::from_bytes([7; 32]);
    let prep = |i: &Instance| {
        let mut rng = RandomStream::new(&stream_key(&key_seed, &i.inputs_sha256()));
        Prepared::new(i, &mut rng)
    };
    let prepared = prep(&inst);
    let mut solver = Solver::new(&inst);
    let sol = solve(&inst, &key_seed).map_err(|e| anyhow!("{e}"))?;
    let export = Export::new(&inst, &key_seed, &sol, Timestamps::default()).to_json_pretty();
    println!(
        "\n## {label}: {} søkere, {} stillinger, {} plasser, {} par, {} rangeringer; {} plassert, {} forsøk, {} forslag",
        inst.applicant_count(),
        inst.position_count(),
        inst.seats(),
        inst.couple_count(),
        inst.entry_count(),
        sol.matching.placed(),
        sol.attempts.len(),
        sol.attempts.iter().map(|a| a.proposals).sum::<u64>()
    );
    println!("| steg | min | median | CPU-tid per kjøring | kjøringer |");
    println!("|---|---:|---:|---:|---:|");
    let row = |name: &str, t: Timing| {
        println!(
            "| {name} | {} | {} | {} | {} |",
            show(t.min),
            show(t.median),
            t.cpu.map(show).unwrap_or_else(|| "–".into()),
            t.runs
        );
    };
    let couples = inst.couple_count() > 0;
    if !couples {
        row(
            "utsatt aksept (DA) alene",
            time(seconds, || solver.deferred_acceptance(&inst, &prepared)),
        );
    }
    row(
        "trekk loddnumre og bryt likhet (last)",
        time(seconds, || prep(&inst)),
    );
    row(
        "verifiser stabilitet",
        time(seconds, || check(&inst, &sol.prepared, &sol.matching)),
    );
    row(
        "last + løs + verifiser (solve)",
        time(seconds, || solve(&inst, &key_seed).is_ok()),
    );
    row(
        "forklaringer for alle søkere",
        time(seconds, || {
            explain(&inst, &sol.prepared, &sol.matching).len()
        }),
    );
    row(
        "valider inndata (fra Rust-verdier)",
        time(seconds, || inputs.clone().validate().is_ok()),
    );
    row(
        "les JSON-inndata (serde)",
        time(seconds, || InputsDocument::from_json(&text).is_ok()),
    );
    row(
        "lis1 match verify (les eksport, valider, hash, løs, sammenlign)",
        time(seconds, || {
            Export::from_json(&export).map(|e| e.verify().is_ok())
        }),
    );
    println!(
        "\nMinne: indekstabellene {}; eksportfilen {}; prosessens høyeste RSS så langt {}.",
        mib(inst.heap_bytes() as u64),
        mib(export.len() as u64),
        peak_rss().map(mib).unwrap_or_else(|| "–".into())
    );
    Ok(())
}

fn bench(seed: u64, seconds: f64) -> anyhow::Result<()> {
    println!(
        "# lis1 match bench (frø {seed}, minst {seconds} s per steg, én tråd)\n\nRSS ved start: {}",
        peak_rss().map(mib).unwrap_or_else(|| "–".into())
    );
    bench_one(
        "NRMP-størrelse uten par",
        &GeneratorParams::nrmp().without_couples(),
        seed,
        seconds,
    )?;
    bench_one(
        "NRMP-størrelse med 1 000 par",
        &GeneratorParams::nrmp(),
        seed,
        seconds,
    )?;
    bench_one(
        "LIS1-størrelse uten par",
        &GeneratorParams::lis1().without_couples(),
        seed,
        seconds,
    )?;
    bench_one(
        "LIS1-størrelse med 10 par",
        &GeneratorParams::lis1(),
        seed,
        seconds,
    )?;
    Ok(())
}
