//! The domain's texts in nynorsk (issue 15, item 8): every label and a broad sample of error
//! messages read in nynorsk, not in bokmål or English.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use lis1_domain::Lang::{self, Nb, Nn};
use lis1_domain::Localized;

/// Typical bokmål-only words (each has a different nynorsk form). Words spelt the same in both
/// written forms (er, kan, må, stilling, søknad, …) are not here.
const BOKMAL_ONLY: &[&str] = &[
    "ikke",
    "hva",
    "hvem",
    "hvordan",
    "hvis",
    "hvor",
    "hvilken",
    "hvilke",
    "noen",
    "noe",
    "bare",
    "også",
    "jeg",
    "dere",
    "deres",
    "dem",
    "mer",
    "samme",
    "annen",
    "annet",
    "egen",
    "egne",
    "nå",
    "ennå",
    "allerede",
    "fra",
    "være",
    "ble",
    "blitt",
    "søker",
    "søkere",
    "søkeren",
    "søke",
    "sykehus",
    "sykehuset",
    "tilbud",
    "tilbudet",
    "tilbudt",
    "utlysning",
    "utlysningen",
    "stillingen",
    "stillinger",
    "lagret",
    "endret",
    "trekning",
    "trekningen",
    "plasser",
    "leger",
    "kommuner",
    "dager",
    "måneder",
    "uker",
    "mangler",
    "høyst",
    "tegn",
    "tidligst",
    "senest",
    "senere",
    "velg",
    "bekreft",
    "bekreftet",
    "gjelder",
    "finnes",
    "helseforetak",
    "arbeidsgiver",
    "arbeidsgiveren",
    "tjeneste",
    "opplysninger",
    "bruker",
];

/// The bokmål-only words in `text`, compared word by word (so `ikkje` does not match `ikke`).
fn bokmal_words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| BOKMAL_ONLY.contains(w))
        .map(str::to_owned)
        .collect()
}

/// Fails unless `text` is non-empty nynorsk without bokmål-only words.
#[track_caller]
fn assert_nynorsk(what: &str, text: &str) {
    assert!(!text.trim().is_empty(), "{what}: empty nynorsk text");
    let found = bokmal_words(text);
    assert!(
        found.is_empty(),
        "{what}: bokmål {found:?} in nynorsk «{text}»"
    );
}

#[test]
fn the_detector_finds_bokmal_and_passes_nynorsk() {
    assert_eq!(bokmal_words("Du har ikke tilgang."), vec!["ikke"]);
    assert!(bokmal_words("Du har ikkje tilgang. ID-en er brukt.").is_empty());
}

/// Every label of every enum shown in the interface, in nynorsk.
#[test]
fn every_label_reads_in_nynorsk() {
    macro_rules! labels {
        ($($ty:path),+ $(,)?) => {{
            let mut all: Vec<(String, String, String)> = Vec::new();
            $(
                for v in <$ty>::ALL.iter().copied() {
                    all.push((
                        format!("{}::{v:?}", stringify!($ty)),
                        v.label(Nb).to_string(),
                        v.label(Nn).to_string(),
                    ));
                }
            )+
            all
        }};
    }
    use lis1_domain::*;
    let all = labels!(
        advertisements::Coupling,
        advertisements::PositionKind,
        advertisements::LaterEmployer,
        advertisements::QuestionKind,
        advertisements::Answer,
        advertisements::Criterion,
        advertisements::Window,
        alis_hospital::RequestState,
        bound::Track,
        bound::AlisForm,
        bound::PlanState,
        bound::Stage,
        offers::OfferState,
        offers::OfferEventKind,
        offers::NextInLineMode,
        offers::HideReason,
        offers::VacancyReason,
        profiles::DegreeKind,
        profiles::NorwegianLevel,
        profiles::ExperienceKind,
        profiles::WorkCapacity,
        profiles::CareLevel,
        profiles::MeritKind,
        profiles::EducationRegion,
        scoring::ProfileFlag,
        matching::mechanisms::Mechanism,
        rounds::Season,
        org::OrgKind,
        statistics::FollowUp,
        onboarding::Part,
        obligations::ObligationKind,
        access::Role,
        course::LeaveKind,
    );
    assert!(all.len() > 100, "{}", all.len());
    let mut differ = 0;
    for (what, nb, nn) in &all {
        assert_nynorsk(what, nn);
        if nb != nn {
            differ += 1;
        }
    }
    // Many labels are spelt the same in both written forms; a good share are not.
    assert!(differ >= 40, "only {differ} labels differ from bokmål");
}

