//! Match inputs: parsing at the edge, validation, the canonical bytes that are
//! hashed into the input commitment, and the compact index form the solver
//! works on (docs/matching.md §3–4).

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::MatchError;
use super::error::IdKind;
use crate::lottery::Sha256Digest;

/// The `format` value of the canonical inputs.
pub const INPUTS_FORMAT: &str = "lis1-match-v1";
/// Most applicants in one match.
pub const MAX_APPLICANTS: usize = 200_000;
/// Most positions in one match.
pub const MAX_POSITIONS: usize = 100_000;
/// Most couples in one match.
pub const MAX_COUPLES: usize = 50_000;
/// Most places behind one position.
pub const MAX_CAPACITY: u32 = 10_000;
/// Longest rank list of one applicant, and longest pair list of one couple.
pub const MAX_RANKED: usize = 1_000;
/// Longest id, in characters.
const MAX_ID_CHARS: usize = 64;
/// Longest round label, in characters.
const MAX_LABEL_CHARS: usize = 200;

/// "No entry" in the index arrays.
pub(crate) const NONE: u32 = u32::MAX;

/// An opaque, stable id of a position, applicant or couple, such as `p-17`.
/// No names or national ids go into a match: the export is public.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct MatchId(String);

impl MatchId {
    /// 1–64 characters from `A–Z a–z 0–9 . _ -`.
    pub fn parse(kind: IdKind, s: &str) -> Result<MatchId, MatchError> {
        let ok = !s.is_empty()
            && s.len() <= MAX_ID_CHARS
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if ok {
            Ok(MatchId(s.to_owned()))
        } else {
            Err(MatchError::InvalidId {
                kind,
                value: s.to_owned(),
            })
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A position (*stilling*) with its capacity and the employer's rank order list
/// (the *innstilling*).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositionInput {
    /// Opaque id.
    pub id: String,
    /// Number of doctors the position takes, 1..=[`MAX_CAPACITY`].
    pub capacity: u32,
    /// The employer's rank order list, best first, as groups of equally ranked
    /// applicants (`[["a-3"], ["a-1", "a-7"]]`: a-3 first, then a-1 and a-7 tied).
    /// Every applicant named must have applied; applicants left out are not acceptable.
    pub ranking: Vec<Vec<String>>,
}

/// An applicant (*søker*): the positions applied to and, for a single applicant,
/// their rank list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicantInput {
    /// Opaque id.
    pub id: String,
    /// The positions applied to (a set: order does not matter).
    pub applied: Vec<String>,
    /// Positions applied to, best first; need not name all. Empty for a couple member.
    pub ranking: Vec<String>,
}

/// Two applicants who want to be placed together: both or neither, in a pair they rank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoupleInput {
    /// Opaque id.
    pub id: String,
    /// The two applicant ids.
    pub members: [String; 2],
    /// Pairs of positions, best first: entry `[x, y]` places `members[0]` in `x` and
    /// `members[1]` in `y`. One side may be `null`: that member stays unplaced
    /// while the other takes the position (Roth–Peranson allow this; both `null` is refused).
    pub pairs: Vec<[Option<String>; 2]>,
}

/// The inputs as the portal or a file provides them; [`MatchInputs::validate`] turns
/// them into an [`Instance`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchInputs {
    /// A label for the round, e.g. `Våren 2027, Helse Midt-Norge`.
    pub round: String,
    /// The positions.
    pub positions: Vec<PositionInput>,
    /// The applicants.
    pub applicants: Vec<ApplicantInput>,
    /// Couples (may be empty).
    #[serde(default)]
    pub couples: Vec<CoupleInput>,
}

/// The inputs in the shape of the canonical JSON, as embedded in an export file
/// ([`MatchInputs`] with a `format` field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputsDocument {
    /// Applicants.
    pub applicants: Vec<ApplicantInput>,
    /// Couples.
    pub couples: Vec<CoupleInput>,
    /// Must be [`INPUTS_FORMAT`].
    pub format: String,
    /// Positions.
    pub positions: Vec<PositionInput>,
    /// Round label.
    pub round: String,
}

