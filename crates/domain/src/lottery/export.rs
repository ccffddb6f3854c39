//! The export file and its verification (docs/lottery.md §10–11).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use super::LotteryError;
use super::crypto::{Commitment, Seed, Sha256Digest};
use super::draw::{BasisKind, Outcome, draw};
use super::inputs::{InputsDocument, ValidInputs, commitment};
use crate::{Lang, Localized};

/// The `format` value of an export file.
pub const EXPORT_FORMAT: &str = "lis1-lottery-export-v1";

/// Informational times (RFC 3339 text chosen by the HF). Not hashed: they
/// document the procedure, the commitment does not depend on them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timestamps {
    /// When the seed commitment was published.
    #[serde(default)]
    pub seed_committed_at: Option<String>,
    /// When the input commitment was published (after the ranking deadline).
    #[serde(default)]
    pub inputs_committed_at: Option<String>,
    /// When the draw was made and the seed revealed.
    #[serde(default)]
    pub drawn_at: Option<String>,
}

/// One line of the stated result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultEntry {
    /// Participant id.
    pub participant: String,
    /// Place key.
    pub place: String,
    /// Carried from the inputs.
    pub on_leave: bool,
    /// `reserved`, `preference` or `random`.
    pub basis: BasisKind,
    /// 1-based rank when `basis` is `preference`, else `null` (required: `null`, not absent).
    #[serde(deserialize_with = "super::inputs::required")]
    pub rank: Option<u32>,
}

impl ResultEntry {
    /// The fields in which `self` and `other` differ, in the order of docs/lottery.md §10,
    /// each with both values written as in the file (JSON).
    pub fn differing_fields(&self, other: &ResultEntry) -> Vec<(&'static str, String, String)> {
        fn json<T: Serialize>(v: &T) -> String {
            serde_json::to_string(v).unwrap_or_default()
        }
        let mut out = Vec::new();
        let mut field = |name: &'static str, a: String, b: String| {
            if a != b {
                out.push((name, a, b));
            }
        };
        field(
            "participant",
            json(&self.participant),
            json(&other.participant),
        );
        field("place", json(&self.place), json(&other.place));
        field("on_leave", json(&self.on_leave), json(&other.on_leave));
        field("basis", json(&self.basis), json(&other.basis));
        field("rank", json(&self.rank), json(&other.rank));
        out
    }

    fn describe(&self, lang: Lang) -> String {
        let basis = match (self.basis, self.rank, lang) {
            (BasisKind::Reserved, _, Lang::Nb) => "reservert".to_owned(),
            (BasisKind::Reserved, _, Lang::Nn) => "reservert".to_owned(),
            (BasisKind::Reserved, _, Lang::En) => "reserved".to_owned(),
            (BasisKind::Preference, Some(r), Lang::Nb) => format!("valg nr. {r}"),
            (BasisKind::Preference, Some(r), Lang::Nn) => format!("val nr. {r}"),
            (BasisKind::Preference, Some(r), Lang::En) => format!("choice no. {r}"),
            (BasisKind::Preference, None, Lang::Nb) => "valg uten nummer".to_owned(),
            (BasisKind::Preference, None, Lang::Nn) => "val utan nummer".to_owned(),
            (BasisKind::Preference, None, Lang::En) => "choice without rank".to_owned(),
            (BasisKind::Random, _, Lang::Nb) => "tilfeldig ledig plass".to_owned(),
            (BasisKind::Random, _, Lang::Nn) => "tilfeldig ledig plass".to_owned(),
            (BasisKind::Random, _, Lang::En) => "random free place".to_owned(),
        };
        let leave = match (self.on_leave, lang) {
            (true, Lang::Nb) => ", i permisjon",
            (true, Lang::Nn) => ", i permisjon",
            (true, Lang::En) => ", on leave",
            (false, _) => "",
        };
        format!("{} ({basis}{leave})", self.place)
    }
}

