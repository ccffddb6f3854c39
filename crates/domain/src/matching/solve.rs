//! Applicant-proposing deferred acceptance with capacities, and couples as in
//! Roth–Peranson (docs/matching.md §5–8).
//!
//! The solver works on index arrays only: rank lists and employer lists are CSR
//! arrays, every rank an applicant holds at a position is precomputed (no lookup,
//! no hashing in the proposal loop). Phase 1 reads a layout made with the strict
//! lists ([`SinglesLayout`]: one packed word per listed entry, `strict offset <<
//! shift | position`), one threshold per position and a bounded max-heap of held
//! seats per position; phase 2 keeps one flag per employer-list entry plus a pointer
//! to the worst applicant each position holds.

use std::collections::VecDeque;

use sha2::{Digest as _, Sha256};

use super::bits::Bits;
use super::instance::{Instance, MAX_APPLICANTS, MAX_RANKED, NONE};
use super::verify::{StabilityReport, check};
use crate::lottery::{RandomStream, Seed, Sha256Digest};
use crate::{Lang, Localized};

/// The domain-separation prefix of the match's stream key: the 13 ASCII bytes `lis1-match-v1`.
pub const KEY_DOMAIN: &[u8] = b"lis1-match-v1";
/// Most attempts (the first run and its restarts) when couples make the procedure cycle.
pub const MAX_ATTEMPTS: u32 = 10;
/// Most quiet points (queue empty, blocking agents re-entered) in one attempt.
pub const MAX_ROUNDS: u32 = 100;
/// Proposal budget of one attempt: this many per rank-list and pair entry, plus [`PROPOSAL_SLACK`].
pub const PROPOSALS_PER_ENTRY: u64 = 20;
/// See [`PROPOSALS_PER_ENTRY`].
pub const PROPOSAL_SLACK: u64 = 1_000;

/// The ChaCha20 key of a match: SHA-256(`lis1-match-v1` ‖ seed ‖ SHA-256(canonical inputs)).
pub fn stream_key(seed: &Seed, inputs_sha256: &Sha256Digest) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(KEY_DOMAIN);
    h.update(seed.as_bytes());
    h.update(inputs_sha256.as_bytes());
    h.finalize().into()
}

/// The seed-dependent part: lottery numbers and the employer lists made strict by them.
///
/// Ties in an employer's list are broken by one lottery over all applicants
/// (single tie-breaking): the applicant with the lower lottery number ranks first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// Lottery number of each applicant (0-based turn in the shuffled order).
    pub(crate) lottery: Vec<u32>,
    /// Per position, the applicants in strict order (same offsets as the employer lists).
    pub(crate) strict_app: Vec<u32>,
    /// For each entry in strict order: the applicant's rank-list offset of the position, or NONE.
    pub(crate) strict_entry: Vec<u32>,
    /// For each single's rank-list entry: the strict offset at the position, or NONE.
    pub(crate) rank_strict: Vec<u32>,
    /// For each couple's pair entry: the members' strict offsets, NONE when not listed or no position.
    pub(crate) pair_strict: Vec<[u32; 2]>,
    /// The singles' rank lists laid out for the proposal loop of phase 1.
    pub(crate) singles: SinglesLayout,
}

impl Prepared {
    /// Draws the lottery numbers from `rng` (docs/matching.md §5 step 1) and breaks ties.
    pub fn new(inst: &Instance, rng: &mut RandomStream) -> Prepared {
        let n = inst.applicant_count();
        let mut order: Vec<u32> = (0..n as u32).collect();
        rng.shuffle(&mut order);
        let mut lottery = vec![0u32; n];
        for (turn, &a) in order.iter().enumerate() {
            lottery[a as usize] = turn as u32;
        }
        Prepared::with_lottery(inst, lottery)
    }

    /// Breaks ties with the given lottery numbers. Untied entries keep their canonical
    /// offsets, so only tiers of two or more are touched.
    pub(crate) fn with_lottery(inst: &Instance, lottery: Vec<u32>) -> Prepared {
        let mut strict_app = inst.emp_app.clone();
        let mut strict_entry = inst.emp_rank_entry.clone();
        let mut rank_strict = inst.rank_emp.clone();
        let mut pair_strict = inst.pair_emp.clone();
        let mut tier: Vec<(u32, u32, u32)> = Vec::new();
        for p in 0..inst.position_count() {
            let (s, e) = (inst.emp_start[p] as usize, inst.emp_start[p + 1] as usize);
            // Tiers are numbered 0, 1, 2, … in each list: no tie when the last is len - 1.
            if e == s || inst.emp_tier[e - 1] as usize == e - s - 1 {
                continue;
            }
            let mut i = s;
            while i < e {
                let t = inst.emp_tier[i];
                let mut j = i + 1;
                while j < e && inst.emp_tier[j] == t {
                    j += 1;
                }
                if j - i > 1 {
                    tier.clear();
                    tier.extend((i..j).map(|k| {
                        let a = inst.emp_app[k];
                        (lottery[a as usize], a, inst.emp_rank_entry[k])
                    }));
                    tier.sort_unstable();
                    for (x, &(_, a, entry)) in tier.iter().enumerate() {
                        let k = i + x;
                        let off = (k - s) as u32;
                        strict_app[k] = a;
                        strict_entry[k] = entry;
                        let a = a as usize;
                        if entry != NONE {
                            rank_strict[(inst.rank_start[a] + entry) as usize] = off;
                        } else if inst.couple_of[a] != NONE {
                            let c = inst.couple_of[a] as usize;
                            let side = usize::from(inst.members[c][1] == a as u32);
                            for q in inst.pair_start[c] as usize..inst.pair_start[c + 1] as usize {
                                if inst.pair_pos[q][side] == p as u32 {
                                    pair_strict[q][side] = off;
                                }
                            }
                        }
                    }
                }
                i = j;
            }
        }
        let singles = SinglesLayout::new(inst, &rank_strict, false);
        Prepared {
            lottery,
            strict_app,
            strict_entry,
            rank_strict,
            pair_strict,
            singles,
        }
    }