impl InputsDocument {
    /// Converts to [`MatchInputs`]; fails only on an unknown `format`.
    pub fn into_inputs(self) -> Result<MatchInputs, MatchError> {
        if self.format != INPUTS_FORMAT {
            return Err(MatchError::UnknownFormat { found: self.format });
        }
        Ok(MatchInputs {
            round: self.round,
            positions: self.positions,
            applicants: self.applicants,
            couples: self.couples,
        })
    }

    /// Converts and validates.
    pub fn validate(self) -> Result<Instance, MatchError> {
        self.into_inputs()?.validate()
    }
}

/// Inputs that passed validation, in canonical order (positions, applicants and
/// couples by id, byte order), held as compact index arrays (CSR: one flat array per
/// kind of list plus start offsets), so the solver never touches a string or a hash map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub(crate) round: String,
    pub(crate) position_ids: Vec<MatchId>,
    pub(crate) applicant_ids: Vec<MatchId>,
    pub(crate) couple_ids: Vec<MatchId>,
    pub(crate) capacity: Vec<u32>,
    /// Applications: `applied[applied_start[a]..applied_start[a + 1]]`, sorted.
    pub(crate) applied_start: Vec<u32>,
    pub(crate) applied: Vec<u32>,
    /// Employer lists in canonical order (tiers in order, by id within a tier):
    /// `emp_app[emp_start[p]..emp_start[p + 1]]`.
    pub(crate) emp_start: Vec<u32>,
    pub(crate) emp_app: Vec<u32>,
    /// 0-based number of the tier of each employer-list entry.
    pub(crate) emp_tier: Vec<u32>,
    /// The employer's rank of each entry as people read it: 1 + the number of
    /// applicants in better tiers ("1, 2, 2, 4").
    pub(crate) emp_rank: Vec<u32>,
    /// Singles' rank lists: `rank_pos[rank_start[a]..rank_start[a + 1]]`.
    pub(crate) rank_start: Vec<u32>,
    pub(crate) rank_pos: Vec<u32>,
    /// For each rank-list entry, the entry's offset in the position's employer list, or NONE.
    pub(crate) rank_emp: Vec<u32>,
    /// For each employer-list entry, the offset of the position in the applicant's rank
    /// list (relative to `rank_start[a]`), or NONE (not ranked, or a couple member).
    pub(crate) emp_rank_entry: Vec<u32>,
    /// Couple of each applicant, or NONE.
    pub(crate) couple_of: Vec<u32>,
    /// The two members of each couple, in id order.
    pub(crate) members: Vec<[u32; 2]>,
    /// Couples' pair lists: `pair_pos[pair_start[c]..pair_start[c + 1]]`, NONE for "no position".
    pub(crate) pair_start: Vec<u32>,
    pub(crate) pair_pos: Vec<[u32; 2]>,
    /// Offset of each member in the pair's position's employer list, or NONE.
    pub(crate) pair_emp: Vec<[u32; 2]>,
    pub(crate) inputs_sha256: Sha256Digest,
}

fn check_label(s: &str) -> Result<(), MatchError> {
    let n = s.chars().count();
    let ok = (1..=MAX_LABEL_CHARS).contains(&n)
        && !s.starts_with(char::is_whitespace)
        && !s.ends_with(char::is_whitespace)
        // With these excluded, every JSON encoder writes the string verbatim.
        && !s.chars().any(|c| c.is_control() || matches!(c, '"' | '\\' | '\u{2028}' | '\u{2029}'));
    if ok {
        Ok(())
    } else {
        Err(MatchError::InvalidLabel {
            value: s.to_owned(),
        })
    }
}

