//! The mechanisms the simulator compares (docs/matching.md §14): deferred acceptance,
//! random serial dictatorship, Boston (immediate acceptance), and a model of today's
//! decentralised offer rounds, with the same metrics for each.
//!
//! Behavioural assumptions of the offer-round model (documented in docs/matching.md §14.4):
//! employers offer each free place to the next applicant on their list they have not
//! offered it to, on fixed offer dates; an applicant always accepts the best offer they
//! hold and resigns an earlier acceptance when a better offer arrives; replies come on a
//! random day before the reply deadline; after the last offer round the free places
//! become rest positions, taken by unplaced applicants in lottery order.
//!
//! Couples: deferred acceptance and serial dictatorship place a couple as a unit in a
//! pair it ranked. Boston and the offer rounds have no couple coordination (as today):
//! each member acts alone on the positions of the couple's pairs, in the order they
//! first appear there.

use super::instance::{Instance, NONE};
use super::solve::{Prepared, Solver, stream_key};
use crate::lottery::{RandomStream, Seed, simulation_seed};

/// An allocation mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Mechanism {
    /// Today's decentralised offer rounds, then rest positions.
    OfferRounds,
    /// Random serial dictatorship: in lottery order, each takes the best free place
    /// where the employer lists them.
    SerialDictatorship,
    /// Boston (immediate acceptance): in step k everyone unplaced applies to their k-th
    /// choice, and positions accept permanently in the order of their lists.
    Boston,
    /// Applicant-proposing deferred acceptance (with Roth–Peranson for couples).
    DeferredAcceptance,
}

impl Mechanism {
    /// All four, in report order.
    pub const ALL: [Mechanism; 4] = [
        Mechanism::OfferRounds,
        Mechanism::SerialDictatorship,
        Mechanism::Boston,
        Mechanism::DeferredAcceptance,
    ];

    /// A stable name: `offer_rounds`, `serial_dictatorship`, `boston`, `deferred_acceptance`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mechanism::OfferRounds => "offer_rounds",
            Mechanism::SerialDictatorship => "serial_dictatorship",
            Mechanism::Boston => "boston",
            Mechanism::DeferredAcceptance => "deferred_acceptance",
        }
    }

    /// The name people read.
    pub fn label(self, lang: crate::Lang) -> &'static str {
        match self {
            Mechanism::OfferRounds => lang.pick3(
                "Tilbudsrunder (i dag)",
                "Tilbodsrundar (i dag)",
                "Offer rounds (today)",
            ),
            Mechanism::SerialDictatorship => lang.pick3(
                "Tilfeldig rekkefølge (RSD)",
                "Tilfeldig rekkjefølgje (RSD)",
                "Random serial dictatorship",
            ),
            Mechanism::Boston => lang.pick3(
                "Boston (umiddelbar aksept)",
                "Boston (umiddelbar aksept)",
                "Boston (immediate acceptance)",
            ),
            Mechanism::DeferredAcceptance => lang.pick3(
                "Utsatt aksept (DA)",
                "Utsett aksept (DA)",
                "Deferred acceptance",
            ),
        }
    }
}

/// Parameters of the offer-round model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OfferModel {
    /// Ordinary offer rounds (about five per half-year, 004 draft §12).
    pub rounds: u32,
    /// Days between offer dates.
    pub round_days: u32,
    /// Reply deadline in days in the first round (three working days ≈ 5 calendar days).
    pub first_reply_days: u32,
    /// Reply deadline in days in later rounds.
    pub reply_days: u32,
    /// Days after the last offer date until rest positions are filled.
    pub rest_days: u32,
}

impl Default for OfferModel {
    fn default() -> OfferModel {
        OfferModel {
            rounds: 5,
            round_days: 7,
            first_reply_days: 5,
            reply_days: 2,
            rest_days: 30,
        }
    }
}

/// What one run of one mechanism produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Position per applicant, or NONE.
    pub position: Vec<u32>,
    /// Offers made (for the centralised mechanisms: placements, as offers already accepted).
    pub offers: u64,
    /// Offer rounds until the last acceptance (1 for the centralised mechanisms; the
    /// rest-position phase counts as one more).
    pub rounds: u32,
    /// Per position, the day it was last filled (0 = the first offer date), NONE if never full.
    pub filled_day: Vec<u32>,
    /// For deferred acceptance: no stable matching found (possible only with couples).
    pub failed: bool,
}

