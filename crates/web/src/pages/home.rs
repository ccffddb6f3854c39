//! The public front page.

use axum::extract::State;
use axum::response::Html;
use minijinja::context;

use crate::auth::Visitor;
use crate::error::AppError;
use crate::pages::{page, rounds::round_rows};
use crate::state::AppState;

/// `GET /`.
pub async fn home(State(state): State<AppState>, v: Visitor) -> Result<Html<String>, AppError> {
    let rounds = state
        .store
        .rounds()
        .await
        .map_err(|e| AppError::store(e, v.lang))?;
    crate::templates::render(
        "home.html",
        page(
            &state,
            &v,
            context! { rounds => round_rows(&rounds, v.lang) },
        ),
    )
}
