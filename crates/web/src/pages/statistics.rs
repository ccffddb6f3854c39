//! `/statistikk` (issue 14): the round report for everyone, without signing in — every table
//! through disclosure control, so no figure under five persons shows or can be derived — and at
//! full detail for the directorate; the trend across rounds with the directorate's published
//! figures for rounds before the portal, as a chart (SVG, drawn here) with the data table beside
//! it; downloads as CSV and XLSX; and the follow-up evaluation of bound positions for the
//! directorate.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use lis1_app::statistics::{self as uc, Detail, NamedTable, TrendPoint};
use lis1_domain::Lang;
use lis1_domain::profiles::{CareerPreference, EducationRegion};
use lis1_domain::statistics::{
    Cell, FollowUp, HISTORY_SOURCE, HISTORY_TABLE1, HISTORY_TABLE1_SOURCE, Published,
};
use minijinja::context;
use serde::Deserialize;

use crate::auth::Visitor;
use crate::error::AppError;
use crate::i18n::t;
use crate::pages::applicants::{Format, table_file};
use crate::pages::{fmt_date, fmt_time, page};
use crate::state::AppState;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    ("nav.statistics", "Statistikk", "Statistikk", "Statistics"),
    ("stats.title", "Statistikk", "Statistikk", "Statistics"),
    (
        "stats.intro",
        "Søkere, stillinger og tilsatte i hver søknadsrunde, regnet ut direkte fra portalens egne data. Tall under 5 personer vises ikke, og heller ikke tall som de kan regnes ut fra.",
        "Søkjarar, stillingar og tilsette i kvar søknadsrunde, rekna ut direkte frå dei eigne dataa til portalen. Tal under 5 personar blir ikkje viste, og heller ikkje tal som dei kan reknast ut frå.",
        "Applicants, positions and hires in every round, computed directly from the portal's own data. Figures under 5 persons are not shown, nor figures they could be worked out from.",
    ),
    (
        "stats.full_detail",
        "Du ser alle tall uten skjuling, fordi du er Helsedirektoratet. Del bare publiserbare tall videre.",
        "Du ser alle tal utan skjuling, fordi du er Helsedirektoratet. Del berre publiserbare tal vidare.",
        "You see every figure unsuppressed because you are the Directorate of Health. Pass on only publishable figures.",
    ),
    (
        "stats.trend",
        "Utviklingen over rundene",
        "Utviklinga over rundane",
        "The trend across rounds",
    ),
    (
        "stats.trend_chart",
        "Søkere og tilsatte per runde, med andelen tilsatte",
        "Søkjarar og tilsette per runde, med delen tilsette",
        "Applicants and hired per round, with the share hired",
    ),
    ("stats.round", "Runde", "Runde", "Round"),
    ("stats.start", "Oppstart", "Oppstart", "Start"),
    ("stats.applicants", "Søkere", "Søkjarar", "Applicants"),
    ("stats.positions", "Stillinger", "Stillingar", "Positions"),
    ("stats.hired", "Tilsatt", "Tilsett", "Hired"),
    (
        "stats.share_hired",
        "Andel tilsatt",
        "Del tilsette",
        "Share hired",
    ),
    ("stats.note", "Merknad", "Merknad", "Note"),
    ("stats.source", "Kilde", "Kjelde", "Source"),
    (
        "stats.published_figure",
        "Publisert tall fra før portalen",
        "Publisert tal frå før portalen",
        "Published figure from before the portal",
    ),
    (
        "stats.portal_figure",
        "Fra portalen",
        "Frå portalen",
        "From the portal",
    ),
    (
        "stats.rounds",
        "Rundene i portalen",
        "Rundane i portalen",
        "The rounds in the portal",
    ),
    (
        "stats.no_rounds",
        "Ingen runder ennå.",
        "Ingen rundar enno.",
        "No rounds yet.",
    ),
    (
        "stats.report",
        "Rapport for runden",
        "Rapport for runden",
        "Report of the round",
    ),
    (
        "stats.frozen",
        "Rapporten ble låst {at}, før søknadene uten tilsetting ble slettet etter reglene for lagring.",
        "Rapporten vart låst {at}, før søknadene utan tilsetjing vart sletta etter reglane for lagring.",
        "The report was frozen {at}, before the applications without a hire were deleted under the retention rules.",
    ),
    (
        "stats.live",
        "Tallene er regnet ut nå, fra dataene i portalen.",
        "Tala er rekna ut no, frå dataa i portalen.",
        "The figures are computed now, from the data in the portal.",
    ),
    (
        "stats.headline",
        "Hovedtall",
        "Hovudtal",
        "Headline figures",
    ),
    ("stats.applications", "Søknader", "Søknader", "Applications"),
    (
        "stats.per_applicant",
        "Søknader per søker",
        "Søknader per søkjar",
        "Applications per applicant",
    ),
    (
        "stats.advertisements",
        "Utlysninger",
        "Utlysingar",
        "Advertisements",
    ),
    (
        "stats.trusts",
        "Helseforetak som lyste ut",
        "Helseføretak som lyste ut",
        "Hospital trusts advertising",
    ),
    (
        "stats.unfilled",
        "Ubesatte stillinger",
        "Stillingar som ikkje er besette",
        "Unfilled positions",
    ),
    (
        "stats.rest",
        "Reststillinger lyst ut / besatt",
        "Reststillingar lyste ut / besette",
        "Rest positions advertised / filled",
    ),
    (
        "stats.days_to_filled",
        "Dager fra første tilbud til utlysningen var fylt (median)",
        "Dagar frå første tilbod til utlysinga var fylt (median)",
        "Days from the first offer until the advertisement was filled (median)",
    ),
    ("stats.suppressed", "Skjult", "Skjult", "Suppressed"),
    (
        "stats.suppressed_note",
        "– betyr skjult: færre enn 5 personer, eller et tall som ville avslørt et slikt.",
        "– tyder skjult: færre enn 5 personar, eller eit tal som ville ha avslørt eit slikt.",
        "– means suppressed: fewer than 5 persons, or a figure that would reveal one.",
    ),
    ("stats.total", "Sum", "Sum", "Total"),
    ("stats.download", "Last ned", "Last ned", "Download"),
    ("stats.csv", "CSV", "CSV", "CSV"),
    ("stats.xlsx", "Excel", "Excel", "Excel"),
    (
        "stats.t.education",
        "Søkere etter utdanningsland",
        "Søkjarar etter utdanningsland",
        "Applicants by country of education",
    ),
    (
        "stats.t.career",
        "Søkere etter ønsket karriere etter LIS1",
        "Søkjarar etter ønskt karriere etter LIS1",
        "Applicants by career preference after LIS1",
    ),
    (
        "stats.t.region",
        "Stillinger etter region",
        "Stillingar etter region",
        "Positions by region",
    ),
    (
        "stats.t.trust",
        "Stillinger etter helseforetak",
        "Stillingar etter helseføretak",
        "Positions by hospital trust",
    ),
    (
        "stats.t.site",
        "Stillinger etter sykehus",
        "Stillingar etter sjukehus",
        "Positions by hospital site",
    ),
    (
        "stats.t.offer_rounds",
        "Tilbud etter tilbudsrunde og utfall",
        "Tilbod etter tilbodsrunde og utfall",
        "Offers by offer round and outcome",
    ),
    (
        "stats.t.per_applicant",
        "Søkere etter antall søknader",
        "Søkjarar etter tal på søknader",
        "Applicants by number of applications",
    ),
    (
        "stats.t.lottery",
        "Trukket kommune: søkerens rangering",
        "Trekt kommune: rangeringa til søkjaren",
        "Municipality drawn: the doctor's ranking",
    ),
    ("stats.c.hired", "Tilsatt", "Tilsett", "Hired"),
    (
        "stats.c.not_hired",
        "Ikke tilsatt",
        "Ikkje tilsett",
        "Not hired",
    ),
    ("stats.c.filled", "Besatt", "Besett", "Filled"),
    (
        "stats.c.unfilled",
        "Ikke besatt",
        "Ikkje besett",
        "Unfilled",
    ),
    ("stats.c.applicants", "Søkere", "Søkjarar", "Applicants"),
    ("stats.c.placed", "Leger", "Legar", "Doctors"),
    ("stats.c.accepted", "Akseptert", "Akseptert", "Accepted"),
    ("stats.c.declined", "Avslått", "Avslått", "Declined"),
    ("stats.c.expired", "Utløpt", "Gått ut", "Expired"),
    ("stats.c.withdrawn", "Trukket", "Trekt", "Withdrawn"),
    ("stats.c.resigned", "Sagt opp", "Sagt opp", "Resigned"),
    ("stats.c.made", "Ubesvart", "Utan svar", "Unanswered"),
    (
        "stats.offer_round",
        "Tilbudsrunde",
        "Tilbodsrunde",
        "Offer round",
    ),
    ("stats.choice", ". valg", ". val", " choice"),
    (
        "stats.unranked",
        "Ikke rangert",
        "Ikkje rangert",
        "Not ranked",
    ),
    (
        "stats.table1",
        "Søkere etter ønsket karriere, tilsatt og ikke tilsatt (tidligere runder)",
        "Søkjarar etter ønskt karriere, tilsette og ikkje tilsette (tidlegare rundar)",
        "Applicants by career preference, hired and not hired (earlier rounds)",
    ),
    (
        "stats.preference",
        "Preferanse etter LIS1",
        "Preferanse etter LIS1",
        "Preference after LIS1",
    ),
    (
        "stats.no_such_table",
        "Den tabellen finnes ikke. Velg en tabell fra rapporten.",
        "Den tabellen finst ikkje. Vel ein tabell frå rapporten.",
        "There is no such table. Choose a table from the report.",
    ),
    (
        "stats.evaluation",
        "Følgeevaluering av bundne stillinger",
        "Følgjeevaluering av bundne stillingar",
        "Follow-up evaluation of bound positions",
    ),
    (
        "stats.evaluation_intro",
        "Bare leger som samtykker når du leser siden, er med. Trekker en lege samtykket, er legen borte fra tabellene neste gang siden vises.",
        "Berre legar som samtykkjer når du les sida, er med. Trekkjer ein lege samtykket, er legen borte frå tabellane neste gong sida blir vist.",
        "Only doctors who consent when you read the page are counted. A doctor who withdraws consent is gone from the tables the next time the page is shown.",
    ),
    (
        "stats.evaluation_counted",
        "Leger med samtykke",
        "Legar med samtykke",
        "Doctors with consent",
    ),
    (
        "stats.cohort",
        "Kull (LIS1-start)",
        "Kull (LIS1-start)",
        "Cohort (LIS1 start)",
    ),
    ("stats.track", "Løp", "Løp", "Track"),
    (
        "stats.track.lis3_psychiatry",
        "LIS1 + LIS3 psykiatri",
        "LIS1 + LIS3 psykiatri",
        "LIS1 + LIS3 psychiatry",
    ),
    (
        "stats.track.lis3_bup",
        "LIS1 + LIS3 BUP",
        "LIS1 + LIS3 BUP",
        "LIS1 + LIS3 child psychiatry",
    ),
    (
        "stats.track.alis",
        "LIS1 + ALIS",
        "LIS1 + ALIS",
        "LIS1 + ALIS",
    ),
    (
        "stats.evaluation_none",
        "Ingen leger med samtykke ennå.",
        "Ingen legar med samtykke enno.",
        "No doctors with consent yet.",
    ),
    ("stats.chart_summary", "Sammendrag", "Samandrag", "Summary"),
    (
        "stats.right_axis",
        "prosent, høyre akse",
        "prosent, høgre akse",
        "percent, right axis",
    ),
];