#[test]
fn labels_that_differ_are_real_nynorsk() {
    use lis1_domain::{access::Role, offers::OfferState, org::OrgKind, profiles::EducationRegion};
    assert_eq!(Role::Applicant.label(Nn), "Søkjar");
    assert_eq!(Role::Applicant.label(Nb), "Søker");
    assert_eq!(OrgKind::HospitalSite.label(Nn), "Sjukehus");
    assert_eq!(OrgKind::Hf.label(Nn), "Helseføretak");
    assert_eq!(OfferState::Made.label(Nn), "Ventar på svar");
    assert_eq!(OfferState::Expired.label(Nn), "Gått ut");
    assert_eq!(EducationRegion::Norway.label(Nn), "Noreg");
    assert_eq!(EducationRegion::Norway.label(Lang::En), "Norway");
}

#[test]
fn holidays_and_field_names_read_in_nynorsk() {
    use lis1_domain::calendar::holidays;
    let may_day = holidays(2027)
        .into_iter()
        .find(|h| h.date.month() == 5 && h.date.day() == 1)
        .expect("1 May is a holiday");
    assert_eq!(may_day.name(Nb), "Offentlig høytidsdag");
    assert_eq!(may_day.name(Nn), "Offentleg høgtidsdag");
    for h in holidays(2027) {
        assert_nynorsk("holiday", h.name(Nn));
    }
}

