//! Reproducible instances for the simulator and the benchmark (docs/matching.md §13).
//!
//! Everything is drawn from the lottery's ChaCha20 stream keyed by
//! SHA-256(`lis1-match-generator-v1` ‖ seed as 8 bytes little-endian), and only
//! `+ − × ÷` are used on floating-point numbers, so a seed gives the same instance
//! on every platform.
//!
//! Preferences are correlated: positions are grouped (regions for NRMP, the
//! hospital's advertisement for LIS1), groups have a popularity that falls off
//! like 1/(1 + k/5), and every applicant's utility mixes that common popularity
//! with an idiosyncratic part. Employers score applicants by a common quality plus
//! noise; for LIS1 the noise is shared by all positions of one advertisement (one
//! *innstilling* per advertisement).

use sha2::{Digest as _, Sha256};

use super::instance::{ApplicantInput, CoupleInput, MatchInputs, PositionInput};
use crate::lottery::RandomStream;

/// The shape of a generated instance.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratorParams {
    /// A label for the round.
    pub round: String,
    /// Number of applicants (couple members included).
    pub applicants: usize,
    /// Number of positions.
    pub positions: usize,
    /// Total places (sum of capacities, at least one per position).
    pub seats: usize,
    /// Positions each applicant applies to and ranks.
    pub ranked: usize,
    /// Couples (their members are the first `2 × couples` applicants).
    pub couples: usize,
    /// Groups of positions: regions (NRMP) or advertisements (LIS1).
    pub groups: usize,
    /// Weight of the common popularity in an applicant's utility, 0–1.
    pub common: f64,
    /// Chance that an employer ranks an applicant equal to the one above.
    pub tie_share: f64,
    /// Chance that an employer leaves an applicant off its list.
    pub unlisted_share: f64,
    /// One employer list per group (the same order for every position in it).
    pub list_per_group: bool,
}

impl GeneratorParams {
    /// NRMP size: 48,000 applicants, 6,000 programmes, 40,000 places, rank lists of 12,
    /// 1,000 couples, 50 regions, no ties.
    pub fn nrmp() -> GeneratorParams {
        GeneratorParams {
            round: "NRMP-size benchmark".into(),
            applicants: 48_000,
            positions: 6_000,
            seats: 40_000,
            ranked: 12,
            couples: 1_000,
            groups: 50,
            common: 0.5,
            tie_share: 0.0,
            unlisted_share: 0.05,
            list_per_group: false,
        }
    }

    /// LIS1 size: 1,200 applicants, 31 advertisements, 600 positions of one place,
    /// 17 ranked each, 10 couples, some ties in the employers' lists.
    pub fn lis1() -> GeneratorParams {
        GeneratorParams {
            round: "LIS1-size simulation".into(),
            applicants: 1_200,
            positions: 600,
            seats: 600,
            ranked: 17,
            couples: 10,
            groups: 31,
            common: 0.6,
            tie_share: 0.05,
            unlisted_share: 0.05,
            list_per_group: true,
        }
    }

    /// The same shape without couples.
    pub fn without_couples(mut self) -> GeneratorParams {
        self.couples = 0;
        self
    }
}

struct Gen(RandomStream);

impl Gen {
    fn unit(&mut self) -> f64 {
        f64::from(self.0.next_u32()) / 4_294_967_296.0
    }
    fn below(&mut self, n: usize) -> usize {
        self.0.uniform(n.max(1) as u32) as usize
    }
    /// Roughly normal: the sum of four uniforms, centred.
    fn bell(&mut self) -> f64 {
        self.unit() + self.unit() + self.unit() + self.unit() - 2.0
    }
}

fn width(n: usize) -> usize {
    n.max(1).to_string().len()
}

