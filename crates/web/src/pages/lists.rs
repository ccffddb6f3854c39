//! Lists (*lister*) of hired doctors per hospital site and cohort, with their contact and
//! personal data and their places: the HF sends them to the municipal coordinators, the county
//! governor and the directorate (002 §2.2). `/lister` shows the cohorts the user may see;
//! `/lister/{site}/{cohort}` the list as a page, and with `.csv` or `.xlsx` as a file. The
//! cohort is the planned municipal start, as for the lottery.
//!
//! Only `lis1_domain::access` decides who sees a list (`ViewLists`, `ViewCohortList`); every
//! view and download is logged with who, which list and which courses.

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use jiff::ToSpan;
use jiff::civil::Date;
use lis1_app::lists as uc;
use lis1_domain::Lang;
use lis1_store::courses::Course;
use minijinja::context;

use crate::auth::Visitor;
use crate::error::AppError;
use crate::i18n::t;
use crate::pages::applicants::{Format, table_file};
use crate::pages::{fmt_date, page};
use crate::state::AppState;

/// This module's interface texts.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    ("nav.lists", "Lister", "Lister", "Lists"),
    (
        "lists.title",
        "Lister over LIS1-leger",
        "Lister over LIS1-legar",
        "Lists of LIS1 doctors",
    ),
    (
        "lists.intro",
        "Helseforetaket sender listen over tilsatte leger, med personopplysninger og kommuneplass, til kommunekoordinatorene, statsforvalteren og Helsedirektoratet. Listene inneholder personopplysninger; hver visning og nedlasting logges.",
        "Helseføretaket sender lista over tilsette legar, med personopplysningar og kommuneplass, til kommunekoordinatorane, Statsforvaltaren og Helsedirektoratet. Listene inneheld personopplysningar; kvar vising og nedlasting blir logga.",
        "The hospital trust sends the list of hired doctors, with personal data and municipality place, to the municipal coordinators, the county governor and the Directorate of Health. The lists contain personal data; every view and download is logged.",
    ),
    (
        "lists.none",
        "Ingen lister å vise.",
        "Ingen lister å vise.",
        "No lists to show.",
    ),
    (
        "lists.cohort",
        "Kommunestart",
        "Kommunestart",
        "Municipal start",
    ),
    (
        "lists.hospital_start",
        "Sykehusstart",
        "Sjukehusstart",
        "Hospital start",
    ),
    ("lists.doctors", "Leger", "Legar", "Doctors"),
    ("lists.show", "Vis listen", "Vis lista", "Show the list"),
    ("lists.list_for", "Liste", "Liste", "List"),
    (
        "lists.download_csv",
        "Last ned CSV",
        "Last ned CSV",
        "Download CSV",
    ),
    (
        "lists.download_xlsx",
        "Last ned Excel",
        "Last ned Excel",
        "Download Excel",
    ),
    (
        "lists.elsewhere",
        "{n} lege(r) i dette kullet har kommuneplass i {county}, utenfor det du har ansvar for, og står ikke på listen din. Dem ser Statsforvalteren og kommunen der, og helseforetaket.",
        "{n} lege(ar) i dette kullet har kommuneplass i {county}, utanfor det du har ansvar for, og står ikkje på lista di. Dei ser Statsforvaltaren og kommunen der, og helseføretaket.",
        "{n} doctor(s) in this cohort have a municipal place in {county}, outside what you are responsible for, and are not on your list. They are seen by the county governor and the municipality there, and by the hospital trust.",
    ),
    (
        "lists.empty",
        "Ingen leger i dette kullet.",
        "Ingen legar i dette kullet.",
        "No doctors in this cohort.",
    ),
    ("lists.back", "Alle lister", "Alle lister", "All lists"),
    ("lists.col_name", "Navn", "Namn", "Name"),
    ("lists.col_email", "E-post", "E-post", "E-mail"),
    ("lists.col_phone", "Telefon", "Telefon", "Phone"),
    (
        "lists.col_national_id",
        "Fødselsnummer/D-nummer",
        "Fødselsnummer/D-nummer",
        "National identity number",
    ),
    ("lists.col_hpr", "HPR-nummer", "HPR-nummer", "HPR number"),
    ("lists.col_site", "Sykehus", "Sjukehus", "Hospital"),
    (
        "lists.col_hospital_from",
        "Sykehusdel fra",
        "Sjukehusdel frå",
        "Hospital part from",
    ),
    (
        "lists.col_hospital_to",
        "Sykehusdel til",
        "Sjukehusdel til",
        "Hospital part to",
    ),
    (
        "lists.col_municipal_from",
        "Kommunedel fra",
        "Kommunedel frå",
        "Municipal part from",
    ),
    (
        "lists.col_municipal_to",
        "Kommunedel til",
        "Kommunedel til",
        "Municipal part to",
    ),
    (
        "lists.col_municipality",
        "Kommune",
        "Kommune",
        "Municipality",
    ),
    (
        "lists.col_municipality_code",
        "Kommunenummer",
        "Kommunenummer",
        "Municipality number",
    ),
    ("lists.col_section", "Hjemmel", "Heimel", "Legal basis"),
    ("lists.col_on_leave", "Permisjon", "Permisjon", "On leave"),
];