    /// Lottery number of applicant `a` (0 = first).
    pub fn lottery_number(&self, a: usize) -> u32 {
        self.lottery[a]
    }
}

/// The singles' rank lists as the proposal loop of phase 1 reads them, built once with the
/// strict lists (part of preparing, not of solving).
///
/// Every listed entry of a single's rank list is one word, `strict offset << shift |
/// position`, in one flat array, applicant after applicant, each list closed by a sentinel
/// naming the extra position `end`. Entries whose position does not list the applicant
/// are left out: they are no proposal and could never be accepted. A proposal so reads
/// the next word of sequential memory and one threshold per position. The word is a
/// `u32` when the position numbers and strict offsets fit (NRMP size: 13 + 19 bits),
/// else a `u64`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SinglesLayout {
    words: Words,
    /// Bits of the position number in a word.
    shift: u32,
    /// The sentinel position (= the number of positions).
    end: u32,
    /// Per word: applicant << 10 | the entry's offset in their rank list (read only for
    /// held seats, so never for a sentinel).
    back: Vec<u32>,
    /// The first word of each single applicant, in applicant order.
    first: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Words {
    Narrow(Vec<u32>),
    Wide(Vec<u64>),
}

impl SinglesLayout {
    /// Lays out the singles' lists; `wide` forces `u64` words (for tests of that path).
    pub(crate) fn new(inst: &Instance, rank_strict: &[u32], wide: bool) -> SinglesLayout {
        let n_pos = inst.position_count() as u32;
        // Bits for 0..=n_pos (the sentinel included).
        let bits = 32 - n_pos.leading_zeros();
        let longest = (0..inst.position_count())
            .map(|p| inst.emp_start[p + 1] - inst.emp_start[p])
            .max()
            .unwrap_or(0);
        // Narrow needs every word below u32::MAX (the threshold of a position with a free
        // seat): strict offsets up to 2^(32 - bits) - 2 are enough, so lists shorter than
        // 2^(32 - bits) - 1 are narrow. Wide words hold any (positions fit 17 bits).
        let narrow = !wide && u64::from(longest) < (1u64 << (32 - bits)) - 1;
        let shift = bits;
        let listed = rank_strict.iter().filter(|&&r| r != NONE).count();
        let singles = inst.couple_of.iter().filter(|&&c| c == NONE).count();
        let words = if narrow {
            Words::Narrow(vec![0; listed + singles])
        } else {
            Words::Wide(vec![0; listed + singles])
        };
        let mut lay = SinglesLayout {
            words,
            shift,
            end: n_pos,
            back: vec![0; listed + singles],
            first: Vec::with_capacity(singles),
        };
        match &mut lay.words {
            Words::Narrow(w) => lay_out(
                inst,
                rank_strict,
                w,
                &mut lay.back,
                &mut lay.first,
                |r, p| (r << shift) | p,
            ),
            Words::Wide(w) => lay_out(
                inst,
                rank_strict,
                w,
                &mut lay.back,
                &mut lay.first,
                |r, p| (u64::from(r) << shift) | u64::from(p),
            ),
        }
        lay
    }
}

/// Writes every single's listed entries as `word(strict offset, position)`, then the
/// sentinel `word(0, end)`, into `words` and `back` (sized exactly); `first` as in
/// [`SinglesLayout`]. Branch-free: every entry is written, the next one overwrites an
/// unlisted one (a list's sentinel always follows, so no write goes past the end).
fn lay_out<W: Copy>(
    inst: &Instance,
    rank_strict: &[u32],
    words: &mut [W],
    back: &mut [u32],
    first: &mut Vec<u32>,
    word: impl Fn(u32, u32) -> W,
) {
    let end = inst.position_count() as u32;
    let mut j = 0usize;
    for a in 0..inst.applicant_count() {
        if inst.couple_of[a] != NONE {
            continue;
        }
        first.push(j as u32);
        let (s, e) = (inst.rank_start[a] as usize, inst.rank_start[a + 1] as usize);
        for (k, (&r, &p)) in rank_strict[s..e]
            .iter()
            .zip(&inst.rank_pos[s..e])
            .enumerate()
        {
            words[j] = word(r, p);
            back[j] = ((a as u32) << BACK_SHIFT) | k as u32;
            j += usize::from(r != NONE);
        }
        words[j] = word(0, end);
        back[j] = (a as u32) << BACK_SHIFT;
        j += 1;
    }
}

/// `back` packs applicant << 10 | rank-list offset: offsets are below [`MAX_RANKED`]
/// (1,000 < 2^10) and applicants below [`MAX_APPLICANTS`] (200,000 < 2^22).
const BACK_SHIFT: u32 = 10;
const BACK_MASK: u32 = (1 << BACK_SHIFT) - 1;
const _: () = assert!(MAX_RANKED < 1 << BACK_SHIFT && MAX_APPLICANTS < 1 << (32 - BACK_SHIFT));

/// A packed rank-list word (`u32` or `u64`).
trait Word: Copy + Ord {
    /// Above every word: the threshold of a position with a free seat.
    const MAX: Self;
    /// The threshold of a position that takes nobody.
    const ZERO: Self;
    /// The low 32 bits (the position bits are among them).
    fn low(self) -> u32;
    /// The strict offset.
    fn rank(self, shift: u32) -> u32;
    /// The threshold that admits strict offsets below `r` (whatever the position bits).
    fn below(r: u32, shift: u32) -> Self;
}

impl Word for u32 {
    const MAX: u32 = u32::MAX;
    const ZERO: u32 = 0;
    #[inline(always)]
    fn low(self) -> u32 {
        self
    }
    #[inline(always)]
    fn rank(self, shift: u32) -> u32 {
        self >> shift
    }
    #[inline(always)]
    fn below(r: u32, shift: u32) -> u32 {
        r << shift
    }
}

