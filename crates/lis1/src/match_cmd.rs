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

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use indicatif::{ProgressBar, ProgressStyle};
use lis1_domain::lottery::{RandomStream, Seed};
use lis1_domain::matching::generate::{GeneratorParams, generate};
use lis1_domain::matching::mechanisms::{
    MechanismSummary, OfferModel, SimulationReport, Stat, simulate as run_simulation,
};
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

fn nb(x: f64, decimals: usize) -> String {
    format!("{x:.decimals$}").replace('.', ",")
}

fn stat(s: &Stat, decimals: usize) -> String {
    if (s.max - s.min).abs() < 1e-9 {
        nb(s.mean, decimals)
    } else {
        format!(
            "{} ({}–{})",
            nb(s.mean, decimals),
            nb(s.min, decimals),
            nb(s.max, decimals)
        )
    }
}

/// A grouped bar chart: one group per category, one bar per series. Plain SVG with a
/// title and a description for screen readers; the data table is in the report.
fn bar_chart(title: &str, categories: &[String], series: &[(String, Vec<f64>)]) -> String {
    const COLORS: [&str; 4] = ["#8a4b08", "#5b6abf", "#2e8540", "#0062ba"];
    let (w, h, left, top, bottom) = (760.0, 360.0, 60.0, 40.0, 70.0);
    let plot_w = w - left - 20.0;
    let plot_h = h - top - bottom;
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0f64, f64::max)
        .max(1.0);
    let group_w = plot_w / categories.len().max(1) as f64;
    let bar_w = (group_w * 0.8) / series.len().max(1) as f64;
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut o = String::new();
    let _ = write!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="t d" font-family="sans-serif" font-size="12">"#
    );
    let _ = write!(
        o,
        r#"<title id="t">{}</title><desc id="d">Stolpediagram; tallene står i tabellen i rapporten.</desc>"#,
        esc(title)
    );
    let _ = write!(
        o,
        r##"<rect width="{w}" height="{h}" fill="#fff"/><text x="{left}" y="22" font-size="15" font-weight="bold">{}</text>"##,
        esc(title)
    );
    for i in 0..=4 {
        let v = max * f64::from(i) / 4.0;
        let y = top + plot_h - plot_h * f64::from(i) / 4.0;
        let _ = write!(
            o,
            r##"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
            left + plot_w,
            left - 6.0,
            y + 4.0,
            nb(v, 0)
        );
    }
    for (ci, cat) in categories.iter().enumerate() {
        let gx = left + group_w * ci as f64 + group_w * 0.1;
        for (si, (name, values)) in series.iter().enumerate() {
            let v = values.get(ci).copied().unwrap_or(0.0);
            let bh = plot_h * v / max;
            let x = gx + bar_w * si as f64;
            let _ = write!(
                o,
                r#"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}" fill="{}"><title>{}: {}: {}</title></rect>"#,
                top + plot_h - bh,
                (bar_w - 1.0).max(1.0),
                COLORS[si % COLORS.len()],
                esc(name),
                esc(cat),
                nb(v, 1)
            );
        }
        let _ = write!(
            o,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            gx + group_w * 0.4,
            top + plot_h + 16.0,
            esc(cat)
        );
    }
    for (si, (name, _)) in series.iter().enumerate() {
        let x = left + 180.0 * si as f64;
        let y = h - 18.0;
        let _ = write!(
            o,
            r#"<rect x="{x}" y="{}" width="12" height="12" fill="{}"/><text x="{}" y="{y}">{}</text>"#,
            y - 10.0,
            COLORS[si % COLORS.len()],
            x + 16.0,
            esc(name)
        );
    }
    o.push_str("</svg>\n");
    o
}

struct Chart {
    file: String,
    title: String,
    categories: Vec<String>,
    series: Vec<(String, Vec<f64>)>,
}