/// The published record of one draw: inputs, commitment, revealed seed, order and result.
/// Anyone holding it can re-run [`Export::verify`] offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    /// Must be [`EXPORT_FORMAT`].
    pub format: String,
    /// The inputs in canonical shape; re-canonicalised and re-hashed on verification.
    pub inputs: InputsDocument,
    /// What was published before the draw.
    pub commitment: Commitment,
    /// The revealed seed.
    pub seed: Seed,
    /// Participant ids of the non-reserved participants in drawn order.
    pub draw_order: Vec<String>,
    /// One entry per participant, sorted by participant id.
    pub result: Vec<ResultEntry>,
    /// Informational times; not verified.
    #[serde(default)]
    pub timestamps: Timestamps,
}

/// Why a file is not a well-formed export or inputs file (docs/lottery.md §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// Not UTF-8, not JSON, or not the shape of §10: a missing, unknown or repeated field,
    /// a wrong type, upper-case hex, a number that is not a 32-bit unsigned integer.
    Malformed,
    /// `format` (of the export or of its inputs) is a string this version does not read.
    UnknownFormat,
    /// `inputs.method` is a string other than `preference_order` and `pure_random`.
    UnknownMethod,
}

/// An export (or inputs) file could not be read: what kind of problem, the JSON path and
/// the parser's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportParseError {
    /// The kind of problem; decides the stable code.
    pub kind: ParseErrorKind,
    /// Where in the file, e.g. `inputs.participants[3].on_leave`; `.` for the whole file.
    pub path: String,
    /// The parser's explanation (English, from serde).
    pub detail: String,
}

impl Localized for ExportParseError {
    fn code(&self) -> &'static str {
        match self.kind {
            ParseErrorKind::Malformed => "lottery_export_malformed",
            ParseErrorKind::UnknownFormat => "lottery_unknown_format",
            ParseErrorKind::UnknownMethod => "lottery_unknown_method",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self.kind, lang) {
            (ParseErrorKind::Malformed, Lang::Nb) => format!(
                "Filen er ikke en gyldig trekningsfil: feil ved «{}»: {}",
                self.path, self.detail
            ),
            (ParseErrorKind::Malformed, Lang::Nn) => format!(
                "Fila er ikkje ei gyldig trekkingsfil: feil ved «{}»: {}",
                self.path, self.detail
            ),
            (ParseErrorKind::Malformed, Lang::En) => format!(
                "The file is not a valid lottery export: error at \"{}\": {}",
                self.path, self.detail
            ),
            (ParseErrorKind::UnknownFormat, Lang::Nb) => format!(
                "Filen har et format denne versjonen ikke leser («{}»): {}",
                self.path, self.detail
            ),
            (ParseErrorKind::UnknownFormat, Lang::Nn) => format!(
                "Fila har eit format som denne versjonen ikkje les («{}»): {}",
                self.path, self.detail
            ),
            (ParseErrorKind::UnknownFormat, Lang::En) => format!(
                "The file has a format this version does not read (\"{}\"): {}",
                self.path, self.detail
            ),
            (ParseErrorKind::UnknownMethod, Lang::Nb) => {
                format!("Ukjent trekningsmetode («{}»): {}", self.path, self.detail)
            }
            (ParseErrorKind::UnknownMethod, Lang::Nn) => {
                format!("Ukjend trekkingsmetode («{}»): {}", self.path, self.detail)
            }
            (ParseErrorKind::UnknownMethod, Lang::En) => format!(
                "Unknown lottery method (\"{}\"): {}",
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

fn malformed(path: &str, detail: impl fmt::Display) -> ExportParseError {
    ExportParseError {
        kind: ParseErrorKind::Malformed,
        path: path.to_owned(),
        detail: detail.to_string(),
    }
}

/// The file's text: UTF-8, with one leading byte-order mark ignored (docs/lottery.md §10.1;
/// RFC 8259 §8.1 lets a parser ignore it).
pub(crate) fn file_text(bytes: &[u8]) -> Result<&str, ExportParseError> {
    let text = std::str::from_utf8(bytes).map_err(|e| malformed(".", format!("not UTF-8: {e}")))?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// §10.2: a `format` or `method` that is a string but not one this version knows gets its own
/// code, whatever else is wrong with the file; checked only once the strict parse has failed.
fn unknown_format_or_method(text: &str, inputs_at: &[&str]) -> Option<ExportParseError> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let inputs = inputs_at.iter().try_fold(&value, |v, key| v.get(key));
    let prefix = if inputs_at.is_empty() { "" } else { "inputs." };
    type Check<'a> = (
        String,
        Option<&'a serde_json::Value>,
        &'a [&'a str],
        ParseErrorKind,
    );
    let mut checks: Vec<Check> = Vec::new();
    if !inputs_at.is_empty() {
        checks.push((
            "format".to_owned(),
            value.get("format"),
            &[EXPORT_FORMAT],
            ParseErrorKind::UnknownFormat,
        ));
    }
    checks.push((
        format!("{prefix}format"),
        inputs.and_then(|i| i.get("format")),
        &[super::INPUTS_FORMAT],
        ParseErrorKind::UnknownFormat,
    ));
    checks.push((
        format!("{prefix}method"),
        inputs.and_then(|i| i.get("method")),
        &["preference_order", "pure_random"],
        ParseErrorKind::UnknownMethod,
    ));
    checks.into_iter().find_map(|(path, found, known, kind)| {
        let found = found?.as_str()?;
        (!known.contains(&found)).then(|| ExportParseError {
            kind,
            detail: format!("found \"{found}\", expected \"{}\"", known.join("\" or \"")),
            path,
        })
    })
}

/// Deserialises strictly, naming the JSON path of the first problem. `inputs_at` is where the
/// inputs object lies (`["inputs"]` in an export, `[]` in an inputs file).
pub(crate) fn parse_with_path<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    inputs_at: &[&str],
) -> Result<T, ExportParseError> {
    let text = file_text(bytes)?;
    let strict = || -> Result<T, ExportParseError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let value: T = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| malformed(&e.path().to_string(), e.inner()))?;
        // Nothing but white space may follow the document.
        de.end().map_err(|e| malformed(".", e))?;
        Ok(value)
    };
    strict().map_err(|e| unknown_format_or_method(text, inputs_at).unwrap_or(e))
}

