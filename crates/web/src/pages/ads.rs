//! Advertisements (*utlysninger*): the hospital recruiter creates one joint advertisement per
//! hospital in a round, with its coupled positions (§13a/§13b, ordinary or bound), criteria,
//! points rubric and screening questions, and publishes it. The public list of open
//! advertisements needs no login. Coordinators and union representatives register participation
//! here, by the application deadline (002 §2.1).

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::Timestamp;
use lis1_domain::Lang;
use lis1_domain::access::{Action, Grant, Role, authorize};
use lis1_domain::advertisements::{
    self as ads, Coupling, FormalCriteria, PositionDraft, PositionKind, Window,
};
use lis1_domain::org::OrgKind;
use lis1_domain::scoring::Rubric;
use lis1_store::orgs::Org;
use minijinja::{Value, context};
use serde::Deserialize;

use crate::auth::{SignedIn, Visitor};
use crate::error::AppError;
use crate::limits::{self, RowField};
use crate::pages::{fmt_date, fmt_time, page};
use crate::state::AppState;

mod rubric_form;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    (
        "nav.positions",
        "Ledige stillinger",
        "Ledige stillingar",
        "Open positions",
    ),
    ("nav.ads", "Utlysninger", "Utlysingar", "Advertisements"),
    ("ads.title", "Utlysninger", "Utlysingar", "Advertisements"),
    (
        "ads.public_title",
        "Ledige LIS1-stillinger",
        "Ledige LIS1-stillingar",
        "Open LIS1 positions",
    ),
    (
        "ads.public_intro",
        "Stillingene er koblet: 12 måneder i sykehus og 6 måneder i kommune. Én søknad gjelder hele løpet.",
        "Stillingane er kopla: 12 månader i sjukehus og 6 månader i kommune. Éin søknad gjeld heile løpet.",
        "The positions are coupled: 12 months in hospital and 6 months in a municipality. One application covers the whole course.",
    ),
    (
        "ads.next_round",
        "Neste runde: {name}. Utlysningene kunngjøres {announcement}, søknadsfristen er {deadline}, og stillingene starter {start}.",
        "Neste runde: {name}. Utlysingane blir kunngjorde {announcement}, søknadsfristen er {deadline}, og stillingane startar {start}.",
        "Next round: {name}. The advertisements are announced {announcement}, the application deadline is {deadline}, and the positions start {start}.",
    ),
    (
        "ads.no_next_round",
        "Helsedirektoratet har ikke satt opp neste runde ennå. Rundene går to ganger i året, med oppstart 1. mars og 1. september.",
        "Helsedirektoratet har ikkje sett opp neste runde enno. Rundane går to gonger i året, med oppstart 1. mars og 1. september.",
        "The Directorate of Health has not set up the next round yet. Rounds run twice a year, starting 1 March and 1 September.",
    ),
    (
        "ads.none_open",
        "Ingen utlysninger er åpne for søknad akkurat nå.",
        "Ingen utlysingar er opne for søknad akkurat no.",
        "No advertisements are open for applications right now.",
    ),
    (
        "ads.none",
        "Ingen utlysninger ennå.",
        "Ingen utlysingar enno.",
        "No advertisements yet.",
    ),
    (
        "ads.new",
        "Ny utlysning",
        "Ny utlysing",
        "New advertisement",
    ),
    ("ads.filter", "Filtrer", "Filtrer", "Filter"),
    (
        "ads.filter_region",
        "Helseregion",
        "Helseregion",
        "Health region",
    ),
    (
        "ads.filter_hospital",
        "Helseforetak",
        "Helseføretak",
        "Hospital trust",
    ),
    (
        "ads.filter_municipality",
        "Kommune",
        "Kommune",
        "Municipality",
    ),
    (
        "ads.filter_kind",
        "Type stilling",
        "Type stilling",
        "Kind of position",
    ),
    ("ads.all", "Alle", "Alle", "All"),
    ("ads.kind_ordinary", "Ordinære", "Ordinære", "Ordinary"),
    (
        "ads.kind_bound",
        "Bundne (LIS1 + LIS3/ALIS)",
        "Bundne (LIS1 + LIS3/ALIS)",
        "Bound (LIS1 + LIS3/ALIS)",
    ),
    ("ads.round", "Runde", "Runde", "Round"),
    ("ads.site", "Sykehus", "Sjukehus", "Hospital"),
    ("ads.coupling", "Kobling", "Kopling", "Coupling"),
    (
        "ads.municipalities",
        "Kommuner",
        "Kommunar",
        "Municipalities",
    ),
    (
        "ads.municipalities_hint",
        "§ 13a: velg én kommune. § 13b: velg kommunene i gruppen (samarbeidsområdet).",
        "§ 13a: vel éin kommune. § 13b: vel kommunane i gruppa (samarbeidsområdet).",
        "§ 13a: choose one municipality. § 13b: choose the municipalities of the group (the cooperation area).",
    ),
    ("ads.ad_title", "Tittel", "Tittel", "Title"),
    ("ads.description", "Beskrivelse", "Skildring", "Description"),
    ("ads.positions", "Stillinger", "Stillingar", "Positions"),
    ("ads.position", "Stilling", "Stilling", "Position"),
    ("ads.position_kind", "Type", "Type", "Kind"),
    ("ads.count", "Antall", "Tal", "Number"),
    (
        "ads.position_municipality",
        "Kommune (§ 13a eller ALIS)",
        "Kommune (§ 13a eller ALIS)",
        "Municipality (§ 13a or ALIS)",
    ),
    (
        "ads.later_employer",
        "Senere arbeidsgiver (bestemmer for bundne stillinger)",
        "Seinare arbeidsgjevar (avgjer for bundne stillingar)",
        "Later employer (decides on bound positions)",
    ),
    ("ads.none_selected", "Ingen", "Ingen", "None"),
    (
        "ads.unused_row",
        "Tom rad brukes ikke.",
        "Tom rad blir ikkje brukt.",
        "An empty row is not used.",
    ),
    (
        "ads.weighted",
        "Kriterier som vektlegges (én per linje)",
        "Kriterium som blir vektlagde (eitt per linje)",
        "Weighted criteria (one per line)",
    ),
    (
        "ads.formal",
        "Formelle krav",
        "Formelle krav",
        "Formal requirements",
    ),
    ("ads.rubric", "Poengregler", "Poengreglar", "Points rubric"),
    (
        "ads.rubric_hint",
        "Poengene er veiledende, ikke avgjørende. Reglene vises for søkerne slik de står her.",
        "Poenga er rettleiande, ikkje avgjerande. Reglane blir viste for søkjarane slik dei står her.",
        "Points are guidance, not the decision. The rules are shown to applicants as they stand here.",
    ),
    (
        "ads.rubric_how",
        "Én rad per punkt. «Hva gir poeng» avgjør om poengene gis per måned med arbeid, for hver meritt eller én gang. Vakt, rolle og nivå gjelder bare arbeid. Poeng kan ha to desimaler (0,5). Maks kan stå tomt. Fyll ut en tom rad for å legge til et punkt, og kryss av for «Fjern» for å ta bort et.",
        "Éi rad per punkt. «Kva gir poeng» avgjer om poenga blir gjevne per månad med arbeid, for kvar meritt eller éin gong. Vakt, rolle og nivå gjeld berre arbeid. Poeng kan ha to desimalar (0,5). Maks kan stå tomt. Fyll ut ei tom rad for å leggje til eit punkt, og kryss av for «Fjern» for å ta bort eitt.",
        "One row per item. “What gives points” decides whether the points are given per month of work, for each merit or once. On-call duty, capacity and level apply to work only. Points may have two decimals (0.5). The maximum may be left empty. Fill in an empty row to add an item, and tick “Remove” to take one away.",
    ),
    ("ads.rubric_no", "Nr.", "Nr.", "No."),
    ("ads.rubric_item", "punkt", "punkt", "item"),
    (
        "ads.rubric_label_nb",
        "Tekst (bokmål)",
        "Tekst (bokmål)",
        "Label (Norwegian)",
    ),
    (
        "ads.rubric_label_en",
        "Tekst (engelsk)",
        "Tekst (engelsk)",
        "Label (English)",
    ),
    (
        "ads.rubric_source",
        "Hva gir poeng",
        "Kva gir poeng",
        "What gives points",
    ),
    ("ads.rubric_choose", "Velg …", "Vel …", "Choose …"),
    (
        "ads.rubric_work",
        "Bare arbeid",
        "Berre arbeid",
        "Work only",
    ),
    ("ads.rubric_on_call", "Vakt", "Vakt", "On-call duty"),
    ("ads.rubric_capacity", "Rolle", "Rolle", "Capacity"),
    ("ads.rubric_care_level", "Nivå", "Nivå", "Level"),
    ("ads.rubric_points", "Poeng", "Poeng", "Points"),
    ("ads.rubric_cap", "Maks", "Maks", "Max"),
    ("ads.rubric_remove", "Fjern", "Fjern", "Remove"),
    (
        "ads.screening",
        "Utsilingsspørsmål",
        "Utsilingsspørsmål",
        "Screening questions",
    ),
    (
        "ads.screening_hint",
        "Ekstra ja/nei-spørsmål. Tomme rader brukes ikke. Står den engelske teksten tom, får søkere som bruker portalen på engelsk det norske spørsmålet. Spørsmålet om bunden stilling legges til når utlysningen har en bunden stilling.",
        "Ekstra ja/nei-spørsmål. Tomme rader blir ikkje brukte. Står den engelske teksten tom, får søkjarar som bruker portalen på engelsk, det norske spørsmålet. Spørsmålet om bunden stilling blir lagt til når utlysinga har ei bunden stilling.",
        "Extra yes/no questions. Empty rows are not used. If the English text is left empty, applicants who use the portal in English get the Norwegian question. The question about the bound position is added when the advertisement has a bound position.",
    ),
    ("ads.screening_question", "Spørsmål", "Spørsmål", "Question"),
    (
        "ads.screening_nb",
        "Spørsmål på bokmål",
        "Spørsmål på bokmål",
        "Question in Norwegian",
    ),
    (
        "ads.screening_en",
        "Spørsmål på engelsk (valgfritt)",
        "Spørsmål på engelsk (valfritt)",
        "Question in English (optional)",
    ),
    (
        "ads.auto_next",
        "Tilby automatisk til neste på innstillingen når et tilbud avslås eller utløper",
        "Tilby automatisk til nestemann i innstillinga når eit tilbod blir avslått eller går ut",
        "Offer automatically to the next on the recommendation when an offer is declined or expires",
    ),
    (
        "ads.save_draft",
        "Lagre som utkast",
        "Lagre som utkast",
        "Save as draft",
    ),
    (
        "ads.saved",
        "Utlysningen er lagret som utkast. Publiser den når den er klar.",
        "Utlysinga er lagra som utkast. Publiser ho når ho er klar.",
        "The advertisement is saved as a draft. Publish it when it is ready.",
    ),
    ("ads.edit", "Endre", "Endre", "Edit"),
    (
        "ads.edit_title",
        "Endre utlysning",
        "Endre utlysing",
        "Edit advertisement",
    ),
    (
        "ads.save_changes",
        "Lagre endringer",
        "Lagre endringar",
        "Save changes",
    ),
    ("ads.cancel", "Avbryt", "Avbryt", "Cancel"),
    (
        "ads.updated",
        "Endringene er lagret. Utlysningen er fortsatt et utkast.",
        "Endringane er lagra. Utlysinga er framleis eit utkast.",
        "The changes are saved. The advertisement is still a draft.",
    ),
    ("ads.publish", "Publiser", "Publiser", "Publish"),
    (
        "ads.published",
        "Utlysningen er publisert.",
        "Utlysinga er publisert.",
        "The advertisement is published.",
    ),
    ("ads.state_draft", "Utkast", "Utkast", "Draft"),
    ("ads.state_published", "Publisert", "Publisert", "Published"),
    (
        "ads.window_not_open",
        "Åpner for søknad",
        "Opnar for søknad",
        "Opens for applications",
    ),
    (
        "ads.window_open",
        "Søknadsfrist",
        "Søknadsfrist",
        "Application deadline",
    ),
    (
        "ads.window_closed",
        "Søknadsfristen er ute",
        "Søknadsfristen er ute",
        "The application deadline has passed",
    ),
    (
        "ads.apply",
        "Søk på stillingen",
        "Søk på stillinga",
        "Apply for the position",
    ),
    ("ads.applicants", "Søkere", "Søkjarar", "Applicants"),
    (
        "ads.participate",
        "Meld deltakelse i ansettelsen",
        "Meld deltaking i tilsetjinga",
        "Register participation in the hiring",
    ),
    (
        "ads.participate_hint",
        "Kommunekoordinatorer og hovedtillitsvalgt som vil delta i utvelgelsen, melder fra innen søknadsfristen.",
        "Kommunekoordinatorar og hovudtillitsvald som vil delta i utveljinga, melder frå innan søknadsfristen.",
        "Municipal coordinators and the union representative who want to take part in the selection register by the application deadline.",
    ),
    (
        "ads.participating",
        "Du deltar i ansettelsen og kan lese søknadene og kommentere.",
        "Du deltek i tilsetjinga og kan lese søknadene og kommentere.",
        "You take part in the hiring and can read the applications and comment.",
    ),
    (
        "ads.participated",
        "Deltakelsen er registrert.",
        "Deltakinga er registrert.",
        "Your participation is registered.",
    ),
    (
        "ads.errors_title",
        "Utlysningen ble ikke lagret. Rett opp dette:",
        "Utlysinga vart ikkje lagra. Rett opp dette:",
        "The advertisement was not saved. Please correct the following:",
    ),
    ("ads.bound_badge", "Bunden", "Bunden", "Bound"),
    (
        "ads.applications_count",
        "søknader",
        "søknader",
        "applications",
    ),
];