/// Row and column keys as the reader sees them.
fn label(table: &str, key: &str, lang: Lang) -> String {
    match table {
        "education" => EducationRegion::parse(key)
            .map(|e| e.label(lang).to_string())
            .unwrap_or_else(|_| key.to_string()),
        "career" => CareerPreference::parse(key)
            .map(|c| c.label(lang).to_string())
            .unwrap_or_else(|_| key.to_string()),
        "offer_rounds" => format!("{} {key}", t(lang, "stats.offer_round")),
        "lottery" if key == "unranked" => t(lang, "stats.unranked"),
        "lottery" => format!("{key}{}", t(lang, "stats.choice")),
        _ => key.to_string(),
    }
}

fn col_label(key: &str, lang: Lang) -> String {
    t(lang, &format!("stats.c.{key}"))
}

fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Value(v) => v.to_string(),
        Cell::Suppressed => "–".into(),
    }
}

/// A table for the template: caption, header, rows with their totals, the totals row.
fn table_ctx(name: &str, p: &Published, lang: Lang) -> minijinja::Value {
    // A one-column table's row total repeats the column: leave it out.
    let with_totals = p.cols.len() > 1;
    context! {
        name => name,
        caption => t(lang, &format!("stats.t.{name}")),
        cols => p.cols.iter().map(|c| col_label(c, lang)).collect::<Vec<_>>(),
        with_totals => with_totals,
        rows => p.rows.iter().enumerate().map(|(i, r)| context! {
            label => label(name, r, lang),
            cells => p.cells[i].iter().map(cell_ctx).collect::<Vec<_>>(),
            total => cell_ctx(&p.row_totals[i]),
        }).collect::<Vec<_>>(),
        totals => p.col_totals.iter().map(cell_ctx).collect::<Vec<_>>(),
        total => cell_ctx(&p.total),
        suppressed => p.suppressed > 0,
    }
}

