//! The export file of a published match and its verification (docs/matching.md §11–12).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::MatchError;
use super::instance::{InputsDocument, Instance, NONE};
use super::solve::{Solution, solve};
use crate::lottery::{Commitment, Seed, Sha256Digest};
use crate::{Lang, Localized};

/// The `format` value of an export file.
pub const EXPORT_FORMAT: &str = "lis1-match-export-v1";

/// Informational times (RFC 3339 text). Not hashed and not verified.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timestamps {
    /// When the seed commitment was published.
    #[serde(default)]
    pub seed_committed_at: Option<String>,
    /// When the inputs were frozen (the ranking deadline).
    #[serde(default)]
    pub inputs_committed_at: Option<String>,
    /// When the match was run and the seed revealed.
    #[serde(default)]
    pub matched_at: Option<String>,
}

/// One applicant's line of the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultLine {
    /// Applicant id.
    pub applicant: String,
    /// The position they got, or `null`.
    pub position: Option<String>,
    /// Its 1-based rank in their (or their couple's) list, or `null`.
    pub rank: Option<u32>,
    /// Their lottery number (1 = first), which breaks ties on employers' lists.
    pub lottery_number: u32,
}

/// One position's line of the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositionLine {
    /// Position id.
    pub position: String,
    /// Applicants placed.
    pub filled: u32,
    /// The employer's rank of the last one admitted, or `null` when nobody was.
    pub cutoff_rank: Option<u32>,
}

/// The published record of one match: inputs, commitment, revealed seed and result.
/// Anyone holding it can re-run [`Export::verify`] offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    /// Must be [`EXPORT_FORMAT`].
    pub format: String,
    /// The inputs in canonical shape; re-canonicalised and re-hashed on verification.
    pub inputs: InputsDocument,
    /// What was published before the match.
    pub commitment: Commitment,
    /// The revealed seed.
    pub seed: Seed,
    /// Attempts the procedure needed (1 without couples).
    pub attempts: u32,
    /// One line per applicant, by applicant id.
    pub result: Vec<ResultLine>,
    /// One line per position, by position id.
    pub positions: Vec<PositionLine>,
    /// Informational times; not verified.
    #[serde(default)]
    pub timestamps: Timestamps,
}

/// An export (or inputs) file could not be read: the JSON path and the parser's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportParseError {
    /// Where in the file, e.g. `inputs.applicants[3].ranking`; `.` for the whole file.
    pub path: String,
    /// The parser's explanation (English, from serde).
    pub detail: String,
}

impl Localized for ExportParseError {
    fn code(&self) -> &'static str {
        "match_export_malformed"
    }

    fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::Nb => format!(
                "Filen er ikke en gyldig matchingfil: feil ved «{}»: {}",
                self.path, self.detail
            ),
            Lang::Nn => format!(
                "Fila er ikkje ei gyldig matchingfil: feil ved «{}»: {}",
                self.path, self.detail
            ),
            Lang::En => format!(
                "The file is not a valid match export: error at \"{}\": {}",
                self.path, self.detail
            ),
        }
    }
}

impl fmt::Display for ExportParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Nb))
    }
}

impl std::error::Error for ExportParseError {}

/// Deserialises strictly, naming the JSON path of the first problem.
fn parse_with_path<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ExportParseError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| ExportParseError {
        path: e.path().to_string(),
        detail: e.inner().to_string(),
    })?;
    de.end().map_err(|e| ExportParseError {
        path: ".".to_owned(),
        detail: e.to_string(),
    })?;
    Ok(value)
}

impl InputsDocument {
    /// Parses a file holding only the inputs (the `inputs` object of an export). Strict.
    pub fn from_json(text: &str) -> Result<InputsDocument, ExportParseError> {
        parse_with_path(text)
    }
}

/// One thing that did not match on verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyFailure {
    /// SHA-256 of the revealed seed differs from the published seed commitment.
    SeedCommitment {
        /// Published.
        stated: Sha256Digest,
        /// Computed.
        computed: Sha256Digest,
    },
    /// SHA-256 of the re-canonicalised inputs differs from the published input commitment.
    InputCommitment {
        /// Published.
        stated: Sha256Digest,
        /// Computed.
        computed: Sha256Digest,
    },
    /// The embedded inputs break a rule, so nothing can be recomputed.
    InvalidInputs(MatchError),
    /// The recomputation found no stable matching, but the file states one.
    NoStableMatching {
        /// Attempts made.
        attempts: u32,
    },
    /// The stated number of attempts differs.
    Attempts {
        /// Stated.
        stated: u32,
        /// Recomputed.
        computed: u32,
    },
    /// An applicant's stated line differs from the recomputed one.
    ResultMismatch {
        /// Stated.
        stated: ResultLine,
        /// Recomputed.
        computed: ResultLine,
    },
    /// A position's stated line differs from the recomputed one.
    PositionMismatch {
        /// Stated.
        stated: PositionLine,
        /// Recomputed.
        computed: PositionLine,
    },
    /// A line is missing for an applicant or position (the id).
    Missing {
        /// The id.
        id: String,
    },
    /// A line names an unknown applicant or position, or repeats one (the id).
    Extra {
        /// The id.
        id: String,
    },
}

