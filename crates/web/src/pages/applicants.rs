//! The recruiter's work on an advertisement's applicants: the list with filters and points
//! computed by the advertisement's rubric (with a per-item breakdown), adjustments with a logged
//! reason, shortlist and interview notes, comments from participating coordinators and the union
//! representative, the ranked recommendation (*innstilling*) per position, and exports.
//!
//! Who may do what: `lis1_domain::access` (`ViewApplicants`, `AssessApplicants`, `Recommend`).
//! Every view of an application (personal data) is audit-logged.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use lis1_domain::Lang;
use lis1_domain::access::{Action, Grant, authorize};
use lis1_domain::advertisements::{Answer, PositionKind};
use lis1_domain::offers::NextInLineMode;
use lis1_domain::profiles::EducationRegion;
use lis1_domain::scoring::Points;
use lis1_store::audit::Event;
use lis1_store::{Actor, Ctx};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::auth::{SignedIn, Visitor};
use crate::error::AppError;
use crate::pages::ads::AdContext;
use crate::pages::{fmt_time, page};
use crate::state::AppState;
use lis1_app::applications as uc;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    ("applicants.title", "Søkere", "Søkjarar", "Applicants"),
    (
        "applicants.none",
        "Ingen søkere ennå.",
        "Ingen søkjarar enno.",
        "No applicants yet.",
    ),
    (
        "applicants.count",
        "søkere vises",
        "søkjarar blir viste",
        "applicants shown",
    ),
    (
        "applicants.in_all",
        "søkere i alt",
        "søkjarar i alt",
        "applicants in all",
    ),
    ("applicants.name", "Søker", "Søkjar", "Applicant"),
    (
        "applicants.positions",
        "Søker på",
        "Søkjer på",
        "Applies for",
    ),
    (
        "applicants.formal",
        "Formelle krav",
        "Formelle krav",
        "Formal requirements",
    ),
    ("applicants.met", "Oppfylt", "Oppfylt", "Met"),
    (
        "applicants.pending",
        "Venter på dokumentasjon",
        "Ventar på dokumentasjon",
        "Awaiting documentation",
    ),
    (
        "applicants.not_met",
        "Ikke oppfylt",
        "Ikkje oppfylt",
        "Not met",
    ),
    ("applicants.points", "Poeng", "Poeng", "Points"),
    (
        "applicants.breakdown",
        "Slik er poengene regnet ut",
        "Slik er poenga rekna ut",
        "How the points were computed",
    ),
    (
        "applicants.adjustment",
        "Justering",
        "Justering",
        "Adjustment",
    ),
    (
        "applicants.education",
        "Utdanning",
        "Utdanning",
        "Education",
    ),
    (
        "applicants.shortlisted",
        "Til intervju",
        "Til intervju",
        "Interview",
    ),
    (
        "applicants.filter_bound",
        "Søker bunden stilling",
        "Søkjer bunden stilling",
        "Applies for bound position",
    ),
    (
        "applicants.filter_formal",
        "Formelle krav",
        "Formelle krav",
        "Formal requirements",
    ),
    (
        "applicants.filter_points_min",
        "Poeng fra",
        "Poeng frå",
        "Points from",
    ),
    (
        "applicants.filter_points_max",
        "Poeng til",
        "Poeng til",
        "Points to",
    ),
    (
        "applicants.filter_region",
        "Utdanning fra",
        "Utdanning frå",
        "Educated in",
    ),
    (
        "applicants.filter_shortlisted",
        "Bare til intervju",
        "Berre til intervju",
        "Shortlisted only",
    ),
    ("applicants.yes", "Ja", "Ja", "Yes"),
    ("applicants.no", "Nei", "Nei", "No"),
    ("applicants.all", "Alle", "Alle", "All"),
    ("applicants.filter", "Filtrer", "Filtrer", "Filter"),
    (
        "applicants.search",
        "Søk (navn, e-post, fødselsdato eller HPR-nummer)",
        "Søk (namn, e-post, fødselsdato eller HPR-nummer)",
        "Search (name, e-mail, date of birth or HPR number)",
    ),
    ("applicants.sort", "Sorter etter", "Sorter etter", "Sort by"),
    ("applicants.sort_points", "Poeng", "Poeng", "Points"),
    ("applicants.sort_name", "Navn", "Namn", "Name"),
    (
        "applicants.sort_date",
        "Søknadsdato",
        "Søknadsdato",
        "Date applied",
    ),
    (
        "applicants.sort_country",
        "Utdanningsland",
        "Utdanningsland",
        "Country of education",
    ),
    ("applicants.status", "Status", "Status", "Status"),
    (
        "applicants.status_offer",
        "Har tilbud her",
        "Har tilbod her",
        "Has an offer here",
    ),
    (
        "applicants.status_accepted",
        "Har takket ja her",
        "Har takka ja her",
        "Has accepted here",
    ),
    (
        "applicants.status_elsewhere",
        "Har takket ja et annet sted",
        "Har takka ja ein annan stad",
        "Has accepted elsewhere",
    ),
    (
        "applicants.status_closed",
        "Takket nei, utløpt eller sagt fra seg",
        "Takka nei, gått ut eller sagt frå seg",
        "Declined, expired or resigned",
    ),
    (
        "applicants.status_none",
        "Ingen tilbud ennå",
        "Ingen tilbod enno",
        "No offer yet",
    ),
    ("applicants.submitted", "Søkt", "Søkt", "Applied"),
    (
        "applicants.identifies",
        "Fødselsdato og HPR-nummer",
        "Fødselsdato og HPR-nummer",
        "Date of birth and HPR number",
    ),
    ("applicants.country", "Land", "Land", "Country"),
    ("applicants.showing", "Viser", "Viser", "Showing"),
    ("applicants.of", "av", "av", "of"),
    (
        "applicants.matching",
        "som passer",
        "som passar",
        "matching",
    ),
    ("applicants.page", "Side", "Side", "Page"),
    ("applicants.page_size", "Per side", "Per side", "Per page"),
    ("applicants.page_all", "Alle", "Alle", "All"),
    ("applicants.pages", "Sider", "Sider", "Pages"),
    (
        "applicants.prev",
        "Forrige side",
        "Førre side",
        "Previous page",
    ),
    ("applicants.next", "Neste side", "Neste side", "Next page"),
    ("applicants.choose", "Velg", "Vel", "Choose"),
    (
        "applicants.bulk",
        "Gjør med de valgte søkerne",
        "Gjer med dei valde søkjarane",
        "Do with the chosen applicants",
    ),
    ("applicants.bulk_action", "Handling", "Handling", "Action"),
    (
        "applicants.bulk_shortlist",
        "Sett til intervju",
        "Set til intervju",
        "Shortlist for interview",
    ),
    (
        "applicants.bulk_recommend",
        "Legg til nederst i innstillingen",
        "Legg til nedst i innstillinga",
        "Add to the end of the recommendation",
    ),
    (
        "applicants.bulk_position",
        "Stilling (for innstillingen)",
        "Stilling (for innstillinga)",
        "Position (for the recommendation)",
    ),
    ("applicants.bulk_next", "Gå videre", "Gå vidare", "Continue"),
    (
        "applicants.bulk_hint",
        "Du får se hvem og hva før noe blir endret.",
        "Du får sjå kven og kva før noko blir endra.",
        "You will see who and what before anything is changed.",
    ),
    (
        "applicants.bulk_none",
        "Velg minst én søker i listen. Ingenting ble endret.",
        "Vel minst éin søkjar i lista. Ingenting vart endra.",
        "Choose at least one applicant in the list. Nothing was changed.",
    ),
    (
        "applicants.bulk_choose_action",
        "Velg hva som skal gjøres med de valgte søkerne. Ingenting ble endret.",
        "Vel kva som skal gjerast med dei valde søkjarane. Ingenting vart endra.",
        "Choose what to do with the chosen applicants. Nothing was changed.",
    ),
    (
        "applicants.bulk_choose_position",
        "Velg stillingen de skal innstilles til. Ingenting ble endret.",
        "Vel stillinga dei skal innstillast til. Ingenting vart endra.",
        "Choose the position to recommend them for. Nothing was changed.",
    ),
    ("applicants.bulk_title", "Bekreft", "Stadfest", "Confirm"),
    (
        "applicants.bulk_confirm_shortlist",
        "Disse søkerne blir satt til intervju.",
        "Desse søkjarane blir sette til intervju.",
        "These applicants will be shortlisted for interview.",
    ),
    (
        "applicants.bulk_confirm_recommend",
        "Disse søkerne blir lagt til nederst i innstillingen, i denne rekkefølgen, for stilling",
        "Desse søkjarane blir lagde til nedst i innstillinga, i denne rekkjefølgja, for stilling",
        "These applicants will be added to the end of the recommendation, in this order, for position",
    ),
    (
        "applicants.bulk_confirm_note",
        "De som allerede er satt til intervju eller står i innstillingen, beholder det de har. Kan ikke alle endres, blir ingen endret.",
        "Dei som alt er sette til intervju eller står i innstillinga, held på det dei har. Kan ikkje alle endrast, blir ingen endra.",
        "Those already shortlisted or on the recommendation keep what they have. If not all can be changed, none is.",
    ),
    ("applicants.bulk_confirm", "Bekreft", "Stadfest", "Confirm"),
    (
        "applicants.bulk_cancel",
        "Avbryt, tilbake til listen",
        "Avbryt, tilbake til lista",
        "Cancel, back to the list",
    ),
    ("applicants.bulk_done", "Endret", "Endra", "Changed"),
    (
        "applicants.bulk_changes",
        "Blir endret",
        "Blir endra",
        "Will change",
    ),
    (
        "applicants.bulk_unchanged",
        "Har det allerede",
        "Har det alt",
        "Already so",
    ),
    (
        "applicants.export_csv",
        "Last ned CSV",
        "Last ned CSV",
        "Download CSV",
    ),
    (
        "applicants.export_xlsx",
        "Last ned Excel",
        "Last ned Excel",
        "Download Excel",
    ),
    (
        "applicants.recommendation",
        "Innstilling",
        "Innstilling",
        "Recommendation",
    ),
    (
        "applicants.back",
        "Tilbake til søkerlisten",
        "Tilbake til søkjarlista",
        "Back to the applicants",
    ),
    (
        "applicants.motivation",
        "Søknadstekst",
        "Søknadstekst",
        "Cover letter",
    ),
    (
        "applicants.answers",
        "Svar på spørsmål",
        "Svar på spørsmål",
        "Answers to questions",
    ),
    (
        "applicants.documents",
        "Dokumenter",
        "Dokument",
        "Documents",
    ),
    (
        "applicants.experience",
        "Erfaring",
        "Erfaring",
        "Experience",
    ),
    (
        "applicants.references",
        "Referanser",
        "Referansar",
        "References",
    ),
    ("applicants.assess", "Vurdering", "Vurdering", "Assessment"),
    (
        "applicants.notes",
        "Intervjunotater",
        "Intervjunotat",
        "Interview notes",
    ),
    ("applicants.save", "Lagre", "Lagre", "Save"),
    (
        "applicants.adjust",
        "Juster poeng",
        "Juster poeng",
        "Adjust points",
    ),
    (
        "applicants.delta",
        "Endring (f.eks. 1,5 eller -2)",
        "Endring (t.d. 1,5 eller -2)",
        "Change (e.g. 1.5 or -2)",
    ),
    (
        "applicants.reason",
        "Begrunnelse (logges)",
        "Grunngiving (blir logga)",
        "Reason (logged)",
    ),
    (
        "applicants.adjustments",
        "Justeringer",
        "Justeringar",
        "Adjustments",
    ),
    (
        "applicants.comments",
        "Kommentarer",
        "Kommentarar",
        "Comments",
    ),
    (
        "applicants.comment",
        "Ny kommentar",
        "Ny kommentar",
        "New comment",
    ),
    (
        "applicants.add_comment",
        "Legg til kommentar",
        "Legg til kommentar",
        "Add comment",
    ),
    ("applicants.saved", "Lagret.", "Lagra.", "Saved."),
    (
        "applicants.national_id",
        "Fødselsnummer",
        "Fødselsnummer",
        "National identity number",
    ),
    ("rec.title", "Innstilling", "Innstilling", "Recommendation"),
    (
        "rec.intro",
        "Ranger søkerne per stilling: 1 er best. Tomt felt betyr ikke innstilt. For bundne stillinger er det den senere arbeidsgiveren som innstiller; sykehuset kan kommentere.",
        "Ranger søkjarane per stilling: 1 er best. Tomt felt tyder ikkje innstilt. For bundne stillingar er det den seinare arbeidsgjevaren som innstiller; sjukehuset kan kommentere.",
        "Rank the applicants per position: 1 is best. An empty field means not recommended. For bound positions the later employer makes the recommendation; the hospital may comment.",
    ),
    ("rec.rank", "Rangering", "Rangering", "Rank"),
    (
        "rec.save",
        "Lagre innstillingen",
        "Lagre innstillinga",
        "Save the recommendation",
    ),
    (
        "rec.saved",
        "Innstillingen er lagret.",
        "Innstillinga er lagra.",
        "The recommendation has been saved.",
    ),
    (
        "rec.not_yours",
        "Denne stillingen innstilles av den senere arbeidsgiveren.",
        "Denne stillinga blir innstilt av den seinare arbeidsgjevaren.",
        "The later employer makes the recommendation for this position.",
    ),
    (
        "rec.duplicate",
        "Hver plass i rangeringen kan bare brukes én gang.",
        "Kvar plass i rangeringa kan berre brukast éin gong.",
        "Each rank can only be used once.",
    ),
];

