//! HTML pages. Each handler takes a [`Visitor`], asks `lis1_domain::access::authorize` what the
//! user may do, calls the store, and renders a template with [`page`].

pub mod ads;
pub mod applicants;
pub mod apply;
pub mod audit;
pub mod calendar;
pub mod courses;
pub mod dashboard;
pub mod home;
pub mod lists;
pub mod lottery;
pub mod obligations;
pub mod offers;
pub mod orgs;
pub mod rest;
pub mod round_status;
pub mod rounds;
pub mod tokens;

use lis1_domain::Lang;
use lis1_domain::access::{Action, authorize};
use minijinja::{Value, context};
use serde::Serialize;

use crate::auth::Visitor;
use crate::state::AppState;

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
        }
        Some(s) => {
            let p = &s.principal;
            add("nav.dashboard", "/oversikt");
            if authorize(p, &Action::Apply).is_ok() {
                add("nav.positions", "/stillinger");
                add("nav.profile", "/profil");
                add("nav.applications", "/soknader");
                add("nav.offers", "/tilbud");
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
            add("nav.rest", "/reststillinger");
            add("nav.rounds", "/runder");
            if tokens::offered_to(s) {
                add("nav.tokens", "/api-nokler");
            }
            if authorize(p, &Action::ViewOrganisations).is_ok() {
                add("nav.organisations", "/organisasjoner");
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
        other_lang => match v.lang { Lang::Nb => "en", Lang::En => "nb" },
        path => v.path.clone(),
        user => user,
        csrf => v.session.as_ref().map(|s| s.csrf.clone()),
        nav => nav,
        demo => state.config.demo,
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