fn describe(line: &ResultLine, lang: Lang) -> String {
    match (&line.position, line.rank, lang) {
        (Some(p), Some(r), Lang::Nb) => {
            format!("{p} (valg nr. {r}, loddnr. {})", line.lottery_number)
        }
        (Some(p), Some(r), Lang::Nn) => {
            format!("{p} (val nr. {r}, loddnr. {})", line.lottery_number)
        }
        (Some(p), Some(r), Lang::En) => {
            format!("{p} (choice no. {r}, lottery no. {})", line.lottery_number)
        }
        (Some(p), None, _) => format!("{p} (?)"),
        (None, _, Lang::Nb) => {
            format!("ingen stilling (loddnr. {})", line.lottery_number)
        }
        (None, _, Lang::Nn) => {
            format!("inga stilling (loddnr. {})", line.lottery_number)
        }
        (None, _, Lang::En) => format!("no position (lottery no. {})", line.lottery_number),
    }
}

impl Localized for VerifyFailure {
    fn code(&self) -> &'static str {
        match self {
            VerifyFailure::SeedCommitment { .. } => "match_verify_seed_commitment",
            VerifyFailure::InputCommitment { .. } => "match_verify_input_commitment",
            VerifyFailure::InvalidInputs(_) => "match_verify_invalid_inputs",
            VerifyFailure::NoStableMatching { .. } => "match_verify_no_stable_matching",
            VerifyFailure::Attempts { .. } => "match_verify_attempts",
            VerifyFailure::ResultMismatch { .. } => "match_verify_result_mismatch",
            VerifyFailure::PositionMismatch { .. } => "match_verify_position_mismatch",
            VerifyFailure::Missing { .. } => "match_verify_missing",
            VerifyFailure::Extra { .. } => "match_verify_extra",
        }
    }

    fn message(&self, lang: Lang) -> String {
        let nb = lang == Lang::Nb;
        let nn = lang == Lang::Nn;
        match self {
            VerifyFailure::SeedCommitment { stated, computed } => {
                if nb {
                    format!(
                        "Frøet stemmer ikke med den publiserte kontrollsummen: SHA-256 av frøet er {computed}, men {stated} ble publisert."
                    )
                } else if nn {
                    format!(
                        "Frøet stemmer ikkje med den publiserte kontrollsummen: SHA-256 av frøet er {computed}, men {stated} vart publisert."
                    )
                } else {
                    format!(
                        "The seed does not match the published commitment: SHA-256 of the seed is {computed}, but {stated} was published."
                    )
                }
            }
            VerifyFailure::InputCommitment { stated, computed } => {
                if nb {
                    format!(
                        "Inndataene stemmer ikke med den publiserte kontrollsummen: SHA-256 av inndataene er {computed}, men {stated} ble publisert."
                    )
                } else if nn {
                    format!(
                        "Inndataa stemmer ikkje med den publiserte kontrollsummen: SHA-256 av inndataa er {computed}, men {stated} vart publisert."
                    )
                } else {
                    format!(
                        "The inputs do not match the published commitment: SHA-256 of the inputs is {computed}, but {stated} was published."
                    )
                }
            }
            VerifyFailure::InvalidInputs(e) => {
                if nb {
                    format!("Inndataene i filen er ugyldige: {}", e.message(lang))
                } else if nn {
                    format!("Inndataa i fila er ugyldige: {}", e.message(lang))
                } else {
                    format!("The inputs in the file are invalid: {}", e.message(lang))
                }
            }
            VerifyFailure::NoStableMatching { attempts } => {
                if nb {
                    format!(
                        "Ny beregning fant ingen stabil matching etter {attempts} forsøk, men filen oppgir et resultat."
                    )
                } else if nn {
                    format!(
                        "Ny berekning fann inga stabil matching etter {attempts} forsøk, men fila oppgir eit resultat."
                    )
                } else {
                    format!(
                        "Recomputation found no stable matching after {attempts} attempts, but the file states a result."
                    )
                }
            }
            VerifyFailure::Attempts { stated, computed } => {
                if nb {
                    format!(
                        "Antall forsøk stemmer ikke: filen sier {stated}, ny beregning gir {computed}."
                    )
                } else if nn {
                    format!(
                        "Talet på forsøk stemmer ikkje: fila seier {stated}, ny berekning gir {computed}."
                    )
                } else {
                    format!(
                        "The number of attempts differs: the file says {stated}, recomputation gives {computed}."
                    )
                }
            }
            VerifyFailure::ResultMismatch { stated, computed } => {
                if nb {
                    format!(
                        "Resultatet for {} stemmer ikke: filen sier {}, ny beregning gir {}.",
                        computed.applicant,
                        describe(stated, lang),
                        describe(computed, lang)
                    )
                } else if nn {
                    format!(
                        "Resultatet for {} stemmer ikkje: fila seier {}, ny berekning gir {}.",
                        computed.applicant,
                        describe(stated, lang),
                        describe(computed, lang)
                    )
                } else {
                    format!(
                        "The result for {} differs: the file says {}, recomputation gives {}.",
                        computed.applicant,
                        describe(stated, lang),
                        describe(computed, lang)
                    )
                }
            }
            VerifyFailure::PositionMismatch { stated, computed } => {
                let show = |l: &PositionLine| {
                    format!(
                        "{} besatt, siste nr. {}",
                        l.filled,
                        l.cutoff_rank
                            .map(|r| r.to_string())
                            .unwrap_or_else(|| "–".into())
                    )
                };
                if nb {
                    format!(
                        "Stillingen {} stemmer ikke: filen sier {}, ny beregning gir {}.",
                        computed.position,
                        show(stated),
                        show(computed)
                    )
                } else if nn {
                    format!(
                        "Stillinga {} stemmer ikkje: fila seier {}, ny berekning gir {}.",
                        computed.position,
                        show(stated),
                        show(computed)
                    )
                } else {
                    format!(
                        "Position {} differs: the file says {}, recomputation gives {}.",
                        computed.position,
                        show(stated).replace("besatt, siste nr.", "filled, last no."),
                        show(computed).replace("besatt, siste nr.", "filled, last no.")
                    )
                }
            }
            VerifyFailure::Missing { id } => {
                if nb {
                    format!("Resultatet mangler en linje for {id}.")
                } else if nn {
                    format!("Resultatet manglar ei linje for {id}.")
                } else {
                    format!("The result has no line for {id}.")
                }
            }
            VerifyFailure::Extra { id } => {
                if nb {
                    format!(
                        "Resultatet har en linje for {id} som ikke hører hjemme der (ukjent eller gjentatt)."
                    )
                } else if nn {
                    format!(
                        "Resultatet har ei linje for {id} som ikkje høyrer heime der (ukjend eller gjenteken)."
                    )
                } else {
                    format!(
                        "The result has a line for {id} that does not belong (unknown or repeated)."
                    )
                }
            }
        }
    }
}

