//! HTML pages. Each handler takes a [`Visitor`], asks `lis1_domain::access::authorize` what the
//! user may do, calls the store, and renders a template with [`page`].

pub mod ads;
pub mod alis;
pub mod applicants;
pub mod apply;
pub mod audit;
pub mod bound;
pub mod calendar;
pub mod confirm;
pub mod coordinated;
pub mod corrections;
pub mod courses;
pub mod dashboard;
pub mod demo_clock;
pub mod home;
pub mod invitations;
pub mod letters;
pub mod lists;
pub mod lottery;
pub mod obligations;
pub mod offers;
pub mod onboarding;
pub mod orgs;
pub mod planning;
pub mod privacy;
pub mod rest;
pub mod round_status;
pub mod rounds;
pub mod statistics;
pub mod tokens;

use lis1_domain::Lang;
use lis1_domain::access::{Action, authorize};
use minijinja::{Value, context};
use serde::Serialize;

use crate::auth::Visitor;
use crate::state::AppState;

/// Every route that answers `GET`, by what it shows of people (issue 9). The lists are kept
/// here, in one place, and a test (`crates/web/tests/web/security.rs`) checks that every `GET`
/// route registered in [`crate::app`] (pages and API) is in exactly one of them — a new page
/// without a classification fails it — and walks every route in [`PERSONAL_READS`] as a user
/// entitled to it, asserting the audit entry.
///
/// Routes that show personal data about someone else: each read is written to the audit log
/// under the given action, in the same request. (A route may also show one's own data, e.g. a
/// doctor's own course; those reads are not logged.)
pub const PERSONAL_READS: &[(&str, &str)] = &[
    // Merking: the doctors who accepted elsewhere.
    ("/runder/{id}/status", "round_status.view"),
    // The organisation's people.
    ("/organisasjoner/{id}", "organisation.users_view"),
    ("/utlysninger/{id}/sokere", "applicants.list"),
    ("/utlysninger/{id}/sokere.csv", "applicants.export"),
    ("/utlysninger/{id}/sokere.xlsx", "applicants.export"),
    ("/utlysninger/{id}/sokere/{app}", "application.view"),
    ("/utlysninger/{id}/innstilling", "recommendation.view"),
    ("/dokumenter/{id}", "document.view"),
    ("/api/v1/documents/{id}", "document.view"),
    ("/reststillinger/{id}/sokere", "rest_applicants.list"),
    (
        "/api/v1/rest-positions/{id}/applicants",
        "rest_applicants.list",
    ),
    ("/lis1-lop", "courses.list"),
    ("/lis1-lop/{id}", "course.view"),
    ("/api/v1/courses", "courses.list"),
    ("/api/v1/courses/{id}", "course.view"),
    ("/trekning", "lottery.overview"),
    ("/trekning/{id}", "lottery.view"),
    ("/api/v1/lotteries/{id}", "lottery.view"),
    ("/trekning/{id}/eksport.json", "lottery.export"),
    // A municipality's doctors (a doctor's own course is not logged).
    ("/min-lis1", "courses.view"),
    // Letters (issue 15): the offering employer's download of a doctor's offer letter or
    // acceptance confirmation (the doctor's own is not logged).
    ("/tilbud/{id}/tilbudsbrev.pdf", "letter.read"),
    ("/tilbud/{id}/bekreftelse.pdf", "letter.read"),
    ("/plikter", "obligations.view"),
    ("/lister/{site}/{cohort}", "lists.view"),
    ("/api/v1/obligations", "obligations.view"),
    ("/api/v1/lists/{site}/{cohort}", "lists.view"),
    // The log names who did what to whom.
    ("/revisjonslogg", "audit.view"),
    // Requests for correction name the people who asked (the directorate).
    ("/personvern/krav", "privacy.corrections_view"),
    // Before each start (issue 17): who is not ready, a course's checklist, a held copy of a
    // police certificate.
    ("/oppstart", "onboarding.view_overview"),
    ("/oppstart/kull/{site}/{cohort}/{part}", "onboarding.view"),
    ("/oppstart/lop/{id}", "onboarding.view"),
    ("/oppstart/kopi/{token}", "onboarding.police_copy_viewed"),
    ("/api/v1/onboarding/courses/{id}", "onboarding.view"),
    (
        "/api/v1/onboarding/cohorts/{site}/{cohort}/{part}",
        "onboarding.view",
    ),
    // Bound positions (issue 13): the later employer's bound doctors, one doctor's plan (the
    // doctor's own read is not logged).
    ("/bundet", "bound_doctors.view"),
    ("/bundet/{id}", "bound_plan.view"),
    // ALIS in hospital (seed 003): the requests name the GP trainees.
    ("/alis-sykehus", "alis_requests.view"),
    ("/api/v1/bound/plans/{id}", "bound_plan.view"),
    // The follow-up evaluation (issue 14): aggregates, but of named doctors' consented data.
    ("/statistikk/evaluering", "statistics.evaluation_read"),
    (
        "/api/v1/statistics/evaluation",
        "statistics.evaluation_read",
    ),
    // The API: an advertisement's applicants and its innstilling (by name).
    ("/api/v1/advertisements/{id}/applicants", "applicants.list"),
    (
        "/api/v1/advertisements/{id}/recommendation",
        "recommendation.view",
    ),
    // The API: offers of an advertisement (applicants by id), who is next (by name).
    ("/api/v1/advertisements/{id}/offers", "offers.view"),
    // Who is next for a freed place (by application), in confirm mode.
    (
        "/api/v1/advertisements/{id}/awaiting-confirmation",
        "offers.awaiting",
    ),
    // The audit log names who did what.
    ("/api/v1/audit/entries", "audit.view"),
    // Coordinated admission (issue 16): whom each position got, by name (to its employer and
    // the directorate); the export (opaque ids, but everyone's results).
    ("/runder/{id}/samordnet", "coordinated.result_view"),
    ("/runder/{id}/samordnet/eksport.json", "coordinated.export"),
    ("/api/v1/coordinated/{id}", "coordinated.result_view"),
    ("/api/v1/coordinated/{id}/export", "coordinated.export"),
    // The employers' rank order lists are their innstilling, by name.
    (
        "/api/v1/coordinated/{id}/rank-order-lists",
        "recommendation.view",
    ),
    (
        "/api/v1/advertisements/{id}/positions/{position}/next",
        "offers.preview",
    ),
];