fn cell_ctx(c: &Cell) -> minijinja::Value {
    context! { text => cell_text(c), suppressed => *c == Cell::Suppressed }
}

fn opt(n: Option<u64>) -> String {
    n.map_or_else(|| "–".into(), |n| n.to_string())
}

/// `GET /statistikk`: the trend across rounds, the rounds, and Table 1 of the earlier rounds.
pub async fn index(State(state): State<AppState>, v: Visitor) -> Result<Response, AppError> {
    let lang = v.lang;
    let caller = v.session.as_ref().map(|s| s.caller());
    let mut trend = uc::trend(&state.app, caller.as_ref())
        .await
        .map_err(|e| AppError::app(e, lang))?;
    // The published rounds before the portal are named by season and year, in the page's
    // language (the portal's own rounds keep their names).
    for p in trend.iter_mut().filter(|p| p.round_id.is_none()) {
        let season = match (p.season.as_str(), lang) {
            ("autumn", Lang::En) => "Autumn",
            ("autumn", _) => "Høst",
            (_, Lang::En) => "Spring",
            _ => "Vår",
        };
        p.label = format!("{season} {}", p.year);
    }
    let rounds = uc::rounds(&state.app)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let table1: Vec<_> = HISTORY_TABLE1
        .iter()
        .map(|(round, rows)| {
            let sum = |f: fn(&(u64, u64)) -> u64| rows.iter().map(f).sum::<u64>();
            context! {
                round => round,
                rows => CareerPreference::ALL.iter().zip(rows.iter()).map(|(c, (h, n))| context! {
                    label => c.label(lang), hired => h, not_hired => n, total => h + n,
                }).collect::<Vec<_>>(),
                hired => sum(|r| r.0), not_hired => sum(|r| r.1), total => sum(|r| r.0 + r.1),
            }
        })
        .collect();
    let html = crate::templates::render(
        "statistics.html",
        page(
            &state,
            &v,
            context! {
                full => uc::detail(caller.as_ref()) == Detail::Full,
                evaluation => caller.as_ref().is_some_and(|c| lis1_domain::access::authorize(
                    &c.principal, &lis1_domain::access::Action::ViewFollowUpEvaluation).is_ok()),
                chart => chart(&trend, lang),
                trend => trend.iter().map(|p| context! {
                    label => p.label, start => fmt_date(p.start, lang), round_id => p.round_id,
                    applicants => opt(p.applicants), positions => opt(p.positions),
                    hired => opt(p.hired),
                    share => p.share_hired.map(|s| format!("{s} %")).unwrap_or_else(|| "–".into()),
                    note => p.note,
                }).collect::<Vec<_>>(),
                history_source => HISTORY_SOURCE,
                rounds => rounds.iter().map(|r| context! {
                    id => r.id, name => r.name, start => fmt_date(r.start_date, lang),
                }).collect::<Vec<_>>(),
                table1 => table1,
                table1_source => HISTORY_TABLE1_SOURCE,
            },
        ),
    )?;
    Ok(Html(html).into_response())
}

