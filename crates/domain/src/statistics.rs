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
            cells: (0..r).map(|i| (0..c).map(|j| cell(i, j)).collect()).collect(),
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
        let totals = !self.known_row_totals
            && (self.row_totals.iter().any(small) || small(&self.total));
        self.cells.iter().flatten().any(small) || self.col_totals.iter().any(small) || totals
    }
}

/// Publishes `table` with primary and secondary suppression (see the module notes).
pub fn publish(table: &Table) -> Published {
    let g = table.grid();
    let (rn, cn) = (g.len(), g[0].len());
    let known = |i: usize, j: usize| table.known_row_totals && j == cn - 1;
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
    pub fn of(
        state: crate::bound::PlanState,
        later_started: bool,
        completed: bool,
    ) -> FollowUp {
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
        let (nb, en) = match self {
            FollowUp::InLis1 => ("I LIS1", "In LIS1"),
            FollowUp::Continued => ("Fortsatt i valgt spesialitet", "Continued in the specialty"),
            FollowUp::Completed => (
                "Fullført uten å bytte",
                "Completed without switching",
            ),
            FollowUp::Switched => ("Byttet spesialitet", "Switched specialty"),
            FollowUp::Left => ("Sluttet i stillingen", "Left the position"),
        };
        match lang {
            crate::Lang::En => en,
            _ => nb,
        }
    }
}

#[cfg(test)]
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
        assert!(p.cells[0].iter().filter(|c| **c == Cell::Suppressed).count() >= 2);
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
        assert_eq!(FollowUp::of(PlanState::Active, false, false), FollowUp::InLis1);
        assert_eq!(FollowUp::of(PlanState::Active, true, false), FollowUp::Continued);
        assert_eq!(FollowUp::of(PlanState::Active, true, true), FollowUp::Completed);
        assert_eq!(
            FollowUp::of(PlanState::SwitchedSpecialty, true, false),
            FollowUp::Switched
        );
        assert_eq!(FollowUp::of(PlanState::ResignedLis1, false, false), FollowUp::Left);
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