impl InputsDocument {
    /// Parses a file holding only the inputs (the `inputs` object of an export),
    /// e.g. for a simulation before the commitment. Strict, like [`Export::from_json`].
    pub fn from_json(text: &str) -> Result<InputsDocument, ExportParseError> {
        InputsDocument::from_slice(text.as_bytes())
    }

    /// [`InputsDocument::from_json`] on the file's bytes: refuses text that is not UTF-8 and
    /// ignores one leading byte-order mark.
    pub fn from_slice(bytes: &[u8]) -> Result<InputsDocument, ExportParseError> {
        let doc: InputsDocument = parse_with_path(bytes, &[])?;
        if doc.format != super::INPUTS_FORMAT {
            return Err(ExportParseError {
                kind: ParseErrorKind::UnknownFormat,
                path: "format".to_owned(),
                detail: format!(
                    "found \"{}\", expected \"{}\"",
                    doc.format,
                    super::INPUTS_FORMAT
                ),
            });
        }
        Ok(doc)
    }
}

/// One thing that did not match on verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyFailure {
    /// SHA-256 of the revealed seed differs from the published seed commitment.
    SeedCommitment {
        /// Published.
        stated: Sha256Digest,
        /// Computed from the seed.
        computed: Sha256Digest,
    },
    /// SHA-256 of the re-canonicalised inputs differs from the published input commitment.
    InputCommitment {
        /// Published.
        stated: Sha256Digest,
        /// Computed from the inputs.
        computed: Sha256Digest,
    },
    /// The embedded inputs break a rule, so nothing can be recomputed.
    InvalidInputs(LotteryError),
    /// The stated draw order differs from the recomputed one.
    DrawOrder {
        /// 1-based turn of the first difference.
        position: usize,
        /// Stated id at that turn (`None`: the stated list ended).
        stated: Option<String>,
        /// Recomputed id at that turn (`None`: the recomputed list ended).
        computed: Option<String>,
    },
    /// A participant's stated place (or basis, rank, leave flag) differs.
    ResultMismatch {
        /// Stated.
        stated: ResultEntry,
        /// Recomputed.
        computed: ResultEntry,
    },
    /// A participant has no line in the stated result.
    ResultMissing {
        /// The participant.
        participant: String,
    },
    /// A result line names an unknown participant or repeats one.
    ResultExtra {
        /// The participant named.
        participant: String,
    },
}

