//! Statistics of the rounds (issue 14): the directorate's round report computed from the portal's
//! own data, the published historical totals for rounds before the portal, and the disclosure
//! control that makes a table safe to publish.
//!
//! # Disclosure control
//!
//! A table of person counts is published with its margins (row totals, column totals and the
//! grand total). A cell that counts fewer than [`THRESHOLD`] persons (but more than none) is
//! *primarily* suppressed. That is not enough: with the margins published, a single suppressed
//! cell in a row is the row total minus the others. So cells are suppressed *secondarily* until no
//! suppressed value can be derived from the published ones by any linear combination of the
//! table's sums.
//!
//! The table with its margins is a grid of `(R + 1) × (C + 1)` cells, each of which lies on
//! exactly one row line and one column line, and every line says "the cells sum to the total".
//! Seen as a bipartite graph (lines are vertices, cells are edges), the values of a set of
//! suppressed cells can be changed without changing any published figure exactly along a cycle
//! of suppressed cells (add 1, take 1, … around the cycle). A suppressed cell is therefore
//! recoverable exactly when it lies on no cycle of suppressed cells — when it is a *bridge* of
//! the suppressed subgraph. [`publish`] adds the smallest published cell next to every such
//! bridge until there are none. Secondary suppression prefers cells that count someone, so that
//! every suppressed cell can move by one in both directions without going negative. Margins that
//! are public knowledge anyway (e.g. the positions advertised) are marked *known* and never
//! suppressed; the property tests check, with an independent linear-algebra test, that no
//! suppressed cell can be derived.

use serde::{Deserialize, Serialize};

/// Cells with fewer persons than this (and more than none) are suppressed in published tables.
pub const THRESHOLD: u64 = 5;

/// A table of counts with labelled rows and columns; the margins are computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Row labels.
    pub rows: Vec<String>,
    /// Column labels.
    pub cols: Vec<String>,
    /// `cells[r][c]`.
    pub cells: Vec<Vec<u64>>,
    /// The row totals are known to everyone (e.g. positions advertised) and are never suppressed.
    #[serde(default)]
    pub known_row_totals: bool,
}

impl Table {
    /// An empty table of the given shape.
    pub fn new(rows: Vec<String>, cols: Vec<String>) -> Table {
        let cells = vec![vec![0; cols.len()]; rows.len()];
        Table {
            rows,
            cols,
            cells,
            known_row_totals: false,
        }
    }

    /// Adds `n` to a cell.
    pub fn add(&mut self, row: usize, col: usize, n: u64) {
        if let Some(cell) = self.cells.get_mut(row).and_then(|r| r.get_mut(col)) {
            *cell += n;
        }
    }

    /// The sum of row `r`.
    pub fn row_total(&self, r: usize) -> u64 {
        self.cells[r].iter().sum()
    }

    /// The sum of column `c`.
    pub fn col_total(&self, c: usize) -> u64 {
        self.cells.iter().map(|row| row[c]).sum()
    }

    /// The sum of everything.
    pub fn total(&self) -> u64 {
        self.cells.iter().flatten().sum()
    }

    /// The table with its margins as one `(R + 1) × (C + 1)` grid: the last row holds the column
    /// totals, the last column the row totals, the corner the grand total.
    fn grid(&self) -> Vec<Vec<u64>> {
        let (r, c) = (self.rows.len(), self.cols.len());
        let mut g = vec![vec![0; c + 1]; r + 1];
        for (i, row) in self.cells.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                g[i][j] = v;
                g[i][c] += v;
                g[r][j] += v;
                g[r][c] += v;
            }
        }
        g
    }

    /// The table as published in full (for the directorate): nothing suppressed.
    pub fn unsuppressed(&self) -> Published {
        let g = self.grid();
        Published::from_grid(self, &g, &vec![vec![false; g[0].len()]; g.len()])
    }
}

/// One published figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Cell {
    /// The count.
    Value(u64),
    /// Withheld: fewer than [`THRESHOLD`] persons, or it would let one be derived.
    Suppressed,
}

impl Cell {
    /// The value, if published.
    pub fn value(self) -> Option<u64> {
        match self {
            Cell::Value(v) => Some(v),
            Cell::Suppressed => None,
        }
    }
}

/// A table ready to show: every cell and margin either a value or suppressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    /// Row labels.
    pub rows: Vec<String>,
    /// Column labels.
    pub cols: Vec<String>,
    /// `cells[r][c]`.
    pub cells: Vec<Vec<Cell>>,
    /// Row totals.
    pub row_totals: Vec<Cell>,
    /// Column totals.
    pub col_totals: Vec<Cell>,
    /// The grand total.
    pub total: Cell,
    /// How many cells (margins included) are suppressed.
    pub suppressed: usize,
    /// The row totals (and so the grand total) are public knowledge, shown whatever their size.
    pub known_row_totals: bool,
}

