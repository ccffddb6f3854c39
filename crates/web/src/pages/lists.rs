//! Lists (*lister*) of hired doctors per hospital site and cohort, with their contact and
//! personal data and their places: the HF sends them to the municipal coordinators, the county
//! governor and the directorate (002 §2.2). `/lister` shows the cohorts the user may see;
//! `/lister/{site}/{cohort}` the list as a page, and with `.csv` or `.xlsx` as a file. The
//! cohort is the planned municipal start, as for the lottery.
//!
//! Only `lis1_domain::access` decides who sees a list (`ViewLists`, `ViewCohortList`); every
//! view and download is logged with who, which list and which courses.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jiff::ToSpan;
use jiff::civil::Date;
use lis1_domain::Lang;
use lis1_domain::access::{Action, Grant, Role, authorize};
use lis1_domain::org::OrgKind;
use lis1_store::audit::Event;
use lis1_store::courses::Course;
use lis1_store::{Actor, Ctx, StoreError};
use minijinja::context;

use crate::auth::{SignedIn, Visitor};
use crate::error::AppError;
use crate::i18n::t;
use crate::pages::applicants::{Format, table_file};
use crate::pages::obligations::Paths;
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

fn store_err(lang: Lang) -> impl Fn(StoreError) -> AppError {
    move |e| AppError::store(e, lang)
}

fn forbidden(d: lis1_domain::access::Denied, lang: Lang) -> AppError {
    AppError::domain(StatusCode::FORBIDDEN, &d, lang)
}

/// The grant that lets `s` see the list of `site`, if any.
async fn list_grant(
    state: &AppState,
    s: &SignedIn,
    paths: &mut Paths,
    site: i64,
) -> Result<Result<Grant, lis1_domain::access::Denied>, StoreError> {
    let path = paths.of(&state.store, site).await?;
    let area = paths.area(&state.store, site).await?;
    Ok(authorize(
        &s.principal,
        &Action::ViewCohortList {
            site: &path,
            municipalities: &area,
        },
    ))
}

/// `GET /lister`: the sites and cohorts whose lists the user may see.
pub async fn index(State(state): State<AppState>, v: Visitor) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    authorize(&s.principal, &Action::ViewLists).map_err(|d| forbidden(d, lang))?;
    let mut paths = Paths::default();
    let mut sites = Vec::new();
    for site in state.store.orgs().await.map_err(store_err(lang))? {
        if site.kind != OrgKind::HospitalSite {
            continue;
        }
        let Ok(grant) = list_grant(&state, s, &mut paths, site.id)
            .await
            .map_err(store_err(lang))?
        else {
            continue;
        };
        let mut cohorts = Vec::new();
        for cohort in state
            .store
            .course_cohorts(site.id)
            .await
            .map_err(store_err(lang))?
        {
            let n = visible_courses(&state, s, grant, &mut paths, site.id, cohort)
                .await
                .map_err(store_err(lang))?
                .0
                .len();
            cohorts.push(context! {
                cohort => cohort.to_string(), label => fmt_date(cohort, lang),
                hospital_start => fmt_date(cohort.saturating_sub(12.months()), lang),
                doctors => n,
            });
        }
        sites.push(context! { id => site.id, name => site.name, cohorts => cohorts });
    }
    crate::templates::render("lists.html", page(&state, &v, context! { sites => sites }))
}