/// Sorted ids, the canonical index of each input entry, and a lookup by id.
type IdIndex<'a> = (Vec<MatchId>, Vec<u32>, HashMap<&'a str, u32>);

/// Sorts ids (byte order), refusing invalid and repeated ones; returns the sorted ids,
/// the canonical index of each input entry, and a lookup map.
fn index_ids<'a>(
    kind: IdKind,
    ids: impl Iterator<Item = &'a str>,
) -> Result<IdIndex<'a>, MatchError> {
    let raw: Vec<&str> = ids.collect();
    for s in &raw {
        MatchId::parse(kind, s)?;
    }
    let mut order: Vec<u32> = (0..raw.len() as u32).collect();
    order.sort_unstable_by(|&x, &y| raw[x as usize].cmp(raw[y as usize]));
    for w in order.windows(2) {
        if raw[w[0] as usize] == raw[w[1] as usize] {
            return Err(MatchError::DuplicateId {
                kind,
                id: raw[w[1] as usize].to_owned(),
            });
        }
    }
    let mut canon = vec![0u32; raw.len()];
    let mut map = HashMap::with_capacity(raw.len());
    let mut sorted = Vec::with_capacity(raw.len());
    for (i, &input) in order.iter().enumerate() {
        canon[input as usize] = i as u32;
        map.insert(raw[input as usize], i as u32);
        sorted.push(MatchId(raw[input as usize].to_owned()));
    }
    Ok((sorted, canon, map))
}