/// `GET /statistikk/runder/{id}`: one round's report.
pub async fn round(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let caller = v.session.as_ref().map(|s| s.caller());
    let r = uc::round_report(&state.app, caller.as_ref(), id)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let h = &r.headline;
    let positions: Vec<_> = h
        .positions
        .iter()
        .map(|(k, n)| {
            let label = lis1_domain::advertisements::PositionKind::parse(k)
                .map(|p| p.label(lang).to_string())
                .unwrap_or_else(|_| k.clone());
            context! { label => label, count => n }
        })
        .collect();
    let html = crate::templates::render(
        "statistics_round.html",
        page(
            &state,
            &v,
            context! {
                round => context! { id => r.round.id, name => r.round.name, start => fmt_date(r.round.start_date, lang) },
                full => r.detail == Detail::Full,
                frozen => r.frozen_at.map(|at| t(lang, "stats.frozen").replace("{at}", &fmt_time(at, lang))),
                h => context! {
                    applicants => cell_text(&h.applicants),
                    applications => cell_text(&h.applications),
                    per_applicant => h.per_applicant_tenths.map(|x| format_tenths(x, lang)).unwrap_or_else(|| "–".into()),
                    advertisements => h.advertisements,
                    trusts => h.hospital_trusts,
                    positions => positions,
                    positions_total => h.positions_total,
                    hired => cell_text(&h.hired),
                    share => h.share_hired.map(|s| format!("{s} %")).unwrap_or_else(|| "–".into()),
                    unfilled => h.unfilled,
                    rest => format!("{} / {}", h.rest_advertised, cell_text(&h.rest_filled)),
                    days => opt(h.median_days_to_filled),
                },
                tables => r.tables.iter().map(|nt: &NamedTable| table_ctx(nt.name, &nt.table, lang)).collect::<Vec<_>>(),
            },
        ),
    )?;
    Ok(Html(html).into_response())
}