use lis1_app::applications::{Scored, score_all};

async fn participant(state: &AppState, ad: i64, user: i64, lang: Lang) -> Result<bool, AppError> {
    Ok(state
        .store
        .participations(ad)
        .await
        .map_err(|e| AppError::store(e, lang))?
        .iter()
        .any(|p| p.user_id == user))
}

/// The grant under which `s` sees the advertisement's applicants.
async fn view_grant(
    state: &AppState,
    s: &SignedIn,
    c: &AdContext,
    lang: Lang,
) -> Result<Grant, AppError> {
    let participant = participant(state, c.ad.id, s.user.id, lang).await?;
    let later = c.later_employers();
    authorize(
        &s.principal,
        &Action::ViewApplicants {
            hf: &c.hf_path,
            participant,
            later_employers: &later,
        },
    )
    .map_err(|d| AppError::domain(StatusCode::FORBIDDEN, &d, lang))
}

/// Which positions' applicants `s` may see under `grant`: `None` for all of them (the hospital,
/// the directorate, registered participants); otherwise only the bound positions whose later
/// employer the grant is held in (004: the later employer decides on those, and needs no more).
fn visible_positions(s: &SignedIn, c: &AdContext, grant: Grant) -> Option<Vec<i64>> {
    uc::visible_positions(&s.caller(), c, grant)
}

use lis1_app::applications::in_scope;