impl Localized for VerifyFailure {
    fn code(&self) -> &'static str {
        match self {
            VerifyFailure::SeedCommitment { .. } => "lottery_verify_seed_commitment",
            VerifyFailure::InputCommitment { .. } => "lottery_verify_input_commitment",
            VerifyFailure::InvalidInputs(_) => "lottery_verify_invalid_inputs",
            VerifyFailure::DrawOrder { .. } => "lottery_verify_draw_order",
            VerifyFailure::ResultMismatch { .. } => "lottery_verify_result_mismatch",
            VerifyFailure::ResultMissing { .. } => "lottery_verify_result_missing",
            VerifyFailure::ResultExtra { .. } => "lottery_verify_result_extra",
        }
    }

    fn message(&self, lang: Lang) -> String {
        let none = lang.pick3("(ingen)", "(ingen)", "(none)");
        match self {
            VerifyFailure::SeedCommitment { stated, computed } => match lang {
                Lang::Nb => format!(
                    "Frøet stemmer ikke med den publiserte kontrollsummen: SHA-256 av frøet er {computed}, men {stated} ble publisert."
                ),
                Lang::Nn => format!(
                    "Frøet stemmer ikkje med den publiserte kontrollsummen: SHA-256 av frøet er {computed}, men {stated} vart publisert."
                ),
                Lang::En => format!(
                    "The seed does not match the published commitment: SHA-256 of the seed is {computed}, but {stated} was published."
                ),
            },
            VerifyFailure::InputCommitment { stated, computed } => match lang {
                Lang::Nb => format!(
                    "Inndataene stemmer ikke med den publiserte kontrollsummen: SHA-256 av inndataene er {computed}, men {stated} ble publisert."
                ),
                Lang::Nn => format!(
                    "Inndataa stemmer ikkje med den publiserte kontrollsummen: SHA-256 av inndataa er {computed}, men {stated} vart publisert."
                ),
                Lang::En => format!(
                    "The inputs do not match the published commitment: SHA-256 of the inputs is {computed}, but {stated} was published."
                ),
            },
            VerifyFailure::InvalidInputs(e) => match lang {
                Lang::Nb => {
                    format!("Inndataene i filen er ugyldige: {}", e.message(lang))
                }
                Lang::Nn => {
                    format!("Inndataa i fila er ugyldige: {}", e.message(lang))
                }
                Lang::En => format!("The inputs in the file are invalid: {}", e.message(lang)),
            },
            VerifyFailure::DrawOrder {
                position,
                stated,
                computed,
            } => {
                let s = stated.as_deref().unwrap_or(none);
                let c = computed.as_deref().unwrap_or(none);
                match lang {
                    Lang::Nb => format!(
                        "Trekkrekkefølgen stemmer ikke ved nr. {position}: filen sier {s}, ny beregning gir {c}."
                    ),
                    Lang::Nn => format!(
                        "Trekkrekkjefølgja stemmer ikkje ved nr. {position}: fila seier {s}, ny berekning gir {c}."
                    ),
                    Lang::En => {
                        format!(
                            "The draw order differs at turn {position}: the file says {s}, recomputation gives {c}."
                        )
                    }
                }
            }
            VerifyFailure::ResultMismatch { stated, computed } => {
                // Name every differing field with both values: two lines can read alike
                // (e.g. `random` with rank 1 against `random` with rank null).
                let fields: Vec<String> = stated
                    .differing_fields(computed)
                    .into_iter()
                    .map(|(name, s, c)| match lang {
                        Lang::Nb => {
                            format!("«{name}» er {s} i filen, men {c} ved ny beregning")
                        }
                        Lang::Nn => {
                            format!("«{name}» er {s} i fila, men {c} ved ny berekning")
                        }
                        Lang::En => {
                            format!("\"{name}\" is {s} in the file but {c} on recomputation")
                        }
                    })
                    .collect();
                match lang {
                    Lang::Nb => format!(
                        "Resultatet for {} stemmer ikke: {}. Filen sier {}, ny beregning gir {}.",
                        computed.participant,
                        fields.join("; "),
                        stated.describe(lang),
                        computed.describe(lang)
                    ),
                    Lang::Nn => format!(
                        "Resultatet for {} stemmer ikkje: {}. Fila seier {}, ny berekning gir {}.",
                        computed.participant,
                        fields.join("; "),
                        stated.describe(lang),
                        computed.describe(lang)
                    ),
                    Lang::En => format!(
                        "The result for {} differs: {}. The file says {}, recomputation gives {}.",
                        computed.participant,
                        fields.join("; "),
                        stated.describe(lang),
                        computed.describe(lang)
                    ),
                }
            }
            VerifyFailure::ResultMissing { participant } => match lang {
                Lang::Nb => format!("Resultatet mangler en linje for {participant}."),
                Lang::Nn => format!("Resultatet manglar ei linje for {participant}."),
                Lang::En => format!("The result has no line for {participant}."),
            },
            VerifyFailure::ResultExtra { participant } => match lang {
                Lang::Nb => format!(
                    "Resultatet har en linje for {participant} som ikke hører hjemme der (ukjent eller gjentatt)."
                ),
                Lang::Nn => format!(
                    "Resultatet har ei linje for {participant} som ikkje høyrer heime der (ukjend eller gjenteken)."
                ),
                Lang::En => format!(
                    "The result has a line for {participant} that does not belong (unknown or repeated)."
                ),
            },
        }
    }
}