impl Word for u64 {
    const MAX: u64 = u64::MAX;
    const ZERO: u64 = 0;
    #[inline(always)]
    fn low(self) -> u32 {
        self as u32
    }
    #[inline(always)]
    fn rank(self, shift: u32) -> u32 {
        (self >> shift) as u32
    }
    #[inline(always)]
    fn below(r: u32, shift: u32) -> u64 {
        u64::from(r) << shift
    }
}

/// How many evicted applicants wait before they propose again: their next word is loaded
/// when they are evicted, so it is in cache when they propose.
const LAG: usize = 16;
/// Slots of the ring of waiting applicants (a power of two above `LAG + 1`).
const RING: usize = 32;

/// The proposal loop of phase 1 (McVitie–Wilson: each applicant proposes down their list
/// until held; an evicted one waits `LAG` turns, then continues from their next word).
///
/// Per position: `lim` (the least word it refuses: free seat `MAX`, full `worst << shift`,
/// `1 << shift` entries so the masked position needs no bounds check) and `pos` [first
/// seat, seats, held]; per seat a `u64` (strict offset << 32 | word index), each
/// position's seats a bounded max-heap. Returns (proposals, evictions).
fn propose_all<W: Word>(
    words: &[W],
    shift: u32,
    end: usize,
    first: &[u32],
    lim: &mut [W],
    pos: &mut [[u32; 4]],
    seats: &mut [u64],
) -> (u64, u64) {
    // A u32 mask: the compiler then knows every masked position is below `lim.len()`.
    let mask: u32 = (1 << shift) - 1;
    let lim = &mut lim[..=mask as usize];
    let mut proposals = 0u64;
    let mut evictions = 0u64;
    let mut touched = W::ZERO;
    // Waiting applicants: ring[head..tail] (mod RING); never more than LAG + 1.
    let mut ring = [0u32; RING];
    let (mut head, mut tail) = (0usize, 0usize);
    let mut firsts = first.iter();
    loop {
        let from = if tail - head > LAG {
            head += 1;
            ring[(head - 1) % RING]
        } else if let Some(&f) = firsts.next() {
            f
        } else if tail > head {
            head += 1;
            ring[(head - 1) % RING]
        } else {
            break;
        };
        let mut i = from as usize;
        let (p, w) = loop {
            let w = words[i];
            let p = (w.low() & mask) as usize;
            if w < lim[p] {
                break (p, w);
            }
            i += 1;
        };
        if p == end {
            proposals += (i - from as usize) as u64;
            continue;
        }
        proposals += (i - from as usize) as u64 + 1;
        let key = (u64::from(w.rank(shift)) << 32) | i as u64;
        let [start, cap, count, _] = pos[p];
        if count < cap {
            let heap = &mut seats[start as usize..(start + count + 1) as usize];
            heap_push(heap, key);
            pos[p][2] = count + 1;
            if count + 1 == cap {
                lim[p] = W::below((heap[0] >> 32) as u32, shift);
            }
        } else {
            let heap = &mut seats[start as usize..(start + cap) as usize];
            let out = heap[0] as u32 + 1;
            heap_replace_root(heap, key);
            lim[p] = W::below((heap[0] >> 32) as u32, shift);
            evictions += 1;
            // Load the evicted applicant's next word now; it is read LAG turns later.
            touched = touched.max(words[out as usize]);
            ring[tail % RING] = out;
            tail += 1;
        }
    }
    std::hint::black_box(touched);
    (proposals, evictions)
}

/// A matching: where every applicant is placed, and by which entry of their list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Matching {
    /// Position of each applicant, or NONE (`u32::MAX`) when unplaced.
    pub(crate) position: Vec<u32>,
    /// For a placed single: 0-based offset of the position in their rank list; else NONE.
    pub(crate) entry: Vec<u32>,
    /// For each couple: 0-based offset of the pair they got, or NONE.
    pub(crate) pair: Vec<u32>,
}

impl Matching {
    /// Nobody placed.
    pub fn empty(inst: &Instance) -> Matching {
        Matching {
            position: vec![NONE; inst.applicant_count()],
            entry: vec![NONE; inst.applicant_count()],
            pair: vec![NONE; inst.couple_count()],
        }
    }

    /// The position of applicant `a`, if placed.
    pub fn position_of(&self, a: usize) -> Option<u32> {
        let p = self.position[a];
        (p != NONE).then_some(p)
    }

    /// The applicant's rank of what they got, 1-based: for a single the place of the
    /// position in their rank list, for a couple member the place of the pair. `None`
    /// when unplaced (a couple member whose pair leaves them without a position included).
    pub fn rank_of(&self, inst: &Instance, a: usize) -> Option<u32> {
        if self.position[a] == NONE {
            return None;
        }
        match inst.couple_of(a) {
            Some(c) => (self.pair[c] != NONE).then_some(self.pair[c] + 1),
            None => (self.entry[a] != NONE).then_some(self.entry[a] + 1),
        }
    }

    /// The pair (0-based offset) couple `c` got, if any.
    pub fn pair_of(&self, c: usize) -> Option<u32> {
        let j = self.pair[c];
        (j != NONE).then_some(j)
    }

    /// The strict offset applicant `a` holds on their position's employer list, if placed
    /// by a list entry that names them.
    pub(crate) fn held_offset(&self, inst: &Instance, prep: &Prepared, a: usize) -> Option<u32> {
        if self.position[a] == NONE {
            return None;
        }
        let r = match inst.couple_of(a) {
            None if self.entry[a] != NONE => {
                prep.rank_strict[inst.rank_start[a] as usize + self.entry[a] as usize]
            }
            Some(c) if self.pair[c] != NONE => {
                let k = usize::from(inst.members[c][1] == a as u32);
                prep.pair_strict[inst.pair_start[c] as usize + self.pair[c] as usize][k]
            }
            _ => NONE,
        };
        (r != NONE).then_some(r)
    }