/// Whether `s` may see an applicant's documents: through an advertisement the applicant applied
/// to whose applicants `s` may see, or a rest position the applicant applied to that `s` manages.
pub async fn may_see_applicant(
    state: &AppState,
    s: &SignedIn,
    applicant: i64,
    lang: Lang,
) -> Result<Grant, AppError> {
    let apps = state
        .store
        .applications(None, Some(applicant))
        .await
        .map_err(|e| AppError::store(e, lang))?;
    for a in apps.iter().filter(|a| a.state == "submitted") {
        let c = crate::pages::ads::load(state, a.advertisement_id, lang).await?;
        if let Ok(g) = view_grant(state, s, &c, lang).await
            && in_scope(&visible_positions(s, &c, g), a)
        {
            return Ok(g);
        }
    }
    // A rest position's employer (a municipality or a trust) reads its applicants' documents too.
    for a in state
        .store
        .rest_applications_for_applicant(applicant)
        .await
        .map_err(|e| AppError::store(e, lang))?
        .iter()
        .filter(|a| a.state == "submitted")
    {
        let r = state
            .store
            .rest_position(a.rest_position_id)
            .await
            .map_err(|e| AppError::store(e, lang))?;
        if let Ok(g) = crate::pages::rest::manage(state, s, &r, lang).await {
            return Ok(g);
        }
    }
    Err(AppError::not_found(lang))
}

/// Filters, search, order and page of the applicant list: all in the URL, so a link or the
/// browser's back button keeps them.
#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
pub struct ListFilter {
    #[serde(default, skip_serializing_if = "blank")]
    bundet: Option<String>,
    #[serde(default, skip_serializing_if = "blank")]
    formelle: Option<String>,
    #[serde(default, skip_serializing_if = "blank")]
    fra: Option<String>,
    #[serde(default, skip_serializing_if = "blank")]
    til: Option<String>,
    #[serde(default, skip_serializing_if = "blank")]
    region: Option<String>,
    #[serde(default, skip_serializing_if = "blank")]
    intervju: Option<String>,
    /// Search: name, e-mail, birth date (dd.mm.åååå) or HPR number.
    #[serde(default, skip_serializing_if = "blank")]
    q: Option<String>,
    /// Status: `tilbud` (offer here), `ja` (accepted here), `andre` (accepted elsewhere), `nei`
    /// (declined, expired or resigned here), `ingen` (nothing yet).
    #[serde(default, skip_serializing_if = "blank")]
    status: Option<String>,
    /// Order: `poeng` (default), `navn`, `dato`, `land`.
    #[serde(default, skip_serializing_if = "blank")]
    sorter: Option<String>,
    /// Rows per page: `25`, `50`, `100` (default), `250` or `alle` (one long list).
    #[serde(default, skip_serializing_if = "blank")]
    antall: Option<String>,
    /// Page, from 1.
    #[serde(default, skip_serializing_if = "blank")]
    side: Option<String>,
}

#[allow(clippy::ref_option)] // serde's skip_serializing_if hands over `&Option<String>`
fn blank(v: &Option<String>) -> bool {
    v.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// Rows per page of the applicant list, unless the recruiter picks another size.
const PAGE_SIZE: usize = 100;
/// The page sizes offered; `alle` shows every row on one page.
const PAGE_SIZES: [&str; 5] = ["25", "50", "100", "250", "alle"];

/// A sort key that puts æ, ø and å after z, in that order, as Norwegian does, and sorts other
/// accented letters with their base letter (Dávid with David, before Dmytro; ü as y, ä as æ and
/// ö or ő as ø), as a Norwegian dictionary does.
fn nb_key(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| match c {
            'æ' | 'ä' => '{',
            'ø' | 'ö' | 'ő' => '|',
            'å' => '}',
            'á' | 'à' | 'â' | 'ã' | 'ą' | 'ă' => 'a',
            'ç' | 'ć' | 'č' => 'c',
            'ď' | 'đ' => 'd',
            'é' | 'è' | 'ê' | 'ë' | 'ę' | 'ě' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ñ' | 'ń' | 'ň' => 'n',
            'ó' | 'ò' | 'ô' | 'õ' => 'o',
            'ř' => 'r',
            'ś' | 'š' | 'ş' => 's',
            'ť' | 'ţ' => 't',
            'ú' | 'ù' | 'û' | 'ů' => 'u',
            'ü' | 'ű' | 'ý' | 'ÿ' => 'y',
            'ź' | 'ż' | 'ž' => 'z',
            c => c,
        })
        .collect()
}

/// A typed birth date: `12.03.1998`, `1998-03-12` or `120398`.
fn parse_birth(q: &str) -> Option<jiff::civil::Date> {
    if let Ok(d) = q.parse::<jiff::civil::Date>() {
        return Some(d);
    }
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let (d, m, y) = match (q.contains('.'), digits.len()) {
        (true, 8) | (false, 8) => (
            &digits[0..2],
            &digits[2..4],
            digits[4..8].parse::<i16>().ok()?,
        ),
        (_, 6) => {
            let yy: i16 = digits[4..6].parse().ok()?;
            // A doctor who applies is between 20 and 99 years old.
            (
                &digits[0..2],
                &digits[2..4],
                if yy > 30 { 1900 + yy } else { 2000 + yy },
            )
        }
        _ => return None,
    };
    jiff::civil::Date::new(y, m.parse().ok()?, d.parse().ok()?).ok()
}

impl ListFilter {
    fn keeps(&self, s: &Scored, status: Option<&uc::Status>) -> bool {
        let yes_no = |v: &Option<String>, actual: bool| match v.as_deref() {
            Some("ja") => actual,
            Some("nei") => !actual,
            _ => true,
        };
        let bound_q = s
            .app
            .answers
            .as_array()
            .is_some_and(|a| a.iter().any(|pair| pair[0] == "bound" && pair[1] == "yes"));
        let from = self.fra.as_deref().and_then(Points::parse);
        let to = self.til.as_deref().and_then(Points::parse);
        yes_no(&self.bundet, s.bound || bound_q)
            && yes_no(&self.formelle, s.formal_evidenced())
            && from.is_none_or(|f| s.total.0 >= f.0)
            && to.is_none_or(|t| s.total.0 <= t.0)
            && self
                .region
                .as_deref()
                .is_none_or(|r| r.is_empty() || s.region.as_str() == r)
            && (self.intervju.as_deref() != Some("ja") || s.app.shortlisted)
            && self.matches_search(s)
            && self.matches_status(status)
    }