impl VerifyFailure {
    /// The code printed for this failure: the rule's own code (docs/lottery.md §3) for invalid
    /// inputs, otherwise [`Localized::code`].
    pub fn detail_code(&self) -> &'static str {
        match self {
            VerifyFailure::InvalidInputs(e) => e.code(),
            other => other.code(),
        }
    }
}

impl fmt::Display for VerifyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Nb))
    }
}

/// The exit status of `lis1 lottery verify` (and of `tools/lottery_reference.py`): one rule
/// for every way a check can end (docs/lottery.md §11.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyExit {
    /// Seed commitment, input commitment, draw order and result all match.
    Verified,
    /// The file is a well-formed export, but it does not verify: a commitment, the draw order
    /// or the result differs, or its inputs break a rule of §3.
    Failed,
    /// The command was called wrongly (unknown option, no file).
    Usage,
    /// The file was read but is not a well-formed export (§10): not UTF-8, not JSON, a missing,
    /// unknown or repeated field, a wrong type, an unknown format or method.
    Malformed,
    /// The file could not be read at all: missing, a directory, no permission.
    Unreadable,
}

impl VerifyExit {
    /// The process exit code: 0, 1, 2, 3 or 4.
    pub fn code(self) -> u8 {
        match self {
            VerifyExit::Verified => 0,
            VerifyExit::Failed => 1,
            VerifyExit::Usage => 2,
            VerifyExit::Malformed => 3,
            VerifyExit::Unreadable => 4,
        }
    }
}

/// The outcome of checking one file's bytes: either it could be parsed and was verified (with
/// or without failures), or it is malformed.
#[derive(Debug, Clone)]
pub enum FileVerdict {
    /// Parsed; the report says whether everything matched.
    Checked(Box<Export>, Box<VerifyReport>),
    /// Not a well-formed export.
    Malformed(ExportParseError),
}

impl FileVerdict {
    /// Parses `bytes` (docs/lottery.md §10) and verifies the export (§11).
    pub fn of(bytes: &[u8]) -> FileVerdict {
        match Export::from_slice(bytes) {
            Ok(export) => {
                let report = export.verify();
                FileVerdict::Checked(Box::new(export), Box::new(report))
            }
            Err(e) => FileVerdict::Malformed(e),
        }
    }

    /// Which exit status this verdict gets.
    pub fn exit(&self) -> VerifyExit {
        match self {
            FileVerdict::Checked(_, report) if report.is_ok() => VerifyExit::Verified,
            FileVerdict::Checked(..) => VerifyExit::Failed,
            FileVerdict::Malformed(_) => VerifyExit::Malformed,
        }
    }

    /// The codes of every problem, in the order found (empty when verified).
    pub fn codes(&self) -> Vec<&'static str> {
        match self {
            FileVerdict::Checked(_, report) => report
                .failures
                .iter()
                .map(VerifyFailure::detail_code)
                .collect(),
            FileVerdict::Malformed(e) => vec![e.code()],
        }
    }
}