    /// Number of placed applicants.
    pub fn placed(&self) -> usize {
        self.position.iter().filter(|&&p| p != NONE).count()
    }

    /// Builds a matching from a position per applicant, as stated in an export: the
    /// entries and pairs are looked up in the lists. `None` if a placement is on no list
    /// (a single's rank list, or for a couple one of its pairs).
    pub fn from_positions(inst: &Instance, position: Vec<u32>) -> Option<Matching> {
        let mut m = Matching::empty(inst);
        for a in 0..inst.applicant_count() {
            let p = position[a];
            m.position[a] = p;
            if p == NONE || inst.couple_of(a).is_some() {
                continue;
            }
            let off = inst.ranking(a).iter().position(|&q| q == p)?;
            m.entry[a] = off as u32;
        }
        for c in 0..inst.couple_count() {
            let [m0, m1] = inst.members[c];
            let want = [position[m0 as usize], position[m1 as usize]];
            if want == [NONE, NONE] {
                continue;
            }
            let (s, e) = (inst.pair_start[c] as usize, inst.pair_start[c + 1] as usize);
            let j = inst.pair_pos[s..e].iter().position(|pr| *pr == want)?;
            m.pair[c] = j as u32;
        }
        Some(m)
    }
}

/// Why an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptEnd {
    /// A stable matching was found.
    Stable,
    /// The matching at a quiet point repeated an earlier one: the procedure cycles.
    Cycle {
        /// 1-based number of the quiet point that repeated.
        round: u32,
    },
    /// [`MAX_ROUNDS`] quiet points passed without a stable matching.
    RoundLimit,
    /// The proposal budget ran out.
    ProposalLimit,
}

/// What one attempt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptReport {
    /// How it ended.
    pub end: AttemptEnd,
    /// Proposals made (rank-list entries and pairs tried where the applicant is listed).
    pub proposals: u64,
    /// Quiet points reached.
    pub rounds: u32,
    /// Blocking agents (applicants or couples) left at the end.
    pub blocking: usize,
}

/// A stable matching and how it was found.
#[derive(Debug, Clone)]
pub struct Solution {
    /// The matching.
    pub matching: Matching,
    /// The lottery numbers and strict lists used.
    pub prepared: Prepared,
    /// One report per attempt; the last one is [`AttemptEnd::Stable`].
    pub attempts: Vec<AttemptReport>,
    /// The verification of the result (always clean for a returned solution).
    pub report: StabilityReport,
}

/// No attempt found a stable matching (possible only with couples).
#[derive(Debug, Clone)]
pub struct NoStableMatching {
    /// Every attempt and how it ended.
    pub attempts: Vec<AttemptReport>,
    /// The matching with the fewest blocking agents seen at the end of an attempt;
    /// for inspection only, never to be published.
    pub best: Matching,
    /// Its verification report.
    pub report: StabilityReport,
}

impl Localized for NoStableMatching {
    fn code(&self) -> &'static str {
        "match_no_stable_matching"
    }

    fn message(&self, lang: Lang) -> String {
        let n = self.attempts.len();
        let b = self.report.blocking_agents();
        match lang {
            Lang::Nb => format!(
                "Fant ingen stabil matching etter {n} forsøk (parene gjør at prosedyren går i ring). Beste forsøk hadde {b} blokkerende søker(e)/par. Ingenting er publisert."
            ),
            Lang::Nn => format!(
                "Fann inga stabil matching etter {n} forsøk (para gjer at prosedyren går i ring). Det beste forsøket hadde {b} blokkerande søkjar(ar)/par. Ingenting er publisert."
            ),
            Lang::En => format!(
                "No stable matching was found after {n} attempts (the couples make the procedure cycle). The best attempt left {b} blocking applicant(s)/couple(s). Nothing was published."
            ),
        }
    }
}

impl std::fmt::Display for NoStableMatching {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::Nb))
    }
}

impl std::error::Error for NoStableMatching {}

/// Runs the whole procedure of docs/matching.md §5–8 with the committed seed:
/// lottery numbers, deferred acceptance, couples, verification.
pub fn solve(inst: &Instance, seed: &Seed) -> Result<Solution, Box<NoStableMatching>> {
    let mut rng = RandomStream::new(&stream_key(seed, &inst.inputs_sha256()));
    let prepared = Prepared::new(inst, &mut rng);
    let mut solver = Solver::new(inst);
    solver.run(inst, prepared, &mut rng)
}

/// What [`Solver::phase1_state`] returns.
#[cfg(test)]
pub(crate) type PhaseOneState = ([Vec<u32>; 5], Bits, u64);

/// The solver's state after phase 1: count, worst, at, at_off, next, held.
#[derive(Debug, Clone)]
struct Snapshot {
    count: Vec<u32>,
    worst: Vec<u32>,
    at: Vec<u32>,
    at_off: Vec<u32>,
    next: Vec<u32>,
    held: Bits,
}

/// Reusable state of the proposal procedure (buffers kept between runs).
#[derive(Debug, Clone)]
pub struct Solver {
    count: Vec<u32>,
    worst: Vec<u32>,
    held: Bits,
    at: Vec<u32>,
    at_off: Vec<u32>,
    next: Vec<u32>,
    cnext: Vec<u32>,
    cmatched: Vec<bool>,
    /// Phase 1: per position [first seat, seats, count, unused].
    pos: Vec<[u32; 4]>,
    /// Phase 1: per position (and the sentinel), the least word it refuses: see
    /// [`propose_all`]. 4 bytes a position with narrow words, so the test of a proposal
    /// that is refused (most are) stays in L1.
    lim32: Vec<u32>,
    /// The same for wide words.
    lim64: Vec<u64>,
    /// Phase 1: per seat, strict offset << 32 | applicant; each position's seats a max-heap.
    seats: Vec<u64>,
    queue: VecDeque<u32>,
    vacancies: VecDeque<u32>,
    evicted: Vec<u32>,
    proposals: u64,
    /// Evictions (a held applicant displaced by a better one) in the last phase 1.
    evictions: u64,
    /// Matching after the singles-only phase, reused by every attempt.
    phase1: Option<Snapshot>,
}

