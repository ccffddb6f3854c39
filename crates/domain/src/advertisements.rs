//! Advertisements (*utlysninger*): the coupling of hospital and municipality, the positions, the
//! criteria, the screening questions, and the window in which applications are accepted.
//!
//! Positions are advertised coupled (000 §6.2.3, regulation § 13): under **§ 13a** the applicant
//! is hired at once in the hospital and in one named municipality; under **§ 13b** the applicant
//! is hired in the hospital and gets a right to a place in one of the municipalities the hospital
//! cooperates with, assigned later by lottery. From 2022 some positions are **bound** to a later
//! specialist position (004): LIS3 in psychiatry or child and adolescent psychiatry at a hospital
//! trust, or ALIS (general practice) in a municipality.
//!
//! The advertisement must say what is required and what gives extra points (004 §2.7):
//! [`FormalCriteria`] (checked against a profile by [`check_formal`]), weighted criteria (free
//! text, judged by people) and a points [`Rubric`].
//!
//! [`validate_advertisement`] returns **every** problem with a draft, each naming its form field.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::calendar::{format_date, format_datetime, to_oslo};
use crate::profiles::{
    Authorisation, DegreeKind, EducationRegion, MAX_REFERENCES, NorwegianLevel, Profile,
    labelled_enum,
};
use crate::scoring::{Rubric, RubricError, valid_slug};
use crate::{Lang, Localized};

/// The longest title, in characters.
pub const TITLE_MAX_CHARS: usize = 200;
/// The longest description, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 20_000;
/// The most positions of one kind in one row.
pub const MAX_POSITION_COUNT: u16 = 200;
/// The most position rows in one advertisement.
pub const MAX_POSITION_ROWS: usize = 50;
/// The most screening questions.
pub const MAX_QUESTIONS: usize = 20;
/// The longest question text, in characters.
pub const QUESTION_MAX_CHARS: usize = 500;
/// The most weighted criteria.
pub const MAX_WEIGHTED_CRITERIA: usize = 20;
/// The longest weighted criterion, in characters.
pub const WEIGHTED_CRITERION_MAX_CHARS: usize = 500;

labelled_enum! {
    /// How hospital and municipality are coupled (000 §6.2.3, regulation § 13).
    pub enum Coupling {
        /// § 13a: hired at once in the hospital and in one named municipality.
        Section13a = "section13a", "§ 13a – sykehus og én kommune", "§ 13a – sjukehus og éin kommune",
            "§ 13a – hospital and one municipality";
        /// § 13b: hired in the hospital, with a right to one of a group of municipalities in
        /// its cooperation area, assigned by lottery.
        Section13b = "section13b", "§ 13b – sykehus og en gruppe kommuner", "§ 13b – sjukehus og ei gruppe kommunar",
            "§ 13b – hospital and a group of municipalities";
    }
}

labelled_enum! {
    /// Ordinary LIS1, or LIS1 bound to a later specialist position (004).
    pub enum PositionKind {
        /// An ordinary LIS1 position.
        Ordinary = "ordinary", "Ordinær LIS1", "Ordinær LIS1", "Ordinary LIS1";
        /// LIS1 bound to LIS3 in psychiatry at a hospital trust.
        BoundLis3Psychiatry = "bound_lis3_psychiatry", "LIS1 + LIS3 psykiatri", "LIS1 + LIS3 psykiatri",
            "LIS1 + LIS3 psychiatry";
        /// LIS1 bound to LIS3 in child and adolescent psychiatry (BUP) at a hospital trust.
        BoundLis3Bup = "bound_lis3_bup", "LIS1 + LIS3 barne- og ungdomspsykiatri", "LIS1 + LIS3 barne- og ungdomspsykiatri",
            "LIS1 + LIS3 child and adolescent psychiatry";
        /// LIS1 bound to ALIS, a general practice trainee position in a municipality.
        BoundAlis = "bound_alis", "LIS1 + ALIS allmennmedisin", "LIS1 + ALIS allmennmedisin", "LIS1 + ALIS general practice";
    }
}

labelled_enum! {
    /// Who employs the doctor in the later (LIS3 or ALIS) position.
    pub enum LaterEmployer {
        /// A hospital trust (HF), for LIS3.
        Hf = "hf", "Helseforetak", "Helseføretak", "Hospital trust";
        /// A municipality, for ALIS.
        Municipality = "municipality", "Kommune", "Kommune", "Municipality";
    }
}

impl PositionKind {
    /// Whether the position is bound to a later specialist position.
    pub fn is_bound(self) -> bool {
        self != PositionKind::Ordinary
    }

    /// Who employs the doctor in the later position — and so, 004: **decides** who is offered
    /// the combined position (the HF for LIS3, the municipality for ALIS). `None` for ordinary
    /// positions.
    pub fn later_employer_kind(self) -> Option<LaterEmployer> {
        match self {
            PositionKind::Ordinary => None,
            PositionKind::BoundLis3Psychiatry | PositionKind::BoundLis3Bup => {
                Some(LaterEmployer::Hf)
            }
            PositionKind::BoundAlis => Some(LaterEmployer::Municipality),
        }
    }
}

/// One row of positions in an advertisement draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PositionDraft {
    /// Ordinary or bound.
    pub kind: PositionKind,
    /// How many positions of this kind, 1–[`MAX_POSITION_COUNT`].
    pub count: u16,
    /// The municipality (store id): required for ALIS (the GP position's municipality),
    /// optional otherwise; always in the cooperation area.
    #[serde(default)]
    pub municipality_id: Option<i64>,
    /// The organisation (store id) that employs in the later position: required for bound
    /// positions, absent for ordinary ones.
    #[serde(default)]
    pub later_employer_id: Option<i64>,
}

/// An advertisement as entered in a form, not yet checked. See [`validate_advertisement`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvertisementDraft {
    /// The title, 1–[`TITLE_MAX_CHARS`] characters.
    pub title: String,
    /// The text, at most [`DESCRIPTION_MAX_CHARS`] characters.
    pub description: String,
    /// § 13a or § 13b.
    pub coupling: Coupling,
    /// The municipalities (store ids): exactly one under § 13a, at least one under § 13b, all in
    /// the hospital's cooperation area.
    pub municipality_ids: Vec<i64>,
    /// The positions.
    pub positions: Vec<PositionDraft>,
    /// The formal criteria (000 §6.2.1).
    pub formal_criteria: FormalCriteria,
    /// Criteria that are weighed (000 §6.2.2), free text, one per line.
    #[serde(default)]
    pub weighted_criteria: Vec<String>,
    /// What gives points (004 §2.7).
    #[serde(default)]
    pub rubric: Rubric,
    /// Screening questions every applicant answers.
    #[serde(default)]
    pub screening: Vec<ScreeningQuestion>,
    /// Whether a declined offer goes to the next applicant in line without a new decision.
    #[serde(default)]
    pub auto_next_in_line: bool,
}

impl AdvertisementDraft {
    /// The number of positions, all rows together.
    pub fn total_positions(&self) -> u32 {
        self.positions.iter().map(|p| u32::from(p.count)).sum()
    }

    /// Whether any position is bound (004: then the advertisement must make clear which).
    pub fn has_bound_positions(&self) -> bool {
        self.positions.iter().any(|p| p.kind.is_bound())
    }
}

// ---------------------------------------------------------------------------------------------
// Screening questions

labelled_enum! {
    /// The kind of answer a screening question takes.
    pub enum QuestionKind {
        /// Yes or no.
        YesNo = "yes_no", "Ja/nei", "Ja/nei", "Yes/no";
    }
}

labelled_enum! {
    /// An answer to a yes/no screening question.
    pub enum Answer {
        /// Yes.
        Yes = "yes", "Ja", "Ja", "Yes";
        /// No.
        No = "no", "Nei", "Nei", "No";
    }
}

/// A screening question (*screeningspørsmål*) that sorts applicants (domain notes §3).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ScreeningQuestion {
    /// A slug, unique in the advertisement: `a-z`, `0-9`, `_`, `-`, at most 40 characters.
    pub id: String,
    /// The question in bokmål.
    pub text_nb: String,
    /// The question in English.
    pub text_en: String,
    /// The kind of answer.
    pub kind: QuestionKind,
}

/// The bokmål text of [`ScreeningQuestion::applies_for_bound`].
const APPLIES_FOR_BOUND_NB: &str = "Søker du på den bundne stillingen?";

/// The id of the single standard bound question of older advertisements.
const APPLIES_FOR_BOUND_ID: &str = "applies_for_bound";

/// What a standard question's answer follows from (it is never asked; see
/// [`derive_bound_answer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DerivedFrom {
    /// Any bound position ticked (the single question of older advertisements).
    AnyBound,
    /// A position of this bound kind ticked (one question per bound kind).
    Kind(PositionKind),
}

/// The standard questions of an advertisement with these positions: one per bound kind among
/// them, in the order of [`PositionKind::ALL`] (issue 11, item 5: one question per bound kind,
/// each answered by the positions ticked). None without bound positions.
pub fn bound_questions(kinds: impl IntoIterator<Item = PositionKind>) -> Vec<ScreeningQuestion> {
    let present: Vec<PositionKind> = kinds.into_iter().collect();
    PositionKind::ALL
        .iter()
        .filter(|k| present.contains(k))
        .filter_map(|k| ScreeningQuestion::applies_for(*k))
        .collect()
}

impl ScreeningQuestion {
    /// The standard question of a bound kind: "Søker du på stillingen LIS1 + ALIS
    /// allmennmedisin?" (id `applies_for_bound_alis`, …). `None` for ordinary positions.
    pub fn applies_for(kind: PositionKind) -> Option<ScreeningQuestion> {
        kind.is_bound().then(|| ScreeningQuestion {
            id: format!("applies_for_{}", kind.as_str()),
            text_nb: format!("Søker du på stillingen {}?", kind.label(Lang::Nb)),
            text_en: format!(
                "Are you applying for the {} position?",
                kind.label(Lang::En)
            ),
            kind: QuestionKind::YesNo,
        })
    }

    /// What this question's answer follows from, when it is a standard bound question.
    pub fn derived_from(&self) -> Option<DerivedFrom> {
        if self.id == APPLIES_FOR_BOUND_ID {
            return Some(DerivedFrom::AnyBound);
        }
        let kind = PositionKind::parse(self.id.strip_prefix("applies_for_")?).ok()?;
        kind.is_bound().then_some(DerivedFrom::Kind(kind))
    }