    fn matches_search(&self, s: &Scored) -> bool {
        let Some(q) = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) else {
            return true;
        };
        let p = &s.profile;
        let needle = q.to_lowercase();
        if p.full_name.to_lowercase().contains(&needle) || p.email.to_lowercase().contains(&needle)
        {
            return true;
        }
        if let Some(h) = &p.hpr_number
            && q.chars().all(|c| c.is_ascii_digit())
            && h.as_str() == q
        {
            return true;
        }
        match parse_birth(q) {
            Some(d) => p.national_id.as_ref().and_then(|n| n.birth_date()) == Some(d),
            None => false,
        }
    }

    fn matches_status(&self, status: Option<&uc::Status>) -> bool {
        let latest = status
            .and_then(|s| s.here.first())
            .map(|o| o.state.as_str());
        let elsewhere = status.is_some_and(|s| s.elsewhere.is_some());
        match self.status.as_deref() {
            Some("tilbud") => latest == Some("made"),
            Some("ja") => latest == Some("accepted"),
            Some("andre") => elsewhere,
            Some("nei") => matches!(latest, Some("declined" | "expired" | "resigned")),
            Some("ingen") => latest.is_none() && !elsewhere,
            _ => true,
        }
    }

    fn sort(&self, rows: &mut [&Scored]) {
        match self.sorter.as_deref() {
            Some("navn") => rows.sort_by_cached_key(|x| (nb_key(&x.profile.full_name), x.app.id)),
            Some("dato") => rows.sort_by_key(|x| (x.app.submitted_at, x.app.id)),
            Some("land") => rows.sort_by_cached_key(|x| {
                (
                    x.profile.education.country.clone(),
                    std::cmp::Reverse(x.total.0),
                    x.app.id,
                )
            }),
            // Best first, as scored (ties by application id).
            _ => {}
        }
    }

    fn page_size(&self) -> usize {
        match self.antall.as_deref().map(str::trim) {
            Some("alle") => usize::MAX,
            Some(n) if PAGE_SIZES.contains(&n) => n.parse().unwrap_or(PAGE_SIZE),
            _ => PAGE_SIZE,
        }
    }

    fn page(&self) -> usize {
        self.side
            .as_deref()
            .and_then(|p| p.trim().parse::<usize>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    }

    /// The query string of these settings with `side` replaced (or removed for `None`).
    fn query_with_page(&self, page: Option<usize>) -> String {
        let mut f = self.clone();
        f.side = page.map(|p| p.to_string());
        serde_urlencoded::to_string(&f).unwrap_or_default()
    }
}

fn position_label(c: &AdContext, id: i64, lang: Lang) -> String {
    c.ad.positions
        .iter()
        .find(|p| p.id == id)
        .and_then(|p| {
            PositionKind::parse(&p.kind)
                .ok()
                .map(|k| k.label(lang).to_string())
        })
        .unwrap_or_default()
}

/// Where an application stands, in words: the latest offer here, and an acceptance elsewhere.
fn status_texts(status: Option<&uc::Status>, lang: Lang) -> (Option<String>, Option<String>) {
    let here = status.and_then(|s| s.here.first()).map(|o| {
        let label = lis1_domain::offers::OfferState::parse(&o.state)
            .map(|s| s.label(lang).to_string())
            .unwrap_or_default();
        if o.state == "made" {
            format!(
                "{label} ({} {})",
                crate::i18n::t(lang, "offers.deadline").to_lowercase(),
                fmt_time(o.reply_deadline, lang)
            )
        } else {
            label
        }
    });
    let elsewhere = status
        .and_then(|s| s.elsewhere.as_ref())
        .map(|m| crate::pages::offers::elsewhere_text(m, lang));
    (here, elsewhere)
}

fn row(c: &AdContext, s: &Scored, status: Option<&uc::Status>, lang: Lang) -> Value {
    let lines: Vec<_> = s
        .score
        .lines
        .iter()
        .map(|l| {
            context! {
                label => l.label(lang), basis => l.basis.format(lang),
                points => l.points.format(lang), capped => l.capped,
            }
        })
        .collect();
    let (here, elsewhere) = status_texts(status, lang);
    context! {
        id => s.app.id, name => s.profile.full_name.clone(), who => who_text(&s.profile, lang),
        positions => s.app.position_ids.iter().map(|p| position_label(c, *p, lang)).collect::<Vec<_>>(),
        bound => s.bound, formal_met => s.formal_evidenced(),
        formal_pending => s.formal_pending,
        formal_reasons => s.checks.iter().filter(|x| !x.met || x.provisional).map(|x| x.message(lang)).collect::<Vec<_>>(),
        formal_checks => s.checks.iter().map(|x| context! {
            state => if !x.met { "not_met" } else if x.provisional { "pending" } else { "met" },
            message => x.message(lang),
        }).collect::<Vec<_>>(),
        country => s.profile.education.country.clone(),
        country_name => lis1_domain::countries::country_name(&s.profile.education.country, lang)
            .map(str::to_string)
            .unwrap_or_else(|| s.profile.education.country.clone()),
        computed => s.score.total.format(lang), adjustment => (s.app.adjustment != 0).then(|| Points(s.app.adjustment).format(lang)),
        total => s.total.format(lang), lines => lines,
        region => s.region.label(lang),
        submitted => fmt_time(s.app.submitted_at, lang),
        shortlisted => s.app.shortlisted, status_here => here, elsewhere => elsewhere,
    }
}

/// `GET /utlysninger/{id}/sokere`.
pub async fn list(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Query(f): Query<ListFilter>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let notice = v
        .path
        .split_once("endret=")
        .and_then(|(_, n)| n.split('&').next())
        .and_then(|n| n.parse::<usize>().ok());
    Ok(list_page(&state, &v, s, id, &f, &[], None, notice)
        .await?
        .into_response())
}

/// The applicant list, with `chosen` rows ticked and a bulk action's refusal in place.
#[allow(clippy::too_many_arguments)]
async fn list_page(
    state: &AppState,
    v: &Visitor,
    s: &SignedIn,
    id: i64,
    f: &ListFilter,
    chosen: &[i64],
    error: Option<String>,
    changed: Option<usize>,
) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    // The use case checks who may see them and logs the read (personal data).
    let uc::Applicants {
        ad: c,
        scored,
        statuses,
    } = uc::applicants(&state.app, &s.caller(), id)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let total = scored.len();
    let mut kept: Vec<&Scored> = scored
        .iter()
        .filter(|x| f.keeps(x, statuses.get(&x.app.id)))
        .collect();
    f.sort(&mut kept);
    let matching = kept.len();
    let size = f.page_size();
    let pages = matching.div_ceil(size).max(1);
    let page_no = f.page().min(pages);
    let rows: Vec<_> = kept
        .iter()
        .skip((page_no - 1).saturating_mul(size))
        .take(size)
        .map(|x| {
            let mut r = row(&c, x, statuses.get(&x.app.id), lang);
            if chosen.contains(&x.app.id) {
                r = context! { chosen => true, ..r };
            }
            r
        })
        .collect();
    let first = if matching == 0 {
        0
    } else {
        (page_no - 1).saturating_mul(size) + 1
    };
    let last = page_no.saturating_mul(size).min(matching);
    let sizes: Vec<_> = PAGE_SIZES
        .iter()
        .map(|n| context! { value => n, label => if *n == "alle" { crate::i18n::t(lang, "applicants.page_all") } else { (*n).to_string() } })
        .collect();
    let may_assess = authorize(&s.principal, &Action::AssessApplicants { hf: &c.hf_path }).is_ok();
    let rank_positions: Vec<_> = uc::positions_to_rank(&s.caller(), &c)
        .into_iter()
        .filter_map(|p| c.ad.positions.iter().find(|x| x.id == p))
        .map(|p| context! { id => p.id, label => format!("{} {}: {}", crate::i18n::t(lang, "ads.position"), p.seq, position_label(&c, p.id, lang)) })
        .collect();
    let regions: Vec<_> = EducationRegion::ALL
        .iter()
        .map(|r| context! { value => r.as_str(), label => r.label(lang) })
        .collect();
    let page_link = |p: usize| format!("/utlysninger/{id}/sokere?{}", f.query_with_page(Some(p)));
    let pager: Vec<_> = (1..=pages)
        .map(|p| context! { n => p, href => page_link(p), current => p == page_no })
        .collect();
    let sort_options: Vec<_> = [
        ("poeng", "applicants.sort_points"),
        ("navn", "applicants.sort_name"),
        ("dato", "applicants.sort_date"),
        ("land", "applicants.sort_country"),
    ]
    .iter()
    .map(|(value, key)| context! { value => value, label => crate::i18n::t(lang, key) })
    .collect();
    let status_options: Vec<_> = [
        ("tilbud", "applicants.status_offer"),
        ("ja", "applicants.status_accepted"),
        ("andre", "applicants.status_elsewhere"),
        ("nei", "applicants.status_closed"),
        ("ingen", "applicants.status_none"),
    ]
    .iter()
    .map(|(value, key)| context! { value => value, label => crate::i18n::t(lang, key) })
    .collect();
    crate::templates::render(
        "applicants.html",
        page(
            state,
            v,
            context! {
                ad => context! { id => c.ad.id, title => c.ad.title.clone(), hf => c.hf.name.clone() },
                rows => rows, total => total, matching => matching, first => first, last => last,
                may_assess => may_assess, regions => regions, rank_positions => rank_positions,
                pager => (pages > 1).then_some(pager), page_no => page_no, pages => pages,
                prev => (page_no > 1).then(|| page_link(page_no - 1)),
                next => (page_no < pages).then(|| page_link(page_no + 1)),
                sort_options => sort_options, status_options => status_options, sizes => sizes,
                list_query => f.query_with_page(Some(page_no)),
                bulk_error => error,
                notice => changed.map(|n| format!("{} {n}.", crate::i18n::t(lang, "applicants.bulk_done"))),
                f => context! { bundet => f.bundet, formelle => f.formelle, fra => f.fra, til => f.til, region => f.region, intervju => f.intervju, q => f.q, status => f.status, sorter => f.sorter, antall => f.antall.clone().unwrap_or_else(|| PAGE_SIZE.to_string()) },
            },
        ),
    )
}