pub use lis1_app::ads::AdContext;

/// Loads an advertisement with its round and organisations, for a page.
pub async fn load(state: &AppState, id: i64, lang: Lang) -> Result<AdContext, AppError> {
    let mut tx = state
        .store
        .begin()
        .await
        .map_err(|e| AppError::store(e, lang))?;
    AdContext::load(&mut tx, id)
        .await
        .map_err(|e| AppError::app(e, lang))
}

/// Whether the visitor may see the advertisement (see [`AdContext::visible_to`]).
pub fn visible(c: &AdContext, v: &Visitor, now: Timestamp) -> bool {
    c.visible_to(v.session.as_ref().map(|s| &s.principal), now)
}

/// The template's view of it.
pub async fn view(c: &AdContext, state: &AppState, lang: Lang) -> Value {
    let mut names: BTreeMap<i64, String> = c
        .municipalities
        .iter()
        .map(|m| (m.id, m.name.clone()))
        .collect();
    for p in &c.ad.positions {
        for id in [p.municipality_id, p.later_employer_id]
            .into_iter()
            .flatten()
        {
            if let std::collections::btree_map::Entry::Vacant(e) = names.entry(id)
                && let Ok(o) = state.store.org(id).await
            {
                e.insert(o.name);
            }
        }
    }
    let positions: Vec<_> =
        c.ad.positions
            .iter()
            .map(|p| {
                let kind = PositionKind::parse(&p.kind).ok();
                context! {
                    id => p.id, seq => p.seq, count => p.count,
                    kind => kind.map(|k| k.label(lang)).unwrap_or(""),
                    bound => kind.is_some_and(|k| k.is_bound()),
                    municipality => p.municipality_id.and_then(|m| names.get(&m).cloned()),
                    later_employer => p.later_employer_id.and_then(|m| names.get(&m).cloned()),
                }
            })
            .collect();
    let window = match c.window(state.now()) {
        Window::NotYetOpen => "not_open",
        Window::Open => "open",
        Window::Closed => "closed",
    };
    let coupling = Coupling::parse(&c.ad.coupling)
        .map(|c| c.label(lang))
        .unwrap_or("");
    let formal: Vec<String> = c.formal().describe(lang);
    let weighted: Vec<String> =
        serde_json::from_value(c.ad.weighted_criteria.clone()).unwrap_or_default();
    let screening: Vec<_> = c
        .screening()
        .iter()
        .map(|q| lang.pick3(q.text_nb.clone(), q.text_nb.clone(), q.text_en.clone()))
        .collect();
    // Issue 12: the trust's numbers for the cohort, and the version they come from.
    let plan = state
        .store
        .allocation(c.round.start_date, c.ad.hf_id)
        .await
        .ok()
        .flatten()
        .map(|a| {
            context! {
                total => a.numbers.total, version => a.version,
                by => a.decided_org_name.clone().unwrap_or_default(),
                at => fmt_time(a.decided_at, lang),
                cohort => c.round.start_date.to_string(), hf_id => c.ad.hf_id,
            }
        });
    context! {
        plan => plan,
        id => c.ad.id, title => c.ad.title.clone(), description => c.ad.description.clone(),
        state => c.ad.state.clone(), coupling => coupling,
        hf => c.hf.name.clone(), site => c.site.name.clone(),
        round => c.round.name.clone(), round_id => c.round.id,
        announcement => fmt_time(c.round.announcement, lang),
        deadline => fmt_time(c.round.application_deadline, lang),
        window => window,
        municipalities => c.municipalities.iter().map(|m| m.name.clone()).collect::<Vec<_>>(),
        positions => positions,
        any_bound => c.ad.positions.iter().any(|p| PositionKind::parse(&p.kind).is_ok_and(|k| k.is_bound())),
        rubric => c.rubric().describe(lang),
        formal => formal, weighted => weighted, screening => screening,
    }
}