    /// Whether it is a standard bound question (answered by the positions ticked, not asked).
    pub fn is_derived(&self) -> bool {
        self.derived_from().is_some()
    }

    /// The single standard question of older advertisements with bound positions (004: it must
    /// be clear what is applied for): "Søker du på den bundne stillingen?". New advertisements
    /// get one per bound kind ([`bound_questions`]); this one keeps working for the old.
    pub fn applies_for_bound() -> ScreeningQuestion {
        ScreeningQuestion {
            id: "applies_for_bound".to_owned(),
            text_nb: APPLIES_FOR_BOUND_NB.to_owned(),
            text_en: "Are you applying for the bound position?".to_owned(),
            kind: QuestionKind::YesNo,
        }
    }

    /// The question in `lang`. The employer writes questions in bokmål and English; nynorsk
    /// readers see the Norwegian the employer wrote, except for the standard question, which has
    /// a nynorsk text of its own.
    pub fn text(&self, lang: Lang) -> &str {
        if lang == Lang::Nn
            && let Some(DerivedFrom::Kind(kind)) = self.derived_from()
            && Self::applies_for(kind).is_some_and(|q| q.text_nb == self.text_nb)
        {
            return NN_BOUND_TEXTS
                .iter()
                .find(|(k, _)| *k == kind)
                .map_or(self.text_nb.as_str(), |(_, t)| *t);
        }
        let nn = if self.id == APPLIES_FOR_BOUND_ID && self.text_nb == APPLIES_FOR_BOUND_NB {
            "Søkjer du på den bundne stillinga?"
        } else {
            &self.text_nb
        };
        lang.pick3(&self.text_nb, nn, &self.text_en)
    }
}

/// The nynorsk texts of the standard questions per bound kind.
const NN_BOUND_TEXTS: &[(PositionKind, &str)] = &[
    (
        PositionKind::BoundLis3Psychiatry,
        "Søkjer du på stillinga LIS1 + LIS3 psykiatri?",
    ),
    (
        PositionKind::BoundLis3Bup,
        "Søkjer du på stillinga LIS1 + LIS3 barne- og ungdomspsykiatri?",
    ),
    (
        PositionKind::BoundAlis,
        "Søkjer du på stillinga LIS1 + ALIS allmennmedisin?",
    ),
];

/// The answers with the standard bound questions answered from the positions ticked (issue 11,
/// item 5: one source, so no answer can contradict the ticks): each per-kind question
/// ([`ScreeningQuestion::applies_for`]) yes exactly when a position of its kind is ticked; the
/// single question of older advertisements ([`ScreeningQuestion::applies_for_bound`]) yes when
/// any bound position is. An answer the applicant sent that contradicts the ticks is refused at
/// `answers[<id>]`; a consistent one, or none, is accepted. A client still sending the single
/// question's answer to an advertisement with per-kind questions is held to the same rule, and
/// the answer is then dropped. Without standard questions nothing changes.
pub fn derive_bound_answer(
    questions: &[ScreeningQuestion],
    ticked: &[PositionKind],
    answers: &[(String, Answer)],
) -> Result<Vec<(String, Answer)>, AdError> {
    let yes_if = |b: bool| if b { Answer::Yes } else { Answer::No };
    let any_bound = ticked.iter().any(|k| k.is_bound());
    let derived: Vec<(String, Answer)> = questions
        .iter()
        .filter_map(|q| {
            let a = match q.derived_from()? {
                DerivedFrom::AnyBound => yes_if(any_bound),
                DerivedFrom::Kind(kind) => yes_if(ticked.contains(&kind)),
            };
            Some((q.id.clone(), a))
        })
        .collect();
    if derived.is_empty() {
        return Ok(answers.to_vec());
    }
    // The old single question sent to an advertisement that asks per kind.
    let legacy = (!derived.iter().any(|(id, _)| id == APPLIES_FOR_BOUND_ID))
        .then(|| (APPLIES_FOR_BOUND_ID.to_owned(), yes_if(any_bound)));
    for (q, sent) in answers {
        let expected = derived
            .iter()
            .chain(legacy.iter())
            .find(|(id, _)| id == q)
            .map(|(_, a)| *a);
        if let Some(expected) = expected
            && *sent != expected
        {
            return Err(AdError::new(
                format!("answers[{q}]"),
                AdRule::BoundAnswerContradicts {
                    ticked_bound: expected == Answer::Yes,
                },
            ));
        }
    }
    let mut out: Vec<(String, Answer)> = answers
        .iter()
        .filter(|(q, _)| !derived.iter().chain(legacy.iter()).any(|(id, _)| id == q))
        .cloned()
        .collect();
    out.extend(derived);
    Ok(out)
}

