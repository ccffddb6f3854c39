//! Organisations, cooperation areas and municipality places. Places and areas are not personal
//! data and every employer role may see them; the list of an organisation's users is internal and
//! shown only to the organisation itself (and those above it) and the directorate.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Html;
use lis1_domain::Lang;
use lis1_domain::access::{Action, authorize};
use lis1_domain::org::OrgKind;
use minijinja::context;
use serde::Serialize;

use crate::auth::Visitor;
use crate::error::AppError;
use crate::pages::{fmt_date, page};
use crate::state::AppState;

/// One cohort's places for one site, ready for `places_table.html`.
#[derive(Debug, Serialize)]
pub struct PlacesBlock {
    /// Site name (filled in by the caller where several sites are shown).
    pub site: String,
    /// The cohort's hospital start, formatted.
    pub cohort: String,
    /// Rows.
    pub rows: Vec<PlaceRow>,
    /// Sum of places.
    pub total: i32,
}

/// One row of places.
#[derive(Debug, Serialize)]
pub struct PlaceRow {
    municipality: Option<String>,
    location: String,
    places: i32,
    note: Option<String>,
}

/// The newest `limit` cohorts of places for a site.
pub async fn places_blocks(
    state: &AppState,
    site: i64,
    lang: Lang,
    limit: usize,
) -> Result<Vec<PlacesBlock>, AppError> {
    let store_err = |e| AppError::store(e, lang);
    let mut out = Vec::new();
    for cohort in state
        .store
        .cohorts(site)
        .await
        .map_err(store_err)?
        .into_iter()
        .take(limit)
    {
        let rows = state.store.places(site, cohort).await.map_err(store_err)?;
        let total = rows.iter().map(|r| r.places).sum();
        out.push(PlacesBlock {
            site: String::new(),
            cohort: fmt_date(cohort, lang),
            total,
            rows: rows
                .into_iter()
                .map(|r| PlaceRow {
                    municipality: r.municipality_name,
                    location: r.location,
                    places: r.places,
                    note: r.note,
                })
                .collect(),
        });
    }
    Ok(out)
}

/// `GET /organisasjoner`.
pub async fn list(State(state): State<AppState>, v: Visitor) -> Result<Html<String>, AppError> {
    let s = v.require()?;
    authorize(&s.principal, &Action::ViewOrganisations)
        .map_err(|d| AppError::domain(StatusCode::FORBIDDEN, &d, v.lang))?;
    let orgs = state
        .store
        .orgs()
        .await
        .map_err(|e| AppError::store(e, v.lang))?;
    let groups: Vec<_> = OrgKind::ALL
        .iter()
        .filter_map(|kind| {
            let members: Vec<_> = orgs
                .iter()
                .filter(|o| o.kind == *kind)
                .map(|o| context! { id => o.id, name => o.name.clone(), code => o.code.clone() })
                .collect();
            (!members.is_empty()).then(|| context! { label => kind.label(v.lang), orgs => members })
        })
        .collect();
    crate::templates::render("orgs.html", page(&state, &v, context! { groups => groups }))
}

/// `GET /organisasjoner/{id}`.
pub async fn show(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let lang = v.lang;
    let s = v.require()?;
    authorize(&s.principal, &Action::ViewOrganisations)
        .map_err(|d| AppError::domain(StatusCode::FORBIDDEN, &d, lang))?;
    let id: i64 = id.parse().map_err(|_| AppError::not_found(lang))?;
    let store_err = |e| AppError::store(e, lang);
    let org = state.store.org(id).await.map_err(store_err)?;
    let parent = match org.parent_id {
        Some(p) => Some(state.store.org(p).await.map_err(store_err)?),
        None => None,
    };
    let area = state.store.area(id).await.map_err(store_err)?;
    let places = places_blocks(&state, id, lang, 4).await?;
    // The organisation's people, by name, if the user may see them: the read is logged.
    let users: Vec<minijinja::Value> = match lis1_app::orgs::users_of(&state.app, &s.caller(), id)
        .await
        .map_err(|e| AppError::app(e, lang))?
    {
        Some(users) => users
            .into_iter()
            .map(|u| {
                let roles: Vec<_> = u
                    .grants
                    .iter()
                    .filter(|g| g.org == id)
                    .map(|g| g.role.label(lang))
                    .collect();
                context! { display_name => u.display_name, roles => roles.join(", ") }
            })
            .collect(),
        None => Vec::new(),
    };
    crate::templates::render(
        "org.html",
        page(
            &state,
            &v,
            context! {
                org => org, kind_label => org.kind.label(lang), parent => parent,
                area => area, places => places, users => users,
            },
        ),
    )
}