/// A broad sample of error messages, one or more per error type.
#[test]
fn error_messages_read_in_nynorsk() {
    use lis1_domain::{
        access::Denied,
        alis_hospital::AlisError,
        bound::BoundError,
        course::CourseError,
        identity::{HprError, IdError},
        lottery::LotteryError,
        matching::{MatchError, portal::CoordinatedError},
        obligations::FulfilmentError,
        offers::{OfferError, OfferEventKind, OfferState},
        onboarding::OnboardingError,
        org::OrgError,
        planning::{CallError, PlanningError},
    };
    let errors: Vec<(&str, Box<dyn Localized>)> = vec![
        (
            "LotteryError::NoParticipants",
            Box::new(LotteryError::NoParticipants),
        ),
        (
            "BoundError::AlisFormRequired",
            Box::new(BoundError::AlisFormRequired),
        ),
        (
            "BoundError::AlisFormNotForLis3",
            Box::new(BoundError::AlisFormNotForLis3),
        ),
        ("BoundError::NotBound", Box::new(BoundError::NotBound)),
        ("BoundError::NoteTooLong", Box::new(BoundError::NoteTooLong)),
        (
            "BoundError::SpecialtyMissing",
            Box::new(BoundError::SpecialtyMissing),
        ),
        (
            "AlisError::DoctorMissing",
            Box::new(AlisError::DoctorMissing),
        ),
        (
            "AlisError::AgreementMissing",
            Box::new(AlisError::AgreementMissing),
        ),
        (
            "AlisError::ServiceAfterStart",
            Box::new(AlisError::ServiceAfterStart),
        ),
        (
            "OnboardingError::NotInRegister",
            Box::new(OnboardingError::NotInRegister),
        ),
        (
            "OnboardingError::NoDoctorAuthorisation",
            Box::new(OnboardingError::NoDoctorAuthorisation),
        ),
        (
            "OnboardingError::SignedForAnotherDoctor",
            Box::new(OnboardingError::SignedForAnotherDoctor),
        ),
        (
            "OnboardingError::ReadNotConfirmed",
            Box::new(OnboardingError::ReadNotConfirmed),
        ),
        (
            "OnboardingError::TextChanged",
            Box::new(OnboardingError::TextChanged),
        ),
        (
            "OnboardingError::NotRequired",
            Box::new(OnboardingError::NotRequired),
        ),
        (
            "CourseError::LeaveEndsBeforeStart",
            Box::new(CourseError::LeaveEndsBeforeStart),
        ),
        ("PlanningError::NoWeight", Box::new(PlanningError::NoWeight)),
        ("CallError::Closed", Box::new(CallError::Closed)),
        ("CallError::NotSubmitted", Box::new(CallError::NotSubmitted)),
        ("CallError::ReasonNeeded", Box::new(CallError::ReasonNeeded)),
        (
            "OrgError::UnknownKind",
            Box::new(OrgError::UnknownKind("x".into())),
        ),
        (
            "OrgError::FylkesNummerFormat",
            Box::new(OrgError::FylkesNummerFormat),
        ),
        (
            "OrgError::FylkesNummerZero",
            Box::new(OrgError::FylkesNummerZero),
        ),
        (
            "OrgError::KommuneNummerFormat",
            Box::new(OrgError::KommuneNummerFormat),
        ),
        (
            "OrgError::KommuneNummerCounty",
            Box::new(OrgError::KommuneNummerCounty),
        ),
        ("HprError::Empty", Box::new(HprError::Empty)),
        ("HprError::NotDigits", Box::new(HprError::NotDigits)),
        ("HprError::TooLong", Box::new(HprError::TooLong)),
        ("HprError::LeadingZero", Box::new(HprError::LeadingZero)),
        ("IdError::Empty", Box::new(IdError::Empty)),
        ("IdError::NotDigits", Box::new(IdError::NotDigits)),
        ("IdError::InvalidDate", Box::new(IdError::InvalidDate)),
        ("IdError::HelpNumber", Box::new(IdError::HelpNumber)),
        ("IdError::ControlDigit", Box::new(IdError::ControlDigit)),
        (
            "IdError::SyntheticNotAllowed",
            Box::new(IdError::SyntheticNotAllowed),
        ),
        (
            "CoordinatedError::NotCoordinated",
            Box::new(CoordinatedError::NotCoordinated),
        ),
        (
            "CoordinatedError::TooMany",
            Box::new(CoordinatedError::TooMany),
        ),
        (
            "CoordinatedError::CoupleWithSelf",
            Box::new(CoordinatedError::CoupleWithSelf),
        ),
        (
            "CoordinatedError::AlreadyInCouple",
            Box::new(CoordinatedError::AlreadyInCouple),
        ),
        (
            "CoordinatedError::CoupleNotConfirmed",
            Box::new(CoordinatedError::CoupleNotConfirmed),
        ),
        (
            "CoordinatedError::PairWithoutApplying",
            Box::new(CoordinatedError::PairWithoutApplying {
                pair: 2,
                partner: true,
            }),
        ),
        (
            "MatchError::TooLarge",
            Box::new(MatchError::TooLarge {
                what: "applicants",
                limit: 10,
            }),
        ),
        (
            "OfferError::ReasonRequired",
            Box::new(OfferError::ReasonRequired),
        ),
        (
            "OfferError::NoOpenOfferRound",
            Box::new(OfferError::NoOpenOfferRound),
        ),
        (
            "OfferError::NotAllowed",
            Box::new(OfferError::NotAllowed {
                from: OfferState::Expired,
                event: OfferEventKind::Withdraw,
            }),
        ),
        (
            "FulfilmentError::NotRegistered",
            Box::new(FulfilmentError::NotRegistered),
        ),
        (
            "FulfilmentError::NoteTooLong",
            Box::new(FulfilmentError::NoteTooLong),
        ),
        (
            "Denied",
            Box::new(Denied {
                action: "offer.make",
                missing_scope: None,
            }),
        ),
    ];
    for (what, e) in &errors {
        let (nb, nn, en) = (e.message(Nb), e.message(Nn), e.message(Lang::En));
        assert_nynorsk(what, &nn);
        // A few sentences happen to be spelt the same in both written forms.
        let same_in_both = ["PlanningError::NoWeight"];
        if !same_in_both.contains(what) {
            assert_ne!(nn, nb, "{what}: the nynorsk message is the bokmål one");
        }
        assert_ne!(nn, en, "{what}: the nynorsk message is the English one");
    }
}