/// Routes that show the signed-in user only their own data (profile, applications, offers, their
/// roles): not logged, as the person reads about themselves. They are still personal: sent with
/// `Cache-Control: no-store` like every response to a signed-in request.
pub const OWN_DATA: &[&str] = &[
    "/oversikt",
    "/profil",
    "/soknader",
    "/tilbud",
    // Letters only the doctor may download: the receipt of their application, their lottery
    // result.
    "/soknader/{id}/kvittering.pdf",
    "/min-lis1/{id}/trekningsresultat.pdf",
    // A rest position's letters, likewise only the doctor's.
    "/reststillinger/tilbud/{id}/tilbudsbrev.pdf",
    "/reststillinger/tilbud/{id}/bekreftelse.pdf",
    "/utlysninger/{id}/sok",
    "/reststillinger/mine",
    "/reststillinger/{id}",
    "/api/v1/me",
    "/api/v1/me/offers",
    "/api/v1/me/profile",
    "/api/v1/me/documents",
    "/api/v1/me/rest-positions",
    "/api/v1/courses/{id}/lottery-ranking",
    // Everything the portal holds about the signed-in person (GDPR Art. 15); the export itself
    // is logged as `privacy.export`.
    "/personvern",
    "/personvern/mine-data.json",
    "/personvern/mine-data.html",
    // The link confirmation after a first sign-in through a provider: the person's own account,
    // its e-mail masked.
    "/logg-inn/koble",
    // Coordinated admission (issue 16): the doctor's rounds, ranking, couple and explanation
    // (the partner's name and positions to the couple they both confirmed; others by rank only).
    "/samordnet",
    "/samordnet/{id}",
    "/api/v1/coordinated/{id}/me",
];