/// `POST /utlysninger/{id}/sokere/valgte`: a bulk action on the ticked applicants. Without
/// `bekreft` it shows what will happen and asks for confirmation; with it, it acts — all or
/// nothing — and returns to the list as it was (filters, order, page). A refusal comes back on the
/// list with the rows still ticked and the message naming the row.
pub async fn bulk(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    s.check_csrf(&field("csrf_token"), lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    // The list's settings travel with the form, parsed like the list's own URL.
    let f: ListFilter = serde_urlencoded::from_str(&field("liste")).unwrap_or_default();
    let mut chosen: Vec<i64> = Vec::new();
    for (k, val) in &form {
        if k == "valgt"
            && let Ok(n) = val.trim().parse::<i64>()
            && !chosen.contains(&n)
        {
            chosen.push(n);
        }
    }
    let action = match field("handling").as_str() {
        "intervju" => uc::BulkAction::Shortlist,
        "innstilling" => match field("stilling").parse::<i64>() {
            Ok(position_id) => uc::BulkAction::Recommend { position_id },
            Err(_) => {
                let msg = crate::i18n::t(lang, "applicants.bulk_choose_position");
                let html = list_page(&state, &v, s, id, &f, &chosen, Some(msg), None).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
            }
        },
        _ => {
            let msg = crate::i18n::t(lang, "applicants.bulk_choose_action");
            let html = list_page(&state, &v, s, id, &f, &chosen, Some(msg), None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
        }
    };
    if chosen.is_empty() {
        let msg = crate::i18n::t(lang, "applicants.bulk_none");
        let html = list_page(&state, &v, s, id, &f, &chosen, Some(msg), None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
    }
    if field("bekreft") != "1" {
        // Check first (nothing is changed), so a refusal names the row before anyone confirms.
        let would = match uc::bulk(&state.app, &s.caller(), id, action, &chosen, true).await {
            Ok(d) => d,
            Err(e) if e.kind == lis1_app::Kind::Invalid => {
                let html =
                    list_page(&state, &v, s, id, &f, &chosen, Some(e.message(lang)), None).await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
            }
            Err(e) => return Err(AppError::app(e, lang)),
        };
        // Ask: name every applicant and say what will happen. The list's read (with its audit
        // entry) tells who they are.
        let uc::Applicants { ad: c, scored, .. } = uc::applicants(&state.app, &s.caller(), id)
            .await
            .map_err(|e| AppError::app(e, lang))?;
        let names: Vec<_> = chosen
            .iter()
            .filter_map(|a| scored.iter().find(|x| x.app.id == *a))
            .map(|x| context! { id => x.app.id, name => x.profile.full_name.clone(), who => who_text(&x.profile, lang), total => x.total.format(lang) })
            .collect();
        let what = match action {
            uc::BulkAction::Shortlist => crate::i18n::t(lang, "applicants.bulk_confirm_shortlist"),
            uc::BulkAction::Recommend { position_id } => format!(
                "{} {}: {}.",
                crate::i18n::t(lang, "applicants.bulk_confirm_recommend"),
                c.ad.positions
                    .iter()
                    .find(|p| p.id == position_id)
                    .map(|p| p.seq)
                    .unwrap_or_default(),
                position_label(&c, position_id, lang)
            ),
        };
        return Ok(crate::templates::render(
            "applicants_bulk.html",
            page(
                &state,
                &v,
                context! {
                    ad => context! { id => c.ad.id, title => c.ad.title.clone() },
                    names => names, what => what, handling => field("handling"), stilling => field("stilling"),
                    liste => f.query_with_page(f.side.as_deref().and_then(|p| p.parse().ok())),
                    count => chosen.len(), changes => would.changed, unchanged => would.unchanged,
                },
            ),
        )?
        .into_response());
    }
    match uc::bulk(&state.app, &s.caller(), id, action, &chosen, false).await {
        Ok(done) => {
            let mut q = f.query_with_page(f.side.as_deref().and_then(|p| p.parse().ok()));
            if !q.is_empty() {
                q.push('&');
            }
            Ok(Redirect::to(&format!(
                "/utlysninger/{id}/sokere?{q}endret={}",
                done.changed
            ))
            .into_response())
        }
        Err(e) if e.kind == lis1_app::Kind::Invalid => {
            let html =
                list_page(&state, &v, s, id, &f, &chosen, Some(e.message(lang)), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(AppError::app(e, lang)),
    }
}

/// Notices after actions on an application.
#[derive(Debug, Deserialize)]
pub struct Saved {
    #[serde(default)]
    lagret: Option<String>,
    /// Offers made (their number), after making or confirming offers.
    #[serde(default)]
    tilbud: Option<String>,
    /// The next-in-line setting was saved.
    #[serde(default)]
    neste: Option<String>,
}

/// `GET /utlysninger/{ad}/sokere/{app}`: one application in full. Logged.
pub async fn show(
    State(state): State<AppState>,
    v: Visitor,
    Path((ad, app)): Path<(String, String)>,
    Query(q): Query<Saved>,
) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let (ad, app): (i64, i64) = (
        ad.parse().map_err(|_| AppError::not_found(lang))?,
        app.parse().map_err(|_| AppError::not_found(lang))?,
    );
    // The use case checks who may see it and logs the read (personal data).
    let view = uc::application_view(&state.app, &s.caller(), ad, app)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let (c, x) = (&view.ad, &view.scored);
    let a = &x.app;
    let p = &x.profile;
    let docs: Vec<_> = view
        .documents
        .iter()
        .map(|d| context! { id => d.id, filename => d.filename.clone(), kind => crate::i18n::t(lang, &format!("docs.kind_{}", d.kind)) })
        .collect();
    let questions = c.screening();
    let answers: Vec<_> = serde_json::from_value::<Vec<(String, Answer)>>(a.answers.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|(qid, ans)| {
            let text = questions.iter().find(|q| q.id == qid).map(|q| lang.pick3(q.text_nb.clone(), q.text_nb.clone(), q.text_en.clone())).unwrap_or(qid);
            context! { question => text, answer => match ans { Answer::Yes => crate::i18n::t(lang, "applicants.yes"), Answer::No => crate::i18n::t(lang, "applicants.no") } }
        })
        .collect();
    let experiences: Vec<_> = p
        .experiences
        .iter()
        .map(|e| {
            format!(
                "{} – {} ({} – {}), {} %{}",
                e.employer,
                e.kind.label(lang),
                e.from,
                e.to.map(|d| d.to_string()).unwrap_or_else(|| "…".into()),
                e.percent,
                if e.on_call {
                    lang.pick3(", med vakt", ", med vakt", ", on call")
                } else {
                    ""
                },
            )
        })
        .collect();
    let comments: Vec<_> = view
        .comments
        .iter()
        .map(|cm| context! { author => cm.author_name.clone(), text => cm.text.clone(), at => fmt_time(cm.created_at, lang) })
        .collect();
    let adjustments: Vec<_> = view
        .adjustments
        .iter()
        .map(|ad| context! { delta => Points(ad.delta).format(lang), reason => ad.reason.clone(), at => fmt_time(ad.created_at, lang) })
        .collect();
    let may_assess = authorize(&s.principal, &Action::AssessApplicants { hf: &c.hf_path }).is_ok();
    let may_comment = uc::may_comment(&state.app, &s.caller(), c)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    crate::templates::render(
        "application.html",
        page(
            &state,
            &v,
            context! {
                ad => context! { id => c.ad.id, title => c.ad.title.clone() },
                a => row(c, x, Some(&view.status), lang), app_id => app,
                email => p.email.clone(), phone => p.phone.clone(),
                national_id => p.national_id.as_ref().map(|n| n.masked()),
                education => format!(
                    "{} {} ({}, {})",
                    p.education.degree.label(lang),
                    p.education.university,
                    lis1_domain::countries::country_name(&p.education.country, lang).unwrap_or(&p.education.country),
                    x.region.label(lang)
                ),
                authorisation => p.authorisation.label(lang), norwegian => p.norwegian.label(lang),
                experiences => experiences,
                references => p.references.iter().map(|r| format!("{} ({}), {}", r.name, r.role, r.phone)).collect::<Vec<_>>(),
                motivation => a.motivation.clone(), answers => answers, docs => docs,
                comments => comments, adjustments => adjustments, notes => a.notes.clone(),
                may_assess => may_assess, may_comment => may_comment,
                notice => q.lagret.map(|_| crate::i18n::t(lang, "applicants.saved")),
            },
        ),
    )
}

/// The advertisement and application ids of a path; a non-number is not found.
fn ids(ad: &str, app: &str, lang: Lang) -> Result<(i64, i64), AppError> {
    Ok((
        ad.parse().map_err(|_| AppError::not_found(lang))?,
        app.parse().map_err(|_| AppError::not_found(lang))?,
    ))
}

/// The assessment form.
#[derive(Debug, Deserialize)]
pub struct AssessForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    shortlisted: Option<String>,
    #[serde(default)]
    notes: String,
}

/// `POST /utlysninger/{ad}/sokere/{app}/vurdering`.
pub async fn assess(
    State(state): State<AppState>,
    v: Visitor,
    Path((ad, app)): Path<(String, String)>,
    Form(f): Form<AssessForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let (ad, app) = ids(&ad, &app, lang)?;
    uc::assess(
        &state.app,
        &s.caller(),
        ad,
        app,
        f.shortlisted.is_some(),
        &f.notes,
    )
    .await
    .map_err(|e| AppError::app(e, lang))?;
    Ok(Redirect::to(&format!("/utlysninger/{ad}/sokere/{app}?lagret=1")).into_response())
}

/// The adjustment form.
#[derive(Debug, Deserialize)]
pub struct AdjustForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    delta: String,
    #[serde(default)]
    reason: String,
}

/// `POST /utlysninger/{ad}/sokere/{app}/poeng`: a change of points needs a reason; both are
/// logged.
pub async fn adjust(
    State(state): State<AppState>,
    v: Visitor,
    Path((ad, app)): Path<(String, String)>,
    Form(f): Form<AdjustForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let (ad, app) = ids(&ad, &app, lang)?;
    // An unreadable number is refused by the use case like an out-of-range one.
    let delta = Points::parse(f.delta.trim()).map_or(0, |p| p.0);
    uc::adjust_points(&state.app, &s.caller(), ad, app, delta, &f.reason)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    Ok(Redirect::to(&format!("/utlysninger/{ad}/sokere/{app}?lagret=1")).into_response())
}

/// The comment form.
#[derive(Debug, Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    text: String,
}

/// `POST /utlysninger/{ad}/sokere/{app}/kommentar`: anyone who may see the applicants.
pub async fn comment(
    State(state): State<AppState>,
    v: Visitor,
    Path((ad, app)): Path<(String, String)>,
    Form(f): Form<CommentForm>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    s.check_csrf(&f.csrf_token, lang)?;
    let (ad, app) = ids(&ad, &app, lang)?;
    uc::comment(&state.app, &s.caller(), ad, app, &f.text)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    Ok(Redirect::to(&format!(
        "/utlysninger/{ad}/sokere/{app}?lagret=1#kommentarer"
    ))
    .into_response())
}

/// `GET /utlysninger/{id}/innstilling`.
pub async fn recommendation(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Query(q): Query<Saved>,
) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let c = crate::pages::ads::load(&state, id, lang).await?;
    let grant = view_grant(&state, s, &c, lang).await?;
    // The innstilling shows applicants' names and points: the read is logged.
    let ctx = Ctx::new(Actor::user(s.user.id, grant), state.now());
    state
        .store
        .log(
            &ctx,
            Event {
                action: "recommendation.view",
                object_type: "advertisement",
                object_id: id.to_string(),
                summary: serde_json::json!({
                    "positions": visible_positions(s, &c, grant)
                        .unwrap_or_else(|| c.ad.positions.iter().map(|p| p.id).collect()),
                }),
            },
        )
        .await
        .map_err(|e| AppError::store(e, lang))?;
    rec_page(
        &state,
        &v,
        s,
        &c,
        &BTreeMap::new(),
        None,
        rec_notice(&q, lang),
    )
    .await
}