/// Filters of the public list.
#[derive(Debug, Default, Deserialize)]
pub struct PublicFilter {
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    hf: Option<String>,
    #[serde(default)]
    kommune: Option<String>,
    #[serde(default)]
    type_: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

fn parse_id(s: &Option<String>) -> Option<i64> {
    s.as_deref().and_then(|v| v.parse().ok())
}

/// `GET /stillinger`: the public, searchable list of advertisements open for applications.
pub async fn public_list(
    State(state): State<AppState>,
    v: Visitor,
    Query(f): Query<PublicFilter>,
) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    let store_err = |e| AppError::store(e, lang);
    let now = state.now();
    let orgs = state.store.orgs().await.map_err(store_err)?;
    let by_id: BTreeMap<i64, &Org> = orgs.iter().map(|o| (o.id, o)).collect();
    let (region, hf, kommune) = (parse_id(&f.region), parse_id(&f.hf), parse_id(&f.kommune));
    let kind = f.kind.clone().or(f.type_.clone()).unwrap_or_default();
    let mut rows = Vec::new();
    for ad in state.store.advertisements(None).await.map_err(store_err)? {
        if ad.state != "published" {
            continue;
        }
        let round = state.store.round(ad.round_id).await.map_err(store_err)?;
        if ads::application_window(round.announcement, round.application_deadline, now)
            != Window::Open
        {
            continue;
        }
        let rhf = by_id.get(&ad.hf_id).and_then(|o| o.parent_id);
        let bound = ad
            .positions
            .iter()
            .any(|p| PositionKind::parse(&p.kind).is_ok_and(|k| k.is_bound()));
        let keep = region.is_none_or(|r| rhf == Some(r))
            && hf.is_none_or(|h| ad.hf_id == h)
            && kommune.is_none_or(|k| ad.municipality_ids.contains(&k))
            && match kind.as_str() {
                "bound" => bound,
                "ordinary" => ad.positions.iter().any(|p| p.kind == "ordinary"),
                _ => true,
            };
        if !keep {
            continue;
        }
        let names = |ids: &[i64]| {
            ids.iter()
                .filter_map(|i| by_id.get(i).map(|o| o.name.clone()))
                .collect::<Vec<_>>()
        };
        rows.push(context! {
            id => ad.id, title => ad.title.clone(),
            hf => by_id.get(&ad.hf_id).map(|o| o.name.clone()),
            site => by_id.get(&ad.hospital_site_id).map(|o| o.name.clone()),
            municipalities => names(&ad.municipality_ids).join(", "),
            positions => ad.positions.iter().map(|p| p.count).sum::<i32>(),
            bound => bound,
            deadline => fmt_time(round.application_deadline, lang),
        });
    }
    let options = |kind: OrgKind| -> Vec<Value> {
        orgs.iter()
            .filter(|o| o.kind == kind)
            .map(|o| context! { id => o.id, name => o.name.clone() })
            .collect()
    };
    // When the next round opens (issue 11): the first not yet announced.
    let next_round = state
        .store
        .rounds()
        .await
        .map_err(store_err)?
        .into_iter()
        .filter(|r| r.announcement > now)
        .min_by_key(|r| r.announcement)
        .map(|r| {
            let text = crate::i18n::t(lang, "ads.next_round")
                .replace("{name}", &r.name)
                .replace("{announcement}", &fmt_time(r.announcement, lang))
                .replace("{deadline}", &fmt_time(r.application_deadline, lang))
                .replace("{start}", &fmt_date(r.start_date, lang));
            context! { id => r.id, text => text }
        });
    crate::templates::render(
        "ads_public.html",
        page(
            &state,
            &v,
            context! {
                ads => rows, next_round => next_round,
                regions => options(OrgKind::Rhf), hfs => options(OrgKind::Hf), municipalities => options(OrgKind::Municipality),
                f_region => region, f_hf => hf, f_kommune => kommune, f_kind => kind,
            },
        ),
    )
}