/// Routes that show no personal data: public pages, forms, figures, assets and health.
pub const NO_PERSONAL_DATA: &[&str] = &[
    "/",
    "/logg-inn",
    // Sign-in through OpenID Connect: redirects, the provider's callback, front-channel logout,
    // and an invitation's page (the invited person's name and role, to the holder of the link).
    "/logg-inn/oidc/{provider}",
    "/logg-inn/oidc/{provider}/callback",
    "/logg-ut/oidc/frontkanal",
    "/invitasjon/{secret}",
    "/invitasjoner",
    "/sprak",
    "/runder",
    "/runder/ny",
    "/runder/{id}",
    "/organisasjoner",
    "/stillinger",
    "/utlysninger",
    "/utlysninger/ny",
    "/utlysninger/{id}",
    "/utlysninger/{id}/endre",
    "/reststillinger",
    "/reststillinger/ny",
    "/lister",
    "/api/v1/lists",
    "/kalender",
    "/kalender/{year}",
    "/assets/{file}",
    "/healthz",
    "/api/openapi.json",
    "/api/v1/rounds",
    "/api/v1/rounds/{id}",
    "/api/v1/organisations",
    "/api/v1/calendar/holidays/{year}",
    "/api/v1/audit/verify",
    // An organisation's advertisements: titles, dates, positions and counts, no people.
    "/api/v1/advertisements",
    "/api/v1/advertisements/{id}",
    // Rest positions: titles, employers and periods, no people.
    "/api/v1/rest-positions",
    "/api/v1/rest-positions/own",
    "/api/v1/rest-positions/{id}",
    // What an employer requires before the start: settings, no people.
    "/oppstart/krav",
    "/api/v1/onboarding/requirements",
    // Bound positions' forward capacity: counts per organisation and year, no people.
    "/bundet/kapasitet",
    "/api/v1/bound/capacity",
    // The demo's clock (demo mode only).
    "/demo/klokke",
    // The mechanism simulator (issue 16): aggregates per mechanism, no people.
    "/samordnet/simulator",
    "/samordnet/simulator/{id}",
    "/samordnet/simulator/{id}/rapport.md",
    // Statistics (issue 14): aggregates through disclosure control; the directorate's full
    // detail is aggregates too.
    "/statistikk",
    "/statistikk/runder/{id}",
    "/statistikk/runder/{id}/last-ned",
    "/api/v1/statistics/rounds/{id}",
    "/api/v1/statistics/trend",
    // National planning (issue 12): numbers per organisation and cohort, capacity calls and the
    // municipalities' answers; the deciding organisation is shown, never the person.
    "/planlegging",
    "/planlegging/fordel",
    "/planlegging/eksport.csv",
    "/planlegging/eksport.xlsx",
    "/planlegging/kapasitet",
    "/planlegging/kapasitet/{id}",
    "/planlegging/alis",
    "/api/v1/planning/cohorts/{cohort}",
    "/api/v1/planning/capacity-calls",
    "/api/v1/planning/cohorts/{cohort}/alis-proposals",
    // An organisation's API tokens: names and scopes, no people.
    "/api-nokler",
    "/api/v1/organisations/{id}/tokens",
];

#[derive(Serialize)]
struct NavItem {
    key: &'static str,
    href: &'static str,
    current: bool,
}