impl Published {
    fn from_grid(table: &Table, g: &[Vec<u64>], s: &[Vec<bool>]) -> Published {
        let (r, c) = (table.rows.len(), table.cols.len());
        let cell = |i: usize, j: usize| {
            if s[i][j] {
                Cell::Suppressed
            } else {
                Cell::Value(g[i][j])
            }
        };
        Published {
            rows: table.rows.clone(),
            cols: table.cols.clone(),
            cells: (0..r)
                .map(|i| (0..c).map(|j| cell(i, j)).collect())
                .collect(),
            row_totals: (0..r).map(|i| cell(i, c)).collect(),
            col_totals: (0..c).map(|j| cell(r, j)).collect(),
            total: cell(r, c),
            suppressed: s.iter().flatten().filter(|&&x| x).count(),
            known_row_totals: table.known_row_totals,
        }
    }

    /// Whether any cell or margin under [`THRESHOLD`] (and above 0) is shown, known row totals
    /// aside. Always false for a table from [`publish`].
    pub fn shows_small_cell(&self) -> bool {
        let small = |c: &Cell| matches!(c, Cell::Value(v) if (1..THRESHOLD).contains(v));
        let totals =
            !self.known_row_totals && (self.row_totals.iter().any(small) || small(&self.total));
        self.cells.iter().flatten().any(small) || self.col_totals.iter().any(small) || totals
    }
}

/// Publishes `table` with primary and secondary suppression (see the module notes).
pub fn publish(table: &Table) -> Published {
    let g = table.grid();
    let (rn, cn) = (g.len(), g[0].len());
    let known = |_i: usize, j: usize| table.known_row_totals && j == cn - 1;
    let mut s: Vec<Vec<bool>> = (0..rn)
        .map(|i| {
            (0..cn)
                .map(|j| !known(i, j) && (1..THRESHOLD).contains(&g[i][j]))
                .collect()
        })
        .collect();
    // Each pass protects one bridge; a table has at most rn × cn cells to add.
    for _ in 0..=(rn * cn) {
        let Some((bi, bj)) = first_bridge(&s) else {
            break;
        };
        // The cheapest published cell on the bridge's row or column line that is not known:
        // prefer cells that count someone, then the smallest.
        let candidates = (0..cn)
            .map(|j| (bi, j))
            .chain((0..rn).map(|i| (i, bj)))
            .filter(|&(i, j)| !s[i][j] && !known(i, j));
        match candidates.min_by_key(|&(i, j)| (g[i][j] == 0, g[i][j])) {
            Some((i, j)) => s[i][j] = true,
            None => {
                // Nothing left on its lines: widen to every cell that may be suppressed. Such a
                // table shows nothing, which is always safe.
                for (i, row) in s.iter_mut().enumerate() {
                    for (j, x) in row.iter_mut().enumerate() {
                        if !known(i, j) {
                            *x = true;
                        }
                    }
                }
                break;
            }
        }
    }
    Published::from_grid(table, &g, &s)
}

/// The first suppressed cell that lies on no cycle of suppressed cells, if any.
fn first_bridge(s: &[Vec<bool>]) -> Option<(usize, usize)> {
    let (rn, cn) = (s.len(), s[0].len());
    for i in 0..rn {
        for j in 0..cn {
            if s[i][j] && !connected_without(s, i, j) {
                return Some((i, j));
            }
        }
    }
    None
}

/// Whether row line `i` reaches column line `j` through suppressed cells other than `(i, j)`.
fn connected_without(s: &[Vec<bool>], i: usize, j: usize) -> bool {
    let (rn, cn) = (s.len(), s[0].len());
    // Vertices: rows 0..rn, columns rn..rn+cn.
    let mut seen = vec![false; rn + cn];
    let mut stack = vec![i];
    seen[i] = true;
    while let Some(v) = stack.pop() {
        if v == rn + j {
            return true;
        }
        if v < rn {
            for (c, &sup) in s[v].iter().enumerate() {
                if sup && (v, c) != (i, j) && !seen[rn + c] {
                    seen[rn + c] = true;
                    stack.push(rn + c);
                }
            }
        } else {
            let c = v - rn;
            for (r, row) in s.iter().enumerate() {
                if row[c] && (r, c) != (i, j) && !seen[r] {
                    seen[r] = true;
                    stack.push(r);
                }
            }
        }
    }
    false
}

/// A share in whole percent, rounded half up; `None` when the whole is 0.
pub fn percent(part: u64, whole: u64) -> Option<u64> {
    (whole > 0).then(|| (part * 200 + whole) / (whole * 2))
}