/// The recruiter's hospital trust grants.
fn recruiter_grants(s: &SignedIn) -> Vec<Grant> {
    s.principal
        .grants
        .iter()
        .copied()
        .filter(|g| g.role == Role::HfRecruiter)
        .collect()
}

/// `GET /utlysninger`: the advertisements one works with.
pub async fn list(State(state): State<AppState>, v: Visitor) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    // The use case decides which advertisements the user works with.
    let (worked, can_create) = lis1_app::ads::worked_with(&state.app, &s.caller())
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let rows: Vec<_> = worked
        .into_iter()
        .map(|w| {
            context! {
                id => w.ad.id, title => w.ad.title, round => w.round_name, state => w.ad.state,
                applications => w.applications,
            }
        })
        .collect();
    crate::templates::render(
        "ads.html",
        page(
            &state,
            &v,
            context! { ads => rows, can_create => can_create },
        ),
    )
}

/// The form's values as typed.
#[derive(Debug, Clone, Default, serde::Serialize)]
struct AdForm {
    round_id: String,
    site_id: String,
    coupling: String,
    municipality_ids: Vec<String>,
    title: String,
    description: String,
    weighted: String,
    rubric: Vec<rubric_form::RubricRow>,
    screening: Vec<ScreeningForm>,
    auto_next: bool,
    positions: Vec<PositionForm>,
    /// Tables whose posted rows went past their limit, with the limit: the form is refused at
    /// the table and nothing is saved (issue 9).
    #[serde(skip)]
    too_far: BTreeMap<&'static str, usize>,
}

/// One screening question as typed: the English text may be left empty.
#[derive(Debug, Clone, Default, serde::Serialize)]
struct ScreeningForm {
    text_nb: String,
    text_en: String,
}

/// Empty screening rows under the questions.
const SCREENING_EMPTY_ROWS: usize = 3;
/// A form with screening rows at or beyond this index is refused (a tampered form).
const SCREENING_MAX_ROWS: usize = ads::MAX_QUESTIONS + SCREENING_EMPTY_ROWS;

impl ScreeningForm {
    fn is_unused(&self) -> bool {
        self.text_nb.trim().is_empty() && self.text_en.trim().is_empty()
    }
}

/// Makes sure the screening rows end with [`SCREENING_EMPTY_ROWS`] empty ones.
fn top_up_screening(rows: &mut Vec<ScreeningForm>) {
    let trailing = rows.iter().rev().take_while(|r| r.is_unused()).count();
    let wanted =
        (rows.len() + SCREENING_EMPTY_ROWS.saturating_sub(trailing)).min(SCREENING_MAX_ROWS);
    rows.resize(wanted.max(rows.len()), ScreeningForm::default());
}

#[derive(Debug, Clone, Default, serde::Serialize)]
struct PositionForm {
    kind: String,
    count: String,
    municipality_id: String,
    later_employer_id: String,
}

const POSITION_ROWS: usize = 4;