impl Solver {
    /// Buffers sized for `inst`.
    pub fn new(inst: &Instance) -> Solver {
        let n = inst.applicant_count();
        Solver {
            count: vec![0; inst.position_count()],
            worst: vec![0; inst.position_count()],
            held: Bits::new(inst.emp_app.len()),
            at: vec![NONE; n],
            at_off: vec![NONE; n],
            next: vec![0; n],
            cnext: vec![0; inst.couple_count()],
            cmatched: vec![false; inst.couple_count()],
            pos: Vec::with_capacity(inst.position_count()),
            lim32: Vec::with_capacity(inst.position_count() + 1),
            lim64: Vec::new(),
            seats: Vec::new(),
            queue: VecDeque::new(),
            vacancies: VecDeque::new(),
            evicted: Vec::new(),
            proposals: 0,
            evictions: 0,
            phase1: None,
        }
    }

    /// Proposals made in the last phase or attempt.
    pub fn proposals(&self) -> u64 {
        self.proposals
    }

    /// Evictions in the last phase 1: proposals first held and later displaced.
    pub fn evictions(&self) -> u64 {
        self.evictions
    }

    /// The state phase 1 leaves (at, at_off, next, count, worst, held bits, proposals),
    /// for comparing the fast loop with its oracle.
    #[cfg(test)]
    pub(crate) fn phase1_state(&self) -> PhaseOneState {
        (
            [
                self.at.clone(),
                self.at_off.clone(),
                self.next.clone(),
                self.count.clone(),
                self.worst.clone(),
            ],
            self.held.clone(),
            self.proposals,
        )
    }

    /// Phase 1 alone (§6): deferred acceptance among the single applicants, with no
    /// verification. For instances without couples this is the whole matching; it is
    /// public for benchmarks. Returns the number of proposals.
    pub fn deferred_acceptance(&mut self, inst: &Instance, prep: &Prepared) -> u64 {
        self.singles(inst, prep);
        self.proposals
    }

    /// Runs the attempts (§6–8) and verifies the result. `rng` continues the stream
    /// after the lottery numbers.
    pub fn run(
        &mut self,
        inst: &Instance,
        prepared: Prepared,
        rng: &mut RandomStream,
    ) -> Result<Solution, Box<NoStableMatching>> {
        self.phase1 = None;
        self.singles(inst, &prepared);
        let p1_proposals = self.proposals;
        let mut attempts = Vec::new();
        let mut best: Option<(Matching, StabilityReport)> = None;
        let mut couples: Vec<u32> = (0..inst.couple_count() as u32).collect();
        for _ in 0..MAX_ATTEMPTS {
            // §7: every attempt enters the couples in a fresh random order.
            for (i, c) in couples.iter_mut().enumerate() {
                *c = i as u32;
            }
            rng.shuffle(&mut couples);
            self.restore_phase1();
            self.proposals = if attempts.is_empty() { p1_proposals } else { 0 };
            let (end, rounds) = self.couples(inst, &prepared, &couples);
            let matching = self.matching(inst);
            let report = check(inst, &prepared, &matching);
            attempts.push(AttemptReport {
                end,
                proposals: self.proposals,
                rounds,
                blocking: report.blocking_agents(),
            });
            if end == AttemptEnd::Stable && report.is_stable() {
                return Ok(Solution {
                    matching,
                    prepared,
                    attempts,
                    report,
                });
            }
            if best
                .as_ref()
                .is_none_or(|(_, r)| report.blocking_agents() < r.blocking_agents())
            {
                best = Some((matching, report));
            }
            if inst.couple_count() == 0 {
                // Without couples deferred acceptance cannot fail; a failed check is a defect
                // and is reported rather than retried.
                break;
            }
        }
        let (best, report) = best.unwrap_or_else(|| {
            let m = Matching::empty(inst);
            let r = check(inst, &prepared, &m);
            (m, r)
        });
        Err(Box::new(NoStableMatching {
            attempts,
            best,
            report,
        }))
    }

    /// The current matching.
    fn matching(&self, inst: &Instance) -> Matching {
        let mut m = Matching::empty(inst);
        for a in 0..inst.applicant_count() {
            m.position[a] = self.at[a];
            if self.at[a] != NONE && inst.couple_of[a] == NONE {
                m.entry[a] = self.next[a];
            }
        }
        for c in 0..inst.couple_count() {
            if self.cmatched[c] {
                m.pair[c] = self.cnext[c];
            }
        }
        m
    }

    fn restore_phase1(&mut self) {
        if let Some(s) = &self.phase1 {
            self.count.clone_from(&s.count);
            self.worst.clone_from(&s.worst);
            self.at.clone_from(&s.at);
            self.at_off.clone_from(&s.at_off);
            self.next.clone_from(&s.next);
            self.held.clone_from(&s.held);
        }
        self.cnext.iter_mut().for_each(|x| *x = 0);
        self.cmatched.iter_mut().for_each(|x| *x = false);
        self.queue.clear();
        self.vacancies.clear();
    }

    #[inline]
    fn hold(&mut self, inst: &Instance, p: usize, r: u32) {
        self.held.set((inst.emp_start[p] + r) as usize);
        self.count[p] += 1;
        if self.count[p] == 1 || r > self.worst[p] {
            self.worst[p] = r;
        }
    }

    /// Removes the entry at strict offset `r` of `p`, moving the worst pointer up if needed.
    #[inline]
    fn remove(&mut self, inst: &Instance, p: usize, r: u32) {
        let s = inst.emp_start[p] as usize;
        self.held.clear(s + r as usize);
        self.count[p] -= 1;
        if self.count[p] == 0 {
            self.worst[p] = 0;
        } else if r == self.worst[p] {
            let w = self.held.prev_set(s + r as usize, s).unwrap_or(s);
            self.worst[p] = (w - s) as u32;
        }
    }