impl MatchInputs {
    /// Checks every rule of docs/matching.md §3 and returns the inputs in canonical,
    /// compact form. The first problem found is returned, naming the entry.
    pub fn validate(self) -> Result<Instance, MatchError> {
        check_label(&self.round)?;
        for (what, n, limit, kind) in [
            (
                "positions",
                self.positions.len(),
                MAX_POSITIONS,
                IdKind::Position,
            ),
            (
                "applicants",
                self.applicants.len(),
                MAX_APPLICANTS,
                IdKind::Applicant,
            ),
            ("couples", self.couples.len(), MAX_COUPLES, IdKind::Couple),
        ] {
            if n > limit {
                return Err(MatchError::TooLarge { what, limit });
            }
            if n == 0 && kind != IdKind::Couple {
                return Err(MatchError::Empty { kind });
            }
        }
        let (position_ids, pos_canon, pos_map) = index_ids(
            IdKind::Position,
            self.positions.iter().map(|p| p.id.as_str()),
        )?;
        let (applicant_ids, app_canon, app_map) = index_ids(
            IdKind::Applicant,
            self.applicants.iter().map(|a| a.id.as_str()),
        )?;
        let (couple_ids, couple_canon, _) =
            index_ids(IdKind::Couple, self.couples.iter().map(|c| c.id.as_str()))?;
        let n_pos = position_ids.len();
        let n_app = applicant_ids.len();

        let mut capacity = vec![0u32; n_pos];
        for (i, p) in self.positions.iter().enumerate() {
            if p.capacity == 0 || p.capacity > MAX_CAPACITY {
                return Err(MatchError::InvalidCapacity {
                    position: p.id.clone(),
                    capacity: p.capacity,
                });
            }
            capacity[pos_canon[i] as usize] = p.capacity;
        }
        let position = |owner: &str, id: &str| {
            pos_map
                .get(id)
                .copied()
                .ok_or_else(|| MatchError::UnknownPosition {
                    owner: owner.to_owned(),
                    position: id.to_owned(),
                })
        };
        let applicant = |owner: &str, id: &str| {
            app_map
                .get(id)
                .copied()
                .ok_or_else(|| MatchError::UnknownApplicant {
                    owner: owner.to_owned(),
                    applicant: id.to_owned(),
                })
        };

        // Applicants in canonical order: applications (sorted) and rank lists.
        let mut by_canon: Vec<&ApplicantInput> = vec![&self.applicants[0]; n_app];
        for (i, a) in self.applicants.iter().enumerate() {
            by_canon[app_canon[i] as usize] = a;
        }
        // Stamps instead of per-applicant sets: `applied_mark[p] == a + 1` means a applied to p.
        let mut applied_mark = vec![0u32; n_pos];
        let mut ranked_mark = vec![0u32; n_pos];
        let mut applied_start = Vec::with_capacity(n_app + 1);
        let mut applied = Vec::new();
        let mut rank_start = Vec::with_capacity(n_app + 1);
        let mut rank_pos = Vec::new();
        for (ai, a) in by_canon.iter().enumerate() {
            let stamp = ai as u32 + 1;
            applied_start.push(applied.len() as u32);
            let first = applied.len();
            for id in &a.applied {
                let p = position(&a.id, id)?;
                if applied_mark[p as usize] == stamp {
                    return Err(MatchError::DuplicateApplication {
                        applicant: a.id.clone(),
                        position: id.clone(),
                    });
                }
                applied_mark[p as usize] = stamp;
                applied.push(p);
            }
            applied[first..].sort_unstable();
            rank_start.push(rank_pos.len() as u32);
            if a.ranking.len() > MAX_RANKED {
                return Err(MatchError::TooLarge {
                    what: "ranked positions",
                    limit: MAX_RANKED,
                });
            }
            for id in &a.ranking {
                let p = position(&a.id, id)?;
                if applied_mark[p as usize] != stamp {
                    return Err(MatchError::RankedWithoutApplying {
                        applicant: a.id.clone(),
                        position: id.clone(),
                    });
                }
                if ranked_mark[p as usize] == stamp {
                    return Err(MatchError::DuplicateRank {
                        applicant: a.id.clone(),
                        position: id.clone(),
                    });
                }
                ranked_mark[p as usize] = stamp;
                rank_pos.push(p);
            }
        }
        applied_start.push(applied.len() as u32);
        rank_start.push(rank_pos.len() as u32);

        // Who applied where, from the positions' side, to check the employers' lists.
        let mut appl_start = vec![0u32; n_pos + 1];
        for &p in &applied {
            appl_start[p as usize + 1] += 1;
        }
        for p in 0..n_pos {
            appl_start[p + 1] += appl_start[p];
        }
        let mut fill = appl_start.clone();
        let mut appl = vec![0u32; applied.len()];
        for a in 0..n_app {
            for &p in &applied[applied_start[a] as usize..applied_start[a + 1] as usize] {
                appl[fill[p as usize] as usize] = a as u32;
                fill[p as usize] += 1;
            }
        }

        // Employer lists in canonical order: tiers as given, by id within a tier.
        let mut pos_by_canon: Vec<&PositionInput> = vec![&self.positions[0]; n_pos];
        for (i, p) in self.positions.iter().enumerate() {
            pos_by_canon[pos_canon[i] as usize] = p;
        }
        let mut app_mark = vec![0u32; n_app];
        let mut listed_mark = vec![0u32; n_app];
        let mut emp_start = Vec::with_capacity(n_pos + 1);
        let mut emp_app = Vec::new();
        let mut emp_tier = Vec::new();
        let mut emp_rank = Vec::new();
        for (pi, p) in pos_by_canon.iter().enumerate() {
            let stamp = pi as u32 + 1;
            for &a in &appl[appl_start[pi] as usize..appl_start[pi + 1] as usize] {
                app_mark[a as usize] = stamp;
            }
            emp_start.push(emp_app.len() as u32);
            let first = emp_app.len();
            for (t, tier) in p.ranking.iter().enumerate() {
                if tier.is_empty() {
                    return Err(MatchError::EmptyTier {
                        position: p.id.clone(),
                        tier: t + 1,
                    });
                }
                let rank = (emp_app.len() - first) as u32 + 1;
                let tier_first = emp_app.len();
                for id in tier {
                    let a = applicant(&p.id, id)?;
                    if app_mark[a as usize] != stamp {
                        return Err(MatchError::ListedWithoutApplying {
                            position: p.id.clone(),
                            applicant: id.clone(),
                        });
                    }
                    if listed_mark[a as usize] == stamp {
                        return Err(MatchError::DuplicateListEntry {
                            position: p.id.clone(),
                            applicant: id.clone(),
                        });
                    }
                    listed_mark[a as usize] = stamp;
                    emp_app.push(a);
                    emp_tier.push(t as u32);
                    emp_rank.push(rank);
                }
                // Canonical index order is id order.
                emp_app[tier_first..].sort_unstable();
            }
        }
        emp_start.push(emp_app.len() as u32);

        // Couples.
        let n_couples = couple_ids.len();
        let mut couple_of = vec![NONE; n_app];
        let mut couples_by_canon: Vec<Option<&CoupleInput>> = vec![None; n_couples];
        for (i, c) in self.couples.iter().enumerate() {
            couples_by_canon[couple_canon[i] as usize] = Some(c);
        }
        let couples_by_canon: Vec<&CoupleInput> = couples_by_canon.into_iter().flatten().collect();
        let mut members = Vec::with_capacity(n_couples);
        let mut pair_start = Vec::with_capacity(n_couples + 1);
        let mut pair_pos: Vec<[u32; 2]> = Vec::new();
        for (ci, c) in couples_by_canon.iter().enumerate() {
            let m0 = applicant(&c.id, &c.members[0])?;
            let m1 = applicant(&c.id, &c.members[1])?;
            if m0 == m1 {
                return Err(MatchError::CoupleWithItself {
                    couple: c.id.clone(),
                });
            }
            for m in [m0, m1] {
                let prior = couple_of[m as usize];
                if prior != NONE {
                    return Err(MatchError::MemberOfTwoCouples {
                        applicant: applicant_ids[m as usize].0.clone(),
                        first: couple_ids[prior as usize].0.clone(),
                        second: c.id.clone(),
                    });
                }
                couple_of[m as usize] = ci as u32;
                if rank_start[m as usize + 1] > rank_start[m as usize] {
                    return Err(MatchError::CoupleMemberRanksAlone {
                        couple: c.id.clone(),
                        applicant: applicant_ids[m as usize].0.clone(),
                    });
                }
            }
            if c.pairs.len() > MAX_RANKED {
                return Err(MatchError::TooLarge {
                    what: "ranked pairs",
                    limit: MAX_RANKED,
                });
            }
            // Canonical: members in id order, pair entries swapped to match.
            let swap = m1 < m0;
            members.push(if swap { [m1, m0] } else { [m0, m1] });
            pair_start.push(pair_pos.len() as u32);
            let first = pair_pos.len();
            for (j, pair) in c.pairs.iter().enumerate() {
                let mut idx = [NONE; 2];
                for (k, (entry, m)) in pair.iter().zip([m0, m1]).enumerate() {
                    if let Some(id) = entry {
                        let p = position(&c.id, id)?;
                        let (s, e) = (
                            applied_start[m as usize] as usize,
                            applied_start[m as usize + 1] as usize,
                        );
                        if applied[s..e].binary_search(&p).is_err() {
                            return Err(MatchError::PairWithoutApplying {
                                couple: c.id.clone(),
                                pair: j + 1,
                                applicant: applicant_ids[m as usize].0.clone(),
                                position: id.clone(),
                            });
                        }
                        idx[k] = p;
                    }
                }
                if idx == [NONE; 2] {
                    return Err(MatchError::EmptyPair {
                        couple: c.id.clone(),
                        pair: j + 1,
                    });
                }
                if swap {
                    idx.swap(0, 1);
                }
                if pair_pos[first..].contains(&idx) {
                    return Err(MatchError::DuplicatePair {
                        couple: c.id.clone(),
                        pair: j + 1,
                    });
                }
                pair_pos.push(idx);
            }
        }
        pair_start.push(pair_pos.len() as u32);

        let mut inst = Instance {
            round: self.round,
            position_ids,
            applicant_ids,
            couple_ids,
            capacity,
            applied_start,
            applied,
            emp_start,
            emp_app,
            emp_tier,
            emp_rank,
            rank_start,
            rank_pos,
            rank_emp: Vec::new(),
            emp_rank_entry: Vec::new(),
            couple_of,
            members,
            pair_start,
            pair_pos,
            pair_emp: Vec::new(),
            inputs_sha256: Sha256Digest::from_bytes([0; 32]),
        };
        inst.link();
        inst.inputs_sha256 = Sha256Digest::of(&canonical_bytes(&inst));
        Ok(inst)
    }
}