// ---------------------------------------------------------------------------------------------
// The round report

use crate::profiles::{CareerPreference, EducationRegion};

/// One application of the round (withdrawn ones are left out by the loader).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationFact {
    /// The applicant.
    pub applicant: i64,
    /// The advertisement.
    pub ad: i64,
    /// Where the applicant's degree was taken, from the profile as submitted.
    pub education: EducationRegion,
    /// The stated career preference, from the profile as submitted.
    pub career: CareerPreference,
}

/// One advertisement of the round with its positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdFact {
    /// The advertisement.
    pub id: i64,
    /// The hospital trust's name.
    pub hf: String,
    /// The region (RHF) of the trust.
    pub region: String,
    /// The hospital site.
    pub site: String,
    /// `(position kind, count)`: `ordinary`, `bound_lis3_psychiatry`, …
    pub positions: Vec<(String, u64)>,
}

/// One offer of the round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferFact {
    /// The applicant.
    pub applicant: i64,
    /// The advertisement.
    pub ad: i64,
    /// The offer round (1, 2, …).
    pub offer_round: u32,
    /// `made`, `accepted`, `declined`, `expired`, `withdrawn` or `resigned`.
    pub state: String,
    /// When it was made.
    pub made_at: jiff::Timestamp,
    /// When it was answered.
    pub answered_at: Option<jiff::Timestamp>,
}

/// Everything the round report counts, loaded from the database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoundFacts {
    /// Applications, withdrawn ones left out.
    pub applications: Vec<ApplicationFact>,
    /// Published advertisements.
    pub ads: Vec<AdFact>,
    /// Offers.
    pub offers: Vec<OfferFact>,
    /// Rest positions that came from the round's positions: `(filled)`.
    pub rest_positions: Vec<bool>,
    /// For each doctor of the round placed by a §13b lottery: the rank the doctor gave the
    /// municipality drawn (`None`: not ranked, e.g. placed by pure chance without a ranking).
    pub lottery_ranks: Vec<Option<u32>>,
}

/// The offer states in the report's column order.
pub const OFFER_OUTCOMES: [&str; 6] = [
    "accepted",
    "declined",
    "expired",
    "withdrawn",
    "resigned",
    "made",
];

/// The buckets of applications per applicant.
pub const PER_APPLICANT_BUCKETS: [(u64, u64, &str); 5] = [
    (1, 1, "1"),
    (2, 5, "2–5"),
    (6, 10, "6–10"),
    (11, 20, "11–20"),
    (21, u64::MAX, "21+"),
];

/// The round report: headline figures and the tables behind them, unsuppressed. Publish each
/// table with [`publish`] for anyone but the directorate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundReport {
    /// Distinct applicants.
    pub applicants: u64,
    /// Applications.
    pub applications: u64,
    /// Applications per applicant, in tenths (e.g. 173 = 17.3).
    pub per_applicant_tenths: u64,
    /// Published advertisements.
    pub advertisements: u64,
    /// Hospital trusts that advertised.
    pub hospital_trusts: u64,
    /// Positions by kind: `(kind, count)`, ordinary first.
    pub positions: Vec<(String, u64)>,
    /// All positions.
    pub positions_total: u64,
    /// Distinct applicants holding an accepted offer.
    pub hired: u64,
    /// Positions without an accepted offer.
    pub unfilled: u64,
    /// Rest positions that came from the round, and how many are filled.
    pub rest_advertised: u64,
    /// Filled rest positions.
    pub rest_filled: u64,
    /// Median days from an advertisement's first offer to its last position filled, over the
    /// advertisements that are full.
    pub median_days_to_filled: Option<u64>,
    /// Applicants by education background: hired / not hired.
    pub by_education: Table,
    /// Applicants by career preference: hired / not hired (004 Table 1).
    pub by_career: Table,
    /// Positions by region: filled / unfilled (the row totals, positions, are public).
    pub by_region: Table,
    /// Positions by hospital trust: filled / unfilled.
    pub by_trust: Table,
    /// Positions by hospital site: filled / unfilled.
    pub by_site: Table,
    /// Offers by offer round and outcome.
    pub offer_rounds: Table,
    /// Applicants by how many applications they sent.
    pub per_applicant: Table,
    /// Doctors placed by the lottery, by the rank of the municipality drawn.
    pub lottery: Table,
}