#[test]
fn some_messages_word_for_word() {
    use lis1_domain::{
        identity::IdError,
        matching::{MatchError, portal::CoordinatedError},
        offers::{OfferError, OfferEventKind, OfferState},
    };
    assert_eq!(
        IdError::Empty.message(Nn),
        "Fødselsnummer eller D-nummer må fyllast ut."
    );
    assert_eq!(
        MatchError::TooLarge {
            what: "applicants",
            limit: 10
        }
        .message(Nn),
        "For mange søkjarar: høgst 10 er tillatne."
    );
    // The bokmål message no longer shows the parser's English word.
    assert_eq!(
        MatchError::TooLarge {
            what: "applicants",
            limit: 10
        }
        .message(Nb),
        "For mange søkere: høyst 10 er tillatt."
    );
    assert_eq!(
        CoordinatedError::PairWithoutApplying {
            pair: 2,
            partner: false
        }
        .message(Nn),
        "Par nr. 2: du har ikkje søkt på stillinga som er vald for deg. Ingenting vart lagra."
    );
    let m = OfferError::NotAllowed {
        from: OfferState::Expired,
        event: OfferEventKind::Withdraw,
    }
    .message(Nn);
    assert!(
        m.starts_with("Tilbodet er gått ut og kan ikkje lenger trekkjast tilbake."),
        "{m}"
    );
}

#[test]
fn audit_words_read_in_nynorsk() {
    use lis1_domain::audit_words::{ACTIONS, OBJECTS, action_kinds, describe, object};
    assert_eq!(describe("application.submit", Nn), "Sende søknad");
    assert_eq!(object("advertisement", Nn), "utlysing");
    for (code, ..) in ACTIONS {
        assert_nynorsk(code, &describe(code, Nn));
    }
    for (kind, ..) in OBJECTS {
        assert_nynorsk(kind, &object(kind, Nn));
    }
    for (_, label) in action_kinds(Nn) {
        assert_nynorsk("action kind", &label);
    }
}

/// No interim bokmål fallback is left in the domain: no two-argument `pick` and no arm that
/// gives bokmål and nynorsk the same branch by pattern (`Lang::Nb | Lang::Nn =>`).
#[test]
fn no_interim_bokmal_fallback_is_left() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("source dir").flatten() {
            let p = entry.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 20);
    let mut found = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read");
        let is_lib = f.ends_with("lib.rs");
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            // lib.rs defines `pick` itself (removed when every branch is merged).
            let old_pick = code.contains(".pick(") && !is_lib;
            let shared_arm = code.contains("Lang::Nb | Lang::Nn") && !is_lib;
            if old_pick || shared_arm {
                found.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "interim bokmål for nynorsk:\n{}",
        found.join("\n")
    );
}

#[test]
fn simulation_chart_titles_read_in_the_readers_language() {
    use lis1_domain::matching::mechanisms::{OfferModel, SimulationReport};
    use lis1_domain::matching::report::{charts, charts_in};
    let r = SimulationReport {
        draws: 0,
        applicants: 0,
        singles: 0,
        couples: 0,
        positions: 0,
        seats: 0,
        model: OfferModel::default(),
        mechanisms: Vec::new(),
    };
    let titles = |lang| {
        charts_in(&r, "x", lang)
            .into_iter()
            .map(|c| c.title)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        titles(Nn)[0],
        "Einslege søkjarar etter kva val dei fekk (snitt)"
    );
    assert_eq!(titles(Lang::En)[1], "Applicants who got a position (mean)");
    // The bokmål charts (and the Markdown report) are unchanged.
    let nb: Vec<String> = charts(&r, "x").into_iter().map(|c| c.title).collect();
    assert_eq!(nb, titles(Nb));
    assert_eq!(nb[1], "Søkere som fikk stilling (snitt)");
    for c in charts_in(&r, "x", Nn) {
        assert_nynorsk(&c.title, &c.title);
        for cat in &c.categories {
            assert_nynorsk(&c.title, cat);
        }
    }
}