impl Instance {
    /// Fills the cross references between rank lists and employer lists.
    fn link(&mut self) {
        self.rank_emp = vec![NONE; self.rank_pos.len()];
        self.emp_rank_entry = vec![NONE; self.emp_app.len()];
        let mut member_entries: Vec<(u32, u32, u32)> = Vec::new();
        for p in 0..self.position_ids.len() {
            let (s, e) = (self.emp_start[p], self.emp_start[p + 1]);
            for k in s..e {
                let a = self.emp_app[k as usize] as usize;
                if self.couple_of[a] != NONE {
                    member_entries.push((a as u32, p as u32, k - s));
                    continue;
                }
                let (rs, re) = (self.rank_start[a], self.rank_start[a + 1]);
                if let Some(i) = (rs..re).find(|&i| self.rank_pos[i as usize] == p as u32) {
                    self.rank_emp[i as usize] = k - s;
                    self.emp_rank_entry[k as usize] = i - rs;
                }
            }
        }
        member_entries.sort_unstable();
        self.pair_emp = self
            .pair_pos
            .iter()
            .enumerate()
            .map(|(i, pair)| {
                // The couple of pair entry i: found through pair_start.
                let c = self.pair_start.partition_point(|&s| s as usize <= i) - 1;
                let ms = self.members[c];
                let mut out = [NONE; 2];
                for k in 0..2 {
                    if pair[k] != NONE {
                        let key = (ms[k], pair[k]);
                        if let Ok(j) =
                            member_entries.binary_search_by(|&(a, p, _)| (a, p).cmp(&key))
                        {
                            out[k] = member_entries[j].2;
                        }
                    }
                }
                out
            })
            .collect();
    }

