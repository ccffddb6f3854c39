//! Why every applicant got what they got (docs/matching.md §10).
//!
//! For each position an applicant ranked above the one they got: the position's
//! capacity, the employer's rank of the last one admitted and the applicant's own
//! rank, or that they were not on the employer's list. Nothing about another
//! applicant is given beyond rank numbers.

use super::instance::{Instance, NONE};
use super::solve::{Matching, Prepared};
use crate::Lang;

/// Why a position ranked higher did not take the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The employer did not list the applicant (not acceptable to the employer).
    NotListed,
    /// The position was filled by applicants the employer ranked higher.
    Full {
        /// The position's capacity.
        capacity: u32,
        /// The employer's rank of the last one admitted (1 + the number ranked strictly above).
        cutoff_rank: u32,
        /// The applicant's own rank on the employer's list.
        own_rank: u32,
        /// Equal ranks: the lottery numbers decided (the last one admitted had a lower one).
        lottery_decided: bool,
    },
    /// A couple asked for two places at one position and there was room for only one or none.
    NoRoomForBoth {
        /// The position's capacity.
        capacity: u32,
        /// The employer's rank of the last one admitted, if anyone was.
        cutoff_rank: Option<u32>,
        /// The applicant's own rank on the employer's list.
        own_rank: u32,
    },
}

/// One position (or, for a couple, one pair) the applicant ranked above what they got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HigherChoice {
    /// 1-based place of the position (or pair) in the applicant's (or couple's) list.
    pub rank: u32,
    /// The position the applicant would have had; `None` on a couple's "no position" side.
    pub position: Option<u32>,
    /// Why the applicant's own side was refused; `None` when it alone would have been accepted.
    pub refusal: Option<Refusal>,
    /// For a couple: the partner's position in the pair and why it was refused, if it was.
    pub partner: Option<(Option<u32>, Option<Refusal>)>,
}

/// What one applicant got, and why not better.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicantExplanation {
    /// The applicant (index in canonical order).
    pub applicant: u32,
    /// Their couple, if they applied as one.
    pub couple: Option<u32>,
    /// The position they got.
    pub position: Option<u32>,
    /// Its 1-based rank in their (or their couple's) list.
    pub rank: Option<u32>,
    /// Their lottery number (1 = first), which broke ties on employers' lists.
    pub lottery_number: u32,
    /// Every choice ranked above what they got, best first.
    pub higher: Vec<HigherChoice>,
}

/// For the employer: who was matched to a position and the rank cut-off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionSummary {
    /// The position.
    pub position: u32,
    /// Its capacity.
    pub capacity: u32,
    /// Matched applicants with their rank on the employer's list, best first.
    pub matched: Vec<(u32, u32)>,
    /// The employer's rank of the last one admitted (`None` when nobody was).
    pub cutoff_rank: Option<u32>,
}

/// Every position's state in a matching, rebuilt from the matching.
struct Held {
    count: Vec<u32>,
    worst: Vec<u32>,
    held: Vec<bool>,
    off_of: Vec<u32>,
}

fn held(inst: &Instance, prep: &Prepared, m: &Matching) -> Held {
    let mut h = Held {
        count: vec![0; inst.position_count()],
        worst: vec![0; inst.position_count()],
        held: vec![false; inst.emp_app.len()],
        off_of: vec![NONE; inst.applicant_count()],
    };
    for a in 0..inst.applicant_count() {
        let p = m.position[a];
        if p == NONE {
            continue;
        }
        let r = match inst.couple_of(a) {
            None if m.entry[a] != NONE => {
                prep.rank_strict[inst.rank_start[a] as usize + m.entry[a] as usize]
            }
            Some(c) if m.pair[c] != NONE => {
                let k = usize::from(inst.members[c][1] == a as u32);
                prep.pair_strict[inst.pair_start[c] as usize + m.pair[c] as usize][k]
            }
            _ => NONE,
        };
        if r == NONE {
            continue;
        }
        let pi = p as usize;
        h.held[(inst.emp_start[pi] + r) as usize] = true;
        h.off_of[a] = r;
        h.count[pi] += 1;
        if h.count[pi] == 1 || r > h.worst[pi] {
            h.worst[pi] = r;
        }
    }
    h
}

