//! The public holiday calendar that working-day deadlines are counted on.

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;

use crate::auth::Visitor;
use crate::error::AppError;
use crate::pages::{fmt_date, page};
use crate::state::AppState;

/// `GET /kalender`: this year's calendar.
pub async fn this_year(State(state): State<AppState>) -> Response {
    let year = lis1_domain::calendar::to_oslo(state.now()).year();
    Redirect::to(&format!("/kalender/{year}")).into_response()
}

/// `GET /kalender/{year}`.
pub async fn year(
    State(state): State<AppState>,
    v: Visitor,
    Path(year): Path<String>,
) -> Result<Html<String>, AppError> {
    let year: i16 = match year.parse() {
        Ok(y) if (1900..=2200).contains(&y) => y,
        _ => return Err(AppError::not_found(v.lang)),
    };
    let holidays: Vec<_> = lis1_domain::calendar::holidays(year)
        .into_iter()
        .map(|h| context! { date => fmt_date(h.date, v.lang), name => h.name(v.lang) })
        .collect();
    crate::templates::render(
        "calendar.html",
        page(&state, &v, context! { year => year, holidays => holidays }),
    )
}