    /// The round label.
    pub fn round(&self) -> &str {
        &self.round
    }

    /// Position ids in canonical order (index = position number).
    pub fn position_ids(&self) -> &[MatchId] {
        &self.position_ids
    }

    /// Applicant ids in canonical order (index = applicant number).
    pub fn applicant_ids(&self) -> &[MatchId] {
        &self.applicant_ids
    }

    /// Couple ids in canonical order.
    pub fn couple_ids(&self) -> &[MatchId] {
        &self.couple_ids
    }

    /// Number of positions.
    pub fn position_count(&self) -> usize {
        self.position_ids.len()
    }

    /// Number of applicants.
    pub fn applicant_count(&self) -> usize {
        self.applicant_ids.len()
    }

    /// Number of couples.
    pub fn couple_count(&self) -> usize {
        self.couple_ids.len()
    }

    /// Capacity of position `p`.
    pub fn capacity(&self, p: usize) -> u32 {
        self.capacity[p]
    }

    /// Total number of places (sum of capacities).
    pub fn seats(&self) -> u64 {
        self.capacity.iter().map(|&c| u64::from(c)).sum()
    }

    /// Single applicant `a`'s rank list (position numbers, best first); empty for a couple member.
    pub fn ranking(&self, a: usize) -> &[u32] {
        &self.rank_pos[self.rank_start[a] as usize..self.rank_start[a + 1] as usize]
    }