/// What [`Export::verify`] found.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// Every mismatch found; empty when the export checks out.
    pub failures: Vec<VerifyFailure>,
    /// The validated inputs, when they were valid.
    pub inputs: Option<ValidInputs>,
    /// The recomputed commitment, when the inputs were valid.
    pub commitment: Option<Commitment>,
    /// The recomputed outcome, when the inputs were valid.
    pub recomputed: Option<Outcome>,
}

impl VerifyReport {
    /// True when seed commitment, input commitment, draw order and result all match.
    pub fn is_ok(&self) -> bool {
        self.failures.is_empty() && self.recomputed.is_some()
    }
}

fn entries(outcome: &Outcome) -> Vec<ResultEntry> {
    outcome
        .assignments
        .iter()
        .map(|a| {
            let (basis, rank) = a.basis.split();
            ResultEntry {
                participant: a.participant.as_str().to_owned(),
                place: a.place.as_str().to_owned(),
                on_leave: a.on_leave,
                basis,
                rank,
            }
        })
        .collect()
}

impl Export {
    /// Builds the export of a finished draw.
    pub fn new(
        inputs: &ValidInputs,
        seed: &Seed,
        outcome: &Outcome,
        timestamps: Timestamps,
    ) -> Export {
        Export {
            format: EXPORT_FORMAT.to_owned(),
            inputs: inputs.to_document(),
            commitment: commitment(inputs, seed),
            seed: seed.clone(),
            draw_order: outcome
                .order
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
            result: entries(outcome),
            timestamps,
        }
    }

    /// Parses an export file strictly (unknown fields, wrong types, upper-case hex
    /// and an unknown `format` are errors), reporting the JSON path of the problem.
    pub fn from_json(text: &str) -> Result<Export, ExportParseError> {
        Export::from_slice(text.as_bytes())
    }

