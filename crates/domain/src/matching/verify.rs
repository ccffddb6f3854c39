//! Verification of a matching (docs/matching.md §9): capacities, every placement
//! on both lists, no blocking pair among singles, no blocking couple.
//!
//! Written apart from the solver: it rebuilds every position's state from the
//! matching alone, so a defect in the solver's bookkeeping cannot hide itself.

use super::bits::Bits;
use super::instance::{Instance, NONE};
use super::solve::{Matching, Prepared};

/// A placement that breaks a rule by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation {
    /// More applicants placed at a position than its capacity.
    OverCapacity {
        /// The position.
        position: u32,
        /// Applicants placed.
        placed: u32,
        /// Its capacity.
        capacity: u32,
    },
    /// A single is placed at a position that is not on their rank list.
    NotOnApplicantList {
        /// The applicant.
        applicant: u32,
        /// The position.
        position: u32,
    },
    /// An applicant is placed at a position whose employer did not list them.
    NotOnEmployerList {
        /// The applicant.
        applicant: u32,
        /// The position.
        position: u32,
    },
    /// A couple's placements are not a pair on its list (e.g. only one placed).
    CoupleNotOnList {
        /// The couple.
        couple: u32,
    },
}

/// A single applicant and the best position they would both rather have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockingSingle {
    /// The applicant.
    pub applicant: u32,
    /// 0-based offset in their rank list of the best blocking position.
    pub entry: u32,
    /// That position.
    pub position: u32,
}

/// A couple and the best pair on its list that both positions would accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockingCouple {
    /// The couple.
    pub couple: u32,
    /// 0-based offset of the best blocking pair.
    pub pair: u32,
}

/// What [`check`] found. Stable means: no violation and nothing blocking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StabilityReport {
    /// Rule violations, in applicant, couple, position order.
    pub violations: Vec<Violation>,
    /// Every single with a blocking pair (canonical order), with their best one.
    pub blocking_singles: Vec<BlockingSingle>,
    /// Every couple with a blocking pair of positions (canonical order), with the best one.
    pub blocking_couples: Vec<BlockingCouple>,
    /// All blocking (applicant, position) and (couple, pair) combinations, counted.
    pub blocking_pairs: u64,
}

impl StabilityReport {
    /// No violation and nothing blocking.
    pub fn is_stable(&self) -> bool {
        self.violations.is_empty()
            && self.blocking_singles.is_empty()
            && self.blocking_couples.is_empty()
    }

    /// Number of blocking singles plus blocking couples.
    pub fn blocking_agents(&self) -> usize {
        self.blocking_singles.len() + self.blocking_couples.len()
    }
}