impl fmt::Display for VerifyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Nb))
    }
}

/// What [`Export::verify`] found.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// Every mismatch found, the first difference first; empty when the export checks out.
    pub failures: Vec<VerifyFailure>,
    /// The validated inputs, when they were valid.
    pub inputs: Option<Instance>,
    /// The recomputed solution, when one was found.
    pub recomputed: Option<Solution>,
}

impl VerifyReport {
    /// True when commitments, attempts and every line match.
    pub fn is_ok(&self) -> bool {
        self.failures.is_empty() && self.recomputed.is_some()
    }
}

/// The result lines of a solution (applicant order = id order).
pub fn result_lines(inst: &Instance, sol: &Solution) -> Vec<ResultLine> {
    (0..inst.applicant_count())
        .map(|a| ResultLine {
            applicant: inst.applicant_ids[a].as_str().to_owned(),
            position: sol
                .matching
                .position_of(a)
                .map(|p| inst.position_ids[p as usize].as_str().to_owned()),
            rank: sol.matching.rank_of(inst, a),
            lottery_number: sol.prepared.lottery_number(a) + 1,
        })
        .collect()
}

/// The position lines of a solution (position order = id order).
pub fn position_lines(inst: &Instance, sol: &Solution) -> Vec<PositionLine> {
    let mut filled = vec![0u32; inst.position_count()];
    let mut worst: Vec<Option<u32>> = vec![None; inst.position_count()];
    for a in 0..inst.applicant_count() {
        let p = sol.matching.position[a];
        if p == NONE {
            continue;
        }
        let p = p as usize;
        filled[p] += 1;
        // Tiers occupy the same offsets before and after tie-breaking, so the strict
        // offset gives the employer's rank directly.
        if let Some(off) = sol.matching.held_offset(inst, &sol.prepared, a) {
            let r = inst.emp_rank[inst.emp_start[p] as usize + off as usize];
            worst[p] = Some(worst[p].map_or(r, |w| w.max(r)));
        }
    }
    (0..inst.position_count())
        .map(|p| PositionLine {
            position: inst.position_ids[p].as_str().to_owned(),
            filled: filled[p],
            cutoff_rank: worst[p],
        })
        .collect()
}