/// Metrics of one outcome.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    /// Places filled.
    pub seats_filled: u64,
    /// Positions filled to capacity.
    pub positions_full: u64,
    /// Applicants placed.
    pub placed: u64,
    /// Singles by rank received: index 0 = unplaced, i = their i-th choice.
    pub rank_hist: Vec<u64>,
    /// Couples placed in a pair they ranked (both, or one where the pair says so).
    pub couples_together: u64,
    /// Offers made.
    pub offers: u64,
    /// Offer rounds needed.
    pub rounds: u32,
    /// Mean day positions were filled (over positions filled to capacity).
    pub mean_days: f64,
    /// Day the last position was filled.
    pub max_days: u32,
    /// Blocking (applicant, position) and (couple, pair) combinations.
    pub blocking_pairs: u64,
}

/// Each applicant's list as (position, strict offset) pairs: singles their rank list,
/// couple members the positions of their side of the couple's pairs, in first appearance.
pub(crate) struct Lists {
    start: Vec<u32>,
    pos: Vec<u32>,
    off: Vec<u32>,
}

impl Lists {
    pub(crate) fn new(inst: &Instance, prep: &Prepared) -> Lists {
        let mut l = Lists {
            start: Vec::with_capacity(inst.applicant_count() + 1),
            pos: Vec::new(),
            off: Vec::new(),
        };
        for a in 0..inst.applicant_count() {
            l.start.push(l.pos.len() as u32);
            match inst.couple_of(a) {
                None => {
                    let (s, e) = (inst.rank_start[a] as usize, inst.rank_start[a + 1] as usize);
                    l.pos.extend_from_slice(&inst.rank_pos[s..e]);
                    l.off.extend_from_slice(&prep.rank_strict[s..e]);
                }
                Some(c) => {
                    let k = usize::from(inst.members[c][1] == a as u32);
                    let first = l.pos.len();
                    let (s, e) = (inst.pair_start[c] as usize, inst.pair_start[c + 1] as usize);
                    for j in s..e {
                        let p = inst.pair_pos[j][k];
                        if p != NONE && !l.pos[first..].contains(&p) {
                            l.pos.push(p);
                            l.off.push(prep.pair_strict[j][k]);
                        }
                    }
                }
            }
        }
        l.start.push(l.pos.len() as u32);
        l
    }

    fn range(&self, a: usize) -> std::ops::Range<usize> {
        self.start[a] as usize..self.start[a + 1] as usize
    }

    /// 0-based index of `p` in `a`'s list.
    fn index_of(&self, a: usize, p: u32) -> Option<usize> {
        let r = self.range(a);
        self.pos[r].iter().position(|&q| q == p)
    }
}

fn centralised(position: Vec<u32>, failed: bool) -> Outcome {
    let offers = position.iter().filter(|&&p| p != NONE).count() as u64;
    Outcome {
        position,
        offers,
        rounds: 1,
        filled_day: Vec::new(),
        failed,
    }
}

/// Deferred acceptance with the draw's lottery numbers; `rng` continues after them.
pub fn deferred_acceptance(inst: &Instance, prep: &Prepared, rng: &mut RandomStream) -> Outcome {
    let mut solver = Solver::new(inst);
    match solver.run(inst, prep.clone(), rng) {
        Ok(sol) => centralised(sol.matching.position, false),
        Err(e) => centralised(e.best.position, true),
    }
}