    /// §6, phase 1: deferred acceptance among single applicants. Its result is the
    /// applicant-optimal stable matching of the singles, whatever the order, and so is the
    /// number of proposals (each applicant proposes down to the place they end in).
    ///
    /// Reads the layout prepared with the strict lists ([`SinglesLayout`]); the loop is
    /// [`propose_all`]. No allocation once the buffers have grown, no hashing. `at`,
    /// `at_off`, `next`, `count`, `worst` (and the held bits, when couples follow) are
    /// filled from the seats at the end.
    fn singles(&mut self, inst: &Instance, prep: &Prepared) {
        let lay = &prep.singles;
        self.pos.clear();
        let mut seat = 0u32;
        for p in 0..inst.position_count() {
            // A position never holds more than its list names: no seat beyond that.
            let listed = inst.emp_start[p + 1] - inst.emp_start[p];
            let cap = inst.capacity[p].min(listed);
            self.pos.push([seat, cap, 0, 0]);
            seat += cap;
        }
        // Every seat is written before it is read: no need to clear.
        if self.seats.len() < seat as usize {
            self.seats.resize(seat as usize, 0);
        }
        let seats = &mut self.seats[..seat as usize];
        let (proposals, evictions) = match &lay.words {
            Words::Narrow(words) => {
                fill_lim(&mut self.lim32, &self.pos, lay.shift);
                propose_all(
                    words,
                    lay.shift,
                    lay.end as usize,
                    &lay.first,
                    &mut self.lim32,
                    &mut self.pos,
                    seats,
                )
            }
            Words::Wide(words) => {
                fill_lim(&mut self.lim64, &self.pos, lay.shift);
                propose_all(
                    words,
                    lay.shift,
                    lay.end as usize,
                    &lay.first,
                    &mut self.lim64,
                    &mut self.pos,
                    seats,
                )
            }
        };
        self.proposals = proposals;
        self.evictions = evictions;
        // Unplaced singles went through their whole list; couple members did not start.
        for ((((next, at), at_off), &c), w) in self
            .next
            .iter_mut()
            .zip(&mut self.at)
            .zip(&mut self.at_off)
            .zip(&inst.couple_of)
            .zip(inst.rank_start.windows(2))
        {
            *next = if c == NONE { w[1] - w[0] } else { 0 };
            *at = NONE;
            *at_off = NONE;
        }
        for (p, st) in self.pos.iter().enumerate() {
            let held = &self.seats[st[0] as usize..(st[0] + st[2]) as usize];
            self.count[p] = st[2];
            self.worst[p] = held.first().map_or(0, |&k| (k >> 32) as u32);
            for &key in held {
                let back = lay.back[key as u32 as usize];
                let (a, off) = ((back >> BACK_SHIFT) as usize, back & BACK_MASK);
                self.at[a] = p as u32;
                self.at_off[a] = (key >> 32) as u32;
                self.next[a] = off;
            }
        }
        if inst.couple_count() > 0 {
            // Phase 2 works on the held bits: one per employer-list entry.
            self.held.clear_all();
            for (p, st) in self.pos.iter().enumerate() {
                let s = inst.emp_start[p] as usize;
                for &key in &self.seats[st[0] as usize..(st[0] + st[2]) as usize] {
                    self.held.set(s + (key >> 32) as usize);
                }
            }
            self.phase1 = Some(Snapshot {
                count: self.count.clone(),
                worst: self.worst.clone(),
                at: self.at.clone(),
                at_off: self.at_off.clone(),
                next: self.next.clone(),
                held: self.held.clone(),
            });
        }
    }