fn format_tenths(x: u64, lang: Lang) -> String {
    let sep = if lang == Lang::En { "." } else { "," };
    format!("{}{sep}{}", x / 10, x % 10)
}

/// Which table, in which format.
#[derive(Debug, Deserialize)]
pub struct DownloadQuery {
    #[serde(default)]
    tabell: String,
    #[serde(default)]
    format: String,
}

/// `GET /statistikk/runder/{id}/last-ned?tabell=…&format=csv|xlsx`: one table of the report as
/// the caller may see it (published, or in full for the directorate).
pub async fn download(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Query(q): Query<DownloadQuery>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let format = match q.format.as_str() {
        "xlsx" => Format::Xlsx,
        _ => Format::Csv,
    };
    let caller = v.session.as_ref().map(|s| s.caller());
    let r = uc::round_report(&state.app, caller.as_ref(), id)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let Some(nt) = r.tables.iter().find(|nt| nt.name == q.tabell) else {
        let mut e = AppError::not_found(lang);
        e.message = t(lang, "stats.no_such_table");
        return Err(e);
    };
    let p = &nt.table;
    let with_totals = p.cols.len() > 1;
    let mut header = vec![String::new()];
    header.extend(p.cols.iter().map(|c| col_label(c, lang)));
    if with_totals {
        header.push(t(lang, "stats.total"));
    }
    let mut rows: Vec<Vec<String>> = p
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut row = vec![label(nt.name, r, lang)];
            row.extend(p.cells[i].iter().map(cell_text));
            if with_totals {
                row.push(cell_text(&p.row_totals[i]));
            }
            row
        })
        .collect();
    let mut last = vec![t(lang, "stats.total")];
    last.extend(p.col_totals.iter().map(cell_text));
    if with_totals {
        last.push(cell_text(&p.total));
    }
    rows.push(last);
    let detail = if r.detail == Detail::Full {
        "full"
    } else {
        "publisert"
    };
    table_file(
        format,
        nt.name,
        &format!("lis1-statistikk-{id}-{}-{detail}", nt.name),
        &header,
        &rows,
        lang,
    )
}