/// Random serial dictatorship in lottery order. A couple takes its turn when its first
/// member comes up, and takes the best pair with room for both.
pub fn serial_dictatorship(inst: &Instance, prep: &Prepared) -> Outcome {
    let n = inst.applicant_count();
    let mut order: Vec<u32> = vec![0; n];
    for a in 0..n {
        order[prep.lottery[a] as usize] = a as u32;
    }
    let mut free: Vec<u32> = inst.capacity.clone();
    let mut position = vec![NONE; n];
    let mut done = vec![false; inst.couple_count()];
    for &a in &order {
        let a = a as usize;
        match inst.couple_of(a) {
            None => {
                let (s, e) = (inst.rank_start[a] as usize, inst.rank_start[a + 1] as usize);
                for i in s..e {
                    let p = inst.rank_pos[i] as usize;
                    if prep.rank_strict[i] != NONE && free[p] > 0 {
                        free[p] -= 1;
                        position[a] = p as u32;
                        break;
                    }
                }
            }
            Some(c) => {
                if done[c] {
                    continue;
                }
                done[c] = true;
                let ms = inst.members[c];
                let (s, e) = (inst.pair_start[c] as usize, inst.pair_start[c + 1] as usize);
                for j in s..e {
                    let q = inst.pair_pos[j];
                    let r = prep.pair_strict[j];
                    let listed = (0..2).all(|k| q[k] == NONE || r[k] != NONE);
                    let room = if q[0] != NONE && q[0] == q[1] {
                        free[q[0] as usize] >= 2
                    } else {
                        (0..2).all(|k| q[k] == NONE || free[q[k] as usize] > 0)
                    };
                    if listed && room {
                        for k in 0..2 {
                            if q[k] != NONE {
                                free[q[k] as usize] -= 1;
                                position[ms[k] as usize] = q[k];
                            }
                        }
                        break;
                    }
                }
            }
        }
    }
    centralised(position, false)
}

/// Boston on the given lists (couple members alone). Positions accept permanently,
/// in strict list order, as long as they have room.
pub(crate) fn boston_lists(inst: &Instance, lists: &Lists) -> Vec<u32> {
    let n = inst.applicant_count();
    let mut free: Vec<u32> = inst.capacity.clone();
    let mut position = vec![NONE; n];
    let max_len = (0..n).map(|a| lists.range(a).len()).max().unwrap_or(0);
    let mut proposals: Vec<(u32, u32, u32)> = Vec::new();
    for k in 0..max_len {
        proposals.clear();
        for a in 0..n {
            let r = lists.range(a);
            if position[a] == NONE && k < r.len() {
                let i = r.start + k;
                if lists.off[i] != NONE {
                    proposals.push((lists.pos[i], lists.off[i], a as u32));
                }
            }
        }
        proposals.sort_unstable();
        for &(p, _, a) in &proposals {
            if free[p as usize] > 0 {
                free[p as usize] -= 1;
                position[a as usize] = p;
            }
        }
    }
    position
}

/// Boston (immediate acceptance).
pub fn boston(inst: &Instance, prep: &Prepared) -> Outcome {
    centralised(boston_lists(inst, &Lists::new(inst, prep)), false)
}

/// Today's decentralised offer rounds, then rest positions (see the module docs).
/// `rng` gives the reply days.
pub fn offer_rounds(
    inst: &Instance,
    prep: &Prepared,
    model: &OfferModel,
    rng: &mut RandomStream,
) -> Outcome {
    let lists = Lists::new(inst, prep);
    let n = inst.applicant_count();
    let np = inst.position_count();
    let mut accepted = vec![NONE; n];
    let mut count = vec![0u32; np];
    let mut pointer: Vec<u32> = inst.emp_start[..np].to_vec();
    let mut filled_day = vec![NONE; np];
    let mut best_offer: Vec<u32> = vec![NONE; n];
    let mut touched: Vec<u32> = Vec::new();
    let mut offers = 0u64;
    let mut last_round = 0u32;
    for t in 0..model.rounds {
        let day = t * model.round_days;
        let reply = if t == 0 {
            model.first_reply_days
        } else {
            model.reply_days
        };
        // Offers: each free place to the next applicant on the list not yet asked.
        touched.clear();
        for p in 0..np {
            let end = inst.emp_start[p + 1];
            let mut free = inst.capacity[p] - count[p];
            while free > 0 && pointer[p] < end {
                let a = prep.strict_app[pointer[p] as usize] as usize;
                pointer[p] += 1;
                free -= 1;
                offers += 1;
                // The applicant's own index of p (unranked offers are declined).
                if let Some(i) = lists.index_of(a, p as u32) {
                    let i = i as u32;
                    if best_offer[a] == NONE {
                        touched.push(a as u32);
                    }
                    if best_offer[a] == NONE || i < best_offer[a] {
                        best_offer[a] = i;
                    }
                }
            }
        }
        // Replies: keep the best of what one holds and what was offered.
        for &a in &touched {
            let a = a as usize;
            let i = best_offer[a];
            best_offer[a] = NONE;
            let p = lists.pos[lists.range(a).start + i as usize];
            let held = accepted[a];
            let better = held == NONE || Some(i as usize) < lists.index_of(a, held);
            if better {
                if held != NONE {
                    count[held as usize] -= 1; // resigned: offered again next round
                    filled_day[held as usize] = NONE;
                }
                accepted[a] = p;
                count[p as usize] += 1;
                last_round = t + 1;
                if count[p as usize] == inst.capacity[p as usize] {
                    filled_day[p as usize] = day + 1 + rng.uniform(reply.max(1));
                }
            }
        }
    }
    // Rest positions: unplaced applicants in lottery order take the best free place
    // where they are on the list.
    let rest_day = model.rounds.saturating_sub(1) * model.round_days + model.rest_days;
    let mut order: Vec<u32> = vec![0; n];
    for a in 0..n {
        order[prep.lottery[a] as usize] = a as u32;
    }
    let mut rest_used = false;
    for &a in &order {
        let a = a as usize;
        if accepted[a] != NONE {
            continue;
        }
        for i in lists.range(a) {
            let p = lists.pos[i] as usize;
            if lists.off[i] != NONE && count[p] < inst.capacity[p] {
                count[p] += 1;
                accepted[a] = p as u32;
                offers += 1;
                rest_used = true;
                if count[p] == inst.capacity[p] {
                    filled_day[p] = rest_day;
                }
                break;
            }
        }
    }
    Outcome {
        position: accepted,
        offers,
        rounds: last_round + u32::from(rest_used),
        filled_day,
        failed: false,
    }
}