impl Export {
    /// Builds the export of a finished match.
    pub fn new(inst: &Instance, seed: &Seed, sol: &Solution, timestamps: Timestamps) -> Export {
        Export {
            format: EXPORT_FORMAT.to_owned(),
            inputs: inst.to_document(),
            commitment: Commitment {
                inputs_sha256: inst.inputs_sha256(),
                seed_sha256: seed.sha256(),
            },
            seed: seed.clone(),
            attempts: sol.attempts.len() as u32,
            result: result_lines(inst, sol),
            positions: position_lines(inst, sol),
            timestamps,
        }
    }

    /// Parses an export file strictly (unknown fields, wrong types, upper-case hex and an
    /// unknown `format` are errors), reporting the JSON path of the problem.
    pub fn from_json(text: &str) -> Result<Export, ExportParseError> {
        let export: Export = parse_with_path(text)?;
        if export.format != EXPORT_FORMAT {
            return Err(ExportParseError {
                path: "format".to_owned(),
                detail: format!("expected \"{EXPORT_FORMAT}\", found \"{}\"", export.format),
            });
        }
        Ok(export)
    }

    /// The file text: pretty JSON with a final newline.
    pub fn to_json_pretty(&self) -> String {
        // Serialising plain strings, numbers and booleans cannot fail.
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Recomputes everything from the file alone: the seed against the seed commitment,
    /// the re-canonicalised inputs against the input commitment, and the match against
    /// the stated attempts, result lines and position lines.
    pub fn verify(&self) -> VerifyReport {
        let mut failures = Vec::new();
        let seed_hash = self.seed.sha256();
        if seed_hash != self.commitment.seed_sha256 {
            failures.push(VerifyFailure::SeedCommitment {
                stated: self.commitment.seed_sha256,
                computed: seed_hash,
            });
        }
        let inst = match self.inputs.clone().validate() {
            Ok(i) => i,
            Err(e) => {
                failures.push(VerifyFailure::InvalidInputs(e));
                return VerifyReport {
                    failures,
                    inputs: None,
                    recomputed: None,
                };
            }
        };
        if inst.inputs_sha256() != self.commitment.inputs_sha256 {
            failures.push(VerifyFailure::InputCommitment {
                stated: self.commitment.inputs_sha256,
                computed: inst.inputs_sha256(),
            });
        }
        let sol = match solve(&inst, &self.seed) {
            Ok(s) => s,
            Err(e) => {
                failures.push(VerifyFailure::NoStableMatching {
                    attempts: e.attempts.len() as u32,
                });
                return VerifyReport {
                    failures,
                    inputs: Some(inst),
                    recomputed: None,
                };
            }
        };
        let attempts = sol.attempts.len() as u32;
        if attempts != self.attempts {
            failures.push(VerifyFailure::Attempts {
                stated: self.attempts,
                computed: attempts,
            });
        }
        compare(
            &self.result,
            result_lines(&inst, &sol),
            |l| l.applicant.clone(),
            |stated, computed| VerifyFailure::ResultMismatch { stated, computed },
            &mut failures,
        );
        compare(
            &self.positions,
            position_lines(&inst, &sol),
            |l| l.position.clone(),
            |stated, computed| VerifyFailure::PositionMismatch { stated, computed },
            &mut failures,
        );
        VerifyReport {
            failures,
            inputs: Some(inst),
            recomputed: Some(sol),
        }
    }
}

/// Compares stated lines with recomputed ones (in id order), recording every difference.
fn compare<L: Clone + PartialEq>(
    stated: &[L],
    computed: Vec<L>,
    id: impl Fn(&L) -> String,
    mismatch: impl Fn(L, L) -> VerifyFailure,
    failures: &mut Vec<VerifyFailure>,
) {
    let mut by_id: BTreeMap<String, Option<L>> =
        computed.into_iter().map(|l| (id(&l), Some(l))).collect();
    for line in stated {
        match by_id.get_mut(&id(line)) {
            Some(slot @ Some(_)) => {
                if let Some(c) = slot.take()
                    && c != *line
                {
                    failures.push(mismatch(line.clone(), c));
                }
            }
            _ => failures.push(VerifyFailure::Extra { id: id(line) }),
        }
    }
    for (k, v) in by_id {
        if v.is_some() {
            failures.push(VerifyFailure::Missing { id: k });
        }
    }
}