/// The notice after saving the innstilling, making offers or changing the next-in-line setting.
fn rec_notice(q: &Saved, lang: Lang) -> Option<String> {
    if q.lagret.is_some() {
        return Some(crate::i18n::t(lang, "rec.saved"));
    }
    if q.neste.is_some() {
        return Some(crate::i18n::t(lang, "offers.mode_saved"));
    }
    match q.tilbud.as_deref().map(str::parse::<u32>) {
        Some(Ok(0)) => Some(crate::i18n::t(lang, "offers.none_to_make")),
        Some(Ok(_)) => Some(crate::i18n::t(lang, "offers.made")),
        _ => None,
    }
}

/// An acceptance of the applicant at another employer of the round, as text, if visible.
fn elsewhere_of(
    marks: &[lis1_store::offers::MarkDetail],
    c: &AdContext,
    applicant: i64,
    lang: Lang,
) -> Option<String> {
    marks
        .iter()
        .find(|m| m.mark.applicant_id == applicant && m.mark.employer_id != c.ad.hf_id)
        .map(|m| crate::pages::offers::elsewhere_text(m, lang))
}

/// The birth date and HPR number of a profile, to tell namesakes apart.
fn who_text(p: &lis1_domain::profiles::Profile, lang: Lang) -> Option<String> {
    crate::pages::offers::identifying_text(
        p.national_id.as_ref().and_then(|n| n.birth_date()),
        p.hpr_number.as_ref().map(|h| h.as_str()),
        lang,
    )
}