/// Counts blocking combinations of an arbitrary placement (each placed applicant must be
/// at a position on their list): singles with positions, couples with pairs.
pub fn blocking_pairs(inst: &Instance, prep: &Prepared, position: &[u32]) -> u64 {
    let lists = Lists::new(inst, prep);
    let np = inst.position_count();
    let mut count = vec![0u32; np];
    let mut worst = vec![0u32; np];
    let mut held = vec![false; inst.emp_app.len()];
    let mut off_of = vec![NONE; inst.applicant_count()];
    for (a, &p) in position.iter().enumerate() {
        if p == NONE {
            continue;
        }
        let Some(i) = lists.index_of(a, p) else {
            continue;
        };
        let r = lists.off[lists.range(a).start + i];
        if r == NONE {
            continue;
        }
        let pi = p as usize;
        held[(inst.emp_start[pi] + r) as usize] = true;
        off_of[a] = r;
        count[pi] += 1;
        if count[pi] == 1 || r > worst[pi] {
            worst[pi] = r;
        }
    }
    let mut total = 0u64;
    for a in 0..inst.applicant_count() {
        if inst.couple_of(a).is_some() {
            continue;
        }
        let (s, e) = (inst.rank_start[a] as usize, inst.rank_start[a + 1] as usize);
        for i in s..e {
            if inst.rank_pos[i] == position[a] {
                break;
            }
            let r = prep.rank_strict[i];
            let p = inst.rank_pos[i] as usize;
            if r != NONE && (count[p] < inst.capacity[p] || r < worst[p]) {
                total += 1;
            }
        }
    }
    for c in 0..inst.couple_count() {
        let ms = inst.members[c];
        let got = ms.map(|a| position[a as usize]);
        let mine = ms.map(|a| (position[a as usize], off_of[a as usize]));
        let is_mine =
            |p: usize, o: usize| mine.iter().any(|&(q, r)| q == p as u32 && r == o as u32);
        let others = |p: usize| {
            count[p]
                - mine
                    .iter()
                    .filter(|&&(q, r)| q == p as u32 && r != NONE)
                    .count() as u32
        };
        let (s, e) = (inst.pair_start[c] as usize, inst.pair_start[c + 1] as usize);
        for j in s..e {
            let q = inst.pair_pos[j];
            if q == got {
                break;
            }
            let r = prep.pair_strict[j];
            if (0..2).any(|k| q[k] != NONE && r[k] == NONE) {
                continue;
            }
            let better = |p: usize, rmax: usize| {
                let st = inst.emp_start[p] as usize;
                (0..rmax)
                    .filter(|&o| held[st + o] && !is_mine(p, o))
                    .count() as u32
            };
            let accepts = |k: usize| {
                q[k] == NONE || q[k] == got[k] || {
                    let p = q[k] as usize;
                    count[p] < inst.capacity[p] || r[k] < worst[p]
                }
            };
            let blocks = if q[0] != NONE && q[0] == q[1] {
                let p = q[0] as usize;
                others(p) + 2 <= inst.capacity[p]
                    || better(p, r[0].max(r[1]) as usize) + 2 <= inst.capacity[p]
            } else {
                accepts(0) && accepts(1)
            };
            if blocks {
                total += 1;
            }
        }
    }
    total
}