/// The columns' text keys. Files always have bokmål headers: a list is sent between Norwegian
/// organisations.
const COLUMNS: [&str; 14] = [
    "lists.col_name",
    "lists.col_email",
    "lists.col_phone",
    "lists.col_national_id",
    "lists.col_hpr",
    "lists.col_site",
    "lists.col_hospital_from",
    "lists.col_hospital_to",
    "lists.col_municipal_from",
    "lists.col_municipal_to",
    "lists.col_municipality",
    "lists.col_municipality_code",
    "lists.col_section",
    "lists.col_on_leave",
];

/// `GET /lister`: the sites and cohorts whose lists the user may see (`lis1_app::lists::index`).
pub async fn index(State(state): State<AppState>, v: Visitor) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let found = uc::index(&state.app, &s.caller())
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let sites: Vec<_> = found
        .into_iter()
        .map(|site| {
            let cohorts: Vec<_> = site
                .cohorts
                .iter()
                .map(|(cohort, n)| {
                    context! {
                        cohort => cohort.to_string(), label => fmt_date(*cohort, lang),
                        hospital_start => fmt_date(cohort.saturating_sub(12.months()), lang),
                        doctors => n,
                    }
                })
                .collect();
            context! { id => site.site_id, name => site.name, cohorts => cohorts }
        })
        .collect();
    crate::templates::render("lists.html", page(&state, &v, context! { sites => sites }))
}

/// The column headers in `lang`.
pub fn columns(lang: Lang) -> Vec<String> {
    COLUMNS.iter().map(|k| t(lang, k)).collect()
}

/// The sentence about `n` doctors placed in `county`, outside the viewer's area.
pub fn elsewhere(lang: Lang, county: &str, n: usize) -> String {
    t(lang, "lists.elsewhere")
        .replace("{n}", &n.to_string())
        .replace("{county}", county)
}

/// One row of a list: the columns of [`COLUMNS`].
pub fn row(c: &Course, profile: Option<&serde_json::Value>, email: &str) -> Vec<String> {
    let field = |name: &str| {
        profile
            .and_then(|p| p.get(name))
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .unwrap_or_default()
    };
    let name = Some(field("full_name"))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| c.applicant_name.clone());
    let mail = Some(field("email"))
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| email.to_string());
    let d = &c.actual;
    let nb = |day: Date| fmt_date(day, Lang::Nb);
    vec![
        name,
        mail,
        field("phone"),
        field("national_id"),
        field("hpr_number"),
        c.hospital_site_name.clone(),
        nb(d.hospital_start),
        nb(d.hospital_end),
        nb(d.municipal_start),
        nb(d.municipal_end),
        c.municipality_name.clone().unwrap_or_default(),
        c.municipality_code.clone().unwrap_or_default(),
        format!("§{}", c.section),
        if c.on_leave { "ja" } else { "nei" }.into(),
    ]
}

enum Wanted {
    Page,
    File(Format),
}

/// `GET /lister/{site}/{cohort}` (a page), `…/{cohort}.csv` and `…/{cohort}.xlsx` (files): the
/// list of one site's cohort. Every view and download is logged.
pub async fn show(
    State(state): State<AppState>,
    v: Visitor,
    Path((site, cohort)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    let site: i64 = site.parse().map_err(|_| AppError::not_found(lang))?;
    let (cohort, wanted) = if let Some(c) = cohort.strip_suffix(".csv") {
        (c, Wanted::File(Format::Csv))
    } else if let Some(c) = cohort.strip_suffix(".xlsx") {
        (c, Wanted::File(Format::Xlsx))
    } else {
        (cohort.as_str(), Wanted::Page)
    };
    let cohort: Date = cohort.parse().map_err(|_| AppError::not_found(lang))?;
    let format = match wanted {
        Wanted::Page => "html",
        Wanted::File(Format::Csv) => "csv",
        Wanted::File(Format::Xlsx) => "xlsx",
    };
    let list = uc::show(&state.app, &s.caller(), site, cohort, format)
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let elsewhere: Vec<String> = list
        .elsewhere
        .iter()
        .map(|(county, n)| elsewhere(lang, county, *n))
        .collect();
    let rows: Vec<Vec<String>> = list
        .entries
        .iter()
        .map(|e| row(&e.course, e.profile.as_ref(), &e.email))
        .collect();
    match wanted {
        Wanted::File(f) => {
            let header: Vec<String> = COLUMNS.iter().map(|k| t(Lang::Nb, k)).collect();
            table_file(
                f,
                "Liste",
                &format!("lis1-liste-{site}-{cohort}"),
                &header,
                &rows,
                lang,
            )
        }
        Wanted::Page => {
            let html = crate::templates::render(
                "list.html",
                page(
                    &state,
                    &v,
                    context! {
                        site => context! { id => site, name => list.site_name },
                        cohort => cohort.to_string(), cohort_label => fmt_date(cohort, lang),
                        columns => columns(lang),
                        rows => rows, elsewhere => elsewhere,
                    },
                ),
            )?;
            let mut resp = html.into_response();
            resp.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("private, no-store"),
            );
            Ok(resp)
        }
    }
}
