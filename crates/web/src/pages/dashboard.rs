//! The signed-in start page: the user's roles, what they can do, and the places that concern
//! them.

use axum::extract::State;
use axum::response::Html;
use lis1_domain::access::{Action, Role, authorize};
use lis1_domain::org::OrgKind;
use minijinja::context;

use crate::auth::Visitor;
use crate::error::AppError;
use crate::pages::orgs::places_blocks;
use crate::pages::page;
use crate::state::AppState;

/// `GET /oversikt`.
pub async fn dashboard(
    State(state): State<AppState>,
    v: Visitor,
) -> Result<Html<String>, AppError> {
    let s = v.require()?;
    let p = &s.principal;
    let lang = v.lang;
    let store_err = |e| AppError::store(e, lang);
    authorize(p, &Action::ViewDashboard)
        .map_err(|d| AppError::domain(axum::http::StatusCode::FORBIDDEN, &d, lang))?;

    let mut grants = Vec::new();
    for g in &p.grants {
        // A doctor's role is held at the national level for access control only: "Søker –
        // Helsedirektoratet" read as if the directorate employed them (issue 11). Shown alone.
        let org = if g.role == Role::Applicant {
            None
        } else {
            Some(state.store.org(g.org).await.map_err(store_err)?.name)
        };
        grants.push(context! { role => g.role.label(lang), org => org });
    }

    let mut cards = Vec::new();
    if authorize(p, &Action::ManageRounds).is_ok() {
        cards.push(context! { title => "nav.rounds", text => "dashboard.manage_rounds", href => "/runder" });
    } else if p.has_role(Role::Applicant) {
        cards.push(
            context! { title => "nav.rounds", text => "dashboard.applicant", href => "/runder" },
        );
    } else {
        cards.push(
            context! { title => "nav.rounds", text => "dashboard.see_rounds", href => "/runder" },
        );
    }
    if authorize(p, &Action::ViewOrganisations).is_ok() {
        cards.push(context! { title => "nav.organisations", text => "dashboard.see_orgs", href => "/organisasjoner" });
    }
    if authorize(p, &Action::ViewAuditLog).is_ok() {
        cards.push(context! { title => "nav.audit", text => "dashboard.see_audit", href => "/revisjonslogg" });
    }

    // A hospital recruiter sees the newest places of the trust's hospital sites.
    let mut places = Vec::new();
    for g in p.grants.iter().filter(|g| g.role == Role::HfRecruiter) {
        let sites: Vec<_> = state
            .store
            .orgs()
            .await
            .map_err(store_err)?
            .into_iter()
            .filter(|o| o.kind == OrgKind::HospitalSite && o.parent_id == Some(g.org))
            .collect();
        for site in sites {
            let mut blocks = places_blocks(&state, site.id, lang, 1).await?;
            for b in &mut blocks {
                b.site = site.name.clone();
            }
            places.extend(blocks);
        }
    }

    // Advertisements in confirm mode whose freed places wait for this user's confirmation.
    let mut awaiting = Vec::new();
    if p.grants
        .iter()
        .any(|g| matches!(g.role, Role::HfRecruiter | Role::Municipality))
    {
        for ad in state
            .store
            .advertisements(None)
            .await
            .map_err(store_err)?
            .into_iter()
            .filter(|a| !a.auto_next_in_line && a.state == "published")
        {
            let c = crate::pages::ads::load(&state, ad.id, lang).await?;
            let mine: Vec<i64> =
                c.ad.positions
                    .iter()
                    .filter(|x| {
                        authorize(
                            p,
                            &Action::Recommend {
                                hf: &c.hf_path,
                                later_employer: x.later_employer_id,
                            },
                        )
                        .is_ok()
                    })
                    .map(|x| x.id)
                    .collect();
            if mine.is_empty() {
                continue;
            }
            let n =
                crate::pages::offers::awaiting_confirmation(&state, &c, &mine, state.now(), lang)
                    .await?
                    .iter()
                    .filter(|w| w.next.is_some())
                    .count();
            if n > 0 {
                awaiting.push(context! { id => c.ad.id, title => c.ad.title.clone(), count => n });
            }
        }
    }

    // Issue 17: doctors not ready before a start (the read model `lis1_app::onboarding::home`).
    let onboarding = crate::pages::onboarding::home_block(&state, s, lang).await?;
    // Issue 13: a bound doctor's plan, a later employer's deadlines.
    let bound = crate::pages::bound::home_block(&state, s, lang).await?;

    crate::templates::render(
        "dashboard.html",
        page(
            &state,
            &v,
            context! { grants => grants, cards => cards, places => places, awaiting => awaiting,
            onboarding => onboarding, bound => bound },
        ),
    )
}