/// The metrics of an outcome.
pub fn metrics(inst: &Instance, prep: &Prepared, out: &Outcome) -> Metrics {
    let lists = Lists::new(inst, prep);
    let max_len = (0..inst.applicant_count())
        .map(|a| lists.range(a).len())
        .max()
        .unwrap_or(0);
    let mut m = Metrics {
        rank_hist: vec![0; max_len + 1],
        offers: out.offers,
        rounds: out.rounds,
        ..Metrics::default()
    };
    let mut count = vec![0u32; inst.position_count()];
    for (a, &p) in out.position.iter().enumerate() {
        if p != NONE {
            m.placed += 1;
            count[p as usize] += 1;
        }
        if inst.couple_of(a).is_none() {
            let i = if p == NONE {
                0
            } else {
                lists.index_of(a, p).map_or(0, |i| i + 1)
            };
            m.rank_hist[i] += 1;
        }
    }
    m.seats_filled = m.placed;
    let mut days = 0u64;
    for p in 0..inst.position_count() {
        if count[p] == inst.capacity[p] {
            m.positions_full += 1;
            let d = out
                .filled_day
                .get(p)
                .copied()
                .filter(|&d| d != NONE)
                .unwrap_or(0);
            days += u64::from(d);
            m.max_days = m.max_days.max(d);
        }
    }
    m.mean_days = if m.positions_full == 0 {
        0.0
    } else {
        days as f64 / m.positions_full as f64
    };
    for c in 0..inst.couple_count() {
        let got = inst.members[c].map(|a| out.position[a as usize]);
        if got != [NONE, NONE] && inst.pairs(c).any(|pr| pr.map(|p| p.unwrap_or(NONE)) == got) {
            m.couples_together += 1;
        }
    }
    m.blocking_pairs = blocking_pairs(inst, prep, &out.position);
    m
}

/// Applicants (singles, a sample) who could get a position they rank higher by
/// misreporting: each tries putting one of their lower choices first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Manipulation {
    /// Applicants tried.
    pub sampled: u64,
    /// Of those, how many could gain.
    pub could_gain: u64,
    /// Misreports tried in all.
    pub tries: u64,
}

/// The singles to try, spread evenly over the applicants in id order.
fn sample(inst: &Instance, n: usize) -> Vec<usize> {
    let singles: Vec<usize> = (0..inst.applicant_count())
        .filter(|&a| inst.couple_of(a).is_none() && inst.ranking(a).len() > 1)
        .collect();
    if singles.len() <= n {
        return singles;
    }
    (0..n).map(|i| singles[i * singles.len() / n]).collect()
}

/// Misreporting in Boston: for each sampled single and each choice j ≥ 2, put j first.
pub fn boston_manipulation(inst: &Instance, prep: &Prepared, n: usize) -> Manipulation {
    let mut lists = Lists::new(inst, prep);
    let truth = boston_lists(inst, &lists);
    let mut m = Manipulation::default();
    for a in sample(inst, n) {
        m.sampled += 1;
        let r = lists.range(a);
        let true_idx = lists.index_of(a, truth[a]).unwrap_or(r.len());
        let (pos, off): (Vec<u32>, Vec<u32>) =
            (lists.pos[r.clone()].to_vec(), lists.off[r.clone()].to_vec());
        let mut gained = false;
        for j in 1..pos.len().min(true_idx) {
            // Promote choice j to the top; the rest keep their order.
            lists.pos[r.start..=r.start + j].rotate_right(1);
            lists.off[r.start..=r.start + j].rotate_right(1);
            m.tries += 1;
            let got = boston_lists(inst, &lists)[a];
            lists.pos[r.clone()].copy_from_slice(&pos);
            lists.off[r.clone()].copy_from_slice(&off);
            if got != NONE
                && pos
                    .iter()
                    .position(|&p| p == got)
                    .is_some_and(|i| i < true_idx)
            {
                gained = true;
                break;
            }
        }
        m.could_gain += u64::from(gained);
    }
    m
}