fn charts(r: &SimulationReport, stem: &str) -> Vec<Chart> {
    let names: Vec<String> = r
        .mechanisms
        .iter()
        .map(|m| m.mechanism.label(Lang::Nb).to_owned())
        .collect();
    let per = |f: &dyn Fn(&MechanismSummary) -> f64| -> Vec<(String, Vec<f64>)> {
        names
            .iter()
            .zip(&r.mechanisms)
            .map(|(n, m)| (n.clone(), vec![f(m)]))
            .collect()
    };
    let ranks = r
        .mechanisms
        .iter()
        .map(|m| m.rank_hist.len())
        .max()
        .unwrap_or(1);
    let mut rank_categories: Vec<String> = (1..ranks).map(|i| format!("{i}.")).collect();
    rank_categories.push("ingen".into());
    let rank_series = names
        .iter()
        .zip(&r.mechanisms)
        .map(|(n, m)| {
            let mut v: Vec<f64> = (1..ranks)
                .map(|i| m.rank_hist.get(i).copied().unwrap_or(0.0))
                .collect();
            v.push(m.rank_hist.first().copied().unwrap_or(0.0));
            (n.clone(), v)
        })
        .collect();
    vec![
        Chart {
            file: format!("{stem}-rangering.svg"),
            title: "Enslige søkere etter hvilket valg de fikk (snitt)".into(),
            categories: rank_categories,
            series: rank_series,
        },
        Chart {
            file: format!("{stem}-plassert.svg"),
            title: "Søkere som fikk stilling (snitt)".into(),
            categories: vec!["plassert".into()],
            series: per(&|m| m.placed.mean),
        },
        Chart {
            file: format!("{stem}-blokkerende.svg"),
            title: "Blokkerende par (snitt)".into(),
            categories: vec!["blokkerende par".into()],
            series: per(&|m| m.blocking_pairs.mean),
        },
        Chart {
            file: format!("{stem}-dager.svg"),
            title: "Dager til stillingene var besatt (snitt)".into(),
            categories: vec!["snitt".into(), "siste".into()],
            series: names
                .iter()
                .zip(&r.mechanisms)
                .map(|(n, m)| (n.clone(), vec![m.mean_days.mean, m.max_days.mean]))
                .collect(),
        },
    ]
}

/// One row of the summary table: a label and how to show a mechanism's value.
type Cell = Box<dyn Fn(&MechanismSummary) -> String>;