/// Checks an applicant's answers: every question answered exactly once, no unknown question.
/// Returns **all** problems; the field is `answers[<question id>]`.
pub fn validate_answers(
    questions: &[ScreeningQuestion],
    answers: &[(String, Answer)],
) -> Result<(), Vec<AdError>> {
    let mut errors = Vec::new();
    for (i, (id, _)) in answers.iter().enumerate() {
        let field = format!("answers[{}]", id.chars().take(40).collect::<String>());
        if !questions.iter().any(|q| &q.id == id) {
            errors.push(AdError::new(field, AdRule::UnknownQuestion));
        } else if answers.iter().take(i).any(|(earlier, _)| earlier == id) {
            // Reported once per extra answer; the first answer is not an error.
            errors.push(AdError::new(field, AdRule::AnsweredTwice));
        }
    }
    for q in questions {
        if !answers.iter().any(|(id, _)| id == &q.id) {
            errors.push(AdError::new(
                format!("answers[{}]", q.id),
                AdRule::NotAnswered,
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

// ---------------------------------------------------------------------------------------------
// Formal criteria

/// The formal criteria (*formalkriterier*) of an advertisement: the hard requirements that
/// [`check_formal`] tests against a profile. The default requires nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct FormalCriteria {
    /// The degree cand.med., awarded by the start date.
    pub require_cand_med: bool,
    /// Norwegian authorisation or LIS1 licence by the start date.
    pub require_authorisation_by_start: bool,
    /// The lowest accepted level of Norwegian.
    #[serde(default)]
    pub min_norwegian: Option<NorwegianLevel>,
    /// The level of Norwegian must be documented.
    #[serde(default)]
    pub require_norwegian_document: bool,
    /// The fewest references, 0–[`MAX_REFERENCES`].
    #[serde(default)]
    pub min_references: u8,
}

impl FormalCriteria {
    /// The criteria of HNT, 000 §6.2.1: cand.med.; Norwegian authorisation by the start date
    /// (a LIS1 licence also qualifies for a LIS1 position); Norwegian at least C1 on the
    /// Bergen test, documented; at least two references. (The forms, police certificate and
    /// driving licence in §6.2.1 are due before the start or only wanted, so not checked here.)
    pub fn hnt() -> FormalCriteria {
        FormalCriteria {
            require_cand_med: true,
            require_authorisation_by_start: true,
            min_norwegian: Some(NorwegianLevel::C1),
            require_norwegian_document: true,
            min_references: 2,
        }
    }

    /// One line per criterion, for the advertisement.
    pub fn describe(&self, lang: Lang) -> Vec<String> {
        let mut lines = Vec::new();
        if self.require_cand_med {
            lines.push(
                lang.pick3("Graden cand.med.", "Graden cand.med.", "A cand.med. degree")
                    .to_owned(),
            );
        }
        if self.require_authorisation_by_start {
            lines.push(
                lang.pick3(
                    "Norsk autorisasjon eller LIS1-lisens innen oppstart",
                    "Norsk autorisasjon eller LIS1-lisens innan oppstart",
                    "Norwegian authorisation or LIS1 licence by the start date",
                )
                .to_owned(),
            );
        }
        if let Some(min) = self.min_norwegian {
            let level = level_text(min, lang);
            lines.push(match lang {
                Lang::Nb => format!("Norskkunnskaper tilsvarende minst {level}"),
                Lang::Nn => format!("Norskkunnskapar tilsvarande minst {level}"),
                Lang::En => format!("Norwegian at level {level} or better"),
            });
        }
        if self.require_norwegian_document {
            lines.push(
                lang.pick3(
                    "Norskkunnskapene må dokumenteres (for eksempel Bergenstesten)",
                    "Norskkunnskapane må dokumenterast (til dømes Bergenstesten)",
                    "Norwegian must be documented (for example the Bergen test)",
                )
                .to_owned(),
            );
        }
        if self.min_references > 0 {
            let n = self.min_references;
            lines.push(match lang {
                Lang::Nb => format!(
                    "Minst {n} {}",
                    plural_no(n.into(), "referanse", "referanser")
                ),
                Lang::Nn => format!(
                    "Minst {n} {}",
                    plural_no(n.into(), "referanse", "referansar")
                ),
                Lang::En => format!("At least {n} {}", plural_en(n.into(), "reference")),
            });
        }
        lines
    }
}

labelled_enum! {
    /// A formal criterion.
    pub enum Criterion {
        /// The degree cand.med.
        CandMed = "cand_med", "Graden cand.med.", "Graden cand.med.", "Cand.med. degree";
        /// Authorisation or LIS1 licence by the start date.
        AuthorisationByStart = "authorisation_by_start", "Autorisasjon eller LIS1-lisens", "Autorisasjon eller LIS1-lisens",
            "Authorisation or LIS1 licence";
        /// The level of Norwegian.
        NorwegianLevel = "norwegian_level", "Norskkunnskaper", "Norskkunnskapar", "Norwegian";
        /// A document of the level of Norwegian.
        NorwegianDocument = "norwegian_document", "Dokumentasjon av norsk", "Dokumentasjon av norsk",
            "Documentation of Norwegian";
        /// The number of references.
        References = "references", "Referanser", "Referansar", "References";
    }
}

/// The outcome of one formal criterion for one profile.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CriterionCheck {
    /// Which criterion.
    pub criterion: Criterion,
    /// Whether the profile meets it (as stated by the applicant; the documents decide).
    pub met: bool,
    /// Met only on an expected future event (authorisation applied for, expected by the start
    /// date): the recruiter must see it documented before the start.
    pub provisional: bool,
    /// Why, in bokmål, e.g. `Autorisasjon fra 01.10.2027 er etter oppstart 01.09.2027.`
    pub reason: String,
    /// Why, in nynorsk.
    pub reason_nn: String,
    /// Why, in English.
    pub reason_en: String,
}

impl CriterionCheck {
    /// The reason in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        lang.pick3(&self.reason, &self.reason_nn, &self.reason_en)
    }
}

/// Whether every check is met (provisionally met counts as met).
pub fn all_met(checks: &[CriterionCheck]) -> bool {
    checks.iter().all(|c| c.met)
}

/// Checks the profile against each criterion the advertisement sets (criteria it does not set
/// are left out), in the order of [`Criterion::ALL`].
///
/// * cand.med.: the degree is cand.med. and, if dated, awarded on or before `start_date`;
/// * authorisation: authorisation or LIS1 licence effective on or before `start_date` (000
///   §6.2.1 "innen 1. september": *by* the start, so the start date itself is in time). An
///   authorisation applied for and expected by the start date is met **provisionally**;
///   applied for without an expected date, or expected later, is not met;
/// * Norwegian: the stated level is at least the minimum;
/// * documented Norwegian: a document is attached — or the applicant has a cand.med. from
///   Norway, which is taught in Norwegian and documents the language by itself;
/// * references: at least the minimum number of references with a name.
pub fn check_formal(c: &FormalCriteria, p: &Profile, start_date: Date) -> Vec<CriterionCheck> {
    // Each reason is written in all three languages: (bokmål, nynorsk, English).
    let start_nb = format_date(start_date, Lang::Nb);
    let start_nn = format_date(start_date, Lang::Nn);
    let start_en = format_date(start_date, Lang::En);
    let d = |date: Date| {
        (
            format_date(date, Lang::Nb),
            format_date(date, Lang::Nn),
            format_date(date, Lang::En),
        )
    };
    let mut checks = Vec::new();
    let mut push = |criterion, met, provisional, (nb, nn, en): (String, String, String)| {
        checks.push(CriterionCheck {
            criterion,
            met,
            provisional,
            reason: nb,
            reason_nn: nn,
            reason_en: en,
        });
    };
    let owned = |nb: &str, nn: &str, en: &str| (nb.to_owned(), nn.to_owned(), en.to_owned());

    if c.require_cand_med {
        let (met, texts) = match (p.education.degree, p.education.degree_date) {
            (DegreeKind::CandMed, None) => (
                true,
                owned(
                    "Graden cand.med. er oppgitt.",
                    "Graden cand.med. er oppgitt.",
                    "A cand.med. degree is stated.",
                ),
            ),
            (DegreeKind::CandMed, Some(date)) => {
                let (dnb, dnn, den) = d(date);
                if date <= start_date {
                    (
                        true,
                        (
                            format!("Cand.med. fra {dnb}, innen oppstart {start_nb}."),
                            format!("Cand.med. frå {dnn}, innan oppstart {start_nn}."),
                            format!("Cand.med. from {den}, by the start date {start_en}."),
                        ),
                    )
                } else {
                    (
                        false,
                        (
                            format!("Cand.med. fra {dnb} er etter oppstart {start_nb}."),
                            format!("Cand.med. frå {dnn} er etter oppstart {start_nn}."),
                            format!("Cand.med. from {den} is after the start date {start_en}."),
                        ),
                    )
                }
            }
            (DegreeKind::Other, _) => (
                false,
                owned(
                    "Graden cand.med. er ikke oppgitt.",
                    "Graden cand.med. er ikkje oppgitt.",
                    "No cand.med. degree is stated.",
                ),
            ),
        };
        push(Criterion::CandMed, met, false, texts);
    }

    if c.require_authorisation_by_start {
        let held = |what_nb: &str, what_nn: &str, what_en: &str, date: Date| {
            let (dnb, dnn, den) = d(date);
            if date <= start_date {
                (
                    true,
                    false,
                    (
                        format!("{what_nb} fra {dnb}, innen oppstart {start_nb}."),
                        format!("{what_nn} frå {dnn}, innan oppstart {start_nn}."),
                        format!("{what_en} from {den}, by the start date {start_en}."),
                    ),
                )
            } else {
                (
                    false,
                    false,
                    (
                        format!("{what_nb} fra {dnb} er etter oppstart {start_nb}."),
                        format!("{what_nn} frå {dnn} er etter oppstart {start_nn}."),
                        format!("{what_en} from {den} is after the start date {start_en}."),
                    ),
                )
            }
        };
        let (met, provisional, texts) = match p.authorisation {
            Authorisation::Authorised { date } => {
                held("Autorisasjon", "Autorisasjon", "Authorisation", date)
            }
            Authorisation::Lis1Licence { date } => {
                held("LIS1-lisens", "LIS1-lisens", "LIS1 licence", date)
            }
            Authorisation::Applied {
                expected: Some(date),
            } => {
                let (dnb, dnn, den) = d(date);
                if date <= start_date {
                    (
                        true,
                        true,
                        (
                            format!(
                                "Autorisasjon er søkt og ventet {dnb}, innen oppstart {start_nb}; \
                                 må dokumenteres før oppstart."
                            ),
                            format!(
                                "Autorisasjon er søkt og venta {dnn}, innan oppstart {start_nn}; \
                                 må dokumenterast før oppstart."
                            ),
                            format!(
                                "Authorisation applied for, expected {den}, by the start date \
                                 {start_en}; must be documented before the start."
                            ),
                        ),
                    )
                } else {
                    (
                        false,
                        false,
                        (
                            format!(
                                "Autorisasjon er søkt, men ventet {dnb}, etter oppstart {start_nb}."
                            ),
                            format!(
                                "Autorisasjon er søkt, men venta {dnn}, etter oppstart {start_nn}."
                            ),
                            format!(
                                "Authorisation applied for, but expected {den}, after the start \
                                 date {start_en}."
                            ),
                        ),
                    )
                }
            }
            Authorisation::Applied { expected: None } => (
                false,
                false,
                owned(
                    "Autorisasjon er søkt, men uten forventet dato.",
                    "Autorisasjon er søkt, men utan forventa dato.",
                    "Authorisation applied for, but with no expected date.",
                ),
            ),
            Authorisation::None => (
                false,
                false,
                owned(
                    "Verken autorisasjon eller LIS1-lisens er oppgitt.",
                    "Korkje autorisasjon eller LIS1-lisens er oppgitt.",
                    "Neither authorisation nor LIS1 licence is stated.",
                ),
            ),
        };
        push(Criterion::AuthorisationByStart, met, provisional, texts);
    }

    if let Some(min) = c.min_norwegian {
        let has = |lang| level_text(p.norwegian, lang);
        let req = |lang| level_text(min, lang);
        if p.norwegian >= min {
            push(
                Criterion::NorwegianLevel,
                true,
                false,
                (
                    format!("Norsk: {} (krav: minst {}).", has(Lang::Nb), req(Lang::Nb)),
                    format!("Norsk: {} (krav: minst {}).", has(Lang::Nn), req(Lang::Nn)),
                    format!(
                        "Norwegian: {} (required: at least {}).",
                        has(Lang::En),
                        req(Lang::En)
                    ),
                ),
            );
        } else {
            push(
                Criterion::NorwegianLevel,
                false,
                false,
                (
                    format!("Norsk: {}, under kravet {}.", has(Lang::Nb), req(Lang::Nb)),
                    format!("Norsk: {}, under kravet {}.", has(Lang::Nn), req(Lang::Nn)),
                    format!(
                        "Norwegian: {}, below the required {}.",
                        has(Lang::En),
                        req(Lang::En)
                    ),
                ),
            );
        }
    }

    if c.require_norwegian_document {
        let norwegian_degree = p.education.degree == DegreeKind::CandMed
            && p.education.region() == EducationRegion::Norway;
        let (met, texts) = if p.norwegian_documented {
            (
                true,
                owned(
                    "Dokumentasjon av norskkunnskapene er lagt ved.",
                    "Dokumentasjon av norskkunnskapane er lagd ved.",
                    "Documentation of Norwegian is attached.",
                ),
            )
        } else if norwegian_degree {
            (
                true,
                owned(
                    "Medisinstudiet i Norge dokumenterer norskkunnskapene.",
                    "Medisinstudiet i Noreg dokumenterer norskkunnskapane.",
                    "The medical degree from Norway documents the Norwegian.",
                ),
            )
        } else {
            (
                false,
                owned(
                    "Dokumentasjon av norskkunnskapene (for eksempel Bergenstesten) mangler.",
                    "Dokumentasjon av norskkunnskapane (til dømes Bergenstesten) manglar.",
                    "Documentation of Norwegian (for example the Bergen test) is missing.",
                ),
            )
        };
        push(Criterion::NorwegianDocument, met, false, texts);
    }

    if c.min_references > 0 {
        let n = p
            .references
            .iter()
            .filter(|r| !r.name.trim().is_empty())
            .count();
        let min = usize::from(c.min_references);
        let (nb_n, nn_n, en_n) = (
            format!("{n} {}", plural_no(n, "referanse", "referanser")),
            format!("{n} {}", plural_no(n, "referanse", "referansar")),
            format!("{n} {}", plural_en(n, "reference")),
        );
        if n >= min {
            push(
                Criterion::References,
                true,
                false,
                (
                    format!("{nb_n} oppgitt (krav: minst {min})."),
                    format!("{nn_n} oppgitt (krav: minst {min})."),
                    format!("{en_n} given (required: at least {min})."),
                ),
            );
        } else {
            push(
                Criterion::References,
                false,
                false,
                (
                    format!("{nb_n} oppgitt, krav: minst {min}."),
                    format!("{nn_n} oppgitt, krav: minst {min}."),
                    format!("{en_n} given, required: at least {min}."),
                ),
            );
        }
    }
    checks
}

/// `C1`, or `morsmål` / `native` for a first language, to read inside a sentence.
fn level_text(level: NorwegianLevel, lang: Lang) -> &'static str {
    match level {
        NorwegianLevel::Native => lang.pick3("morsmål", "morsmål", "native"),
        other => other.label(lang),
    }
}

/// `one` or `many` by `n`, for bokmål or nynorsk.
fn plural_no(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

fn plural_en(n: usize, one: &str) -> String {
    if n == 1 {
        one.to_owned()
    } else {
        format!("{one}s")
    }
}

// ---------------------------------------------------------------------------------------------
// The application window

labelled_enum! {
    /// Whether an advertisement takes applications.
    pub enum Window {
        /// Before the announcement.
        NotYetOpen = "not_yet_open", "Ikke åpnet ennå", "Ikkje opna enno", "Not yet open";
        /// From the announcement up to and including the deadline.
        Open = "open", "Åpen for søknader", "Open for søknader", "Open for applications";
        /// After the deadline.
        Closed = "closed", "Søknadsfristen er ute", "Søknadsfristen er ute", "The deadline has passed";
    }
}

/// Where `now` lies: before `announcement` not yet open; from `announcement` to `deadline`
/// (both inclusive) open; after `deadline` closed. The deadline is an instant: a deadline of
/// 23.59 closes at 23:59:00, and an application at 23:59:30 is late.
pub fn application_window(announcement: Timestamp, deadline: Timestamp, now: Timestamp) -> Window {
    if now < announcement {
        Window::NotYetOpen
    } else if now <= deadline {
        Window::Open
    } else {
        Window::Closed
    }
}

/// Refuses an application after `deadline` (domain notes §3: applications only through the
/// portal, by the common deadline). `lang` is not needed — [`ApplyError`] renders in either
/// language through [`Localized::message`] — and is kept so that callers written against the
/// first draft of this API compile. See [`check_apply_window`] to also refuse early applications.
pub fn check_can_apply(deadline: Timestamp, now: Timestamp, lang: Lang) -> Result<(), ApplyError> {
    let _ = lang;
    if now > deadline {
        Err(ApplyError::DeadlinePassed { deadline })
    } else {
        Ok(())
    }
}

/// Refuses an application before `announcement` or after `deadline`, as
/// [`application_window`] decides.
pub fn check_apply_window(
    announcement: Timestamp,
    deadline: Timestamp,
    now: Timestamp,
) -> Result<(), ApplyError> {
    match application_window(announcement, deadline, now) {
        Window::NotYetOpen => Err(ApplyError::NotOpen {
            opens: announcement,
        }),
        Window::Open => Ok(()),
        Window::Closed => Err(ApplyError::DeadlinePassed { deadline }),
    }
}

/// Why an application cannot be made now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ApplyError {
    /// The deadline has passed.
    DeadlinePassed {
        /// The deadline.
        deadline: Timestamp,
    },
    /// The advertisement is not yet published.
    NotOpen {
        /// When it opens.
        opens: Timestamp,
    },
}

impl Localized for ApplyError {
    fn code(&self) -> &'static str {
        match self {
            ApplyError::DeadlinePassed { .. } => "application_deadline_passed",
            ApplyError::NotOpen { .. } => "application_not_open",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (ApplyError::DeadlinePassed { deadline }, Lang::Nb) => format!(
                "Søknadsfristen var {}. Søknaden ble ikke lagret.",
                format_datetime(to_oslo(*deadline), lang)
            ),
            (ApplyError::DeadlinePassed { deadline }, Lang::Nn) => format!(
                "Søknadsfristen var {}. Søknaden vart ikkje lagra.",
                format_datetime(to_oslo(*deadline), lang)
            ),
            (ApplyError::DeadlinePassed { deadline }, Lang::En) => format!(
                "The application deadline was {}. The application was not saved.",
                format_datetime(to_oslo(*deadline), lang)
            ),
            (ApplyError::NotOpen { opens }, Lang::Nb) => format!(
                "Utlysningen er ikke åpnet for søknader ennå. Den åpner {}.",
                format_datetime(to_oslo(*opens), lang)
            ),
            (ApplyError::NotOpen { opens }, Lang::Nn) => format!(
                "Utlysinga er ikkje opna for søknader enno. Ho opnar {}.",
                format_datetime(to_oslo(*opens), lang)
            ),
            (ApplyError::NotOpen { opens }, Lang::En) => format!(
                "The advertisement is not open for applications yet. It opens {}.",
                format_datetime(to_oslo(*opens), lang)
            ),
        }
    }
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Nb))
    }
}

