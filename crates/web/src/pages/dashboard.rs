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
use lis1_app::home::TaskKind;

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
    if state.config.demo && authorize(p, &Action::SetDemoClock).is_ok() {
        cards.push(context! { title => "demo_clock.title", text => "demo_clock.card", href => "/demo/klokke" });
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
            // Only a count, naming no one: the queue itself, without the read's audit entry
            // (`lis1_app::offers::awaiting` logs the candidates it names).
            let mut tx = state.store.begin().await.map_err(store_err)?;
            let n = lis1_app::offers::awaiting_confirmation(&mut tx, &c, &mine, state.now())
                .await
                .map_err(|e| AppError::app(e, lang))?
                .iter()
                .filter(|w| w.next.is_some())
                .count();
            if n > 0 {
                awaiting.push(context! { id => c.ad.id, title => c.ad.title.clone(), count => n });
            }
        }
    }

    // Issue 11: the person's own tasks, for every role they hold, soonest deadline first.
    let mut tasks = Vec::new();
    let found = lis1_app::home::tasks(&state.app, &s.caller())
        .await
        .map_err(|e| AppError::app(e, lang))?;
    let now = state.now();
    for t in found {
        let kind = serde_json::to_value(t.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let amount = match (t.count, t.of) {
            (Some(n), Some(of)) => Some(
                crate::i18n::t(lang, &format!("tasks.{kind}.amount"))
                    .replace("{n}", &n.to_string())
                    .replace("{of}", &of.to_string()),
            ),
            // "1 lege", not "1 leger", where the table has a singular.
            (Some(1), None) => Some(
                crate::i18n::t_opt(lang, &format!("tasks.{kind}.amount_one")).unwrap_or_else(
                    || crate::i18n::t(lang, &format!("tasks.{kind}.amount")).replace("{n}", "1"),
                ),
            ),
            (Some(n), None) => Some(
                crate::i18n::t(lang, &format!("tasks.{kind}.amount"))
                    .replace("{n}", &n.to_string()),
            ),
            _ => None,
        };
        // Events happen on a date; the rest are due by it.
        let event = matches!(
            t.kind,
            TaskKind::RoundAnnounced
                | TaskKind::RoundFirstOffers
                | TaskKind::CourseStarts
                | TaskKind::DoctorsArrive
                | TaskKind::FollowRoundStatus
                | TaskKind::TokenExpires
        );
        tasks.push(context! {
            by => if event { "tasks.on" } else { "tasks.by" },
            text => format!("tasks.{kind}"),
            subject => t.subject,
            amount => amount,
            due => t.due.map(|d| crate::pages::fmt_time(d, lang)),
            countdown => t.due.map(|d| countdown(d, now, lang)),
            soon => t.due.is_some_and(|d| d.duration_since(now).as_secs() < 3 * 86_400),
            href => t.href,
        });
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
            onboarding => onboarding, bound => bound, tasks => tasks,
            show_tasks => true },
        ),
    )
}

/// How long until `due`, in words: "om 3 dager", "om 5 timer", "om under en time".
fn countdown(due: jiff::Timestamp, now: jiff::Timestamp, lang: lis1_domain::Lang) -> String {
    let secs = due.duration_since(now).as_secs();
    let d = secs / 86_400;
    let h = secs / 3600;
    match secs {
        s if s < 3600 => lang
            .pick3(
                "om under en time",
                "om under ein time",
                "in less than an hour",
            )
            .into(),
        s if s < 48 * 3600 => lang.pick3(
            format!("om {h} timer"),
            format!("om {h} timar"),
            format!("in {h} hours"),
        ),
        _ => lang.pick3(
            format!("om {d} dager"),
            format!("om {d} dagar"),
            format!("in {d} days"),
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_countdown_says_hours_then_days() {
        let now: jiff::Timestamp = "2027-03-01T08:00:00Z".parse().unwrap();
        let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        let nb = lis1_domain::Lang::Nb;
        assert_eq!(
            countdown(at("2027-03-01T08:30:00Z"), now, nb),
            "om under en time"
        );
        assert_eq!(countdown(at("2027-03-01T13:00:00Z"), now, nb), "om 5 timer");
        assert_eq!(countdown(at("2027-03-04T09:00:00Z"), now, nb), "om 3 dager");
        assert_eq!(
            countdown(at("2027-03-04T09:00:00Z"), now, lis1_domain::Lang::En),
            "in 3 days"
        );
    }
}