/// The documents that back the applicants' formal criteria (one read for the whole list).
async fn applicants_evidence(
    state: &AppState,
    ad_id: i64,
    lang: Lang,
) -> Result<lis1_app::applications::Evidence, AppError> {
    Ok(lis1_app::applications::Evidence {
        norwegian_test: state
            .store
            .applicants_with_document(ad_id, lis1_app::applications::NORWEGIAN_TEST_DOCUMENT)
            .await
            .map_err(|e| AppError::store(e, lang))?,
    })
}

async fn rec_page(
    state: &AppState,
    v: &Visitor,
    s: &SignedIn,
    c: &AdContext,
    typed: &BTreeMap<String, String>,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    let apps = state
        .store
        .applications(Some(c.ad.id), None)
        .await
        .map_err(|e| AppError::store(e, lang))?;
    let evidence = applicants_evidence(state, c.ad.id, lang).await?;
    let scored = score_all(c, apps, &evidence);
    let marks =
        crate::pages::offers::accepted_elsewhere(state, c.round.id, state.now(), lang).await?;
    let mut positions = Vec::new();
    let scope = match view_grant(state, s, c, lang).await {
        Ok(g) => visible_positions(s, c, g),
        Err(_) => Some(Vec::new()),
    };
    for p in
        c.ad.positions
            .iter()
            .filter(|p| scope.as_ref().is_none_or(|ps| ps.contains(&p.id)))
    {
        let offers = state
            .store
            .offers_for_position(p.id)
            .await
            .map_err(|e| AppError::store(e, lang))?;
        let ranked = state
            .store
            .recommendation(p.id)
            .await
            .map_err(|e| AppError::store(e, lang))?;
        let may = authorize(
            &s.principal,
            &Action::Recommend {
                hf: &c.hf_path,
                later_employer: p.later_employer_id,
            },
        )
        .is_ok();
        let applicants: Vec<_> = scored
            .iter()
            .filter(|x| x.app.position_ids.contains(&p.id))
            .map(|x| {
                let key = format!("rank.{}.{}", p.id, x.app.id);
                let rank = typed.get(&key).cloned().or_else(|| ranked.iter().position(|a| *a == x.app.id).map(|i| (i + 1).to_string()));
                let offer = offers.iter().find(|o| o.application_id == x.app.id);
                let elsewhere = elsewhere_of(&marks, c, x.app.applicant_id, lang);
                context! {
                    id => x.app.id, name => x.profile.full_name.clone(), total => x.total.format(lang),
                    who => who_text(&x.profile, lang),
                    shortlisted => x.app.shortlisted, key => key, rank => rank, elsewhere => elsewhere,
                    offer_id => offer.map(|o| o.id),
                    offer_state => offer.map(|o| lis1_domain::offers::OfferState::parse(&o.state).map(|s| s.label(lang).to_string()).unwrap_or_default()),
                    offer_open => offer.is_some_and(|o| o.state == "made"),
                    offer_accepted => offer.is_some_and(|o| o.state == "accepted"),
                    offer_deadline => offer.map(|o| fmt_time(o.reply_deadline, lang)),
                }
            })
            .collect();
        positions.push(context! {
            id => p.id, seq => p.seq, kind => position_label(c, p.id, lang), count => p.count,
            may => may, applicants => applicants,
            outstanding => offers.iter().filter(|o| matches!(o.state.as_str(), "made" | "accepted")).count(),
        });
    }
    // Confirm mode: freed places wait for the recruiter, with the suggested next candidate.
    let mine: Vec<i64> =
        c.ad.positions
            .iter()
            .filter(|p| {
                authorize(
                    &s.principal,
                    &Action::Recommend {
                        hf: &c.hf_path,
                        later_employer: p.later_employer_id,
                    },
                )
                .is_ok()
            })
            .map(|p| p.id)
            .collect();
    let now = state.now();
    let mut awaiting = Vec::new();
    let mut waiting = 0;
    for w in crate::pages::offers::awaiting_confirmation(
        state,
        s,
        c.ad.id,
        !mine.is_empty() && !c.ad.auto_next_in_line,
        lang,
    )
    .await?
    {
        let candidate = w.next.and_then(|n| {
            scored
                .iter()
                .find(|x| x.app.id == n.application_id)
                .map(|x| {
                    let elsewhere = elsewhere_of(&marks, c, x.app.applicant_id, lang);
                    context! {
                        id => x.app.id, name => x.profile.full_name.clone(), elsewhere => elsewhere,
                    }
                })
        });
        if candidate.is_some() {
            waiting += 1;
        }
        let p = c.ad.positions.iter().find(|p| p.id == w.position_id);
        awaiting.push(context! {
            position => w.position_id, seq => p.map(|p| p.seq), kind => position_label(c, w.position_id, lang),
            free => w.free, candidate => candidate,
        });
    }
    let mode = if c.ad.auto_next_in_line {
        NextInLineMode::Automatic
    } else {
        NextInLineMode::Confirm
    };
    let may_set_mode = authorize(
        &s.principal,
        &Action::ManageAdvertisements { hf: &c.hf_path },
    )
    .is_ok();
    // Offers wait for the round's earliest offer date and an open offer round: say why and when.
    let offers_closed =
        lis1_domain::offers::current_offer_round(&c.offer_rounds(), c.round.earliest_offer, now)
            .err()
            .map(|e| lis1_domain::Localized::message(&e, lang));
    crate::templates::render(
        "recommendation.html",
        page(
            state,
            v,
            context! {
                ad => context! { id => c.ad.id, title => c.ad.title.clone() }, positions => positions,
                error => error, notice => notice, awaiting => awaiting, waiting => waiting,
                mode => mode.as_str(), mode_label => mode.label(lang), may_set_mode => may_set_mode,
                modes => [NextInLineMode::Automatic, NextInLineMode::Confirm].map(|m| context! { value => m.as_str(), label => m.label(lang) }),
                offering => !mine.is_empty(), offers_closed => offers_closed,
            },
        ),
    )
}

/// `POST /utlysninger/{id}/innstilling`: saves every position the user may rank.
pub async fn save_recommendation(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let token = form
        .iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    s.check_csrf(token, lang)?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let c = crate::pages::ads::load(&state, id, lang).await?;
    let typed: BTreeMap<String, String> = form
        .iter()
        .filter(|(k, _)| k.starts_with("rank."))
        .map(|(k, v)| (k.clone(), v.trim().to_string()))
        .collect();
    // Every position the user decides on is saved from the form: one left blank is cleared.
    let mine = uc::positions_to_rank(&s.caller(), &c);
    if mine.is_empty() {
        return Err(AppError::app(uc::may_not_rank(), lang));
    }
    let mut rankings = Vec::new();
    for p in mine {
        let prefix = format!("rank.{p}.");
        let mut ranks = Vec::new();
        for (k, val) in &typed {
            let Some(rest) = k.strip_prefix(&prefix) else {
                continue;
            };
            if val.is_empty() {
                continue;
            }
            // What is not a number is refused by the use case as out of range (rank 0, no
            // application 0), with the range in the message.
            ranks.push((
                val.parse::<u32>().unwrap_or(0),
                rest.parse::<i64>().unwrap_or(0),
            ));
        }
        rankings.push(uc::Ranking {
            position_id: p,
            ranks,
        });
    }
    match uc::set_recommendation(&state.app, &s.caller(), id, &rankings, None).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/utlysninger/{id}/innstilling?lagret=1")).into_response())
        }
        Err(e) if e.kind == lis1_app::Kind::Invalid => {
            let html = rec_page(&state, &v, s, &c, &typed, Some(e.message(lang)), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(AppError::app(e, lang)),
    }
}