impl std::error::Error for ApplyError {}

// ---------------------------------------------------------------------------------------------
// Validation

/// A broken rule of an advertisement or of a set of answers. Indexes count from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdRule {
    /// The title is empty.
    TitleRequired,
    /// The title is longer than [`TITLE_MAX_CHARS`].
    TitleTooLong,
    /// The description is longer than [`DESCRIPTION_MAX_CHARS`].
    DescriptionTooLong,
    /// § 13a names one municipality; `count` were given.
    Section13aNeedsOneMunicipality {
        /// How many were given.
        count: usize,
    },
    /// § 13b without any municipality.
    MunicipalitiesRequired,
    /// A municipality outside the hospital's cooperation area.
    MunicipalityNotInArea {
        /// The municipality's store id.
        municipality_id: i64,
    },
    /// A municipality listed twice.
    MunicipalityDuplicate {
        /// The municipality's store id.
        municipality_id: i64,
    },
    /// No positions.
    PositionsRequired,
    /// More than [`MAX_POSITION_ROWS`] rows of positions.
    TooManyPositionRows,
    /// A count outside 1–[`MAX_POSITION_COUNT`].
    PositionCountOutOfRange {
        /// The row.
        position: usize,
    },
    /// A bound ALIS position without the GP position's municipality.
    AlisNeedsMunicipality {
        /// The row.
        position: usize,
    },
    /// A position's municipality outside the cooperation area.
    PositionMunicipalityNotInArea {
        /// The row.
        position: usize,
        /// The municipality's store id.
        municipality_id: i64,
    },
    /// A bound position without the employer of the later position.
    BoundNeedsLaterEmployer {
        /// The row.
        position: usize,
    },
    /// An ordinary position with an employer of a later position.
    OrdinaryHasLaterEmployer {
        /// The row.
        position: usize,
    },
    /// More references required than a profile can hold ([`MAX_REFERENCES`]).
    MinReferencesTooHigh,
    /// A problem with the rubric.
    Rubric(RubricError),
    /// More than [`MAX_QUESTIONS`] screening questions.
    TooManyQuestions,
    /// A question id that is not a slug.
    QuestionIdInvalid {
        /// The question.
        question: usize,
    },
    /// A question id used by an earlier question.
    QuestionIdDuplicate {
        /// The question.
        question: usize,
    },
    /// A question without text in a language.
    QuestionTextRequired {
        /// The question.
        question: usize,
        /// The language.
        lang: Lang,
    },
    /// A question text longer than [`QUESTION_MAX_CHARS`].
    QuestionTextTooLong {
        /// The question.
        question: usize,
        /// The language.
        lang: Lang,
    },
    /// More than [`MAX_WEIGHTED_CRITERIA`] weighted criteria.
    TooManyWeightedCriteria,
    /// An empty weighted criterion.
    WeightedCriterionRequired {
        /// The criterion.
        criterion: usize,
    },
    /// A weighted criterion longer than [`WEIGHTED_CRITERION_MAX_CHARS`].
    WeightedCriterionTooLong {
        /// The criterion.
        criterion: usize,
    },
    /// An answer to a question the advertisement does not have.
    UnknownQuestion,
    /// A question without an answer.
    NotAnswered,
    /// A question answered more than once.
    AnsweredTwice,
    /// The answer to the standard bound question contradicts the positions ticked.
    BoundAnswerContradicts {
        /// Whether a bound position is ticked.
        ticked_bound: bool,
    },
}

/// One problem with an advertisement draft or a set of answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AdError {
    /// The form field: `title`, `municipality_ids[1]`, `positions[0].later_employer_id`,
    /// `rubric.items[2].id`, `screening[0].text_en`, `answers[applies_for_bound]`, …
    pub field: String,
    /// The rule that is broken.
    pub rule: AdRule,
}

impl AdError {
    fn new(field: impl Into<String>, rule: AdRule) -> AdError {
        AdError {
            field: field.into(),
            rule,
        }
    }

    /// The form field to show the message next to (a copy of [`AdError::field`], the same
    /// shape as [`crate::profiles::ProfileError::field`]).
    pub fn field(&self) -> String {
        self.field.clone()
    }
}