fn markdown(r: &SimulationReport, charts: &[Chart], round: &str) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Mekanismesimulering: {round}\n");
    let _ = writeln!(
        o,
        "{} søkere ({} enslige, {} par), {} stillinger med {} plasser, {} trekninger. \
         Tall er snitt over trekningene, med laveste–høyeste i parentes der de varierer. \
         Forutsetningene står i docs/matching.md §14.\n",
        r.applicants, r.singles, r.couples, r.positions, r.seats, r.draws
    );
    let _ = writeln!(
        o,
        "Tilbudsrundemodellen: {} ordinære runder med {} dagers mellomrom, svarfrist {} dager i første runde og {} dager senere, restplasser {} dager etter siste runde.\n",
        r.model.rounds,
        r.model.round_days,
        r.model.first_reply_days,
        r.model.reply_days,
        r.model.rest_days
    );
    let _ = writeln!(
        o,
        "| mål | {} |",
        r.mechanisms
            .iter()
            .map(|m| m.mechanism.label(Lang::Nb))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(o, "|---{}|", "|---:".repeat(r.mechanisms.len()));
    let rows: Vec<(&str, Cell)> = vec![
        ("plasser besatt", Box::new(|m| stat(&m.seats_filled, 1))),
        (
            "stillinger fylt helt",
            Box::new(|m| stat(&m.positions_full, 1)),
        ),
        ("søkere plassert", Box::new(|m| stat(&m.placed, 1))),
        (
            "par plassert sammen",
            Box::new(|m| stat(&m.couples_together, 1)),
        ),
        (
            "enslige som fikk førstevalget",
            Box::new(|m| nb(m.rank_hist.get(1).copied().unwrap_or(0.0), 1)),
        ),
        ("tilbud gitt", Box::new(|m| stat(&m.offers, 0))),
        ("tilbudsrunder", Box::new(|m| stat(&m.rounds, 1))),
        (
            "dager til besatt (snitt)",
            Box::new(|m| stat(&m.mean_days, 1)),
        ),
        ("dager til siste besatt", Box::new(|m| stat(&m.max_days, 1))),
        ("blokkerende par", Box::new(|m| stat(&m.blocking_pairs, 1))),
        (
            "trekninger uten stabil matching",
            Box::new(|m| m.failures.to_string()),
        ),
        (
            "kunne tjent på å rangere uærlig",
            Box::new(|m| match m.manipulation {
                Some(x) => format!("{} av {}", x.could_gain, x.sampled),
                None => "–".into(),
            }),
        ),
    ];
    for (label, f) in &rows {
        let cells: Vec<String> = r.mechanisms.iter().map(f).collect();
        let _ = writeln!(o, "| {label} | {} |", cells.join(" | "));
    }
    o.push('\n');
    let _ = writeln!(
        o,
        "Uærlig rangering: i første trekning prøver et utvalg enslige søkere å sette ett av sine lavere valg først; \
         telt er de som da får en stilling de egentlig rangerer høyere. I utsatt aksept skal tallet være 0.\n"
    );
    for c in charts {
        let _ = writeln!(o, "## {}\n", c.title);
        let _ = writeln!(o, "![{}]({})\n", c.title, c.file);
        let _ = writeln!(
            o,
            "| | {} |",
            c.series
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(" | ")
        );
        let _ = writeln!(o, "|---{}|", "|---:".repeat(c.series.len()));
        for (i, cat) in c.categories.iter().enumerate() {
            let cells: Vec<String> = c
                .series
                .iter()
                .map(|(_, v)| nb(v.get(i).copied().unwrap_or(0.0), 1))
                .collect();
            let _ = writeln!(o, "| {cat} | {} |", cells.join(" | "));
        }
        o.push('\n');
    }
    o
}

fn stat_json(s: &Stat) -> serde_json::Value {
    serde_json::json!({"mean": s.mean, "min": s.min, "max": s.max})
}

fn json_report(r: &SimulationReport, round: &str) -> serde_json::Value {
    serde_json::json!({
        "round": round,
        "draws": r.draws,
        "applicants": r.applicants,
        "singles": r.singles,
        "couples": r.couples,
        "positions": r.positions,
        "seats": r.seats,
        "offer_model": {
            "rounds": r.model.rounds,
            "round_days": r.model.round_days,
            "first_reply_days": r.model.first_reply_days,
            "reply_days": r.model.reply_days,
            "rest_days": r.model.rest_days,
        },
        "mechanisms": r.mechanisms.iter().map(|m| serde_json::json!({
            "mechanism": m.mechanism.as_str(),
            "seats_filled": stat_json(&m.seats_filled),
            "positions_full": stat_json(&m.positions_full),
            "placed": stat_json(&m.placed),
            "couples_together": stat_json(&m.couples_together),
            "rank_distribution": m.rank_hist,
            "offers": stat_json(&m.offers),
            "rounds": stat_json(&m.rounds),
            "mean_days_to_fill": stat_json(&m.mean_days),
            "days_to_last_fill": stat_json(&m.max_days),
            "blocking_pairs": stat_json(&m.blocking_pairs),
            "draws_without_stable_matching": m.failures,
            "manipulation": m.manipulation.map(|x| serde_json::json!({
                "sampled": x.sampled, "could_gain": x.could_gain, "tries": x.tries,
            })),
        })).collect::<Vec<_>>(),
    })
}

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
        write(
            &dir.join(&c.file),
            &bar_chart(&c.title, &c.categories, &c.series),
        )?;
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