impl RoundReport {
    /// Computes the report from the round's facts.
    pub fn compute(f: &RoundFacts) -> RoundReport {
        use std::collections::{BTreeMap, BTreeSet, HashMap};
        let s = |x: &str| x.to_string();
        let hired_and_not = || vec![s("hired"), s("not_hired")];

        // Applicants, with their education and career from their first application.
        let mut applicants: BTreeMap<i64, (&ApplicationFact, u64)> = BTreeMap::new();
        for a in &f.applications {
            applicants.entry(a.applicant).or_insert((a, 0)).1 += 1;
        }
        let hired_set: BTreeSet<i64> = f
            .offers
            .iter()
            .filter(|o| o.state == "accepted")
            .map(|o| o.applicant)
            .collect();

        let mut by_education = Table::new(
            EducationRegion::ALL.iter().map(|e| s(e.as_str())).collect(),
            hired_and_not(),
        );
        let mut by_career = Table::new(
            CareerPreference::ALL
                .iter()
                .map(|e| s(e.as_str()))
                .collect(),
            hired_and_not(),
        );
        let mut per_applicant = Table::new(
            PER_APPLICANT_BUCKETS.iter().map(|b| s(b.2)).collect(),
            vec![s("applicants")],
        );
        for (id, (a, n)) in &applicants {
            let col = usize::from(!hired_set.contains(id));
            let e = EducationRegion::ALL
                .iter()
                .position(|x| *x == a.education)
                .unwrap_or(0);
            by_education.add(e, col, 1);
            let c = CareerPreference::ALL
                .iter()
                .position(|x| *x == a.career)
                .unwrap_or(0);
            by_career.add(c, col, 1);
            if let Some(b) = PER_APPLICANT_BUCKETS
                .iter()
                .position(|b| (b.0..=b.1).contains(n))
            {
                per_applicant.add(b, 0, 1);
            }
        }
        // Hired applicants whose applications are gone (withdrawn after the acceptance, say)
        // still count as hired.
        let hired = hired_set.len() as u64;

        // Positions, filled per advertisement.
        let mut accepted_per_ad: HashMap<i64, u64> = HashMap::new();
        for o in f.offers.iter().filter(|o| o.state == "accepted") {
            *accepted_per_ad.entry(o.ad).or_default() += 1;
        }
        let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
        let mut region: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        let mut trust: BTreeMap<(&str, &str), (u64, u64)> = BTreeMap::new();
        let mut site: BTreeMap<(&str, &str), (u64, u64)> = BTreeMap::new();
        let mut positions_total = 0;
        for ad in &f.ads {
            let count: u64 = ad.positions.iter().map(|p| p.1).sum();
            for (k, n) in &ad.positions {
                *kinds.entry(k.clone()).or_default() += n;
            }
            positions_total += count;
            let filled = accepted_per_ad.get(&ad.id).copied().unwrap_or(0).min(count);
            for e in [
                region.entry(ad.region.as_str()).or_default(),
                trust
                    .entry((ad.region.as_str(), ad.hf.as_str()))
                    .or_default(),
                site.entry((ad.hf.as_str(), ad.site.as_str())).or_default(),
            ] {
                e.0 += filled;
                e.1 += count - filled;
            }
        }
        let filled_table = |rows: Vec<(String, (u64, u64))>| {
            let mut t = Table::new(
                rows.iter().map(|r| r.0.clone()).collect(),
                vec![s("filled"), s("unfilled")],
            );
            for (i, (_, (a, b))) in rows.iter().enumerate() {
                t.add(i, 0, *a);
                t.add(i, 1, *b);
            }
            t.known_row_totals = true;
            t
        };
        let by_region = filled_table(region.into_iter().map(|(k, v)| (s(k), v)).collect());
        let by_trust = filled_table(trust.into_iter().map(|((_, k), v)| (s(k), v)).collect());
        let by_site = filled_table(site.into_iter().map(|((_, k), v)| (s(k), v)).collect());
        let unfilled = by_trust.col_total(1);
        let mut positions: Vec<(String, u64)> = kinds.into_iter().collect();
        positions.sort_by_key(|(k, _)| (k != "ordinary", k.clone()));

        // Offers per offer round and outcome.
        let rounds = f.offers.iter().map(|o| o.offer_round).max().unwrap_or(0);
        let mut offer_rounds = Table::new(
            (1..=rounds).map(|r| r.to_string()).collect(),
            OFFER_OUTCOMES.iter().map(|x| s(x)).collect(),
        );
        for o in &f.offers {
            let col = OFFER_OUTCOMES
                .iter()
                .position(|x| *x == o.state)
                .unwrap_or(5);
            offer_rounds.add(o.offer_round.max(1) as usize - 1, col, 1);
        }

        // Days from an advertisement's first offer to its last acceptance, for full ones.
        let mut days: Vec<u64> = f
            .ads
            .iter()
            .filter_map(|ad| {
                let count: u64 = ad.positions.iter().map(|p| p.1).sum();
                let of_ad = || f.offers.iter().filter(|o| o.ad == ad.id);
                let accepted: Vec<_> = of_ad().filter(|o| o.state == "accepted").collect();
                if count == 0 || (accepted.len() as u64) < count {
                    return None;
                }
                let first = of_ad().map(|o| o.made_at).min()?;
                let last = accepted.iter().filter_map(|o| o.answered_at).max()?;
                let secs = last.as_second().saturating_sub(first.as_second()).max(0);
                Some((secs as u64) / 86_400)
            })
            .collect();
        days.sort_unstable();
        let median_days_to_filled = (!days.is_empty()).then(|| days[days.len() / 2]);

        // Lottery: rank of the place drawn.
        let max_rank = f.lottery_ranks.iter().flatten().copied().max().unwrap_or(0);
        let mut lottery_rows: Vec<String> = (1..=max_rank).map(|r| r.to_string()).collect();
        lottery_rows.push(s("unranked"));
        let mut lottery = Table::new(lottery_rows, vec![s("placed")]);
        for r in &f.lottery_ranks {
            let row = r.map_or(max_rank as usize, |r| r.max(1) as usize - 1);
            lottery.add(row, 0, 1);
        }

        let n_applicants = applicants.len() as u64;
        let n_applications = f.applications.len() as u64;
        RoundReport {
            applicants: n_applicants,
            applications: n_applications,
            per_applicant_tenths: (n_applications * 10).checked_div(n_applicants).unwrap_or(0),
            advertisements: f.ads.len() as u64,
            hospital_trusts: f.ads.iter().map(|a| &a.hf).collect::<BTreeSet<_>>().len() as u64,
            positions,
            positions_total,
            hired,
            unfilled,
            rest_advertised: f.rest_positions.len() as u64,
            rest_filled: f.rest_positions.iter().filter(|x| **x).count() as u64,
            median_days_to_filled,
            by_education,
            by_career,
            by_region,
            by_trust,
            by_site,
            offer_rounds,
            per_applicant,
            lottery,
        }
    }