impl Localized for AdError {
    fn code(&self) -> &'static str {
        match self.rule {
            AdRule::TitleRequired => "ad_title_required",
            AdRule::TitleTooLong => "ad_title_too_long",
            AdRule::DescriptionTooLong => "ad_description_too_long",
            AdRule::Section13aNeedsOneMunicipality { .. } => "section13a_needs_one_municipality",
            AdRule::MunicipalitiesRequired => "ad_municipalities_required",
            AdRule::MunicipalityNotInArea { .. } => "municipality_not_in_area",
            AdRule::MunicipalityDuplicate { .. } => "municipality_duplicate",
            AdRule::PositionsRequired => "ad_positions_required",
            AdRule::TooManyPositionRows => "ad_too_many_position_rows",
            AdRule::PositionCountOutOfRange { .. } => "position_count_out_of_range",
            AdRule::AlisNeedsMunicipality { .. } => "alis_needs_municipality",
            AdRule::PositionMunicipalityNotInArea { .. } => "position_municipality_not_in_area",
            AdRule::BoundNeedsLaterEmployer { .. } => "bound_needs_later_employer",
            AdRule::OrdinaryHasLaterEmployer { .. } => "ordinary_has_later_employer",
            AdRule::MinReferencesTooHigh => "min_references_too_high",
            AdRule::Rubric(e) => e.code(),
            AdRule::TooManyQuestions => "too_many_screening_questions",
            AdRule::QuestionIdInvalid { .. } => "screening_id_invalid",
            AdRule::QuestionIdDuplicate { .. } => "screening_id_duplicate",
            AdRule::QuestionTextRequired { .. } => "screening_text_required",
            AdRule::QuestionTextTooLong { .. } => "screening_text_too_long",
            AdRule::TooManyWeightedCriteria => "too_many_weighted_criteria",
            AdRule::WeightedCriterionRequired { .. } => "weighted_criterion_required",
            AdRule::WeightedCriterionTooLong { .. } => "weighted_criterion_too_long",
            AdRule::UnknownQuestion => "screening_unknown_question",
            AdRule::NotAnswered => "screening_not_answered",
            AdRule::AnsweredTwice => "screening_answered_twice",
            AdRule::BoundAnswerContradicts { .. } => "screening_bound_contradicts",
        }
    }

    fn message(&self, lang: Lang) -> String {
        let nb = lang == Lang::Nb;
        let nn = lang == Lang::Nn;
        // The language of a question's text field (the Norwegian field holds bokmål), named in
        // the reader's language; bokmål and English are spelt the same in bokmål and nynorsk.
        let lang_name = |l: Lang| match (l, lang) {
            (Lang::En, Lang::En) => "English",
            (Lang::En, _) => "engelsk",
            (_, Lang::En) => "Norwegian",
            (_, _) => "bokmål",
        };
        match self.rule {
            AdRule::TitleRequired => lang
                .pick3(
                    "Utlysningen må ha en tittel.",
                    "Utlysinga må ha ein tittel.",
                    "The advertisement needs a title.",
                )
                .to_owned(),
            AdRule::TitleTooLong if nb => format!("Tittelen kan ha høyst {TITLE_MAX_CHARS} tegn."),
            AdRule::TitleTooLong if nn => format!("Tittelen kan ha høgst {TITLE_MAX_CHARS} teikn."),
            AdRule::TitleTooLong => {
                format!("The title may have at most {TITLE_MAX_CHARS} characters.")
            }
            AdRule::DescriptionTooLong if nb => {
                format!("Teksten kan ha høyst {DESCRIPTION_MAX_CHARS} tegn.")
            }
            AdRule::DescriptionTooLong if nn => {
                format!("Teksten kan ha høgst {DESCRIPTION_MAX_CHARS} teikn.")
            }
            AdRule::DescriptionTooLong => {
                format!("The description may have at most {DESCRIPTION_MAX_CHARS} characters.")
            }
            AdRule::Section13aNeedsOneMunicipality { count } if nb => format!(
                "En utlysning etter § 13a kobler sykehuset med nøyaktig én kommune; {count} er \
                 valgt."
            ),
            AdRule::Section13aNeedsOneMunicipality { count } if nn => format!(
                "Ei utlysing etter § 13a koplar sjukehuset med nøyaktig éin kommune; {count} er \
                 valde."
            ),
            AdRule::Section13aNeedsOneMunicipality { count } => format!(
                "An advertisement under § 13a couples the hospital with exactly one municipality; \
                 {count} are selected."
            ),
            AdRule::MunicipalitiesRequired => lang
                .pick3(
                    "Velg minst én kommune fra sykehusets samarbeidsområde (§ 13b).",
                    "Vel minst éin kommune frå samarbeidsområdet til sjukehuset (§ 13b).",
                    "Select at least one municipality from the hospital's cooperation area \
                     (§ 13b).",
                )
                .to_owned(),
            AdRule::MunicipalityNotInArea { .. } => lang
                .pick3(
                    "Kommunen hører ikke til sykehusets samarbeidsområde.",
                    "Kommunen høyrer ikkje til samarbeidsområdet til sjukehuset.",
                    "The municipality is not in the hospital's cooperation area.",
                )
                .to_owned(),
            AdRule::MunicipalityDuplicate { .. } => lang
                .pick3(
                    "Kommunen er valgt to ganger.",
                    "Kommunen er vald to gonger.",
                    "The municipality is selected twice.",
                )
                .to_owned(),
            AdRule::PositionsRequired => lang
                .pick3(
                    "Utlysningen må ha minst én stilling.",
                    "Utlysinga må ha minst éi stilling.",
                    "The advertisement needs at least one position.",
                )
                .to_owned(),
            AdRule::TooManyPositionRows if nb => {
                format!("Utlysningen kan ha høyst {MAX_POSITION_ROWS} stillingslinjer.")
            }
            AdRule::TooManyPositionRows if nn => {
                format!("Utlysinga kan ha høgst {MAX_POSITION_ROWS} stillingslinjer.")
            }
            AdRule::TooManyPositionRows => {
                format!("The advertisement may have at most {MAX_POSITION_ROWS} rows of positions.")
            }
            AdRule::PositionCountOutOfRange { position } if nb => format!(
                "Antallet stillinger i linje {} må være mellom 1 og {MAX_POSITION_COUNT}.",
                position + 1
            ),
            AdRule::PositionCountOutOfRange { position } if nn => format!(
                "Talet på stillingar i linje {} må vere mellom 1 og {MAX_POSITION_COUNT}.",
                position + 1
            ),
            AdRule::PositionCountOutOfRange { position } => format!(
                "The number of positions in row {} must be between 1 and {MAX_POSITION_COUNT}.",
                position + 1
            ),
            AdRule::AlisNeedsMunicipality { position } if nb => format!(
                "Linje {}: en bunden ALIS-stilling må oppgi kommunen der ALIS-stillingen er.",
                position + 1
            ),
            AdRule::AlisNeedsMunicipality { position } if nn => format!(
                "Linje {}: ei bunden ALIS-stilling må oppgi kommunen der ALIS-stillinga er.",
                position + 1
            ),
            AdRule::AlisNeedsMunicipality { position } => format!(
                "Row {}: a bound ALIS position must name the municipality of the ALIS position.",
                position + 1
            ),
            AdRule::PositionMunicipalityNotInArea { position, .. } if nb => format!(
                "Linje {}: kommunen hører ikke til sykehusets samarbeidsområde.",
                position + 1
            ),
            AdRule::PositionMunicipalityNotInArea { position, .. } if nn => format!(
                "Linje {}: kommunen høyrer ikkje til samarbeidsområdet til sjukehuset.",
                position + 1
            ),
            AdRule::PositionMunicipalityNotInArea { position, .. } => format!(
                "Row {}: the municipality is not in the hospital's cooperation area.",
                position + 1
            ),
            AdRule::BoundNeedsLaterEmployer { position } if nb => format!(
                "Linje {}: en bunden stilling må oppgi arbeidsgiveren for den senere stillingen \
                 (helseforetaket for LIS3, kommunen for ALIS), som bestemmer hvem som får tilbud.",
                position + 1
            ),
            AdRule::BoundNeedsLaterEmployer { position } if nn => format!(
                "Linje {}: ei bunden stilling må oppgi arbeidsgjevaren for den seinare stillinga (helseføretaket for LIS3, kommunen for ALIS), som avgjer kven som får tilbod.",
                position + 1
            ),
            AdRule::BoundNeedsLaterEmployer { position } => format!(
                "Row {}: a bound position must name the employer of the later position (the \
                 hospital trust for LIS3, the municipality for ALIS), who decides who gets the \
                 offer.",
                position + 1
            ),
            AdRule::OrdinaryHasLaterEmployer { position } if nb => format!(
                "Linje {}: en ordinær LIS1-stilling har ingen senere arbeidsgiver.",
                position + 1
            ),
            AdRule::OrdinaryHasLaterEmployer { position } if nn => format!(
                "Linje {}: ei ordinær LIS1-stilling har ingen seinare arbeidsgjevar.",
                position + 1
            ),
            AdRule::OrdinaryHasLaterEmployer { position } => format!(
                "Row {}: an ordinary LIS1 position has no later employer.",
                position + 1
            ),
            AdRule::MinReferencesTooHigh if nb => {
                format!("Det kan kreves høyst {MAX_REFERENCES} referanser.")
            }
            AdRule::MinReferencesTooHigh if nn => {
                format!("Det kan krevjast høgst {MAX_REFERENCES} referansar.")
            }
            AdRule::MinReferencesTooHigh => {
                format!("At most {MAX_REFERENCES} references can be required.")
            }
            AdRule::Rubric(e) => e.message(lang),
            AdRule::TooManyQuestions if nb => {
                format!("Utlysningen kan ha høyst {MAX_QUESTIONS} screeningspørsmål.")
            }
            AdRule::TooManyQuestions if nn => {
                format!("Utlysinga kan ha høgst {MAX_QUESTIONS} screeningspørsmål.")
            }
            AdRule::TooManyQuestions => {
                format!("The advertisement may have at most {MAX_QUESTIONS} screening questions.")
            }
            AdRule::QuestionIdInvalid { question } if nb => format!(
                "ID-en til spørsmål {} kan bare ha små bokstaver a–z, sifre, _ og -, og høyst 40 \
                 tegn.",
                question + 1
            ),
            AdRule::QuestionIdInvalid { question } if nn => format!(
                "ID-en til spørsmål {} kan berre ha små bokstavar a–z, siffer, _ og -, og høgst 40 teikn.",
                question + 1
            ),
            AdRule::QuestionIdInvalid { question } => format!(
                "The id of question {} may contain only lowercase a–z, digits, _ and -, at most \
                 40 characters.",
                question + 1
            ),
            AdRule::QuestionIdDuplicate { question } if nb => format!(
                "ID-en til spørsmål {} er allerede brukt av et annet spørsmål.",
                question + 1
            ),
            AdRule::QuestionIdDuplicate { question } if nn => format!(
                "ID-en til spørsmål {} er allereie brukt av eit anna spørsmål.",
                question + 1
            ),
            AdRule::QuestionIdDuplicate { question } => format!(
                "The id of question {} is already used by another question.",
                question + 1
            ),
            AdRule::QuestionTextRequired { question, lang: l } if nb => {
                format!("Spørsmål {} må ha tekst på {}.", question + 1, lang_name(l))
            }
            AdRule::QuestionTextRequired { question, lang: l } if nn => {
                format!("Spørsmål {} må ha tekst på {}.", question + 1, lang_name(l))
            }
            AdRule::QuestionTextRequired { question, lang: l } => format!(
                "Question {} needs a text in {}.",
                question + 1,
                lang_name(l)
            ),
            AdRule::QuestionTextTooLong { question, lang: l } if nb => format!(
                "Teksten på {} i spørsmål {} kan ha høyst {QUESTION_MAX_CHARS} tegn.",
                lang_name(l),
                question + 1
            ),
            AdRule::QuestionTextTooLong { question, lang: l } if nn => format!(
                "Teksten på {} i spørsmål {} kan ha høgst {QUESTION_MAX_CHARS} teikn.",
                lang_name(l),
                question + 1
            ),
            AdRule::QuestionTextTooLong { question, lang: l } => format!(
                "The {} text of question {} may have at most {QUESTION_MAX_CHARS} characters.",
                lang_name(l),
                question + 1
            ),
            AdRule::TooManyWeightedCriteria if nb => format!(
                "Utlysningen kan ha høyst {MAX_WEIGHTED_CRITERIA} kriterier som vektlegges."
            ),
            AdRule::TooManyWeightedCriteria if nn => format!(
                "Utlysinga kan ha høgst {MAX_WEIGHTED_CRITERIA} kriterium som blir vektlagde."
            ),
            AdRule::TooManyWeightedCriteria => format!(
                "The advertisement may have at most {MAX_WEIGHTED_CRITERIA} weighted criteria."
            ),
            AdRule::WeightedCriterionRequired { criterion } if nb => {
                format!("Kriterium {} er tomt.", criterion + 1)
            }
            AdRule::WeightedCriterionRequired { criterion } if nn => {
                format!("Kriterium {} er tomt.", criterion + 1)
            }
            AdRule::WeightedCriterionRequired { criterion } => {
                format!("Criterion {} is empty.", criterion + 1)
            }
            AdRule::WeightedCriterionTooLong { criterion } if nb => format!(
                "Kriterium {} kan ha høyst {WEIGHTED_CRITERION_MAX_CHARS} tegn.",
                criterion + 1
            ),
            AdRule::WeightedCriterionTooLong { criterion } if nn => format!(
                "Kriterium {} kan ha høgst {WEIGHTED_CRITERION_MAX_CHARS} teikn.",
                criterion + 1
            ),
            AdRule::WeightedCriterionTooLong { criterion } => format!(
                "Criterion {} may have at most {WEIGHTED_CRITERION_MAX_CHARS} characters.",
                criterion + 1
            ),
            AdRule::UnknownQuestion => lang
                .pick3(
                    "Svaret gjelder et spørsmål som ikke finnes i utlysningen.",
                    "Svaret gjeld eit spørsmål som ikkje finst i utlysinga.",
                    "The answer is to a question the advertisement does not have.",
                )
                .to_owned(),
            AdRule::NotAnswered => lang
                .pick3(
                    "Spørsmålet må besvares.",
                    "Spørsmålet må svarast på.",
                    "The question must be answered.",
                )
                .to_owned(),
            AdRule::AnsweredTwice => lang
                .pick3(
                    "Spørsmålet er besvart mer enn én gang.",
                    "Spørsmålet er svart på meir enn éin gong.",
                    "The question is answered more than once.",
                )
                .to_owned(),
            AdRule::BoundAnswerContradicts { ticked_bound: true } => lang
                .pick3(
                    "Du har krysset av for en bunden stilling, så du søker på den bundne stillingen. Svaret kan ikke være nei.",
                    "Du har kryssa av for ei bunden stilling, så du søkjer på den bundne stillinga. Svaret kan ikkje vere nei.",
                    "You ticked a bound position, so you are applying for the bound position. The answer cannot be no.",
                )
                .to_owned(),
            AdRule::BoundAnswerContradicts { ticked_bound: false } => lang
                .pick3(
                    "Du har ikke krysset av for noen bunden stilling. Kryss av for den bundne stillingen om du vil søke på den.",
                    "Du har ikkje kryssa av for nokon bunden stilling. Kryss av for den bundne stillinga om du vil søkje på ho.",
                    "You have not ticked a bound position. Tick the bound position if you want to apply for it.",
                )
                .to_owned(),
        }
    }
}