    /// Positions applicant `a` applied to (sorted).
    pub fn applied(&self, a: usize) -> &[u32] {
        &self.applied[self.applied_start[a] as usize..self.applied_start[a + 1] as usize]
    }

    /// Position `p`'s employer list in canonical order (applicant numbers).
    pub fn employer_list(&self, p: usize) -> &[u32] {
        &self.emp_app[self.emp_start[p] as usize..self.emp_start[p + 1] as usize]
    }

    /// The couple applicant `a` belongs to, if any.
    pub fn couple_of(&self, a: usize) -> Option<usize> {
        let c = self.couple_of[a];
        (c != NONE).then_some(c as usize)
    }

    /// The two members of couple `c` (applicant numbers, id order).
    pub fn members(&self, c: usize) -> [u32; 2] {
        self.members[c]
    }

    /// Couple `c`'s pairs, best first; `None` is "no position" for that member.
    pub fn pairs(&self, c: usize) -> impl Iterator<Item = [Option<u32>; 2]> + '_ {
        self.pair_pos[self.pair_start[c] as usize..self.pair_start[c + 1] as usize]
            .iter()
            .map(|pr| pr.map(|p| (p != NONE).then_some(p)))
    }

    /// True when some employer list ranks two or more applicants equally.
    pub fn has_ties(&self) -> bool {
        (0..self.position_count()).any(|p| {
            let (s, e) = (self.emp_start[p] as usize, self.emp_start[p + 1] as usize);
            self.emp_tier[s..e].windows(2).any(|w| w[0] == w[1])
        })
    }

    /// Number of rank-list entries (singles) plus pair entries (couples).
    pub fn entry_count(&self) -> usize {
        self.rank_pos.len() + self.pair_pos.len()
    }

    /// SHA-256 of [`canonical_bytes`]: the input commitment.
    pub fn inputs_sha256(&self) -> Sha256Digest {
        self.inputs_sha256
    }

    /// Bytes held by the index arrays (not the ids): what the solver reads.
    pub fn heap_bytes(&self) -> usize {
        let u = std::mem::size_of::<u32>();
        u * (self.capacity.len()
            + self.applied_start.len()
            + self.applied.len()
            + self.emp_start.len()
            + self.emp_app.len() * 4
            + self.rank_start.len()
            + self.rank_pos.len() * 2
            + self.couple_of.len()
            + self.members.len() * 2
            + self.pair_start.len()
            + self.pair_pos.len() * 4)
    }

    /// The inputs as the JSON object embedded in an export (canonical order).
    pub fn to_document(&self) -> InputsDocument {
        let pid = |p: u32| self.position_ids[p as usize].0.clone();
        let aid = |a: u32| self.applicant_ids[a as usize].0.clone();
        InputsDocument {
            applicants: (0..self.applicant_count())
                .map(|a| ApplicantInput {
                    id: aid(a as u32),
                    applied: self.applied(a).iter().map(|&p| pid(p)).collect(),
                    ranking: self.ranking(a).iter().map(|&p| pid(p)).collect(),
                })
                .collect(),
            couples: (0..self.couple_count())
                .map(|c| CoupleInput {
                    id: self.couple_ids[c].0.clone(),
                    members: self.members[c].map(aid),
                    pairs: self.pairs(c).map(|pr| pr.map(|p| p.map(pid))).collect(),
                })
                .collect(),
            format: INPUTS_FORMAT.to_owned(),
            positions: (0..self.position_count())
                .map(|p| PositionInput {
                    id: pid(p as u32),
                    capacity: self.capacity[p],
                    ranking: self
                        .tiers(p)
                        .map(|t| t.iter().map(|&a| aid(a)).collect())
                        .collect(),
                })
                .collect(),
            round: self.round.clone(),
        }
    }

    /// Position `p`'s employer list as tiers of equally ranked applicants.
    pub fn tiers(&self, p: usize) -> impl Iterator<Item = &[u32]> + '_ {
        let (s, e) = (self.emp_start[p] as usize, self.emp_start[p + 1] as usize);
        let tiers = &self.emp_tier[s..e];
        let apps = &self.emp_app[s..e];
        let mut i = 0;
        std::iter::from_fn(move || {
            if i >= apps.len() {
                return None;
            }
            let j = i + tiers[i..].iter().take_while(|&&t| t == tiers[i]).count();
            let out = &apps[i..j];
            i = j;
            Some(out)
        })
    }
}