    /// [`Export::from_json`] on the file's bytes: refuses text that is not UTF-8 and ignores
    /// one leading byte-order mark (docs/lottery.md §10.1).
    pub fn from_slice(bytes: &[u8]) -> Result<Export, ExportParseError> {
        let export: Export = parse_with_path(bytes, &["inputs"])?;
        let unknown = |path: &str, found: &str, expected: &str| ExportParseError {
            kind: ParseErrorKind::UnknownFormat,
            path: path.to_owned(),
            detail: format!("found \"{found}\", expected \"{expected}\""),
        };
        if export.format != EXPORT_FORMAT {
            return Err(unknown("format", &export.format, EXPORT_FORMAT));
        }
        if export.inputs.format != super::INPUTS_FORMAT {
            return Err(unknown(
                "inputs.format",
                &export.inputs.format,
                super::INPUTS_FORMAT,
            ));
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

    /// Recomputes everything from the file alone: SHA-256 of the seed against the seed
    /// commitment, SHA-256 of the re-canonicalised inputs against the input commitment,
    /// and the draw against the stated order and result.
    pub fn verify(&self) -> VerifyReport {
        let mut failures = Vec::new();
        let seed_hash = self.seed.sha256();
        if seed_hash != self.commitment.seed_sha256 {
            failures.push(VerifyFailure::SeedCommitment {
                stated: self.commitment.seed_sha256,
                computed: seed_hash,
            });
        }
        let inputs = match self.inputs.clone().validate() {
            Ok(v) => v,
            Err(e) => {
                failures.push(VerifyFailure::InvalidInputs(e));
                return VerifyReport {
                    failures,
                    inputs: None,
                    commitment: None,
                    recomputed: None,
                };
            }
        };
        if inputs.inputs_sha256() != self.commitment.inputs_sha256 {
            failures.push(VerifyFailure::InputCommitment {
                stated: self.commitment.inputs_sha256,
                computed: inputs.inputs_sha256(),
            });
        }
        let outcome = draw(&inputs, &self.seed);

        let order: Vec<&str> = outcome.order.iter().map(|p| p.as_str()).collect();
        let stated_order: Vec<&str> = self.draw_order.iter().map(String::as_str).collect();
        if order != stated_order {
            let position = order
                .iter()
                .zip(&stated_order)
                .take_while(|(a, b)| a == b)
                .count();
            failures.push(VerifyFailure::DrawOrder {
                position: position + 1,
                stated: stated_order.get(position).map(|s| (*s).to_owned()),
                computed: order.get(position).map(|s| (*s).to_owned()),
            });
        }

        let computed = entries(&outcome);
        let known: BTreeSet<&str> = computed.iter().map(|c| c.participant.as_str()).collect();
        let mut stated: BTreeMap<&str, &ResultEntry> = BTreeMap::new();
        for e in &self.result {
            let known = known.contains(e.participant.as_str());
            if !known || stated.insert(e.participant.as_str(), e).is_some() {
                failures.push(VerifyFailure::ResultExtra {
                    participant: e.participant.clone(),
                });
            }
        }
        for c in &computed {
            match stated.get(c.participant.as_str()) {
                None => failures.push(VerifyFailure::ResultMissing {
                    participant: c.participant.clone(),
                }),
                Some(s) if *s != c => failures.push(VerifyFailure::ResultMismatch {
                    stated: (*s).clone(),
                    computed: c.clone(),
                }),
                Some(_) => {}
            }
        }
        VerifyReport {
            failures,
            commitment: Some(commitment(&inputs, &self.seed)),
            inputs: Some(inputs),
            recomputed: Some(outcome),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::lottery::inputs::{LotteryInputs, Method, ParticipantInput, PlaceInput};

    fn export() -> Export {
        let i = LotteryInputs {
            site: "Test".into(),
            cohort: "2023-03-01".into(),
            method: Method::PureRandom,
            participants: (1..=3)
                .map(|n| ParticipantInput {
                    id: format!("d-{n}"),
                    on_leave: false,
                })
                .collect(),
            places: vec![
                PlaceInput {
                    key: "5035".into(),
                    count: 2,
                },
                PlaceInput {
                    key: "5034".into(),
                    count: 2,
                },
            ],
            reservations: vec![],
            preferences: vec![],
            replaces: None,
        }
        .validate()
        .unwrap();
        let seed = Seed::from_bytes([3; 32]);
        Export::new(&i, &seed, &draw(&i, &seed), Timestamps::default())
    }

    #[test]
    fn a_fresh_export_verifies_and_round_trips() {
        let e = export();
        assert!(e.verify().is_ok());
        let back = Export::from_json(&e.to_json_pretty()).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn parse_errors_name_the_json_path() {
        let mut v: serde_json::Value = serde_json::to_value(export()).unwrap();
        v["inputs"]["participants"][1]["on_leave"] = serde_json::json!("no");
        let err = Export::from_json(&v.to_string()).unwrap_err();
        assert_eq!(err.path, "inputs.participants[1].on_leave");
        assert_eq!(err.code(), "lottery_export_malformed");

        let trailing = format!("{}x", export().to_json_pretty());
        assert_eq!(Export::from_json(&trailing).unwrap_err().path, ".");

        let mut v: serde_json::Value = serde_json::to_value(export()).unwrap();
        v["extra"] = serde_json::json!(1);
        assert!(Export::from_json(&v.to_string()).is_err());

        // A repeated key is refused, not silently resolved.
        let text = export().to_json_pretty();
        let again = format!("\"seed\": \"{}\", \"seed\":", "0".repeat(64));
        let dup = text.replacen("\"seed\":", &again, 1);
        assert!(
            Export::from_json(&dup)
                .unwrap_err()
                .detail
                .contains("duplicate field")
        );

        let mut v: serde_json::Value = serde_json::to_value(export()).unwrap();
        v["format"] = serde_json::json!("lis1-lottery-export-v0");
        assert_eq!(
            Export::from_json(&v.to_string()).unwrap_err().path,
            "format"
        );
    }

    #[test]
    fn a_duplicated_or_missing_result_line_fails() {
        let mut e = export();
        let first = e.result[0].clone();
        e.result.push(first);
        assert_eq!(e.verify().failures[0].code(), "lottery_verify_result_extra");
        let mut e = export();
        e.result.pop();
        assert_eq!(
            e.verify().failures[0].code(),
            "lottery_verify_result_missing"
        );
    }

    #[test]
    fn invalid_inputs_are_reported_not_panicked_on() {
        let mut e = export();
        e.inputs.places[0].count = 0;
        let r = e.verify();
        assert!(!r.is_ok());
        assert_eq!(r.failures[0].code(), "lottery_verify_invalid_inputs");
    }
}