/// Generates an instance. The same `params` and `seed` always give the same inputs.
pub fn generate(params: &GeneratorParams, seed: u64) -> MatchInputs {
    let mut h = Sha256::new();
    h.update(b"lis1-match-generator-v1");
    h.update(seed.to_le_bytes());
    let key: [u8; 32] = h.finalize().into();
    let mut g = Gen(RandomStream::new(&key));
    let n_pos = params.positions.max(1);
    let n_app = params.applicants.max(1);
    let groups = params.groups.clamp(1, n_pos);
    let couples = params.couples.min(n_app / 2);
    let ranked = params.ranked.clamp(1, n_pos);

    // Positions: contiguous groups, capacities 1 + a uniform share of the rest.
    let group_of = |p: usize| p * groups / n_pos;
    let group_start: Vec<usize> = (0..=groups).map(|k| (k * n_pos).div_ceil(groups)).collect();
    let mut capacity = vec![1u32; n_pos];
    for _ in n_pos..params.seats.max(n_pos) {
        capacity[g.below(n_pos)] += 1;
    }
    let group_weight: Vec<f64> = (0..groups).map(|k| 1.0 / (1.0 + k as f64 / 5.0)).collect();
    let weight: Vec<f64> = (0..n_pos)
        .map(|p| group_weight[group_of(p)] * (0.5 + g.unit()))
        .collect();
    let max_w = weight.iter().copied().fold(0.0, f64::max);
    let mut cum = Vec::with_capacity(n_pos + 1);
    cum.push(0.0);
    for &w in &weight {
        let last = cum.last().copied().unwrap_or(0.0);
        cum.push(last + w);
    }
    // Weighted pick of a position in [lo, hi).
    let pick = |g: &mut Gen, lo: usize, hi: usize| -> usize {
        let x = cum[lo] + g.unit() * (cum[hi] - cum[lo]);
        let i = cum.partition_point(|&c| c <= x);
        i.saturating_sub(1).clamp(lo, hi - 1)
    };
    let pw = width(n_pos);
    let aw = width(n_app);
    let pid = |p: usize| format!("p-{:0pw$}", p + 1);
    let aid = |a: usize| format!("a-{:0aw$}", a + 1);

    // Each applicant's chosen positions, best first.
    let mut chosen: Vec<Vec<usize>> = Vec::with_capacity(n_app);
    let mut couple_group = vec![0usize; couples];
    for a in 0..n_app {
        let (lo, hi) = if a < 2 * couples {
            // A couple looks in one region (or one advertisement's hospital) and the next.
            if a % 2 == 0 {
                couple_group[a / 2] = group_of(pick(&mut g, 0, n_pos));
            }
            let k = couple_group[a / 2];
            (group_start[k], group_start[(k + 2).min(groups)])
        } else {
            (0, n_pos)
        };
        let want = ranked.min(hi - lo);
        let mut list: Vec<(f64, usize)> = Vec::with_capacity(want);
        let mut tries = 0;
        while list.len() < want && tries < 50 * want {
            tries += 1;
            let p = pick(&mut g, lo, hi);
            if !list.iter().any(|&(_, q)| q == p) {
                let u = params.common * weight[p] / max_w + (1.0 - params.common) * g.unit();
                list.push((u, p));
            }
        }
        list.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        chosen.push(list.into_iter().map(|(_, p)| p).collect());
    }

    // Employers: quality + noise (per position, or per group for LIS1).
    let quality: Vec<f64> = (0..n_app).map(|_| g.bell()).collect();
    let mut applied_to: Vec<Vec<(f64, usize)>> = vec![Vec::new(); n_pos];
    for (a, list) in chosen.iter().enumerate() {
        let mut group_noise: Vec<(usize, f64)> = Vec::new();
        for &p in list {
            let noise = if params.list_per_group {
                let k = group_of(p);
                match group_noise.iter().find(|&&(x, _)| x == k) {
                    Some(&(_, n)) => n,
                    None => {
                        let n = g.bell();
                        group_noise.push((k, n));
                        n
                    }
                }
            } else {
                g.bell()
            };
            if g.unit() >= params.unlisted_share {
                applied_to[p].push((quality[a] + noise, a));
            }
        }
    }
    let positions = (0..n_pos)
        .map(|p| {
            let list = &mut applied_to[p];
            list.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
            let mut ranking: Vec<Vec<String>> = Vec::new();
            for &(_, a) in list.iter() {
                match ranking.last_mut() {
                    Some(tier) if g.unit() < params.tie_share => tier.push(aid(a)),
                    _ => ranking.push(vec![aid(a)]),
                }
            }
            PositionInput {
                id: pid(p),
                capacity: capacity[p],
                ranking,
            }
        })
        .collect();

    let applicants = chosen
        .iter()
        .enumerate()
        .map(|(a, list)| ApplicantInput {
            id: aid(a),
            applied: list.iter().map(|&p| pid(p)).collect(),
            ranking: if a < 2 * couples {
                Vec::new()
            } else {
                list.iter().map(|&p| pid(p)).collect()
            },
        })
        .collect();

    // Couples rank pairs by the sum of the members' places in their own orders, then
    // (one in five) a last pair where one works and the other waits.
    let cw = width(couples);
    let couples = (0..couples)
        .map(|c| {
            let (l0, l1) = (&chosen[2 * c], &chosen[2 * c + 1]);
            let mut pairs: Vec<(usize, usize, usize)> = Vec::new();
            for (i, &x) in l0.iter().enumerate() {
                for (j, &y) in l1.iter().enumerate() {
                    pairs.push((i + j, x, y));
                }
            }
            pairs.sort();
            let mut out: Vec<[Option<String>; 2]> = pairs
                .into_iter()
                .take(2 * ranked)
                .map(|(_, x, y)| [Some(pid(x)), Some(pid(y))])
                .collect();
            if g.below(5) == 0
                && let Some(&x) = l0.first()
            {
                out.push([Some(pid(x)), None]);
            }
            CoupleInput {
                id: format!("c-{:0cw$}", c + 1),
                members: [aid(2 * c), aid(2 * c + 1)],
                pairs: out,
            }
        })
        .collect();

    MatchInputs {
        round: params.round.clone(),
        positions,
        applicants,
        couples,
    }
}