/// The same check for deferred acceptance (a control: for singles it is strategy-proof,
/// so this should find nobody).
pub fn da_manipulation(inst: &Instance, prep: &Prepared, n: usize) -> Manipulation {
    let mut inst2 = inst.clone();
    let mut prep2 = prep.clone();
    let key = stream_key(&Seed::from_bytes([0; 32]), &inst.inputs_sha256());
    let run = |i: &Instance, p: &Prepared| {
        let mut rng = RandomStream::new(&key);
        deferred_acceptance(i, p, &mut rng).position
    };
    let truth = run(inst, prep);
    let mut m = Manipulation::default();
    for a in sample(inst, n) {
        m.sampled += 1;
        let (s, e) = (inst.rank_start[a] as usize, inst.rank_start[a + 1] as usize);
        let true_idx = inst.rank_pos[s..e]
            .iter()
            .position(|&p| p == truth[a])
            .unwrap_or(e - s);
        let mut gained = false;
        for j in 1..(e - s).min(true_idx) {
            permute_promote(&mut inst2, &mut prep2, a, j);
            m.tries += 1;
            let got = run(&inst2, &prep2)[a];
            // Undo: back to the true list (rotating the first j + 1 entries back).
            inst2.rank_pos[s..e].copy_from_slice(&inst.rank_pos[s..e]);
            inst2.rank_emp[s..e].copy_from_slice(&inst.rank_emp[s..e]);
            prep2.rank_strict[s..e].copy_from_slice(&prep.rank_strict[s..e]);
            relink(&mut inst2, &mut prep2, a, e - s - 1);
            if got != NONE
                && inst.rank_pos[s..e]
                    .iter()
                    .position(|&p| p == got)
                    .is_some_and(|i| i < true_idx)
            {
                gained = true;
                break;
            }
        }
        m.could_gain += u64::from(gained);
    }
    m
}

/// Moves single `a`'s choice `j` (0-based) to the top of their list, in the instance
/// and the prepared lists alike.
fn permute_promote(inst: &mut Instance, prep: &mut Prepared, a: usize, j: usize) {
    let s = inst.rank_start[a] as usize;
    inst.rank_pos[s..=s + j].rotate_right(1);
    inst.rank_emp[s..=s + j].rotate_right(1);
    prep.rank_strict[s..=s + j].rotate_right(1);
    relink(inst, prep, a, j);
}

/// Points the employer-side entries of `a`'s first `j + 1` choices back at their offsets.
fn relink(inst: &mut Instance, prep: &mut Prepared, a: usize, j: usize) {
    let s = inst.rank_start[a] as usize;
    for i in 0..=j {
        let p = inst.rank_pos[s + i] as usize;
        let off = inst.rank_emp[s + i];
        if off != NONE {
            let k = (inst.emp_start[p] + off) as usize;
            inst.emp_rank_entry[k] = i as u32;
            let strict = prep.rank_strict[s + i];
            prep.strict_entry[inst.emp_start[p] as usize + strict as usize] = i as u32;
        }
    }
}

/// Summary statistics of one metric over the draws.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Stat {
    /// Mean.
    pub mean: f64,
    /// Smallest.
    pub min: f64,
    /// Largest.
    pub max: f64,
}

impl Stat {
    fn of(values: &[f64]) -> Stat {
        if values.is_empty() {
            return Stat::default();
        }
        Stat {
            mean: values.iter().sum::<f64>() / values.len() as f64,
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }
}

/// One mechanism over all draws.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MechanismSummary {
    /// Which.
    pub mechanism: Mechanism,
    /// Places filled.
    pub seats_filled: Stat,
    /// Positions filled to capacity.
    pub positions_full: Stat,
    /// Applicants placed.
    pub placed: Stat,
    /// Mean number of singles per rank received (index 0 = unplaced).
    pub rank_hist: Vec<f64>,
    /// Couples placed together in a pair they ranked.
    pub couples_together: Stat,
    /// Offers made.
    pub offers: Stat,
    /// Offer rounds needed.
    pub rounds: Stat,
    /// Mean day a full position was filled.
    pub mean_days: Stat,
    /// Day the last position was filled.
    pub max_days: Stat,
    /// Blocking pairs.
    pub blocking_pairs: Stat,
    /// Draws in which deferred acceptance found no stable matching.
    pub failures: u64,
    /// Misreporting check (first draw only).
    pub manipulation: Option<Manipulation>,
}

