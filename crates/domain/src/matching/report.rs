//! The simulator's report (docs/matching.md §14): a Markdown or JSON text and SVG bar charts
//! with their data, the same for `lis1 match simulate` and the directorate's page.

use std::fmt::Write as _;

use super::mechanisms::{MechanismSummary, SimulationReport, Stat};
use crate::Lang;

/// A number with a decimal comma, as Norwegian readers expect.
pub fn nb(x: f64, decimals: usize) -> String {
    format!("{x:.decimals$}").replace('.', ",")
}

/// A mean, with the lowest–highest in parentheses when the draws differ.
pub fn stat(s: &Stat, decimals: usize) -> String {
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
/// title and a description for screen readers; the data table is in the report. `id`
/// prefixes the chart's element ids, so several charts can share one HTML page.
pub fn bar_chart(
    id: &str,
    title: &str,
    categories: &[String],
    series: &[(String, Vec<f64>)],
) -> String {
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
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}-t {id}-d" font-family="sans-serif" font-size="12">"#
    );
    let _ = write!(
        o,
        r#"<title id="{id}-t">{}</title><desc id="{id}-d">Stolpediagram; tallene står i tabellen ved siden av.</desc>"#,
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

/// One chart of a simulation report, with the data it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// The SVG file's name next to a written report (`{stem}-rangering.svg`).
    pub file: String,
    /// The title.
    pub title: String,
    /// The groups along the x axis.
    pub categories: Vec<String>,
    /// One series per mechanism: its name and one value per category.
    pub series: Vec<(String, Vec<f64>)>,
}

impl Chart {
    /// The chart as SVG, its element ids prefixed with `id`.
    pub fn svg(&self, id: &str) -> String {
        bar_chart(id, &self.title, &self.categories, &self.series)
    }
}

/// The report's four charts in bokmål (as in the Markdown report): see [`charts_in`].
pub fn charts(r: &SimulationReport, stem: &str) -> Vec<Chart> {
    charts_in(r, stem, Lang::Nb)
}

/// The report's four charts, titles and labels in `lang`: rank received, applicants placed,
/// blocking pairs, days to fill.
pub fn charts_in(r: &SimulationReport, stem: &str, lang: Lang) -> Vec<Chart> {
    let t = |nb: &str, nn: &str, en: &str| lang.pick3(nb, nn, en).to_owned();
    let names: Vec<String> = r
        .mechanisms
        .iter()
        .map(|m| m.mechanism.label(lang).to_owned())
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
    rank_categories.push(t("ingen", "ingen", "none"));
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
            title: t(
                "Enslige søkere etter hvilket valg de fikk (snitt)",
                "Einslege søkjarar etter kva val dei fekk (snitt)",
                "Single applicants by the choice they got (mean)",
            ),
            categories: rank_categories,
            series: rank_series,
        },
        Chart {
            file: format!("{stem}-plassert.svg"),
            title: t(
                "Søkere som fikk stilling (snitt)",
                "Søkjarar som fekk stilling (snitt)",
                "Applicants who got a position (mean)",
            ),
            categories: vec![t("plassert", "plassert", "placed")],
            series: per(&|m| m.placed.mean),
        },
        Chart {
            file: format!("{stem}-blokkerende.svg"),
            title: t(
                "Blokkerende par (snitt)",
                "Blokkerande par (snitt)",
                "Blocking pairs (mean)",
            ),
            categories: vec![t("blokkerende par", "blokkerande par", "blocking pairs")],
            series: per(&|m| m.blocking_pairs.mean),
        },
        Chart {
            file: format!("{stem}-dager.svg"),
            title: t(
                "Dager til stillingene var besatt (snitt)",
                "Dagar til stillingane var besette (snitt)",
                "Days until the positions were filled (mean)",
            ),
            categories: vec![t("snitt", "snitt", "mean"), t("siste", "siste", "last")],
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

/// The report in Markdown (bokmål): the summary table per mechanism, then each chart with its
/// data table.
pub fn markdown(r: &SimulationReport, charts: &[Chart], round: &str) -> String {
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

/// The report as JSON.
pub fn json_report(r: &SimulationReport, round: &str) -> serde_json::Value {
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