/// Checks `m` against the strict (tie-broken) lists of `prep`.
///
/// Stability with respect to the tie-broken lists implies (weak) stability with
/// respect to the employers' lists with ties.
pub fn check(inst: &Instance, prep: &Prepared, m: &Matching) -> StabilityReport {
    let mut report = StabilityReport::default();
    let n_pos = inst.position_count();
    let mut count = vec![0u32; n_pos];
    let mut worst = vec![0u32; n_pos];
    let mut held = Bits::new(inst.emp_app.len());
    // Strict offset each placed applicant holds, for the couples' "without us" view.
    let mut off_of = vec![NONE; inst.applicant_count()];
    for a in 0..inst.applicant_count() {
        let p = m.position[a];
        if p == NONE {
            continue;
        }
        let r = match inst.couple_of(a) {
            None => {
                let e = m.entry[a];
                let ranking = inst.ranking(a);
                if e == NONE || e as usize >= ranking.len() || ranking[e as usize] != p {
                    report.violations.push(Violation::NotOnApplicantList {
                        applicant: a as u32,
                        position: p,
                    });
                    continue;
                }
                prep.rank_strict[inst.rank_start[a] as usize + e as usize]
            }
            Some(c) => {
                let j = m.pair[c];
                let k = usize::from(inst.members[c][1] == a as u32);
                let base = inst.pair_start[c] as usize;
                if j == NONE || base + j as usize >= inst.pair_start[c + 1] as usize {
                    continue; // reported once per couple below
                }
                if inst.pair_pos[base + j as usize][k] != p {
                    continue;
                }
                prep.pair_strict[base + j as usize][k]
            }
        };
        if r == NONE {
            report.violations.push(Violation::NotOnEmployerList {
                applicant: a as u32,
                position: p,
            });
            continue;
        }
        let pi = p as usize;
        held.set((inst.emp_start[pi] + r) as usize);
        off_of[a] = r;
        count[pi] += 1;
        if count[pi] == 1 || r > worst[pi] {
            worst[pi] = r;
        }
    }
    for c in 0..inst.couple_count() {
        let ms = inst.members[c];
        let got = [m.position[ms[0] as usize], m.position[ms[1] as usize]];
        let j = m.pair[c];
        let (s, e) = (inst.pair_start[c] as usize, inst.pair_start[c + 1] as usize);
        let ok = if j == NONE {
            got == [NONE, NONE]
        } else {
            s + (j as usize) < e && inst.pair_pos[s + j as usize] == got
        };
        if !ok {
            report
                .violations
                .push(Violation::CoupleNotOnList { couple: c as u32 });
        }
    }
    for p in 0..n_pos {
        if count[p] > inst.capacity[p] {
            report.violations.push(Violation::OverCapacity {
                position: p as u32,
                placed: count[p],
                capacity: inst.capacity[p],
            });
        }
    }

    // Singles: any position ranked above what they got that would take them.
    for a in 0..inst.applicant_count() {
        if inst.couple_of[a] != NONE {
            continue;
        }
        let base = inst.rank_start[a] as usize;
        let len = inst.rank_start[a + 1] as usize - base;
        let cur = if m.position[a] == NONE || m.entry[a] == NONE {
            len
        } else {
            (m.entry[a] as usize).min(len)
        };
        let mut first = true;
        for i in 0..cur {
            let r = prep.rank_strict[base + i];
            if r == NONE {
                continue;
            }
            let p = inst.rank_pos[base + i] as usize;
            if count[p] < inst.capacity[p] || r < worst[p] {
                report.blocking_pairs += 1;
                if first {
                    first = false;
                    report.blocking_singles.push(BlockingSingle {
                        applicant: a as u32,
                        entry: i as u32,
                        position: p as u32,
                    });
                }
            }
        }
    }

    // Couples: any pair ranked above theirs that both positions would accept (§9): a
    // member's own position accepts them; another position must want them as it is now;
    // one position for both must have room for both, the couple's own members aside.
    for c in 0..inst.couple_count() {
        let ms = inst.members[c];
        let mine: [(u32, u32); 2] = ms.map(|a| (m.position[a as usize], off_of[a as usize]));
        let is_mine = |p: usize, off: u32| mine.iter().any(|&(q, o)| q == p as u32 && o == off);
        let others = |p: usize| {
            count[p]
                - mine
                    .iter()
                    .filter(|&&(q, o)| q == p as u32 && o != NONE)
                    .count() as u32
        };
        // A member keeps the place they hold; any other position must want them as it
        // is now (a free place, or someone it ranks lower), partner included.
        let accepts = |k: usize, p: u32, r: u32| {
            p == NONE || p == mine[k].0 || {
                let p = p as usize;
                count[p] < inst.capacity[p] || r < worst[p]
            }
        };
        let base = inst.pair_start[c] as usize;
        let len = inst.pair_start[c + 1] as usize - base;
        let cur = if m.pair[c] == NONE {
            len
        } else {
            (m.pair[c] as usize).min(len)
        };
        let mut first = true;
        for j in 0..cur {
            let q = inst.pair_pos[base + j];
            let r = prep.pair_strict[base + j];
            if (q[0] != NONE && r[0] == NONE) || (q[1] != NONE && r[1] == NONE) {
                continue;
            }
            let blocks = if q[0] != NONE && q[0] == q[1] {
                let p = q[0] as usize;
                let s = inst.emp_start[p] as usize;
                let rmax = r[0].max(r[1]) as usize;
                let better = (0..rmax)
                    .filter(|&o| held.get(s + o) && !is_mine(p, o as u32))
                    .count() as u32;
                others(p) + 2 <= inst.capacity[p] || better + 2 <= inst.capacity[p]
            } else {
                accepts(0, q[0], r[0]) && accepts(1, q[1], r[1])
            };
            if blocks {
                report.blocking_pairs += 1;
                if first {
                    first = false;
                    report.blocking_couples.push(BlockingCouple {
                        couple: c as u32,
                        pair: j as u32,
                    });
                }
            }
        }
    }
    report
}