/// Worst held strict offset at `p` that is not one of `mine` (the couple's own entries).
fn worst_other(inst: &Instance, h: &Held, p: usize, mine: &[(u32, u32)]) -> Option<u32> {
    if h.count[p] == 0 {
        return None;
    }
    let s = inst.emp_start[p] as usize;
    let mut w = h.worst[p] as usize;
    loop {
        if h.held[s + w] && !mine.contains(&(p as u32, w as u32)) {
            return Some(w as u32);
        }
        if w == 0 {
            return None;
        }
        w -= 1;
    }
}

/// Explains one side: would `p` take the applicant at strict offset `r`?
fn side(
    inst: &Instance,
    h: &Held,
    p: u32,
    r: u32,
    mine: &[(u32, u32)],
    both_here: Option<u32>,
) -> Option<Refusal> {
    if p == NONE {
        return None;
    }
    let pi = p as usize;
    let s = inst.emp_start[pi] as usize;
    if r == NONE {
        return Some(Refusal::NotListed);
    }
    let cap = inst.capacity[pi];
    let own_rank = inst.emp_rank[s + r as usize];
    let worst = worst_other(inst, h, pi, mine);
    let cutoff_rank = worst.map(|w| inst.emp_rank[s + w as usize]);
    let others = (0..(inst.emp_start[pi + 1] as usize - s))
        .filter(|&o| h.held[s + o] && !mine.contains(&(p, o as u32)))
        .count() as u32;
    if let Some(other_r) = both_here {
        let rmax = r.max(other_r) as usize;
        let better = (0..rmax)
            .filter(|&o| h.held[s + o] && !mine.contains(&(p, o as u32)))
            .count() as u32;
        if others + 2 <= cap || better + 2 <= cap {
            return None;
        }
        return Some(Refusal::NoRoomForBoth {
            capacity: cap,
            cutoff_rank,
            own_rank,
        });
    }
    match worst {
        Some(w) if others >= cap && r > w => Some(Refusal::Full {
            capacity: cap,
            cutoff_rank: inst.emp_rank[s + w as usize],
            own_rank,
            lottery_decided: inst.emp_tier[s + w as usize] == inst.emp_tier[s + r as usize],
        }),
        _ => None,
    }
}

/// Explains every applicant's result (canonical order).
pub fn explain(inst: &Instance, prep: &Prepared, m: &Matching) -> Vec<ApplicantExplanation> {
    let h = held(inst, prep, m);
    (0..inst.applicant_count())
        .map(|a| explain_with(inst, prep, m, &h, a))
        .collect()
}

/// Explains one applicant's result.
pub fn explain_applicant(
    inst: &Instance,
    prep: &Prepared,
    m: &Matching,
    a: usize,
) -> ApplicantExplanation {
    explain_with(inst, prep, m, &held(inst, prep, m), a)
}

fn explain_with(
    inst: &Instance,
    prep: &Prepared,
    m: &Matching,
    h: &Held,
    a: usize,
) -> ApplicantExplanation {
    let mut out = ApplicantExplanation {
        applicant: a as u32,
        couple: inst.couple_of(a).map(|c| c as u32),
        position: m.position_of(a),
        rank: m.rank_of(inst, a),
        lottery_number: prep.lottery[a] + 1,
        higher: Vec::new(),
    };
    match inst.couple_of(a) {
        None => {
            let base = inst.rank_start[a] as usize;
            let len = inst.rank_start[a + 1] as usize - base;
            let cur = if m.entry[a] == NONE {
                len
            } else {
                m.entry[a] as usize
            };
            for i in 0..cur.min(len) {
                let p = inst.rank_pos[base + i];
                out.higher.push(HigherChoice {
                    rank: i as u32 + 1,
                    position: Some(p),
                    refusal: side(inst, h, p, prep.rank_strict[base + i], &[], None),
                    partner: None,
                });
            }
        }
        Some(c) => {
            let k = usize::from(inst.members[c][1] == a as u32);
            let mine: Vec<(u32, u32)> = inst.members[c]
                .iter()
                .map(|&x| (m.position[x as usize], h.off_of[x as usize]))
                .collect();
            let base = inst.pair_start[c] as usize;
            let len = inst.pair_start[c + 1] as usize - base;
            let cur = if m.pair[c] == NONE {
                len
            } else {
                m.pair[c] as usize
            };
            for j in 0..cur.min(len) {
                let q = inst.pair_pos[base + j];
                let r = prep.pair_strict[base + j];
                let same = q[0] != NONE && q[0] == q[1] && r[0] != NONE && r[1] != NONE;
                let why = |x: usize| side(inst, h, q[x], r[x], &mine, same.then_some(r[1 - x]));
                let pos = |x: usize| (q[x] != NONE).then_some(q[x]);
                out.higher.push(HigherChoice {
                    rank: j as u32 + 1,
                    position: pos(k),
                    refusal: why(k),
                    partner: Some((pos(1 - k), why(1 - k))),
                });
            }
        }
    }
    out
}