    /// The first fast phase 1 (applicant ids in the seats, a stack of evicted applicants,
    /// two arrays per rank list), kept as the oracle [`Solver::singles`] must equal: the
    /// same state, proposals and matching.
    ///
    /// The hot loop touches little memory: per applicant only `next` (placed = `next` inside
    /// the list); per position a 4-byte threshold for the test every proposal makes, and a
    /// 16-byte record (first seat, seats, count) read only when it is accepted; and per seat
    /// one `u64` (strict offset << 32 | applicant),
    /// the seats of a position kept as a bounded max-heap, so an eviction reads the worst held
    /// applicant from the heap's root instead of looking it up in the employer's list. No
    /// allocation beyond the seat array, no hashing. `at`, `at_off`, `count`, `worst` (and the
    /// held bits, when couples follow) are filled from it at the end.
    #[cfg(test)]
    pub(crate) fn singles_reference(&mut self, inst: &Instance, prep: &Prepared) {
        self.next.iter_mut().for_each(|x| *x = 0);
        let mut stack: Vec<u32> = Vec::new();
        stack.extend(
            (0..inst.applicant_count() as u32)
                .rev()
                .filter(|&a| inst.couple_of[a as usize] == NONE),
        );
        let (rank_start, rank_pos, rank_strict) =
            (&inst.rank_start, &inst.rank_pos, &prep.rank_strict);
        self.pos.clear();
        let mut thresh: Vec<u32> = Vec::new();
        let mut seat = 0u32;
        for p in 0..inst.position_count() {
            // A position never holds more than its list names: no seat beyond that.
            let listed = inst.emp_start[p + 1] - inst.emp_start[p];
            let cap = inst.capacity[p].min(listed);
            self.pos.push([seat, cap, 0, 0]);
            // Not full: takes any listed applicant (every strict offset is below NONE).
            thresh.push(if cap > 0 { NONE } else { 0 });
            seat += cap;
        }
        self.seats.clear();
        self.seats.resize(seat as usize, 0);
        let (pos, seats, next) = (&mut self.pos, &mut self.seats, &mut self.next);
        let mut proposals = 0u64;
        let mut evictions = 0u64;
        while let Some(a) = stack.pop() {
            let a = a as usize;
            let base = rank_start[a] as usize;
            let end = rank_start[a + 1] as usize;
            let mut i = base + next[a] as usize;
            while i < end {
                let r = rank_strict[i];
                // An unlisted entry (NONE) is no proposal and never below a threshold.
                proposals += u64::from(r != NONE);
                let p = rank_pos[i] as usize;
                if r < thresh[p] {
                    let [start, cap, count, _] = pos[p];
                    let key = (u64::from(r) << 32) | a as u64;
                    if count < cap {
                        let heap = &mut seats[start as usize..(start + count + 1) as usize];
                        heap_push(heap, key);
                        pos[p][2] = count + 1;
                        if count + 1 == cap {
                            thresh[p] = (heap[0] >> 32) as u32;
                        }
                    } else {
                        // Evict the worst held (the heap's root); the new worst is the root
                        // after the new entry sifts down.
                        let heap = &mut seats[start as usize..(start + cap) as usize];
                        let out = heap[0] as u32;
                        heap_replace_root(heap, key);
                        thresh[p] = (heap[0] >> 32) as u32;
                        next[out as usize] += 1;
                        evictions += 1;
                        stack.push(out);
                    }
                    break;
                }
                i += 1;
            }
            next[a] = (i - base) as u32;
        }
        for (p, st) in pos.iter().enumerate() {
            self.count[p] = st[2];
            self.worst[p] = if st[2] == 0 {
                0
            } else {
                (seats[st[0] as usize] >> 32) as u32
            };
        }
        self.proposals = proposals;
        self.evictions = evictions;
        for a in 0..inst.applicant_count() {
            let base = rank_start[a] as usize;
            let n = next[a] as usize;
            if inst.couple_of[a] == NONE && base + n < rank_start[a + 1] as usize {
                self.at[a] = rank_pos[base + n];
                self.at_off[a] = rank_strict[base + n];
            } else {
                self.at[a] = NONE;
                self.at_off[a] = NONE;
            }
        }
        if inst.couple_count() > 0 {
            // Phase 2 works on the held bits: one per employer-list entry.
            self.held.clear_all();
            for (p, st) in pos.iter().enumerate() {
                let s = inst.emp_start[p] as usize;
                for &key in &seats[st[0] as usize..(st[0] + st[2]) as usize] {
                    self.held.set(s + (key >> 32) as usize);
                }
            }
            self.phase1 = Some(Snapshot {
                count: self.count.clone(),
                worst: self.worst.clone(),
                at: self.at.clone(),
                at_off: self.at_off.clone(),
                next: self.next.clone(),
                held: self.held.clone(),
            });
        }
    }

    /// Withdraws applicant `a` from their position (if any) and records the vacancy.
    fn withdraw(&mut self, inst: &Instance, a: usize) {
        let p = self.at[a];
        if p != NONE {
            let r = self.at_off[a];
            self.remove(inst, p as usize, r);
            self.at[a] = NONE;
            self.at_off[a] = NONE;
            self.vacancies.push_back(p);
        }
    }

    /// §8 step 3: a freed place goes to the best single on the position's list who
    /// ranked it above what they hold now (the instability chain); that single's own
    /// place is freed in turn.
    fn fill_vacancies(&mut self, inst: &Instance, prep: &Prepared) {
        while let Some(q) = self.vacancies.pop_front() {
            let q = q as usize;
            let s = inst.emp_start[q] as usize;
            let e = inst.emp_start[q + 1] as usize;
            let mut off = 0;
            while self.count[q] < inst.capacity[q] && s + off < e {
                let k = s + off;
                let entry = prep.strict_entry[k];
                if !self.held.get(k) && entry != NONE {
                    let a = prep.strict_app[k] as usize;
                    if self.next[a] > entry {
                        self.withdraw(inst, a);
                        self.hold(inst, q, off as u32);
                        self.at[a] = q as u32;
                        self.at_off[a] = off as u32;
                        self.next[a] = entry;
                    }
                }
                off += 1;
            }
        }
    }

    /// After a commit: evicted singles go back in the queue with their next choice; a
    /// couple that lost a member withdraws the other and goes back with its next pair.
    fn handle_evicted(&mut self, inst: &Instance, prep: &Prepared) {
        let n = inst.applicant_count() as u32;
        let evicted = std::mem::take(&mut self.evicted);
        for &w in &evicted {
            let w = w as usize;
            let c = inst.couple_of[w];
            if c == NONE {
                self.next[w] += 1;
                self.queue.push_back(w as u32);
            } else if self.cmatched[c as usize] {
                let c = c as usize;
                self.cmatched[c] = false;
                for m in inst.members[c] {
                    self.withdraw(inst, m as usize);
                }
                self.cnext[c] += 1;
                self.queue.push_back(n + c as u32);
            }
        }
        self.evicted = evicted;
        self.evicted.clear();
        self.fill_vacancies(inst, prep);
    }

    /// The applicant-side proposals of phase 2 (§8) for one queued agent.
    fn propose(&mut self, inst: &Instance, prep: &Prepared, agent: u32) {
        let n = inst.applicant_count() as u32;
        if agent < n {
            let a = agent as usize;
            if self.at[a] != NONE {
                return;
            }
            let base = inst.rank_start[a] as usize;
            let len = inst.rank_start[a + 1] as usize - base;
            let mut i = self.next[a] as usize;
            while i < len {
                let r = prep.rank_strict[base + i];
                if r != NONE {
                    self.proposals += 1;
                    let p = inst.rank_pos[base + i] as usize;
                    if self.count[p] < inst.capacity[p] || r < self.worst[p] {
                        self.next[a] = i as u32;
                        self.place(inst, prep, p, r, a);
                        return self.handle_evicted(inst, prep);
                    }
                }
                i += 1;
            }
            self.next[a] = len as u32;
            return;
        }
        let c = (agent - n) as usize;
        if self.cmatched[c] {
            return;
        }
        let [m0, m1] = inst.members[c];
        let base = inst.pair_start[c] as usize;
        let len = inst.pair_start[c + 1] as usize - base;
        let mut j = self.cnext[c] as usize;
        while j < len {
            let [q0, q1] = inst.pair_pos[base + j];
            let [r0, r1] = prep.pair_strict[base + j];
            if (q0 == NONE || r0 != NONE) && (q1 == NONE || r1 != NONE) {
                self.proposals += 1;
                if self.accepts_pair(inst, [q0, q1], [r0, r1]) {
                    self.cnext[c] = j as u32;
                    self.cmatched[c] = true;
                    for (q, r, m) in [(q0, r0, m0), (q1, r1, m1)] {
                        if q != NONE {
                            self.place(inst, prep, q as usize, r, m as usize);
                        }
                    }
                    return self.handle_evicted(inst, prep);
                }
            }
            j += 1;
        }
        self.cnext[c] = len as u32;
    }