impl fmt::Display for AdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::Nb))
    }
}

impl std::error::Error for AdError {}

/// Checks a draft and returns **all** problems in form order. `area` lists the municipality ids
/// of the hospital's cooperation area (000 Vedlegg 1).
///
/// * the title has 1–[`TITLE_MAX_CHARS`] characters, the description at most
///   [`DESCRIPTION_MAX_CHARS`];
/// * § 13a names exactly one municipality, § 13b at least one (000 §6.2.3); all are in `area`
///   and none is listed twice;
/// * 1–[`MAX_POSITION_ROWS`] rows of positions, each with 1–[`MAX_POSITION_COUNT`] positions;
///   a bound position names the employer of the later position (004: who decides), a bound
///   ALIS position also the municipality, which is in `area`; an ordinary position names no
///   later employer;
/// * at most [`MAX_REFERENCES`] references required;
/// * the rubric passes [`Rubric::validate`] (fields prefixed `rubric.`);
/// * at most [`MAX_QUESTIONS`] screening questions with unique slug ids and texts of
///   1–[`QUESTION_MAX_CHARS`] characters in both languages;
/// * at most [`MAX_WEIGHTED_CRITERIA`] weighted criteria of 1–[`WEIGHTED_CRITERION_MAX_CHARS`]
///   characters.
pub fn validate_advertisement(d: &AdvertisementDraft, area: &[i64]) -> Result<(), Vec<AdError>> {
    let mut errors = Vec::new();
    let mut push = |field: String, rule| errors.push(AdError::new(field, rule));

    if d.title.trim().is_empty() {
        push("title".into(), AdRule::TitleRequired);
    } else if d.title.chars().count() > TITLE_MAX_CHARS {
        push("title".into(), AdRule::TitleTooLong);
    }
    if d.description.chars().count() > DESCRIPTION_MAX_CHARS {
        push("description".into(), AdRule::DescriptionTooLong);
    }

    // 000 §6.2.3: § 13a one named municipality, § 13b a group from the cooperation area.
    match (d.coupling, d.municipality_ids.len()) {
        (Coupling::Section13a, 1) | (Coupling::Section13b, 1..) => {}
        (Coupling::Section13a, count) => push(
            "municipality_ids".into(),
            AdRule::Section13aNeedsOneMunicipality { count },
        ),
        (Coupling::Section13b, _) => {
            push("municipality_ids".into(), AdRule::MunicipalitiesRequired)
        }
    }
    for (i, &municipality_id) in d.municipality_ids.iter().enumerate() {
        let field = format!("municipality_ids[{i}]");
        if !area.contains(&municipality_id) {
            push(field, AdRule::MunicipalityNotInArea { municipality_id });
        } else if d
            .municipality_ids
            .iter()
            .take(i)
            .any(|&m| m == municipality_id)
        {
            push(field, AdRule::MunicipalityDuplicate { municipality_id });
        }
    }

    if d.positions.is_empty() {
        push("positions".into(), AdRule::PositionsRequired);
    } else if d.positions.len() > MAX_POSITION_ROWS {
        push("positions".into(), AdRule::TooManyPositionRows);
    }
    for (position, p) in d.positions.iter().enumerate() {
        let field = |part: &str| format!("positions[{position}].{part}");
        if !(1..=MAX_POSITION_COUNT).contains(&p.count) {
            push(field("count"), AdRule::PositionCountOutOfRange { position });
        }
        match p.municipality_id {
            None if p.kind == PositionKind::BoundAlis => {
                push(
                    field("municipality_id"),
                    AdRule::AlisNeedsMunicipality { position },
                );
            }
            Some(municipality_id) if !area.contains(&municipality_id) => push(
                field("municipality_id"),
                AdRule::PositionMunicipalityNotInArea {
                    position,
                    municipality_id,
                },
            ),
            _ => {}
        }
        // 004: the employer of the later position decides who gets a bound position.
        match (p.kind.is_bound(), p.later_employer_id) {
            (true, None) => push(
                field("later_employer_id"),
                AdRule::BoundNeedsLaterEmployer { position },
            ),
            (false, Some(_)) => push(
                field("later_employer_id"),
                AdRule::OrdinaryHasLaterEmployer { position },
            ),
            _ => {}
        }
    }

    if usize::from(d.formal_criteria.min_references) > MAX_REFERENCES {
        push(
            "formal_criteria.min_references".into(),
            AdRule::MinReferencesTooHigh,
        );
    }

    if let Err(rubric_errors) = d.rubric.validate() {
        for e in rubric_errors {
            push(format!("rubric.{}", e.field()), AdRule::Rubric(e));
        }
    }

    if d.screening.len() > MAX_QUESTIONS {
        push("screening".into(), AdRule::TooManyQuestions);
    }
    for (question, q) in d.screening.iter().enumerate() {
        let field = |part: &str| format!("screening[{question}].{part}");
        if !valid_slug(&q.id) {
            push(field("id"), AdRule::QuestionIdInvalid { question });
        } else if d.screening.iter().take(question).any(|e| e.id == q.id) {
            push(field("id"), AdRule::QuestionIdDuplicate { question });
        }
        for (text, part, lang) in [
            (&q.text_nb, "text_nb", Lang::Nb),
            (&q.text_en, "text_en", Lang::En),
        ] {
            if text.trim().is_empty() {
                push(field(part), AdRule::QuestionTextRequired { question, lang });
            } else if text.chars().count() > QUESTION_MAX_CHARS {
                push(field(part), AdRule::QuestionTextTooLong { question, lang });
            }
        }
    }

    if d.weighted_criteria.len() > MAX_WEIGHTED_CRITERIA {
        push("weighted_criteria".into(), AdRule::TooManyWeightedCriteria);
    }
    for (criterion, text) in d.weighted_criteria.iter().enumerate() {
        let field = format!("weighted_criteria[{criterion}]");
        if text.trim().is_empty() {
            push(field, AdRule::WeightedCriterionRequired { criterion });
        } else if text.chars().count() > WEIGHTED_CRITERION_MAX_CHARS {
            push(field, AdRule::WeightedCriterionTooLong { criterion });
        }
    }

    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::profiles::Reference;
    use crate::profiles::tests::sample;

    #[test]
    fn the_bound_answer_follows_the_positions_ticked() {
        let questions = vec![ScreeningQuestion::applies_for_bound()];
        let id = "applies_for_bound".to_owned();
        // Derived when not sent: yes with a bound position ticked, no without.
        assert_eq!(
            derive_bound_answer(
                &questions,
                &[PositionKind::Ordinary, PositionKind::BoundAlis],
                &[]
            ),
            Ok(vec![(id.clone(), Answer::Yes)])
        );
        assert_eq!(
            derive_bound_answer(&questions, &[PositionKind::Ordinary], &[]),
            Ok(vec![(id.clone(), Answer::No)])
        );
        // A consistent answer is accepted; a contradicting one refused at the field.
        assert!(
            derive_bound_answer(
                &questions,
                &[PositionKind::BoundLis3Bup],
                &[(id.clone(), Answer::Yes)]
            )
            .is_ok()
        );
        let e = derive_bound_answer(
            &questions,
            &[PositionKind::Ordinary],
            &[(id.clone(), Answer::Yes)],
        )
        .unwrap_err();
        assert_eq!(e.field(), "answers[applies_for_bound]");
        assert_eq!(e.code(), "screening_bound_contradicts");
        assert!(e.message(Lang::Nn).contains("ikkje kryssa av"));
        let e = derive_bound_answer(
            &questions,
            &[PositionKind::BoundLis3Psychiatry],
            &[(id.clone(), Answer::No)],
        )
        .unwrap_err();
        assert!(e.message(Lang::Nb).contains("kan ikke være nei"));
        // Other answers are kept; without the standard question nothing is added.
        let other = ("q1".to_owned(), Answer::No);
        assert_eq!(
            derive_bound_answer(
                &questions,
                &[PositionKind::Ordinary],
                std::slice::from_ref(&other)
            ),
            Ok(vec![other.clone(), (id, Answer::No)])
        );
        assert_eq!(
            derive_bound_answer(
                &[],
                &[PositionKind::BoundAlis],
                std::slice::from_ref(&other)
            ),
            Ok(vec![other])
        );
    }
    #[test]
    fn each_bound_kind_has_its_own_question_answered_by_its_ticks() {
        use PositionKind::*;
        let questions = bound_questions([Ordinary, BoundAlis, BoundLis3Bup, BoundAlis]);
        let ids: Vec<&str> = questions.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(
            ids,
            ["applies_for_bound_lis3_bup", "applies_for_bound_alis"]
        );
        assert!(bound_questions([Ordinary]).is_empty());
        assert!(questions.iter().all(ScreeningQuestion::is_derived));
        assert!(ScreeningQuestion::applies_for_bound().is_derived());
        let own = ScreeningQuestion {
            id: "q1".into(),
            text_nb: "Har du førerkort?".into(),
            text_en: "Driving licence?".into(),
            kind: QuestionKind::YesNo,
        };
        assert!(!own.is_derived());
        assert_eq!(
            questions[1].text(Lang::Nb),
            "Søker du på stillingen LIS1 + ALIS allmennmedisin?"
        );
        assert_eq!(
            questions[1].text(Lang::Nn),
            "Søkjer du på stillinga LIS1 + ALIS allmennmedisin?"
        );
        assert_eq!(
            questions[0].text(Lang::En),
            "Are you applying for the LIS1 + LIS3 child and adolescent psychiatry position?"
        );
        let a = |id: &str, x: Answer| (id.to_owned(), x);
        // Derived per kind: yes only for the kind ticked; no contradiction possible.
        assert_eq!(
            derive_bound_answer(&questions, &[BoundAlis], &[]),
            Ok(vec![
                a("applies_for_bound_lis3_bup", Answer::No),
                a("applies_for_bound_alis", Answer::Yes)
            ])
        );
        assert_eq!(
            derive_bound_answer(&questions, &[Ordinary], &[]),
            Ok(vec![
                a("applies_for_bound_lis3_bup", Answer::No),
                a("applies_for_bound_alis", Answer::No)
            ])
        );
        // Yes to BUP with only ALIS ticked is refused at that question.
        let e = derive_bound_answer(
            &questions,
            &[BoundAlis],
            &[a("applies_for_bound_lis3_bup", Answer::Yes)],
        )
        .unwrap_err();
        assert_eq!(e.field(), "answers[applies_for_bound_lis3_bup]");
        // An older client's single answer: held to any-bound, then dropped.
        assert_eq!(
            derive_bound_answer(
                &questions,
                &[BoundLis3Bup],
                &[a("applies_for_bound", Answer::Yes), a("q1", Answer::No)]
            ),
            Ok(vec![
                a("q1", Answer::No),
                a("applies_for_bound_lis3_bup", Answer::Yes),
                a("applies_for_bound_alis", Answer::No)
            ])
        );
        let e = derive_bound_answer(
            &questions,
            &[Ordinary],
            &[a("applies_for_bound", Answer::Yes)],
        )
        .unwrap_err();
        assert_eq!(e.field(), "answers[applies_for_bound]");
        // The validation then finds every question answered once.
        let derived = derive_bound_answer(&questions, &[BoundAlis], &[]).unwrap();
        assert_eq!(validate_answers(&questions, &derived), Ok(()));
    }

    use crate::scoring::Points;
    use jiff::civil::{date, datetime};

    const AREA: [i64; 4] = [11, 12, 13, 14];

    fn hnt_draft() -> AdvertisementDraft {
        AdvertisementDraft {
            title: "LIS1 ved Sykehuset Levanger, oppstart 1. september 2027".to_owned(),
            description: "Helse Nord-Trøndelag lyser ut koblede LIS1-stillinger.".to_owned(),
            coupling: Coupling::Section13b,
            municipality_ids: vec![11, 12, 13],
            positions: vec![
                PositionDraft {
                    kind: PositionKind::Ordinary,
                    count: 12,
                    municipality_id: None,
                    later_employer_id: None,
                },
                PositionDraft {
                    kind: PositionKind::BoundLis3Psychiatry,
                    count: 1,
                    municipality_id: None,
                    later_employer_id: Some(5),
                },
                PositionDraft {
                    kind: PositionKind::BoundAlis,
                    count: 1,
                    municipality_id: Some(14),
                    later_employer_id: Some(14),
                },
            ],
            formal_criteria: FormalCriteria::hnt(),
            weighted_criteria: vec![
                "God kjennskap til norsk helsevesen".to_owned(),
                "Teamkompetanse".to_owned(),
            ],
            rubric: Rubric::hnt_default(),
            screening: vec![ScreeningQuestion::applies_for_bound()],
            auto_next_in_line: true,
        }
    }

    fn fields(d: &AdvertisementDraft) -> Vec<(String, &'static str)> {
        validate_advertisement(d, &AREA)
            .err()
            .unwrap_or_default()
            .iter()
            .map(|e| (e.field(), e.code()))
            .collect()
    }

    fn oslo(dt: jiff::civil::DateTime) -> Timestamp {
        crate::calendar::from_oslo(dt).unwrap()
    }

    #[test]
    fn the_hnt_draft_is_valid_and_round_trips() {
        let d = hnt_draft();
        assert_eq!(validate_advertisement(&d, &AREA), Ok(()));
        assert_eq!(d.total_positions(), 14);
        assert!(d.has_bound_positions());
        let json = serde_json::to_string(&d).unwrap();
        assert!(json.contains(r#""coupling":"section13b""#));
        assert!(json.contains(r#""kind":"bound_lis3_psychiatry""#));
        assert_eq!(
            serde_json::from_str::<AdvertisementDraft>(&json).unwrap(),
            d
        );
    }

    #[test]
    fn section_13a_needs_exactly_one_municipality_in_the_area() {
        let mut d = hnt_draft();
        d.coupling = Coupling::Section13a;
        assert_eq!(
            fields(&d),
            vec![(
                "municipality_ids".to_owned(),
                "section13a_needs_one_municipality"
            )]
        );
        d.municipality_ids = vec![99];
        assert_eq!(
            fields(&d),
            vec![("municipality_ids[0]".to_owned(), "municipality_not_in_area")]
        );
        d.municipality_ids = vec![12];
        assert_eq!(fields(&d), vec![]);
        d.municipality_ids = vec![];
        let errors = validate_advertisement(&d, &AREA).unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "En utlysning etter § 13a kobler sykehuset med nøyaktig én kommune; 0 er valgt."
        );
    }

    #[test]
    fn section_13b_needs_a_group_from_the_area() {
        let mut d = hnt_draft();
        d.municipality_ids = vec![];
        assert_eq!(
            fields(&d),
            vec![("municipality_ids".to_owned(), "ad_municipalities_required")]
        );
        d.municipality_ids = vec![11, 42, 11];
        assert_eq!(
            fields(&d),
            vec![
                ("municipality_ids[1]".to_owned(), "municipality_not_in_area"),
                ("municipality_ids[2]".to_owned(), "municipality_duplicate"),
            ]
        );
    }

    #[test]
    fn positions_and_bound_rules() {
        let mut d = hnt_draft();
        d.positions[0].count = 0;
        d.positions[0].later_employer_id = Some(3);
        d.positions[1].later_employer_id = None;
        d.positions[2].municipality_id = None;
        d.positions.push(PositionDraft {
            kind: PositionKind::BoundAlis,
            count: 201,
            municipality_id: Some(77),
            later_employer_id: Some(77),
        });
        assert_eq!(
            fields(&d),
            vec![
                (
                    "positions[0].count".to_owned(),
                    "position_count_out_of_range"
                ),
                (
                    "positions[0].later_employer_id".to_owned(),
                    "ordinary_has_later_employer"
                ),
                (
                    "positions[1].later_employer_id".to_owned(),
                    "bound_needs_later_employer"
                ),
                (
                    "positions[2].municipality_id".to_owned(),
                    "alis_needs_municipality"
                ),
                (
                    "positions[3].count".to_owned(),
                    "position_count_out_of_range"
                ),
                (
                    "positions[3].municipality_id".to_owned(),
                    "position_municipality_not_in_area"
                ),
            ]
        );
        d.positions.clear();
        assert_eq!(
            fields(&d),
            vec![("positions".to_owned(), "ad_positions_required")]
        );
    }

    #[test]
    fn texts_questions_criteria_and_rubric() {
        let mut d = hnt_draft();
        d.title = " ".to_owned();
        d.description = "x".repeat(DESCRIPTION_MAX_CHARS + 1);
        d.formal_criteria.min_references = 11;
        d.rubric.items[0].cap = Some(Points(-1));
        d.screening.push(ScreeningQuestion::applies_for_bound());
        d.screening.push(ScreeningQuestion {
            id: "Førerkort".to_owned(),
            text_nb: "Har du førerkort?".to_owned(),
            text_en: String::new(),
            kind: QuestionKind::YesNo,
        });
        d.weighted_criteria.push(String::new());
        d.weighted_criteria
            .push("y".repeat(WEIGHTED_CRITERION_MAX_CHARS + 1));
        assert_eq!(
            fields(&d),
            vec![
                ("title".to_owned(), "ad_title_required"),
                ("description".to_owned(), "ad_description_too_long"),
                (
                    "formal_criteria.min_references".to_owned(),
                    "min_references_too_high"
                ),
                ("rubric.items[0].cap".to_owned(), "rubric_cap_not_positive"),
                ("screening[1].id".to_owned(), "screening_id_duplicate"),
                ("screening[2].id".to_owned(), "screening_id_invalid"),
                ("screening[2].text_en".to_owned(), "screening_text_required"),
                (
                    "weighted_criteria[2]".to_owned(),
                    "weighted_criterion_required"
                ),
                (
                    "weighted_criteria[3]".to_owned(),
                    "weighted_criterion_too_long"
                ),
            ]
        );
        let errors = validate_advertisement(&d, &AREA).unwrap_err();
        let text_en = errors
            .iter()
            .find(|e| e.field == "screening[2].text_en")
            .unwrap();
        assert_eq!(text_en.to_string(), "Spørsmål 3 må ha tekst på engelsk.");
        assert_eq!(
            text_en.message(Lang::En),
            "Question 3 needs a text in English."
        );

        let mut many = hnt_draft();
        many.screening = (0..=MAX_QUESTIONS)
            .map(|i| ScreeningQuestion {
                id: format!("q{i}"),
                ..ScreeningQuestion::applies_for_bound()
            })
            .collect();
        many.weighted_criteria = vec!["Språk".to_owned(); MAX_WEIGHTED_CRITERIA + 1];
        assert_eq!(
            fields(&many),
            vec![
                ("screening".to_owned(), "too_many_screening_questions"),
                ("weighted_criteria".to_owned(), "too_many_weighted_criteria"),
            ]
        );
    }

    #[test]
    fn position_kinds() {
        assert!(!PositionKind::Ordinary.is_bound());
        assert!(PositionKind::ALL.iter().skip(1).all(|k| k.is_bound()));
        assert_eq!(PositionKind::Ordinary.later_employer_kind(), None);
        assert_eq!(
            PositionKind::BoundLis3Bup.later_employer_kind(),
            Some(LaterEmployer::Hf)
        );
        assert_eq!(
            PositionKind::BoundAlis.later_employer_kind(),
            Some(LaterEmployer::Municipality)
        );
        assert_eq!(
            PositionKind::BoundAlis.to_string(),
            "LIS1 + ALIS allmennmedisin"
        );
        assert_eq!(
            PositionKind::BoundLis3Bup.label(Lang::Nb),
            "LIS1 + LIS3 barne- og ungdomspsykiatri"
        );
        assert_eq!(
            Coupling::Section13a.to_string(),
            "§ 13a – sykehus og én kommune"
        );
        assert_eq!(Coupling::parse("section13b"), Ok(Coupling::Section13b));
    }

    #[test]
    fn answers_every_question_exactly_once() {
        let qs = vec![
            ScreeningQuestion::applies_for_bound(),
            ScreeningQuestion {
                id: "driving".to_owned(),
                text_nb: "Har du førerkort klasse B?".to_owned(),
                text_en: "Do you hold a class B driving licence?".to_owned(),
                kind: QuestionKind::YesNo,
            },
        ];
        let a = |id: &str, ans| (id.to_owned(), ans);
        assert_eq!(
            validate_answers(
                &qs,
                &[
                    a("driving", Answer::No),
                    a("applies_for_bound", Answer::Yes)
                ]
            ),
            Ok(())
        );
        let errors = validate_answers(
            &qs,
            &[
                a("applies_for_bound", Answer::Yes),
                a("applies_for_bound", Answer::No),
                a("pets", Answer::Yes),
            ],
        )
        .unwrap_err();
        let got: Vec<(String, &str)> = errors.iter().map(|e| (e.field(), e.code())).collect();
        assert_eq!(
            got,
            vec![
                (
                    "answers[applies_for_bound]".to_owned(),
                    "screening_answered_twice"
                ),
                ("answers[pets]".to_owned(), "screening_unknown_question"),
                ("answers[driving]".to_owned(), "screening_not_answered"),
            ]
        );
        assert_eq!(validate_answers(&[], &[]), Ok(()));
        assert_eq!(qs[0].text(Lang::Nb), "Søker du på den bundne stillingen?");
        assert_eq!(serde_json::to_string(&Answer::Yes).unwrap(), "\"yes\"");
    }

    #[test]
    fn formal_criteria_for_a_qualified_applicant() {
        let checks = check_formal(&FormalCriteria::hnt(), &sample(), date(2027, 9, 1));
        assert_eq!(
            checks.iter().map(|c| c.criterion).collect::<Vec<_>>(),
            Criterion::ALL.to_vec()
        );
        assert!(all_met(&checks), "{checks:#?}");
        assert_eq!(
            checks[1].reason,
            "Autorisasjon fra 20.06.2026, innen oppstart 01.09.2027."
        );
        assert_eq!(checks[2].reason, "Norsk: morsmål (krav: minst C1).");
        assert_eq!(
            checks[3].reason,
            "Medisinstudiet i Norge dokumenterer norskkunnskapene."
        );
        assert_eq!(checks[4].reason, "2 referanser oppgitt (krav: minst 2).");
        assert_eq!(
            checks[4].message(Lang::En),
            "2 references given (required: at least 2)."
        );
    }

    #[test]
    fn formal_criteria_that_fail_say_why() {
        let start = date(2027, 9, 1);
        let mut p = sample();
        p.education.country = "PL".to_owned();
        p.education.degree_date = Some(date(2027, 12, 20));
        p.authorisation = Authorisation::Authorised {
            date: date(2027, 9, 2),
        };
        p.norwegian = NorwegianLevel::B2;
        p.references.truncate(1);
        let checks = check_formal(&FormalCriteria::hnt(), &p, start);
        assert!(!all_met(&checks));
        let reasons: Vec<(bool, &str)> =
            checks.iter().map(|c| (c.met, c.reason.as_str())).collect();
        assert_eq!(
            reasons,
            vec![
                (
                    false,
                    "Cand.med. fra 20.12.2027 er etter oppstart 01.09.2027."
                ),
                (
                    false,
                    "Autorisasjon fra 02.09.2027 er etter oppstart 01.09.2027."
                ),
                (false, "Norsk: B2, under kravet C1."),
                (
                    false,
                    "Dokumentasjon av norskkunnskapene (for eksempel Bergenstesten) mangler."
                ),
                (false, "1 referanse oppgitt, krav: minst 2."),
            ]
        );
        assert_eq!(
            checks[1].reason_en,
            "Authorisation from 2 September 2027 is after the start date 1 September 2027."
        );
        let nynorsk: Vec<&str> = checks.iter().map(|c| c.message(Lang::Nn)).collect();
        assert_eq!(
            nynorsk,
            vec![
                "Cand.med. frå 20.12.2027 er etter oppstart 01.09.2027.",
                "Autorisasjon frå 02.09.2027 er etter oppstart 01.09.2027.",
                "Norsk: B2, under kravet C1.",
                "Dokumentasjon av norskkunnskapane (til dømes Bergenstesten) manglar.",
                "1 referanse oppgitt, krav: minst 2.",
            ]
        );
        // A document fixes the documentation criterion.
        p.norwegian_documented = true;
        assert!(check_formal(&FormalCriteria::hnt(), &p, start)[3].met);
    }

    #[test]
    fn authorisation_on_the_start_date_or_expected_by_it() {
        let start = date(2027, 9, 1);
        let criteria = FormalCriteria {
            require_authorisation_by_start: true,
            ..FormalCriteria::default()
        };
        let check = |a| {
            let p = Profile {
                authorisation: a,
                ..sample()
            };
            let c = check_formal(&criteria, &p, start);
            assert_eq!(c.len(), 1);
            (c[0].met, c[0].provisional)
        };
        assert_eq!(
            check(Authorisation::Lis1Licence { date: start }),
            (true, false)
        );
        assert_eq!(
            check(Authorisation::Applied {
                expected: Some(date(2027, 7, 1))
            }),
            (true, true)
        );
        assert_eq!(
            check(Authorisation::Applied {
                expected: Some(date(2027, 9, 2))
            }),
            (false, false)
        );
        assert_eq!(
            check(Authorisation::Applied { expected: None }),
            (false, false)
        );
        assert_eq!(check(Authorisation::None), (false, false));
    }

    #[test]
    fn unset_criteria_are_not_checked() {
        assert!(
            check_formal(
                &FormalCriteria::default(),
                &Profile::default(),
                date(2027, 9, 1)
            )
            .is_empty()
        );
        // References without a name do not count.
        let p = Profile {
            references: vec![Reference::default(); 3],
            ..sample()
        };
        let c = FormalCriteria {
            min_references: 1,
            ..FormalCriteria::default()
        };
        assert!(!check_formal(&c, &p, date(2027, 9, 1))[0].met);
    }

    #[test]
    fn describe_formal_criteria() {
        assert_eq!(
            FormalCriteria::hnt().describe(Lang::Nb),
            vec![
                "Graden cand.med.",
                "Norsk autorisasjon eller LIS1-lisens innen oppstart",
                "Norskkunnskaper tilsvarende minst C1",
                "Norskkunnskapene må dokumenteres (for eksempel Bergenstesten)",
                "Minst 2 referanser",
            ]
        );
        assert_eq!(
            FormalCriteria::hnt().describe(Lang::En)[4],
            "At least 2 references"
        );
    }

    #[test]
    fn the_window_and_the_deadline() {
        let announcement = oslo(datetime(2027, 1, 15, 9, 0, 0, 0));
        let deadline = oslo(datetime(2027, 2, 2, 23, 59, 0, 0));
        let w = |dt| application_window(announcement, deadline, oslo(dt));
        assert_eq!(w(datetime(2027, 1, 15, 8, 59, 59, 0)), Window::NotYetOpen);
        assert_eq!(w(datetime(2027, 1, 15, 9, 0, 0, 0)), Window::Open);
        assert_eq!(w(datetime(2027, 2, 2, 23, 59, 0, 0)), Window::Open);
        assert_eq!(w(datetime(2027, 2, 2, 23, 59, 1, 0)), Window::Closed);

        assert_eq!(check_can_apply(deadline, deadline, Lang::Nb), Ok(()));
        let late = oslo(datetime(2027, 2, 3, 0, 0, 0, 0));
        let err = check_can_apply(deadline, late, Lang::Nb).unwrap_err();
        assert_eq!(err, ApplyError::DeadlinePassed { deadline });
        assert_eq!(err.code(), "application_deadline_passed");
        assert_eq!(
            err.to_string(),
            "Søknadsfristen var 02.02.2027 kl. 23.59. Søknaden ble ikke lagret."
        );
        assert_eq!(
            err.message(Lang::En),
            "The application deadline was 2 February 2027 23:59. The application was not saved."
        );

        let early = oslo(datetime(2027, 1, 10, 12, 0, 0, 0));
        let err = check_apply_window(announcement, deadline, early).unwrap_err();
        assert_eq!(
            err,
            ApplyError::NotOpen {
                opens: announcement
            }
        );
        assert_eq!(
            err.to_string(),
            "Utlysningen er ikke åpnet for søknader ennå. Den åpner 15.01.2027 kl. 09.00."
        );
        assert_eq!(
            check_apply_window(announcement, deadline, late),
            Err(ApplyError::DeadlinePassed { deadline })
        );
        // Summer time: a deadline of 23.59 in June is 21:59 UTC and is shown in Oslo time.
        let june = oslo(datetime(2027, 6, 1, 23, 59, 0, 0));
        assert_eq!(june.to_string(), "2027-06-01T21:59:00Z");
        let err =
            check_can_apply(june, oslo(datetime(2027, 6, 2, 0, 0, 0, 0)), Lang::En).unwrap_err();
        assert!(err.to_string().contains("01.06.2027 kl. 23.59"));
    }
}