/// The canonical input bytes (docs/matching.md §4): compact JSON, keys sorted,
/// positions, applicants and couples by id, applications sorted, equally ranked
/// applicants by id, couple members by id. UTF-8, no escapes (validation excludes
/// every character JSON would escape).
///
/// Written by hand rather than with a serializer so that no serde feature elsewhere
/// in the build can change a single byte.
pub fn canonical_bytes(inst: &Instance) -> Vec<u8> {
    fn string(out: &mut Vec<u8>, s: &str) {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
    fn list(out: &mut Vec<u8>, ids: &[MatchId], items: &[u32]) {
        out.push(b'[');
        for (i, &x) in items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            string(out, ids[x as usize].as_str());
        }
        out.push(b']');
    }
    let (pids, aids) = (&inst.position_ids, &inst.applicant_ids);
    let mut o: Vec<u8> = Vec::with_capacity(
        256 + 12 * (inst.applied.len() + inst.rank_pos.len() + inst.emp_app.len() * 2)
            + 40 * inst.applicant_count(),
    );
    o.extend_from_slice(b"{\"applicants\":[");
    for a in 0..inst.applicant_count() {
        if a > 0 {
            o.push(b',');
        }
        o.extend_from_slice(b"{\"applied\":");
        list(&mut o, pids, inst.applied(a));
        o.extend_from_slice(b",\"id\":");
        string(&mut o, aids[a].as_str());
        o.extend_from_slice(b",\"ranking\":");
        list(&mut o, pids, inst.ranking(a));
        o.push(b'}');
    }
    o.extend_from_slice(b"],\"couples\":[");
    for c in 0..inst.couple_count() {
        if c > 0 {
            o.push(b',');
        }
        o.extend_from_slice(b"{\"id\":");
        string(&mut o, inst.couple_ids[c].as_str());
        o.extend_from_slice(b",\"members\":");
        list(&mut o, aids, &inst.members[c]);
        o.extend_from_slice(b",\"pairs\":[");
        for (j, pair) in inst.pairs(c).enumerate() {
            if j > 0 {
                o.push(b',');
            }
            o.push(b'[');
            for (k, p) in pair.iter().enumerate() {
                if k > 0 {
                    o.push(b',');
                }
                match p {
                    Some(p) => string(&mut o, pids[*p as usize].as_str()),
                    None => o.extend_from_slice(b"null"),
                }
            }
            o.push(b']');
        }
        o.extend_from_slice(b"]}");
    }
    o.extend_from_slice(b"],\"format\":");
    string(&mut o, INPUTS_FORMAT);
    o.extend_from_slice(b",\"positions\":[");
    for p in 0..inst.position_count() {
        if p > 0 {
            o.push(b',');
        }
        o.extend_from_slice(b"{\"capacity\":");
        o.extend_from_slice(inst.capacity[p].to_string().as_bytes());
        o.extend_from_slice(b",\"id\":");
        string(&mut o, pids[p].as_str());
        o.extend_from_slice(b",\"ranking\":[");
        for (t, tier) in inst.tiers(p).enumerate() {
            if t > 0 {
                o.push(b',');
            }
            list(&mut o, aids, tier);
        }
        o.extend_from_slice(b"]}");
    }
    o.extend_from_slice(b"],\"round\":");
    string(&mut o, &inst.round);
    o.push(b'}');
    o
}