/// The simulator's result: the instance's size and one summary per mechanism.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SimulationReport {
    /// Draws simulated.
    pub draws: u64,
    /// Applicants.
    pub applicants: usize,
    /// Of whom single.
    pub singles: usize,
    /// Couples.
    pub couples: usize,
    /// Positions.
    pub positions: usize,
    /// Places.
    pub seats: u64,
    /// The offer-round model used.
    pub model: OfferModel,
    /// Per mechanism, in [`Mechanism::ALL`] order.
    pub mechanisms: Vec<MechanismSummary>,
}

/// Runs every mechanism on `draws` draws with seeds
/// [`simulation_seed`]`(master, i)`: each draw has its own lottery numbers (tie-breaks,
/// serial order, rest-position order, couple order) and reply days. The misreporting
/// check runs on the first draw, for `manipulation_sample` singles.
/// `progress(done)` is called after every draw.
pub fn simulate(
    inst: &Instance,
    master: &Seed,
    draws: u64,
    model: &OfferModel,
    manipulation_sample: usize,
    mut progress: impl FnMut(u64),
) -> SimulationReport {
    let mut per: Vec<Vec<Metrics>> = vec![Vec::new(); 4];
    let mut failures = [0u64; 4];
    let mut manip: [Option<Manipulation>; 4] = [None; 4];
    for i in 0..draws {
        let seed = simulation_seed(master, i);
        let mut rng = RandomStream::new(&stream_key(&seed, &inst.inputs_sha256()));
        let prep = Prepared::new(inst, &mut rng);
        for (k, mech) in Mechanism::ALL.iter().enumerate() {
            let out = match mech {
                Mechanism::OfferRounds => offer_rounds(inst, &prep, model, &mut rng),
                Mechanism::SerialDictatorship => serial_dictatorship(inst, &prep),
                Mechanism::Boston => boston(inst, &prep),
                Mechanism::DeferredAcceptance => deferred_acceptance(inst, &prep, &mut rng),
            };
            failures[k] += u64::from(out.failed);
            per[k].push(metrics(inst, &prep, &out));
        }
        if i == 0 && manipulation_sample > 0 {
            manip[2] = Some(boston_manipulation(inst, &prep, manipulation_sample));
            manip[3] = Some(da_manipulation(inst, &prep, manipulation_sample));
        }
        progress(i + 1);
    }
    let mechanisms = Mechanism::ALL
        .iter()
        .enumerate()
        .map(|(k, &mechanism)| {
            let ms = &per[k];
            let stat =
                |f: &dyn Fn(&Metrics) -> f64| Stat::of(&ms.iter().map(f).collect::<Vec<_>>());
            let len = ms.iter().map(|m| m.rank_hist.len()).max().unwrap_or(0);
            let rank_hist = (0..len)
                .map(|r| {
                    ms.iter()
                        .map(|m| m.rank_hist.get(r).copied().unwrap_or(0) as f64)
                        .sum::<f64>()
                        / ms.len().max(1) as f64
                })
                .collect();
            MechanismSummary {
                mechanism,
                seats_filled: stat(&|m| m.seats_filled as f64),
                positions_full: stat(&|m| m.positions_full as f64),
                placed: stat(&|m| m.placed as f64),
                rank_hist,
                couples_together: stat(&|m| m.couples_together as f64),
                offers: stat(&|m| m.offers as f64),
                rounds: stat(&|m| f64::from(m.rounds)),
                mean_days: stat(&|m| m.mean_days),
                max_days: stat(&|m| f64::from(m.max_days)),
                blocking_pairs: stat(&|m| m.blocking_pairs as f64),
                failures: failures[k],
                manipulation: manip[k],
            }
        })
        .collect();
    SimulationReport {
        draws,
        applicants: inst.applicant_count(),
        singles: inst.applicant_count() - 2 * inst.couple_count(),
        couples: inst.couple_count(),
        positions: inst.position_count(),
        seats: inst.seats(),
        model: *model,
        mechanisms,
    }
}