/// The courses of a cohort list that `s` (allowed the list by `grant`) has a work need for: the
/// directorate and the site's HF and RHF every doctor; a coordinator, county governor or
/// municipality the doctors placed in a municipality it reaches (the same rule as an obligation
/// of that course). Doctors not yet placed are shown to the area's coordinators too, who plan
/// the cohort with the hospital, but not to a governor or municipality that reaches only one
/// corner of the area. Second: the placed courses left out, so the page can say so.
async fn visible_courses(
    state: &AppState,
    s: &SignedIn,
    grant: Grant,
    paths: &mut Paths,
    site: i64,
    cohort: Date,
) -> Result<(Vec<Course>, Vec<Course>), StoreError> {
    let site_path = paths.of(&state.store, site).await?;
    let mut out = Vec::new();
    let mut left_out = Vec::new();
    for c in state.store.courses_for_cohort(site, cohort).await? {
        let municipalities = match c.municipality_id {
            Some(m) => vec![paths.of(&state.store, m).await?],
            None => Vec::new(),
        };
        let row_access = Action::ViewObligation {
            site: &site_path,
            municipalities: &municipalities,
        };
        let unplaced_for_coordinator =
            c.municipality_id.is_none() && grant.role == Role::Coordinator;
        if unplaced_for_coordinator || authorize(&s.principal, &row_access).is_ok() {
            out.push(c);
        } else if c.municipality_id.is_some() {
            left_out.push(c);
        }
    }
    Ok((out, left_out))
}

/// One row of a list.
fn row(c: &Course, profile: Option<&serde_json::Value>, email: &str) -> Vec<String> {
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
    let site_org = state.store.org(site).await.map_err(store_err(lang))?;
    if site_org.kind != OrgKind::HospitalSite {
        return Err(AppError::not_found(lang));
    }
    let mut paths = Paths::default();
    let grant = list_grant(&state, s, &mut paths, site)
        .await
        .map_err(store_err(lang))?
        .map_err(|d| forbidden(d, lang))?;
    let (courses, left_out) = visible_courses(&state, s, grant, &mut paths, site, cohort)
        .await
        .map_err(store_err(lang))?;
    // Doctors placed in a municipality outside the viewer's area are not listed; say so, and who
    // sees them (issue 11: the county governor's list silently left out a doctor placed in
    // another county). Counted per county, no names.
    let mut elsewhere: std::collections::BTreeMap<String, usize> = Default::default();
    for m in left_out.iter().filter_map(|c| c.municipality_id) {
        let muni = state.store.org(m).await.map_err(store_err(lang))?;
        let county = match muni.parent_id {
            Some(p) => state.store.org(p).await.map_err(store_err(lang))?.name,
            None => muni.name,
        };
        *elsewhere.entry(county).or_default() += 1;
    }
    let elsewhere: Vec<String> = elsewhere
        .into_iter()
        .map(|(county, n)| {
            t(lang, "lists.elsewhere")
                .replace("{n}", &n.to_string())
                .replace("{county}", &county)
        })
        .collect();
    let mut rows = Vec::with_capacity(courses.len());
    for c in &courses {
        let profile = state
            .store
            .profile(c.applicant_id)
            .await
            .map_err(store_err(lang))?;
        let user = state
            .store
            .user(c.applicant_id)
            .await
            .map_err(store_err(lang))?;
        rows.push(row(c, profile.as_ref().map(|p| &p.data), &user.email));
    }
    let format = match wanted {
        Wanted::Page => "html",
        Wanted::File(Format::Csv) => "csv",
        Wanted::File(Format::Xlsx) => "xlsx",
    };
    let ctx = Ctx::new(Actor::user(s.user.id, grant), state.now());
    state
        .store
        .log(
            &ctx,
            Event {
                action: match wanted {
                    Wanted::Page => "lists.view",
                    Wanted::File(_) => "lists.export",
                },
                object_type: "cohort_list",
                object_id: format!("{site}/{cohort}"),
                summary: serde_json::json!({
                    "format": format,
                    "courses": courses.iter().map(|c| c.id).collect::<Vec<_>>(),
                }),
            },
        )
        .await
        .map_err(store_err(lang))?;
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
                        site => context! { id => site, name => site_org.name },
                        cohort => cohort.to_string(), cohort_label => fmt_date(cohort, lang),
                        columns => COLUMNS.iter().map(|k| t(lang, k)).collect::<Vec<_>>(),
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