impl AdForm {
    fn blank(lang: Lang) -> AdForm {
        let rubric = rubric_form::rows(&Rubric::hnt_default(), lang);
        let mut screening = Vec::new();
        top_up_screening(&mut screening);
        let mut positions = vec![PositionForm::default(); POSITION_ROWS];
        positions[0] = PositionForm {
            kind: "ordinary".into(),
            count: "1".into(),
            ..PositionForm::default()
        };
        AdForm {
            coupling: "section13b".into(),
            weighted: "God kjennskap til norsk helsevesen\nUtdanning og relevant faglig arbeidserfaring\nSpråkkunnskaper\nTeamkompetanse\nReferanser".into(),
            rubric,
            screening,
            auto_next: true,
            positions,
            ..AdForm::default()
        }
    }

    /// The form filled in with a stored advertisement, as the recruiter would have typed it.
    fn from_stored(c: &AdContext, lang: Lang) -> AdForm {
        let ad = &c.ad;
        let weighted: Vec<String> =
            serde_json::from_value(ad.weighted_criteria.clone()).unwrap_or_default();
        // The standard bound questions are added again on saving, one per bound kind.
        let mut screening: Vec<ScreeningForm> = c
            .screening()
            .into_iter()
            .filter(|q| !q.is_derived())
            .map(|q| ScreeningForm {
                // An English text left empty was stored as the Norwegian one.
                text_en: if q.text_en == q.text_nb {
                    String::new()
                } else {
                    q.text_en
                },
                text_nb: q.text_nb,
            })
            .collect();
        top_up_screening(&mut screening);
        let id = |m: Option<i64>| m.map(|m| m.to_string()).unwrap_or_default();
        let mut positions: Vec<PositionForm> = ad
            .positions
            .iter()
            .map(|p| PositionForm {
                kind: p.kind.clone(),
                count: p.count.to_string(),
                municipality_id: id(p.municipality_id),
                later_employer_id: id(p.later_employer_id),
            })
            .collect();
        let rows = (positions.len() + 1)
            .max(POSITION_ROWS)
            .min(ads::MAX_POSITION_ROWS.max(positions.len()));
        positions.resize(rows, PositionForm::default());
        AdForm {
            round_id: ad.round_id.to_string(),
            site_id: ad.hospital_site_id.to_string(),
            coupling: ad.coupling.clone(),
            municipality_ids: ad.municipality_ids.iter().map(i64::to_string).collect(),
            title: ad.title.clone(),
            description: ad.description.clone(),
            weighted: weighted.join("\n"),
            rubric: rubric_form::rows(&c.rubric(), lang),
            screening,
            auto_next: ad.auto_next_in_line,
            positions,
            too_far: BTreeMap::new(),
        }
    }

    fn from_pairs(pairs: &[(String, String)]) -> AdForm {
        let mut f = AdForm {
            positions: vec![PositionForm::default(); POSITION_ROWS],
            ..AdForm::default()
        };
        for (k, v) in pairs {
            match k.as_str() {
                "round_id" => f.round_id = v.clone(),
                "site_id" => f.site_id = v.clone(),
                "coupling" => f.coupling = v.clone(),
                "municipality_ids" => f.municipality_ids.push(v.clone()),
                "title" => f.title = v.trim().to_string(),
                "description" => f.description = v.clone(),
                "weighted" => f.weighted = v.clone(),
                "auto_next" => f.auto_next = true,
                other => match rubric_form::take_field(&mut f.rubric, other, v) {
                    rubric_form::Taken::Cell => {}
                    rubric_form::Taken::TooFar => {
                        f.too_far.insert("rubric", rubric_form::MAX_TABLE_ITEMS);
                    }
                    rubric_form::Taken::Other => {
                        match limits::row_field(other, "screening", SCREENING_MAX_ROWS) {
                            RowField::Row(n, part) => {
                                if f.screening.len() <= n {
                                    f.screening.resize(n + 1, ScreeningForm::default());
                                }
                                match part {
                                    "text_nb" => f.screening[n].text_nb = v.clone(),
                                    "text_en" => f.screening[n].text_en = v.clone(),
                                    _ => {}
                                }
                                continue;
                            }
                            RowField::TooFar => {
                                f.too_far.insert("screening", ads::MAX_QUESTIONS);
                                continue;
                            }
                            RowField::Other => {}
                        }
                        // A draft with more rows than a new form has them all (within the rule's
                        // maximum; rows beyond it are a tampered form, refused).
                        match limits::row_field(other, "positions", ads::MAX_POSITION_ROWS) {
                            RowField::Row(n, part) => {
                                if f.positions.len() <= n {
                                    f.positions.resize(n + 1, PositionForm::default());
                                }
                                let p = &mut f.positions[n];
                                match part {
                                    "kind" => p.kind = v.clone(),
                                    "count" => p.count = v.trim().to_string(),
                                    "municipality_id" => p.municipality_id = v.clone(),
                                    "later_employer_id" => p.later_employer_id = v.clone(),
                                    _ => {}
                                }
                            }
                            RowField::TooFar => {
                                f.too_far.insert("positions", ads::MAX_POSITION_ROWS);
                            }
                            RowField::Other => {}
                        }
                    }
                },
            }
        }
        rubric_form::top_up(&mut f.rubric);
        top_up_screening(&mut f.screening);
        f
    }
}

struct FormOptions {
    rounds: Vec<Value>,
    sites: Vec<(Org, Vec<Org>)>,
    later_employers: Vec<Value>,
}

async fn form_options(state: &AppState, s: &SignedIn, lang: Lang) -> Result<FormOptions, AppError> {
    let store_err = |e| AppError::store(e, lang);
    let now = state.now();
    let rounds = state
        .store
        .rounds()
        .await
        .map_err(store_err)?
        .into_iter()
        .filter(|r| r.application_deadline > now)
        .map(|r| context! { id => r.id, name => r.name })
        .collect();
    let orgs = state.store.orgs().await.map_err(store_err)?;
    let mut sites = Vec::new();
    for g in recruiter_grants(s) {
        for site in orgs
            .iter()
            .filter(|o| o.kind == OrgKind::HospitalSite && o.parent_id == Some(g.org))
        {
            let mut munis = Vec::new();
            for a in state.store.area(site.id).await.map_err(store_err)? {
                munis.push(
                    state
                        .store
                        .org(a.municipality_id)
                        .await
                        .map_err(store_err)?,
                );
            }
            sites.push((site.clone(), munis));
        }
    }
    let later_employers = orgs
        .iter()
        .filter(|o| matches!(o.kind, OrgKind::Hf | OrgKind::Municipality))
        .map(|o| context! { id => o.id, name => o.name.clone() })
        .collect();
    Ok(FormOptions {
        rounds,
        sites,
        later_employers,
    })
}