    /// Every table of the report with its stable name, in page order.
    pub fn tables(&self) -> [(&'static str, &Table); 8] {
        [
            ("education", &self.by_education),
            ("career", &self.by_career),
            ("region", &self.by_region),
            ("trust", &self.by_trust),
            ("site", &self.by_site),
            ("offer_rounds", &self.offer_rounds),
            ("per_applicant", &self.per_applicant),
            ("lottery", &self.lottery),
        ]
    }
}

// ---------------------------------------------------------------------------------------------
// Historical figures

/// A round before the portal, as the directorate published it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HistoricalRound {
    /// `spring` or `autumn`.
    pub season: &'static str,
    /// The year of the round.
    pub year: i32,
    /// The start date, ISO.
    pub start: &'static str,
    /// Applicants, where published.
    pub applicants: Option<u64>,
    /// Positions.
    pub positions: Option<u64>,
    /// Hired, where published.
    pub hired: Option<u64>,
    /// The share hired in percent, as published (not computed).
    pub share_hired: Option<u64>,
    /// A remark from the report.
    pub note: &'static str,
}

/// Where the historical figures come from.
pub const HISTORY_SOURCE: &str = "Helsedirektoratet, rapporter om søknadsrunder for LIS1 \
     (tall fra rekrutteringsportalen for LIS1), 2018–2023";

/// The published totals of rounds before the portal (domain notes §8). Shown marked as such.
pub const HISTORY: &[HistoricalRound] = &[
    HistoricalRound {
        season: "spring",
        year: 2018,
        start: "2018-09-01",
        applicants: Some(1278),
        positions: Some(456),
        hired: None,
        share_hired: None,
        note: "",
    },
    HistoricalRound {
        season: "spring",
        year: 2021,
        start: "2021-09-01",
        applicants: Some(1240),
        positions: Some(554),
        hired: Some(553),
        share_hired: None,
        note: "",
    },
    HistoricalRound {
        season: "autumn",
        year: 2021,
        start: "2022-03-01",
        applicants: Some(916),
        positions: Some(525),
        hired: Some(528),
        share_hired: Some(58),
        note: "31 utlysninger fra 21 helseforetak",
    },
    HistoricalRound {
        season: "spring",
        year: 2022,
        start: "2022-09-01",
        applicants: Some(1193),
        positions: Some(562),
        hired: Some(569),
        share_hired: Some(48),
        note: "",
    },
    HistoricalRound {
        season: "spring",
        year: 2023,
        start: "2023-09-01",
        applicants: Some(1184),
        positions: Some(575),
        hired: None,
        share_hired: Some(49),
        note: "",
    },
    HistoricalRound {
        season: "autumn",
        year: 2023,
        start: "2024-03-01",
        applicants: Some(913),
        positions: Some(587),
        hired: None,
        share_hired: None,
        note: "",
    },
];