/// `GET /statistikk/evaluering`: the follow-up evaluation of bound positions (the directorate).
pub async fn evaluation(State(state): State<AppState>, v: Visitor) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let e = uc::evaluation(&state.app, &s.caller())
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let cohorts: Vec<_> = e
        .cohorts
        .iter()
        .map(|(year, p)| {
            context! {
                year => year,
                cols => FollowUp::ALL.iter().map(|f| f.label(lang)).collect::<Vec<_>>(),
                rows => p.rows.iter().enumerate().map(|(i, r)| context! {
                    label => t(lang, &format!("stats.track.{r}")),
                    cells => p.cells[i].iter().map(cell_text).collect::<Vec<_>>(),
                    total => cell_text(&p.row_totals[i]),
                }).collect::<Vec<_>>(),
                totals => p.col_totals.iter().map(cell_text).collect::<Vec<_>>(),
                total => cell_text(&p.total),
            }
        })
        .collect();
    let html = crate::templates::render(
        "statistics_evaluation.html",
        page(
            &state,
            &v,
            context! { cohorts => cohorts, counted => e.counted },
        ),
    )?;
    Ok((StatusCode::OK, Html(html)).into_response())
}

// ---------------------------------------------------------------------------------------------
// The trend chart

/// The trend as an SVG chart: bars for applicants and hired per round, a line for the share
/// hired on a second axis (0–100 %). Drawn here, so it works without JavaScript and prints; the
/// same figures are in the table beside it, and the text summary is its description.
pub fn chart(points: &[TrendPoint], lang: Lang) -> minijinja::Value {
    const W: f64 = 760.0;
    const H: f64 = 320.0;
    const LEFT: f64 = 56.0;
    const RIGHT: f64 = 48.0;
    const TOP: f64 = 16.0;
    const BOTTOM: f64 = 64.0;
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let max = points
        .iter()
        .filter_map(|p| p.applicants.max(p.hired))
        .max()
        .unwrap_or(0)
        .max(1);
    // A round scale: 1, 2 or 5 times a power of ten, with four steps.
    let step = nice_step(max.div_ceil(4));
    let top = step * 4;
    let y = |v: u64| TOP + plot_h - plot_h * (v as f64) / (top as f64);
    let n = points.len().max(1) as f64;
    let slot = plot_w / n;
    let bar = (slot * 0.32).min(28.0);
    let mut bars = Vec::new();
    let mut line = Vec::new();
    let mut labels = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let cx = LEFT + slot * (i as f64 + 0.5);
        for (k, v, class) in [
            (0.0, p.applicants, "app-chart-applicants"),
            (1.0, p.hired, "app-chart-hired"),
        ] {
            if let Some(v) = v {
                let x = cx - bar + k * bar;
                bars.push(context! {
                    x => fmt(x), y => fmt(y(v)), w => fmt(bar - 2.0), h => fmt(y(0) - y(v)),
                    class => class,
                });
            }
        }
        if let Some(s) = p.share_hired {
            let sy = TOP + plot_h - plot_h * (s.min(100) as f64) / 100.0;
            line.push((cx, sy));
        }
        labels.push(context! {
            x => fmt(cx), y => fmt(H - BOTTOM + 18.0), text => p.label,
            published => p.round_id.is_none(),
        });
    }
    let ticks: Vec<_> = (0..=4)
        .map(|k| {
            let v = step * k;
            context! { y => fmt(y(v)), text => v.to_string(), share => format!("{} %", k * 25) }
        })
        .collect();
    let path = line
        .iter()
        .enumerate()
        .map(|(i, (x, y))| format!("{}{} {}", if i == 0 { "M" } else { "L" }, fmt(*x), fmt(*y)))
        .collect::<Vec<_>>()
        .join(" ");
    let dots: Vec<_> = line
        .iter()
        .map(|(x, y)| context! { x => fmt(*x), y => fmt(*y) })
        .collect();
    context! {
        w => W, h => H, left => LEFT, right => fmt(W - RIGHT), top => TOP,
        base => fmt(H - BOTTOM),
        bars => bars, ticks => ticks, path => path, dots => dots, labels => labels,
        summary => summary(points, lang),
    }
}