/// Whether the form creates an advertisement or changes a draft.
enum FormMode {
    New,
    Edit {
        id: i64,
        /// The draft's formal criteria, shown as they are.
        formal: FormalCriteria,
    },
}

impl FormMode {
    fn formal(&self) -> FormalCriteria {
        match self {
            FormMode::New => FormalCriteria::hnt(),
            FormMode::Edit { formal, .. } => *formal,
        }
    }
}

fn form_page(
    state: &AppState,
    v: &Visitor,
    opts: &FormOptions,
    form: &AdForm,
    mode: &FormMode,
    errors: &[(String, String)],
    status: StatusCode,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let map: BTreeMap<&str, &str> = errors
        .iter()
        .map(|(f, m)| (f.as_str(), m.as_str()))
        .collect();
    let list: Vec<_> = errors
        .iter()
        .map(|(f, m)| context! { field => f, message => m })
        .collect();
    let sites: Vec<_> = opts
        .sites
        .iter()
        .map(|(site, munis)| {
            context! {
                id => site.id, name => site.name.clone(),
                municipalities => munis.iter().map(|m| context! {
                    id => m.id, name => m.name.clone(),
                    checked => form.municipality_ids.contains(&m.id.to_string()),
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let kinds: Vec<_> = [
        PositionKind::Ordinary,
        PositionKind::BoundLis3Psychiatry,
        PositionKind::BoundLis3Bup,
        PositionKind::BoundAlis,
    ]
    .into_iter()
    .map(|k| context! { value => k.as_str(), label => k.label(lang) })
    .collect();
    let couplings: Vec<_> = [Coupling::Section13a, Coupling::Section13b]
        .into_iter()
        .map(|c| context! { value => c.as_str(), label => c.label(lang) })
        .collect();
    let html = crate::templates::render(
        "ad_form.html",
        page(
            state,
            v,
            context! {
                form => form, errors => map, error_list => list, rounds => opts.rounds.clone(), sites => sites,
                kinds => kinds, couplings => couplings, later_employers => opts.later_employers.clone(),
                formal => mode.formal().describe(lang),
                rubric_choices => rubric_form::choices(lang),
                edit_id => match mode { FormMode::New => None, FormMode::Edit { id, .. } => Some(*id) },
            },
        ),
    )?;
    Ok((status, html).into_response())
}

fn require_recruiter(v: &Visitor) -> Result<&SignedIn, AppError> {
    let s = v.require()?;
    if recruiter_grants(s).is_empty() {
        return Err(
            AppError::from(lis1_domain::access::Denied::new("manage_advertisements"))
                .in_lang(v.lang),
        );
    }
    Ok(s)
}

/// `GET /utlysninger/ny`.
pub async fn new_form(State(state): State<AppState>, v: Visitor) -> Result<Response, AppError> {
    let s = require_recruiter(&v)?;
    let opts = form_options(&state, s, v.lang).await?;
    let mut form = AdForm::blank(v.lang);
    if let Some((site, _)) = opts.sites.first() {
        form.site_id = site.id.to_string();
        form.title = format!("LIS1 ved {}", site.name);
    }
    form_page(
        &state,
        &v,
        &opts,
        &form,
        &FormMode::New,
        &[],
        StatusCode::OK,
    )
}

/// The posted form's CSRF token.
fn posted_csrf(pairs: &[(String, String)]) -> &str {
    pairs
        .iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// `POST /utlysninger/ny`: parsed here, checked and saved by `lis1_app::ads::create`.
pub async fn create(
    State(state): State<AppState>,
    v: Visitor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = require_recruiter(&v)?;
    s.check_csrf(posted_csrf(&pairs), lang)?;
    let opts = form_options(&state, s, lang).await?;
    let form = AdForm::from_pairs(&pairs);
    let refused = |errors: Vec<(String, String)>| {
        form_page(
            &state,
            &v,
            &opts,
            &form,
            &FormMode::New,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let (input, rows) = match parse_form(lang, &opts, &form) {
        Ok(parsed) => parsed,
        Err(errors) => return refused(errors),
    };
    match lis1_app::ads::create(&state.app, &s.caller(), &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/utlysninger/{id}?lagret=1")).into_response()),
        Err(e) if e.kind == lis1_app::Kind::Invalid && !e.fields.is_empty() => {
            refused(at_rows(e.field_messages(lang), &rows))
        }
        Err(e) => Err(AppError::app(e, lang)),
    }
}

/// Problems by form field: (field, message).
type FieldErrors = Vec<(String, String)>;

/// Parses a posted form into what a recruiter wrote: every field against the recruiter's
/// choices (a site of their trust, an open round, the lists' values, numbers, the rubric table).
/// Gives the advertisement and the form row of each of its screening questions, or the problems
/// by field. The rules of an advertisement are the use case's (`lis1_app::ads`).
fn parse_form(
    lang: Lang,
    opts: &FormOptions,
    form: &AdForm,
) -> Result<(lis1_app::ads::AdInput, Vec<usize>), FieldErrors> {
    let mut errors: Vec<(String, String)> = Vec::new();
    let invalid = lang.pick3(
        "Velg fra listen.",
        "Vel frå lista.",
        "Choose from the list.",
    );
    for (table, max) in &form.too_far {
        errors.push((table.to_string(), limits::too_many_rows(lang, *max)));
    }
    let site = form
        .site_id
        .parse::<i64>()
        .ok()
        .filter(|id| opts.sites.iter().any(|(s, _)| s.id == *id));
    if site.is_none() {
        errors.push(("site_id".into(), invalid.into()));
    }
    let round_id = form.round_id.parse::<i64>().ok().filter(|id| {
        opts.rounds
            .iter()
            .any(|r| r.get_attr("id").ok().and_then(|v| v.as_i64()) == Some(*id))
    });
    if round_id.is_none() {
        errors.push((
            "round_id".into(),
            lang.pick3(
                "Velg en runde som ikke har passert søknadsfristen.",
                "Vel ein runde som ikkje har passert søknadsfristen.",
                "Choose a round whose deadline has not passed.",
            )
            .into(),
        ));
    }
    let coupling = Coupling::parse(&form.coupling).ok();
    if coupling.is_none() {
        errors.push(("coupling".into(), invalid.into()));
    }
    let municipality_ids: Vec<i64> = form
        .municipality_ids
        .iter()
        .filter_map(|m| m.parse().ok())
        .collect();
    // Checked on its own, so every problem in the table shows at once, by the table's rows.
    let rubric: Option<Rubric> = match rubric_form::parse(&form.rubric, lang) {
        Ok(r) => Some(r),
        Err(problems) => {
            errors.extend(problems);
            None
        }
    };
    let mut positions = Vec::new();
    for (i, p) in form.positions.iter().enumerate() {
        if p.kind.is_empty() || (p.count.is_empty() && i > 0) {
            continue;
        }
        let Ok(kind) = PositionKind::parse(&p.kind) else {
            errors.push((format!("positions[{i}].kind"), invalid.into()));
            continue;
        };
        let count = match p.count.parse::<u16>() {
            Ok(c) => c,
            Err(_) => {
                errors.push((
                    format!("positions[{i}].count"),
                    lang.pick3(
                        "Skriv et helt tall.",
                        "Skriv eit heilt tal.",
                        "Enter a whole number.",
                    )
                    .into(),
                ));
                continue;
            }
        };
        positions.push(PositionDraft {
            kind,
            count,
            municipality_id: p.municipality_id.parse().ok(),
            later_employer_id: p.later_employer_id.parse().ok(),
        });
    }
    let mut questions = Vec::new();
    let mut rows = Vec::new();
    for (row, q) in form.screening.iter().enumerate() {
        if q.is_unused() {
            continue;
        }
        questions.push(lis1_app::ads::QuestionInput {
            text_nb: q.text_nb.clone(),
            text_en: q.text_en.clone(),
        });
        rows.push(row);
    }
    match (site, round_id, coupling, rubric, errors.is_empty()) {
        (Some(site_id), Some(round_id), Some(coupling), Some(rubric), true) => Ok((
            lis1_app::ads::AdInput {
                round_id,
                site_id,
                coupling,
                title: form.title.clone(),
                description: form.description.clone(),
                municipality_ids,
                positions,
                weighted_criteria: form.weighted.lines().map(str::to_string).collect(),
                rubric,
                questions,
                auto_next_in_line: form.auto_next,
            },
            rows,
        )),
        _ => Err(errors),
    }
}

/// The use case's field problems named by the form: a screening question by the form row the
/// recruiter typed it in (the use case counts only the questions written).
fn at_rows(fields: Vec<(String, String)>, rows: &[usize]) -> Vec<(String, String)> {
    fields
        .into_iter()
        .map(|(field, message)| {
            let renamed = field
                .strip_prefix("screening[")
                .and_then(|rest| rest.split_once("]."))
                .and_then(|(n, part)| {
                    let row = rows.get(n.parse::<usize>().ok()?)?;
                    Some(format!("screening[{row}].{part}"))
                });
            (renamed.unwrap_or(field), message)
        })
        .collect()
}

/// The draft the signed-in recruiter is about to change. Another trust's advertisement is
/// refused (403) and a published one too (409): applicants applied to what was published.
async fn editable_draft(state: &AppState, v: &Visitor, id: &str) -> Result<AdContext, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    lis1_app::ads::editable(&state.app, &s.caller(), id)
        .await
        .map_err(|e| AppError::app(e, lang))
}

/// `GET /utlysninger/{id}/endre`: the creation form, filled in with the draft.
pub async fn edit_form(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let c = editable_draft(&state, &v, &id).await?;
    let s = v.require()?;
    let mut opts = form_options(&state, s, v.lang).await?;
    // A draft in a round whose deadline has passed shows its round; saving refuses it, next to
    // the field, as creation would.
    let listed = opts
        .rounds
        .iter()
        .any(|r| r.get_attr("id").ok().and_then(|v| v.as_i64()) == Some(c.round.id));
    if !listed {
        opts.rounds
            .push(context! { id => c.round.id, name => c.round.name.clone() });
    }
    let form = AdForm::from_stored(&c, v.lang);
    let mode = FormMode::Edit {
        id: c.ad.id,
        formal: c.formal(),
    };
    form_page(&state, &v, &opts, &form, &mode, &[], StatusCode::OK)
}

/// `POST /utlysninger/{id}/endre`: parsed as creation is, then checked and saved by
/// `lis1_app::ads::update` in one transaction with its audit entry.
pub async fn update(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(posted_csrf(&pairs), lang)?;
    let c = editable_draft(&state, &v, &id).await?;
    let opts = form_options(&state, s, lang).await?;
    let form = AdForm::from_pairs(&pairs);
    let mode = FormMode::Edit {
        id: c.ad.id,
        formal: c.formal(),
    };
    let refused = |errors: Vec<(String, String)>| {
        form_page(
            &state,
            &v,
            &opts,
            &form,
            &mode,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let (input, rows) = match parse_form(lang, &opts, &form) {
        Ok(parsed) => parsed,
        Err(errors) => return refused(errors),
    };
    match lis1_app::ads::update(&state.app, &s.caller(), c.ad.id, &input, None).await {
        Ok(_) => Ok(Redirect::to(&format!("/utlysninger/{}?endret=1", c.ad.id)).into_response()),
        Err(e) if e.kind == lis1_app::Kind::Invalid && !e.fields.is_empty() => {
            refused(at_rows(e.field_messages(lang), &rows))
        }
        Err(e) => Err(AppError::app(e, lang)),
    }
}

/// Notices after an action.
#[derive(Debug, Deserialize)]
pub struct Notice {
    #[serde(default)]
    lagret: Option<String>,
    #[serde(default)]
    publisert: Option<String>,
    #[serde(default)]
    endret: Option<String>,
    #[serde(default)]
    deltar: Option<String>,
}

/// `GET /utlysninger/{id}`.
pub async fn show(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Query(n): Query<Notice>,
) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let notice = if n.lagret.is_some() {
        Some(crate::i18n::t(lang, "ads.saved"))
    } else if n.endret.is_some() {
        Some(crate::i18n::t(lang, "ads.updated"))
    } else if n.publisert.is_some() {
        Some(crate::i18n::t(lang, "ads.published"))
    } else if n.deltar.is_some() {
        Some(crate::i18n::t(lang, "ads.participated"))
    } else {
        None
    };
    show_page(&state, &v, id, notice, None).await
}

/// A refused action on the advertisement's page: the page again, the message at the top
/// (issue 11, item 6: never the generic error page), with the refusal's status.
async fn refused_here(state: &AppState, v: &Visitor, id: i64, e: AppError) -> Response {
    if e.redirect.is_some() || e.status == StatusCode::NOT_FOUND {
        return e.into_response();
    }
    let status = e.status;
    match show_page(state, v, id, None, Some(e.message)).await {
        Ok(html) => (status, html).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The advertisement's page, with a notice after an action or a refusal's message.
async fn show_page(
    state: &AppState,
    v: &Visitor,
    id: i64,
    notice: Option<String>,
    refused: Option<String>,
) -> Result<Html<String>, AppError> {
    let state = state.clone();
    let lang = v.lang;
    let c = crate::pages::ads::load(&state, id, lang).await?;
    let now = state.now();
    if !crate::pages::ads::visible(&c, v, now) {
        return Err(AppError::not_found(lang));
    }
    let mut flags = context! {};
    if let Some(s) = &v.session {
        // The use case decides what the user may do here.
        let lis1_app::ads::Standing {
            manages,
            sees_applicants: sees,
            participant,
            may_participate,
        } = lis1_app::ads::standing(&state.app, &s.caller(), &c)
            .await
            .map_err(|e| AppError::app(e, lang))?;
        flags = context! {
            manages => manages, sees_applicants => sees, participant => participant,
            may_participate => may_participate,
            may_apply => authorize(&s.principal, &Action::Apply).is_ok() && c.window(now) == Window::Open && c.ad.state == "published",
            may_publish => manages && c.ad.state == "draft",
            may_edit => manages && c.ad.state == "draft",
            next_mode => if c.ad.auto_next_in_line {
                lis1_domain::offers::NextInLineMode::Automatic
            } else {
                lis1_domain::offers::NextInLineMode::Confirm
            }.label(lang),
        };
    } else if c.window(now) == Window::Open {
        flags = context! { may_apply => true };
    }
    let view = crate::pages::ads::view(&c, &state, lang).await;
    crate::templates::render(
        "ad.html",
        page(
            &state,
            v,
            context! { ad => view, flags => flags, notice => notice, refused => refused },
        ),
    )
}

/// Form: publish, confirmed or not.
#[derive(Debug, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    bekreft: String,
}

/// `POST /utlysninger/{id}/publiser`. Without `bekreft=1` it only asks (issue 11, item 6):
/// publication cannot be taken back.
pub async fn publish(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<PublishForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&form.csrf_token, lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    if !crate::pages::confirm::confirmed(&form.bekreft) {
        let c = load(&state, id, lang).await?;
        let title = &c.ad.title;
        let deadline = fmt_time(c.round.application_deadline, lang);
        return crate::pages::confirm::page_for(
            &state,
            &v,
            crate::pages::confirm::Confirm {
                title: lang.pick3(
                    format!("Publiser utlysningen «{title}»"),
                    format!("Publiser utlysinga «{title}»"),
                    format!("Publish the advertisement «{title}»"),
                ),
                what: lang.pick3(
                    format!("Utlysningen blir offentlig i runden {} når den kunngjøres, og legene kan søke til søknadsfristen {deadline}.", c.round.name),
                    format!("Utlysinga blir offentleg i runden {} når ho blir kunngjord, og legane kan søkje fram til søknadsfristen {deadline}.", c.round.name),
                    format!("The advertisement becomes public in the round {} when it is announced, and doctors can apply until the deadline {deadline}.", c.round.name),
                ),
                irreversible: lang
                    .pick3(
                        "En publisert utlysning kan ikke gjøres om til utkast eller slettes, og stillingene den lyser ut regnes mot helseforetakets tall for kullet.",
                        "Ei publisert utlysing kan ikkje gjerast om til utkast eller slettast, og stillingane ho lyser ut blir rekna mot tala til helseføretaket for kullet.",
                        "A published advertisement cannot be turned back into a draft or deleted, and its positions count against the trust's numbers for the cohort.",
                    )
                    .into(),
                action: format!("/utlysninger/{id}/publiser"),
                fields: Vec::new(),
                back: format!("/utlysninger/{id}"),
                button: lang.pick3("Publiser", "Publiser", "Publish").into(),
            },
        );
    }
    // Issue 12: the plan's check runs inside the publication's transaction.
    if let Err(e) = lis1_app::ads::publish(&state.app, &s.caller(), id, None).await {
        return Ok(refused_here(&state, &v, id, AppError::app(e, lang)).await);
    }
    Ok(Redirect::to(&format!("/utlysninger/{id}?publisert=1")).into_response())
}

/// `POST /utlysninger/{id}/delta`: a coordinator or union representative registers
/// participation, no later than the application deadline (002 §2.1).
pub async fn participate(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<crate::auth::CsrfForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&form.csrf_token, lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    match register_participation(&state, s, id, lang).await {
        Ok(r) => Ok(r),
        Err(e) => Ok(refused_here(&state, &v, id, e).await),
    }
}

async fn register_participation(
    state: &AppState,
    s: &SignedIn,
    id: i64,
    lang: Lang,
) -> Result<Response, AppError> {
    lis1_app::ads::participate(&state.app, &s.caller(), id)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    Ok(Redirect::to(&format!("/utlysninger/{id}?deltar=1")).into_response())
}