/// Table 1 of seed 004 (applicants autumn 2020 and spring 2021 by career preference, hired and
/// not hired): `(round, [(none), (primary care), (specialist care)])`, each `(hired, not hired)`.
pub const HISTORY_TABLE1: &[(&str, [(u64, u64); 3])] = &[
    ("Høsten 2020", [(96, 125), (44, 98), (340, 266)]),
    ("Våren 2021", [(122, 188), (62, 98), (369, 401)]),
];

/// Where Table 1 comes from.
pub const HISTORY_TABLE1_SOURCE: &str =
    "Helsedirektoratet: Bundne LIS1-stillinger (2022), tabell 1, data fra tilsettingsrundene";

// ---------------------------------------------------------------------------------------------
// Follow-up evaluation of bound positions (seed 004 §8)

/// How a consenting doctor in a bound position has gone on, for the follow-up evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUp {
    /// Still in LIS1.
    InLis1,
    /// Continued in the chosen specialisation after LIS1 (LIS3 or ALIS started).
    Continued,
    /// Completed the chosen specialisation without switching.
    Completed,
    /// Switched specialty.
    Switched,
    /// Left the bound position (resigned LIS1 or the later part).
    Left,
}

impl FollowUp {
    /// Every outcome, in table order.
    pub const ALL: [FollowUp; 5] = [
        FollowUp::InLis1,
        FollowUp::Continued,
        FollowUp::Completed,
        FollowUp::Switched,
        FollowUp::Left,
    ];

    /// The outcome of a plan: its state, whether the later part has started, and whether it
    /// has been completed.
    pub fn of(state: crate::bound::PlanState, later_started: bool, completed: bool) -> FollowUp {
        use crate::bound::PlanState;
        match state {
            PlanState::SwitchedSpecialty => FollowUp::Switched,
            PlanState::ResignedLis1 | PlanState::ResignedLater => FollowUp::Left,
            PlanState::Active if completed => FollowUp::Completed,
            PlanState::Active if later_started => FollowUp::Continued,
            PlanState::Active => FollowUp::InLis1,
        }
    }