/// Export format.
#[derive(Debug, Clone, Copy)]
pub enum Format {
    /// Comma-separated, UTF-8 with BOM so Excel reads æøå.
    Csv,
    /// Excel.
    Xlsx,
}

/// `GET /utlysninger/{id}/sokere.csv` and `.xlsx`: the applicant list for the hospital's
/// recruiters and the directorate only. Every download is logged.
pub async fn export(
    state: AppState,
    v: Visitor,
    id: String,
    format: Format,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let c = crate::pages::ads::load(&state, id, lang).await?;
    let grant = authorize(&s.principal, &Action::AssessApplicants { hf: &c.hf_path })
        .or_else(|_| authorize(&s.principal, &Action::ViewAuditLog))
        .map_err(|d| AppError::domain(StatusCode::FORBIDDEN, &d, lang))?;
    let apps = state
        .store
        .applications(Some(id), None)
        .await
        .map_err(|e| AppError::store(e, lang))?;
    let evidence = applicants_evidence(&state, c.ad.id, lang).await?;
    let scored = score_all(&c, apps, &evidence);
    let header: Vec<String> = [
        "Søknad",
        "Navn",
        "E-post",
        "Telefon",
        "Søker på",
        "Bunden",
        "Formelle krav",
        "Poeng (rubrikk)",
        "Justering",
        "Poeng totalt",
        "Utdanning fra",
        "Til intervju",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let rows: Vec<Vec<String>> = scored
        .iter()
        .map(|x| {
            vec![
                x.app.id.to_string(),
                x.profile.full_name.clone(),
                x.profile.email.clone(),
                x.profile.phone.clone(),
                x.app
                    .position_ids
                    .iter()
                    .map(|p| position_label(&c, *p, Lang::Nb))
                    .collect::<Vec<_>>()
                    .join("; "),
                if x.bound { "ja" } else { "nei" }.into(),
                if x.formal_pending {
                    "venter på dokumentasjon"
                } else if x.formal_met {
                    "oppfylt"
                } else {
                    "ikke oppfylt"
                }
                .into(),
                x.score.total.format(Lang::Nb),
                Points(x.app.adjustment).format(Lang::Nb),
                x.total.format(Lang::Nb),
                x.region.label(Lang::Nb).into(),
                if x.app.shortlisted { "ja" } else { "nei" }.into(),
            ]
        })
        .collect();
    let ctx = Ctx::new(Actor::user(s.user.id, grant), state.now());
    let kind = match format {
        Format::Csv => "csv",
        Format::Xlsx => "xlsx",
    };
    state
        .store
        .log(
            &ctx,
            Event {
                action: "applicants.export",
                object_type: "advertisement",
                object_id: id.to_string(),
                summary: serde_json::json!({"format": kind, "rows": rows.len()}),
            },
        )
        .await
        .map_err(|e| AppError::store(e, lang))?;
    table_file(
        format,
        "Søkere",
        &format!("sokere-{id}"),
        &header,
        &rows,
        lang,
    )
}

/// A CSV cell that a spreadsheet will not run as a formula (OWASP "CSV injection"): text that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe, unless it
/// is a plain number such as `-1,5`. Names and free text come from applicants, so a name like
/// `=HYPERLINK(…)` must stay text. (XLSX cells are written as strings and need no such care.)
fn csv_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let number = cell.len() > 1
        && cell.starts_with(['-', '+'])
        && cell[1..]
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
        && cell[1..].chars().any(|c| c.is_ascii_digit());
    if risky && !number {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// A table as a download: CSV (`;`-separated, UTF-8 with BOM so Excel reads æøå) or XLSX with
/// one sheet named `sheet`, every cell as text, with `filename` plus the format's extension, not
/// cached. The caller has checked access and logged the download.
pub fn table_file(
    format: Format,
    sheet: &str,
    filename: &str,
    header: &[String],
    rows: &[Vec<String>],
    lang: Lang,
) -> Result<Response, AppError> {
    let kind = match format {
        Format::Csv => "csv",
        Format::Xlsx => "xlsx",
    };
    let (bytes, mime) = match format {
        Format::Csv => {
            let mut w = csv::WriterBuilder::new()
                .delimiter(b';')
                .from_writer(vec![0xEF, 0xBB, 0xBF]);
            let mut write = || -> Result<Vec<u8>, Box<dyn std::error::Error>> {
                w.write_record(header.iter().map(|c| csv_safe(c).into_owned()))?;
                for r in rows {
                    w.write_record(r.iter().map(|c| csv_safe(c).into_owned()))?;
                }
                w.flush()?;
                Ok(w.get_ref().clone())
            };
            (
                write().map_err(|e| AppError::internal(lang, &e))?,
                "text/csv; charset=utf-8",
            )
        }
        Format::Xlsx => {
            let build = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
                let mut wb = rust_xlsxwriter::Workbook::new();
                let ws = wb.add_worksheet();
                ws.set_name(sheet)?;
                for (col, h) in header.iter().enumerate() {
                    ws.write_string(0, u16::try_from(col).unwrap_or(u16::MAX), h)?;
                }
                for (i, r) in rows.iter().enumerate() {
                    for (col, cell) in r.iter().enumerate() {
                        ws.write_string(
                            u32::try_from(i + 1).unwrap_or(u32::MAX),
                            u16::try_from(col).unwrap_or(u16::MAX),
                            cell,
                        )?;
                    }
                }
                wb.save_to_buffer()
            };
            (
                build().map_err(|e| AppError::internal(lang, &e))?,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        }
    };
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(cd) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}.{kind}\"")) {
        h.insert(header::CONTENT_DISPOSITION, cd);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

/// `GET /utlysninger/{id}/sokere.csv`.
pub async fn export_csv(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    export(state, v, id, Format::Csv).await
}

/// `GET /utlysninger/{id}/sokere.xlsx`.
pub async fn export_xlsx(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    export(state, v, id, Format::Xlsx).await
}

#[cfg(test)]
mod tests {
    use super::{csv_safe, nb_key};

    #[test]
    fn names_sort_as_in_a_norwegian_dictionary() {
        let mut names = vec![
            "Åse Berg",
            "Dmytro Ali",
            "Zsófia Tóth",
            "Øystein Moe",
            "Dávid Nagy",
            "Ærlig Ås",
            "Ülla Eng",
            "Anna Ødegård",
        ];
        names.sort_by_cached_key(|n| nb_key(n));
        assert_eq!(
            names,
            [
                "Anna Ødegård",
                "Dávid Nagy",
                "Dmytro Ali",
                "Ülla Eng",
                "Zsófia Tóth",
                "Ærlig Ås",
                "Øystein Moe",
                "Åse Berg",
            ]
        );
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_become_text() {
        for (cell, want) in [
            (
                "=HYPERLINK(\"http://x\",\"klikk\")",
                "'=HYPERLINK(\"http://x\",\"klikk\")",
            ),
            ("+47 900 00 000", "'+47 900 00 000"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("-cmd", "'-cmd"),
            ("\tx", "'\tx"),
            ("-1,5", "-1,5"),
            ("+2", "+2"),
            ("-", "'-"),
            ("Lise Lege", "Lise Lege"),
            ("", ""),
            ("12,5", "12,5"),
        ] {
            assert_eq!(csv_safe(cell), want, "{cell:?}");
        }
    }
}