    /// Holds `a` at strict offset `r` of `p`, evicting the worst held if `p` overflows.
    fn place(&mut self, inst: &Instance, prep: &Prepared, p: usize, r: u32, a: usize) {
        self.hold(inst, p, r);
        self.at[a] = p as u32;
        self.at_off[a] = r;
        if self.count[p] > inst.capacity[p] {
            let s = inst.emp_start[p] as usize;
            let w = self.worst[p];
            let out = prep.strict_app[s + w as usize] as usize;
            self.remove(inst, p, w);
            self.at[out] = NONE;
            self.at_off[out] = NONE;
            self.evicted.push(out as u32);
        }
    }

    /// Would the pair be accepted now? Both members must be, at once (§8 step 2).
    fn accepts_pair(&self, inst: &Instance, q: [u32; 2], r: [u32; 2]) -> bool {
        let accepts = |p: u32, rank: u32| {
            p == NONE || {
                let p = p as usize;
                self.count[p] < inst.capacity[p] || rank < self.worst[p]
            }
        };
        if q[0] != NONE && q[0] == q[1] {
            let p = q[0] as usize;
            if self.count[p] + 2 <= inst.capacity[p] {
                return true;
            }
            let rmax = r[0].max(r[1]) as usize;
            let s = inst.emp_start[p] as usize;
            let better = self.held.count_range(s, s + rmax);
            better + 2 <= inst.capacity[p]
        } else {
            accepts(q[0], r[0]) && accepts(q[1], r[1])
        }
    }

    /// §8: couples enter in `order`; proposals until the queue is empty; then blocking
    /// agents are re-entered, until stable, a repeat, or a limit.
    fn couples(&mut self, inst: &Instance, prep: &Prepared, order: &[u32]) -> (AttemptEnd, u32) {
        if inst.couple_count() == 0 {
            return (AttemptEnd::Stable, 0);
        }
        let n = inst.applicant_count() as u32;
        let budget = PROPOSALS_PER_ENTRY * inst.entry_count() as u64 + PROPOSAL_SLACK;
        let start = self.proposals;
        self.queue.extend(order.iter().map(|&c| n + c));
        let mut seen: Vec<Vec<u32>> = Vec::new();
        let mut rounds = 0u32;
        loop {
            while let Some(agent) = self.queue.pop_front() {
                self.propose(inst, prep, agent);
                if self.proposals - start > budget {
                    return (AttemptEnd::ProposalLimit, rounds);
                }
            }
            rounds += 1;
            let matching = self.matching(inst);
            let report = check(inst, prep, &matching);
            if report.is_stable() {
                return (AttemptEnd::Stable, rounds);
            }
            if seen.contains(&self.at) {
                return (AttemptEnd::Cycle { round: rounds }, rounds);
            }
            if rounds >= MAX_ROUNDS {
                return (AttemptEnd::RoundLimit, rounds);
            }
            seen.push(self.at.clone());
            // Re-enter every blocking agent at its best blocking entry: singles first,
            // then couples, each in canonical order. Each withdraws and proposes at once,
            // before its freed places are refilled: otherwise the instability chain could
            // give away the very place the agent is blocking with.
            for b in &report.blocking_singles {
                let a = b.applicant as usize;
                self.withdraw(inst, a);
                self.next[a] = b.entry;
                self.propose(inst, prep, a as u32);
            }
            for b in &report.blocking_couples {
                let c = b.couple as usize;
                for m in inst.members[c] {
                    self.withdraw(inst, m as usize);
                }
                self.cmatched[c] = false;
                self.cnext[c] = b.pair;
                self.propose(inst, prep, n + c as u32);
            }
            self.fill_vacancies(inst, prep);
        }
    }
}

/// Adds `key` to the max-heap `heap[..n]`, where `heap` has length `n + 1` (the new slot last).
#[inline]
fn heap_push(heap: &mut [u64], key: u64) {
    let mut i = heap.len() - 1;
    while i > 0 {
        let parent = (i - 1) / 2;
        if heap[parent] >= key {
            break;
        }
        heap[i] = heap[parent];
        i = parent;
    }
    heap[i] = key;
}

/// Replaces the root (the largest) of the full max-heap `heap` with `key` and restores the heap.
#[inline]
fn heap_replace_root(heap: &mut [u64], key: u64) {
    let n = heap.len();
    let mut i = 0;
    loop {
        let l = 2 * i + 1;
        if l >= n {
            break;
        }
        let r = l + 1;
        let c = if r < n && heap[r] > heap[l] { r } else { l };
        if heap[c] <= key {
            break;
        }
        heap[i] = heap[c];
        i = c;
    }
    heap[i] = key;
}

/// Thresholds at the start of phase 1: a position with seats takes any listed applicant,
/// one without takes nobody; the sentinel (after the last) is always "taken", which ends
/// a list. `1 << shift` entries, the unused ones never read.
fn fill_lim<W: Word>(lim: &mut Vec<W>, pos: &[[u32; 4]], shift: u32) {
    lim.clear();
    lim.extend(
        pos.iter()
            .map(|st| if st[1] > 0 { W::MAX } else { W::ZERO }),
    );
    lim.push(W::MAX);
    lim.resize(1 << shift, W::MAX);
}