/// Per position: who was matched (with their rank on the employer's list) and the cut-off.
pub fn position_summaries(inst: &Instance, prep: &Prepared, m: &Matching) -> Vec<PositionSummary> {
    let h = held(inst, prep, m);
    (0..inst.position_count())
        .map(|p| {
            let s = inst.emp_start[p] as usize;
            let e = inst.emp_start[p + 1] as usize;
            let matched: Vec<(u32, u32)> = (s..e)
                .filter(|&k| h.held[k])
                .map(|k| (prep.strict_app[k], inst.emp_rank[k]))
                .collect();
            PositionSummary {
                position: p as u32,
                capacity: inst.capacity[p],
                cutoff_rank: matched.last().map(|&(_, r)| r),
                matched,
            }
        })
        .collect()
}

impl Refusal {
    /// One sentence, e.g. "14 plasser; den siste som fikk plass sto som nr. 31 på
    /// arbeidsgiverens liste, du sto som nr. 44." The caller puts the position's name first.
    pub fn sentence(&self, lang: Lang) -> String {
        match (self, lang) {
            (Refusal::NotListed, Lang::Nb) => {
                "du sto ikke på arbeidsgiverens liste (innstilling).".to_owned()
            }
            (Refusal::NotListed, Lang::Nn) => {
                "du stod ikkje på lista til arbeidsgjevaren (innstillinga).".to_owned()
            }
            (Refusal::NotListed, Lang::En) => "you were not on the employer's list.".to_owned(),
            (
                Refusal::Full {
                    capacity,
                    cutoff_rank,
                    own_rank,
                    lottery_decided,
                },
                Lang::Nb,
            ) => {
                let mut s = format!(
                    "{capacity} plass(er); den siste som fikk plass sto som nr. {cutoff_rank} på arbeidsgiverens liste, du sto som nr. {own_rank}."
                );
                if *lottery_decided {
                    s.push_str(" Dere sto likt, og loddnummeret avgjorde.");
                }
                s
            }
            (
                Refusal::Full {
                    capacity,
                    cutoff_rank,
                    own_rank,
                    lottery_decided,
                },
                Lang::Nn,
            ) => {
                let mut s = format!(
                    "{capacity} plass(ar); den siste som fekk plass, stod som nr. {cutoff_rank} på lista til arbeidsgjevaren, du stod som nr. {own_rank}."
                );
                if *lottery_decided {
                    s.push_str(" De stod likt, og loddnummeret avgjorde.");
                }
                s
            }
            (
                Refusal::Full {
                    capacity,
                    cutoff_rank,
                    own_rank,
                    lottery_decided,
                },
                Lang::En,
            ) => {
                let mut s = format!(
                    "{capacity} place(s); the last one admitted was no. {cutoff_rank} on the employer's list, you were no. {own_rank}."
                );
                if *lottery_decided {
                    s.push_str(" You were ranked equally, and the lottery number decided.");
                }
                s
            }
            (
                Refusal::NoRoomForBoth {
                    capacity,
                    cutoff_rank,
                    own_rank,
                },
                lang,
            ) => {
                let cut = cutoff_rank
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "–".into());
                match lang {
                    Lang::Nb => format!(
                        "{capacity} plass(er), ikke plass til dere begge; den siste som fikk plass sto som nr. {cut}, du sto som nr. {own_rank}."
                    ),
                    Lang::Nn => format!(
                        "{capacity} plass(ar), ikkje plass til dykk begge; den siste som fekk plass, stod som nr. {cut}, du stod som nr. {own_rank}."
                    ),
                    Lang::En => format!(
                        "{capacity} place(s), no room for you both; the last one admitted was no. {cut}, you were no. {own_rank}."
                    ),
                }
            }
        }
    }
}