fn fmt(x: f64) -> String {
    format!("{x:.1}")
}

fn nice_step(raw: u64) -> u64 {
    let mut p = 1;
    loop {
        for m in [1, 2, 5] {
            if m * p >= raw {
                return m * p;
            }
        }
        p *= 10;
    }
}

/// The chart in words, for its description and for readers who do not see it.
fn summary(points: &[TrendPoint], lang: Lang) -> String {
    let with = |f: fn(&TrendPoint) -> Option<u64>| {
        points
            .iter()
            .filter_map(move |p| f(p).map(|v| (p.label.as_str(), v)))
    };
    let first_last = |f: fn(&TrendPoint) -> Option<u64>| {
        let mut it = with(f);
        let first = it.next();
        let last = it.next_back().or(first);
        first.zip(last)
    };
    let mut parts = Vec::new();
    if let Some(((l1, a1), (l2, a2))) = first_last(|p| p.applicants) {
        parts.push(match lang {
            Lang::En => format!("Applicants went from {a1} ({l1}) to {a2} ({l2})."),
            _ => format!("Søkere gikk fra {a1} ({l1}) til {a2} ({l2})."),
        });
    }
    if let Some(((l1, s1), (l2, s2))) = first_last(|p| p.share_hired) {
        parts.push(match lang {
            Lang::En => format!("The share hired went from {s1} % ({l1}) to {s2} % ({l2})."),
            _ => format!("Andelen tilsatt gikk fra {s1} % ({l1}) til {s2} % ({l2})."),
        });
    }
    if let Some((l, m)) = with(|p| p.applicants).max_by_key(|x| x.1) {
        parts.push(match lang {
            Lang::En => format!("Most applicants: {m} in {l}."),
            _ => format!("Flest søkere: {m} i {l}."),
        });
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps_are_round() {
        assert_eq!(nice_step(1), 1);
        assert_eq!(nice_step(3), 5);
        assert_eq!(nice_step(320), 500);
        assert_eq!(nice_step(120), 200);
    }

    #[test]
    fn the_summary_names_first_last_and_most() {
        let p = |label: &str, applicants, share| TrendPoint {
            label: label.into(),
            season: "spring".into(),
            year: 2021,
            start: jiff::civil::date(2021, 9, 1),
            round_id: None,
            applicants,
            positions: None,
            hired: None,
            share_hired: share,
            note: String::new(),
        };
        let s = summary(
            &[
                p("Vår 2021", Some(1240), Some(45)),
                p("Høst 2021", Some(916), Some(58)),
            ],
            Lang::Nb,
        );
        assert_eq!(
            s,
            "Søkere gikk fra 1240 (Vår 2021) til 916 (Høst 2021). Andelen tilsatt gikk fra 45 % \
             (Vår 2021) til 58 % (Høst 2021). Flest søkere: 1240 i Vår 2021."
        );
    }
}