    /// The interface label.
    pub fn label(self, lang: crate::Lang) -> &'static str {
        let (nb, nn, en) = match self {
            FollowUp::InLis1 => ("I LIS1", "I LIS1", "In LIS1"),
            FollowUp::Continued => (
                "Fortsatt i valgt spesialitet",
                "Framleis i vald spesialitet",
                "Continued in the specialty",
            ),
            FollowUp::Completed => (
                "Fullført uten å bytte",
                "Fullført utan å byte",
                "Completed without switching",
            ),
            FollowUp::Switched => (
                "Byttet spesialitet",
                "Bytt spesialitet",
                "Switched specialty",
            ),
            FollowUp::Left => (
                "Sluttet i stillingen",
                "Slutta i stillinga",
                "Left the position",
            ),
        };
        lang.pick3(nb, nn, en)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::needless_range_loop)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn table(cells: Vec<Vec<u64>>) -> Table {
        let rows = (0..cells.len()).map(|i| format!("r{i}")).collect();
        let cols = (0..cells[0].len()).map(|j| format!("c{j}")).collect();
        Table {
            rows,
            cols,
            cells,
            known_row_totals: false,
        }
    }

    /// The published grid (with margins) as `Option`s, `None` for suppressed.
    fn published_grid(p: &Published) -> Vec<Vec<Option<u64>>> {
        let mut g: Vec<Vec<Option<u64>>> = p
            .cells
            .iter()
            .zip(&p.row_totals)
            .map(|(row, t)| row.iter().chain([t]).map(|c| c.value()).collect())
            .collect();
        g.push(
            p.col_totals
                .iter()
                .chain([&p.total])
                .map(|c| c.value())
                .collect(),
        );
        g
    }

    /// The rank of a matrix of small integers (exact: fraction-free elimination on i128).
    fn rank(mut m: Vec<Vec<i128>>) -> usize {
        let cols = m.first().map_or(0, |r| r.len());
        let mut rank = 0;
        for c in 0..cols {
            let Some(p) = (rank..m.len()).find(|&r| m[r][c] != 0) else {
                continue;
            };
            m.swap(rank, p);
            for r in 0..m.len() {
                if r != rank && m[r][c] != 0 {
                    let (a, b) = (m[rank][c], m[r][c]);
                    for k in 0..cols {
                        m[r][k] = m[r][k] * a - m[rank][k] * b;
                    }
                    let g = m[r].iter().fold(0i128, |g, &x| gcd(g, x.abs()));
                    if g > 1 {
                        m[r].iter_mut().for_each(|x| *x /= g);
                    }
                }
            }
            rank += 1;
        }
        rank
    }

    fn gcd(a: i128, b: i128) -> i128 {
        if b == 0 { a } else { gcd(b, a % b) }
    }

    /// An independent check: parametrise every table consistent with the shape by its inner
    /// cells; each grid cell is a linear functional of them. A suppressed cell is derivable iff
    /// its functional lies in the span of the published cells' functionals (rank test).
    fn derivable_cells(t: &Table, p: &Published) -> Vec<(usize, usize)> {
        let (r, c) = (t.rows.len(), t.cols.len());
        let n = r * c;
        let functional = |i: usize, j: usize| -> Vec<i128> {
            let mut f = vec![0i128; n];
            for a in 0..r {
                for b in 0..c {
                    if (i == r || i == a) && (j == c || j == b) {
                        f[a * c + b] = 1;
                    }
                }
            }
            f
        };
        let g = published_grid(p);
        let known: Vec<Vec<i128>> = (0..=r)
            .flat_map(|i| (0..=c).map(move |j| (i, j)))
            .filter(|&(i, j)| g[i][j].is_some())
            .map(|(i, j)| functional(i, j))
            .collect();
        let base = rank(known.clone());
        let mut out = Vec::new();
        for i in 0..=r {
            for j in 0..=c {
                if g[i][j].is_none() {
                    let mut m = known.clone();
                    m.push(functional(i, j));
                    if rank(m) == base {
                        out.push((i, j));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn a_single_small_cell_takes_a_partner_in_its_row_and_column() {
        let t = table(vec![vec![3, 20, 30], vec![40, 50, 60]]);
        let p = publish(&t);
        assert_eq!(p.cells[0][0], Cell::Suppressed);
        assert!(!p.shows_small_cell());
        assert!(derivable_cells(&t, &p).is_empty(), "{p:?}");
        // The row of the small cell cannot show all the others beside its total.
        assert!(
            p.cells[0]
                .iter()
                .filter(|c| **c == Cell::Suppressed)
                .count()
                >= 2
        );
    }

    #[test]
    fn nothing_small_means_nothing_suppressed() {
        let t = table(vec![vec![5, 20], vec![0, 50]]);
        let p = publish(&t);
        assert_eq!(p.suppressed, 0);
        assert_eq!(p.total, Cell::Value(75));
        assert_eq!(p.row_totals, vec![Cell::Value(25), Cell::Value(50)]);
    }

    #[test]
    fn known_row_totals_stay_published() {
        let mut t = table(vec![vec![3, 9], vec![12, 0], vec![7, 8]]);
        t.known_row_totals = true;
        let p = publish(&t);
        assert!(p.row_totals.iter().all(|c| c.value().is_some()));
        assert!(p.total.value().is_some());
        assert!(!p.shows_small_cell());
        assert!(derivable_cells(&t, &p).is_empty(), "{p:?}");
    }

    #[test]
    fn the_checker_finds_a_lone_suppressed_cell() {
        // The checker itself must be able to fail: one suppressed cell with margins published.
        let t = table(vec![vec![3, 20], vec![40, 50]]);
        let g = t.grid();
        let mut s = vec![vec![false; 3]; 3];
        s[0][0] = true;
        let p = Published::from_grid(&t, &g, &s);
        assert_eq!(derivable_cells(&t, &p), vec![(0, 0)]);
    }

    #[test]
    fn percent_rounds_half_up() {
        assert_eq!(percent(553, 1240), Some(45));
        assert_eq!(percent(1, 2), Some(50));
        assert_eq!(percent(1, 3), Some(33));
        assert_eq!(percent(2, 3), Some(67));
        assert_eq!(percent(0, 0), None);
    }

    #[test]
    fn follow_up_outcomes() {
        use crate::bound::PlanState;
        assert_eq!(
            FollowUp::of(PlanState::Active, false, false),
            FollowUp::InLis1
        );
        assert_eq!(
            FollowUp::of(PlanState::Active, true, false),
            FollowUp::Continued
        );
        assert_eq!(
            FollowUp::of(PlanState::Active, true, true),
            FollowUp::Completed
        );
        assert_eq!(
            FollowUp::of(PlanState::SwitchedSpecialty, true, false),
            FollowUp::Switched
        );
        assert_eq!(
            FollowUp::of(PlanState::ResignedLis1, false, false),
            FollowUp::Left
        );
    }

    #[test]
    fn the_report_counts_applicants_hires_and_positions() {
        let at = |s: &str| -> jiff::Timestamp { s.parse().unwrap() };
        let app = |applicant, ad, education| ApplicationFact {
            applicant,
            ad,
            education,
            career: CareerPreference::PrimaryCare,
        };
        let offer =
            |applicant, ad, offer_round, state: &str, made: &str, answered: Option<&str>| {
                OfferFact {
                    applicant,
                    ad,
                    offer_round,
                    state: state.into(),
                    made_at: at(made),
                    answered_at: answered.map(at),
                }
            };
        let ad = |id, hf: &str, n| AdFact {
            id,
            hf: hf.into(),
            region: "Midt".into(),
            site: format!("{hf} site"),
            positions: vec![("ordinary".into(), n)],
        };
        let f = RoundFacts {
            applications: vec![
                app(1, 10, EducationRegion::Norway),
                app(1, 11, EducationRegion::Norway),
                app(2, 10, EducationRegion::Eea),
                app(3, 11, EducationRegion::Outside),
            ],
            ads: vec![ad(10, "A", 1), ad(11, "B", 2)],
            offers: vec![
                offer(
                    1,
                    10,
                    1,
                    "accepted",
                    "2027-04-01T08:00:00Z",
                    Some("2027-04-03T08:00:00Z"),
                ),
                offer(
                    2,
                    11,
                    1,
                    "declined",
                    "2027-04-01T08:00:00Z",
                    Some("2027-04-02T08:00:00Z"),
                ),
                offer(
                    3,
                    11,
                    2,
                    "accepted",
                    "2027-04-08T08:00:00Z",
                    Some("2027-04-09T08:00:00Z"),
                ),
            ],
            rest_positions: vec![true, false],
            lottery_ranks: vec![Some(1), Some(1), Some(3), None],
        };
        let r = RoundReport::compute(&f);
        assert_eq!(
            (r.applicants, r.applications, r.per_applicant_tenths),
            (3, 4, 13)
        );
        assert_eq!(
            (r.advertisements, r.hospital_trusts, r.positions_total),
            (2, 2, 3)
        );
        assert_eq!((r.hired, r.unfilled), (2, 1));
        assert_eq!(
            r.by_education.cells,
            vec![vec![1, 0], vec![0, 1], vec![1, 0]]
        );
        assert_eq!(r.by_trust.cells, vec![vec![1, 0], vec![1, 1]]);
        assert_eq!(r.offer_rounds.cells[0], vec![1, 1, 0, 0, 0, 0]);
        assert_eq!(r.offer_rounds.cells[1], vec![1, 0, 0, 0, 0, 0]);
        assert_eq!(
            r.per_applicant.cells,
            vec![vec![2], vec![1], vec![0], vec![0], vec![0]]
        );
        // Only A is full: its one position filled two days after its first offer.
        assert_eq!(r.median_days_to_filled, Some(2));
        assert_eq!((r.rest_advertised, r.rest_filled), (2, 1));
        assert_eq!(r.lottery.cells, vec![vec![2], vec![0], vec![1], vec![1]]);
        let p = publish(&r.by_education);
        assert!(!p.shows_small_cell());
    }

    fn arb_table() -> impl Strategy<Value = Table> {
        (1usize..5, 1usize..5, any::<bool>()).prop_flat_map(|(r, c, known)| {
            // Known totals with one column would publish the column itself.
            let known = known && c >= 2;
            // Many small values, some zeros, some large ones.
            let cell = prop_oneof![3 => 0u64..5, 2 => 0u64..12, 1 => 5u64..200];
            proptest::collection::vec(proptest::collection::vec(cell, c), r).prop_map(
                move |cells| {
                    let mut t = table(cells);
                    t.known_row_totals = known;
                    t
                },
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(600))]

        /// No suppressed value can be derived from what is published, and no small cell shows.
        #[test]
        fn no_suppressed_cell_can_be_derived(t in arb_table()) {
            let p = publish(&t);
            prop_assert!(!p.shows_small_cell(), "{:?}", p);
            let found = derivable_cells(&t, &p);
            prop_assert!(found.is_empty(), "derivable {:?} in {:?} from {:?}", found, p, t);
        }

        /// Every published figure is the true one, and every known total is published.
        #[test]
        fn published_values_are_true(t in arb_table()) {
            let p = publish(&t);
            for (i, row) in p.cells.iter().enumerate() {
                for (j, c) in row.iter().enumerate() {
                    if let Cell::Value(v) = c { prop_assert_eq!(*v, t.cells[i][j]); }
                }
                if let Cell::Value(v) = p.row_totals[i] { prop_assert_eq!(v, t.row_total(i)); }
                if t.known_row_totals { prop_assert!(p.row_totals[i].value().is_some()); }
            }
            if let Cell::Value(v) = p.total { prop_assert_eq!(v, t.total()); }
        }
    }
}
