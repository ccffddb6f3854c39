//! The check-and-confirm step before an irreversible action (issue 11, item 6): a POST without
//! `bekreft=1` changes nothing and answers with a page that says what will happen and what
//! cannot be undone, and a form that posts the same fields again with `bekreft=1`. Works without
//! JavaScript. The pattern of "offer to the next" (`offers_confirm.html`), for the other steps.

use axum::response::{IntoResponse, Response};
use minijinja::context;

use crate::auth::Visitor;
use crate::error::AppError;
use crate::pages::page;
use crate::state::AppState;

/// Interface texts of the confirmation page.
pub const TEXTS: &[(&str, &str, &str, &str)] = &[
    (
        "confirm.irreversible",
        "Dette kan ikke angres",
        "Dette kan ikkje angrast",
        "This cannot be undone",
    ),
    ("confirm.cancel", "Avbryt", "Avbryt", "Cancel"),
];

/// What a confirmation page shows and posts.
pub struct Confirm {
    /// The heading: the step, e.g. "Publiser utlysningen".
    pub title: String,
    /// What will happen, in a sentence or two.
    pub what: String,
    /// What cannot be undone.
    pub irreversible: String,
    /// Where the confirmed form posts.
    pub action: String,
    /// The fields to post again (the CSRF token and `bekreft` are added).
    pub fields: Vec<(String, String)>,
    /// Where "cancel" goes: the page the step came from.
    pub back: String,
    /// The button's text.
    pub button: String,
}

/// Whether a form confirmed the step.
pub fn confirmed(bekreft: &str) -> bool {
    bekreft.trim() == "1"
}

/// The confirmation page (200: nothing was done).
pub fn page_for(state: &AppState, v: &Visitor, c: Confirm) -> Result<Response, AppError> {
    let fields: Vec<_> = c
        .fields
        .into_iter()
        .map(|(name, value)| context! { name => name, value => value })
        .collect();
    Ok(crate::templates::render(
        "confirm.html",
        page(
            state,
            v,
            context! {
                title => c.title, what => c.what, irreversible => c.irreversible,
                action => c.action, fields => fields, back => c.back, button => c.button,
            },
        ),
    )?
    .into_response())
}