/// The page context: what `base.html` needs (language, user, CSRF token, menu) merged with the
/// page's own `extra` (which wins on clashes).
pub fn page(state: &AppState, v: &Visitor, extra: Value) -> Value {
    let path = v.path.split('?').next().unwrap_or("/");
    let mut nav = Vec::new();
    let mut add = |key, href: &'static str| {
        let current = path == href || (href != "/" && path.starts_with(&format!("{href}/")));
        nav.push(NavItem { key, href, current });
    };
    match &v.session {
        None => {
            add("nav.home", "/");
            add("nav.positions", "/stillinger");
            add("nav.rest", "/reststillinger");
            add("nav.rounds", "/runder");
            add("nav.statistics", "/statistikk");
        }
        Some(s) => {
            let p = &s.principal;
            add("nav.dashboard", "/oversikt");
            if authorize(p, &Action::Apply).is_ok() {
                add("nav.positions", "/stillinger");
                add("nav.profile", "/profil");
                add("nav.applications", "/soknader");
                add("nav.offers", "/tilbud");
                add("nav.coordinated", "/samordnet");
                add("nav.my_course", "/min-lis1");
            } else {
                add("nav.ads", "/utlysninger");
                if p.has_role(lis1_domain::access::Role::HfRecruiter) {
                    add("nav.courses", "/lis1-lop");
                    add("nav.lottery", "/trekning");
                } else if authorize(p, &Action::AllowLateLottery).is_ok() {
                    add("nav.lottery", "/trekning");
                }
                if p.has_role(lis1_domain::access::Role::Municipality) {
                    add("nav.our_doctors", "/min-lis1");
                }
            }
            if authorize(p, &Action::ViewDeadlines).is_ok() {
                add("nav.obligations", "/plikter");
            }
            if authorize(p, &Action::ViewLists).is_ok() {
                add("nav.lists", "/lister");
            }
            // Issue 17: the doctor's checklist, each part's employer, counts for the rest.
            if p.grants.iter().any(|g| {
                use lis1_domain::access::Role::*;
                matches!(
                    g.role,
                    Applicant
                        | HfRecruiter
                        | Municipality
                        | Coordinator
                        | CountyGovernor
                        | Directorate
                )
            }) {
                add("nav.onboarding", "/oppstart");
            }
            // Issue 13: bound positions — the later employers' doctors, the doctor's own plan,
            // the forward capacity for the planners.
            if authorize(p, &Action::ViewBoundCapacity { org: None }).is_ok() {
                add("nav.bound", "/bundet");
            }
            // Issue 12: the national plan and the capacity calls.
            if authorize(p, &Action::ViewPlanning).is_ok() {
                add("nav.planning", "/planlegging");
            }
            if p.grants.iter().any(|g| {
                use lis1_domain::access::Role::*;
                matches!(g.role, Municipality | Lis3Coordinator | Directorate)
            }) {
                add("nav.alis", "/alis-sykehus");
            }
            add("nav.rest", "/reststillinger");
            add("nav.rounds", "/runder");
            add("nav.statistics", "/statistikk");
            if tokens::offered_to(s) {
                add("nav.tokens", "/api-nokler");
            }
            if authorize(p, &Action::ViewOrganisations).is_ok() {
                add("nav.organisations", "/organisasjoner");
            }
            if authorize(p, &Action::ManageCoordinatedAdmission).is_ok() {
                add("nav.coordinated", "/samordnet");
            }
            if authorize(p, &Action::ViewAuditLog).is_ok() {
                add("nav.audit", "/revisjonslogg");
            }
        }
    }
    add("nav.calendar", "/kalender");
    let user = v.session.as_ref().map(|s| {
        context! { name => s.user.display_name.clone(), id => s.user.id }
    });
    let base = context! {
        lang => v.lang.tag(),
        langs => crate::templates::lang_choices(v.lang),
        path => v.path.clone(),
        user => user,
        csrf => v.session.as_ref().map(|s| s.csrf.clone()),
        nav => nav,
        demo => state.config.demo,
        demo_clock => state.config.demo.then(|| state.clock.shift()).flatten()
            .map(|_| fmt_time(state.now(), v.lang)),
        may_set_clock => state.config.demo && v.session.as_ref().is_some_and(|s|
            authorize(&s.principal, &Action::SetDemoClock).is_ok()),
    };
    minijinja::value::merge_maps([extra, base])
}

/// A time as people in Norway read it, in the page's language.
pub fn fmt_time(t: jiff::Timestamp, lang: Lang) -> String {
    lis1_domain::calendar::format_datetime(lis1_domain::calendar::to_oslo(t), lang)
}

/// A date as people in Norway read it.
pub fn fmt_date(d: jiff::civil::Date, lang: Lang) -> String {
    lis1_domain::calendar::format_date(d, lang)
}
